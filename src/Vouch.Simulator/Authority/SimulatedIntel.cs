using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Authority;

/// <summary>
/// A simulated Intel: a TEST "Intel SGX Root CA", the PCK Platform and Processor CAs, the TCB Signing
/// certificate, and everything Intel signs with them (PCK leaf certificates, CRLs, TCB Info, QE Identity,
/// TCB Evaluation Data Numbers),
/// in exactly the shapes Intel PCS serves (dcap-verification §2, §3).
/// </summary>
/// <remarks>
/// <para>
/// This is only enough of a CA to produce attestation collateral for tests and demos; do not use it as a
/// CA. Its root copies Intel's subject name, but its key is fresh and random, so production verifiers,
/// which pin Intel's root <em>key</em>, reject everything it signs. Use it only with a verifier that is
/// given this root explicitly.
/// </para>
/// <para>
/// Certificates follow Intel's real ones (sgx-enclave-model §4.4): P-256 keys, ecdsa-with-SHA256, Intel's
/// DNs (UTF8String, C as PrintableString, CN first), and in this order: Authority Key Identifier, CRL
/// Distribution Points, Subject Key Identifier, Key Usage (critical), Basic Constraints (critical), which
/// Intel QVL requires on every certificate. CA serial numbers equal their subject key identifiers, as
/// Intel's do.
/// </para>
/// </remarks>
public sealed class SimulatedIntel : IDisposable
{
    /// <summary>Settings file of an authority directory.</summary>
    public const string SettingsFileName = "authority.json";

    /// <summary>The file-local random secret the key files' passwords are derived from.</summary>
    public const string SecretFileName = "authority.secret";

    /// <summary>
    /// Subfolder of an authority directory where <c>vouch sim quote</c> publishes collateral, one PCS-file folder
    /// per FMSPC (<see cref="DcapCase.PublishCollateral"/>).
    /// </summary>
    public const string PcsDirectoryName = "pcs";

    /// <summary>Default base URL written into CRL distribution points (a reserved <c>.invalid</c> name).</summary>
    public const string DefaultPcsBaseUrl = "https://pcs.vouch-sim.invalid";

    internal const string SettingsFormat = "vouch-sim-authority/1";
    private const int KeyFileIterations = 10_000;

    private static readonly (string Name, string File)[] KeyFiles =
    [
        ("root", "root_ca"),
        ("platform", "pck_platform_ca"),
        ("processor", "pck_processor_ca"),
        ("tcb", "tcb_signing"),
    ];

    private readonly Ca _root;
    private readonly Ca _platform;
    private readonly Ca _processor;
    private readonly Ca _tcbSigning;

    private SimulatedIntel(Ca root, Ca platform, Ca processor, Ca tcbSigning, string pcsBaseUrl, string? directory)
    {
        _root = root;
        _platform = platform;
        _processor = processor;
        _tcbSigning = tcbSigning;
        PcsBaseUrl = pcsBaseUrl;
        Directory = directory;
    }

    /// <summary>The test root certificate (public part).</summary>
    public X509Certificate2 RootCertificate => _root.Certificate;

    /// <summary>The "Intel SGX PCK Platform CA" certificate.</summary>
    public X509Certificate2 PlatformCaCertificate => _platform.Certificate;

    /// <summary>The "Intel SGX PCK Processor CA" certificate.</summary>
    public X509Certificate2 ProcessorCaCertificate => _processor.Certificate;

    /// <summary>The "Intel SGX TCB Signing" certificate.</summary>
    public X509Certificate2 TcbSigningCertificate => _tcbSigning.Certificate;

    /// <summary>Base URL of the simulated PCS, used in CRL distribution points.</summary>
    public string PcsBaseUrl { get; }

    /// <summary>The directory the authority persists to, or null.</summary>
    public string? Directory { get; }

    /// <summary>The folder of published collateral, <c>&lt;authority&gt;/pcs</c>, or null for an in-memory authority.</summary>
    public string? PcsDirectory => Directory is null ? null : Path.Combine(Directory, PcsDirectoryName);

