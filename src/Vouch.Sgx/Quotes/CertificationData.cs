namespace Vouch.Sgx.Quotes;

/// <summary>
/// Certification data (<c>sgx_ql_certification_data_t</c>, dcap-verification §1.3): a type and exactly the
/// <c>size</c> bytes the quote declared for it, as a slice of the quote.
/// </summary>
/// <param name="Type">The certification data type (<c>sgx_ql_cert_key_type_t</c>); see the constants on this type.</param>
/// <param name="Data">The certification data bytes.</param>
public sealed record CertificationData(ushort Type, ReadOnlyMemory<byte> Data)
{
    /// <summary>Type 1: PPID in clear text, CPUSVN, PCESVN and PCE-ID.</summary>
    public const ushort PlainPpid = 1;

    /// <summary>Type 2: PPID encrypted with RSA-2048-OAEP, CPUSVN, PCESVN and PCE-ID.</summary>
    public const ushort EncryptedPpid2048 = 2;

    /// <summary>Type 3: PPID encrypted with RSA-3072-OAEP, CPUSVN, PCESVN and PCE-ID.</summary>
    public const ushort EncryptedPpid3072 = 3;

    /// <summary>Type 4: the PCK leaf certificate.</summary>
    public const ushort PckCertificate = 4;

    /// <summary>Type 5: the PEM PCK chain, leaf then intermediate then root, usually with a trailing NUL byte.</summary>
    public const ushort PckCertificateChain = 5;

    /// <summary>Type 6: QE report certification data, the v4/v5 wrapper around one of types 1-5.</summary>
    public const ushort QeReportCertificationData = 6;

    /// <summary>Equal when the type and the data bytes are equal.</summary>
    public bool Equals(CertificationData? other) => other is not null && Type == other.Type && ByteFields.Same(Data, other.Data);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, ByteFields.Hash(Data));
}
