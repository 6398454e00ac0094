using System.Globalization;

namespace Vouch.Attestation.Errors;

/// <summary>
/// Stable error codes of the attestation engine (7xxx). Each value prints as <c>ATT</c> followed by its
/// number (<see cref="AttestationErrorCodes.Format"/>) and is documented, one row per code, in
/// <c>docs/errors.md</c>. Numbers are never reused or renumbered.
/// </summary>
public enum AttestationErrorCode
{
    // 70xx: evidence and the data bound to it
    /// <summary>The evidence is not a well-formed SGX quote (the inner quote error code is attached).</summary>
    EvidenceMalformed = 7001,
    /// <summary>The quote is well formed but is not an SGX enclave quote (for example a TDX quote).</summary>
    EvidenceNotSgx = 7002,
    /// <summary>The Open Enclave report or evidence header is malformed, of an unsupported version or format, or is a local (not remote) report.</summary>
    OpenEnclaveEnvelopeInvalid = 7003,
    /// <summary>SHA-256 of the runtime data is not the first 32 bytes of the quote's report data.</summary>
    RuntimeDataMismatch = 7004,
    /// <summary>Runtime data declared as JSON is not a JSON object or array (after trailing NUL bytes are dropped).</summary>
    RuntimeDataInvalidJson = 7005,
    /// <summary>SHA-256 of the init-time data is not the first 32 bytes of the quote's CONFIGID.</summary>
    InitTimeDataMismatch = 7006,
    /// <summary>Init-time data declared as JSON is not a JSON object or array.</summary>
    InitTimeDataInvalidJson = 7007,

    // 71xx: verification
    /// <summary>The collateral source has no collateral for the quote.</summary>
    CollateralUnavailable = 7101,
    /// <summary>The quote did not verify against its collateral (the failed checks are attached).</summary>
    EvidenceNotVerified = 7102,

    // 72xx: policy
    /// <summary>The policy (stored or draft) does not compile (the policy diagnostics are attached).</summary>
    PolicyInvalid = 7201,
    /// <summary>The policy did not authorise the attestation: no permit(), a deny(), or the step limit (the policy code is attached).</summary>
    PolicyDenied = 7202,

    // 73xx: signing keys
    /// <summary>The provider has no key able to sign at this instant.</summary>
    NoSigningKey = 7301,
    /// <summary>A stored private key could not be decrypted: wrong key-encryption key, or the stored bytes were altered.</summary>
    SigningKeyUnreadable = 7302,

    // 74xx: policy and policy-signer management (maa-protocol §2.7–2.10)
    /// <summary>The management JWS is not three base64url parts with a JSON object header naming <c>alg</c>, or its certificate does not parse.</summary>
    ManagementJwsMalformed = 7401,
    /// <summary>The JWS <c>alg</c> is not one Vouch verifies (none, RS256/384/512, PS256/384/512, ES256/384), does not fit the key, or the signer is given only as <c>jwk</c>.</summary>
    ManagementJwsAlgorithmUnsupported = 7402,
    /// <summary>The JWS signature does not verify with the key of its <c>x5c[0]</c> certificate.</summary>
    ManagementJwsSignatureInvalid = 7403,
    /// <summary>The provider is isolated and the JWS is unsigned.</summary>
    ManagementSignatureRequired = 7404,
    /// <summary>The provider is isolated and the JWS signer is not one of its trusted policy signer certificates (a self-vouching <c>x5c</c> is not enough).</summary>
    ManagementSignerNotTrusted = 7405,
    /// <summary>The JWS payload is not what the operation takes: <c>{"AttestationPolicy":…}</c> for a policy, empty for a reset, <c>{"policyCertificate":{"x5c":[…]}}</c> for a signer change.</summary>
    ManagementPayloadInvalid = 7406,
    /// <summary>Policy signer certificates cannot be managed on an AAD-like provider (MAA: "The operation is disallowed").</summary>
    PolicySignersNotManaged = 7407,
    /// <summary>The last trusted policy signer of an isolated provider cannot be removed.</summary>
    LastPolicySigner = 7408,
    /// <summary>The trusted signer certificate that signed the JWS is outside its validity period at the service's clock.</summary>
    ManagementSignerExpired = 7409,
    /// <summary>These exact JWS bytes were accepted before and applying them again would change the provider (a replay: rollback, another operation, type or provider).</summary>
    ManagementJwsReplayed = 7410,
    /// <summary>The JWS's <c>exp</c>, <c>nbf</c> or <c>iat</c> puts it outside the service's clock (5 minutes of skew allowed).</summary>
    ManagementJwsOutsideValidity = 7411,
    /// <summary>The signed policy's <c>iat</c> is older than the active policy's (a rollback).</summary>
    ManagementPolicyRollback = 7412,
    /// <summary>The JWS names an operation, provider or attestation type (<c>x-vouch-*</c>) other than the request's.</summary>
    ManagementBindingMismatch = 7413,
    /// <summary>The JWS header's <c>crit</c> is not a non-empty array of extensions Vouch implements that are present in the header (RFC 7515 §4.1.11).</summary>
    ManagementJwsCriticalUnsupported = 7414,
    /// <summary>The JWS header says <c>"b64": false</c> (RFC 7797 unencoded payload), which Vouch does not read.</summary>
    ManagementJwsUnencodedPayload = 7415,
    /// <summary>A member name appears twice in the JWS header or payload, or in both.</summary>
    ManagementJwsDuplicateMember = 7416,
    /// <summary>The provider is isolated and a change that can widen what it accepts was sent with the bearer token alone, not as a JWS of a trusted policy signer.</summary>
    ProviderSettingSignatureRequired = 7417,

