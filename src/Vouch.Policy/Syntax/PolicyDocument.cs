using System.Collections.Immutable;

namespace Vouch.Policy.Syntax;

/// <summary>The language versions Vouch understands.</summary>
public enum PolicyVersion
{
    /// <summary>1.0: authorizationrules and issuancerules.</summary>
    Version10,
    /// <summary>1.1: adds configurationrules.</summary>
    Version11,
    /// <summary>1.2: adds negated conditions and functions.</summary>
    Version12,
}

/// <summary>The three sections, in the only order they may appear.</summary>
public enum SectionKind
{
    /// <summary><c>configurationrules</c> (1.1+): sets engine properties before anything else runs.</summary>
    ConfigurationRules,
    /// <summary><c>authorizationrules</c>: decides permit or deny.</summary>
    AuthorizationRules,
    /// <summary><c>issuancerules</c>: decides which claims go into the token.</summary>
    IssuanceRules,
}

/// <summary>The root of a parsed policy.</summary>
/// <param name="Version">The declared version.</param>
/// <param name="Sections">The sections in text order.</param>
public sealed record PolicyDocument(PolicyVersion Version, ImmutableArray<Section> Sections)
{
    /// <summary>The section of a kind, if present.</summary>
    public Section? this[SectionKind kind] => Sections.FirstOrDefault(s => s.Kind == kind);
}

/// <summary>One section and its rules in text order.</summary>
/// <param name="Kind">Which section.</param>
/// <param name="Rules">Its rules.</param>
/// <param name="Position">Where the section name starts.</param>
public sealed record Section(SectionKind Kind, ImmutableArray<Rule> Rules, TextPosition Position);

/// <summary>
/// <c>conditions =&gt; action;</c>. A rule without conditions always fires.
/// </summary>
/// <param name="Conditions">The conditions joined by <c>&amp;&amp;</c> (may be empty).</param>
/// <param name="Action">What the rule does when its conditions hold.</param>
/// <param name="Position">Where the rule starts.</param>
public sealed record Rule(ImmutableArray<Condition> Conditions, PolicyAction Action, TextPosition Position);

/// <summary>
/// <c>[binding:][!][test, test, …]</c>: holds when some claim of the current set passes every test
/// (negated: when none does).
/// </summary>
/// <param name="Binding">The name bound to the matching claim, or null.</param>
/// <param name="Negated">True for <c>![…]</c> (1.2).</param>
/// <param name="Tests">The property tests, all of which a claim must pass.</param>
/// <param name="Position">Where the condition starts.</param>
public sealed record Condition(string? Binding, bool Negated, ImmutableArray<PropertyTest> Tests, TextPosition Position);

/// <summary>The claim properties a condition can test and an expression can read.</summary>
public enum ClaimProperty
{
    /// <summary>The claim type (a string).</summary>
    Type,
    /// <summary>The claim value.</summary>
    Value,
    /// <summary>Who added the claim: AttestationService or AttestationPolicy.</summary>
    Issuer,
    /// <summary>The name of the value's type: String, Integer, Boolean or Set (tests only).</summary>
    ValueType,
}

/// <summary>The comparison operators.</summary>
public enum ComparisonOperator
{
    /// <summary><c>==</c></summary>
    Equal,
    /// <summary><c>!=</c></summary>
    NotEqual,
    /// <summary><c>&lt;</c></summary>
    Less,
    /// <summary><c>&lt;=</c></summary>
    LessOrEqual,
    /// <summary><c>&gt;</c></summary>
    Greater,
    /// <summary><c>&gt;=</c></summary>
    GreaterOrEqual,
}

/// <summary><c>property OP expression</c> inside a condition.</summary>
/// <param name="Property">The tested property of the candidate claim.</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Operand">The right-hand side.</param>
/// <param name="Position">Where the test starts.</param>
public sealed record PropertyTest(ClaimProperty Property, ComparisonOperator Operator, Expression Operand, TextPosition Position);
