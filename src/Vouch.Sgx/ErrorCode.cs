namespace Vouch.Sgx;

/// <summary>
/// Stable error codes for everything <c>Vouch.Sgx</c> can reject. Each value is printed as
/// <c>ATT</c> followed by its number (<see cref="ErrorCodes.Format"/>) and documented, one anchor per
/// code, in <c>docs/errors.md</c>. Numbers are never reused or renumbered.
/// </summary>
/// <remarks>
/// Ranges: 1xxx quote format, 2xxx collateral format, 3xxx certificate chains and CRLs,
/// 4xxx collateral signatures and freshness, 5xxx quote-to-collateral checks and TCB evaluation.
/// (Policy codes live in Vouch.Policy at 6xxx, service codes in Vouch.Attestation at 7xxx.)
/// </remarks>
public enum ErrorCode
{
    // 1xxx: quote format (Intel QVL STATUS_UNSUPPORTED_QUOTE_FORMAT and friends)
    /// <summary>The quote ends before a field that must be present.</summary>
    QuoteTruncated = 1001,
    /// <summary>The header version is not 3, 4 or 5.</summary>
    QuoteVersionUnsupported = 1002,
    /// <summary>The attestation key type is not ECDSA-256-with-P-256 (2).</summary>
    QuoteKeyTypeUnsupported = 1003,
    /// <summary>The TEE type is not SGX (0) or TDX (0x81), or does not fit the version.</summary>
    QuoteTeeTypeUnsupported = 1004,
    /// <summary>The QE vendor id is not Intel's.</summary>
    QuoteVendorIdUnknown = 1005,
    /// <summary>The v5 body descriptor names an unknown body type or a size that does not match it.</summary>
    QuoteBodyTypeUnsupported = 1006,
    /// <summary>A declared length (signature data, QE authentication data, certification data) runs past the end of its container.</summary>
    QuoteLengthOverflow = 1007,
    /// <summary>The certification data type is not one Vouch accepts at this position.</summary>
    QuoteCertificationDataTypeUnsupported = 1008,
    /// <summary>A nested structure has bytes left over after its last field.</summary>
    QuoteTrailingData = 1009,
    /// <summary>The quote is larger than the configured maximum.</summary>
    QuoteTooLarge = 1010,
    /// <summary>The attestation public key is not a point on P-256.</summary>
    QuoteAttestationKeyInvalid = 1011,

    // 2xxx: collateral format
    /// <summary>The TCB Info document is not valid JSON of the PCS shape, or has a field of the wrong type or range.</summary>
    TcbInfoMalformed = 2001,
    /// <summary>The TCB Info version, id or tcbType is one Vouch does not support.</summary>
    TcbInfoUnsupported = 2002,
    /// <summary>The QE Identity document is not valid JSON of the PCS shape.</summary>
    QeIdentityMalformed = 2003,
    /// <summary>The QE Identity version or id is one Vouch does not support.</summary>
    QeIdentityUnsupported = 2004,
    /// <summary>A CRL is not a DER X.509 v2 CRL Vouch can read, or lacks the cRLNumber or authorityKeyIdentifier extension.</summary>
    CrlMalformed = 2005,
    /// <summary>A certificate or PEM chain cannot be decoded.</summary>
    CertificateMalformed = 2006,
    /// <summary>The PCK certificate's SGX extension (OID 1.2.840.113741.1.13.1) is missing, malformed or incomplete.</summary>
    PckExtensionMalformed = 2007,
    /// <summary>A collateral item that verification needs was not supplied.</summary>
    CollateralMissing = 2008,
    /// <summary>The TCB Evaluation Data Numbers document is not valid JSON of the PCS shape, or has a field of the wrong type, range or value.</summary>
    TcbEvaluationDataNumbersMalformed = 2009,

    // 3xxx: certificate chains and CRLs
    /// <summary>A chain does not have the expected number of certificates, or they do not link issuer to subject.</summary>
    ChainIncomplete = 3001,
    /// <summary>The chain's root public key is not one of the configured trust anchors.</summary>
    ChainUntrustedRoot = 3002,
    /// <summary>A certificate signature in a chain does not verify with its issuer's key.</summary>
    ChainSignatureInvalid = 3003,
    /// <summary>A certificate's name, key usage or basic constraints do not fit its place in the chain.</summary>
    ChainCertificateRoleInvalid = 3004,
    /// <summary>A certificate in a chain is past its notAfter at the verification time.</summary>
    CertificateExpired = 3005,
    /// <summary>A certificate in a chain is before its notBefore at the verification time.</summary>
    CertificateNotYetValid = 3006,
    /// <summary>A CRL's issuer is not the issuer of the certificate it is used to check.</summary>
    CrlIssuerMismatch = 3007,
    /// <summary>A CRL's signature does not verify with its issuer's key.</summary>
    CrlSignatureInvalid = 3008,
    /// <summary>The verification time is outside a CRL's thisUpdate..nextUpdate window.</summary>
    CrlExpired = 3009,
    /// <summary>The PCK certificate's serial number is on the PCK CRL.</summary>
    PckRevoked = 3010,
    /// <summary>An intermediate CA or TCB signing certificate is on the root CA CRL.</summary>
    IntermediateRevoked = 3011,

