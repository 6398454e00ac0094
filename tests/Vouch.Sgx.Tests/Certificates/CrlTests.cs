using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vouch.Sgx.Certificates;
using Vouch.Sgx.Collateral;

namespace Vouch.Sgx.Tests.Certificates;

public static class CrlTests
{
    [Theory]
    [MemberData(nameof(DcapCases.AllCases), MemberType = typeof(DcapCases))]
    public static void RootCaCrl_Parses_AndVerifiesWithTheRoot(string caseName)
    {
        var tcbChain = DcapCases.Chain(caseName, "tcb_info_issuer_chain.pem");
        var pckIssuerChain = DcapCases.Chain(caseName, "pck_crl_issuer_chain.pem");
        var root = tcbChain[1];

        Assert.True(Crl.TryParse(DcapCases.Read(caseName, "root_ca_crl.der"), out var crl, out var error), error);
        Assert.True(crl.IssuerRaw.Span.SequenceEqual(root.SubjectRaw.Span));
        Assert.Equal("Intel SGX Root CA", crl.IssuerCommonName);
        Assert.True(crl.VerifySignature(root));
        Assert.True(crl.Signed.VerifySignature(root.PublicKey));
        Assert.False(crl.VerifySignature(pckIssuerChain[0]));
        Assert.NotNull(crl.CrlNumber);
        Assert.True(crl.HasAuthorityKeyIdentifier);
        Assert.True(crl.AuthorityKeyIdentifier!.Value.Span.SequenceEqual(root.SubjectKeyIdentifier!.Value.Span));
        Assert.NotNull(crl.NextUpdate);
        Assert.True(crl.ThisUpdate < crl.NextUpdate);

        // The root CRL covers the intermediates and the TCB signing certificate, and lists none of them.
        Assert.True(crl.IsIssuerOf(pckIssuerChain[0]));
        Assert.True(crl.IsIssuerOf(tcbChain[0]));
        Assert.False(crl.IsRevoked(pckIssuerChain[0]));
        Assert.False(crl.IsRevoked(tcbChain[0]));
    }

    [Theory]
    [MemberData(nameof(DcapCases.AllCases), MemberType = typeof(DcapCases))]
    public static void PckCrl_ParsesAndVerifies_ExceptTheBrokenCases(string caseName)
    {
        var der = DcapCases.Read(caseName, "pck_crl.der");
        var parsed = Crl.TryParse(der, out var crl, out var error);
        if (caseName == DcapCases.PckCrlGarbage)
        {
            Assert.False(parsed);
            Assert.Null(crl);
            Assert.NotNull(error);
            return;
        }

        Assert.True(parsed, error);
        Assert.NotNull(crl);
        var chain = DcapCases.Chain(caseName, "pck_crl_issuer_chain.pem");
        var (intermediate, root) = (chain[0], chain[1]);
        var leaf = DcapCases.Leaf(caseName);
        Assert.NotNull(crl.CrlNumber);
        Assert.True(crl.HasAuthorityKeyIdentifier);

        switch (caseName)
        {
            case DcapCases.PckCrlWrongSigner:
                // Names the right issuer, signed by another key.
                Assert.True(crl.IsIssuerOf(leaf));
                Assert.False(crl.VerifySignature(intermediate));
                Assert.False(crl.VerifySignature(root));
                break;
            case DcapCases.PckCrlIsRootCrl:
                // The root CA CRL in the PCK CRL's place: genuine, but not from the leaf's issuer.
                Assert.False(crl.IsIssuerOf(leaf));
                Assert.True(crl.IsIssuerOf(intermediate));
                Assert.False(crl.VerifySignature(intermediate));
                Assert.True(crl.VerifySignature(root));
                break;
            default:
                Assert.True(crl.IsIssuerOf(leaf));
                Assert.True(crl.IssuerRaw.Span.SequenceEqual(intermediate.SubjectRaw.Span));
                Assert.Equal(intermediate.SubjectCommonName, crl.IssuerCommonName);
                Assert.True(crl.VerifySignature(intermediate));
                Assert.False(crl.VerifySignature(root));
                Assert.True(crl.AuthorityKeyIdentifier!.Value.Span.SequenceEqual(intermediate.SubjectKeyIdentifier!.Value.Span));
                Assert.Equal(caseName == DcapCases.PckRevoked, crl.IsRevoked(leaf));
                break;
        }
    }

