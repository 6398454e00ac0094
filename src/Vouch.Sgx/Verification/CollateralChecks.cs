using System.Globalization;
using System.Security.Cryptography;
using Vouch.Sgx.Certificates;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Primitives;

namespace Vouch.Sgx.Verification;

/// <summary>A CRL as read from collateral: the parsed CRL, or why it is unreadable.</summary>
/// <param name="Crl">The CRL; null when it did not read.</param>
/// <param name="Error">Why it did not read; null when it did.</param>
internal sealed record CrlRead(Crl? Crl, string? Error);

/// <summary>
/// The collateral checks <see cref="QuoteVerifier"/> and <see cref="CollateralVerifier"/> both make, each written once
/// with its spec step: reading a CRL, a CRL's issuer and signature, a TCB signing chain, and a signed document's format
/// and signature. Each returns the outcome; the callers decide what it is checked against (the quote's PCK chain, or the
/// collateral's own issuer chains), memoise the costly parts, and add the freshness checks only the quote verifier makes.
/// </summary>
internal static class CollateralChecks
{
    /// <summary>Reads a CRL in any encoding DCAP collateral uses (dcap-verification §3.5): DER, PEM or hex of DER.</summary>
    public static CrlRead ReadCrl(ReadOnlySpan<byte> input) =>
        Crl.NormalizeEncoding(input) is not { } der ? new CrlRead(null, "neither DER, PEM nor hex of DER")
        : Crl.TryParse(der, out var crl, out var error) ? new CrlRead(crl, null)
        : new CrlRead(null, error);

    /// <summary>The failure for a CRL that was not supplied (<paramref name="read"/> null) or does not read; null when it read.</summary>
    public static CheckOutcome? CrlProblem(CheckId check, CrlRead? read, string what) =>
        read is null ? Failed(check, ErrorCode.CollateralMissing, $"no {what} was supplied")
        : read.Crl is null ? Failed(check, ErrorCode.CrlMalformed, $"the {what} is unreadable: {read.Error}")
        : null;

    /// <summary>
    /// §2.2 step 5: <paramref name="crl"/> is issued by <paramref name="expectedIssuer"/> (its issuer Name byte for byte)
    /// and its signature verifies with the key of <paramref name="issuer"/> (<paramref name="signatureVerifies"/>, asked
    /// only when the name matches, so callers can memoise it).
    /// </summary>
    public static CheckOutcome CrlIssuedBy(CheckId check, Crl crl, ParsedCertificate issuer, ReadOnlySpan<byte> expectedIssuer, Func<bool> signatureVerifies, string what, string issuerRole) =>
        CrlIssuerProblem(crl, issuer, expectedIssuer, signatureVerifies, what, issuerRole) is { } problem
            ? Failed(check, problem.Code, problem.Detail)
            : Passed(check, $"issued and signed by \"{issuer.SubjectCommonName}\", CRL number {crl.CrlNumber?.ToString(CultureInfo.InvariantCulture) ?? "none"}");

    /// <summary>The rule of <see cref="CrlIssuedBy"/> for callers that report only the first failure: the code and detail, or null.</summary>
    public static (ErrorCode Code, string Detail)? CrlIssuerProblem(Crl crl, ParsedCertificate issuer, ReadOnlySpan<byte> expectedIssuer, Func<bool> signatureVerifies, string what, string issuerRole) =>
        !crl.IssuerRaw.Span.SequenceEqual(expectedIssuer) ? (ErrorCode.CrlIssuerMismatch, $"the {what} is issued by \"{crl.IssuerCommonName}\", not by {issuerRole}")
        : !signatureVerifies() ? (ErrorCode.CrlSignatureInvalid, $"the {what} signature does not verify with the key of \"{issuer.SubjectCommonName}\"")
        : null;

    /// <summary>Whether <paramref name="crl"/>'s signature verifies with <paramref name="issuer"/>'s key.</summary>
    public static bool CrlSignatureVerifies(Crl crl, ParsedCertificate issuer) => crl.VerifySignature(issuer);

