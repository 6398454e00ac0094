using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vouch.Sgx;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;
using Vouch.Tests.Shared;

namespace Vouch.Simulator.Tests.Interop;

/// <summary>
/// The simulator's quotes and collateral through the real verifier (Vouch.Sgx): every TCB status and
/// every fault switch reaches the verdict the scenario predicts under the simulated test root, and
/// nothing verifies under the Intel root alone.
/// </summary>
public sealed class VerifierInteropTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly Lazy<SimulatedIntel> Authority = new(() => SimulatedIntel.Create(At.AddDays(-1)));
    private static readonly Lazy<SimulatedPlatform> Platform = new(() => SimulatedPlatform.CreateInMemory());
    private static readonly QuoteVerifier Verifier = new();

    public static TheoryData<string, string> StatusPairs
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var platform in Enum.GetNames<TcbLevelStatus>())
            {
                foreach (var qe in new[] { "UpToDate", "OutOfDate", "Revoked" })
                {
                    data.Add(platform, qe);
                }
            }

            return data;
        }
    }

    public static TheoryData<string> Faults => [.. DcapScenario.BooleanFaultNames];

    [Theory]
    [MemberData(nameof(StatusPairs))]
    public void Verify_EveryPlatformAndQeStatus_ReachesTheScenarioVerdict(string platformStatus, string qeStatus)
    {
        var (report, expected) = Run(Pair(platformStatus, qeStatus));

        Assert.Equal(expected.TcbStatus!.Value.ToString(), report[CheckId.TcbStatus].Detail!.Split("→ ")[1]);
        if (expected.Error is null)
        {
            Assert.True(report.Verified, Explain(report));
            Assert.Equal(expected.TcbStatus.Value.ToString(), report.TcbStatus!.Value.ToIntelString());
            Assert.Equal(expected.AdvisoryIds, report.AdvisoryIds);
        }
        else
        {
            Assert.Equal(ErrorCode.TcbRevoked.ToString(), expected.Error);
            Assert.Equal([ErrorCode.TcbRevoked], report.Failures.Select(f => f.Code!.Value));
        }
    }

    [Theory]
    [MemberData(nameof(StatusPairs))]
    public void Verify_EveryPlatformAndQeStatus_ReportsBothLevelsDatesAndAdvisoriesAsIntel(string platformStatus, string qeStatus)
    {
        // Issue 18: with the QE level behind, Intel QVL reports the earlier of the two levels' tcbDate and both levels'
        // advisories. The expected facts are read here from the collateral JSON the scenario signed (MiniVerifier's own
        // level matching), never from the product.
        var simulated = Pair(platformStatus, qeStatus).Build(Authority.Value, Platform.Value);
        var fromFiles = MiniVerifier.Verify(simulated, X509Certificate2.CreateFromPem(simulated.TrustedRootPem)).Levels;
        Assert.NotNull(fromFiles);
        var report = Verifier.Verify(simulated.Quote, Collateral(simulated), Options(simulated.TrustedRootPem));

        var tcb = report.Tcb;
        Assert.NotNull(tcb);
        Assert.Equal(fromFiles.TcbDate, tcb.TcbDate);
        Assert.Equal(fromFiles.TcbDate, report.TcbDate);
        Assert.Equal(fromFiles.PlatformTcbDate, tcb.PlatformTcbDate);
        Assert.Equal(fromFiles.QeTcbDate, tcb.QeTcbDate);
        Assert.Equal(fromFiles.PlatformAdvisoryIds, tcb.PlatformAdvisoryIds);
        Assert.Equal(fromFiles.QeAdvisoryIds, tcb.QeAdvisoryIds);
        List<string> union = [.. fromFiles.PlatformAdvisoryIds, .. fromFiles.QeAdvisoryIds.Except(fromFiles.PlatformAdvisoryIds)];
        Assert.Equal(union, report.AdvisoryIds);

        // The simulator's own prediction (facts.json) agrees with its collateral.
        var levels = simulated.Facts.Expected.Levels;
        Assert.NotNull(levels);
        Assert.Equal((fromFiles.TcbDate, fromFiles.PlatformTcbDate, fromFiles.QeTcbDate), (levels.TcbDate, levels.PlatformTcbDate, levels.QeTcbDate));
        Assert.Equal(union, simulated.Facts.Expected.AdvisoryIds);
        Assert.Equal(fromFiles.PlatformAdvisoryIds, levels.PlatformAdvisoryIds);
        Assert.Equal(fromFiles.QeAdvisoryIds, levels.QeAdvisoryIds);

        if (qeStatus != "UpToDate")
        {
            // The tracker's row: a behind QE level is the older one and brings its advisory.
            Assert.True(tcb.QeTcbDate < tcb.PlatformTcbDate);
            Assert.Equal(tcb.QeTcbDate, tcb.TcbDate);
            Assert.Contains("INTEL-SA-00615", report.AdvisoryIds);
        }
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public void Verify_EveryFaultSwitch_FailsExactlyAsPredicted(string fault)
    {
        var (report, expected) = Run(new DcapScenario { At = At }.WithFault(fault));

        if (expected.Error is null)
        {
            // Debug enclave and wrong report data are relying-party policy, not verification (as Intel QVL).
            Assert.NotNull(expected.PolicyFailure);
            Assert.True(report.Verified, Explain(report));
            Assert.Equal(fault == nameof(DcapScenario.DebugEnclave), report.Quote!.Debug);
            Assert.Equal(fault == nameof(DcapScenario.WrongReportData), report.Quote.ReportData != Convert.ToHexStringLower(DcapScenario.DefaultReportData));
        }
        else
        {
            Assert.False(report.Verified);
            var code = Enum.Parse<ErrorCode>(expected.Error);
            Assert.Equal(expected.ErrorCode, code.Format());
            Assert.Contains(code, report.Failures.Select(f => f.Code!.Value));
            Assert.All(report.Failures, f => Assert.True(
                f.Code == code || Consequences(fault).Contains(f.Code!.Value),
                $"{fault}: unexpected {f.Check} {f.Code} {f.Detail}"));
        }
    }

    [Fact]
    public void Verify_SimulatedQuote_WithoutTheTestRoot_FailsOnTheTrustAnchor()
    {
        var simulated = new DcapScenario { At = At }.Build(Authority.Value, Platform.Value);
        var report = Verifier.Verify(simulated.Quote, Collateral(simulated), new VerificationOptions { At = At });

        Assert.False(report.Verified);
        Assert.Equal([ErrorCode.ChainUntrustedRoot], report.Failures.Select(f => f.Code!.Value).Distinct());
    }

    [Fact]
    public void Parse_SimulatedAndGenuineQuotes_HaveTheSameStructure()
    {
        var genuineBytes = File.ReadAllBytes(TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026", "quote.bin"));
        var simulated = new DcapScenario { At = At }.Build(Authority.Value, Platform.Value);
        Assert.True(Quote.TryParse(genuineBytes, out var genuine, out var e1), e1?.Message);
        Assert.True(Quote.TryParse(simulated.Quote, out var sim, out var e2), e2?.Message);

        Assert.Equal(genuine.Header.Version, sim.Header.Version);
        Assert.Equal(genuine.Header.AttestationKeyType, sim.Header.AttestationKeyType);
        Assert.Equal(genuine.Header.TeeType, sim.Header.TeeType);
        Assert.True(genuine.Header.QeVendorId.Span.SequenceEqual(sim.Header.QeVendorId.Span));
        Assert.Equal(genuine.BodyType, sim.BodyType);
        Assert.Equal(genuine.SignedRegion.Length, sim.SignedRegion.Length);
        Assert.Equal(genuine.Signature.OuterCertificationDataType, sim.Signature.OuterCertificationDataType);
        Assert.Equal(genuine.Signature.CertificationData.Type, sim.Signature.CertificationData.Type);
        Assert.Equal(genuine.Signature.QeAuthData.Length, sim.Signature.QeAuthData.Length);
        Assert.Equal(genuine.IgnoredTrailingBytes, sim.IgnoredTrailingBytes);
        Assert.Equal(genuine.Signature.QeReport.Attributes.Span[0], sim.Signature.QeReport.Attributes.Span[0]);
        Assert.Equal(0, sim.Signature.CertificationData.Data.Span[^1]); // the QPL's trailing NUL
        Assert.Equal(simulated.Facts.MrEnclave, sim.SgxBody!.MrEnclave.ToArray());
        Assert.Equal(simulated.Facts.MrSigner, sim.SgxBody.MrSigner.ToArray());
        Assert.Equal(simulated.Facts.IsvProdId, sim.SgxBody.IsvProdId);
        Assert.Equal(simulated.Facts.IsvSvn, sim.SgxBody.IsvSvn);
        Assert.Equal(simulated.Facts.ReportData, sim.SgxBody.ReportData.ToArray());
        Assert.Equal(simulated.Facts.QeIsvSvn, sim.Signature.QeReport.IsvSvn);
        var chain = Encoding.ASCII.GetString(sim.Signature.CertificationData.Data.Span);
        Assert.Equal(3, chain.Split("-----BEGIN CERTIFICATE-----").Length - 1);
    }

    [Fact]
    public void Verify_SimulatedQuoteV4_VerifiesLikeV3()
    {
        var (report, expected) = Run(new DcapScenario { At = At, QuoteVersion = 4 });
        Assert.True(report.Verified, Explain(report));
        Assert.Equal(4, report.Quote!.Version);
        Assert.Equal(expected.TcbStatus.ToString(), report.TcbStatus!.Value.ToIntelString());
    }

    [Fact]
    public void Verify_WrittenCaseFolder_VerifiesFromFiles()
    {
        var folder = Directory.CreateTempSubdirectory("vouch-sim-case");
        try
        {
            var simulated = new DcapScenario { At = At }.Build(Authority.Value, Platform.Value);
            simulated.WriteTo(folder.FullName);
            byte[] Read(string f) => File.ReadAllBytes(Path.Combine(folder.FullName, f));
            var collateral = new QuoteCollateral(Read("tcb_info.json"), Read("tcb_info_issuer_chain.pem"), Read("qe_identity.json"),
                Read("qe_identity_issuer_chain.pem"), Read("pck_crl.der"), Read("root_ca_crl.der"), Read("pck_crl_issuer_chain.pem"));
            var report = Verifier.Verify(Read("quote.bin"), collateral, Options(File.ReadAllText(Path.Combine(folder.FullName, "trusted_root.pem"))));
            Assert.True(report.Verified, Explain(report));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Checks that legitimately fail alongside a fault's own (the fault breaks more than one thing).</summary>
    private static ErrorCode[] Consequences(string fault) => fault switch
    {
        // A changed QE report byte also changes what the QE identity match or QE TCB level sees.
        nameof(DcapScenario.TamperedQeReport) => [ErrorCode.QeIdentityMismatch, ErrorCode.QeTcbLevelNotSupported, ErrorCode.QeReportDataMismatch],
        _ => [],
    };

    private static DcapScenario Pair(string platformStatus, string qeStatus) => new()
    {
        At = At,
        PlatformTcbStatus = Enum.Parse<TcbLevelStatus>(platformStatus),
        QeTcbStatus = Enum.Parse<TcbLevelStatus>(qeStatus),
    };

    /// <summary>Builds the scenario and verifies it under its test root; under Intel's root alone it must always fail on the anchor.</summary>
    private static (VerificationReport Report, ExpectedVerdict Expected) Run(DcapScenario scenario)
    {
        var simulated = scenario.Build(Authority.Value, Platform.Value);
        var underIntel = Verifier.Verify(simulated.Quote, Collateral(simulated), new VerificationOptions { At = At });
        Assert.False(underIntel.Verified);
        Assert.Contains(ErrorCode.ChainUntrustedRoot, underIntel.Failures.Select(f => f.Code!.Value));
        return (Verifier.Verify(simulated.Quote, Collateral(simulated), Options(simulated.TrustedRootPem)), scenario.Expected);
    }

    private static VerificationOptions Options(string trustedRootPem) => new()
    {
        At = At,
        TrustAnchors = [TrustAnchor.FromCertificate(X509Certificate2.CreateFromPem(trustedRootPem))],
    };

    private static QuoteCollateral Collateral(DcapCase c) => new(
        Encoding.UTF8.GetBytes(c.TcbInfoJson), Encoding.ASCII.GetBytes(c.TcbInfoIssuerChainPem),
        Encoding.UTF8.GetBytes(c.QeIdentityJson), Encoding.ASCII.GetBytes(c.QeIdentityIssuerChainPem),
        c.PckCrl, c.RootCaCrl, Encoding.ASCII.GetBytes(c.PckCrlIssuerChainPem));

    private static string Explain(VerificationReport report) =>
        string.Join("\n", report.Checks.Where(c => c.Result != CheckResult.Passed).Select(c => $"{c.Check} {c.Result} {c.Code} {c.Detail}"));
}
