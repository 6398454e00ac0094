namespace Vouch.Sgx.Quotes;

/// <summary>
/// The ECDSA signature data of a quote (dcap-verification §1.3, §1.4), flattened so that v3 and v4/v5
/// look the same to a verifier. In v3 the QE report, its signature, the QE authentication data and the
/// certification data sit directly in the signature data; in v4/v5 they sit inside certification data of
/// type 6 (QE report certification data), whose nested certification data is <see cref="CertificationData"/>.
/// All byte fields are slices of the quote.
/// </summary>
/// <param name="IsvSignature">ECDSA P-256 signature (64 bytes, r‖s big-endian) over <see cref="Quote.SignedRegion"/> with the attestation key.</param>
/// <param name="AttestationKey">The ECDSA P-256 attestation public key (64 bytes, X‖Y big-endian, no 0x04 prefix).</param>
/// <param name="QeReport">The quoting enclave's report.</param>
/// <param name="QeReportSignature">ECDSA P-256 signature (64 bytes, r‖s) over the 384 QE report bytes with the PCK key.</param>
/// <param name="QeAuthData">QE authentication data, any length (32 bytes from Intel's QE today; 0 is legal).</param>
/// <param name="CertificationData">For v3 the certification data of the signature data; for v4/v5 the certification data nested in the type-6 wrapper. Its type is 1..5 in a parsed quote.</param>
/// <param name="OuterCertificationDataType">The type of the signature data's own certification data: the same as <see cref="CertificationData"/>'s type for v3, 6 for v4/v5.</param>
public sealed record QuoteSignatureData(
    ReadOnlyMemory<byte> IsvSignature,
    ReadOnlyMemory<byte> AttestationKey,
    SgxReportBody QeReport,
    ReadOnlyMemory<byte> QeReportSignature,
    ReadOnlyMemory<byte> QeAuthData,
    CertificationData CertificationData,
    ushort OuterCertificationDataType)
{
    /// <summary>Size of an ECDSA P-256 signature, r‖s.</summary>
    public const int SignatureSize = 64;

    /// <summary>Size of an ECDSA P-256 public key, X‖Y.</summary>
    public const int PublicKeySize = 64;

    /// <summary>The ISV report signature, 64 bytes.</summary>
    /// <exception cref="ArgumentException">The value is not 64 bytes.</exception>
    public ReadOnlyMemory<byte> IsvSignature { get; } = ByteFields.RequireLength(IsvSignature, SignatureSize, nameof(IsvSignature));

    /// <summary>The attestation public key, 64 bytes.</summary>
    /// <exception cref="ArgumentException">The value is not 64 bytes.</exception>
    public ReadOnlyMemory<byte> AttestationKey { get; } = ByteFields.RequireLength(AttestationKey, PublicKeySize, nameof(AttestationKey));

    /// <summary>The QE report.</summary>
    public SgxReportBody QeReport { get; } = QeReport ?? throw new ArgumentNullException(nameof(QeReport));

    /// <summary>The QE report signature, 64 bytes.</summary>
    /// <exception cref="ArgumentException">The value is not 64 bytes.</exception>
    public ReadOnlyMemory<byte> QeReportSignature { get; } = ByteFields.RequireLength(QeReportSignature, SignatureSize, nameof(QeReportSignature));

    /// <summary>The certification data that identifies the PCK (types 1..5).</summary>
    public CertificationData CertificationData { get; } = CertificationData ?? throw new ArgumentNullException(nameof(CertificationData));

    /// <summary>Equal when every field is equal, byte fields compared by content.</summary>
    public bool Equals(QuoteSignatureData? other) =>
        other is not null
        && ByteFields.Same(IsvSignature, other.IsvSignature)
        && ByteFields.Same(AttestationKey, other.AttestationKey)
        && QeReport.Equals(other.QeReport)
        && ByteFields.Same(QeReportSignature, other.QeReportSignature)
        && ByteFields.Same(QeAuthData, other.QeAuthData)
        && CertificationData.Equals(other.CertificationData)
        && OuterCertificationDataType == other.OuterCertificationDataType;

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(ByteFields.Hash(IsvSignature), ByteFields.Hash(AttestationKey), QeReport, CertificationData);
}
