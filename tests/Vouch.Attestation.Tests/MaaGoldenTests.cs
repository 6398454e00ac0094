using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Vouch.Attestation.Claims;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Evidence;
using Vouch.Attestation.Tests.Support;
using Vouch.Policy;
using Vouch.Policy.Claims;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Tests;

/// <summary>
/// The MAA golden test: for every recorded SGX and Open Enclave attest exchange, the claims Vouch builds
/// from the same evidence, runtime data and policy equal the claims in the token MAA returned (names,
/// JSON types, values), except <c>iat</c>/<c>nbf</c>/<c>exp</c>/<c>jti</c>/<c>iss</c> and the collateral
/// hashes other than <c>quotehash</c>; Vouch's own <c>x-vouch-*</c> claims are set aside.
/// </summary>
/// <remarks>
/// The collateral Intel served MAA in May 2022 for these quotes was not recorded and is no longer
/// available, so the quotes cannot be verified today. These tests therefore build the claims from the
/// parsed quotes with a verification report <b>synthesised in this test</b>, carrying only the TCB
/// facts that MAA does not emit (they feed the <c>x-vouch-*</c> claims, which are not compared). The
/// product code never synthesises a report: the engine refuses any quote whose
/// real verification failed (see the engine end-to-end tests for a genuine quote verified end to end).
/// </remarks>
public sealed class MaaGoldenTests
{
    private static readonly string[] Ignored = ["iat", "nbf", "exp", "jti", "iss"];

    public static TheoryData<string> Attestations() => [.. MaaRecordings.AttestNames()];

    [Fact]
    public void Recordings_CoverEveryScenario()
    {
        // 3 instances × 2 routes × 5 scenarios (no runtime data, Binary, JSON, draft permit, draft deny).
        Assert.Equal(30, Attestations().Count);
    }

    [Theory]
    [MemberData(nameof(Attestations))]
    public void Attest_RecordedExchange_MatchesMaa(string name)
    {
        var exchange = MaaRecordings.Get(name);
        var ok = TryAttest(exchange, out var payload, out var error);

        if (exchange.Status != 200)
        {
            Assert.False(ok);
            Assert.Equal(AttestationErrorCode.PolicyDenied, error!.Code);
            Assert.Equal(PolicyErrorCode.NoPermit, error.PolicyError);
            Assert.Equal(exchange.ErrorCode, error.MaaCode);
            Assert.Equal(400, error.HttpStatus);
            return;
        }

        Assert.True(ok, error?.ToString());
        var expected = (JsonObject)exchange.Payload!.DeepClone();
        // The finishing step the engine applies: registered claims added, keys in ordinal order like MAA's.
        var actual = AttestationPayload.Complete(payload!, "https://vouch.test", DateTimeOffset.UnixEpoch, TimeSpan.FromHours(8), new string('0', 64));

        // Vouch's additions all live under x-vouch-; MAA has none.
        foreach (var key in actual.Select(p => p.Key).Where(k => k.StartsWith(VouchClaimTypes.Prefix, StringComparison.Ordinal)).ToList())
        {
            actual.Remove(key);
        }

        foreach (var key in Ignored)
        {
            Assert.True(expected.Remove(key), $"MAA's token has {key}");
            Assert.True(actual.Remove(key), $"Vouch's token has {key}");
        }

        // Collateral: same keys; quotehash (the evidence as submitted) equal; the others hash collateral we do not have.
        foreach (var claim in new[] { AttestationClaimTypes.SgxCollateral, AttestationClaimTypes.DeprecatedCollateral })
        {
            var mine = (JsonObject)actual[claim]!;
            var theirs = (JsonObject)expected[claim]!;
            Assert.Equal(theirs.Select(p => p.Key), mine.Select(p => p.Key));
            Assert.Equal(theirs["quotehash"]!.GetValue<string>(), mine["quotehash"]!.GetValue<string>());
            Assert.All(mine, p => Assert.Matches("^[0-9a-f]{64}$", p.Value!.GetValue<string>()));
            actual.Remove(claim);
            expected.Remove(claim);
        }

        Assert.Equal(expected["x-ms-policy-hash"]!.GetValue<string>(), actual["x-ms-policy-hash"]!.GetValue<string>());
        Assert.Equal(expected.Select(p => p.Key), actual.Select(p => p.Key));
        foreach (var (key, value) in expected)
        {
            Assert.Equal(value!.GetValueKind(), actual[key]!.GetValueKind());
            Assert.True(JsonNode.DeepEquals(value, actual[key]), $"{key}: MAA {value!.ToJsonString()}, Vouch {actual[key]!.ToJsonString()}");
        }
    }

