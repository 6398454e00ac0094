using System.Text;
using Vouch.Policy.Claims;
using Vouch.Policy.Evaluation;
using Vouch.Policy.Syntax;
using Vouch.Policy.Tests.Support;

namespace Vouch.Policy.Tests;

/// <summary>The public helpers around the language: hashes, JWS, claim JSON, tracing, compile-once.</summary>
public sealed class ApiTests
{
    [Fact]
    public void PolicyHash_StringAndBytes_Agree()
    {
        const string text = "version=1.0; authorizationrules{=> permit();}; issuancerules{ => issue(type=\"é\", value=1);};";
        Assert.Equal(PolicyHash.Compute(text), PolicyHash.Compute(Encoding.UTF8.GetBytes(text)));
        Assert.NotEqual(PolicyHash.Compute(text), PolicyHash.Compute(text + " "));
        Assert.DoesNotContain('=', PolicyHash.Compute(text));
    }

    [Fact]
    public void PolicyJws_Unsigned_RoundTripsText()
    {
        const string text = "version=1.2;\nauthorizationrules { => permit(); };\nissuancerules { };\n";
        var jws = PolicyJws.CreateUnsigned(text);
        Assert.StartsWith("eyJhbGciOiJub25lIn0.", jws, StringComparison.Ordinal);
        Assert.EndsWith(".", jws, StringComparison.Ordinal);
        Assert.True(PolicyJws.TryReadPolicyText(jws, out var back));
        Assert.Equal(text, back);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("eyJhbGciOiJub25lIn0.!!!.")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJhIjoxfQ.")]
    [InlineData("eyJhbGciOiJub25lIn0.WzFd.")]
    public void PolicyJws_Malformed_HasNoPolicyText(string jws) => Assert.False(PolicyJws.TryReadPolicyText(jws, out _));

    [Fact]
    public void ClaimsJson_ReadsEveryValueKind()
    {
        Assert.True(ClaimsJson.TryReadIncoming("{\"s\":\"x\",\"i\":-3,\"b\":true,\"many\":[1,\"two\"],\"obj\":{\"k\":[1]},\"nested\":[[1,2]]}", out var claims, out _));
        Assert.Equal(
            [
                new Claim("s", ClaimValue.Of("x")), new Claim("i", ClaimValue.Of(-3)), new Claim("b", ClaimValue.Of(true)),
                new Claim("many", ClaimValue.Of(1)), new Claim("many", ClaimValue.Of("two")),
                new Claim("obj", ClaimValue.Of("{\"k\":[1]}")), new Claim("nested", ClaimValue.Of("[1,2]")),
            ],
            claims);
        Assert.All(claims, c => Assert.Equal(ClaimIssuers.AttestationService, c.Issuer));
    }

    [Fact]
    public void ClaimsJson_ByteOrderMark_IsIgnored()
    {
        Assert.True(ClaimsJson.TryReadIncoming("\uFEFF{\"a\":1}", out var claims, out _));
        Assert.Equal([new Claim("a", ClaimValue.Of(1))], claims);
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("{\"a\":null}")]
    [InlineData("{\"a\":1.5}")]
    [InlineData("{\"a\":[null]}")]
    [InlineData("{\"a\":18446744073709551616}")]
    [InlineData("not json")]
    public void ClaimsJson_Unsupported_IsAnError(string json)
    {
        Assert.False(ClaimsJson.TryReadIncoming(json, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void ClaimsJson_Write_GroupsRepeatedTypes()
    {
        var json = ClaimsJson.Write([new Claim("a", ClaimValue.Of(1)), new Claim("b", new SetClaimValue([ClaimValue.Of("x")])), new Claim("a", ClaimValue.Of(2))]);
        Assert.Equal("{\"a\":[1,2],\"b\":[\"x\"]}", json.ToJsonString());
    }

    [Fact]
    public void SgxClaimTypes_WithDeprecatedAliases_AddsTheDollarNames()
    {
        var claims = SgxClaimTypes.WithDeprecatedAliases([new Claim(SgxClaimTypes.Svn, ClaimValue.Of(2)), new Claim(SgxClaimTypes.ReportData, ClaimValue.Of("00"))]);
        Assert.Equal(
            [new Claim("x-ms-sgx-svn", ClaimValue.Of(2)), new Claim("$svn", ClaimValue.Of(2)), new Claim("x-ms-sgx-report-data", ClaimValue.Of("00"))],
            claims);
    }

    [Fact]
    public void Evaluate_WithTrace_RecordsEveryFiring()
    {
        var policy = AttestationPolicy.Compile(DefaultPolicies.Sgx);
        var result = policy.Evaluate(
            [new Claim(SgxClaimTypes.Svn, ClaimValue.Of(3)), new Claim(SgxClaimTypes.AttestationType, ClaimValue.Of("sgx"))],
            new PolicyEvaluationOptions { Trace = true });

        Assert.Equal(
            [
                new RuleFiring(SectionKind.AuthorizationRules, 1, 1, 33, "permit", null),
                new RuleFiring(SectionKind.IssuanceRules, 5, 1, 369, "issue", new Claim("svn", ClaimValue.Of(3), ClaimIssuers.AttestationPolicy)),
                new RuleFiring(SectionKind.IssuanceRules, 6, 1, 430, "issue", new Claim("tee", ClaimValue.Of("sgx"), ClaimIssuers.AttestationPolicy)),
            ],
            result.Trace);
        Assert.Empty(policy.Evaluate([]).Trace);
    }

    [Fact]
    public void Evaluate_SameCompiledPolicyConcurrently_GivesTheSameResults()
    {
        var policy = CaseFiles.Compile("version=1.2; authorizationrules { => permit(); }; issuancerules { c:[type==\"j\"] => issue(type=\"r\", value=JmesPath(c.value, \"sort_by(items, &k)[*].v\")); };");
        var claims = Enumerable.Range(0, 64)
            .Select(i => new[] { new Claim("j", ClaimValue.Of($"{{\"items\":[{{\"k\":{i % 7},\"v\":{i}}},{{\"k\":{i % 3},\"v\":-{i}}}]}}")) })
            .ToArray();
        var expected = claims.Select(c => CaseFiles.Json(policy.Evaluate(c).IssuedClaims)).ToArray();

        var actual = new string[claims.Length];
        Parallel.For(0, claims.Length * 20, i => actual[i % claims.Length] = CaseFiles.Json(policy.Evaluate(claims[i % claims.Length]).IssuedClaims));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Compile_Failure_ThrowsWithDiagnostics()
    {
        var e = Assert.Throws<PolicyCompilationException>(() => AttestationPolicy.Compile("version=9.9;"));
        Assert.Contains(e.Diagnostics, d => d.Code == PolicyErrorCode.UnsupportedVersion);
    }

    [Fact]
    public void Compile_RuleCountsAndVersion_Reported()
    {
        var policy = AttestationPolicy.Compile(DefaultPolicies.Sgx);
        Assert.Equal(PolicyVersion.Version10, policy.Version);
        Assert.Equal((0, 1, 6), (policy.RuleCount(SectionKind.ConfigurationRules), policy.RuleCount(SectionKind.AuthorizationRules), policy.RuleCount(SectionKind.IssuanceRules)));
    }

    [Fact]
    public void Evaluate_PropertyClaim_LastValueWins()
    {
        var policy = AttestationPolicy.Compile("version=1.1; configurationrules { => issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"10\"); => issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"azuredefault\"); }; authorizationrules { => permit(); }; issuancerules { };");
        var result = policy.Evaluate([]);
        Assert.Equal(ClaimValue.Of("azuredefault"), result.GetProperty(SgxClaimTypes.TcbIdentifierProperty));
        Assert.Null(result.GetProperty("absent"));
        Assert.Empty(result.IssuedClaims);
    }

    [Fact]
    public void ErrorCodes_FormatAndParse_RoundTrip()
    {
        foreach (var code in Enum.GetValues<PolicyErrorCode>())
        {
            var text = code.Format();
            Assert.Matches("^ATT6[01][0-9]{2}$", text);
            Assert.True(PolicyErrorCodes.TryParse(text, out var back));
            Assert.Equal(code, back);
        }

        Assert.False(PolicyErrorCodes.TryParse("ATT9999", out _));
        Assert.False(PolicyErrorCodes.TryParse(null, out _));
    }

    [Fact]
    public void ErrorCatalogue_EveryCode_HasItsAnchor()
    {
        var catalogue = File.ReadAllText(Path.Combine(Vouch.Tests.Shared.TestVectors.RepositoryRoot, "docs", "errors.md"));
        Assert.Contains("## Policy (6xxx)", catalogue, StringComparison.Ordinal);
        foreach (var code in Enum.GetValues<PolicyErrorCode>())
        {
            Assert.Contains($"### {code.Format()}\n\n`{code}`", catalogue, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Diagnostic_ToString_IsFileLineColumnCodeMessage()
    {
        var diagnostic = new PolicyDiagnostic(PolicyErrorCode.UnexpectedToken, "m", 3, 7);
        Assert.Equal("p.txt:3:7: ATT6006: m", diagnostic.ToString("p.txt"));
    }

    [Fact]
    public void SetClaimValue_NestedSet_Refused()
    {
        Assert.Throws<ArgumentException>(() => new SetClaimValue([new SetClaimValue([])]));
        Assert.Equal(new SetClaimValue([ClaimValue.Of(1)]), new SetClaimValue([ClaimValue.Of(1)]));
    }
}
