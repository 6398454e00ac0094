using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;
using Vouch.Sgx;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;

namespace Vouch.Attestation.Tests;

/// <summary>
/// A provider's <see cref="CollateralPolicy"/> end to end through the engine with a simulated quote and its collateral:
/// the minimum evaluation number, the expiry grace, the version asked of the source and the policy claim in every token.
/// </summary>
public sealed class EngineCollateralPolicyTests : IDisposable
{
    private const string Issuer = "https://vouch.test:5443";
    private const int CaseEvaluationNumber = 21;
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly SimulatedIntel _intel = SimulatedIntel.Create(Start);
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly InMemoryAttestationStore _store = new();
    private readonly AesGcmKeyProtector _protector = new(AesGcmKeyProtector.GenerateKey());
    private readonly FixedCollateralSource _source;
    private readonly AttestationEngine _engine;
    private readonly DcapCase _case;

    public EngineCollateralPolicyTests()
    {
        _case = new DcapScenario { At = Start, TcbEvaluationDataNumber = CaseEvaluationNumber }.Build(_intel, SimulatedPlatform.CreateInMemory());
        _source = new FixedCollateralSource(FixedCollateralSource.Of(_case));
        _engine = new AttestationEngine(_store, _store, _source, _protector, _clock);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _engine.Dispose();
        _protector.Dispose();
        _intel.Dispose();
    }

    [Fact]
    public async Task A_minimum_evaluation_number_above_the_collateral_s_refuses_the_quote_with_the_evaluation_number_code()
    {
        var provider = Provider(new CollateralPolicy { MinimumTcbEvaluationDataNumber = CaseEvaluationNumber + 1 });

        var result = await AttestAsync(provider);

        Assert.False(result.IsSuccess);
        Assert.Null(result.Token);
        Assert.Equal(AttestationErrorCode.EvidenceNotVerified, result.Error!.Code);
        var failed = Assert.Single(result.Error.FailedChecks, c => c.Check == CheckId.TcbInfoFreshnessPolicy);
        Assert.Equal(CheckResult.Failed, failed.Result);
        Assert.Equal(ErrorCode.TcbInfoEvaluationDataNumberTooLow, failed.Code);
        Assert.Contains(result.Error.FailedChecks, c => c.Check == CheckId.QeIdentityFreshnessPolicy && c.Code == ErrorCode.QeIdentityEvaluationDataNumberTooLow);
    }

    [Fact]
    public async Task A_minimum_evaluation_number_equal_to_the_collateral_s_is_met_and_the_token_names_the_policy()
    {
        var policy = new CollateralPolicy { MinimumTcbEvaluationDataNumber = CaseEvaluationNumber };
        var provider = Provider(policy);

        var claims = Claims(await AttestAsync(provider));

        Assert.Equal(CaseEvaluationNumber, claims["x-vouch-tcb-evaluation-data-number"]!.GetValue<int>());
        Assert.False(claims["x-vouch-collateral-expired"]!.GetValue<bool>());
        AssertPolicyClaim(policy, allowExpired: false, claims);
    }

    [Fact]
    public async Task Inside_the_grace_period_after_nextUpdate_the_token_is_issued_flagged_expired_and_past_it_the_quote_is_refused()
    {
        var policy = new CollateralPolicy { GracePeriod = TimeSpan.FromHours(1) };
        var provider = Provider(policy);
        var earliestNextUpdate = EarliestNextUpdate(_source.Collateral);

        // Before nextUpdate: valid, not expired.
        _clock.SetUtcNow(earliestNextUpdate.AddMinutes(-1));
        var before = Claims(await AttestAsync(provider));
        Assert.False(before["x-vouch-collateral-expired"]!.GetValue<bool>());
        AssertPolicyClaim(policy, allowExpired: false, before);

        // Thirty minutes past the earliest nextUpdate: inside the hour's grace, issued and flagged.
        _clock.SetUtcNow(earliestNextUpdate.AddMinutes(30));
        var inside = await AttestAsync(provider);
        var claims = Claims(inside);
        Assert.True(claims["x-vouch-collateral-expired"]!.GetValue<bool>());
        Assert.Contains(inside.Report!.Checks, c => c.Result == CheckResult.Waived && c.Code == ErrorCode.TcbInfoExpired);
        AssertPolicyClaim(policy, allowExpired: false, claims);

        // Without a grace the same instant is refused.
        var strict = await AttestAsync(Provider(CollateralPolicy.Default));
        Assert.Equal(AttestationErrorCode.EvidenceNotVerified, strict.Error!.Code);
        Assert.Contains(strict.Error.FailedChecks, c => c.Code == ErrorCode.TcbInfoExpired);

        // Past the grace: refused on the expiry.
        _clock.SetUtcNow(earliestNextUpdate.AddHours(1).AddMinutes(1));
        var past = await AttestAsync(provider);
        Assert.False(past.IsSuccess);
        Assert.Equal(AttestationErrorCode.EvidenceNotVerified, past.Error!.Code);
        Assert.Contains(past.Error.FailedChecks, c => c.Code == ErrorCode.TcbInfoExpired && c.Result == CheckResult.Failed);

    }

