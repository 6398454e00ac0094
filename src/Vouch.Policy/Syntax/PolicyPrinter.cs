using System.Globalization;
using System.Text;

namespace Vouch.Policy.Syntax;

/// <summary>
/// Prints a <see cref="PolicyDocument"/> back to policy text in one canonical layout: lowercase
/// keywords, one rule per line, four-space indent. Parsing the output gives back the same tree
/// (parse → print → parse round-trips).
/// </summary>
public static class PolicyPrinter
{
    /// <summary>The canonical text of <paramref name="document"/>.</summary>
    public static string Print(PolicyDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var text = new StringBuilder();
        text.Append("version=").Append(document.Version switch
        {
            PolicyVersion.Version10 => "1.0",
            PolicyVersion.Version11 => "1.1",
            _ => "1.2",
        }).Append(";\n");
        foreach (var section in document.Sections)
        {
            text.Append(section.Kind switch
            {
                SectionKind.ConfigurationRules => "configurationrules",
                SectionKind.AuthorizationRules => "authorizationrules",
                _ => "issuancerules",
            }).Append(" {\n");
            foreach (var rule in section.Rules)
            {
                text.Append("    ");
                Print(rule, text);
                text.Append('\n');
            }

            text.Append("};\n");
        }

        return text.ToString();
    }

    /// <summary>The canonical text of one rule, for traces and messages.</summary>
    public static string Print(Rule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var text = new StringBuilder();
        Print(rule, text);
        return text.ToString();
    }

    /// <summary>The canonical text of one expression.</summary>
    public static string Print(Expression expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var text = new StringBuilder();
        Print(expression, text);
        return text.ToString();
    }

    private static void Print(Rule rule, StringBuilder text)
    {
        for (var i = 0; i < rule.Conditions.Length; i++)
        {
            if (i > 0)
            {
                text.Append(" && ");
            }

            Print(rule.Conditions[i], text);
        }

        text.Append(rule.Conditions.IsEmpty ? "=> " : " => ");
        switch (rule.Action)
        {
            case PermitAction:
                text.Append("permit()");
                break;
            case DenyAction:
                text.Append("deny()");
                break;
            case ClaimAction claim:
                text.Append(Name(claim.Kind)).Append("(type=");
                Print(claim.Type, text);
                text.Append(", value=");
                Print(claim.Value, text);
                text.Append(')');
                break;
            case CopyClaimAction copy:
                text.Append(Name(copy.Kind)).Append("(claim=").Append(copy.Binding).Append(')');
                break;
            default:
                throw new ArgumentException("unknown action " + rule.Action.GetType().Name, nameof(rule));
        }

        text.Append(';');
    }

    private static void Print(Condition condition, StringBuilder text)
    {
        if (condition.Binding is not null)
        {
            text.Append(condition.Binding).Append(':');
        }

        if (condition.Negated)
        {
            text.Append('!');
        }

        text.Append('[');
        for (var i = 0; i < condition.Tests.Length; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            var test = condition.Tests[i];
            text.Append(Name(test.Property)).Append(test.Operator switch
            {
                ComparisonOperator.Equal => "==",
                ComparisonOperator.NotEqual => "!=",
                ComparisonOperator.Less => "<",
                ComparisonOperator.LessOrEqual => "<=",
                ComparisonOperator.Greater => ">",
                _ => ">=",
            });
            Print(test.Operand, text);
        }

        text.Append(']');
    }

    private static void Print(Expression expression, StringBuilder text)
    {
        switch (expression)
        {
            case StringLiteral s:
                text.Append('"');
                foreach (var c in s.Value)
                {
                    if (c is '"' or '\\')
                    {
                        text.Append('\\');
                    }

                    text.Append(c);
                }

                text.Append('"');
                break;
            case IntegerLiteral i:
                text.Append(i.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case BooleanLiteral b:
                text.Append(b.Value ? "true" : "false");
                break;
            case PropertyAccess p:
                text.Append(p.Binding).Append('.').Append(Name(p.Property));
                break;
            case FunctionCall f:
                text.Append(f.Name).Append('(');
                for (var i = 0; i < f.Arguments.Length; i++)
                {
                    if (i > 0)
                    {
                        text.Append(", ");
                    }

                    Print(f.Arguments[i], text);
                }

                text.Append(')');
                break;
            default:
                throw new ArgumentException("unknown expression " + expression.GetType().Name, nameof(expression));
        }
    }

    internal static string Name(ClaimProperty property) => property switch
    {
        ClaimProperty.Type => "type",
        ClaimProperty.Value => "value",
        ClaimProperty.Issuer => "issuer",
        _ => "valueType",
    };

    internal static string Name(ClaimActionKind kind) => kind switch
    {
        ClaimActionKind.Issue => "issue",
        ClaimActionKind.Add => "add",
        _ => "issueproperty",
    };

    internal static string Name(SectionKind kind) => kind switch
    {
        SectionKind.ConfigurationRules => "configurationrules",
        SectionKind.AuthorizationRules => "authorizationrules",
        _ => "issuancerules",
    };
}
