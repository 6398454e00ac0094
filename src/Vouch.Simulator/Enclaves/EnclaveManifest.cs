using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vouch.Simulator.Crypto;

namespace Vouch.Simulator.Enclaves;

/// <summary>One enclave page of a manifest: where it goes, its SECINFO, its 4096 bytes and which 256-byte chunks are measured.</summary>
/// <param name="Offset">Offset from the enclave base (page-aligned).</param>
/// <param name="SecInfoFlags">SECINFO.FLAGS (permissions and page type).</param>
/// <param name="Content">The 4096 bytes loaded.</param>
/// <param name="MeasuredChunks">Bit i set: EEXTEND the chunk at offset + 256·i.</param>
public sealed record EnclavePage(ulong Offset, ulong SecInfoFlags, byte[] Content, ushort MeasuredChunks);

/// <summary>
/// A deterministic description of an enclave image (format <c>vouch-enclave-manifest/1</c>, documented in
/// <c>docs/simulator.md</c>): the SECS values ECREATE takes, the ordered pages EADD/EEXTEND load, and what the
/// signer writes into SIGSTRUCT. MRENCLAVE follows from it by <see cref="ComputeMrEnclave"/>.
/// </summary>
public sealed record EnclaveManifest
{
    /// <summary>The value of the <c>format</c> member.</summary>
    public const string FormatName = "vouch-enclave-manifest/1";

    /// <summary>The word that names the built-in sample enclave wherever a manifest is taken.</summary>
    public const string SampleName = "sample";

    /// <summary>Default ATTRIBUTEMASK: everything but DEBUG and the non-checked bits 48-55 (Intel SDK default).</summary>
    public static readonly SgxAttributes DefaultAttributeMask = new((AttributeBits)~(0x2UL | 0x00FF_0000_0000_0000UL), 0xFFFF_FFFF_FFFF_FF1BUL);

    /// <summary>Informational name.</summary>
    public string Name { get; init; } = "";
    /// <summary>SECS.SIZE (power of two, at least two pages).</summary>
    public required ulong Size { get; init; }
    /// <summary>SECS.SSAFRAMESIZE in pages.</summary>
    public uint SsaFrameSize { get; init; } = 1;
    /// <summary>SECS.ATTRIBUTES requested at ECREATE, without INIT and DEBUG (DEBUG is a launch choice).</summary>
    public required SgxAttributes Attributes { get; init; }
    /// <summary>SECS.MISCSELECT.</summary>
    public uint MiscSelect { get; init; }
    /// <summary>ISVPRODID written into SIGSTRUCT.</summary>
    public ushort IsvProdId { get; init; }
    /// <summary>ISVSVN written into SIGSTRUCT.</summary>
    public ushort IsvSvn { get; init; }
    /// <summary>CONFIGID given at ECREATE (KSS only; not measured).</summary>
    public byte[] ConfigId { get; init; } = new byte[64];
    /// <summary>CONFIGSVN given at ECREATE (KSS only; not measured).</summary>
    public ushort ConfigSvn { get; init; }
    /// <summary>ISVFAMILYID written into SIGSTRUCT (KSS only).</summary>
    public byte[] IsvFamilyId { get; init; } = new byte[16];
    /// <summary>ISVEXTPRODID written into SIGSTRUCT (KSS only).</summary>
    public byte[] IsvExtProdId { get; init; } = new byte[16];
    /// <summary>The signer: <c>sample</c> for the built-in test key, else a PEM file path.</summary>
    public string Signer { get; init; } = SampleName;
    /// <summary>SIGSTRUCT.DATE.</summary>
    public DateOnly Date { get; init; } = new(2026, 1, 1);
    /// <summary>SIGSTRUCT.VENDOR.</summary>
    public uint Vendor { get; init; }
    /// <summary>SIGSTRUCT.SWDEFINED.</summary>
    public uint SwDefined { get; init; }
    /// <summary>SIGSTRUCT.ATTRIBUTEMASK.</summary>
    public SgxAttributes AttributeMask { get; init; } = DefaultAttributeMask;
    /// <summary>SIGSTRUCT.MISCMASK.</summary>
    public uint MiscMask { get; init; } = 0xFFFF_FFFF;
    /// <summary>Whether to set the SIGSTRUCT TYPE debug-signed bit.</summary>
    public bool DebugSigned { get; init; }
    /// <summary>The pages in load order.</summary>
    public required IReadOnlyList<EnclavePage> Pages { get; init; }

