using System.Buffers.Binary;
using System.Security.Cryptography;
using Vouch.Simulator.Crypto;

namespace Vouch.Simulator.Enclaves;

/// <summary>
/// The 1808-byte enclave signature structure (sgx-enclave-model §1.9). An instance wraps the exact bytes;
/// every property reads its named offset, so a SIGSTRUCT read from a file is verified over what was signed.
/// </summary>
public sealed class Sigstruct
{
    /// <summary>Size of SIGSTRUCT.</summary>
    public const int Size = 1808;

    // Offsets (§1.9).
    internal const int HeaderOffset = 0, HeaderSize = 12;
    internal const int TypeOffset = 12;
    internal const int VendorOffset = 16;
    internal const int DateOffset = 20;
    internal const int Header2Offset = 24, Header2Size = 16;
    internal const int SwDefinedOffset = 40;
    internal const int Reserved1Offset = 44, Reserved1Size = 84;
    internal const int ModulusOffset = 128;
    internal const int ExponentOffset = 512;
    internal const int SignatureOffset = 516;
    internal const int MiscSelectOffset = 900;
    internal const int MiscMaskOffset = 904;
    internal const int Reserved2Offset = 908, Reserved2Size = 4;
    internal const int IsvFamilyIdOffset = 912;
    internal const int AttributesOffset = 928;
    internal const int AttributeMaskOffset = 944;
    internal const int EnclaveHashOffset = 960;
    internal const int Reserved3Offset = 992, Reserved3Size = 16;
    internal const int IsvExtProdIdOffset = 1008;
    internal const int IsvProdIdOffset = 1024;
    internal const int IsvSvnOffset = 1026;
    internal const int Reserved4Offset = 1028, Reserved4Size = 12;
    internal const int Q1Offset = 1040;
    internal const int Q2Offset = 1424;

    /// <summary>Debug-signed marker in the TYPE word (SDK/OE convention, bit 31).</summary>
    public const uint TypeDebugSigned = 0x8000_0000;

    /// <summary>VENDOR value of Intel-signed enclaves.</summary>
    public const uint VendorIntel = 0x8086;

    private readonly byte[] _bytes;

    private Sigstruct(byte[] bytes) => _bytes = bytes;

    /// <summary>HEADER bytes 0-11.</summary>
    public static ReadOnlySpan<byte> HeaderConstant => [0x06, 0x00, 0x00, 0x00, 0xE1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00];

    /// <summary>HEADER2 bytes 24-39.</summary>
    public static ReadOnlySpan<byte> Header2Constant => [0x01, 0x01, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00];

    /// <summary>The 1808 bytes (a copy).</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>HEADER bytes 12-15 (TYPE): 0, or bit 31 for a debug-signed enclave.</summary>
    public uint Type => ReadU32(TypeOffset);

    /// <summary>VENDOR: 0x8086 for Intel, else 0.</summary>
    public uint Vendor => ReadU32(VendorOffset);

    /// <summary>DATE as BCD yyyymmdd read as hex (0x20240811 = 2024-08-11).</summary>
    public uint Date => ReadU32(DateOffset);

    /// <summary>SWDEFINED (HW version; 16 on launch enclaves).</summary>
    public uint SwDefined => ReadU32(SwDefinedOffset);

    /// <summary>MODULUS, 384 bytes little-endian.</summary>
    public ReadOnlySpan<byte> Modulus => _bytes.AsSpan(ModulusOffset, SgxRsa.ModulusSize);

    /// <summary>EXPONENT (must be 3).</summary>
    public uint Exponent => ReadU32(ExponentOffset);

    /// <summary>SIGNATURE, 384 bytes little-endian.</summary>
    public ReadOnlySpan<byte> Signature => _bytes.AsSpan(SignatureOffset, SgxRsa.ModulusSize);

    /// <summary>Required MISCSELECT.</summary>
    public uint MiscSelect => ReadU32(MiscSelectOffset);

    /// <summary>Bits of MISCSELECT that EINIT enforces.</summary>
    public uint MiscMask => ReadU32(MiscMaskOffset);

    /// <summary>ISVFAMILYID (KSS only).</summary>
    public ReadOnlySpan<byte> IsvFamilyId => _bytes.AsSpan(IsvFamilyIdOffset, 16);

