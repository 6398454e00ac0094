namespace Vouch.Sgx.Verification;

/// <summary>
/// Every check the verifier makes, in the order it makes them. Each belongs to one of Intel QVL's four
/// stages (<see cref="VerificationStage"/>), so a report can be compared with QVL stage by stage.
/// Names are stable: they appear in reports, JSON output and <c>docs/errors.md</c>.
/// </summary>
public enum CheckId
{
    /// <summary>The quote parses: version, key type, TEE type, vendor id, lengths, certification data type.</summary>
    QuoteFormat,

    /// <summary>The PCK chain (from the quote, or from the collateral for certification data types 1–4) has a root, an intermediate and a PCK leaf linked by name and signature, in their roles.</summary>
    PckCertificateChain,
    /// <summary>The PCK chain's root public key is a configured trust anchor.</summary>
    PckChainTrustAnchor,
    /// <summary>Every PCK chain certificate is inside its validity period at the verification time.</summary>
    PckChainValidity,
    /// <summary>The root CA CRL is issued and signed by the root, with the extensions Intel requires.</summary>
    RootCaCrl,
    /// <summary>The root CA CRL is current at the verification time.</summary>
    RootCaCrlValidity,
    /// <summary>The PCK CRL is issued and signed by the PCK certificate's issuer.</summary>
    PckCrl,
    /// <summary>The PCK CRL is current at the verification time.</summary>
    PckCrlValidity,
    /// <summary>The root CA CRL does not list the PCK intermediate CA.</summary>
    IntermediateNotRevoked,
    /// <summary>The PCK CRL does not list the PCK certificate.</summary>
    PckNotRevoked,
    /// <summary>The PCK certificate carries a complete SGX extension.</summary>
    PckExtension,

    /// <summary>The TCB Info document parses and is a version and shape Vouch supports.</summary>
    TcbInfoFormat,
    /// <summary>The TCB Info signing chain is the TCB signing certificate under a trusted root, not revoked.</summary>
    TcbInfoSigningChain,
    /// <summary>The TCB Info signing chain is inside its validity period.</summary>
    TcbInfoSigningChainValidity,
    /// <summary>The TCB Info signature verifies over the signed tcbInfo bytes.</summary>
    TcbInfoSignature,
    /// <summary>The TCB Info is issued and not past its nextUpdate at the verification time.</summary>
    TcbInfoValidity,
    /// <summary>The TCB Info meets the operator's freshness rules: tcbEvaluationDataNumber at least <see cref="VerificationOptions.MinimumTcbEvaluationDataNumber"/>, issueDate within <see cref="VerificationOptions.MaximumCollateralAge"/>. Never waived.</summary>
    TcbInfoFreshnessPolicy,
    /// <summary>The TCB Info is for the PCK certificate's FMSPC and PCE-ID and the quote's TEE.</summary>
    TcbInfoMatch,

    /// <summary>The QE Identity document parses and is a version and shape Vouch supports.</summary>
    QeIdentityFormat,
    /// <summary>The QE Identity signing chain is the TCB signing certificate under a trusted root, not revoked.</summary>
    QeIdentitySigningChain,
    /// <summary>The QE Identity signing chain is inside its validity period.</summary>
    QeIdentitySigningChainValidity,
    /// <summary>The QE Identity signature verifies over the signed enclaveIdentity bytes.</summary>
    QeIdentitySignature,
    /// <summary>The QE Identity is issued and not past its nextUpdate at the verification time.</summary>
    QeIdentityValidity,
    /// <summary>The QE Identity meets the operator's freshness rules: tcbEvaluationDataNumber at least <see cref="VerificationOptions.MinimumTcbEvaluationDataNumber"/>, issueDate within <see cref="VerificationOptions.MaximumCollateralAge"/>. Never waived.</summary>
    QeIdentityFreshnessPolicy,

    /// <summary>The QE report is signed by the PCK certificate's key.</summary>
    QeReportSignature,
    /// <summary>The QE report data binds the attestation key and QE authentication data.</summary>
    QeReportData,
    /// <summary>The QE report matches the QE Identity (id, MISCSELECT, ATTRIBUTES, MRSIGNER, ISVPRODID).</summary>
    QeIdentityMatch,
    /// <summary>The QE's ISVSVN matches a QE Identity TCB level.</summary>
    QeTcbLevel,
    /// <summary>The quote (header and body) is signed by the attestation key.</summary>
    QuoteSignature,
    /// <summary>TDX only: the TDX module's signer and attributes match the TCB Info's TDX module identity.</summary>
    TdxModuleIdentity,
    /// <summary>The platform's TCB (PCK component SVNs and PCESVN) matches a TCB level.</summary>
    PlatformTcbLevel,
    /// <summary>The converged TCB status is not Revoked.</summary>
    TcbStatus,
}

/// <summary>Intel QVL's four verification stages (<c>expected.json</c> <c>intel_qvl.stages</c>).</summary>
public enum VerificationStage
{
    /// <summary>The quote's own structure.</summary>
    QuoteFormat,
    /// <summary><c>sgxAttestationVerifyPCKCertificate</c>.</summary>
    PckCertificateChain,
    /// <summary><c>sgxAttestationVerifyTCBInfo</c>.</summary>
    TcbInfo,
    /// <summary><c>sgxAttestationVerifyEnclaveIdentity</c>.</summary>
    QeIdentity,
    /// <summary><c>sgxAttestationVerifyQuote</c>.</summary>
    Quote,
}

/// <summary>Metadata of <see cref="CheckId"/>.</summary>
public static class CheckIds
{
    /// <summary>The Intel QVL stage a check belongs to.</summary>
    public static VerificationStage StageOf(this CheckId check) => check switch
    {
        CheckId.QuoteFormat => VerificationStage.QuoteFormat,
        <= CheckId.PckExtension => VerificationStage.PckCertificateChain,
        <= CheckId.TcbInfoMatch => VerificationStage.TcbInfo,
        <= CheckId.QeIdentityFreshnessPolicy => VerificationStage.QeIdentity,
        _ => VerificationStage.Quote,
    };

    /// <summary>
    /// Whether the check is about collateral freshness, which <see cref="VerificationOptions.AllowExpiredCollateral"/> can waive.
    /// The operator's freshness rules (<see cref="CheckId.TcbInfoFreshnessPolicy"/>, <see cref="CheckId.QeIdentityFreshnessPolicy"/>)
    /// are explicit policy and are not.
    /// </summary>
    public static bool IsFreshness(this CheckId check) => check is CheckId.PckChainValidity or CheckId.RootCaCrlValidity
        or CheckId.PckCrlValidity or CheckId.TcbInfoSigningChainValidity or CheckId.TcbInfoValidity
        or CheckId.QeIdentitySigningChainValidity or CheckId.QeIdentityValidity;
}
