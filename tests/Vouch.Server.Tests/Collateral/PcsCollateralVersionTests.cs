using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Vouch.Attestation.Collateral;
using Vouch.Server.Collateral;
using Vouch.Simulator.Dcap;
using static Vouch.Server.Tests.Collateral.CollateralTestKit;

namespace Vouch.Server.Tests.Collateral;

/// <summary>
/// Collateral versions against a PCS that serves a different evaluation for <c>update=early</c> and
/// <c>update=standard</c>: each version is asked for with its own query and cached under its own key, so neither is
/// a rollback of the other; a pin asks by number and must get exactly that number.
/// </summary>
public sealed class PcsCollateralVersionTests : IDisposable
{
    private const int Early = 22;
    private const int Standard = 21;

    private readonly CollateralTestKit _kit = new();
    private readonly ConcurrentQueue<string> _targets = new();

    public void Dispose() => _kit.Dispose();

    [Fact]
    public async Task Early_and_standard_are_fetched_with_their_own_query_and_cached_apart_without_either_being_a_rollback()
    {
        var (early, standard) = (_kit.Build(Start, Early), _kit.Build(Start, Standard));
        await using var pcs = await PcsTestHost.StartAsync(ByVersion(early, standard));
        var time = new FakeTimeProvider(Start);
        using var source = _kit.CreateSource(time, null, null, pcs.Url);
        var quote = Parse(standard.Quote);

        var earlyCopy = await source.GetCollateralAsync(quote, time.GetUtcNow(), CollateralVersion.Early, Ct);
        var standardCopy = await source.GetCollateralAsync(quote, time.GetUtcNow(), CollateralVersion.Standard, Ct);
        var defaultCopy = await source.GetCollateralAsync(quote, time.GetUtcNow(), Ct);

        Assert.Equal(early.TcbInfoJson, System.Text.Encoding.UTF8.GetString(earlyCopy!.TcbInfo.Span));
        Assert.Equal(standard.TcbInfoJson, System.Text.Encoding.UTF8.GetString(standardCopy!.TcbInfo.Span));
        Assert.Same(standardCopy, defaultCopy);
        Assert.Equal(2, pcs.Requests(SimulatedPcs.TcbPath));
        Assert.Equal(2, pcs.Requests(SimulatedPcs.QeIdentityPath));
        Assert.Single(_targets, t => t.StartsWith(SimulatedPcs.TcbPath, StringComparison.Ordinal) && Query(t).Contains("update=early"));
        Assert.Single(_targets, t => t.StartsWith(SimulatedPcs.TcbPath, StringComparison.Ordinal) && Query(t).Contains("update=standard"));
        Assert.Single(_targets, t => t.StartsWith(SimulatedPcs.QeIdentityPath, StringComparison.Ordinal) && Query(t).Contains("update=early"));

        var entries = source.Entries.ToDictionary(e => e.Key.Version);
        Assert.Equal(2, entries.Count);
        Assert.Equal(Early, entries[CollateralVersion.Early].TcbEvaluationDataNumber);
        Assert.Equal(Early, entries[CollateralVersion.Early].QeEvaluationDataNumber);
        Assert.Equal(Standard, entries[CollateralVersion.Standard].TcbEvaluationDataNumber);
        Assert.All(entries.Values, e => Assert.Null(e.LastProblem));
        Assert.Equal(entries[CollateralVersion.Early].Key with { Version = CollateralVersion.Standard }, entries[CollateralVersion.Standard].Key);

        // Refreshed, each stays its own: the standard copy is not refused for being below the early one.
        time.Advance(TimeSpan.FromDays(1.5));
        Assert.Equal(2, await source.RefreshDueAsync(Ct));
        Assert.All(source.Entries, e => Assert.Null(e.LastProblem));
        Assert.Equal([Early, Standard], source.Entries.OrderBy(e => e.Key.Version.ToString(), StringComparer.Ordinal).Select(e => e.TcbEvaluationDataNumber));
        Assert.Equal(4, pcs.Requests(SimulatedPcs.TcbPath));
    }

    [Fact]
    public async Task Copies_of_a_version_no_provider_uses_any_more_are_not_refreshed()
    {
        var (early, standard) = (_kit.Build(Start, Early), _kit.Build(Start, Standard));
        await using var pcs = await PcsTestHost.StartAsync(ByVersion(early, standard));
        var time = new FakeTimeProvider(Start);
        using var source = _kit.CreateSource(time, null, null, pcs.Url);
        var quote = Parse(standard.Quote);
        Assert.NotNull(await source.GetCollateralAsync(quote, time.GetUtcNow(), CollateralVersion.Early, Ct));
        Assert.NotNull(await source.GetCollateralAsync(quote, time.GetUtcNow(), CollateralVersion.Standard, Ct));

        // Only standard is in use now (the early provider was changed): the early copy is left to lapse.
        time.Advance(TimeSpan.FromDays(1.5));
        Assert.Equal(1, await source.RefreshDueAsync(v => v == CollateralVersion.Standard, Ct));
        Assert.Single(_targets, t => t.StartsWith(SimulatedPcs.TcbPath, StringComparison.Ordinal) && Query(t).Contains("update=early"));
        Assert.Equal(2, _targets.Count(t => t.StartsWith(SimulatedPcs.TcbPath, StringComparison.Ordinal) && Query(t).Contains("update=standard")));
        var lapsing = Assert.Single(source.Entries, e => e.Key.Version == CollateralVersion.Early);
        Assert.Equal(Start, lapsing.FetchedAt);
    }

