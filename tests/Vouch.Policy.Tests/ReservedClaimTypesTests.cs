using Vouch.Policy.Evaluation;

namespace Vouch.Policy.Tests;

/// <summary>
/// A policy cannot issue a claim the service owns, under any spelling: the names and prefixes come from
/// the service as data, the one comparison (NFKC, case-insensitive, default-ignorables refused) lives in
/// <see cref="ReservedClaimTypes"/>, and both compiling (ATT6035) and evaluating (ATT6109) apply it.
/// </summary>
public sealed class ReservedClaimTypesTests
{
    private static readonly ReservedClaimTypes Service = new()
    {
        Names = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf", "kid", "nonce"],
        Prefixes = ["x-ms-", "x-vouch-"],
    };

    private const string Head = "version=1.2;\nauthorizationrules { => permit(); };\nissuancerules {\n";

    [Theory]
    [InlineData("iss")]
    [InlineData("ISS")]
    [InlineData("Nonce")]
    [InlineData("cnf")]
    [InlineData("kid")]
    [InlineData("x-ms-sgx-mrsigner")]
    [InlineData("X-MS-POLICY-HASH")]
    [InlineData("x-Ms-anything-new")]
    [InlineData("x-vouch-tcb-status")]
    [InlineData("X-Vouch-Trust-Anchor")]
    [InlineData("\uFF49\uFF53\uFF53")] // fullwidth "iss"
    [InlineData("\uFF58\uFF0D\uFF4D\uFF53\uFF0D\uFF53\uFF47\uFF58")] // fullwidth "x-ms-sgx"
    [InlineData("\u0131ss")] // dotless i
    [InlineData("\u017Fub")] // long s: NFKC makes it "sub"
    [InlineData("\u212Aid")] // Kelvin sign: NFKC makes it "Kid"
    [InlineData("\u24D8\u24E2\u24E2")] // circled "iss"
    [InlineData("\U0001D422ss")] // mathematical bold i
    [InlineData("i\u00DF")] // sharp s case-folds to "ss"
    [InlineData("i\u200Bss")] // zero-width space
    [InlineData("x-\u200Dms-sgx-mrsigner")] // zero-width joiner
    [InlineData("my\u200Cclaim")] // zero-width non-joiner in a name that is otherwise free
    [InlineData("claim\u00AD")] // soft hyphen
    [InlineData("claim\uFEFF")] // byte order mark
    [InlineData("claim\u202E")] // right-to-left override
    [InlineData("claim\uDB40\uDC01")] // a tag character (U+E0001)
    public void Refuses_ServiceNames_InAnySpelling(string type)
    {
        Assert.True(Service.Refuses(type));
    }

    [Theory]
    [InlineData("issuer")]
    [InlineData("is-debuggable")]
    [InlineData("sgx-mrsigner")]
    [InlineData("x-msfoo")]
    [InlineData("x_ms_foo")]
    [InlineData("ms-x-")]
    [InlineData("\uFF43\uFF55\uFF53\uFF54\uFF4F\uFF4D")] // fullwidth "custom"
    [InlineData("caf\u00E9")]
    [InlineData("\uFB01rst-x-ms-")] // "first-x-ms-": the prefix is not at the start
    [InlineData("\U0001F600")]
    public void Allows_OtherNames(string type)
    {
        Assert.False(Service.Refuses(type));
    }

    [Fact]
    public void Refuses_LoneSurrogates()
    {
        Assert.True(Service.Refuses("bad" + '\uD800'));
        Assert.True(Service.Refuses('\uDC00' + "x"));
    }

    [Fact]
    public void ServiceNames_AreFoldedToo_AndInvisibleOnesRefused()
    {
        var fullwidth = new ReservedClaimTypes { Names = ["\uFF49\uFF53\uFF53"] };
        Assert.True(fullwidth.Refuses("ISS"));
        Assert.Throws<ArgumentException>(() => new ReservedClaimTypes { Prefixes = ["x\u200B"] });
    }

    private static PolicyErrorCode[] Codes(string issuance, ReservedClaimTypes? reserved)
    {
        AttestationPolicy.TryCompile(Head + issuance + "\n};\n", out _, out var diagnostics, reserved: reserved);
        return [.. diagnostics.Select(d => d.Code)];
    }

