using System.Buffers.Text;
using System.Net;
using System.Text.Json.Nodes;
using Vouch.Server.Tests.Support;
using Vouch.Simulator.Dcap;

namespace Vouch.Server.Tests.Collateral;

/// <summary>
/// Collateral is fetched only for a PCK chain that chains to one of the provider's anchors: a quote under a root the
/// provider does not trust is refused with the chain's own code before any request reaches a PCS.
/// </summary>
public sealed class FetchPreflightTests
{
    [Fact]
    public async Task A_quote_under_an_untrusted_root_is_refused_before_any_collateral_is_fetched()
    {
        await using var pcs = await PcsTestHost.StartAsync(_ => new PcsResponse(404, "", [], []));
        await using var vouch = await VouchTestServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Vouch:CollateralSources:0:Url"] = pcs.Url.ToString(),
        });
        using var admin = vouch.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/production", "{}")).Status);

        // The simulated authority's quote names an FMSPC of its own under a TEST root the production provider does not trust.
        var evidence = SimulatedEvidence.Create(vouch, []);
        var body = new JsonObject { ["quote"] = Base64Url.EncodeToString(evidence.Quote) }.ToJsonString();
        var (status, response) = await VouchTestServer.SendAsync(vouch.Client, HttpMethod.Post, "providers/production/attest/SgxEnclave?api-version=2020-10-01", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ATT7102", VouchTestServer.VouchCode(response));
        var detail = Assert.Single(response!["error"]!["innererror"]!["details"]!.AsArray());
        Assert.Equal("ATT3002", detail!["code"]!.GetValue<string>());
        Assert.Equal(0, pcs.CollateralRequests);
    }
}