    [Theory]
    [MemberData(nameof(Attestations))]
    public void Attest_RecordedExchange_TokenHeaderShape(string name)
    {
        var exchange = MaaRecordings.Get(name);
        if (exchange.Status != 200)
        {
            return;
        }

        var header = exchange.Header!;
        var draft = exchange.RequestBody!["draftPolicyForAttestation"] is not null;
        Assert.Equal(draft ? "none" : "RS256", header["alg"]!.GetValue<string>());
        Assert.Equal(draft, exchange.Token!.EndsWith('.'));
        Assert.Equal(["alg", "jku", "kid", "typ"], header.Select(p => p.Key));
    }

    [Fact]
    public void PolicyTokenHash_UnsignedPut_EqualsRecorded()
    {
        var put = MaaRecordings.Get("policy-put-unsigned-sgx-aad");
        var jws = put.RequestBody is null ? put.Json["request"]!["body"]!.GetValue<string>() : throw new InvalidOperationException();
        Assert.Equal(put.Payload!["x-ms-policy-token-hash"]!.GetValue<string>(), PolicyHash.ComputeTokenHash(jws));
    }

    [Fact]
    public void PolicyTokenHash_SignedPut_EqualsRecordedOverStoredJws()
    {
        // The signed PUT's body was not recorded, but the GET that followed returns it verbatim.
        var put = MaaRecordings.Get("policy-put-signed-sgx-aad");
        var get = MaaRecordings.Get("policy-get-after-put-signed-sgx-aad");
        var stored = get.Payload!["x-ms-policy"]!.GetValue<string>();
        Assert.Equal(put.Payload!["x-ms-policy-token-hash"]!.GetValue<string>(), PolicyHash.ComputeTokenHash(stored));
    }

    [Fact]
    public void PolicyHash_DefaultPolicy_EqualsRecorded()
    {
        var recorded = MaaRecordings.Get("sgx-shared-no-runtime").Payload!["x-ms-policy-hash"]!.GetValue<string>();
        Assert.Equal(recorded, AttestationPolicy.Compile(DefaultPolicies.Sgx).Hash);
    }

    internal static bool TryAttest(MaaExchange exchange, out JsonObject? payload, out AttestationError? error)
    {
        payload = null;
        var body = exchange.RequestBody!;
        var oe = exchange.Path.StartsWith("/attest/OpenEnclave", StringComparison.Ordinal);
        var submitted = MaaRecordings.DecodeBase64Url(body[oe ? "report" : "quote"]!.GetValue<string>());
        var read = oe
            ? EvidenceReader.TryReadOpenEnclave(submitted, out var evidence, out error)
            : EvidenceReader.TryReadSgxQuote(submitted, out evidence, out error);
        Assert.True(read, error?.ToString());

        BoundData? runtime = body["runtimeData"] is JsonObject rd
            ? new BoundData(MaaRecordings.DecodeBase64Url(rd["data"]!.GetValue<string>()), rd["dataType"]!.GetValue<string>() == "JSON" ? DataType.Json : DataType.Binary)
            : null;
        Assert.True(DataBinding.TryCheck(evidence!, runtime, null, out var data, out error), error?.ToString());

        var policy = AttestationPolicy.Compile(body["draftPolicyForAttestation"]?.GetValue<string>() ?? DefaultPolicies.Sgx);
        var report = SynthesisedReport(exchange);
        var digests = CollateralDigests.Compute(submitted, NoCollateral);
        return AttestationEvaluator.TryEvaluate(evidence!, data!, report, digests, TrustAnchor.IntelSgxRootCa, policy, null, null, out payload, out error);
    }

    // TEST ONLY — see the class remarks: no collateral exists for the 2022 quotes, so this report is not
    // the result of a verification. It holds only TCB facts MAA never emits.
    private static VerificationReport SynthesisedReport(MaaExchange exchange) => new()
    {
        VerifiedAt = DateTimeOffset.FromUnixTimeSeconds(exchange.Payload?["iat"]?.GetValue<long>() ?? 1654037277),
        Checks = ImmutableArray<CheckOutcome>.Empty,
        TcbStatus = TcbStatus.UpToDate,
    };

    private static readonly QuoteCollateral NoCollateral = new(
        ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty,
        ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty);
}
