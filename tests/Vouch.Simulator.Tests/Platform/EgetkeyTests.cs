using Vouch.Simulator.Enclaves;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Tests.Platform;

public static class EgetkeyTests
{
    private static readonly Lazy<Sigstruct> SampleSigstruct = new(() => TestEnclaves.Sample.Sign());

    private static Enclave Sample(SimulatedPlatform? platform = null) => (platform ?? SimulatedPlatform.CreateInMemory()).Launch(TestEnclaves.Sample, SampleSigstruct.Value);

    [Theory]
    [InlineData(KeyName.Provision)]
    [InlineData(KeyName.ProvisionSeal)]
    [InlineData(KeyName.EinitToken)]
    public static void GetKey_PrivilegedKeyWithoutAttribute_InvalidAttribute(KeyName name) =>
        Assert.Equal(SgxStatus.InvalidAttribute, Sample().GetKey(new KeyRequest { KeyName = name }).Status);

    [Fact]
    public static void GetKey_UnknownKeyName_InvalidKeyName() =>
        Assert.Equal(SgxStatus.InvalidKeyName, Sample().GetKey(new KeyRequest { KeyName = (KeyName)9 }).Status);

    [Fact]
    public static void GetKey_IsvSvnAboveEnclave_InvalidIsvSvn() =>
        Assert.Equal(SgxStatus.InvalidIsvSvn, Sample().GetKey(new KeyRequest { KeyName = KeyName.Seal, KeyPolicy = KeyPolicyBits.MrSigner, IsvSvn = 2 }).Status);

    [Fact]
    public static void GetKey_CpuSvnComponentAbovePlatform_InvalidCpuSvn()
    {
        var enclave = Sample();
        var cpuSvn = enclave.Platform.CpuSvn;
        cpuSvn[15]++;
        Assert.Equal(SgxStatus.InvalidCpuSvn, enclave.GetKey(new KeyRequest { KeyName = KeyName.Seal, CpuSvn = cpuSvn }).Status);
    }

    [Fact]
    public static void GetKey_LowerSvns_SucceedAndDifferFromCurrent()
    {
        var enclave = Sample();
        var current = enclave.GetKey(new KeyRequest { KeyName = KeyName.Seal, KeyPolicy = KeyPolicyBits.MrSigner, IsvSvn = 1, CpuSvn = enclave.Platform.CpuSvn });
        var older = enclave.GetKey(new KeyRequest { KeyName = KeyName.Seal, KeyPolicy = KeyPolicyBits.MrSigner, IsvSvn = 0, CpuSvn = new byte[16] });
        Assert.Equal(SgxStatus.Success, older.Status);
        Assert.NotEqual(current.Key, older.Key);
    }

    [Theory]
    [InlineData(KeyPolicyBits.ConfigId)]
    [InlineData(KeyPolicyBits.NoIsvProdId)]
    [InlineData((KeyPolicyBits)0x40)]
    public static void GetKey_KssOrReservedPolicyWithoutKss_Faults(KeyPolicyBits policy) =>
        Assert.Throws<SgxFaultException>(() => Sample().GetKey(new KeyRequest { KeyName = KeyName.Seal, KeyPolicy = policy }));

    [Fact]
    public static void GetKey_SameRequestOnTwoPlatforms_DifferentKeys()
    {
        var request = new KeyRequest { KeyName = KeyName.Seal, KeyPolicy = KeyPolicyBits.MrEnclave };
        Assert.NotEqual(Sample().GetKey(request).Key, Sample().GetKey(request).Key);
    }

    [Fact]
    public static void GetKey_ProvisionKeyForAllowedEnclave_DoesNotDependOnOwnerEpoch()
    {
        var platform = SimulatedPlatform.CreateInMemory(launchPolicy: LaunchPolicy.AllowAll);
        var manifest = TestEnclaves.Sample with { Attributes = new SgxAttributes(AttributeBits.Mode64Bit | AttributeBits.ProvisionKey, 0x3) };
        var enclave = platform.Launch(manifest);
        var request = new KeyRequest { KeyName = KeyName.Provision };
        var before = enclave.GetKey(request);
        var sealBefore = enclave.GetKey(new KeyRequest { KeyName = KeyName.Seal, KeyPolicy = KeyPolicyBits.MrSigner });

        platform.ResetOwnerEpoch();

        Assert.Equal(SgxStatus.Success, before.Status);
        Assert.Equal(before.Key, enclave.GetKey(request).Key);
        Assert.NotEqual(sealBefore.Key, enclave.GetKey(new KeyRequest { KeyName = KeyName.Seal, KeyPolicy = KeyPolicyBits.MrSigner }).Key);
    }

    [Fact]
    public static void KeyRequest_WriteThenRead_RoundTrips()
    {
        var request = new KeyRequest
        {
            KeyName = KeyName.Seal,
            KeyPolicy = KeyPolicyBits.MrEnclave,
            IsvSvn = 3,
            CpuSvn = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray(),
            AttributeMask = new SgxAttributes((AttributeBits)0xFF0000000000000BUL, 0),
            KeyId = Enumerable.Repeat((byte)0x11, 32).ToArray(),
            MiscMask = 0xF0000000,
        };
        Assert.Equal(request, KeyRequest.Read(request.ToBytes()));
    }
}
