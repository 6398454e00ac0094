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
    /// Most evaluation steps for one evaluation: one per claim tested against a condition, one per
    /// action fired, one per function call plus one per 256 characters a function reads or writes.
    /// </summary>
    public int MaxEvaluationSteps { get; init; } = 50_000;

    /// <summary>Longest JSON text a JmesPath or JsonToClaimValue call reads, in UTF-16 code units (256 Ki).</summary>
    public int MaxJsonLength { get; init; } = 256 * 1024;

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
