using System.Security.Cryptography.X509Certificates;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;
using Vouch.Simulator.Tests.Authority;
using Vouch.Tests.Shared;

namespace Vouch.Simulator.Tests.Dcap;

public static class DcapScenarioTests
{
    private static readonly DateTimeOffset T0 = SimulatedIntelTests.T0;
    private static readonly Lazy<SimulatedPlatform> SharedPlatform = new(() => SimulatedPlatform.CreateInMemory());

    private static SimulatedIntel Authority => SimulatedIntelTests.Authority;

    private static DcapCase Build(DcapScenario scenario, SimulatedPlatform? platform = null) => scenario.Build(Authority, platform ?? SharedPlatform.Value);

    private static X509Certificate2 TestRoot => Authority.RootCertificate;

    [Fact]
    public static void Build_Baseline_EveryCheckPassesWithTheTestRoot()
    {
        var c = Build(new DcapScenario { At = T0 });

        var result = MiniVerifier.Verify(c, TestRoot);

        Assert.Empty(result.Errors);
        Assert.Equal("UpToDate", result.TcbStatus);
        Assert.Equal(TcbLevelStatus.UpToDate, c.Facts.Expected.TcbStatus);
        Assert.Null(c.Facts.Expected.Error);
        Assert.Null(c.Facts.Expected.PolicyFailure);
        Assert.Empty(c.Facts.Faults);
    }

    [Fact]
    public static void Build_Baseline_FailsOnTheTrustAnchorWithIntelsRoot()
    {
        var c = Build(new DcapScenario { At = T0 });
        var intelRoot = Pki.ParsePemChain(File.ReadAllText(TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026", "pck_crl_issuer_chain.pem")))[1];

        Assert.Contains("ChainUntrustedRoot", MiniVerifier.Verify(c, intelRoot).Errors);
    }

    [Theory]
    [InlineData(TcbLevelStatus.UpToDate)]
    [InlineData(TcbLevelStatus.SWHardeningNeeded)]
    [InlineData(TcbLevelStatus.ConfigurationNeeded)]
    [InlineData(TcbLevelStatus.ConfigurationAndSWHardeningNeeded)]
    [InlineData(TcbLevelStatus.OutOfDate)]
    [InlineData(TcbLevelStatus.OutOfDateConfigurationNeeded)]
    [InlineData(TcbLevelStatus.Revoked)]
    public static void Build_PlatformTcbStatus_MatchedLevelHasThatStatus(TcbLevelStatus status)
    {
        var c = Build(new DcapScenario { At = T0, PlatformTcbStatus = status });

        var result = MiniVerifier.Verify(c, TestRoot);

        Assert.Equal(status.ToIntelName(), result.TcbStatus);
        Assert.Equal(status, c.Facts.Expected.TcbStatus);
        Assert.Equal(c.Facts.Expected.AdvisoryIds, result.AdvisoryIds);
        Assert.Equal(status == TcbLevelStatus.Revoked ? ["TcbRevoked"] : [], result.Errors);
        Assert.Equal(status == TcbLevelStatus.Revoked ? "TcbRevoked" : null, c.Facts.Expected.Error);
    }

    [Theory]
    [InlineData(TcbLevelStatus.UpToDate, TcbLevelStatus.OutOfDate)]
    [InlineData(TcbLevelStatus.SWHardeningNeeded, TcbLevelStatus.Revoked)]
    [InlineData(TcbLevelStatus.OutOfDate, TcbLevelStatus.OutOfDate)]
    [InlineData(TcbLevelStatus.ConfigurationNeeded, TcbLevelStatus.UpToDate)]
    public static void WriteTo_FactsJson_CarriesBothLevelsDatesAndAdvisoriesFromTheCollateral(TcbLevelStatus platform, TcbLevelStatus qe)
    {
        var c = Build(new DcapScenario { At = T0, PlatformTcbStatus = platform, QeTcbStatus = qe });
        var fromFiles = MiniVerifier.Verify(c, TestRoot).Levels!;
        var folder = Directory.CreateTempSubdirectory("vouch-sim-facts");
        try
        {
            c.WriteTo(folder.FullName);
            var facts = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder.FullName, "facts.json")))!;
            static string Iso(DateTimeOffset d) => d.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            static string[] Strings(System.Text.Json.Nodes.JsonNode? node) => [.. node!.AsArray().Select(n => n!.GetValue<string>())];
            Assert.Equal(Iso(fromFiles.TcbDate), facts["tcbDate"]!.GetValue<string>());
            Assert.Equal(Iso(fromFiles.PlatformTcbDate), facts["platformTcbDate"]!.GetValue<string>());
            Assert.Equal(Iso(fromFiles.QeTcbDate), facts["qeTcbDate"]!.GetValue<string>());
            Assert.Equal(fromFiles.PlatformAdvisoryIds, Strings(facts["platformAdvisoryIds"]));
            Assert.Equal(fromFiles.QeAdvisoryIds, Strings(facts["qeAdvisoryIds"]));
            Assert.Equal([.. fromFiles.PlatformAdvisoryIds.Union(fromFiles.QeAdvisoryIds)], Strings(facts["advisoryIds"]));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(TcbLevelStatus.UpToDate, TcbLevelStatus.OutOfDate, "OutOfDate")]
    [InlineData(TcbLevelStatus.SWHardeningNeeded, TcbLevelStatus.OutOfDate, "OutOfDate")]
    [InlineData(TcbLevelStatus.ConfigurationNeeded, TcbLevelStatus.OutOfDate, "OutOfDateConfigurationNeeded")]
    [InlineData(TcbLevelStatus.ConfigurationAndSWHardeningNeeded, TcbLevelStatus.OutOfDate, "OutOfDateConfigurationNeeded")]
    [InlineData(TcbLevelStatus.UpToDate, TcbLevelStatus.Revoked, "Revoked")]
    [InlineData(TcbLevelStatus.OutOfDate, TcbLevelStatus.Revoked, "Revoked")]
    public static void Build_QeTcbStatus_ConvergesLikeIntel(TcbLevelStatus platform, TcbLevelStatus qe, string expected)
    {
        var c = Build(new DcapScenario { At = T0, PlatformTcbStatus = platform, QeTcbStatus = qe });

        var result = MiniVerifier.Verify(c, TestRoot);

        Assert.Equal(expected, result.TcbStatus);
        Assert.Equal(expected, c.Facts.Expected.TcbStatus!.Value.ToIntelName());
        Assert.Equal(expected == "Revoked" ? ["TcbRevoked"] : [], result.Errors);
    }

