using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Vouch.Simulator.Tests;

/// <summary>Test-side X.509 helpers on the BCL only.</summary>
internal static class Pki
{
    public static X509Certificate2[] ParsePemChain(string pem)
    {
        var result = new List<X509Certificate2>();
        var rest = pem.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            result.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(rest.Span[fields.Base64Data].ToString())));
            rest = rest[fields.Location.End..];
        }

        return [.. result];
    }

    public static X509Certificate2[] ParsePemChain(byte[] certificationData) =>
        ParsePemChain(Encoding.ASCII.GetString(certificationData).TrimEnd('\0'));

    /// <summary>The OIDs of the extensions in order, with criticality.</summary>
    public static string[] ExtensionShape(X509Certificate2 certificate) =>
        [.. certificate.Extensions.Select(e => $"{e.Oid!.Value}:{(e.Critical ? "critical" : "-")}")];

    /// <summary>Parsed CRL (TBSCertList) fields, read with AsnReader independently of the simulator.</summary>
    internal sealed record Crl(byte[] Tbs, byte[] SignatureDer, byte[] IssuerRaw, DateTimeOffset ThisUpdate, DateTimeOffset NextUpdate, List<byte[]> RevokedSerials, List<string> ExtensionOids);

    public static Crl ParseCrl(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadEncodedValue().ToArray();
        outer.ReadSequence(); // signature algorithm
        var signature = outer.ReadBitString(out _);
        var t = new AsnReader(tbs, AsnEncodingRules.DER).ReadSequence();
        t.ReadInteger(); // version v2
        t.ReadSequence(); // algorithm
        var issuer = t.ReadEncodedValue().ToArray();
        var thisUpdate = t.PeekTag().TagValue == (int)UniversalTagNumber.UtcTime ? t.ReadUtcTime() : t.ReadGeneralizedTime();
        var nextUpdate = t.PeekTag().TagValue == (int)UniversalTagNumber.UtcTime ? t.ReadUtcTime() : t.ReadGeneralizedTime();
        var serials = new List<byte[]>();
        if (t.HasData && t.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var list = t.ReadSequence();
            while (list.HasData)
            {
                var entry = list.ReadSequence();
                serials.Add(entry.ReadIntegerBytes().ToArray());
            }
        }

        var oids = new List<string>();
        if (t.HasData)
        {
            var extensions = t.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
            while (extensions.HasData)
            {
                oids.Add(extensions.ReadSequence().ReadObjectIdentifier());
            }
        }

        return new Crl(tbs, signature, issuer, thisUpdate, nextUpdate, serials, oids);
    }

    public static bool VerifyCrl(Crl crl, X509Certificate2 issuer)
    {
        using var key = issuer.GetECDsaPublicKey()!;
        return key.VerifyData(crl.Tbs, crl.SignatureDer, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>The SGX extension as (OID suffix, universal tag, content bytes), flattened; the TCB and configuration entries expanded.</summary>
    public static List<(string Oid, int Tag, byte[] Value)> SgxExtension(X509Certificate2 leaf)
    {
        var raw = leaf.Extensions["1.2.840.113741.1.13.1"]!.RawData;
        var result = new List<(string, int, byte[])>();
        var outer = new AsnReader(raw, AsnEncodingRules.DER).ReadSequence();
        while (outer.HasData)
        {
            var pair = outer.ReadSequence();
            var oid = pair.ReadObjectIdentifier();
            var tag = pair.PeekTag();
            if (tag.TagValue == (int)UniversalTagNumber.Sequence)
            {
                var inner = pair.ReadSequence();
                while (inner.HasData)
                {
                    var p = inner.ReadSequence();
                    var o = p.ReadObjectIdentifier();
                    var valueTag = p.PeekTag();
                    result.Add((o["1.2.840.113741.1.13.1".Length..], valueTag.TagValue, p.ReadEncodedValue().ToArray()));
                }
            }
            else
            {
                result.Add((oid["1.2.840.113741.1.13.1".Length..], tag.TagValue, pair.ReadEncodedValue().ToArray()));
            }
        }

        return result;
    }
}