    /// <summary>The built-in <c>sample</c> enclave (code, read-only data, data, TCS, SSA, stack, unmeasured heap), signed by <see cref="EnclaveSigningKey.Sample"/>.</summary>
    public static EnclaveManifest Sample
    {
        get
        {
            using var stream = typeof(EnclaveManifest).Assembly.GetManifestResourceStream("Vouch.Simulator.sample_enclave.json")
                ?? throw new InvalidOperationException("The sample manifest resource is missing.");
            using var reader = new StreamReader(stream);
            return Parse(reader.ReadToEnd(), baseDirectory: null);
        }
    }

    /// <summary>Loads a manifest file, or the built-in sample for the word <c>sample</c>.</summary>
    /// <exception cref="FormatException">The manifest is not valid.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static EnclaveManifest Load(string pathOrSample)
    {
        ArgumentNullException.ThrowIfNull(pathOrSample);
        if (pathOrSample == SampleName)
        {
            return Sample;
        }

        var full = System.IO.Path.GetFullPath(pathOrSample);
        return Parse(File.ReadAllText(full), System.IO.Path.GetDirectoryName(full));
    }

    /// <summary>Parses manifest JSON. Relative signer paths resolve against <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="FormatException">The JSON is not a valid manifest; the message names the member.</exception>
    public static EnclaveManifest Parse(string json, string? baseDirectory)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException("The manifest is not valid JSON.", e);
        }

        using (document)
        {
            var root = document.RootElement;
            Json.RequireObject(root, "$", "format", "name", "size", "ssaFrameSize", "attributes", "miscSelect", "isvProdId", "isvSvn", "kss", "signing", "pages");
            if (Json.String(root, "format") != FormatName)
            {
                throw new FormatException($"format must be \"{FormatName}\".");
            }

            var manifest = new EnclaveManifest
            {
                Name = Json.OptionalString(root, "name") ?? "",
                Size = Json.UInt64(root, "size"),
                SsaFrameSize = root.TryGetProperty("ssaFrameSize", out _) ? (uint)Json.UInt64(root, "ssaFrameSize", uint.MaxValue) : 1,
                Attributes = Json.Attributes(root, "attributes"),
                MiscSelect = root.TryGetProperty("miscSelect", out _) ? (uint)Json.UInt64(root, "miscSelect", uint.MaxValue) : 0,
                IsvProdId = (ushort)Json.UInt64(root, "isvProdId", ushort.MaxValue),
                IsvSvn = (ushort)Json.UInt64(root, "isvSvn", ushort.MaxValue),
                Pages = ParsePages(root),
            };

            if (root.TryGetProperty("kss", out var kss))
            {
                Json.RequireObject(kss, "kss", "configId", "configSvn", "isvFamilyId", "isvExtProdId");
                manifest = manifest with
                {
                    ConfigId = Json.OptionalHex(kss, "configId", 64) ?? new byte[64],
                    ConfigSvn = kss.TryGetProperty("configSvn", out _) ? (ushort)Json.UInt64(kss, "configSvn", ushort.MaxValue) : (ushort)0,
                    IsvFamilyId = Json.OptionalHex(kss, "isvFamilyId", 16) ?? new byte[16],
                    IsvExtProdId = Json.OptionalHex(kss, "isvExtProdId", 16) ?? new byte[16],
                };
            }

            if (root.TryGetProperty("signing", out var signing))
            {
                Json.RequireObject(signing, "signing", "signer", "date", "vendor", "swDefined", "attributeMask", "miscMask", "debugSigned");
                var signer = Json.OptionalString(signing, "signer") ?? SampleName;
                if (signer != SampleName && !System.IO.Path.IsPathFullyQualified(signer))
                {
                    signer = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), signer));
                }

                manifest = manifest with
                {
                    Signer = signer,
                    Date = signing.TryGetProperty("date", out var date)
                        ? DateOnly.TryParseExact(date.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                            ? d
                            : throw new FormatException("signing.date must be yyyy-MM-dd.")
                        : manifest.Date,
                    Vendor = signing.TryGetProperty("vendor", out _) ? (uint)Json.UInt64(signing, "vendor", uint.MaxValue) : 0,
                    SwDefined = signing.TryGetProperty("swDefined", out _) ? (uint)Json.UInt64(signing, "swDefined", uint.MaxValue) : 0,
                    AttributeMask = signing.TryGetProperty("attributeMask", out _) ? Json.Attributes(signing, "attributeMask") : DefaultAttributeMask,
                    MiscMask = signing.TryGetProperty("miscMask", out _) ? (uint)Json.UInt64(signing, "miscMask", uint.MaxValue) : 0xFFFF_FFFF,
                    DebugSigned = signing.TryGetProperty("debugSigned", out var ds) && Json.Boolean(ds, "signing.debugSigned"),
                };
            }

            return manifest;
        }
    }

    /// <summary>Replays ECREATE, EADD and EEXTEND for every page and returns MRENCLAVE.</summary>
    /// <exception cref="ArgumentException">The layout breaks an ordering rule (see <see cref="MeasurementBuilder"/>).</exception>
    public byte[] ComputeMrEnclave()
    {
        using var builder = new MeasurementBuilder();
        Measure(builder);
        return builder.Finish();
    }

    /// <summary>Feeds this image's records into <paramref name="builder"/> (ECREATE first).</summary>
    public void Measure(MeasurementBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ECreate(SsaFrameSize, Size);
        foreach (var page in Pages)
        {
            builder.AddPage(page.Offset, page.SecInfoFlags, page.Content, page.MeasuredChunks);
        }
    }

    /// <summary>Loads the signing key named by <see cref="Signer"/>.</summary>
    /// <exception cref="IOException">The PEM file cannot be read.</exception>
    public EnclaveSigningKey LoadSigner() =>
        Signer == SampleName ? EnclaveSigningKey.Sample : EnclaveSigningKey.FromPem(File.ReadAllText(Signer));

    /// <summary>The SIGSTRUCT content a signing tool writes for this image (ENCLAVEHASH = <see cref="ComputeMrEnclave"/>).</summary>
    public SigstructContent ToSigstructContent() => new(
        ComputeMrEnclave(),
        Attributes,
        AttributeMask,
        MiscSelect,
        MiscMask,
        IsvProdId,
        IsvSvn,
        Date,
        Vendor,
        SwDefined,
        IsvFamilyId,
        IsvExtProdId,
        DebugSigned);

    /// <summary>Measures the image and signs its SIGSTRUCT with <paramref name="key"/>.</summary>
    public Sigstruct Sign(EnclaveSigningKey key) => Sigstruct.Sign(ToSigstructContent(), key);

    /// <summary>Measures the image and signs its SIGSTRUCT with the key named by <see cref="Signer"/>.</summary>
    public Sigstruct Sign()
    {
        using var key = LoadSigner();
        return Sign(key);
    }

    private static List<EnclavePage> ParsePages(JsonElement root)
    {
        if (!root.TryGetProperty("pages", out var pages) || pages.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("pages must be an array.");
        }

        var result = new List<EnclavePage>();
        var index = 0;
        foreach (var page in pages.EnumerateArray())
        {
            var where = $"pages[{index}]";
            Json.RequireObject(page, where, "offset", "count", "type", "permissions", "secinfo", "content", "measure");
            var offset = Json.UInt64(page, "offset");
            var count = page.TryGetProperty("count", out _) ? Json.UInt64(page, "count", 1 << 20) : 1;
            var secInfo = page.TryGetProperty("secinfo", out _) ? Json.UInt64(page, "secinfo") : SecInfoFromNames(page, where);
            var content = page.TryGetProperty("content", out var c) ? ParseContent(c, where + ".content") : new byte[MeasurementBuilder.PageSize];
            var measured = page.TryGetProperty("measure", out var m) ? ParseMeasure(m, where + ".measure") : (ushort)0xFFFF;
            for (ulong i = 0; i < count; i++)
            {
                result.Add(new EnclavePage(offset + (i * MeasurementBuilder.PageSize), secInfo, (byte[])content.Clone(), measured));
            }

            index++;
        }

        return result;
    }

    private static ulong SecInfoFromNames(JsonElement page, string where)
    {
        var type = Json.OptionalString(page, "type") ?? "REG";
        var permissions = Json.OptionalString(page, "permissions") ?? "";
        var flags = type switch
        {
            "REG" => SecInfo.PageTypeReg,
            "TCS" => SecInfo.PageTypeTcs,
            _ => throw new FormatException($"{where}.type must be REG or TCS."),
        };
        foreach (var p in permissions)
        {
            flags |= p switch
            {
                'R' => SecInfo.R,
                'W' => SecInfo.W,
                'X' => SecInfo.X,
                _ => throw new FormatException($"{where}.permissions may only hold R, W and X."),
            };
        }

        if (type == "TCS" && permissions.Length != 0)
        {
            throw new FormatException($"{where}: TCS pages carry no permissions.");
        }

        return flags;
    }

    private static ushort ParseMeasure(JsonElement measure, string where)
    {
        if (measure.ValueKind == JsonValueKind.String)
        {
            return measure.GetString() switch
            {
                "all" => 0xFFFF,
                "none" => 0,
                _ => throw new FormatException($"{where} must be \"all\", \"none\" or an array of chunk indices 0-15."),
            };
        }

        if (measure.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{where} must be \"all\", \"none\" or an array of chunk indices 0-15.");
        }

        ushort mask = 0;
        foreach (var chunk in measure.EnumerateArray())
        {
            if (!chunk.TryGetInt32(out var i) || i is < 0 or > 15)
            {
                throw new FormatException($"{where}: chunk indices are 0-15.");
            }

            mask |= (ushort)(1 << i);
        }

        return mask;
    }

    private static byte[] ParseContent(JsonElement content, string where)
    {
        Json.RequireObject(content, where, "hex", "text", "base64", "fill", "tcs");
        var kinds = content.EnumerateObject().Count();
        if (kinds != 1)
        {
            throw new FormatException($"{where} must have exactly one of hex, text, base64, fill, tcs.");
        }

        var page = new byte[MeasurementBuilder.PageSize];
        var member = content.EnumerateObject().First();
        byte[] data;
        switch (member.Name)
        {
            case "hex":
                data = Json.Hex(content, "hex", -1);
                break;
            case "text":
                data = Encoding.UTF8.GetBytes(member.Value.GetString() ?? "");
                break;
            case "base64":
                try
                {
                    data = Convert.FromBase64String(member.Value.GetString() ?? "");
                }
                catch (FormatException e)
                {
                    throw new FormatException($"{where}.base64 is not base64.", e);
                }

                break;
            case "fill":
                page.AsSpan().Fill((byte)Json.UInt64(content, "fill", byte.MaxValue));
                return page;
            default:
                return Tcs(member.Value, where + ".tcs");
        }

        if (data.Length > page.Length)
        {
            throw new FormatException($"{where} is longer than a page.");
        }

        data.CopyTo(page, 0);
        return page;
    }

    // TCS layout (sgx-enclave-model §1.10): FLAGS @8, OSSA @16, CSSA @24, NSSA @28, OENTRY @32, OFSBASE @48,
    // OGSBASE @56, FSLIMIT @64, GSLIMIT @68.
    private static byte[] Tcs(JsonElement tcs, string where)
    {
        Json.RequireObject(tcs, where, "flags", "ossa", "cssa", "nssa", "oentry", "ofsbase", "ogsbase", "fslimit", "gslimit");
        var page = new byte[MeasurementBuilder.PageSize];
        var span = page.AsSpan();
        ulong Get(string name, ulong max = ulong.MaxValue) => tcs.TryGetProperty(name, out _) ? Json.UInt64(tcs, name, max) : 0;
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], Get("flags"));
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], Get("ossa"));
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)Get("cssa", uint.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], (uint)Get("nssa", uint.MaxValue));
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], Get("oentry"));
        BinaryPrimitives.WriteUInt64LittleEndian(span[48..], Get("ofsbase"));
        BinaryPrimitives.WriteUInt64LittleEndian(span[56..], Get("ogsbase"));
        BinaryPrimitives.WriteUInt32LittleEndian(span[64..], (uint)Get("fslimit", uint.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(span[68..], (uint)Get("gslimit", uint.MaxValue));
        return page;
    }
}
