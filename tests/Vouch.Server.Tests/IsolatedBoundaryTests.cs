using System.Buffers.Text;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Vouch.Server.Tests.Support;
using Vouch.Tests.Shared;

namespace Vouch.Server.Tests;

/// <summary>
/// Issue 11 items 1–3 over HTTPS: the holder of the admin token cannot change what an isolated provider accepts, not by
/// racing two signed removals, not by replaying signed bytes, not by changing its collateral rules.
/// </summary>
public sealed class IsolatedBoundaryTests
{
    private const string V = "?api-version=2020-10-01";
    private const string Permit = "version=1.0; authorizationrules{=> permit();}; issuancerules{};";
    private const string Deny = "version=1.0; authorizationrules{=> deny();}; issuancerules{};";
    private static readonly string SignalCase = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");
    private static readonly DateTimeOffset SignalTime = DateTimeOffset.FromUnixTimeSeconds(1785432688);

    private static Task<VouchTestServer> StartAsync(TimeProvider? time = null, string? dataDirectory = null) =>
        VouchTestServer.StartAsync(time ?? new FakeTimeProvider(SignalTime), new Dictionary<string, string?> { ["Vouch:CollateralDirectories:0"] = SignalCase }, dataDirectory);

    // ---- item 1: the race that wiped every signer ----

