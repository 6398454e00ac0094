namespace Vouch.Sgx.Quotes;

/// <summary>
/// A TDX TD report body (dcap-verification §1.4): 584 bytes for TDX 1.0 (<c>sgx_report2_body_t</c>), or
/// 648 bytes for TDX 1.5, which appends TEE_TCB_SVN2 and MRSERVICETD. Every property reads
/// <see cref="Raw"/>, the exact bytes that were signed.
/// </summary>
/// <param name="Raw">The report bytes: <see cref="TdReport10Size"/> or <see cref="TdReport15Size"/> of them, matching <paramref name="Type"/>.</param>
/// <param name="Type"><see cref="QuoteBodyType.TdReport10"/> or <see cref="QuoteBodyType.TdReport15"/>.</param>
public sealed record TdReportBody(ReadOnlyMemory<byte> Raw, QuoteBodyType Type)
{
    /// <summary>Size of a TDX 1.0 TD report body.</summary>
    public const int TdReport10Size = 584;

    /// <summary>Size of a TDX 1.5 TD report body.</summary>
    public const int TdReport15Size = 648;

    internal const int TeeTcbSvnOffset = 0;
    internal const int TeeTcbSvnSize = 16;
    internal const int MrSeamOffset = 16;
    internal const int MeasurementSize = 48;
    internal const int MrSignerSeamOffset = 64;
    internal const int SeamAttributesOffset = 112;
    internal const int AttributesSize = 8;
    internal const int TdAttributesOffset = 120;
    internal const int XfamOffset = 128;
    internal const int MrTdOffset = 136;
    internal const int MrConfigIdOffset = 184;
    internal const int MrOwnerOffset = 232;
    internal const int MrOwnerConfigOffset = 280;
    internal const int Rtmr0Offset = 328;
    internal const int Rtmr1Offset = 376;
    internal const int Rtmr2Offset = 424;
    internal const int Rtmr3Offset = 472;
    internal const int ReportDataOffset = 520;
    internal const int ReportDataSize = 64;
    internal const int TeeTcbSvn2Offset = 584;
    internal const int MrServiceTdOffset = 600;

    /// <summary>The body type: TDX 1.0 or TDX 1.5.</summary>
    /// <exception cref="ArgumentException">The type is not a TD report type.</exception>
    public QuoteBodyType Type { get; } = Type is QuoteBodyType.TdReport10 or QuoteBodyType.TdReport15
        ? Type
        : throw new ArgumentException("A TD report body is of type TdReport10 or TdReport15.", nameof(Type));

    /// <summary>The report bytes.</summary>
    /// <exception cref="ArgumentException">The length does not match <see cref="Type"/>.</exception>
    public ReadOnlyMemory<byte> Raw { get; } = ByteFields.RequireLength(Raw, SizeOf(Type), nameof(Raw));

    /// <summary>TEE_TCB_SVN, 16 bytes: the TDX module's TCB components.</summary>
    public ReadOnlyMemory<byte> TeeTcbSvn => Raw.Slice(TeeTcbSvnOffset, TeeTcbSvnSize);

    /// <summary>MRSEAM, the TDX module measurement (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrSeam => Raw.Slice(MrSeamOffset, MeasurementSize);

    /// <summary>MRSIGNERSEAM, the TDX module signer (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrSignerSeam => Raw.Slice(MrSignerSeamOffset, MeasurementSize);

    /// <summary>SEAMATTRIBUTES, 8 bytes.</summary>
    public ReadOnlyMemory<byte> SeamAttributes => Raw.Slice(SeamAttributesOffset, AttributesSize);

    /// <summary>TDATTRIBUTES, 8 bytes (byte 0 bit 0 is DEBUG).</summary>
    public ReadOnlyMemory<byte> TdAttributes => Raw.Slice(TdAttributesOffset, AttributesSize);

    /// <summary>XFAM, 8 bytes.</summary>
    public ReadOnlyMemory<byte> Xfam => Raw.Slice(XfamOffset, AttributesSize);

    /// <summary>MRTD, the initial TD measurement (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrTd => Raw.Slice(MrTdOffset, MeasurementSize);

    /// <summary>MRCONFIGID (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrConfigId => Raw.Slice(MrConfigIdOffset, MeasurementSize);

    /// <summary>MROWNER (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrOwner => Raw.Slice(MrOwnerOffset, MeasurementSize);

    /// <summary>MROWNERCONFIG (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrOwnerConfig => Raw.Slice(MrOwnerConfigOffset, MeasurementSize);

    /// <summary>RTMR0 (48 bytes).</summary>
    public ReadOnlyMemory<byte> Rtmr0 => Raw.Slice(Rtmr0Offset, MeasurementSize);

    /// <summary>RTMR1 (48 bytes).</summary>
    public ReadOnlyMemory<byte> Rtmr1 => Raw.Slice(Rtmr1Offset, MeasurementSize);

    /// <summary>RTMR2 (48 bytes).</summary>
    public ReadOnlyMemory<byte> Rtmr2 => Raw.Slice(Rtmr2Offset, MeasurementSize);

    /// <summary>RTMR3 (48 bytes).</summary>
    public ReadOnlyMemory<byte> Rtmr3 => Raw.Slice(Rtmr3Offset, MeasurementSize);

    /// <summary>REPORTDATA, 64 bytes.</summary>
    public ReadOnlyMemory<byte> ReportData => Raw.Slice(ReportDataOffset, ReportDataSize);

    /// <summary>TEE_TCB_SVN2, 16 bytes (TDX 1.5); empty for TDX 1.0.</summary>
    public ReadOnlyMemory<byte> TeeTcbSvn2 =>
        Type == QuoteBodyType.TdReport15 ? Raw.Slice(TeeTcbSvn2Offset, TeeTcbSvnSize) : ReadOnlyMemory<byte>.Empty;

    /// <summary>MRSERVICETD, 48 bytes (TDX 1.5); empty for TDX 1.0.</summary>
    public ReadOnlyMemory<byte> MrServiceTd =>
        Type == QuoteBodyType.TdReport15 ? Raw.Slice(MrServiceTdOffset, MeasurementSize) : ReadOnlyMemory<byte>.Empty;

    /// <summary>Equal when the type and the report bytes are equal.</summary>
    public bool Equals(TdReportBody? other) => other is not null && Type == other.Type && ByteFields.Same(Raw, other.Raw);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, ByteFields.Hash(Raw));

    /// <summary>The body size of a TD report type (0 for any other value).</summary>
    internal static int SizeOf(QuoteBodyType type) => type switch
    {
        QuoteBodyType.TdReport10 => TdReport10Size,
        QuoteBodyType.TdReport15 => TdReport15Size,
        _ => 0,
    };
}
