using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Vouch.Attestation;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Policies;
using Vouch.Attestation.Stores;
using Vouch.Server.Authentication;
using Vouch.Server.Hosting;
using Vouch.Server.Problems;
using Vouch.Server.Providers;
using Vouch.Server.Storage;

namespace Vouch.Server.Api;

/// <summary>
/// Vouch's own administration of attestation providers (MAA does this through Azure Resource Manager):
/// list, show, create, and rotate a provider's signing key. Policy administrators only.
/// </summary>
public static class ProviderAdminApi
{
    /// <summary>Maps <c>/admin/providers…</c>.</summary>
    public static IEndpointRouteBuilder MapProviderAdminApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var group = routes.MapGroup("/admin/providers")
            .RequireAuthorization(ManagementAuthentication.AdministratorPolicy)
            .WithTags("Providers");
        group.MapGet("/", ListAsync).WithName("ListProviders").WithSummary("Every attestation provider");
        group.MapGet("/{name}", GetAsync).WithName("GetProvider").WithSummary("One attestation provider");
        group.MapPut("/{name}", CreateAsync).WithName("CreateProvider")
            .WithSummary("Create a provider: {trustMode: AadLike|Isolated, signingAlgorithm: RS256|ES256, policySigners: [PEM], trustSimulatedAuthority, allowExpiredCollateral, collateral: {…}}");
        group.MapPut("/{name}/collateral-policy", SetCollateralPolicyAsync).WithName("SetProviderCollateralPolicy")
            .WithSummary("Replace the collateral freshness rules: {update: standard|early, tcbEvaluationDataNumber, minimumTcbEvaluationDataNumber, maximumAgeSeconds, gracePeriodSeconds}");
        group.MapPost("/{name}:rotate-key", RotateKeyAsync).WithName("RotateProviderKey")
            .WithSummary("Publish a new signing key now; it signs after the propagation time");
        return routes;
    }

    private static async Task<IResult> ListAsync(ProviderCatalog catalog, IProviderStore store, AttestationEngine engine, HttpContext http)
    {
        var records = await store.ListProvidersAsync(http.RequestAborted).ConfigureAwait(false);
        var list = new JsonArray();
        foreach (var record in records)
        {
            list.Add(await DescribeAsync(catalog, engine, record, http.RequestAborted).ConfigureAwait(false));
        }

        return TypedResults.Json(new JsonObject { ["providers"] = list });
    }

    private static async Task<IResult> GetAsync(string name, ProviderCatalog catalog, IProviderStore store, AttestationEngine engine, HttpContext http)
    {
        var record = ProviderNames.IsValid(name) ? await store.GetProviderAsync(name, http.RequestAborted).ConfigureAwait(false) : null;
        return record is null
            ? MaaError.Result(ServerErrorCode.ProviderNotFound, $"no attestation provider '{name}'")
            : TypedResults.Json(await DescribeAsync(catalog, engine, record, http.RequestAborted).ConfigureAwait(false));
    }

    private static async Task<IResult> CreateAsync(string name, HttpContext http, ProviderCatalog catalog, IProviderStore store, AttestationEngine engine, IOptions<VouchOptions> options, TimeProvider time)
    {
        if (!ProviderNames.IsValid(name))
        {
            return MaaError.Result(ServerErrorCode.ProviderNameInvalid, $"'{name}' is not a provider name: 1–48 characters of a–z, 0–9 and '-', starting with a letter");
        }

        var (body, error) = await RequestBody.ReadAsync(http.Request, options.Value.Limits.MaxRequestBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (!RequestBody.TryParseObject(body!, options.Value.Limits.MaxJsonDepth, out var root, out error))
        {
            return error;
        }

        if (!TryReadDefinition(name, root, time.GetUtcNow(), out var record, out var signers, out error))
        {
            return error;
        }

        if (options.Value.UnknownSource(record.Collateral) is { } unknown)
        {
            return MaaError.Result(ServerErrorCode.ProviderDefinitionInvalid, unknown);
        }

        if (record.TrustSimulatedAuthority && catalog.SimulatedAnchor is null)
        {
            return MaaError.Result(ServerErrorCode.ProviderDefinitionInvalid, "this server runs without a simulated authority (Vouch:SimulatedAuthority), so no provider can trust one");
        }

        if (!await store.CreateProviderAsync(record, signers, http.RequestAborted).ConfigureAwait(false))
        {
            return MaaError.Result(ServerErrorCode.ProviderExists, $"a provider named '{name}' exists");
        }

        await engine.EnsureSigningKeyAsync(catalog.ToProvider(record), http.RequestAborted).ConfigureAwait(false);
        var description = await DescribeAsync(catalog, engine, record, http.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(description, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> SetCollateralPolicyAsync(string name, HttpContext http, ProviderCatalog catalog, IProviderStore store, AttestationEngine engine, PolicyAdministrator admin, IOptions<VouchOptions> options)
    {
        var current = ProviderNames.IsValid(name) ? await store.GetProviderAsync(name, http.RequestAborted).ConfigureAwait(false) : null;
        if (current is null)
        {
            return MaaError.Result(ServerErrorCode.ProviderNotFound, $"no attestation provider '{name}'");
        }

        var (body, error) = await RequestBody.ReadAsync(http.Request, options.Value.Limits.MaxRequestBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (current.TrustMode == TrustMode.Isolated)
        {
            return await SetSignedCollateralPolicyAsync(current, body!, http, catalog, store, engine, admin, options.Value).ConfigureAwait(false);
        }

        if (!RequestBody.TryParseObject(body!, options.Value.Limits.MaxJsonDepth, out var root, out error))
        {
            return error;
        }

        if (!TryReadCollateralPolicy(root, out var policy, out error))
        {
            return error;
        }

        if (options.Value.UnknownSource(policy) is { } unknown)
        {
            return MaaError.Result(ServerErrorCode.ProviderDefinitionInvalid, unknown);
        }

        if (!await store.SetCollateralPolicyAsync(name, policy, http.RequestAborted).ConfigureAwait(false))
        {
            return MaaError.Result(ServerErrorCode.ProviderNotFound, $"no attestation provider '{name}'");
        }

        return await DescribeCurrentAsync(name, catalog, store, engine, http).ConfigureAwait(false);
    }

    // Isolated mode: the holder of the bearer token is not trusted to widen what the provider accepts, so the rules come
    // as the payload of a JWS signed by a trusted policy signer, checked and applied like a policy (docs/server.md).
    private static async Task<IResult> SetSignedCollateralPolicyAsync(ProviderRecord current, byte[] body, HttpContext http, ProviderCatalog catalog, IProviderStore store, AttestationEngine engine, PolicyAdministrator admin, VouchOptions options)
    {
        if (body.AsSpan().TrimStart(" \t\r\n"u8).StartsWith("{"u8))
        {
            return MaaError.Result(new AttestationError(AttestationErrorCode.ProviderSettingSignatureRequired,
                $"'{current.Name}' is isolated: send the collateral policy as the payload of a JWS signed by a trusted policy signer"));
        }

        if (!RequestBody.TryReadJws(body, out var jws, out var error))
        {
            return error;
        }

        if (!ManagementJws.TryRead(jws, out var management, out var jwsError))
        {
            return MaaError.Result(jwsError);
        }

        if (!RequestBody.TryParseObject([.. management.Payload], options.Limits.MaxJsonDepth, out var root, out error)
            || !TryReadCollateralPolicy(root, out var policy, out error, ManagementJwsClaims.Members))
        {
            return error;
        }

        if (options.UnknownSource(policy) is { } unknown)
        {
            return MaaError.Result(ServerErrorCode.ProviderDefinitionInvalid, unknown);
        }

        if (await admin.SetCollateralPolicyAsync(catalog.ToProvider(current), jws, policy, http.RequestAborted).ConfigureAwait(false) is { } refused)
        {
            return MaaError.Result(refused);
        }

        return await DescribeCurrentAsync(current.Name, catalog, store, engine, http).ConfigureAwait(false);
    }

    private static async Task<IResult> DescribeCurrentAsync(string name, ProviderCatalog catalog, IProviderStore store, AttestationEngine engine, HttpContext http)
    {
        var record = await store.GetProviderAsync(name, http.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(await DescribeAsync(catalog, engine, record!, http.RequestAborted).ConfigureAwait(false));
    }

    // {"update":"standard"|"early","tcbEvaluationDataNumber":n,"minimumTcbEvaluationDataNumber":n,"maximumAgeSeconds":n,"gracePeriodSeconds":n}; every member optional.
    private static bool TryReadCollateralPolicy(JsonElement root, out CollateralPolicy policy, [NotNullWhen(false)] out IResult? error, System.Collections.Frozen.FrozenSet<string>? alsoAllowed = null)
    {
        policy = CollateralPolicy.Default;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = MaaError.Result(ServerErrorCode.ProviderDefinitionInvalid, "the collateral policy must be a JSON object");
            return false;
        }

        foreach (var member in root.EnumerateObject())
        {
            if (member.Name is not ("update" or "tcbEvaluationDataNumber" or "minimumTcbEvaluationDataNumber" or "maximumAgeSeconds" or "gracePeriodSeconds" or "sources")
                && alsoAllowed?.Contains(member.Name) != true)
            {
                error = MaaError.Result(ServerErrorCode.ProviderDefinitionInvalid, $"'{member.Name}' is not a collateral policy member");
                return false;
            }
        }

        const string Shape = "update is standard or early; tcbEvaluationDataNumber and minimumTcbEvaluationDataNumber are non-negative integers; maximumAgeSeconds and gracePeriodSeconds whole seconds; sources an array of source names";
        if (!TryReadMember(root, "update", CollateralUpdate.Standard, TryEnum, out var update, out error, Shape)
            || !TryReadMember(root, "tcbEvaluationDataNumber", (int?)null, TryNumber, out var pinned, out error, Shape)
            || !TryReadMember(root, "minimumTcbEvaluationDataNumber", (int?)null, TryNumber, out var minimum, out error, Shape)
            || !TryReadMember(root, "maximumAgeSeconds", (int?)null, TryNumber, out var maximumAge, out error, Shape)
            || !TryReadMember(root, "gracePeriodSeconds", (int?)null, TryNumber, out var grace, out error, Shape)
            || !TryReadMember(root, "sources", ImmutableArray<string>.Empty, TryNames, out var sources, out error, Shape))
        {
            return false;
        }

        policy = new CollateralPolicy
        {
            Update = update,
            TcbEvaluationDataNumber = pinned,
            MinimumTcbEvaluationDataNumber = minimum,
            MaximumAge = maximumAge is { } age ? TimeSpan.FromSeconds(age) : null,
            GracePeriod = TimeSpan.FromSeconds(grace ?? 0),
            Sources = sources,
        };
        if (policy.Problem() is { } problem)
        {
            error = MaaError.Result(ServerErrorCode.ProviderDefinitionInvalid, "the collateral policy is invalid: " + problem);
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryNames(JsonElement value, out ImmutableArray<string> names)
    {
        names = [];
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            return false;
        }

        names = [.. value.EnumerateArray().Select(e => e.GetString()!)];
        return true;
    }

    private static bool TryNumber(JsonElement value, out int? parsed)
    {
        parsed = null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number < 0)
        {
            return false;
        }

        parsed = number;
        return true;
    }

    private static async Task<IResult> RotateKeyAsync(string name, HttpContext http, ProviderCatalog catalog, AttestationEngine engine)
    {
        var provider = await catalog.FindAsync(name, http.RequestAborted).ConfigureAwait(false);
        if (provider is null)
        {
            return MaaError.Result(ServerErrorCode.ProviderNotFound, $"no attestation provider '{name}'");
        }

        var key = await engine.RotateSigningKeyAsync(provider, http.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new JsonObject
        {
            ["kid"] = key.KeyId,
            ["algorithm"] = key.AlgorithmName,
            ["publishedAt"] = key.CreatedAt.ToString("O"),
            ["signsFrom"] = key.ActivatesAt.ToString("O"),
            ["retiresAt"] = key.RetiresAt.ToString("O"),
        });
    }

    // {"trustMode","signingAlgorithm","trustSimulatedAuthority","allowExpiredCollateral","policySigners":[PEM]}; every member optional.
    private static bool TryReadDefinition(string name, JsonElement root, DateTimeOffset now, out ProviderRecord record, out ImmutableArray<PolicySignerCertificate> signers, [NotNullWhen(false)] out IResult? error)
    {
        record = null!;
        signers = [];
        if (!TryReadMember(root, "trustMode", TrustMode.AadLike, TryEnum, out var trustMode, out error)
            || !TryReadMember(root, "signingAlgorithm", SigningAlgorithm.RS256, TryEnum, out var algorithm, out error)
            || !TryReadMember(root, "trustSimulatedAuthority", false, TryBool, out var trustSimulated, out error)
            || !TryReadMember(root, "allowExpiredCollateral", false, TryBool, out var allowExpired, out error)
            || !TryReadMember(root, "policySigners", ImmutableArray<PolicySignerCertificate>.Empty, (JsonElement value, out ImmutableArray<PolicySignerCertificate> parsed) => TryReadSigners(value, now, out parsed), out signers, out error))
        {
            return false;
        }

        var collateral = CollateralPolicy.Default;
        if (RequestBody.TryGetMember(root, "collateral", out var collateralElement, out var duplicate))
        {
            if (!TryReadCollateralPolicy(collateralElement, out collateral, out error))
            {
                return false;
            }
        }
        else if (duplicate is not null)
        {
            error = duplicate;
            return false;
        }

        if (trustMode == TrustMode.Isolated && signers.IsEmpty)
        {
            error = MaaError.Result(ServerErrorCode.ProviderDefinitionInvalid, "an isolated provider needs at least one policy signer certificate");
            return false;
        }

        // An isolated provider none of whose signers is valid now could never be changed again (every JWS: ATT7409).
        if (trustMode == TrustMode.Isolated && !signers.Any(s => PolicyAdministrator.IsValidAt(s.Certificate.AsSpan(), now)))
        {
            error = MaaError.Result(ServerErrorCode.ProviderSignersNotValid, "no policy signer certificate of the isolated provider is valid now");
            return false;
        }

        record = new ProviderRecord(name, trustMode, algorithm, trustSimulated, allowExpired, now) { Collateral = collateral };
        return true;
    }

    private delegate bool Reader<T>(JsonElement value, out T parsed);

    private static bool TryReadMember<T>(JsonElement root, string member, T fallback, Reader<T> read, out T value, [NotNullWhen(false)] out IResult? error, string? shape = null)
    {
        value = fallback;
        if (!RequestBody.TryGetMember(root, member, out var element, out var duplicate))
        {
            error = duplicate;
            return duplicate is null;
        }

        if (!read(element, out value))
        {
            error = MaaError.Result(ServerErrorCode.ProviderDefinitionInvalid,
                $"'{member}' is invalid: " + (shape ?? "trustMode is AadLike or Isolated, signingAlgorithm RS256 or ES256, the flags booleans, policySigners an array of PEM certificates, collateral an object"));
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryReadSigners(JsonElement value, DateTimeOffset now, out ImmutableArray<PolicySignerCertificate> signers)
    {
        signers = [];
        if (value.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var certificates = ImmutableArray.CreateBuilder<PolicySignerCertificate>();
        foreach (var pem in value.EnumerateArray())
        {
            if (pem.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            try
            {
                using var certificate = X509Certificate2.CreateFromPem(pem.GetString());
                certificates.Add(new PolicySignerCertificate(PolicyAdministrator.Thumbprint(certificate.RawData), [.. certificate.RawData], now));
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                return false;
            }
        }

        signers = [.. certificates.DistinctBy(c => c.Thumbprint)];
        return true;
    }

    private static bool TryEnum<T>(JsonElement value, out T parsed)
        where T : struct, Enum
    {
        parsed = default;
        return value.ValueKind == JsonValueKind.String && EnumNames.TryParse(value.GetString(), out parsed);
    }

    private static bool TryBool(JsonElement value, out bool parsed)
    {
        parsed = value.ValueKind == JsonValueKind.True;
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False;
    }

    private static async Task<JsonObject> DescribeAsync(ProviderCatalog catalog, AttestationEngine engine, ProviderRecord record, CancellationToken cancellationToken)
    {
        var provider = catalog.ToProvider(record);
        var certs = await engine.GetSigningCertificatesAsync(provider, cancellationToken).ConfigureAwait(false);
        return new JsonObject
        {
            ["name"] = record.Name,
            ["issuer"] = provider.Issuer,
            ["trustMode"] = record.TrustMode.ToString(),
            ["signingAlgorithm"] = record.SigningAlgorithm.ToString(),
            ["trustAnchors"] = new JsonArray([.. provider.TrustAnchors.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["keyId"] = a.KeyId })]),
            ["allowExpiredCollateral"] = record.AllowExpiredCollateral,
            ["collateral"] = record.Collateral.ToJson(),
            ["createdAt"] = record.CreatedAt.ToString("O"),
            ["signingKeys"] = new JsonArray([.. ((JsonArray)certs["keys"]!).Select(k => (JsonNode)JsonValue.Create(k!["kid"]!.GetValue<string>())!)]),
        };
    }
}
