using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Tests.Enclaves;

public static class EnclaveManifestTests
{
    [Fact]
    public static void Sample_Layout_HasMeasuredAndUnmeasuredPages()
    {
        var sample = EnclaveManifest.Sample;

        Assert.Equal(0x10000ul, sample.Size);
        Assert.Equal(10, sample.Pages.Count);
        Assert.Equal(4, sample.Pages.Count(p => p.MeasuredChunks == 0));
        Assert.Single(sample.Pages, p => SecInfo.PageType(p.SecInfoFlags) == SecInfo.PageTypeTcs);
        Assert.Equal(EnclaveManifest.SampleName, sample.Signer);
    }

    [Fact]
    public static void ComputeMrEnclave_Sample_IsStable()
    {
        // Pinned so an accidental change to the sample image or the record encoder shows up. The value was
        // recomputed independently from the manifest with a throw-away Python hashlib script.
        Assert.Equal(SampleMrEnclave, Convert.ToHexStringLower(EnclaveManifest.Sample.ComputeMrEnclave()));
    }

    [Fact]
    public static void Load_SampleWord_ReturnsSample() =>
        Assert.Equal(EnclaveManifest.Sample.ComputeMrEnclave(), EnclaveManifest.Load("sample").ComputeMrEnclave());

    [Fact]
    public static void Parse_AllContentKinds_LaysOutPages()
    {
        const string json = """
            {
              "format": "vouch-enclave-manifest/1",
              "size": 65536,
              "attributes": { "flags": "0x4", "xfrm": "0x3" },
              "isvProdId": 7,
              "isvSvn": "3",
              "pages": [
                { "offset": "0x0", "permissions": "RX", "content": { "hex": "c3" }, "measure": [0, 15] },
                { "offset": "0x1000", "secinfo": "0x201", "content": { "base64": "AQID" } },
                { "offset": "0x2000", "permissions": "RW", "content": { "fill": 255 }, "count": 2 },
                { "offset": "0x4000", "type": "TCS", "content": { "tcs": { "ossa": "0x5000", "nssa": 2 } } }
              ]
            }
            """;

        var manifest = EnclaveManifest.Parse(json, null);

        Assert.Equal(5, manifest.Pages.Count);
        Assert.Equal(0xc3, manifest.Pages[0].Content[0]);
        Assert.Equal((ushort)0x8001, manifest.Pages[0].MeasuredChunks);
        Assert.Equal(SecInfo.PageTypeReg | SecInfo.R | SecInfo.X, manifest.Pages[0].SecInfoFlags);
        Assert.Equal(new byte[] { 1, 2, 3, 0 }, manifest.Pages[1].Content[..4]);
        Assert.Equal(0x3000ul, manifest.Pages[3].Offset);
        Assert.All(manifest.Pages[3].Content, b => Assert.Equal(0xff, b));
        Assert.Equal(0x5000ul, BitConverter.ToUInt64(manifest.Pages[4].Content, 16));
        Assert.Equal(2u, BitConverter.ToUInt32(manifest.Pages[4].Content, 28));
        Assert.Equal(SecInfo.PageTypeTcs, manifest.Pages[4].SecInfoFlags);
        Assert.Equal(3, manifest.IsvSvn);
        Assert.Equal(7, manifest.IsvProdId);
    }

    [Theory]
    [InlineData("missing format", """{ "size": 65536, "attributes": { "flags": 4, "xfrm": 3 }, "isvProdId": 1, "isvSvn": 1, "pages": [] }""")]
    [InlineData("unknown member", """{ "format": "vouch-enclave-manifest/1", "size": 65536, "attributes": { "flags": 4, "xfrm": 3 }, "isvProdId": 1, "isvSvn": 1, "pages": [], "extra": 1 }""")]
    [InlineData("bad permission", """{ "format": "vouch-enclave-manifest/1", "size": 65536, "attributes": { "flags": 4, "xfrm": 3 }, "isvProdId": 1, "isvSvn": 1, "pages": [ { "offset": 0, "permissions": "RQ" } ] }""")]
    [InlineData("svn too large", """{ "format": "vouch-enclave-manifest/1", "size": 65536, "attributes": { "flags": 4, "xfrm": 3 }, "isvProdId": 1, "isvSvn": 70000, "pages": [] }""")]
    [InlineData("chunk index 16", """{ "format": "vouch-enclave-manifest/1", "size": 65536, "attributes": { "flags": 4, "xfrm": 3 }, "isvProdId": 1, "isvSvn": 1, "pages": [ { "offset": 0, "measure": [16] } ] }""")]
    [InlineData("two content kinds", """{ "format": "vouch-enclave-manifest/1", "size": 65536, "attributes": { "flags": 4, "xfrm": 3 }, "isvProdId": 1, "isvSvn": 1, "pages": [ { "offset": 0, "content": { "hex": "00", "fill": 1 } } ] }""")]
    [InlineData("not json", "{")]
    public static void Parse_Invalid_ThrowsFormatException(string label, string json)
    {
        Assert.NotEmpty(label);
        Assert.Throws<FormatException>(() => EnclaveManifest.Parse(json, null));
    }

    [Fact]
    public static void ComputeMrEnclave_PageOutsideEnclave_Throws()
    {
        var manifest = EnclaveManifest.Sample with { Size = 0x8000 };
        Assert.Throws<ArgumentException>(() => manifest.ComputeMrEnclave());
    }

    internal const string SampleMrEnclave = "9baeb233366872be03689c22a9affa677792be2c88bdf12b67936509b1ed9922";
}
