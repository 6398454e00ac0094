using Vouch.Policy.Syntax;

namespace Vouch.Policy.Evaluation;

/// <summary>One firing of a rule, recorded when tracing is on.</summary>
/// <param name="Section">The section of the rule.</param>
/// <param name="Rule">1-based number of the rule in its section.</param>
/// <param name="Line">Line where the rule starts.</param>
/// <param name="Column">Column where the rule starts.</param>
/// <param name="Action">permit, deny, issue, add or issueproperty.</param>
/// <param name="Claim">The claim the action produced, or null (permit, deny, or an undefined value).</param>
public sealed record RuleFiring(SectionKind Section, int Rule, int Line, int Column, string Action, Claim? Claim);
