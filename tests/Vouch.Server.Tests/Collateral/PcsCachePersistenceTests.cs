using System.Numerics;
using Microsoft.Extensions.Time.Testing;
using Vouch.Attestation.Collateral;
using Vouch.Server.Collateral;
using Vouch.Server.Storage;
using Vouch.Sgx;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;
using static Vouch.Server.Tests.Collateral.CollateralTestKit;

namespace Vouch.Server.Tests.Collateral;

/// <summary>The PCS cache persisted in SQLite: a restart and a second replica serve what one fetch stored; never backwards.</summary>
public sealed class PcsCachePersistenceTests : IDisposable
{
    private static readonly string[] Artefacts = [SimulatedPcs.TcbPath, SimulatedPcs.QeIdentityPath, SimulatedPcs.PckCrlPath, SimulatedPcs.PccsRootCaCrlPath];

    private readonly CollateralTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    [Fact]
    public async Task A_restarted_source_serves_the_stored_copy_byte_for_byte_without_asking_the_PCS()
    {
        var dcap = _kit.Build(Start, 21);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var time = new FakeTimeProvider(Start);
        var quote = Parse(dcap.Quote);

        QuoteCollateral? fetched;
        using (var first = _kit.CreateSource(time, null, await _kit.OpenStoreAsync(), pcs.Url))
        {
            fetched = await first.GetCollateralAsync(quote, time.GetUtcNow(), Ct);
            Assert.NotNull(fetched);
            Assert.Null(Assert.Single(first.Entries).LastProblem);
        }

        AssertOneRequestPerArtefact(pcs);

        // The restart: a new store instance and source over the same file.
        time.Advance(TimeSpan.FromHours(1));
        using var restarted = _kit.CreateSource(time, null, await _kit.OpenStoreAsync(), pcs.Url);
        Assert.Equal(1, await restarted.LoadAsync(Ct));
        var served = await restarted.GetCollateralAsync(quote, time.GetUtcNow(), Ct);

        AssertSameBytes(fetched, served);
        AssertOneRequestPerArtefact(pcs);
        var entry = Assert.Single(restarted.Entries);
        Assert.Equal(new PcsCacheKey(Fmspc(dcap), PckCaKind.Platform, Sgx.Quotes.TeeType.Sgx, CollateralVersion.Standard), entry.Key);
        Assert.Equal(21, entry.TcbEvaluationDataNumber);
        Assert.Equal(21, entry.QeEvaluationDataNumber);
        Assert.Equal(Start, entry.FetchedAt);
        Assert.Equal(pcs.Url, entry.Source);

        // Nothing new since: the next load takes nothing in.
        Assert.Equal(0, await restarted.LoadAsync(Ct));
    }

    [Fact]
    public async Task A_second_replica_takes_in_the_copy_the_first_stored_and_serves_it_without_fetching()
    {
        var dcap = _kit.Build(Start, 21);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var time = new FakeTimeProvider(Start);
        var quote = Parse(dcap.Quote);
        using var first = _kit.CreateSource(time, null, await _kit.OpenStoreAsync(), pcs.Url);
        using var second = _kit.CreateSource(time, null, await _kit.OpenStoreAsync(), pcs.Url);
        Assert.Equal(0, await second.LoadAsync(Ct));

        var fetched = await first.GetCollateralAsync(quote, time.GetUtcNow(), Ct);
        Assert.Equal(0, await first.LoadAsync(Ct)); // its own write is not taken in again
        Assert.Equal(1, await second.LoadAsync(Ct));
        Assert.Equal(0, await second.LoadAsync(Ct)); // nor a row already taken in
        var served = await second.GetCollateralAsync(quote, time.GetUtcNow(), Ct);

        AssertSameBytes(fetched!, served);
        AssertOneRequestPerArtefact(pcs);
        Assert.Equal(21, Assert.Single(second.Entries).TcbEvaluationDataNumber);

        // A newer evaluation fetched by the first replica replaces the second's copy at its next load.
        var recovery = _kit.Build(Start.AddHours(20), 22);
        pcs.Respond = PcsTestHost.Simulated(recovery);
        time.Advance(TimeSpan.FromDays(1.5));
        Assert.Equal(1, await first.RefreshDueAsync(Ct));
        Assert.Equal(1, await second.LoadAsync(Ct));
        Assert.Equal(22, Assert.Single(second.Entries).TcbEvaluationDataNumber);
        AssertSameBytes((await first.GetCollateralAsync(quote, time.GetUtcNow(), Ct))!, await second.GetCollateralAsync(quote, time.GetUtcNow(), Ct));
        Assert.Equal(2, pcs.Requests(SimulatedPcs.TcbPath));
    }

