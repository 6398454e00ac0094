using System.Text.Json;
using Vouch.Policy.Claims;
using Vouch.Policy.Evaluation;
using Vouch.Tests.Shared;

namespace Vouch.Policy.Tests.Support;

/// <summary>Reads the MAA exchanges recorded by the Azure SDK for C++ (vectors/maa/cpp-sdk-2022), in place.</summary>
internal static class Recordings
{
    public static string Exchange(string name) => TestVectors.Path("maa", "cpp-sdk-2022", "exchanges", name + ".json");

    public static JsonElement Load(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Exchange(name)));
        return document.RootElement.Clone();
    }

    public static IEnumerable<string> Names(string pattern) =>
        Directory.GetFiles(TestVectors.Path("maa", "cpp-sdk-2022", "exchanges"), pattern + ".json")
            .Select(p => Path.GetFileNameWithoutExtension(p))
            .Order(StringComparer.Ordinal);

    public static JsonElement TokenPayload(JsonElement exchange) =>
        exchange.GetProperty("response_token_decoded").GetProperty("payload");

    /// <summary>
    /// The incoming claims MAA evaluated the policy against, rebuilt from a recorded attestation token.
    /// The token carries every SGX evidence claim MAA documents as incoming (maa-protocol §4.5):
    /// x-ms-sgx-is-debuggable, -mrenclave, -mrsigner, -product-id, -svn and x-ms-attestation-type, plus
    /// x-ms-sgx-report-data and, when present, x-ms-sgx-ehd. Each is taken verbatim with its JSON type,
    /// issuer AttestationService, together with the deprecated $-alias of the six documented ones.
    /// Service-made claims (iss, exp, jti, x-ms-policy-hash, collateral hashes) are not evidence and are left out.
    /// </summary>
    public static List<Claim> IncomingClaimsFromToken(JsonElement payload)
    {
        string[] evidence =
        [
            SgxClaimTypes.IsDebuggable, SgxClaimTypes.MrEnclave, SgxClaimTypes.MrSigner, SgxClaimTypes.ProductId,
            SgxClaimTypes.Svn, SgxClaimTypes.AttestationType, SgxClaimTypes.ReportData, SgxClaimTypes.EnclaveHeldData,
        ];
        var claims = new List<Claim>();
        foreach (var type in evidence)
        {
            if (!payload.TryGetProperty(type, out var element))
            {
                continue;
            }

            claims.Add(new Claim(type, PolicyFunctionsAccess.Scalar(element)));
        }

        var incoming = SgxClaimTypes.WithDeprecatedAliases(claims).ToList();
        Assert.True(incoming.Count >= 13, "the token lacks evidence claims");
        return incoming;
    }

    /// <summary>The draft policy an exchange sent.</summary>
    public static string DraftPolicy(JsonElement exchange) =>
        exchange.GetProperty("request").GetProperty("body").GetProperty("draftPolicyForAttestation").GetString()!;
}

internal static class PolicyFunctionsAccess
{
    public static ClaimValue Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => ClaimValue.Of(element.GetString()!),
        JsonValueKind.True => ClaimValue.Of(true),
        JsonValueKind.False => ClaimValue.Of(false),
        JsonValueKind.Number => ClaimValue.Of(element.GetInt64()),
        _ => throw new InvalidOperationException("not a scalar claim: " + element.GetRawText()),
    };
}
