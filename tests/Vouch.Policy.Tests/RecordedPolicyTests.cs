using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vouch.Policy.Evaluation;
using Vouch.Policy.Syntax;
using Vouch.Policy.Tests.Support;
using Vouch.Tests.Shared;

namespace Vouch.Policy.Tests;

/// <summary>Vouch against what the real MAA did in the recorded exchanges (vectors/maa/cpp-sdk-2022).</summary>
public sealed partial class RecordedPolicyTests
{
    public static TheoryData<string> DefaultPolicyGets() => [.. Recordings.Names("policy-get-default-*enclave-*")];

    [Theory]
    [MemberData(nameof(DefaultPolicyGets))]
    public void DefaultPolicy_RecordedGet_IsTheSameTextByteForByte(string exchange)
    {
        var recorded = Recordings.Load(exchange);
        var jws = Recordings.TokenPayload(recorded).GetProperty("x-ms-policy").GetString()!;
        Assert.True(PolicyJws.TryReadPolicyText(jws, out var text));
        Assert.Equal(DefaultPolicies.Sgx, text);
        Assert.Equal(jws, PolicyJws.CreateUnsigned(DefaultPolicies.Sgx));
    }

    [Fact]
    public void DefaultPolicy_Hash_EqualsRecordedHash()
    {
        Assert.Equal(DefaultPolicies.SgxHash, PolicyHash.Compute(DefaultPolicies.Sgx));
        Assert.Equal(DefaultPolicies.SgxHash, AttestationPolicy.Compile(DefaultPolicies.OpenEnclave).Hash);
    }

    public static TheoryData<string> DefaultPolicyAttestations() =>
        [.. Recordings.Names("sgx-*-r*").Concat(Recordings.Names("sgx-*-no-runtime")).Concat(Recordings.Names("oe-*-r*")).Concat(Recordings.Names("oe-*-no-runtime"))];

    [Theory]
    [MemberData(nameof(DefaultPolicyAttestations))]
    public void DefaultPolicy_RecordedAttestation_IssuesWhatMaaIssued(string exchange)
    {
        // Arrange: the incoming claims MAA saw, rebuilt from the evidence claims of its token.
        var payload = Recordings.TokenPayload(Recordings.Load(exchange));
        Assert.Equal(DefaultPolicies.SgxHash, payload.GetProperty("x-ms-policy-hash").GetString());
        var incoming = Recordings.IncomingClaimsFromToken(payload);

        // Act
        var result = AttestationPolicy.Compile(DefaultPolicies.Sgx).Evaluate(incoming);

        // Assert: authorised, and the issued claims are MAA's x-ms-policy object, also at top level.
        Assert.True(result.IsAuthorized);
        AssertIssuedAsRecorded(payload, result);
    }

    public static TheoryData<string> DraftPermitAttestations() => [.. Recordings.Names("*-draft-policy-permit")];

    [Theory]
    [MemberData(nameof(DraftPermitAttestations))]
    public void DraftPolicy_RecordedPermit_PermitsAndIssuesWhatMaaIssued(string exchange)
    {
        var recorded = Recordings.Load(exchange);
        var payload = Recordings.TokenPayload(recorded);
        var draft = Recordings.DraftPolicy(recorded);
        Assert.Equal(payload.GetProperty("x-ms-policy-hash").GetString(), PolicyHash.Compute(draft));

        var result = AttestationPolicy.Compile(draft).Evaluate(Recordings.IncomingClaimsFromToken(payload));

        Assert.True(result.IsAuthorized);
        AssertIssuedAsRecorded(payload, result);
        Assert.False(payload.TryGetProperty("is-debuggable", out _));
    }