    [Fact]
    public async Task A_lower_evaluation_number_put_into_the_store_is_refused_there_and_never_taken_in()
    {
        var current = _kit.Build(Start, 21);
        var older = _kit.Build(Start.AddDays(1), 20);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(current));
        var time = new FakeTimeProvider(Start);
        var quote = Parse(current.Quote);
        var store = await _kit.OpenStoreAsync();
        using var source = _kit.CreateSource(time, null, store, pcs.Url);
        Assert.NotNull(await source.GetCollateralAsync(quote, time.GetUtcNow(), Ct));
        await source.LoadAsync(Ct); // past its own write
        var stored = Assert.Single(await store.ListCachedCollateralAsync(0, Ct));
        Assert.Equal(21, stored.TcbEvaluationDataNumber);

        // The store's guard: an older evaluation for the same key is not written.
        var olderCopy = await FetchAsync(older, time);
        Assert.Null(await store.PutCachedCollateralAsync(olderCopy with { Key = stored.Key }, Ct));
        Assert.Equal(0, await source.LoadAsync(Ct));
        Assert.Equal(21, Assert.Single(source.Entries).TcbEvaluationDataNumber);
        Assert.Equal(21, Assert.Single(await store.ListCachedCollateralAsync(0, Ct)).TcbEvaluationDataNumber);
    }

    [Fact]
    public async Task A_lower_evaluation_number_the_store_holds_is_not_taken_in_over_a_newer_copy_in_memory()
    {
        var current = _kit.Build(Start, 21);
        var older = _kit.Build(Start.AddDays(1), 20);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(current));
        var time = new FakeTimeProvider(Start);
        var quote = Parse(current.Quote);
        var sqlite = await _kit.OpenStoreAsync();

        // This replica's write of the newer copy was lost; the store holds only an older evaluation, written after.
        var store = new SwitchableCollateralStore(sqlite) { DropWrites = true };
        using var source = _kit.CreateSource(time, null, store, pcs.Url);
        var cached = await source.GetCollateralAsync(quote, time.GetUtcNow(), Ct);
        Assert.Equal(1, store.Writes);
        var key = Assert.Single(source.Entries).Key.ToString();
        Assert.NotNull(await sqlite.PutCachedCollateralAsync((await FetchAsync(older, time)) with { Key = key }, Ct));

        Assert.Equal(0, await source.LoadAsync(Ct));

        var entry = Assert.Single(source.Entries);
        Assert.Equal(21, entry.TcbEvaluationDataNumber);
        Assert.Same(cached, await source.GetCollateralAsync(quote, time.GetUtcNow(), Ct));
        Assert.Equal(1, pcs.Requests(SimulatedPcs.TcbPath));
    }

    [Fact]
    public async Task Early_and_pinned_copies_survive_a_restart_under_their_own_keys()
    {
        var (early, standard) = (_kit.Build(Start, 22), _kit.Build(Start, 21));
        var earlyPcs = new SimulatedPcs(early);
        var standardPcs = new SimulatedPcs(standard);
        await using var pcs = await PcsTestHost.StartAsync(target =>
            (target.Contains("update=early", StringComparison.Ordinal) ? earlyPcs : standardPcs).Handle("GET", target));
        var time = new FakeTimeProvider(Start);
        var quote = Parse(standard.Quote);
        CollateralVersion[] versions = [CollateralVersion.Early, CollateralVersion.Standard, CollateralVersion.Pinned(21)];
        var fetched = new Dictionary<CollateralVersion, QuoteCollateral>();
        using (var first = _kit.CreateSource(time, null, await _kit.OpenStoreAsync(), pcs.Url))
        {
            foreach (var version in versions)
            {
                fetched[version] = (await first.GetCollateralAsync(quote, time.GetUtcNow(), version, Ct))!;
            }
        }

        using var restarted = _kit.CreateSource(time, null, await _kit.OpenStoreAsync(), pcs.Url);
        Assert.Equal(3, await restarted.LoadAsync(Ct));

        foreach (var version in versions)
        {
            AssertSameBytes(fetched[version], await restarted.GetCollateralAsync(quote, time.GetUtcNow(), version, Ct));
        }

        Assert.Equal(3, pcs.Requests(SimulatedPcs.TcbPath));
        Assert.Equal(
            new Dictionary<CollateralVersion, int?> { [CollateralVersion.Early] = 22, [CollateralVersion.Standard] = 21, [CollateralVersion.Pinned(21)] = 21 },
            restarted.Entries.ToDictionary(e => e.Key.Version, e => e.TcbEvaluationDataNumber));
    }

    [Fact]
    public async Task A_replica_fetching_an_older_PCK_CRL_cannot_roll_the_store_back_and_a_restart_keeps_the_revocation()
    {
        // The current PCS has a newer PCK CRL (cRLNumber 5) revoking the platform's PCK certificate; a lagging mirror
        // still serves the case's CRL (cRLNumber 1). Both have the same TCB evaluation.
        var dcap = _kit.Build(Start, 21);
        var revoking = dcap with
        {
            PckCrl = _kit.Intel.BuildPckCrl(PckCaType.Platform, [dcap.Facts.PckCertificateSerial], Start.AddMinutes(-30), Start.AddDays(30), new BigInteger(5)),
        };
        await using var current = await PcsTestHost.StartAsync(PcsTestHost.Simulated(revoking));
        await using var lagging = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var time = new FakeTimeProvider(Start);
        var quote = Parse(dcap.Quote);
        using var a = _kit.CreateSource(time, null, await _kit.OpenStoreAsync(), current.Url);
        using var b = _kit.CreateSource(time, null, await _kit.OpenStoreAsync(), lagging.Url);
        var fromA = await a.GetCollateralAsync(quote, time.GetUtcNow(), Ct);

        // The second replica has not loaded yet: it fills from the mirror, and the store refuses its older CRL.
        Assert.NotNull(await b.GetCollateralAsync(quote, time.GetUtcNow(), Ct));
        Assert.NotNull(Assert.Single(b.Entries).LastProblem);
        Assert.Equal(1, await b.LoadAsync(Ct));

        using var restarted = _kit.CreateSource(time, null, await _kit.OpenStoreAsync(), current.Url);
        Assert.Equal(1, await restarted.LoadAsync(Ct));
        var served = await restarted.GetCollateralAsync(quote, time.GetUtcNow(), Ct);
        AssertSameBytes(fromA!, served);
        AssertSameBytes(fromA!, await b.GetCollateralAsync(quote, time.GetUtcNow(), Ct));
        Assert.Equal(new BigInteger(5), Assert.Single(await (await _kit.OpenStoreAsync()).ListCachedCollateralAsync(0, Ct)).PckCrlNumber);
        var report = new QuoteVerifier().Verify(dcap.Quote, served!, new VerificationOptions { At = Start, TrustAnchors = [TrustAnchor.FromCertificate(_kit.Intel.RootCertificate)] });
        Assert.Contains(report.Failures, f => f.Code == ErrorCode.PckRevoked);
    }

    /// <summary>The older case's collateral as a PCS serves it, shaped for the store, via a source of its own without one.</summary>
    private async Task<CachedCollateral> FetchAsync(DcapCase dcap, TimeProvider time)
    {
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var memory = new CapturingStore();
        using var source = _kit.CreateSource(time, null, memory, pcs.Url);
        Assert.NotNull(await source.GetCollateralAsync(Parse(dcap.Quote), time.GetUtcNow(), Ct));
        return Assert.Single(memory.Written);
    }

    private static void AssertOneRequestPerArtefact(PcsTestHost pcs)
    {
        foreach (var path in Artefacts)
        {
            Assert.Equal(1, pcs.Requests(path));
        }
    }

    /// <summary>Keeps what is written, lists nothing.</summary>
    private sealed class CapturingStore : ICollateralCacheStore
    {
        public List<CachedCollateral> Written { get; } = [];

        public ValueTask<System.Collections.Immutable.ImmutableArray<CachedCollateral>> ListCachedCollateralAsync(long afterRevision = 0, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(System.Collections.Immutable.ImmutableArray<CachedCollateral>.Empty);

        public ValueTask<CachedCollateral?> PutCachedCollateralAsync(CachedCollateral collateral, CancellationToken cancellationToken = default)
        {
            Written.Add(collateral);
            return ValueTask.FromResult<CachedCollateral?>(collateral);
        }
    }
}
