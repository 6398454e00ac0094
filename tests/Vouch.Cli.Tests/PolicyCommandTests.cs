using System.CommandLine;
using System.Text.Json.Nodes;
using Vouch.Policy;
using Vouch.Tests.Shared;

namespace Vouch.Cli.Tests;

/// <summary>The contract of <c>vouch policy check|eval|hash</c>: output, stderr format and exit codes.</summary>
public sealed class PolicyCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vouch-policy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Vector(string file) => TestVectors.Path("maa", "cpp-sdk-2022", "evidence", file);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = VouchCommand.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    // The evidence claims of the recorded debug enclave (from the sgx-shared-draft-policy-permit token).
    private const string RecordedClaims = """
        {"x-ms-sgx-is-debuggable": true, "x-ms-sgx-product-id": 1, "x-ms-sgx-svn": 1, "x-ms-attestation-type": "sgx",
         "x-ms-sgx-mrsigner": "4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c",
         "x-ms-sgx-mrenclave": "292a1f4b519e46627eb2478a3d9851405653c5b4b0a6925de843834d9216850e"}
        """;

    [Fact]
    public void Check_DefaultPolicy_PrintsVersionAndRuleCounts()
    {
        var (exit, output, error) = Run("policy", "check", Write("default.txt", DefaultPolicies.Sgx));

        Assert.Equal(0, exit);
        Assert.Empty(error);
        Assert.Equal(
            ["version: 1.0", "configurationrules: 0", "authorizationrules: 1", "issuancerules: 6", "x-ms-policy-hash: " + DefaultPolicies.SgxHash],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public void Check_RecordedDraftPolicy_IsValid()
    {
        var (exit, _, error) = Run("policy", "check", Vector("draft-policy-permit.txt"));
        Assert.Equal(0, exit);
        Assert.Empty(error);
    }

    [Fact]
    public void Check_InvalidPolicy_ExitsOneWithFileLineColumnCodeOnStderr()
    {
        var path = Write("bad.txt", "version=1.0;\nauthorizationrules {\n    [type==\"a\"] => allow();\n    => permit()\n};\nissuancerules { };\n");

        var (exit, output, error) = Run("policy", "check", path);

        Assert.Equal(1, exit);
        Assert.Empty(output);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith(path + ":3:20: ATT6006: ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith(path + ":5:1: ATT6006: ", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Check_MissingFile_ExitsTwo()
    {
        var (exit, output, error) = Run("policy", "check", Path.Combine(_directory, "absent.txt"));
        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Check_NoFile_ExitsTwo() => Assert.Equal(2, Run("policy", "check").Exit);

    [Fact]
    public void Check_NotUtf8_ExitsTwo()
    {
        var path = Path.Combine(_directory, "latin1.txt");
        File.WriteAllBytes(path, [0x76, 0xE9, 0xFF]);
        Assert.Equal(2, Run("policy", "check", path).Exit);
    }

    [Fact]
    public void Eval_RecordedPermitDraft_AuthorizesAndIssuesJson()
    {
        var (exit, output, error) = Run("policy", "eval", "--policy", Vector("draft-policy-permit.txt"), "--claims", Write("claims.json", RecordedClaims), "--json");

        Assert.Equal(0, exit);
        Assert.Empty(error);
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.True(json["authorized"]!.GetValue<bool>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"custom-name": "4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c"}"""), json["issued"]));
        Assert.True(JsonNode.DeepEquals(new JsonObject(), json["properties"]));
        Assert.NotNull(json["reason"]);
        Assert.Null(json["trace"]);
    }

    [Fact]
    public void Eval_RecordedDenyDraft_ExitsOneWithNoPermitCode()
    {
        var (exit, output, _) = Run("policy", "eval", "--policy", Vector("draft-policy-deny.txt"), "--claims", Write("claims.json", RecordedClaims), "--json");

        Assert.Equal(1, exit);
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.False(json["authorized"]!.GetValue<bool>());
        Assert.Equal("ATT6101", json["code"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(new JsonObject(), json["issued"]));
    }

    [Fact]
    public void Eval_Trace_ListsTheRulesThatFired()
    {
        var (exit, output, _) = Run("policy", "eval", "--policy", Write("default.txt", DefaultPolicies.Sgx), "--claims", Write("claims.json", RecordedClaims), "--json", "--trace");

        Assert.Equal(0, exit);
        var trace = JsonNode.Parse(output)!["trace"]!.AsArray();
        Assert.Equal(7, trace.Count);
        Assert.Equal("authorizationrules", trace[0]!["section"]!.GetValue<string>());
        Assert.Equal("permit", trace[0]!["action"]!.GetValue<string>());
        Assert.Equal("issuancerules", trace[6]!["section"]!.GetValue<string>());
        Assert.Equal(6, trace[6]!["rule"]!.GetValue<int>());
        Assert.Equal("tee", trace[6]!["claim"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Eval_TextOutput_StartsWithTheDecision()
    {
        var (exit, output, _) = Run("policy", "eval", "--policy", Write("default.txt", DefaultPolicies.Sgx), "--claims", Write("claims.json", "{}"), "--trace");
        Assert.Equal(0, exit);
        Assert.StartsWith("authorized", output, StringComparison.Ordinal);
        Assert.Contains("trace:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_ArrayClaim_MeansSeveralClaimsOfOneType()
    {
        var policy = Write("p.txt", "version=1.0; authorizationrules { [type==\"a\", value==2] => permit(); }; issuancerules { c:[type==\"a\"] => issue(type=\"a\", value=c.value); };");
        var (exit, output, _) = Run("policy", "eval", "--policy", policy, "--claims", Write("claims.json", "{\"a\": [1, 2]}"), "--json");
        Assert.Equal(0, exit);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"a\": [1, 2]}"), JsonNode.Parse(output)!["issued"]));
    }

    [Theory]
    [InlineData("{\"a\": null}")]
    [InlineData("[1]")]
    [InlineData("not json")]
    public void Eval_BadClaims_ExitsTwo(string claims)
    {
        var (exit, output, error) = Run("policy", "eval", "--policy", Write("default.txt", DefaultPolicies.Sgx), "--claims", Write("claims.json", claims));
        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Eval_PolicyThatDoesNotCompile_ExitsTwoWithDiagnostics()
    {
        var path = Write("bad.txt", "version=1.0; authorizationrules { => permit(); }; issuancerules { => deny(); };");
        var (exit, _, error) = Run("policy", "eval", "--policy", path, "--claims", Write("claims.json", "{}"));
        Assert.Equal(2, exit);
        Assert.StartsWith(path + ":1:70: ATT6022: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_MissingOption_ExitsTwo()
    {
        Assert.Equal(2, Run("policy", "eval", "--policy", Write("default.txt", DefaultPolicies.Sgx)).Exit);
        Assert.Equal(2, Run("policy", "eval", "--claims", Write("claims.json", "{}")).Exit);
        Assert.Equal(2, Run("policy", "eval", "--policy", Write("p.txt", DefaultPolicies.Sgx), "--claims", Write("c.json", "{}"), "extra").Exit);
    }

    [Fact]
    public void Eval_EvaluationWarning_GoesToStderrWithPosition()
    {
        var path = Write("p.txt", "version=1.2; authorizationrules { => permit(); }; issuancerules { => issue(type=\"r\", value=NegateBool(\"x\")); };");
        var (exit, _, error) = Run("policy", "eval", "--policy", path, "--claims", Write("claims.json", "{}"), "--json");
        Assert.Equal(0, exit);
        Assert.StartsWith(path + ":1:92: ATT6106: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("draft-policy-permit.txt", "1wKUrF_E0X5CZUM9OMIF1PH3qn5iykWY_bWgBbiWJZ0")]
    public void Hash_RecordedDraftPolicy_PrintsRecordedPolicyHash(string file, string recorded)
    {
        var (exit, output, error) = Run("policy", "hash", Vector(file));
        Assert.Equal(0, exit);
        Assert.Empty(error);
        Assert.Equal(recorded, output.Trim());
    }

    [Fact]
    public void Hash_DefaultPolicy_PrintsRecordedDefaultHash()
    {
        var (exit, output, _) = Run("policy", "hash", Write("default.txt", DefaultPolicies.Sgx));
        Assert.Equal(0, exit);
        Assert.Equal(DefaultPolicies.SgxHash, output.Trim());
    }

    [Fact]
    public void Hash_MissingFile_ExitsTwo() => Assert.Equal(2, Run("policy", "hash", Path.Combine(_directory, "absent.txt")).Exit);
}
