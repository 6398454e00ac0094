using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vouch.Sgx.Certificates;

namespace Vouch.Sgx.Tests.Certificates;

public static class ParsedCertificateTests
{
    [Theory]
    [MemberData(nameof(DcapCases.AllCases), MemberType = typeof(DcapCases))]
    public static void IssuerChains_Parse_AndLinkToTheirRoot(string caseName)
    {
        foreach (var file in new[] { "pck_crl_issuer_chain.pem", "tcb_info_issuer_chain.pem", "qe_identity_issuer_chain.pem" })
        {
            var chain = DcapCases.Chain(caseName, file);
            Assert.Equal(2, chain.Count);
            var (issued, root) = (chain[0], chain[1]);

            Assert.True(root.IsSelfIssued);
            Assert.True(root.IsCa);
            Assert.Contains("SGX Root CA", root.SubjectCommonName, StringComparison.Ordinal);
            Assert.True(root.Signed.VerifySignature(root.PublicKey));
            Assert.False(issued.IsSelfIssued);
            Assert.True(issued.IssuerRaw.Span.SequenceEqual(root.SubjectRaw.Span));
            Assert.True(issued.Signed.VerifySignature(root.PublicKey));
            Assert.False(issued.Signed.VerifySignature(issued.PublicKey));
        }
    }

    [Theory]
    [MemberData(nameof(DcapCases.AllCases), MemberType = typeof(DcapCases))]
    public static void PckChain_FromQuote_ParsesAndLinks(string caseName)
    {
        var parsed = PemChain.TryRead(DcapCases.PckChainPem(caseName), out var chain, out var error);
        if (caseName == DcapCases.TruncatedQuote)
        {
            // The quote ends inside the third PEM block.
            Assert.False(parsed);
            Assert.NotNull(error);
            return;
        }

        Assert.True(parsed, error);
        Assert.NotNull(chain);
        Assert.Equal(3, chain.Count);
        var (leaf, intermediate, root) = (chain[0], chain[1], chain[2]);

        Assert.Contains("SGX PCK Certificate", leaf.SubjectCommonName, StringComparison.Ordinal);
        Assert.False(leaf.IsCa);
        Assert.True(leaf.HasBasicConstraints);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, leaf.KeyUsage);
        Assert.True(intermediate.IsCa);
        Assert.Contains("CA", intermediate.SubjectCommonName, StringComparison.Ordinal);
        Assert.True(root.IsSelfIssued);

        Assert.True(leaf.IssuerRaw.Span.SequenceEqual(intermediate.SubjectRaw.Span));
        Assert.True(intermediate.IssuerRaw.Span.SequenceEqual(root.SubjectRaw.Span));
        Assert.True(leaf.Signed.VerifySignature(intermediate.PublicKey));
        Assert.True(intermediate.Signed.VerifySignature(root.PublicKey));
        Assert.True(root.Signed.VerifySignature(root.PublicKey));

        // dcap-verification §2.2 step 7: the extensions QVL requires on every certificate.
        foreach (var certificate in chain)
        {
            Assert.Superset(new HashSet<string> { "2.5.29.35", "2.5.29.31", "2.5.29.14", "2.5.29.15", "2.5.29.19" }, certificate.ExtensionOids.ToHashSet());
        }

