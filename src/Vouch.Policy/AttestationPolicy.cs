using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Vouch.Policy.Evaluation;
using Vouch.Policy.Semantics;
using Vouch.Policy.Syntax;

namespace Vouch.Policy;

/// <summary>
/// A compiled attestation policy: parsed, checked and bound once, then evaluated any number of times
/// (also concurrently) against claim sets.
/// </summary>
public sealed class AttestationPolicy
{
    private readonly BoundPolicy _bound;
    private string? _hash;

    private AttestationPolicy(string text, PolicyDocument document, BoundPolicy bound, PolicyLimits limits, ReservedClaimTypes? reserved)
    {
        Text = text;
        Document = document;
        _bound = bound;
        Limits = limits;
        ReservedClaimTypes = reserved;
    }

    /// <summary>The policy text exactly as given.</summary>
    public string Text { get; }

    /// <summary>The syntax tree.</summary>
    public PolicyDocument Document { get; }

    /// <summary>The limits it was compiled with, which also bound its evaluation.</summary>
    public PolicyLimits Limits { get; }

    /// <summary>
    /// The claim types it was compiled not to issue (null: any), which evaluation also refuses unless
    /// <see cref="PolicyEvaluationOptions.ReservedClaimTypes"/> says otherwise.
    /// </summary>
    public ReservedClaimTypes? ReservedClaimTypes { get; }

    /// <summary>The declared version.</summary>
    public PolicyVersion Version => Document.Version;

    /// <summary>The <c>x-ms-policy-hash</c> of <see cref="Text"/> (see <see cref="PolicyHash.Compute(string)"/>).</summary>
    public string Hash => _hash ??= PolicyHash.Compute(Text);

    /// <summary>How many rules a section has (0 when it is absent).</summary>
    public int RuleCount(SectionKind section) => Document[section]?.Rules.Length ?? 0;

    /// <summary>
    /// Compiles <paramref name="text"/>: tokenize, parse, check. On failure returns false and every
    /// diagnostic, sorted by line and column; never throws on bad text. With <paramref name="reserved"/>,
    /// an issue action whose claim type is known at compile time and refused by it is
    /// <see cref="PolicyErrorCode.ReservedClaimType"/>; types computed at evaluation time are checked then.
    /// </summary>
    public static bool TryCompile(
        string text,
        [NotNullWhen(true)] out AttestationPolicy? policy,
        out ImmutableArray<PolicyDiagnostic> diagnostics,
        PolicyLimits? limits = null,
        ReservedClaimTypes? reserved = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        limits ??= PolicyLimits.Default;
        var bag = new DiagnosticBag(limits);
        policy = null;
        var document = PolicyParser.Parse(text, limits, bag);
        if (document is null)
        {
            diagnostics = bag.ToImmutable();
            return false;
        }

        var parsedCleanly = bag.Count == 0;
        var bound = PolicyBinder.Bind(document, limits, reserved, bag, End(text), checkSections: parsedCleanly);
        diagnostics = bag.ToImmutable();
        if (!diagnostics.IsEmpty)
        {
            return false;
        }

        policy = new AttestationPolicy(text, document, bound, limits, reserved);
        return true;
    }

    /// <summary>Compiles <paramref name="text"/> or throws.</summary>
    /// <exception cref="PolicyCompilationException">The text does not compile; the exception carries the diagnostics.</exception>
    public static AttestationPolicy Compile(string text, PolicyLimits? limits = null, ReservedClaimTypes? reserved = null) =>
        TryCompile(text, out var policy, out var diagnostics, limits, reserved) ? policy : throw new PolicyCompilationException(diagnostics);

    /// <summary>
    /// Evaluates the policy against <paramref name="incoming"/> (the claims from the evidence, normally
    /// with issuer <see cref="ClaimIssuers.AttestationService"/>). Never throws on odd claims: a missing
    /// claim or one of the wrong type simply does not match.
    /// </summary>
    public PolicyEvaluationResult Evaluate(IEnumerable<Claim> incoming, PolicyEvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        options ??= PolicyEvaluationOptions.Default;
        return PolicyEvaluator.Evaluate(_bound, Limits, options.ReservedClaimTypes ?? ReservedClaimTypes, incoming, options);
    }

    private static TextPosition End(string text)
    {
        var lastNewline = text.LastIndexOf('\n');
        var line = 1 + text.AsSpan().Count('\n');
        return new TextPosition(text.Length, line, text.Length - lastNewline);
    }
}

/// <summary>Thrown by <see cref="AttestationPolicy.Compile"/> when the text does not compile.</summary>
public sealed class PolicyCompilationException : Exception
{
    /// <summary>Makes the exception from the diagnostics.</summary>
    public PolicyCompilationException(ImmutableArray<PolicyDiagnostic> diagnostics)
        : base("the policy does not compile: " + string.Join("; ", diagnostics))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Makes an exception with a message only.</summary>
    public PolicyCompilationException()
        : this([])
    {
    }

    /// <summary>Makes an exception with a message only.</summary>
    public PolicyCompilationException(string message)
        : base(message)
    {
    }

    /// <summary>Makes an exception with a message and a cause.</summary>
    public PolicyCompilationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Every problem found, sorted by position.</summary>
    public ImmutableArray<PolicyDiagnostic> Diagnostics { get; } = [];
}
