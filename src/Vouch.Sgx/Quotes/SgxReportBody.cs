using System.Buffers.Binary;

namespace Vouch.Sgx.Quotes;

/// <summary>
/// An SGX enclave report body (<c>sgx_report_body_t</c>, 384 bytes, dcap-verification §1.2): the
/// application enclave's report in an SGX quote, and the QE report in the signature data. Every property
/// reads <see cref="Raw"/>, the exact bytes that were signed.
/// </summary>
/// <param name="Raw">The 384 report bytes.</param>
public sealed record SgxReportBody(ReadOnlyMemory<byte> Raw)
{
    /// <summary>Report body size in bytes.</summary>
    public const int Size = 384;

    internal const int CpuSvnOffset = 0;
    internal const int CpuSvnSize = 16;
    internal const int MiscSelectOffset = 16;
    internal const int MiscSelectSize = 4;
    internal const int IsvExtProdIdOffset = 32;
    internal const int IsvExtProdIdSize = 16;
    internal const int AttributesOffset = 48;
    internal const int AttributesSize = 16;
    internal const int FlagsOffset = 48;
    internal const int XfrmOffset = 56;
    internal const int MrEnclaveOffset = 64;
    internal const int MrEnclaveSize = 32;
    internal const int MrSignerOffset = 128;
    internal const int MrSignerSize = 32;
    internal const int ConfigIdOffset = 192;
    internal const int ConfigIdSize = 64;
    internal const int IsvProdIdOffset = 256;
    internal const int IsvSvnOffset = 258;
    internal const int ConfigSvnOffset = 260;
    internal const int IsvFamilyIdOffset = 304;
    internal const int IsvFamilyIdSize = 16;
    internal const int ReportDataOffset = 320;
    internal const int ReportDataSize = 64;

    /// <summary>ATTRIBUTES.FLAGS bit 1 (<c>SGX_FLAGS_DEBUG</c>).</summary>
    public const ulong DebugFlag = 0x02;

    /// <summary>The 384 report bytes.</summary>
    /// <exception cref="ArgumentException">The value is not exactly <see cref="Size"/> bytes.</exception>
    public ReadOnlyMemory<byte> Raw { get; } = ByteFields.RequireLength(Raw, Size, nameof(Raw));

    /// <summary>The raw 16-byte CPU security version (not used for TCB matching).</summary>
    public ReadOnlyMemory<byte> CpuSvn => Raw.Slice(CpuSvnOffset, CpuSvnSize);

    /// <summary>MISCSELECT as a little-endian integer.</summary>
    public uint MiscSelect => BinaryPrimitives.ReadUInt32LittleEndian(Raw.Span[MiscSelectOffset..]);

    /// <summary>MISCSELECT as its four bytes in quote order (the form QE Identity's <c>miscselect</c> hex uses).</summary>
    public ReadOnlyMemory<byte> MiscSelectBytes => Raw.Slice(MiscSelectOffset, MiscSelectSize);

    /// <summary>ISVEXTPRODID (KSS extended product id), 16 bytes.</summary>
    public ReadOnlyMemory<byte> IsvExtProdId => Raw.Slice(IsvExtProdIdOffset, IsvExtProdIdSize);

    /// <summary>ATTRIBUTES, 16 bytes: FLAGS then XFRM (the form QE Identity's <c>attributes</c> hex uses).</summary>
    public ReadOnlyMemory<byte> Attributes => Raw.Slice(AttributesOffset, AttributesSize);

    /// <summary>ATTRIBUTES.FLAGS as a little-endian integer.</summary>
    public ulong Flags => BinaryPrimitives.ReadUInt64LittleEndian(Raw.Span[FlagsOffset..]);

    /// <summary>ATTRIBUTES.XFRM as a little-endian integer.</summary>
    public ulong Xfrm => BinaryPrimitives.ReadUInt64LittleEndian(Raw.Span[XfrmOffset..]);

    /// <summary>Whether the DEBUG attribute is set. Intel QVL never checks it for the application enclave: that is policy.</summary>
    public bool IsDebug => (Flags & DebugFlag) != 0;

    /// <summary>MRENCLAVE, the SHA-256 enclave measurement.</summary>
    public ReadOnlyMemory<byte> MrEnclave => Raw.Slice(MrEnclaveOffset, MrEnclaveSize);

    /// <summary>MRSIGNER, the SHA-256 of the enclave signer's RSA modulus.</summary>
    public ReadOnlyMemory<byte> MrSigner => Raw.Slice(MrSignerOffset, MrSignerSize);

    /// <summary>CONFIGID (KSS), 64 bytes.</summary>
    public ReadOnlyMemory<byte> ConfigId => Raw.Slice(ConfigIdOffset, ConfigIdSize);

    /// <summary>ISVPRODID.</summary>
    public ushort IsvProdId => BinaryPrimitives.ReadUInt16LittleEndian(Raw.Span[IsvProdIdOffset..]);

    /// <summary>ISVSVN.</summary>
    public ushort IsvSvn => BinaryPrimitives.ReadUInt16LittleEndian(Raw.Span[IsvSvnOffset..]);

    /// <summary>CONFIGSVN (KSS).</summary>
    public ushort ConfigSvn => BinaryPrimitives.ReadUInt16LittleEndian(Raw.Span[ConfigSvnOffset..]);

    /// <summary>ISVFAMILYID (KSS), 16 bytes.</summary>
    public ReadOnlyMemory<byte> IsvFamilyId => Raw.Slice(IsvFamilyIdOffset, IsvFamilyIdSize);

    /// <summary>REPORTDATA, 64 bytes. In the QE report: SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes.</summary>
    public ReadOnlyMemory<byte> ReportData => Raw.Slice(ReportDataOffset, ReportDataSize);

    /// <summary>Equal when the report bytes are equal.</summary>
    public bool Equals(SgxReportBody? other) => other is not null && ByteFields.Same(Raw, other.Raw);

    /// <inheritdoc/>
    public override int GetHashCode() => ByteFields.Hash(Raw);
}
