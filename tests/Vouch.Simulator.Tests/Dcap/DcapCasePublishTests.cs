using System.Text;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;
using Vouch.Simulator.Tests.Authority;

namespace Vouch.Simulator.Tests.Dcap;

/// <summary><see cref="DcapCase.PublishCollateral"/>: one PCS-file folder per FMSPC, replaced atomically.</summary>
public static class DcapCasePublishTests
{
    private static readonly Lazy<SimulatedPlatform> Platform = new(() => SimulatedPlatform.CreateInMemory());

    private static DcapCase Build(TcbLevelStatus status = TcbLevelStatus.UpToDate) =>
        new DcapScenario { At = SimulatedIntelTests.T0, PlatformTcbStatus = status }.Build(SimulatedIntelTests.Authority, Platform.Value);

    private static QuoteCollateral Load(string folder)
    {
        byte[] Read(string f) => File.ReadAllBytes(Path.Combine(folder, f));
        return new QuoteCollateral(Read("tcb_info.json"), Read("tcb_info_issuer_chain.pem"), Read("qe_identity.json"),
            Read("qe_identity_issuer_chain.pem"), Read("pck_crl.der"), Read("root_ca_crl.der"), Read("pck_crl_issuer_chain.pem"));
    }

    private static VerificationReport Verify(DcapCase c, QuoteCollateral collateral) =>
        new QuoteVerifier().Verify(c.Quote, collateral, new VerificationOptions
        {
            At = SimulatedIntelTests.T0,
            TrustAnchors = [TrustAnchor.FromCertificate(SimulatedIntelTests.Authority.RootCertificate)],
        });

    [Fact]
    public static void PublishCollateral_WritesTheCollateralFilesUnderTheLowerHexFmspc_AndTheyVerify()
    {
        var pcs = Path.Combine(TempDirectory.Create().Path, "pcs");
        var c = Build();

        var folder = c.PublishCollateral(pcs);

        Assert.Equal(Path.Combine(pcs, "00606a000000"), folder);
        Assert.Equal([folder], Directory.GetFileSystemEntries(pcs));
        Assert.Equal(DcapCase.CollateralFileNames.Order(StringComparer.Ordinal), Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(c.PckCrl, File.ReadAllBytes(Path.Combine(folder, "pck_crl.der")));
        Assert.Equal(c.TcbInfoJson, File.ReadAllText(Path.Combine(folder, "tcb_info.json")));
        var report = Verify(c, Load(folder));
        Assert.True(report.Verified, string.Join("; ", report.Failures.Select(f => $"{f.Check} {f.Code} {f.Detail}")));
    }

    [Fact]
    public static void PublishCollateral_Again_ReplacesThePreviousCollateralOfThatFmspc()
    {
        var pcs = TempDirectory.Create().Path;
        var first = Build();
        var second = Build(TcbLevelStatus.OutOfDate);
        Assert.NotEqual(first.TcbInfoJson, second.TcbInfoJson);
        File.WriteAllText(Path.Combine(first.PublishCollateral(pcs), "stale.txt"), "from the first publication");

        var folder = second.PublishCollateral(pcs);

        Assert.Equal([folder], Directory.GetFileSystemEntries(pcs));
        Assert.False(File.Exists(Path.Combine(folder, "stale.txt")));
        Assert.Equal(second.TcbInfoJson, File.ReadAllText(Path.Combine(folder, "tcb_info.json")));
        Assert.Equal(TcbStatus.OutOfDate, Verify(second, Load(folder)).TcbStatus);
    }

    [Fact]
    public static async Task PublishCollateral_WhileReaders_ReadersNeverSeeAPartlyWrittenFile()
    {
        var pcs = TempDirectory.Create().Path;
        DcapCase[] cases = [Build(), Build(TcbLevelStatus.OutOfDate)];
        var folder = cases[0].PublishCollateral(pcs);
        // Every complete version of each file; anything else read would be a partial write.
        var versions = DcapCase.CollateralFileNames.ToDictionary(f => f, f => cases.Select(c => Convert.ToHexString(Bytes(c, f))).ToHashSet());
        Assert.All(DcapCase.CollateralFileNames, f => Assert.Equal(Bytes(cases[0], f), File.ReadAllBytes(Path.Combine(folder, f))));
        using var stop = new CancellationTokenSource();
        var reads = 0;

        var reader = Task.Run(ReadUntilStopped, TestContext.Current.CancellationToken);

        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(folder, cases[i % 2].PublishCollateral(pcs));
        }

        await stop.CancelAsync();
        await reader;
        Assert.True(reads > 0);
        Assert.Equal([folder], Directory.GetFileSystemEntries(pcs));

        void ReadUntilStopped()
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var file in DcapCase.CollateralFileNames)
                {
                    byte[] bytes;
                    try
                    {
                        bytes = File.ReadAllBytes(Path.Combine(folder, file));
                    }
                    catch (IOException)
                    {
                        // The instant between moving the old folder away and the new one in: no folder, never half a one.
                        continue;
                    }

                    Assert.Contains(Convert.ToHexString(bytes), versions[file]);
                    reads++;
                }
            }
        }
    }

    private static byte[] Bytes(DcapCase c, string file) => file switch
    {
        "tcb_info.json" => Encoding.UTF8.GetBytes(c.TcbInfoJson),
        "qe_identity.json" => Encoding.UTF8.GetBytes(c.QeIdentityJson),
        "tcb_info_issuer_chain.pem" => Encoding.UTF8.GetBytes(c.TcbInfoIssuerChainPem),
        "qe_identity_issuer_chain.pem" => Encoding.UTF8.GetBytes(c.QeIdentityIssuerChainPem),
        "pck_crl_issuer_chain.pem" => Encoding.UTF8.GetBytes(c.PckCrlIssuerChainPem),
        "pck_crl.der" => c.PckCrl,
        "root_ca_crl.der" => c.RootCaCrl,
        DcapCase.TcbEvaluationDataNumbersFileName => Encoding.UTF8.GetBytes(c.TcbEvaluationDataNumbersJson),
        DcapCase.TcbEvaluationDataNumbersIssuerChainFileName => Encoding.UTF8.GetBytes(c.TcbEvaluationDataNumbersIssuerChainPem),
        _ => throw new ArgumentException(file, nameof(file)),
    };
}
