using System.Net;
using System.Security.Cryptography;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.OpenEnclave;
using Vouch.Simulator.Platform;

namespace Vouch.Server.Tests.Support;

/// <summary>A quote from the simulated platform, its collateral published where the server's simulated PCS folder is.</summary>
public static class SimulatedEvidence
{
    /// <summary>Quotes the sample enclave with REPORTDATA = SHA-256(<paramref name="runtimeData"/>) ‖ 0³² at the real clock.</summary>
    public static DcapCase Create(VouchTestServer server, byte[] runtimeData)
    {
        var reportData = new byte[64];
        SHA256.HashData(runtimeData).CopyTo(reportData, 0);
        return Create(server, new DcapScenario { At = DateTimeOffset.UtcNow, ReportData = reportData });
    }

    /// <summary>
    /// Quotes the sample enclave as Open Enclave does for <c>oe_get_evidence</c>: REPORTDATA = SHA-256(serialized
    /// <paramref name="customClaims"/>) ‖ 0³²; the case's <see cref="DcapCase.ReportDataPreimage"/> is the claims buffer.
    /// </summary>
    public static DcapCase CreateOpenEnclave(VouchTestServer server, IReadOnlyList<OeCustomClaim> customClaims) =>
        Create(server, new DcapScenario { At = DateTimeOffset.UtcNow, CustomClaims = customClaims });

    /// <summary>
    /// POSTs <paramref name="body"/> and returns the token. The test server scans its collateral folders on every request,
    /// so the collateral <see cref="Create(VouchTestServer, byte[])"/> published is found by this first request.
    /// </summary>
    public static async Task<string> AttestAsync(VouchTestServer server, string path, string body)
    {
        var (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, path, body);
        Assert.True(status == HttpStatusCode.OK, response?.ToJsonString());
        return response!["token"]!.GetValue<string>();
    }

    private static DcapCase Create(VouchTestServer server, DcapScenario scenario)
    {
        using var intel = SimulatedIntel.Open(server.SimulatedAuthorityDirectory);
        var simulated = scenario.Build(intel, SimulatedPlatform.CreateInMemory());
        simulated.PublishCollateral(intel.PcsDirectory!);
        return simulated;
    }
}
