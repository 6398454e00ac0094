using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Collateral;

/// <summary>
/// The <c>x-ms-sgx-collateral</c> object (maa-protocol §3.2): lowercase-hex SHA-256 of the submitted
/// evidence and of each collateral artefact exactly as the verifier received it. MAA does not say which
/// bytes it hashes (§7 q1); Vouch hashes the artefacts byte for byte as supplied (the PCS response bodies
/// in the PCS-file layout), and takes the root CA CRL as the CRL of both the TCB Info and the QE Identity
/// signing chains, which is what that CRL covers (MAA's tokens carry equal values for the two).
/// </summary>
/// <param name="QuoteHash">SHA-256 of the evidence as submitted (the whole OE report for OpenEnclave).</param>
/// <param name="TcbInfoHash">SHA-256 of the TCB Info document.</param>
/// <param name="TcbInfoCertsHash">SHA-256 of the TCB Info issuer chain (PEM).</param>
/// <param name="TcbInfoCrlHash">SHA-256 of the root CA CRL.</param>
/// <param name="QeIdHash">SHA-256 of the QE Identity document.</param>
/// <param name="QeIdCertsHash">SHA-256 of the QE Identity issuer chain (PEM).</param>
/// <param name="QeIdCrlHash">SHA-256 of the root CA CRL.</param>
public sealed record CollateralDigests(
    string QuoteHash,
    string TcbInfoHash,
    string TcbInfoCertsHash,
    string TcbInfoCrlHash,
    string QeIdHash,
    string QeIdCertsHash,
    string QeIdCrlHash)
{
    /// <summary>Hashes <paramref name="submittedEvidence"/> and <paramref name="collateral"/>.</summary>
    public static CollateralDigests Compute(ReadOnlySpan<byte> submittedEvidence, QuoteCollateral collateral)
    {
        ArgumentNullException.ThrowIfNull(collateral);
        var rootCrl = Hash(collateral.RootCaCrl.Span);
        return new CollateralDigests(
            QuoteHash: Hash(submittedEvidence),
            TcbInfoHash: Hash(collateral.TcbInfo.Span),
            TcbInfoCertsHash: Hash(collateral.TcbInfoIssuerChain.Span),
            TcbInfoCrlHash: rootCrl,
            QeIdHash: Hash(collateral.QeIdentity.Span),
            QeIdCertsHash: Hash(collateral.QeIdentityIssuerChain.Span),
            QeIdCrlHash: rootCrl);
    }

    /// <summary>The claim value, keys in MAA's (lexicographic) order.</summary>
    public JsonObject ToJson() => new()
    {
        ["qeidcertshash"] = QeIdCertsHash,
        ["qeidcrlhash"] = QeIdCrlHash,
        ["qeidhash"] = QeIdHash,
        ["quotehash"] = QuoteHash,
        ["tcbinfocertshash"] = TcbInfoCertsHash,
        ["tcbinfocrlhash"] = TcbInfoCrlHash,
        ["tcbinfohash"] = TcbInfoHash,
    };

    private static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
