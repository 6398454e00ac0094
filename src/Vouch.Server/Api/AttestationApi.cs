using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Vouch.Attestation;
using Vouch.Attestation.Evidence;
using Vouch.Server.Hosting;
using Vouch.Server.Problems;
using Vouch.Server.Providers;

namespace Vouch.Server.Api;

/// <summary>
/// MAA's data plane for a provider (maa-protocol §2.1–2.6): OpenID metadata, signing certificates and the attest
/// routes, at <c>/</c> for the default provider and at <c>/providers/{provider}/</c> for the others.
/// </summary>
public static class AttestationApi
{
    /// <summary>The route group prefix of named providers.</summary>
    public const string ProviderPrefix = "/providers/{provider}";

    /// <summary>Maps the routes for the default provider and for named providers.</summary>
    public static IEndpointRouteBuilder MapAttestationApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        foreach (var prefix in new[] { string.Empty, ProviderPrefix })
        {
            var group = routes.MapGroup(prefix).WithTags(prefix.Length == 0 ? "Attestation (default provider)" : "Attestation (named providers)");
            var suffix = prefix.Length == 0 ? string.Empty : "ForProvider";
            group.MapGet("/.well-known/openid-configuration", GetOpenIdMetadataAsync)
                .WithName("GetOpenIdMetadata" + suffix).WithSummary("OpenID metadata: the issuer and its JWKS URL");
            group.MapGet("/certs", GetSigningCertificatesAsync)
                .WithName("GetSigningCertificates" + suffix).WithSummary("The token signing keys (JWKS, each with a self-signed x5c)");
            group.MapPost("/attest/SgxEnclave", (HttpContext http, ProviderCatalog catalog, AttestationEngine engine, IOptions<VouchOptions> options) =>
                    AttestAsync(http, catalog, engine, options.Value, "quote", engine.AttestSgxEnclaveAsync))
                .RequireApiVersion().WithName("AttestSgxEnclave" + suffix).WithSummary("Attest an SGX enclave from its DCAP quote");
            group.MapPost("/attest/OpenEnclave", (HttpContext http, ProviderCatalog catalog, AttestationEngine engine, IOptions<VouchOptions> options) =>
                    AttestAsync(http, catalog, engine, options.Value, "report", engine.AttestOpenEnclaveAsync))
                .RequireApiVersion().WithName("AttestOpenEnclave" + suffix).WithSummary("Attest an Open Enclave report or SGX-ECDSA evidence");
            group.MapPost("/attest/Tpm", () => MaaError.Result(ServerErrorCode.AttestationTypeNotSupported, "Vouch attests SGX enclaves; TPM attestation is not offered"))
                .RequireApiVersion().WithName("AttestTpm" + suffix).WithSummary("Not offered: Vouch does not attest TPMs");
        }