        Assert.Contains("1.2.840.113741.1.13.1", leaf.ExtensionOids);
        Assert.True(leaf.AuthorityKeyIdentifier!.Value.Span.SequenceEqual(intermediate.SubjectKeyIdentifier!.Value.Span));
    }

    [Theory]
    [MemberData(nameof(DcapCases.AllCases), MemberType = typeof(DcapCases))]
    public static void PckLeaf_MatchesExpectedFacts(string caseName)
    {
        var leaf = DcapCases.Leaf(caseName);
        var expected = DcapCases.ExpectedPck(caseName);

        Assert.Equal(expected.GetProperty("issuer_cn").GetString(), leaf.IssuerCommonName);
        Assert.Equal(expected.GetProperty("serial").GetString(), leaf.SerialNumberHex);
        Assert.Equal(ParseTime(expected.GetProperty("not_before").GetString()), leaf.NotBefore);
        Assert.Equal(ParseTime(expected.GetProperty("not_after").GetString()), leaf.NotAfter);
        Assert.Equal(TimeSpan.Zero, leaf.NotBefore.Offset);
        Assert.Equal(65, leaf.SubjectPublicKey.Length);
        Assert.Equal(0x04, leaf.SubjectPublicKey.Span[0]);
        Assert.NotEqual(0, leaf.SerialNumber.Span[0]);
    }

    [Fact]
    public static void TryParse_TrailingByte_Rejected()
    {
        var der = DcapCases.Leaf(DcapCases.Cdsi).Signed.Raw.ToArray();
        byte[] extended = [.. der, 0x00];
        Assert.True(ParsedCertificate.TryParse(der, out _, out _));
        Assert.False(ParsedCertificate.TryParse(extended, out var cert, out var error));
        Assert.Null(cert);
        Assert.NotNull(error);
        Assert.False(SignedAsn1.TryRead(extended, out _, out _));
    }

    [Fact]
    public static void TryParse_EveryTruncation_FailsWithoutThrowing()
    {
        var der = DcapCases.Leaf(DcapCases.Cdsi).Signed.Raw.ToArray();
        for (var length = 0; length < der.Length; length++)
        {
            Assert.False(ParsedCertificate.TryParse(der.AsMemory(0, length), out var cert, out var error), "length " + length.ToString(CultureInfo.InvariantCulture));
            Assert.Null(cert);
            Assert.NotNull(error);
            Assert.False(SignedAsn1.TryRead(der.AsMemory(0, length), out _, out _));
        }
    }

    [Fact]
    public static void VerifySignature_TamperedToBeSigned_Fails()
    {
        var chain = DcapCases.Chain(DcapCases.Cdsi, "pck_crl_issuer_chain.pem");
        var der = chain[0].Signed.Raw.ToArray();

        // Change one letter of the subject's "Intel SGX PCK Platform CA": still valid DER, no longer what was signed.
        var at = der.AsSpan().LastIndexOf("Platform"u8);
        Assert.True(at > 0);
        der[at] = (byte)'Q';

        Assert.True(ParsedCertificate.TryParse(der, out var tampered, out var error), error);
        Assert.False(tampered.Signed.VerifySignature(chain[1].PublicKey));
    }

    [Fact]
    public static void VerifySignature_TamperedSignatureByte_Fails()
    {
        var chain = DcapCases.Chain(DcapCases.Cdsi, "pck_crl_issuer_chain.pem");
        var der = chain[0].Signed.Raw.ToArray();
        der[^1] ^= 0x01;

        Assert.True(ParsedCertificate.TryParse(der, out var tampered, out var error), error);
        Assert.False(tampered.Signed.VerifySignature(chain[1].PublicKey));
    }

    [Fact]
    public static void VerifySignature_UnknownAlgorithm_ReturnsFalse()
    {
        var chain = DcapCases.Chain(DcapCases.Cdsi, "pck_crl_issuer_chain.pem");
        var other = chain[0].Signed with { SignatureAlgorithmOid = "1.2.840.10045.4.3.4" };
        Assert.False(other.VerifySignature(chain[1].PublicKey));
    }

    [Fact]
    public static void TryParse_CertificateRequestLeaf_RoundTrips()
    {
        using var pki = new TestPki();
        byte[] serial = [0x00, 0x9a, 0x01, 0x02, 0x03];
        using var leaf = pki.IssueLeaf(serial);

        Assert.True(ParsedCertificate.TryParse(leaf.RawData, out var parsed, out var error), error);
        Assert.Equal("9a010203", parsed.SerialNumberHex);
        Assert.Equal(new byte[] { 0x9a, 0x01, 0x02, 0x03 }, parsed.SerialNumber.ToArray());
        Assert.Equal(TestPki.NotBefore.AddDays(1), parsed.NotBefore);
        Assert.Equal(TestPki.NotAfter.AddDays(-1), parsed.NotAfter);
        Assert.Equal("Vouch Test Leaf", parsed.SubjectCommonName);
        Assert.Equal("Vouch Test Root CA", parsed.IssuerCommonName);
        Assert.False(parsed.IsCa);
        Assert.True(parsed.HasBasicConstraints);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, parsed.KeyUsage);
        Assert.False(parsed.IsSelfIssued);
        Assert.Equal(leaf.IssuerName.RawData, parsed.IssuerRaw.ToArray());
        Assert.Equal(leaf.SubjectName.RawData, parsed.SubjectRaw.ToArray());
        Assert.Same(parsed.PublicKey, parsed.PublicKey);

        using var rootKey = pki.Root.GetECDsaPublicKey()!;
        Assert.True(parsed.Signed.VerifySignature(rootKey));

        Assert.True(ParsedCertificate.TryParse(pki.Root.RawData, out var root, out error), error);
        Assert.True(root.IsSelfIssued);
        Assert.True(root.IsCa);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, root.KeyUsage);
        Assert.True(parsed.Signed.VerifySignature(root.PublicKey));
        Assert.True(parsed.AuthorityKeyIdentifier!.Value.Span.SequenceEqual(root.SubjectKeyIdentifier!.Value.Span));
    }

    [Fact]
    public static void TryParse_P384Sha384Certificate_VerifiesThroughSha384()
    {
        using var pki = new TestPki(ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384);
        Assert.True(ParsedCertificate.TryParse(pki.Root.RawData, out var root, out var error), error);
        Assert.Equal(SignedAsn1.EcdsaWithSha384Oid, root.Signed.SignatureAlgorithmOid);
        Assert.Equal(97, root.SubjectPublicKey.Length);
        Assert.True(root.Signed.VerifySignature(root.PublicKey));
    }

    [Fact]
    public static void TryParse_RsaCertificate_Rejected()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=rsa", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(TestPki.NotBefore, TestPki.NotAfter);
        Assert.False(ParsedCertificate.TryParse(certificate.RawData, out _, out _));
    }

    [Fact]
    public static void TryParse_WriterBaseline_ParsesAndVerifies()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = TestDerWriter.Certificate(new TestDerWriter.CertificateSpec(), key);
        Assert.True(ParsedCertificate.TryParse(der, out var cert, out var error), error);
        Assert.True(cert.Signed.VerifySignature(key));
        Assert.Equal("123", cert.SerialNumberHex);
        Assert.Equal("Vouch Writer Leaf", cert.SubjectCommonName);
        Assert.Equal(TestDerWriter.ThisUpdate, cert.NotBefore);
    }

    [Theory]
    [InlineData("negative serial")]
    [InlineData("duplicate extension")]
    [InlineData("explicit critical FALSE")]
    [InlineData("explicit cA FALSE")]
    [InlineData("v1 with extensions")]
    [InlineData("explicit version v1")]
    [InlineData("version v4")]
    [InlineData("inner algorithm differs")]
    [InlineData("empty extension list")]
    [InlineData("compressed subject key")]
    [InlineData("subject key not on the curve")]
    [InlineData("KeyUsage not a BIT STRING")]
    public static void TryParse_WriterFault_Rejected(string fault)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spec = new TestDerWriter.CertificateSpec();
        switch (fault)
        {
            case "negative serial":
                spec.Serial = [0x80, 0x01];
                break;
            case "duplicate extension":
                spec.Extensions!.Add(new TestDerWriter.Extension("1.2.3.4", null, [0x05, 0x00]));
                spec.Extensions.Add(new TestDerWriter.Extension("1.2.3.4", null, [0x05, 0x00]));
                break;
            case "explicit critical FALSE":
                spec.Extensions!.Add(new TestDerWriter.Extension("1.2.3.4", false, [0x05, 0x00]));
                break;
            case "explicit cA FALSE":
                spec.Extensions = [new TestDerWriter.Extension("2.5.29.19", true, [0x30, 0x03, 0x01, 0x01, 0x00])];
                break;
            case "v1 with extensions":
                spec.Version = null;
                break;
            case "explicit version v1":
                spec.Version = 0;
                spec.Extensions = null;
                break;
            case "version v4":
                spec.Version = 3;
                break;
            case "inner algorithm differs":
                spec.InnerAlgorithm = "1.2.840.10045.4.3.3";
                break;
            case "empty extension list":
                spec.Extensions = [];
                break;
            case "compressed subject key":
                spec.SubjectPublicKeyInfo = CompressedSubjectPublicKeyInfo(key);
                break;
            case "subject key not on the curve":
                spec.SubjectPublicKeyInfo = key.ExportSubjectPublicKeyInfo();
                spec.SubjectPublicKeyInfo[^1] ^= 0x01;
                break;
            case "KeyUsage not a BIT STRING":
                spec.Extensions = [new TestDerWriter.Extension("2.5.29.15", true, [0x04, 0x01, 0x80])];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault));
        }

        var der = TestDerWriter.Certificate(spec, key);
        Assert.False(ParsedCertificate.TryParse(der, out var cert, out var error));
        Assert.Null(cert);
        Assert.NotNull(error);
    }

    [Fact]
    public static void TryParse_V1WithoutExtensions_Accepted()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = TestDerWriter.Certificate(new TestDerWriter.CertificateSpec { Version = null, Extensions = null }, key);
        Assert.True(ParsedCertificate.TryParse(der, out var cert, out var error), error);
        Assert.False(cert.HasBasicConstraints);
        Assert.False(cert.IsCa);
        Assert.Null(cert.KeyUsage);
        Assert.Empty(cert.ExtensionOids);
    }

    [Fact]
    public static void TryParse_GeneralizedTimeAndNoCommonName_Accepted()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spec = new TestDerWriter.CertificateSpec { UseGeneralizedTime = true, Subject = "O=Vouch, C=US" };
        Assert.True(ParsedCertificate.TryParse(TestDerWriter.Certificate(spec, key), out var cert, out var error), error);
        Assert.Equal(TestDerWriter.ThisUpdate, cert.NotBefore);
        Assert.Equal(TestDerWriter.NextUpdate.AddYears(5), cert.NotAfter);
        Assert.Equal(string.Empty, cert.SubjectCommonName);
    }

    private static byte[] CompressedSubjectPublicKeyInfo(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.10045.2.1");
                writer.WriteObjectIdentifier("1.2.840.10045.3.1.7");
            }

            writer.WriteBitString([(byte)(0x02 | (q.Y![^1] & 1)), .. q.X!]);
        }

        return writer.Encode();
    }

    [Theory]
    [InlineData("no newline at the end", "")]
    [InlineData("the QPL's NUL", "\n\0")]
    [InlineData("CRLF and NULs", "\r\n\0\0\0")]
    public static void PemChain_TolerantTails_Accepted(string label, string tail)
    {
        Assert.NotNull(label);
        var pem = Encoding.ASCII.GetString(DcapCases.Read(DcapCases.Cdsi, "pck_crl_issuer_chain.pem")).TrimEnd();
        Assert.True(PemChain.TryRead(Encoding.ASCII.GetBytes("\r\n " + pem + tail), out var chain, out var error), error);
        Assert.Equal(2, chain.Count);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("only whitespace and NUL")]
    [InlineData("text between blocks")]
    [InlineData("text before")]
    [InlineData("text after")]
    [InlineData("another label")]
    [InlineData("not a certificate inside")]
    [InlineData("non-ASCII")]
    [InlineData("truncated block")]
    public static void PemChain_BadInput_Rejected(string label)
    {
        var pem = Encoding.ASCII.GetString(DcapCases.Read(DcapCases.Cdsi, "pck_crl_issuer_chain.pem")).Trim();
        var blocks = pem.Split("-----END CERTIFICATE-----", StringSplitOptions.None);
        var first = blocks[0] + "-----END CERTIFICATE-----";
        var input = label switch
        {
            "empty" => "",
            "only whitespace and NUL" => " \n\0\r\n",
            "text between blocks" => first + "\nhello\n" + blocks[1].TrimStart() + "-----END CERTIFICATE-----",
            "text before" => "subject=Intel\n" + pem,
            "text after" => pem + "\nx",
            "another label" => pem.Replace("CERTIFICATE", "PUBLIC KEY", StringComparison.Ordinal),
            "not a certificate inside" => PemEncoding.WriteString("CERTIFICATE", [0x30, 0x03, 0x02, 0x01, 0x01]),
            "non-ASCII" => pem + "\n\u00e9",
            "truncated block" => pem[..^40],
            _ => throw new ArgumentOutOfRangeException(nameof(label)),
        };

        Assert.False(PemChain.TryRead(Encoding.UTF8.GetBytes(input), out var chain, out var error));
        Assert.Null(chain);
        Assert.NotNull(error);
    }

    private static DateTimeOffset ParseTime(string? text) =>
        DateTimeOffset.Parse(text!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
