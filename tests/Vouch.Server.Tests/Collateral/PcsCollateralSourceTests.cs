using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vouch.Attestation.Collateral;
using Vouch.Server.Collateral;
using Vouch.Sgx;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;
using Vouch.Tests.Shared;

namespace Vouch.Server.Tests.Collateral;

/// <summary>The PCS client and the validity-aware cache against real PCS-shaped servers on 127.0.0.1.</summary>
public sealed class PcsCollateralSourceTests : IDisposable
{
    private const string TcbPath = "/sgx/certification/v4/tcb";
    private const string QePath = "/sgx/certification/v4/qe/identity";
    private const string PckCrlPath = "/sgx/certification/v4/pckcrl";
    private const string RootCrlPath = "/sgx/certification/v4/rootcacrl";

    private static readonly string SignalCase = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");
    private static readonly DateTimeOffset SignalTime = DateTimeOffset.FromUnixTimeSeconds(1785432688);
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services;
    private readonly SimulatedIntel _intel = SimulatedIntel.Create(Start);
    private readonly SimulatedPlatform _platform = SimulatedPlatform.CreateInMemory();

    public PcsCollateralSourceTests()
    {
        var services = new ServiceCollection();
        PcsClient.AddPcsHttpClient(services, o => o.Retry.Delay = TimeSpan.FromMilliseconds(10));
        _services = services.BuildServiceProvider();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Genuine_collateral_is_fetched_once_per_artefact_then_served_byte_for_byte_from_the_cache()
    {
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Replay(SignalCase));
        var time = new FakeTimeProvider(SignalTime);
        using var source = CreateSource(time, null, pcs.Url);
        var quote = Parse(File.ReadAllBytes(Path.Combine(SignalCase, "quote.bin")));

        var first = await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel);
        var second = await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel);

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(File.ReadAllBytes(Path.Combine(SignalCase, "tcb_info.json")), first.TcbInfo.ToArray());
        Assert.Equal(File.ReadAllBytes(Path.Combine(SignalCase, "tcb_info_issuer_chain.pem")), first.TcbInfoIssuerChain.ToArray());
        Assert.Equal(File.ReadAllBytes(Path.Combine(SignalCase, "qe_identity.json")), first.QeIdentity.ToArray());
        Assert.Equal(File.ReadAllBytes(Path.Combine(SignalCase, "qe_identity_issuer_chain.pem")), first.QeIdentityIssuerChain.ToArray());
        Assert.Equal(File.ReadAllBytes(Path.Combine(SignalCase, "pck_crl.der")), first.PckCrl.ToArray());
        Assert.Equal(File.ReadAllBytes(Path.Combine(SignalCase, "pck_crl_issuer_chain.pem")), first.PckCrlIssuerChain.ToArray());
        Assert.Equal(File.ReadAllBytes(Path.Combine(SignalCase, "root_ca_crl.der")), Convert.FromHexString(System.Text.Encoding.ASCII.GetString(first.RootCaCrl.Span)));
        foreach (var path in new[] { TcbPath, QePath, PckCrlPath, RootCrlPath })
        {
            Assert.Equal(1, pcs.Requests(path));
        }

        var entry = Assert.Single(source.Entries);
        Assert.Equal(new PcsCacheKey("00606a000000", PckCaKind.Platform, TeeType.Sgx, CollateralVersion.Standard), entry.Key);
        Assert.Equal(21, entry.TcbEvaluationDataNumber);
        // The earliest nextUpdate: the PCK CRL's (the TCB Info's is 2026-08-29T16:11:16Z).
        Assert.Equal(new DateTimeOffset(2026, 8, 22, 22, 7, 20, TimeSpan.Zero), entry.ValidUntil);
        Assert.Null(entry.LastProblem);

        // Genuine Intel collateral as fetched verifies the genuine quote (the hex root CA CRL included).
        var report = new QuoteVerifier().Verify(quote.Raw, first, new VerificationOptions { At = SignalTime });
        Assert.Empty(report.Failures);
        Assert.Equal(TcbStatus.SWHardeningNeeded, report.TcbStatus);
    }

    [Fact]
    public async Task An_unknown_FMSPC_gives_no_collateral_and_is_not_asked_again_within_the_retry_interval()
    {
        var replay = PcsTestHost.Replay(SignalCase);
        await using var pcs = await PcsTestHost.StartAsync(target => target.StartsWith(TcbPath, StringComparison.Ordinal) ? new PcsResponse(404, "", [], []) : replay(target));
        var time = new FakeTimeProvider(SignalTime);
        using var source = CreateSource(time, null, pcs.Url);
        var quote = Parse(File.ReadAllBytes(Path.Combine(SignalCase, "quote.bin")));

        Assert.Null(await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        Assert.Null(await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        Assert.Equal(1, pcs.Requests(TcbPath));
        Assert.Equal(PcsOutcome.NotFound, Assert.Single(source.Sources).LastOutcome);
        var entry = Assert.Single(source.Entries);
        Assert.Null(entry.TcbEvaluationDataNumber);
        Assert.NotNull(entry.LastProblem);

        time.Advance(new PcsCacheOptions().RetryInterval);
        Assert.Null(await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        Assert.Equal(2, pcs.Requests(TcbPath));
    }

    [Fact]
    public async Task A_throttled_source_is_skipped_until_its_Retry_After_and_the_next_source_answers()
    {
        var dcap = Build(Start, 21, TcbLevelStatus.UpToDate);
        await using var throttled = await PcsTestHost.StartAsync(PcsTestHost.Throttled(120));
        await using var simulated = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var time = new FakeTimeProvider(Start);
        using var source = CreateSource(time, new PcsCacheOptions { RefreshInterval = TimeSpan.FromSeconds(30) }, throttled.Url, simulated.Url);
        var quote = Parse(dcap.Quote);

        var collateral = await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel);

        Assert.NotNull(collateral);
        Assert.Equal(simulated.Url, Assert.Single(source.Entries).Source);
        Assert.Equal(PcsOutcome.Throttled, source.Sources[0].LastOutcome);
        Assert.Equal(Start.AddSeconds(120), source.Sources[0].ThrottledUntil);
        Assert.Equal(PcsOutcome.Ok, source.Sources[1].LastOutcome);
        var throttledRequests = throttled.TotalRequests;
        Assert.Equal(1, simulated.Requests(SimulatedPcs.TcbPath));

        // Refresh due, the first source still throttled: not asked; the second answers.
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await source.RefreshDueAsync(Cancel));
        Assert.Equal(throttledRequests, throttled.TotalRequests);
        Assert.Equal(2, simulated.Requests(SimulatedPcs.TcbPath));

        // Retry-After has passed: the first source is asked again.
        time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(1, await source.RefreshDueAsync(Cancel));
        Assert.True(throttled.TotalRequests > throttledRequests);
    }

    [Fact]
    public async Task Collateral_inside_its_pre_expiry_margin_is_fetched_again_only_after_the_retry_interval()
    {
        var dcap = Build(Start, 21, TcbLevelStatus.UpToDate);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var time = new FakeTimeProvider(Start);
        var options = new PcsCacheOptions { RefreshBeforeExpiry = TimeSpan.FromDays(3650) };
        using var source = CreateSource(time, options, pcs.Url);
        var quote = Parse(dcap.Quote);

        Assert.NotNull(await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        Assert.NotNull(await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        Assert.Equal(0, await source.RefreshDueAsync(Cancel));
        Assert.Equal(1, pcs.Requests(SimulatedPcs.TcbPath));

        time.Advance(options.RetryInterval);
        Assert.Equal(1, await source.RefreshDueAsync(Cancel));
        Assert.NotNull(await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        Assert.Equal(2, pcs.Requests(SimulatedPcs.TcbPath));
    }

    [Fact]
    public async Task A_throttled_only_source_keeps_the_cached_copy_served()
    {
        var dcap = Build(Start, 21, TcbLevelStatus.UpToDate);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var time = new FakeTimeProvider(Start);
        using var source = CreateSource(time, null, pcs.Url);
        var quote = Parse(dcap.Quote);
        var cached = await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel);

        pcs.Respond = PcsTestHost.Throttled(600);
        time.Advance(TimeSpan.FromDays(1.5));
        Assert.Equal(1, await source.RefreshDueAsync(Cancel));

        Assert.Same(cached, await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        Assert.Equal(PcsOutcome.Throttled, Assert.Single(source.Sources).LastOutcome);
        Assert.NotNull(Assert.Single(source.Entries).LastProblem);
    }

    [Fact]
    public async Task When_the_source_goes_down_the_cached_copy_is_served_and_after_its_window_the_verifier_refuses_it()
    {
        var dcap = Build(Start, 21, TcbLevelStatus.UpToDate);
        var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(dcap));
        var time = new FakeTimeProvider(Start);
        using var source = CreateSource(time, null, pcs.Url);
        using var neverFilled = CreateSource(time, null, pcs.Url);
        var quote = Parse(dcap.Quote);
        var cached = await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel);
        Assert.NotNull(cached);
        await pcs.DisposeAsync();

        // Past the refresh point, inside the window: the source is down, the cached copy is served and verifies.
        time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await source.RefreshDueAsync(Cancel));
        Assert.Same(cached, await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        Assert.Equal(PcsOutcome.Unavailable, Assert.Single(source.Sources).LastOutcome);
        Assert.Empty(Verify(dcap, cached, time.GetUtcNow()).Failures);

        // A source that never got a copy has nothing to give.
        Assert.Null(await neverFilled.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));

        // After the window: still the same copy (never a made-up one), and the verifier fails closed on its expiry.
        var validUntil = Assert.Single(source.Entries).ValidUntil!.Value;
        time.SetUtcNow(validUntil.AddMinutes(1));
        Assert.Same(cached, await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        var expired = Verify(dcap, cached, time.GetUtcNow());
        Assert.Contains(expired.Failures, f => f.Code == ErrorCode.TcbInfoExpired);
    }

    [Fact]
    public async Task A_lower_evaluation_number_is_refused_and_the_cached_copy_kept()
    {
        var current = Build(Start, 21, TcbLevelStatus.UpToDate);
        var older = Build(Start.AddDays(1), 20, TcbLevelStatus.UpToDate);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(current));
        var time = new FakeTimeProvider(Start);
        using var source = CreateSource(time, null, pcs.Url);
        var quote = Parse(current.Quote);
        var cached = await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel);

        pcs.Respond = PcsTestHost.Simulated(older);
        time.Advance(TimeSpan.FromDays(1.5));
        Assert.Equal(1, await source.RefreshDueAsync(Cancel));
        var served = await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel);

        Assert.Same(cached, served);
        Assert.Equal(2, pcs.Requests(SimulatedPcs.TcbPath));
        Assert.Equal(PcsOutcome.Ok, Assert.Single(source.Sources).LastOutcome);
        var entry = Assert.Single(source.Entries);
        Assert.Equal(21, entry.TcbEvaluationDataNumber);
        Assert.Equal(Start, entry.FetchedAt);
        Assert.NotNull(entry.LastProblem);

        // Refused copies are not asked for again before the retry interval.
        Assert.Equal(0, await source.RefreshDueAsync(Cancel));
        Assert.Same(cached, await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        Assert.Equal(2, pcs.Requests(SimulatedPcs.TcbPath));
    }

    [Fact]
    public async Task A_TCB_recovery_is_picked_up_at_the_refresh_point_and_changes_the_verdict()
    {
        var before = Build(Start, 21, TcbLevelStatus.UpToDate);
        var recovery = Build(Start.AddHours(20), 22, TcbLevelStatus.OutOfDate);
        await using var pcs = await PcsTestHost.StartAsync(PcsTestHost.Simulated(before));
        var time = new FakeTimeProvider(Start);
        using var source = CreateSource(time, null, pcs.Url);
        var quote = Parse(before.Quote);
        var first = await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel);
        Assert.Equal(TcbStatus.UpToDate, Verify(before, first!, time.GetUtcNow()).TcbStatus);

        // Intel publishes the recovery; before the refresh point the refresher does not ask.
        pcs.Respond = PcsTestHost.Simulated(recovery);
        time.Advance(TimeSpan.FromHours(22));
        Assert.Equal(0, await source.RefreshDueAsync(Cancel));
        Assert.Same(first, await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel));
        Assert.Equal(1, pcs.Requests(SimulatedPcs.TcbPath));

        time.Advance(TimeSpan.FromHours(3));
        Assert.Equal(1, await source.RefreshDueAsync(Cancel));
        var after = await source.GetCollateralAsync(quote, time.GetUtcNow(), Cancel);
        Assert.NotSame(first, after);
        Assert.Equal(22, Assert.Single(source.Entries).TcbEvaluationDataNumber);
        var report = Verify(before, after!, time.GetUtcNow());
        Assert.DoesNotContain(report.Failures, f => f.Check != CheckId.TcbStatus);
        Assert.Equal(TcbStatus.OutOfDate, report.TcbStatus);
    }

    public void Dispose()
    {
        _services.Dispose();
        _intel.Dispose();
    }

    private PcsCollateralSource CreateSource(TimeProvider time, PcsCacheOptions? options, params Uri[] urls)
    {
        var factory = _services.GetRequiredService<IHttpClientFactory>();
        return new PcsCollateralSource(urls.Select(u => new PcsClient(factory, new PcsEndpoint(u), time)), time, options);
    }

    private DcapCase Build(DateTimeOffset at, int evaluationNumber, TcbLevelStatus status) =>
        new DcapScenario { At = at, TcbEvaluationDataNumber = evaluationNumber, PlatformTcbStatus = status }.Build(_intel, _platform);

    private VerificationReport Verify(DcapCase dcap, QuoteCollateral collateral, DateTimeOffset at) =>
        new QuoteVerifier().Verify(dcap.Quote, collateral, new VerificationOptions { At = at, TrustAnchors = [TrustAnchor.FromCertificate(_intel.RootCertificate)] });

    private static Quote Parse(byte[] bytes) => Quote.TryParse(bytes, out var quote, out var error) ? quote : throw new InvalidOperationException(error.ToString());
}
