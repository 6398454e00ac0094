using Vouch.Simulator.Crypto;
using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Tests.Enclaves;

public static class EinitTests
{
    private static readonly Lazy<Sigstruct> SampleSigstruct = new(() => EnclaveManifest.Sample.Sign());

    [Fact]
    public static void Load_SampleSignedBySampleKey_InitializesWithManifestIdentity()
    {
        var manifest = EnclaveManifest.Sample;
        using var key = EnclaveSigningKey.Sample;

        var result = Einit.Load(manifest, SampleSigstruct.Value, debug: false, LaunchPolicy.Default);

        Assert.Equal(SgxStatus.Success, result.Status);
        var identity = result.Identity!;
        Assert.Equal(manifest.ComputeMrEnclave(), identity.MrEnclave);
        Assert.Equal(key.MrSigner, identity.MrSigner);
        Assert.Equal(AttributeBits.Init | AttributeBits.Mode64Bit, identity.Attributes.Flags);
        Assert.Equal(0x3ul, identity.Attributes.Xfrm);
        Assert.Equal(1, identity.IsvProdId);
        Assert.Equal(1, identity.IsvSvn);
        Assert.False(identity.IsDebug);
    }

    [Fact]
    public static void Load_SampleDebugLaunch_InitializesWithDebugBit()
    {
        var result = Einit.Load(EnclaveManifest.Sample, SampleSigstruct.Value, debug: true, LaunchPolicy.Default);
        Assert.Equal(SgxStatus.Success, result.Status);
        Assert.True(result.Identity!.IsDebug);
    }

    [Fact]
    public static void Load_PageContentChanged_InvalidMeasurement()
    {
        var manifest = EnclaveManifest.Sample;
        var pages = manifest.Pages.ToList();
        var content = (byte[])pages[0].Content.Clone();
        content[0] ^= 1;
        pages[0] = pages[0] with { Content = content };

        var result = Einit.Load(manifest with { Pages = pages }, SampleSigstruct.Value, debug: false, LaunchPolicy.Default);

        Assert.Equal(SgxStatus.InvalidMeasurement, result.Status);
        Assert.Null(result.Identity);
    }

    [Fact]
    public static void Load_UnmeasuredChunkChanged_StillInitializes()
    {
        var manifest = EnclaveManifest.Sample;
        var pages = manifest.Pages.ToList();
        var heap = pages.FindIndex(p => p.MeasuredChunks == 0);
        var content = (byte[])pages[heap].Content.Clone();
        content[100] = 0xAB;
        pages[heap] = pages[heap] with { Content = content };

        Assert.Equal(SgxStatus.Success, Einit.Load(manifest with { Pages = pages }, SampleSigstruct.Value, false, LaunchPolicy.Default).Status);
    }

    [Fact]
    public static void Load_SecInfoChanged_InvalidMeasurement()
    {
        var manifest = EnclaveManifest.Sample;
        var pages = manifest.Pages.ToList();
        pages[1] = pages[1] with { SecInfoFlags = SecInfo.PageTypeReg | SecInfo.R | SecInfo.W };
        Assert.Equal(SgxStatus.InvalidMeasurement, Einit.Load(manifest with { Pages = pages }, SampleSigstruct.Value, false, LaunchPolicy.Default).Status);
    }

    [Fact]
    public static void Load_SignedByteChanged_InvalidSignature()
    {
        var bytes = SampleSigstruct.Value.ToArray();
        bytes[1026] ^= 1; // ISVSVN
        Assert.Equal(SgxStatus.InvalidSignature, Einit.Load(EnclaveManifest.Sample, Sigstruct.Read(bytes), false, LaunchPolicy.Default).Status);
    }

    [Fact]
    public static void Load_HeaderChanged_InvalidSigStruct()
    {
        var bytes = SampleSigstruct.Value.ToArray();
        bytes[0] = 7;
        Assert.Equal(SgxStatus.InvalidSigStruct, Einit.Load(EnclaveManifest.Sample, Sigstruct.Read(bytes), false, LaunchPolicy.Default).Status);
    }

    [Fact]
    public static void Load_DebugLaunchButSignerForbidsDebug_InvalidAttribute()
    {
        var manifest = EnclaveManifest.Sample with { AttributeMask = new SgxAttributes((AttributeBits)~0x00FF_0000_0000_0000UL, 0xFFFF_FFFF_FFFF_FF1BUL) };
        var sigstruct = manifest.Sign();
        Assert.Equal(SgxStatus.Success, Einit.Load(manifest, sigstruct, debug: false, LaunchPolicy.Default).Status);
        Assert.Equal(SgxStatus.InvalidAttribute, Einit.Load(manifest, sigstruct, debug: true, LaunchPolicy.Default).Status);
    }

