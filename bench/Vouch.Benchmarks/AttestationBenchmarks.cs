using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    private ECDsa _pckKey = null!;
    private ECDsa _attestationKey = null!;
    private RSA _tokenKey = null!;
    private byte[] _quote = [];
    private byte[] _qeReport = [];
    private byte[] _qeReportSignature = [];
    private byte[] _signedRegion = [];
    private byte[] _quoteSignature = [];
    private byte[] _keyAndAuthData = [];
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

        // Floor inputs cut from the v3 layout (dcap-verification §1.3), independent of Vouch's parser.
        const int sig = 436;
        _signedRegion = _quote[..432];
        _quoteSignature = _quote[sig..(sig + 64)];
        var key = _quote[(sig + 64)..(sig + 128)];
        _qeReport = _quote[(sig + 128)..(sig + 512)];
        _qeReportSignature = _quote[(sig + 512)..(sig + 576)];
        var authLength = BitConverter.ToUInt16(_quote, sig + 576);
        _keyAndAuthData = [.. key, .. _quote[(sig + 578)..(sig + 578 + authLength)]];
        _attestationKey = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = key[..32], Y = key[32..] } });
        using var leaf = X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(_quote[(sig + 578 + authLength + 6)..]).TrimEnd('\0'));
        _pckKey = leaf.GetECDsaPublicKey()!;
        _tokenKey = RSA.Create(2048);
        _tokenInput = System.Text.Encoding.ASCII.GetBytes(first.Token[..first.Token.LastIndexOf('.')]);
    }

    [Benchmark(Baseline = true, Description = "floor: 2 x P-256 verify + SHA-256 + RSA-2048 sign")]
    public int Floor()
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(_keyAndAuthData, hash);
        var valid = _pckKey.VerifyData(_qeReport, _qeReportSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            & _attestationKey.VerifyData(_signedRegion, _quoteSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var signature = _tokenKey.SignData(_tokenInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return (valid ? 256 : 0) + hash[0] + signature[0];
    }

    [Benchmark(Description = "attest SgxEnclave: verify + claims + default policy + RS256 token")]
    public int Attest() => _engine.AttestSgxEnclaveAsync(_provider, _request).GetAwaiter().GetResult().Token!.Length;

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
