using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Vouch.Server.Tests.Support;

namespace Vouch.Server.Tests;

/// <summary>
/// Management through an OIDC authority (stock JwtBearer: discovery, signature, issuer, audience, lifetime) with
/// the administrator role, beside the local administrator token. The authority is a real loopback HTTP host.
/// </summary>
public sealed class ManagementAuthenticationTests : IAsyncLifetime
{
    private const string Audience = "api://vouch-test";
    private const string Path = "policies/SgxEnclave?api-version=2020-10-01";
    private readonly RSA _key = RSA.Create(2048);
    private WebApplication _authority = null!;
    private VouchTestServer _server = null!;
    private string _issuer = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            _issuer = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        }

        builder.WebHost.UseUrls(_issuer);
        _authority = builder.Build();
        var parameters = _key.ExportParameters(false);
        _authority.MapGet("/.well-known/openid-configuration", () => Microsoft.AspNetCore.Http.Results.Text(
            new JsonObject { ["issuer"] = _issuer, ["jwks_uri"] = _issuer + "/keys" }.ToJsonString(), "application/json"));
        _authority.MapGet("/keys", () => Microsoft.AspNetCore.Http.Results.Text(new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["kid"] = "k1",
                ["use"] = "sig",
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            }),
        }.ToJsonString(), "application/json"));
        await _authority.StartAsync();
        _server = await VouchTestServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Vouch:Authentication:Authority"] = _issuer,
            ["Vouch:Authentication:Audience"] = Audience,
            ["Vouch:Authentication:RequireHttpsMetadata"] = "false",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _authority.DisposeAsync();
        _key.Dispose();
    }

    [Fact]
    public async Task An_OIDC_token_with_the_administrator_role_manages_policies()
    {
        using var client = _server.CreateClient(Mint(["PolicyAdministrator"]));
        var (status, body) = await VouchTestServer.SendAsync(client, HttpMethod.Get, Path);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotNull(body!["token"]);
    }

    [Fact]
    public async Task An_OIDC_token_without_the_role_is_403()
    {
        using var client = _server.CreateClient(Mint(["Reader"]));
        var (status, body) = await VouchTestServer.SendAsync(client, HttpMethod.Get, Path);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("ATT8012", VouchTestServer.VouchCode(body));
    }

    [Theory]
    [InlineData("audience")]
    [InlineData("issuer")]
    [InlineData("expired")]
    [InlineData("key")]
    public async Task An_OIDC_token_that_fails_validation_is_401(string fault)
    {
        using var other = RSA.Create(2048);
        var token = fault switch
        {
            "audience" => Mint(["PolicyAdministrator"], audience: "api://someone-else"),
            "issuer" => Mint(["PolicyAdministrator"], issuer: "http://127.0.0.1:1"),
            "expired" => Mint(["PolicyAdministrator"], expires: DateTime.UtcNow.AddHours(-1)),
            _ => Mint(["PolicyAdministrator"], key: other),
        };
        using var client = _server.CreateClient(token);
        var (status, body) = await VouchTestServer.SendAsync(client, HttpMethod.Get, Path);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("ATT8011", VouchTestServer.VouchCode(body));
    }

    [Fact]
    public async Task The_local_administrator_token_still_works_beside_OIDC()
    {
        using var client = _server.CreateAdminClient();
        Assert.Equal(HttpStatusCode.OK, (await VouchTestServer.SendAsync(client, HttpMethod.Get, Path)).Status);
    }

    private string Mint(string[] roles, string? audience = null, string? issuer = null, DateTime? expires = null, RSA? key = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? _issuer,
            Audience = audience ?? Audience,
            IssuedAt = now.AddHours(-2),
            NotBefore = now.AddHours(-2),
            Expires = expires ?? now.AddHours(1),
            Claims = new Dictionary<string, object> { ["roles"] = roles, ["sub"] = "operator" },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key ?? _key) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256),
        });
    }
}
