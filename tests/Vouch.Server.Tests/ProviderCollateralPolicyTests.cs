using System.Net;
using System.Text.Json.Nodes;
using Vouch.Server.Tests.Support;

namespace Vouch.Server.Tests;

/// <summary>
/// A provider's collateral policy through the admin API: <c>PUT /admin/providers/{name}/collateral-policy</c> and the
/// <c>collateral</c> member of <c>PUT /admin/providers/{name}</c> refuse every bad value with ATT8016 and change nothing.
/// </summary>
public sealed class ProviderCollateralPolicyTests(ProviderCollateralPolicyTests.ServerFixture fixture) : IClassFixture<ProviderCollateralPolicyTests.ServerFixture>
{
    private const string Stored = """{"update":"early","minimumTcbEvaluationDataNumber":10,"maximumAgeSeconds":86400,"gracePeriodSeconds":3600}""";

    public static TheoryData<string, string> BadPolicies => new()
    {
        { "pin negative", """{"tcbEvaluationDataNumber":-1}""" },
        { "minimum negative", """{"minimumTcbEvaluationDataNumber":-1}""" },
        { "maximum age negative", """{"maximumAgeSeconds":-1}""" },
        { "maximum age zero", """{"maximumAgeSeconds":0}""" },
        { "maximum age over ten years", """{"maximumAgeSeconds":315619201}""" },
        { "grace negative", """{"gracePeriodSeconds":-1}""" },
        { "grace over ten years", """{"gracePeriodSeconds":315619201}""" },
        { "pin below minimum", """{"tcbEvaluationDataNumber":16,"minimumTcbEvaluationDataNumber":17}""" },
        { "pin a string", """{"tcbEvaluationDataNumber":"17"}""" },
        { "pin fractional", """{"tcbEvaluationDataNumber":17.5}""" },
        { "pin beyond int", """{"tcbEvaluationDataNumber":2147483648}""" },
        { "minimum a boolean", """{"minimumTcbEvaluationDataNumber":true}""" },
        { "maximum age a duration string", """{"maximumAgeSeconds":"P1D"}""" },
        { "grace null", """{"gracePeriodSeconds":null}""" },
        { "update unknown", """{"update":"sideways"}""" },
        { "update a number", """{"update":1}""" },
        { "update numeric string", """{"update":"1"}""" },
        { "unknown member", """{"maximumAge":86400}""" },
        { "update an array", """{"update":[]}""" },
        { "policy an array", """[]""" },
        { "source not configured", """{"sources":["nowhere"]}""" },
        { "source name upper case", """{"sources":["Intel"]}""" },
        { "sources a string", """{"sources":"source-1"}""" },
        { "source twice", """{"sources":["source-1","source-1"]}""" },
        { "source a number", """{"sources":[1]}""" },
    };

    [Theory]
    [MemberData(nameof(BadPolicies))]
    public async Task A_bad_collateral_policy_is_refused_with_ATT8016_and_the_stored_policy_is_unchanged(string label, string policy)
    {
        var admin = fixture.Admin;
        var before = await CollateralOfAsync(admin, "fresh");

        // A whole body that is not an object is refused as a body (ATT8002) before it is read as a policy.
        var (status, response) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/fresh/collateral-policy", policy);
        Assert.True(status == HttpStatusCode.BadRequest, label);
        Assert.Equal(policy.StartsWith('[') ? "ATT8002" : "ATT8016", VouchTestServer.VouchCode(response));
        Assert.True(JsonNode.DeepEquals(before, await CollateralOfAsync(admin, "fresh")), label);

        // The same policy as a create's collateral member: refused, and no provider is made.
        (status, response) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/refused", "{\"collateral\":" + policy + "}");
        Assert.True(status == HttpStatusCode.BadRequest, label);
        Assert.Equal("ATT8016", VouchTestServer.VouchCode(response));
        (status, _) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "admin/providers/refused");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task A_collateral_policy_replaces_the_stored_one_whole_and_unknown_providers_are_not_found()
    {
        await using var server = await VouchTestServer.StartAsync();
        using var admin = server.CreateAdminClient();
        var (status, _) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/fresh", "{\"collateral\":" + Stored + "}");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Stored), await CollateralOfAsync(admin, "fresh")));

        (status, var body) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/fresh/collateral-policy", """{"tcbEvaluationDataNumber":17}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"update":"standard","tcbEvaluationDataNumber":17,"gracePeriodSeconds":0}"""), body!["collateral"]));

        (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/missing/collateral-policy", "{}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("ATT8010", VouchTestServer.VouchCode(body));

        (status, body) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Put, "admin/providers/fresh/collateral-policy", "{}");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("ATT8011", VouchTestServer.VouchCode(body));
    }

    /// <summary>One server for the bad-input cases (none of which may change it), with provider <c>fresh</c> holding <see cref="Stored"/>.</summary>
    [Fact]
    public async Task A_provider_may_name_the_configured_sources_it_fetches_from_in_order()
    {
        await using var server = await VouchTestServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Vouch:CollateralSources:0:Url"] = "http://127.0.0.1:9/",
            ["Vouch:CollateralSources:0:Name"] = "intel-pcs",
            ["Vouch:CollateralSources:1:Url"] = "http://127.0.0.1:9/thim/",
            ["Vouch:CollateralSources:1:Name"] = "thim",
        });
        var admin = server.CreateAdminClient();

        var (status, response) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/default/collateral-policy", """{"sources":["thim","intel-pcs"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["thim", "intel-pcs"], response!["collateral"]!["sources"]!.AsArray().Select(n => n!.GetValue<string>()));

        (status, response) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/default/collateral-policy", """{"sources":["source-1"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ATT8016", VouchTestServer.VouchCode(response));
    }

    public sealed class ServerFixture : IAsyncLifetime
    {
        private VouchTestServer _server = null!;

        public HttpClient Admin { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            _server = await VouchTestServer.StartAsync();
            Admin = _server.CreateAdminClient();
            var (status, _) = await VouchTestServer.SendAsync(Admin, HttpMethod.Put, "admin/providers/fresh", "{\"collateral\":" + Stored + "}");
            Assert.Equal(HttpStatusCode.Created, status);
        }

        public async ValueTask DisposeAsync()
        {
            Admin.Dispose();
            await _server.DisposeAsync();
        }
    }

    private static async Task<JsonNode?> CollateralOfAsync(HttpClient admin, string name)
    {
        var (status, body) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "admin/providers/" + name);
        Assert.Equal(HttpStatusCode.OK, status);
        return body!["collateral"];
    }
}
