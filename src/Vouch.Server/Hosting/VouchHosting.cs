using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vouch.Attestation;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Policies;
using Vouch.Attestation.Stores;
using Vouch.Server.Api;
using Vouch.Server.Authentication;
using Vouch.Server.Background;
using Vouch.Server.Collateral;
using Vouch.Server.Problems;
using Vouch.Server.Providers;
using Vouch.Server.Storage;
using Vouch.Server.Storage.Sqlite;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Authority;

namespace Vouch.Server.Hosting;

/// <summary>The pieces <c>Program.cs</c> composes: services, middleware, and start-up initialisation.</summary>
public static class VouchHosting
{
    /// <summary>The collateral folder in the data directory, always searched besides <see cref="VouchOptions.CollateralDirectories"/>.</summary>
    public const string CollateralDirectoryName = "collateral";

    /// <summary>The database file in the data directory.</summary>
    public const string DatabaseFileName = "vouch.db";

    /// <summary>
    /// Options, secrets (key-encryption key, TLS certificate), storage, the simulated authority when configured,
    /// collateral, the engine, management authentication, OpenAPI, health checks and key maintenance.
    /// </summary>
    /// <exception cref="InvalidOperationException">The configuration is unusable (no key-encryption key, https without a certificate, …).</exception>
    public static WebApplicationBuilder AddVouch(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(VouchOptions.Section);
        var options = section.Get<VouchOptions>() ?? new VouchOptions();
        builder.Services.Configure<VouchOptions>(section);
        var services = builder.Services;
        var time = TimeProvider.System;
        SecretFiles.CreatePrivateDirectory(options.DataDirectory);

        // ASP.NET Core's per-request lines cost more than an attestation; keep them unless configured otherwise.
        if (builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore"] is null)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }

        // Secrets: the KEK protects signing keys (and the generated TLS key) at rest.
        var kek = SecretFiles.LoadKeyEncryptionKey(options);
        var tls = SecretFiles.LoadTlsCertificate(options, kek, time.GetUtcNow());
        var urls = (builder.Configuration["urls"] ?? "http://localhost:5000").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (tls is null && urls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException("an https URL is configured but no certificate: set Vouch:Tls:CertificateFile (or Vouch:CreateMissingSecrets for development)");
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxRequestBodyBytes + 1L;
            kestrel.AddServerHeader = false;
            if (tls is not null)
            {
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = tls);
            }
        });

        // Development trust: the simulated authority's TEST root, never configured by default.
        TrustAnchor? simulated = null;
        // DATA/collateral is always a root (it may not exist yet): drop PCS-file folders there without a restart.
        var collateralRoots = new List<string>(options.CollateralDirectories) { Path.Combine(options.DataDirectory, CollateralDirectoryName) };
        if (options.SimulatedAuthority is { Length: > 0 } authorityDirectory)
        {
            using var authority = SimulatedIntel.OpenOrCreate(authorityDirectory, time.GetUtcNow());
            simulated = TrustAnchor.FromCertificate(authority.RootCertificate) with { Name = "Vouch simulated Intel (TEST)" };
            collateralRoots.Add(Path.Combine(authorityDirectory, SimulatedIntel.PcsDirectoryName));
        }

        var publicUrl = options.PublicUrl ?? PublicUrlFrom(urls);
        services.TryAddSingleton(time);
        services.AddSingleton(new ServerIdentity(publicUrl, Path.GetFullPath(options.DataDirectory), tls is null ? null : Path.GetFullPath(Path.Combine(options.DataDirectory, SecretFiles.TlsCertificateFileName))));
        services.AddSingleton<SqliteVouchStore>(_ => new SqliteVouchStore(Path.Combine(options.DataDirectory, DatabaseFileName)));
        services.AddSingleton<IVouchStore>(sp => sp.GetRequiredService<SqliteVouchStore>());
        services.AddSingleton<IPolicyStore>(sp => sp.GetRequiredService<IVouchStore>());
        services.AddSingleton<ISigningKeyStore>(sp => sp.GetRequiredService<IVouchStore>());
        services.AddSingleton<IPolicySignerStore>(sp => sp.GetRequiredService<IVouchStore>());
        services.AddSingleton<IProviderStore>(sp => sp.GetRequiredService<IVouchStore>());
        services.AddSingleton<IAdminTokenStore>(sp => sp.GetRequiredService<IVouchStore>());
        services.AddSingleton<IKeyProtector>(new AesGcmKeyProtector(kek));
        services.AddSingleton(sp => new OfflineCollateralSource(collateralRoots, sp.GetRequiredService<TimeProvider>(), options.CollateralRescanInterval));
        var pcsEndpoints = options.CollateralSources.Select(PcsEndpointFrom).ToList();
        if (options.CollateralSourceNames.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidOperationException($"{VouchOptions.Section}:{nameof(VouchOptions.CollateralSources)}: two sources are named '{twice.Key}'");
        }

