using System.Diagnostics;
using System.Text;
using Vouch.Policy.Evaluation;
using Vouch.Policy.Tests.Support;

namespace Vouch.Policy.Tests;

/// <summary>Every limit of <see cref="PolicyLimits"/> at and just over its value, and hostile policies.</summary>
public sealed class LimitsTests
{
    private const string Head = "version=1.2;\nauthorizationrules { => permit(); };\nissuancerules {\n";
    private const string Tail = "};\n";

    private static PolicyErrorCode[] Codes(string text, PolicyLimits? limits = null)
    {
        AttestationPolicy.TryCompile(text, out _, out var diagnostics, limits);
        return [.. diagnostics.Select(d => d.Code).Distinct()];
    }

    [Fact]
    public void PolicyLength_AtLimit_Compiles_OverLimit_Refused()
    {
        var limits = new PolicyLimits { MaxPolicyLength = 200 };
        var body = Head + Tail;
        var atLimit = body + new string(' ', 200 - body.Length);

        Assert.Empty(Codes(atLimit, limits));
        Assert.Equal([PolicyErrorCode.PolicyTooLarge], Codes(atLimit + " ", limits));
    }

    [Fact]
    public void PolicyLength_DefaultLimit_RefusesAMegabyteAtOnce()
    {
        var huge = Head + "// " + new string('x', 1 << 20) + "\n" + Tail;
        AttestationPolicy.TryCompile(huge, out _, out var diagnostics);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(PolicyErrorCode.PolicyTooLarge, diagnostic.Code);
        Assert.Equal((1, 1), (diagnostic.Line, diagnostic.Column));
    }

    private static string Rules(int count, string rule = "=> issue(type=\"a\", value=1);")
    {
        var text = new StringBuilder(Head);
        for (var i = 0; i < count; i++)
        {
            text.Append(rule).Append('\n');
        }

        return text.Append(Tail).ToString();
    }

    [Fact]
    public void RuleCount_AtLimit_Compiles_OverLimit_Refused()
    {
        var limits = new PolicyLimits { MaxRules = 10 };
        Assert.Empty(Codes(Rules(9), limits));
        Assert.Equal([PolicyErrorCode.TooManyRules], Codes(Rules(10), limits));
    }

    [Fact]
    public void RuleCount_TenThousandRules_RefusedQuickly()
    {
        var text = "version=1.0;authorizationrules{" + string.Concat(Enumerable.Repeat("=>permit();", 10_000)) + "};issuancerules{};";
        Assert.True(text.Length < PolicyLimits.Default.MaxPolicyLength);
        var clock = Stopwatch.StartNew();
        Assert.Equal([PolicyErrorCode.TooManyRules], Codes(text));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
    }

    [Fact]
    public void ConditionsPerRule_AtLimit_Compiles_OverLimit_Refused()
    {
        string Rule(int n) => string.Join(" && ", Enumerable.Repeat("[type==\"a\"]", n)) + " => issue(type=\"b\", value=1);";
        Assert.Empty(Codes(Head + Rule(32) + "\n" + Tail));
        Assert.Equal([PolicyErrorCode.TooManyConditions], Codes(Head + Rule(33) + "\n" + Tail));
    }

    private static string Nested(int depth) =>
        Head + "=> issue(type=\"a\", value=" + string.Concat(Enumerable.Repeat("NegateBool(", depth)) + "true" + new string(')', depth) + ");\n" + Tail;

    [Fact]
    public void Nesting_AtLimit_Compiles_OverLimit_Refused()
    {
        Assert.Empty(Codes(Nested(16)));
        Assert.Equal([PolicyErrorCode.NestingTooDeep], Codes(Nested(17)));
        var policy = CaseFiles.Compile(Nested(16));
        Assert.Equal(ClaimValue.Of(true), Assert.Single(policy.Evaluate([]).IssuedClaims).Value);
    }

    [Fact]
    public void Nesting_TenThousandDeep_RefusedWithoutRecursingThatDeep()
    {
        Assert.Equal([PolicyErrorCode.NestingTooDeep], Codes(Nested(10_000)));
    }

    [Fact]
    public void StringLiteral_AtLimit_Compiles_OverLimit_Refused()
    {
        string Policy(int length) => Head + "=> issue(type=\"a\", value=\"" + new string('x', length) + "\");\n" + Tail;
        Assert.Empty(Codes(Policy(16 * 1024)));
        Assert.Equal([PolicyErrorCode.StringTooLong], Codes(Policy((16 * 1024) + 1)));
        Assert.Equal([PolicyErrorCode.StringTooLong], Codes(Policy(100_000)));
    }

