using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Vouch.Policy.Syntax;

/// <summary>
/// Recursive-descent parser from policy text to <see cref="PolicyDocument"/>. It never throws on
/// bad input: every problem becomes a <see cref="PolicyDiagnostic"/> with line and column, and after
/// an error inside a rule the parser skips to the next <c>;</c> so one pass reports them all.
/// Keywords (<c>version</c>, section names, <c>type</c>/<c>value</c>/<c>issuer</c>/<c>valueType</c>,
/// action names, <c>claim</c>, <c>true</c>/<c>false</c>) are matched without regard to case.
/// </summary>
public static class PolicyParser
{
    /// <summary>
    /// Parses <paramref name="text"/>. Returns true and the document when there is no diagnostic;
    /// semantic checks (bindings, section actions, functions) are done by <see cref="AttestationPolicy.TryCompile"/>.
    /// </summary>
    public static bool TryParse(
        string text,
        [NotNullWhen(true)] out PolicyDocument? document,
        out ImmutableArray<PolicyDiagnostic> diagnostics,
        PolicyLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        limits ??= PolicyLimits.Default;
        var bag = new DiagnosticBag(limits);
        var parsed = Parse(text, limits, bag);
        diagnostics = bag.ToImmutable();
        document = diagnostics.IsEmpty ? parsed : null;
        return document is not null;
    }

    /// <summary>Parses as far as possible, reporting into <paramref name="diagnostics"/>; null when the text is refused outright.</summary>
    internal static PolicyDocument? Parse(string text, PolicyLimits limits, DiagnosticBag diagnostics)
    {
        if (text.Length > limits.MaxPolicyLength)
        {
            diagnostics.Add(PolicyErrorCode.PolicyTooLarge, $"policy is {text.Length} characters long; the limit is {limits.MaxPolicyLength}", TextPosition.Start);
            return null;
        }

        var tokens = PolicyTokenizer.Tokenize(text, limits, diagnostics);
        return new Parser(tokens, limits, diagnostics).ParseDocument();
    }

    private sealed class SyntaxError : Exception;

    private sealed class Parser(ImmutableArray<PolicyToken> tokens, PolicyLimits limits, DiagnosticBag diagnostics)
    {
        private int _index;
        private int _ruleCount;
        private bool _reportedEnd;

        private PolicyToken Current => tokens[_index];

        private PolicyToken PeekAt(int ahead) => tokens[Math.Min(_index + ahead, tokens.Length - 1)];

        private PolicyToken Advance()
        {
            var token = tokens[_index];
            if (_index < tokens.Length - 1)
            {
                _index++;
            }

            return token;
        }

        public PolicyDocument ParseDocument()
        {
            var version = ParseVersion();
            var sections = ImmutableArray.CreateBuilder<Section>();
            var seen = new HashSet<SectionKind>();
            SectionKind? last = null;
            while (Current.Kind != PolicyTokenKind.End && !diagnostics.IsFull)
            {
                if (_ruleCount > limits.MaxRules)
                {
                    break;
                }

                var nameToken = Current;
                if (nameToken.Kind != PolicyTokenKind.Identifier)
                {
                    Report(PolicyErrorCode.UnexpectedToken, $"expected a section name, found {nameToken.Describe()}", nameToken);
                    SkipPastSection();
                    continue;
                }

                Advance();
                SectionKind? kind = Keyword(nameToken) switch
                {
                    "configurationrules" => SectionKind.ConfigurationRules,
                    "authorizationrules" => SectionKind.AuthorizationRules,
                    "issuancerules" => SectionKind.IssuanceRules,
                    _ => null,
                };
                if (kind is null)
                {
                    Report(PolicyErrorCode.UnknownSection, $"unknown section '{nameToken.Text}'; expected configurationrules, authorizationrules or issuancerules", nameToken);
                }
                else if (!seen.Add(kind.Value))
                {
                    Report(PolicyErrorCode.DuplicateSection, $"section '{nameToken.Text}' appears twice", nameToken);
                }
                else if (last is not null && kind.Value < last.Value)
                {
                    Report(PolicyErrorCode.SectionOutOfOrder, "sections must come in the order configurationrules, authorizationrules, issuancerules", nameToken);
                }

                if (Current.Kind != PolicyTokenKind.LeftBrace)
                {
                    Report(PolicyErrorCode.UnexpectedToken, $"expected '{{' after the section name, found {Current.Describe()}", Current);
                    SkipPastSection();
                    continue;
                }

                Advance();
                var rules = ParseRules();
                if (Current.Kind == PolicyTokenKind.RightBrace)
                {
                    Advance();
                    ExpectSemicolonAfterSection();
                }
                else if (Current.Kind == PolicyTokenKind.End && _ruleCount <= limits.MaxRules && !_reportedEnd)
                {
                    Report(PolicyErrorCode.UnexpectedEnd, "the text ends inside a section; expected '}'", Current);
                }

                if (kind is not null)
                {
                    last = kind;
                    sections.Add(new Section(kind.Value, rules, nameToken.Position));
                }
            }

            return new PolicyDocument(version, sections.ToImmutable());
        }

