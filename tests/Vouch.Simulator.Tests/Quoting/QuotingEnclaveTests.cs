using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Enclaves;
using Vouch.Simulator.Platform;
using Vouch.Simulator.Quoting;
using Vouch.Simulator.Tests.Authority;

namespace Vouch.Simulator.Tests.Quoting;

public static class QuotingEnclaveTests
{
    private static readonly Lazy<Sigstruct> SampleSigstruct = new(() => TestEnclaves.Sample.Sign());

    private static Enclave App(SimulatedPlatform platform, bool debug = false) => platform.Launch(TestEnclaves.Sample, SampleSigstruct.Value, debug);

    private static byte[] Data => [.. SHA256.HashData("nonce"u8), .. new byte[32]];

    // A PCK chain for the platform, issued by the shared test authority.
    private static string Chain(SimulatedPlatform platform, QuotingEnclave qe)
    {
        using var pck = qe.Pce.PckKey(platform.Settings.CpuSvn, platform.Settings.PceSvn);
        var content = new PckCertificateContent
        {
            Ppid = qe.Pce.Ppid,
            TcbComponents = platform.Settings.CpuSvn,
            PceSvn = platform.Settings.PceSvn,
            CpuSvn = platform.Settings.CpuSvn,
            PceId = platform.Settings.PceId,
            Fmspc = platform.Settings.Fmspc,
            SgxType = platform.Settings.SgxType,
            Ca = platform.Settings.PckCa,
            PlatformInstanceId = platform.Settings.PlatformInstanceId,
        };
        var authority = SimulatedIntelTests.Authority;
        using var leaf = authority.IssuePckCertificate(new PublicKey(pck), content, SimulatedIntelTests.T0.AddDays(-1), SimulatedIntelTests.T0.AddYears(7));
        return SimulatedIntel.Pem(leaf, authority.PckCaCertificate(platform.Settings.PckCa), authority.RootCertificate);
    }

    private static (byte[] Quote, QuotingEnclave Qe) Quote(SimulatedPlatform platform, ushort version = 3)
    {
        var qe = QuotingEnclave.Load(platform);
        var report = App(platform).CreateReport(qe.TargetInfo, Data);
        return (qe.CreateQuote(report, Chain(platform, qe), new QuoteOptions { Version = version }), qe);
    }

    [Fact]
    public static void Identity_Qe_IsIntelQe3Shape()
    {
        var qe = QuotingEnclave.Load(SimulatedPlatform.CreateInMemory());
        Assert.Equal(KnownValues.IntelAeMrSigner.ToArray(), qe.Identity.MrSigner);
        Assert.Equal(1, qe.Identity.IsvProdId);
        Assert.Equal(11, qe.Identity.IsvSvn);
        Assert.Equal(AttributeBits.Init | AttributeBits.Mode64Bit | AttributeBits.ProvisionKey, qe.Identity.Attributes.Flags);
        Assert.Equal(KnownValues.ReferenceQeAuthData.ToArray(), qe.AuthData);
        Assert.Equal(Enumerable.Range(0, 32).Select(i => (byte)i), qe.AuthData);
    }

