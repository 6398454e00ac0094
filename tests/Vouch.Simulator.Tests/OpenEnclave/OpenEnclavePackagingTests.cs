using System.Security.Cryptography;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.OpenEnclave;
using Vouch.Simulator.Platform;
using Vouch.Simulator.Tests.Authority;

namespace Vouch.Simulator.Tests.OpenEnclave;

public static class OpenEnclavePackagingTests
{
    [Fact]
    public static void WrapLegacyReport_RealMaaQuote_ReproducesTheRealOeReport()
    {
        var real = Vectors.Sgx("quotes", "real_maa_java_oe_report_v1.bin");
        Assert.Equal(real, OpenEnclavePackaging.WrapLegacyReport(real.AsSpan(16), OeReportType.SgxRemote));
    }

    [Fact]
    public static void ParseClaims_SignalPreimage_IsOnePkClaimAndReserializesExactly()
    {
        var preimage = Vectors.Dcap("signal-cdsi-sgx-v3-2026", "report_data_preimage.bin");

        var claims = OpenEnclavePackaging.ParseClaims(preimage);

        var claim = Assert.Single(claims);
        Assert.Equal("pk", claim.Name);
        Assert.Equal(32, claim.Value.Length);
        Assert.Equal(preimage, OpenEnclavePackaging.SerializeClaims(claims));
    }

    [Fact]
    public static void ReportDataFor_SignalPreimage_EqualsTheRealQuotesReportData()
    {
        var preimage = Vectors.Dcap("signal-cdsi-sgx-v3-2026", "report_data_preimage.bin");
        Assert.Equal(ParsedQuote.Parse(Vectors.RealQuote()).Body[320..], OpenEnclavePackaging.ReportDataFor(preimage));
    }

    [Fact]
    public static void ReportDataFor_EmptyClaims_EqualsTheRealOeQuotesReportData()
    {
        var quote = ParsedQuote.Parse(Vectors.Sgx("quotes", "real_oe_qve_thread_test_sgx_quote_v3.bin"));
        Assert.Equal(quote.Body[320..], OpenEnclavePackaging.ReportDataFor([]));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(quote.Body[320..352]));
    }

    [Fact]
    public static void WrapEvidence_SgxEcdsa_HasAttestationHeaderLayout()
    {
        var evidence = OpenEnclavePackaging.SgxEcdsaEvidence([1, 2, 3], [4, 5]);

        Assert.Equal(32 + 5, evidence.Length);
        Assert.Equal(3u, BitConverter.ToUInt32(evidence, 0));
        Assert.Equal("a3a21e871b4d4014b70aa125d2fbcd8c", Convert.ToHexStringLower(evidence.AsSpan(4, 16)));
        Assert.Equal(new byte[4], evidence[20..24]);
        Assert.Equal(5ul, BitConverter.ToUInt64(evidence, 24));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, evidence[32..]);
    }

    [Theory]
    [InlineData("short header", "0100000000000000")]
    [InlineData("version 2", "02000000000000000000000000000000")]
    [InlineData("count past end", "01000000000000000100000000000000")]
    [InlineData("name without NUL", "0100000000000000010000000000000001000000000000000000000000000000" + "41")]
    [InlineData("trailing byte", "0100000000000000000000000000000000")]
    public static void ParseClaims_Malformed_ThrowsFormatException(string label, string hex)
    {
        Assert.NotEmpty(label);
        Assert.Throws<FormatException>(() => OpenEnclavePackaging.ParseClaims(Convert.FromHexString(hex)));
    }

    [Fact]
    public static void Scenario_CustomClaims_BindReportDataAndWritePreimage()
    {
        var claims = new[] { new OeCustomClaim("pk", SHA256.HashData("public key"u8)), new OeCustomClaim("nonce", [9, 9]) };
        var c = new DcapScenario { At = SimulatedIntelTests.T0, CustomClaims = claims }.Build(SimulatedIntelTests.Authority, SimulatedPlatform.CreateInMemory());
        var directory = TempDirectory.Create().Path;

        c.WriteTo(directory);

        var preimage = File.ReadAllBytes(Path.Combine(directory, "report_data_preimage.bin"));
        Assert.Equal(OpenEnclavePackaging.SerializeClaims(claims), preimage);
        Assert.Equal(OpenEnclavePackaging.ReportDataFor(preimage), ParsedQuote.Parse(c.Quote).Body[320..]);
        Assert.Equal(c.Facts.ReportData, ParsedQuote.Parse(c.Quote).Body[320..]);
        Assert.Empty(MiniVerifier.Verify(c, SimulatedIntelTests.Authority.RootCertificate).Errors);

        var evidence = OpenEnclavePackaging.SgxEcdsaEvidence(c.Quote, preimage);
        Assert.Equal((ulong)(c.Quote.Length + preimage.Length), BitConverter.ToUInt64(evidence, 24));
    }
}
