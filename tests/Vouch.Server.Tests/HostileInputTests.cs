using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vouch.Server.Tests.Collateral;
using Vouch.Server.Tests.Support;
using Vouch.Simulator.Dcap;
using Vouch.Tests.Shared;

namespace Vouch.Server.Tests;

/// <summary>
/// A catalogue of hostile strings and encodings sent to every route that takes a body, in every position a client
/// controls (string members, member names, a JSON string body, the header and payload of a management JWS, JSON
/// runtime data): each is a 4xx with a stable code, nothing changes, and the log holds no stack trace.
/// </summary>
public sealed class HostileInputTests
{
    private const string V = "?api-version=2020-10-01";
    private const string NotUnicode = "ATT8026";
    private static readonly string SignalQuote = Base64Url.EncodeToString(File.ReadAllBytes(TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026", "quote.bin")));

    /// <summary>The bytes of a JSON string's content that are no Unicode text, by name.</summary>
    private static readonly (string Name, byte[] Content)[] NotText =
    [
        ("lone high surrogate escape", Ascii("\\ud800")),
        ("lone low surrogate escape", Ascii("\\udc00")),
        ("reversed surrogate escapes", Ascii("\\udc00\\ud800")),
        ("high surrogate escape then a letter", Ascii("\\ud800A")),
        ("high surrogate escape then an escaped letter", Ascii("\\ud800\\u0041")),
        ("overlong two-byte UTF-8 '/'", [0xC0, 0xAF]),
        ("overlong three-byte UTF-8 '/'", [0xE0, 0x80, 0xAF]),
        ("UTF-8-encoded surrogate (CESU-8)", [0xED, 0xA0, 0x80]),
        ("a code point above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("0xFF", [0xFF]),
        ("escape then overlong UTF-8", [.. Ascii("\\n"), 0xC0, 0xAF]),
    ];

    /// <summary>String content that is Unicode text, but hostile: each is refused for what the member must be.</summary>
    private static readonly (string Name, byte[] Content)[] OddText =
    [
        ("NUL escape", Ascii("\\u0000")),
        ("U+2028 raw", [0xE2, 0x80, 0xA8]),
        ("U+2028 escaped", Ascii("\\u2028")),
        ("BOM inside a string", [0xEF, 0xBB, 0xBF]),
        ("a valid surrogate pair", Ascii("\\ud83d\\ude00")),
    ];

    [Fact]
    public async Task Hostile_strings_and_encodings_get_a_4xx_with_a_code_on_every_body_route_and_change_nothing()
    {
        var log = new CapturedLog();
        // A PCS source (answering 404) so that collateral:prefetch reads its body too.
        await using var pcs = await PcsTestHost.StartAsync(_ => new PcsResponse(404, "text/plain", [], []));
        await using var server = await VouchTestServer.StartAsync(log: log, settings: new Dictionary<string, string?> { ["Vouch:CollateralSources:0:Url"] = pcs.Url.ToString() });
        using var admin = server.CreateAdminClient();
        using var signer = TestSigner.Create("hostile-input signer");
        var (created, _) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/iso",
            new JsonObject { ["trustMode"] = "Isolated", ["policySigners"] = new JsonArray(signer.Pem) }.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, created);
        var before = await SnapshotAsync(admin);
        log.Clear();

        var sent = 0;
        foreach (var (name, content, expected) in Catalogue())
        {
            foreach (var (method, path, body) in Requests(content))
            {
                var (status, code) = await SendRawAsync(admin, method, path, body);
                Assert.True((int)status is >= 400 and < 500, $"{name}: {method} {path} answered {(int)status}");
                Assert.True(code is not null && code.StartsWith("ATT", StringComparison.Ordinal), $"{name}: {method} {path} has no code");
                if (expected is not null)
                {
                    Assert.True(expected == code, $"{name}: {method} {path} answered {code}, not {expected}");
                }

                sent++;
            }
        }

        foreach (var (name, method, path, body, expected) in WholeBodies())
        {
            var (status, code) = await SendRawAsync(admin, method, path, body);
            Assert.True((int)status is >= 400 and < 500, $"{name}: {method} {path} answered {(int)status}");
            Assert.True(expected == code, $"{name}: {method} {path} answered {code}, not {expected}");
            sent++;
        }

        Assert.True(sent > 300, $"only {sent} requests were sent");
        Assert.Equal(before, await SnapshotAsync(admin));
        AssertNoStackTraces(log);
    }

    [Fact]
    public async Task JSON_runtime_data_that_is_no_Unicode_text_is_ATT7005_once_collateral_is_there()
    {
        var log = new CapturedLog();
        await using var server = await VouchTestServer.StartAsync(log: log);

        // A first attestation shows the simulated collateral is served, so the hostile ones below reach every stage
        // that reads the JSON (on the old code, building the x-ms-runtime claim threw).
        var warm = SimulatedEvidence.Create(server, []);
        await SimulatedEvidence.AttestAsync(server, "attest/SgxEnclave" + V, new JsonObject { ["quote"] = Base64Url.EncodeToString(warm.Quote) }.ToJsonString());
        log.Clear();

        foreach (var (name, content) in NotText)
        {
            foreach (var runtime in new[] { Join("{\"key\":\"", content, "\"}"), Join("{\"", content, "\":1}"), Join("[\"", content, "\"]") })
            {
                var evidence = SimulatedEvidence.Create(server, runtime);
                var body = new JsonObject
                {
                    ["quote"] = Base64Url.EncodeToString(evidence.Quote),
                    ["runtimeData"] = new JsonObject { ["data"] = Base64Url.EncodeToString(runtime), ["dataType"] = "JSON" },
                };
                var (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave" + V, body.ToJsonString());
                Assert.True(status == HttpStatusCode.BadRequest, $"{name}: {(int)status} {response?.ToJsonString()}");
                Assert.Equal("ATT7005", VouchTestServer.VouchCode(response));
            }
        }

        AssertNoStackTraces(log);
    }

    [Fact]
    public async Task A_real_failure_is_500_ATT8099_with_the_request_id_and_its_stack_trace_in_the_log()
    {
        var log = new CapturedLog();
        await using var server = await VouchTestServer.StartAsync(log: log, mapExtra: app =>
            app.MapGet("/test/fail", (HttpContext _) => throw new InvalidOperationException("a bug")));
        log.Clear();

        using var response = await server.Client.GetAsync(new Uri("test/fail", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("ATT8099", VouchTestServer.VouchCode(body));
        Assert.True(response.Headers.TryGetValues("x-ms-request-id", out var ids));
        Assert.False(string.IsNullOrEmpty(Assert.Single(ids)));
        // Logged once, by Vouch, with the exception (the middleware's own copy is suppressed).
        var failure = Assert.Single(log.Entries, e => e.Exception is not null);
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.IsType<InvalidOperationException>(failure.Exception);
    }

    // Each hostile content, with the code a route must answer when the content is no Unicode text (null: any code).
    private static IEnumerable<(string Name, byte[] Content, string? Expected)> Catalogue() =>
        NotText.Select(t => (t.Name, t.Content, (string?)NotUnicode)).Concat(OddText.Select(t => (t.Name, t.Content, (string?)null)));

    // Every route that takes a body, with the content in each position a client controls. The JSON bodies carry it in
    // a string member or a member name; management JWS carry it in the body as a JSON string, in the JWS header and
    // in its payload.
    private static IEnumerable<(string Method, string Path, byte[] Body)> Requests(byte[] s)
    {
        foreach (var prefix in new[] { string.Empty, "providers/iso/" })
        {
            yield return ("POST", prefix + "attest/SgxEnclave" + V, Join("{\"quote\":\"", s, "\"}"));
            yield return ("POST", prefix + "attest/SgxEnclave" + V, Join("{\"", s, "\":1,\"quote\":\"" + SignalQuote + "\"}"));
            yield return ("POST", prefix + "attest/SgxEnclave" + V, Join("{\"quote\":\"" + SignalQuote + "\",\"nonce\":\"", s, "\"}"));
            yield return ("POST", prefix + "attest/SgxEnclave" + V, Join("{\"quote\":\"" + SignalQuote + "\",\"draftPolicyForAttestation\":\"", s, "\"}"));
            yield return ("POST", prefix + "attest/SgxEnclave" + V, Join("{\"quote\":\"" + SignalQuote + "\",\"runtimeData\":{\"data\":\"AAAA\",\"dataType\":\"", s, "\"}}"));
            yield return ("POST", prefix + "attest/OpenEnclave" + V, Join("{\"report\":\"", s, "\"}"));
            yield return ("POST", prefix + "attest/OpenEnclave" + V, Join("{\"report\":\"AAAA\",\"", s, "\":{}}"));

            foreach (var path in new[] { "policies/SgxEnclave" + V, "policies/OpenEnclave:reset" + V, "certificates:add" + V, "certificates:remove" + V })
            {
                var method = path.StartsWith("policies/SgxEnclave", StringComparison.Ordinal) ? "PUT" : "POST";
                yield return (method, prefix + path, Join("\"", s, "\""));
                yield return (method, prefix + path, Ascii(Jws(Join("{\"alg\":\"", s, "\"}"), Ascii("{}"))));
                yield return (method, prefix + path, Ascii(Jws(Ascii("{\"alg\":\"none\"}"), Join("{\"AttestationPolicy\":\"", s, "\"}"))));
                yield return (method, prefix + path, Ascii(Jws(Ascii("{\"alg\":\"RS256\"}"), Join("{\"policyCertificate\":{\"kty\":\"RSA\",\"x5c\":[\"", s, "\"]}}"))));
                yield return (method, prefix + path, Ascii(Jws(Join("{\"alg\":\"RS256\",\"x5c\":[\"", s, "\"]}"), Ascii("{}"))));
                yield return (method, prefix + path, Ascii("\"" + Jws(Ascii("{\"alg\":\"none\"}"), Join("{\"", s, "\":1}")) + "\""));
            }
        }

        yield return ("PUT", "admin/providers/new-one", Join("{\"trustMode\":\"", s, "\"}"));
        // Provider definitions ignore unknown members, so this one also names a trust mode that is refused.
        yield return ("PUT", "admin/providers/new-one", Join("{\"", s, "\":\"Isolated\",\"trustMode\":\"Neither\"}"));
        yield return ("PUT", "admin/providers/new-one", Join("{\"policySigners\":[\"", s, "\"]}"));
        yield return ("PUT", "admin/providers/new-one", Join("{\"signingAlgorithm\":\"", s, "\"}"));
        yield return ("PUT", "admin/providers/new-one", Join("{\"collateral\":{\"sources\":[\"", s, "\"]}}"));
        // The collateral policy is a JSON body on an AAD-like provider and a signed JWS on an isolated one.
        yield return ("PUT", "admin/providers/default/collateral-policy", Join("{\"update\":\"", s, "\"}"));
        yield return ("PUT", "admin/providers/default/collateral-policy", Join("{\"sources\":[\"", s, "\"]}"));
        yield return ("PUT", "admin/providers/default/collateral-policy", Join("{\"", s, "\":1}"));
        yield return ("PUT", "admin/providers/iso/collateral-policy", Join("\"", s, "\""));
        yield return ("PUT", "admin/providers/iso/collateral-policy", Ascii(Jws(Join("{\"alg\":\"", s, "\"}"), Ascii("{}"))));
        yield return ("PUT", "admin/providers/iso/collateral-policy", Ascii(Jws(Ascii("{\"alg\":\"none\"}"), Join("{\"update\":\"", s, "\"}"))));
        yield return ("POST", "admin/collateral:prefetch", Join("{\"platforms\":[\"", s, "\"]}"));
    }

    // Whole bodies: encodings and shapes rather than string content.
    private static IEnumerable<(string Name, string Method, string Path, byte[] Body, string Expected)> WholeBodies()
    {
        var million = "{\"quote\":\"AAAA\",\"n\":" + new string('9', 1_000_000) + "}";
        var attest = "attest/SgxEnclave" + V;
        return
        [
            ("UTF-8 BOM before the body", "POST", attest, [0xEF, 0xBB, 0xBF, .. Ascii("{\"quote\":\"AAAA\"}")], "ATT8002"),
            ("UTF-16 body", "POST", attest, Encoding.Unicode.GetBytes("{\"quote\":\"AAAA\"}"), "ATT8002"),
            ("raw NUL inside a string", "POST", attest, Join("{\"quote\":\"AA", [0x00], "AA\"}"), "ATT8002"),
            ("raw NUL after the body", "POST", attest, Join("{\"quote\":\"AAAA\"}", [0x00], string.Empty), "ATT8002"),
            ("raw U+2028 between members", "POST", attest, Join("{\"quote\":\"AAAA\"", [0xE2, 0x80, 0xA8], "}"), "ATT8002"),
            ("a 10^6-digit number", "POST", attest, Ascii(million), "ATT7001"),
            ("a 10^6-digit number as a provider member", "PUT", "admin/providers/new-one", Ascii("{\"allowExpiredCollateral\":" + new string('9', 1_000_000) + "}"), "ATT8016"),
            ("a 10^6-digit number in a collateral policy", "PUT", "admin/providers/default/collateral-policy", Ascii("{\"maximumAgeSeconds\":" + new string('9', 1_000_000) + "}"), "ATT8016"),
            ("duplicate members by case", "POST", attest, Ascii("{\"quote\":\"AAAA\",\"QUOTE\":\"AAAA\"}"), "ATT8013"),
            ("duplicate members by case (OpenEnclave)", "POST", "attest/OpenEnclave" + V, Ascii("{\"Report\":\"AAAA\",\"report\":\"AAAA\"}"), "ATT8013"),
            ("duplicate runtimeData members by case", "POST", attest, Ascii("{\"quote\":\"" + SignalQuote + "\",\"runtimeData\":{\"data\":\"AAAA\",\"DATA\":\"AAAA\",\"dataType\":\"Binary\"}}"), "ATT8013"),
            ("duplicate provider members by case", "PUT", "admin/providers/new-one", Ascii("{\"trustMode\":\"AadLike\",\"TrustMode\":\"Isolated\"}"), "ATT8013"),
            ("a list of trust modes", "PUT", "admin/providers/new-one", Ascii("{\"trustMode\":\"AadLike,Isolated\"}"), "ATT8016"),
            ("a JWS string body with a lone surrogate", "PUT", "policies/SgxEnclave" + V, Ascii("\"\\ud800\""), NotUnicode),
        ];
    }

    // What every body route could change: providers and their collateral policies, policies per type, policy signers.
    private static async Task<string> SnapshotAsync(HttpClient admin)
    {
        var snapshot = new StringBuilder();
        var (_, providers) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "admin/providers");
        snapshot.AppendLine(providers!.ToJsonString());
        foreach (var prefix in new[] { string.Empty, "providers/iso/" })
        {
            foreach (var type in new[] { "SgxEnclave", "OpenEnclave", "Tpm" })
            {
                var (_, policy) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, prefix + "policies/" + type + V);
                snapshot.AppendLine(Tokens.Payload(policy!["token"]!.GetValue<string>())["x-ms-policy"]!.ToJsonString());
            }

            var (_, signers) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, prefix + "certificates" + V);
            snapshot.AppendLine(Tokens.Payload(signers!["token"]!.GetValue<string>())["x-ms-policy-certificates"]!.ToJsonString());
        }

        return snapshot.ToString();
    }

    private static void AssertNoStackTraces(CapturedLog log)
    {
        var entries = log.Entries;
        Assert.DoesNotContain(entries, e => e.Exception is not null);
        Assert.DoesNotContain(entries, e => e.Level >= LogLevel.Error);
        Assert.DoesNotContain(entries, e => e.Message.Contains("   at ", StringComparison.Ordinal));
        // Vouch's own lines about a request are one line each (the HTTP client's trace of its headers is not Vouch's).
        Assert.DoesNotContain(entries, e => e.Category.StartsWith("Vouch.", StringComparison.Ordinal) && e.Message.Contains('\n', StringComparison.Ordinal));
    }

    private static async Task<(HttpStatusCode Status, string? Code)> SendRawAsync(HttpClient client, string method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(client.BaseAddress + path));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(path.Contains("polic", StringComparison.Ordinal) && !path.StartsWith("admin", StringComparison.Ordinal) ? "text/plain" : "application/json");
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : VouchTestServer.VouchCode(JsonNode.Parse(text)));
    }

    private static string Jws(byte[] header, byte[] payload) => Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload) + ".";

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Join(string before, byte[] middle, string after) => [.. Ascii(before), .. middle, .. Ascii(after)];
}
