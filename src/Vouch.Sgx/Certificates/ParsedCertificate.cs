using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vouch.Sgx.Certificates;

/// <summary>
/// An X.509 v1–v3 certificate with an EC (named-curve) subject key, read strictly from DER, with the
/// fields the DCAP chain checks need taken from the certificate's own bytes.
/// </summary>
/// <remarks>
/// The fields come from our own reading of the TBSCertificate (RFC 5280 §4.1) rather than from
/// <see cref="X509Certificate2"/>, whose dates are local <see cref="DateTime"/>s and which does not
/// expose the raw issuer and subject encodings the CRL and chain checks compare byte for byte.
/// A failure maps to <see cref="ErrorCode.CertificateMalformed"/>.
/// </remarks>
/// <param name="Certificate">The platform certificate object, loaded from the same bytes.</param>
/// <param name="Signed">The outer signed structure (TBSCertificate, algorithm, signature).</param>
/// <param name="IssuerRaw">The DER of the issuer Name.</param>
/// <param name="SubjectRaw">The DER of the subject Name.</param>
/// <param name="SerialNumber">
/// The serial number as an unsigned big-endian magnitude: the DER content octets with the sign byte
/// (a leading <c>0x00</c>) removed; zero is a single <c>0x00</c>. Negative serials are rejected.
/// </param>
/// <param name="SubjectPublicKey">The subject key as an uncompressed point <c>04‖X‖Y</c>.</param>
/// <param name="NotBefore">Start of validity (UTC).</param>
/// <param name="NotAfter">End of validity (UTC).</param>
/// <param name="SubjectCommonName">The subject's first commonName; empty when there is none.</param>
/// <param name="IsCa">The BasicConstraints cA flag; <see langword="false"/> without the extension.</param>
/// <param name="HasBasicConstraints">Whether the BasicConstraints extension is present.</param>
/// <param name="KeyUsage">The KeyUsage bits; <see langword="null"/> without the extension.</param>
public sealed record ParsedCertificate(
    X509Certificate2 Certificate,
#pragma warning disable CA1720 // 'Signed' is the agreed public name: the signed structure, not the keyword type.
    SignedAsn1 Signed,
#pragma warning restore CA1720
    ReadOnlyMemory<byte> IssuerRaw,
    ReadOnlyMemory<byte> SubjectRaw,
    ReadOnlyMemory<byte> SerialNumber,
    ReadOnlyMemory<byte> SubjectPublicKey,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string SubjectCommonName,
    bool IsCa,
    bool HasBasicConstraints,
    X509KeyUsageFlags? KeyUsage)
{
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    private ECDsa? _publicKey;

    /// <summary>
    /// The subject public key, created once and cached: by <see cref="TryParse"/>, which so checks that
    /// the point lies on its curve, or from <see cref="Certificate"/> on first use for an instance built
    /// otherwise. It is owned by this instance: do not dispose it.
    /// </summary>
    /// <exception cref="CryptographicException">The certificate's key is not an EC key (never for an instance from <see cref="TryParse"/>, which checks it).</exception>
    public ECDsa PublicKey
    {
        get
        {
            if (_publicKey is { } key)
            {
                return key;
            }

            var created = Certificate.GetECDsaPublicKey() ?? throw new CryptographicException("The certificate's key is not an EC key.");
            var winner = Interlocked.CompareExchange(ref _publicKey, created, null);
            if (winner is not null)
            {
                created.Dispose();
                return winner;
            }

            return created;
        }
    }

    /// <summary>Whether the issuer and subject Names have the same DER encoding.</summary>
    public bool IsSelfIssued => IssuerRaw.Span.SequenceEqual(SubjectRaw.Span);

    /// <summary>
    /// <see cref="SerialNumber"/> as lower-case hex without leading zeros: the form of
    /// <see cref="Collateral.Crl.RevokedSerials"/> and of <c>pck.serial</c> in the vectors' <c>expected.json</c>.
    /// </summary>
    public string SerialNumberHex => Der.MagnitudeToHex(SerialNumber.Span);

    /// <summary>The issuer's first commonName; empty when there is none.</summary>
    public string IssuerCommonName { get; init; } = string.Empty;

    /// <summary>The OIDs of every extension the certificate carries, in no particular order.</summary>
    public IReadOnlySet<string> ExtensionOids { get; init; } = new HashSet<string>();

    /// <summary>The SubjectKeyIdentifier value; <see langword="null"/> without the extension.</summary>
    public ReadOnlyMemory<byte>? SubjectKeyIdentifier { get; init; }

    /// <summary>The keyIdentifier of the AuthorityKeyIdentifier extension; <see langword="null"/> when absent.</summary>
    public ReadOnlyMemory<byte>? AuthorityKeyIdentifier { get; init; }

    /// <summary>
    /// Parses a DER certificate strictly: the outer structure as <see cref="SignedAsn1.TryRead"/>, the
    /// TBSCertificate under DER rules with no trailing bytes at any level, the inner signature
    /// algorithm equal to the outer one (RFC 5280 §4.1.1.2), a non-negative serial, an
    /// <c>id-ecPublicKey</c> subject key on a named curve as an uncompressed point that lies on the
    /// curve, extensions only in v3 and each at most once, and well-formed BasicConstraints,
    /// KeyUsage, SubjectKeyIdentifier and AuthorityKeyIdentifier values. Never throws for bad input.
    /// </summary>
    /// <param name="der">The certificate; copied, so later changes to the caller's buffer do not matter.</param>
    /// <param name="cert">The certificate; <see langword="null"/> on failure.</param>
    /// <param name="error">Why the input was rejected; <see langword="null"/> on success.</param>
    /// <returns>Whether the input is such a certificate.</returns>
    public static bool TryParse(ReadOnlyMemory<byte> der, [NotNullWhen(true)] out ParsedCertificate? cert, [NotNullWhen(false)] out string? error)
    {
        cert = null;
        try
        {
            cert = Parse(der.ToArray());
            error = null;
            return true;
        }
        catch (AsnContentException ex)
        {
            error = "certificate: " + ex.Message;
            return false;
        }
        catch (CryptographicException ex)
        {
            error = "certificate: " + ex.Message;
            return false;
        }
    }

    private static ParsedCertificate Parse(byte[] der)
    {
        var signed = SignedAsn1.Read(der);
        var tbs = new AsnReader(signed.ToBeSigned, AsnEncodingRules.DER).ReadSequence();

        // RFC 5280 §4.1.2.1: version [0] EXPLICIT DEFAULT v1; DER omits v1, so an explicit 0 is not DER.
        var version = 0;
        var versionTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (tbs.PeekTag().HasSameClassAndValue(versionTag))
        {
            var versionReader = tbs.ReadSequence(versionTag);
            if (!versionReader.TryReadInt32(out version) || version is < 1 or > 2)
            {
                throw new AsnContentException("the version is not v2 or v3");
            }

            versionReader.ThrowIfNotEmpty();
        }

        var serial = tbs.ReadIntegerBytes().Span;
        if ((serial[0] & 0x80) != 0)
        {
            // RFC 5280 §4.1.2.2: the serial MUST be positive.
            throw new AsnContentException("the serial number is negative");
        }

        var serialMagnitude = serial.Length > 1 && serial[0] == 0 ? serial[1..].ToArray() : serial.ToArray();

        var (_, innerAlgorithm) = Der.ReadAlgorithmIdentifier(tbs);
        if (!innerAlgorithm.Span.SequenceEqual(signed.SignatureAlgorithm.Span))
        {
            // RFC 5280 §4.1.1.2: signatureAlgorithm MUST equal the signature field of the TBSCertificate.
            throw new AsnContentException("the signature algorithm inside the signed part differs from the outer one");
        }

        var (issuerRaw, issuerCommonName) = Der.ReadName(tbs);

        var validity = tbs.ReadSequence();
        var notBefore = Der.ReadTime(validity);
        var notAfter = Der.ReadTime(validity);
        validity.ThrowIfNotEmpty();

        var (subjectRaw, subjectCommonName) = Der.ReadName(tbs);
        var (subjectPublicKey, curve) = ReadEcSubjectPublicKey(tbs);

        // issuerUniqueID [1] and subjectUniqueID [2] (v2 and v3 only) carry nothing we use.
        foreach (var uniqueIdNumber in new[] { 1, 2 })
        {
            var uniqueIdTag = new Asn1Tag(TagClass.ContextSpecific, uniqueIdNumber);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(uniqueIdTag))
            {
                if (version < 1)
                {
                    throw new AsnContentException("a v1 certificate has a unique identifier");
                }

                _ = tbs.ReadBitString(out _, uniqueIdTag);
            }
        }

        var extensions = new List<DerExtension>();
        var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(extensionsTag))
        {
            if (version != 2)
            {
                throw new AsnContentException("a certificate before v3 has extensions");
            }

            var explicitExtensions = tbs.ReadSequence(extensionsTag);
            extensions = Der.ReadExtensions(explicitExtensions);
            explicitExtensions.ThrowIfNotEmpty();
        }

        tbs.ThrowIfNotEmpty();

        var isCa = false;
        var hasBasicConstraints = false;
        X509KeyUsageFlags? keyUsage = null;
        ReadOnlyMemory<byte>? subjectKeyIdentifier = null;
        ReadOnlyMemory<byte>? authorityKeyIdentifier = null;
        foreach (var extension in extensions)
        {
            switch (extension.Oid)
            {
                case Der.BasicConstraintsOid:
                    hasBasicConstraints = true;
                    isCa = ReadBasicConstraints(extension.Value);
                    break;
                case Der.KeyUsageOid:
                    keyUsage = ReadKeyUsage(extension.Value);
                    break;
                case Der.SubjectKeyIdentifierOid:
                    subjectKeyIdentifier = ReadOctetString(extension.Value);
                    break;
                case Der.AuthorityKeyIdentifierOid:
                    authorityKeyIdentifier = Der.ReadAuthorityKeyIdentifier(extension.Value);
                    break;
                default:
                    break;
            }
        }

        // Create the key now, so that a point that is not on its curve fails here and not at first use.
        var fieldSize = (subjectPublicKey.Length - 1) / 2;
        if (!EcdsaVerifier.TryCreatePublicKey(curve, subjectPublicKey.AsSpan(1, fieldSize), subjectPublicKey.AsSpan(1 + fieldSize), out var key))
        {
            throw new AsnContentException("the subject key is not a point on its curve");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw;
        }

        return new ParsedCertificate(
            certificate,
            signed,
            issuerRaw,
            subjectRaw,
            serialMagnitude,
            subjectPublicKey,
            notBefore,
            notAfter,
            subjectCommonName,
            isCa,
            hasBasicConstraints,
            keyUsage)
        {
            IssuerCommonName = issuerCommonName,
            ExtensionOids = extensions.Select(e => e.Oid).ToHashSet(StringComparer.Ordinal),
            SubjectKeyIdentifier = subjectKeyIdentifier,
            AuthorityKeyIdentifier = authorityKeyIdentifier,
            _publicKey = key,
        };
    }

    /// <summary>
    /// Reads a SubjectPublicKeyInfo that must be <c>id-ecPublicKey</c> with a namedCurve (RFC 5480 §2.1.1)
    /// and an uncompressed point of the curve's size, and returns the point.
    /// </summary>
    private static (byte[] Point, ECCurve Curve) ReadEcSubjectPublicKey(AsnReader tbs)
    {
        var spki = tbs.ReadSequence();
        var algorithm = spki.ReadSequence();
        var algorithmOid = algorithm.ReadObjectIdentifier();
        if (algorithmOid != EcPublicKeyOid)
        {
            throw new AsnContentException("the subject key is not an EC key");
        }

        var curveOid = algorithm.ReadObjectIdentifier();
        algorithm.ThrowIfNotEmpty();
        if (!spki.TryReadPrimitiveBitString(out var unusedBits, out var point) || unusedBits != 0)
        {
            throw new AsnContentException("the subject key is not a whole-byte primitive BIT STRING");
        }

        spki.ThrowIfNotEmpty();
        var (fieldSize, curve) = curveOid switch
        {
            "1.2.840.10045.3.1.7" => (32, ECCurve.NamedCurves.nistP256),
            "1.3.132.0.34" => (48, ECCurve.NamedCurves.nistP384),
            "1.3.132.0.35" => (66, ECCurve.NamedCurves.nistP521),
            _ => throw new AsnContentException("the subject key's curve is not P-256, P-384 or P-521"),
        };
        var span = point.Span;
        if (span.Length != 1 + (2 * fieldSize) || span[0] != 0x04)
        {
            throw new AsnContentException("the subject key is not an uncompressed point of its curve");
        }

        return (span.ToArray(), curve);
    }

    /// <summary>BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } (RFC 5280 §4.2.1.9).</summary>
    private static bool ReadBasicConstraints(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        var sequence = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var isCa = false;
        if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
        {
            isCa = sequence.ReadBoolean();
            if (!isCa)
            {
                throw new AsnContentException("BasicConstraints encodes the DEFAULT cA FALSE");
            }
        }

        if (sequence.HasData && (!sequence.TryReadUInt32(out _)))
        {
            throw new AsnContentException("the BasicConstraints path length is not a non-negative INTEGER");
        }

        sequence.ThrowIfNotEmpty();
        return isCa;
    }

    /// <summary>
    /// KeyUsage ::= BIT STRING (RFC 5280 §4.2.1.3). <see cref="X509KeyUsageFlags"/> maps bit 0 (digitalSignature)
    /// to 0x80 down to bit 7 (encipherOnly) at 0x01, and bit 8 (decipherOnly) to 0x8000.
    /// </summary>
    private static X509KeyUsageFlags ReadKeyUsage(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        if (!reader.TryReadPrimitiveBitString(out _, out var bits))
        {
            throw new AsnContentException("KeyUsage is not a primitive BIT STRING");
        }

        reader.ThrowIfNotEmpty();
        var span = bits.Span;
        if (span.Length > 2 || (span.Length == 2 && (span[1] & 0x7F) != 0))
        {
            throw new AsnContentException("KeyUsage has more than nine bits");
        }

        var flags = span.Length > 0 ? span[0] : 0;
        if (span.Length > 1)
        {
            flags |= span[1] << 8;
        }

        return (X509KeyUsageFlags)flags;
    }

    private static ReadOnlyMemory<byte> ReadOctetString(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        if (!reader.TryReadPrimitiveOctetString(out var content))
        {
            throw new AsnContentException("an OCTET STRING is not primitive");
        }

        reader.ThrowIfNotEmpty();
        return content;
    }
}
