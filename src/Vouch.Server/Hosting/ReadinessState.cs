using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Vouch.Server.Hosting;

/// <summary><c>/health/ready</c>: healthy only after start-up initialisation finished (schema, providers, signing keys).</summary>
public sealed class ReadinessState : IHealthCheck
{
    private volatile bool _ready;

    /// <summary>Whether the server has finished initialising.</summary>
    public bool IsReady => _ready;

    /// <summary>Marks initialisation finished.</summary>
    public void MarkReady() => _ready = true;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ready ? HealthCheckResult.Healthy("signing keys loaded") : HealthCheckResult.Unhealthy("initialising"));
}
