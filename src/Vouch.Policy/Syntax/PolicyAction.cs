namespace Vouch.Policy.Syntax;

/// <summary>What a rule does when its conditions hold.</summary>
/// <param name="Position">Where the action starts.</param>
public abstract record PolicyAction(TextPosition Position);

/// <summary><c>permit()</c>: authorises (authorizationrules only).</summary>
/// <param name="Position">Where it starts.</param>
public sealed record PermitAction(TextPosition Position) : PolicyAction(Position);

/// <summary><c>deny()</c>: refuses, whatever else permits (authorizationrules only).</summary>
/// <param name="Position">Where it starts.</param>
public sealed record DenyAction(TextPosition Position) : PolicyAction(Position);

/// <summary>The three claim-producing actions.</summary>
public enum ClaimActionKind
{
    /// <summary><c>issue</c>: into the token, and visible to later rules.</summary>
    Issue,
    /// <summary><c>add</c>: visible to later rules only.</summary>
    Add,
    /// <summary><c>issueproperty</c>: an engine property, visible to later rules, never in the token.</summary>
    IssueProperty,
}

/// <summary><c>issue(type=…, value=…)</c>, <c>add(…)</c> or <c>issueproperty(…)</c>.</summary>
/// <param name="Kind">Which action.</param>
/// <param name="Type">The claim type expression.</param>
/// <param name="Value">The claim value expression.</param>
/// <param name="Position">Where it starts.</param>
public sealed record ClaimAction(ClaimActionKind Kind, Expression Type, Expression Value, TextPosition Position) : PolicyAction(Position);

/// <summary><c>issue(claim=c)</c> and friends: copy a bound claim's type and value.</summary>
/// <param name="Kind">Which action.</param>
/// <param name="Binding">The bound name.</param>
/// <param name="Position">Where it starts.</param>
public sealed record CopyClaimAction(ClaimActionKind Kind, string Binding, TextPosition Position) : PolicyAction(Position);
