using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vouch.Server.Tests.Support;
using Vouch.Sgx.Verification;

namespace Vouch.Server.Tests;

/// <summary>
/// A relying party built from stock ASP.NET Core: <c>JwtBearer</c> with <c>Authority</c> = the provider's issuer finds
/// Vouch's keys by OIDC discovery and validates its tokens with no custom validation code. The only setting beyond
/// Authority is TLS trust for the development certificate (a production server has a public certificate).
/// </summary>
public sealed class RelyingPartyTests
{
    [Fact]
    public async Task Stock_JwtBearer_accepts_a_Vouch_token_by_discovery_and_rejects_a_tampered_one()
    {
        await using var vouch = await VouchTestServer.StartAsync();
        var runtime = "relying party test"u8.ToArray();
        var evidence = SimulatedEvidence.Create(vouch, runtime);
        var body = new JsonObject
        {
            ["quote"] = Base64Url.EncodeToString(evidence.Quote),
            ["runtimeData"] = new JsonObject { ["data"] = Base64Url.EncodeToString(runtime), ["dataType"] = "Binary" },
        };
        var token = await SimulatedEvidence.AttestAsync(vouch, "attest/SgxEnclave?api-version=2020-10-01", body.ToJsonString());

        await using var relyingParty = await StartRelyingPartyAsync(vouch.BaseUrl, vouch.Certificate);
        using var client = new HttpClient { BaseAddress = new Uri(relyingParty.Urls.First() + "/") };

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("enclave", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);

        using var valid = new HttpRequestMessage(HttpMethod.Get, "enclave");
        valid.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var accepted = await client.SendAsync(valid, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(Convert.ToHexStringLower(evidence.Facts.MrEnclave), await accepted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        // Tampering: claim a different enclave in the payload, keep header and signature.
        var parts = token.Split('.');
        var payload = Tokens.Payload(token);
        payload["x-ms-sgx-mrenclave"] = new string('0', 64);
        var forged = parts[0] + "." + Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString())) + "." + parts[2];
        using var tampered = new HttpRequestMessage(HttpMethod.Get, "enclave");
        tampered.Headers.Authorization = new AuthenticationHeaderValue("Bearer", forged);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(tampered, TestContext.Current.CancellationToken)).StatusCode);

        // An unsigned ("alg":"none") token with the genuine payload is refused too.
        using var unsigned = new HttpRequestMessage(HttpMethod.Get, "enclave");
        unsigned.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Base64Url.EncodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8) + "." + parts[1] + ".");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(unsigned, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task A_provider_that_does_not_trust_the_simulated_root_refuses_simulated_evidence_and_the_token_names_the_test_root()
    {
        await using var vouch = await VouchTestServer.StartAsync();
        using var admin = vouch.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/production", "{}")).Status);
        var evidence = SimulatedEvidence.Create(vouch, []);
        var body = new JsonObject { ["quote"] = Base64Url.EncodeToString(evidence.Quote) }.ToJsonString();

        var token = await SimulatedEvidence.AttestAsync(vouch, "attest/SgxEnclave?api-version=2020-10-01", body);
        var claims = Tokens.Payload(token);
        Assert.NotEqual(TrustAnchor.IntelSgxRootCa.KeyId, claims["x-vouch-trust-anchor-key-id"]!.GetValue<string>());
        Assert.Equal("UpToDate", claims["x-vouch-tcb-status"]!.GetValue<string>());

        var (status, response) = await VouchTestServer.SendAsync(vouch.Client, HttpMethod.Post, "providers/production/attest/SgxEnclave?api-version=2020-10-01", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ATT7102", VouchTestServer.VouchCode(response));
        Assert.Contains(response!["error"]!["innererror"]!["details"]!.AsArray(), d => d!["code"]?.GetValue<string>() == "ATT3002");
    }

    private static async Task<WebApplication> StartRelyingPartyAsync(string authority, X509Certificate2 vouchCertificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            builder.WebHost.UseUrls($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        }

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.Authority = authority;
            options.TokenValidationParameters.ValidateAudience = false;
            options.MapInboundClaims = false;
            options.BackchannelHttpHandler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(vouchCertificate);
                    return certificate is not null && chain.Build(certificate);
                },
            };
        });
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/enclave", (HttpContext http) => http.User.FindFirst("x-ms-sgx-mrenclave")?.Value).RequireAuthorization();
        await app.StartAsync();
        return app;
    }
}
