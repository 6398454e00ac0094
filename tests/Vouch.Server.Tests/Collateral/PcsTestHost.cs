using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vouch.Simulator.Dcap;

namespace Vouch.Server.Tests.Collateral;

/// <summary>
/// A PCS-shaped HTTP server on 127.0.0.1 (Kestrel): answers with a swappable responder (the simulator's
/// <see cref="SimulatedPcs"/>, or a replay of a genuine vector folder) and counts requests per path.
/// </summary>
internal sealed class PcsTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private Func<string, PcsResponse> _respond;

    private PcsTestHost(WebApplication app, Func<string, PcsResponse> respond)
    {
        _app = app;
        _respond = respond;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Answers later requests (request target → response).</summary>
    public Func<string, PcsResponse> Respond
    {
        get => Volatile.Read(ref _respond);
        set => Volatile.Write(ref _respond, value);
    }

    public int TotalRequests => _requests.Values.Sum();

    /// <summary>Requests for quote collateral (TCB Info, QE Identity, CRLs): all but the TCB Evaluation Data Numbers, which a server's refresher asks for on its own.</summary>
    public int CollateralRequests => _requests.Where(p => !p.Key.EndsWith("/tcbevaluationdatanumbers", StringComparison.Ordinal)).Sum(p => p.Value);

    public static async Task<PcsTestHost> StartAsync(Func<string, PcsResponse> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var host = new PcsTestHost(app, respond);
        app.Run(host.HandleAsync);
        await app.StartAsync();
        host.Url = new Uri(app.Urls.Single());
        return host;
    }

    public static Func<string, PcsResponse> Simulated(DcapCase dcapCase)
    {
        var pcs = new SimulatedPcs(dcapCase);
        return target => pcs.Handle("GET", target);
    }

    /// <summary>A genuine vector folder's files served as PCS (and PCCS, for the root CA CRL) serve them, issuer chains URL-encoded in the headers.</summary>
    public static Func<string, PcsResponse> Replay(string folder) => target =>
    {
        var path = target.Split('?')[0];
        string File(string name) => Path.Combine(folder, name);
        KeyValuePair<string, string> Chain(string header, string name) => new(header, Uri.EscapeDataString(System.IO.File.ReadAllText(File(name))));
        return path switch
        {
            "/sgx/certification/v4/tcb" or "/tdx/certification/v4/tcb" =>
                new PcsResponse(200, "application/json", [Chain("TCB-Info-Issuer-Chain", "tcb_info_issuer_chain.pem")], System.IO.File.ReadAllBytes(File("tcb_info.json"))),
            "/sgx/certification/v4/qe/identity" or "/tdx/certification/v4/qe/identity" =>
                new PcsResponse(200, "application/json", [Chain("SGX-Enclave-Identity-Issuer-Chain", "qe_identity_issuer_chain.pem")], System.IO.File.ReadAllBytes(File("qe_identity.json"))),
            "/sgx/certification/v4/pckcrl" =>
                new PcsResponse(200, "application/pkix-crl", [Chain("SGX-PCK-CRL-Issuer-Chain", "pck_crl_issuer_chain.pem")], System.IO.File.ReadAllBytes(File("pck_crl.der"))),
            "/sgx/certification/v4/rootcacrl" =>
                new PcsResponse(200, "application/x-pem-file", [], Encoding.ASCII.GetBytes(Convert.ToHexStringLower(System.IO.File.ReadAllBytes(File("root_ca_crl.der"))))),
            _ => new PcsResponse(404, "", [], []),
        };
    };

    /// <summary>A 429 for everything, with <c>Retry-After</c> in seconds.</summary>
    public static Func<string, PcsResponse> Throttled(int retryAfterSeconds) =>
        _ => new PcsResponse(429, "", [new("Retry-After", retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))], []);

    /// <summary>Requests for <paramref name="path"/> (without query) so far.</summary>
    public int Requests(string path) => _requests.GetValueOrDefault(path);

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        _requests.AddOrUpdate(context.Request.Path.Value ?? "", 1, (_, n) => n + 1);
        var response = Respond(context.Request.Path + context.Request.QueryString);
        context.Response.StatusCode = response.StatusCode;
        if (response.ContentType.Length > 0)
        {
            context.Response.ContentType = response.ContentType;
        }

        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.Body.WriteAsync(response.Body);
    }
}
