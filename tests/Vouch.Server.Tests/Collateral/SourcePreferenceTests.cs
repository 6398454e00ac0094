using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vouch.Attestation.Collateral;
using Vouch.Server.Collateral;
using Vouch.Sgx.Quotes;
using Vouch.Simulator.Dcap;

namespace Vouch.Server.Tests.Collateral;

/// <summary>Providers choosing their sources: copies fetched through a named list of sources are cached apart.</summary>
public sealed class SourcePreferenceTests : IDisposable
{
    private static readonly DateTimeOffset Start = CollateralTestKit.Start;

    private readonly CollateralTestKit _kit = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_provider_following_an_older_baseline_gets_its_own_copy_and_neither_is_a_rollback_of_the_other()
    {
        var intelCase = Build(22);
        var thimCase = Build(21);
        await using var intel = await PcsTestHost.StartAsync(PcsTestHost.Simulated(intelCase));
        await using var thim = await PcsTestHost.StartAsync(PcsTestHost.Simulated(thimCase));
        var time = new FakeTimeProvider(Start);
        using var source = new PcsCollateralSource([_kit.CreateClient(time, intel.Url, "intel"), _kit.CreateClient(time, thim.Url, "thim")], time);
        var quote = Parse(intelCase.Quote);
        var viaThim = CollateralVersion.Standard with { Sources = "thim" };

        var fromAll = await source.GetCollateralAsync(quote, Start, CollateralVersion.Standard, Cancel);
        var fromThim = await source.GetCollateralAsync(quote, Start, viaThim, Cancel);

        Assert.Equal(22, Number(fromAll));
        Assert.Equal(21, Number(fromThim));
        Assert.Equal(["intel", "thim"], source.SourceNames);
        Assert.Equal(2, source.Entries.Count);
        Assert.All(source.Entries, e => Assert.Null(e.LastProblem));
        Assert.Equal(1, thim.Requests(SimulatedPcs.TcbPath));

        // Both refreshed a day later: each from its own sources, and neither refused.
        time.Advance(TimeSpan.FromDays(1.1));
        Assert.Equal(2, await source.RefreshDueAsync(Cancel));
        Assert.All(source.Entries, e => Assert.Null(e.LastProblem));
        Assert.Equal(21, Number(await source.GetCollateralAsync(quote, time.GetUtcNow(), viaThim, Cancel)));
        Assert.Equal(2, thim.Requests(SimulatedPcs.TcbPath));
        Assert.Equal(2, intel.Requests(SimulatedPcs.TcbPath));
    }

    [Fact]
    public async Task Sources_named_in_order_are_asked_in_that_order_and_an_unknown_name_fetches_nothing()
    {
        var intelCase = Build(22);
        var thimCase = Build(21);
        await using var intel = await PcsTestHost.StartAsync(PcsTestHost.Simulated(intelCase));
        await using var thim = await PcsTestHost.StartAsync(PcsTestHost.Simulated(thimCase));
        var time = new FakeTimeProvider(Start);
        using var source = _kit.CreateSource(time, null, null, intel.Url, thim.Url);
        var quote = Parse(intelCase.Quote);

        // Unnamed sources are source-1, source-2.
        var reversed = await source.GetCollateralAsync(quote, Start, CollateralVersion.Standard with { Sources = "source-2,source-1" }, Cancel);
        Assert.Equal(21, Number(reversed));
        Assert.Equal(0, intel.TotalRequests);

        var unknown = CollateralVersion.Standard with { Sources = "nowhere" };
        Assert.Null(await source.GetCollateralAsync(quote, Start, unknown, Cancel));
        var entry = Assert.Single(source.Entries, e => e.Key.Version == unknown);
        Assert.NotNull(entry.LastProblem);
        Assert.Equal(0, intel.TotalRequests);
    }

    [Fact]
    public void Versions_with_sources_round_trip_through_their_key_text()
    {
        foreach (var version in new[]
        {
            CollateralVersion.Standard, CollateralVersion.Early, CollateralVersion.Pinned(17),
            CollateralVersion.Early with { Sources = "thim" }, CollateralVersion.Pinned(3) with { Sources = "intel,source-2" },
        })
        {
            var key = new PcsCacheKey("00906ed50000", PckCaKind.Platform, TeeType.Sgx, version);
            Assert.True(PcsCacheKey.TryParse(key.ToString(), out var parsed), key.ToString());
            Assert.Equal(key, parsed);
        }

        foreach (var text in new[] { "Sgx/00906ed50000/Platform/standard@", "Sgx/00906ed50000/Platform/standard@Intel", "Sgx/00906ed50000/Platform/early@a@b", "Sgx/00906ed50000/Platform/late" })
        {
            Assert.False(PcsCacheKey.TryParse(text, out _), text);
        }
    }

    public void Dispose() => _kit.Dispose();

    private static int Number(Vouch.Sgx.Verification.QuoteCollateral? collateral) =>
        Vouch.Sgx.Collateral.TcbInfo.TryParse(Assert.IsType<Vouch.Sgx.Verification.QuoteCollateral>(collateral).TcbInfo, out var info, out _) ? info.TcbEvaluationDataNumber : -1;

    private DcapCase Build(int evaluationNumber) => _kit.Build(Start, evaluationNumber);

    private static Quote Parse(byte[] bytes) => CollateralTestKit.Parse(bytes);
}
