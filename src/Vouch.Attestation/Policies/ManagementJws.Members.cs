using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Vouch.Attestation.Errors;

namespace Vouch.Attestation.Policies;

/// <summary>
/// What a management JWS says about itself beyond MAA's format (all optional, so MAA's clients, which send none, are
/// unaffected): which operation, provider and attestation type it is meant for, and when it was made and is valid.
/// Each may be a member of the protected header or of a JSON-object payload, never of both.
/// </summary>
/// <param name="Operation"><c>x-vouch-operation</c>: one of <see cref="ManagementJwsClaims.Operations"/>.</param>
/// <param name="Provider"><c>x-vouch-provider</c>: the provider's store name (<c>default</c> for the one at <c>/</c>).</param>
/// <param name="Type"><c>x-vouch-type</c>: <c>SgxEnclave</c>, <c>OpenEnclave</c> or <c>Tpm</c>.</param>
/// <param name="IssuedAt"><c>iat</c> (RFC 7519 §4.1.6).</param>
/// <param name="NotBefore"><c>nbf</c> (RFC 7519 §4.1.5).</param>
/// <param name="Expires"><c>exp</c> (RFC 7519 §4.1.4).</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record ManagementJwsClaims(string? Operation, string? Provider, string? Type, DateTimeOffset? IssuedAt, DateTimeOffset? NotBefore, DateTimeOffset? Expires)
{
    /// <summary>The name of the operation member.</summary>
    public const string OperationMember = "x-vouch-operation";

    /// <summary>The name of the provider member.</summary>
    public const string ProviderMember = "x-vouch-provider";

    /// <summary>The name of the attestation type member.</summary>
    public const string TypeMember = "x-vouch-type";

    /// <summary>No binding or time members.</summary>
    public static readonly ManagementJwsClaims None = new(null, null, null, null, null, null);

    /// <summary>The names of every binding and time member (a payload that is otherwise a request body may carry them).</summary>
    public static readonly FrozenSet<string> Members = FrozenSet.Create(StringComparer.Ordinal, OperationMember, ProviderMember, TypeMember, "iat", "nbf", "exp");

    /// <summary>The values of <c>x-vouch-operation</c>, one per management route.</summary>
    public static readonly FrozenSet<string> Operations = FrozenSet.Create(StringComparer.Ordinal,
        "SetPolicy", "ResetPolicy", "AddPolicySigner", "RemovePolicySigner", "SetCollateralPolicy");
}

/// <content>The members a management JWS may carry and the RFC 7515 strictness rules over them.</content>
public sealed partial record ManagementJws
{
    // RFC 7515 §4.1.11: crit may not name parameters of JWS (§4.1) or JWA (RFC 7518 §4.1, §4.6, §4.7, §4.8, §5.1, §7.2).
    // Deep enough for every payload an operation takes; a deeper one no operation takes either.
    private const int MaxPayloadDepth = 64;

    private static readonly FrozenSet<string> RegisteredHeaderParameters = FrozenSet.Create(StringComparer.Ordinal,
        "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
        "enc", "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c");

    // The extension header parameters Vouch implements are the only ones crit may name.
    private static FrozenSet<string> Understood => ManagementJwsClaims.Members;

    private static bool TryCheckMembers(byte[] headerBytes, JsonElement header, byte[] payload, out ManagementJwsClaims claims, [NotNullWhen(false)] out AttestationError? error)
    {
        claims = ManagementJwsClaims.None;
        if (HasDuplicateMember(headerBytes))
        {
            error = new AttestationError(AttestationErrorCode.ManagementJwsDuplicateMember, "a member name appears twice in the JWS header");
            return false;
        }

        // RFC 7797 §3: b64 false signs the payload unencoded; Vouch reads only the encoded form.
        if (header.TryGetProperty("b64", out var b64))
        {
            if (b64.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                error = Malformed("'b64' is not a boolean");
                return false;
            }

            if (b64.ValueKind == JsonValueKind.False)
            {
                error = new AttestationError(AttestationErrorCode.ManagementJwsUnencodedPayload, "'b64': false (RFC 7797 unencoded payload) is not supported");
                return false;
            }
        }

        if (!TryCheckCritical(header, out error))
        {
            return false;
        }

        // The payload, when it is JSON (a reset's is empty; anything else the operation refuses itself).
        JsonDocument? body = null;
        try
        {
            if (payload.Length != 0)
            {
                if (HasDuplicateMember(payload))
                {
                    error = new AttestationError(AttestationErrorCode.ManagementJwsDuplicateMember, "a member name appears twice in the JWS payload");
                    return false;
                }

                body = ParseOrNull(payload);
            }

            var payloadObject = body is { RootElement.ValueKind: JsonValueKind.Object } ? body.RootElement : (JsonElement?)null;
            return TryReadClaims(header, payloadObject, out claims, out error);
        }
        finally
        {
            body?.Dispose();
        }
    }