    [Theory]
    [MemberData(nameof(DraftPermitAttestations))]
    public void DraftPolicy_RecordedDeny_RefusesWithNoPermitLikeMaa(string permitExchange)
    {
        // The 400 answer carries no token, so the evidence claims come from the permit exchange of the
        // same instance and evidence type: the C++ tests sent the same quote to both.
        var denyExchange = permitExchange.Replace("-permit", "-deny", StringComparison.Ordinal);
        var denied = Recordings.Load(denyExchange);
        var response = denied.GetProperty("response");
        Assert.Equal(400, response.GetProperty("status").GetInt32());
        var error = response.GetProperty("body").GetProperty("error");
        Assert.Equal("PolicyEvaluationError", error.GetProperty("code").GetString());
        Assert.Contains(PolicyEvaluationResult.NoPermitMessage, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var incoming = Recordings.IncomingClaimsFromToken(Recordings.TokenPayload(Recordings.Load(permitExchange)));

        var result = AttestationPolicy.Compile(Recordings.DraftPolicy(denied)).Evaluate(incoming);

        Assert.False(result.IsAuthorized);
        Assert.Equal(PolicyErrorCode.NoPermit, result.Failure);
        Assert.Empty(result.IssuedClaims);
    }

    [Theory]
    [InlineData("draft-policy-permit.txt", "sgx-shared-draft-policy-permit")]
    [InlineData("draft-policy-deny.txt", "sgx-shared-draft-policy-deny")]
    public void DraftPolicy_EvidenceFile_IsTheTextTheExchangeSent(string file, string exchange)
    {
        var text = File.ReadAllText(TestVectors.Path("maa", "cpp-sdk-2022", "evidence", file));
        Assert.Equal(Recordings.DraftPolicy(Recordings.Load(exchange)), text);
    }

    [Fact]
    public void PolicyJws_RecordedUnsignedPut_IsRebuiltAndHashedAsRecorded()
    {
        var put = Recordings.Load("policy-put-unsigned-sgx-aad");
        var body = put.GetProperty("request").GetProperty("body").GetString()!;
        var get = Recordings.Load("policy-get-after-put-unsigned-sgx-aad");
        var text = get.GetProperty("response_token_decoded").GetProperty("x-ms-policy_text").GetString()!;

        Assert.Equal(body, PolicyJws.CreateUnsigned(text));
        Assert.Equal(body, Recordings.TokenPayload(get).GetProperty("x-ms-policy").GetString());
        Assert.Equal(Recordings.TokenPayload(put).GetProperty("x-ms-policy-token-hash").GetString(), PolicyHash.ComputeTokenHash(body));
        Assert.True(AttestationPolicy.TryCompile(text, out _, out _));
    }

    [Fact]
    public void PolicyJws_RecordedSignedPut_TokenHashAndTextAsRecorded()
    {
        // The signed PUT body was not recorded, but the GET that followed returns it verbatim.
        var jws = Recordings.TokenPayload(Recordings.Load("policy-get-after-put-signed-sgx-aad")).GetProperty("x-ms-policy").GetString()!;
        var put = Recordings.TokenPayload(Recordings.Load("policy-put-signed-sgx-aad"));

        Assert.Equal(put.GetProperty("x-ms-policy-token-hash").GetString(), PolicyHash.ComputeTokenHash(jws));
        Assert.True(PolicyJws.TryReadPolicyText(jws, out var text));
        Assert.Equal("version=1.0; authorizationrules{=> permit();}; issuancerules{};", text);
    }

    [Theory]
    [InlineData("policy-get-default-tpm-shared")]
    [InlineData("policy-reset-unsigned-sgx-aad")]
    public void PolicyJws_EmptyPayload_HasNoPolicyText(string exchange)
    {
        var recorded = Recordings.Load(exchange);
        var jws = exchange.StartsWith("policy-get", StringComparison.Ordinal)
            ? Recordings.TokenPayload(recorded).GetProperty("x-ms-policy").GetString()!
            : recorded.GetProperty("request").GetProperty("body").GetString()!;
        Assert.Equal(PolicyJws.UnsignedReset, jws);
        Assert.False(PolicyJws.TryReadPolicyText(jws, out _));
    }

    public static TheoryData<string> RecordedPolicyTexts()
    {
        var texts = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in Recordings.Names("*"))
        {
            var exchange = Recordings.Load(name);
            if (exchange.TryGetProperty("response_token_decoded", out var decoded) && decoded.TryGetProperty("x-ms-policy_text", out var text))
            {
                texts.Add(text.GetString()!);
            }

            if (exchange.TryGetProperty("request", out var request)
                && request.TryGetProperty("body", out var body)
                && body.ValueKind == JsonValueKind.Object
                && body.TryGetProperty("draftPolicyForAttestation", out var draft))
            {
                texts.Add(draft.GetString()!);
            }
        }

        Assert.Equal(4, texts.Count);
        return [.. texts];
    }

