using System.Collections.Immutable;
using Vouch.Policy.Syntax;

namespace Vouch.Policy.Evaluation;

/// <summary>
/// Thrown inside the evaluator when evaluation must stop unauthorised (the step budget ran out, a
/// reserved claim type was issued); never escapes it.
/// </summary>
internal sealed class EvaluationStoppedException(PolicyErrorCode code, string reason) : Exception(reason)
{
    public PolicyErrorCode Code { get; } = code;
}

/// <summary>The mutable state of one evaluation: claim set, bindings, step budget, outputs.</summary>
internal sealed class EvaluationContext
{
    private readonly PolicyLimits _limits;
    private List<PolicyDiagnostic>? _warnings;

    public EvaluationContext(PolicyLimits limits, ReservedClaimTypes? reserved, int slots, bool trace)
    {
        _limits = limits;
        Reserved = reserved;
        Slots = new Claim[Math.Max(slots, 1)];
        Trace = trace ? [] : null;
    }

    public PolicyLimits Limits => _limits;

    /// <summary>The claim types issue must not produce, or null.</summary>
    public ReservedClaimTypes? Reserved { get; }

    /// <summary>The claim set: incoming claims, then every claim rules added, issued or set as properties.</summary>
    public List<Claim> Claims { get; } = [];

    /// <summary>How many claims of <see cref="Claims"/> the current rule can see (those present when it started).</summary>
    public int Visible { get; set; }

    public Claim[] Slots { get; }

    public List<Claim>? Issued { get; set; }

    public List<Claim>? Properties { get; set; }

    public List<RuleFiring>? Trace { get; }

    public int Steps { get; private set; }

    public bool Permitted { get; set; }

    public bool Denied { get; set; }

    /// <summary>Counts <paramref name="count"/> steps; past the budget, stops the evaluation.</summary>
    public void Step(int count = 1)
    {
        Steps += count;
        if (Steps > _limits.MaxEvaluationSteps)
        {
            throw new EvaluationStoppedException(PolicyErrorCode.StepLimitExceeded, $"policy evaluation took more than {_limits.MaxEvaluationSteps} steps and was stopped");
        }
    }

    public void Warn(PolicyErrorCode code, string message, TextPosition at)
    {
        _warnings ??= [];
        if (_warnings.Count < _limits.MaxDiagnostics)
        {
            _warnings.Add(new PolicyDiagnostic(code, message, at.Line, at.Column));
        }
    }

    public ImmutableArray<PolicyDiagnostic> Warnings => _warnings is null ? [] : [.. _warnings];
}
