using Vouch.Policy.Evaluation;
using Vouch.Policy.Syntax;

namespace Vouch.Policy.Semantics;

/// <summary>
/// The semantic pass: checks what the grammar cannot (version features, which actions a section
/// allows, names bound before use, function names and arity, operators against operand types,
/// JMESPath queries) and turns the tree into the bound form the evaluator runs.
/// </summary>
internal static class PolicyBinder
{
    public static BoundPolicy Bind(PolicyDocument document, PolicyLimits limits, ReservedClaimTypes? reserved, DiagnosticBag diagnostics, TextPosition end, bool checkSections)
    {
        var configuration = Array.Empty<BoundRule>();
        var authorization = Array.Empty<BoundRule>();
        var issuance = Array.Empty<BoundRule>();
        foreach (var section in document.Sections)
        {
            if (section.Kind == SectionKind.ConfigurationRules && document.Version == PolicyVersion.Version10)
            {
                diagnostics.Add(PolicyErrorCode.SectionNotInVersion, "configurationrules needs version 1.1 or later", section.Position);
            }

            var rules = new BoundRule[section.Rules.Length];
            for (var i = 0; i < rules.Length; i++)
            {
                rules[i] = BindRule(document.Version, section.Kind, i + 1, section.Rules[i], limits, diagnostics);
                CheckIssuedType(rules[i], reserved, diagnostics);
            }

            switch (section.Kind)
            {
                case SectionKind.ConfigurationRules: configuration = rules; break;
                case SectionKind.AuthorizationRules: authorization = rules; break;
                default: issuance = rules; break;
            }
        }

        if (checkSections)
        {
            foreach (var required in (ReadOnlySpan<SectionKind>)[SectionKind.AuthorizationRules, SectionKind.IssuanceRules])
            {
                if (document[required] is null)
                {
                    diagnostics.Add(PolicyErrorCode.MissingSection, $"the policy has no {PolicyPrinter.Keyword(required)} section", end);
                }
            }
        }

        return new BoundPolicy(configuration, authorization, issuance);
    }

    private static BoundRule BindRule(PolicyVersion version, SectionKind section, int number, Rule rule, PolicyLimits limits, DiagnosticBag diagnostics)
    {
        var scope = new Dictionary<string, int>(StringComparer.Ordinal);
        var conditions = new BoundCondition[rule.Conditions.Length];
        for (var i = 0; i < conditions.Length; i++)
        {
            var condition = rule.Conditions[i];
            if (condition.Negated && version < PolicyVersion.Version12)
            {
                diagnostics.Add(PolicyErrorCode.FeatureNotInVersion, "a negated condition '![…]' needs version 1.2", condition.Position);
            }

            var tests = new BoundTest[condition.Tests.Length];
            string? typeKey = null;
            for (var t = 0; t < tests.Length; t++)
            {
                var test = condition.Tests[t];
                var operand = BindExpression(version, test.Operand, scope, limits, diagnostics);
                CheckTest(test, operand, diagnostics);
                tests[t] = new BoundTest(test.Property, test.Operator, operand);
                if (test is { Property: ClaimProperty.Type, Operator: ComparisonOperator.Equal, Operand: StringLiteral literal })
                {
                    typeKey ??= literal.Value;
                }
            }

            var slot = -1;
            if (condition.Binding is { } name)
            {
                if (condition.Negated)
                {
                    diagnostics.Add(PolicyErrorCode.NegatedConditionBinds, $"'{name}' is bound by a negated condition, which matches no claim", condition.Position);
                }
                else if (scope.ContainsKey(name))
                {
                    diagnostics.Add(PolicyErrorCode.DuplicateBinding, $"'{name}' is bound twice in one rule", condition.Position);
                }
                else
                {
                    slot = scope.Count;
                    scope.Add(name, slot);
                }
            }

            conditions[i] = new BoundCondition(slot, condition.Negated, typeKey, tests);
        }

        var action = BindAction(version, section, rule.Action, scope, limits, diagnostics);
        return new BoundRule(section, number, conditions, action, scope.Count, rule.Position);
    }

