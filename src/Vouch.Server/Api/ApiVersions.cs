using System.Collections.Frozen;
using Vouch.Server.Problems;

namespace Vouch.Server.Api;

/// <summary>The <c>api-version</c> values MAA has published (maa-protocol §1.1); every one is served the same way.</summary>
internal static class ApiVersions
{
    /// <summary>The versions accepted.</summary>
    public static FrozenSet<string> Known { get; } = FrozenSet.Create(
        StringComparer.Ordinal,
        "2018-09-01-preview",
        "2020-10-01",
        "2022-08-01",
        "2022-09-01-preview",
        "2025-06-01",
        "2026-03-11-preview");

    /// <summary>
    /// An endpoint filter requiring a known <c>api-version</c>. Decision (maa-protocol §7 q3): a missing or unknown
    /// version is refused with 400 rather than served as some version the caller did not ask for.
    /// </summary>
    public static TBuilder RequireApiVersion<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var values = context.HttpContext.Request.Query["api-version"];
            if (values.Count == 0)
            {
                return MaaError.Result(ServerErrorCode.ApiVersionMissing, "the api-version query parameter is required, e.g. api-version=2020-10-01");
            }

            if (values.Count > 1 || !Known.Contains(values[0]!))
            {
                return MaaError.Result(ServerErrorCode.ApiVersionUnsupported, $"api-version '{values}' is not supported; use one of {string.Join(", ", Known.Order(StringComparer.Ordinal))}");
            }

            return await next(context).ConfigureAwait(false);
        });
}
