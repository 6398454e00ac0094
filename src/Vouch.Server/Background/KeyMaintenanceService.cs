using Vouch.Attestation;
using Vouch.Server.Hosting;
using Vouch.Server.Providers;

namespace Vouch.Server.Background;

/// <summary>
/// Keeps every provider's key ring ahead of time: every 10 minutes (on the injected <see cref="TimeProvider"/>)
/// it asks the engine to create a key wherever none will be able to sign one propagation time from now.
/// Replicas may race; the key ring tolerates an extra key.
/// </summary>
internal sealed class KeyMaintenanceService(ProviderCatalog catalog, AttestationEngine engine, TimeProvider time, ILogger<KeyMaintenanceService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    /// <summary>One pass over every provider.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var provider in await catalog.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (await engine.EnsureSigningKeyAsync(provider, cancellationToken).ConfigureAwait(false) is { } key)
                {
                    logger.SigningKeyCreated(key.KeyId, provider.Name, key.ActivatesAt);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.KeyMaintenanceFailed(e, provider.Name);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
