using Vouch.Policy.Semantics;
using Vouch.Policy.Syntax;

namespace Vouch.Policy.Evaluation;

/// <summary>
/// The tree-walking evaluator. Sections run in order configurationrules, authorizationrules,
/// issuancerules; rules in text order, each once, over the claims present when the rule starts.
/// A condition with a binding enumerates every matching claim (the rule fires once per combination);
/// a condition without one only asks whether some claim matches.
/// </summary>
internal static class PolicyEvaluator
{
    public static PolicyEvaluationResult Evaluate(BoundPolicy policy, PolicyLimits limits, ReservedClaimTypes? reserved, IEnumerable<Claim> incoming, PolicyEvaluationOptions options)
    {
        var context = new EvaluationContext(limits, reserved, policy.MaxSlots, options.Trace);
        context.Claims.AddRange(incoming);
        try
        {
            context.Step(context.Claims.Count / 64);
            RunSection(policy.Configuration, context);
            RunSection(policy.Authorization, context);
            if (context.Denied || !context.Permitted)
            {
                return new PolicyEvaluationResult
                {
                    IsAuthorized = false,
                    Failure = context.Denied ? PolicyErrorCode.Denied : PolicyErrorCode.NoPermit,
                    Reason = context.Denied ? PolicyEvaluationResult.DeniedMessage : PolicyEvaluationResult.NoPermitMessage,
                    PropertyClaims = context.Properties is null ? [] : [.. context.Properties],
                    Warnings = context.Warnings,
                    Trace = context.Trace is null ? [] : [.. context.Trace],
                    Steps = context.Steps,
                };
            }

            RunSection(policy.Issuance, context);
        }
        catch (EvaluationStoppedException stopped)
        {
            return new PolicyEvaluationResult
            {
                IsAuthorized = false,
                Failure = stopped.Code,
                Reason = stopped.Message,
                Warnings = context.Warnings,
                Trace = context.Trace is null ? [] : [.. context.Trace],
                Steps = context.Steps,
            };
        }

        return new PolicyEvaluationResult
        {
            IsAuthorized = true,
            Reason = "authorized",
            IssuedClaims = context.Issued is null ? [] : [.. context.Issued],
            PropertyClaims = context.Properties is null ? [] : [.. context.Properties],
            Warnings = context.Warnings,
            Trace = context.Trace is null ? [] : [.. context.Trace],
            Steps = context.Steps,
        };
    }

    private static void RunSection(BoundRule[] rules, EvaluationContext context)
    {
        foreach (var rule in rules)
        {
            context.Visible = context.Claims.Count;
            Match(rule, 0, context);
            if (context.Denied)
            {
                // Deny wins: nothing later can change the decision.
                return;
            }
        }
    }

    /// <summary>Matches conditions from <paramref name="index"/> on; returns true to stop the rule.</summary>
    private static bool Match(BoundRule rule, int index, EvaluationContext context)
    {
        if (index == rule.Conditions.Length)
        {
            return Fire(rule, context);
        }

        var condition = rule.Conditions[index];
        var claims = context.Claims;
        var visible = context.Visible;
        for (var i = 0; i < visible; i++)
        {
            context.Step();
            var claim = claims[i];
            if (condition.TypeKey is { } key && !string.Equals(claim.Type, key, StringComparison.Ordinal))
            {
                continue;
            }

            if (!Passes(condition.Tests, claim, context))
            {
                continue;
            }

            if (condition.Negated)
            {
                return false;
            }

            if (condition.Slot < 0)
            {
                return Match(rule, index + 1, context);
            }

            context.Slots[condition.Slot] = claim;
            if (Match(rule, index + 1, context))
            {
                return true;
            }
        }

        return condition.Negated && Match(rule, index + 1, context);
    }

    private static bool Passes(BoundTest[] tests, Claim claim, EvaluationContext context)
    {
        foreach (var test in tests)
        {
            var operand = test.Operand.Evaluate(context);
            if (operand is null)
            {
                return false;
            }

            var pass = test.Property switch
            {
                ClaimProperty.Type => CompareText(claim.Type, operand, test.Operator),
                ClaimProperty.Issuer => CompareText(claim.Issuer, operand, test.Operator),
                ClaimProperty.ValueType => CompareText(claim.Value.TypeName, operand, test.Operator),
                _ => Compare(claim.Value, operand, test.Operator),
            };
            if (!pass)
            {
                return false;
            }
        }

        return true;
    }

