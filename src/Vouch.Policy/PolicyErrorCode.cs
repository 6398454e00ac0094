namespace Vouch.Policy;

/// <summary>
/// Stable codes for everything <c>Vouch.Policy</c> reports: 60xx for text that does not compile,
/// 61xx for evaluation outcomes and warnings. Each value is printed as <c>ATT</c> followed by its
/// number (<see cref="PolicyErrorCodes.Format"/>) and documented, one anchor per code, in
/// <c>docs/errors.md</c>. Numbers are never reused or renumbered.
/// </summary>
public enum PolicyErrorCode
{
    // 60xx: the text does not compile (tokenizer, parser, semantic checks, limits)
    /// <summary>The policy text is longer than <see cref="PolicyLimits.MaxPolicyLength"/>.</summary>
    PolicyTooLarge = 6001,
    /// <summary>A character that starts no token of the language.</summary>
    UnexpectedCharacter = 6002,
    /// <summary>A string literal is not closed before the end of its line.</summary>
    UnterminatedString = 6003,
    /// <summary>A backslash in a string literal is not followed by <c>"</c> or <c>\</c>.</summary>
    InvalidEscape = 6004,
    /// <summary>An integer literal does not fit a signed 64-bit integer, or a number is malformed.</summary>
    InvalidNumber = 6005,
    /// <summary>A token other than the ones the grammar allows at this point.</summary>
    UnexpectedToken = 6006,
    /// <summary>The text ends where the grammar expects more.</summary>
    UnexpectedEnd = 6007,
    /// <summary>The text does not start with <c>version=MAJOR.MINOR;</c>.</summary>
    MissingVersion = 6008,
    /// <summary>The version is not 1.0, 1.1 or 1.2.</summary>
    UnsupportedVersion = 6009,
    /// <summary>A section name other than configurationrules, authorizationrules, issuancerules.</summary>
    UnknownSection = 6010,
    /// <summary>A section appears twice.</summary>
    DuplicateSection = 6011,
    /// <summary>Sections are not in the order configurationrules, authorizationrules, issuancerules.</summary>
    SectionOutOfOrder = 6012,
    /// <summary>configurationrules in a version 1.0 policy.</summary>
    SectionNotInVersion = 6013,
    /// <summary>A 1.2 feature (negated condition, function call) in an earlier version.</summary>
    FeatureNotInVersion = 6014,
    /// <summary>A single <c>=</c> where a condition needs a comparison operator.</summary>
    AssignmentInCondition = 6015,
    /// <summary>An operator or operand type that the property or value type does not support.</summary>
    OperatorNotSupported = 6016,
    /// <summary>A call of a function the language does not have.</summary>
    UnknownFunction = 6017,
    /// <summary>A function called with the wrong number of arguments.</summary>
    WrongArgumentCount = 6018,
    /// <summary>A name used before a condition of the same rule binds it.</summary>
    UnboundIdentifier = 6019,
    /// <summary>One rule binds the same name twice.</summary>
    DuplicateBinding = 6020,
    /// <summary>A negated condition binds a name (it matches no claim, so there is nothing to bind).</summary>
    NegatedConditionBinds = 6021,
    /// <summary>An action the section does not allow (for example issue in authorizationrules).</summary>
    ActionNotAllowed = 6022,
    /// <summary>The query of a JmesPath call is not valid JMESPath, or uses a feature outside the JMESPath specification.</summary>
    InvalidJmesPathQuery = 6023,
    /// <summary>More rules than <see cref="PolicyLimits.MaxRules"/>.</summary>
    TooManyRules = 6024,
    /// <summary>Function calls nested deeper than <see cref="PolicyLimits.MaxNestingDepth"/>.</summary>
    NestingTooDeep = 6025,
    /// <summary>A string literal longer than <see cref="PolicyLimits.MaxStringLength"/>.</summary>
    StringTooLong = 6026,
    /// <summary>More diagnostics than <see cref="PolicyLimits.MaxDiagnostics"/>; the rest were not reported.</summary>
    TooManyDiagnostics = 6027,
    /// <summary>A JmesPath query whose worst-case output growth exceeds <see cref="PolicyLimits.MaxJmesPathGrowth"/>, or that is too long or too deeply nested.</summary>
    JmesPathTooCostly = 6028,
    /// <summary>A rule with more conditions than <see cref="PolicyLimits.MaxConditionsPerRule"/>.</summary>
    TooManyConditions = 6029,
    /// <summary>A valueType test against a name other than String, Integer, Boolean or Set.</summary>
    UnknownValueType = 6030,
    /// <summary>The query argument of JmesPath is not a string literal.</summary>
    JmesPathQueryNotLiteral = 6031,
    /// <summary>A claim action whose type is the empty string.</summary>
    EmptyClaimType = 6032,
    /// <summary>authorizationrules or issuancerules is missing.</summary>
    MissingSection = 6033,
    /// <summary>A claim action names the same argument twice, or lacks type or value.</summary>
    InvalidClaimArguments = 6034,
    /// <summary>An issue action names a claim type the service owns (see <see cref="ReservedClaimTypes"/>), or one with a default-ignorable code point.</summary>
    ReservedClaimType = 6035,

    // 61xx: evaluation outcomes and warnings
    /// <summary>No permit() fired in authorizationrules: not authorised.</summary>
    NoPermit = 6101,
    /// <summary>A deny() fired in authorizationrules: not authorised.</summary>
    Denied = 6102,
    /// <summary>Evaluation took more than <see cref="PolicyLimits.MaxEvaluationSteps"/> steps and was stopped: not authorised.</summary>
    StepLimitExceeded = 6103,
    /// <summary>Warning: a JmesPath input was not JSON, or larger than <see cref="PolicyLimits.MaxJsonLength"/>; the call has no value.</summary>
    JmesPathInputInvalid = 6104,
    /// <summary>Warning: JsonToClaimValue met an object, a fraction, a nested array or text that is not JSON; the call has no value.</summary>
    JsonValueUnsupported = 6105,
    /// <summary>Warning: a function argument of the wrong type; the call has no value.</summary>
    ArgumentTypeMismatch = 6106,
    /// <summary>Warning: a computed string longer than <see cref="PolicyLimits.MaxStringLength"/>; the call has no value.</summary>
    ValueTooLarge = 6107,
    /// <summary>Warning: the JMESPath engine failed on this input (for example a type error inside the query); the call has no value.</summary>
    JmesPathFailed = 6108,
    /// <summary>An issue action computed a claim type the service owns (see <see cref="ReservedClaimTypes"/>), or one with a default-ignorable code point; evaluation was stopped: not authorised.</summary>
    ReservedClaimIssued = 6109,
}

/// <summary>Formatting of <see cref="PolicyErrorCode"/> values.</summary>
public static class PolicyErrorCodes
{
    /// <summary>Prints a code as it appears in diagnostics and in <c>docs/errors.md</c>, for example <c>ATT6001</c>.</summary>
    public static string Format(this PolicyErrorCode code) =>
        "ATT" + ((int)code).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads <c>ATT6001</c> (or <c>6001</c>) back into a code.</summary>
    public static bool TryParse(string? text, out PolicyErrorCode code)
    {
        code = default;
        if (text is null)
        {
            return false;
        }

        var digits = text.StartsWith("ATT", StringComparison.Ordinal) ? text[3..] : text;
        if (!int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            || !Enum.IsDefined(typeof(PolicyErrorCode), number))
        {
            return false;
        }

        code = (PolicyErrorCode)number;
        return true;
    }
}
