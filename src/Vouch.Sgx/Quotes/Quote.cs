using System.Diagnostics.CodeAnalysis;

namespace Vouch.Sgx.Quotes;

/// <summary>
/// A parsed Intel DCAP ECDSA quote, version 3, 4 or 5 (dcap-verification §1). Parsing checks syntax only
/// (layout, lengths, and the values Intel QVL's <c>Quote::validate</c> checks); no signature is verified.
/// Every byte field is a slice of <see cref="Raw"/>, so signatures are checked over the exact signed bytes.
/// </summary>
/// <param name="Raw">The whole quote as given to <see cref="TryParse"/>, trailing bytes included.</param>
/// <param name="Header">The 48-byte header.</param>
/// <param name="BodyType">The report body's kind; decides which of <paramref name="SgxBody"/> and <paramref name="TdBody"/> is present.</param>
/// <param name="SgxBody">The application enclave's report when <paramref name="BodyType"/> is <see cref="QuoteBodyType.SgxEnclave"/>, else <see langword="null"/>.</param>
/// <param name="TdBody">The TD report when <paramref name="BodyType"/> is a TD report type, else <see langword="null"/>.</param>
/// <param name="SignedRegion">
/// The bytes the ISV signature covers: v3 [0, 432); v4 [0, 632) with a TD report or [0, 432) with an SGX
/// report; v5 [0, 54 + body size).
/// </param>
/// <param name="Signature">The signature data, flattened over v3 and v4/v5.</param>
/// <param name="IgnoredTrailingBytes">
/// Bytes after the last field parsed (the end of the signature data's certification data) that Intel QVL
/// ignores: any unused tail inside <c>signature_data_len</c> plus everything after it.
/// </param>
public sealed record Quote(
    ReadOnlyMemory<byte> Raw,
    QuoteHeader Header,
    QuoteBodyType BodyType,
    SgxReportBody? SgxBody,
    TdReportBody? TdBody,
    ReadOnlyMemory<byte> SignedRegion,
    QuoteSignatureData Signature,
    int IgnoredTrailingBytes)
{
    /// <summary>The largest quote <see cref="TryParse"/> reads; larger input fails with <see cref="ErrorCode.QuoteTooLarge"/>.</summary>
    public const int MaxSize = 1 << 20;

    /// <summary>
    /// The smallest well-formed quote: a v3 quote with empty QE authentication data and empty certification
    /// data, 48 + 384 + 4 + (64 + 64 + 384 + 64 + 2 + 2 + 4) bytes (QVL <c>QUOTE_MIN_BYTE_LEN</c>).
    /// </summary>
    public const int MinSize =
        QuoteHeader.Size + SgxReportBody.Size + QuoteParser.SignatureDataLengthSize
        + QuoteSignatureData.SignatureSize + QuoteSignatureData.PublicKeySize + SgxReportBody.Size
        + QuoteSignatureData.SignatureSize + QuoteParser.QeAuthDataSizeSize
        + QuoteParser.CertificationDataTypeSize + QuoteParser.CertificationDataSizeSize;

    /// <summary>The header.</summary>
    public QuoteHeader Header { get; } = Header ?? throw new ArgumentNullException(nameof(Header));

    /// <summary>The report body's kind.</summary>
    /// <exception cref="ArgumentException">Exactly the body that <see cref="BodyType"/> names is not present.</exception>
    public QuoteBodyType BodyType { get; } = IsConsistent(BodyType, SgxBody, TdBody)
        ? BodyType
        : throw new ArgumentException("The body named by BodyType, and only that body, must be present.", nameof(BodyType));

    /// <summary>The SGX enclave report, when the quote carries one.</summary>
    public SgxReportBody? SgxBody { get; } = SgxBody;

    /// <summary>The TD report, when the quote carries one.</summary>
    public TdReportBody? TdBody { get; } = TdBody;

    /// <summary>The signature data.</summary>
    public QuoteSignatureData Signature { get; } = Signature ?? throw new ArgumentNullException(nameof(Signature));

    /// <summary>Bytes after the last parsed field, ignored as Intel QVL ignores them.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int IgnoredTrailingBytes { get; } = IgnoredTrailingBytes >= 0
        ? IgnoredTrailingBytes
        : throw new ArgumentOutOfRangeException(nameof(IgnoredTrailingBytes));

    /// <summary>The 64 REPORTDATA bytes of whichever body the quote carries.</summary>
    public ReadOnlyMemory<byte> ReportData => SgxBody?.ReportData ?? TdBody!.ReportData;

    /// <summary>
    /// Parses a quote exactly as Intel QVL's <c>Quote::parse</c> and <c>Quote::validate</c> accept it
    /// (dcap-verification §1.3, §1.4). Never throws, whatever the input.
    /// </summary>
    /// <remarks>
    /// <para>Checks, in reading order; the first failure is reported:</para>
    /// <list type="bullet">
    /// <item>size at most <see cref="MaxSize"/> (<see cref="ErrorCode.QuoteTooLarge"/>) and at least <see cref="MinSize"/> (<see cref="ErrorCode.QuoteTruncated"/>);</item>
    /// <item>version 3, 4 or 5; attestation key type 2; TEE type SGX or TDX, and SGX for v3; Intel's QE vendor id;</item>
    /// <item>the body: SGX for v3; SGX or TD 1.0 by TEE type for v4; for v5 the descriptor's type 1, 2 or 3 with size
    /// exactly 384, 584 or 648, SGX with type 1 and TDX with 2 or 3 (<see cref="ErrorCode.QuoteBodyTypeUnsupported"/>);</item>
    /// <item>the signature data: v3 certification data of type 1..5; v4/v5 certification data of type 6 whose content,
    /// the QE report certification data, holds certification data of type 1..5
    /// (<see cref="ErrorCode.QuoteCertificationDataTypeUnsupported"/>). A type is checked as soon as it is read,
    /// before its size.</item>
    /// </list>
    /// <para>
    /// Fixed-size fields that do not fit in what is left of their container fail with
    /// <see cref="ErrorCode.QuoteTruncated"/>. A declared length (<c>signature_data_len</c>, a QE authentication data
    /// size, a certification data size) larger than what is left of its container fails with
    /// <see cref="ErrorCode.QuoteLengthOverflow"/>, reported at the length field; this is how a quote cut short inside
    /// its signature data fails. Certification data is exactly its declared size. The v4/v5 QE report
    /// certification data must be consumed exactly by its fields, else <see cref="ErrorCode.QuoteTrailingData"/>
    /// (QVL: "additional, not expected data").
    /// </para>
    /// <para>
    /// As in QVL, bytes after <c>436 + signature_data_len</c> (or its v4/v5 equivalent) are ignored (real TDX quotes
    /// carry zero padding), and so are bytes left inside the signature data after its certification data, in every
    /// version: QVL's <c>Ecdsa256BitQuoteV3AuthData</c> and <c>Ecdsa256BitQuoteV4AuthData</c> parsers stop after the
    /// certification data without checking the end. Both are counted in <see cref="IgnoredTrailingBytes"/>.
    /// The attestation key is not checked to be a point on P-256 here; that belongs to signature verification.
    /// </para>
    /// </remarks>
    /// <param name="bytes">The quote bytes. The parsed quote keeps slices of this memory; do not mutate it afterwards.</param>
    /// <param name="quote">The parsed quote on success; <see langword="null"/> on failure.</param>
    /// <param name="error">Why the quote was rejected on failure; <see langword="null"/> on success.</param>
    /// <returns><see langword="true"/> when the bytes are a well-formed quote.</returns>
    public static bool TryParse(
        ReadOnlyMemory<byte> bytes,
        [NotNullWhen(true)] out Quote? quote,
        [NotNullWhen(false)] out QuoteFormatError? error) =>
        QuoteParser.TryParse(bytes, out quote, out error);

    /// <summary>Equal when every field is equal, byte fields compared by content.</summary>
    public bool Equals(Quote? other) =>
        other is not null
        && ByteFields.Same(Raw, other.Raw)
        && Header.Equals(other.Header)
        && BodyType == other.BodyType
        && Equals(SgxBody, other.SgxBody)
        && Equals(TdBody, other.TdBody)
        && ByteFields.Same(SignedRegion, other.SignedRegion)
        && Signature.Equals(other.Signature)
        && IgnoredTrailingBytes == other.IgnoredTrailingBytes;

    /// <inheritdoc/>
    public override int GetHashCode() => ByteFields.Hash(Raw);

    private static bool IsConsistent(QuoteBodyType type, SgxReportBody? sgx, TdReportBody? td) => type switch
    {
        QuoteBodyType.SgxEnclave => sgx is not null && td is null,
        QuoteBodyType.TdReport10 or QuoteBodyType.TdReport15 => sgx is null && td is not null && td.Type == type,
        _ => false,
    };
}
