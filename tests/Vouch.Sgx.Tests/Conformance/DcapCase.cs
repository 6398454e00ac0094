using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Vouch.Sgx.Verification;
using Vouch.Tests.Shared;

namespace Vouch.Sgx.Tests.Conformance;

/// <summary>One folder of <c>../shared/vectors/dcap/</c>, read in place: quote, PCS-shaped collateral and Intel QVL's verdict.</summary>
internal sealed class DcapCase
{
    private DcapCase(string name)
    {
        Name = name;
        Folder = TestVectors.Path("dcap", name);
        Expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "expected.json"))).RootElement;
    }

    public string Name { get; }

    public string Folder { get; }

    public JsonElement Expected { get; }

    public static IEnumerable<string> All => Directory.GetDirectories(TestVectors.Path("dcap"))
        .Where(d => File.Exists(Path.Combine(d, "expected.json")))
        .Select(Path.GetFileName)
        .Order(StringComparer.Ordinal)!;

    public static DcapCase Load(string name) => new(name);

    public byte[] Quote => File.ReadAllBytes(Path.Combine(Folder, "quote.bin"));

    public DateTimeOffset VerificationTime => DateTimeOffset.FromUnixTimeSeconds(Expected.GetProperty("verification_time").GetInt64());

    public JsonElement QveEquivalent => Expected.GetProperty("intel_qvl").GetProperty("qve_equivalent");

    public string Quote3Error => QveEquivalent.GetProperty("quote3_error").GetString()!;

    public string QvResult => QveEquivalent.GetProperty("qv_result").GetString()!;

    public bool IntelFlagsExpiredCollateral =>
        QveEquivalent.TryGetProperty("collateral_expiration_status", out var s) && s.GetInt32() == 1;

    public string? TrustedRootPem => File.Exists(Path.Combine(Folder, "trusted_root.pem")) ? Path.Combine(Folder, "trusted_root.pem") : null;

    /// <summary>The anchors Intel QVL was run with: the folder's trusted_root.pem when present, else the Intel SGX Root CA.</summary>
    public IReadOnlyList<TrustAnchor> QvlTrustAnchors => TrustedRootPem is { } pem
        ? [TrustAnchor.FromCertificate(X509Certificate2.CreateFromPem(File.ReadAllText(pem)))]
        : [TrustAnchor.IntelSgxRootCa];

    public QuoteCollateral Collateral => new(
        TcbInfo: Read("tcb_info.json"),
        TcbInfoIssuerChain: Read("tcb_info_issuer_chain.pem"),
        QeIdentity: Read("qe_identity.json"),
        QeIdentityIssuerChain: Read("qe_identity_issuer_chain.pem"),
        PckCrl: Read("pck_crl.der"),
        RootCaCrl: Read("root_ca_crl.der"),
        PckCrlIssuerChain: Read("pck_crl_issuer_chain.pem"),
        PckCertificateChain: File.Exists(Path.Combine(Folder, "pck_cert_chain.pem")) ? new ReadOnlyMemory<byte>(Read("pck_cert_chain.pem")) : null);

    public VerificationOptions Options(bool allowExpired = false) => new()
    {
        At = VerificationTime,
        TrustAnchors = [.. QvlTrustAnchors],
        AllowExpiredCollateral = allowExpired,
    };

    public override string ToString() => Name;

    private byte[] Read(string file) => File.ReadAllBytes(Path.Combine(Folder, file));
}