    [Fact]
    public static void Load_XfrmOutsideMask_InvalidAttribute()
    {
        var sigstruct = SampleSigstruct.Value;
        var loaded = EnclaveManifest.Sample with { Attributes = new SgxAttributes(AttributeBits.Mode64Bit, 0xB) }; // MPX bit 3 is enforced by the mask
        Assert.Equal(SgxStatus.InvalidAttribute, Einit.Load(loaded, sigstruct, false, LaunchPolicy.Default).Status);
    }

    [Fact]
    public static void Load_MiscSelectDiffers_InvalidAttribute()
    {
        var loaded = EnclaveManifest.Sample with { MiscSelect = 1 };
        Assert.Equal(SgxStatus.InvalidAttribute, Einit.Load(loaded, SampleSigstruct.Value, false, LaunchPolicy.Default).Status);
    }

    [Fact]
    public static void Load_ProvisionKeyUnderDefaultPolicy_InvalidAttribute()
    {
        var manifest = EnclaveManifest.Sample with { Attributes = new SgxAttributes(AttributeBits.Mode64Bit | AttributeBits.ProvisionKey, 0x3) };
        var sigstruct = manifest.Sign();
        Assert.Equal(SgxStatus.InvalidAttribute, Einit.Load(manifest, sigstruct, false, LaunchPolicy.Default).Status);
        Assert.Equal(SgxStatus.Success, Einit.Load(manifest, sigstruct, false, LaunchPolicy.AllowAll).Status);
    }

    [Fact]
    public static void Load_FamilyIdWithoutKss_InvalidSignature()
    {
        var manifest = EnclaveManifest.Sample with { IsvFamilyId = Enumerable.Repeat((byte)1, 16).ToArray() };
        Assert.Equal(SgxStatus.InvalidSignature, Einit.Load(manifest, manifest.Sign(), false, LaunchPolicy.Default).Status);
    }

    [Fact]
    public static void Load_KssEnclaveWithConfig_CarriesKssIdentity()
    {
        var manifest = EnclaveManifest.Sample with
        {
            Attributes = new SgxAttributes(AttributeBits.Mode64Bit | AttributeBits.Kss, 0x3),
            IsvFamilyId = Enumerable.Repeat((byte)1, 16).ToArray(),
            IsvExtProdId = Enumerable.Repeat((byte)2, 16).ToArray(),
            ConfigId = Enumerable.Repeat((byte)3, 64).ToArray(),
            ConfigSvn = 4,
        };

        var result = Einit.Load(manifest, manifest.Sign(), false, LaunchPolicy.Default);

        Assert.Equal(SgxStatus.Success, result.Status);
        Assert.Equal(manifest.ConfigId, result.Identity!.ConfigId);
        Assert.Equal(4, result.Identity.ConfigSvn);
        Assert.Equal(manifest.IsvFamilyId, result.Identity.IsvFamilyId);
        Assert.Equal(manifest.IsvExtProdId, result.Identity.IsvExtProdId);
    }

    [Fact]
    public static void Load_ConfigIdWithoutKss_Faults()
    {
        var manifest = EnclaveManifest.Sample with { ConfigId = Enumerable.Repeat((byte)3, 64).ToArray() };
        Assert.Throws<SgxFaultException>(() => Einit.Load(manifest, SampleSigstruct.Value, false, LaunchPolicy.Default));
    }

    [Fact]
    public static void Load_XfrmWithoutSse_Faults()
    {
        var manifest = EnclaveManifest.Sample with { Attributes = new SgxAttributes(AttributeBits.Mode64Bit, 0x1) };
        Assert.Throws<SgxFaultException>(() => Einit.Load(manifest, SampleSigstruct.Value, false, LaunchPolicy.Default));
    }

    [Fact]
    public static void Load_OtherSigner_InitializesWithOtherMrSigner()
    {
        using var key = EnclaveSigningKey.FromPem(File.ReadAllText(Vouch.Tests.Shared.TestVectors.Path("sgx", "rsa", "fortanix_sig1.key.pem")));
        var result = Einit.Load(EnclaveManifest.Sample, EnclaveManifest.Sample.Sign(key), false, LaunchPolicy.Default);
        Assert.Equal(SgxStatus.Success, result.Status);
        Assert.Equal(key.MrSigner, result.Identity!.MrSigner);
    }

    [Theory]
    [InlineData(SgxStatus.InvalidSigStruct, "SGX_INVALID_SIG_STRUCT")]
    [InlineData(SgxStatus.InvalidAttribute, "SGX_INVALID_ATTRIBUTE")]
    [InlineData(SgxStatus.InvalidMeasurement, "SGX_INVALID_MEASUREMENT")]
    [InlineData(SgxStatus.InvalidSignature, "SGX_INVALID_SIGNATURE")]
    [InlineData(SgxStatus.InvalidIsvSvn, "SGX_INVALID_ISVSVN")]
    public static void ArchitecturalName_Status_IsSdmName(SgxStatus status, string name) =>
        Assert.Equal(name, status.ArchitecturalName());
}
