using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vouch.Attestation;
using Vouch.Attestation.Evidence;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;
using Vouch.Server.Collateral;
using Vouch.Sgx.Verification;
using Vouch.Tests.Shared;

namespace Vouch.Benchmarks;

/// <summary>
/// Attestation of the genuine quote (signal-cdsi-sgx-v3-2026 at its instant) with collateral from a PCCS on
/// loopback (Kestrel replaying Intel's files with PCS headers, in this process): on a cache hit, and on a miss —
/// a new collateral cache and a new verifier, so the four artefacts are fetched over HTTP and verified cold.
/// Baseline in the same run: the verify + sign floor of <see cref="AttestationBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class CollateralFetchBenchmarks
{
    private WebApplication _pccs = null!;
    private ServiceProvider _services = null!;
    private PcsEndpoint _endpoint = null!;
    private InMemoryAttestationStore _store = null!;
    private AesGcmKeyProtector _protector = null!;
    private FixedTime _time = null!;
    private AttestationProvider _provider = null!;
    private AttestRequest _request = null!;
    private AttestationEngine _warm = null!;
    private QuoteFloor _floor = null!;
    private RSA _tokenKey = null!;
    private byte[] _tokenInput = [];

    [GlobalSetup]
    public void Setup()
    {
        var folder = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");
        _pccs = StartReplay(folder);
        _endpoint = new PcsEndpoint(new Uri(_pccs.Urls.Single()));
        var collection = new ServiceCollection();
        PcsClient.AddPcsHttpClient(collection);
        _services = collection.BuildServiceProvider();
        _store = new InMemoryAttestationStore();
        _protector = new AesGcmKeyProtector(AesGcmKeyProtector.GenerateKey());
        _time = new FixedTime(DateTimeOffset.FromUnixTimeSeconds(1785432688));
        _provider = new AttestationProvider { Name = "default", Issuer = "https://127.0.0.1:5443" };
        var quote = File.ReadAllBytes(Path.Combine(folder, "quote.bin"));
        _request = new AttestRequest(quote) { RuntimeData = new BoundData(File.ReadAllBytes(Path.Combine(folder, "report_data_preimage.bin")), DataType.Binary) };
        _warm = NewEngine();
        _warm.EnsureSigningKeyAsync(_provider).GetAwaiter().GetResult();
        var token = _warm.AttestSgxEnclaveAsync(_provider, _request).GetAwaiter().GetResult().Token
            ?? throw new InvalidOperationException("the benchmark attestation fails");
        _floor = new QuoteFloor(quote);
        _tokenKey = RSA.Create(2048);
        _tokenInput = Encoding.ASCII.GetBytes(token[..token.LastIndexOf('.')]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pccs.StopAsync().GetAwaiter().GetResult();
        _services.Dispose();
    }

    [Benchmark(Baseline = true, Description = "floor: 2 x P-256 verify + SHA-256 + RSA-2048 sign")]
    public int Floor() => _floor.Run() + _tokenKey.SignData(_tokenInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)[0];

    [Benchmark(Description = "attest, collateral cache hit")]
    public int AttestHit() => _warm.AttestSgxEnclaveAsync(_provider, _request).GetAwaiter().GetResult().Token!.Length;

    [Benchmark(Description = "attest, collateral cache miss (4 fetches from the loopback PCCS, cold verify)")]
    public int AttestMiss()
    {
        using var engine = NewEngine();
        return engine.AttestSgxEnclaveAsync(_provider, _request).GetAwaiter().GetResult().Token!.Length;
    }

    private AttestationEngine NewEngine() => new(
        _store,
        _store,
        new PcsCollateralSource([new PcsClient(_services.GetRequiredService<IHttpClientFactory>(), _endpoint, _time)], _time),
        _protector,
        _time,
        new QuoteVerifier());

    private static WebApplication StartReplay(string folder)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        string Chain(string name) => Uri.EscapeDataString(File.ReadAllText(Path.Combine(folder, name)));
        byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(folder, name));
        app.MapGet("/sgx/certification/v4/tcb", (HttpContext http) => Serve(http, "application/json", "TCB-Info-Issuer-Chain", Chain("tcb_info_issuer_chain.pem"), Bytes("tcb_info.json")));
        app.MapGet("/sgx/certification/v4/qe/identity", (HttpContext http) => Serve(http, "application/json", "SGX-Enclave-Identity-Issuer-Chain", Chain("qe_identity_issuer_chain.pem"), Bytes("qe_identity.json")));
        app.MapGet("/sgx/certification/v4/pckcrl", (HttpContext http) => Serve(http, "application/pkix-crl", "SGX-PCK-CRL-Issuer-Chain", Chain("pck_crl_issuer_chain.pem"), Bytes("pck_crl.der")));
        app.MapGet("/sgx/certification/v4/rootcacrl", (HttpContext http) => Serve(http, "application/x-pem-file", null, null, Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Bytes("root_ca_crl.der")))));
        app.StartAsync().GetAwaiter().GetResult();
        return app;
    }

    private static Task Serve(HttpContext http, string contentType, string? header, string? chain, byte[] body)
    {
        http.Response.ContentType = contentType;
        if (header is not null)
        {
            http.Response.Headers[header] = chain;
        }

        return http.Response.Body.WriteAsync(body).AsTask();
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
