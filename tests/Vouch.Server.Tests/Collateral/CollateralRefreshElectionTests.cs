using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vouch.Server.Background;
using Vouch.Server.Collateral;
using Vouch.Server.Providers;
using Vouch.Server.Storage.Sqlite;
using Vouch.Server.Tests.Storage;
using Vouch.Simulator.Dcap;
using static Vouch.Server.Tests.Collateral.CollateralTestKit;

namespace Vouch.Server.Tests.Collateral;

/// <summary>
/// Two replicas' background refreshers over one SQLite file: the <c>collateral-refresh</c> lease elects one, which alone
/// asks the PCS; the other serves what it stored; when the leader stops, the other takes over after the lease lapses.
/// </summary>
public sealed class CollateralRefreshElectionTests : IDisposable
{
    private static readonly string[] Artefacts = [SimulatedPcs.TcbPath, SimulatedPcs.QeIdentityPath, SimulatedPcs.PckCrlPath, SimulatedPcs.PccsRootCaCrlPath];

    private readonly CollateralTestKit _kit = new();
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        _kit.Dispose();
    }

    [Fact]
    public async Task One_replica_is_elected_refreshes_for_both_and_the_other_takes_over_after_the_lease_lapses()
    {
        var dcap = _kit.Build(Start, 21);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var time = new FakeTimeProvider(Start);
        var options = new PcsCacheOptions
        {
            CheckInterval = TimeSpan.FromMinutes(1),
            LeaseDuration = TimeSpan.FromMinutes(5),
            RefreshInterval = TimeSpan.FromMinutes(10),
        };
        options.Prefetch.Add(Fmspc(dcap) + ":platform");
        var quote = Parse(dcap.Quote);
        var a = await ReplicaAsync(time, options, pcs.Url);
        var b = await ReplicaAsync(time, options, pcs.Url);

        // Both passes at once: exactly one is elected, and the PCS is asked once per artefact.
        var first = await Task.WhenAll(a.Service.RunOnceAsync(Ct), b.Service.RunOnceAsync(Ct));
        Assert.Single(first, elected => elected);
        var (leader, follower) = first[0] ? (a, b) : (b, a);
        AssertRequests(pcs, 1);
        Assert.Equal(21, Assert.Single(leader.Source.Entries).TcbEvaluationDataNumber);

        // The follower's next pass takes in the leader's copy; it serves it without asking the PCS.
        Assert.False(await follower.Service.RunOnceAsync(Ct));
        var served = await follower.Source.GetCollateralAsync(quote, time.GetUtcNow(), Ct);
        AssertSameBytes((await leader.Source.GetCollateralAsync(quote, time.GetUtcNow(), Ct))!, served);
        AssertRequests(pcs, 1);

        // Passes every check interval: the leader keeps its lease, and the copy falling due is fetched once, by it.
        for (var i = 0; i < 11; i++)
        {
            time.Advance(options.CheckInterval);
            var pass = await Task.WhenAll(a.Service.RunOnceAsync(Ct), b.Service.RunOnceAsync(Ct));
            Assert.Equal([leader == a, leader == b], pass);
            AssertRequests(pcs, time.GetUtcNow() - Start >= options.RefreshInterval ? 2 : 1);
        }

        // The follower's next pass takes in the refreshed copy; passes before the next refresh point ask nothing.
        Assert.False(await follower.Service.RunOnceAsync(Ct));
        Assert.Equal(Start.AddMinutes(10), Assert.Single(follower.Source.Entries).FetchedAt);
        Assert.Equal(Start.AddMinutes(10), Assert.Single(leader.Source.Entries).FetchedAt);
        AssertRequests(pcs, 2);

        // The leader stops (never asked again). Inside its lease the follower is not elected.
        time.Advance(options.CheckInterval);
        Assert.False(await follower.Service.RunOnceAsync(Ct));
        AssertRequests(pcs, 2);

        // Past the lease and the refresh point: the follower's pass takes the lease and refreshes the due copy, once.
        time.Advance(options.LeaseDuration + options.RefreshInterval);
        Assert.True(await follower.Service.RunOnceAsync(Ct));
        AssertRequests(pcs, 3);
        Assert.Equal(time.GetUtcNow(), Assert.Single(follower.Source.Entries).FetchedAt);
        Assert.True(await follower.Service.RunOnceAsync(Ct));
        AssertRequests(pcs, 3);
        Assert.NotNull(await follower.Source.GetCollateralAsync(quote, time.GetUtcNow(), Ct));
        AssertRequests(pcs, 3);
    }

    [Fact]
    public async Task A_leader_that_stops_releases_the_lease_and_the_other_replica_is_elected_at_once()
    {
        var dcap = _kit.Build(Start, 21);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var time = new FakeTimeProvider(Start);
        var options = new PcsCacheOptions();
        var a = await ReplicaAsync(time, options, pcs.Url);
        var b = await ReplicaAsync(time, options, pcs.Url);
        Assert.True(await a.Service.RunOnceAsync(Ct));
        Assert.False(await b.Service.RunOnceAsync(Ct));

        await a.Service.StopAsync(Ct);

        Assert.True(await b.Service.RunOnceAsync(Ct));
        Assert.False(await a.Service.RunOnceAsync(Ct));
    }

    [Fact]
    public async Task The_leader_prefetches_every_version_a_provider_uses_and_the_follower_takes_each_in()
    {
        var (early, standard) = (_kit.Build(Start, 22), _kit.Build(Start, 21));
        var earlyPcs = new SimulatedPcs(early);
        var standardPcs = new SimulatedPcs(standard);
        await using var pcs = await PcsTestHost.StartAsync(target =>
            (target.Contains("update=early", StringComparison.Ordinal) ? earlyPcs : standardPcs).Handle("GET", target));
        var time = new FakeTimeProvider(Start);
        var options = new PcsCacheOptions();
        options.Prefetch.Add("sgx:" + Fmspc(standard).ToUpperInvariant() + ":platform");
        var a = await ReplicaAsync(time, options, pcs.Url);
        var b = await ReplicaAsync(time, options, pcs.Url);
        Assert.True(await a.Store.CreateProviderAsync(StoreSamples.Provider("early") with { Collateral = new() { Update = Attestation.Collateral.CollateralUpdate.Early } }, [], Ct));
        Assert.True(await a.Store.CreateProviderAsync(StoreSamples.Provider("pinned") with { Collateral = new() { TcbEvaluationDataNumber = 21 } }, [], Ct));

        Assert.True(await a.Service.RunOnceAsync(Ct));
        Assert.False(await b.Service.RunOnceAsync(Ct));

        Assert.Equal(3, pcs.Requests(SimulatedPcs.TcbPath));
        foreach (var replica in new[] { a, b })
        {
            var numbers = replica.Source.Entries.ToDictionary(e => e.Key.Version.ToString(), e => e.TcbEvaluationDataNumber);
            Assert.Equal(new Dictionary<string, int?> { ["early"] = 22, ["standard"] = 21, ["tcb-evaluation-21"] = 21 }, numbers);
        }

        var quote = Parse(standard.Quote);
        Assert.NotNull(await b.Source.GetCollateralAsync(quote, time.GetUtcNow(), Attestation.Collateral.CollateralVersion.Early, Ct));
        Assert.NotNull(await b.Source.GetCollateralAsync(quote, time.GetUtcNow(), Attestation.Collateral.CollateralVersion.Pinned(21), Ct));
        Assert.Equal(3, pcs.Requests(SimulatedPcs.TcbPath));
    }

    private async Task<Replica> ReplicaAsync(FakeTimeProvider time, PcsCacheOptions options, Uri pcs)
    {
        var store = await _kit.OpenStoreAsync();
        if (!(await store.ListProvidersAsync(Ct)).Any(p => p.Name == ProviderCatalog.DefaultName))
        {
            Assert.True(await store.CreateProviderAsync(StoreSamples.Provider(ProviderCatalog.DefaultName), [], Ct));
        }

        var source = _kit.CreateSource(time, options, store, pcs);
        _disposables.Add(source);
        var service = new CollateralRefreshService(source, store, new ProviderCatalog(store, "https://vouch.test", null), options, time, NullLogger<CollateralRefreshService>.Instance);
        _disposables.Add(service);
        return new Replica(store, source, service);
    }

    private static void AssertRequests(PcsTestHost pcs, int expected)
    {
        foreach (var path in Artefacts)
        {
            Assert.Equal(expected, pcs.Requests(path));
        }
    }

    private sealed record Replica(SqliteVouchStore Store, PcsCollateralSource Source, CollateralRefreshService Service);
}
