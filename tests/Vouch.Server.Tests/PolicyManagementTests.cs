using System.Buffers.Text;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Vouch.Policy;
using Vouch.Server.Tests.Support;
using Vouch.Tests.Shared;

namespace Vouch.Server.Tests;

/// <summary>Policies and policy signers over HTTPS in both trust modes (maa-protocol §2.7–2.10, §4.2).</summary>
public sealed class PolicyManagementTests
{
    private const string V = "?api-version=2020-10-01";
    private const string Permit = "version=1.0; authorizationrules{=> permit();}; issuancerules{ => issue(type=\"set-by\", value=\"test\");};";
    private static readonly string SignalCase = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");
    private static readonly DateTimeOffset SignalTime = DateTimeOffset.FromUnixTimeSeconds(1785432688);

    [Fact]
    public async Task Aad_like_provider_sets_gets_uses_and_resets_an_unsigned_policy()
    {
        await using var server = await VouchTestServer.StartAsync(new FakeTimeProvider(SignalTime), new Dictionary<string, string?> { ["Vouch:CollateralDirectories:0"] = SignalCase });
        using var admin = server.CreateAdminClient();

        // The default policy comes back as MAA's unsigned JWS of its recorded text.
        var (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "policies/SgxEnclave" + V);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(PolicyJws.CreateUnsigned(DefaultPolicies.Sgx), Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policy"]!.GetValue<string>());

        // PUT as the JS client sends it: text/plain, the raw JWS.
        var jws = PolicyJws.CreateUnsigned(Permit);
        (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "policies/SgxEnclave" + V, jws, "text/plain");
        Assert.Equal(HttpStatusCode.OK, status);
        var result = Tokens.Payload(body!["token"]!.GetValue<string>());
        Assert.Equal("Updated", result["x-ms-policy-result"]!.GetValue<string>());
        Assert.Equal(PolicyHash.ComputeTokenHash(jws), result["x-ms-policy-token-hash"]!.GetValue<string>());
        Assert.Null(result["x-ms-policy-signer"]);
        Assert.Equal(result["iat"]!.GetValue<long>() + 3600, result["exp"]!.GetValue<long>());
        Assert.True((await Tokens.ValidateAsync(server.Client, server.BaseUrl, body["token"]!.GetValue<string>(), SignalTime)).IsValid);

        (_, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "policies/SgxEnclave" + V);
        Assert.Equal(jws, Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policy"]!.GetValue<string>());

        // The stored policy is the one attestations now run under.
        var token = await AttestSignalAsync(server);
        Assert.Equal(PolicyHash.Compute(Permit), Tokens.Payload(token)["x-ms-policy-hash"]!.GetValue<string>());
        Assert.Equal("test", Tokens.Payload(token)["set-by"]!.GetValue<string>());

        // Reset: the 21-byte unsigned empty JWS, as a JSON string literal this time.
        (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, "policies/SgxEnclave:reset" + V, "\"" + PolicyJws.UnsignedReset + "\"");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Removed", Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policy-result"]!.GetValue<string>());
        token = await AttestSignalAsync(server);
        Assert.Equal(PolicyHash.Compute(DefaultPolicies.Sgx), Tokens.Payload(token)["x-ms-policy-hash"]!.GetValue<string>());

        // A policy that does not compile is refused and the stored one is unchanged.
        (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "policies/SgxEnclave" + V, PolicyJws.CreateUnsigned("version=1.0; authorizationrules{"), "text/plain");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("PolicyParsingError", body!["error"]!["code"]!.GetValue<string>());

        // AAD-like providers have no policy signers and refuse to manage them.
        (_, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "certificates" + V);
        Assert.Empty(Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policy-certificates"]!["keys"]!.AsArray());
    }

    [Theory]
    [InlineData("SgxEnclave,OpenEnclave")]
    [InlineData("Tpm,SgxEnclave")]
    [InlineData("OpenEnclave, SgxEnclave")]
    [InlineData("%20OpenEnclave")]
    [InlineData("OpenEnclave%20")]
    [InlineData("1")]
    public async Task Only_a_whole_type_name_is_a_type_and_a_list_of_names_changes_no_policy(string type)
    {
        await using var server = await VouchTestServer.StartAsync();
        using var admin = server.CreateAdminClient();
        var jws = PolicyJws.CreateUnsigned(Permit);

        var (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "policies/" + type + V, jws, "text/plain");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ATT8009", VouchTestServer.VouchCode(body));
        (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "policies/" + type + V);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ATT8009", VouchTestServer.VouchCode(body));
        (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, "policies/" + type + ":reset" + V, PolicyJws.UnsignedReset, "text/plain");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ATT8009", VouchTestServer.VouchCode(body));

        // No type took the policy, and the type names themselves are still read in any case.
        foreach (var name in new[] { "SgxEnclave", "openenclave", "TPM" })
        {
            (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "policies/" + name + V);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.NotEqual(jws, Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policy"]!.GetValue<string>());
        }

        // The same PUT to a whole name is taken: the refusals above were about the name alone.
        (status, _) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "policies/OpenEnclave" + V, jws, "text/plain");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task A_policy_issuing_a_claim_the_service_owns_is_refused_at_upload_and_at_evaluation()
    {
        await using var server = await VouchTestServer.StartAsync(new FakeTimeProvider(SignalTime), new Dictionary<string, string?> { ["Vouch:CollateralDirectories:0"] = SignalCase });
        using var admin = server.CreateAdminClient();
        var stored = PolicyJws.CreateUnsigned(Permit);
        Assert.Equal(HttpStatusCode.OK, (await VouchTestServer.SendAsync(admin, HttpMethod.Put, "policies/SgxEnclave" + V, stored, "text/plain")).Status);

        // Upload: a literal reserved type, in fullwidth letters, mixed case, or with a zero-width joiner, is a
        // compile diagnostic and the stored policy stays.
        foreach (var type in (string[])["x-ms-sgx-mrsigner", "\uFF58\uFF0D\uFF4D\uFF53\uFF0D\uFF53\uFF47\uFF58\uFF0D\uFF53\uFF56\uFF4E", "X-Vouch-TCB-Status", "IsS", "no\u200Dnce"])
        {
            var text = "version=1.0; authorizationrules{=> permit();}; issuancerules{ => issue(type=\"" + type + "\", value=\"forged\");};";
            var (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "policies/SgxEnclave" + V, PolicyJws.CreateUnsigned(text), "text/plain");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("ATT7201", VouchTestServer.VouchCode(body));
            Assert.Equal("ATT6035", Assert.Single(body!["error"]!["innererror"]!["details"]!.AsArray())!["code"]!.GetValue<string>());
        }

        var (_, current) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "policies/SgxEnclave" + V);
        Assert.Equal(stored, Tokens.Payload(current!["token"]!.GetValue<string>())["x-ms-policy"]!.GetValue<string>());

        // Evaluation: an unauthenticated draft computing the type from the evidence gets no token.
        var draft = new JsonObject
        {
            ["quote"] = Base64Url.EncodeToString(File.ReadAllBytes(Path.Combine(SignalCase, "quote.bin"))),
            ["draftPolicyForAttestation"] = "version=1.2; authorizationrules{=> permit();}; issuancerules{ c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=AppendString(\"X-MS-\", \"SGX-MRENCLAVE\"), value=c.value);};",
        };
        var (draftStatus, draftBody) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave" + V, draft.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, draftStatus);
        Assert.Equal("ATT7202", VouchTestServer.VouchCode(draftBody));
        Assert.Equal("ATT6109", Assert.Single(draftBody!["error"]!["innererror"]!["details"]!.AsArray())!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Isolated_provider_refuses_unsigned_foreign_and_self_vouching_policies_and_keeps_the_stored_one()
    {
        await using var server = await VouchTestServer.StartAsync(new FakeTimeProvider(SignalTime), new Dictionary<string, string?> { ["Vouch:CollateralDirectories:0"] = SignalCase });
        using var trusted = TestSigner.Create("trusted signer");
        using var foreign = TestSigner.Create("foreign signer");
        using var admin = server.CreateAdminClient();
        var (status, _) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/iso",
            new JsonObject { ["trustMode"] = "Isolated", ["policySigners"] = new JsonArray(trusted.Pem) }.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, status);
        const string Iso = "providers/iso/";

        var good = trusted.SignPolicy(Permit);
        (status, var body) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, Iso + "policies/SgxEnclave" + V, good, "text/plain");
        Assert.Equal(HttpStatusCode.OK, status);
        var result = Tokens.Payload(body!["token"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String(trusted.Certificate.RawData), result["x-ms-policy-signer"]!["x5c"]![0]!.GetValue<string>());
        Assert.Equal(server.BaseUrl + "/providers/iso", result["iss"]!.GetValue<string>());

        var attempts = new (string Jws, string Code)[]
        {
            (PolicyJws.CreateUnsigned("version=1.0; authorizationrules{=> deny();}; issuancerules{};"), "ATT7404"),
            (foreign.SignPolicy("version=1.0; authorizationrules{=> deny();}; issuancerules{};"), "ATT7405"),
            (foreign.SignAs(PayloadOf("version=1.0; authorizationrules{=> deny();}; issuancerules{};"), trusted.Certificate), "ATT7403"),
            (trusted.SignPolicy("version=1.0; authorizationrules{=> deny();}; issuancerules{};")[..^4] + "AAAA", "ATT7403"),
        };
        foreach (var (jws, code) in attempts)
        {
            (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, Iso + "policies/SgxEnclave" + V, jws, "text/plain");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(code, VouchTestServer.VouchCode(body));
            (_, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, Iso + "policies/SgxEnclave" + V);
            Assert.Equal(good, Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policy"]!.GetValue<string>());
        }

        // Unsigned and foreign resets are refused too.
        (_, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Iso + "policies/SgxEnclave:reset" + V, PolicyJws.UnsignedReset, "text/plain");
        Assert.Equal("ATT7404", VouchTestServer.VouchCode(body));
        (_, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Iso + "policies/SgxEnclave:reset" + V, foreign.SignReset(), "text/plain");
        Assert.Equal("ATT7405", VouchTestServer.VouchCode(body));

        // Attestation under the signed policy names its signer.
        var token = await AttestSignalAsync(server, "/providers/iso");
        Assert.Equal(Convert.ToBase64String(trusted.Certificate.RawData), Tokens.Payload(token)["x-ms-policy-signer"]!["x5c"]![0]!.GetValue<string>());
        Assert.True((await Tokens.ValidateAsync(server.Client, server.BaseUrl + "/providers/iso", token, SignalTime)).IsValid);

        // Signer management: a foreign signer cannot add itself; the trusted one can add it; then it can sign.
        (_, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Iso + "certificates:add" + V, "\"" + foreign.SignCertificateChange(foreign) + "\"");
        Assert.Equal("ATT7405", VouchTestServer.VouchCode(body));
        (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Iso + "certificates:add" + V, "\"" + trusted.SignCertificateChange(foreign) + "\"");
        Assert.Equal(HttpStatusCode.OK, status);
        result = Tokens.Payload(body!["token"]!.GetValue<string>());
        Assert.Equal("IsPresent", result["x-ms-policycertificates-result"]!.GetValue<string>());
        Assert.Equal(foreign.Certificate.Thumbprint, result["x-ms-certificate-thumbprint"]!.GetValue<string>());
        (_, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, Iso + "certificates" + V);
        Assert.Equal(2, Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policy-certificates"]!["keys"]!.AsArray().Count);
        (status, _) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Iso + "policies/SgxEnclave:reset" + V, foreign.SignReset(), "text/plain");
        Assert.Equal(HttpStatusCode.OK, status);

        // Remove the trusted one (signed by the foreign one, now trusted); the last signer cannot be removed.
        (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Iso + "certificates:remove" + V, "\"" + foreign.SignCertificateChange(trusted) + "\"");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("IsAbsent", Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policycertificates-result"]!.GetValue<string>());
        (_, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Iso + "certificates:remove" + V, "\"" + foreign.SignCertificateChange(foreign) + "\"");
        Assert.Equal("ATT7408", VouchTestServer.VouchCode(body));
        (_, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, Iso + "policies/SgxEnclave" + V, trusted.SignPolicy(Permit), "text/plain");
        Assert.Equal("ATT7405", VouchTestServer.VouchCode(body));
    }

    private static string PayloadOf(string policy) => System.Text.Encoding.UTF8.GetString(Base64Url.DecodeFromChars(PolicyJws.EncodePayload(policy)));

    private static async Task<string> AttestSignalAsync(VouchTestServer server, string provider = "")
    {
        var body = new JsonObject { ["quote"] = Base64Url.EncodeToString(File.ReadAllBytes(Path.Combine(SignalCase, "quote.bin"))) };
        var (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, provider.TrimStart('/') + (provider.Length > 0 ? "/" : string.Empty) + "attest/SgxEnclave" + V, body.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        return response!["token"]!.GetValue<string>();
    }
}
