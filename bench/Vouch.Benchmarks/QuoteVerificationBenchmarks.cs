using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Vouch.Sgx.Verification;
using Vouch.Tests.Shared;

namespace Vouch.Benchmarks;

/// <summary>
/// Verification of a genuine Intel-signed SGX quote (signal-cdsi-sgx-v3-2026: 57-entry Platform CA CRL,
/// 9.2 KB TCB Info) at its recorded instant, warm and cold, against the crypto floor measured in the
/// same run: the two P-256 verifications a warm verification must make (QE report by the PCK key,
/// quote by the attestation key, each hashing its signed bytes, keys prepared) plus the SHA-256 of the
/// QE report-data binding.
/// </summary>
[MemoryDiagnoser]
public class QuoteVerificationBenchmarks
{
    private byte[] _quote = [];
    private QuoteCollateral _collateral = null!;
    private VerificationOptions _options = null!;
    private QuoteVerifier _warm = null!;

    private ECDsa _pckKey = null!;
    private ECDsa _attestationKey = null!;
    private byte[] _qeReport = [];
    private byte[] _qeReportSignature = [];
    private byte[] _signedRegion = [];
    private byte[] _quoteSignature = [];
    private byte[] _keyAndAuthData = [];

    [GlobalSetup]
    public void Setup()
    {
        var folder = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");
        byte[] Read(string f) => File.ReadAllBytes(Path.Combine(folder, f));
        _quote = Read("quote.bin");
        _collateral = new QuoteCollateral(Read("tcb_info.json"), Read("tcb_info_issuer_chain.pem"), Read("qe_identity.json"),
            Read("qe_identity_issuer_chain.pem"), Read("pck_crl.der"), Read("root_ca_crl.der"), Read("pck_crl_issuer_chain.pem"));
        _options = new VerificationOptions { At = DateTimeOffset.FromUnixTimeSeconds(1785432688) };
        _warm = new QuoteVerifier();
        var report = _warm.Verify(_quote, _collateral, _options);
        if (!report.Verified)
        {
            throw new InvalidOperationException("the benchmark quote does not verify");
        }

        // The floor's inputs, cut from the v3 layout (dcap-verification §1.3) so the floor does not
        // depend on Vouch's parser.
        const int sig = 436;
        _signedRegion = _quote[..432];
        _quoteSignature = _quote[sig..(sig + 64)];
        var key = _quote[(sig + 64)..(sig + 128)];
        _qeReport = _quote[(sig + 128)..(sig + 512)];
        _qeReportSignature = _quote[(sig + 512)..(sig + 576)];
        var authLength = BitConverter.ToUInt16(_quote, sig + 576);
        _keyAndAuthData = [.. key, .. _quote[(sig + 578)..(sig + 578 + authLength)]];
        _attestationKey = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = key[..32], Y = key[32..] },
        });
        var pem = System.Text.Encoding.ASCII.GetString(_quote[(sig + 578 + authLength + 6)..]).TrimEnd('\0');
        using var leaf = X509Certificate2.CreateFromPem(pem);
        _pckKey = leaf.GetECDsaPublicKey()!;
    }

    [Benchmark(Baseline = true, Description = "crypto floor: 2 x P-256 verify + SHA-256")]
    public int CryptoFloor()
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(_keyAndAuthData, hash);
        var valid = _pckKey.VerifyData(_qeReport, _qeReportSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            & _attestationKey.VerifyData(_signedRegion, _quoteSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return (valid ? 256 : 0) + hash[0];
    }

    [Benchmark(Description = "verify, warm (collateral cached)")]
    public int VerifyWarm() => _warm.Verify(_quote, _collateral, _options).Verified ? 1 : 0;

    [Benchmark(Description = "verify, cold (nothing cached)")]
    public int VerifyCold() => new QuoteVerifier().Verify(_quote, _collateral, _options).Verified ? 1 : 0;
}