    [Fact]
    public static void PckCrl_Cdsi_Has57Entries()
    {
        var der = DcapCases.Read(DcapCases.Cdsi, "pck_crl.der");
        Assert.Equal(3354, der.Length);
        Assert.True(Crl.TryParse(der, out var crl, out var error), error);
        Assert.Equal(57, crl.RevokedSerials.Count);
        Assert.Equal(BigInteger.One, crl.CrlNumber);
        Assert.Contains("6fc34e5023e728923435d61aa4b83c618166ad35", crl.RevokedSerials);
        Assert.Equal(new DateTimeOffset(2026, 7, 23, 22, 7, 20, TimeSpan.Zero), crl.ThisUpdate);
        Assert.Equal(new DateTimeOffset(2026, 8, 22, 22, 7, 20, TimeSpan.Zero), crl.NextUpdate);
        Assert.Equal(der, crl.Raw.ToArray());
    }

    [Fact]
    public static void PckCrl_SynthRevoked_ListsTheLeaf()
    {
        Assert.True(Crl.TryParse(DcapCases.Read(DcapCases.PckRevoked, "pck_crl.der"), out var crl, out var error), error);
        var leaf = DcapCases.Leaf(DcapCases.PckRevoked);
        Assert.True(crl.IsRevoked(leaf));
        Assert.Contains(leaf.SerialNumberHex, crl.RevokedSerials);
        Assert.Equal(2, crl.RevokedSerials.Count);
    }

    [Fact]
    public static void TryParse_TrailingByte_Rejected()
    {
        var der = DcapCases.Read(DcapCases.Cdsi, "pck_crl.der");
        Assert.False(Crl.TryParse(new[] { der, [0x00] }.SelectMany(b => b).ToArray(), out var crl, out var error));
        Assert.Null(crl);
        Assert.NotNull(error);
    }

    [Fact]
    public static void TryParse_EveryTruncation_FailsWithoutThrowing()
    {
        var der = DcapCases.Read(DcapCases.Cdsi, "pck_crl.der");
        for (var length = 0; length < der.Length; length++)
        {
            Assert.False(Crl.TryParse(der.AsMemory(0, length), out var crl, out var error), "length " + length.ToString(CultureInfo.InvariantCulture));
            Assert.Null(crl);
            Assert.NotNull(error);
            _ = Crl.NormalizeEncoding(der.AsSpan(0, length));
        }
    }

    [Fact]
    public static void VerifySignature_TamperedToBeSigned_Fails()
    {
        var chain = DcapCases.Chain(DcapCases.Cdsi, "pck_crl_issuer_chain.pem");
        var der = DcapCases.Read(DcapCases.Cdsi, "pck_crl.der");
        var at = der.AsSpan().IndexOf("Platform"u8);
        Assert.True(at > 0);
        der[at] = (byte)'Q';

        Assert.True(Crl.TryParse(der, out var crl, out var error), error);
        Assert.False(crl.VerifySignature(chain[0]));
    }

    [Fact]
    public static void VerifySignature_TamperedSignatureByte_Fails()
    {
        var chain = DcapCases.Chain(DcapCases.Cdsi, "pck_crl_issuer_chain.pem");
        var der = DcapCases.Read(DcapCases.Cdsi, "pck_crl.der");
        der[^1] ^= 0x01;

        Assert.True(Crl.TryParse(der, out var crl, out var error), error);
        Assert.False(crl.VerifySignature(chain[0]));
    }

    [Fact]
    public static void TryParse_CopiesItsInput()
    {
        var der = DcapCases.Read(DcapCases.Cdsi, "pck_crl.der");
        Assert.True(Crl.TryParse(der, out var crl, out _));
        der[^1] ^= 0x01;
        Assert.True(crl.VerifySignature(DcapCases.Chain(DcapCases.Cdsi, "pck_crl_issuer_chain.pem")[0]));
    }

