using System.Collections.Immutable;

namespace Vouch.Policy.Evaluation;

/// <summary>Options of one evaluation.</summary>
public sealed record PolicyEvaluationOptions
{
    /// <summary>The default: no trace.</summary>
    public static PolicyEvaluationOptions Default { get; } = new();

    /// <summary>Record every rule firing in <see cref="PolicyEvaluationResult.Trace"/>.</summary>
    public bool Trace { get; init; }

    /// <summary>
    /// Claim types the evaluation refuses to issue (<see cref="PolicyErrorCode.ReservedClaimIssued"/>);
    /// null: those the policy was compiled with (<see cref="AttestationPolicy.ReservedClaimTypes"/>).
    /// </summary>
    public ReservedClaimTypes? ReservedClaimTypes { get; init; }
}

/// <summary>
/// The outcome of evaluating a policy against a claim set: whether it authorised, and if so the
/// claims issued for the token and the engine properties set. Not authorised carries the reason code.
/// </summary>
public sealed record PolicyEvaluationResult
{
    /// <summary>MAA's message when no permit() fired.</summary>
    public const string NoPermitMessage = "No Permit claim was issued in the authorizationrules section, authorization failed.";

    /// <summary>MAA's message when a deny() fired.</summary>
    public const string DeniedMessage = "A Deny claim was issued, authorization failed.";

    /// <summary>True when authorizationrules permitted and nothing denied.</summary>
    public required bool IsAuthorized { get; init; }

    /// <summary>Why not authorised: <see cref="PolicyErrorCode.NoPermit"/>, <see cref="PolicyErrorCode.Denied"/>, <see cref="PolicyErrorCode.StepLimitExceeded"/> or <see cref="PolicyErrorCode.ReservedClaimIssued"/>; null when authorised.</summary>
    public PolicyErrorCode? Failure { get; init; }

    /// <summary>A one-line human explanation (MAA's wording for the two authorisation failures).</summary>
    public required string Reason { get; init; }

    /// <summary>Claims issued by issuancerules, in order, for the token (empty when not authorised).</summary>
    public ImmutableArray<Claim> IssuedClaims { get; init; } = [];

    /// <summary>Property claims set by issueproperty, in order; they configure the engine and are never emitted.</summary>
    public ImmutableArray<Claim> PropertyClaims { get; init; } = [];

    /// <summary>Non-fatal problems met while evaluating (a function without a value, and why).</summary>
    public ImmutableArray<PolicyDiagnostic> Warnings { get; init; } = [];

    /// <summary>Every rule firing, when <see cref="PolicyEvaluationOptions.Trace"/> was set.</summary>
    public ImmutableArray<RuleFiring> Trace { get; init; } = [];

    /// <summary>Evaluation steps used (see <see cref="PolicyLimits.MaxEvaluationSteps"/>).</summary>
    public int Steps { get; init; }

    /// <summary>The value of the last property claim of <paramref name="type"/>, or null.</summary>
    public ClaimValue? GetProperty(string type)
    {
        for (var i = PropertyClaims.Length - 1; i >= 0; i--)
        {
            if (string.Equals(PropertyClaims[i].Type, type, StringComparison.Ordinal))
            {
                return PropertyClaims[i].Value;
            }
        }

        return null;
    }
}