    public static TheoryData<string> BooleanFaults() => [.. DcapScenario.BooleanFaultNames];

    [Theory]
    [MemberData(nameof(BooleanFaults))]
    public static void Build_EachFaultSwitch_BreaksExactlyItsCheck(string fault)
    {
        var scenario = new DcapScenario { At = T0 }.WithFault(fault);
        var c = Build(scenario);

        var result = MiniVerifier.Verify(c, TestRoot);

        var expected = c.Facts.Expected.Error is { } error ? new[] { error } : [];
        Assert.Equal(expected, result.Errors);
        Assert.Equal([fault], c.Facts.Faults);
        if (c.Facts.Expected.PolicyFailure is null)
        {
            Assert.NotNull(c.Facts.Expected.Error);
        }
    }

    [Fact]
    public static void Build_DebugEnclave_QuoteCarriesDebugBitAndVerifies()
    {
        var c = Build(new DcapScenario { At = T0, DebugEnclave = true });
        var quote = ParsedQuote.Parse(c.Quote);
        Assert.Equal(0x02, quote.Body[48] & 0x02);
        Assert.True(c.Facts.Debug);
        Assert.Equal("DebugEnclave", c.Facts.Expected.PolicyFailure);
        Assert.Equal("UpToDate", MiniVerifier.Verify(c, TestRoot).TcbStatus);
    }

    [Fact]
    public static void Build_WrongReportData_QuoteDiffersFromFacts()
    {
        var c = Build(new DcapScenario { At = T0, WrongReportData = true });
        var quote = ParsedQuote.Parse(c.Quote);
        Assert.NotEqual(c.Facts.ReportData, quote.Body[320..]);
        Assert.Equal(DcapScenario.DefaultReportData, c.Facts.ReportData);
        Assert.Equal("ReportDataMismatch", c.Facts.Expected.PolicyFailure);
    }

    [Fact]
    public static void Build_RevokedPckCertificate_PckCrlListsTheLeafSerial()
    {
        var c = Build(new DcapScenario { At = T0, RevokedPckCertificate = true });
        var crl = Pki.ParseCrl(c.PckCrl);
        Assert.Equal(3, crl.RevokedSerials.Count);
        Assert.Contains(crl.RevokedSerials, s => s.AsSpan().SequenceEqual(c.Facts.PckCertificateSerial));
        Assert.Equal("ATT3010", c.Facts.Expected.ErrorCode);
    }

