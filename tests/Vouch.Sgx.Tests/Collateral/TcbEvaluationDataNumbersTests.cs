using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Tests.Collateral;

/// <summary>
/// TCB Evaluation Data Numbers: the parser (one mutation of a valid document per row, asserting the code and path)
/// and <see cref="CollateralVerifier.VerifyTcbEvaluationDataNumbers"/> against a throw-away Intel-shaped PKI.
/// </summary>
public sealed class TcbEvaluationDataNumbersTests : IClassFixture<TcbEvaluationDataNumbersTests.SigningPki>
{
    private const ErrorCode M = ErrorCode.TcbEvaluationDataNumbersMalformed;

    private const string Body =
        "{\"id\":\"SGX\",\"version\":1,\"issueDate\":\"2026-07-30T16:11:16Z\",\"nextUpdate\":\"2026-08-29T16:11:16Z\"," +
        "\"tcbEvalNumbers\":[{\"tcbEvaluationDataNumber\":20,\"tcbRecoveryEventDate\":\"2025-11-11T00:00:00Z\",\"tcbDate\":\"2025-11-12T00:00:00Z\"}," +
        "{\"tcbEvaluationDataNumber\":21,\"tcbRecoveryEventDate\":\"2026-05-12T00:00:00Z\",\"tcbDate\":\"2026-05-13T00:00:00Z\"}," +
        "{\"tcbEvaluationDataNumber\":17,\"tcbRecoveryEventDate\":\"2024-03-12T00:00:00Z\",\"tcbDate\":\"2024-03-13T00:00:00Z\"}]}";

    private static readonly DateTimeOffset IssueDate = new(2026, 7, 30, 16, 11, 16, TimeSpan.Zero);
    private static readonly DateTimeOffset NextUpdate = new(2026, 8, 29, 16, 11, 16, TimeSpan.Zero);
    private static readonly string Unsigned = Document(Body, new string('0', 128));

    private readonly SigningPki _pki;

    public TcbEvaluationDataNumbersTests(SigningPki pki) => _pki = pki;

    private static string Document(string body, string signatureHex) =>
        "{\"tcbEvaluationDataNumbers\":" + body + ",\"signature\":\"" + signatureHex + "\"}";

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    // ---- parser ----

    [Fact]
    public static void TryParse_Valid_KeepsSignedBytesAndSortsNumbersHighestFirst()
    {
        Assert.True(TcbEvaluationDataNumbers.TryParse(Utf8(Unsigned), out var numbers, out var error), error?.ToString());

        Assert.Equal(TcbInfoId.Sgx, numbers.Id);
        Assert.Equal(1, numbers.Version);
        Assert.Equal(IssueDate, numbers.IssueDate);
        Assert.Equal(NextUpdate, numbers.NextUpdate);
        Assert.Equal([21, 20, 17], numbers.Numbers.Select(n => n.Number));
        Assert.Equal(new TcbEvaluationDataNumberEntry(21, new(2026, 5, 12, 0, 0, 0, TimeSpan.Zero), new(2026, 5, 13, 0, 0, 0, TimeSpan.Zero)), numbers.Numbers[0]);
        Assert.Equal(21, numbers.Highest);
        Assert.Equal(17, numbers.Lowest);
        Assert.True(numbers.Lists(20));
        Assert.False(numbers.Lists(19));
        Assert.Null(numbers.Find(18));
        Assert.Equal(Utf8(Body), numbers.SignedBodyRaw.ToArray());
        Assert.Equal(Utf8(Body), numbers.SignedBody.ToArray());
        Assert.Equal(Utf8(Unsigned), numbers.Document.ToArray());
        Assert.Equal(new byte[64], numbers.Signature.ToArray());
    }

    [Fact]
    public static void TryParse_TdxAndSignatureFirst_Parses()
    {
        var body = Body.Replace("\"SGX\"", "\"TDX\"", StringComparison.Ordinal);
        var document = "{\"signature\":\"" + new string('a', 128) + "\",\"tcbEvaluationDataNumbers\":" + body + "}";
        Assert.True(TcbEvaluationDataNumbers.TryParse(Utf8(document), out var numbers, out _));
        Assert.Equal(TcbInfoId.Tdx, numbers.Id);
        Assert.Equal(Utf8(body), numbers.SignedBody.ToArray());
    }

