using Vouch.Policy;
using Vouch.Policy.Claims;

namespace Vouch.Attestation.Claims;

/// <summary>
/// Token claim names the engine emits besides the incoming SGX names of
/// <see cref="Vouch.Policy.Claims.SgxClaimTypes"/> and <see cref="Vouch.Policy.Claims.VouchClaimTypes"/>
/// (maa-protocol §3.2; docs/attestation.md).
/// </summary>
public static class AttestationClaimTypes
{
    /// <summary>String: <c>"1.0"</c>.</summary>
    public const string Version = "x-ms-ver";

    /// <summary>String: base64url <c>x-ms-policy-hash</c> of the policy text used (stored or draft).</summary>
    public const string PolicyHash = "x-ms-policy-hash";

    /// <summary>Object: the claims the policy's issuancerules issued, <c>type → value</c>.</summary>
    public const string Policy = "x-ms-policy";

    /// <summary>Object (JWK with <c>x5c</c>): the signer of the stored policy, when it was signed.</summary>
    public const string PolicySigner = "x-ms-policy-signer";

    /// <summary>Object: SHA-256 hashes of the evidence and collateral (<see cref="Collateral.CollateralDigests"/>).</summary>
    public const string SgxCollateral = "x-ms-sgx-collateral";

    /// <summary>Deprecated copy of <see cref="SgxCollateral"/>, always emitted.</summary>
    public const string DeprecatedCollateral = "maa-attestationcollateral";

    /// <summary>Deprecated copy of <c>x-ms-sgx-ehd</c> (Binary runtime data).</summary>
    public const string DeprecatedAasEhd = "aas-ehd";

    /// <summary>Deprecated copy of <c>x-ms-sgx-ehd</c> (Binary runtime data).</summary>
    public const string DeprecatedMaaEhd = "maa-ehd";

    /// <summary>String: the request's <c>nonce</c>, verbatim.</summary>
    public const string Nonce = "nonce";

    /// <summary>String: the name of the trust anchor the PCK chain ended in, e.g. "Intel SGX Root CA".</summary>
    public const string TrustAnchor = "x-vouch-trust-anchor";

    /// <summary>
    /// String: SHA-256 of the trust anchor's public key, lowercase hex. Relying parties that must not
    /// accept simulated evidence check this equals the Intel SGX Root CA's key id.
    /// </summary>
    public const string TrustAnchorKeyId = "x-vouch-trust-anchor-key-id";

    /// <summary>
    /// The claim types a policy may not issue because the service sets them or a relying party reads
    /// them as the service's: the registered JWT and JWS names (<c>iss</c>, <c>sub</c>, <c>aud</c>,
    /// <c>exp</c>, <c>nbf</c>, <c>iat</c>, <c>jti</c>, <c>cnf</c>, <c>kid</c>), <c>nonce</c>, the deprecated
    /// copies the engine emits, and every <c>x-ms-</c> and <c>x-vouch-</c> name. Compiling refuses them
    /// (ATT6035), evaluating stops on them (ATT6109), and the payload never lets one reach top level.
    /// </summary>
    public static ReservedClaimTypes Reserved { get; } = new()
    {
        Names = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf", "kid", Nonce, DeprecatedAasEhd, DeprecatedMaaEhd, DeprecatedCollateral],
        Prefixes = ["x-ms-", VouchClaimTypes.Prefix],
    };

    /// <summary>The value of <c>x-ms-ver</c>.</summary>
    public const string VersionValue = "1.0";

    /// <summary>The value of <c>x-ms-attestation-type</c> for SGX and Open Enclave evidence.</summary>
    public const string SgxAttestationType = "sgx";
}
