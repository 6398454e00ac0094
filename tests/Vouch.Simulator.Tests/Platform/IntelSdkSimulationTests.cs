using System.Text.Json;
using Vouch.Simulator.Enclaves;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Tests.Platform;

/// <summary>Byte-compatibility with Intel SDK simulation mode: ../shared/vectors/sgx/sim/intel_sdk_sim_selfcomputed.json.</summary>
public static class IntelSdkSimulationTests
{
    private static readonly JsonElement Sim = Vectors.SimJson();

    private static string V(string section, string name) => Sim.GetProperty(section).GetProperty(name).GetString()!;

    // Reporter A: the Fortanix test enclave, measured from its SGXS log and EINITed with its real SIGSTRUCT,
    // launched in debug mode (flags 0x7 = INIT | DEBUG | MODE64BIT).
    private static Enclave LaunchA(SimulatedPlatform platform)
    {
        var mrEnclave = Sgxs.Measure(Vectors.Sgx("measurement", "fortanix_test_enclave.sgxs")).MrEnclave;
        var secs = new SecsState(mrEnclave, new SgxAttributes(AttributeBits.Debug | AttributeBits.Mode64Bit, 0x3), 0, new byte[64], 0);
        return platform.Launch(secs, Sigstruct.Read(Vectors.Sgx("sigstruct", "fortanix_test_enclave.sig")));
    }

    // Target B: the 2015 Intel launch enclave (flags 0x25 = INIT | MODE64BIT | EINITTOKEN_KEY), which needs a
    // launch policy that lets its signer use EINITTOKEN_KEY.
    private static Enclave LaunchB(SimulatedPlatform platform)
    {
        var mrEnclave = Sgxs.Measure(Vectors.Sgx("measurement", "fortanix_intel_le_2015.sgxs")).MrEnclave;
        var secs = new SecsState(mrEnclave, new SgxAttributes(AttributeBits.Mode64Bit | AttributeBits.EinitTokenKey, 0x3), 0, new byte[64], 0);
        return platform.Launch(secs, Sigstruct.Read(Vectors.Sgx("sigstruct", "fortanix_intel_le_2015.sig")));
    }

    [Fact]
    public static void CreateReport_ReporterAForTargetB_ReproducesVectorReportBytes()
    {
        var platform = SimulatedPlatform.IntelSdkSimulation();
        var a = LaunchA(platform);
        var target = TargetInfo.Read(Vectors.Hex(V("sim_ereport", "targetinfo_512")));

        var report = a.CreateReport(target, Vectors.Hex(V("sim_ereport", "report_data")));

        Assert.Equal(V("sim_ereport", "report_432"), Convert.ToHexStringLower(report.ToArray()));
        Assert.Equal(V("sim_ereport", "mac"), Convert.ToHexStringLower(report.Mac));
        Assert.Equal(V("sim_ereport", "keyid"), Convert.ToHexStringLower(report.KeyId));
    }

    [Fact]
    public static void TargetInfo_LaunchedB_EqualsVectorTargetInfo()
    {
        var b = LaunchB(SimulatedPlatform.IntelSdkSimulation(launchPolicy: LaunchPolicy.AllowAll));
        Assert.Equal(V("sim_ereport", "targetinfo_512"), Convert.ToHexStringLower(b.TargetInfo.ToBytes()));
    }

    [Fact]
    public static void ReportKeyData_TargetB_EqualsVectorDerivationData()
    {
        var target = TargetInfo.Read(Vectors.Hex(V("sim_ereport", "targetinfo_512")));
        var platform = SimulatedPlatform.IntelSdkSimulation();
        var data = KeyDerivation.ReportKeyData(target, platform.Keys.OwnerEpoch, platform.Settings.CpuSvn, platform.ReportKeyId);
        Assert.Equal(V("sim_ereport", "report_key_derivation_data_192"), Convert.ToHexStringLower(data));
    }

    [Fact]
    public static void GetKey_ReportKeyInsideB_EqualsVectorKeyAndVerifiesReport()
    {
        var platform = SimulatedPlatform.IntelSdkSimulation(launchPolicy: LaunchPolicy.AllowAll);
        var b = LaunchB(platform);
        var report = Report.Read(Vectors.Hex(V("sim_ereport", "report_432")));

        var key = b.GetKey(new KeyRequest { KeyName = KeyName.Report, KeyId = report.KeyId.ToArray() });

        Assert.Equal(SgxStatus.Success, key.Status);
        Assert.Equal(V("sim_ereport", "report_key_for_target_B"), Convert.ToHexStringLower(key.Key!));
        Assert.True(b.VerifyReport(report));
    }

