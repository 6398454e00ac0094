using System.Text;
using BenchmarkDotNet.Attributes;
using Vouch.Policy;
using Vouch.Policy.Claims;
using Vouch.Policy.Evaluation;

namespace Vouch.Benchmarks;

/// <summary>
/// Policy evaluation on a compiled policy (compile once, evaluate many): MAA's default SGX policy
/// (target &lt; 5 µs) and a 50-rule policy (target &lt; 50 µs), both over the incoming claims of the
/// recorded debug enclave with their deprecated aliases and Vouch's TCB claims; plus compiling the
/// 50-rule policy for comparison.
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private const string MrSigner = "4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c";
    private const string MrEnclave = "292a1f4b519e46627eb2478a3d9851405653c5b4b0a6925de843834d9216850e";

    private readonly Claim[] _claims = BuildClaims();
    private readonly string _fiftyRuleText = FiftyRules();
    private AttestationPolicy _default = null!;
    private AttestationPolicy _fiftyRules = null!;

    [GlobalSetup]
    public void Setup()
    {
        _default = AttestationPolicy.Compile(DefaultPolicies.Sgx);
        _fiftyRules = AttestationPolicy.Compile(_fiftyRuleText);
        if (!_default.Evaluate(_claims).IsAuthorized || !_fiftyRules.Evaluate(_claims).IsAuthorized)
        {
            throw new InvalidOperationException("benchmark policies must authorise the benchmark claims");
        }
    }

    [Benchmark(Baseline = true)]
    public PolicyEvaluationResult EvaluateDefaultPolicy() => _default.Evaluate(_claims);

    [Benchmark]
    public PolicyEvaluationResult EvaluateFiftyRulePolicy() => _fiftyRules.Evaluate(_claims);

    [Benchmark]
    public AttestationPolicy CompileFiftyRulePolicy() => AttestationPolicy.Compile(_fiftyRuleText);

    private static Claim[] BuildClaims()
    {
        var claims = new List<Claim>
        {
            new(SgxClaimTypes.IsDebuggable, ClaimValue.Of(true)),
            new(SgxClaimTypes.MrEnclave, ClaimValue.Of(MrEnclave)),
            new(SgxClaimTypes.MrSigner, ClaimValue.Of(MrSigner)),
            new(SgxClaimTypes.ProductId, ClaimValue.Of(1)),
            new(SgxClaimTypes.Svn, ClaimValue.Of(1)),
            new(SgxClaimTypes.AttestationType, ClaimValue.Of("sgx")),
            new(SgxClaimTypes.ReportData, ClaimValue.Of(new string('0', 128))),
        };
        claims = [.. SgxClaimTypes.WithDeprecatedAliases(claims)];
        claims.Add(new Claim(VouchClaimTypes.TcbStatus, ClaimValue.Of("SWHardeningNeeded")));
        claims.Add(new Claim(VouchClaimTypes.AdvisoryIds, ClaimValue.Of("INTEL-SA-00334")));
        claims.Add(new Claim(VouchClaimTypes.AdvisoryIds, ClaimValue.Of("INTEL-SA-00615")));
        claims.Add(new Claim(VouchClaimTypes.TcbEvaluationDataNumber, ClaimValue.Of(17)));
        claims.Add(new Claim(VouchClaimTypes.Fmspc, ClaimValue.Of("00906ed50000")));
        claims.Add(new Claim(VouchClaimTypes.CollateralExpired, ClaimValue.Of(false)));
        return [.. claims];
    }

    /// <summary>20 authorization rules (10 deny lists, 10 multi-condition permits) and 30 issuance rules.</summary>
    private static string FiftyRules()
    {
        var text = new StringBuilder("version=1.2;\nauthorizationrules {\n");
        for (var i = 0; i < 10; i++)
        {
            text.Append($"    [type==\"x-ms-sgx-mrenclave\", value==\"{i:x2}{MrEnclave[2..]}\"] => deny();\n");
        }

        for (var i = 0; i < 9; i++)
        {
            text.Append($"    [type==\"x-ms-sgx-mrsigner\", value==\"{i:x2}{MrSigner[2..]}\"] && [type==\"x-ms-sgx-product-id\", value=={i}] && [type==\"x-ms-sgx-svn\", value>=1] => permit();\n");
        }

        text.Append($"    [type==\"x-ms-sgx-mrsigner\", value==\"{MrSigner}\"] && [type==\"x-ms-sgx-svn\", value>=1] && [type==\"x-vouch-tcb-status\", value==\"SWHardeningNeeded\"] && ![type==\"x-vouch-advisory-ids\", value!=\"INTEL-SA-00334\", value!=\"INTEL-SA-00615\"] => permit();\n");
        text.Append("};\nissuancerules {\n");
        string[] sources = [SgxClaimTypes.IsDebuggable, SgxClaimTypes.MrSigner, SgxClaimTypes.MrEnclave, SgxClaimTypes.ProductId, SgxClaimTypes.Svn, SgxClaimTypes.AttestationType];
        for (var i = 0; i < 30; i++)
        {
            var source = sources[i % sources.Length];
            text.Append((i % 3) switch
            {
                0 => $"    c:[type==\"{source}\", issuer==\"AttestationService\"] => issue(type=\"out-{i}\", value=c.value);\n",
                1 => $"    c:[type==\"{source}\"] => add(type=\"tmp-{i}\", value=c.value);\n",
                _ => $"    c:[type==\"tmp-{i - 1}\"] && [type==\"x-ms-sgx-svn\", value>=0] => issue(type=\"copy-{i}\", value=c.value);\n",
            });
        }

        return text.Append("};\n").ToString();
    }
}
