using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Vouch.Attestation.Collateral;
using Vouch.Sgx.Certificates;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;

namespace Vouch.Server.Collateral;

/// <summary>How a PCS request ended.</summary>
public enum PcsOutcome
{
    /// <summary>The artefact was received and is well formed.</summary>
    Ok,

    /// <summary>404: the PCS has no such artefact (unknown FMSPC, CA or evaluation number).</summary>
    NotFound,

    /// <summary>410: the PCS no longer serves the evaluation number asked for (an operator pin too old).</summary>
    Gone,

    /// <summary>429: rate limited; <see cref="PcsResult{T}.RetryAfter"/> says for how long when the PCS did.</summary>
    Throttled,

    /// <summary>No answer (connection failure, timeout, open circuit) or a server error (5xx, or another unexpected status).</summary>
    Unavailable,

    /// <summary>An answer Vouch cannot use: a missing or unreadable issuer-chain header, or a body that does not parse as the artefact asked for.</summary>
    Malformed,
}

/// <summary>The result of a PCS request: a value when <see cref="Outcome"/> is <see cref="PcsOutcome.Ok"/>, else why not.</summary>
/// <param name="Outcome">How the request ended.</param>
/// <param name="Value">The artefact; null unless <see cref="PcsOutcome.Ok"/>.</param>
/// <param name="Detail">A one-line reason for a failure (for logs and status, never for control flow).</param>
/// <param name="RetryAfter">For <see cref="PcsOutcome.Throttled"/>: how long the PCS asked to wait, when it said.</param>
public sealed record PcsResult<T>(PcsOutcome Outcome, T? Value, string? Detail, TimeSpan? RetryAfter = null)
    where T : class
{
    internal static PcsResult<T> Ok(T value) => new(PcsOutcome.Ok, value, null);

    internal PcsResult<TOther> As<TOther>()
        where TOther : class => new(Outcome, null, Detail, RetryAfter);
}

/// <summary>An artefact exactly as the PCS returned it: the body bytes and the URL-decoded PEM of its issuer-chain header (empty when it has none).</summary>
public sealed record PcsArtefact(ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> IssuerChain);

/// <summary>One PCS-shaped collateral service (Intel PCS v4, an Intel PCCS, Azure THIM, the simulator's PCS), as configured.</summary>
/// <param name="Url">The base URL, e.g. <c>https://pccs.example:8081</c>; routes <c>/sgx|tdx/certification/v4/…</c> are appended.</param>
/// <param name="RootCaCrlUrl">Where the Intel SGX Root CA CRL is fetched (DER, PEM or hex); null: PCCS's <c>{Url}/sgx/certification/v4/rootcacrl</c>. Intel PCS has no such route: give the root certificate's CRL distribution point.</param>
/// <param name="Name">How providers name this source in their collateral policy (<see cref="CollateralPolicy.Sources"/>); <c>source-N</c> (1-based) when not configured.</param>
public sealed record PcsEndpoint(Uri Url, Uri? RootCaCrlUrl = null, string? Name = null);

/// <summary>
/// A client for the PCS v4 collateral routes (dcap-verification §3.1): TCB Info, QE Identity, PCK CRL and the root
/// CA CRL, with issuer chains from the response headers (URL-decoded PEM) and the bodies kept byte for byte.
/// Requests go through the named <see cref="HttpClientName"/> client (<see cref="AddPcsHttpClient"/>: the standard
/// resilience handler with timeouts, bounded retries of transient failures, and a circuit breaker per host).
/// Network failures never throw: every outcome is a <see cref="PcsResult{T}"/>. Artefacts are checked only for
/// shape (they parse, and are the ones asked for); signatures and chains are the verifier's job.
/// </summary>
public sealed class PcsClient
{
    /// <summary>The named <see cref="HttpClient"/> the client uses.</summary>
    public const string HttpClientName = "vouch-pcs";

    /// <summary>The largest response body read, in bytes (a TCB Info is a few KiB; Vouch's parsers stop at 1 MiB).</summary>
    public const int MaxResponseBytes = 4 << 20;

    private static readonly string[] TcbInfoChainHeaders = ["TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"];
    private static readonly string[] IdentityChainHeaders = ["SGX-Enclave-Identity-Issuer-Chain", "Enclave-Identity-Issuer-Chain"];
    private static readonly string[] PckCrlChainHeaders = ["SGX-PCK-CRL-Issuer-Chain"];
    private static readonly string[] EvaluationNumbersChainHeaders = ["TCB-Evaluation-Data-Numbers-Issuer-Chain"];

