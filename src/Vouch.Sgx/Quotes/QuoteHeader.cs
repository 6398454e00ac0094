using System.Buffers.Binary;

namespace Vouch.Sgx.Quotes;

/// <summary>
/// The 48-byte quote header (<c>sgx_quote_header_t</c>, dcap-verification §1.1). Every property reads
/// <see cref="Raw"/>, which is the exact slice of the quote that the attestation key signed.
/// </summary>
/// <param name="Raw">The 48 header bytes.</param>
public sealed record QuoteHeader(ReadOnlyMemory<byte> Raw)
{
    /// <summary>Header size in bytes.</summary>
    public const int Size = 48;

    internal const int VersionOffset = 0;
    internal const int AttestationKeyTypeOffset = 2;
    internal const int TeeTypeOffset = 4;
    internal const int QeSvnOffset = 8;
    internal const int PceSvnOffset = 10;
    internal const int QeVendorIdOffset = 12;
    internal const int QeVendorIdSize = 16;
    internal const int UserDataOffset = 28;
    internal const int UserDataSize = 20;

    /// <summary>The 48 header bytes.</summary>
    /// <exception cref="ArgumentException">The value is not exactly <see cref="Size"/> bytes.</exception>
    public ReadOnlyMemory<byte> Raw { get; } = ByteFields.RequireLength(Raw, Size, nameof(Raw));

    /// <summary>Quote format version: 3, 4 or 5 in a parsed quote.</summary>
    public ushort Version => BinaryPrimitives.ReadUInt16LittleEndian(Raw.Span[VersionOffset..]);

    /// <summary>Attestation key type: 2 (ECDSA-256-with-P-256) in a parsed quote.</summary>
    public ushort AttestationKeyType => BinaryPrimitives.ReadUInt16LittleEndian(Raw.Span[AttestationKeyTypeOffset..]);

    /// <summary>TEE type (v3 calls these bytes <c>att_key_data_0</c>; QVL reads them as the TEE type).</summary>
    public TeeType TeeType => (TeeType)BinaryPrimitives.ReadUInt32LittleEndian(Raw.Span[TeeTypeOffset..]);

    /// <summary>The QE's ISVSVN when the quote was made (v3; reserved in v4/v5). Informative only: the QE report's ISVSVN is the trusted value.</summary>
    public ushort QeSvn => BinaryPrimitives.ReadUInt16LittleEndian(Raw.Span[QeSvnOffset..]);

    /// <summary>The PCE SVN when the quote was made (v3; reserved in v4/v5). Informative only.</summary>
    public ushort PceSvn => BinaryPrimitives.ReadUInt16LittleEndian(Raw.Span[PceSvnOffset..]);

    /// <summary>The 16-byte QE vendor id; <see cref="IntelQeVendorId"/> in a parsed quote.</summary>
    public ReadOnlyMemory<byte> QeVendorId => Raw.Slice(QeVendorIdOffset, QeVendorIdSize);

    /// <summary>20 bytes of QE-defined user data (the Intel QE puts the first 16 bytes of the QE id here). Not verified.</summary>
    public ReadOnlyMemory<byte> UserData => Raw.Slice(UserDataOffset, UserDataSize);

    /// <summary>Equal when the header bytes are equal.</summary>
    public bool Equals(QuoteHeader? other) => other is not null && ByteFields.Same(Raw, other.Raw);

    /// <inheritdoc/>
    public override int GetHashCode() => ByteFields.Hash(Raw);
}
