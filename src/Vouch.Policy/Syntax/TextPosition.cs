namespace Vouch.Policy.Syntax;

/// <summary>A place in a policy text: 0-based offset, 1-based line and column.</summary>
/// <param name="Offset">0-based index into the text.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column (UTF-16 code units).</param>
public readonly record struct TextPosition(int Offset, int Line, int Column)
{
    /// <summary>The start of a text.</summary>
    public static TextPosition Start { get; } = new(0, 1, 1);
}
