using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Numerics;
using Vouch.Sgx.Certificates;

namespace Vouch.Sgx.Collateral;

/// <summary>
/// An X.509 v2 CRL (RFC 5280 §5) read strictly from DER: the Intel SGX Root CA CRL or a PCK CRL of the
/// Platform or Processor CA (dcap-verification §2.2 step 5, §3.5). A failure maps to <see cref="ErrorCode.CrlMalformed"/>.
/// </summary>
/// <remarks>
/// This reader is hand-written on <see cref="AsnReader"/> because the BCL's
/// <see cref="System.Security.Cryptography.X509Certificates.CertificateRevocationListBuilder.Load(byte[], out BigInteger)"/>
/// is an editing API: it neither verifies the signature nor exposes the issuer, thisUpdate, nextUpdate or
/// the list of revoked serials, all of which the PCK chain check needs. Parsing checks syntax only; the
/// verifier checks the issuer (<see cref="IsIssuerOf"/>), the signature (<see cref="VerifySignature"/>),
/// the validity window and revocation (<see cref="IsRevoked"/>).
/// </remarks>
/// <param name="Raw">The whole DER CRL.</param>
/// <param name="Signed">The outer signed structure (TBSCertList, algorithm, signature).</param>
/// <param name="IssuerRaw">The DER of the issuer Name, compared byte for byte with the issuing certificate's subject.</param>
/// <param name="IssuerCommonName">The issuer's first commonName; empty when there is none.</param>
/// <param name="ThisUpdate">thisUpdate (UTC).</param>
/// <param name="NextUpdate">nextUpdate (UTC); <see langword="null"/> when absent.</param>
/// <param name="CrlNumber">The cRLNumber extension; never <see langword="null"/> for a CRL from <see cref="TryParse"/>, which requires it.</param>
/// <param name="HasAuthorityKeyIdentifier">Whether the authorityKeyIdentifier extension is present; always <see langword="true"/> for a CRL from <see cref="TryParse"/>.</param>
/// <param name="RevokedSerials">
/// The revoked serial numbers as lower-case hex of the magnitude without leading zeros, the form of
/// <see cref="ParsedCertificate.SerialNumberHex"/> (a non-conforming negative serial keeps a <c>-</c> sign and so matches no certificate).
/// </param>
public sealed partial record Crl(
    ReadOnlyMemory<byte> Raw,
#pragma warning disable CA1720 // 'Signed' is the agreed public name: the signed structure, not the keyword type.
    SignedAsn1 Signed,
#pragma warning restore CA1720
    ReadOnlyMemory<byte> IssuerRaw,
    string IssuerCommonName,
    DateTimeOffset ThisUpdate,
    DateTimeOffset? NextUpdate,
    BigInteger? CrlNumber,
    bool HasAuthorityKeyIdentifier,
    IReadOnlySet<string> RevokedSerials)
{
    /// <summary>The keyIdentifier of the authorityKeyIdentifier extension; <see langword="null"/> when that field is absent.</summary>
    public ReadOnlyMemory<byte>? AuthorityKeyIdentifier { get; init; }

    /// <summary>
    /// Parses a DER CRL strictly: the outer structure as <see cref="SignedAsn1.TryRead"/> (no trailing
    /// bytes), then the TBSCertList under DER rules:
    /// <list type="bullet">
    /// <item>version present and v2 (RFC 5280 §5.1.2.1: required when extensions are used, as they must be here);</item>
    /// <item>the inner signature algorithm equal to the outer one (§5.1.1.2);</item>
    /// <item>thisUpdate and an optional nextUpdate as UTCTime or GeneralizedTime;</item>
    /// <item>optional revoked entries, each a serial, a revocation date and optional entry extensions;</item>
    /// <item>crlExtensions with cRLNumber and authorityKeyIdentifier, both required because Intel QVL
    /// requires them (dcap-verification §2.2 step 5), so a CRL without them is rejected here;</item>
    /// <item>no critical CRL or entry extension other than those understood here (§5.2, §5.3: a CRL
    /// with an unprocessable critical extension must not be used), which rules out delta and indirect CRLs;</item>
    /// <item>no extension twice in one list, and no bytes left over at any level.</item>
    /// </list>
    /// Never throws for bad input.
    /// </summary>
    /// <param name="der">The DER CRL (see <see cref="NormalizeEncoding"/> for PEM or hex); copied, so later changes to the caller's buffer do not matter.</param>
    /// <param name="crl">The CRL; <see langword="null"/> on failure.</param>
    /// <param name="error">Why the input was rejected; <see langword="null"/> on success.</param>
    /// <returns>Whether the input is such a CRL.</returns>
    public static bool TryParse(ReadOnlyMemory<byte> der, [NotNullWhen(true)] out Crl? crl, [NotNullWhen(false)] out string? error)
    {
        crl = null;
        try
        {
            crl = Parse(der.ToArray());
            error = null;
            return true;
        }
        catch (AsnContentException ex)
        {
            error = "CRL: " + ex.Message;
            return false;
        }
    }

    /// <summary>
    /// Whether the certificate's serial number is listed. This looks at the serial only: the caller
    /// must first establish with <see cref="IsIssuerOf"/> that this CRL covers the certificate.
    /// </summary>
    /// <param name="certificate">The certificate to look up.</param>
    /// <returns>Whether <see cref="RevokedSerials"/> holds its serial.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="certificate"/> is <see langword="null"/>.</exception>
    public bool IsRevoked(ParsedCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return RevokedSerials.Contains(certificate.SerialNumberHex);
    }

    /// <summary>Whether this CRL's issuer Name is byte for byte the certificate's issuer Name (as Intel QVL compares them).</summary>
    /// <param name="certificate">The certificate whose revocation status is wanted.</param>
    /// <returns>Whether the CRL is from the certificate's issuer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="certificate"/> is <see langword="null"/>.</exception>
    public bool IsIssuerOf(ParsedCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return IssuerRaw.Span.SequenceEqual(certificate.IssuerRaw.Span);
    }

    /// <summary>Verifies the CRL signature with the issuer certificate's key (<see cref="SignedAsn1.VerifySignature"/>).</summary>
    /// <param name="issuer">The issuing CA certificate.</param>
    /// <returns>Whether the signature verifies.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="issuer"/> is <see langword="null"/>.</exception>
    public bool VerifySignature(ParsedCertificate issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        return Signed.VerifySignature(issuer.PublicKey);
    }

    private static Crl Parse(byte[] der)
    {
        var signed = SignedAsn1.Read(der);
        var tbs = new AsnReader(signed.ToBeSigned, AsnEncodingRules.DER).ReadSequence();

        // RFC 5280 §5.1.2.1: Version OPTIONAL, and MUST be v2 (INTEGER 1) when extensions are used.
        if (!tbs.HasData || !tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            throw new AsnContentException("the version is absent (a v1 CRL)");
        }

        if (!tbs.TryReadInt32(out var version) || version != 1)
        {
            throw new AsnContentException("the version is not v2");
        }

        var (_, innerAlgorithm) = Der.ReadAlgorithmIdentifier(tbs);
        if (!innerAlgorithm.Span.SequenceEqual(signed.SignatureAlgorithm.Span))
        {
            // RFC 5280 §5.1.1.2: signatureAlgorithm MUST equal the signature field of the TBSCertList.
            throw new AsnContentException("the signature algorithm inside the signed part differs from the outer one");
        }

        var (issuerRaw, issuerCommonName) = Der.ReadName(tbs);
        var thisUpdate = Der.ReadTime(tbs);
        DateTimeOffset? nextUpdate = null;
        if (tbs.HasData && IsTime(tbs.PeekTag()))
        {
            nextUpdate = Der.ReadTime(tbs);
        }

        var revoked = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            ReadRevokedCertificates(tbs.ReadSequence(), revoked);
        }

        var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (!tbs.HasData || !tbs.PeekTag().HasSameClassAndValue(extensionsTag))
        {
            throw new AsnContentException("crlExtensions are absent");
        }

        var explicitExtensions = tbs.ReadSequence(extensionsTag);
        var extensions = Der.ReadExtensions(explicitExtensions);
        explicitExtensions.ThrowIfNotEmpty();
        tbs.ThrowIfNotEmpty();

        BigInteger? crlNumber = null;
        var hasAuthorityKeyIdentifier = false;
        ReadOnlyMemory<byte>? authorityKeyIdentifier = null;
        foreach (var extension in extensions)
        {
            switch (extension.Oid)
            {
                case Der.CrlNumberOid:
                    crlNumber = ReadCrlNumber(extension.Value);
                    break;
                case Der.AuthorityKeyIdentifierOid:
                    hasAuthorityKeyIdentifier = true;
                    authorityKeyIdentifier = Der.ReadAuthorityKeyIdentifier(extension.Value);
                    break;
                default:
                    if (extension.Critical)
                    {
                        throw new AsnContentException("critical CRL extension " + extension.Oid + " is not supported");
                    }

                    break;
            }
        }

        // Intel QVL requires both (dcap-verification §2.2 step 5, §3.5).
        if (crlNumber is null || !hasAuthorityKeyIdentifier)
        {
            throw new AsnContentException("the cRLNumber or authorityKeyIdentifier extension is missing");
        }

        return new Crl(der, signed, issuerRaw, issuerCommonName, thisUpdate, nextUpdate, crlNumber, hasAuthorityKeyIdentifier, revoked)
        {
            AuthorityKeyIdentifier = authorityKeyIdentifier,
        };
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    /// <summary>
    /// revokedCertificates: SEQUENCE OF SEQUENCE { userCertificate, revocationDate, crlEntryExtensions OPTIONAL }.
    /// Only reasonCode and invalidityDate may be critical entry extensions: anything else critical
    /// (certificateIssuer, which makes the CRL indirect) changes what the entry means.
    /// </summary>
    private static void ReadRevokedCertificates(AsnReader entries, HashSet<string> revoked)
    {
        while (entries.HasData)
        {
            var entry = entries.ReadSequence();
            var serial = entry.ReadIntegerBytes();
            _ = Der.ReadTime(entry);
            if (entry.HasData)
            {
                foreach (var extension in Der.ReadExtensions(entry))
                {
                    if (extension.Critical && extension.Oid is not (Der.CrlReasonOid or Der.InvalidityDateOid))
                    {
                        throw new AsnContentException("critical CRL entry extension " + extension.Oid + " is not supported");
                    }
                }
            }

            entry.ThrowIfNotEmpty();
            revoked.Add(Der.SerialToHex(serial.Span));
        }
    }

    /// <summary>CRLNumber ::= INTEGER (0..MAX) (RFC 5280 §5.2.3).</summary>
    private static BigInteger ReadCrlNumber(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        var number = reader.ReadInteger();
        reader.ThrowIfNotEmpty();
        if (number.Sign < 0)
        {
            throw new AsnContentException("the cRLNumber is negative");
        }

        return number;
    }
}