        if (options.UnknownSource(options.DefaultProvider.Collateral.ToPolicy()) is { } unknownSource)
        {
            throw new InvalidOperationException($"{VouchOptions.Section}:{nameof(VouchOptions.DefaultProvider)}:{nameof(DefaultProviderOptions.Collateral)}: {unknownSource}");
        }
        if (pcsEndpoints.Count == 0)
        {
            services.AddSingleton<ICollateralSource>(sp => sp.GetRequiredService<OfflineCollateralSource>());
        }
        else
        {
            // Offline folders first (an operator's pinned collateral wins), then the PCS sources in order.
            PcsClient.AddPcsHttpClient(services);
            if (options.CollateralCache.Problem() is { } problem)
            {
                throw new InvalidOperationException($"{VouchOptions.Section}:{nameof(VouchOptions.CollateralCache)}: {problem}");
            }

            services.AddSingleton(sp =>
            {
                var clock = sp.GetRequiredService<TimeProvider>();
                var factory = sp.GetRequiredService<IHttpClientFactory>();
                return new PcsCollateralSource(pcsEndpoints.Select(e => new PcsClient(factory, e, clock)), clock, options.CollateralCache, sp.GetRequiredService<IVouchStore>());
            });
            services.AddSingleton(sp =>
            {
                var clock = sp.GetRequiredService<TimeProvider>();
                var factory = sp.GetRequiredService<IHttpClientFactory>();
                return new EvaluationNumbersCache(pcsEndpoints.Select(e => new PcsClient(factory, e, clock)), clock, options.CollateralCache, sp.GetRequiredService<IVouchStore>());
            });
            services.AddSingleton(sp => new CollateralRefreshService(
                sp.GetRequiredService<PcsCollateralSource>(), sp.GetRequiredService<IVouchStore>(), sp.GetRequiredService<ProviderCatalog>(),
                options.CollateralCache, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CollateralRefreshService>>(),
                sp.GetRequiredService<EvaluationNumbersCache>()));
            services.AddHostedService(sp => sp.GetRequiredService<CollateralRefreshService>());
            services.AddSingleton<ICollateralSource>(sp => new CompositeCollateralSource(
                [sp.GetRequiredService<OfflineCollateralSource>(), sp.GetRequiredService<PcsCollateralSource>()]));
        }