    [Theory]
    [InlineData("standard")]
    [InlineData("early")]
    [InlineData("pinned")]
    [InlineData("allow-expired")]
    public async Task The_source_is_asked_for_the_provider_s_version_and_the_token_carries_the_provider_s_policy(string kind)
    {
        var (policy, allowExpired) = kind switch
        {
            "standard" => (CollateralPolicy.Default, false),
            "early" => (new CollateralPolicy { Update = CollateralUpdate.Early, MaximumAge = TimeSpan.FromDays(7) }, false),
            "pinned" => (new CollateralPolicy { TcbEvaluationDataNumber = CaseEvaluationNumber, MinimumTcbEvaluationDataNumber = 20, GracePeriod = TimeSpan.FromMinutes(90) }, false),
            _ => (new CollateralPolicy { Update = CollateralUpdate.Early }, true),
        };
        var provider = Provider(policy) with { AllowExpiredCollateral = allowExpired };

        var claims = Claims(await AttestAsync(provider));

        Assert.Equal(policy.Version, Assert.Single(_source.Versions));
        AssertPolicyClaim(policy, allowExpired, claims);
    }

    private AttestationProvider Provider(CollateralPolicy policy) => new()
    {
        Name = "default",
        Issuer = Issuer,
        SigningAlgorithm = SigningAlgorithm.ES256,
        TrustAnchors = [TrustAnchor.FromCertificate(_intel.RootCertificate)],
        Collateral = policy,
    };

    private async Task<AttestationResult> AttestAsync(AttestationProvider provider)
    {
        await _engine.EnsureSigningKeyAsync(provider, Ct); // a new key only when none can sign now
        return await _engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_case.Quote), Ct);
    }

    private static JsonObject Claims(AttestationResult result)
    {
        Assert.True(result.IsSuccess, result.Error?.Code.ToString());
        return TokenTests.Decode(result.Token!.Split('.')[1]);
    }

    private static void AssertPolicyClaim(CollateralPolicy policy, bool allowExpired, JsonObject claims) =>
        Assert.True(JsonNode.DeepEquals(policy.ToClaim(allowExpired), claims["x-vouch-collateral-policy"]));

    /// <summary>The earliest nextUpdate of the TCB Info, QE Identity and both CRLs, read from the artefacts.</summary>
    private static DateTimeOffset EarliestNextUpdate(QuoteCollateral collateral)
    {
        Assert.True(Vouch.Sgx.Collateral.TcbInfo.TryParse(collateral.TcbInfo, out var tcbInfo, out _));
        Assert.True(EnclaveIdentity.TryParse(collateral.QeIdentity, out var identity, out _));
        var crls = new[] { collateral.PckCrl, collateral.RootCaCrl }.Select(der =>
        {
            var reader = new System.Formats.Asn1.AsnReader(der, System.Formats.Asn1.AsnEncodingRules.DER);
            var tbs = reader.ReadSequence().ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(System.Formats.Asn1.Asn1Tag.Integer))
            {
                tbs.ReadInteger(); // version
            }

            tbs.ReadSequence(); // signature algorithm
            tbs.ReadSequence(); // issuer
            ReadTime(tbs); // thisUpdate
            return ReadTime(tbs); // nextUpdate
        });
        return new[] { tcbInfo.NextUpdate, identity.NextUpdate }.Concat(crls).Min();

        static DateTimeOffset ReadTime(System.Formats.Asn1.AsnReader r) =>
            r.PeekTag().HasSameClassAndValue(System.Formats.Asn1.Asn1Tag.UtcTime) ? r.ReadUtcTime() : r.ReadGeneralizedTime();
    }
}
