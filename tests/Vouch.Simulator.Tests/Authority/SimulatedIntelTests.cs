using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Platform;
using Vouch.Tests.Shared;

namespace Vouch.Simulator.Tests.Authority;

public static class SimulatedIntelTests
{
    internal static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1785432688); // 2026-07-30T17:31:28Z
    private static readonly Lazy<SimulatedIntel> Shared = new(() => SimulatedIntel.Create(T0.AddDays(-365)));

    internal static SimulatedIntel Authority => Shared.Value;

    private static X509Certificate2[] RealTcbChain() =>
        Pki.ParsePemChain(File.ReadAllText(TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026", "tcb_info_issuer_chain.pem")));

    private static X509Certificate2[] RealPckCrlChain() =>
        Pki.ParsePemChain(File.ReadAllText(TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026", "pck_crl_issuer_chain.pem")));

    [Fact]
    public static void Create_Names_AreByteIdenticalToIntels()
    {
        var real = RealTcbChain();
        var realRoot = real[1];
        var realTcb = real[0];
        var realPlatformCa = RealPckCrlChain()[0];

        Assert.Equal(realRoot.SubjectName.RawData, Authority.RootCertificate.SubjectName.RawData);
        Assert.Equal(realRoot.IssuerName.RawData, Authority.RootCertificate.IssuerName.RawData);
        Assert.Equal(realTcb.SubjectName.RawData, Authority.TcbSigningCertificate.SubjectName.RawData);
        Assert.Equal(realPlatformCa.SubjectName.RawData, Authority.PlatformCaCertificate.SubjectName.RawData);
        Assert.Equal("Intel SGX PCK Processor CA", Authority.ProcessorCaCertificate.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal(realPlatformCa.Subject.Replace("Platform", "Processor", StringComparison.Ordinal), Authority.ProcessorCaCertificate.Subject);
    }

    [Fact]
    public static void Create_Extensions_HaveIntelsOrderCriticalityAndValues()
    {
        var real = RealTcbChain();
        Assert.Equal(Pki.ExtensionShape(real[1]), Pki.ExtensionShape(Authority.RootCertificate));
        Assert.Equal(Pki.ExtensionShape(real[0]), Pki.ExtensionShape(Authority.TcbSigningCertificate));
        Assert.Equal(Pki.ExtensionShape(RealPckCrlChain()[0]), Pki.ExtensionShape(Authority.PlatformCaCertificate));
        Assert.Equal(Pki.ExtensionShape(RealPckCrlChain()[0]), Pki.ExtensionShape(Authority.ProcessorCaCertificate));

        var rootConstraints = Authority.RootCertificate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(rootConstraints.CertificateAuthority);
        Assert.Equal(1, rootConstraints.PathLengthConstraint);
        Assert.Equal(0, Authority.PlatformCaCertificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().PathLengthConstraint);
        Assert.False(Authority.TcbSigningCertificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, Authority.RootCertificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, Authority.TcbSigningCertificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);

        // Root: AKI = own SKI; serial = SKI (as Intel's).
        var ski = Authority.RootCertificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.ToArray();
        var aki = Authority.RootCertificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single().KeyIdentifier!.Value.ToArray();
        Assert.Equal(ski, aki);
        Assert.Equal(Convert.ToHexString(ski), Convert.ToHexString(Authority.RootCertificate.SerialNumberBytes.Span).TrimStart('0').PadLeft(40, '0')[^40..]);
    }

    [Fact]
    public static void Create_Keys_AreP256AndRootIsNotIntels()
    {
        using var key = Authority.RootCertificate.GetECDsaPublicKey()!;
        Assert.Equal(256, key.KeySize);
        var q = key.ExportParameters(false).Q;
        Assert.NotEqual("0BA9C4C0C0C86193A3FE23D6B02CDA10A8BBD4E88E48B4458561A36E705525F5", Convert.ToHexString(q.X!));
        Assert.Equal("1.2.840.10045.4.3.2", Authority.RootCertificate.SignatureAlgorithm.Value);
    }

    [Fact]
    public static void Create_Chains_BuildToTheTestRootAtT0()
    {
        foreach (var certificate in new[] { Authority.PlatformCaCertificate, Authority.ProcessorCaCertificate, Authority.TcbSigningCertificate })
        {
            using var chain = CustomRootChain(Authority.RootCertificate, T0);
            Assert.True(chain.Build(certificate), string.Join(",", chain.ChainStatus.Select(s => s.Status)));
            Assert.Equal(2, chain.ChainElements.Count);
        }
    }

    [Fact]
    public static void Create_Validity_RootTo2049AndCasFromADayBefore()
    {
        var created = T0.AddDays(-365);
        Assert.Equal(new DateTime(2049, 12, 31, 23, 59, 59, DateTimeKind.Utc), Authority.RootCertificate.NotAfter.ToUniversalTime());
        Assert.Equal(created.AddDays(-1).UtcDateTime, Authority.PlatformCaCertificate.NotBefore.ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.Equal(created.AddDays(-1).AddYears(7).UtcDateTime, Authority.TcbSigningCertificate.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData(PckCaType.Platform)]
    [InlineData(PckCaType.Processor)]
    public static void IssuePckCertificate_SgxExtension_HasTheShapeOfARealOne(PckCaType ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var content = new PckCertificateContent
        {
            Ppid = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray(),
            TcbComponents = [16, 16, 3, 3, 255, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 128],
            PceSvn = 13,
            CpuSvn = [16, 16, 3, 3, 255, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 128],
            PceId = [0, 0],
            Fmspc = [0x00, 0x60, 0x6A, 0, 0, 0],
            SgxType = SgxType.Scalable,
            Ca = ca,
            PlatformInstanceId = Enumerable.Repeat((byte)0xE8, 16).ToArray(),
            DynamicPlatform = true,
        };

        using var leaf = Authority.IssuePckCertificate(new PublicKey(key), content, T0.AddDays(-1), T0.AddYears(7));

        var realLeaf = Pki.ParsePemChain(ParsedQuote.Parse(Vectors.RealQuote()).CertificationData)[0];
        Assert.Equal(Pki.ExtensionShape(realLeaf), Pki.ExtensionShape(leaf));
        Assert.Equal(realLeaf.SubjectName.RawData, leaf.SubjectName.RawData);
        Assert.Equal(Authority.PckCaCertificate(ca).SubjectName.RawData, leaf.IssuerName.RawData);

        var ours = Pki.SgxExtension(leaf);
        var theirs = Pki.SgxExtension(realLeaf);
        var expectedShape = theirs.Select(e => (e.Oid, e.Tag)).ToList();
        if (ca == PckCaType.Processor)
        {
            expectedShape = [.. expectedShape.Where(e => !e.Oid.StartsWith(".6", StringComparison.Ordinal) && !e.Oid.StartsWith(".7", StringComparison.Ordinal))];
        }

        Assert.Equal(expectedShape, ours.Select(e => (e.Oid, e.Tag)).ToList());
        Assert.Equal(ca == PckCaType.Platform ? 26 : 22, ours.Count);
        Assert.Equal("020200FF", Convert.ToHexString(ours.Single(e => e.Oid == ".2.5").Value));
        Assert.Equal("02020080", Convert.ToHexString(ours.Single(e => e.Oid == ".2.16").Value));
        Assert.Equal("02010D", Convert.ToHexString(ours.Single(e => e.Oid == ".2.17").Value));
        Assert.Equal("040600606A000000", Convert.ToHexString(ours.Single(e => e.Oid == ".4").Value));
        Assert.Equal("0A0101", Convert.ToHexString(ours.Single(e => e.Oid == ".5").Value));

        using var chain = CustomRootChain(Authority.RootCertificate, T0);
        chain.ChainPolicy.ExtraStore.Add(Authority.PckCaCertificate(ca));
        Assert.True(chain.Build(leaf), string.Join(",", chain.ChainStatus.Select(s => s.Status)));
    }

    [Fact]
    public static void BuildPckCrl_RevokedSerials_ListedSignedAndCarryCrlNumberAndAki()
    {
        byte[][] serials = [[0x01, 0x02, 0x03], [0x5E, 0xED, 0x00, 0x01]];

        var der = Authority.BuildPckCrl(PckCaType.Platform, serials, T0.AddHours(-1), T0.AddDays(30), new BigInteger(7));

        var crl = Pki.ParseCrl(der);
        Assert.True(Pki.VerifyCrl(crl, Authority.PlatformCaCertificate));
        Assert.False(Pki.VerifyCrl(crl, Authority.ProcessorCaCertificate));
        Assert.Equal(Authority.PlatformCaCertificate.SubjectName.RawData, crl.IssuerRaw);
        Assert.Equal(serials.Select(Convert.ToHexString), crl.RevokedSerials.Select(Convert.ToHexString));
        Assert.Contains("2.5.29.20", crl.ExtensionOids); // cRLNumber
        Assert.Contains("2.5.29.35", crl.ExtensionOids); // authorityKeyIdentifier
        Assert.Equal(T0.AddHours(-1), crl.ThisUpdate);
        Assert.Equal(T0.AddDays(30), crl.NextUpdate);
        CertificateRevocationListBuilder.Load(der, out var number);
        Assert.Equal(new BigInteger(7), number);
    }

    [Fact]
    public static void BuildRootCaCrl_Empty_HasRealShape()
    {
        var der = Authority.BuildRootCaCrl([], T0.AddDays(-30), T0.AddDays(335), BigInteger.One);
        var crl = Pki.ParseCrl(der);
        var real = Pki.ParseCrl(File.ReadAllBytes(TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026", "root_ca_crl.der")));

        Assert.True(Pki.VerifyCrl(crl, Authority.RootCertificate));
        Assert.Empty(crl.RevokedSerials);
        // The same two extensions (cRLNumber, authorityKeyIdentifier); the BCL writes them in the other order.
        Assert.Equal(real.ExtensionOids.Order(StringComparer.Ordinal), crl.ExtensionOids.Order(StringComparer.Ordinal));
        Assert.Equal(real.IssuerRaw, crl.IssuerRaw);
    }

    [Fact]
    public static void SignCollateralBody_Signature_VerifiesWithTcbSigningKeyAsRawRs()
    {
        var signature = Authority.SignCollateralBody("{\"id\":\"SGX\"}");
        Assert.Equal(64, signature.Length);
        using var key = Authority.TcbSigningCertificate.GetECDsaPublicKey()!;
        Assert.True(key.VerifyData("{\"id\":\"SGX\"}"u8, signature, HashAlgorithmName.SHA256));
        Assert.False(key.VerifyData("{\"id\":\"SGX\" }"u8, signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public static void IssuerChains_Order_IsIntermediateThenRoot()
    {
        var pck = Pki.ParsePemChain(Authority.PckCrlIssuerChainPem(PckCaType.Processor));
        Assert.Equal([Authority.ProcessorCaCertificate.Thumbprint, Authority.RootCertificate.Thumbprint], pck.Select(c => c.Thumbprint));
        var tcb = Pki.ParsePemChain(Authority.TcbSigningChainPem);
        Assert.Equal([Authority.TcbSigningCertificate.Thumbprint, Authority.RootCertificate.Thumbprint], tcb.Select(c => c.Thumbprint));
        Assert.EndsWith("-----END CERTIFICATE-----\n", Authority.TcbSigningChainPem, StringComparison.Ordinal);
    }

    [Fact]
    public static void OpenOrCreate_NewDirectory_PersistsEncryptedKeysAndReopens()
    {
        var directory = TempDirectory.Create().Path;

        using var created = SimulatedIntel.OpenOrCreate(directory, T0);
        using var reopened = SimulatedIntel.Open(directory);

        Assert.Equal(created.RootCertificate.Thumbprint, reopened.RootCertificate.Thumbprint);
        Assert.Equal(created.TcbSigningCertificate.Thumbprint, reopened.TcbSigningCertificate.Thumbprint);
        foreach (var file in new[] { "root_ca", "pck_platform_ca", "pck_processor_ca", "tcb_signing" })
        {
            var keyPem = File.ReadAllText(Path.Combine(directory, file + ".key.pem"));
            Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", keyPem, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(directory, file + ".pem")));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, file + ".key.pem")));
            }
        }

        // The reopened keys sign: a collateral signature verifies with the persisted certificate.
        using var key = created.TcbSigningCertificate.GetECDsaPublicKey()!;
        Assert.True(key.VerifyData("x"u8, reopened.SignCollateralBody("x"), HashAlgorithmName.SHA256));
    }

    [Fact]
    public static void Open_WrongSecret_ThrowsFormatException()
    {
        var directory = TempDirectory.Create().Path;
        SimulatedIntel.OpenOrCreate(directory, T0).Dispose();
        File.WriteAllText(Path.Combine(directory, SimulatedIntel.SecretFileName), Convert.ToBase64String(new byte[32]));
        Assert.Throws<FormatException>(() => SimulatedIntel.Open(directory));
    }

    [Fact]
    public static void OpenOrCreate_TwoDirectories_HaveDifferentRoots()
    {
        using var one = SimulatedIntel.OpenOrCreate(TempDirectory.Create().Path, T0);
        using var two = SimulatedIntel.OpenOrCreate(TempDirectory.Create().Path, T0);
        Assert.NotEqual(one.RootCertificate.GetPublicKey(), two.RootCertificate.GetPublicKey());
    }

    [Theory]
    [InlineData("high bit gets a zero", "8A01", "008A01")]
    [InlineData("redundant zero dropped", "007F01", "7F01")]
    [InlineData("zeros before a high bit keep one", "00008A", "008A")]
    [InlineData("plain", "1234", "1234")]
    public static void PositiveSerial_Bytes_AreMinimalPositiveDer(string label, string input, string expected)
    {
        Assert.NotEmpty(label);
        Assert.Equal(expected, Convert.ToHexString(SimulatedIntel.PositiveSerial(Convert.FromHexString(input))));
    }

    internal static X509Chain CustomRootChain(X509Certificate2 root, DateTimeOffset at)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        return chain;
    }
}
