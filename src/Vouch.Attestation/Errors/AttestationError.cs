using System.Collections.Immutable;
using Vouch.Policy;
using Vouch.Sgx;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Errors;

/// <summary>
/// Why an attestation was refused: a stable code, a human message (which may change), and the
/// underlying codes from the verifier or the policy engine when they decided it.
/// </summary>
/// <param name="Code">The stable code.</param>
/// <param name="Message">A one-line explanation for people; never parse it.</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record AttestationError(AttestationErrorCode Code, string Message)
{
    /// <summary>The quote format error, for <see cref="AttestationErrorCode.EvidenceMalformed"/>.</summary>
    public ErrorCode? QuoteError { get; init; }

    /// <summary>The checks that failed, for <see cref="AttestationErrorCode.EvidenceNotVerified"/>.</summary>
    public ImmutableArray<CheckOutcome> FailedChecks { get; init; } = [];

    /// <summary>The policy outcome code (ATT6101 no permit, ATT6102 denied, ATT6103 step limit), for <see cref="AttestationErrorCode.PolicyDenied"/>.</summary>
    public PolicyErrorCode? PolicyError { get; init; }

    /// <summary>The compile diagnostics, for <see cref="AttestationErrorCode.PolicyInvalid"/>.</summary>
    public ImmutableArray<PolicyDiagnostic> PolicyDiagnostics { get; init; } = [];

    /// <summary>The MAA error code name for <see cref="Code"/>.</summary>
    public string MaaCode => Code.MaaCode();

    /// <summary>The HTTP status for <see cref="Code"/>.</summary>
    public int HttpStatus => Code.HttpStatus();

    /// <inheritdoc />
    public override string ToString() => $"{Code.Format()} ({MaaCode}): {Message}";
}
