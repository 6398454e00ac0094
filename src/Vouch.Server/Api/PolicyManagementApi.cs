using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Vouch.Attestation;
using Vouch.Attestation.Policies;
using Vouch.Attestation.Stores;
using Vouch.Server.Authentication;
using Vouch.Server.Hosting;
using Vouch.Server.Problems;
using Vouch.Server.Providers;

namespace Vouch.Server.Api;

/// <summary>
/// Policy and policy-signer management (maa-protocol §2.7–2.10): every route needs a policy administrator
/// (<see cref="ManagementAuthentication"/>); what the JWS body may do is decided by <see cref="PolicyAdministrator"/>.
/// </summary>
public static class PolicyManagementApi
{
    /// <summary>Maps the routes for the default provider and for named providers.</summary>
    public static IEndpointRouteBuilder MapPolicyManagementApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        foreach (var prefix in new[] { string.Empty, AttestationApi.ProviderPrefix })
        {
            var group = routes.MapGroup(prefix)
                .RequireAuthorization(ManagementAuthentication.AdministratorPolicy)
                .WithTags(prefix.Length == 0 ? "Policies (default provider)" : "Policies (named providers)");
            var suffix = prefix.Length == 0 ? string.Empty : "ForProvider";
            group.MapGet("/policies/{type}", (HttpContext http, string type, ProviderCatalog catalog, PolicyAdministrator admin) =>
                    RunAsync(http, catalog, type, (provider, kind) => admin.GetPolicyAsync(provider, kind, http.RequestAborted)))
                .RequireApiVersion().WithName("GetPolicy" + suffix).WithSummary("The policy in force for an attestation type, as the JWS it was set with");
            group.MapPut("/policies/{type}", (HttpContext http, string type, ProviderCatalog catalog, PolicyAdministrator admin, IOptions<VouchOptions> options) =>
                    RunWithJwsAsync(http, catalog, type, options.Value, (provider, kind, jws) => admin.SetPolicyAsync(provider, kind!.Value, jws, http.RequestAborted)))
                .RequireApiVersion().WithName("SetPolicy" + suffix).WithSummary("Set the policy: a JWS (unsigned, or signed by a trusted signer on isolated providers)");
            group.MapPost("/policies/{type}:reset", (HttpContext http, string type, ProviderCatalog catalog, PolicyAdministrator admin, IOptions<VouchOptions> options) =>
                    RunWithJwsAsync(http, catalog, type, options.Value, (provider, kind, jws) => admin.ResetPolicyAsync(provider, kind!.Value, jws, http.RequestAborted)))
                .RequireApiVersion().WithName("ResetPolicy" + suffix).WithSummary("Return to the default policy: a JWS with an empty payload");
            group.MapGet("/certificates", (HttpContext http, ProviderCatalog catalog, PolicyAdministrator admin) =>
                    RunAsync(http, catalog, null, (provider, _) => admin.GetPolicySignersAsync(provider, http.RequestAborted)))
                .RequireApiVersion().WithName("GetPolicySigners" + suffix).WithSummary("The trusted policy signer certificates (isolated providers)");
            group.MapPost("/certificates:add", (HttpContext http, ProviderCatalog catalog, PolicyAdministrator admin, IOptions<VouchOptions> options) =>
                    RunWithJwsAsync(http, catalog, null, options.Value, (provider, _, jws) => admin.AddPolicySignerAsync(provider, jws, http.RequestAborted)))
                .RequireApiVersion().WithName("AddPolicySigner" + suffix).WithSummary("Trust another policy signer: a JWS signed by a trusted signer");
            group.MapPost("/certificates:remove", (HttpContext http, ProviderCatalog catalog, PolicyAdministrator admin, IOptions<VouchOptions> options) =>
                    RunWithJwsAsync(http, catalog, null, options.Value, (provider, _, jws) => admin.RemovePolicySignerAsync(provider, jws, http.RequestAborted)))
                .RequireApiVersion().WithName("RemovePolicySigner" + suffix).WithSummary("Stop trusting a policy signer: a JWS signed by a trusted signer");
        }

        return routes;
    }

    /// <summary>Parses an attestation type as MAA names it: one whole type name, case-insensitive.</summary>
    internal static bool TryParseType(string text, out AttestationType type) => EnumNames.TryParse(text, out type);

    private static async Task<IResult> RunAsync(HttpContext http, ProviderCatalog catalog, string? type, Func<AttestationProvider, AttestationType, Task<AttestationResult>> operation)
    {
        var (provider, error) = await AttestationApi.ResolveProviderAsync(http, catalog).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var kind = AttestationType.SgxEnclave;
        if (type is not null && !TryParseType(type, out kind))
        {
            return UnknownType(type);
        }

        return ToResult(await operation(provider!, kind).ConfigureAwait(false));
    }

    private static async Task<IResult> RunWithJwsAsync(HttpContext http, ProviderCatalog catalog, string? type, VouchOptions options, Func<AttestationProvider, AttestationType?, string, Task<AttestationResult>> operation)
    {
        var (provider, error) = await AttestationApi.ResolveProviderAsync(http, catalog).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        AttestationType? kind = null;
        if (type is not null)
        {
            if (!TryParseType(type, out var parsed))
            {
                return UnknownType(type);
            }

            kind = parsed;
        }

        var (body, bodyError) = await RequestBody.ReadAsync(http.Request, options.Limits.MaxRequestBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (bodyError is not null)
        {
            return bodyError;
        }

        if (!RequestBody.TryReadJws(body!, out var jws, out error))
        {
            return error;
        }

        return ToResult(await operation(provider!, kind, jws).ConfigureAwait(false));
    }

    private static IResult UnknownType(string type) =>
        MaaError.Result(ServerErrorCode.AttestationTypeUnknown, $"'{type}' is not an attestation type; use SgxEnclave, OpenEnclave or Tpm");

    private static IResult ToResult(AttestationResult result) =>
        result.Token is { } token ? TypedResults.Json(new JsonObject { ["token"] = token }) : MaaError.Result(result.Error!);
}
