using Vouch.Simulator.Enclaves;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Tests.Platform;

public static class SealingTests
{
    private static readonly Lazy<Sigstruct> V1 = new(() => TestEnclaves.Variant("product build A", isvSvn: 1).Sign());
    private static readonly Lazy<Sigstruct> V2 = new(() => TestEnclaves.Variant("product build B", isvSvn: 2).Sign());
    private static readonly Lazy<Sigstruct> V1Rebuild = new(() => TestEnclaves.Variant("product build A2", isvSvn: 1).Sign());

    private static Enclave Svn1(SimulatedPlatform p) => p.Launch(TestEnclaves.Variant("product build A", isvSvn: 1), V1.Value);

    private static Enclave Svn2(SimulatedPlatform p) => p.Launch(TestEnclaves.Variant("product build B", isvSvn: 2), V2.Value);

    private static Enclave Svn1OtherBuild(SimulatedPlatform p) => p.Launch(TestEnclaves.Variant("product build A2", isvSvn: 1), V1Rebuild.Value);

    [Theory]
    [InlineData(SealPolicy.MrSigner)]
    [InlineData(SealPolicy.MrEnclave)]
    public static void Unseal_SameEnclave_RoundTrips(SealPolicy policy)
    {
        var enclave = Svn1(SimulatedPlatform.CreateInMemory());

        var blob = enclave.Seal("the secret"u8, "header in clear"u8, policy);
        var result = enclave.Unseal(blob);

        Assert.Equal(UnsealStatus.Success, result.Status);
        Assert.Equal("the secret"u8.ToArray(), result.Plaintext);
        Assert.Equal("header in clear"u8.ToArray(), result.AdditionalText);
        Assert.Equal(SealedData.HeaderSize + 10 + 15, blob.Length);
    }

    [Fact]
    public static void Seal_Blob_HasSdkLayout()
    {
        var enclave = Svn1(SimulatedPlatform.CreateInMemory());
        var blob = enclave.Seal("abc"u8, "xy"u8);

        var request = KeyRequest.Read(blob.AsSpan(0, 512));
        Assert.Equal(KeyName.Seal, request.KeyName);
        Assert.Equal(KeyPolicyBits.MrSigner, request.KeyPolicy);
        Assert.Equal(1, request.IsvSvn);
        Assert.Equal(enclave.Platform.CpuSvn, request.CpuSvn);
        Assert.Equal(0xFF0000000000000BUL, (ulong)request.AttributeMask.Flags);
        Assert.Equal(0xF0000000u, request.MiscMask);
        Assert.Equal(3u, BitConverter.ToUInt32(blob, 512));
        Assert.Equal(5u, BitConverter.ToUInt32(blob, 528));
        Assert.Equal("xy"u8.ToArray(), blob[^2..]);
    }

