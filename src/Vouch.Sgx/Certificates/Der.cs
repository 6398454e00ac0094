using System.Formats.Asn1;
using System.Numerics;
using Vouch.Sgx.Primitives;

namespace Vouch.Sgx.Certificates;

/// <summary>One X.509 extension as read from DER: the value is the content of its extnValue OCTET STRING.</summary>
internal readonly record struct DerExtension(string Oid, bool Critical, ReadOnlyMemory<byte> Value);

/// <summary>
/// Strict DER readers for the X.509 pieces that certificates and CRLs share (RFC 5280 §4.1, §5.1).
/// Every reader throws <see cref="AsnContentException"/> on bad input, including semantic errors, so
/// that each public <c>TryParse</c> translates exactly one exception type at its boundary.
/// </summary>
internal static class Der
{
    public const string CommonNameOid = "2.5.4.3";
    public const string SubjectKeyIdentifierOid = "2.5.29.14";
    public const string KeyUsageOid = "2.5.29.15";
    public const string BasicConstraintsOid = "2.5.29.19";
    public const string CrlNumberOid = "2.5.29.20";
    public const string CrlReasonOid = "2.5.29.21";
    public const string InvalidityDateOid = "2.5.29.24";
    public const string AuthorityKeyIdentifierOid = "2.5.29.35";

    /// <summary>Reads a <c>Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }</c> (RFC 5280 §4.1.2.5).</summary>
    public static DateTimeOffset ReadTime(AsnReader reader)
    {
        var tag = reader.PeekTag();
        if (tag.HasSameClassAndValue(Asn1Tag.UtcTime))
        {
            // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, YY < 50 is 20YY.
            return reader.ReadUtcTime(twoDigitYearMax: 2049);
        }

        if (tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime))
        {
            return reader.ReadGeneralizedTime();
        }

