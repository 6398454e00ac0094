using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Vouch.Sgx.Certificates;
using Vouch.Sgx.Primitives;

namespace Vouch.Sgx.Tests.Certificates;

public static class PckExtensionTests
{
    private const string Sgx = PckExtension.Oid;

    [Theory]
    [MemberData(nameof(DcapCases.AllCases), MemberType = typeof(DcapCases))]
    public static void TryParse_VectorLeaf_MatchesExpected(string caseName)
    {
        var leaf = DcapCases.Leaf(caseName);
        var expected = DcapCases.ExpectedPck(caseName);

        Assert.True(PckExtension.TryParse(leaf.Certificate, out var extension, out var error), error);
        Assert.Equal(expected.GetProperty("ppid").GetString(), Hex.ToLower(extension.Ppid.Span));
        Assert.Equal(expected.GetProperty("sgx_tcb_comp_svn").EnumerateArray().Select(e => e.GetInt32()), extension.TcbComponents);
        Assert.Equal(expected.GetProperty("pcesvn").GetInt32(), extension.PceSvn);
        Assert.Equal(expected.GetProperty("cpusvn").GetString(), Hex.ToLower(extension.CpuSvn.Span));
        Assert.Equal(expected.GetProperty("pceid").GetString(), Hex.ToLower(extension.PceId.Span));
        Assert.Equal(expected.GetProperty("fmspc").GetString(), Hex.ToLower(extension.Fmspc.Span));
        Assert.Equal(expected.GetProperty("sgx_type").GetInt32(), (int)extension.SgxType);

        if (expected.TryGetProperty("platform_instance_id", out var instanceId))
        {
            Assert.Equal(instanceId.GetString(), Hex.ToLower(extension.PlatformInstanceId!.Value.Span));
        }
        else
        {
            Assert.Null(extension.PlatformInstanceId);
        }

        if (expected.TryGetProperty("configuration", out var configuration))
        {
            Assert.Equal(
                new PlatformConfiguration(
                    configuration.GetProperty("dynamic_platform").GetBoolean(),
                    configuration.GetProperty("cached_keys").GetBoolean(),
                    configuration.GetProperty("smt_enabled").GetBoolean()),
                extension.Configuration);
        }
        else
        {
            Assert.Null(extension.Configuration);
        }
    }

    [Fact]
    public static void TryParse_WriterBaseline_Parses()
    {
        Assert.True(PckExtension.TryParseValue(new PckWriter().Encode(), out var extension, out var error), error);
        Assert.Equal(Enumerable.Range(1, 16), extension.TcbComponents);
        Assert.Equal(65535, extension.PceSvn);
        Assert.Equal(SgxType.ScalableWithIntegrity, extension.SgxType);
        Assert.Equal(new PlatformConfiguration(true, null, false), extension.Configuration);
        Assert.Equal(16, extension.PlatformInstanceId!.Value.Length);
    }

    [Theory]
    [InlineData("unknown top-level field")]
    [InlineData("unknown configuration field")]
    [InlineData("fields out of order")]
    [InlineData("no platform instance id or configuration")]
    [InlineData("component 0 and 255")]
    public static void TryParse_TolerableVariation_Accepted(string variation)
    {
        var writer = new PckWriter();
        switch (variation)
        {
            case "unknown top-level field":
                PckWriter.Add(writer.Fields, Sgx + ".99", w => w.WriteCharacterString(UniversalTagNumber.UTF8String, "future"));
                break;
            case "unknown configuration field":
                PckWriter.Add(writer.ConfigurationEntries, Sgx + ".7.9", w => w.WriteBoolean(true));
                break;
            case "fields out of order":
                writer.Fields.Reverse();
                break;
            case "no platform instance id or configuration":
                writer.Remove(Sgx + ".6");
                writer.Remove(Sgx + ".7");
                break;
            case "component 0 and 255":
                writer.SetTcb(Sgx + ".2.1", w => w.WriteInteger(0));
                writer.SetTcb(Sgx + ".2.2", w => w.WriteInteger(255));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(variation));
        }

