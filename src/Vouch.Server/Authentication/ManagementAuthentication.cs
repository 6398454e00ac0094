using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Vouch.Server.Hosting;
using Vouch.Server.Problems;

namespace Vouch.Server.Authentication;

/// <summary>
/// Management authentication (maa-protocol §1.5): OIDC JWT bearer tokens from a configured authority and
/// audience with the administrator role, and the local administrator token. A bearer value shaped like a JWT
/// goes to JwtBearer when an authority is configured; anything else to the administrator-token handler.
/// </summary>
public static class ManagementAuthentication
{
    /// <summary>The policy scheme that picks the handler.</summary>
    public const string Scheme = "VouchManagement";

    /// <summary>The authorization policy of every management route.</summary>
    public const string AdministratorPolicy = "VouchAdministrator";

    /// <summary>Registers the schemes, the administrator policy, and MAA-shaped 401/403 answers.</summary>
    public static IServiceCollection AddManagementAuthentication(this IServiceCollection services, VouchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var auth = options.Authentication;
        var oidc = auth.Authority is { Length: > 0 };
        var builder = services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Vouch management", policy => policy.ForwardDefaultSelector = context =>
                oidc && TryGetBearer(context.Request, out var token) && token.Count(c => c == '.') == 2
                    ? JwtBearerDefaults.AuthenticationScheme
                    : AdminTokenHandler.SchemeName);
        if (auth.AdminToken)
        {
            builder.AddScheme<AuthenticationSchemeOptions, AdminTokenHandler>(AdminTokenHandler.SchemeName, null);
        }
        else
        {
            builder.AddScheme<AuthenticationSchemeOptions, RejectingHandler>(AdminTokenHandler.SchemeName, null);
        }

        if (oidc)
        {
            builder.AddJwtBearer(jwt =>
            {
                jwt.Authority = auth.Authority;
                jwt.Audience = auth.Audience;
                jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata;
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters.RoleClaimType = auth.RoleClaimType;
                jwt.TokenValidationParameters.ValidateAudience = auth.Audience is not null;
            });
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(AdministratorPolicy, policy => policy
                .AddAuthenticationSchemes(Scheme)
                .RequireAuthenticatedUser()
                .RequireRole(auth.AdministratorRole));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, MaaAuthorizationResultHandler>();
        return services;
    }

    /// <summary>The bearer token of <paramref name="request"/>, if it has one.</summary>
    public static bool TryGetBearer(HttpRequest request, [NotNullWhen(true)] out string? token)
    {
        ArgumentNullException.ThrowIfNull(request);
        token = null;
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        token = header["Bearer ".Length..].Trim();
        return token.Length > 0;
    }

    // Challenges and forbids in MAA's error shape, with Vouch's code inside, instead of bare status codes.
    private sealed class MaaAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (authorizeResult.Challenged)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await MaaError.Result(ServerErrorCode.Unauthorized, "a bearer token of a policy administrator is required").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (authorizeResult.Forbidden)
            {
                await MaaError.Result(ServerErrorCode.Forbidden, "the caller does not have the policy administrator role").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
        }
    }

    // Used when administrator tokens are switched off: every such bearer value fails.
    private sealed class RejectingHandler(
        Microsoft.Extensions.Options.IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        System.Text.Encodings.Web.UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}
