using Vouch.Policy.Syntax;

namespace Vouch.Policy.Tests;

/// <summary>The shape of the syntax tree, and text paired with its canonical printed form.</summary>
public sealed class ParserTests
{
    [Fact]
    public void Parse_DefaultPolicy_BuildsTheExpectedTree()
    {
        Assert.True(PolicyParser.TryParse(DefaultPolicies.Sgx, out var document, out var diagnostics));
        Assert.Empty(diagnostics);
        Assert.Equal(PolicyVersion.Version10, document.Version);
        Assert.Equal([SectionKind.AuthorizationRules, SectionKind.IssuanceRules], document.Sections.Select(s => s.Kind));

        var permit = Assert.Single(document[SectionKind.AuthorizationRules]!.Rules);
        Assert.Empty(permit.Conditions);
        Assert.IsType<PermitAction>(permit.Action);

        var issuance = document[SectionKind.IssuanceRules]!.Rules;
        Assert.Equal(6, issuance.Length);
        var first = issuance[0];
        var condition = Assert.Single(first.Conditions);
        Assert.Equal("c", condition.Binding);
        Assert.False(condition.Negated);
        var test = Assert.Single(condition.Tests);
        Assert.Equal((ClaimProperty.Type, ComparisonOperator.Equal), (test.Property, test.Operator));
        Assert.Equal("x-ms-sgx-is-debuggable", Assert.IsType<StringLiteral>(test.Operand).Value);
        var action = Assert.IsType<ClaimAction>(first.Action);
        Assert.Equal(ClaimActionKind.Issue, action.Kind);
        Assert.Equal("is-debuggable", Assert.IsType<StringLiteral>(action.Type).Value);
        Assert.Equal(new PropertyAccess("c", ClaimProperty.Value, action.Value.Position), action.Value);
    }

    [Fact]
    public void Parse_Positions_AreOneBasedLineAndColumn()
    {
        const string text = "version=1.2;\nauthorizationrules {\n  c:![type==\"a\"] => permit();\n};\nissuancerules { };";
        Assert.True(PolicyParser.TryParse(text, out var document, out _));
        var section = document.Sections[0];
        Assert.Equal(new TextPosition(13, 2, 1), section.Position);
        var rule = Assert.Single(section.Rules);
        Assert.Equal((3, 3), (rule.Position.Line, rule.Position.Column));
        Assert.Equal((3, 7), (rule.Conditions[0].Tests[0].Position.Line, rule.Conditions[0].Tests[0].Position.Column));
        Assert.Equal((3, 21), (rule.Action.Position.Line, rule.Action.Position.Column));
    }

    [Fact]
    public void Parse_NegatedBoundCondition_ParsesButDoesNotCompile()
    {
        const string text = "version=1.2; authorizationrules { c:![type==\"a\"] => permit(); }; issuancerules { };";
        Assert.True(PolicyParser.TryParse(text, out var document, out _));
        Assert.True(document.Sections[0].Rules[0].Conditions[0] is { Binding: "c", Negated: true });
        Assert.False(AttestationPolicy.TryCompile(text, out _, out var diagnostics));
        Assert.Equal(PolicyErrorCode.NegatedConditionBinds, Assert.Single(diagnostics).Code);
    }

    [Fact]
    public void Parse_ByteOrderMark_IsIgnored()
    {
        Assert.True(PolicyParser.TryParse("\uFEFF" + DefaultPolicies.Sgx, out _, out var diagnostics));
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Parse_CopyClaimAndAllLiteralKinds_Recognised()
    {
        const string text = "version=1.2; authorizationrules { => permit(); }; issuancerules { c:[type==\"a\", value>=-5, value!=0x1F, value==true] => add(claim=c); => issueproperty(value=f(\"s\", 1, false), type=\"p\"); };";
        Assert.True(PolicyParser.TryParse(text, out var document, out var diagnostics), string.Join("\n", diagnostics));
        var rules = document[SectionKind.IssuanceRules]!.Rules;
        var tests = rules[0].Conditions[0].Tests;
        Assert.Equal(-5, Assert.IsType<IntegerLiteral>(tests[1].Operand).Value);
        Assert.Equal(31, Assert.IsType<IntegerLiteral>(tests[2].Operand).Value);
        Assert.True(Assert.IsType<BooleanLiteral>(tests[3].Operand).Value);
        Assert.Equal(new CopyClaimAction(ClaimActionKind.Add, "c", rules[0].Action.Position), rules[0].Action);
        var property = Assert.IsType<ClaimAction>(rules[1].Action);
        Assert.Equal(ClaimActionKind.IssueProperty, property.Kind);
        var call = Assert.IsType<FunctionCall>(property.Value);
        Assert.Equal("f", call.Name);
        Assert.Equal(3, call.Arguments.Length);
    }

    [Theory]
    [InlineData(DefaultPolicies.Sgx, "version=1.0;\nauthorizationrules {\n    => permit();\n};\nissuancerules {\n    c:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);\n    c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);\n    c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);\n    c:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);\n    c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);\n    c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);\n};\n")]
    [InlineData("VERSION = 1.1 ; ConfigurationRules{};AuthorizationRules{ [ Type == \"a\" , Value >= 0x10 ] && ! [ ISSUER != \"x\" ] => Deny ( ) ; } ; IssuanceRules{ c : [ ] => ADD ( claim = c ) ; } ;",
        "version=1.1;\nconfigurationrules {\n};\nauthorizationrules {\n    [type==\"a\", value>=16] && ![issuer!=\"x\"] => deny();\n};\nissuancerules {\n    c:[] => add(claim=c);\n};\n")]
    [InlineData("version=1.2;authorizationrules{=>permit();};issuancerules{=>issue(value=AppendString(\"a\\\"b\\\\\", \"\"),type=\"t\");};",
        "version=1.2;\nauthorizationrules {\n    => permit();\n};\nissuancerules {\n    => issue(type=\"t\", value=AppendString(\"a\\\"b\\\\\", \"\"));\n};\n")]
    public void Print_ParsedText_IsCanonical(string text, string printed)
    {
        Assert.True(PolicyParser.TryParse(text, out var document, out var diagnostics), string.Join("\n", diagnostics));
        Assert.Equal(printed, PolicyPrinter.Print(document));
    }
}
