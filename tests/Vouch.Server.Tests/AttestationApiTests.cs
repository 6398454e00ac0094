using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Vouch.Server.Tests.Support;
using Vouch.Sgx.Verification;
using Vouch.Simulator.OpenEnclave;
using Vouch.Tests.Shared;

namespace Vouch.Server.Tests;

/// <summary>The MAA data plane over real HTTPS on 127.0.0.1 (maa-protocol §0, §2.1–2.4).</summary>
public sealed class AttestationApiTests
{
    private static readonly string SignalCase = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");
    private static readonly DateTimeOffset SignalTime = DateTimeOffset.FromUnixTimeSeconds(1785432688);

    [Fact]
    public async Task OpenId_metadata_names_the_issuer_and_certs_serve_json_with_x5c()
    {
        await using var server = await VouchTestServer.StartAsync();
        using var response = await server.Client.GetAsync(new Uri(".well-known/openid-configuration", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var metadata = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal(server.BaseUrl, metadata["issuer"]!.GetValue<string>());
        Assert.Equal(server.BaseUrl + "/certs", metadata["jwks_uri"]!.GetValue<string>());

        // The admin client sends its bearer token to /certs too: it must be ignored, not refused (§5.6).
        using var admin = server.CreateClient("not-a-valid-token");
        using var certs = await admin.GetAsync(new Uri("certs", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, certs.StatusCode);
        Assert.Equal("application/json; charset=utf-8", certs.Content.Headers.ContentType!.ToString());
        var key = JsonNode.Parse(await certs.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["keys"]![0]!;
        Assert.Equal("RSA", key["kty"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(key["kid"]!.GetValue<string>()));
        Assert.Single(key["x5c"]!.AsArray());
        Assert.Null(key["d"]);
    }

    [Fact]
    public async Task A_genuine_quote_attests_with_offline_collateral_at_its_verification_time()
    {
        var time = new FakeTimeProvider(SignalTime);
        await using var server = await VouchTestServer.StartAsync(time, new Dictionary<string, string?> { ["Vouch:CollateralDirectories:0"] = SignalCase });
        var body = new JsonObject
        {
            ["quote"] = Base64Url.EncodeToString(File.ReadAllBytes(Path.Combine(SignalCase, "quote.bin"))),
            ["runtimeData"] = new JsonObject { ["data"] = Base64Url.EncodeToString(File.ReadAllBytes(Path.Combine(SignalCase, "report_data_preimage.bin"))), ["dataType"] = "Binary" },
        };
        var (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave?api-version=2020-10-01", body.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        var token = response!["token"]!.GetValue<string>();
        var validation = await Tokens.ValidateAsync(server.Client, server.BaseUrl, token, SignalTime);
        Assert.True(validation.IsValid, validation.Exception?.Message);

        var claims = Tokens.Payload(token);
        Assert.Equal("6d9b9649fa3a337754a98059c66d48ac77aaca5299d3b27d6ed1e646c7c81c0a", claims["x-ms-sgx-mrenclave"]!.GetValue<string>());
        Assert.Equal("SWHardeningNeeded", claims["x-vouch-tcb-status"]!.GetValue<string>());
        Assert.Equal(["INTEL-SA-00615"], claims["x-vouch-advisory-ids"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(TrustAnchor.IntelSgxRootCa.KeyId, claims["x-vouch-trust-anchor-key-id"]!.GetValue<string>());
        Assert.Equal("2026-08-22T22:07:20Z", claims["x-vouch-collateral-expiry"]!.GetValue<string>());
        Assert.Equal(SignalTime.ToUnixTimeSeconds(), claims["iat"]!.GetValue<long>());
        Assert.Equal(SignalTime.ToUnixTimeSeconds() + (8 * 3600), claims["exp"]!.GetValue<long>());
        Assert.Equal(server.BaseUrl, claims["iss"]!.GetValue<string>());
        var header = Tokens.Header(token);
        Assert.Equal("RS256", header["alg"]!.GetValue<string>());
        Assert.Equal(server.BaseUrl + "/certs", header["jku"]!.GetValue<string>());
        Assert.Equal("JWT", header["typ"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_same_quote_one_day_after_its_collateral_expired_is_refused_with_the_failed_checks()
    {
        var time = new FakeTimeProvider(SignalTime.AddDays(400));
        await using var server = await VouchTestServer.StartAsync(time, new Dictionary<string, string?> { ["Vouch:CollateralDirectories:0"] = SignalCase });
        var body = new JsonObject { ["quote"] = Base64Url.EncodeToString(File.ReadAllBytes(Path.Combine(SignalCase, "quote.bin"))) };
        var (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave?api-version=2020-10-01", body.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidParameter", response!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("ATT7102", VouchTestServer.VouchCode(response));
        Assert.NotEmpty(response["error"]!["innererror"]!["details"]!.AsArray());
    }

    [Fact]
    public async Task Open_Enclave_SGX_ECDSA_evidence_from_the_simulator_attests_through_attest_OpenEnclave()
    {
        await using var server = await VouchTestServer.StartAsync();
        var dcap = SimulatedEvidence.CreateOpenEnclave(server, [new OeCustomClaim("public_key", "enclave-held key"u8.ToArray()), new OeCustomClaim("nonce", [7])]);
        // What oe_get_evidence(OE_FORMAT_UUID_SGX_ECDSA, OE_EVIDENCE_FLAGS_EMBED_FORMAT_ID) returns: header ‖ quote ‖ claims.
        var evidence = OpenEnclavePackaging.SgxEcdsaEvidence(dcap.Quote, dcap.ReportDataPreimage!);
        var body = new JsonObject { ["report"] = Base64Url.EncodeToString(evidence) }.ToJsonString();

        var token = await SimulatedEvidence.AttestAsync(server, "attest/OpenEnclave?api-version=2020-10-01", body);

        var claims = Tokens.Payload(token);
        Assert.Equal(Base64Url.EncodeToString(dcap.ReportDataPreimage!), claims["x-ms-sgx-ehd"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(dcap.Facts.MrEnclave), claims["x-ms-sgx-mrenclave"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(evidence)), claims["x-ms-sgx-collateral"]!["quotehash"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_draft_policy_returns_an_unsigned_token_and_a_denying_draft_is_PolicyEvaluationError()
    {
        var time = new FakeTimeProvider(SignalTime);
        await using var server = await VouchTestServer.StartAsync(time, new Dictionary<string, string?> { ["Vouch:CollateralDirectories:0"] = SignalCase });
        var quote = Base64Url.EncodeToString(File.ReadAllBytes(Path.Combine(SignalCase, "quote.bin")));
        var permit = new JsonObject { ["quote"] = quote, ["draftPolicyForAttestation"] = "version=1.0; authorizationrules{=> permit();}; issuancerules{ => issue(type=\"custom\", value=true);};" };
        var (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave?api-version=2020-10-01", permit.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        var token = response!["token"]!.GetValue<string>();
        Assert.Equal("none", Tokens.Header(token)["alg"]!.GetValue<string>());
        Assert.EndsWith(".", token, StringComparison.Ordinal);
        Assert.True(Tokens.Payload(token)["custom"]!.GetValue<bool>());

        var deny = new JsonObject { ["quote"] = quote, ["draftPolicyForAttestation"] = "version=1.0; authorizationrules{=> deny();}; issuancerules{};" };
        (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave?api-version=2020-10-01", deny.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("PolicyEvaluationError", response!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("ATT7202", VouchTestServer.VouchCode(response));
    }

    [Fact]
    public async Task Health_is_live_and_ready_after_initialisation_and_the_OpenAPI_document_lists_the_MAA_routes()
    {
        await using var server = await VouchTestServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync(new Uri("health/live", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync(new Uri("health/ready", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        var document = JsonNode.Parse(await server.Client.GetStringAsync(new Uri("openapi/v1.json", UriKind.Relative), TestContext.Current.CancellationToken))!;
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("/attest/SgxEnclave", paths);
        Assert.Contains("/providers/{provider}/policies/{type}", paths);
        Assert.Contains("/certificates:add", paths);
        using var page = await server.Client.GetAsync(new Uri("api", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.StartsWith("text/html", page.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
    }
}
