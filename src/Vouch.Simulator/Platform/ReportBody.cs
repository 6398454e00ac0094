using System.Buffers.Binary;
using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Platform;

/// <summary>
/// REPORT_BODY, 384 bytes (sgx-enclave-model §1.3): what EREPORT says about the calling enclave, and what
/// a quote carries at offset 48 (application) and in its signature data (QE report).
/// </summary>
public sealed record ReportBody
{
    /// <summary>Size of the structure.</summary>
    public const int Size = 384;

    internal const int CpuSvnOffset = 0;
    internal const int MiscSelectOffset = 16;
    internal const int IsvExtProdIdOffset = 32;
    internal const int AttributesOffset = 48;
    internal const int MrEnclaveOffset = 64;
    internal const int MrSignerOffset = 128;
    internal const int ConfigIdOffset = 192;
    internal const int IsvProdIdOffset = 256;
    internal const int IsvSvnOffset = 258;
    internal const int ConfigSvnOffset = 260;
    internal const int IsvFamilyIdOffset = 304;
    internal const int ReportDataOffset = 320;

    /// <summary>Size of REPORTDATA.</summary>
    public const int ReportDataSize = 64;

    /// <summary>CPUSVN (16 bytes).</summary>
    public required byte[] CpuSvn { get; init; }
    /// <summary>MISCSELECT.</summary>
    public uint MiscSelect { get; init; }
    /// <summary>ISVEXTPRODID (16 bytes).</summary>
    public byte[] IsvExtProdId { get; init; } = new byte[16];
    /// <summary>ATTRIBUTES.</summary>
    public SgxAttributes Attributes { get; init; }
    /// <summary>MRENCLAVE (32 bytes).</summary>
    public required byte[] MrEnclave { get; init; }
    /// <summary>MRSIGNER (32 bytes).</summary>
    public required byte[] MrSigner { get; init; }
    /// <summary>CONFIGID (64 bytes).</summary>
    public byte[] ConfigId { get; init; } = new byte[64];
    /// <summary>ISVPRODID.</summary>
    public ushort IsvProdId { get; init; }
    /// <summary>ISVSVN.</summary>
    public ushort IsvSvn { get; init; }
    /// <summary>CONFIGSVN.</summary>
    public ushort ConfigSvn { get; init; }
    /// <summary>ISVFAMILYID (16 bytes).</summary>
    public byte[] IsvFamilyId { get; init; } = new byte[16];
    /// <summary>REPORTDATA (64 bytes).</summary>
    public required byte[] ReportData { get; init; }

    /// <summary>The body EREPORT writes for <paramref name="identity"/> at <paramref name="cpuSvn"/>.</summary>
    public static ReportBody For(EnclaveIdentity identity, ReadOnlySpan<byte> cpuSvn, ReadOnlySpan<byte> reportData)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (reportData.Length > ReportDataSize)
        {
            throw new ArgumentException("REPORTDATA has at most 64 bytes.", nameof(reportData));
        }

        var data = new byte[ReportDataSize];
        reportData.CopyTo(data);
        return new ReportBody
        {
            CpuSvn = cpuSvn.ToArray(),
            MiscSelect = identity.MiscSelect,
            IsvExtProdId = (byte[])identity.IsvExtProdId.Clone(),
            Attributes = identity.Attributes,
            MrEnclave = (byte[])identity.MrEnclave.Clone(),
            MrSigner = (byte[])identity.MrSigner.Clone(),
            ConfigId = (byte[])identity.ConfigId.Clone(),
            IsvProdId = identity.IsvProdId,
            IsvSvn = identity.IsvSvn,
            ConfigSvn = identity.ConfigSvn,
            IsvFamilyId = (byte[])identity.IsvFamilyId.Clone(),
            ReportData = data,
        };
    }

    /// <summary>Reads 384 bytes (reserved bytes are not kept; a reader that needs them keeps the raw bytes).</summary>
    /// <exception cref="FormatException">The input is not 384 bytes.</exception>
    public static ReportBody Read(ReadOnlySpan<byte> source)
    {
        if (source.Length != Size)
        {
            throw new FormatException($"A report body has {Size} bytes.");
        }

        return new ReportBody
        {
            CpuSvn = source.Slice(CpuSvnOffset, 16).ToArray(),
            MiscSelect = BinaryPrimitives.ReadUInt32LittleEndian(source[MiscSelectOffset..]),
            IsvExtProdId = source.Slice(IsvExtProdIdOffset, 16).ToArray(),
            Attributes = SgxAttributes.Read(source[AttributesOffset..]),
            MrEnclave = source.Slice(MrEnclaveOffset, 32).ToArray(),
            MrSigner = source.Slice(MrSignerOffset, 32).ToArray(),
            ConfigId = source.Slice(ConfigIdOffset, 64).ToArray(),
            IsvProdId = BinaryPrimitives.ReadUInt16LittleEndian(source[IsvProdIdOffset..]),
            IsvSvn = BinaryPrimitives.ReadUInt16LittleEndian(source[IsvSvnOffset..]),
            ConfigSvn = BinaryPrimitives.ReadUInt16LittleEndian(source[ConfigSvnOffset..]),
            IsvFamilyId = source.Slice(IsvFamilyIdOffset, 16).ToArray(),
            ReportData = source.Slice(ReportDataOffset, ReportDataSize).ToArray(),
        };
    }

    /// <summary>The 384 bytes, reserved fields zero.</summary>
    public byte[] ToBytes()
    {
        var b = new byte[Size];
        var s = b.AsSpan();
        Put(s, CpuSvnOffset, CpuSvn, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(s[MiscSelectOffset..], MiscSelect);
        Put(s, IsvExtProdIdOffset, IsvExtProdId, 16);
        Attributes.Write(s[AttributesOffset..]);
        Put(s, MrEnclaveOffset, MrEnclave, 32);
        Put(s, MrSignerOffset, MrSigner, 32);
        Put(s, ConfigIdOffset, ConfigId, 64);
        BinaryPrimitives.WriteUInt16LittleEndian(s[IsvProdIdOffset..], IsvProdId);
        BinaryPrimitives.WriteUInt16LittleEndian(s[IsvSvnOffset..], IsvSvn);
        BinaryPrimitives.WriteUInt16LittleEndian(s[ConfigSvnOffset..], ConfigSvn);
        Put(s, IsvFamilyIdOffset, IsvFamilyId, 16);
        Put(s, ReportDataOffset, ReportData, ReportDataSize);
        return b;
    }

    /// <inheritdoc/>
    public bool Equals(ReportBody? other) => other is not null && ToBytes().AsSpan().SequenceEqual(other.ToBytes());

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Convert.ToHexString(MrEnclave), IsvSvn, Convert.ToHexString(ReportData));

    private static void Put(Span<byte> destination, int offset, byte[] value, int size)
    {
        if (value.Length != size)
        {
            throw new InvalidOperationException($"The field at offset {offset} must have {size} bytes.");
        }

        value.CopyTo(destination[offset..]);
    }
}
