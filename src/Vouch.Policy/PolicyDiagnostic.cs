using System.Globalization;

namespace Vouch.Policy;

/// <summary>
/// One problem found in a policy text or met while evaluating it: a stable code, a human message
/// (never asserted on), and the 1-based line and column where it starts.
/// </summary>
/// <param name="Code">The stable code.</param>
/// <param name="Message">Explanation for humans; wording may change.</param>
/// <param name="Line">1-based line in the policy text.</param>
/// <param name="Column">1-based column (UTF-16 code units) in that line.</param>
public sealed record PolicyDiagnostic(PolicyErrorCode Code, string Message, int Line, int Column)
{
    /// <summary>Prints <c>line:col: ATT6xxx: message</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Line}:{Column}: {Code.Format()}: {Message}");

    /// <summary>Prints <c>FILE:line:col: ATT6xxx: message</c>, the form compilers and editors understand.</summary>
    public string ToString(string file) => file + ":" + ToString();
}