    /// <summary>
    /// URL of the root CA CRL as DER (distribution point of the root, the PCK CAs and the TCB signing certificate),
    /// shaped like Intel's <c>https://certificates.trustedservices.intel.com/IntelSGXRootCA.der</c>.
    /// </summary>
    public string RootCaCrlUrl => RootCaCrlUrlFor(PcsBaseUrl);

    /// <summary>The PCK CA certificate of <paramref name="ca"/>.</summary>
    public X509Certificate2 PckCaCertificate(PckCaType ca) => PckCa(ca).Certificate;

    /// <summary>URL of a PCK CA's CRL (distribution point of its PCK leaves), shaped like PCS's.</summary>
    public string PckCrlUrl(PckCaType ca) => PcsBaseUrl.TrimEnd('/') + SimulatedPcs.PckCrlPath + "?ca=" + (ca == PckCaType.Platform ? "platform" : "processor") + "&encoding=der";

    /// <summary>Creates an in-memory authority whose certificates start one day before <paramref name="now"/>.</summary>
    public static SimulatedIntel Create(DateTimeOffset now, string pcsBaseUrl = DefaultPcsBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(pcsBaseUrl);
        var notBefore = Truncate(now).AddDays(-1);
        var rootCrl = RootCaCrlUrlFor(pcsBaseUrl);

        // Root: self-signed, valid to 2049-12-31 23:59:59 like Intel's, CA:TRUE pathlen 1, AKI = own SKI.
        var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootName = IntelName("Intel SGX Root CA");
        var rootSki = new X509SubjectKeyIdentifierExtension(new PublicKey(rootKey), false);
        var root = new Ca(
            Issue(rootName, new PublicKey(rootKey), rootName, rootKey, rootSki, rootCrl, Role.Root, notBefore, new DateTimeOffset(2049, 12, 31, 23, 59, 59, TimeSpan.Zero), null, null),
            rootKey);

        // PCK CAs: CA:TRUE pathlen 0, 15 years (Intel's Platform CA: 2018 → 2033).
        var platform = CreateIntermediate("Intel SGX PCK Platform CA", root, rootCrl, Role.Intermediate, notBefore, notBefore.AddYears(15));
        var processor = CreateIntermediate("Intel SGX PCK Processor CA", root, rootCrl, Role.Intermediate, notBefore, notBefore.AddYears(15));

        // TCB Signing: end entity, 7 years.
        var tcbSigning = CreateIntermediate("Intel SGX TCB Signing", root, rootCrl, Role.Leaf, notBefore, notBefore.AddYears(7));
        return new SimulatedIntel(root, platform, processor, tcbSigning, pcsBaseUrl, null);
    }

