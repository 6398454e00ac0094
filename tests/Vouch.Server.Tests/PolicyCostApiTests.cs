using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Vouch.Server.Tests.Support;

namespace Vouch.Server.Tests;

/// <summary>
/// Issue 11 item 7 through the service: an unauthenticated attestation with verifiable evidence bound to
/// large JSON runtime data and a draft policy built to burn CPU is answered quickly, with a stable code.
/// </summary>
public sealed class PolicyCostApiTests
{
    private const string Attest = "attest/SgxEnclave?api-version=2020-10-01";

    private static readonly string SortTwoHundredTimes = "version=1.2; authorizationrules{ => permit(); }; issuancerules{"
        + string.Concat(Enumerable.Range(0, 200).Select(i => $" c:[type==\"x-ms-runtime\"] => issue(type=\"r{i}\", value=JmesPath(c.value, \"sort(@)\"));"))
        + " };";

    private static byte[] Numbers(int length)
    {
        var text = new StringBuilder("[0");
        for (var i = 1; text.Length + 12 < length; i++)
        {
            text.Append(',').Append(i.ToString(CultureInfo.InvariantCulture));
        }

        return Encoding.UTF8.GetBytes(text.Append(']').ToString());
    }

    private static string Body(byte[] quote, byte[] runtime, string? draft)
    {
        var body = new JsonObject
        {
            ["quote"] = Base64Url.EncodeToString(quote),
            ["runtimeData"] = new JsonObject { ["data"] = Base64Url.EncodeToString(runtime), ["dataType"] = "JSON" },
        };
        if (draft is not null)
        {
            body["draftPolicyForAttestation"] = draft;
        }

        return body.ToJsonString();
    }

    [Fact]
    public async Task The_reviews_sort_draft_over_JSON_runtime_data_is_refused_fast_with_the_step_limit()
    {
        await using var vouch = await VouchTestServer.StartAsync();

        // Runtime data that every JSON function accepts (just under 64 Ki): the budget stops the draft.
        var runtime = Numbers(60_000);
        var evidence = SimulatedEvidence.Create(vouch, runtime);
        await SimulatedEvidence.AttestAsync(vouch, Attest, Body(evidence.Quote, runtime, draft: null));

        var clock = Stopwatch.StartNew();
        var (status, response) = await VouchTestServer.SendAsync(vouch.Client, HttpMethod.Post, Attest, Body(evidence.Quote, runtime, SortTwoHundredTimes));
        clock.Stop();

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ATT7202", VouchTestServer.VouchCode(response));
        Assert.Equal("ATT6103", Assert.Single(response!["error"]!["innererror"]!["details"]!.AsArray())!["code"]!.GetValue<string>());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), clock.Elapsed.ToString()); // 9.6 s of CPU before the fix

        // The review's 260 KB: too long for a JSON function, so every call has no value and the draft permits.
        var large = Numbers(260_000);
        var largeEvidence = SimulatedEvidence.Create(vouch, large);
        clock.Restart();
        var token = await SimulatedEvidence.AttestAsync(vouch, Attest, Body(largeEvidence.Quote, large, SortTwoHundredTimes));
        clock.Stop();

        Assert.Empty(Tokens.Payload(token)["x-ms-policy"]!.AsObject());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), clock.Elapsed.ToString());
    }
}
