using System.Net;
using System.Text.Json.Nodes;
using Vouch.Attestation.Collateral;
using Vouch.Server.Api;
using Vouch.Server.Collateral;
using Vouch.Server.Tests.Collateral;
using Vouch.Server.Tests.Support;
using Vouch.Sgx.Quotes;
using Vouch.Simulator.Dcap;
using Vouch.Tests.Shared;

namespace Vouch.Server.Tests;

/// <summary>
/// <c>GET /admin/collateral</c> and <c>POST /admin/collateral:prefetch</c>: administrators only, the PCS cache's and
/// offline folders' state, prefetching from a PCS on 127.0.0.1, and every malformed request refused with its code.
/// </summary>
public sealed class CollateralAdminApiTests(CollateralAdminApiTests.UnknownPlatformsFixture fixture) : IClassFixture<CollateralAdminApiTests.UnknownPlatformsFixture>
{
    private const string SignalCase = "signal-cdsi-sgx-v3-2026";
    private const string SignalFmspc = "00606a000000";
    private const string Prefetch = "admin/collateral:prefetch";

    private static string SignalFolder => TestVectors.Path("dcap", SignalCase);

    private static int SignalTcbEvaluationDataNumber =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(SignalFolder, "tcb_info.json")))!["tcbInfo"]!["tcbEvaluationDataNumber"]!.GetValue<int>();

    private static Task<VouchTestServer> StartWithPcsAsync(PcsTestHost pcs) =>
        VouchTestServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Vouch:CollateralSources:0:Url"] = pcs.Url.AbsoluteUri,
            ["Vouch:CollateralCache:RetryInterval"] = "00:00:00",
        });

    [Fact]
    public async Task The_collateral_routes_need_an_administrator_token()
    {
        await using var server = await VouchTestServer.StartAsync();
        using var stranger = server.CreateClient("not-the-token");
        foreach (var client in new[] { server.Client, stranger })
        {
            var (status, body) = await VouchTestServer.SendAsync(client, HttpMethod.Get, "admin/collateral");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("ATT8011", VouchTestServer.VouchCode(body));

            (status, body) = await VouchTestServer.SendAsync(client, HttpMethod.Post, Prefetch, """{"platforms":["00606A000000"]}""");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("ATT8011", VouchTestServer.VouchCode(body));
        }
    }

    [Fact]
    public async Task Without_a_PCS_source_the_status_lists_only_the_offline_folders_and_prefetch_is_a_conflict()
    {
        await using var server = await VouchTestServer.StartAsync(settings: new Dictionary<string, string?> { ["Vouch:CollateralDirectories:0"] = SignalFolder });
        using var admin = server.CreateAdminClient();

        var (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "admin/collateral");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(body!["sources"]!.AsArray());
        Assert.Empty(body["entries"]!.AsArray());
        var signal = Assert.Single(body["offline"]!.AsArray(), row => row!["fmspc"]?.GetValue<string>() == SignalFmspc)!;
        Assert.Equal(Path.GetFullPath(SignalFolder), signal["folder"]!.GetValue<string>());
        Assert.Equal("sgx", signal["tee"]!.GetValue<string>());
        Assert.Equal("platform", signal["ca"]!.GetValue<string>());
        Assert.Equal(SignalTcbEvaluationDataNumber, signal["tcbEvaluationDataNumber"]!.GetValue<int>());
        Assert.EndsWith("Z", signal["validUntil"]!.GetValue<string>(), StringComparison.Ordinal);

        // DATA/collateral does not exist yet: listed as a problem, not an error.
        Assert.Contains(body["offline"]!.AsArray(), row => row!["problem"] is not null);

        (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Prefetch, """{"platforms":["00606A000000"]}""");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("ATT8020", VouchTestServer.VouchCode(body));
    }

    [Fact]
    public async Task Prefetch_fetches_each_platform_and_version_from_the_PCS_now_and_the_status_shows_them()
    {
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Replay(SignalFolder));
        await using var server = await StartWithPcsAsync(pcs);
        using var admin = server.CreateAdminClient();

        var (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Prefetch,
            """{"platforms":["sgx:00606A000000:platform"],"versions":["standard","early"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var entries = body!["entries"]!.AsArray();
        Assert.Equal(
            [new PcsCacheKey(SignalFmspc, PckCaKind.Platform, TeeType.Sgx, CollateralVersion.Standard).ToString(), new PcsCacheKey(SignalFmspc, PckCaKind.Platform, TeeType.Sgx, CollateralVersion.Early).ToString()],
            entries.Select(e => e!["key"]!.GetValue<string>()));
        foreach (var entry in entries)
        {
            Assert.Equal("sgx", entry!["tee"]!.GetValue<string>());
            Assert.Equal(SignalFmspc, entry["fmspc"]!.GetValue<string>());
            Assert.Equal("platform", entry["ca"]!.GetValue<string>());
            Assert.Equal(pcs.Url.AbsoluteUri, entry["source"]!.GetValue<string>());
            Assert.NotNull(entry["fetchedAt"]);
            Assert.NotNull(entry["refreshAt"]);
            Assert.Equal(SignalTcbEvaluationDataNumber, entry["tcbEvaluationDataNumber"]!.GetValue<int>());
            Assert.Null(entry["lastProblem"]);
        }

        Assert.Equal(["standard", "early"], entries.Select(e => e!["version"]!.GetValue<string>()));
        Assert.Equal(2, pcs.Requests("/sgx/certification/v4/tcb"));

        // A second prefetch of what is cached asks the PCS nothing.
        (status, _) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Prefetch, """{"platforms":["sgx:00606A000000:platform"],"versions":["standard"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, pcs.Requests("/sgx/certification/v4/tcb"));

        // The replayed PCS has no TCB Evaluation Data Numbers: asked for through the PCCS route, the status says so.
        using (var pccs = await server.Client.GetAsync(new Uri("/sgx/certification/v4/tcbevaluationdatanumbers", UriKind.Relative), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NotFound, pccs.StatusCode);
        }

        (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "admin/collateral");
        Assert.Equal(HttpStatusCode.OK, status);
        var numbers = Assert.Single(body!["evaluationNumbers"]!.AsArray(), n => n!["tee"]!.GetValue<string>() == "sgx")!;
        Assert.Empty(numbers["numbers"]!.AsArray());
        Assert.NotNull(numbers["lastProblem"]);
        var source = Assert.Single(body!["sources"]!.AsArray())!;
        Assert.Equal("source-1", source["name"]!.GetValue<string>());
        Assert.Equal(pcs.Url.AbsoluteUri, source["url"]!.GetValue<string>());
        Assert.Equal("Ok", source["lastOutcome"]!.GetValue<string>());
        Assert.NotNull(source["lastAttempt"]);
        Assert.Null(source["throttledUntil"]);
        Assert.Equal(2, body["entries"]!.AsArray().Count(e => e!["fetchedAt"] is not null && e["fmspc"]!.GetValue<string>() == SignalFmspc));
    }

    [Fact]
    public async Task Prefetch_without_versions_fetches_the_version_of_every_provider()
    {
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Replay(SignalFolder));
        await using var server = await StartWithPcsAsync(pcs);
        using var admin = server.CreateAdminClient();
        var pinned = SignalTcbEvaluationDataNumber;
        var (status, _) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/pinned", new JsonObject { ["collateral"] = new JsonObject { ["tcbEvaluationDataNumber"] = pinned } }.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, status);

        (status, var body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Prefetch, """{"platforms":["00606a000000:platform"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["standard", $"tcb-evaluation-{pinned}"], body!["entries"]!.AsArray().Select(e => e!["version"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_platform_the_PCS_does_not_know_is_reported_with_its_problem_and_no_copy()
    {
        await using var pcs = await PcsTestHost.StartAsync(_ => new PcsResponse(404, "", [], []));
        await using var server = await StartWithPcsAsync(pcs);
        using var admin = server.CreateAdminClient();

        var (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Prefetch, """{"platforms":["tdx:90C06F000000"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var entries = body!["entries"]!.AsArray();
        Assert.Equal(["platform", "processor"], entries.Select(e => e!["ca"]!.GetValue<string>()));
        Assert.All(entries, e =>
        {
            Assert.Equal("tdx", e!["tee"]!.GetValue<string>());
            Assert.Null(e["fetchedAt"]);
            Assert.NotNull(e["lastAttempt"]);
            Assert.NotNull(e["lastProblem"]);
        });
    }

    public static TheoryData<string, string> BadPrefetches => new()
    {
        { "platforms missing", "{}" },
        { "platforms null", """{"platforms":null}""" },
        { "platforms a string", """{"platforms":"00606A000000"}""" },
        { "platforms empty", """{"platforms":[]}""" },
        { "platform not a string", """{"platforms":[6334726144]}""" },
        { "FMSPC of 11 digits", """{"platforms":["00606A00000"]}""" },
        { "FMSPC of 13 digits", """{"platforms":["00606A0000000"]}""" },
        { "FMSPC not hex", """{"platforms":["00606A00000G"]}""" },
        { "unknown TEE", """{"platforms":["sev:00606A000000"]}""" },
        { "unknown CA", """{"platforms":["00606A000000:intermediate"]}""" },
        { "too many parts", """{"platforms":["sgx:00606A000000:platform:extra"]}""" },
        { "versions a string", """{"platforms":["00606A000000"],"versions":"standard"}""" },
        { "versions empty", """{"platforms":["00606A000000"],"versions":[]}""" },
        { "version unknown", """{"platforms":["00606A000000"],"versions":["soon"]}""" },
        { "version not a string", """{"platforms":["00606A000000"],"versions":[17]}""" },
        { "version number negative", """{"platforms":["00606A000000"],"versions":["tcb-evaluation--1"]}""" },
        { "version number not a number", """{"platforms":["00606A000000"],"versions":["tcb-evaluation-x"]}""" },
        { "version number too large", """{"platforms":["00606A000000"],"versions":["tcb-evaluation-2147483648"]}""" },
        { "version in upper case", """{"platforms":["00606A000000"],"versions":["STANDARD"]}""" },
        { "unknown member", """{"platforms":["00606A000000"],"fmspc":"00606A000000"}""" },
        { "257 platforms", Platforms(257, 1) },
        { "129 platforms × 2 versions", Platforms(129, 2) },
        { "1 platform × 257 versions", Platforms(1, 257) },
    };

    [Theory]
    [MemberData(nameof(BadPrefetches))]
    public async Task A_malformed_prefetch_is_refused_with_ATT8021_before_anything_is_fetched(string label, string body)
    {
        var (status, response) = await VouchTestServer.SendAsync(fixture.Admin, HttpMethod.Post, Prefetch, body);
        Assert.True(status == HttpStatusCode.BadRequest, label);
        Assert.Equal("ATT8021", VouchTestServer.VouchCode(response));
        Assert.Equal(0, fixture.PcsRequests);
    }

    [Theory]
    [InlineData("not JSON", "{", "ATT8002")]
    [InlineData("an array", """["00606A000000"]""", "ATT8002")]
    [InlineData("platforms twice", """{"platforms":["00606A000000"],"Platforms":["00606A000000"]}""", "ATT8013")]
    public async Task A_prefetch_body_that_is_not_one_JSON_object_gets_the_generic_body_codes(string label, string body, string code)
    {
        var (status, response) = await VouchTestServer.SendAsync(fixture.Admin, HttpMethod.Post, Prefetch, body);
        Assert.True(status == HttpStatusCode.BadRequest, label);
        Assert.Equal(code, VouchTestServer.VouchCode(response));
        Assert.Equal(0, fixture.PcsRequests);
    }

    [Fact]
    public async Task Prefetch_takes_exactly_256_platforms_times_versions()
    {
        await using var pcs = await PcsTestHost.StartAsync(_ => new PcsResponse(404, "", [], []));
        await using var server = await StartWithPcsAsync(pcs);
        using var admin = server.CreateAdminClient();

        var (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, Prefetch, Platforms(128, 2));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(CollateralAdminApi.MaxPrefetch, body!["entries"]!.AsArray().Count);
    }

    /// <summary>A server whose PCS knows no platform, shared by the bad-input cases (none of which may reach the PCS).</summary>
    public sealed class UnknownPlatformsFixture : IAsyncLifetime
    {
        private VouchTestServer _server = null!;
        private PcsTestHost _pcs = null!;

        /// <summary>Requests for collateral the PCS has had (the refresher's evaluation-numbers request aside).</summary>
        public int PcsRequests => _pcs.CollateralRequests;

        public HttpClient Admin { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            _pcs = await PcsTestHost.StartAsync(_ => new PcsResponse(404, "", [], []));
            _server = await StartWithPcsAsync(_pcs);
            Admin = _server.CreateAdminClient();
        }

        public async ValueTask DisposeAsync()
        {
            Admin.Dispose();
            await _server.DisposeAsync();
            await _pcs.DisposeAsync();
        }
    }

    /// <summary>A prefetch body of <paramref name="platforms"/> distinct SGX platform-CA platforms and <paramref name="versions"/> distinct versions.</summary>
    private static string Platforms(int platforms, int versions) => new JsonObject
    {
        ["platforms"] = new JsonArray([.. Enumerable.Range(0, platforms).Select(i => (JsonNode)$"sgx:{i:x12}:platform")]),
        ["versions"] = new JsonArray([.. Enumerable.Range(0, versions).Select(i => (JsonNode)(i == 0 ? "standard" : $"tcb-evaluation-{i}"))]),
    }.ToJsonString();
}