    private static bool TryCheckCritical(JsonElement header, [NotNullWhen(false)] out AttestationError? error)
    {
        error = null;
        if (!header.TryGetProperty("crit", out var crit))
        {
            return true;
        }

        // §4.1.11: a non-empty array of distinct names, none of JWS or JWA, each present in the header, each understood.
        if (crit.ValueKind != JsonValueKind.Array || crit.GetArrayLength() == 0)
        {
            error = new AttestationError(AttestationErrorCode.ManagementJwsCriticalUnsupported, "'crit' is not a non-empty array");
            return false;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in crit.EnumerateArray())
        {
            var name = entry.ValueKind == JsonValueKind.String ? entry.GetString()! : null;
            if (name is null || !seen.Add(name) || RegisteredHeaderParameters.Contains(name) || !Understood.Contains(name) || !header.TryGetProperty(name, out _))
            {
                error = new AttestationError(AttestationErrorCode.ManagementJwsCriticalUnsupported,
                    $"'crit' names {(name is null ? "a non-string" : "'" + name + "'")}, which is not an extension Vouch implements in this header");
                return false;
            }
        }

        return true;
    }

    private static bool TryReadClaims(JsonElement header, JsonElement? payload, out ManagementJwsClaims claims, [NotNullWhen(false)] out AttestationError? error)
    {
        claims = ManagementJwsClaims.None;
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var name in ManagementJwsClaims.Members)
        {
            var inHeader = header.TryGetProperty(name, out var fromHeader);
            var inPayload = payload is { } body && body.TryGetProperty(name, out var fromPayload) ? fromPayload : (JsonElement?)null;
            if (inHeader && inPayload is not null)
            {
                error = new AttestationError(AttestationErrorCode.ManagementJwsDuplicateMember, $"'{name}' appears in both the JWS header and its payload");
                return false;
            }

            if (inHeader)
            {
                values[name] = fromHeader;
            }
            else if (inPayload is { } value)
            {
                values[name] = value;
            }
        }

        if (!TryString(values, ManagementJwsClaims.OperationMember, out var operation, out error)
            || !TryString(values, ManagementJwsClaims.ProviderMember, out var provider, out error)
            || !TryString(values, ManagementJwsClaims.TypeMember, out var type, out error)
            || !TryInstant(values, "iat", out var issuedAt, out error)
            || !TryInstant(values, "nbf", out var notBefore, out error)
            || !TryInstant(values, "exp", out var expires, out error))
        {
            return false;
        }

        if (operation is not null && !ManagementJwsClaims.Operations.Contains(operation))
        {
            error = Malformed($"'{ManagementJwsClaims.OperationMember}' is not one of {string.Join(", ", ManagementJwsClaims.Operations.Order(StringComparer.Ordinal))}");
            return false;
        }

        claims = new ManagementJwsClaims(operation, provider, type, issuedAt, notBefore, expires);
        return true;
    }

    private static bool TryString(Dictionary<string, JsonElement> values, string name, out string? value, [NotNullWhen(false)] out AttestationError? error)
    {
        value = null;
        error = null;
        if (!values.TryGetValue(name, out var element))
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = Malformed($"'{name}' is not a string");
            return false;
        }

        value = element.GetString();
        return true;
    }

    // RFC 7519 §2 NumericDate: seconds since the epoch, a JSON number (fractions allowed), here 0 to year 9999.
    private static bool TryInstant(Dictionary<string, JsonElement> values, string name, out DateTimeOffset? value, [NotNullWhen(false)] out AttestationError? error)
    {
        value = null;
        error = null;
        if (!values.TryGetValue(name, out var element))
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var seconds)
            || !double.IsFinite(seconds) || seconds < 0 || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            error = Malformed($"'{name}' is not a NumericDate (seconds since 1970, a JSON number)");
            return false;
        }

        value = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        return true;
    }

    /// <summary>Whether any JSON object in <paramref name="json"/> names a member twice (ignoring case, as request bodies are read).</summary>
    private static bool HasDuplicateMember(byte[] json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxPayloadDepth });
        var open = new Stack<HashSet<string>?>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        open.Push(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
                        break;
                    case JsonTokenType.StartArray:
                        open.Push(null);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        open.Pop();
                        break;
                    case JsonTokenType.PropertyName when !open.Peek()!.Add(reader.GetString()!):
                        return true;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the caller's parse says so (the header), or the operation refuses the payload.
        }

        return false;
    }

    private static JsonDocument? ParseOrNull(byte[] json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxPayloadDepth });
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