        private PolicyVersion ParseVersion()
        {
            var first = Current;
            if (first.Kind != PolicyTokenKind.Identifier || Keyword(first) != "version")
            {
                Report(PolicyErrorCode.MissingVersion, $"a policy starts with 'version=1.0;', 'version=1.1;' or 'version=1.2;', found {first.Describe()}", first);
                if (first.Kind != PolicyTokenKind.Identifier || PeekAt(1).Kind != PolicyTokenKind.LeftBrace)
                {
                    SkipTo(PolicyTokenKind.Semicolon, consume: true, stopAtBrace: true);
                }

                return PolicyVersion.Version12;
            }

            Advance();
            if (Current.Kind != PolicyTokenKind.Assign)
            {
                Report(PolicyErrorCode.UnexpectedToken, $"expected '=' after 'version', found {Current.Describe()}", Current);
                SkipTo(PolicyTokenKind.Semicolon, consume: true, stopAtBrace: true);
                return PolicyVersion.Version12;
            }

            Advance();
            var number = Current;
            var version = PolicyVersion.Version12;
            if (number.Kind is PolicyTokenKind.Decimal or PolicyTokenKind.Integer)
            {
                Advance();
                switch (number.Text)
                {
                    case "1.0": version = PolicyVersion.Version10; break;
                    case "1.1": version = PolicyVersion.Version11; break;
                    case "1.2": version = PolicyVersion.Version12; break;
                    default:
                        Report(PolicyErrorCode.UnsupportedVersion, $"version {number.Text} is not supported; use 1.0, 1.1 or 1.2", number);
                        break;
                }
            }
            else
            {
                Report(PolicyErrorCode.UnexpectedToken, $"expected a version number such as 1.0, found {number.Describe()}", number);
            }

            if (Current.Kind == PolicyTokenKind.Semicolon)
            {
                Advance();
            }
            else
            {
                Report(PolicyErrorCode.UnexpectedToken, $"expected ';' after the version, found {Current.Describe()}", Current);
                SkipTo(PolicyTokenKind.Semicolon, consume: true, stopAtBrace: true);
            }

            return version;
        }

        private ImmutableArray<Rule> ParseRules()
        {
            var rules = ImmutableArray.CreateBuilder<Rule>();
            while (Current.Kind is not (PolicyTokenKind.RightBrace or PolicyTokenKind.End) && !diagnostics.IsFull)
            {
                _ruleCount++;
                if (_ruleCount > limits.MaxRules)
                {
                    Report(PolicyErrorCode.TooManyRules, $"more than {limits.MaxRules} rules", Current);
                    while (Current.Kind != PolicyTokenKind.End)
                    {
                        Advance();
                    }

                    break;
                }

                var start = _index;
                try
                {
                    rules.Add(ParseRule());
                }
                catch (SyntaxError)
                {
                    SkipTo(PolicyTokenKind.Semicolon, consume: true, stopAtBrace: true);
                    if (Current.Kind == PolicyTokenKind.LeftBrace && _index > start && tokens[_index - 1].Kind == PolicyTokenKind.Identifier)
                    {
                        // Ran into the next section's header: this section lacks its '}'; let the caller resume there.
                        _index--;
                        break;
                    }

                    if (_index == start)
                    {
                        Advance();
                    }
                }
            }

            return rules.ToImmutable();
        }

