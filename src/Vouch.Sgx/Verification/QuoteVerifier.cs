using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using Vouch.Sgx.Certificates;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Primitives;
using Vouch.Sgx.Quotes;

namespace Vouch.Sgx.Verification;

/// <summary>
/// Verifies Intel SGX and TDX DCAP quotes against Intel's collateral and reaches Intel QVL's verdict
/// (dcap-verification §2), reporting every check rather than stopping at the first failure.
/// </summary>
/// <remarks>
/// Collateral that verified once (certificate chains, CRLs, TCB Info, QE Identity, their signatures)
/// is reused by content hash, so a warm verification costs two P-256 verifications (QE report, quote)
/// plus hashing. Validity periods are compared on every call against the caller's instant.
/// </remarks>
/// <threadsafety>An instance may be shared by concurrent callers.</threadsafety>
public sealed class QuoteVerifier
{
    private const int Sha256Size = 32;

    private readonly VerifiedCollateralCache _cache;

    /// <summary>Creates a verifier whose verified-collateral cache holds at most <paramref name="cacheCapacity"/> entries.</summary>
    public QuoteVerifier(int cacheCapacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cacheCapacity, 16);
        _cache = new VerifiedCollateralCache(cacheCapacity);
    }

    internal int CachedEntries => _cache.Count;

    /// <summary>Verifies <paramref name="quote"/> with <paramref name="collateral"/> as of <see cref="VerificationOptions.At"/>. Never throws for bad input.</summary>
    public VerificationReport Verify(ReadOnlyMemory<byte> quote, QuoteCollateral collateral, VerificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(collateral);
        ArgumentNullException.ThrowIfNull(options);
        return new Run(this, options).Execute(quote, collateral);
    }

    /// <summary>
    /// The checks a collateral fetch rests on, made before any collateral exists: the quote's PCK certificate chain
    /// (certification data type 5) is three certificates linked by name with every signature verifying (dcap-verification
    /// §2.2 steps 1–4), and its root key is one of <paramref name="trustAnchors"/> (§2.1). A host runs it before it
    /// fetches collateral for a quote, so a forged chain naming an arbitrary FMSPC costs Intel's PCS nothing. Validity
    /// periods and revocation are not checked here (they need the instant and the CRLs: <see cref="Verify"/> does).
    /// Uses the same content-hash cache as <see cref="Verify"/>. Never throws for bad input.
    /// </summary>
    /// <returns>Empty when both checks hold, or when the quote carries no chain (<see cref="Verify"/> reports that);
    /// otherwise the one failed check, exactly as <see cref="Verify"/> records it.</returns>
    public ImmutableArray<CheckOutcome> PreflightPckChain(Quote quote, IReadOnlyList<TrustAnchor> trustAnchors)
    {
        ArgumentNullException.ThrowIfNull(quote);
        ArgumentNullException.ThrowIfNull(trustAnchors);
        if (quote.Signature.CertificationData.Type != 5)
        {
            return [];
        }

        var pem = quote.Signature.CertificationData.Data;
        var chain = _cache.GetOrAdd(CacheKind.PckChain, ContentHash.Of(pem.Span), () => CertificateChain.Analyse(pem.Span, ChainKind.Pck));
        if (chain.Error is { } error)
        {
            return [new CheckOutcome(CheckId.PckCertificateChain, CheckResult.Failed, error, chain.Detail)];
        }

        var root = chain.Root!;
        return trustAnchors.Any(a => a.Matches(root.SubjectPublicKey.Span))
            ? []
            : [new CheckOutcome(CheckId.PckChainTrustAnchor, CheckResult.Failed, ErrorCode.ChainUntrustedRoot,
                $"root \"{root.SubjectCommonName}\" has key SHA-256 {Hex.ToLower(SHA256.HashData(root.SubjectPublicKey.Span))}, which is not a trust anchor")];
    }

    /// <summary>One verification: the checks recorded so far and what they established.</summary>
    private sealed class Run(QuoteVerifier verifier, VerificationOptions options)
    {
        private readonly ImmutableArray<CheckOutcome>.Builder _checks = ImmutableArray.CreateBuilder<CheckOutcome>(32);
        private readonly DateTimeOffset _at = options.At;
        private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
        private DateTimeOffset _windowEnd = DateTimeOffset.MaxValue;
        private bool _expired;

        private VerifiedCollateralCache Cache => verifier._cache;

        public VerificationReport Execute(ReadOnlyMemory<byte> quoteBytes, QuoteCollateral collateral)
        {
            // Stage 0 — dcap-verification §2.6 step 1 [4.1.2.4.2]: parse and validate the quote.
            Quote? quote = null;
            if (Quote.TryParse(quoteBytes, out var parsed, out var formatError))
            {
                quote = parsed;
                Pass(CheckId.QuoteFormat, $"version {quote.Header.Version}, {quote.BodyType}, certification data type {quote.Signature.OuterCertificationDataType}"
                    + (quote.Signature.OuterCertificationDataType != quote.Signature.CertificationData.Type ? $" wrapping {quote.Signature.CertificationData.Type}" : string.Empty));
            }
            else
            {
                Fail(CheckId.QuoteFormat, formatError.Code, $"{formatError.Field} at offset {formatError.Offset}: {formatError.Message}");
            }

            // Stage 1 — §2.2: PCK certificate chain and CRLs.
            var pckChain = VerifyPckChain(quote, collateral);
            var rootCrl = VerifyRootCaCrl(collateral, pckChain?.Root);
            var pckCrl = VerifyPckCrl(collateral, pckChain);
            VerifyRevocation(pckChain, rootCrl, pckCrl);
            var pck = VerifyPckExtension(pckChain);

            // Stage 2 — §2.4: TCB Info.
            var tcbInfo = VerifyTcbInfo(collateral, rootCrl);
            var tcbInfoMatches = VerifyTcbInfoMatch(quote, pck, tcbInfo);

            // Stage 3 — §2.5: QE Identity.
            var qeIdentity = VerifyQeIdentity(collateral, rootCrl);

            // Stage 4 — §2.6: the quote against the PCK key and the collateral.
            VerifyQeReport(quote, pckChain);
            var qeLevel = VerifyQeIdentityMatch(quote, qeIdentity);
            VerifyQuoteSignature(quote);
            // A TCB Info for another platform or TEE has no levels that apply to this one.
            var applicableTcbInfo = tcbInfoMatches ? tcbInfo : null;
            var moduleStatus = VerifyTdxModule(quote, applicableTcbInfo);
            var platformLevel = VerifyPlatformTcb(quote, pck, applicableTcbInfo);
            var status = VerifyTcbStatus(platformLevel, qeLevel, moduleStatus);

            // Fail closed: a TCB status is reported only when everything it rests on held, so a caller
            // reading the status alone can never act on one computed from unverified inputs. (The
            // checks' details still say what was evaluated.) Revoked is reported with its failure.
            // Every check counts, the operator's freshness rules (TcbInfoFreshnessPolicy, QeIdentityFreshnessPolicy)
            // included; a Waived check (expired but allowed, or inside the expiry grace) does not withhold it.
            var statusTrusted = _checks.All(c => c.Result != CheckResult.Failed || c.Check == CheckId.TcbStatus);
            if (!statusTrusted)
            {
                (status, platformLevel, qeLevel) = (null, null, null);
            }

            return new VerificationReport
            {
                VerifiedAt = _at,
                Checks = _checks.ToImmutable(),
                TcbStatus = status,
                PlatformTcbStatus = platformLevel?.Status,
                QeTcbStatus = qeLevel?.Status,
                Tcb = platformLevel is not null && qeLevel is not null ? ReportedTcb.Of(platformLevel, qeLevel) : null,
                TcbEvaluationDataNumber = tcbInfo?.TcbEvaluationDataNumber,
                QeIdentityTcbEvaluationDataNumber = qeIdentity?.TcbEvaluationDataNumber,
                CollateralWindow = _windowStart != DateTimeOffset.MinValue ? new ValidityWindow(_windowStart, _windowEnd) : null,
                CollateralExpired = _expired,
                Quote = quote is null ? null : Facts(quote),
                Pck = pck is null || pckChain?.Leaf is null ? null : Facts(pck, pckChain.Leaf),
                TrustAnchorKeyId = pckChain?.Root is { } root ? options.TrustAnchors.FirstOrDefault(a => a.Matches(root.SubjectPublicKey.Span))?.KeyId : null,
            };
        }

        // ---- Stage 1: PCK certificate chain ------------------------------------------------------

        private CertificateChain? VerifyPckChain(Quote? quote, QuoteCollateral collateral)
        {
            ReadOnlyMemory<byte> pem;
            if (quote is not null && quote.Signature.CertificationData.Type == 5)
            {
                pem = quote.Signature.CertificationData.Data;
            }
            else if (collateral.PckCertificateChain is { IsEmpty: false } external)
            {
                // Certification data types 1–4 carry no chain; the caller supplies it (Intel QVL takes the PCK
                // certificate as a separate input; QvE itself accepts only type 5).
                pem = external;
            }
            else
            {
                if (quote is null)
                {
                    NotEvaluated(CheckId.PckCertificateChain, "the quote did not parse and no PCK certificate chain was supplied");
                }
                else
                {
                    Fail(CheckId.PckCertificateChain, ErrorCode.CollateralMissing,
                        $"certification data type {quote.Signature.CertificationData.Type} carries no PCK chain and the collateral has none");
                }

                NotEvaluated(CheckId.PckChainTrustAnchor, "no PCK chain");
                NotEvaluated(CheckId.PckChainValidity, "no PCK chain");
                return null;
            }

            var chain = Cache.GetOrAdd(CacheKind.PckChain, ContentHash.Of(pem.Span), () => CertificateChain.Analyse(pem.Span, ChainKind.Pck));
            Record(CheckId.PckCertificateChain, chain.Error, chain.Detail);
            CheckTrustAnchor(CheckId.PckChainTrustAnchor, chain);
            CheckCertificateValidity(CheckId.PckChainValidity, chain);
            return chain;
        }

        private void CheckTrustAnchor(CheckId check, CertificateChain chain)
        {
            // §2.1: pin the root's public key, never its subject name.
            if (chain.Root is not { } root || chain.Error is ErrorCode.CertificateMalformed or ErrorCode.ChainIncomplete)
            {
                NotEvaluated(check, "the chain has no single root");
                return;
            }

            var anchor = options.TrustAnchors.FirstOrDefault(a => a.Matches(root.SubjectPublicKey.Span));
            if (anchor is null)
            {
                Fail(check, ErrorCode.ChainUntrustedRoot,
                    $"root \"{root.SubjectCommonName}\" has key SHA-256 {Hex.ToLower(SHA256.HashData(root.SubjectPublicKey.Span))}, which is not a trust anchor");
            }
            else
            {
                Pass(check, $"root key is the trust anchor \"{anchor.Name}\"");
            }
        }

        private void CheckCertificateValidity(CheckId check, CertificateChain chain)
        {
            if (chain.Certificates.Count == 0)
            {
                NotEvaluated(check, "the chain did not parse");
                return;
            }

            foreach (var cert in chain.Certificates)
            {
                Widen(cert.NotBefore, cert.NotAfter);
            }

            // §2.2 step 6: Intel checks notAfter only; Vouch also requires notBefore (docs/conformance.md).
            var expired = chain.Certificates.FirstOrDefault(c => _at > c.NotAfter);
            var early = chain.Certificates.FirstOrDefault(c => _at < c.NotBefore);
            if (expired is not null)
            {
                Stale(check, ErrorCode.CertificateExpired, $"\"{expired.SubjectCommonName}\" expired at {Iso(expired.NotAfter)}");
            }
            else if (early is not null)
            {
                Stale(check, ErrorCode.CertificateNotYetValid, $"\"{early.SubjectCommonName}\" is valid only from {Iso(early.NotBefore)}");
            }
            else
            {
                Pass(check, $"all {chain.Certificates.Count} certificates valid until {Iso(chain.Certificates.Min(c => c.NotAfter))}");
            }
        }

        private Crl? VerifyRootCaCrl(QuoteCollateral collateral, ParsedCertificate? root)
        {
            var crl = ParseCrl(CheckId.RootCaCrl, collateral.RootCaCrl, "root CA CRL");
            if (crl is null)
            {
                NotEvaluated(CheckId.RootCaCrlValidity, "the root CA CRL did not parse");
                return null;
            }

            // §2.2 step 5: issued by the chain's root, signed by its key.
            CheckCrlIssuer(CheckId.RootCaCrl, crl, root, expectedIssuer: root?.SubjectRaw, "root CA CRL", "the PCK chain's root");
            CheckCrlValidity(CheckId.RootCaCrlValidity, crl, "root CA CRL");
            return crl;
        }

        private Crl? VerifyPckCrl(QuoteCollateral collateral, CertificateChain? chain)
        {
            var crl = ParseCrl(CheckId.PckCrl, collateral.PckCrl, "PCK CRL");
            if (crl is null)
            {
                NotEvaluated(CheckId.PckCrlValidity, "the PCK CRL did not parse");
                return null;
            }

            // §2.6 step 4 [.6]: the PCK CRL issuer is a CA and is, byte for byte, the PCK certificate's issuer;
            // its signature verifies with that issuer's key (§2.2 step 5).
            var intermediate = chain?.Intermediate;
            if (intermediate is not null && !crl.IssuerCommonName.Contains("CA", StringComparison.Ordinal))
            {
                Fail(CheckId.PckCrl, ErrorCode.CrlIssuerMismatch, $"PCK CRL issuer \"{crl.IssuerCommonName}\" is not a CA");
            }
            else
            {
                CheckCrlIssuer(CheckId.PckCrl, crl, intermediate, expectedIssuer: chain?.Leaf?.IssuerRaw, "PCK CRL", "the PCK certificate's issuer");
            }

            CheckCrlValidity(CheckId.PckCrlValidity, crl, "PCK CRL");
            return crl;
        }

        private Crl? ParseCrl(CheckId check, ReadOnlyMemory<byte> input, string what)
        {
            var read = input.IsEmpty ? null : Cache.GetOrAdd(CacheKind.Crl, ContentHash.Of(input.Span), () => CollateralChecks.ReadCrl(input.Span));
            if (CollateralChecks.CrlProblem(check, read, what) is { } problem)
            {
                _checks.Add(problem);
                return null;
            }

            return read!.Crl;
        }

        private void CheckCrlIssuer(CheckId check, Crl crl, ParsedCertificate? issuer, ReadOnlyMemory<byte>? expectedIssuer, string what, string issuerRole)
        {
            if (issuer is null || expectedIssuer is null)
            {
                NotEvaluated(check, $"{issuerRole} is unknown (the PCK chain did not parse)");
                return;
            }

            _checks.Add(CollateralChecks.CrlIssuedBy(check, crl, issuer, expectedIssuer.Value.Span,
                () => Cache.GetOrAdd(CacheKind.CrlSignature, ContentHash.Of(crl.Raw.Span).With(ContentHash.Of(issuer.SubjectPublicKey.Span)),
                    () => CollateralChecks.CrlSignatureVerifies(crl, issuer) ? Memo.True : Memo.False) == Memo.True,
                what, issuerRole));
        }

        private void CheckCrlValidity(CheckId check, Crl crl, string what)
        {
            Widen(crl.ThisUpdate, crl.NextUpdate ?? DateTimeOffset.MaxValue);
            // §2.2 step 6: a CRL is current only from thisUpdate until nextUpdate; one not yet issued counts as
            // expired. Vouch treats nextUpdate as exclusive: at that instant a newer CRL is due (docs/conformance.md).
            if (_at < crl.ThisUpdate)
            {
                Stale(check, ErrorCode.CrlExpired, $"the {what} is issued at {Iso(crl.ThisUpdate)}, after the verification time");
            }
            else if (crl.NextUpdate is { } next && _at >= next)
            {
                PastNextUpdate(check, ErrorCode.CrlExpired, next, $"the {what} expired at {Iso(next)}", graceable: true);
            }
            else
            {
                Pass(check, $"current from {Iso(crl.ThisUpdate)} to {(crl.NextUpdate is { } n ? Iso(n) : "(no nextUpdate)")}");
            }
        }

        private void VerifyRevocation(CertificateChain? chain, Crl? rootCrl, Crl? pckCrl)
        {
            // §2.2 step 5: the root CRL must not list the intermediate, the PCK CRL must not list the leaf.
            if (chain?.Intermediate is not { } intermediate || rootCrl is null)
            {
                NotEvaluated(CheckId.IntermediateNotRevoked, rootCrl is null ? "no usable root CA CRL" : "no PCK intermediate CA");
            }
            else if (rootCrl.IsRevoked(intermediate))
            {
                Fail(CheckId.IntermediateNotRevoked, ErrorCode.IntermediateRevoked, $"\"{intermediate.SubjectCommonName}\" serial {Hex.ToLower(intermediate.SerialNumber.Span)} is on the root CA CRL");
            }
            else
            {
                Pass(CheckId.IntermediateNotRevoked, $"serial {Hex.ToLower(intermediate.SerialNumber.Span)} is not among the root CA CRL's {rootCrl.RevokedSerials.Count} entries");
            }

            if (chain?.Leaf is not { } leaf || chain.Intermediate is null || pckCrl is null)
            {
                NotEvaluated(CheckId.PckNotRevoked, pckCrl is null ? "no usable PCK CRL" : "no PCK certificate");
            }
            else if (pckCrl.IsRevoked(leaf))
            {
                Fail(CheckId.PckNotRevoked, ErrorCode.PckRevoked, $"PCK certificate serial {Hex.ToLower(leaf.SerialNumber.Span)} is on the PCK CRL");
            }
            else
            {
                Pass(CheckId.PckNotRevoked, $"serial {Hex.ToLower(leaf.SerialNumber.Span)} is not among the PCK CRL's {pckCrl.RevokedSerials.Count} entries");
            }
        }

        private PckExtension? VerifyPckExtension(CertificateChain? chain)
        {
            if (chain?.Leaf is not { } leaf || chain.Certificates.Count != 3)
            {
                NotEvaluated(CheckId.PckExtension, "no PCK certificate");
                return null;
            }

            // §2.3: PPID, TCB (16 components, PCESVN, CPUSVN), PCE-ID, FMSPC and SGX type are required.
            var entry = Cache.GetOrAdd(CacheKind.PckExtension, ContentHash.Of(leaf.Signed.Raw.Span), () =>
                PckExtension.TryParse(leaf.Certificate, out var ext, out var error) ? new PckExtensionEntry(ext, null) : new PckExtensionEntry(null, error));
            if (entry.Extension is not { } extension)
            {
                Fail(CheckId.PckExtension, ErrorCode.PckExtensionMalformed, entry.Error);
                return null;
            }

            Pass(CheckId.PckExtension, $"FMSPC {Hex.ToLower(extension.Fmspc.Span)}, PCE-ID {Hex.ToLower(extension.PceId.Span)}, PCESVN {extension.PceSvn}, components [{string.Join(",", extension.TcbComponents)}]");
            return extension;
        }

        // ---- Stages 2 and 3: TCB Info and QE Identity --------------------------------------------

        private TcbInfo? VerifyTcbInfo(QuoteCollateral collateral, Crl? rootCrl) =>
            VerifySignedDocument(SignedDocumentChecks.TcbInfo, collateral.TcbInfo, collateral.TcbInfoIssuerChain, rootCrl,
                static d => TcbInfo.TryParse(d, out var info, out var error) ? new DocumentEntry<TcbInfo>(info, null) : new DocumentEntry<TcbInfo>(null, error),
                static info => $"TCB Info v{info.Version} {info.Id}, FMSPC {Hex.ToLower(info.Fmspc.Span)}, evaluation data number {info.TcbEvaluationDataNumber}, {info.TcbLevels.Count} levels");

        private EnclaveIdentity? VerifyQeIdentity(QuoteCollateral collateral, Crl? rootCrl) =>
            VerifySignedDocument(SignedDocumentChecks.QeIdentity, collateral.QeIdentity, collateral.QeIdentityIssuerChain, rootCrl,
                static d => EnclaveIdentity.TryParse(d, out var identity, out var error) ? new DocumentEntry<EnclaveIdentity>(identity, null) : new DocumentEntry<EnclaveIdentity>(null, error),
                static identity => $"Enclave Identity v{identity.Version} {identity.Id}, evaluation data number {identity.TcbEvaluationDataNumber}, {identity.TcbLevels.Count} levels");

        /// <summary>
        /// §2.4 (TCB Info) and §2.5 (QE Identity), which Intel verifies alike: the document parses, its
        /// signing chain is the TCB signing certificate under a trusted, unrevoked root, the ECDSA-P256-SHA256
        /// signature verifies over the signed value in Intel's compact form, and it is current.
        /// </summary>
        private T? VerifySignedDocument<T>(SignedDocumentChecks checks, ReadOnlyMemory<byte> document, ReadOnlyMemory<byte> issuerChain, Crl? rootCrl,
            Func<ReadOnlyMemory<byte>, DocumentEntry<T>> parse, Func<T, string> describe)
            where T : class, ISignedCollateral
        {
            var entry = document.IsEmpty ? null : Cache.GetOrAdd(checks.Cache, ContentHash.Of(document.Span), () => parse(document));
            var parsed = entry?.Value;
            _checks.Add(CollateralChecks.DocumentFormat(checks.Format, checks.Name, entry is not null, parsed is null ? entry?.Error : null, parsed is null ? null : describe(parsed)));

            var chain = VerifySigningChain(checks.Chain, checks.ChainValidity, issuerChain, rootCrl, checks.Name);
            if (parsed is null || chain?.Leaf is not { } signer)
            {
                NotEvaluated(checks.Signature, parsed is null ? $"the {checks.Name} did not parse" : "no TCB signing certificate");
            }
            else
            {
                var valid = Cache.GetOrAdd(checks.SignatureCache, ContentHash.Of(parsed.Document.Span).With(ContentHash.Of(signer.SubjectPublicKey.Span)),
                    () => CollateralChecks.DocumentSignatureVerifies(parsed, signer) ? Memo.True : Memo.False);
                _checks.Add(CollateralChecks.DocumentSignature(checks.Signature, checks.SignatureInvalid, parsed, signer, valid == Memo.True));
            }

            if (parsed is null)
            {
                NotEvaluated(checks.Validity, $"the {checks.Name} did not parse");
                NotEvaluated(checks.Policy, $"the {checks.Name} did not parse");
            }
            else
            {
                CheckIssuedDocument(checks.Validity, parsed.IssueDate, parsed.NextUpdate, checks.Name, checks.NotYetValid, checks.Expired);
                CheckFreshnessPolicy(checks, parsed);
            }

            return parsed;
        }

        private CertificateChain? VerifySigningChain(CheckId check, CheckId validityCheck, ReadOnlyMemory<byte> pem, Crl? rootCrl, string what)
        {
            if (pem.IsEmpty)
            {
                Fail(check, ErrorCode.CollateralMissing, $"no {what} issuer chain was supplied");
                NotEvaluated(validityCheck, "no chain");
                return null;
            }

            var chain = Cache.GetOrAdd(CacheKind.TcbSigningChain, ContentHash.Of(pem.Span), () => CertificateChain.Analyse(pem.Span, ChainKind.TcbSigning));
            _checks.Add(CollateralChecks.SigningChain(check, chain, options.TrustAnchors, rootCrl, what));
            CheckCertificateValidity(validityCheck, chain);
            return chain.Certificates.Count == 2 ? chain : null;
        }

        private void CheckIssuedDocument(CheckId check, DateTimeOffset issueDate, DateTimeOffset nextUpdate, string what, ErrorCode notYetValid, ErrorCode expired)
        {
            Widen(issueDate, nextUpdate);
            // §2.4 step 4: Intel fails only past nextUpdate; Vouch also refuses a document issued after the
            // verification time, and treats nextUpdate as exclusive (docs/conformance.md).
            if (_at >= nextUpdate)
            {
                // The operator's grace covers a document that is otherwise current, never one also issued after the verification time.
                PastNextUpdate(check, expired, nextUpdate, $"the {what} expired at its nextUpdate {Iso(nextUpdate)}", graceable: _at >= issueDate);
            }
            else if (_at < issueDate)
            {
                Stale(check, notYetValid, $"the {what} is issued at {Iso(issueDate)}, after the verification time");
            }
            else
            {
                Pass(check, $"issued {Iso(issueDate)}, next update {Iso(nextUpdate)}");
            }
        }

        private void CheckFreshnessPolicy(SignedDocumentChecks checks, ISignedCollateral document)
        {
            // §2.10 and §2.12: the relying party's own freshness rules, off by default (docs/conformance.md, "Operator
            // freshness rules"). Intel checks neither, so they are explicit policy: failed, never waived as expired.
            var number = document.TcbEvaluationDataNumber;
            var tooLow = options.MinimumTcbEvaluationDataNumber is { } minimum && number < minimum;
            var numberDetail = options.MinimumTcbEvaluationDataNumber is { } min
                ? $"evaluation data number {number} {(tooLow ? "is below" : "meets")} the minimum {min}"
                : "no minimum evaluation data number";

            // The age is measured from issueDate to the verification time; a document issued later is TcbInfoValidity's concern.
            var age = _at - document.IssueDate;
            var tooOld = options.MaximumCollateralAge is { } maximum && age > maximum;
            var ageDetail = options.MaximumCollateralAge is { } max
                ? $"issued {Iso(document.IssueDate)}, {Duration(age)} before the verification time, {(tooOld ? "older than" : "within")} the maximum age {Duration(max)}"
                : "no maximum age";

            var detail = $"{numberDetail}, {ageDetail}";
            if (tooLow)
            {
                Fail(checks.Policy, checks.EvaluationDataNumberTooLow, detail);
            }
            else if (tooOld)
            {
                Fail(checks.Policy, checks.TooOld, detail);
            }
            else
            {
                Pass(checks.Policy, detail);
            }
        }

        private bool VerifyTcbInfoMatch(Quote? quote, PckExtension? pck, TcbInfo? info)
        {
            if (quote is null || pck is null || info is null)
            {
                NotEvaluated(CheckId.TcbInfoMatch, Missing(("the quote", quote), ("the PCK extension", pck), ("the TCB Info", info)));
                return false;
            }

            // §2.6 step 6 [.9]: the TCB Info's TEE matches the quote's.
            var tee = info.Id == TcbInfoId.Tdx ? TeeType.Tdx : TeeType.Sgx;
            if (tee != quote.Header.TeeType)
            {
                Fail(CheckId.TcbInfoMatch, ErrorCode.TcbInfoMismatch, $"TCB Info is for {info.Id} but the quote is {quote.Header.TeeType}");
            }
            // §2.6 step 7 [.10]: FMSPC and PCE-ID of the PCK certificate.
            else if (!info.Fmspc.Span.SequenceEqual(pck.Fmspc.Span))
            {
                Fail(CheckId.TcbInfoMatch, ErrorCode.TcbInfoMismatch, $"TCB Info FMSPC {Hex.ToLower(info.Fmspc.Span)} differs from the PCK certificate's {Hex.ToLower(pck.Fmspc.Span)}");
            }
            else if (!info.PceId.Span.SequenceEqual(pck.PceId.Span))
            {
                Fail(CheckId.TcbInfoMatch, ErrorCode.TcbInfoMismatch, $"TCB Info PCE-ID {Hex.ToLower(info.PceId.Span)} differs from the PCK certificate's {Hex.ToLower(pck.PceId.Span)}");
            }
            else
            {
                Pass(CheckId.TcbInfoMatch, $"{info.Id}, FMSPC {Hex.ToLower(pck.Fmspc.Span)}, PCE-ID {Hex.ToLower(pck.PceId.Span)}");
                return true;
            }

            return false;
        }

        // ---- Stage 4: the quote -------------------------------------------------------------------

        private void VerifyQeReport(Quote? quote, CertificateChain? chain)
        {
            var sig = quote?.Signature;
            // §2.6 step 10 [.12]: the QE report is signed by the PCK certificate's key.
            if (sig is null || chain?.Leaf is not { } leaf || chain.Certificates.Count != 3)
            {
                NotEvaluated(CheckId.QeReportSignature, sig is null ? "the quote did not parse" : "no PCK certificate");
            }
            else if (EcdsaVerifier.VerifyP1363(leaf.PublicKey, sig.QeReport.Raw.Span, sig.QeReportSignature.Span, HashAlgorithmName.SHA256))
            {
                Pass(CheckId.QeReportSignature, "signed by the PCK certificate's key");
            }
            else
            {
                Fail(CheckId.QeReportSignature, ErrorCode.QeReportSignatureInvalid, "the QE report signature does not verify with the PCK certificate's key");
            }

            // §2.6 step 11 [.13]: QE REPORTDATA[0..32) = SHA-256(attestation key ‖ QE authentication data).
            // Like QVL, the upper 32 bytes are not required to be zero.
            if (sig is null)
            {
                NotEvaluated(CheckId.QeReportData, "the quote did not parse");
                return;
            }

            Span<byte> expected = stackalloc byte[Sha256Size];
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                hash.AppendData(sig.AttestationKey.Span);
                hash.AppendData(sig.QeAuthData.Span);
                hash.GetHashAndReset(expected);
            }

            var actual = sig.QeReport.ReportData.Span[..Sha256Size];
            if (actual.SequenceEqual(expected))
            {
                Pass(CheckId.QeReportData, $"binds the attestation key and {sig.QeAuthData.Length} bytes of QE authentication data");
            }
            else
            {
                Fail(CheckId.QeReportData, ErrorCode.QeReportDataMismatch, $"QE report data {Hex.ToLower(actual)} is not SHA-256(attestation key ‖ auth data) = {Hex.ToLower(expected)}");
            }
        }

        private QeTcbLevel? VerifyQeIdentityMatch(Quote? quote, EnclaveIdentity? identity)
        {
            if (quote is null || identity is null)
            {
                NotEvaluated(CheckId.QeIdentityMatch, Missing(("the quote", quote), ("the QE Identity", identity)));
                NotEvaluated(CheckId.QeTcbLevel, Missing(("the quote", quote), ("the QE Identity", identity)));
                return null;
            }

            var report = quote.Signature.QeReport;
            var mismatch = QeIdentityMismatch(quote, identity, report);
            Record(CheckId.QeIdentityMatch, mismatch is null ? null : ErrorCode.QeIdentityMismatch,
                mismatch ?? $"{identity.Id} MRSIGNER {Hex.ToLower(report.MrSigner.Span)}, ISVPRODID {report.IsvProdId}");

            // §2.6 step 13: the first QE level in JSON order whose isvsvn ≤ the QE report's ISVSVN.
            var level = TcbLevelMatcher.MatchQe(identity, report.IsvSvn);
            if (level is null)
            {
                Fail(CheckId.QeTcbLevel, ErrorCode.QeTcbLevelNotSupported,
                    $"QE ISVSVN {report.IsvSvn} is below every QE Identity level (lowest {identity.TcbLevels.Min(l => l.IsvSvn)})");
            }
            else
            {
                Pass(CheckId.QeTcbLevel, $"QE ISVSVN {report.IsvSvn} matches level isvsvn {level.IsvSvn}: {level.Status.ToIntelString()}");
            }

            return level;
        }

        private static string? QeIdentityMismatch(Quote quote, EnclaveIdentity identity, SgxReportBody report)
        {
            // §2.6 step 12 [.14]: an SGX quote needs the QE identity, a TDX quote the TD_QE identity.
            var expectedId = quote.Header.TeeType == TeeType.Tdx ? EnclaveIdentityId.TdQe : EnclaveIdentityId.Qe;
            if (identity.Id != expectedId)
            {
                return $"the identity is {identity.Id}, the quote needs {expectedId}";
            }

            // §2.6 step 13 [.15]: masked MISCSELECT and ATTRIBUTES, MRSIGNER, ISVPRODID.
            if (!MaskedEquals(report.MiscSelectBytes.Span, identity.MiscSelectMask.Span, identity.MiscSelect.Span))
            {
                return $"MISCSELECT {Hex.ToLower(report.MiscSelectBytes.Span)} under mask {Hex.ToLower(identity.MiscSelectMask.Span)} is not {Hex.ToLower(identity.MiscSelect.Span)}";
            }

            if (!MaskedEquals(report.Attributes.Span, identity.AttributesMask.Span, identity.Attributes.Span))
            {
                return $"ATTRIBUTES {Hex.ToLower(report.Attributes.Span)} under mask {Hex.ToLower(identity.AttributesMask.Span)} is not {Hex.ToLower(identity.Attributes.Span)}";
            }

            if (!identity.MrSigner.IsEmpty && !report.MrSigner.Span.SequenceEqual(identity.MrSigner.Span))
            {
                return $"MRSIGNER {Hex.ToLower(report.MrSigner.Span)} is not {Hex.ToLower(identity.MrSigner.Span)}";
            }

            return report.IsvProdId != identity.IsvProdId ? $"ISVPRODID {report.IsvProdId} is not {identity.IsvProdId}" : null;
        }

        private static bool MaskedEquals(ReadOnlySpan<byte> value, ReadOnlySpan<byte> mask, ReadOnlySpan<byte> expected)
        {
            if (value.Length != mask.Length || value.Length != expected.Length)
            {
                return false;
            }

            for (var i = 0; i < value.Length; i++)
            {
                if ((value[i] & mask[i]) != expected[i])
                {
                    return false;
                }
            }

            return true;
        }

        private void VerifyQuoteSignature(Quote? quote)
        {
            if (quote is null)
            {
                NotEvaluated(CheckId.QuoteSignature, "the quote did not parse");
                return;
            }

            // §2.6 steps 14–15 [.16]: the attestation key is a P-256 point and signs header ‖ body.
            var key = Cache.GetOrAdd(CacheKind.AttestationKey, ContentHash.Of(quote.Signature.AttestationKey.Span), () => AttestationKey.Import(quote.Signature.AttestationKey.Span));
            if (key.Ecdsa is null)
            {
                Fail(CheckId.QuoteSignature, ErrorCode.QuoteAttestationKeyInvalid, "the attestation key is not a point on P-256");
            }
            else if (EcdsaVerifier.VerifyP1363(key.Ecdsa, quote.SignedRegion.Span, quote.Signature.IsvSignature.Span, HashAlgorithmName.SHA256))
            {
                Pass(CheckId.QuoteSignature, $"{quote.SignedRegion.Length} bytes signed by the attestation key");
            }
            else
            {
                Fail(CheckId.QuoteSignature, ErrorCode.QuoteSignatureInvalid, $"the signature over the {quote.SignedRegion.Length} signed bytes does not verify with the attestation key");
            }
        }

        private TcbStatus? VerifyTdxModule(Quote? quote, TcbInfo? info)
        {
            if (quote?.TdBody is not { } td)
            {
                NotEvaluated(CheckId.TdxModuleIdentity, quote is null ? "the quote did not parse" : "not a TDX quote");
                return null;
            }

            if (info is null)
            {
                NotEvaluated(CheckId.TdxModuleIdentity, "no TCB Info that applies to this platform (see TcbInfoFormat and TcbInfoMatch)");
                return null;
            }

            // §2.6 step 9 [.11]: MRSIGNERSEAM and SEAMATTRIBUTES against tdxModule, or against
            // tdxModuleIdentities["TDX_%02X" % TEE_TCB_SVN[1]] when TEE_TCB_SVN[1] > 0, whose TCB level
            // (by TEE_TCB_SVN[0]) then converges with the platform status.
            var teeTcbSvn = td.TeeTcbSvn.Span;
            ReadOnlyMemory<byte> mrSigner, attributes, mask;
            IReadOnlyList<QeTcbLevel>? levels = null;
            var name = "tdxModule";
            if (teeTcbSvn[1] > 0)
            {
                name = "TDX_" + teeTcbSvn[1].ToString("X2", CultureInfo.InvariantCulture);
                var identity = info.TdxModuleIdentities.FirstOrDefault(m => m.Id == name);
                if (identity is null)
                {
                    Fail(CheckId.TdxModuleIdentity, ErrorCode.TdxModuleMismatch, $"the TCB Info has no TDX module identity {name}");
                    return null;
                }

                (mrSigner, attributes, mask, levels) = (identity.MrSigner, identity.Attributes, identity.AttributesMask, identity.TcbLevels);
            }
            else if (info.TdxModule is { } module)
            {
                (mrSigner, attributes, mask) = (module.MrSigner, module.Attributes, module.AttributesMask);
            }
            else
            {
                Fail(CheckId.TdxModuleIdentity, ErrorCode.TdxModuleMismatch, "the TCB Info has no TDX module identity");
                return null;
            }

            if (!td.MrSignerSeam.Span.SequenceEqual(mrSigner.Span) || !MaskedEquals(td.SeamAttributes.Span, mask.Span, attributes.Span))
            {
                Fail(CheckId.TdxModuleIdentity, ErrorCode.TdxModuleMismatch, $"MRSIGNERSEAM {Hex.ToLower(td.MrSignerSeam.Span)} or SEAMATTRIBUTES {Hex.ToLower(td.SeamAttributes.Span)} do not match {name}");
                return null;
            }

            if (levels is null)
            {
                Pass(CheckId.TdxModuleIdentity, $"matches {name}");
                return null;
            }

            int moduleSvn = teeTcbSvn[0];
            var level = levels.FirstOrDefault(l => l.IsvSvn <= moduleSvn);
            if (level is null)
            {
                Fail(CheckId.TdxModuleIdentity, ErrorCode.TcbLevelNotSupported, $"TDX module SVN {moduleSvn} is below every level of {name}");
                return null;
            }

            Pass(CheckId.TdxModuleIdentity, $"matches {name}, module SVN {moduleSvn}: {level.Status.ToIntelString()}");
            return level.Status;
        }

        private TcbLevel? VerifyPlatformTcb(Quote? quote, PckExtension? pck, TcbInfo? info)
        {
            if (quote is null || pck is null || info is null)
            {
                NotEvaluated(CheckId.PlatformTcbLevel, Missing(("the quote", quote), ("the PCK extension", pck), ("a TCB Info that applies to this platform", info)));
                return null;
            }

            // §2.7: levels in Intel's order, first one satisfied component-wise (16 SGX components and
            // PCESVN from the PCK certificate's INTEGERs, plus TEE_TCB_SVN for TDX).
            var teeTcbSvn = quote.TdBody is { } td ? td.TeeTcbSvn.Span : default;
            var level = TcbLevelMatcher.MatchPlatform(info, pck.TcbComponents, pck.PceSvn, teeTcbSvn);
            if (level is null)
            {
                Fail(CheckId.PlatformTcbLevel, ErrorCode.TcbLevelNotSupported, "no TCB level is satisfied: " + ExplainNoMatch(info, pck, teeTcbSvn));
                return null;
            }

            var advisories = level.AdvisoryIds.Count == 0 ? string.Empty : $" ({string.Join(", ", level.AdvisoryIds)})";
            Pass(CheckId.PlatformTcbLevel, $"level of {Iso(level.TcbDate)}: {level.Status.ToIntelString()}{advisories}");
            return level;
        }

        private static string ExplainNoMatch(TcbInfo info, PckExtension pck, ReadOnlySpan<byte> teeTcbSvn)
        {
            var reasons = new List<string>();
            foreach (var level in info.TcbLevels.Take(4))
            {
                var lacks = new List<string>();
                for (var i = 0; i < 16 && i < level.SgxComponents.Count; i++)
                {
                    if (pck.TcbComponents[i] < level.SgxComponents[i].Svn)
                    {
                        lacks.Add($"COMP{i + 1:D2} {pck.TcbComponents[i]} < {level.SgxComponents[i].Svn}");
                    }
                }

                if (pck.PceSvn < level.PceSvn)
                {
                    lacks.Add($"PCESVN {pck.PceSvn} < {level.PceSvn}");
                }

                if (lacks.Count == 0 && !teeTcbSvn.IsEmpty)
                {
                    lacks.Add("TEE_TCB_SVN below the level's TDX components");
                }

                reasons.Add($"{Iso(level.TcbDate)} {level.Status.ToIntelString()}: {string.Join(", ", lacks)}");
            }

            return string.Join("; ", reasons) + (info.TcbLevels.Count > 4 ? $"; and {info.TcbLevels.Count - 4} lower levels" : string.Empty);
        }

        private TcbStatus? VerifyTcbStatus(TcbLevel? platform, QeTcbLevel? qe, TcbStatus? module)
        {
            if (platform is null || qe is null)
            {
                NotEvaluated(CheckId.TcbStatus, platform is null ? "no platform TCB level" : "no QE TCB level");
                return null;
            }

            // §2.8: Intel's convergence with the QE status (and, for TDX, the module identity's status).
            var status = TcbStatuses.Converge(platform.Status, qe.Status);
            if (module is { } moduleStatus)
            {
                status = TcbStatuses.Converge(status, moduleStatus);
            }

            var detail = $"platform {platform.Status.ToIntelString()}, QE {qe.Status.ToIntelString()}"
                + (module is { } m ? $", TDX module {m.ToIntelString()}" : string.Empty)
                + $" → {status.ToIntelString()}";
            Record(CheckId.TcbStatus, status == TcbStatus.Revoked ? ErrorCode.TcbRevoked : null, detail);
            return status;
        }

        // ---- Facts --------------------------------------------------------------------------------

        private static QuoteFacts Facts(Quote quote)
        {
            if (quote.SgxBody is { } sgx)
            {
                return new QuoteFacts
                {
                    Version = quote.Header.Version,
                    TeeType = "SGX",
                    MrEnclave = Hex.ToLower(sgx.MrEnclave.Span),
                    MrSigner = Hex.ToLower(sgx.MrSigner.Span),
                    IsvProdId = sgx.IsvProdId,
                    IsvSvn = sgx.IsvSvn,
                    Attributes = Hex.ToLower(sgx.Attributes.Span),
                    Debug = sgx.IsDebug,
                    ReportData = Hex.ToLower(sgx.ReportData.Span),
                    QeIsvSvn = quote.Signature.QeReport.IsvSvn,
                    Quote = quote,
                };
            }

            var td = quote.TdBody!;
            return new QuoteFacts
            {
                Version = quote.Header.Version,
                TeeType = "TDX",
                MrEnclave = Hex.ToLower(td.MrTd.Span),
                MrSigner = string.Empty,
                IsvProdId = 0,
                IsvSvn = 0,
                Attributes = Hex.ToLower(td.TdAttributes.Span),
                Debug = (td.TdAttributes.Span[0] & 0x01) != 0,
                ReportData = Hex.ToLower(td.ReportData.Span),
                QeIsvSvn = quote.Signature.QeReport.IsvSvn,
                Quote = quote,
            };
        }

        private static PckFacts Facts(PckExtension pck, ParsedCertificate leaf) => new(
            Hex.ToLower(pck.Fmspc.Span), Hex.ToLower(pck.PceId.Span), [.. pck.TcbComponents], pck.PceSvn,
            Hex.ToLower(pck.CpuSvn.Span), Hex.ToLower(pck.Ppid.Span), pck.SgxType.ToString(),
            leaf.Certificate.IssuerName.Name);

        // ---- Recording ----------------------------------------------------------------------------

        private void Pass(CheckId check, string detail) => _checks.Add(new(check, CheckResult.Passed, null, detail));

        private void Fail(CheckId check, ErrorCode code, string? detail) => _checks.Add(new(check, CheckResult.Failed, code, detail));

        private void NotEvaluated(CheckId check, string detail) => _checks.Add(new(check, CheckResult.NotEvaluated, null, detail));

        private void Record(CheckId check, ErrorCode? error, string detail)
        {
            if (error is { } code)
            {
                Fail(check, code, detail);
            }
            else
            {
                Pass(check, detail);
            }
        }

        /// <summary>A freshness failure: fatal by default, waived (and flagged) when the caller allows expired collateral.</summary>
        private void Stale(CheckId check, ErrorCode code, string detail)
        {
            _expired = true;
            _checks.Add(options.AllowExpiredCollateral
                ? new(check, CheckResult.Waived, code, detail + " (allowed: expired collateral is reported, not refused)")
                : new(check, CheckResult.Failed, code, detail));
        }

        /// <summary>
        /// An item at or past its nextUpdate (TCB Info, QE Identity, PCK CRL, root CA CRL): inside the operator's
        /// <see cref="VerificationOptions.ExpiryGracePeriod"/> it is waived and flagged as expired; past it, <see cref="Stale"/>.
        /// </summary>
        private void PastNextUpdate(CheckId check, ErrorCode code, DateTimeOffset nextUpdate, string detail, bool graceable)
        {
            var late = _at - nextUpdate;
            var grace = options.ExpiryGracePeriod;
            if (grace <= TimeSpan.Zero)
            {
                Stale(check, code, detail);
            }
            else if (graceable && late < grace)
            {
                _expired = true;
                _checks.Add(new(check, CheckResult.Waived, code,
                    $"{detail}, {Duration(late)} before the verification time (allowed: inside the expiry grace period {Duration(grace)}; reported as expired)"));
            }
            else
            {
                Stale(check, code, $"{detail}, {Duration(late)} before the verification time, past the expiry grace period {Duration(grace)}");
            }
        }

        private void Widen(DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            if (notBefore > _windowStart)
            {
                _windowStart = notBefore;
            }

            if (notAfter < _windowEnd)
            {
                _windowEnd = notAfter;
            }
        }

        /// <summary>Names the first unavailable prerequisite of a check that could not be made.</summary>
        private static string Missing(params (string Name, object? Value)[] prerequisites) =>
            $"{prerequisites.First(p => p.Value is null).Name} is unavailable (see its check)";

        private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        /// <summary>An ISO-8601 duration (<c>P1DT2H</c>), the form <c>vouch quote verify</c> accepts.</summary>
        private static string Duration(TimeSpan span) => System.Xml.XmlConvert.ToString(span);
    }

    private sealed record PckExtensionEntry(PckExtension? Extension, string? Error);

    private sealed record DocumentEntry<T>(T? Value, CollateralFormatError? Error)
        where T : class;

    /// <summary>The checks, cache slots and codes of one kind of signed collateral document.</summary>
    private sealed record SignedDocumentChecks(
        string Name, CheckId Format, CheckId Chain, CheckId ChainValidity, CheckId Signature, CheckId Validity, CheckId Policy,
        CacheKind Cache, CacheKind SignatureCache, ErrorCode SignatureInvalid, ErrorCode NotYetValid, ErrorCode Expired,
        ErrorCode EvaluationDataNumberTooLow, ErrorCode TooOld)
    {
        public static readonly SignedDocumentChecks TcbInfo = new("TCB Info",
            CheckId.TcbInfoFormat, CheckId.TcbInfoSigningChain, CheckId.TcbInfoSigningChainValidity, CheckId.TcbInfoSignature, CheckId.TcbInfoValidity, CheckId.TcbInfoFreshnessPolicy,
            CacheKind.TcbInfo, CacheKind.TcbInfoSignature, ErrorCode.TcbInfoSignatureInvalid, ErrorCode.TcbInfoNotYetValid, ErrorCode.TcbInfoExpired,
            ErrorCode.TcbInfoEvaluationDataNumberTooLow, ErrorCode.TcbInfoTooOld);

        public static readonly SignedDocumentChecks QeIdentity = new("QE Identity",
            CheckId.QeIdentityFormat, CheckId.QeIdentitySigningChain, CheckId.QeIdentitySigningChainValidity, CheckId.QeIdentitySignature, CheckId.QeIdentityValidity, CheckId.QeIdentityFreshnessPolicy,
            CacheKind.QeIdentity, CacheKind.QeIdentitySignature, ErrorCode.QeIdentitySignatureInvalid, ErrorCode.QeIdentityNotYetValid, ErrorCode.QeIdentityExpired,
            ErrorCode.QeIdentityEvaluationDataNumberTooLow, ErrorCode.QeIdentityTooOld);
    }

    /// <summary>A cached yes/no, boxed once.</summary>
    private sealed class Memo
    {
        public static readonly Memo True = new();
        public static readonly Memo False = new();
    }

    /// <summary>An attestation key imported once; <see cref="Ecdsa"/> is null when the bytes are not a P-256 point.</summary>
    private sealed class AttestationKey(ECDsa? ecdsa)
    {
        public ECDsa? Ecdsa { get; } = ecdsa;

        public static AttestationKey Import(ReadOnlySpan<byte> xy) =>
            new(EcdsaVerifier.TryCreateP256PublicKey(xy, out var key) ? key : null);
    }
}