    [Theory]
    [MemberData(nameof(RecordedPolicyTexts))]
    public void RecordedPolicyText_Compiles_AndRoundTrips(string text)
    {
        var policy = CaseFiles.Compile(text);
        var printed = PolicyPrinter.Print(policy.Document);
        Assert.Equal(printed, PolicyPrinter.Print(CaseFiles.Compile(printed).Document));
    }

    public static TheoryData<string> SpecSamples() => [.. SpecSampleTexts()];

    private static List<string> SpecSampleTexts()
    {
        // Every policy in the spec (maa-protocol.md §4 and §5): fenced blocks and inline code that start with "version".
        var spec = File.ReadAllText(Path.Combine(TestVectors.Directory, "..", "docs", "spec", "maa-protocol.md"));
        var samples = new List<string>();
        foreach (Match block in FencedBlock().Matches(spec))
        {
            if (block.Groups[1].Value.StartsWith("version", StringComparison.Ordinal))
            {
                samples.Add(block.Groups[1].Value);
            }
        }

        foreach (Match inline in InlinePolicy().Matches(spec))
        {
            samples.Add(inline.Groups[1].Value);
        }

        // §4.4: the documented 1.1 default = the configurationrules line in front of the 1.0 sections.
        var configuration = InlineConfiguration().Match(spec).Groups[1].Value;
        Assert.NotEmpty(configuration);
        samples.Add("version=1.1;" + configuration + DefaultPolicies.Sgx["version= 1.0;".Length..]);
        Assert.True(samples.Count >= 4, "spec samples not found");
        return samples;
    }

    [Theory]
    [MemberData(nameof(SpecSamples))]
    public void SpecSample_Compiles_AndRoundTrips(string text)
    {
        var policy = CaseFiles.Compile(text);
        var printed = PolicyPrinter.Print(policy.Document);
        Assert.Equal(printed, PolicyPrinter.Print(CaseFiles.Compile(printed).Document));
    }

    [Fact]
    public void SpecSample_DefaultPolicy_IsTheShippedDefault()
    {
        Assert.Contains(DefaultPolicies.Sgx + "\n", SpecSampleTexts());
    }

    private static void AssertIssuedAsRecorded(JsonElement payload, PolicyEvaluationResult result)
    {
        var recorded = JsonNode.Parse(payload.GetProperty("x-ms-policy").GetRawText())!.AsObject();
        var issued = ClaimsJson.Write(result.IssuedClaims);
        Assert.True(JsonNode.DeepEquals(recorded, issued), $"MAA issued {recorded.ToJsonString()}\nVouch issued {issued.ToJsonString()}");
        foreach (var (type, value) in issued)
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(payload.GetProperty(type).GetRawText()), value), type);
        }
    }

    [GeneratedRegex("```\\n(version[^`]*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex("`(version=[^`]*issuancerules\\{[^`]*\\};)`")]
    private static partial Regex InlinePolicy();

    [GeneratedRegex("`(configurationrules\\{[^`]*\\};)`")]
    private static partial Regex InlineConfiguration();
}