    [Fact]
    public static void TryParse_WhitespaceInBody_SignedBodyIsCompact()
    {
        var spaced = Body.Replace(",\"version\"", ", \"version\"", StringComparison.Ordinal);
        Assert.True(TcbEvaluationDataNumbers.TryParse(Utf8(Document(spaced, new string('0', 128))), out var numbers, out _));
        Assert.Equal(Utf8(spaced), numbers.SignedBodyRaw.ToArray());
        Assert.Equal(Utf8(Body), numbers.SignedBody.ToArray());
    }

    [Fact]
    public static void TryParse_Equality_ComparesContent()
    {
        Assert.True(TcbEvaluationDataNumbers.TryParse(Utf8(Unsigned), out var a, out _));
        Assert.True(TcbEvaluationDataNumbers.TryParse(Utf8(Unsigned), out var b, out _));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    public static TheoryData<string, string, string> Malformed() => new()
    {
        // label, document, expected path
        { "empty", "", "" },
        { "not an object", "[]", "" },
        { "trailing garbage", Unsigned + "x", "" },
        { "trailing second document", Unsigned + "{}", "" },
        { "body missing", "{\"signature\":\"" + new string('0', 128) + "\"}", "tcbEvaluationDataNumbers" },
        { "signature missing", "{\"tcbEvaluationDataNumbers\":" + Body + "}", "signature" },
        { "signature short", Document(Body, new string('0', 126)), "signature" },
        { "signature not hex", Document(Body, new string('g', 128)), "signature" },
        { "extra top-level member", Unsigned[..^1] + ",\"extra\":1}", "extra" },
        { "body not object", Document("[]", new string('0', 128)), "tcbEvaluationDataNumbers" },
        { "duplicate member", Document(Body.Replace("\"version\":1,", "\"version\":1,\"version\":1,", StringComparison.Ordinal), new string('0', 128)), "tcbEvaluationDataNumbers.version" },
        { "id missing", Edit("\"id\":\"SGX\",", ""), "tcbEvaluationDataNumbers.id" },
        { "id number", Edit("\"id\":\"SGX\"", "\"id\":1"), "tcbEvaluationDataNumbers.id" },
        { "id wrong", Edit("\"id\":\"SGX\"", "\"id\":\"QE\""), "tcbEvaluationDataNumbers.id" },
        { "id lower case", Edit("\"id\":\"SGX\"", "\"id\":\"sgx\""), "tcbEvaluationDataNumbers.id" },
        { "version missing", Edit("\"version\":1,", ""), "tcbEvaluationDataNumbers.version" },
        { "version string", Edit("\"version\":1", "\"version\":\"1\""), "tcbEvaluationDataNumbers.version" },
        { "version 2", Edit("\"version\":1", "\"version\":2"), "tcbEvaluationDataNumbers.version" },
        { "version fraction", Edit("\"version\":1", "\"version\":1.0"), "tcbEvaluationDataNumbers.version" },
        { "issueDate missing", Edit("\"issueDate\":\"2026-07-30T16:11:16Z\",", ""), "tcbEvaluationDataNumbers.issueDate" },
        { "issueDate number", Edit("\"issueDate\":\"2026-07-30T16:11:16Z\"", "\"issueDate\":1785428000"), "tcbEvaluationDataNumbers.issueDate" },
        { "issueDate offset", Edit("2026-07-30T16:11:16Z", "2026-07-30T16:11:16+00:00"), "tcbEvaluationDataNumbers.issueDate" },
        { "issueDate date only", Edit("2026-07-30T16:11:16Z", "2026-07-30"), "tcbEvaluationDataNumbers.issueDate" },
        { "nextUpdate missing", Edit(",\"nextUpdate\":\"2026-08-29T16:11:16Z\"", ""), "tcbEvaluationDataNumbers.nextUpdate" },
        { "nextUpdate bad", Edit("2026-08-29T16:11:16Z", "2026-08-32T16:11:16Z"), "tcbEvaluationDataNumbers.nextUpdate" },
        { "tcbEvalNumbers missing", Document(Body[..Body.IndexOf(",\"tcbEvalNumbers\"", StringComparison.Ordinal)] + "}", new string('0', 128)), "tcbEvaluationDataNumbers.tcbEvalNumbers" },
        { "tcbEvalNumbers object", Document(Body[..Body.IndexOf('[', StringComparison.Ordinal)] + "{}}", new string('0', 128)), "tcbEvaluationDataNumbers.tcbEvalNumbers" },
        { "tcbEvalNumbers empty", Document(Body[..Body.IndexOf('[', StringComparison.Ordinal)] + "[]}", new string('0', 128)), "tcbEvaluationDataNumbers.tcbEvalNumbers" },
        { "entry not object", Edit("[{", "[1,{"), "tcbEvaluationDataNumbers.tcbEvalNumbers[0]" },
        { "number missing", Edit("{\"tcbEvaluationDataNumber\":20,", "{"), "tcbEvaluationDataNumbers.tcbEvalNumbers[0].tcbEvaluationDataNumber" },
        { "number string", Edit("\"tcbEvaluationDataNumber\":20", "\"tcbEvaluationDataNumber\":\"20\""), "tcbEvaluationDataNumbers.tcbEvalNumbers[0].tcbEvaluationDataNumber" },
        { "number negative", Edit("\"tcbEvaluationDataNumber\":20", "\"tcbEvaluationDataNumber\":-1"), "tcbEvaluationDataNumbers.tcbEvalNumbers[0].tcbEvaluationDataNumber" },
        { "number too large", Edit("\"tcbEvaluationDataNumber\":20", "\"tcbEvaluationDataNumber\":4294967296"), "tcbEvaluationDataNumbers.tcbEvalNumbers[0].tcbEvaluationDataNumber" },
        { "number repeated", Edit("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":20"), "tcbEvaluationDataNumbers.tcbEvalNumbers[2].tcbEvaluationDataNumber" },
        { "tcbRecoveryEventDate missing", Edit("\"tcbRecoveryEventDate\":\"2025-11-11T00:00:00Z\",", ""), "tcbEvaluationDataNumbers.tcbEvalNumbers[0].tcbRecoveryEventDate" },
        { "tcbRecoveryEventDate null", Edit("\"tcbRecoveryEventDate\":\"2025-11-11T00:00:00Z\"", "\"tcbRecoveryEventDate\":null"), "tcbEvaluationDataNumbers.tcbEvalNumbers[0].tcbRecoveryEventDate" },
        { "tcbDate missing", Edit(",\"tcbDate\":\"2025-11-12T00:00:00Z\"", ""), "tcbEvaluationDataNumbers.tcbEvalNumbers[0].tcbDate" },
        { "tcbDate lower-case z", Edit("2025-11-12T00:00:00Z", "2025-11-12T00:00:00z"), "tcbEvaluationDataNumbers.tcbEvalNumbers[0].tcbDate" },
        { "not JSON", Unsigned[..^2], "" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public static void TryParse_Malformed_FailsWithCodeAndPath(string label, string document, string path)
    {
        Assert.False(TcbEvaluationDataNumbers.TryParse(Utf8(document), out var numbers, out var error), label);
        Assert.Null(numbers);
        Assert.Equal(M, error.Code);
        if (label != "not JSON")
        {
            Assert.Equal(path, error.Path);
        }
    }

    [Fact]
    public static void TryParse_Oversize_Fails()
    {
        var padding = new string(' ', 1024 * 1024);
        Assert.False(TcbEvaluationDataNumbers.TryParse(Utf8(Unsigned + padding), out _, out var error));
        Assert.Equal(M, error.Code);
        Assert.Equal("", error.Path);
    }

    [Fact]
    public static void TryParse_InvalidUtf8_Fails()
    {
        var bytes = Utf8(Unsigned);
        bytes[10] = 0xFF;
        Assert.False(TcbEvaluationDataNumbers.TryParse(bytes, out _, out var error));
        Assert.Equal(M, error.Code);
    }

    [Fact]
    public static void TryParse_CallerReusesBuffer_ResultUnchanged()
    {
        var bytes = Utf8(Unsigned);
        Assert.True(TcbEvaluationDataNumbers.TryParse(bytes, out var numbers, out _));
        Array.Clear(bytes);
        Assert.Equal(Utf8(Body), numbers.SignedBody.ToArray());
    }

    private static string Edit(string from, string to)
    {
        Assert.Contains(from, Body, StringComparison.Ordinal);
        var at = Body.IndexOf(from, StringComparison.Ordinal);
        return Document(Body[..at] + to + Body[(at + from.Length)..], new string('0', 128));
    }

    // ---- verification ----

    private static readonly DateTimeOffset At = IssueDate.AddDays(1);

    private string Signed(string body) => Document(body, Convert.ToHexStringLower(_pki.Sign(Utf8(body))));

    private TcbEvaluationDataNumbersVerification Verify(string document, DateTimeOffset at, string? chain = null, Crl? rootCrl = null) =>
        CollateralVerifier.VerifyTcbEvaluationDataNumbers(Utf8(document), Encoding.ASCII.GetBytes(chain ?? _pki.ChainPem), at, [_pki.Anchor], rootCrl);

    [Fact]
    public void Verify_Genuine_Verified()
    {
        var result = Verify(Signed(Body), At);
        Assert.True(result.Verified, result.Detail);
        Assert.Null(result.Error);
        Assert.Equal(21, result.Document.Highest);
        Assert.NotNull(result.Window);
        Assert.Equal(IssueDate, result.Window.NotBefore);
        Assert.Equal(NextUpdate, result.Window.NotAfter);
    }

    [Fact]
    public void Verify_ChainRootFirst_Verified() =>
        Assert.True(Verify(Signed(Body), At, _pki.RootPem + _pki.SignerPem).Verified);

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(63)]
    public void Verify_FlippedSignatureByte_SignatureInvalid(int index)
    {
        var signature = _pki.Sign(Utf8(Body));
        signature[index] ^= 0x01;
        var result = Verify(Document(Body, Convert.ToHexStringLower(signature)), At);
        Assert.Equal(ErrorCode.TcbEvaluationDataNumbersSignatureInvalid, result.Error);
        Assert.False(result.Verified);
        Assert.NotNull(result.Document);
    }

    [Fact]
    public void Verify_BodyChangedAfterSigning_SignatureInvalid()
    {
        var signed = Signed(Body);
        var tampered = signed.Replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":16", StringComparison.Ordinal);
        Assert.Equal(ErrorCode.TcbEvaluationDataNumbersSignatureInvalid, Verify(tampered, At).Error);
    }

    [Fact]
    public void Verify_UntrustedRoot_ChainUntrustedRoot()
    {
        var result = CollateralVerifier.VerifyTcbEvaluationDataNumbers(
            Utf8(Signed(Body)), Encoding.ASCII.GetBytes(_pki.ChainPem), At, [TrustAnchor.IntelSgxRootCa]);
        Assert.Equal(ErrorCode.ChainUntrustedRoot, result.Error);
    }

    [Fact]
    public void Verify_SignerOnly_ChainIncomplete() =>
        Assert.Equal(ErrorCode.ChainIncomplete, Verify(Signed(Body), At, _pki.SignerPem).Error);

    [Fact]
    public void Verify_ChainNotPem_CertificateMalformed() =>
        Assert.Equal(ErrorCode.CertificateMalformed, Verify(Signed(Body), At, "not a certificate").Error);

    [Fact]
    public void Verify_Missing_CollateralMissing()
    {
        Assert.Equal(ErrorCode.CollateralMissing, CollateralVerifier.VerifyTcbEvaluationDataNumbers(default, Encoding.ASCII.GetBytes(_pki.ChainPem), At, [_pki.Anchor]).Error);
        Assert.Equal(ErrorCode.CollateralMissing, CollateralVerifier.VerifyTcbEvaluationDataNumbers(Utf8(Signed(Body)), default, At, [_pki.Anchor]).Error);
    }

    [Fact]
    public void Verify_Malformed_MalformedCode() =>
        Assert.Equal(M, Verify(Signed(Body) + "x", At).Error);

    [Fact]
    public void Verify_FreshnessBoundaries_OneSecondEitherSide()
    {
        var document = Signed(Body);
        Assert.Equal(ErrorCode.TcbEvaluationDataNumbersNotYetValid, Verify(document, IssueDate.AddSeconds(-1)).Error);
        Assert.True(Verify(document, IssueDate).Verified);
        Assert.True(Verify(document, NextUpdate.AddSeconds(-1)).Verified);
        Assert.Equal(ErrorCode.TcbEvaluationDataNumbersExpired, Verify(document, NextUpdate).Error);
        Assert.Equal(ErrorCode.TcbEvaluationDataNumbersExpired, Verify(document, NextUpdate.AddSeconds(1)).Error);
    }

    [Fact]
    public void Verify_OutsideSigningCertificateValidity_CertificateCodes()
    {
        // A document valid for ever, so only the certificates' periods can fail.
        var body = Body.Replace("2026-07-30T16:11:16Z", "2000-01-01T00:00:00Z", StringComparison.Ordinal)
            .Replace("2026-08-29T16:11:16Z", "2099-01-01T00:00:00Z", StringComparison.Ordinal);
        var document = Signed(body);
        Assert.Equal(ErrorCode.CertificateNotYetValid, Verify(document, SigningPki.NotBefore.AddSeconds(-1)).Error);
        Assert.True(Verify(document, SigningPki.NotBefore).Verified);
        Assert.True(Verify(document, SigningPki.SignerNotAfter).Verified);
        Assert.Equal(ErrorCode.CertificateExpired, Verify(document, SigningPki.SignerNotAfter.AddSeconds(1)).Error);
    }

    [Fact]
    public void Verify_RootCaCrl_RevokedSignerAndForeignCrl()
    {
        var document = Signed(Body);
        var clean = _pki.RootCrl([]);
        Assert.True(Verify(document, At, rootCrl: clean).Verified);

        var revoked = _pki.RootCrl([_pki.Signer.SerialNumberBytes.ToArray()]);
        Assert.Equal(ErrorCode.IntermediateRevoked, Verify(document, At, rootCrl: revoked).Error);

        using var other = new SigningPki();
        Assert.Equal(ErrorCode.CrlSignatureInvalid, Verify(document, At, rootCrl: other.RootCrl([])).Error);
    }

    /// <summary>An Intel-shaped root and TCB Signing certificate with a throw-away key, built with the BCL.</summary>
    public sealed class SigningPki : IDisposable
    {
        public static readonly DateTimeOffset NotBefore = new(2025, 5, 6, 0, 0, 0, TimeSpan.Zero);
        public static readonly DateTimeOffset SignerNotAfter = new(2032, 5, 6, 0, 0, 0, TimeSpan.Zero);

        private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private readonly ECDsa _signerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public SigningPki()
        {
            var rootRequest = new CertificateRequest("CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, S=CA, C=US", _rootKey, HashAlgorithmName.SHA256);
            rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
            rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
            Root = rootRequest.CreateSelfSigned(NotBefore, new DateTimeOffset(2049, 12, 31, 23, 59, 59, TimeSpan.Zero));

            var signerRequest = new CertificateRequest("CN=Intel SGX TCB Signing, O=Intel Corporation, L=Santa Clara, S=CA, C=US", _signerKey, HashAlgorithmName.SHA256);
            signerRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            signerRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
            signerRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, includeKeyIdentifier: true, includeIssuerAndSerial: false));
            Signer = signerRequest.Create(Root.SubjectName, X509SignatureGenerator.CreateForECDsa(_rootKey), NotBefore, SignerNotAfter, [0x42, 0x17]);
            Anchor = TrustAnchor.FromCertificate(Root);
        }

        public X509Certificate2 Root { get; }

        public X509Certificate2 Signer { get; }

        public TrustAnchor Anchor { get; }

        public string RootPem => Root.ExportCertificatePem() + "\n";

        public string SignerPem => Signer.ExportCertificatePem() + "\n";

        public string ChainPem => SignerPem + RootPem;

        public byte[] Sign(byte[] data) => _signerKey.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        public Crl RootCrl(IEnumerable<byte[]> revoked)
        {
            var builder = new CertificateRevocationListBuilder();
            foreach (var serial in revoked)
            {
                builder.AddEntry(serial, NotBefore, X509RevocationReason.KeyCompromise);
            }

            var der = builder.Build(Root.SubjectName, X509SignatureGenerator.CreateForECDsa(_rootKey), BigInteger.One, NotBefore.AddYears(10), HashAlgorithmName.SHA256,
                X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, includeKeyIdentifier: true, includeIssuerAndSerial: false), NotBefore);
            Assert.True(Crl.TryParse(der, out var crl, out _));
            return crl;
        }

        public void Dispose()
        {
            Root.Dispose();
            Signer.Dispose();
            _rootKey.Dispose();
            _signerKey.Dispose();
        }
    }
}