    [Fact]
    public void Diagnostics_OverLimit_ReportsLimitThenOneMore()
    {
        var text = Rules(150, "=> allow();");
        AttestationPolicy.TryCompile(text, out _, out var diagnostics);
        Assert.Equal(101, diagnostics.Length);
        Assert.Equal(PolicyErrorCode.TooManyDiagnostics, diagnostics[^1].Code);
        Assert.All(diagnostics.SkipLast(1), d => Assert.Equal(PolicyErrorCode.UnexpectedToken, d.Code));
    }

    [Fact]
    public void EvaluationSteps_AtLimit_Authorizes_OverLimit_Stops()
    {
        const string text = "version=1.0;\nauthorizationrules {\n    a:[] && b:[] => add(type=\"x\", value=1);\n    => permit();\n};\nissuancerules { };\n";
        var claims = CaseFiles.Claims("{\"n\": [1,2,3,4,5,6,7,8,9,10]}");
        var steps = CaseFiles.Compile(text).Evaluate(claims).Steps;

        var atLimit = AttestationPolicy.Compile(text, new PolicyLimits { MaxEvaluationSteps = steps }).Evaluate(claims);
        var overLimit = AttestationPolicy.Compile(text, new PolicyLimits { MaxEvaluationSteps = steps - 1 }).Evaluate(claims);

        Assert.True(atLimit.IsAuthorized);
        Assert.False(overLimit.IsAuthorized);
        Assert.Equal(PolicyErrorCode.StepLimitExceeded, overLimit.Failure);
        Assert.Empty(overLimit.IssuedClaims);
    }

    [Fact]
    public void EvaluationSteps_CombinatorialPolicy_StopsQuickly()
    {
        var conditions = string.Join(" && ", Enumerable.Range(0, 32).Select(i => $"c{i}:[]"));
        var text = $"version=1.0;\nauthorizationrules {{ => permit(); }};\nissuancerules {{\n    {conditions} => issue(type=\"x\", value=c0.value);\n}};\n";
        var claims = Enumerable.Range(0, 1000).Select(i => new Claim("n", ClaimValue.Of(i))).ToArray();

        var clock = Stopwatch.StartNew();
        var result = CaseFiles.Compile(text).Evaluate(claims);

        Assert.Equal(PolicyErrorCode.StepLimitExceeded, result.Failure);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
    }

    [Fact]
    public void EvaluationSteps_AppendStringDoubling_BoundedByStringLimit()
    {
        var text = new StringBuilder("version=1.2;\nauthorizationrules { => permit(); };\nissuancerules {\n    => add(type=\"s\", value=\"0123456789abcdef\");\n");
        for (var i = 0; i < 40; i++)
        {
            text.Append("    c:[type==\"s\"] => add(type=\"s\", value=AppendString(c.value, c.value));\n");
        }

        text.Append("};\n");

        // With a budget large enough to reach it, the string limit stops the doubling; at the default
        // budget the steps (16 characters written per step) run out first.
        var result = AttestationPolicy.Compile(text.ToString(), new PolicyLimits { MaxEvaluationSteps = 10_000_000 }).Evaluate([]);
        var byDefault = CaseFiles.Compile(text.ToString()).Evaluate([]);

        Assert.True(result.Failure is null or PolicyErrorCode.StepLimitExceeded);
        Assert.Contains(result.Warnings, w => w.Code == PolicyErrorCode.ValueTooLarge);
        Assert.Equal(PolicyErrorCode.StepLimitExceeded, byDefault.Failure);
    }

