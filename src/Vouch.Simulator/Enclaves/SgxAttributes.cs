using System.Buffers.Binary;

namespace Vouch.Simulator.Enclaves;

/// <summary>ATTRIBUTES.FLAGS bits (sgx-enclave-model §1.2).</summary>
[Flags]
public enum AttributeBits : ulong
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Set by EINIT; never requested.</summary>
    Init = 0x01,
    /// <summary>Debug enclave: memory readable by a debugger.</summary>
    Debug = 0x02,
    /// <summary>64-bit enclave.</summary>
    Mode64Bit = 0x04,
    /// <summary>May request PROVISION and PROVISION_SEAL keys (QE, PCE).</summary>
    ProvisionKey = 0x10,
    /// <summary>May request the EINITTOKEN key (launch enclave).</summary>
    EinitTokenKey = 0x20,
    /// <summary>CET enabled (SDM); kept reserved-zero by the simulator's defaults.</summary>
    Cet = 0x40,
    /// <summary>Key Separation and Sharing: CONFIGID, CONFIGSVN, ISVFAMILYID, ISVEXTPRODID in use.</summary>
    Kss = 0x80,
    /// <summary>AEX-notify enabled.</summary>
    AexNotify = 0x400,
}

/// <summary>The 16-byte ATTRIBUTES structure: FLAGS (u64 LE) then XFRM (u64 LE).</summary>
/// <param name="Flags">ATTRIBUTES.FLAGS.</param>
/// <param name="Xfrm">ATTRIBUTES.XFRM (XCR0 feature mask).</param>
public readonly record struct SgxAttributes(AttributeBits Flags, ulong Xfrm)
{
    /// <summary>Size of the structure in bytes.</summary>
    public const int Size = 16;

    /// <summary>XFRM bits x87 and SSE, which every enclave must enable.</summary>
    public const ulong XfrmLegacy = 0x3;

    /// <summary>Whether DEBUG is set.</summary>
    public bool IsDebug => (Flags & AttributeBits.Debug) != 0;

    /// <summary>Reads the structure from 16 bytes.</summary>
    public static SgxAttributes Read(ReadOnlySpan<byte> source) =>
        new((AttributeBits)BinaryPrimitives.ReadUInt64LittleEndian(source), BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));

    /// <summary>Writes the structure to 16 bytes.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Xfrm);
    }

    /// <summary>Bitwise AND of both words.</summary>
    public SgxAttributes Mask(SgxAttributes mask) => new(Flags & mask.Flags, Xfrm & mask.Xfrm);

    /// <summary>The 16 bytes as lower-case hex.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        Write(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}

/// <summary>SECINFO.FLAGS (sgx-enclave-model §1.8): permission bits 0-2 and the page type in bits 8-15.</summary>
public static class SecInfo
{
    /// <summary>Readable.</summary>
    public const ulong R = 0x1;
    /// <summary>Writable.</summary>
    public const ulong W = 0x2;
    /// <summary>Executable.</summary>
    public const ulong X = 0x4;
    /// <summary>Page type SECS.</summary>
    public const ulong PageTypeSecs = 0x000;
    /// <summary>Page type TCS (thread control structure).</summary>
    public const ulong PageTypeTcs = 0x100;
    /// <summary>Page type REG (regular page).</summary>
    public const ulong PageTypeReg = 0x200;

    /// <summary>Size of SECINFO in bytes.</summary>
    public const int Size = 64;

    /// <summary>The page type byte of a SECINFO.FLAGS value.</summary>
    public static ulong PageType(ulong flags) => flags & 0xff00;
}
