using System.Net;
using System.Security.Cryptography;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;

namespace Vouch.Server.Tests.Support;

/// <summary>A quote from the simulated platform, its collateral published where the server's simulated PCS folder is.</summary>
public static class SimulatedEvidence
{
    /// <summary>Quotes the sample enclave with REPORTDATA = SHA-256(<paramref name="runtimeData"/>) ‖ 0³² at the real clock.</summary>
    public static DcapCase Create(VouchTestServer server, byte[] runtimeData)
    {
        using var intel = SimulatedIntel.Open(server.SimulatedAuthorityDirectory);
        var reportData = new byte[64];
        SHA256.HashData(runtimeData).CopyTo(reportData, 0);
        var simulated = new DcapScenario { At = DateTimeOffset.UtcNow, ReportData = reportData }.Build(intel, SimulatedPlatform.CreateInMemory());
        simulated.PublishCollateral(intel.PcsDirectory!);
        return simulated;
    }

    /// <summary>
    /// Posts an attestation until it succeeds while the server is still loading the simulated collateral
    /// (ATT7101, at most 40 tries), and returns the token.
    /// </summary>
    public static async Task<string> AttestEventuallyAsync(VouchTestServer vouch, string path, string body)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (status, response) = await VouchTestServer.SendAsync(vouch.Client, HttpMethod.Post, path, body);
            if (status == HttpStatusCode.OK)
            {
                return response!["token"]!.GetValue<string>();
            }

            Assert.True(attempt < 40 && VouchTestServer.VouchCode(response) == "ATT7101", response?.ToJsonString());
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }
}
