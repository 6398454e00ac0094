using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vouch.Server.Collateral;
using Vouch.Server.Tests.Support;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Dcap;

namespace Vouch.Server.Tests.Collateral;

/// <summary>Intel's TCB Evaluation Data Numbers: fetched from a PCS-shaped source, held, and served on by Vouch's PCCS routes.</summary>
public sealed class EvaluationNumbersTests : IDisposable
{
    private static readonly DateTimeOffset Start = CollateralTestKit.Start.AddDays(5);

    private readonly CollateralTestKit _kit = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_PCCS_routes_serve_the_documents_byte_for_byte_with_their_issuer_chain_and_they_verify()
    {
        var dcap = Build(Start, 21);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        await using var server = await VouchTestServer.StartAsync(new FakeTimeProvider(Start), new Dictionary<string, string?>
        {
            ["Vouch:CollateralSources:0:Url"] = pcs.Url.ToString(),
        });
        using var http = server.CreateClient();

        foreach (var (path, expected) in new[]
        {
            ("/sgx/certification/v4/tcbevaluationdatanumbers", dcap.TcbEvaluationDataNumbersJson),
            ("/tdx/certification/v4/tcbevaluationdatanumbers", dcap.TdxTcbEvaluationDataNumbersJson),
        })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsByteArrayAsync(Cancel);
            Assert.Equal(Encoding.UTF8.GetBytes(expected), body);
            var chain = Uri.UnescapeDataString(Assert.Single(response.Headers.GetValues("TCB-Evaluation-Data-Numbers-Issuer-Chain")));
            Assert.Equal(dcap.TcbEvaluationDataNumbersIssuerChainPem, chain);

            var verified = CollateralVerifier.VerifyTcbEvaluationDataNumbers(body, Encoding.ASCII.GetBytes(chain), Start, [TrustAnchor.FromCertificate(_kit.Intel.RootCertificate)]);
            Assert.True(verified.Verified, verified.Detail);
            Assert.Equal(21, verified.Document.Highest);

            // Served from what is held: asking again does not reach the source.
            using var again = await http.GetAsync(new Uri(path, UriKind.Relative), Cancel);
            Assert.Equal(body, await again.Content.ReadAsByteArrayAsync(Cancel));
            Assert.Equal(1, pcs.Requests(path));
        }

        using var withQuery = await http.GetAsync(new Uri("/sgx/certification/v4/tcbevaluationdatanumbers?update=early", UriKind.Relative), Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, withQuery.StatusCode);
    }

    [Fact]
    public async Task A_server_without_sources_has_none_to_serve()
    {
        await using var server = await VouchTestServer.StartAsync();
        using var http = server.CreateClient();

        using var response = await http.GetAsync(new Uri("/sgx/certification/v4/tcbevaluationdatanumbers", UriKind.Relative), Cancel);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task An_older_issue_is_refused_a_newer_one_taken_and_a_pin_below_the_list_is_reported()
    {
        var current = Build(Start, 21);
        var older = Build(Start.AddDays(-3), 21);
        var newer = Build(Start.AddDays(2), 22);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(current));
        var time = new FakeTimeProvider(Start);
        using var cache = new EvaluationNumbersCache([_kit.CreateClient(time, pcs.Url)], time);

        var held = await cache.GetAsync(TeeType.Sgx, Cancel);
        Assert.NotNull(held);
        Assert.Equal(Encoding.UTF8.GetBytes(current.TcbEvaluationDataNumbersJson), held.Body.ToArray());
        Assert.False(cache.IsNoLongerServed(TeeType.Sgx, 21));
        Assert.True(cache.IsNoLongerServed(TeeType.Sgx, 20));
        Assert.False(cache.IsNoLongerServed(TeeType.Tdx, 20)); // nothing held for TDX

        // A day later the source offers an older issue: refused, the held copy stays.
        pcs.Respond = PcsTestHost.Simulated(older);
        time.Advance(TimeSpan.FromDays(1));
        await cache.RefreshDueAsync(Cancel);
        var status = Assert.Single(cache.Status);
        Assert.Equal([21], status.Numbers);
        Assert.Equal(Start, status.FetchedAt);
        Assert.NotNull(status.LastProblem);

        // After the retry interval a newer issue is taken.
        pcs.Respond = PcsTestHost.Simulated(newer);
        time.Advance(new PcsCacheOptions().RetryInterval);
        await cache.RefreshDueAsync(Cancel);
        status = Assert.Single(cache.Status);
        Assert.Equal([22], status.Numbers);
        Assert.Null(status.LastProblem);
        Assert.True(cache.IsNoLongerServed(TeeType.Sgx, 21));
    }

    [Fact]
    public async Task A_fetched_copy_is_persisted_and_a_restart_or_another_replica_serves_it_without_fetching()
    {
        var dcap = Build(Start, 21);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var time = new FakeTimeProvider(Start);
        using var first = new EvaluationNumbersCache([_kit.CreateClient(time, pcs.Url)], time, store: await _kit.OpenStoreAsync());
        var fetched = await first.GetAsync(TeeType.Sgx, Cancel);
        Assert.NotNull(fetched);
        Assert.Equal(1, pcs.Requests(SimulatedPcs.SgxTcbEvaluationDataNumbersPath));

        using var restarted = new EvaluationNumbersCache([_kit.CreateClient(time, pcs.Url)], time, store: await _kit.OpenStoreAsync());
        Assert.Equal(1, await restarted.LoadAsync(Cancel));
        Assert.Equal(0, await restarted.LoadAsync(Cancel)); // nothing newer the second time
        var served = await restarted.GetAsync(TeeType.Sgx, Cancel);

        Assert.Equal(fetched.Body.ToArray(), served!.Body.ToArray());
        Assert.Equal(fetched.IssuerChain.ToArray(), served.IssuerChain.ToArray());
        Assert.Equal(1, pcs.Requests(SimulatedPcs.SgxTcbEvaluationDataNumbersPath));
        Assert.Equal([21], Assert.Single(restarted.Status).Numbers);
    }

    public void Dispose() => _kit.Dispose();

    private DcapCase Build(DateTimeOffset at, int evaluationNumber) => _kit.Build(at, evaluationNumber);
}
