using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vouch.Attestation.Errors;

namespace Vouch.Attestation.Evidence;

/// <summary>How the client declared <c>runtimeData</c> / <c>initTimeData</c> (maa-protocol §1.2).</summary>
public enum DataType
{
    /// <summary>Opaque bytes: echoed as <c>x-ms-sgx-ehd</c> (runtime data).</summary>
    Binary,
    /// <summary>UTF-8 JSON text: parsed and emitted as an object (<c>x-ms-runtime</c>, <c>x-ms-inittime</c>).</summary>
    Json,
}

/// <summary>Data the client sends with the evidence, bound to it by a hash in the quote.</summary>
/// <param name="Data">The decoded bytes, exactly as sent (the hash covers them all, trailing NUL included).</param>
/// <param name="Type">How to interpret them.</param>
public sealed record BoundData(ReadOnlyMemory<byte> Data, DataType Type);

/// <summary>The runtime and init-time data after their binding to the quote was checked.</summary>
/// <param name="Runtime">Runtime data, if any.</param>
/// <param name="RuntimeJson">The parsed runtime JSON, when <paramref name="Runtime"/> is <see cref="DataType.Json"/>.</param>
/// <param name="InitTime">Init-time data, if any.</param>
/// <param name="InitTimeJson">The parsed init-time JSON, when <paramref name="InitTime"/> is <see cref="DataType.Json"/>.</param>
public sealed record CheckedData(BoundData? Runtime, JsonNode? RuntimeJson, BoundData? InitTime, JsonNode? InitTimeJson)
{
    /// <summary>No runtime or init-time data.</summary>
    public static CheckedData None { get; } = new(null, null, null, null);
}

/// <summary>
/// The binding of runtime and init-time data to an SGX quote (maa-protocol §2.3, §3.3): SHA-256 of the
/// runtime bytes must be REPORTDATA[0..32), SHA-256 of the init-time bytes must be CONFIGID[0..32).
/// The bytes are hashed exactly as sent, without trimming.
/// </summary>
public static class DataBinding
{
    private const int MaxJsonDepth = 64;

    /// <summary>
    /// Checks <paramref name="runtime"/> and <paramref name="initTime"/> against <paramref name="evidence"/>.
    /// For Open Enclave evidence carrying a custom-claims buffer, that buffer is the runtime data when
    /// none was sent, and must equal it when some was.
    /// </summary>
    public static bool TryCheck(
        SgxEvidence evidence,
        BoundData? runtime,
        BoundData? initTime,
        [NotNullWhen(true)] out CheckedData? result,
        [NotNullWhen(false)] out AttestationError? error)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        result = null;
        if (evidence.CustomClaims is { } claims)
        {
            if (runtime is null)
            {
                runtime = new BoundData(claims, DataType.Binary);
            }
            else if (!runtime.Data.Span.SequenceEqual(claims.Span))
            {
                error = new AttestationError(AttestationErrorCode.RuntimeDataMismatch, "the runtime data differs from the custom claims carried in the Open Enclave evidence");
                return false;
            }
        }

        JsonNode? runtimeJson = null;
        if (runtime is not null)
        {
            if (!HashMatches(runtime.Data.Span, evidence.Report.ReportData.Span[..32]))
            {
                error = new AttestationError(AttestationErrorCode.RuntimeDataMismatch, "SHA-256 of the runtime data is not the first 32 bytes of the quote's report data");
                return false;
            }

            if (runtime.Type == DataType.Json && !TryParseJson(runtime.Data, out runtimeJson))
            {
                error = new AttestationError(AttestationErrorCode.RuntimeDataInvalidJson, "the runtime data is declared JSON but is not a JSON object or array");
                return false;
            }
        }

        JsonNode? initJson = null;
        if (initTime is not null)
        {
            if (!HashMatches(initTime.Data.Span, evidence.Report.ConfigId.Span[..32]))
            {
                error = new AttestationError(AttestationErrorCode.InitTimeDataMismatch, "SHA-256 of the init-time data is not the first 32 bytes of the quote's CONFIGID");
                return false;
            }

            if (initTime.Type == DataType.Json && !TryParseJson(initTime.Data, out initJson))
            {
                error = new AttestationError(AttestationErrorCode.InitTimeDataInvalidJson, "the init-time data is declared JSON but is not a JSON object or array");
                return false;
            }
        }

        result = new CheckedData(runtime, runtimeJson, initTime, initJson);
        error = null;
        return true;
    }

    private static bool HashMatches(ReadOnlySpan<byte> data, ReadOnlySpan<byte> expected)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, hash);
        return CryptographicOperations.FixedTimeEquals(hash, expected);
    }

    // MAA accepted JSON runtime data ending in a NUL byte (the C++ SDK sends one), so trailing NULs are
    // dropped before parsing; the hash above still covers them.
    private static bool TryParseJson(ReadOnlyMemory<byte> data, [NotNullWhen(true)] out JsonNode? node)
    {
        node = null;
        var span = data.Span;
        var end = span.Length;
        while (end > 0 && span[end - 1] == 0)
        {
            end--;
        }

        // StrictJson first: a string that cannot be decoded would otherwise surface only when its claim is built.
        if (StrictJson.Check(span[..end], MaxJsonDepth) != JsonTextProblem.None)
        {
            return false;
        }

        node = JsonNode.Parse(span[..end], documentOptions: new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
        return node is JsonObject or JsonArray;
    }
}