    [Fact]
    public async Task Concurrent_crossed_signer_removals_never_leave_an_isolated_provider_without_a_signer()
    {
        await using var server = await StartAsync();
        using var admin = server.CreateAdminClient();
        for (var run = 0; run < 10; run++)
        {
            using var a = TestSigner.Create("A" + run);
            using var c = TestSigner.Create("C" + run);
            var name = "race-" + run;
            await CreateIsolatedAsync(admin, name, a, c);

            // "Remove A" signed by C and "remove C" signed by A, at once (ec8c7dc: both 200, 0 signers left).
            var results = await Task.WhenAll(
                Send(admin, HttpMethod.Post, $"providers/{name}/certificates:remove" + V, Quoted(c.SignCertificateChange(a))),
                Send(admin, HttpMethod.Post, $"providers/{name}/certificates:remove" + V, Quoted(a.SignCertificateChange(c))));

            Assert.Single(results, r => r.Status == HttpStatusCode.OK);
            var refused = Assert.Single(results, r => r.Status != HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Contains(VouchTestServer.VouchCode(refused.Body), new[] { "ATT7405", "ATT7408" });
            Assert.Single(await SignersAsync(admin, name));
        }
    }

    [Fact]
    public async Task Many_concurrent_conflicting_removals_keep_at_least_one_signer_and_answer_each_with_a_code()
    {
        await using var server = await StartAsync();
        using var admin = server.CreateAdminClient();
        var signers = Enumerable.Range(0, 4).Select(i => TestSigner.Create("S" + i)).ToArray();
        try
        {
            for (var round = 0; round < 6; round++)
            {
                var name = "crowd-" + round;
                await CreateIsolatedAsync(admin, name, signers);

                // Every signer removes every other one, all at once (bound to this provider, so each round's bytes are new).
                var requests = from signer in signers from target in signers where signer != target select (By: signer, Target: target);
                var results = await Task.WhenAll(requests.Select(r => Send(admin, HttpMethod.Post, $"providers/{name}/certificates:remove" + V,
                    Quoted(r.By.SignWithHeader(new JsonObject { ["x-vouch-provider"] = name }, TestSigner.CertificatePayload(r.Target))))));

                Assert.All(results, r => Assert.True(r.Status == HttpStatusCode.OK
                    || (r.Status == HttpStatusCode.BadRequest && VouchTestServer.VouchCode(r.Body) is "ATT7405" or "ATT7408"), $"{r.Status} {r.Body}"));

                // Of any two signers left, one would have removed the other: exactly one is left.
                var left = await SignersAsync(admin, name);
                Assert.Single(left);

                // The provider is not locked: the signer left can still change it.
                var survivor = signers.Single(s => s.X5c == left[0]);
                var (status, _) = await Send(admin, HttpMethod.Put, $"providers/{name}/policies/SgxEnclave" + V,
                    survivor.SignWithHeader(new JsonObject { ["x-vouch-provider"] = name }, TestSigner.PolicyPayload(Permit)), "text/plain");
                Assert.Equal(HttpStatusCode.OK, status);
            }
        }
        finally
        {
            Array.ForEach(signers, s => s.Dispose());
        }
    }

    // ---- item 2: signed requests replayed ----

    [Fact]
    public async Task Signed_remove_bytes_sent_to_add_do_not_trust_the_removed_signer_again_even_after_a_restart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "vouch-replay-" + Guid.NewGuid().ToString("N"));
        using var a = TestSigner.Create("A");
        using var c = TestSigner.Create("C");
        var removeC = Quoted(a.SignCertificateChange(c));
        try
        {
            await using (var server = await StartAsync(dataDirectory: directory))
            {
                using var admin = server.CreateAdminClient();
                await CreateIsolatedAsync(admin, "iso", a, c);
                Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Post, "providers/iso/certificates:remove" + V, removeC)).Status);

                var (status, body) = await Send(admin, HttpMethod.Post, "providers/iso/certificates:add" + V, removeC);
                Assert.Equal(HttpStatusCode.BadRequest, status);
                Assert.Equal("ATT7410", VouchTestServer.VouchCode(body));
                Assert.Equal([a.X5c], await SignersAsync(admin, "iso"));

                // Sent again where it was accepted, it changes nothing and is answered as the first time.
                (status, body) = await Send(admin, HttpMethod.Post, "providers/iso/certificates:remove" + V, removeC);
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal("IsAbsent", Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policycertificates-result"]!.GetValue<string>());
            }

            await using (var restarted = await StartAsync(dataDirectory: directory))
            {
                using var admin = restarted.CreateAdminClient();
                var (status, body) = await Send(admin, HttpMethod.Post, "providers/iso/certificates:add" + V, removeC);
                Assert.Equal(HttpStatusCode.BadRequest, status);
                Assert.Equal("ATT7410", VouchTestServer.VouchCode(body));
                Assert.Equal([a.X5c], await SignersAsync(admin, "iso"));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Microsofts_add_then_remove_with_the_same_bytes_works_once_and_the_bytes_cannot_add_again()
    {
        await using var server = await StartAsync();
        using var admin = server.CreateAdminClient();
        using var a = TestSigner.Create("A");
        using var extra = TestSigner.Create("extra");
        await CreateIsolatedAsync(admin, "iso", a);

        // RS256 is deterministic and MAA's add and remove payloads are the same: @azure/attestation sends these bytes twice.
        var change = Quoted(a.SignCertificateChange(extra));
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Post, "providers/iso/certificates:add" + V, change)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Post, "providers/iso/certificates:remove" + V, change)).Status);

        var (status, body) = await Send(admin, HttpMethod.Post, "providers/iso/certificates:add" + V, change);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ATT7410", VouchTestServer.VouchCode(body));
        Assert.Equal([a.X5c], await SignersAsync(admin, "iso"));
    }

    [Fact]
    public async Task An_old_signed_policy_or_reset_does_not_roll_back_and_applies_to_no_other_type_or_provider()
    {
        await using var server = await StartAsync();
        using var admin = server.CreateAdminClient();
        using var s = TestSigner.Create("S");
        await CreateIsolatedAsync(admin, "one", s);
        await CreateIsolatedAsync(admin, "two", s);
        var first = s.SignPolicy(Permit);
        var second = s.SignPolicy(Deny);
        var reset = s.SignReset();

        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Put, "providers/one/policies/SgxEnclave" + V, first, "text/plain")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Post, "providers/one/policies/SgxEnclave:reset" + V, reset, "text/plain")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Put, "providers/one/policies/SgxEnclave" + V, second, "text/plain")).Status);
        var differentBytes = s.SignWithHeader(new JsonObject { ["x-vouch-provider"] = "two" }, TestSigner.PolicyPayload(Deny));
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Put, "providers/two/policies/OpenEnclave" + V, differentBytes, "text/plain")).Status);

        var replays = new (HttpMethod Method, string Path, string Jws)[]
        {
            (HttpMethod.Put, "providers/one/policies/SgxEnclave", first),              // rollback to the older policy
            (HttpMethod.Post, "providers/one/policies/SgxEnclave:reset", reset),       // the old reset, again
            (HttpMethod.Put, "providers/one/policies/OpenEnclave", second),            // another type
            (HttpMethod.Put, "providers/two/policies/SgxEnclave", second),             // another provider
            (HttpMethod.Post, "providers/two/policies/OpenEnclave:reset", reset),      // a reset, elsewhere
        };
        foreach (var (method, path, jws) in replays)
        {
            var (status, body) = await Send(admin, method, path + V, jws, "text/plain");
            Assert.True(status == HttpStatusCode.BadRequest, path);
            Assert.Equal("ATT7410", VouchTestServer.VouchCode(body));
        }

        Assert.Equal(second, await PolicyJwsAsync(admin, "one", "SgxEnclave"));
        Assert.Equal(differentBytes, await PolicyJwsAsync(admin, "two", "OpenEnclave"));
        Assert.Null(await StoredPolicyAsync(admin, "one", "OpenEnclave"));
        Assert.Null(await StoredPolicyAsync(admin, "two", "SgxEnclave"));

        // The policy in force, sent again, changes nothing: answered as MAA answers a PUT.
        var (again, result) = await Send(admin, HttpMethod.Put, "providers/one/policies/SgxEnclave" + V, second, "text/plain");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal("Updated", Tokens.Payload(result!["token"]!.GetValue<string>())["x-ms-policy-result"]!.GetValue<string>());
    }

    [Fact]
    public async Task Exp_nbf_and_iat_bound_a_signed_policy_to_the_service_clock_and_iat_refuses_a_rollback()
    {
        var time = new FakeTimeProvider(SignalTime);
        await using var server = await StartAsync(time);
        using var admin = server.CreateAdminClient();
        using var s = TestSigner.Create("S");
        await CreateIsolatedAsync(admin, "iso", s);
        var now = SignalTime.ToUnixTimeSeconds();

        var outside = new (string Member, long Value)[] { ("exp", now - 301), ("nbf", now + 301), ("iat", now + 301) };
        foreach (var (member, value) in outside)
        {
            var (status, body) = await Send(admin, HttpMethod.Put, "providers/iso/policies/SgxEnclave" + V,
                s.SignWithHeader(new JsonObject { [member] = value }, TestSigner.PolicyPayload(Deny)), "text/plain");
            Assert.True(status == HttpStatusCode.BadRequest, member);
            Assert.Equal("ATT7411", VouchTestServer.VouchCode(body));
        }

        Assert.Null(await StoredPolicyAsync(admin, "iso", "SgxEnclave"));

        // Within the skew; then an older iat (fresh bytes, so not a replay) is a rollback.
        var current = s.SignWithHeader(new JsonObject { ["iat"] = now, ["exp"] = now - 299, ["nbf"] = now + 299 }, TestSigner.PolicyPayload(Permit));
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Put, "providers/iso/policies/SgxEnclave" + V, current, "text/plain")).Status);
        var older = s.Sign(new JsonObject { ["AttestationPolicy"] = Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(Deny)), ["iat"] = now - 3600 }.ToJsonString());
        var (refused, refusal) = await Send(admin, HttpMethod.Put, "providers/iso/policies/SgxEnclave" + V, older, "text/plain");
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Equal("ATT7412", VouchTestServer.VouchCode(refusal));
        Assert.Equal(current, await PolicyJwsAsync(admin, "iso", "SgxEnclave"));

        // The end of time is a valid exp (and no 500), and an exp deep in a payload counts too.
        var lasting = s.SignWithHeader(new JsonObject { ["exp"] = 253402300799, ["iat"] = now }, TestSigner.PolicyPayload(Permit));
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Put, "providers/iso/policies/SgxEnclave" + V, lasting, "text/plain")).Status);
        var nested = s.Sign(new JsonObject
        {
            ["AttestationPolicy"] = Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(Deny)),
            ["exp"] = now - 3600,
            ["deep"] = JsonNode.Parse("[[[[[[[[[[[[]]]]]]]]]]]]"),
        }.ToJsonString());
        var (stale, staleBody) = await Send(admin, HttpMethod.Put, "providers/iso/policies/SgxEnclave" + V, nested, "text/plain");
        Assert.Equal(HttpStatusCode.BadRequest, stale);
        Assert.Equal("ATT7411", VouchTestServer.VouchCode(staleBody));

        // A newer one replaces it.
        time.Advance(TimeSpan.FromMinutes(1));
        var newer = s.SignWithHeader(new JsonObject { ["iat"] = now + 60 }, TestSigner.PolicyPayload(Deny));
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Put, "providers/iso/policies/SgxEnclave" + V, newer, "text/plain")).Status);
    }

    [Fact]
    public async Task Binding_members_when_present_must_name_this_operation_provider_and_type()
    {
        await using var server = await StartAsync();
        using var admin = server.CreateAdminClient();
        using var s = TestSigner.Create("S");
        using var other = TestSigner.Create("other");
        await CreateIsolatedAsync(admin, "iso", s);

        var mismatches = new JsonObject[]
        {
            new() { ["x-vouch-operation"] = "ResetPolicy" },
            new() { ["x-vouch-provider"] = "elsewhere" },
            new() { ["x-vouch-type"] = "OpenEnclave" },
        };
        foreach (var members in mismatches)
        {
            var (status, body) = await Send(admin, HttpMethod.Put, "providers/iso/policies/SgxEnclave" + V, s.SignWithHeader(members, TestSigner.PolicyPayload(Deny)), "text/plain");
            Assert.True(status == HttpStatusCode.BadRequest, members.ToJsonString());
            Assert.Equal("ATT7413", VouchTestServer.VouchCode(body));
        }

        // A signer change names no type.
        var (changeStatus, changeBody) = await Send(admin, HttpMethod.Post, "providers/iso/certificates:add" + V,
            Quoted(s.SignWithHeader(new JsonObject { ["x-vouch-type"] = "SgxEnclave" }, TestSigner.CertificatePayload(other))));
        Assert.Equal(HttpStatusCode.BadRequest, changeStatus);
        Assert.Equal("ATT7413", VouchTestServer.VouchCode(changeBody));
        Assert.Null(await StoredPolicyAsync(admin, "iso", "SgxEnclave"));
        Assert.Equal([s.X5c], await SignersAsync(admin, "iso"));

        // Named right (and marked critical), it applies.
        var bound = new JsonObject { ["x-vouch-operation"] = "SetPolicy", ["x-vouch-provider"] = "iso", ["x-vouch-type"] = "sgxenclave", ["crit"] = new JsonArray("x-vouch-provider") };
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Put, "providers/iso/policies/SgxEnclave" + V, s.SignWithHeader(bound, TestSigner.PolicyPayload(Permit)), "text/plain")).Status);
    }

    // ---- item 3: the admin token alone cannot widen an isolated provider ----

    [Fact]
    public async Task The_admin_token_alone_cannot_turn_an_expired_collateral_refusal_into_a_token()
    {
        // 90 days after the vector's time its collateral is past nextUpdate.
        await using var server = await StartAsync(new FakeTimeProvider(SignalTime.AddDays(90)));
        using var admin = server.CreateAdminClient();
        using var s = TestSigner.Create("S");
        using var foreign = TestSigner.Create("foreign");
        await CreateIsolatedAsync(admin, "iso", s);
        Assert.Equal(HttpStatusCode.BadRequest, (await AttestAsync(server, "iso")).Status);
        var before = await CollateralOfAsync(admin, "iso");

        const string Widen = """{"gracePeriodSeconds":315360000}""";
        var (status, body) = await Send(admin, HttpMethod.Put, "admin/providers/iso/collateral-policy", Widen);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("ATT7417", VouchTestServer.VouchCode(body));

        foreach (var (jws, code) in new[] { (Vouch.Policy.PolicyJws.UnsignedHeader + "." + Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(Widen)) + ".", "ATT7404"), (foreign.Sign(Widen), "ATT7405") })
        {
            (status, body) = await Send(admin, HttpMethod.Put, "admin/providers/iso/collateral-policy", jws, "text/plain");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(code, VouchTestServer.VouchCode(body));
        }

        Assert.True(JsonNode.DeepEquals(before, await CollateralOfAsync(admin, "iso")));
        Assert.Equal(HttpStatusCode.BadRequest, (await AttestAsync(server, "iso")).Status);

        // Signed by the trusted signer it applies, like a policy; and its bytes cannot be replayed after a later change.
        var signed = s.Sign(Widen);
        (status, body) = await Send(admin, HttpMethod.Put, "admin/providers/iso/collateral-policy", signed, "text/plain");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(315360000, body!["collateral"]!["gracePeriodSeconds"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.OK, (await AttestAsync(server, "iso")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, HttpMethod.Put, "admin/providers/iso/collateral-policy", Quoted(s.Sign("{}")))).Status);
        (status, body) = await Send(admin, HttpMethod.Put, "admin/providers/iso/collateral-policy", signed, "text/plain");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ATT7410", VouchTestServer.VouchCode(body));
        Assert.Equal(HttpStatusCode.BadRequest, (await AttestAsync(server, "iso")).Status);
    }

    [Fact]
    public async Task An_isolated_provider_whose_only_signer_is_expired_or_not_yet_valid_is_not_created()
    {
        await using var server = await StartAsync();
        using var admin = server.CreateAdminClient();
        using var expired = TestSigner.Create("expired", SignalTime.AddYears(-2), SignalTime.AddDays(-1));
        using var early = TestSigner.Create("early", SignalTime.AddDays(1), SignalTime.AddYears(2));
        foreach (var signer in new[] { expired, early })
        {
            var (status, body) = await Send(admin, HttpMethod.Put, "admin/providers/stuck",
                new JsonObject { ["trustMode"] = "Isolated", ["policySigners"] = new JsonArray(signer.Pem) }.ToJsonString());
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("ATT8022", VouchTestServer.VouchCode(body));
            Assert.Equal(HttpStatusCode.NotFound, (await Send(admin, HttpMethod.Get, "admin/providers/stuck")).Status);
        }

        // With one valid signer beside them it is created.
        using var valid = TestSigner.Create("valid");
        var (created, _) = await Send(admin, HttpMethod.Put, "admin/providers/stuck",
            new JsonObject { ["trustMode"] = "Isolated", ["policySigners"] = new JsonArray(expired.Pem, valid.Pem) }.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, created);
    }

    // ---- helpers ----

    private static Task<(HttpStatusCode Status, JsonNode? Body)> Send(HttpClient client, HttpMethod method, string path, string? body = null, string contentType = "application/json") =>
        VouchTestServer.SendAsync(client, method, path, body, contentType);

    private static string Quoted(string jws) => "\"" + jws + "\"";

    private static async Task CreateIsolatedAsync(HttpClient admin, string name, params TestSigner[] signers)
    {
        var (status, body) = await Send(admin, HttpMethod.Put, "admin/providers/" + name,
            new JsonObject { ["trustMode"] = "Isolated", ["policySigners"] = new JsonArray([.. signers.Select(s => (JsonNode)s.Pem)]) }.ToJsonString());
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
    }

    private static async Task<string[]> SignersAsync(HttpClient admin, string name)
    {
        var (_, body) = await Send(admin, HttpMethod.Get, $"providers/{name}/certificates" + V);
        return [.. Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policy-certificates"]!["keys"]!.AsArray().Select(k => k!["x5c"]![0]!.GetValue<string>())];
    }

    private static async Task<string> PolicyJwsAsync(HttpClient admin, string name, string type)
    {
        var (_, body) = await Send(admin, HttpMethod.Get, $"providers/{name}/policies/{type}" + V);
        return Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policy"]!.GetValue<string>();
    }

    // The stored policy JWS, or null when the default is in force (GET answers with MAA's unsigned default then).
    private static async Task<string?> StoredPolicyAsync(HttpClient admin, string name, string type)
    {
        var jws = await PolicyJwsAsync(admin, name, type);
        return jws.StartsWith(Vouch.Policy.PolicyJws.UnsignedHeader + ".", StringComparison.Ordinal) ? null : jws;
    }

    private static async Task<JsonNode?> CollateralOfAsync(HttpClient admin, string name)
    {
        var (_, body) = await Send(admin, HttpMethod.Get, "admin/providers/" + name);
        return body!["collateral"];
    }

    private static Task<(HttpStatusCode Status, JsonNode? Body)> AttestAsync(VouchTestServer server, string provider)
    {
        var body = new JsonObject { ["quote"] = Base64Url.EncodeToString(File.ReadAllBytes(Path.Combine(SignalCase, "quote.bin"))) };
        return Send(server.Client, HttpMethod.Post, $"providers/{provider}/attest/SgxEnclave" + V, body.ToJsonString());
    }
}
