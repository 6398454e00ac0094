using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using Vouch.Sgx.Certificates;
using Vouch.Sgx.Collateral;

namespace Vouch.Sgx.Verification;

/// <summary>
/// What a collateral-only check established (<see cref="CollateralVerifier.Verify"/>): every check made, and the
/// parsed artefacts with their validity periods.
/// </summary>
/// <threadsafety>Immutable.</threadsafety>
public sealed record CollateralReport
{
    /// <summary>Every check made, in order: root CA CRL, PCK CRL, TCB Info (format, signing chain, signature), QE Identity (likewise).</summary>
    public required ImmutableArray<CheckOutcome> Checks { get; init; }

    /// <summary>Whether every check passed: each artefact is authentic under a trust anchor. Freshness is not part of it.</summary>
    public bool Verified => Checks.All(c => c.Result == CheckResult.Passed);

    /// <summary>The checks that failed or could not be made.</summary>
    public IEnumerable<CheckOutcome> Failures => Checks.Where(c => c.Result != CheckResult.Passed);

    /// <summary>The TCB Info when it parsed (whether or not its signature verified: see <see cref="Verified"/>).</summary>
    public TcbInfo? TcbInfo { get; init; }

    /// <summary>The QE Identity when it parsed.</summary>
    public EnclaveIdentity? QeIdentity { get; init; }

    /// <summary>The root CA CRL when it parsed.</summary>
    public Crl? RootCaCrl { get; init; }

    /// <summary>The PCK CRL when it parsed.</summary>
    public Crl? PckCrl { get; init; }

    /// <summary>
    /// The instants inside which the TCB Info, the QE Identity, both CRLs and the certificates that sign them are all
    /// valid; null when none of them parsed.
    /// </summary>
    public ValidityWindow? Window { get; init; }
}

/// <summary>
/// The outcome of <see cref="CollateralVerifier.VerifyTcbEvaluationDataNumbers"/>: the first check that failed, if any,
/// and the parsed document.
/// </summary>
/// <param name="Document">The document when it parsed (whether or not it verified: see <see cref="Verified"/>).</param>
/// <param name="Error">The code of the first check that failed; null when the document verified.</param>
/// <param name="Detail">The inputs that decided the outcome, in words. Not part of the API: match on <paramref name="Error"/>.</param>
/// <param name="Window">
/// When the signature verified: the instants inside which the document and both certificates of its chain are valid
/// (latest issueDate/notBefore, earliest nextUpdate/notAfter); otherwise null.
/// </param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record TcbEvaluationDataNumbersVerification(
    TcbEvaluationDataNumbers? Document, ErrorCode? Error, string Detail, ValidityWindow? Window)
{
    /// <summary>Whether every check passed: the document is authentic under a trust anchor and current at the instant given.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Document))]
    public bool Verified => Error is null && Document is not null;
}