        Assert.True(PckExtension.TryParseValue(writer.Encode(), out _, out var error), error);
    }

    [Theory]
    [InlineData("missing PPID")]
    [InlineData("missing TCB")]
    [InlineData("missing PCE-ID")]
    [InlineData("missing FMSPC")]
    [InlineData("missing SGX Type")]
    [InlineData("duplicate FMSPC")]
    [InlineData("duplicate unknown field")]
    [InlineData("TCB with 17 entries")]
    [InlineData("TCB with 19 entries")]
    [InlineData("TCB with a repeated component")]
    [InlineData("TCB with an unknown entry")]
    [InlineData("component 256")]
    [InlineData("component -1")]
    [InlineData("PCESVN 65536")]
    [InlineData("component as OCTET STRING")]
    [InlineData("CPUSVN of 15 bytes")]
    [InlineData("PPID of 17 bytes")]
    [InlineData("PCE-ID of 3 bytes")]
    [InlineData("FMSPC of 5 bytes")]
    [InlineData("platform instance id of 15 bytes")]
    [InlineData("SGX Type 3")]
    [InlineData("SGX Type as INTEGER")]
    [InlineData("configuration flag as INTEGER")]
    [InlineData("duplicate configuration flag")]
    [InlineData("trailing bytes")]
    [InlineData("not a SEQUENCE")]
    [InlineData("field with two values")]
    public static void TryParse_Malformed_Rejected(string fault)
    {
        var writer = new PckWriter();
        switch (fault)
        {
            case "missing PPID":
                writer.Remove(Sgx + ".1");
                break;
            case "missing TCB":
                writer.Remove(Sgx + ".2");
                break;
            case "missing PCE-ID":
                writer.Remove(Sgx + ".3");
                break;
            case "missing FMSPC":
                writer.Remove(Sgx + ".4");
                break;
            case "missing SGX Type":
                writer.Remove(Sgx + ".5");
                break;
            case "duplicate FMSPC":
                PckWriter.Add(writer.Fields, Sgx + ".4", w => w.WriteOctetString(new byte[6]));
                break;
            case "duplicate unknown field":
                PckWriter.Add(writer.Fields, Sgx + ".99", w => w.WriteNull());
                PckWriter.Add(writer.Fields, Sgx + ".99", w => w.WriteNull());
                break;
            case "TCB with 17 entries":
                writer.TcbEntries.RemoveAt(3);
                break;
            case "TCB with 19 entries":
                PckWriter.Add(writer.TcbEntries, Sgx + ".2.19", w => w.WriteInteger(0));
                break;
            case "TCB with a repeated component":
                writer.TcbEntries[3] = PckWriter.Entry(Sgx + ".2.3", w => w.WriteInteger(1));
                break;
            case "TCB with an unknown entry":
                writer.TcbEntries[3] = PckWriter.Entry(Sgx + ".2.19", w => w.WriteInteger(1));
                break;
            case "component 256":
                writer.SetTcb(Sgx + ".2.5", w => w.WriteInteger(256));
                break;
            case "component -1":
                writer.SetTcb(Sgx + ".2.5", w => w.WriteInteger(-1));
                break;
            case "PCESVN 65536":
                writer.SetTcb(Sgx + ".2.17", w => w.WriteInteger(65536));
                break;
            case "component as OCTET STRING":
                writer.SetTcb(Sgx + ".2.5", w => w.WriteOctetString([1]));
                break;
            case "CPUSVN of 15 bytes":
                writer.SetTcb(Sgx + ".2.18", w => w.WriteOctetString(new byte[15]));
                break;
            case "PPID of 17 bytes":
                writer.Set(Sgx + ".1", w => w.WriteOctetString(new byte[17]));
                break;
            case "PCE-ID of 3 bytes":
                writer.Set(Sgx + ".3", w => w.WriteOctetString(new byte[3]));
                break;
            case "FMSPC of 5 bytes":
                writer.Set(Sgx + ".4", w => w.WriteOctetString(new byte[5]));
                break;
            case "platform instance id of 15 bytes":
                writer.Set(Sgx + ".6", w => w.WriteOctetString(new byte[15]));
                break;
            case "SGX Type 3":
                writer.Set(Sgx + ".5", w => w.WriteEnumeratedValue((SgxType)3));
                break;
            case "SGX Type as INTEGER":
                writer.Set(Sgx + ".5", w => w.WriteInteger(1));
                break;
            case "configuration flag as INTEGER":
                writer.ConfigurationEntries[0] = PckWriter.Entry(Sgx + ".7.1", w => w.WriteInteger(1));
                break;
            case "duplicate configuration flag":
                PckWriter.Add(writer.ConfigurationEntries, Sgx + ".7.1", w => w.WriteBoolean(false));
                break;
            case "trailing bytes":
                writer.TrailingBytes = [0x00];
                break;
            case "not a SEQUENCE":
                writer.OuterIsSet = true;
                break;
            case "field with two values":
                writer.Set(Sgx + ".4", w =>
                {
                    w.WriteOctetString(new byte[6]);
                    w.WriteNull();
                });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault));
        }

        Assert.False(PckExtension.TryParseValue(writer.Encode(), out var extension, out var error));
        Assert.Null(extension);
        Assert.NotNull(error);
    }

    [Fact]
    public static void TryParse_CertificateWithExtension_ParsesThroughCertificate()
    {
        using var pki = new TestPki();
        using var leaf = pki.IssueLeaf([0x42], extraExtensions: [new X509Extension(Sgx, new PckWriter().Encode(), false)]);
        Assert.True(PckExtension.TryParse(leaf, out var extension, out var error), error);
        Assert.Equal(Enumerable.Range(1, 16), extension.TcbComponents);
    }

    [Fact]
    public static void TryParse_CertificateWithoutExtension_Fails()
    {
        using var pki = new TestPki();
        Assert.False(PckExtension.TryParse(pki.Root, out var extension, out var error));
        Assert.Null(extension);
        Assert.NotNull(error);
    }

    [Fact]
    public static void TryParse_EveryTruncationOfARealExtension_FailsWithoutThrowing()
    {
        var leaf = DcapCases.Leaf(DcapCases.Cdsi);
        var value = leaf.Certificate.Extensions[Sgx]!.RawData;
        Assert.True(PckExtension.TryParseValue(value, out _, out _));
        for (var length = 0; length < value.Length; length++)
        {
            Assert.False(PckExtension.TryParseValue(value.AsMemory(0, length), out _, out _));
        }
    }

    /// <summary>Writes an SGX extension value with AsnWriter; each field is a replaceable writer callback.</summary>
    private sealed class PckWriter
    {
        public PckWriter()
        {
            for (var i = 1; i <= 16; i++)
            {
                var svn = i;
                TcbEntries.Add((Sgx + ".2." + i.ToString(System.Globalization.CultureInfo.InvariantCulture), w => w.WriteInteger(svn)));
            }

            TcbEntries.Add((Sgx + ".2.17", w => w.WriteInteger(65535)));
            TcbEntries.Add((Sgx + ".2.18", w => w.WriteOctetString(new byte[16])));
            ConfigurationEntries.Add((Sgx + ".7.1", w => w.WriteBoolean(true)));
            ConfigurationEntries.Add((Sgx + ".7.3", w => w.WriteBoolean(false)));
            Fields.Add((Sgx + ".1", w => w.WriteOctetString(new byte[16])));
            Fields.Add((Sgx + ".2", w => WriteEntries(w, TcbEntries)));
            Fields.Add((Sgx + ".3", w => w.WriteOctetString(new byte[2])));
            Fields.Add((Sgx + ".4", w => w.WriteOctetString(new byte[] { 0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00 })));
            Fields.Add((Sgx + ".5", w => w.WriteEnumeratedValue(SgxType.ScalableWithIntegrity)));
            Fields.Add((Sgx + ".6", w => w.WriteOctetString(new byte[16])));
            Fields.Add((Sgx + ".7", w => WriteEntries(w, ConfigurationEntries)));
        }

        public List<(string Oid, Action<AsnWriter> Write)> Fields { get; } = [];

        public List<(string Oid, Action<AsnWriter> Write)> TcbEntries { get; } = [];

        public List<(string Oid, Action<AsnWriter> Write)> ConfigurationEntries { get; } = [];

        public byte[] TrailingBytes { get; set; } = [];

        public bool OuterIsSet { get; set; }

        public static (string Oid, Action<AsnWriter> Write) Entry(string oid, Action<AsnWriter> write) => (oid, write);

        public static void Add(List<(string Oid, Action<AsnWriter> Write)> list, string oid, Action<AsnWriter> write) => list.Add((oid, write));

        public void Remove(string oid) => Fields.RemoveAll(f => f.Oid == oid);

        public void Set(string oid, Action<AsnWriter> write) => Fields[Fields.FindIndex(f => f.Oid == oid)] = (oid, write);

        public void SetTcb(string oid, Action<AsnWriter> write) => TcbEntries[TcbEntries.FindIndex(f => f.Oid == oid)] = (oid, write);

        public byte[] Encode()
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            if (OuterIsSet)
            {
                using (writer.PushSetOf())
                {
                    writer.WriteNull();
                }
            }
            else
            {
                WriteEntries(writer, Fields);
            }

            return [.. writer.Encode(), .. TrailingBytes];
        }

        private static void WriteEntries(AsnWriter writer, List<(string Oid, Action<AsnWriter> Write)> entries)
        {
            using (writer.PushSequence())
            {
                foreach (var (oid, write) in entries)
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(oid);
                        write(writer);
                    }
                }
            }
        }
    }
}