        return routes;
    }

    /// <summary>The provider a request addresses, from the <c>provider</c> route value (none: the default).</summary>
    internal static async Task<(AttestationProvider? Provider, IResult? Error)> ResolveProviderAsync(HttpContext http, ProviderCatalog catalog)
    {
        var name = http.GetRouteValue("provider") as string;
        var provider = await catalog.FindAsync(name, http.RequestAborted).ConfigureAwait(false);
        return provider is null
            ? (null, MaaError.Result(ServerErrorCode.ProviderNotFound, $"no attestation provider '{name}'"))
            : (provider, null);
    }

    private static async Task<IResult> GetOpenIdMetadataAsync(HttpContext http, ProviderCatalog catalog)
    {
        var (provider, error) = await ResolveProviderAsync(http, catalog).ConfigureAwait(false);
        return error ?? TypedResults.Json(AttestationEngine.GetOpenIdMetadata(provider!).ToJson());
    }

    private static async Task<IResult> GetSigningCertificatesAsync(HttpContext http, ProviderCatalog catalog, AttestationEngine engine)
    {
        var (provider, error) = await ResolveProviderAsync(http, catalog).ConfigureAwait(false);
        return error ?? TypedResults.Json(await engine.GetSigningCertificatesAsync(provider!, http.RequestAborted).ConfigureAwait(false));
    }

    // §2.3/2.4: {"quote"|"report", "runtimeData":{"data","dataType"}, "initTimeData":{…}, "draftPolicyForAttestation", "nonce"}.
    private static async Task<IResult> AttestAsync(
        HttpContext http,
        ProviderCatalog catalog,
        AttestationEngine engine,
        VouchOptions options,
        string evidenceMember,
        Func<AttestationProvider, AttestRequest, CancellationToken, Task<AttestationResult>> attest)
    {
        var (provider, error) = await ResolveProviderAsync(http, catalog).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var (body, bodyError) = await RequestBody.ReadAsync(http.Request, options.Limits.MaxRequestBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (bodyError is not null)
        {
            return bodyError;
        }

        if (!RequestBody.TryParseObject(body!, options.Limits.MaxJsonDepth, out var root, out error))
        {
            return error;
        }

        if (!TryReadRequest(root, evidenceMember, options.Limits.MaxEvidenceBytes, out var request, out error))
        {
            return error;
        }

        var result = await attest(provider!, request, http.RequestAborted).ConfigureAwait(false);
        return result.Token is { } token
            ? TypedResults.Json(new JsonObject { ["token"] = token })
            : MaaError.Result(result.Error!);
    }

    internal static bool TryReadRequest(JsonElement root, string evidenceMember, int maxEvidenceBytes, out AttestRequest request, [NotNullWhen(false)] out IResult? error)
    {
        request = null!;
        if (!RequestBody.TryGetMember(root, evidenceMember, out var evidenceValue, out error))
        {
            error ??= MaaError.Result(ServerErrorCode.EvidenceMissing, $"the request has no '{evidenceMember}'");
            return false;
        }

        if (evidenceValue.ValueKind != JsonValueKind.String)
        {
            error = MaaError.Result(ServerErrorCode.EvidenceMissing, $"'{evidenceMember}' must be a base64url string");
            return false;
        }

        var encoded = evidenceValue.GetString()!;
        if ((long)encoded.AsSpan().TrimEnd('=').Length * 3 / 4 > maxEvidenceBytes)
        {
            error = MaaError.Result(ServerErrorCode.EvidenceTooLarge, $"'{evidenceMember}' is larger than {maxEvidenceBytes} bytes");
            return false;
        }

        if (!RequestBody.TryDecodeBase64(encoded, out var evidence))
        {
            error = MaaError.Result(ServerErrorCode.Base64Invalid, $"'{evidenceMember}' is not base64url");
            return false;
        }

        if (!TryReadBoundData(root, "runtimeData", out var runtime, out error)
            || !TryReadBoundData(root, "initTimeData", out var initTime, out error)
            || !TryReadString(root, "draftPolicyForAttestation", out var draft, out error)
            || !TryReadString(root, "nonce", out var nonce, out error))
        {
            return false;
        }

        request = new AttestRequest(evidence) { RuntimeData = runtime, InitTimeData = initTime, DraftPolicyForAttestation = draft, Nonce = nonce };
        return true;
    }

    // {"data": base64url, "dataType": "Binary"|"JSON"} (dataType matched case-insensitively).
    private static bool TryReadBoundData(JsonElement root, string member, out BoundData? data, [NotNullWhen(false)] out IResult? error)
    {
        data = null;
        if (!RequestBody.TryGetOptionalMember(root, member, out var value, out error) || value is not { } body)
        {
            return error is null;
        }

        var encoded = default(JsonElement);
        var type = default(JsonElement);
        if (body.ValueKind != JsonValueKind.Object
            || !RequestBody.TryGetMember(body, "data", out encoded, out error) || encoded.ValueKind != JsonValueKind.String
            || !RequestBody.TryGetMember(body, "dataType", out type, out error) || type.ValueKind != JsonValueKind.String)
        {
            error ??= MaaError.Result(ServerErrorCode.RequestMemberInvalid, $"'{member}' must be an object with a base64url 'data' and a 'dataType'");
            return false;
        }

        DataType? kind = type.GetString()!.ToUpperInvariant() switch
        {
            "BINARY" => DataType.Binary,
            "JSON" => DataType.Json,
            _ => null,
        };
        if (kind is null)
        {
            error = MaaError.Result(ServerErrorCode.RequestMemberInvalid, $"'{member}.dataType' must be \"Binary\" or \"JSON\"");
            return false;
        }

        if (!RequestBody.TryDecodeBase64(encoded.GetString()!, out var bytes))
        {
            error = MaaError.Result(ServerErrorCode.Base64Invalid, $"'{member}.data' is not base64url");
            return false;
        }

        data = new BoundData(bytes, kind.Value);
        return true;
    }

    private static bool TryReadString(JsonElement root, string member, out string? text, [NotNullWhen(false)] out IResult? error)
    {
        text = null;
        if (!RequestBody.TryGetOptionalMember(root, member, out var value, out error) || value is not { } element)
        {
            return error is null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = MaaError.Result(ServerErrorCode.RequestMemberInvalid, $"'{member}' must be a string");
            return false;
        }

        text = element.GetString();
        return true;
    }
}
