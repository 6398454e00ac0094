using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Vouch.Server.Tests.Support;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;

namespace Vouch.Server.Tests.Collateral;

/// <summary>A server whose only collateral source for the quote is a PCS on 127.0.0.1.</summary>
public sealed class PcsServerTests
{
    [Fact]
    public async Task A_server_with_only_a_PCS_source_attests_a_simulated_quote_fetching_each_artefact_once()
    {
        await using var pcs = await PcsTestHost.StartAsync(_ => new PcsResponse(404, "", [], []));
        await using var server = await VouchTestServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Vouch:CollateralSources:0:Url"] = pcs.Url.AbsoluteUri,
            ["Vouch:CollateralCache:RetryInterval"] = "00:00:00",
        });

        // Quoted with the server's simulated authority, its collateral published nowhere but on the PCS.
        var runtimeData = "pcs end to end"u8.ToArray();
        var reportData = new byte[64];
        SHA256.HashData(runtimeData).CopyTo(reportData, 0);
        DcapCase dcap;
        using (var intel = SimulatedIntel.Open(server.SimulatedAuthorityDirectory))
        {
            dcap = new DcapScenario { At = DateTimeOffset.UtcNow, ReportData = reportData }.Build(intel, SimulatedPlatform.CreateInMemory());
        }

        var body = new JsonObject
        {
            ["quote"] = Base64Url.EncodeToString(dcap.Quote),
            ["runtimeData"] = new JsonObject { ["data"] = Base64Url.EncodeToString(runtimeData), ["dataType"] = "Binary" },
        }.ToJsonString();

        var (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave?api-version=2020-10-01", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ATT7101", VouchTestServer.VouchCode(response));

        // The PCS learns the platform: the next quote fills the cache, the one after is served from it.
        pcs.Respond = PcsTestHost.Simulated(dcap);
        for (var i = 0; i < 2; i++)
        {
            (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave?api-version=2020-10-01", body);
            Assert.Equal(HttpStatusCode.OK, status);
            var claims = Tokens.Payload(response!["token"]!.GetValue<string>());
            Assert.Equal("UpToDate", claims["x-vouch-tcb-status"]!.GetValue<string>());
        }

        Assert.Equal(2, pcs.Requests(SimulatedPcs.TcbPath));
        Assert.Equal(2, pcs.Requests(SimulatedPcs.QeIdentityPath));
        Assert.Equal(2, pcs.Requests(SimulatedPcs.PccsRootCaCrlPath));
    }
}
