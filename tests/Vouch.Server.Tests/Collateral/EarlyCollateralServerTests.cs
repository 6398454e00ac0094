using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Vouch.Attestation.Collateral;
using Vouch.Server.Tests.Support;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;

namespace Vouch.Server.Tests.Collateral;

/// <summary>
/// A server whose default provider asks for <c>update=early</c> collateral from a PCS on 127.0.0.1 that serves a
/// newer evaluation early than standard: the token names the early evaluation and the policy, and the server's PCCS
/// routes serve the early copy it holds for <c>update=early</c> only.
/// </summary>
public sealed class EarlyCollateralServerTests
{
    private const int Early = 22;
    private const int Standard = 21;

    [Fact]
    public async Task A_provider_configured_for_early_collateral_verifies_with_the_early_evaluation_and_serves_it_as_a_PCCS()
    {
        await using var pcs = await PcsTestHost.StartAsync(_ => new PcsResponse(404, "", [], []));
        await using var server = await VouchTestServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Vouch:CollateralSources:0:Url"] = pcs.Url.AbsoluteUri,
            ["Vouch:CollateralCache:RetryInterval"] = "00:00:00",
            ["Vouch:DefaultProvider:Collateral:Update"] = "Early",
        });
        var runtimeData = "early collateral over http"u8.ToArray();
        var reportData = new byte[64];
        SHA256.HashData(runtimeData).CopyTo(reportData, 0);
        DcapCase early, standard;
        using (var intel = SimulatedIntel.Open(server.SimulatedAuthorityDirectory))
        {
            var platform = SimulatedPlatform.CreateInMemory();
            var now = DateTimeOffset.UtcNow;
            early = new DcapScenario { At = now, ReportData = reportData, TcbEvaluationDataNumber = Early }.Build(intel, platform);
            standard = new DcapScenario { At = now, ReportData = reportData, TcbEvaluationDataNumber = Standard }.Build(intel, platform);
        }

        var earlyPcs = new SimulatedPcs(early);
        var standardPcs = new SimulatedPcs(standard);
        var asked = new System.Collections.Concurrent.ConcurrentQueue<string>();
        pcs.Respond = target =>
        {
            asked.Enqueue(target);
            return (target.Contains("update=early", StringComparison.Ordinal) ? earlyPcs : standardPcs).Handle("GET", target);
        };
        var body = new JsonObject
        {
            ["quote"] = Base64Url.EncodeToString(early.Quote),
            ["runtimeData"] = new JsonObject { ["data"] = Base64Url.EncodeToString(runtimeData), ["dataType"] = "Binary" },
        }.ToJsonString();

        var (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave?api-version=2020-10-01", body);

        Assert.Equal(HttpStatusCode.OK, status);
        var claims = Tokens.Payload(response!["token"]!.GetValue<string>());
        Assert.Equal(Early, claims["x-vouch-tcb-evaluation-data-number"]!.GetValue<int>());
        var policy = claims["x-vouch-collateral-policy"]!;
        Assert.Equal("early", policy["update"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(new CollateralPolicy { Update = CollateralUpdate.Early }.ToClaim(allowExpired: false), policy));
        Assert.Contains(asked, t => t.StartsWith(SimulatedPcs.TcbPath + "?", StringComparison.Ordinal) && t.Contains("update=early", StringComparison.Ordinal));
        Assert.DoesNotContain(asked, t => t.Contains("update=standard", StringComparison.Ordinal));

        // The server as a PCCS: the early copy for update=early, byte for byte; nothing held for standard.
        using var client = server.CreateClient();
        var fmspc = Convert.ToHexString(early.Facts.Fmspc);
        using var earlyTcb = await client.GetAsync($"/sgx/certification/v4/tcb?fmspc={fmspc}&update=early", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, earlyTcb.StatusCode);
        Assert.Equal(Encoding.UTF8.GetBytes(early.TcbInfoJson), await earlyTcb.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        using var earlyQe = await client.GetAsync("/sgx/certification/v4/qe/identity?update=early", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, earlyQe.StatusCode);
        Assert.Equal(Encoding.UTF8.GetBytes(early.QeIdentityJson), await earlyQe.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        foreach (var path in new[]
        {
            $"/sgx/certification/v4/tcb?fmspc={fmspc}&update=standard",
            $"/sgx/certification/v4/tcb?fmspc={fmspc}",
            "/sgx/certification/v4/qe/identity?update=standard",
            "/sgx/certification/v4/qe/identity",
        })
        {
            using var refused = await client.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.True(refused.StatusCode == HttpStatusCode.NotFound, path);
        }
    }
}
