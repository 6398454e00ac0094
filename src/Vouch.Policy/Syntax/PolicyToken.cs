namespace Vouch.Policy.Syntax;

/// <summary>The kinds of token of the policy language.</summary>
internal enum PolicyTokenKind
{
    /// <summary>A name: keyword, binding, function or property.</summary>
    Identifier,
    /// <summary>Decimal or <c>0x</c> hexadecimal digits.</summary>
    Integer,
    /// <summary>Digits, a dot, digits (only valid as the version number).</summary>
    Decimal,
    /// <summary>A double-quoted string literal.</summary>
    String,
    /// <summary><c>{</c></summary>
    LeftBrace,
    /// <summary><c>}</c></summary>
    RightBrace,
    /// <summary><c>[</c></summary>
    LeftBracket,
    /// <summary><c>]</c></summary>
    RightBracket,
    /// <summary><c>(</c></summary>
    LeftParen,
    /// <summary><c>)</c></summary>
    RightParen,
    /// <summary><c>;</c></summary>
    Semicolon,
    /// <summary><c>,</c></summary>
    Comma,
    /// <summary><c>:</c></summary>
    Colon,
    /// <summary><c>.</c></summary>
    Dot,
    /// <summary><c>=&gt;</c></summary>
    Arrow,
    /// <summary><c>=</c></summary>
    Assign,
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
    /// <summary><c>&amp;&amp;</c></summary>
    AndAnd,
    /// <summary><c>!</c></summary>
    Bang,
    /// <summary><c>-</c> (only before an integer)</summary>
    Minus,
    /// <summary>The end of the text.</summary>
    End,
}

/// <summary>One token: its kind, its text (for strings, the unescaped value) and where it starts.</summary>
/// <param name="Kind">What the token is.</param>
/// <param name="Text">The source text, or for a string literal its unescaped value.</param>
/// <param name="Position">Where the token starts.</param>
internal sealed record PolicyToken(PolicyTokenKind Kind, string Text, TextPosition Position)
{
    /// <summary>How a token of this kind is shown in "expected …" messages.</summary>
    public static string Describe(PolicyTokenKind kind) => kind switch
    {
        PolicyTokenKind.Identifier => "a name",
        PolicyTokenKind.Integer => "an integer",
        PolicyTokenKind.Decimal => "a version number",
        PolicyTokenKind.String => "a string",
        PolicyTokenKind.LeftBrace => "'{'",
        PolicyTokenKind.RightBrace => "'}'",
        PolicyTokenKind.LeftBracket => "'['",
        PolicyTokenKind.RightBracket => "']'",
        PolicyTokenKind.LeftParen => "'('",
        PolicyTokenKind.RightParen => "')'",
        PolicyTokenKind.Semicolon => "';'",
        PolicyTokenKind.Comma => "','",
        PolicyTokenKind.Colon => "':'",
        PolicyTokenKind.Dot => "'.'",
        PolicyTokenKind.Arrow => "'=>'",
        PolicyTokenKind.Assign => "'='",
        PolicyTokenKind.Equal => "'=='",
        PolicyTokenKind.NotEqual => "'!='",
        PolicyTokenKind.Less => "'<'",
        PolicyTokenKind.LessOrEqual => "'<='",
        PolicyTokenKind.Greater => "'>'",
        PolicyTokenKind.GreaterOrEqual => "'>='",
        PolicyTokenKind.AndAnd => "'&&'",
        PolicyTokenKind.Bang => "'!'",
        PolicyTokenKind.Minus => "'-'",
        PolicyTokenKind.End => "the end of the text",
        _ => kind.ToString(),
    };

    /// <summary>How this token is shown in "found …" messages.</summary>
    public string Describe() => Kind switch
    {
        PolicyTokenKind.End => "the end of the text",
        PolicyTokenKind.String => "string \"" + (Text.Length > 32 ? Text[..32] + "…" : Text) + "\"",
        _ => "'" + (Text.Length > 32 ? Text[..32] + "…" : Text) + "'",
    };
}