    private static bool CompareText(string property, ClaimValue operand, ComparisonOperator op) =>
        operand is StringClaimValue s && op switch
        {
            ComparisonOperator.Equal => string.Equals(property, s.Value, StringComparison.Ordinal),
            ComparisonOperator.NotEqual => !string.Equals(property, s.Value, StringComparison.Ordinal),
            _ => false,
        };

    /// <summary>
    /// Compares a claim value with an operand. Values of different types never compare (both == and
    /// != are false); integers support all six operators, strings and booleans == and !=, sets none.
    /// </summary>
    internal static bool Compare(ClaimValue left, ClaimValue right, ComparisonOperator op) => (left, right) switch
    {
        (IntegerClaimValue a, IntegerClaimValue b) => op switch
        {
            ComparisonOperator.Equal => a.Value == b.Value,
            ComparisonOperator.NotEqual => a.Value != b.Value,
            ComparisonOperator.Less => a.Value < b.Value,
            ComparisonOperator.LessOrEqual => a.Value <= b.Value,
            ComparisonOperator.Greater => a.Value > b.Value,
            _ => a.Value >= b.Value,
        },
        (StringClaimValue a, StringClaimValue b) => op switch
        {
            ComparisonOperator.Equal => string.Equals(a.Value, b.Value, StringComparison.Ordinal),
            ComparisonOperator.NotEqual => !string.Equals(a.Value, b.Value, StringComparison.Ordinal),
            _ => false,
        },
        (BooleanClaimValue a, BooleanClaimValue b) => op switch
        {
            ComparisonOperator.Equal => a.Value == b.Value,
            ComparisonOperator.NotEqual => a.Value != b.Value,
            _ => false,
        },
        _ => false,
    };

    /// <summary>Runs the action; returns true when the rule is done (permit and deny fire once).</summary>
    private static bool Fire(BoundRule rule, EvaluationContext context)
    {
        context.Step();
        switch (rule.Action)
        {
            case BoundPermit:
                context.Permitted = true;
                Record(rule, "permit", null, context);
                return true;
            case BoundDeny:
                context.Denied = true;
                Record(rule, "deny", null, context);
                return true;
            case BoundClaimAction action:
                {
                    var type = action.Type.Evaluate(context);
                    var value = action.Value.Evaluate(context);
                    if (type is not StringClaimValue { Value.Length: > 0 } typeText)
                    {
                        if (type is not null)
                        {
                            context.Warn(PolicyErrorCode.ArgumentTypeMismatch, $"the claim type must be a non-empty string, not {type.TypeName}", action.Type.Position);
                        }

                        Record(rule, PolicyPrinter.Keyword(action.Kind), null, context);
                        return false;
                    }

                    Produce(rule, action.Kind, typeText.Value, value, context);
                    return false;
                }

            case BoundCopyAction copy:
                {
                    var source = context.Slots[copy.Slot];
                    Produce(rule, copy.Kind, source.Type, source.Value, context);
                    return false;
                }

            default:
                throw new InvalidOperationException("unknown action");
        }
    }

    private static void Produce(BoundRule rule, ClaimActionKind kind, string type, ClaimValue? value, EvaluationContext context)
    {
        if (value is null)
        {
            // An undefined (or JSON null) value adds nothing.
            Record(rule, PolicyPrinter.Keyword(kind), null, context);
            return;
        }

        // Defence in depth behind the compile-time check (ATT6035), for types only known now: a policy
        // must not issue a claim the service owns, under any spelling.
        if (kind == ClaimActionKind.Issue && context.Reserved?.Refuses(type) == true)
        {
            throw new EvaluationStoppedException(PolicyErrorCode.ReservedClaimIssued, $"the policy issued a claim of type '{type}', which the service owns or which holds invisible characters; evaluation was stopped");
        }

        var claim = new Claim(type, value, ClaimIssuers.AttestationPolicy);
        context.Claims.Add(claim);
        switch (kind)
        {
            case ClaimActionKind.Issue:
                (context.Issued ??= []).Add(claim);
                break;
            case ClaimActionKind.IssueProperty:
                (context.Properties ??= []).Add(claim);
                break;
        }

        Record(rule, PolicyPrinter.Keyword(kind), claim, context);
    }

    private static void Record(BoundRule rule, string action, Claim? claim, EvaluationContext context) =>
        context.Trace?.Add(new RuleFiring(rule.Section, rule.Number, rule.Position.Line, rule.Position.Column, action, claim));
}
