using System.Globalization;
using Vouch.Server.Collateral;
using Vouch.Server.Hosting;
using Vouch.Server.Providers;
using Vouch.Server.Storage;

namespace Vouch.Server.Background;

/// <summary>
/// Keeps the PCS collateral cache current off the request path. Every <see cref="PcsCacheOptions.CheckInterval"/>
/// (on the injected <see cref="TimeProvider"/>) each replica takes in the copies other replicas stored
/// (<see cref="PcsCollateralSource.LoadAsync"/>); the one replica holding the <see cref="LeaseName"/> lease in the shared
/// store then prefetches the configured platforms for every version a provider uses and refreshes every copy of such a
/// version whose refresh point has passed (copies of versions no provider uses any more are left to lapse), so Intel's PCS sees one refresher however many replicas run. The lease is renewed on
/// every pass and lapses after <see cref="PcsCacheOptions.LeaseDuration"/> when its holder stops, so another replica
/// takes over; it is released at shutdown. (On PostgreSQL the same contract can sit on an advisory lock.)
/// </summary>
internal sealed class CollateralRefreshService(
    PcsCollateralSource cache,
    ILeaseStore leases,
    ProviderCatalog providers,
    PcsCacheOptions options,
    TimeProvider time,
    ILogger<CollateralRefreshService> logger,
    EvaluationNumbersCache? evaluationNumbers = null) : BackgroundService
{
    /// <summary>The lease that elects the refresher.</summary>
    public const string LeaseName = "collateral-refresh";

    private bool _leader;

    /// <summary>This replica's name in the lease table: host, process and a random suffix (two servers in one process differ).</summary>
    public string Holder { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}");

    /// <summary>One pass: load what others stored, then, as the lease holder, prefetch and refresh. False when another replica holds the lease.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        var loaded = await cache.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (evaluationNumbers is not null)
        {
            await evaluationNumbers.LoadAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!await leases.TryAcquireLeaseAsync(LeaseName, Holder, time.GetUtcNow(), options.LeaseDuration, cancellationToken).ConfigureAwait(false))
        {
            _leader = false;
            return false;
        }

        if (!_leader)
        {
            _leader = true;
            logger.CollateralLeaseTaken(Holder);
        }

        var all = await providers.ListAsync(cancellationToken).ConfigureAwait(false);
        var versions = all.Select(p => p.Collateral.Version).Distinct().ToList();
        var keys = options.Prefetch.SelectMany(entry => versions.SelectMany(v => PcsCacheKeys.TryParsePlatforms(entry, v, out var k) ? k : [])).ToList();
        var prefetched = await cache.PrefetchAsync(keys, cancellationToken).ConfigureAwait(false);
        var refreshed = await cache.RefreshDueAsync(versions.Contains, cancellationToken).ConfigureAwait(false);
        foreach (var entry in prefetched.Concat(cache.Entries).Where(e => e.LastProblem is not null).DistinctBy(e => e.Key))
        {
            logger.CollateralProblem(entry.Key.ToString(), entry.LastProblem!);
        }

        if (evaluationNumbers is not null)
        {
            await evaluationNumbers.RefreshDueAsync(cancellationToken).ConfigureAwait(false);
            foreach (var provider in all.Where(p => p.Collateral.TcbEvaluationDataNumber is { } pin && evaluationNumbers.IsNoLongerServed(Sgx.Quotes.TeeType.Sgx, pin)))
            {
                logger.PinnedEvaluationNotServed(provider.Name, provider.Collateral.TcbEvaluationDataNumber!.Value);
            }
        }

        if (keys.Count + refreshed + loaded > 0)
        {
            logger.CollateralRefreshed(keys.Count, refreshed, loaded);
        }

        return true;
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_leader)
        {
            try
            {
                await leases.ReleaseLeaseAsync(LeaseName, Holder, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreUnavailableException e)
            {
                logger.CollateralRefreshFailed(e);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CheckInterval, time);
        try
        {
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.CollateralRefreshFailed(e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