    [Fact]
    public static void Build_QuoteVersion4_VerifiesWithNestedCertificationData()
    {
        var c = Build(new DcapScenario { At = T0, QuoteVersion = 4 });
        var quote = ParsedQuote.Parse(c.Quote);
        Assert.Equal(4, quote.Version);
        Assert.Equal(6, quote.OuterCertificationType);
        Assert.Empty(MiniVerifier.Verify(c, TestRoot).Errors);
        Assert.Equal(4, c.Facts.QuoteVersion);
    }

    [Fact]
    public static void Build_QuoteVersion4TamperedQeReport_BreaksOnlyTheQeReportSignature()
    {
        var c = Build(new DcapScenario { At = T0, QuoteVersion = 4, TamperedQeReport = true });
        Assert.Equal(["QeReportSignatureInvalid"], MiniVerifier.Verify(c, TestRoot).Errors);
    }

    [Fact]
    public static void Build_ProcessorCaPlatform_Uses5EntryExtensionAndVerifies()
    {
        var platform = SimulatedPlatform.CreateInMemory(new PlatformSettings { PckCa = PckCaType.Processor, SgxType = SgxType.Standard, Fmspc = [0x00, 0x90, 0x6E, 0xD5, 0x00, 0x00] });
        var c = Build(new DcapScenario { At = T0 }, platform);
        var leaf = Pki.ParsePemChain(ParsedQuote.Parse(c.Quote).CertificationData)[0];

        Assert.Empty(MiniVerifier.Verify(c, TestRoot).Errors);
        Assert.Equal("Intel SGX PCK Processor CA", leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: true));
        Assert.DoesNotContain(Pki.SgxExtension(leaf), e => e.Oid == ".6");
        Assert.Equal("00906ED50000", Convert.ToHexString(c.Facts.Fmspc));
        Assert.Equal(Authority.ProcessorCaCertificate.Thumbprint, Pki.ParsePemChain(c.PckCrlIssuerChainPem)[0].Thumbprint);
    }

    [Fact]
    public static void Build_CustomEnclaveAndReportData_FactsNameThem()
    {
        var manifest = TestEnclaves.Variant("custom enclave", isvSvn: 7);
        var data = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var c = Build(new DcapScenario { At = T0, Enclave = manifest, ReportData = data });
        var body = ParsedQuote.Parse(c.Quote).Body;

        Assert.Equal(manifest.ComputeMrEnclave(), c.Facts.MrEnclave);
        Assert.Equal(body[64..96], c.Facts.MrEnclave);
        Assert.Equal(body[128..160], c.Facts.MrSigner);
        Assert.Equal(7, c.Facts.IsvSvn);
        Assert.Equal(data, body[320..]);
    }

    [Fact]
    public static void Build_AuthorityNotYetValid_Throws()
    {
        using var young = SimulatedIntel.Create(T0.AddDays(10));
        Assert.Throws<ArgumentException>(() => new DcapScenario { At = T0 }.Build(young, SharedPlatform.Value));
    }

    [Fact]
    public static void Build_QeStatusConfigurationNeeded_Throws() =>
        Assert.Throws<InvalidOperationException>(() => Build(new DcapScenario { At = T0, QeTcbStatus = TcbLevelStatus.ConfigurationNeeded }));

    [Theory]
    [InlineData("tampered-quote-signature", nameof(DcapScenario.TamperedQuoteSignature))]
    [InlineData("RevokedPckCertificate", nameof(DcapScenario.RevokedPckCertificate))]
    [InlineData("expired-tcb-info", nameof(DcapScenario.ExpiredTcbInfo))]
    public static void WithFault_KebabOrPascalName_SetsTheSwitch(string name, string property) =>
        Assert.Equal([property], new DcapScenario { At = T0 }.WithFault(name).Faults);

    [Fact]
    public static void WithFault_UnknownName_Throws() =>
        Assert.Throws<ArgumentException>(() => new DcapScenario { At = T0 }.WithFault("no-such-fault"));

    [Fact]
    public static void Faults_StatusSwitches_AreListed() =>
        Assert.Equal(["QeTcbStatus=OutOfDate", "PlatformTcbStatus=SWHardeningNeeded"], new DcapScenario { At = T0, PlatformTcbStatus = TcbLevelStatus.SWHardeningNeeded, QeTcbStatus = TcbLevelStatus.OutOfDate }.Faults);
}
