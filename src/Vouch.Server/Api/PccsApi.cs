using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Diagnostics;
using Vouch.Attestation.Collateral;
using Vouch.Server.Collateral;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Quotes;

namespace Vouch.Server.Api;

/// <summary>
/// Intel's PCCS v4 collateral routes (dcap-verification §3.1, §3.6) over the collateral Vouch holds
/// (<see cref="PccsCatalog"/>), so Intel's quote provider library (QCNL) and other DCAP verifiers can use Vouch as
/// their PCCS. Anonymous, as PCS collateral is public. Bodies are the held artefacts byte for byte; issuer chains go in
/// PCS's headers as URL-encoded PEM. Errors follow PCS, not MAA: 400 for a malformed parameter, 404 when nothing
/// is held, both with an empty body; every answer carries <c>Request-ID</c>.
/// </summary>
public static class PccsApi
{
    /// <summary>The content type of PEM bodies (PCS's).</summary>
    public const string PemContentType = "application/x-pem-file";

    /// <summary>The content type of DER CRL bodies (PCS's).</summary>
    public const string CrlContentType = "application/pkix-crl";

    /// <summary>Maps <c>/sgx|tdx/certification/v4/tcb</c>, <c>…/qe/identity</c>, <c>/sgx/certification/v4/pckcrl</c>, <c>…/rootcacrl</c> and <c>…/crl</c>.</summary>
    public static IEndpointRouteBuilder MapPccsApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var group = routes.MapGroup("").WithTags("PCCS (collateral)").AllowAnonymous();
        group.MapGet("/sgx/certification/v4/tcb", (HttpContext http, PccsCatalog catalog) => Tcb(http, catalog, TcbInfoId.Sgx))
            .WithName("PccsGetSgxTcbInfo").WithSummary("SGX TCB Info for an FMSPC, as PCS v4 serves it");
        group.MapGet("/tdx/certification/v4/tcb", (HttpContext http, PccsCatalog catalog) => Tcb(http, catalog, TcbInfoId.Tdx))
            .WithName("PccsGetTdxTcbInfo").WithSummary("TDX TCB Info for an FMSPC, as PCS v4 serves it");
        group.MapGet("/sgx/certification/v4/qe/identity", (HttpContext http, PccsCatalog catalog) => QeIdentity(http, catalog, EnclaveIdentityId.Qe))
            .WithName("PccsGetSgxQeIdentity").WithSummary("The SGX QE Identity, as PCS v4 serves it");
        group.MapGet("/tdx/certification/v4/qe/identity", (HttpContext http, PccsCatalog catalog) => QeIdentity(http, catalog, EnclaveIdentityId.TdQe))
            .WithName("PccsGetTdxQeIdentity").WithSummary("The TDX QE (TD_QE) Identity, as PCS v4 serves it");
        group.MapGet("/sgx/certification/v4/tcbevaluationdatanumbers", (HttpContext http, CancellationToken cancellationToken) => EvaluationNumbers(http, TeeType.Sgx, cancellationToken))
            .WithName("PccsSgxTcbEvaluationDataNumbers").WithSummary("The TCB evaluation numbers Intel serves for SGX (PCS v4 shape), with the TCB-Evaluation-Data-Numbers-Issuer-Chain header");
        group.MapGet("/tdx/certification/v4/tcbevaluationdatanumbers", (HttpContext http, CancellationToken cancellationToken) => EvaluationNumbers(http, TeeType.Tdx, cancellationToken))
            .WithName("PccsTdxTcbEvaluationDataNumbers").WithSummary("The TCB evaluation numbers Intel serves for TDX (PCS v4 shape), with the TCB-Evaluation-Data-Numbers-Issuer-Chain header");
        group.MapGet("/sgx/certification/v4/pckcrl", PckCrl)
            .WithName("PccsGetPckCrl").WithSummary("The PCK CRL of the Platform or Processor CA (PEM by default, DER with encoding=der)");
        group.MapGet("/sgx/certification/v4/rootcacrl", RootCaCrl)
            .WithName("PccsGetRootCaCrl").WithSummary("The Intel SGX Root CA CRL as hex-encoded DER (PCCS API 3.0)");
        group.MapGet("/sgx/certification/v4/crl", CrlAt)
            .WithName("PccsGetCrl").WithSummary("A CRL by its distribution point URI, as DER (PCCS API 3.1)");
        return routes;
    }

    private static IResult Tcb(HttpContext http, PccsCatalog catalog, TcbInfoId tee)
    {
        var query = http.Request.Query;
        if (!TryReadVersion(http, out var version)
            || query["fmspc"] is not [{ Length: 12 } fmspc] || !fmspc.All(char.IsAsciiHexDigit))
        {
            return Status(http, StatusCodes.Status400BadRequest);
        }

        return catalog.TcbInfo(Convert.FromHexString(fmspc), tee, version) is { } held
            ? Ok(http, "application/json", held.Body, ("TCB-Info-Issuer-Chain", held.IssuerChain))
            : Status(http, StatusCodes.Status404NotFound);
    }

    private static IResult QeIdentity(HttpContext http, PccsCatalog catalog, EnclaveIdentityId id)
    {
        if (!TryReadVersion(http, out var version))
        {
            return Status(http, StatusCodes.Status400BadRequest);
        }

        return catalog.QeIdentity(id, version) is { } held
            ? Ok(http, "application/json", held.Body, ("SGX-Enclave-Identity-Issuer-Chain", held.IssuerChain))
            : Status(http, StatusCodes.Status404NotFound);
    }

    // Held only when PCS-shaped sources are configured: fetched from them on first use, then kept current by the refresher.
    private static async Task<IResult> EvaluationNumbers(HttpContext http, TeeType tee, CancellationToken cancellationToken)
    {
        if (http.Request.Query.Count > 0)
        {
            return Status(http, StatusCodes.Status400BadRequest);
        }

        return http.RequestServices.GetService<EvaluationNumbersCache>() is { } cache
            && await cache.GetAsync(tee, cancellationToken).ConfigureAwait(false) is { } held
            ? Ok(http, "application/json", held.Body, ("TCB-Evaluation-Data-Numbers-Issuer-Chain", held.IssuerChain))
            : Status(http, StatusCodes.Status404NotFound);
    }

    private static IResult PckCrl(HttpContext http, PccsCatalog catalog)
    {
        var query = http.Request.Query;
        var ca = query["ca"] is [{ } caText] ? caText.ToLowerInvariant() switch { "platform" => PckCaKind.Platform, "processor" => PckCaKind.Processor, _ => PckCaKind.Unknown } : PckCaKind.Unknown;
        var encoding = query["encoding"] switch { [] => "pem", [{ } text] => text.ToLowerInvariant(), _ => "" };
        if (ca == PckCaKind.Unknown || encoding is not ("pem" or "der"))
        {
            return Status(http, StatusCodes.Status400BadRequest);
        }

        if (catalog.PckCrl(ca) is not { } held)
        {
            return Status(http, StatusCodes.Status404NotFound);
        }

        return encoding == "der"
            ? Ok(http, CrlContentType, held.Body, ("SGX-PCK-CRL-Issuer-Chain", held.IssuerChain))
            : Ok(http, PemContentType, Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", held.Body.Span) + "\n"), ("SGX-PCK-CRL-Issuer-Chain", held.IssuerChain));
    }

    private static IResult RootCaCrl(HttpContext http, PccsCatalog catalog) =>
        catalog.RootCaCrl() is { } der
            ? Ok(http, PemContentType, Encoding.ASCII.GetBytes(Convert.ToHexStringLower(der.Span)))
            : Status(http, StatusCodes.Status404NotFound);

    private static IResult CrlAt(HttpContext http, PccsCatalog catalog)
    {
        if (http.Request.Query["uri"] is not [{ Length: > 0 } uri])
        {
            return Status(http, StatusCodes.Status400BadRequest);
        }

        return catalog.CrlAt(uri) is { } der ? Ok(http, CrlContentType, der) : Status(http, StatusCodes.Status404NotFound);
    }

    // PCS: update=early|standard (default standard) or tcbEvaluationDataNumber=<n>, not both (400).
    private static bool TryReadVersion(HttpContext http, out CollateralVersion version)
    {
        var query = http.Request.Query;
        version = CollateralVersion.Standard;
        var update = query["update"];
        var evaluation = query["tcbEvaluationDataNumber"];
        if (update.Count > 1 || evaluation.Count > 1 || (update.Count == 1 && evaluation.Count == 1)
            || (update.Count == 1 && update[0] is not ("early" or "standard")))
        {
            return false;
        }

        if (evaluation.Count == 1)
        {
            if (!int.TryParse(evaluation[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            version = CollateralVersion.Pinned(value);
        }
        else if (update.Count == 1 && update[0] == "early")
        {
            version = CollateralVersion.Early;
        }

        return true;
    }

    private static IResult Ok(HttpContext http, string contentType, ReadOnlyMemory<byte> body, (string Name, ReadOnlyMemory<byte> Pem)? chain = null)
    {
        RequestId(http);
        if (chain is { Pem.IsEmpty: false } header)
        {
            // PCS sends issuer chains as the URL-encoded (percent-encoded) PEM text.
            http.Response.Headers[header.Name] = Uri.EscapeDataString(Encoding.ASCII.GetString(header.Pem.Span));
        }

        return Results.Bytes(body, contentType);
    }

    // PCS answers errors with an empty body: the MAA-shaped status code pages are turned off for these.
    private static IResult Status(HttpContext http, int status)
    {
        RequestId(http);
        if (http.Features.Get<IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        return Results.StatusCode(status);
    }

    private static void RequestId(HttpContext http) => http.Response.Headers["Request-ID"] = http.TraceIdentifier;
}
