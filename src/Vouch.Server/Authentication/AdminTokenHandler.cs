using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Vouch.Server.Hosting;
using Vouch.Server.Storage;

namespace Vouch.Server.Authentication;

/// <summary>
/// The local administrator token: <c>Authorization: Bearer vouch_…</c>, compared in constant time with the
/// SHA-256 the database keeps. Grants the administrator role. For single-owner deployments; production
/// deployments use OIDC bearer tokens instead (or as well).
/// </summary>
public sealed class AdminTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IAdminTokenStore store,
    IOptions<VouchOptions> vouch) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "VouchAdminToken";

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!ManagementAuthentication.TryGetBearer(Request, out var token))
        {
            return AuthenticateResult.NoResult();
        }

        var record = await store.GetAdminTokenAsync(Context.RequestAborted).ConfigureAwait(false);
        if (record is null || !CryptographicOperations.FixedTimeEquals(SecretFiles.HashAdminToken(token), record.Sha256.AsSpan()))
        {
            return AuthenticateResult.Fail("the bearer token is not the administrator token");
        }

        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, "local administrator"));
        identity.AddClaim(new Claim(ClaimTypes.Role, vouch.Value.Authentication.AdministratorRole));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