    [Theory]
    [InlineData("=> issue(type=\"x-ms-sgx-mrsigner\", value=\"forged\");")]
    [InlineData("=> issue(type=\"ISS\", value=\"https://elsewhere\");")]
    [InlineData("=> issue(type=\"\uFF58\uFF0D\uFF56\uFF4F\uFF55\uFF43\uFF48\uFF0D\uFF54\uFF43\uFF42\uFF0D\uFF53\uFF54\uFF41\uFF54\uFF55\uFF53\", value=\"UpToDate\");")]
    [InlineData("=> issue(type=\"no\u200Dnce\", value=\"n\");")]
    [InlineData("c:[type==\"x-vouch-tcb-status\"] => issue(claim=c);")]
    [InlineData("c:[type==\"a\"] && d:[type==\"X-MS-SGX-SVN\"] => issue(claim=d);")]
    public void Compile_IssueOfReservedType_RefusedWithItsCode(string rule)
    {
        Assert.Equal([PolicyErrorCode.ReservedClaimType], Codes(rule, Service));
        Assert.Empty(Codes(rule, reserved: null));
    }

    [Fact]
    public void Compile_Diagnostic_PointsAtTheType()
    {
        AttestationPolicy.TryCompile(Head + "    => issue(type=\"nonce\", value=1);\n};\n", out _, out var diagnostics, reserved: Service);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal((PolicyErrorCode.ReservedClaimType, 4, 19), (diagnostic.Code, diagnostic.Line, diagnostic.Column));
    }

    [Theory]
    [InlineData("c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"signer\", value=c.value);")]
    [InlineData("c:[type==\"x-ms-sgx-mrsigner\"] => add(claim=c);")]
    [InlineData("=> add(type=\"x-ms-note\", value=1);")]
    [InlineData("=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"17\");")]
    [InlineData("=> issue(type=\"issuer\", value=1);")]
    public void Compile_OtherActionsAndFreeNames_Compile(string rule)
    {
        Assert.Empty(Codes(rule, Service));
    }

    private static readonly Claim[] Incoming =
    [
        new("t", ClaimValue.Of("x-ms-sgx-mrsigner")),
        new("json", ClaimValue.Of("{\"name\": \"\\uff49\\uff53\\uff53\", \"zw\": \"x-\\u200dvouch-fmspc\"}")),
    ];

    [Theory]
    [InlineData("c:[type==\"t\"] => issue(type=c.value, value=\"forged\");")]
    [InlineData("c:[type==\"json\"] => issue(type=JsonToClaimValue(JmesPath(c.value, \"name\")), value=1);")]
    [InlineData("c:[type==\"json\"] => issue(type=JmesPath(c.value, \"zw\"), value=1);")]
    [InlineData("c:[type==\"t\"] => issue(type=AppendString(\"X-\", \"MS-SGX-MRENCLAVE\"), value=c.value);")]
    public void Evaluate_ComputedReservedType_StopsUnauthorisedAndIssuesNothing(string rule)
    {
        var policy = AttestationPolicy.Compile(Head + "    => issue(type=\"before\", value=1);\n    " + rule + "\n};\n", reserved: Service);

        var result = policy.Evaluate(Incoming);

        Assert.False(result.IsAuthorized);
        Assert.Equal(PolicyErrorCode.ReservedClaimIssued, result.Failure);
        Assert.Empty(result.IssuedClaims);
    }

    [Fact]
    public void Evaluate_OptionsRuleApplies_ToAPolicyCompiledWithoutOne()
    {
        var policy = AttestationPolicy.Compile(Head + "    c:[type==\"t\"] => issue(claim=c);\n    c:[type==\"t\"] => issue(type=c.value, value=1);\n};\n");
        Assert.True(policy.Evaluate(Incoming).IsAuthorized);

        var result = policy.Evaluate(Incoming, new PolicyEvaluationOptions { ReservedClaimTypes = Service });

        Assert.Equal(PolicyErrorCode.ReservedClaimIssued, result.Failure);
    }

    [Fact]
    public void Evaluate_ComputedFreeType_IsIssued()
    {
        var policy = AttestationPolicy.Compile(Head + "    c:[type==\"t\"] => issue(type=AppendString(\"copy-\", c.value), value=1);\n    c:[type==\"t\"] => issueproperty(type=c.value, value=1);\n};\n", reserved: Service);

        var result = policy.Evaluate(Incoming);

        Assert.True(result.IsAuthorized);
        Assert.Equal("copy-x-ms-sgx-mrsigner", Assert.Single(result.IssuedClaims).Type);
    }
}
