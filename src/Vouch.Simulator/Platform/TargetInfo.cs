using System.Buffers.Binary;
using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Platform;

/// <summary>
/// TARGETINFO, 512 bytes (sgx-enclave-model §1.5): the identity of the enclave a report is made for.
/// The REPORT key is derived from exactly these values, so every field must match the target.
/// </summary>
public sealed record TargetInfo
{
    /// <summary>Size of the structure.</summary>
    public const int Size = 512;
    internal const int MeasurementOffset = 0;
    internal const int AttributesOffset = 32;
    internal const int CetAttributesOffset = 48;
    internal const int ConfigSvnOffset = 50;
    internal const int MiscSelectOffset = 52;
    internal const int Reserved2Offset = 56, Reserved2Size = 8;
    internal const int ConfigIdOffset = 64;
    internal const int Reserved3Offset = 128, Reserved3Size = 384;

    /// <summary>The target's MRENCLAVE.</summary>
    public required byte[] Measurement { get; init; }
    /// <summary>The target's SECS.ATTRIBUTES, including INIT.</summary>
    public SgxAttributes Attributes { get; init; }
    /// <summary>The target's CONFIGSVN.</summary>
    public ushort ConfigSvn { get; init; }
    /// <summary>The target's MISCSELECT.</summary>
    public uint MiscSelect { get; init; }
    /// <summary>The target's CONFIGID (64 bytes).</summary>
    public byte[] ConfigId { get; init; } = new byte[64];

    /// <summary>The TARGETINFO of an initialized enclave.</summary>
    public static TargetInfo For(EnclaveIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new TargetInfo
        {
            Measurement = (byte[])identity.MrEnclave.Clone(),
            Attributes = identity.Attributes,
            ConfigSvn = identity.ConfigSvn,
            MiscSelect = identity.MiscSelect,
            ConfigId = (byte[])identity.ConfigId.Clone(),
        };
    }

    /// <summary>
    /// A TARGETINFO built from a report of the target, the way the SDK's <c>sgx_self_target</c> does:
    /// REPORT[64:96]→[0:32], [48:64]→[32:48], [20]→[48], [260:262]→[50:52], [16:20]→[52:56], [192:256]→[64:128].
    /// </summary>
    public static TargetInfo FromReport(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var bytes = new byte[Size];
        var body = report.BodyBytes;
        body.Slice(64, 32).CopyTo(bytes.AsSpan(0));
        body.Slice(48, 16).CopyTo(bytes.AsSpan(32));
        bytes[48] = body[20];
        body.Slice(260, 2).CopyTo(bytes.AsSpan(50));
        body.Slice(16, 4).CopyTo(bytes.AsSpan(52));
        body.Slice(192, 64).CopyTo(bytes.AsSpan(64));
        return Read(bytes);
    }

    /// <summary>Reads 512 bytes.</summary>
    /// <exception cref="FormatException">The input is not 512 bytes.</exception>
    /// <exception cref="SgxFaultException">A reserved byte is non-zero (EREPORT would fault).</exception>
    public static TargetInfo Read(ReadOnlySpan<byte> source)
    {
        if (source.Length != Size)
        {
            throw new FormatException($"A TARGETINFO has {Size} bytes.");
        }

        if (source[CetAttributesOffset] != 0 || source[CetAttributesOffset + 1] != 0
            || source.Slice(Reserved2Offset, Reserved2Size).ContainsAnyExcept((byte)0)
            || source.Slice(Reserved3Offset, Reserved3Size).ContainsAnyExcept((byte)0))
        {
            throw new SgxFaultException("#GP: TARGETINFO reserved bytes must be zero.");
        }

        return new TargetInfo
        {
            Measurement = source.Slice(MeasurementOffset, 32).ToArray(),
            Attributes = SgxAttributes.Read(source[AttributesOffset..]),
            ConfigSvn = BinaryPrimitives.ReadUInt16LittleEndian(source[ConfigSvnOffset..]),
            MiscSelect = BinaryPrimitives.ReadUInt32LittleEndian(source[MiscSelectOffset..]),
            ConfigId = source.Slice(ConfigIdOffset, 64).ToArray(),
        };
    }

    /// <summary>The 512 bytes, reserved fields zero.</summary>
    public byte[] ToBytes()
    {
        var b = new byte[Size];
        Measurement.CopyTo(b, MeasurementOffset);
        Attributes.Write(b.AsSpan(AttributesOffset));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(ConfigSvnOffset), ConfigSvn);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(MiscSelectOffset), MiscSelect);
        ConfigId.CopyTo(b, ConfigIdOffset);
        return b;
    }

    /// <inheritdoc/>
    public bool Equals(TargetInfo? other) => other is not null && ToBytes().AsSpan().SequenceEqual(other.ToBytes());

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Convert.ToHexString(Measurement), Attributes, MiscSelect);
}