/// <summary>
/// Checks collateral on its own, without a quote: that each artefact was issued by Intel (or another trust anchor)
/// — what an importer of collateral needs before storing it. The checks are those of <see cref="QuoteVerifier"/>
/// that do not need a quote (dcap-verification §2.2 step 5 for the CRLs, §2.4 and §2.5 for TCB Info and QE
/// Identity). Freshness is reported (<see cref="CollateralReport.Window"/>), not required: collateral may be
/// imported before or after the instant it is used at, which the quote verifier checks then.
/// </summary>
/// <remarks>
/// The PCK CRL is checked against its issuer chain (<see cref="QuoteCollateral.PckCrlIssuerChain"/>, required here):
/// the PCK CA under a trusted root, the CRL issued and signed by it. When a quote is verified the PCK CRL is checked
/// again, against the issuer of that quote's PCK certificate.
/// </remarks>
public static class CollateralVerifier
{
    /// <summary>Checks <paramref name="collateral"/> against <paramref name="trustAnchors"/>. Never throws for bad input.</summary>
    /// <param name="collateral">The collateral, as received.</param>
    /// <param name="trustAnchors">The roots the chains may end in (for example <see cref="TrustAnchor.IntelSgxRootCa"/>).</param>
    /// <returns>Every check made and the parsed artefacts.</returns>
    public static CollateralReport Verify(QuoteCollateral collateral, IReadOnlyList<TrustAnchor> trustAnchors)
    {
        ArgumentNullException.ThrowIfNull(collateral);
        ArgumentNullException.ThrowIfNull(trustAnchors);
        var checks = ImmutableArray.CreateBuilder<CheckOutcome>(12);
        var notBefore = DateTimeOffset.MinValue;
        var notAfter = DateTimeOffset.MaxValue;

        // The TCB signing chains first: their root (a trust anchor) is the root CA CRL's issuer.
        var tcbChain = CertificateChain.Analyse(collateral.TcbInfoIssuerChain.Span, ChainKind.TcbSigning);
        var qeChain = CertificateChain.Analyse(collateral.QeIdentityIssuerChain.Span, ChainKind.TcbSigning);
        var anchorRoot = new[] { tcbChain, qeChain }.Select(c => c.IsUsable ? c.Root : null)
            .FirstOrDefault(r => r is not null && AnchorOf(r) is not null);

        // §2.2 step 5: the root CA CRL is issued and signed by the (trusted) root.
        var rootCrl = ParseCrl(CheckId.RootCaCrl, collateral.RootCaCrl, "root CA CRL");
        if (rootCrl is not null)
        {
            if (anchorRoot is null)
            {
                checks.Add(new(CheckId.RootCaCrl, CheckResult.NotEvaluated, null, "no signing chain ends in a trust anchor"));
            }
            else
            {
                CheckCrl(CheckId.RootCaCrl, rootCrl, anchorRoot, "root CA CRL");
            }
        }

        // §2.2 step 5: the PCK CRL is issued and signed by a PCK CA that the trusted root issued and has not revoked.
        var pckCrl = ParseCrl(CheckId.PckCrl, collateral.PckCrl, "PCK CRL");
        if (pckCrl is not null)
        {
            CheckPckCrl(pckCrl);
        }

        // §2.4 and §2.5: the documents parse, their signing chains end in a trust anchor, the signing certificate
        // is not revoked by the root CA CRL, and the signature verifies over Intel's compact form.
        var tcbInfo = VerifyDocument<TcbInfo>(SignedDocument.TcbInfo, collateral.TcbInfo, tcbChain, rootCrl,
            static d => TcbInfo.TryParse(d, out var info, out var error) ? (info, (CollateralFormatError?)null) : ((TcbInfo?)null, error));
        var qeIdentity = VerifyDocument<EnclaveIdentity>(SignedDocument.QeIdentity, collateral.QeIdentity, qeChain, rootCrl,
            static d => EnclaveIdentity.TryParse(d, out var identity, out var error) ? (identity, (CollateralFormatError?)null) : ((EnclaveIdentity?)null, error));

        foreach (var crl in new[] { rootCrl, pckCrl })
        {
            if (crl is not null)
            {
                Widen(crl.ThisUpdate, crl.NextUpdate ?? DateTimeOffset.MaxValue);
            }
        }

        foreach (ISignedCollateral? document in new ISignedCollateral?[] { tcbInfo, qeIdentity })
        {
            if (document is not null)
            {
                Widen(document.IssueDate, document.NextUpdate);
            }
        }

        foreach (var chain in new[] { tcbChain, qeChain })
        {
            foreach (var cert in chain.Certificates)
            {
                Widen(cert.NotBefore, cert.NotAfter);
            }
        }

        return new CollateralReport
        {
            Checks = checks.ToImmutable(),
            TcbInfo = tcbInfo,
            QeIdentity = qeIdentity,
            RootCaCrl = rootCrl,
            PckCrl = pckCrl,
            Window = notBefore == DateTimeOffset.MinValue ? null : new ValidityWindow(notBefore, notAfter),
        };

        TrustAnchor? AnchorOf(ParsedCertificate root) => trustAnchors.FirstOrDefault(a => a.Matches(root.SubjectPublicKey.Span));

        void Widen(DateTimeOffset from, DateTimeOffset until)
        {
            notBefore = from > notBefore ? from : notBefore;
            notAfter = until < notAfter ? until : notAfter;
        }

        Crl? ParseCrl(CheckId check, ReadOnlyMemory<byte> input, string what)
        {
            var read = input.IsEmpty ? null : CollateralChecks.ReadCrl(input.Span);
            if (CollateralChecks.CrlProblem(check, read, what) is { } problem)
            {
                checks.Add(problem);
                return null;
            }

            return read!.Crl;
        }

        void CheckCrl(CheckId check, Crl crl, ParsedCertificate issuer, string what) =>
            checks.Add(CollateralChecks.CrlIssuedBy(check, crl, issuer, issuer.SubjectRaw.Span, () => CollateralChecks.CrlSignatureVerifies(crl, issuer),
                what, $"\"{issuer.SubjectCommonName}\""));

        void CheckPckCrl(Crl crl)
        {
            if (collateral.PckCrlIssuerChain.IsEmpty)
            {
                checks.Add(new(CheckId.PckCrl, CheckResult.Failed, ErrorCode.CollateralMissing, "no PCK CRL issuer chain was supplied"));
                return;
            }

            if (!PemChain.TryRead(collateral.PckCrlIssuerChain.Span, out var certs, out _))
            {
                checks.Add(new(CheckId.PckCrl, CheckResult.Failed, ErrorCode.CertificateMalformed, "the PCK CRL issuer chain is unreadable"));
                return;
            }

            // The chain is the PCK CA and the root: the CA is the CRL's issuer, the root self-issued and a trust anchor.
            var ca = certs.FirstOrDefault(c => !c.IsSelfIssued && c.SubjectRaw.Span.SequenceEqual(crl.IssuerRaw.Span));
            var root = ca is null ? null : certs.FirstOrDefault(c => c.IsSelfIssued && c.SubjectRaw.Span.SequenceEqual(ca.IssuerRaw.Span));
            if (certs.Count != 2 || ca is null || root is null)
            {
                checks.Add(new(CheckId.PckCrl, CheckResult.Failed, ErrorCode.ChainIncomplete, "the PCK CRL issuer chain is not the CRL's issuer under a root"));
            }
            else if (AnchorOf(root) is null)
            {
                checks.Add(new(CheckId.PckCrl, CheckResult.Failed, ErrorCode.ChainUntrustedRoot, $"the PCK CRL issuer chain's root \"{root.SubjectCommonName}\" is not a trust anchor"));
            }
            else if (!root.Signed.VerifySignature(root.PublicKey) || !ca.Signed.VerifySignature(root.PublicKey))
            {
                checks.Add(new(CheckId.PckCrl, CheckResult.Failed, ErrorCode.ChainSignatureInvalid, "a PCK CRL issuer chain signature does not verify"));
            }
            else if (!ca.HasBasicConstraints || !ca.IsCa)
            {
                checks.Add(new(CheckId.PckCrl, CheckResult.Failed, ErrorCode.ChainCertificateRoleInvalid, $"\"{ca.SubjectCommonName}\" is not marked as a CA"));
            }
            else if (rootCrl is not null && rootCrl.IsRevoked(ca))
            {
                checks.Add(new(CheckId.PckCrl, CheckResult.Failed, ErrorCode.IntermediateRevoked, $"\"{ca.SubjectCommonName}\" is on the root CA CRL"));
            }
            else
            {
                CheckCrl(CheckId.PckCrl, crl, ca, "PCK CRL");
            }
        }

        T? VerifyDocument<T>(SignedDocument kind, ReadOnlyMemory<byte> document, CertificateChain chain, Crl? revocations,
            Func<ReadOnlyMemory<byte>, (T? Value, CollateralFormatError? Error)> parse)
            where T : class, ISignedCollateral
        {
            var (parsed, error) = document.IsEmpty ? (null, null) : parse(document);
            checks.Add(CollateralChecks.DocumentFormat(kind.Format, kind.Name, !document.IsEmpty, error,
                parsed is null ? null : $"{kind.Name} evaluation data number {parsed.TcbEvaluationDataNumber}"));

            var issuerChain = kind == SignedDocument.TcbInfo ? collateral.TcbInfoIssuerChain : collateral.QeIdentityIssuerChain;
            checks.Add(issuerChain.IsEmpty
                ? new(kind.Chain, CheckResult.Failed, ErrorCode.CollateralMissing, $"no {kind.Name} issuer chain was supplied")
                : CollateralChecks.SigningChain(kind.Chain, chain, trustAnchors, revocations, kind.Name));

            if (parsed is null || !chain.IsUsable || chain.Leaf is not { } signer)
            {
                checks.Add(new(kind.Signature, CheckResult.NotEvaluated, null, parsed is null ? $"the {kind.Name} did not parse" : "no TCB signing certificate"));
            }
            else
            {
                checks.Add(CollateralChecks.DocumentSignature(kind.Signature, kind.SignatureInvalid, parsed, signer, CollateralChecks.DocumentSignatureVerifies(parsed, signer)));
            }

            return parsed;
        }
    }

