using System.Text;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Tests.Conformance;

/// <summary>
/// <see cref="QuoteVerifier.PreflightPckChain"/>: the PCK chain checks a host makes before fetching collateral agree with
/// the full verification's, on genuine quotes, on a quote under Intel's test root, and on chains broken byte by byte.
/// </summary>
public sealed class PreflightTests
{
    private static readonly QuoteVerifier Verifier = new();

    public static TheoryData<string> Cases => [.. DcapCase.All];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Preflight_fails_exactly_when_the_full_verification_fails_the_chain_or_its_anchor(string name)
    {
        var dcap = DcapCase.Load(name);
        var report = Verifier.Verify(dcap.Quote, dcap.Collateral, new VerificationOptions { At = dcap.VerificationTime });
        if (!Quote.TryParse(dcap.Quote, out var quote, out _))
        {
            return; // the verification reports the format; there is no chain to preflight
        }

        var preflight = Verifier.PreflightPckChain(quote, [TrustAnchor.IntelSgxRootCa]);

        // Quotes that carry no chain (the collateral supplies it) are left to the full verification.
        if (quote.Signature.CertificationData.Type != 5)
        {
            Assert.Empty(preflight);
            return;
        }

        // The full verification's verdict on the two checks.
        var full = report.Checks.Where(c => c.Check is CheckId.PckCertificateChain or CheckId.PckChainTrustAnchor && c.Result == CheckResult.Failed).ToList();
        if (preflight.IsEmpty)
        {
            Assert.DoesNotContain(full, c => c.Code is ErrorCode.ChainUntrustedRoot or ErrorCode.ChainSignatureInvalid or ErrorCode.ChainIncomplete or ErrorCode.ChainCertificateRoleInvalid);
        }
        else
        {
            var failed = Assert.Single(preflight);
            Assert.Equal(CheckResult.Failed, failed.Result);
            Assert.Contains(full, c => c.Check == failed.Check && c.Code == failed.Code);
        }
    }

    [Fact]
    public void A_genuine_chain_passes_under_Intels_root_and_fails_under_another_anchor()
    {
        var dcap = DcapCase.Load("signal-cdsi-sgx-v3-2026");
        var other = new TrustAnchor([.. TrustAnchor.IntelSgxRootCa.PublicKey.Select((b, i) => i == 10 ? (byte)(b ^ 1) : b)], "other");

        var quote = Parse(dcap.Quote);

        Assert.Empty(Verifier.PreflightPckChain(quote, [TrustAnchor.IntelSgxRootCa]));
        var failed = Assert.Single(Verifier.PreflightPckChain(quote, [other]));
        Assert.Equal(CheckId.PckChainTrustAnchor, failed.Check);
        Assert.Equal(ErrorCode.ChainUntrustedRoot, failed.Code);
        Assert.Empty(Verifier.PreflightPckChain(quote, [other, TrustAnchor.IntelSgxRootCa]));
    }

    [Fact]
    public void A_chain_whose_signature_is_broken_fails_on_the_chain_check()
    {
        var quote = DcapCase.Load("signal-cdsi-sgx-v3-2026").Quote;
        var text = Encoding.ASCII.GetString(quote);
        var begin = text.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        var end = text.IndexOf("-----END CERTIFICATE-----", begin, StringComparison.Ordinal);

        // Flip one base64 character near the end of the first certificate's body: its signature no longer verifies.
        var tampered = (byte[])quote.Clone();
        var at = end - 10;
        tampered[at] = tampered[at] == (byte)'A' ? (byte)'B' : (byte)'A';

        var failed = Assert.Single(Verifier.PreflightPckChain(Parse(tampered), [TrustAnchor.IntelSgxRootCa]));
        Assert.Equal(CheckId.PckCertificateChain, failed.Check);
        Assert.NotNull(failed.Code);
    }

    private static Quote Parse(byte[] bytes) => Quote.TryParse(bytes, out var quote, out var error) ? quote : throw new InvalidOperationException(error.ToString());
}