    [Theory]
    [InlineData("JsonToClaimValue(d.value)")]
    [InlineData("JmesPath(d.value, \"a\")")]
    public void EvaluationSteps_FailingJsonEverywhere_StopsQuickly(string function)
    {
        var text = $"version=1.2;\nauthorizationrules {{ => permit(); }};\nissuancerules {{\n    c:[] && d:[] => add(type=\"x\", value={function});\n}};\n";
        var claims = Enumerable.Range(0, 300).Select(i => new Claim("n", ClaimValue.Of("{\"unclosed\": " + i))).ToArray();

        var clock = Stopwatch.StartNew();
        var result = CaseFiles.Compile(text).Evaluate(claims);

        Assert.Equal(PolicyErrorCode.StepLimitExceeded, result.Failure);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), clock.Elapsed.ToString());
    }

    private static string JmesPathPolicy(string query) =>
        Head + "c:[type==\"j\"] => issue(type=\"r\", value=JmesPath(c.value, \"" + query.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"));\n" + Tail;

    [Fact]
    public void JmesPathLength_AtLimit_Compiles_OverLimit_Refused()
    {
        var atLimit = string.Join(".", Enumerable.Repeat("a", 1024)) + "b";
        Assert.Equal(2048, atLimit.Length);
        var limits = new PolicyLimits { MaxJmesPathNodes = 4096 };
        Assert.Empty(Codes(JmesPathPolicy(atLimit), limits));
        Assert.Equal([PolicyErrorCode.JmesPathTooCostly], Codes(JmesPathPolicy(atLimit + "c"), limits));
    }

    [Fact]
    public void JmesPathNodes_AtLimit_Compiles_OverLimit_Refused()
    {
        // JmesPath.Net's tree for "a" has 2 nodes, for "a.b" 4.
        Assert.Empty(Codes(JmesPathPolicy("a.b"), new PolicyLimits { MaxJmesPathNodes = 4 }));
        Assert.Equal([PolicyErrorCode.JmesPathTooCostly], Codes(JmesPathPolicy("a.b"), new PolicyLimits { MaxJmesPathNodes = 3 }));
    }

    [Fact]
    public void JmesPathNesting_AtLimit_Compiles_OverLimit_Refused()
    {
        string Query(int depth) => new string('[', depth) + "a" + new string(']', depth);
        Assert.Empty(Codes(JmesPathPolicy(Query(16))));
        Assert.Equal([PolicyErrorCode.JmesPathTooCostly], Codes(JmesPathPolicy(Query(17))));
    }

    [Fact]
    public void JmesPathGrowth_AtLimit_Compiles_OverLimit_Refused()
    {
        string Query(int pipes) => string.Join(" | ", Enumerable.Repeat("[@,@]", pipes));
        Assert.Empty(Codes(JmesPathPolicy(Query(4))));
        Assert.Equal([PolicyErrorCode.JmesPathTooCostly], Codes(JmesPathPolicy(Query(5))));
        Assert.Equal([PolicyErrorCode.JmesPathTooCostly], Codes(JmesPathPolicy(Query(60))));
    }

    [Fact]
    public void JmesPathInput_AtLimit_Evaluates_OverLimit_Warns()
    {
        var limits = new PolicyLimits { MaxJsonLength = 1000 };
        var policy = AttestationPolicy.Compile(JmesPathPolicy("length(@)"), limits);
        string Json(int length) => "\"" + new string('x', length - 2) + "\"";

        var atLimit = policy.Evaluate([new Claim("j", ClaimValue.Of(Json(1000)))]);
        var overLimit = policy.Evaluate([new Claim("j", ClaimValue.Of(Json(1001)))]);

        Assert.Equal(ClaimValue.Of("998"), Assert.Single(atLimit.IssuedClaims).Value);
        Assert.Empty(overLimit.IssuedClaims);
        Assert.Equal(PolicyErrorCode.JmesPathInputInvalid, Assert.Single(overLimit.Warnings).Code);
    }

    [Fact]
    public void JmesPath_WorstAllowedQueryOnLargestInput_RefusedBeforeItRuns()
    {
        // Growth 16 (the limit) over the largest input (64 Ki): the query's worst case is charged before
        // it starts and is over the budget, so the engine never runs it.
        var query = "[*].[@,@,@,@] | [*].[@,@,@,@]";
        var input = "[" + string.Join(",", Enumerable.Repeat("\"0123456789abcdef0123456789abcdef\"", 1800)) + "]";
        Assert.True(input.Length < PolicyLimits.Default.MaxJsonLength);
        var policy = CaseFiles.Compile(JmesPathPolicy(query));

        var clock = Stopwatch.StartNew();
        var result = policy.Evaluate([new Claim("j", ClaimValue.Of(input))]);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), clock.Elapsed.ToString());
        Assert.Equal(PolicyErrorCode.StepLimitExceeded, result.Failure);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void JmesPath_DeeplyNestedInput_WarnsInsteadOfFailing()
    {
        var deep = new string('[', 5000) + new string(']', 5000);
        var policy = CaseFiles.Compile(JmesPathPolicy("@") + "");
        var result = policy.Evaluate([new Claim("j", ClaimValue.Of(deep))]);
        Assert.Equal(PolicyErrorCode.JmesPathInputInvalid, Assert.Single(result.Warnings).Code);

        var toValue = CaseFiles.Compile(Head + "c:[type==\"j\"] => issue(type=\"r\", value=JsonToClaimValue(c.value));\n" + Tail);
        Assert.Equal(PolicyErrorCode.JsonValueUnsupported, Assert.Single(toValue.Evaluate([new Claim("j", ClaimValue.Of(deep))]).Warnings).Code);
    }

    [Fact]
    public void ClaimsJson_DeeplyNested_IsAnErrorNotACrash()
    {
        var deep = "{\"a\":" + new string('[', 5000) + new string(']', 5000) + "}";
        Assert.False(ClaimsJson.TryReadIncoming(deep, out _, out var error));
        Assert.NotNull(error);
    }
}