        private Rule ParseRule()
        {
            var start = Current.Position;
            var conditions = ImmutableArray.CreateBuilder<Condition>();
            if (Current.Kind != PolicyTokenKind.Arrow)
            {
                while (true)
                {
                    conditions.Add(ParseCondition());
                    if (Current.Kind != PolicyTokenKind.AndAnd)
                    {
                        break;
                    }

                    Advance();
                }

                if (conditions.Count > limits.MaxConditionsPerRule)
                {
                    diagnostics.Add(PolicyErrorCode.TooManyConditions, $"a rule has {conditions.Count} conditions; the limit is {limits.MaxConditionsPerRule}", start);
                }
            }

            Expect(PolicyTokenKind.Arrow, "'=>' or '&&' after a condition");
            var action = ParseAction();
            Expect(PolicyTokenKind.Semicolon, "';' after the action");
            return new Rule(conditions.ToImmutable(), action, start);
        }

        private Condition ParseCondition()
        {
            var start = Current.Position;
            string? binding = null;
            if (Current.Kind == PolicyTokenKind.Identifier && PeekAt(1).Kind == PolicyTokenKind.Colon)
            {
                binding = Advance().Text;
                Advance();
            }

            var negated = false;
            if (Current.Kind == PolicyTokenKind.Bang)
            {
                negated = true;
                Advance();
            }

            Expect(PolicyTokenKind.LeftBracket, "a condition '[' (optionally 'name:' or '!' before it) or '=>'");
            var tests = ImmutableArray.CreateBuilder<PropertyTest>();
            if (Current.Kind != PolicyTokenKind.RightBracket)
            {
                while (true)
                {
                    tests.Add(ParseTest());
                    if (Current.Kind != PolicyTokenKind.Comma)
                    {
                        break;
                    }

                    Advance();
                }
            }

            Expect(PolicyTokenKind.RightBracket, "',' or ']' in a condition");
            return new Condition(binding, negated, tests.ToImmutable(), start);
        }

        private PropertyTest ParseTest()
        {
            var propertyToken = Current;
            ClaimProperty? property = propertyToken.Kind == PolicyTokenKind.Identifier ? Keyword(propertyToken) switch
            {
                "type" => ClaimProperty.Type,
                "value" => ClaimProperty.Value,
                "issuer" => ClaimProperty.Issuer,
                "valuetype" => ClaimProperty.ValueType,
                _ => null,
            } : null;
            if (property is null)
            {
                throw Fail(PolicyErrorCode.UnexpectedToken, $"expected type, value, issuer or valueType, found {propertyToken.Describe()}", propertyToken);
            }

            Advance();
            var opToken = Current;
            ComparisonOperator op;
            switch (opToken.Kind)
            {
                case PolicyTokenKind.Equal: op = ComparisonOperator.Equal; break;
                case PolicyTokenKind.NotEqual: op = ComparisonOperator.NotEqual; break;
                case PolicyTokenKind.Less: op = ComparisonOperator.Less; break;
                case PolicyTokenKind.LessOrEqual: op = ComparisonOperator.LessOrEqual; break;
                case PolicyTokenKind.Greater: op = ComparisonOperator.Greater; break;
                case PolicyTokenKind.GreaterOrEqual: op = ComparisonOperator.GreaterOrEqual; break;
                case PolicyTokenKind.Assign:
                    Report(PolicyErrorCode.AssignmentInCondition, "a condition compares with '==', not '='", opToken);
                    op = ComparisonOperator.Equal;
                    break;
                default:
                    throw Fail(PolicyErrorCode.UnexpectedToken, $"expected a comparison operator (==, !=, <, <=, >, >=), found {opToken.Describe()}", opToken);
            }

            Advance();
            var operand = ParseExpression(0);
            return new PropertyTest(property.Value, op, operand, propertyToken.Position);
        }

