using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vouch.Sgx.Tests.Certificates;

/// <summary>
/// Writes certificates and CRLs with <see cref="AsnWriter"/>, independently of the readers under test,
/// with one named switch per fault so that each negative test flips exactly one. Signs with a real
/// ECDSA key, so a structure without a fault verifies. Test-only.
/// </summary>
internal static class TestDerWriter
{
    public const string EcdsaSha256 = "1.2.840.10045.4.3.2";

    public static readonly DateTimeOffset ThisUpdate = new(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset NextUpdate = new(2026, 8, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An extension as written: <paramref name="Critical"/> null omits the BOOLEAN.</summary>
    public sealed record Extension(string Oid, bool? Critical, byte[] Value);

    public sealed class CertificateSpec
    {
        public int? Version { get; set; } = 2;
        public byte[] Serial { get; set; } = [0x01, 0x23];
        public string InnerAlgorithm { get; set; } = EcdsaSha256;
        public bool UseGeneralizedTime { get; set; }
        public string Subject { get; set; } = "CN=Vouch Writer Leaf, O=Vouch";
        public byte[]? SubjectPublicKeyInfo { get; set; }
        public List<Extension>? Extensions { get; set; } = [BasicConstraints(ca: false), KeyUsage(0x80)];
    }

    public sealed class CrlSpec
    {
        public int? Version { get; set; } = 1;
        public string InnerAlgorithm { get; set; } = EcdsaSha256;
        public bool OmitNextUpdate { get; set; }
        public bool UseGeneralizedTime { get; set; }
        public bool EmptyRevokedList { get; set; }
        public List<(byte[] Serial, List<Extension>? Extensions)> Revoked { get; set; } = [([0x12, 0x34], null), ([0x00, 0x99], [new Extension("2.5.29.21", null, [0x0a, 0x01, 0x01])])];
        public bool OmitCrlExtensions { get; set; }
        public bool OmitCrlNumber { get; set; }
        public bool OmitAuthorityKeyIdentifier { get; set; }
        public List<Extension> ExtraCrlExtensions { get; set; } = [];
        public bool ExtraElementInTbs { get; set; }
    }

    public static Extension BasicConstraints(bool ca)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            if (ca)
            {
                writer.WriteBoolean(true);
            }
        }

        return new Extension("2.5.29.19", true, writer.Encode());
    }

    public static Extension KeyUsage(byte bits)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteBitString([bits], unusedBitCount: bits == 0x80 ? 7 : 0);
        return new Extension("2.5.29.15", true, writer.Encode());
    }

    public static Extension CrlNumber(BigInteger number)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteInteger(number);
        return new Extension("2.5.29.20", null, writer.Encode());
    }

    public static Extension AuthorityKeyIdentifier(byte[] keyId)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteOctetString(keyId, new Asn1Tag(TagClass.ContextSpecific, 0));
        }

        return new Extension("2.5.29.35", null, writer.Encode());
    }

    public static byte[] Certificate(CertificateSpec spec, ECDsa issuerKey, ECDsa? subjectKey = null)
    {
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            if (spec.Version is { } version)
            {
                using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                {
                    tbs.WriteInteger(version);
                }
            }

            tbs.WriteInteger(spec.Serial);
            WriteAlgorithm(tbs, spec.InnerAlgorithm);
            tbs.WriteEncodedValue(new X500DistinguishedName("CN=Vouch Writer CA, O=Vouch").RawData);
            using (tbs.PushSequence())
            {
                WriteTime(tbs, ThisUpdate, spec.UseGeneralizedTime);
                WriteTime(tbs, NextUpdate.AddYears(5), spec.UseGeneralizedTime);
            }

            tbs.WriteEncodedValue(new X500DistinguishedName(spec.Subject).RawData);
            tbs.WriteEncodedValue(spec.SubjectPublicKeyInfo ?? (subjectKey ?? issuerKey).ExportSubjectPublicKeyInfo());
            if (spec.Extensions is { } extensions)
            {
                using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true)))
                {
                    WriteExtensions(tbs, extensions);
                }
            }
        }

        return Sign(tbs.Encode(), issuerKey);
    }

    public static byte[] Crl(CrlSpec spec, ECDsa issuerKey, X500DistinguishedName issuer)
    {
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            if (spec.Version is { } version)
            {
                tbs.WriteInteger(version);
            }

            WriteAlgorithm(tbs, spec.InnerAlgorithm);
            tbs.WriteEncodedValue(issuer.RawData);
            WriteTime(tbs, ThisUpdate, spec.UseGeneralizedTime);
            if (!spec.OmitNextUpdate)
            {
                WriteTime(tbs, NextUpdate, spec.UseGeneralizedTime);
            }

            if (spec.Revoked.Count > 0 || spec.EmptyRevokedList)
            {
                using (tbs.PushSequence())
                {
                    foreach (var (serial, extensions) in spec.Revoked)
                    {
                        using (tbs.PushSequence())
                        {
                            tbs.WriteInteger(serial);
                            WriteTime(tbs, ThisUpdate.AddDays(-1), spec.UseGeneralizedTime);
                            if (extensions is not null)
                            {
                                WriteExtensions(tbs, extensions);
                            }
                        }
                    }
                }
            }

            if (!spec.OmitCrlExtensions)
            {
                using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                {
                    var extensions = new List<Extension>();
                    if (!spec.OmitAuthorityKeyIdentifier)
                    {
                        extensions.Add(AuthorityKeyIdentifier([0xaa, 0xbb, 0xcc]));
                    }

                    if (!spec.OmitCrlNumber)
                    {
                        extensions.Add(CrlNumber(42));
                    }

                    extensions.AddRange(spec.ExtraCrlExtensions);
                    WriteExtensions(tbs, extensions);
                }
            }

            if (spec.ExtraElementInTbs)
            {
                tbs.WriteNull();
            }
        }

        return Sign(tbs.Encode(), issuerKey);
    }

    private static byte[] Sign(byte[] tbs, ECDsa key)
    {
        var signature = key.SignData(tbs, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(tbs);
            WriteAlgorithm(writer, EcdsaSha256);
            writer.WriteBitString(signature);
        }

        return writer.Encode();
    }

    private static void WriteAlgorithm(AsnWriter writer, string oid)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
        }
    }

    private static void WriteTime(AsnWriter writer, DateTimeOffset time, bool generalized)
    {
        if (generalized)
        {
            writer.WriteGeneralizedTime(time, omitFractionalSeconds: true);
        }
        else
        {
            writer.WriteUtcTime(time);
        }
    }

    private static void WriteExtensions(AsnWriter writer, List<Extension> extensions)
    {
        using (writer.PushSequence())
        {
            foreach (var extension in extensions)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(extension.Oid);
                    if (extension.Critical is { } critical)
                    {
                        writer.WriteBoolean(critical);
                    }

                    writer.WriteOctetString(extension.Value);
                }
            }
        }
    }
}
