using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Evidence;
using Vouch.Policy;
using Vouch.Policy.Evaluation;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Claims;

/// <summary>
/// The claims-and-policy half of the pipeline, as a pure function: verified facts → incoming claims →
/// policy → token payload (without the registered JWT claims). the engine calls it
/// after verification; the MAA golden test calls it on the recorded evidence.
/// </summary>
public static class AttestationEvaluator
{
    /// <summary>
    /// Builds the claims, evaluates <paramref name="policy"/> and assembles the payload; fails with
    /// <see cref="AttestationErrorCode.PolicyDenied"/> when the policy does not authorise.
    /// </summary>
    public static bool TryEvaluate(
        SgxEvidence evidence,
        CheckedData data,
        VerificationReport report,
        CollateralDigests digests,
        TrustAnchor? trustAnchor,
        AttestationPolicy policy,
        JsonObject? policySigner,
        string? nonce,
        [NotNullWhen(true)] out JsonObject? payload,
        [NotNullWhen(false)] out AttestationError? error)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var claims = SgxClaims.Build(evidence, data, report, digests, trustAnchor);
        var result = policy.Evaluate(claims.Incoming, new PolicyEvaluationOptions { ReservedClaimTypes = AttestationClaimTypes.Reserved });
        if (!result.IsAuthorized)
        {
            payload = null;
            error = new AttestationError(AttestationErrorCode.PolicyDenied, result.Reason) { PolicyError = result.Failure };
            return false;
        }

        payload = AttestationPayload.Build(claims, policy.Hash, result.IssuedClaims, policySigner, nonce);
        error = null;
        return true;
    }
}