    private readonly IHttpClientFactory _factory;
    private readonly TimeProvider _time;
    private readonly string _base;

    /// <summary>A client for <paramref name="endpoint"/>.</summary>
    /// <exception cref="ArgumentException">The URL is not absolute http or https.</exception>
    public PcsClient(IHttpClientFactory factory, PcsEndpoint endpoint, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(time);
        foreach (var url in new[] { endpoint.Url, endpoint.RootCaCrlUrl })
        {
            if (url is not null && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
            {
                throw new ArgumentException($"'{url}' is not an absolute http or https URL.", nameof(endpoint));
            }
        }

        _factory = factory;
        _time = time;
        Endpoint = endpoint;
        _base = endpoint.Url.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>The service this client talks to.</summary>
    public PcsEndpoint Endpoint { get; }

    /// <summary>Registers the named client: bodies capped at <see cref="MaxResponseBytes"/>, no redirects, the standard resilience handler per host.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adjusts the resilience options after Vouch's (tests shorten delays).</param>
    public static IHttpClientBuilder AddPcsHttpClient(IServiceCollection services, Action<HttpStandardResilienceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddHttpClient(HttpClientName, client =>
        {
            client.MaxResponseContentBufferSize = MaxResponseBytes;

            // The resilience handler's total timeout governs; this is only a backstop.
            client.Timeout = TimeSpan.FromMinutes(2);
        }).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        });
        builder.AddStandardResilienceHandler(options =>
        {
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(30);
            options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(30);
            options.Retry.MaxRetryAttempts = 2;
            options.Retry.Delay = TimeSpan.FromMilliseconds(500);
            options.Retry.BackoffType = DelayBackoffType.Exponential;
            options.Retry.UseJitter = true;

            // A 429 is surfaced to the cache (which honours Retry-After by not asking again until then), never slept on here.
            options.Retry.ShouldRetryAfterHeader = false;
            options.Retry.ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(args.Outcome));
            configure?.Invoke(options);
        }).SelectPipelineByAuthority();
        return builder;
    }

    /// <summary>All the collateral for one platform, fetched concurrently; the first failure (throttled, unavailable, malformed, gone, then not found) when any artefact fails.</summary>
    /// <param name="fmspc">12 hex digits.</param>
    /// <param name="ca">The platform's PCK CA (not <see cref="PckCaKind.Unknown"/>).</param>
    /// <param name="tee">SGX or TDX.</param>
    /// <param name="version">Which evaluation of TCB Info and QE Identity: an update type, or a pinned evaluation number.</param>
    /// <param name="cancellationToken">Cancels the requests (then this throws <see cref="OperationCanceledException"/>).</param>
    public async Task<PcsResult<QuoteCollateral>> GetCollateralAsync(string fmspc, PckCaKind ca, TeeType tee, CollateralVersion version, CancellationToken cancellationToken)
    {
        var tcb = GetTcbInfoAsync(fmspc, tee, version, cancellationToken);
        var qe = GetQeIdentityAsync(tee, version, cancellationToken);
        var pckCrl = GetPckCrlAsync(ca, cancellationToken);
        var rootCrl = GetRootCaCrlAsync(cancellationToken);
        var results = await Task.WhenAll(tcb, qe, pckCrl, rootCrl).ConfigureAwait(false);
        foreach (var outcome in new[] { PcsOutcome.Throttled, PcsOutcome.Unavailable, PcsOutcome.Malformed, PcsOutcome.Gone, PcsOutcome.NotFound })
        {
            var failed = results.Where(r => r.Outcome == outcome).ToList();
            if (failed.Count > 0)
            {
                return new PcsResult<QuoteCollateral>(outcome, null, string.Join("; ", failed.Select(f => f.Detail)), failed.Max(f => f.RetryAfter));
            }
        }

        return PcsResult<QuoteCollateral>.Ok(new QuoteCollateral(
            TcbInfo: results[0].Value!.Body,
            TcbInfoIssuerChain: results[0].Value!.IssuerChain,
            QeIdentity: results[1].Value!.Body,
            QeIdentityIssuerChain: results[1].Value!.IssuerChain,
            PckCrl: results[2].Value!.Body,
            RootCaCrl: results[3].Value!.Body,
            PckCrlIssuerChain: results[2].Value!.IssuerChain));
    }

    /// <summary><c>GET /sgx|tdx/certification/v4/tcb?fmspc=…&amp;update=…|tcbEvaluationDataNumber=…</c>: a TCB Info for that FMSPC, TEE and version, with its issuer chain.</summary>
    public async Task<PcsResult<PcsArtefact>> GetTcbInfoAsync(string fmspc, TeeType tee, CollateralVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fmspc);
        if (fmspc.Length != 12 || !fmspc.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException("The FMSPC must be 12 hex digits.", nameof(fmspc));
        }

        var url = $"{_base}/{Prefix(tee)}/certification/v4/tcb?fmspc={fmspc.ToUpperInvariant()}&{version.QueryParameter}";
        var result = await GetAsync(url, TcbInfoChainHeaders, cancellationToken).ConfigureAwait(false);
        if (result.Value is not { } artefact)
        {
            return result;
        }

        if (!TcbInfo.TryParse(artefact.Body, out var tcbInfo, out var error))
        {
            return Malformed(url, $"the TCB Info does not parse ({error.Code})");
        }

        if (!Convert.ToHexString(tcbInfo.Fmspc.Span).Equals(fmspc, StringComparison.OrdinalIgnoreCase)
            || (tcbInfo.Id == TcbInfoId.Tdx) != (tee == TeeType.Tdx))
        {
            return Malformed(url, "the TCB Info is for another FMSPC or TEE");
        }

        return version.TcbEvaluationDataNumber is { } pinned && tcbInfo.TcbEvaluationDataNumber != pinned
            ? Malformed(url, string.Create(CultureInfo.InvariantCulture, $"asked for evaluation {pinned}, got {tcbInfo.TcbEvaluationDataNumber}"))
            : result;
    }

    /// <summary><c>GET /sgx|tdx/certification/v4/qe/identity?update=…|tcbEvaluationDataNumber=…</c>: the QE (or TD_QE) identity of that version, with its issuer chain.</summary>
    public async Task<PcsResult<PcsArtefact>> GetQeIdentityAsync(TeeType tee, CollateralVersion version, CancellationToken cancellationToken)
    {
        var url = $"{_base}/{Prefix(tee)}/certification/v4/qe/identity?{version.QueryParameter}";
        var result = await GetAsync(url, IdentityChainHeaders, cancellationToken).ConfigureAwait(false);
        if (result.Value is not { } artefact)
        {
            return result;
        }

        if (!EnclaveIdentity.TryParse(artefact.Body, out var identity, out var error))
        {
            return Malformed(url, $"the QE Identity does not parse ({error.Code})");
        }

        if (identity.Id != (tee == TeeType.Tdx ? EnclaveIdentityId.TdQe : EnclaveIdentityId.Qe))
        {
            return Malformed(url, $"the identity is {identity.Id}, not the QE of the TEE asked for");
        }

        return version.TcbEvaluationDataNumber is { } pinned && identity.TcbEvaluationDataNumber != pinned
            ? Malformed(url, string.Create(CultureInfo.InvariantCulture, $"asked for evaluation {pinned}, got {identity.TcbEvaluationDataNumber}"))
            : result;
    }

    /// <summary><c>GET /sgx|tdx/certification/v4/tcbevaluationdatanumbers</c>: the evaluation numbers Intel still serves for the TEE, with the issuer chain.</summary>
    public async Task<PcsResult<PcsArtefact>> GetTcbEvaluationDataNumbersAsync(TeeType tee, CancellationToken cancellationToken)
    {
        var url = $"{_base}/{Prefix(tee)}/certification/v4/tcbevaluationdatanumbers";
        var result = await GetAsync(url, EvaluationNumbersChainHeaders, cancellationToken).ConfigureAwait(false);
        if (result.Value is not { } artefact)
        {
            return result;
        }

        if (!TcbEvaluationDataNumbers.TryParse(artefact.Body, out var numbers, out var error))
        {
            return Malformed(url, $"the TCB evaluation data numbers do not parse ({error.Code})");
        }

        return (numbers.Id == TcbInfoId.Tdx) == (tee == TeeType.Tdx) ? result : Malformed(url, "the evaluation data numbers are for another TEE");
    }

    /// <summary><c>GET /sgx/certification/v4/pckcrl?ca=platform|processor&amp;encoding=der</c>: the PCK CA's CRL, with its issuer chain.</summary>
    public async Task<PcsResult<PcsArtefact>> GetPckCrlAsync(PckCaKind ca, CancellationToken cancellationToken)
    {
        var name = ca switch
        {
            PckCaKind.Platform => "platform",
            PckCaKind.Processor => "processor",
            _ => throw new ArgumentException("The PCK CA must be Platform or Processor.", nameof(ca)),
        };
        var url = $"{_base}/sgx/certification/v4/pckcrl?ca={name}&encoding=der";
        var result = await GetAsync(url, PckCrlChainHeaders, cancellationToken).ConfigureAwait(false);
        if (result.Value is not { } artefact)
        {
            return result;
        }

        if (!TryParseCrl(artefact.Body, out var crl, out var error))
        {
            return Malformed(url, "the PCK CRL does not parse: " + error);
        }

        return QuotePlatform.CaFromIssuerName(crl.IssuerCommonName) == ca ? result : Malformed(url, "the CRL is not the PCK CA's asked for");
    }

    /// <summary>The Intel SGX Root CA CRL from <see cref="PcsEndpoint.RootCaCrlUrl"/> or PCCS's <c>/rootcacrl</c> (hex of DER), kept as received.</summary>
    public async Task<PcsResult<PcsArtefact>> GetRootCaCrlAsync(CancellationToken cancellationToken)
    {
        var url = Endpoint.RootCaCrlUrl?.AbsoluteUri ?? $"{_base}/sgx/certification/v4/rootcacrl";
        var result = await GetAsync(url, null, cancellationToken).ConfigureAwait(false);
        if (result.Value is not { } artefact)
        {
            return result;
        }

        return TryParseCrl(artefact.Body, out _, out var error) ? result : Malformed(url, "the root CA CRL does not parse: " + error);
    }

    /// <summary>Parses a CRL in any encoding DCAP uses (DER, PEM, hex of DER).</summary>
    internal static bool TryParseCrl(ReadOnlyMemory<byte> received, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Crl? crl, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        crl = null;
        if (Crl.NormalizeEncoding(received.Span) is not { } der)
        {
            error = "neither DER, PEM nor hex";
            return false;
        }

        return Crl.TryParse(der, out crl, out error);
    }

    private static string Prefix(TeeType tee) => tee == TeeType.Tdx ? "tdx" : "sgx";

    private async Task<PcsResult<PcsArtefact>> GetAsync(string url, string[]? chainHeaders, CancellationToken cancellationToken)
    {
        try
        {
            using var http = _factory.CreateClient(HttpClientName);
            using var response = await http.GetAsync(new Uri(url), cancellationToken).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    break;
                case HttpStatusCode.NotFound:
                    return Failed(PcsOutcome.NotFound, url, response);
                case HttpStatusCode.Gone:
                    return Failed(PcsOutcome.Gone, url, response);
                case HttpStatusCode.TooManyRequests:
                    return Failed(PcsOutcome.Throttled, url, response) with { RetryAfter = RetryAfter(response) };
                default:
                    return Failed(PcsOutcome.Unavailable, url, response);
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var chain = ReadOnlyMemory<byte>.Empty;
            if (chainHeaders is not null)
            {
                var value = chainHeaders.Select(h => response.Headers.TryGetValues(h, out var values) ? values.FirstOrDefault() : null).FirstOrDefault(v => v is not null);
                if (value is null)
                {
                    return Malformed(url, $"no {chainHeaders[0]} header");
                }

                chain = Encoding.UTF8.GetBytes(Uri.UnescapeDataString(value));
                if (!PemChain.TryRead(chain.Span, out var certificates, out var error))
                {
                    return Malformed(url, $"the {chainHeaders[0]} header is not a PEM chain: {error}");
                }

                foreach (var certificate in certificates)
                {
                    certificate.PublicKey.Dispose();
                    certificate.Certificate.Dispose();
                }
            }

            return PcsResult<PcsArtefact>.Ok(new PcsArtefact(body, chain));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
            && e is HttpRequestException or IOException or TimeoutRejectedException or BrokenCircuitException or OperationCanceledException)
        {
            return new PcsResult<PcsArtefact>(PcsOutcome.Unavailable, null, $"{url}: {e.GetType().Name}: {e.Message}");
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date - _time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static PcsResult<PcsArtefact> Failed(PcsOutcome outcome, string url, HttpResponseMessage response) =>
        new(outcome, null, string.Create(CultureInfo.InvariantCulture, $"{url}: HTTP {(int)response.StatusCode}"));

    private static PcsResult<PcsArtefact> Malformed(string url, string reason) => new(PcsOutcome.Malformed, null, $"{url}: {reason}");
}
