namespace Vouch.Policy;

/// <summary>
/// Bounds that keep a hostile policy from hanging or exhausting the service. Each limit refuses
/// the policy at compile time (60xx) or stops evaluation (<see cref="PolicyErrorCode.StepLimitExceeded"/>).
/// </summary>
public sealed record PolicyLimits
{
    /// <summary>The limits Vouch applies unless told otherwise.</summary>
    public static PolicyLimits Default { get; } = new();

    /// <summary>Longest accepted policy text, in UTF-16 code units (128 Ki).</summary>
    public int MaxPolicyLength { get; init; } = 128 * 1024;

    /// <summary>Most rules in all sections together.</summary>
    public int MaxRules { get; init; } = 1000;

    /// <summary>Most conditions joined by <c>&amp;&amp;</c> in one rule.</summary>
    public int MaxConditionsPerRule { get; init; } = 32;

    /// <summary>Deepest nesting of function calls inside one expression.</summary>
    public int MaxNestingDepth { get; init; } = 16;

    /// <summary>Longest string literal and longest string a function may compute, in UTF-16 code units.</summary>
    public int MaxStringLength { get; init; } = 16 * 1024;

    /// <summary>Most diagnostics reported for one text; one more says the rest were dropped.</summary>
    public int MaxDiagnostics { get; init; } = 100;

    /// <summary>
    /// Most evaluation steps for one evaluation, the hard budget of its CPU time (a step is at most
    /// about a microsecond): one per claim tested against a condition, one per action fired, one per
    /// function call, plus what the call's work costs by the bytes, nodes and set members it will
    /// visit, charged before it starts (JSON text parsed once per evaluation at 4 characters a step;
    /// a JMESPath query one step per input node per query node per unit of growth, times log2 of the
    /// input for a sort, or its node count for a path; output 16 characters a step; set members 4 a
    /// step).
    /// </summary>
    public int MaxEvaluationSteps { get; init; } = 50_000;

    /// <summary>Longest JSON text a JmesPath or JsonToClaimValue call reads or a JmesPath call returns, in UTF-16 code units (64 Ki).</summary>
    public int MaxJsonLength { get; init; } = 64 * 1024;

    /// <summary>Longest JMESPath query text.</summary>
    public int MaxJmesPathLength { get; init; } = 2048;

    /// <summary>Most nodes in one parsed JMESPath query.</summary>
    public int MaxJmesPathNodes { get; init; } = 256;

    /// <summary>Deepest bracket nesting in one JMESPath query.</summary>
    public int MaxJmesPathNesting { get; init; } = 16;

    /// <summary>
    /// Largest worst-case factor by which a JMESPath query's output can exceed its input (the product
    /// of the widths of its multi-select lists, multi-select hashes and function calls).
    /// </summary>
    public int MaxJmesPathGrowth { get; init; } = 16;
}
