using System.Collections.Immutable;
using Newtonsoft.Json.Linq;
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
    private long _steps;

    // JSON inputs parsed in this evaluation, by string instance: a claim's value is one instance however
    // often rules read it, so each is parsed (and charged) once. A computed string is a new instance and
    // is parsed again, but its length was charged when it was made.
    private Dictionary<string, JmesPathInput>? _jmesPathInputs;
    private Dictionary<string, ConvertedJson>? _claimValues;

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

    public int Steps => (int)Math.Min(_steps, int.MaxValue);

    public bool Permitted { get; set; }

    public bool Denied { get; set; }

    /// <summary>Counts <paramref name="count"/> steps; past the budget, stops the evaluation.</summary>
    public void Step(long count = 1)
    {
        _steps += count;
        if (_steps > _limits.MaxEvaluationSteps)
        {
            throw new EvaluationStoppedException(PolicyErrorCode.StepLimitExceeded, $"policy evaluation took more than {_limits.MaxEvaluationSteps} steps and was stopped");
        }
    }

    /// <summary>The parse of <paramref name="text"/> for JmesPath earlier in this evaluation, if any.</summary>
    public bool TryGetJmesPathInput(string text, out JmesPathInput input) =>
        (_jmesPathInputs ??= new(ReferenceEqualityComparer.Instance)).TryGetValue(text, out input!);

    public void AddJmesPathInput(string text, JmesPathInput input) => _jmesPathInputs![text] = input;

    /// <summary>The JsonToClaimValue result of <paramref name="text"/> earlier in this evaluation, if any.</summary>
    public bool TryGetClaimValue(string text, out ConvertedJson converted) =>
        (_claimValues ??= new(ReferenceEqualityComparer.Instance)).TryGetValue(text, out converted!);

    public void AddClaimValue(string text, ConvertedJson converted) => _claimValues![text] = converted;

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

/// <summary>A JmesPath input parsed once per evaluation: the token (null when the text is not JSON) and its <see cref="EvaluationCost.Size(long, long)"/>.</summary>
internal sealed record JmesPathInput(JToken? Token, long Size);