    [Fact]
    public static void GetKey_SealMrSignerVectorRequest_EqualsVectorKeyAndData()
    {
        var a = LaunchA(SimulatedPlatform.IntelSdkSimulation());
        var request = KeyRequest.Read(Vectors.Hex(V("sim_egetkey_seal_mrsigner", "keyrequest_512")));
        var cpuSvn = a.Platform.ResolveRequestedCpuSvn(request.CpuSvn)!;

        Assert.Equal(V("sim_egetkey_seal_mrsigner", "derivation_data_280"), Convert.ToHexStringLower(KeyDerivation.SealKeyData(a.Identity, request, cpuSvn, a.Platform.Keys.OwnerEpoch)));
        Assert.Equal(V("sim_egetkey_seal_mrsigner", "seal_key"), Convert.ToHexStringLower(a.GetKey(request).Key!));
    }

    [Fact]
    public static void GetKey_SealMrEnclavePolicy_EqualsVectorKeyAndData()
    {
        var a = LaunchA(SimulatedPlatform.IntelSdkSimulation());
        var request = KeyRequest.Read(Vectors.Hex(V("sim_egetkey_seal_mrsigner", "keyrequest_512"))) with { KeyPolicy = KeyPolicyBits.MrEnclave };
        var cpuSvn = a.Platform.ResolveRequestedCpuSvn(request.CpuSvn)!;

        Assert.Equal(V("sim_egetkey_seal_mrenclave", "derivation_data_280"), Convert.ToHexStringLower(KeyDerivation.SealKeyData(a.Identity, request, cpuSvn, a.Platform.Keys.OwnerEpoch)));
        Assert.Equal(V("sim_egetkey_seal_mrenclave", "seal_key"), Convert.ToHexStringLower(a.GetKey(request).Key!));
    }

    [Fact]
    public static void GetKey_ZeroCpuSvnInSdkMode_DerivesDefaultCpuSvnKey()
    {
        var a = LaunchA(SimulatedPlatform.IntelSdkSimulation());
        var request = KeyRequest.Read(Vectors.Hex(V("sim_egetkey_seal_mrsigner", "keyrequest_512")));
        Assert.Equal(a.GetKey(request).Key, a.GetKey(request with { CpuSvn = new byte[16] }).Key);
    }

    [Theory]
    [InlineData(IntelSdkCpuSvn.Default, IntelSdkCpuSvn.Upgraded, SgxStatus.InvalidCpuSvn)]
    [InlineData(IntelSdkCpuSvn.Default, IntelSdkCpuSvn.Downgraded, SgxStatus.Success)]
    [InlineData(IntelSdkCpuSvn.Upgraded, IntelSdkCpuSvn.Default, SgxStatus.Success)]
    [InlineData(IntelSdkCpuSvn.Downgraded, IntelSdkCpuSvn.Default, SgxStatus.InvalidCpuSvn)]
    public static void GetKey_SdkCpuSvnOrder_AllowsOlderOnly(IntelSdkCpuSvn current, IntelSdkCpuSvn requested, SgxStatus expected)
    {
        var a = LaunchA(SimulatedPlatform.IntelSdkSimulation(current));
        var request = new KeyRequest { KeyName = KeyName.Seal, KeyPolicy = KeyPolicyBits.MrSigner, CpuSvn = PlatformSettings.IntelSdkCpuSvnBytes(requested) };
        Assert.Equal(expected, a.GetKey(request).Status);
    }

    [Fact]
    public static void Seal_TwoSdkPlatforms_OpenEachOthersBlobs()
    {
        // The SDK simulator's weakness, reproduced on purpose: every simulated machine shares the keys.
        var blob = LaunchA(SimulatedPlatform.IntelSdkSimulation()).Seal("secret"u8);
        Assert.Equal(UnsealStatus.Success, LaunchA(SimulatedPlatform.IntelSdkSimulation()).Unseal(blob).Status);
    }
}