    private static BoundAction BindAction(PolicyVersion version, SectionKind section, PolicyAction action, Dictionary<string, int> scope, PolicyLimits limits, DiagnosticBag diagnostics)
    {
        var (name, allowed) = action switch
        {
            PermitAction => ("permit()", section == SectionKind.AuthorizationRules),
            DenyAction => ("deny()", section == SectionKind.AuthorizationRules),
            ClaimAction c => (PolicyPrinter.Keyword(c.Kind), Allows(section, c.Kind)),
            CopyClaimAction c => (PolicyPrinter.Keyword(c.Kind), Allows(section, c.Kind)),
            _ => ("?", false),
        };
        if (!allowed)
        {
            diagnostics.Add(PolicyErrorCode.ActionNotAllowed, $"{name} is not allowed in {PolicyPrinter.Keyword(section)}", action.Position);
        }

        switch (action)
        {
            case PermitAction:
                return new BoundPermit(action.Position);
            case DenyAction:
                return new BoundDeny(action.Position);
            case ClaimAction claim:
                {
                    var type = BindExpression(version, claim.Type, scope, limits, diagnostics);
                    if (claim.Type is StringLiteral { Value.Length: 0 })
                    {
                        diagnostics.Add(PolicyErrorCode.EmptyClaimType, "the claim type is empty", claim.Type.Position);
                    }
                    else if (type.Type is not (StaticType.String or StaticType.Unknown))
                    {
                        diagnostics.Add(PolicyErrorCode.InvalidClaimArguments, "the claim type must be a string", claim.Type.Position);
                    }

                    var value = BindExpression(version, claim.Value, scope, limits, diagnostics);
                    return new BoundClaimAction(claim.Kind, type, value, action.Position);
                }

            case CopyClaimAction copy:
                if (!scope.TryGetValue(copy.Binding, out var slot))
                {
                    diagnostics.Add(PolicyErrorCode.UnboundIdentifier, $"'{copy.Binding}' is not bound by a condition of this rule", copy.Position);
                    slot = 0;
                }

                return new BoundCopyAction(copy.Kind, slot, action.Position);
            default:
                throw new InvalidOperationException("unknown action " + action.GetType().Name);
        }
    }

    /// <summary>
    /// Refuses an issue action whose claim type is known now and owned by the service: a literal type,
    /// or the copy of a claim bound by a condition with a literal <c>type==</c>. Computed types are
    /// checked again at evaluation (ATT6109).
    /// </summary>
    private static void CheckIssuedType(BoundRule rule, ReservedClaimTypes? reserved, DiagnosticBag diagnostics)
    {
        if (reserved is null)
        {
            return;
        }

        var (type, position) = rule.Action switch
        {
            BoundClaimAction { Kind: ClaimActionKind.Issue, Type: BoundLiteral { Value: StringClaimValue literal } } action => (literal.Value, action.Type.Position),
            BoundCopyAction { Kind: ClaimActionKind.Issue } copy => (rule.Conditions.FirstOrDefault(c => c.Slot == copy.Slot)?.TypeKey, copy.Position),
            _ => (null, default),
        };
        if (type is not null && reserved.Refuses(type))
        {
            diagnostics.Add(PolicyErrorCode.ReservedClaimType, $"a policy may not issue the claim type '{type}': the service sets it, or it holds invisible characters", position);
        }
    }

    private static bool Allows(SectionKind section, ClaimActionKind kind) => section switch
    {
        SectionKind.ConfigurationRules => kind == ClaimActionKind.IssueProperty,
        SectionKind.AuthorizationRules => kind == ClaimActionKind.Add,
        _ => true,
    };

