using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Vouch.Attestation;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Evidence;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;
using Vouch.Tests.Shared;

namespace Vouch.Benchmarks;

/// <summary>
/// The whole engine on a genuine quote (signal-cdsi-sgx-v3-2026 at its recorded instant, binary runtime data,
/// MAA's default policy, RS256 token) against the floor measured in the same run: the verifier's crypto floor
/// (2 × P-256 verify + SHA-256) plus the one RSA-2048 PKCS#1 signature every token needs.
/// </summary>
[MemoryDiagnoser]
public class AttestationBenchmarks
{
    private AttestationEngine _engine = null!;
    private AttestationProvider _provider = null!;
    private AttestRequest _request = null!;
    private QuoteFloor _floor = null!;
    private RSA _tokenKey = null!;
    private byte[] _quote = [];
    private byte[] _tokenInput = [];

    [GlobalSetup]
    public void Setup()
    {
        var folder = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");
        _quote = File.ReadAllBytes(Path.Combine(folder, "quote.bin"));
        var store = new InMemoryAttestationStore();
        _engine = new AttestationEngine(store, store, new DirectoryCollateralSource(folder), new AesGcmKeyProtector(AesGcmKeyProtector.GenerateKey()), new FixedTime(DateTimeOffset.FromUnixTimeSeconds(1785432688)));
        _provider = new AttestationProvider { Name = "default", Issuer = "https://127.0.0.1:5443" };
        _engine.EnsureSigningKeyAsync(_provider).GetAwaiter().GetResult();
        _request = new AttestRequest(_quote) { RuntimeData = new BoundData(File.ReadAllBytes(Path.Combine(folder, "report_data_preimage.bin")), DataType.Binary) };
        var first = _engine.AttestSgxEnclaveAsync(_provider, _request).GetAwaiter().GetResult();
        if (first.Token is null)
        {
            throw new InvalidOperationException("the benchmark attestation fails: " + first.Error);
        }

        _floor = new QuoteFloor(_quote);
        _tokenKey = RSA.Create(2048);
        _tokenInput = System.Text.Encoding.ASCII.GetBytes(first.Token[..first.Token.LastIndexOf('.')]);
    }

    [Benchmark(Baseline = true, Description = "floor: 2 x P-256 verify + SHA-256 + RSA-2048 sign")]
    public int Floor()
    {
        var signature = _tokenKey.SignData(_tokenInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return _floor.Run() + signature[0];
    }

    [Benchmark(Description = "attest SgxEnclave: verify + claims + default policy + RS256 token")]
    public int Attest() => _engine.AttestSgxEnclaveAsync(_provider, _request).GetAwaiter().GetResult().Token!.Length;

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