    /// <summary>
    /// §2.4 step 2 (and §2.5 for the QE Identity): the signing chain is exactly the TCB signing certificate under the root,
    /// signatures verified (<see cref="CertificateChain.Analyse"/>), the root's public key a trust anchor, and the signing
    /// certificate not on the root CA CRL (not evaluated without a usable one).
    /// </summary>
    public static CheckOutcome SigningChain(CheckId check, CertificateChain chain, IReadOnlyList<TrustAnchor> trustAnchors, Crl? rootCrl, string what) =>
        SigningChainProblem(chain, trustAnchors, rootCrl, what) is { } problem ? Failed(check, problem.Code, problem.Detail)
        : rootCrl is null ? NotEvaluated(check, "no usable root CA CRL to check the signing certificate against")
        : Passed(check, chain.Detail);

    /// <summary>
    /// The rule of <see cref="SigningChain"/> for callers that report only the first failure (the TCB Evaluation Data
    /// Numbers): the code and detail of what is wrong, or null; revocation is checked only when <paramref name="rootCrl"/> is given.
    /// </summary>
    public static (ErrorCode Code, string Detail)? SigningChainProblem(CertificateChain chain, IReadOnlyList<TrustAnchor> trustAnchors, Crl? rootCrl, string what)
    {
        if (!chain.IsUsable)
        {
            return (chain.Error!.Value, chain.Detail);
        }

        var root = chain.Root!;
        if (!trustAnchors.Any(a => a.Matches(root.SubjectPublicKey.Span)))
        {
            return (ErrorCode.ChainUntrustedRoot,
                $"the {what} signing chain's root \"{root.SubjectCommonName}\" (key SHA-256 {Hex.ToLower(SHA256.HashData(root.SubjectPublicKey.Span))}) is not a trust anchor");
        }

        return rootCrl is not null && rootCrl.IsRevoked(chain.Leaf!)
            ? (ErrorCode.IntermediateRevoked, $"\"{chain.Leaf!.SubjectCommonName}\" is on the root CA CRL")
            : null;
    }

    /// <summary>The format check of a signed document: not supplied (<paramref name="supplied"/> false), unreadable, or read.</summary>
    public static CheckOutcome DocumentFormat(CheckId check, string name, bool supplied, CollateralFormatError? error, string? description) =>
        !supplied ? Failed(check, ErrorCode.CollateralMissing, $"no {name} was supplied")
        : error is not null ? Failed(check, error.Code, $"{error.Path}: {error.Message}")
        : Passed(check, description!);

    /// <summary>§2.4 step 3 (§2.5 alike): the ECDSA P-256 SHA-256 signature verifies over the signed value in Intel's compact form.</summary>
    public static bool DocumentSignatureVerifies(ISignedCollateral document, ParsedCertificate signer) =>
        EcdsaVerifier.VerifyP1363(signer.PublicKey, document.SignedBody.Span, document.Signature.Span, HashAlgorithmName.SHA256);

    /// <summary>The outcome of <see cref="DocumentSignatureVerifies"/> for <paramref name="document"/>.</summary>
    public static CheckOutcome DocumentSignature(CheckId check, ErrorCode invalid, ISignedCollateral document, ParsedCertificate signer, bool verifies) =>
        verifies
            ? Passed(check, $"signed by \"{signer.SubjectCommonName}\"")
            : Failed(check, invalid, $"the signature does not verify over the {document.SignedBody.Length} signed bytes with the key of \"{signer.SubjectCommonName}\"");

    private static CheckOutcome Passed(CheckId check, string detail) => new(check, CheckResult.Passed, null, detail);

    private static CheckOutcome Failed(CheckId check, ErrorCode code, string detail) => new(check, CheckResult.Failed, code, detail);

    private static CheckOutcome NotEvaluated(CheckId check, string detail) => new(check, CheckResult.NotEvaluated, null, detail);
}
