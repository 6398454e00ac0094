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

    private QuoteFloor _floor = null!;

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

        _floor = new QuoteFloor(_quote);
    }

    [Benchmark(Baseline = true, Description = "crypto floor: 2 x P-256 verify + SHA-256")]
    public int CryptoFloor() => _floor.Run();

    [Benchmark(Description = "verify, warm (collateral cached)")]
    public int VerifyWarm() => _warm.Verify(_quote, _collateral, _options).Verified ? 1 : 0;

    [Benchmark(Description = "verify, cold (nothing cached)")]
    public int VerifyCold() => new QuoteVerifier().Verify(_quote, _collateral, _options).Verified ? 1 : 0;
}
