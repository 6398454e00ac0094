using System.Collections.Immutable;
using Vouch.Policy.Syntax;

namespace Vouch.Policy.Evaluation;

/// <summary>Thrown inside the evaluator when the step budget runs out; never escapes it.</summary>
internal sealed class StepLimitExceededException : Exception;

/// <summary>The mutable state of one evaluation: claim set, bindings, step budget, outputs.</summary>
internal sealed class EvaluationContext
{
    private readonly PolicyLimits _limits;
    private List<PolicyDiagnostic>? _warnings;

    public EvaluationContext(PolicyLimits limits, int slots, bool trace)
    {
        _limits = limits;
        Slots = new Claim[Math.Max(slots, 1)];
        Trace = trace ? [] : null;
    }

    public PolicyLimits Limits => _limits;

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
            throw new StepLimitExceededException();
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
