using Vouch.Simulator.Enclaves;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Tests.Platform;

public static class LocalAttestationTests
{
    private static readonly Lazy<Sigstruct> TargetSigstruct = new(() => TestEnclaves.Variant("target enclave").Sign());
    private static readonly Lazy<Sigstruct> OtherSigstruct = new(() => TestEnclaves.Variant("another enclave").Sign());
    private static readonly Lazy<Sigstruct> SampleSigstruct = new(() => TestEnclaves.Sample.Sign());

    private static Enclave Reporter(SimulatedPlatform p) => p.Launch(TestEnclaves.Sample, SampleSigstruct.Value);

    private static Enclave Target(SimulatedPlatform p, bool debug = false) => p.Launch(TestEnclaves.Variant("target enclave"), TargetSigstruct.Value, debug);

    private static byte[] Data => Enumerable.Range(0, 64).Select(i => (byte)(0xA0 ^ i)).ToArray();

    [Fact]
    public static void VerifyReport_SamePlatformForThisTarget_Verifies()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var target = Target(platform);
        var reporter = Reporter(platform);

        var report = reporter.CreateReport(target.TargetInfo, Data);

        Assert.True(target.VerifyReport(report));
        Assert.Equal(reporter.Identity.MrEnclave, report.Body.MrEnclave);
        Assert.Equal(reporter.Identity.MrSigner, report.Body.MrSigner);
        Assert.Equal(Data, report.Body.ReportData);
        Assert.Equal(platform.CpuSvn, report.Body.CpuSvn);
    }

    [Fact]
    public static void VerifyReport_ReportFromOtherPlatform_DoesNotVerify()
    {
        var one = SimulatedPlatform.CreateInMemory();
        var two = SimulatedPlatform.CreateInMemory();

        var report = Reporter(one).CreateReport(Target(one).TargetInfo, Data);

        Assert.False(Target(two).VerifyReport(report));
        Assert.True(Target(one).VerifyReport(report));
    }

    [Fact]
    public static void VerifyReport_ReportForOtherTarget_DoesNotVerify()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var other = platform.Launch(TestEnclaves.Variant("another enclave"), OtherSigstruct.Value);

        var report = Reporter(platform).CreateReport(Target(platform).TargetInfo, Data);

        Assert.False(other.VerifyReport(report));
    }

    [Fact]
    public static void VerifyReport_TargetLaunchedInDebugMode_DoesNotVerifyReportForProductionTarget()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var report = Reporter(platform).CreateReport(Target(platform).TargetInfo, Data);
        Assert.False(Target(platform, debug: true).VerifyReport(report));
    }

    [Fact]
    public static void VerifyReport_EachOf432BytesFlipped_DoesNotVerify()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var target = Target(platform);
        var bytes = Reporter(platform).CreateReport(target.TargetInfo, Data).ToArray();
        Assert.Equal(432, bytes.Length);

        for (var i = 0; i < bytes.Length; i++)
        {
            var changed = (byte[])bytes.Clone();
            changed[i] ^= 0x01;
            Assert.False(target.VerifyReport(Report.Read(changed)), $"byte {i}");
        }

        Assert.True(target.VerifyReport(Report.Read(bytes)));
    }

    [Fact]
    public static void VerifyReport_NullTargetInfo_NobodyVerifies()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var reporter = Reporter(platform);
        var report = reporter.CreateReport(TargetInfo.Read(new byte[TargetInfo.Size]), Data);
        Assert.False(reporter.VerifyReport(report));
        Assert.False(Target(platform).VerifyReport(report));
    }

    [Fact]
    public static void VerifyReport_SelfTargetedReport_VerifiesInReporter()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var reporter = Reporter(platform);
        Assert.True(reporter.VerifyReport(reporter.CreateReport(reporter.TargetInfo, Data)));
    }

    [Fact]
    public static void VerifyReport_ReportAcrossPlatformReopen_Verifies()
    {
        var directory = TempDirectory.Create();
        var before = SimulatedPlatform.OpenOrCreate(directory.Path);
        var report = Reporter(before).CreateReport(Target(before).TargetInfo, Data);

        var after = SimulatedPlatform.Open(directory.Path);

        Assert.False(report.KeyId.SequenceEqual(after.ReportKeyId));
        Assert.True(Target(after).VerifyReport(report));
    }

    [Fact]
    public static void VerifyReport_OwnerEpochReset_DoesNotVerify()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var report = Reporter(platform).CreateReport(Target(platform).TargetInfo, Data);
        platform.ResetOwnerEpoch();
        Assert.False(Target(platform).VerifyReport(report));
    }

    [Fact]
    public static void TargetInfoFromReport_SelfReport_EqualsTargetInfoOfIdentity()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var enclave = Reporter(platform);
        var report = enclave.CreateReport(TargetInfo.Read(new byte[TargetInfo.Size]), []);
        Assert.Equal(enclave.TargetInfo, TargetInfo.FromReport(report));
    }

    [Fact]
    public static void CreateReport_ReportDataLongerThan64_Throws()
    {
        var enclave = Reporter(SimulatedPlatform.CreateInMemory());
        Assert.Throws<ArgumentException>(() => enclave.CreateReport(enclave.TargetInfo, new byte[65]));
    }

    [Fact]
    public static void TargetInfoRead_ReservedByteSet_Faults()
    {
        var bytes = new byte[TargetInfo.Size];
        bytes[200] = 1;
        Assert.Throws<SgxFaultException>(() => TargetInfo.Read(bytes));
    }

    [Fact]
    public static void ReportBody_WriteThenRead_RoundTrips()
    {
        var enclave = Reporter(SimulatedPlatform.CreateInMemory());
        var body = ReportBody.For(enclave.Identity, enclave.Platform.CpuSvn, Data);
        Assert.Equal(body, ReportBody.Read(body.ToBytes()));
        Assert.Equal(ReportBody.Size, body.ToBytes().Length);
    }
}