    private static void CheckTest(PropertyTest test, BoundExpression operand, DiagnosticBag diagnostics)
    {
        var equality = test.Operator is ComparisonOperator.Equal or ComparisonOperator.NotEqual;
        var property = PolicyPrinter.Keyword(test.Property);
        switch (test.Property)
        {
            case ClaimProperty.Type:
            case ClaimProperty.Issuer:
                if (!equality)
                {
                    diagnostics.Add(PolicyErrorCode.OperatorNotSupported, $"{property} is a string and supports only == and !=", test.Position);
                }
                else if (operand.Type is not (StaticType.String or StaticType.Unknown))
                {
                    diagnostics.Add(PolicyErrorCode.OperatorNotSupported, $"{property} is a string and can only be compared with a string", test.Operand.Position);
                }

                break;
            case ClaimProperty.ValueType:
                if (!equality)
                {
                    diagnostics.Add(PolicyErrorCode.OperatorNotSupported, "valueType supports only == and !=", test.Position);
                }
                else if (test.Operand is not StringLiteral { Value: "String" or "Integer" or "Boolean" or "Set" })
                {
                    diagnostics.Add(PolicyErrorCode.UnknownValueType, "valueType is compared with \"String\", \"Integer\", \"Boolean\" or \"Set\"", test.Operand.Position);
                }

                break;
            default:
                if (!equality && operand.Type is StaticType.String or StaticType.Boolean or StaticType.Set)
                {
                    diagnostics.Add(PolicyErrorCode.OperatorNotSupported, $"{Describe(operand.Type)} values support only == and !=; <, <=, > and >= compare integers", test.Position);
                }

                break;
        }
    }

    private static string Describe(StaticType type) => type switch
    {
        StaticType.String => "string",
        StaticType.Boolean => "boolean",
        StaticType.Set => "set",
        _ => "these",
    };

    private static BoundExpression BindExpression(PolicyVersion version, Expression expression, Dictionary<string, int> scope, PolicyLimits limits, DiagnosticBag diagnostics)
    {
        switch (expression)
        {
            case StringLiteral s:
                return new BoundLiteral(new StringClaimValue(s.Value), s.Position);
            case IntegerLiteral i:
                return new BoundLiteral(new IntegerClaimValue(i.Value), i.Position);
            case BooleanLiteral b:
                return new BoundLiteral(ClaimValue.Of(b.Value), b.Position);
            case PropertyAccess p:
                if (!scope.TryGetValue(p.Binding, out var slot))
                {
                    diagnostics.Add(PolicyErrorCode.UnboundIdentifier, $"'{p.Binding}' is not bound by an earlier condition of this rule", p.Position);
                    return new BoundLiteral(new StringClaimValue(""), p.Position);
                }

                return new BoundPropertyAccess(slot, p.Property, p.Position);
            case FunctionCall call:
                return BindCall(version, call, scope, limits, diagnostics);
            default:
                throw new InvalidOperationException("unknown expression " + expression.GetType().Name);
        }
    }

    private static BoundExpression BindCall(PolicyVersion version, FunctionCall call, Dictionary<string, int> scope, PolicyLimits limits, DiagnosticBag diagnostics)
    {
        if (version < PolicyVersion.Version12)
        {
            diagnostics.Add(PolicyErrorCode.FeatureNotInVersion, $"function calls such as {call.Name}() need version 1.2", call.Position);
        }

        var arguments = new BoundExpression[call.Arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = BindExpression(version, call.Arguments[i], scope, limits, diagnostics);
        }

        if (!PolicyFunctions.TryLookup(call.Name, out var function))
        {
            diagnostics.Add(PolicyErrorCode.UnknownFunction, $"unknown function '{call.Name}'; the functions are {string.Join(", ", PolicyFunctions.Names)}", call.Position);
            return new BoundLiteral(new StringClaimValue(""), call.Position);
        }

        var arity = PolicyFunctions.Arity(function);
        if (arguments.Length != arity)
        {
            diagnostics.Add(PolicyErrorCode.WrongArgumentCount, $"{call.Name} takes {arity} argument{(arity == 1 ? "" : "s")}, not {arguments.Length}", call.Position);
            return new BoundLiteral(new StringClaimValue(""), call.Position);
        }

        JmesPathQuery? query = null;
        if (function == PolicyFunction.JmesPath)
        {
            if (call.Arguments[1] is not StringLiteral literal)
            {
                diagnostics.Add(PolicyErrorCode.JmesPathQueryNotLiteral, "the query of JmesPath must be a string literal, so it is checked and compiled once", call.Arguments[1].Position);
            }
            else if (!JmesPathQuery.TryCreate(literal.Value, limits, out query, out var code, out var message))
            {
                diagnostics.Add(code, message, literal.Position);
            }
        }

        return new BoundFunctionCall(function, arguments, query, call.Position);
    }
}