    // An independent encoder: the BCL's CertificateRevocationListBuilder, signing through X509SignatureGenerator.
    [Theory]
    [InlineData("P-256 / SHA-256")]
    [InlineData("P-384 / SHA-384")]
    public static void TryParse_BclBuiltCrl_RoundTrips(string variant)
    {
        using var pki = variant == "P-256 / SHA-256" ? new TestPki() : new TestPki(ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384);
        using var leaf = pki.IssueLeaf([0x00, 0xc3, 0x5a, 0x01]);
        using var other = pki.IssueLeaf([0x7f, 0x01]);
        var thisUpdate = new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);
        var nextUpdate = new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero);
        var der = pki.BuildCrl([(leaf.SerialNumberBytes.ToArray(), thisUpdate.AddDays(-2)), ([0x01, 0x02, 0x03], thisUpdate)], 12345, thisUpdate, nextUpdate);

        Assert.True(Crl.TryParse(der, out var crl, out var error), error);
        Assert.True(ParsedCertificate.TryParse(leaf.RawData, out var parsedLeaf, out error), error);
        Assert.True(ParsedCertificate.TryParse(other.RawData, out var parsedOther, out error), error);
        Assert.True(ParsedCertificate.TryParse(pki.Root.RawData, out var root, out error), error);

        Assert.Equal(new HashSet<string> { "c35a01", "10203" }, crl.RevokedSerials.ToHashSet());
        Assert.True(crl.IsRevoked(parsedLeaf));
        Assert.False(crl.IsRevoked(parsedOther));
        Assert.True(crl.IsIssuerOf(parsedLeaf));
        Assert.Equal("Vouch Test Root CA", crl.IssuerCommonName);
        Assert.Equal(thisUpdate, crl.ThisUpdate);
        Assert.Equal(nextUpdate, crl.NextUpdate);
        Assert.Equal(new BigInteger(12345), crl.CrlNumber);
        Assert.True(crl.HasAuthorityKeyIdentifier);
        Assert.True(crl.AuthorityKeyIdentifier!.Value.Span.SequenceEqual(root.SubjectKeyIdentifier!.Value.Span));
        Assert.True(crl.VerifySignature(root));
        Assert.False(crl.VerifySignature(parsedLeaf));
    }

    [Fact]
    public static void TryParse_WriterBaseline_ParsesAndVerifies()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = TestDerWriter.Crl(new TestDerWriter.CrlSpec(), key, WriterIssuer);
        Assert.True(Crl.TryParse(der, out var crl, out var error), error);
        Assert.True(crl.Signed.VerifySignature(key));
        Assert.Equal(new HashSet<string> { "1234", "99" }, crl.RevokedSerials.ToHashSet());
        Assert.Equal(new BigInteger(42), crl.CrlNumber);
        Assert.Equal(TestDerWriter.ThisUpdate, crl.ThisUpdate);
        Assert.Equal(TestDerWriter.NextUpdate, crl.NextUpdate);
        Assert.Equal("Vouch Writer CA", crl.IssuerCommonName);
        Assert.Equal(new byte[] { 0xaa, 0xbb, 0xcc }, crl.AuthorityKeyIdentifier!.Value.ToArray());
    }

    [Theory]
    [InlineData("no nextUpdate")]
    [InlineData("GeneralizedTime")]
    [InlineData("no revoked certificates")]
    [InlineData("empty revoked list")]
    [InlineData("non-critical unknown CRL extension")]
    [InlineData("critical reasonCode on an entry")]
    [InlineData("negative serial on an entry")]
    public static void TryParse_WriterVariation_Accepted(string variation)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spec = new TestDerWriter.CrlSpec();
        switch (variation)
        {
            case "no nextUpdate":
                spec.OmitNextUpdate = true;
                break;
            case "GeneralizedTime":
                spec.UseGeneralizedTime = true;
                break;
            case "no revoked certificates":
                spec.Revoked = [];
                break;
            case "empty revoked list":
                spec.Revoked = [];
                spec.EmptyRevokedList = true;
                break;
            case "non-critical unknown CRL extension":
                spec.ExtraCrlExtensions = [new TestDerWriter.Extension("1.2.3.4", null, [0x05, 0x00])];
                break;
            case "critical reasonCode on an entry":
                spec.Revoked = [([0x01], [new TestDerWriter.Extension("2.5.29.21", true, [0x0a, 0x01, 0x01])])];
                break;
            case "negative serial on an entry":
                spec.Revoked = [([0xff], null)];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(variation));
        }

        Assert.True(Crl.TryParse(TestDerWriter.Crl(spec, key, WriterIssuer), out var crl, out var error), error);
        Assert.True(crl.Signed.VerifySignature(key));
        switch (variation)
        {
            case "no nextUpdate":
                Assert.Null(crl.NextUpdate);
                break;
            case "GeneralizedTime":
                Assert.Equal(TestDerWriter.ThisUpdate, crl.ThisUpdate);
                Assert.Equal(TestDerWriter.NextUpdate, crl.NextUpdate);
                break;
            case "no revoked certificates" or "empty revoked list":
                Assert.Empty(crl.RevokedSerials);
                break;
            case "negative serial on an entry":
                // -1 must not collide with the positive serial 0xff.
                Assert.Equal(new HashSet<string> { "-1" }, crl.RevokedSerials.ToHashSet());
                break;
            default:
                break;
        }
    }

    [Theory]
    [InlineData("version absent (v1)")]
    [InlineData("version v1 explicit")]
    [InlineData("version v3")]
    [InlineData("inner algorithm differs")]
    [InlineData("no crlExtensions")]
    [InlineData("no cRLNumber")]
    [InlineData("no authorityKeyIdentifier")]
    [InlineData("negative cRLNumber")]
    [InlineData("duplicate CRL extension")]
    [InlineData("explicit critical FALSE")]
    [InlineData("critical unknown CRL extension")]
    [InlineData("delta CRL indicator")]
    [InlineData("critical certificateIssuer on an entry")]
    [InlineData("extra element after the extensions")]
    public static void TryParse_WriterFault_Rejected(string fault)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spec = new TestDerWriter.CrlSpec();
        switch (fault)
        {
            case "version absent (v1)":
                spec.Version = null;
                break;
            case "version v1 explicit":
                spec.Version = 0;
                break;
            case "version v3":
                spec.Version = 2;
                break;
            case "inner algorithm differs":
                spec.InnerAlgorithm = "1.2.840.10045.4.3.3";
                break;
            case "no crlExtensions":
                spec.OmitCrlExtensions = true;
                break;
            case "no cRLNumber":
                spec.OmitCrlNumber = true;
                break;
            case "no authorityKeyIdentifier":
                spec.OmitAuthorityKeyIdentifier = true;
                break;
            case "negative cRLNumber":
                spec.OmitCrlNumber = true;
                spec.ExtraCrlExtensions = [TestDerWriter.CrlNumber(-1)];
                break;
            case "duplicate CRL extension":
                spec.ExtraCrlExtensions = [TestDerWriter.CrlNumber(43)];
                break;
            case "explicit critical FALSE":
                spec.ExtraCrlExtensions = [new TestDerWriter.Extension("1.2.3.4", false, [0x05, 0x00])];
                break;
            case "critical unknown CRL extension":
                spec.ExtraCrlExtensions = [new TestDerWriter.Extension("1.2.3.4", true, [0x05, 0x00])];
                break;
            case "delta CRL indicator":
                spec.ExtraCrlExtensions = [new TestDerWriter.Extension("2.5.29.27", true, [0x02, 0x01, 0x05])];
                break;
            case "critical certificateIssuer on an entry":
                spec.Revoked = [([0x01], [new TestDerWriter.Extension("2.5.29.29", true, [0x30, 0x00])])];
                break;
            case "extra element after the extensions":
                spec.ExtraElementInTbs = true;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault));
        }

        Assert.False(Crl.TryParse(TestDerWriter.Crl(spec, key, WriterIssuer), out var crl, out var error));
        Assert.Null(crl);
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("DER")]
    [InlineData("PEM")]
    [InlineData("PEM with CRLF and the QPL's NUL")]
    [InlineData("lower-case hex")]
    [InlineData("upper-case hex with a newline")]
    public static void NormalizeEncoding_KnownForms_GiveTheDer(string form)
    {
        var der = DcapCases.Read(DcapCases.Cdsi, "root_ca_crl.der");
        var input = form switch
        {
            "DER" => der,
            "PEM" => Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", der)),
            "PEM with CRLF and the QPL's NUL" => Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", der).Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n\0"),
            "lower-case hex" => Encoding.ASCII.GetBytes(Convert.ToHexStringLower(der)),
            "upper-case hex with a newline" => Encoding.ASCII.GetBytes(Convert.ToHexString(der) + "\n"),
            _ => throw new ArgumentOutOfRangeException(nameof(form)),
        };

        Assert.Equal(der, Crl.NormalizeEncoding(input));
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("whitespace")]
    [InlineData("CERTIFICATE label")]
    [InlineData("two PEM blocks")]
    [InlineData("text before PEM")]
    [InlineData("odd-length hex")]
    [InlineData("hex of a non-SEQUENCE")]
    [InlineData("DER with a trailing byte")]
    [InlineData("garbage")]
    public static void NormalizeEncoding_Unknown_ReturnsNull(string form)
    {
        var der = DcapCases.Read(DcapCases.Cdsi, "root_ca_crl.der");
        var pem = PemEncoding.WriteString("X509 CRL", der);
        var input = form switch
        {
            "empty" => [],
            "whitespace" => " \r\n\0"u8.ToArray(),
            "CERTIFICATE label" => Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", der)),
            "two PEM blocks" => Encoding.ASCII.GetBytes(pem + "\n" + pem),
            "text before PEM" => Encoding.ASCII.GetBytes("crl:\n" + pem),
            "odd-length hex" => Encoding.ASCII.GetBytes(Convert.ToHexStringLower(der)[1..]),
            "hex of a non-SEQUENCE" => "020101"u8.ToArray(),
            "DER with a trailing byte" => [.. der, 0x00],
            "garbage" => DcapCases.Read(DcapCases.PckCrlGarbage, "pck_crl.der"),
            _ => throw new ArgumentOutOfRangeException(nameof(form)),
        };

        Assert.Null(Crl.NormalizeEncoding(input));
    }

    private static X500DistinguishedName WriterIssuer => new("CN=Vouch Writer CA, O=Vouch");
}
