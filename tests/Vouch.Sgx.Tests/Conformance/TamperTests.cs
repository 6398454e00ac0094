using System.Buffers.Binary;
using System.Text;
using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Tests.Conformance;

/// <summary>
/// Every single-byte change inside the signed or certified regions of a genuine quote is rejected:
/// header and report body (signed by the attestation key), the attestation key and QE authentication
/// data (bound by the QE report data), the QE report (signed by the PCK key), both signatures, every
/// length and type field, and every byte of the DER PCK certificate (certified by Intel).
/// </summary>
public sealed class TamperTests
{
    private const string Case = "signal-cdsi-sgx-v3-2026";
    private const int SignatureData = 436;

    [Fact]
    public void Verify_EveryByteChangedUpToTheCertificationData_IsRejected()
    {
        var c = DcapCase.Load(Case);
        var quote = c.Quote;
        var verifier = new QuoteVerifier();
        Assert.True(verifier.Verify(quote, c.Collateral, c.Options()).Verified);

        var authLength = BinaryPrimitives.ReadUInt16LittleEndian(quote.AsSpan(SignatureData + 576));
        var end = SignatureData + 578 + authLength + 6; // through certification data type and size
        var accepted = new List<int>();
        for (var offset = 0; offset < end; offset++)
        {
            var tampered = (byte[])quote.Clone();
            tampered[offset] ^= 0x01;
            if (verifier.Verify(tampered, c.Collateral, c.Options()).Verified)
            {
                accepted.Add(offset);
            }
        }

        Assert.Empty(accepted);
    }

    [Fact]
    public void Verify_EveryByteOfThePckCertificateChanged_IsRejected()
    {
        var c = DcapCase.Load(Case);
        var quote = c.Quote;
        var authLength = BinaryPrimitives.ReadUInt16LittleEndian(quote.AsSpan(SignatureData + 576));
        var certData = SignatureData + 578 + authLength + 6;
        var pem = Encoding.ASCII.GetString(quote, certData, quote.Length - certData).TrimEnd('\0');
        var blocks = pem.Split("-----END CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries)
            .Where(b => b.Contains("BEGIN", StringComparison.Ordinal)).ToList();
        var leafDer = Convert.FromBase64String(blocks[0].Replace("-----BEGIN CERTIFICATE-----", string.Empty, StringComparison.Ordinal));
        var rest = string.Concat(blocks.Skip(1).Select(b => b + "-----END CERTIFICATE-----"));
        var verifier = new QuoteVerifier();

        var accepted = new List<int>();
        for (var offset = 0; offset < leafDer.Length; offset++)
        {
            var der = (byte[])leafDer.Clone();
            der[offset] ^= 0x01;
            var chain = Encoding.ASCII.GetBytes(PemEncode(der) + rest + "\0");
            var tampered = Rebuild(quote, certData, chain);
            if (verifier.Verify(tampered, c.Collateral, c.Options()).Verified)
            {
                accepted.Add(offset);
            }
        }

        Assert.Empty(accepted);
        // The rebuilt quote with the untouched certificate still verifies: the harness changes only what it says.
        var untouched = Rebuild(quote, certData, Encoding.ASCII.GetBytes(PemEncode(leafDer) + rest + "\0"));
        Assert.True(verifier.Verify(untouched, c.Collateral, c.Options()).Verified);
    }

    /// <summary>
    /// security-checklist A3: every single-bit flip of the whole genuine quote through full verification.
    /// The only mutants that may verify are those in the unsigned framing of the certification data that
    /// leave the certificates' DER unchanged: its size field shortened past the trailing "\n\0" (the rest
    /// is ignored, as in QVL), or a PEM line break or NUL flipped to other white space. They must then
    /// yield exactly the original facts.
    /// </summary>
    [Fact]
    public void Verify_EverySingleBitFlip_IsRejectedOrChangesNothing()
    {
        var c = DcapCase.Load(Case);
        var quote = c.Quote;
        var verifier = new QuoteVerifier();
        var original = verifier.Verify(quote, c.Collateral, c.Options());
        var authLength = BinaryPrimitives.ReadUInt16LittleEndian(quote.AsSpan(SignatureData + 576));
        var certData = SignatureData + 578 + authLength + 6;

        var acceptedOutsidePem = new List<int>();
        var acceptedWithOtherFacts = new List<int>();
        for (var offset = 0; offset < quote.Length; offset++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var tampered = (byte[])quote.Clone();
                tampered[offset] ^= (byte)(1 << bit);
                var report = verifier.Verify(tampered, c.Collateral, c.Options());
                if (!report.Verified)
                {
                    continue;
                }

                if (offset < certData - 4)
                {
                    acceptedOutsidePem.Add(offset);
                }
                else if (!SameFacts(original, report))
                {
                    acceptedWithOtherFacts.Add(offset);
                }
            }
        }

        Assert.Empty(acceptedOutsidePem);
        Assert.Empty(acceptedWithOtherFacts);
    }

    private static bool SameFacts(VerificationReport a, VerificationReport b) =>
        a.Quote!.MrEnclave == b.Quote!.MrEnclave && a.Quote.MrSigner == b.Quote.MrSigner && a.Quote.ReportData == b.Quote.ReportData
        && a.Quote.IsvProdId == b.Quote.IsvProdId && a.Quote.IsvSvn == b.Quote.IsvSvn && a.Quote.Debug == b.Quote.Debug
        && a.Pck!.Fmspc == b.Pck!.Fmspc && a.Pck.Ppid == b.Pck.Ppid && a.Pck.PceSvn == b.Pck.PceSvn && a.Pck.TcbComponents.SequenceEqual(b.Pck.TcbComponents)
        && a.TcbStatus == b.TcbStatus && a.AdvisoryIds.SequenceEqual(b.AdvisoryIds);

    private static string PemEncode(byte[] der) => "-----BEGIN CERTIFICATE-----\n"
        + string.Join("\n", Convert.ToBase64String(der).Chunk(64).Select(ch => new string(ch)))
        + "\n-----END CERTIFICATE-----";

    /// <summary>The quote with its certification data replaced and the two enclosing lengths fixed up.</summary>
    private static byte[] Rebuild(byte[] quote, int certData, byte[] chain)
    {
        var result = new byte[certData + chain.Length];
        quote.AsSpan(0, certData).CopyTo(result);
        chain.CopyTo(result.AsSpan(certData));
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(certData - 4), (uint)chain.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(432), (uint)(result.Length - SignatureData));
        return result;
    }
}
