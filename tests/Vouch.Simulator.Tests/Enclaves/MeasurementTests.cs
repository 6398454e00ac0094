using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Tests.Enclaves;

public static class MeasurementTests
{
    // ../shared/vectors/sgx/index.md §2: record counts and MRENCLAVE (= ENCLAVEHASH of the matching SIGSTRUCT).
    [Theory]
    [InlineData("fortanix_test_enclave.sgxs", "fortanix_test_enclave.sig", "784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc", 1u, 0x40000ul, 9, 144)]
    [InlineData("fortanix_intel_le_2015.sgxs", "fortanix_intel_le_2015.sig", "c0acdca38163ef4d4ef3bd51a4b98f4b00fb8d81045e7c6cd4fdeb3beb3b4574", 1u, 0x100000ul, 142, 2096)]
    public static void Measure_RealSgxs_GivesEnclaveHashOfSigstruct(string sgxs, string sig, string expected, uint ssaFrameSize, ulong size, int pages, int chunks)
    {
        var result = Sgxs.Measure(Vectors.Sgx("measurement", sgxs));

        Assert.Equal(expected, Convert.ToHexStringLower(result.MrEnclave));
        Assert.Equal(Sigstruct.Read(Vectors.Sgx("sigstruct", sig)).EnclaveHash.ToArray(), result.MrEnclave);
        Assert.Equal(ssaFrameSize, result.SsaFrameSize);
        Assert.Equal(size, result.Size);
        Assert.Equal(pages, result.Pages);
        Assert.Equal(chunks, result.ExtendedChunks);
    }

    [Fact]
    public static void Measure_TruncatedStream_Throws()
    {
        var bytes = Vectors.Sgx("measurement", "fortanix_test_enclave.sgxs");
        Assert.Throws<FormatException>(() => Sgxs.Measure(bytes.AsSpan(0, bytes.Length - 1)));
    }

    [Fact]
    public static void Measure_UnknownTag_Throws()
    {
        var bytes = Vectors.Sgx("measurement", "fortanix_test_enclave.sgxs");
        bytes[64] = (byte)'X';
        Assert.Throws<FormatException>(() => Sgxs.Measure(bytes));
    }

    [Fact]
    public static void ECreate_Twice_Throws()
    {
        using var builder = new MeasurementBuilder();
        builder.ECreate(1, 0x10000);
        Assert.Throws<InvalidOperationException>(() => builder.ECreate(1, 0x10000));
    }

    [Fact]
    public static void EAdd_BeforeECreate_Throws()
    {
        using var builder = new MeasurementBuilder();
        Assert.Throws<InvalidOperationException>(() => builder.EAdd(0, SecInfo.PageTypeReg | SecInfo.R));
    }

    [Theory]
    [InlineData(0x10000ul + 1)]
    [InlineData(0x3000ul)]
    [InlineData(0x1000ul)]
    public static void ECreate_SizeNotPowerOfTwoOrTooSmall_Throws(ulong size)
    {
        using var builder = new MeasurementBuilder();
        Assert.Throws<ArgumentException>(() => builder.ECreate(1, size));
    }

    [Theory]
    [InlineData(0x800ul)]
    [InlineData(0x10000ul)]
    public static void EAdd_UnalignedOrOutside_Throws(ulong offset)
    {
        using var builder = new MeasurementBuilder();
        builder.ECreate(1, 0x10000);
        Assert.Throws<ArgumentException>(() => builder.EAdd(offset, SecInfo.PageTypeReg | SecInfo.R));
    }

    [Fact]
    public static void EAdd_SamePageTwice_Throws()
    {
        using var builder = new MeasurementBuilder();
        builder.ECreate(1, 0x10000);
        builder.EAdd(0x1000, SecInfo.PageTypeReg | SecInfo.R);
        Assert.Throws<ArgumentException>(() => builder.EAdd(0x1000, SecInfo.PageTypeReg | SecInfo.R));
    }

    [Theory]
    [InlineData(0x1080ul)]
    [InlineData(0x2000ul)]
    public static void EExtend_UnalignedOrPageNotAdded_Throws(ulong offset)
    {
        using var builder = new MeasurementBuilder();
        builder.ECreate(1, 0x10000);
        builder.EAdd(0x1000, SecInfo.PageTypeReg | SecInfo.R);
        Assert.Throws<ArgumentException>(() => builder.EExtend(offset, new byte[256]));
    }

    [Fact]
    public static void EExtend_AfterFinish_Throws()
    {
        using var builder = new MeasurementBuilder();
        builder.ECreate(1, 0x10000);
        builder.Finish();
        Assert.Throws<InvalidOperationException>(() => builder.EAdd(0, SecInfo.PageTypeReg));
    }

    [Fact]
    public static void Finish_KnownRecords_EqualsSha256OfRecordStream()
    {
        // Independent encoding of the three records (sgx-enclave-model §2.1) hashed in one go.
        var stream = new List<byte>();
        var ecreate = new byte[64];
        "ECREATE\0"u8.CopyTo(ecreate);
        BitConverter.TryWriteBytes(ecreate.AsSpan(8), 2u);
        BitConverter.TryWriteBytes(ecreate.AsSpan(12), 0x20000ul);
        stream.AddRange(ecreate);
        var eadd = new byte[64];
        "EADD\0\0\0\0"u8.CopyTo(eadd);
        BitConverter.TryWriteBytes(eadd.AsSpan(8), 0x3000ul);
        BitConverter.TryWriteBytes(eadd.AsSpan(16), 0x203ul);
        stream.AddRange(eadd);
        var eextend = new byte[64];
        "EEXTEND\0"u8.CopyTo(eextend);
        BitConverter.TryWriteBytes(eextend.AsSpan(8), 0x3100ul);
        stream.AddRange(eextend);
        var data = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        stream.AddRange(data);

        using var builder = new MeasurementBuilder();
        builder.ECreate(2, 0x20000);
        builder.EAdd(0x3000, 0x203);
        builder.EExtend(0x3100, data);

        Assert.Equal(System.Security.Cryptography.SHA256.HashData(stream.ToArray()), builder.Finish());
    }
}