    [Fact]
    public static void Unseal_MrSignerPolicyOtherBuildSameSvn_Opens()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var blob = Svn1(platform).Seal("s"u8, policy: SealPolicy.MrSigner);
        Assert.Equal(UnsealStatus.Success, Svn1OtherBuild(platform).Unseal(blob).Status);
    }

    [Fact]
    public static void Unseal_MrEnclavePolicyOtherBuild_MacMismatch()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var blob = Svn1(platform).Seal("s"u8, policy: SealPolicy.MrEnclave);
        Assert.Equal(UnsealStatus.MacMismatch, Svn1OtherBuild(platform).Unseal(blob).Status);
    }

    [Fact]
    public static void Unseal_OldBlobAfterIsvSvnIncrease_Opens()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var blob = Svn1(platform).Seal("old"u8);
        var result = Svn2(platform).Unseal(blob);
        Assert.Equal(UnsealStatus.Success, result.Status);
        Assert.Equal("old"u8.ToArray(), result.Plaintext);
    }

    [Fact]
    public static void Unseal_NewBlobInOlderIsvSvn_InvalidIsvSvn()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var blob = Svn2(platform).Seal("new"u8);
        Assert.Equal(UnsealStatus.InvalidIsvSvn, Svn1(platform).Unseal(blob).Status);
    }

    [Fact]
    public static void Unseal_OldBlobAfterCpuSvnUpgrade_Opens()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var blob = Svn1(platform).Seal("before microcode update"u8);
        var upgraded = platform.CpuSvn;
        upgraded[0]++;
        platform.UpdateTcb(upgraded, (ushort)(platform.Settings.PceSvn + 1));

        Assert.Equal(UnsealStatus.Success, Svn1(platform).Unseal(blob).Status);
    }

    [Fact]
    public static void Unseal_NewBlobAfterCpuSvnRollback_InvalidCpuSvn()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var original = platform.CpuSvn;
        var upgraded = platform.CpuSvn;
        upgraded[1]++;
        platform.UpdateTcb(upgraded, platform.Settings.PceSvn);
        var blob = Svn1(platform).Seal("after update"u8);

        platform.UpdateTcb(original, platform.Settings.PceSvn);

        Assert.Equal(UnsealStatus.InvalidCpuSvn, Svn1(platform).Unseal(blob).Status);
    }

    [Fact]
    public static void Unseal_BlobFromOtherPlatform_MacMismatch()
    {
        var blob = Svn1(SimulatedPlatform.CreateInMemory()).Seal("s"u8);
        Assert.Equal(UnsealStatus.MacMismatch, Svn1(SimulatedPlatform.CreateInMemory()).Unseal(blob).Status);
    }

    [Fact]
    public static void Unseal_OtherSigner_MacMismatch()
    {
        using var key = Vouch.Simulator.Crypto.EnclaveSigningKey.FromPem(File.ReadAllText(Vouch.Tests.Shared.TestVectors.Path("sgx", "rsa", "fortanix_sig1.key.pem")));
        var platform = SimulatedPlatform.CreateInMemory();
        var blob = Svn1(platform).Seal("s"u8);
        var manifest = TestEnclaves.Variant("product build A", isvSvn: 1);
        var otherSigner = platform.Launch(manifest, manifest.Sign(key));
        Assert.Equal(UnsealStatus.MacMismatch, otherSigner.Unseal(blob).Status);
    }

    [Fact]
    public static void Unseal_AfterOwnerEpochReset_MacMismatch()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var blob = Svn1(platform).Seal("s"u8);
        platform.ResetOwnerEpoch();
        Assert.Equal(UnsealStatus.MacMismatch, Svn1(platform).Unseal(blob).Status);
    }

    [Fact]
    public static void Unseal_EveryPayloadOrTagByteFlipped_MacMismatch()
    {
        var enclave = Svn1(SimulatedPlatform.CreateInMemory());
        var blob = enclave.Seal("payload"u8, "aad"u8);
        for (var i = SealedData.TagOffset; i < blob.Length; i++)
        {
            var changed = (byte[])blob.Clone();
            changed[i] ^= 0x80;
            Assert.Equal(UnsealStatus.MacMismatch, enclave.Unseal(changed).Status);
        }
    }

    [Fact]
    public static void Unseal_KeyIdChanged_MacMismatch()
    {
        var enclave = Svn1(SimulatedPlatform.CreateInMemory());
        var blob = enclave.Seal("payload"u8);
        blob[KeyRequest.KeyIdOffset] ^= 1;
        Assert.Equal(UnsealStatus.MacMismatch, enclave.Unseal(blob).Status);
    }

    [Theory]
    [InlineData("truncated header", 100)]
    [InlineData("truncated payload", -1)]
    public static void Unseal_Truncated_Malformed(string label, int length)
    {
        Assert.NotEmpty(label);
        var enclave = Svn1(SimulatedPlatform.CreateInMemory());
        var blob = enclave.Seal("payload"u8);
        var cut = length < 0 ? blob.Length + length : length;
        Assert.Equal(UnsealStatus.Malformed, enclave.Unseal(blob.AsSpan(0, cut)).Status);
    }

    [Fact]
    public static void Unseal_ReservedKeyRequestByte_Malformed()
    {
        var enclave = Svn1(SimulatedPlatform.CreateInMemory());
        var blob = enclave.Seal("payload"u8);
        blob[300] = 1;
        Assert.Equal(UnsealStatus.Malformed, enclave.Unseal(blob).Status);
    }
}
