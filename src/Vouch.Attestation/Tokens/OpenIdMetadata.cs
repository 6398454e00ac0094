using System.Text.Json.Nodes;

namespace Vouch.Attestation.Tokens;

/// <summary>
/// The <c>/.well-known/openid-configuration</c> document (maa-protocol §2.1): MAA's members in MAA's
/// order; <see cref="Issuer"/> is exactly the tokens' <c>iss</c>, so OIDC discovery validates them.
/// </summary>
/// <param name="Issuer">The provider's base URL (scheme, host, port, path; no trailing slash).</param>
/// <param name="SigningAlgorithms">The <c>alg</c> values of the provider's keys.</param>
public sealed record OpenIdMetadata(string Issuer, IReadOnlyList<string> SigningAlgorithms)
{
    /// <summary>The claims MAA advertises (recorded 2022), unchanged.</summary>
    public static IReadOnlyList<string> MaaClaimsSupported { get; } =
    [
        "cnf", "nonce", "x-ms-ver", "x-ms-attestation-type", "x-ms-policy-hash", "x-ms-policy-signer",
        "x-ms-sgx-is-debuggable", "x-ms-sgx-mrenclave", "x-ms-sgx-mrsigner", "x-ms-sgx-svn", "x-ms-sgx-ehd",
        "x-ms-sgx-collateral", "is-debuggable", "sgx-mrsigner", "sgx-mrenclave", "product-id", "svn", "tee",
    ];

    /// <summary><c>{base}/certs</c>.</summary>
    public string JwksUri => Issuer + "/certs";

    /// <summary>The JSON document.</summary>
    public JsonObject ToJson() => new()
    {
        ["response_types_supported"] = new JsonArray("token", "none"),
        ["id_token_signing_alg_values_supported"] = new JsonArray([.. SigningAlgorithms.Select(a => (JsonNode)a)]),
        ["revocation_endpoint"] = Issuer + "/revoke",
        ["issuer"] = Issuer,
        ["jwks_uri"] = JwksUri,
        ["claims_supported"] = new JsonArray([.. MaaClaimsSupported.Select(c => (JsonNode)c)]),
    };
}