    /// <summary>Required ATTRIBUTES.</summary>
    public SgxAttributes Attributes => SgxAttributes.Read(_bytes.AsSpan(AttributesOffset));

    /// <summary>Bits of ATTRIBUTES that EINIT enforces.</summary>
    public SgxAttributes AttributeMask => SgxAttributes.Read(_bytes.AsSpan(AttributeMaskOffset));

    /// <summary>ENCLAVEHASH: the MRENCLAVE the signer expects.</summary>
    public ReadOnlySpan<byte> EnclaveHash => _bytes.AsSpan(EnclaveHashOffset, 32);

    /// <summary>ISVEXTPRODID (KSS only).</summary>
    public ReadOnlySpan<byte> IsvExtProdId => _bytes.AsSpan(IsvExtProdIdOffset, 16);

    /// <summary>ISVPRODID.</summary>
    public ushort IsvProdId => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(IsvProdIdOffset));

    /// <summary>ISVSVN.</summary>
    public ushort IsvSvn => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(IsvSvnOffset));

    /// <summary>Q1 = ⌊s²/n⌋, little-endian.</summary>
    public ReadOnlySpan<byte> Q1 => _bytes.AsSpan(Q1Offset, SgxRsa.ModulusSize);

    /// <summary>Q2 = ⌊((s² mod n)·s)/n⌋, little-endian.</summary>
    public ReadOnlySpan<byte> Q2 => _bytes.AsSpan(Q2Offset, SgxRsa.ModulusSize);

    /// <summary>MRSIGNER = SHA-256 of MODULUS as stored.</summary>
    public byte[] MrSigner => SHA256.HashData(Modulus);

    /// <summary>The 256 signed bytes: SIGSTRUCT[0:128] ‖ SIGSTRUCT[900:1028].</summary>
    public byte[] SignedBytes()
    {
        var signed = new byte[256];
        _bytes.AsSpan(0, 128).CopyTo(signed);
        _bytes.AsSpan(MiscSelectOffset, 128).CopyTo(signed.AsSpan(128));
        return signed;
    }

    /// <summary>SHA-256 of <see cref="SignedBytes"/>.</summary>
    public byte[] SignedDigest() => SHA256.HashData(SignedBytes());

    /// <summary>Wraps 1808 bytes (copied). Content is not validated; see <see cref="CheckStructure"/> and <see cref="CheckSignature"/>.</summary>
    /// <exception cref="FormatException">The input is not exactly 1808 bytes.</exception>
    public static Sigstruct Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new FormatException($"A SIGSTRUCT has {Size} bytes, not {bytes.Length}.");
        }

        return new Sigstruct(bytes.ToArray());
    }

    /// <summary>
    /// The structural checks of EINIT: header constants, TYPE 0 or debug-signed, exponent 3, a 3072-bit
    /// modulus and zero reserved fields. Returns <see cref="SgxStatus.InvalidSigStruct"/> on any failure.
    /// </summary>
    public SgxStatus CheckStructure()
    {
        var ok = _bytes.AsSpan(HeaderOffset, HeaderSize).SequenceEqual(HeaderConstant)
            && (Type == 0 || Type == TypeDebugSigned)
            && _bytes.AsSpan(Header2Offset, Header2Size).SequenceEqual(Header2Constant)
            && Exponent == SgxRsa.PublicExponent
            && (Modulus[^1] & 0x80) != 0
            && !_bytes.AsSpan(Reserved1Offset, Reserved1Size).ContainsAnyExcept((byte)0)
            && !_bytes.AsSpan(Reserved2Offset, Reserved2Size).ContainsAnyExcept((byte)0)
            && !_bytes.AsSpan(Reserved3Offset, Reserved3Size).ContainsAnyExcept((byte)0)
            && !_bytes.AsSpan(Reserved4Offset, Reserved4Size).ContainsAnyExcept((byte)0);
        return ok ? SgxStatus.Success : SgxStatus.InvalidSigStruct;
    }

    /// <summary>
    /// The signature checks of EINIT: the exponent-3 PKCS#1 v1.5 signature over <see cref="SignedDigest"/>,
    /// and Q1/Q2. Returns <see cref="SgxStatus.InvalidSignature"/> on any failure.
    /// </summary>
    public SgxStatus CheckSignature() =>
        SgxRsa.Verify(Modulus, Signature, SignedDigest()) && SgxRsa.VerifyQ1Q2(Modulus, Signature, Q1, Q2)
            ? SgxStatus.Success
            : SgxStatus.InvalidSignature;

    /// <summary>Fills and signs a SIGSTRUCT (sgx-enclave-model §2.3).</summary>
    public static Sigstruct Sign(SigstructContent content, EnclaveSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(key);
        if (content.EnclaveHash.Length != 32 || content.IsvFamilyId.Length != 16 || content.IsvExtProdId.Length != 16)
        {
            throw new ArgumentException("ENCLAVEHASH has 32 bytes, ISVFAMILYID and ISVEXTPRODID 16.", nameof(content));
        }

        var b = new byte[Size];
        var span = b.AsSpan();
        HeaderConstant.CopyTo(span[HeaderOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[TypeOffset..], content.DebugSigned ? TypeDebugSigned : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[VendorOffset..], content.Vendor);
        BinaryPrimitives.WriteUInt32LittleEndian(span[DateOffset..], EncodeDate(content.Date));
        Header2Constant.CopyTo(span[Header2Offset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[SwDefinedOffset..], content.SwDefined);
        key.ModulusLittleEndian.CopyTo(span[ModulusOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[ExponentOffset..], SgxRsa.PublicExponent);
        BinaryPrimitives.WriteUInt32LittleEndian(span[MiscSelectOffset..], content.MiscSelect);
        BinaryPrimitives.WriteUInt32LittleEndian(span[MiscMaskOffset..], content.MiscMask);
        content.IsvFamilyId.CopyTo(span[IsvFamilyIdOffset..]);
        content.Attributes.Write(span[AttributesOffset..]);
        content.AttributeMask.Write(span[AttributeMaskOffset..]);
        content.EnclaveHash.CopyTo(span[EnclaveHashOffset..]);
        content.IsvExtProdId.CopyTo(span[IsvExtProdIdOffset..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[IsvProdIdOffset..], content.IsvProdId);
        BinaryPrimitives.WriteUInt16LittleEndian(span[IsvSvnOffset..], content.IsvSvn);

        var unsigned = new Sigstruct(b);
        var signature = key.SignDigest(unsigned.SignedDigest());
        signature.CopyTo(span[SignatureOffset..]);
        var (q1, q2) = SgxRsa.ComputeQ1Q2(key.ModulusLittleEndian, signature);
        q1.CopyTo(span[Q1Offset..]);
        q2.CopyTo(span[Q2Offset..]);
        return unsigned;
    }

    /// <summary>DATE encoding: the decimal digits of yyyymmdd read as hex (2024-08-11 → 0x20240811).</summary>
    public static uint EncodeDate(DateOnly date) =>
        uint.Parse(date.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    private uint ReadU32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(offset));
}

/// <summary>What a signer puts into a SIGSTRUCT besides the key material.</summary>
/// <param name="EnclaveHash">Expected MRENCLAVE (32 bytes).</param>
/// <param name="Attributes">Required ATTRIBUTES.</param>
/// <param name="AttributeMask">Enforced ATTRIBUTES bits.</param>
/// <param name="MiscSelect">Required MISCSELECT.</param>
/// <param name="MiscMask">Enforced MISCSELECT bits.</param>
/// <param name="IsvProdId">ISVPRODID.</param>
/// <param name="IsvSvn">ISVSVN.</param>
/// <param name="Date">DATE.</param>
/// <param name="Vendor">VENDOR (0, or 0x8086 for Intel).</param>
/// <param name="SwDefined">SWDEFINED (0 for ordinary enclaves).</param>
/// <param name="IsvFamilyId">ISVFAMILYID (16 bytes; KSS only, else zero).</param>
/// <param name="IsvExtProdId">ISVEXTPRODID (16 bytes; KSS only, else zero).</param>
/// <param name="DebugSigned">Whether to set the TYPE debug-signed bit.</param>
public sealed record SigstructContent(
    byte[] EnclaveHash,
    SgxAttributes Attributes,
    SgxAttributes AttributeMask,
    uint MiscSelect,
    uint MiscMask,
    ushort IsvProdId,
    ushort IsvSvn,
    DateOnly Date,
    uint Vendor,
    uint SwDefined,
    byte[] IsvFamilyId,
    byte[] IsvExtProdId,
    bool DebugSigned);
