using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;

namespace Vouch.Attestation.Tests;

/// <summary>
/// Issue 18 through the engine: a quote whose QE Identity level is behind gets a token whose TCB date and advisories
/// are both matched levels' (Intel QVL), with each level's own facts beside them, and a policy can read all of them.
/// The expected values are read from the collateral JSON the simulator signed.
/// </summary>
public sealed class EngineTcbClaimsTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);

    private readonly SimulatedIntel _intel = SimulatedIntel.Create(At.AddDays(-1));
    private readonly InMemoryAttestationStore _store = new();
    private readonly AesGcmKeyProtector _protector = new(AesGcmKeyProtector.GenerateKey());

    public void Dispose()
    {
        _protector.Dispose();
        _intel.Dispose();
    }

    [Theory]
    [InlineData(TcbLevelStatus.UpToDate, TcbLevelStatus.OutOfDate)]
    [InlineData(TcbLevelStatus.SWHardeningNeeded, TcbLevelStatus.OutOfDate)]
    [InlineData(TcbLevelStatus.ConfigurationNeeded, TcbLevelStatus.UpToDate)]
    public async Task A_token_carries_both_levels_dates_and_advisories_and_each_levels_own(TcbLevelStatus platform, TcbLevelStatus qe)
    {
        var simulated = new DcapScenario { At = At, PlatformTcbStatus = platform, QeTcbStatus = qe }.Build(_intel, SimulatedPlatform.CreateInMemory());
        var expected = LevelsFromCollateral(simulated);
        // A draft policy that sees every per-level claim and issues them back, so the incoming set is shown too.
        const string draft = "version=1.0;authorizationrules{=> permit();};issuancerules{"
            + "c:[type==\"x-vouch-platform-tcb-date\"] => issue(type=\"seen-platform-date\", value=c.value);"
            + "c:[type==\"x-vouch-qe-tcb-date\"] => issue(type=\"seen-qe-date\", value=c.value);"
            + "c:[type==\"x-vouch-qe-advisory-ids\"] => issue(type=\"seen-qe-advisory\", value=c.value);};";

        using var engine = new AttestationEngine(_store, _store, new FixedCollateralSource(FixedCollateralSource.Of(simulated)), _protector, new FakeTimeProvider(At));
        var provider = new AttestationProvider
        {
            Name = "default",
            Issuer = "https://vouch.test:5443",
            TrustAnchors = [TrustAnchor.FromCertificate(_intel.RootCertificate)],
        };
        await engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);
        var result = await engine.AttestSgxEnclaveAsync(provider, new AttestRequest(simulated.Quote) { DraftPolicyForAttestation = draft }, TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        var claims = TokenTests.Decode(result.Token!.Split('.')[1]);
        Assert.Equal(expected.Earlier, claims["x-vouch-tcb-date"]!.GetValue<string>());
        Assert.Equal(expected.PlatformDate, claims["x-vouch-platform-tcb-date"]!.GetValue<string>());
        Assert.Equal(expected.QeDate, claims["x-vouch-qe-tcb-date"]!.GetValue<string>());
        Assert.Equal(expected.PlatformIds.Union(expected.QeIds), Strings(claims["x-vouch-advisory-ids"]));
        Assert.Equal(expected.PlatformIds, Strings(claims["x-vouch-platform-advisory-ids"]));
        Assert.Equal(expected.QeIds, Strings(claims["x-vouch-qe-advisory-ids"]));
        Assert.Equal(expected.PlatformDate, claims["seen-platform-date"]!.GetValue<string>());
        Assert.Equal(expected.QeDate, claims["seen-qe-date"]!.GetValue<string>());
        Assert.Equal(expected.QeIds.Count > 0 ? expected.QeIds[0] : null, claims["seen-qe-advisory"]?.GetValue<string>());
        if (qe != TcbLevelStatus.UpToDate)
        {
            Assert.Equal(expected.QeDate, expected.Earlier);
            Assert.NotEqual(expected.PlatformDate, expected.Earlier);
        }
    }

    private static string[] Strings(JsonNode? node) => [.. node!.AsArray().Select(n => n!.GetValue<string>())];

    /// <summary>
    /// The matched levels, read from the signed JSON: on a platform whose status is current the simulator puts the platform's
    /// own TCB in the first TCB Info level (docs/simulator.md); the QE level is the first whose isvsvn ≤ the QE's ISVSVN.
    /// </summary>
    private static (string Earlier, string PlatformDate, string QeDate, List<string> PlatformIds, List<string> QeIds) LevelsFromCollateral(DcapCase simulated)
    {
        var platform = JsonNode.Parse(simulated.TcbInfoJson)!["tcbInfo"]!["tcbLevels"]![0]!;
        var qe = JsonNode.Parse(simulated.QeIdentityJson)!["enclaveIdentity"]!["tcbLevels"]!.AsArray()
            .First(l => l!["tcb"]!["isvsvn"]!.GetValue<int>() <= simulated.Facts.QeIsvSvn)!;
        static List<string> Ids(JsonNode level) => level["advisoryIDs"] is JsonArray ids ? [.. ids.Select(i => i!.GetValue<string>())] : [];
        var (platformDate, qeDate) = (platform["tcbDate"]!.GetValue<string>(), qe["tcbDate"]!.GetValue<string>());
        var earlier = DateTimeOffset.Parse(platformDate, CultureInfo.InvariantCulture) <= DateTimeOffset.Parse(qeDate, CultureInfo.InvariantCulture) ? platformDate : qeDate;
        return (earlier, platformDate, qeDate, Ids(platform), Ids(qe));
    }
}