    /// <summary>
    /// Opens the authority persisted in <paramref name="directory"/>, or creates one there (certificates starting a
    /// day before <paramref name="now"/>) when the directory holds none.
    /// </summary>
    /// <exception cref="FormatException">The directory holds a damaged authority.</exception>
    /// <exception cref="IOException">The files cannot be read or written.</exception>
    public static SimulatedIntel OpenOrCreate(string directory, DateTimeOffset now, string pcsBaseUrl = DefaultPcsBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var full = Path.GetFullPath(directory);
        if (File.Exists(Path.Combine(full, SettingsFileName)) || File.Exists(Path.Combine(full, SecretFileName)))
        {
            return Open(full);
        }

        PrivateFiles.CreateDirectory(full);
        var created = Create(now, pcsBaseUrl);
        var secret = RandomNumberGenerator.GetBytes(32);
        PrivateFiles.WriteNew(Path.Combine(full, SecretFileName), Encoding.ASCII.GetBytes(Convert.ToBase64String(secret) + "\n"));
        foreach (var (name, file) in KeyFiles)
        {
            var ca = created.ByName(name);
            PrivateFiles.WriteNew(Path.Combine(full, file + ".pem"), Encoding.ASCII.GetBytes(Pem(ca.Certificate)));
            var password = KeyFilePassword(secret, name);
            var pem = ca.Key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, KeyFileIterations));
            PrivateFiles.WriteNew(Path.Combine(full, file + ".key.pem"), Encoding.ASCII.GetBytes(pem + "\n"));
        }

        PrivateFiles.WriteNew(Path.Combine(full, SettingsFileName), SerializeSettings(pcsBaseUrl, now));
        created.Dispose();
        return Open(full);
    }

    /// <summary>Opens a persisted authority.</summary>
    /// <exception cref="FormatException">The directory holds a damaged authority.</exception>
    /// <exception cref="IOException">The files cannot be read.</exception>
    public static SimulatedIntel Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var full = Path.GetFullPath(directory);
        string pcsBaseUrl;
        try
        {
            using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(full, SettingsFileName)));
            Json.RequireObject(settings.RootElement, SettingsFileName, "format", "note", "pcsBaseUrl", "createdAt");
            if (Json.String(settings.RootElement, "format") != SettingsFormat)
            {
                throw new FormatException($"{SettingsFileName}: format must be {SettingsFormat}.");
            }

            pcsBaseUrl = Json.String(settings.RootElement, "pcsBaseUrl");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{SettingsFileName} is damaged.", e);
        }

        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(File.ReadAllText(Path.Combine(full, SecretFileName)).Trim());
        }
        catch (FormatException e)
        {
            throw new FormatException($"{SecretFileName} is damaged.", e);
        }

        var cas = new Ca[KeyFiles.Length];
        for (var i = 0; i < KeyFiles.Length; i++)
        {
            var (name, file) = KeyFiles[i];
            var certificate = X509CertificateLoader.LoadCertificate(PemDer(File.ReadAllText(Path.Combine(full, file + ".pem"))));
            var key = ECDsa.Create();
            try
            {
                key.ImportFromEncryptedPem(File.ReadAllText(Path.Combine(full, file + ".key.pem")), KeyFilePassword(secret, name));
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                key.Dispose();
                throw new FormatException($"{file}.key.pem cannot be decrypted with {SecretFileName}.", e);
            }

            using var certificateKey = certificate.GetECDsaPublicKey() ?? throw new FormatException($"{file}.pem does not hold a P-256 key.");
            if (!certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                key.Dispose();
                throw new FormatException($"{file}.key.pem does not belong to {file}.pem.");
            }

            cas[i] = new Ca(certificate, key);
        }

        return new SimulatedIntel(cas[0], cas[1], cas[2], cas[3], pcsBaseUrl, full);
    }

    /// <summary>
    /// Issues a PCK leaf certificate ("Intel SGX PCK Certificate") for <paramref name="pckPublicKey"/> under the
    /// PCK CA named by <paramref name="content"/>, with the full SGX extension.
    /// </summary>
    public X509Certificate2 IssuePckCertificate(PublicKey pckPublicKey, PckCertificateContent content, DateTimeOffset notBefore, DateTimeOffset notAfter, byte[]? serialNumber = null)
    {
        ArgumentNullException.ThrowIfNull(pckPublicKey);
        ArgumentNullException.ThrowIfNull(content);
        var ca = PckCa(content.Ca);
        var serial = serialNumber ?? RandomSerial();
        var sgx = new X509Extension(PckCertificateContent.SgxExtensionOid, content.EncodeExtension(), critical: false);
        return Issue(IntelName("Intel SGX PCK Certificate"), pckPublicKey, ca.Certificate.SubjectName, ca.Key, SubjectKeyIdentifier(ca.Certificate), PckCrlUrl(content.Ca), Role.Leaf, notBefore, notAfter, serial, sgx);
    }

    /// <summary>
    /// The CRL of a PCK CA (DER), built with the BCL's <see cref="CertificateRevocationListBuilder"/>: cRLNumber and
    /// authorityKeyIdentifier extensions (Intel QVL requires both), entries with reason keyCompromise.
    /// </summary>
    public byte[] BuildPckCrl(PckCaType ca, IEnumerable<byte[]> revokedSerials, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, BigInteger crlNumber) =>
        BuildCrl(PckCa(ca), revokedSerials, thisUpdate, nextUpdate, crlNumber);

    /// <summary>The root CA CRL (DER), listing revoked intermediate and TCB signing certificates.</summary>
    public byte[] BuildRootCaCrl(IEnumerable<byte[]> revokedSerials, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, BigInteger crlNumber) =>
        BuildCrl(_root, revokedSerials, thisUpdate, nextUpdate, crlNumber);

    /// <summary>ECDSA P-256 SHA-256 signature (raw r‖s, 64 bytes) of the TCB Signing key over UTF-8 <paramref name="body"/>.</summary>
    public byte[] SignCollateralBody(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return _tcbSigning.Key.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>The signed PCS response <c>{"tcbInfo":…,"signature":"…"}</c>.</summary>
    public string SignTcbInfo(TcbInfo tcbInfo)
    {
        ArgumentNullException.ThrowIfNull(tcbInfo);
        var body = tcbInfo.ToCompactJson();
        return CollateralJson.Envelope("tcbInfo", body, SignCollateralBody(body));
    }

    /// <summary>The signed PCS response <c>{"enclaveIdentity":…,"signature":"…"}</c>.</summary>
    public string SignQeIdentity(QeIdentity qeIdentity)
    {
        ArgumentNullException.ThrowIfNull(qeIdentity);
        var body = qeIdentity.ToCompactJson();
        return CollateralJson.Envelope("enclaveIdentity", body, SignCollateralBody(body));
    }

    /// <summary>The signed PCS response <c>{"tcbEvaluationDataNumbers":…,"signature":"…"}</c>, signed by the TCB Signing key.</summary>
    public string SignTcbEvaluationDataNumbers(TcbEvaluationDataNumbers numbers)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        var body = numbers.ToCompactJson();
        return CollateralJson.Envelope("tcbEvaluationDataNumbers", body, SignCollateralBody(body));
    }

    /// <summary>The root certificate as PEM (the trust anchor to hand a verifier).</summary>
    public string RootPem => Pem(_root.Certificate);

    /// <summary>PCS's <c>SGX-PCK-CRL-Issuer-Chain</c>: the PCK CA, then the root.</summary>
    public string PckCrlIssuerChainPem(PckCaType ca) => Pem(PckCa(ca).Certificate, _root.Certificate);

    /// <summary>
    /// PCS's <c>TCB-Info-Issuer-Chain</c>, <c>SGX-Enclave-Identity-Issuer-Chain</c> and
    /// <c>TCB-Evaluation-Data-Numbers-Issuer-Chain</c>: TCB Signing, then the root.
    /// </summary>
    public string TcbSigningChainPem => Pem(_tcbSigning.Certificate, _root.Certificate);

    /// <summary>PEM of certificates, each block ending in a newline (Intel's layout).</summary>
    public static string Pem(params X509Certificate2[] certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var builder = new StringBuilder();
        foreach (var certificate in certificates)
        {
            builder.Append(certificate.ExportCertificatePem()).Append('\n');
        }

        return builder.ToString();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var ca in new[] { _root, _platform, _processor, _tcbSigning })
        {
            ca.Key.Dispose();
            ca.Certificate.Dispose();
        }
    }

    internal static X500DistinguishedName IntelName(string commonName)
    {
        // X500DistinguishedNameBuilder encodes the last-added RDN first; Intel's names start with CN.
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCountryOrRegion("US");
        builder.AddStateOrProvinceName("CA");
        builder.AddLocalityName("Santa Clara");
        builder.AddOrganizationName("Intel Corporation");
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static Ca CreateIntermediate(string commonName, Ca root, string crlUrl, Role role, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var certificate = Issue(IntelName(commonName), new PublicKey(key), root.Certificate.SubjectName, root.Key, SubjectKeyIdentifier(root.Certificate), crlUrl, role, notBefore, notAfter, null, null);
        return new Ca(certificate, key);
    }

    private static X509Certificate2 Issue(
        X500DistinguishedName subject,
        PublicKey subjectKey,
        X500DistinguishedName issuer,
        ECDsa issuerKey,
        X509SubjectKeyIdentifierExtension issuerSki,
        string crlUrl,
        Role role,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        byte[]? serialNumber,
        X509Extension? sgxExtension)
    {
        var request = new CertificateRequest(subject, subjectKey, HashAlgorithmName.SHA256);
        var ski = new X509SubjectKeyIdentifierExtension(subjectKey, false);
        var aki = role == Role.Root
            ? X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski)
            : X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuerSki);
        request.CertificateExtensions.Add(aki);
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crlUrl]));
        request.CertificateExtensions.Add(ski);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            role == Role.Leaf ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation : X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign,
            critical: true));
        request.CertificateExtensions.Add(role switch
        {
            Role.Root => new X509BasicConstraintsExtension(true, true, 1, true),
            Role.Intermediate => new X509BasicConstraintsExtension(true, true, 0, true),
            _ => new X509BasicConstraintsExtension(false, false, 0, true),
        });
        if (sgxExtension is not null)
        {
            request.CertificateExtensions.Add(sgxExtension);
        }

        // CA serial numbers are their key identifiers, as Intel's are (positive: a leading zero if needed).
        var serial = serialNumber ?? PositiveSerial(ski.RawData.AsSpan(2).ToArray());
        return request.Create(issuer, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, serial);
    }

    private static byte[] BuildCrl(Ca issuer, IEnumerable<byte[]> revokedSerials, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, BigInteger crlNumber)
    {
        ArgumentNullException.ThrowIfNull(revokedSerials);
        var builder = new CertificateRevocationListBuilder();
        foreach (var serial in revokedSerials)
        {
            builder.AddEntry(serial, thisUpdate, X509RevocationReason.KeyCompromise);
        }

        var aki = X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(SubjectKeyIdentifier(issuer.Certificate));
        return builder.Build(issuer.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(issuer.Key), crlNumber, nextUpdate, HashAlgorithmName.SHA256, aki, thisUpdate);
    }

    private static X509SubjectKeyIdentifierExtension SubjectKeyIdentifier(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();

    private static string RootCaCrlUrlFor(string pcsBaseUrl) => pcsBaseUrl.TrimEnd('/') + SimulatedPcs.RootCaCrlPath;

    private static byte[] RandomSerial() => PositiveSerial(RandomNumberGenerator.GetBytes(20));

    // A serial number as the minimal DER INTEGER content of a positive value: no redundant leading zero
    // bytes, and one leading zero when the top bit is set.
    internal static byte[] PositiveSerial(byte[] bytes)
    {
        var start = 0;
        while (start < bytes.Length - 1 && bytes[start] == 0)
        {
            start++;
        }

        var trimmed = bytes[start..];
        return (trimmed[0] & 0x80) != 0 ? [0, .. trimmed] : trimmed;
    }

    private static DateTimeOffset Truncate(DateTimeOffset at) =>
        new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static string KeyFilePassword(byte[] secret, string name) =>
        Convert.ToBase64String(HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: Encoding.ASCII.GetBytes("vouch-sim-authority/1 key file " + name)));

    private static byte[] PemDer(string pem)
    {
        var fields = PemEncoding.Find(pem);
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    private static byte[] SerializeSettings(string pcsBaseUrl, DateTimeOffset createdAt)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", SettingsFormat);
            w.WriteString("note", "A simulated Intel SGX PKI under a TEST root. Never trust its root in production.");
            w.WriteString("pcsBaseUrl", pcsBaseUrl);
            w.WriteString("createdAt", CollateralJson.Date(createdAt));
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private Ca PckCa(PckCaType ca) => ca == PckCaType.Platform ? _platform : _processor;

    private Ca ByName(string name) => name switch
    {
        "root" => _root,
        "platform" => _platform,
        "processor" => _processor,
        _ => _tcbSigning,
    };

    private enum Role
    {
        Root,
        Intermediate,
        Leaf,
    }

    private sealed record Ca(X509Certificate2 Certificate, ECDsa Key);
}