        private Expression ParseExpression(int depth)
        {
            var token = Current;
            switch (token.Kind)
            {
                case PolicyTokenKind.String:
                    Advance();
                    return new StringLiteral(token.Text, token.Position);
                case PolicyTokenKind.Integer:
                    Advance();
                    return new IntegerLiteral(ReadInteger(token, negative: false), token.Position);
                case PolicyTokenKind.Minus:
                    Advance();
                    if (Current.Kind != PolicyTokenKind.Integer)
                    {
                        throw Fail(PolicyErrorCode.UnexpectedToken, $"expected an integer after '-', found {Current.Describe()}", Current);
                    }

                    return new IntegerLiteral(ReadInteger(Advance(), negative: true), token.Position);
                case PolicyTokenKind.Decimal:
                    Advance();
                    Report(PolicyErrorCode.InvalidNumber, $"'{token.Text}': claim values are integers; fractions are not supported", token);
                    return new IntegerLiteral(0, token.Position);
                case PolicyTokenKind.Identifier:
                    break;
                default:
                    throw Fail(PolicyErrorCode.UnexpectedToken, $"expected a string, an integer, true, false, a bound claim property or a function call, found {token.Describe()}", token);
            }

            var next = PeekAt(1).Kind;
            if (next == PolicyTokenKind.Dot)
            {
                Advance();
                Advance();
                var propertyToken = Current;
                ClaimProperty? property = propertyToken.Kind == PolicyTokenKind.Identifier ? Keyword(propertyToken) switch
                {
                    "type" => ClaimProperty.Type,
                    "value" => ClaimProperty.Value,
                    "issuer" => ClaimProperty.Issuer,
                    _ => null,
                } : null;
                if (property is null)
                {
                    throw Fail(PolicyErrorCode.UnexpectedToken, $"expected type, value or issuer after '{token.Text}.', found {propertyToken.Describe()}", propertyToken);
                }

                Advance();
                return new PropertyAccess(token.Text, property.Value, token.Position);
            }

            if (next == PolicyTokenKind.LeftParen)
            {
                if (depth + 1 > limits.MaxNestingDepth)
                {
                    throw Fail(PolicyErrorCode.NestingTooDeep, $"function calls nested deeper than {limits.MaxNestingDepth}", token);
                }

                Advance();
                Advance();
                var arguments = ImmutableArray.CreateBuilder<Expression>();
                if (Current.Kind != PolicyTokenKind.RightParen)
                {
                    while (true)
                    {
                        arguments.Add(ParseExpression(depth + 1));
                        if (Current.Kind != PolicyTokenKind.Comma)
                        {
                            break;
                        }

                        Advance();
                    }
                }

                Expect(PolicyTokenKind.RightParen, "',' or ')' in a function call");
                return new FunctionCall(token.Text, arguments.ToImmutable(), token.Position);
            }

            switch (Keyword(token))
            {
                case "true":
                    Advance();
                    return new BooleanLiteral(true, token.Position);
                case "false":
                    Advance();
                    return new BooleanLiteral(false, token.Position);
                default:
                    throw Fail(PolicyErrorCode.UnexpectedToken, $"'{token.Text}' is neither true, false, a bound claim property ('{token.Text}.value') nor a function call", token);
            }
        }

        private long ReadInteger(PolicyToken token, bool negative)
        {
            var text = token.Text;
            bool ok;
            long value;
            if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                var raw = 0UL;
                ok = text.Length > 2 && ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out raw) && raw <= (negative ? 1UL << 63 : long.MaxValue);
                value = !ok ? 0 : negative ? unchecked(-(long)raw) : (long)raw;
            }
            else
            {
                ok = long.TryParse(negative ? "-" + text : text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
            }

            if (!ok)
            {
                Report(PolicyErrorCode.InvalidNumber, $"'{(negative ? "-" : "")}{text}' is not a 64-bit integer", token);
                return 0;
            }

            return value;
        }

