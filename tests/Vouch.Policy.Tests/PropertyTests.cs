using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Vouch.Policy.Evaluation;
using Vouch.Policy.Syntax;

namespace Vouch.Policy.Tests;

/// <summary>Properties over generated input: compiling and evaluating never throw; printing round-trips.</summary>
public sealed class PropertyTests
{
    private static readonly string[] Pieces =
    [
        "version", "=", "1.0", "1.2", ";", "authorizationrules", "issuancerules", "configurationrules", "{", "}",
        "[", "]", "(", ")", "c", ":", "!", "&&", "=>", "==", "!=", "<", ">=", "type", "value", "issuer", "valueType",
        "\"x\"", "\"a\\\"b\"", "\"", "1", "-", "0x", "true", "permit", "deny", "issue", "add", "issueproperty", "claim",
        ",", ".", "JmesPath", "NegateBool", "//", "\n", " ", "#", "1.5",
    ];

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public void TryCompile_TokenSoup_NeverThrowsAndPositionsAreValid(int[] picks)
    {
        var text = new StringBuilder();
        foreach (var pick in picks ?? [])
        {
            text.Append(Pieces[Math.Abs(pick % Pieces.Length)]);
        }

        AssertCompilesOrDiagnoses(text.ToString());
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public void TryCompile_ArbitraryText_NeverThrows(string text) => AssertCompilesOrDiagnoses(text ?? "");

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public void TryCompile_DefaultPolicyWithOneCharacterRemoved_NeverThrows(PositiveInt at)
    {
        var index = at.Get % DefaultPolicies.Sgx.Length;
        AssertCompilesOrDiagnoses(DefaultPolicies.Sgx.Remove(index, 1));
    }

    private static void AssertCompilesOrDiagnoses(string text)
    {
        var lines = text.Split('\n').Length;
        if (AttestationPolicy.TryCompile(text, out var policy, out var diagnostics))
        {
            Assert.Empty(diagnostics);
            policy.Evaluate([]);
            return;
        }

        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d =>
        {
            Assert.InRange(d.Line, 1, lines);
            Assert.True(d.Column >= 1);
            Assert.True(Enum.IsDefined(d.Code));
        });
    }

    private const string OddClaimsPolicy = """
        version=1.2;
        authorizationrules {
            [type=="n", value>=1] && [type=="s", value!="x"] => permit();
            c:[type=="b"] && ![type=="b", value==NegateBool(c.value)] => permit();
            => add(type="j", value=JmesPath("{\"a\":[1,2]}", "a"));
        };
        issuancerules {
            c:[] => issue(claim=c);
            c:[] && d:[] => add(type="pair", value=AppendString(c.value, d.value));
            c:[] => issue(type="json", value=JsonToClaimValue(c.value));
            c:[] => issue(type="query", value=JmesPath(c.value, "a[0].b || length(@)"));
            c:[] && d:[] => issue(type="subset", value=IsSubsetOf(c.value, JsonToClaimValue(d.value)));
            c:[] && d:[] => issue(type="only", value=ContainsOnlyValue(c.value, d.value));
            c:[] => issue(type=c.value, value=NegateBool(c.value));
        };
        """;

    private static readonly AttestationPolicy OddClaims = AttestationPolicy.Compile(OddClaimsPolicy);

    private static readonly Gen<ClaimValue> Values = Gen.OneOf(
        ArbMap.Default.GeneratorFor<long>().Select(v => ClaimValue.Of(v)),
        ArbMap.Default.GeneratorFor<bool>().Select(v => ClaimValue.Of(v)),
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null).Select(v => ClaimValue.Of(v)),
        Gen.Elements("{\"a\":[{\"b\":1}]}", "[1,2,3]", "[\"x\",true]", "null", "1.5", "{", "[[1]]", "\"q\"").Select(v => ClaimValue.Of(v)),
        Gen.Elements("x", "n", "s", "b").Select(v => ClaimValue.Of(v)));

    private static readonly Gen<Claim> Claims = Gen.Elements("n", "s", "b", "j", "x")
        .SelectMany(type => Values.Select(value => new Claim(type, value)));

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property Evaluate_OddClaims_NeverThrows() =>
        Prop.ForAll(Gen.ListOf(Claims).Select(l => l.Take(4).ToArray()).ToArbitrary(), claims =>
        {
            var result = OddClaims.Evaluate(claims, new PolicyEvaluationOptions { Trace = true });
            Assert.NotNull(result.Reason);
        });

    [Fact]
    public void Print_GeneratedTrees_RoundTrip()
    {
        var random = new Random(20260529);
        for (var i = 0; i < 500; i++)
        {
            var document = RandomDocument(random);
            var printed = PolicyPrinter.Print(document);
            Assert.True(PolicyParser.TryParse(printed, out var reparsed, out var diagnostics), printed + "\n" + string.Join("\n", diagnostics));
            Assert.Equal(printed, PolicyPrinter.Print(reparsed));
        }
    }

    private static PolicyDocument RandomDocument(Random random)
    {
        var at = TextPosition.Start;
        Expression RandomExpression(int depth, string[] bound) => random.Next(depth > 2 ? 4 : 5) switch
        {
            0 => new StringLiteral(new string([.. Enumerable.Range(0, random.Next(6)).Select(_ => "ab\"\\ -é/"[random.Next(8)])]), at),
            1 => new IntegerLiteral(random.NextInt64(long.MinValue, long.MaxValue), at),
            2 => new BooleanLiteral(random.Next(2) == 0, at),
            3 when bound.Length > 0 => new PropertyAccess(bound[random.Next(bound.Length)], (ClaimProperty)random.Next(3), at),
            3 => new StringLiteral("t", at),
            _ => new FunctionCall("F" + random.Next(3), [.. Enumerable.Range(0, random.Next(3)).Select(_ => RandomExpression(depth + 1, bound))], at),
        };

        Rule RandomRule(int index)
        {
            var bound = new List<string>();
            var conditions = new List<Condition>();
            for (var c = random.Next(4); c > 0; c--)
            {
                var tests = Enumerable.Range(0, random.Next(3))
                    .Select(_ => new PropertyTest((ClaimProperty)random.Next(4), (ComparisonOperator)random.Next(6), RandomExpression(0, [.. bound]), at))
                    .ToArray();
                string? name = random.Next(2) == 0 ? "c" + index + "_" + c : null;
                conditions.Add(new Condition(name, random.Next(3) == 0, [.. tests], at));
                if (name is not null)
                {
                    bound.Add(name);
                }
            }

            PolicyAction action = random.Next(5) switch
            {
                0 => new PermitAction(at),
                1 => new DenyAction(at),
                2 when bound.Count > 0 => new CopyClaimAction((ClaimActionKind)random.Next(3), bound[0], at),
                _ => new ClaimAction((ClaimActionKind)random.Next(3), RandomExpression(0, [.. bound]), RandomExpression(0, [.. bound]), at),
            };
            return new Rule([.. conditions], action, at);
        }

        var sections = Enum.GetValues<SectionKind>()
            .Where(_ => random.Next(4) > 0)
            .Select(kind => new Section(kind, [.. Enumerable.Range(0, random.Next(4)).Select(RandomRule)], at));
        return new PolicyDocument((PolicyVersion)random.Next(3), [.. sections]);
    }
}
