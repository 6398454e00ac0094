using System.Net;
using System.Text.Json.Nodes;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Policies;
using Vouch.Server.Tests.Support;

namespace Vouch.Server.Tests;

/// <summary>
/// Issue 11 item 6: the one management JWS reader (<see cref="ManagementJws"/>) is as strict as RFC 7515 asks and as
/// strict as request bodies: unknown <c>crit</c>, <c>b64: false</c> and repeated member names are refused, each with
/// its code, though the signature verifies.
/// </summary>
public sealed class ManagementJwsStrictnessTests : IDisposable
{
    private const string Policy = "version=1.0; authorizationrules{=> permit();}; issuancerules{};";
    private readonly TestSigner _signer = TestSigner.Create("strict");

    public void Dispose() => _signer.Dispose();

    private string Header(string extra) => "{\"alg\":\"RS256\",\"x5c\":[\"" + _signer.X5c + "\"]" + extra + "}";

    public static TheoryData<string, string, string, AttestationErrorCode> Refused => new()
    {
        { "crit names an unknown extension", ",\"crit\":[\"x-unknown\"],\"x-unknown\":1", "", AttestationErrorCode.ManagementJwsCriticalUnsupported },
        { "crit names a JWS parameter", ",\"crit\":[\"alg\"]", "", AttestationErrorCode.ManagementJwsCriticalUnsupported },
        { "crit names an understood member absent from the header", ",\"crit\":[\"exp\"]", "", AttestationErrorCode.ManagementJwsCriticalUnsupported },
        { "crit empty", ",\"crit\":[]", "", AttestationErrorCode.ManagementJwsCriticalUnsupported },
        { "crit not an array", ",\"crit\":\"exp\",\"exp\":1", "", AttestationErrorCode.ManagementJwsCriticalUnsupported },
        { "crit names one twice", ",\"crit\":[\"exp\",\"exp\"],\"exp\":4102444800", "", AttestationErrorCode.ManagementJwsCriticalUnsupported },
        { "crit a non-string", ",\"crit\":[1]", "", AttestationErrorCode.ManagementJwsCriticalUnsupported },
        { "b64 false", ",\"b64\":false", "", AttestationErrorCode.ManagementJwsUnencodedPayload },
        { "b64 false and critical", ",\"b64\":false,\"crit\":[\"b64\"]", "", AttestationErrorCode.ManagementJwsUnencodedPayload },
        { "b64 not a boolean", ",\"b64\":0", "", AttestationErrorCode.ManagementJwsMalformed },
        { "alg twice in the header", ",\"alg\":\"none\"", "", AttestationErrorCode.ManagementJwsDuplicateMember },
        { "x5c twice, differing in case", ",\"X5C\":[]", "", AttestationErrorCode.ManagementJwsDuplicateMember },
        { "payload member twice", "", "{\"AttestationPolicy\":\"YQ\",\"AttestationPolicy\":\"Yg\"}", AttestationErrorCode.ManagementJwsDuplicateMember },
        { "nested payload member twice", "", "{\"policyCertificate\":{\"x5c\":[],\"x5c\":[]}}", AttestationErrorCode.ManagementJwsDuplicateMember },
        { "exp in header and payload", ",\"exp\":4102444800", "{\"AttestationPolicy\":\"YQ\",\"exp\":4102444800}", AttestationErrorCode.ManagementJwsDuplicateMember },
        { "exp not a number", ",\"exp\":\"tomorrow\"", "", AttestationErrorCode.ManagementJwsMalformed },
        { "iat negative", "", "{\"AttestationPolicy\":\"YQ\",\"iat\":-1}", AttestationErrorCode.ManagementJwsMalformed },
        { "operation unknown", ",\"x-vouch-operation\":\"DropTables\"", "", AttestationErrorCode.ManagementJwsMalformed },
        { "provider not a string", ",\"x-vouch-provider\":7", "", AttestationErrorCode.ManagementJwsMalformed },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_signed_JWS_that_breaks_a_rule_is_refused_with_its_code(string label, string headerExtra, string payload, AttestationErrorCode code)
    {
        var jws = _signer.SignRaw(Header(headerExtra), payload);
        Assert.False(ManagementJws.TryRead(jws, out _, out var error), label);
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Understood_critical_members_b64_true_and_claims_in_either_place_are_read()
    {
        var jws = _signer.SignRaw(
            Header(",\"b64\":true,\"crit\":[\"x-vouch-operation\",\"iat\"],\"x-vouch-operation\":\"ResetPolicy\",\"iat\":1785432688.5"),
            "{\"x-vouch-provider\":\"iso\",\"x-vouch-type\":\"Tpm\",\"nbf\":1785432000,\"exp\":1785433000}");
        Assert.True(ManagementJws.TryRead(jws, out var read, out var error), error?.ToString());
        Assert.Equal(
            new ManagementJwsClaims("ResetPolicy", "iso", "Tpm", DateTimeOffset.FromUnixTimeMilliseconds(1785432688500), DateTimeOffset.FromUnixTimeSeconds(1785432000), DateTimeOffset.FromUnixTimeSeconds(1785433000)),
            read.Claims);
    }

    [Fact]
    public async Task Over_HTTP_a_refused_JWS_changes_nothing_on_either_kind_of_provider()
    {
        await using var server = await VouchTestServer.StartAsync();
        using var admin = server.CreateAdminClient();
        var (created, _) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/iso",
            new JsonObject { ["trustMode"] = "Isolated", ["policySigners"] = new JsonArray(_signer.Pem) }.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, created);
        var critical = _signer.SignRaw(Header(",\"crit\":[\"x-unknown\"],\"x-unknown\":1"), TestSigner.PolicyPayload(Policy));
        var unencoded = _signer.SignRaw(Header(",\"b64\":false"), TestSigner.PolicyPayload(Policy));
        var twice = _signer.SignRaw(Header(",\"alg\":\"RS256\""), TestSigner.PolicyPayload(Policy));
        foreach (var path in new[] { "policies/SgxEnclave", "providers/iso/policies/SgxEnclave" })
        {
            foreach (var (jws, code) in new[] { (critical, "ATT7414"), (unencoded, "ATT7415"), (twice, "ATT7416") })
            {
                var (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, path + "?api-version=2020-10-01", jws, "text/plain");
                Assert.Equal(HttpStatusCode.BadRequest, status);
                Assert.Equal(code, VouchTestServer.VouchCode(body));
            }

            var (_, policy) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, path + "?api-version=2020-10-01");
            Assert.StartsWith(Vouch.Policy.PolicyJws.UnsignedHeader + ".", Tokens.Payload(policy!["token"]!.GetValue<string>())["x-ms-policy"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }
}
