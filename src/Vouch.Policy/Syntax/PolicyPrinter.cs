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
        text.Append("version=").Append(Keyword(document.Version)).Append(";\n");
        foreach (var section in document.Sections)
        {
            text.Append(Keyword(section.Kind)).Append(" {\n");
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
                text.Append(Keyword(claim.Kind)).Append("(type=");
                Print(claim.Type, text);
                text.Append(", value=");
                Print(claim.Value, text);
                text.Append(')');
                break;
            case CopyClaimAction copy:
                text.Append(Keyword(copy.Kind)).Append("(claim=").Append(copy.Binding).Append(')');
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
            text.Append(Keyword(test.Property)).Append(test.Operator switch
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
                text.Append(p.Binding).Append('.').Append(Keyword(p.Property));
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

    /// <summary>The version as written after <c>version=</c>: 1.0, 1.1 or 1.2.</summary>
    public static string Keyword(PolicyVersion version) => version switch
    {
        PolicyVersion.Version10 => "1.0",
        PolicyVersion.Version11 => "1.1",
        _ => "1.2",
    };

    /// <summary>The keyword of a claim property: type, value, issuer or valueType.</summary>
    public static string Keyword(ClaimProperty property) => property switch
    {
        ClaimProperty.Type => "type",
        ClaimProperty.Value => "value",
        ClaimProperty.Issuer => "issuer",
        _ => "valueType",
    };

    /// <summary>The keyword of a claim action: issue, add or issueproperty.</summary>
    public static string Keyword(ClaimActionKind kind) => kind switch
    {
        ClaimActionKind.Issue => "issue",
        ClaimActionKind.Add => "add",
        _ => "issueproperty",
    };

    /// <summary>The keyword of a section: configurationrules, authorizationrules or issuancerules.</summary>
    public static string Keyword(SectionKind kind) => kind switch
    {
        SectionKind.ConfigurationRules => "configurationrules",
        SectionKind.AuthorizationRules => "authorizationrules",
        _ => "issuancerules",
    };
}
