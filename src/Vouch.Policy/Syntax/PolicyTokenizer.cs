using System.Collections.Immutable;
using System.Text;

namespace Vouch.Policy.Syntax;

/// <summary>
/// Splits a policy text into tokens. Never throws on bad input: an unknown character, an unclosed
/// string or a bad escape becomes a diagnostic and tokenizing goes on, so one pass reports every
/// lexical problem. <c>//</c> starts a comment that runs to the end of the line.
/// </summary>
internal static class PolicyTokenizer
{
    /// <summary>Tokenizes <paramref name="text"/>; the last token is always <see cref="PolicyTokenKind.End"/>.</summary>
    public static ImmutableArray<PolicyToken> Tokenize(string text, PolicyLimits limits, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var tokens = ImmutableArray.CreateBuilder<PolicyToken>();
        var i = 0;
        var line = 1;
        var lineStart = 0;

        TextPosition Here(int offset) => new(offset, line, offset - lineStart + 1);

        // A byte order mark is not part of the language; editors add one.
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            i = 1;
            lineStart = 1;
        }

        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n')
            {
                i++;
                line++;
                lineStart = i;
                continue;
            }

            if (c is ' ' or '\t' or '\r' or '\f' or '\v')
            {
                i++;
                continue;
            }

            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            var start = Here(i);
            if (IsIdentifierStart(c))
            {
                var end = i + 1;
                while (end < text.Length && IsIdentifierPart(text[end]))
                {
                    end++;
                }

                tokens.Add(new PolicyToken(PolicyTokenKind.Identifier, text[i..end], start));
                i = end;
                continue;
            }

            if (char.IsAsciiDigit(c))
            {
                i = ReadNumber(text, i, start, tokens);
                continue;
            }

            if (c == '"')
            {
                i = ReadString(text, i, start, limits, tokens, diagnostics);
                continue;
            }

            var two = i + 1 < text.Length ? text.Substring(i, 2) : null;
            (PolicyTokenKind Kind, int Length)? op = two switch
            {
                "=>" => (PolicyTokenKind.Arrow, 2),
                "==" => (PolicyTokenKind.Equal, 2),
                "!=" => (PolicyTokenKind.NotEqual, 2),
                "<=" => (PolicyTokenKind.LessOrEqual, 2),
                ">=" => (PolicyTokenKind.GreaterOrEqual, 2),
                "&&" => (PolicyTokenKind.AndAnd, 2),
                _ => c switch
                {
                    '{' => (PolicyTokenKind.LeftBrace, 1),
                    '}' => (PolicyTokenKind.RightBrace, 1),
                    '[' => (PolicyTokenKind.LeftBracket, 1),
                    ']' => (PolicyTokenKind.RightBracket, 1),
                    '(' => (PolicyTokenKind.LeftParen, 1),
                    ')' => (PolicyTokenKind.RightParen, 1),
                    ';' => (PolicyTokenKind.Semicolon, 1),
                    ',' => (PolicyTokenKind.Comma, 1),
                    ':' => (PolicyTokenKind.Colon, 1),
                    '.' => (PolicyTokenKind.Dot, 1),
                    '=' => (PolicyTokenKind.Assign, 1),
                    '<' => (PolicyTokenKind.Less, 1),
                    '>' => (PolicyTokenKind.Greater, 1),
                    '!' => (PolicyTokenKind.Bang, 1),
                    '-' => (PolicyTokenKind.Minus, 1),
                    _ => null,
                },
            };

            if (op is { } o)
            {
                tokens.Add(new PolicyToken(o.Kind, text.Substring(i, o.Length), start));
                i += o.Length;
                continue;
            }

            var shown = char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString();
            diagnostics.Add(new PolicyDiagnostic(PolicyErrorCode.UnexpectedCharacter, $"unexpected character '{shown}'", start.Line, start.Column));
            i++;
        }

        tokens.Add(new PolicyToken(PolicyTokenKind.End, "", Here(i)));
        return tokens.ToImmutable();
    }

    private static int ReadNumber(string text, int i, TextPosition start, ImmutableArray<PolicyToken>.Builder tokens)
    {
        var end = i;
        if (text[i] == '0' && i + 1 < text.Length && (text[i + 1] is 'x' or 'X'))
        {
            end = i + 2;
            while (end < text.Length && char.IsAsciiHexDigit(text[end]))
            {
                end++;
            }

            tokens.Add(new PolicyToken(PolicyTokenKind.Integer, text[i..end], start));
            return end;
        }

        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        if (end + 1 < text.Length && text[end] == '.' && char.IsAsciiDigit(text[end + 1]))
        {
            end++;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            tokens.Add(new PolicyToken(PolicyTokenKind.Decimal, text[i..end], start));
            return end;
        }

        tokens.Add(new PolicyToken(PolicyTokenKind.Integer, text[i..end], start));
        return end;
    }

    private static int ReadString(string text, int i, TextPosition start, PolicyLimits limits, ImmutableArray<PolicyToken>.Builder tokens, DiagnosticBag diagnostics)
    {
        var value = new StringBuilder();
        var j = i + 1;
        var tooLong = false;
        while (true)
        {
            if (j >= text.Length || text[j] == '\n')
            {
                diagnostics.Add(new PolicyDiagnostic(PolicyErrorCode.UnterminatedString, "string literal is not closed on its line", start.Line, start.Column));
                tokens.Add(new PolicyToken(PolicyTokenKind.String, value.ToString(), start));
                return j;
            }

            var c = text[j];
            if (c == '"')
            {
                j++;
                break;
            }

            if (c == '\\')
            {
                var next = j + 1 < text.Length ? text[j + 1] : '\0';
                if (next is '"' or '\\')
                {
                    value.Append(next);
                    j += 2;
                    continue;
                }

                diagnostics.Add(new PolicyDiagnostic(PolicyErrorCode.InvalidEscape, "only \\\" and \\\\ may follow a backslash in a string", start.Line, start.Column + (j - i)));
                j++;
                continue;
            }

            if (!tooLong)
            {
                value.Append(c);
                if (value.Length > limits.MaxStringLength)
                {
                    tooLong = true;
                    diagnostics.Add(new PolicyDiagnostic(PolicyErrorCode.StringTooLong, $"string literal is longer than {limits.MaxStringLength} characters", start.Line, start.Column));
                }
            }

            j++;
        }

        tokens.Add(new PolicyToken(PolicyTokenKind.String, value.ToString(), start));
        return j;
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