    /// <summary>
    /// Verifies a TCB Evaluation Data Numbers document (PCS <c>/tcbevaluationdatanumbers</c>) and its issuer chain
    /// (<c>TCB-Evaluation-Data-Numbers-Issuer-Chain</c>, URL-decoded PEM) at <paramref name="at"/>, as a TCB Info is
    /// verified (dcap-verification §2.4 steps 2–4). Never throws for bad input.
    /// </summary>
    /// <param name="document">The response body, as received.</param>
    /// <param name="issuerChain">The issuer chain as PEM: the TCB Signing certificate and the root, in either order.</param>
    /// <param name="at">The instant to verify as of. The verifier never reads a clock.</param>
    /// <param name="trustAnchors">The roots the chain may end in (for example <see cref="TrustAnchor.IntelSgxRootCa"/>), matched by public key.</param>
    /// <param name="rootCaCrl">
    /// The root CA CRL, already parsed, to check the TCB Signing certificate against; null to skip that check. It must be
    /// issued and signed by the chain's root; its own freshness is not checked here.
    /// </param>
    /// <returns>The first failure, in the order below, or success; and the parsed document when it parsed.</returns>
    /// <remarks>
    /// The checks, first failure wins, authenticity before freshness:
    /// <list type="number">
    /// <item>both inputs supplied (<see cref="ErrorCode.CollateralMissing"/>);</item>
    /// <item>the document parses (<see cref="ErrorCode.TcbEvaluationDataNumbersMalformed"/>);</item>
    /// <item>the chain is the "SGX TCB Signing" certificate under an "SGX Root CA", linked by name and signature, in their
    /// roles (<see cref="ErrorCode.CertificateMalformed"/>, <see cref="ErrorCode.ChainIncomplete"/>,
    /// <see cref="ErrorCode.ChainSignatureInvalid"/>, <see cref="ErrorCode.ChainCertificateRoleInvalid"/>);</item>
    /// <item>the root's public key is a trust anchor (<see cref="ErrorCode.ChainUntrustedRoot"/>);</item>
    /// <item>with <paramref name="rootCaCrl"/>: the CRL is the root's (<see cref="ErrorCode.CrlIssuerMismatch"/>,
    /// <see cref="ErrorCode.CrlSignatureInvalid"/>) and does not list the signing certificate
    /// (<see cref="ErrorCode.IntermediateRevoked"/>);</item>
    /// <item>the signature verifies over the signed <c>tcbEvaluationDataNumbers</c> bytes in Intel's compact form
    /// (<see cref="ErrorCode.TcbEvaluationDataNumbersSignatureInvalid"/>);</item>
    /// <item>both certificates are inside their validity periods at <paramref name="at"/>
    /// (<see cref="ErrorCode.CertificateExpired"/>, <see cref="ErrorCode.CertificateNotYetValid"/>);</item>
    /// <item><c>issueDate</c> ≤ <paramref name="at"/> &lt; <c>nextUpdate</c> (<see cref="ErrorCode.TcbEvaluationDataNumbersNotYetValid"/>,
    /// <see cref="ErrorCode.TcbEvaluationDataNumbersExpired"/>), the same rule as for TCB Info.</item>
    /// </list>
    /// </remarks>
    public static TcbEvaluationDataNumbersVerification VerifyTcbEvaluationDataNumbers(
        ReadOnlyMemory<byte> document,
        ReadOnlyMemory<byte> issuerChain,
        DateTimeOffset at,
        IReadOnlyList<TrustAnchor> trustAnchors,
        Crl? rootCaCrl = null)
    {
        ArgumentNullException.ThrowIfNull(trustAnchors);
        if (document.IsEmpty)
        {
            return Fail(null, ErrorCode.CollateralMissing, "no TCB Evaluation Data Numbers document was supplied");
        }

        if (!TcbEvaluationDataNumbers.TryParse(document, out var parsed, out var error))
        {
            return Fail(null, error.Code, $"{error.Path}: {error.Message}");
        }

        if (issuerChain.IsEmpty)
        {
            return Fail(parsed, ErrorCode.CollateralMissing, "no TCB Evaluation Data Numbers issuer chain was supplied");
        }

        // The rules of TCB Info's signing (CollateralChecks, one copy): §2.4 step 2, the chain under a trust anchor; then
        // §2.2 step 5, a root CA CRL given is issued and signed by that root, and the signing certificate is not on it.
        const string What = "TCB Evaluation Data Numbers";
        var chain = CertificateChain.Analyse(issuerChain.Span, ChainKind.TcbSigning);
        if (CollateralChecks.SigningChainProblem(chain, trustAnchors, null, What) is { } unanchored)
        {
            return Fail(parsed, unanchored.Code, unanchored.Detail);
        }

        var root = chain.Root!;
        var signer = chain.Leaf!;
        if (rootCaCrl is not null
            && (CollateralChecks.CrlIssuerProblem(rootCaCrl, root, root.SubjectRaw.Span, () => CollateralChecks.CrlSignatureVerifies(rootCaCrl, root), "root CA CRL", $"\"{root.SubjectCommonName}\"")
                ?? CollateralChecks.SigningChainProblem(chain, trustAnchors, rootCaCrl, What)) is { } revocation)
        {
            return Fail(parsed, revocation.Code, revocation.Detail);
        }

        if (!EcdsaVerifier.VerifyP1363(signer.PublicKey, parsed.SignedBody.Span, parsed.Signature.Span, HashAlgorithmName.SHA256))
        {
            return Fail(parsed, ErrorCode.TcbEvaluationDataNumbersSignatureInvalid, $"the signature does not verify with the key of \"{signer.SubjectCommonName}\"");
        }

        var window = new ValidityWindow(
            new[] { parsed.IssueDate, root.NotBefore, signer.NotBefore }.Max(),
            new[] { parsed.NextUpdate, root.NotAfter, signer.NotAfter }.Min());
        if (chain.Certificates.FirstOrDefault(c => at > c.NotAfter) is { } expired)
        {
            return Fail(parsed, ErrorCode.CertificateExpired, $"\"{expired.SubjectCommonName}\" expired at {Iso(expired.NotAfter)}", window);
        }

        if (chain.Certificates.FirstOrDefault(c => at < c.NotBefore) is { } early)
        {
            return Fail(parsed, ErrorCode.CertificateNotYetValid, $"\"{early.SubjectCommonName}\" is valid only from {Iso(early.NotBefore)}", window);
        }

        // As for TCB Info (QuoteVerifier, docs/conformance.md): nextUpdate is exclusive, and a document issued after the
        // verification time is refused.
        if (at >= parsed.NextUpdate)
        {
            return Fail(parsed, ErrorCode.TcbEvaluationDataNumbersExpired, $"the document expired at its nextUpdate {Iso(parsed.NextUpdate)}", window);
        }

        if (at < parsed.IssueDate)
        {
            return Fail(parsed, ErrorCode.TcbEvaluationDataNumbersNotYetValid, $"the document is issued at {Iso(parsed.IssueDate)}, after the verification time", window);
        }

        return new TcbEvaluationDataNumbersVerification(parsed, null,
            $"{parsed.Id.ToString().ToUpperInvariant()} evaluation data numbers {string.Join(", ", parsed.Numbers.Select(n => n.Number.ToString(CultureInfo.InvariantCulture)))} signed by \"{signer.SubjectCommonName}\", issued {Iso(parsed.IssueDate)}, next update {Iso(parsed.NextUpdate)}",
            window);

        static TcbEvaluationDataNumbersVerification Fail(TcbEvaluationDataNumbers? parsed, ErrorCode code, string detail, ValidityWindow? window = null) =>
            new(parsed, code, detail, window);

        static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private sealed record SignedDocument(string Name, CheckId Format, CheckId Chain, CheckId Signature, ErrorCode SignatureInvalid)
    {
        public static readonly SignedDocument TcbInfo = new("TCB Info", CheckId.TcbInfoFormat, CheckId.TcbInfoSigningChain, CheckId.TcbInfoSignature, ErrorCode.TcbInfoSignatureInvalid);

        public static readonly SignedDocument QeIdentity = new("QE Identity", CheckId.QeIdentityFormat, CheckId.QeIdentitySigningChain, CheckId.QeIdentitySignature, ErrorCode.QeIdentitySignatureInvalid);
    }
}
