using BenchmarkDotNet.Attributes;
using Vouch.Policy;
using Vouch.Policy.Evaluation;
using Vouch.Policy.Tests.Support;

namespace Vouch.Benchmarks;

/// <summary>
/// Issue 11 item 7: the worst CPU one unauthenticated evaluation can cost. Every policy of the
/// pathological catalogue (<see cref="PathologicalPolicies"/>, shared with <c>PolicyCostTests</c>) over
/// 1 MiB of runtime data and over the largest JSON a function accepts; target: each under 100 ms.
/// Run with <c>PolicyBenchmarks.EvaluateDefaultPolicy</c> as the same-run baseline (docs/performance.md).
/// </summary>
[MemoryDiagnoser]
public class PolicyCostBenchmarks
{
    private AttestationPolicy _policy = null!;
    private Claim[] _claims = null!;

    public static IEnumerable<string> Policies => PathologicalPolicies.Names;

    public static IEnumerable<int> Sizes => [PathologicalPolicies.LargestAccepted, PathologicalPolicies.Mebibyte];

    [ParamsSource(nameof(Policies))]
    public string Policy { get; set; } = "";

    [ParamsSource(nameof(Sizes))]
    public int RuntimeDataSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var entry = PathologicalPolicies.All[Policy];
        _policy = AttestationPolicy.Compile(entry.Policy);
        _claims = entry.Claims(RuntimeDataSize);
    }

    [Benchmark]
    public PolicyEvaluationResult Evaluate() => _policy.Evaluate(_claims);
}