        services.AddSingleton(sp => new PccsCatalog(sp.GetRequiredService<OfflineCollateralSource>(), sp.GetService<PcsCollateralSource>()));
        services.AddSingleton(sp => new ProviderCatalog(sp.GetRequiredService<IProviderStore>(), publicUrl, simulated));
        services.AddSingleton(sp => new AttestationEngine(
            sp.GetRequiredService<IPolicyStore>(), sp.GetRequiredService<ISigningKeyStore>(), sp.GetRequiredService<ICollateralSource>(),
            sp.GetRequiredService<IKeyProtector>(), sp.GetRequiredService<TimeProvider>(), policyCache: sp.GetRequiredService<PolicyCache>()));
        services.AddSingleton<PolicyCache>();
        services.AddSingleton(sp => new PolicyAdministrator(
            sp.GetRequiredService<AttestationEngine>(), sp.GetRequiredService<IPolicyStore>(), sp.GetRequiredService<IPolicySignerStore>(),
            sp.GetRequiredService<IVouchStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<PolicyCache>()));
        services.AddSingleton<ReadinessState>();
        services.AddSingleton<KeyMaintenanceService>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyMaintenanceService>());
        services.AddManagementAuthentication(options);

        // Nothing Vouch keeps is protected by ASP.NET Data Protection (no cookies, no antiforgery); an ephemeral
        // provider keeps it from writing an unencrypted key ring into the user profile.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddOpenApi();
        services.AddHealthChecks().AddCheck<ReadinessState>("ready", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// The whole application as <c>Program.cs</c> composes it, for hosts that start it in-process (<c>vouch serve</c>,
    /// tests): <paramref name="configure"/> runs before <see cref="AddVouch"/> (configuration, a fake clock, …).
    /// </summary>
    public static WebApplication CreateApplication(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddVouch();
        var app = builder.Build();
        app.UseVouch();
        app.MapOperationsApi();
        app.MapAttestationApi();
        app.MapPolicyManagementApi();
        app.MapProviderAdminApi();
        app.MapCollateralAdminApi();
        app.MapPccsApi();
        return app;
    }

    /// <summary>Errors in MAA's shape (never a stack trace), a request id header, authentication and authorization.</summary>
    public static WebApplication UseVouch(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Every response carries its request id, error responses too: the exception handler clears the headers a
        // failed request had, and OnStarting runs after that, just before the response is sent.
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                http.Response.Headers["x-ms-request-id"] = http.TraceIdentifier;
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // The handler below logs each exception itself: a client's unreadable request in one line, a real failure
            // with its stack trace. The middleware's own log (always with the stack trace) would repeat either.
            SuppressDiagnosticsCallback = static _ => true,
            ExceptionHandler = async context =>
            {
                var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                IResult result;
                if (exception is BadHttpRequestException bad)
                {
                    app.Logger.RequestUnreadable(context.Request.Method, context.Request.Path, bad.StatusCode, bad.Message);
                    result = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                        ? MaaError.Result(ServerErrorCode.RequestBodyTooLarge, "the request body is too large")
                        : MaaError.Result(ServerErrorCode.RequestBodyMalformed, "the request could not be read");
                }
                else
                {
                    app.Logger.UnhandledError(exception!, context.Request.Method, context.Request.Path);
                    result = MaaError.Result(ServerErrorCode.InternalError, "the server failed; see its log for request " + context.TraceIdentifier);
                }

                await result.ExecuteAsync(context).ConfigureAwait(false);
            },
        });
        app.UseStatusCodePages(async context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            var result = status switch
            {
                StatusCodes.Status404NotFound => MaaError.Result(ServerErrorCode.RouteNotFound, "no such route"),
                StatusCodes.Status405MethodNotAllowed => MaaError.Result(ServerErrorCode.MethodNotAllowed, "the route does not take this method"),
                _ => MaaError.Result(ServerErrorCode.RequestBodyMalformed, "the request was refused (HTTP " + status + ")"),
            };
            await result.ExecuteAsync(context.HttpContext).ConfigureAwait(false);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// Creates or upgrades the schema, creates the default provider on first start, makes sure every provider has
    /// a signing key, issues the development administrator token, then marks the server ready.
    /// </summary>
    public static async Task InitializeVouchAsync(this WebApplication app, TextWriter? console = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.Services;
        var options = services.GetRequiredService<IOptions<VouchOptions>>().Value;
        var store = services.GetRequiredService<IVouchStore>();
        var catalog = services.GetRequiredService<ProviderCatalog>();
        var time = services.GetRequiredService<TimeProvider>();
        var identity = services.GetRequiredService<ServerIdentity>();
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);

        if (await store.GetProviderAsync(ProviderCatalog.DefaultName, cancellationToken).ConfigureAwait(false) is null)
        {
            var defaults = options.DefaultProvider;
            // Certificates only: a signer's private key never belongs on the server (CreateFromPemFile wanted one in the
            // same file, so the documented isolated configuration did not start).
            var signers = defaults.PolicySignerCertificates.Select(file =>
            {
                using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(file));
                return new PolicySignerCertificate(PolicyAdministrator.Thumbprint(certificate.RawData), [.. certificate.RawData], time.GetUtcNow());
            }).ToImmutableArray();
            if (defaults.TrustMode == TrustMode.Isolated && signers.IsEmpty)
            {
                throw new InvalidOperationException("the default provider is isolated but Vouch:DefaultProvider:PolicySignerCertificates names no certificate");
            }

            if (defaults.TrustMode == TrustMode.Isolated && !signers.Any(s => PolicyAdministrator.IsValidAt(s.Certificate.AsSpan(), time.GetUtcNow())))
            {
                throw new InvalidOperationException("the default provider is isolated but no certificate of Vouch:DefaultProvider:PolicySignerCertificates is valid now");
            }

            var record = new ProviderRecord(ProviderCatalog.DefaultName, defaults.TrustMode, defaults.SigningAlgorithm, catalog.SimulatedAnchor is not null, defaults.AllowExpiredCollateral, time.GetUtcNow())
            {
                Collateral = defaults.Collateral.ToPolicy(),
            };
            if (await store.CreateProviderAsync(record, signers, cancellationToken).ConfigureAwait(false))
            {
                app.Logger.ProviderCreated(record.Name, record.TrustMode.ToString(), record.SigningAlgorithm.ToString(), catalog.IssuerFor(record.Name));
            }
        }

        foreach (var provider in await catalog.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (provider.TrustAnchors.FirstOrDefault(a => a != TrustAnchor.IntelSgxRootCa) is { } anchor)
            {
                app.Logger.SimulatedTrustEnabled(provider.Name, anchor.KeyId, options.SimulatedAuthority!);
            }
        }

        await services.GetRequiredService<KeyMaintenanceService>().RunOnceAsync(cancellationToken).ConfigureAwait(false);

        // The PCS collateral cache starts warm from the store: a restart does not refetch what is cached.
        if (services.GetService<PcsCollateralSource>() is { } pcs)
        {
            await pcs.LoadAsync(cancellationToken).ConfigureAwait(false);
            await services.GetRequiredService<EvaluationNumbersCache>().LoadAsync(cancellationToken).ConfigureAwait(false);
        }

        var engine = services.GetRequiredService<AttestationEngine>();
        foreach (var provider in await catalog.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await engine.CanSignAsync(provider, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException(
                    $"provider '{provider.Name}' has no signing key this server can decrypt: is Vouch:KeyEncryptionKey the key this data directory was created with?");
            }
        }

        if (options.CreateMissingSecrets && options.Authentication.AdminToken
            && await store.GetAdminTokenAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            var token = SecretFiles.NewAdminToken();
            var file = Path.Combine(options.DataDirectory, SecretFiles.AdminTokenFileName);
            SecretFiles.WritePrivateFile(file, token + "\n");
            await store.SetAdminTokenAsync(new AdminTokenRecord([.. SecretFiles.HashAdminToken(token)], time.GetUtcNow()), cancellationToken).ConfigureAwait(false);

            // Printed once, to the console only: never through the logging pipeline.
            (console ?? Console.Out).WriteLine($"Administrator token (shown once; also in {Path.GetFullPath(file)}): {token}");
            app.Logger.AdminTokenCreated(Path.GetFullPath(file));
        }

        app.Logger.Serving(identity.PublicUrl, identity.DataDirectory, identity.TlsCertificateFile ?? "(none)");
        services.GetRequiredService<ReadinessState>().MarkReady();
    }

    private static PcsEndpoint PcsEndpointFrom(CollateralSourceOptions source, int index)
    {
        static Uri? Url(string? text, string name, bool required)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return required ? throw new InvalidOperationException($"{name} is required") : null;
            }

            return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                ? url
                : throw new InvalidOperationException($"{name} '{text}' is not an absolute http or https URL");
        }

        var prefix = $"{VouchOptions.Section}:{nameof(VouchOptions.CollateralSources)}:{index}";
        if (source.Name is not null && !CollateralPolicy.IsSourceName(source.Name))
        {
            throw new InvalidOperationException($"{prefix}:Name '{source.Name}' must be 1–32 characters of a–z, 0–9 and '-'");
        }

        return new PcsEndpoint(Url(source.Url, prefix + ":Url", required: true)!, Url(source.RootCaCrlUrl, prefix + ":RootCaCrlUrl", required: false), source.Name);
    }

    // The issuer defaults to the first https URL (else the first URL), with wildcard hosts read as localhost.
    private static string PublicUrlFrom(string[] urls)
    {
        var url = urls.FirstOrDefault(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)) ?? urls.FirstOrDefault() ?? "http://localhost:5000";
        var uri = new UriBuilder(url.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = "localhost";
        }

        return uri.Uri.GetLeftPart(UriPartial.Authority);
    }
}

/// <summary>Where this server is and what it serves with.</summary>
/// <param name="PublicUrl">The default provider's issuer.</param>
/// <param name="DataDirectory">The full path of the data directory.</param>
/// <param name="TlsCertificateFile">The generated certificate's PEM file, when one was generated or configured.</param>
public sealed record ServerIdentity(string PublicUrl, string DataDirectory, string? TlsCertificateFile);