    // 4xxx: collateral signatures and freshness
    /// <summary>The TCB Info signature does not verify over the signed tcbInfo bytes with the TCB signing key.</summary>
    TcbInfoSignatureInvalid = 4001,
    /// <summary>The QE Identity signature does not verify over the signed enclaveIdentity bytes with the TCB signing key.</summary>
    QeIdentitySignatureInvalid = 4002,
    /// <summary>The verification time is after the TCB Info nextUpdate.</summary>
    TcbInfoExpired = 4003,
    /// <summary>The verification time is before the TCB Info issueDate.</summary>
    TcbInfoNotYetValid = 4004,
    /// <summary>The verification time is after the QE Identity nextUpdate.</summary>
    QeIdentityExpired = 4005,
    /// <summary>The verification time is before the QE Identity issueDate.</summary>
    QeIdentityNotYetValid = 4006,
    /// <summary>The TCB Info's tcbEvaluationDataNumber is below the operator's <c>MinimumTcbEvaluationDataNumber</c>.</summary>
    TcbInfoEvaluationDataNumberTooLow = 4007,
    /// <summary>The QE Identity's tcbEvaluationDataNumber is below the operator's <c>MinimumTcbEvaluationDataNumber</c>.</summary>
    QeIdentityEvaluationDataNumberTooLow = 4008,
    /// <summary>The TCB Info's issueDate is older than the operator's <c>MaximumCollateralAge</c> allows at the verification time.</summary>
    TcbInfoTooOld = 4009,
    /// <summary>The QE Identity's issueDate is older than the operator's <c>MaximumCollateralAge</c> allows at the verification time.</summary>
    QeIdentityTooOld = 4010,
    /// <summary>The TCB Evaluation Data Numbers signature does not verify over the signed tcbEvaluationDataNumbers bytes with the TCB signing key.</summary>
    TcbEvaluationDataNumbersSignatureInvalid = 4011,
    /// <summary>The verification time is at or after the TCB Evaluation Data Numbers nextUpdate.</summary>
    TcbEvaluationDataNumbersExpired = 4012,
    /// <summary>The verification time is before the TCB Evaluation Data Numbers issueDate.</summary>
    TcbEvaluationDataNumbersNotYetValid = 4013,

    // 5xxx: quote against collateral, TCB evaluation
    /// <summary>The TCB Info is for another FMSPC, PCE-ID or TEE than the PCK certificate and quote.</summary>
    TcbInfoMismatch = 5001,
    /// <summary>The QE report signature does not verify with the PCK certificate's key.</summary>
    QeReportSignatureInvalid = 5002,
    /// <summary>The QE report data is not SHA-256(attestation key ‖ QE authentication data).</summary>
    QeReportDataMismatch = 5003,
    /// <summary>The QE report does not match the QE Identity (id, MISCSELECT, ATTRIBUTES, MRSIGNER or ISVPRODID).</summary>
    QeIdentityMismatch = 5004,
    /// <summary>The quote signature does not verify over the header and body with the attestation key.</summary>
    QuoteSignatureInvalid = 5005,
    /// <summary>No TCB level of the TCB Info is satisfied by the platform's TCB.</summary>
    TcbLevelNotSupported = 5006,
    /// <summary>No QE Identity TCB level is satisfied by the QE's ISVSVN.</summary>
    QeTcbLevelNotSupported = 5007,
    /// <summary>The matched platform TCB level, or the converged status, is Revoked.</summary>
    TcbRevoked = 5008,
    /// <summary>The TDX module's MRSIGNERSEAM or SEAMATTRIBUTES do not match the TCB Info's TDX module identity.</summary>
    TdxModuleMismatch = 5009,
}

/// <summary>Formatting of <see cref="ErrorCode"/> values.</summary>
public static class ErrorCodes
{
    /// <summary>Prints a code as it appears on the wire and in <c>docs/errors.md</c>, for example <c>ATT1001</c>.</summary>
    public static string Format(this ErrorCode code) =>
        "ATT" + ((int)code).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
}
