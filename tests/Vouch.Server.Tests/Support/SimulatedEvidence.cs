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
}
