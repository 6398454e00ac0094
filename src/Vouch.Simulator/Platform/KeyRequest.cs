using System.Buffers.Binary;
using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Platform;

/// <summary>KEYREQUEST.KEYNAME values.</summary>
public enum KeyName : ushort
{
    /// <summary>Launch-token key (launch enclave only).</summary>
    EinitToken = 0,
    /// <summary>Provisioning key (PCE; not bound to the owner epoch).</summary>
    Provision = 1,
    /// <summary>Provisioning seal key.</summary>
    ProvisionSeal = 2,
    /// <summary>REPORT key (verifying reports targeted at the caller).</summary>
    Report = 3,
    /// <summary>Seal key.</summary>
    Seal = 4,
}

/// <summary>KEYREQUEST.KEYPOLICY bits (sgx-enclave-model §1.6).</summary>
[Flags]
public enum KeyPolicyBits : ushort
{
    /// <summary>No identity bound.</summary>
    None = 0,
    /// <summary>Bind MRENCLAVE.</summary>
    MrEnclave = 0x01,
    /// <summary>Bind MRSIGNER.</summary>
    MrSigner = 0x02,
    /// <summary>Do not bind ISVPRODID (KSS).</summary>
    NoIsvProdId = 0x04,
    /// <summary>Bind CONFIGID and CONFIGSVN (KSS).</summary>
    ConfigId = 0x08,
    /// <summary>Bind ISVFAMILYID (KSS).</summary>
    IsvFamilyId = 0x10,
    /// <summary>Bind ISVEXTPRODID (KSS).</summary>
    IsvExtProdId = 0x20,
}

/// <summary>KEYREQUEST, 512 bytes (sgx-enclave-model §1.6): the input of EGETKEY.</summary>
public sealed record KeyRequest
{
    /// <summary>Size of the structure.</summary>
    public const int Size = 512;
    internal const int KeyNameOffset = 0;
    internal const int KeyPolicyOffset = 2;
    internal const int IsvSvnOffset = 4;
    internal const int Reserved1Offset = 6;
    internal const int CpuSvnOffset = 8;
    internal const int AttributeMaskOffset = 24;
    internal const int KeyIdOffset = 40;
    internal const int MiscMaskOffset = 72;
    internal const int ConfigSvnOffset = 76;
    internal const int Reserved2Offset = 78, Reserved2Size = 434;

    /// <summary>Which key.</summary>
    public KeyName KeyName { get; init; }
    /// <summary>Identity bound into SEAL and PROVISION_SEAL keys.</summary>
    public KeyPolicyBits KeyPolicy { get; init; }
    /// <summary>Requested ISVSVN (at most the enclave's).</summary>
    public ushort IsvSvn { get; init; }
    /// <summary>Requested CPUSVN (16 bytes; at most the platform's).</summary>
    public byte[] CpuSvn { get; init; } = new byte[16];
    /// <summary>Attribute bits bound into the key (INIT and DEBUG always are).</summary>
    public SgxAttributes AttributeMask { get; init; }
    /// <summary>KEYID (32 bytes).</summary>
    public byte[] KeyId { get; init; } = new byte[32];
    /// <summary>MISCSELECT bits bound into the key.</summary>
    public uint MiscMask { get; init; }
    /// <summary>Requested CONFIGSVN (KSS; at most the enclave's).</summary>
    public ushort ConfigSvn { get; init; }

    /// <summary>Reads 512 bytes.</summary>
    /// <exception cref="FormatException">The input is not 512 bytes.</exception>
    /// <exception cref="SgxFaultException">A reserved byte is non-zero (EGETKEY would fault).</exception>
    public static KeyRequest Read(ReadOnlySpan<byte> source)
    {
        if (source.Length != Size)
        {
            throw new FormatException($"A KEYREQUEST has {Size} bytes.");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(source[Reserved1Offset..]) != 0 || source.Slice(Reserved2Offset, Reserved2Size).ContainsAnyExcept((byte)0))
        {
            throw new SgxFaultException("#GP: KEYREQUEST reserved bytes must be zero.");
        }

        return new KeyRequest
        {
            KeyName = (KeyName)BinaryPrimitives.ReadUInt16LittleEndian(source[KeyNameOffset..]),
            KeyPolicy = (KeyPolicyBits)BinaryPrimitives.ReadUInt16LittleEndian(source[KeyPolicyOffset..]),
            IsvSvn = BinaryPrimitives.ReadUInt16LittleEndian(source[IsvSvnOffset..]),
            CpuSvn = source.Slice(CpuSvnOffset, 16).ToArray(),
            AttributeMask = SgxAttributes.Read(source[AttributeMaskOffset..]),
            KeyId = source.Slice(KeyIdOffset, 32).ToArray(),
            MiscMask = BinaryPrimitives.ReadUInt32LittleEndian(source[MiscMaskOffset..]),
            ConfigSvn = BinaryPrimitives.ReadUInt16LittleEndian(source[ConfigSvnOffset..]),
        };
    }

    /// <summary>The 512 bytes, reserved fields zero.</summary>
    public byte[] ToBytes()
    {
        if (CpuSvn.Length != 16 || KeyId.Length != 32)
        {
            throw new InvalidOperationException("CPUSVN has 16 bytes and KEYID 32.");
        }

        var b = new byte[Size];
        var s = b.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s[KeyNameOffset..], (ushort)KeyName);
        BinaryPrimitives.WriteUInt16LittleEndian(s[KeyPolicyOffset..], (ushort)KeyPolicy);
        BinaryPrimitives.WriteUInt16LittleEndian(s[IsvSvnOffset..], IsvSvn);
        CpuSvn.CopyTo(s[CpuSvnOffset..]);
        AttributeMask.Write(s[AttributeMaskOffset..]);
        KeyId.CopyTo(s[KeyIdOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[MiscMaskOffset..], MiscMask);
        BinaryPrimitives.WriteUInt16LittleEndian(s[ConfigSvnOffset..], ConfigSvn);
        return b;
    }

    /// <inheritdoc/>
    public bool Equals(KeyRequest? other) => other is not null && ToBytes().AsSpan().SequenceEqual(other.ToBytes());

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(KeyName, KeyPolicy, IsvSvn, Convert.ToHexString(KeyId));
}
