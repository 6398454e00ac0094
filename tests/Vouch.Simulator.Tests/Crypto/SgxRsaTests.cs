using Vouch.Simulator.Crypto;
using Vouch.Tests.Shared;

namespace Vouch.Simulator.Tests.Crypto;

public static class SgxRsaTests
{
    private static EnclaveSigningKey FortanixKey() =>
        EnclaveSigningKey.FromPem(File.ReadAllText(TestVectors.Path("sgx", "rsa", "fortanix_sig1.key.pem")));

    [Fact]
    public static void SignDigest_FortanixSig1_ReproducesSignatureLittleEndian()
    {
        using var key = FortanixKey();
        var signature = key.SignDigest(Vectors.Sgx("rsa", "fortanix_sig1.data.bin"));
        Assert.Equal(Vectors.Sgx("rsa", "fortanix_sig1.sig.bin"), signature);
        Assert.Equal(Vectors.Sgx("rsa", "fortanix_sig1.key_n.bin"), key.ModulusLittleEndian);
    }

    [Fact]
    public static void ComputeQ1Q2_FortanixSig1_MatchesVector()
    {
        var (q1, q2) = SgxRsa.ComputeQ1Q2(Vectors.Sgx("rsa", "fortanix_sig1.key_n.bin"), Vectors.Sgx("rsa", "fortanix_sig1.sig.bin"));
        Assert.Equal(Vectors.Sgx("rsa", "fortanix_sig1.q1.bin"), q1);
        Assert.Equal(Vectors.Sgx("rsa", "fortanix_sig1.q2.bin"), q2);
    }

    [Fact]
    public static void Verify_FortanixSig1_Accepts()
    {
        Assert.True(SgxRsa.Verify(Vectors.Sgx("rsa", "fortanix_sig1.key_n.bin"), Vectors.Sgx("rsa", "fortanix_sig1.sig.bin"), Vectors.Sgx("rsa", "fortanix_sig1.data.bin")));
        Assert.True(SgxRsa.VerifyQ1Q2(
            Vectors.Sgx("rsa", "fortanix_sig1.key_n.bin"),
            Vectors.Sgx("rsa", "fortanix_sig1.sig.bin"),
            Vectors.Sgx("rsa", "fortanix_sig1.q1.bin"),
            Vectors.Sgx("rsa", "fortanix_sig1.q2.bin")));
    }

    [Theory]
    [InlineData("digest", 0)]
    [InlineData("signature", 0)]
    [InlineData("signature", 383)]
    [InlineData("modulus", 17)]
    public static void Verify_OneByteChanged_Rejects(string field, int index)
    {
        var n = Vectors.Sgx("rsa", "fortanix_sig1.key_n.bin");
        var s = Vectors.Sgx("rsa", "fortanix_sig1.sig.bin");
        var d = Vectors.Sgx("rsa", "fortanix_sig1.data.bin");
        var target = field switch { "digest" => d, "signature" => s, _ => n };
        target[index] ^= 0x01;
        Assert.False(SgxRsa.Verify(n, s, d));
    }

    [Fact]
    public static void VerifyQ1Q2_Q2Changed_Rejects()
    {
        var q2 = Vectors.Sgx("rsa", "fortanix_sig1.q2.bin");
        q2[0] ^= 0x01;
        Assert.False(SgxRsa.VerifyQ1Q2(Vectors.Sgx("rsa", "fortanix_sig1.key_n.bin"), Vectors.Sgx("rsa", "fortanix_sig1.sig.bin"), Vectors.Sgx("rsa", "fortanix_sig1.q1.bin"), q2));
    }

    [Fact]
    public static void Generate_FreshKey_HasExponent3AndVerifies()
    {
        using var key = EnclaveSigningKey.Generate();
        Assert.Equal(SgxRsa.ModulusSize, key.ModulusLittleEndian.Length);
        Assert.True((key.ModulusLittleEndian[^1] & 0x80) != 0);
        var digest = System.Security.Cryptography.SHA256.HashData("message"u8);
        var signature = key.SignDigest(digest);
        Assert.True(SgxRsa.Verify(key.ModulusLittleEndian, signature, digest));
        using var reloaded = EnclaveSigningKey.FromPem(key.ExportPem());
        Assert.Equal(key.MrSigner, reloaded.MrSigner);
    }

    [Fact]
    public static void FromPem_Exponent65537_Throws()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(3072);
        Assert.Throws<ArgumentException>(() => EnclaveSigningKey.FromPem(rsa.ExportPkcs8PrivateKeyPem()));
    }

    [Fact]
    public static void Sample_BuiltInKey_IsRsa3072Exponent3()
    {
        using var key = EnclaveSigningKey.Sample;
        Assert.Equal(32, key.MrSigner.Length);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(key.ModulusLittleEndian), key.MrSigner);
    }
}
