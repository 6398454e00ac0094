using Vouch.Simulator.Crypto;
using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Tests.Enclaves;

public static class SigstructTests
{
    private const string IntelLeMrSigner = "acb77012053e05a63d413b8bbae8fb6c5d73b3f2996d91c43bbbf90959c0f8d4";

    // Expected values from ../shared/vectors/sgx/index.md §1.
    [Theory]
    [InlineData("intel_le_prod_css_2024.bin", 0x8086u, 0x20240811u, 16u, 0x24ul, 0x3ul, 0xff00ffffffffffffUL, "7881af9f9def547da9908c008f29cde9bd78064e36ac7e14c83c294ca4806150", 32, 7, IntelLeMrSigner)]
    [InlineData("fortanix_test_enclave.sig", 0u, 0x20161214u, 0u, 0x4ul, 0x3ul, 0xfffffffffffffffdUL, "784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc", 65535, 0, "fb4bab3d6036ac1d730fa83d7366df1dd2dfeac194ef335d6854d8a6c6475542")]
    [InlineData("fortanix_intel_le_2015.sig", 0x8086u, 0x20150616u, 16u, 0x24ul, 0x3ul, 0xffffffffffffffffUL, "c0acdca38163ef4d4ef3bd51a4b98f4b00fb8d81045e7c6cd4fdeb3beb3b4574", 0, 1, IntelLeMrSigner)]
    public static void Read_RealSigstruct_VerifiesAndYieldsIdentity(
        string file, uint vendor, uint date, uint swDefined, ulong flags, ulong xfrm, ulong flagsMask, string enclaveHash, int isvProdId, int isvSvn, string mrSigner)
    {
        var sigstruct = Sigstruct.Read(Vectors.Sgx("sigstruct", file));

        Assert.Equal(SgxStatus.Success, sigstruct.CheckStructure());
        Assert.Equal(SgxStatus.Success, sigstruct.CheckSignature());
        Assert.Equal(0u, sigstruct.Type);
        Assert.Equal(vendor, sigstruct.Vendor);
        Assert.Equal(date, sigstruct.Date);
        Assert.Equal(swDefined, sigstruct.SwDefined);
        Assert.Equal(3u, sigstruct.Exponent);
        Assert.Equal(new SgxAttributes((AttributeBits)flags, xfrm), sigstruct.Attributes);
        Assert.Equal((AttributeBits)flagsMask, sigstruct.AttributeMask.Flags);
        Assert.Equal(0u, sigstruct.MiscSelect);
        Assert.Equal(0xffffffffu, sigstruct.MiscMask);
        Assert.Equal(enclaveHash, Convert.ToHexStringLower(sigstruct.EnclaveHash));
        Assert.Equal(isvProdId, sigstruct.IsvProdId);
        Assert.Equal(isvSvn, sigstruct.IsvSvn);
        Assert.Equal(mrSigner, Convert.ToHexStringLower(sigstruct.MrSigner));
        Assert.Equal(Vectors.Sgx("sigstruct", file), sigstruct.ToArray());
    }

    [Theory]
    [InlineData("vendor", 16)]
    [InlineData("date", 20)]
    [InlineData("miscselect", 900)]
    [InlineData("attributes", 928)]
    [InlineData("enclave hash", 960)]
    [InlineData("isvsvn", 1026)]
    [InlineData("signature", 600)]
    [InlineData("modulus", 200)]
    [InlineData("q1", 1100)]
    [InlineData("q2", 1500)]
    public static void CheckSignature_SignedOrHelperByteChanged_InvalidSignature(string field, int offset)
    {
        Assert.NotEmpty(field);
        var bytes = Vectors.Sgx("sigstruct", "intel_le_prod_css_2024.bin");
        bytes[offset] ^= 0x01;
        Assert.Equal(SgxStatus.InvalidSignature, Sigstruct.Read(bytes).CheckSignature());
    }

    [Theory]
    [InlineData("header", 0)]
    [InlineData("type", 13)]
    [InlineData("header2", 24)]
    [InlineData("reserved 44", 44)]
    [InlineData("exponent", 512)]
    [InlineData("reserved 908", 908)]
    [InlineData("reserved 992", 992)]
    [InlineData("reserved 1028", 1028)]
    public static void CheckStructure_ConstantOrReservedChanged_InvalidSigStruct(string field, int offset)
    {
        Assert.NotEmpty(field);
        var bytes = Vectors.Sgx("sigstruct", "fortanix_test_enclave.sig");
        bytes[offset] ^= 0x01;
        Assert.Equal(SgxStatus.InvalidSigStruct, Sigstruct.Read(bytes).CheckStructure());
    }

    [Fact]
    public static void CheckStructure_DebugSignedType_Accepted()
    {
        var bytes = Vectors.Sgx("sigstruct", "fortanix_test_enclave.sig");
        bytes[15] = 0x80;
        Assert.Equal(SgxStatus.Success, Sigstruct.Read(bytes).CheckStructure());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1807)]
    [InlineData(1809)]
    public static void Read_WrongLength_Throws(int length) =>
        Assert.Throws<FormatException>(() => Sigstruct.Read(new byte[length]));

    [Fact]
    public static void Sign_ThenRead_RoundTripsEveryField()
    {
        using var key = EnclaveSigningKey.Sample;
        var content = new SigstructContent(
            EnclaveHash: Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),
            Attributes: new SgxAttributes(AttributeBits.Mode64Bit, 0x3),
            AttributeMask: new SgxAttributes((AttributeBits)0xfffffffffffffffdUL, 0xffffffffffffff1bUL),
            MiscSelect: 1,
            MiscMask: 0xffffffff,
            IsvProdId: 0x1234,
            IsvSvn: 0x0506,
            Date: new DateOnly(2024, 8, 11),
            Vendor: 0,
            SwDefined: 0,
            IsvFamilyId: new byte[16],
            IsvExtProdId: new byte[16],
            DebugSigned: false);

        var bytes = Sigstruct.Sign(content, key).ToArray();
        var read = Sigstruct.Read(bytes);

        Assert.Equal(SgxStatus.Success, read.CheckStructure());
        Assert.Equal(SgxStatus.Success, read.CheckSignature());
        Assert.Equal(0x20240811u, read.Date);
        Assert.Equal("11082420", Convert.ToHexStringLower(bytes.AsSpan(20, 4)));
        Assert.Equal(content.EnclaveHash, read.EnclaveHash.ToArray());
        Assert.Equal(content.Attributes, read.Attributes);
        Assert.Equal(content.AttributeMask, read.AttributeMask);
        Assert.Equal(1u, read.MiscSelect);
        Assert.Equal(0x1234, read.IsvProdId);
        Assert.Equal(0x0506, read.IsvSvn);
        Assert.Equal(key.MrSigner, read.MrSigner);
        Assert.Equal(key.ModulusLittleEndian, read.Modulus.ToArray());
    }
}