    [Fact]
    public static void Load_InMemoryPlatformTwice_KeepsAttestationKey()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        Assert.Equal(QuotingEnclave.Load(platform).AttestationPublicKey, QuotingEnclave.Load(platform).AttestationPublicKey);
        Assert.NotEqual(QuotingEnclave.Load(platform).AttestationPublicKey, QuotingEnclave.Load(SimulatedPlatform.CreateInMemory()).AttestationPublicKey);
    }

    [Fact]
    public static void Load_DirectoryPlatformReopened_KeepsSealedAttestationKey()
    {
        var directory = TempDirectory.Create().Path;
        var first = QuotingEnclave.Load(SimulatedPlatform.OpenOrCreate(directory)).AttestationPublicKey;

        var second = QuotingEnclave.Load(SimulatedPlatform.Open(directory)).AttestationPublicKey;

        Assert.Equal(first, second);
        var blob = File.ReadAllBytes(Path.Combine(directory, QuotingEnclave.SealedKeyFileName));
        Assert.Equal(KeyName.Seal, KeyRequest.Read(blob.AsSpan(0, KeyRequest.Size)).KeyName);
    }

    [Fact]
    public static void Load_AfterOwnerEpochReset_GeneratesNewAttestationKey()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var before = QuotingEnclave.Load(platform).AttestationPublicKey;
        platform.ResetOwnerEpoch();
        Assert.NotEqual(before, QuotingEnclave.Load(platform).AttestationPublicKey);
    }

    [Fact]
    public static void QeId_SamePlatform_IsStableAndPlatformSpecific()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        Assert.Equal(16, QuotingEnclave.Load(platform).QeId.Length);
        Assert.Equal(QuotingEnclave.Load(platform).QeId, QuotingEnclave.Load(platform).QeId);
        Assert.NotEqual(QuotingEnclave.Load(platform).QeId, QuotingEnclave.Load(SimulatedPlatform.CreateInMemory()).QeId);
    }

    [Fact]
    public static void PckKey_SamePlatformAndTcb_IsDeterministicAndPlatformSpecific()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var pce = ProvisioningCertificationEnclave.For(platform);
        using var one = pce.PckKey(platform.Settings.CpuSvn, platform.Settings.PceSvn);
        using var two = ProvisioningCertificationEnclave.For(platform).PckKey(platform.Settings.CpuSvn, platform.Settings.PceSvn);
        using var older = pce.PckKey(new byte[16], 0);
        using var other = ProvisioningCertificationEnclave.For(SimulatedPlatform.CreateInMemory()).PckKey(platform.Settings.CpuSvn, platform.Settings.PceSvn);

        Assert.Equal(one.ExportSubjectPublicKeyInfo(), two.ExportSubjectPublicKeyInfo());
        Assert.NotEqual(one.ExportSubjectPublicKeyInfo(), older.ExportSubjectPublicKeyInfo());
        Assert.NotEqual(one.ExportSubjectPublicKeyInfo(), other.ExportSubjectPublicKeyInfo());
        Assert.Equal(pce.Ppid, ProvisioningCertificationEnclave.For(platform).Ppid);
    }

    [Fact]
    public static void PckKey_TcbNewerThanPlatform_Throws()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var newer = platform.CpuSvn;
        newer[0]++;
        Assert.Throws<InvalidOperationException>(() => ProvisioningCertificationEnclave.For(platform).PckKey(newer, platform.Settings.PceSvn));
    }

    [Fact]
    public static void Certify_QeReport_IsBoundToAttestationKeyAndSignedByPck()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var qe = QuotingEnclave.Load(platform);

        var (body, signature) = qe.Certify(platform.Settings.CpuSvn, platform.Settings.PceSvn);

        Assert.Equal(SHA256.HashData([.. qe.AttestationPublicKey, .. qe.AuthData]), body.ReportData[..32]);
        Assert.Equal(new byte[32], body.ReportData[32..]);
        Assert.Equal(qe.Identity.MrEnclave, body.MrEnclave);
        using var pck = qe.Pce.PckKey(platform.Settings.CpuSvn, platform.Settings.PceSvn);
        Assert.True(pck.VerifyData(body.ToBytes(), signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public static void PceCertify_ReportNotFromQe_Refuses()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var pce = ProvisioningCertificationEnclave.For(platform);
        var report = App(platform).CreateReport(pce.TargetInfo, []);
        var error = Assert.Throws<QuotingException>(() => pce.Certify(report, platform.Settings.CpuSvn, platform.Settings.PceSvn));
        Assert.Equal(QuotingError.NotProvisioningEnclave, error.Error);
    }

    [Fact]
    public static void CreateQuote_V3_SignaturesAndBindingVerify()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var (quote, qe) = Quote(platform);
        var parsed = ParsedQuote.Parse(quote);

        using var attestationKey = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = parsed.AttestationKey[..32], Y = parsed.AttestationKey[32..] },
        });
        Assert.True(attestationKey.VerifyData(quote.AsSpan(0, 432), parsed.Signature, HashAlgorithmName.SHA256));
        var leaf = Pki.ParsePemChain(parsed.CertificationData)[0];
        using var pck = leaf.GetECDsaPublicKey()!;
        Assert.True(pck.VerifyData(parsed.QeReport, parsed.QeReportSignature, HashAlgorithmName.SHA256));
        Assert.Equal(SHA256.HashData([.. parsed.AttestationKey, .. parsed.AuthData]), parsed.QeReport[320..352]);
        Assert.Equal(qe.QeId, parsed.UserData[..16]);
        Assert.Equal(new byte[4], parsed.UserData[16..]);
        Assert.Equal(Data, parsed.Body[320..]);
        Assert.Equal(11, parsed.QeSvn);
        Assert.Equal(13, parsed.PceSvn);
    }

    [Fact]
    public static void CreateQuote_V3_HasTheStructureOfAGenuineQuote()
    {
        var real = ParsedQuote.Parse(Vectors.RealQuote());
        var sim = ParsedQuote.Parse(Quote(SimulatedPlatform.CreateInMemory()).Quote);

        // Same fields at the same offsets with the same sizes, up to the certification data (whose PEM length differs).
        Assert.Equal(real.Layout.Take(real.Layout.Count - 1), sim.Layout.Take(sim.Layout.Count - 1));
        Assert.Equal(real.Version, sim.Version);
        Assert.Equal(real.AttestationKeyType, sim.AttestationKeyType);
        Assert.Equal(real.TeeType, sim.TeeType);
        Assert.Equal(real.VendorId, sim.VendorId);
        Assert.Equal(real.AuthData, sim.AuthData);
        Assert.Equal(real.CertificationType, sim.CertificationType);
        Assert.Equal(0, sim.CertificationData[^1]);
        Assert.Equal(real.CertificationData[^1], sim.CertificationData[^1]);
        Assert.Equal(616 + sim.CertificationData.Length, (int)sim.SignatureDataLength);

        // The QE report identifies an Intel-shaped QE3: same MRSIGNER, ISVPRODID, FLAGS, report-data binding layout.
        Assert.Equal(real.QeReport[128..160], sim.QeReport[128..160]);
        Assert.Equal(real.QeReport[256..258], sim.QeReport[256..258]);
        Assert.Equal(real.QeReport[48..56], sim.QeReport[48..56]);
        Assert.Equal(real.QeReport[352..384], sim.QeReport[352..384]);

        // The certification data is leaf ‖ PCK CA ‖ root PEM with the same names as Intel's.
        var realChain = Pki.ParsePemChain(real.CertificationData);
        var simChain = Pki.ParsePemChain(sim.CertificationData);
        Assert.Equal(3, simChain.Length);
        Assert.Equal(realChain.Select(c => Convert.ToHexString(c.SubjectName.RawData)), simChain.Select(c => Convert.ToHexString(c.SubjectName.RawData)));
        Assert.Equal(realChain.Select(c => Convert.ToHexString(c.IssuerName.RawData)), simChain.Select(c => Convert.ToHexString(c.IssuerName.RawData)));
    }

    [Fact]
    public static void CreateQuote_V4_WrapsType5InType6()
    {
        var (quote, _) = Quote(SimulatedPlatform.CreateInMemory(), version: 4);
        var parsed = ParsedQuote.Parse(quote);

        Assert.Equal(4, parsed.Version);
        Assert.Equal(0u, parsed.TeeType);
        Assert.Equal(0, parsed.QeSvn);
        Assert.Equal(0, parsed.PceSvn);
        Assert.Equal(6, parsed.OuterCertificationType);
        Assert.Equal(5, parsed.CertificationType);
        Assert.Equal(3, Pki.ParsePemChain(parsed.CertificationData).Length);
        using var leafKey = Pki.ParsePemChain(parsed.CertificationData)[0].GetECDsaPublicKey()!;
        Assert.True(leafKey.VerifyData(parsed.QeReport, parsed.QeReportSignature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public static void CreateQuote_ReportFromOtherPlatform_Refuses()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var qe = QuotingEnclave.Load(platform);
        var foreign = App(SimulatedPlatform.CreateInMemory()).CreateReport(qe.TargetInfo, Data);
        var error = Assert.Throws<QuotingException>(() => qe.CreateQuote(foreign, Chain(platform, qe)));
        Assert.Equal(QuotingError.ReportMacMismatch, error.Error);
    }

    [Fact]
    public static void CreateQuote_ReportForAnotherTarget_Refuses()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var qe = QuotingEnclave.Load(platform);
        var app = App(platform);
        var selfReport = app.CreateReport(app.TargetInfo, Data);
        Assert.Equal(QuotingError.ReportMacMismatch, Assert.Throws<QuotingException>(() => qe.CreateQuote(selfReport, Chain(platform, qe))).Error);
    }

    [Fact]
    public static void CreateQuote_DebugEnclave_IsQuotedWithDebugBit()
    {
        var platform = SimulatedPlatform.CreateInMemory();
        var qe = QuotingEnclave.Load(platform);
        var report = App(platform, debug: true).CreateReport(qe.TargetInfo, Data);
        var parsed = ParsedQuote.Parse(qe.CreateQuote(report, Chain(platform, qe)));
        Assert.Equal(0x02, parsed.Body[48] & 0x02);
    }
}