        private PolicyAction ParseAction()
        {
            var token = Current;
            var name = token.Kind == PolicyTokenKind.Identifier ? Keyword(token) : null;
            ClaimActionKind kind;
            switch (name)
            {
                case "permit":
                case "deny":
                    Advance();
                    Expect(PolicyTokenKind.LeftParen, $"'(' after {name}");
                    Expect(PolicyTokenKind.RightParen, $"')': {name}() takes no arguments");
                    return name == "permit" ? new PermitAction(token.Position) : new DenyAction(token.Position);
                case "issue": kind = ClaimActionKind.Issue; break;
                case "add": kind = ClaimActionKind.Add; break;
                case "issueproperty": kind = ClaimActionKind.IssueProperty; break;
                default:
                    throw Fail(PolicyErrorCode.UnexpectedToken, $"expected permit, deny, issue, add or issueproperty, found {token.Describe()}", token);
            }

            Advance();
            Expect(PolicyTokenKind.LeftParen, $"'(' after {name}");
            Expression? type = null;
            Expression? value = null;
            string? claim = null;
            while (true)
            {
                var argToken = Current;
                var argName = argToken.Kind == PolicyTokenKind.Identifier ? Keyword(argToken) : null;
                if (argName is not ("type" or "value" or "claim"))
                {
                    throw Fail(PolicyErrorCode.UnexpectedToken, $"expected type=, value= or claim=, found {argToken.Describe()}", argToken);
                }

                Advance();
                Expect(PolicyTokenKind.Assign, $"'=' after '{argToken.Text}'");
                if (argName == "claim")
                {
                    var bindingToken = Current;
                    if (bindingToken.Kind != PolicyTokenKind.Identifier)
                    {
                        throw Fail(PolicyErrorCode.UnexpectedToken, $"expected the name of a bound claim, found {bindingToken.Describe()}", bindingToken);
                    }

                    Advance();
                    if (claim is not null)
                    {
                        Report(PolicyErrorCode.InvalidClaimArguments, "claim= is given twice", argToken);
                    }

                    claim = bindingToken.Text;
                }
                else
                {
                    var expression = ParseExpression(0);
                    if ((argName == "type" ? type : value) is not null)
                    {
                        Report(PolicyErrorCode.InvalidClaimArguments, $"{argName}= is given twice", argToken);
                    }

                    if (argName == "type")
                    {
                        type = expression;
                    }
                    else
                    {
                        value = expression;
                    }
                }

                if (Current.Kind != PolicyTokenKind.Comma)
                {
                    break;
                }

                Advance();
            }

            Expect(PolicyTokenKind.RightParen, "',' or ')' after the claim arguments");
            if (claim is not null)
            {
                if (type is not null || value is not null)
                {
                    Report(PolicyErrorCode.InvalidClaimArguments, "claim= cannot be combined with type= or value=", token);
                }

                return new CopyClaimAction(kind, claim, token.Position);
            }

            if (type is null || value is null)
            {
                throw Fail(PolicyErrorCode.InvalidClaimArguments, $"{name} needs both type= and value= (or claim=)", token);
            }

            return new ClaimAction(kind, type, value, token.Position);
        }

        private void ExpectSemicolonAfterSection()
        {
            if (Current.Kind == PolicyTokenKind.Semicolon)
            {
                Advance();
                return;
            }

            Report(PolicyErrorCode.UnexpectedToken, $"expected ';' after the section's '}}', found {Current.Describe()}", Current);
        }

        private void Expect(PolicyTokenKind kind, string what)
        {
            if (Current.Kind == kind)
            {
                Advance();
                return;
            }

            if (Current.Kind == PolicyTokenKind.End)
            {
                throw Fail(PolicyErrorCode.UnexpectedEnd, $"the text ends where {what} is expected", Current);
            }

            throw Fail(PolicyErrorCode.UnexpectedToken, $"expected {what}, found {Current.Describe()}", Current);
        }

        private SyntaxError Fail(PolicyErrorCode code, string message, PolicyToken at)
        {
            Report(code, message, at);
            return new SyntaxError();
        }

        private void Report(PolicyErrorCode code, string message, PolicyToken at)
        {
            _reportedEnd |= at.Kind == PolicyTokenKind.End;
            diagnostics.Add(code, message, at.Position);
        }

        /// <summary>Skips to <paramref name="kind"/> (consuming it if asked) or to a '}' or the end.</summary>
        private void SkipTo(PolicyTokenKind kind, bool consume, bool stopAtBrace)
        {
            while (Current.Kind != PolicyTokenKind.End)
            {
                if (Current.Kind == kind)
                {
                    if (consume)
                    {
                        Advance();
                    }

                    return;
                }

                if (stopAtBrace && Current.Kind is PolicyTokenKind.RightBrace or PolicyTokenKind.LeftBrace)
                {
                    return;
                }

                Advance();
            }
        }

        /// <summary>After a bad section header: skip its body, if any, and the ';' after it.</summary>
        private void SkipPastSection()
        {
            var depth = 0;
            while (Current.Kind != PolicyTokenKind.End)
            {
                var kind = Advance().Kind;
                if (kind == PolicyTokenKind.LeftBrace)
                {
                    depth++;
                }
                else if (kind == PolicyTokenKind.RightBrace && --depth <= 0)
                {
                    if (Current.Kind == PolicyTokenKind.Semicolon)
                    {
                        Advance();
                    }

                    return;
                }
                else if (kind == PolicyTokenKind.Semicolon && depth == 0)
                {
                    return;
                }
            }
        }

        private static string Keyword(PolicyToken token) => token.Text.ToLowerInvariant();
    }
}
