using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Vouch.Attestation;
using Vouch.Server.Problems;

namespace Vouch.Server.Api;

/// <summary>
/// Reading request bodies the way MAA's clients send them (maa-protocol §0 item 7, §1.2): bounded size, bounded
/// JSON depth, member names matched case-insensitively (a name given twice is refused rather than guessed),
/// base64url or base64 with or without padding, and management JWS either raw or as a JSON string literal.
/// </summary>
internal static class RequestBody
{
    // The management JWS readers read their header and payload no deeper than this.
    private const int MaxJwsPartDepth = 8;

    /// <summary>Reads the whole body, refusing more than <paramref name="maxBytes"/> (declared or actual) with ATT8001.</summary>
    public static async Task<(byte[]? Body, IResult? Error)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        var buffer = new ArrayBufferWriter<byte>(Math.Min(maxBytes, (int?)request.ContentLength ?? 16 << 10) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(8 << 10);
            var read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return (buffer.WrittenSpan.ToArray(), null);
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return (null, TooLarge(maxBytes));
            }
        }
    }

    /// <summary>
    /// Parses <paramref name="body"/> as a JSON object no deeper than <paramref name="maxDepth"/> whose strings and
    /// member names are all Unicode text (<see cref="StrictJson"/>): ATT8002, ATT8003 or ATT8026 otherwise.
    /// </summary>
    public static bool TryParseObject(byte[] body, int maxDepth, out JsonElement root, [NotNullWhen(false)] out IResult? error)
    {
        root = default;
        // One pass with a reader first, so too-deep input gets its own code (and never builds a DOM), and so no
        // string that cannot be decoded reaches a route.
        if (JsonProblem(StrictJson.Check(body, maxDepth), maxDepth, "the body") is { } problem)
        {
            error = problem;
            return false;
        }

        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = maxDepth });
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            error = MaaError.Result(ServerErrorCode.RequestBodyMalformed, "the body must be a JSON object");
            return false;
        }

        root = document.RootElement.Clone();
        error = null;
        return true;
    }

    /// <summary>The member <paramref name="name"/> of <paramref name="obj"/>, matched case-insensitively; false with no error when absent.</summary>
    public static bool TryGetMember(JsonElement obj, string name, out JsonElement value, out IResult? error)
    {
        value = default;
        error = null;
        var found = false;
        foreach (var property in obj.EnumerateObject())
        {
            if (!string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (found)
            {
                error = MaaError.Result(ServerErrorCode.RequestMemberInvalid, $"'{name}' appears more than once");
                return false;
            }

            found = true;
            value = property.Value;
        }

        return found;
    }

    /// <summary>
    /// An optional member: <paramref name="value"/> is null when it is absent or JSON <c>null</c>; false (with the
    /// error) only when the name appears twice.
    /// </summary>
    public static bool TryGetOptionalMember(JsonElement obj, string name, out JsonElement? value, [NotNullWhen(false)] out IResult? error)
    {
        value = null;
        if (!TryGetMember(obj, name, out var element, out error))
        {
            return error is null;
        }

        if (element.ValueKind != JsonValueKind.Null)
        {
            value = element;
        }

        return true;
    }

    /// <summary>Decodes base64url or base64, padded or not (the JS client sends unpadded base64url).</summary>
    public static bool TryDecodeBase64(string text, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        var trimmed = text.AsSpan().TrimEnd('=');
        if (trimmed.Length % 4 == 1)
        {
            return false;
        }

        var standard = new char[trimmed.Length + ((4 - (trimmed.Length % 4)) % 4)];
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            standard[i] = c switch
            {
                '-' => '+',
                '_' => '/',
                >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/' => c,
                _ => '\0',
            };
            if (standard[i] == '\0')
            {
                return false;
            }
        }

        standard.AsSpan(trimmed.Length).Fill('=');
        bytes = new byte[standard.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(standard, bytes, out var written))
        {
            bytes = null;
            return false;
        }

        bytes = bytes[..written];
        return true;
    }

    /// <summary>A management JWS sent raw (<c>text/plain</c> or <c>application/json</c>) or as a JSON string literal.</summary>
    public static bool TryReadJws(byte[] body, [NotNullWhen(true)] out string? jws, [NotNullWhen(false)] out IResult? error)
    {
        jws = null;
        error = null;
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body).Trim();
        }
        catch (DecoderFallbackException)
        {
            error = NotUnicode("the body");
            return false;
        }

        if (text.StartsWith('"'))
        {
            var problem = StrictJson.Check(body, 1);
            if (problem != JsonTextProblem.None)
            {
                error = problem == JsonTextProblem.NotUnicode
                    ? NotUnicode("the body")
                    : MaaError.Result(ServerErrorCode.RequestBodyMalformed, "the body starts with '\"' but is not a JSON string");
                return false;
            }

            text = JsonSerializer.Deserialize<string>(text) ?? string.Empty;
        }

        if (text.Length == 0)
        {
            error = MaaError.Result(ServerErrorCode.RequestBodyMalformed, "the body is empty; a JWS is expected");
            return false;
        }

        if (!JwsPartsAreUnicode(text, out error))
        {
            return false;
        }

        jws = text;
        return true;
    }

    // The header and payload of a management JWS are JSON whose strings the JWS readers decode (alg, x5c,
    // AttestationPolicy, policyCertificate): a part that is JSON must be Unicode text. A part that does not decode or
    // is not JSON at all is left to the JWS reader, which refuses it with its own code.
    private static bool JwsPartsAreUnicode(string jws, [NotNullWhen(false)] out IResult? error)
    {
        error = null;
        var parts = jws.Split('.');
        foreach (var part in parts.Length == 3 ? parts[..2] : [])
        {
            if (TryDecodeBase64(part, out var json)
                && StrictJson.Check(json, MaxJwsPartDepth) == JsonTextProblem.NotUnicode)
            {
                error = NotUnicode("a JWS part");
                return false;
            }
        }

        return true;
    }

    private static IResult? JsonProblem(JsonTextProblem problem, int maxDepth, string what) => problem switch
    {
        JsonTextProblem.None => null,
        JsonTextProblem.TooDeep => MaaError.Result(ServerErrorCode.RequestJsonTooDeep, $"the JSON body nests deeper than {maxDepth} levels"),
        JsonTextProblem.NotUnicode => NotUnicode(what),
        _ => MaaError.Result(ServerErrorCode.RequestBodyMalformed, $"{what} is not valid JSON"),
    };

    private static IResult NotUnicode(string what) =>
        MaaError.Result(ServerErrorCode.RequestTextNotUnicode, $"{what} has a string or member name that is not Unicode text (a lone surrogate escape or bytes that are not UTF-8)");

    private static IResult TooLarge(int maxBytes) =>
        MaaError.Result(ServerErrorCode.RequestBodyTooLarge, $"the request body is larger than {maxBytes} bytes");
}
