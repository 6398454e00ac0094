using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Scalar.AspNetCore;

namespace Vouch.Server.Api;

/// <summary>Health probes, the OpenAPI document and the browsable API page.</summary>
public static class OperationsApi
{
    /// <summary>
    /// <c>/health/live</c> (the process serves), <c>/health/ready</c> (initialised: keys loaded),
    /// <c>/openapi/v1.json</c> and the API reference page at <c>/api</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).WithTags("Operations");
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).WithTags("Operations");
        routes.MapOpenApi();
        routes.MapScalarApiReference("/api", page => page.WithTitle("Vouch attestation service"));
        return routes;
    }
}