    // 75xx: collateral bundles (docs/collateral.md)
    /// <summary>The collateral bundle is not JSON of the bundle's shape: a member missing, unknown or repeated, base64 that does not decode, a required file missing.</summary>
    BundleMalformed = 7501,
    /// <summary>The file is not a collateral bundle (<c>format</c>) or of a version Vouch does not read.</summary>
    BundleFormatUnsupported = 7502,
    /// <summary>The bundle, a file in it, or its number of platforms exceeds Vouch's bounds.</summary>
    BundleTooLarge = 7503,
    /// <summary>An artefact in the bundle did not verify: a signature, a chain that does not end in a trust anchor, a CRL not signed by its issuer (the failed checks are attached).</summary>
    BundleCollateralInvalid = 7504,
    /// <summary>A platform's keys (FMSPC, CA, TEE, evaluation data number) disagree with what its files say.</summary>
    BundlePlatformMismatch = 7505,
    /// <summary>Importing would replace held collateral with a lower TCB evaluation data number or PCK / root CA CRL number (rollback defence, <c>CollateralOrdering</c>).</summary>
    BundleRollback = 7506,
}

/// <summary>Formatting and classification of <see cref="AttestationErrorCode"/> values.</summary>
public static class AttestationErrorCodes
{
    /// <summary>The printed form, e.g. <c>ATT7004</c>.</summary>
    public static string Format(this AttestationErrorCode code) =>
        "ATT" + ((int)code).ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>The MAA error code name (maa-protocol §1.4) a host answers with.</summary>
    public static string MaaCode(this AttestationErrorCode code) => code switch
    {
        AttestationErrorCode.PolicyDenied => MaaErrorCodes.PolicyEvaluationError,
        AttestationErrorCode.PolicyInvalid => MaaErrorCodes.PolicyParsingError,
        AttestationErrorCode.NoSigningKey or AttestationErrorCode.SigningKeyUnreadable => MaaErrorCodes.InternalError,
        AttestationErrorCode.ManagementJwsMalformed or AttestationErrorCode.ManagementSignatureRequired
            or AttestationErrorCode.PolicySignersNotManaged or AttestationErrorCode.LastPolicySigner
            or AttestationErrorCode.ManagementJwsReplayed or AttestationErrorCode.ManagementPolicyRollback => MaaErrorCodes.InvalidOperation,
        AttestationErrorCode.ProviderSettingSignatureRequired => MaaErrorCodes.Unauthorized,
        _ => MaaErrorCodes.InvalidParameter,
    };

    /// <summary>The HTTP status a host answers with: 400 for anything about the request, 403 for a change the bearer token alone may not make, 500 for the service's own keys.</summary>
    public static int HttpStatus(this AttestationErrorCode code) => code switch
    {
        AttestationErrorCode.ProviderSettingSignatureRequired => 403,
        AttestationErrorCode.NoSigningKey or AttestationErrorCode.SigningKeyUnreadable => 500,
        _ => 400,
    };
}

/// <summary>The <c>error.code</c> names MAA answers with (maa-protocol §1.4).</summary>
public static class MaaErrorCodes
{
    /// <summary>Bad or unverifiable evidence, collateral problem, runtime-data mismatch.</summary>
    public const string InvalidParameter = "InvalidParameter";

    /// <summary>The policy's authorizationrules did not permit, or a deny() fired.</summary>
    public const string PolicyEvaluationError = "PolicyEvaluationError";

    /// <summary>The policy text does not parse.</summary>
    public const string PolicyParsingError = "PolicyParsingError";

    /// <summary>An operation the provider's mode does not allow.</summary>
    public const string InvalidOperation = "InvalidOperation";

    /// <summary>Missing or insufficient authorisation.</summary>
    public const string Unauthorized = "Unauthorized";

    /// <summary>The service cannot serve the request because of its own state (Vouch's name; MAA documents none).</summary>
    public const string InternalError = "InternalError";
}
