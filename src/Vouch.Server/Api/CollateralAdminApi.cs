using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vouch.Attestation.Collateral;
using Vouch.Server.Authentication;
using Vouch.Server.Collateral;
using Vouch.Server.Hosting;
using Vouch.Server.Problems;
using Vouch.Server.Providers;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;

namespace Vouch.Server.Api;

/// <summary>
/// Vouch's own administration of collateral: what the PCS sources and cache and the offline folders hold, and
/// fetching platforms' collateral now, before their first quote. Policy administrators only.
/// </summary>
public static class CollateralAdminApi
{
    /// <summary>The most platforms × versions one prefetch request may name.</summary>
    public const int MaxPrefetch = 256;

    private const string PrefetchShape =
        "the body is {\"platforms\":[\"[sgx:|tdx:]FMSPC[:platform|processor]\", …], \"versions\":[\"standard\"|\"early\"|\"tcb-evaluation-N\", …]} (versions optional)";

    /// <summary>Maps <c>GET /admin/collateral</c> and <c>POST /admin/collateral:prefetch</c>.</summary>
    public static IEndpointRouteBuilder MapCollateralAdminApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var group = routes.MapGroup("/admin")
            .RequireAuthorization(ManagementAuthentication.AdministratorPolicy)
            .WithTags("Collateral");
        group.MapGet("/collateral", Status).WithName("GetCollateralStatus")
            .WithSummary("The PCS sources, the PCS cache's entries and the offline collateral folders");
        group.MapPost("/collateral:prefetch", PrefetchAsync).WithName("PrefetchCollateral")
            .WithSummary("Fetch now: {platforms: [\"[sgx:|tdx:]FMSPC[:platform|processor]\"], versions: [standard|early|tcb-evaluation-N]}; versions default to every provider's");
        return routes;
    }

    private static JsonHttpResult<JsonObject> Status(OfflineCollateralSource offline, IServiceProvider services)
    {
        var pcs = services.GetService<PcsCollateralSource>();
        var numbers = services.GetService<EvaluationNumbersCache>();
        return TypedResults.Json(new JsonObject
        {
            ["sources"] = new JsonArray([.. (pcs?.Sources ?? []).Select((s, i) => DescribeSource(s, pcs!.SourceNames[i]))]),
            ["entries"] = new JsonArray([.. (pcs?.Entries ?? []).Select(DescribeEntry)]),
            ["evaluationNumbers"] = new JsonArray([.. (numbers?.Status ?? []).Select(DescribeNumbers)]),
            ["offline"] = DescribeOffline(offline),
        });
    }

    private static async Task<IResult> PrefetchAsync(HttpContext http, ProviderCatalog catalog, IOptions<VouchOptions> options, IServiceProvider services)
    {
        if (services.GetService<PcsCollateralSource>() is not { } pcs)
        {
            return MaaError.Result(ServerErrorCode.CollateralSourceNotConfigured, "this server has no PCS source (Vouch:CollateralSources) to fetch from");
        }

        var (body, error) = await RequestBody.ReadAsync(http.Request, options.Value.Limits.MaxRequestBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (!RequestBody.TryParseObject(body!, options.Value.Limits.MaxJsonDepth, out var root, out error)
            || !TryReadPrefetch(root, out var platforms, out var versions, out error))
        {
            return error;
        }

        if (versions is null)
        {
            var providers = await catalog.ListAsync(http.RequestAborted).ConfigureAwait(false);
            versions = [.. providers.Select(p => p.Collateral.Version).Distinct()];
            if (versions.Count == 0)
            {
                versions = [CollateralVersion.Standard];
            }
        }

        if ((long)platforms.Count * versions.Count > MaxPrefetch)
        {
            return Invalid(string.Create(CultureInfo.InvariantCulture, $"{platforms.Count} platforms × {versions.Count} versions is more than {MaxPrefetch}"));
        }

        var keys = new List<PcsCacheKey>();
        foreach (var version in versions)
        {
            foreach (var platform in platforms)
            {
                PcsCacheKeys.TryParsePlatforms(platform, version, out var parsed);
                keys.AddRange(parsed);
            }
        }

        var statuses = await pcs.PrefetchAsync(keys, http.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new JsonObject { ["entries"] = new JsonArray([.. statuses.Select(DescribeEntry)]) });
    }

    // {"platforms":[string, …], "versions":[string, …]}: platforms required and non-empty, versions optional (null: every provider's).
    private static bool TryReadPrefetch(JsonElement root, out List<string> platforms, out List<CollateralVersion>? versions, [NotNullWhen(false)] out IResult? error)
    {
        platforms = [];
        versions = null;
        foreach (var member in root.EnumerateObject())
        {
            if (!member.Name.Equals("platforms", StringComparison.OrdinalIgnoreCase) && !member.Name.Equals("versions", StringComparison.OrdinalIgnoreCase))
            {
                error = Invalid($"'{member.Name}' is not a prefetch member; " + PrefetchShape);
                return false;
            }
        }

        if (!RequestBody.TryGetOptionalMember(root, "platforms", out var platformsElement, out error)
            || !RequestBody.TryGetOptionalMember(root, "versions", out var versionsElement, out error))
        {
            return false;
        }

        if (platformsElement is not { ValueKind: JsonValueKind.Array } platformArray || platformArray.GetArrayLength() == 0)
        {
            error = Invalid("'platforms' must be a non-empty array; " + PrefetchShape);
            return false;
        }

        if (platformArray.GetArrayLength() > MaxPrefetch)
        {
            error = Invalid(string.Create(CultureInfo.InvariantCulture, $"'platforms' names more than {MaxPrefetch} platforms"));
            return false;
        }

        foreach (var platform in platformArray.EnumerateArray())
        {
            if (platform.ValueKind != JsonValueKind.String || !PcsCacheKeys.TryParsePlatforms(platform.GetString(), CollateralVersion.Standard, out _))
            {
                error = Invalid($"{Quoted(platform)} is not [sgx:|tdx:]FMSPC[:platform|processor] (FMSPC: 12 hex digits)");
                return false;
            }

            platforms.Add(platform.GetString()!);
        }

        if (versionsElement is { } versionValue)
        {
            if (versionValue.ValueKind != JsonValueKind.Array || versionValue.GetArrayLength() == 0)
            {
                error = Invalid("'versions', when given, must be a non-empty array; " + PrefetchShape);
                return false;
            }

            if (versionValue.GetArrayLength() > MaxPrefetch)
            {
                error = Invalid(string.Create(CultureInfo.InvariantCulture, $"'versions' names more than {MaxPrefetch} versions"));
                return false;
            }

            versions = [];
            foreach (var version in versionValue.EnumerateArray())
            {
                if (version.ValueKind != JsonValueKind.String || !CollateralVersion.TryParse(version.GetString(), out var parsed))
                {
                    error = Invalid($"{Quoted(version)} is not a collateral version: standard, early or tcb-evaluation-N");
                    return false;
                }

                if (!versions.Contains(parsed))
                {
                    versions.Add(parsed);
                }
            }
        }

        error = null;
        return true;
    }

    private static string Quoted(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length > 64 ? text[..64] + "…" : text;
    }

    private static IResult Invalid(string message) => MaaError.Result(ServerErrorCode.CollateralRequestInvalid, message);

    private static JsonObject DescribeNumbers(EvaluationNumbersStatus held) => new()
    {
        ["tee"] = held.Tee == TeeType.Tdx ? "tdx" : "sgx",
        ["numbers"] = new JsonArray([.. held.Numbers.Select(n => (JsonNode)JsonValue.Create(n))]),
        ["source"] = held.Source?.AbsoluteUri,
        ["fetchedAt"] = Iso(held.FetchedAt),
        ["issueDate"] = Iso(held.IssueDate),
        ["nextUpdate"] = Iso(held.NextUpdate),
        ["lastProblem"] = held.LastProblem,
    };

    private static JsonObject DescribeSource(PcsSourceStatus source, string name) => new()
    {
        ["name"] = name,
        ["url"] = source.Url.AbsoluteUri,
        ["lastOutcome"] = source.LastOutcome?.ToString(),
        ["lastAttempt"] = Iso(source.LastAttempt),
        ["throttledUntil"] = Iso(source.ThrottledUntil),
        ["lastError"] = source.LastError,
    };

    /// <summary>One cache entry as the admin API and <c>vouch collateral prefetch</c> show it.</summary>
    private static JsonNode DescribeEntry(PcsCacheEntryStatus entry) => new JsonObject
    {
        ["key"] = entry.Key.ToString(),
        ["tee"] = entry.Key.Tee == TeeType.Tdx ? "tdx" : "sgx",
        ["fmspc"] = entry.Key.Fmspc,
        ["ca"] = entry.Key.Ca.ToString().ToLowerInvariant(),
        ["version"] = entry.Key.Version.ToString(),
        ["source"] = entry.Source?.AbsoluteUri,
        ["fetchedAt"] = Iso(entry.FetchedAt),
        ["tcbEvaluationDataNumber"] = entry.TcbEvaluationDataNumber,
        ["qeEvaluationDataNumber"] = entry.QeEvaluationDataNumber,
        ["validFrom"] = Iso(entry.ValidFrom),
        ["validUntil"] = Iso(entry.ValidUntil),
        ["refreshAt"] = Iso(entry.RefreshAt),
        ["lastAttempt"] = Iso(entry.LastAttempt),
        ["lastProblem"] = entry.LastProblem,
    };

    /// <summary>Each offline folder the latest scan indexed (what it holds, read but not verified), then each it could not use.</summary>
    private static JsonArray DescribeOffline(OfflineCollateralSource offline)
    {
        var held = offline.HeldCollateral;
        var folders = offline.Folders;
        var rows = new JsonArray();
        for (var i = 0; i < held.Count; i++)
        {
            // No trust anchors: only the parsed artefacts and their validity are wanted here.
            var report = CollateralVerifier.Verify(held[i], []);
            rows.Add(new JsonObject
            {
                // Both lists come from one scan unless a rescan fell between the two reads.
                ["folder"] = held.Count == folders.Count ? folders[i] : null,
                ["tee"] = report.TcbInfo is null ? null : report.TcbInfo.Id == Sgx.Collateral.TcbInfoId.Tdx ? "tdx" : "sgx",
                ["fmspc"] = report.TcbInfo is null ? null : Convert.ToHexStringLower(report.TcbInfo.Fmspc.Span),
                ["ca"] = report.PckCrl is null ? null : QuotePlatform.CaFromIssuerName(report.PckCrl.IssuerCommonName) is var ca && ca != PckCaKind.Unknown ? ca.ToString().ToLowerInvariant() : null,
                ["tcbEvaluationDataNumber"] = report.TcbInfo?.TcbEvaluationDataNumber,
                ["qeEvaluationDataNumber"] = report.QeIdentity?.TcbEvaluationDataNumber,
                ["validFrom"] = Iso(report.Window?.NotBefore),
                ["validUntil"] = Iso(report.Window?.NotAfter),
            });
        }

        foreach (var (path, problem) in offline.Problems)
        {
            rows.Add(new JsonObject { ["folder"] = path, ["problem"] = problem });
        }

        return rows;
    }

    private static string? Iso(DateTimeOffset? instant) =>
        instant is { } t && t != DateTimeOffset.MaxValue && t != DateTimeOffset.MinValue
            ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : null;
}