    [Fact]
    public async Task A_pin_asks_by_evaluation_number_and_is_cached_apart_from_the_update_types()
    {
        var (early, standard) = (_kit.Build(Start, Early), _kit.Build(Start, Standard));
        await using var pcs = await PcsTestHost.StartAsync(ByVersion(early, standard));
        var time = new FakeTimeProvider(Start);
        using var source = _kit.CreateSource(time, null, null, pcs.Url);
        var quote = Parse(standard.Quote);
        Assert.NotNull(await source.GetCollateralAsync(quote, time.GetUtcNow(), CollateralVersion.Early, Ct));

        var pinned = await source.GetCollateralAsync(quote, time.GetUtcNow(), CollateralVersion.Pinned(Standard), Ct);

        Assert.Equal(standard.TcbInfoJson, System.Text.Encoding.UTF8.GetString(pinned!.TcbInfo.Span));
        Assert.Single(_targets, t => t.StartsWith(SimulatedPcs.TcbPath, StringComparison.Ordinal) && Query(t).Contains($"tcbEvaluationDataNumber={Standard}") && !Query(t).Contains("update="));
        Assert.Single(_targets, t => t.StartsWith(SimulatedPcs.QeIdentityPath, StringComparison.Ordinal) && Query(t).Contains($"tcbEvaluationDataNumber={Standard}"));
        var entry = Assert.Single(source.Entries, e => e.Key.Version == CollateralVersion.Pinned(Standard));
        Assert.Equal(Standard, entry.TcbEvaluationDataNumber);
        Assert.Null(entry.LastProblem);
        Assert.Equal(Early, Assert.Single(source.Entries, e => e.Key.Version == CollateralVersion.Early).TcbEvaluationDataNumber);
        Assert.Equal(2, source.CachedCollateral.Count);
    }

    [Fact]
    public async Task A_pin_answered_with_another_evaluation_number_is_refused_and_nothing_is_cached()
    {
        var standard = _kit.Build(Start, Standard);
        var simulated = new SimulatedPcs(standard);

        // A PCS that ignores the number asked for and serves what it holds (21) for a pin of 20.
        await using var pcs = await PcsTestHost.StartAsync(target =>
        {
            _targets.Enqueue(target);
            return simulated.Handle("GET", target.Replace("tcbEvaluationDataNumber=20", "update=standard", StringComparison.Ordinal));
        });
        var time = new FakeTimeProvider(Start);
        using var source = _kit.CreateSource(time, null, null, pcs.Url);
        var quote = Parse(standard.Quote);

        Assert.Null(await source.GetCollateralAsync(quote, time.GetUtcNow(), CollateralVersion.Pinned(20), Ct));

        Assert.Contains(_targets, t => t.StartsWith(SimulatedPcs.TcbPath, StringComparison.Ordinal) && Query(t).Contains("tcbEvaluationDataNumber=20"));
        var entry = Assert.Single(source.Entries);
        Assert.Equal(CollateralVersion.Pinned(20), entry.Key.Version);
        Assert.Null(entry.TcbEvaluationDataNumber);
        Assert.Null(entry.FetchedAt);
        Assert.NotNull(entry.LastProblem);
        Assert.Empty(source.CachedCollateral);
        Assert.Equal(PcsOutcome.Malformed, Assert.Single(source.Sources).LastOutcome);

        // Not asked again inside the retry interval.
        var asked = pcs.Requests(SimulatedPcs.TcbPath);
        Assert.Null(await source.GetCollateralAsync(quote, time.GetUtcNow(), CollateralVersion.Pinned(20), Ct));
        Assert.Equal(asked, pcs.Requests(SimulatedPcs.TcbPath));
    }

    [Fact]
    public async Task A_pin_the_PCS_no_longer_serves_is_recorded_as_gone()
    {
        var standard = _kit.Build(Start, Standard);
        await using var pcs = await PcsTestHost.StartAsync(Recording(PcsTestHost.Simulated(standard)));
        var time = new FakeTimeProvider(Start);
        using var source = _kit.CreateSource(time, null, null, pcs.Url);
        var quote = Parse(standard.Quote);

        Assert.Null(await source.GetCollateralAsync(quote, time.GetUtcNow(), CollateralVersion.Pinned(5), Ct));

        Assert.Contains(_targets, t => t.StartsWith(SimulatedPcs.TcbPath, StringComparison.Ordinal) && Query(t).Contains("tcbEvaluationDataNumber=5"));
        var status = Assert.Single(source.Sources);
        Assert.Equal(PcsOutcome.Gone, status.LastOutcome);
        Assert.NotNull(status.LastError);
        var entry = Assert.Single(source.Entries);
        Assert.Equal(CollateralVersion.Pinned(5), entry.Key.Version);
        Assert.Null(entry.TcbEvaluationDataNumber);
        Assert.NotNull(entry.LastProblem);

        // The standard copy of the same platform is unaffected.
        Assert.NotNull(await source.GetCollateralAsync(quote, time.GetUtcNow(), CollateralVersion.Standard, Ct));
        Assert.Equal(PcsOutcome.Ok, Assert.Single(source.Sources).LastOutcome);
    }

    /// <summary>The early case for <c>update=early</c>, the standard case otherwise (no update, <c>update=standard</c>, a pin).</summary>
    private Func<string, PcsResponse> ByVersion(DcapCase early, DcapCase standard)
    {
        var earlyPcs = new SimulatedPcs(early);
        var standardPcs = new SimulatedPcs(standard);
        return Recording(target => (Query(target).Contains("update=early") ? earlyPcs : standardPcs).Handle("GET", target));
    }

    private Func<string, PcsResponse> Recording(Func<string, PcsResponse> respond) => target =>
    {
        _targets.Enqueue(target);
        return respond(target);
    };

    private static string[] Query(string target) => target.Contains('?', StringComparison.Ordinal) ? target[(target.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&') : [];
}
