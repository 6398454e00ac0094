using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Stores;

namespace Vouch.Attestation.Policies;

/// <content>Who may change what: trust, time, binding and replay checks, and the atomic change.</content>
public sealed partial class PolicyAdministrator
{
    private const string SetPolicyOperation = "SetPolicy";
    private const string ResetPolicyOperation = "ResetPolicy";
    private const string AddPolicySignerOperation = "AddPolicySigner";
    private const string RemovePolicySignerOperation = "RemovePolicySigner";
    private const string SetCollateralPolicyOperation = "SetCollateralPolicy";

    /// <summary>Whether the certificate <paramref name="der"/> is within its validity period at <paramref name="now"/>.</summary>
    public static bool IsValidAt(ReadOnlySpan<byte> der, DateTimeOffset now)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        return now >= certificate.NotBefore.ToUniversalTime() && now <= certificate.NotAfter.ToUniversalTime();
    }

    // Everything that does not depend on the provider's state, then a first trust check (so the error order is the
    // one MAA's clients see); ChangeAsync checks trust again inside the store's transaction.
    private async Task<(ManagementJws? Jws, AttestationError? Error)> ReadAuthorisedAsync(
        AttestationProvider provider, string compact, string operation, AttestationType? type, CancellationToken cancellationToken)
    {
        if (!ManagementJws.TryRead(compact, out var jws, out var error))
        {
            return (null, error);
        }

        if (provider.Isolated && !jws.IsSigned)
        {
            return (null, new AttestationError(AttestationErrorCode.ManagementSignatureRequired, "an isolated provider takes only JWS signed by a trusted policy signer"));
        }

        if ((CheckTime(jws.Claims) ?? CheckBinding(jws.Claims, provider, operation, type)) is { } refused)
        {
            return (null, refused);
        }

        if (provider.Isolated)
        {
            var signers = await _signers.GetPolicySignersAsync(provider.Name, cancellationToken).ConfigureAwait(false);
            if (Authorise(jws, signers) is { } untrusted)
            {
                return (null, untrusted);
            }
        }

        return (jws, null);
    }

    // §4.2: isolated providers take only JWS signed by a trusted signer, matched by the whole DER (not by subject or a
    // self-declared chain), within its validity period.
    private AttestationError? Authorise(ManagementJws jws, ImmutableArray<PolicySignerCertificate> signers)
    {
        var trusted = signers.FirstOrDefault(s => s.Certificate.AsSpan().SequenceEqual(jws.SignerCertificate.AsSpan()));
        if (trusted is null)
        {
            return new AttestationError(AttestationErrorCode.ManagementSignerNotTrusted, "the JWS signer is not a trusted policy signer of this provider");
        }

        return IsValidAt(trusted.Certificate.AsSpan(), _time.GetUtcNow())
            ? null
            : new AttestationError(AttestationErrorCode.ManagementSignerExpired, $"the trusted signer {trusted.Thumbprint} is outside its validity period");
    }

    // RFC 7519 §4.1.4–4.1.6, with ClockSkew either way.
    private AttestationError? CheckTime(ManagementJwsClaims claims)
    {
        var now = _time.GetUtcNow();
        var problem = claims switch
        {
            // Skew applied to the service's instant, never to the JWS's (which may be at the end of time).
            { Expires: { } exp } when now - ClockSkew > exp => $"it expired at {exp:O}",
            { NotBefore: { } nbf } when now + ClockSkew < nbf => $"it is not valid before {nbf:O}",
            { IssuedAt: { } iat } when iat > now + ClockSkew => $"it was issued in the future ({iat:O})",
            _ => null,
        };
        return problem is null ? null : new AttestationError(AttestationErrorCode.ManagementJwsOutsideValidity, $"the JWS is outside the service's clock ({now:O}): {problem}");
    }

    private static AttestationError? CheckBinding(ManagementJwsClaims claims, AttestationProvider provider, string operation, AttestationType? type)
    {
        var mismatch = claims switch
        {
            { Operation: { } named } when named != operation => $"{ManagementJwsClaims.OperationMember} '{named}', not '{operation}'",
            { Provider: { } named } when named != provider.Name => $"{ManagementJwsClaims.ProviderMember} '{named}', not '{provider.Name}'",
            { Type: { } named } when type is null || !string.Equals(named, type.ToString(), StringComparison.OrdinalIgnoreCase) =>
                $"{ManagementJwsClaims.TypeMember} '{named}', not {(type is null ? "an operation without a type" : "'" + type + "'")}",
            _ => null,
        };
        return mismatch is null ? null : new AttestationError(AttestationErrorCode.ManagementBindingMismatch, "the JWS is bound to another request: " + mismatch);
    }

    // A signed policy or reset older (by iat) than the policy in force, when both carry an iat.
    private static bool IsRollback(ManagementJws jws, StoredPolicy? active) =>
        jws.Claims.IssuedAt is { } issued && active is not null
        && ManagementJws.TryRead(active.Jws, out var current, out _) && current.Claims.IssuedAt is { } activeIssued
        && issued < activeIssued;

    /// <summary>
    /// Decides and applies one change inside the store's transaction: trust is checked again against the signers of
    /// that moment, then <paramref name="decide"/>, then the replay rule (docs/server.md, "Replayed management JWS").
    /// </summary>
    private async Task<AttestationError?> ChangeAsync(
        AttestationProvider provider, ManagementJws jws, string operation, Func<ManagementState, (ManagementChange? Change, AttestationError? Error)> decide, CancellationToken cancellationToken)
    {
        AttestationError? refusal = null;
        var now = _time.GetUtcNow();
        var hash = jws.IsSigned ? jws.Hash : null;
        await _state.ChangeManagementStateAsync(provider.Name, hash, state =>
        {
            refusal = provider.Isolated ? Authorise(jws, state.Signers) : null;
            ManagementChange? change = null;
            if (refusal is null)
            {
                (change, refusal) = decide(state);
            }

            if (refusal is null && provider.Isolated && change is not ManagementChange.NoChange && !MayApplyAgain(state.Accepted, provider.Name, operation))
            {
                refusal = new AttestationError(AttestationErrorCode.ManagementJwsReplayed, "these JWS bytes were accepted before and applying them again would change the provider");
            }

            return refusal is not null
                ? ManagementDecision.Refused
                : new ManagementDecision(change, hash is null ? null : new AcceptedManagementJws(hash, provider.Name, operation, now));
        }, cancellationToken).ConfigureAwait(false);
        return refusal;
    }

    // Bytes never accepted may be applied. So may, once, a signer removal whose bytes were accepted only as the addition of
    // the same certificate to the same provider: MAA's add and remove JWS have the same payload, so a deterministic
    // signature (RS256, as Microsoft's clients make with RSA keys) gives both the same bytes.
    private static bool MayApplyAgain(ImmutableArray<AcceptedManagementJws> accepted, string provider, string operation) =>
        accepted.IsEmpty
        || (operation.StartsWith(RemovePolicySignerOperation + "/", StringComparison.Ordinal)
            && accepted.All(a => a.Provider == provider && a.Operation == AddPolicySignerOperation + operation[RemovePolicySignerOperation.Length..]));
}