        throw new AsnContentException("a time is neither UTCTime nor GeneralizedTime");
    }

    /// <summary>Reads an AlgorithmIdentifier and returns its OID and its raw DER.</summary>
    public static (string Oid, ReadOnlyMemory<byte> Raw) ReadAlgorithmIdentifier(AsnReader reader)
    {
        var raw = reader.ReadEncodedValue();
        var sequence = new AsnReader(raw, AsnEncodingRules.DER).ReadSequence();
        var oid = sequence.ReadObjectIdentifier();
        if (sequence.HasData)
        {
            // parameters ANY DEFINED BY algorithm OPTIONAL: at most one element.
            _ = sequence.ReadEncodedValue();
        }

        sequence.ThrowIfNotEmpty();
        return (oid, raw);
    }

    /// <summary>Reads a Name, returning its raw DER and the first commonName (empty when there is none).</summary>
    public static (ReadOnlyMemory<byte> Raw, string CommonName) ReadName(AsnReader reader)
    {
        var raw = reader.ReadEncodedValue();
        var rdnSequence = new AsnReader(raw, AsnEncodingRules.DER).ReadSequence(Asn1Tag.Sequence);
        string? commonName = null;
        while (rdnSequence.HasData)
        {
            var rdn = rdnSequence.ReadSetOf();
            if (!rdn.HasData)
            {
                throw new AsnContentException("an RDN is empty");
            }

            while (rdn.HasData)
            {
                var attribute = rdn.ReadSequence();
                var type = attribute.ReadObjectIdentifier();
                var value = attribute.ReadEncodedValue();
                attribute.ThrowIfNotEmpty();
                if (type == CommonNameOid && commonName is null)
                {
                    commonName = ReadDirectoryString(value);
                }
            }
        }

        return (raw, commonName ?? string.Empty);
    }

    /// <summary>Reads the text of a DirectoryString-like value in one of the string types X.509 names use.</summary>
    private static string ReadDirectoryString(ReadOnlyMemory<byte> encoded)
    {
        var reader = new AsnReader(encoded, AsnEncodingRules.DER);
        var tag = reader.PeekTag();
        if (tag.TagClass != TagClass.Universal)
        {
            throw new AsnContentException("a name attribute is not a universal string type");
        }

        var text = (UniversalTagNumber)tag.TagValue switch
        {
            UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String
                or UniversalTagNumber.BMPString or UniversalTagNumber.T61String
                => reader.ReadCharacterString((UniversalTagNumber)tag.TagValue),
            _ => throw new AsnContentException("a name attribute has an unsupported string type"),
        };
        reader.ThrowIfNotEmpty();
        return text;
    }

    /// <summary>
    /// Reads <c>Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension</c>. Rejects an empty list, a
    /// repeated extension (RFC 5280 §4.2: "MUST NOT include more than one instance") and an explicitly
    /// encoded <c>critical FALSE</c> (DER omits a DEFAULT value, X.690 §11.5).
    /// </summary>
    public static List<DerExtension> ReadExtensions(AsnReader reader)
    {
        var sequence = reader.ReadSequence();
        if (!sequence.HasData)
        {
            throw new AsnContentException("the extension list is empty");
        }

        var extensions = new List<DerExtension>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (sequence.HasData)
        {
            var extension = sequence.ReadSequence();
            var oid = extension.ReadObjectIdentifier();
            var critical = false;
            if (extension.HasData && extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
            {
                critical = extension.ReadBoolean();
                if (!critical)
                {
                    throw new AsnContentException("an extension encodes the DEFAULT critical FALSE");
                }
            }

            if (!extension.TryReadPrimitiveOctetString(out var value))
            {
                throw new AsnContentException("an extension value is not a primitive OCTET STRING");
            }

            extension.ThrowIfNotEmpty();
            if (!seen.Add(oid))
            {
                throw new AsnContentException("extension " + oid + " appears more than once");
            }

            extensions.Add(new DerExtension(oid, critical, value));
        }

        return extensions;
    }

    /// <summary>
    /// Reads the keyIdentifier of an AuthorityKeyIdentifier extension value (RFC 5280 §4.2.1.1);
    /// <see langword="null"/> when the optional field is absent.
    /// </summary>
    public static ReadOnlyMemory<byte>? ReadAuthorityKeyIdentifier(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        var sequence = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        ReadOnlyMemory<byte>? keyIdentifier = null;
        var keyIdTag = new Asn1Tag(TagClass.ContextSpecific, 0);
        if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(keyIdTag))
        {
            if (!sequence.TryReadPrimitiveOctetString(out var id, keyIdTag))
            {
                throw new AsnContentException("the authority key identifier is not primitive");
            }

            keyIdentifier = id;
        }

        var issuerTag = new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true);
        var serialTag = new Asn1Tag(TagClass.ContextSpecific, 2);
        if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(issuerTag))
        {
            _ = sequence.ReadEncodedValue();
        }

        if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(serialTag))
        {
            _ = sequence.ReadIntegerBytes(serialTag);
        }

        sequence.ThrowIfNotEmpty();
        return keyIdentifier;
    }

    /// <summary>
    /// The normalised text of a serial number: lower-case hex of the magnitude without leading zeros
    /// (<c>"0"</c> for zero), prefixed with <c>-</c> for a (non-conforming) negative value.
    /// </summary>
    /// <param name="integerContent">The DER content octets of the INTEGER (two's complement, minimal).</param>
    public static string SerialToHex(ReadOnlySpan<byte> integerContent)
    {
        if (!integerContent.IsEmpty && (integerContent[0] & 0x80) != 0)
        {
            var magnitude = BigInteger.Abs(new BigInteger(integerContent, isUnsigned: false, isBigEndian: true));
            return "-" + MagnitudeToHex(magnitude.ToByteArray(isUnsigned: true, isBigEndian: true));
        }

        return MagnitudeToHex(integerContent);
    }

    /// <summary>Lower-case hex of an unsigned big-endian magnitude without leading zeros (<c>"0"</c> for zero).</summary>
    public static string MagnitudeToHex(ReadOnlySpan<byte> magnitude)
    {
        var hex = Hex.ToLower(magnitude).TrimStart('0');
        return hex.Length == 0 ? "0" : hex;
    }
}
