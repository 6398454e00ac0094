using System.Collections.Immutable;
using Vouch.Attestation.Collateral;

namespace Vouch.Attestation.Stores;

/// <summary>One management JWS a provider accepted: the replay record (kept for good).</summary>
/// <param name="Hash">base64url(SHA-256(ASCII bytes of the JWS)), MAA's <c>x-ms-policy-token-hash</c> formula.</param>
/// <param name="Provider">The provider that accepted it.</param>
/// <param name="Operation">What it was accepted for: <c>SetPolicy/SgxEnclave</c>, <c>ResetPolicy/Tpm</c>, <c>AddPolicySigner/&lt;thumbprint&gt;</c>, <c>RemovePolicySigner/&lt;thumbprint&gt;</c>, <c>SetCollateralPolicy</c>.</param>
/// <param name="AcceptedAt">When.</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record AcceptedManagementJws(string Hash, string Provider, string Operation, DateTimeOffset AcceptedAt);

/// <summary>What a management decision reads: one provider's trusted signers, policies and collateral policy, and the replay records of one JWS.</summary>
/// <param name="Signers">The trusted policy signers, in the order added.</param>
/// <param name="Policies">The policies set, by type (a type without one is absent).</param>
/// <param name="Collateral">The provider's collateral freshness rules.</param>
/// <param name="Accepted">Every record of the JWS being decided (any provider, any operation); empty when it is new or unsigned.</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record ManagementState(
    ImmutableArray<PolicySignerCertificate> Signers,
    ImmutableDictionary<AttestationType, StoredPolicy> Policies,
    CollateralPolicy Collateral,
    ImmutableArray<AcceptedManagementJws> Accepted);

/// <summary>A change of one provider's management state; <see cref="Unchanged"/> writes nothing but the replay record.</summary>
/// <threadsafety>Immutable.</threadsafety>
public abstract record ManagementChange
{
    private protected ManagementChange()
    {
    }

    /// <summary>The change that changes nothing.</summary>
    public static ManagementChange Unchanged { get; } = new NoChange();

    /// <summary>Nothing changes.</summary>
    public sealed record NoChange : ManagementChange;

    /// <summary>The policy for <paramref name="Type"/> becomes <paramref name="Policy"/>.</summary>
    public sealed record ReplacePolicy(AttestationType Type, StoredPolicy Policy) : ManagementChange;

    /// <summary>The policy for <paramref name="Type"/> is removed (the default applies again).</summary>
    public sealed record ResetPolicy(AttestationType Type) : ManagementChange;

    /// <summary><paramref name="Signer"/> becomes trusted (nothing changes when its thumbprint already is).</summary>
    public sealed record AddSigner(PolicySignerCertificate Signer) : ManagementChange;

    /// <summary>The signer with <paramref name="Thumbprint"/> is trusted no more.</summary>
    public sealed record RemoveSigner(string Thumbprint) : ManagementChange;

    /// <summary>The provider's collateral freshness rules become <paramref name="Policy"/>.</summary>
    public sealed record ReplaceCollateralPolicy(CollateralPolicy Policy) : ManagementChange;
}

/// <summary>What a management decision made of the state: the change and replay record to write, or a refusal (both null).</summary>
/// <param name="Change">The change to apply; null refuses (nothing is written).</param>
/// <param name="Accepted">The replay record to add with it (unsigned JWS have none).</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record ManagementDecision(ManagementChange? Change, AcceptedManagementJws? Accepted)
{
    /// <summary>Nothing is written.</summary>
    public static ManagementDecision Refused { get; } = new(null, null);
}

/// <summary>
/// Atomic read-decide-write of one provider's management state: the one way policies, signers and provider settings
/// change under a management JWS, so a check (the last signer, a trusted signer, a replay) can never be overtaken by a
/// concurrent change, also from another process on the same database.
/// </summary>
public interface IManagementStateStore
{
    /// <summary>
    /// Reads the state of <paramref name="provider"/> (with the replay records of <paramref name="jwsHash"/>), calls
    /// <paramref name="decide"/> on it, and applies the decision, all in one transaction: concurrent calls (any process)
    /// behave as if run one after another. <paramref name="decide"/> must be a pure function of the state it is given;
    /// it may be called more than once (the last call's decision is the one applied) and must not call the store.
    /// </summary>
    /// <returns>The decision applied.</returns>
    ValueTask<ManagementDecision> ChangeManagementStateAsync(string provider, string? jwsHash, Func<ManagementState, ManagementDecision> decide, CancellationToken cancellationToken = default);
}
