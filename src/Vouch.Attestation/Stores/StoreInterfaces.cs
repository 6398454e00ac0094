using System.Collections.Immutable;
using Vouch.Attestation.Keys;

namespace Vouch.Attestation.Stores;

/// <summary>The attestation types a provider keeps a policy for (<c>/policies/{type}</c>, maa-protocol §1.1).</summary>
public enum AttestationType
{
    /// <summary><c>SgxEnclave</c>.</summary>
    SgxEnclave,
    /// <summary><c>OpenEnclave</c>.</summary>
    OpenEnclave,
    /// <summary><c>Tpm</c> (stored only; Vouch does not attest TPMs).</summary>
    Tpm,
}

/// <summary>A provider's policy for one attestation type, as set.</summary>
/// <param name="Jws">The policy JWS exactly as received (what GET returns as <c>x-ms-policy</c>).</param>
/// <param name="Text">The policy text it carries.</param>
/// <param name="SignerCertificate">DER of the certificate that signed <paramref name="Jws"/>; empty when unsigned.</param>
/// <param name="StoredAt">When it was set.</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record StoredPolicy(string Jws, string Text, ImmutableArray<byte> SignerCertificate, DateTimeOffset StoredAt)
{
    /// <summary>Whether the policy was signed.</summary>
    public bool IsSigned => !SignerCertificate.IsDefaultOrEmpty;
}

/// <summary>A trusted policy signer certificate of an isolated-mode provider.</summary>
/// <param name="Thumbprint">SHA-1 of the DER, uppercase hex (MAA's <c>x-ms-certificate-thumbprint</c>).</param>
/// <param name="Certificate">The certificate, DER.</param>
/// <param name="AddedAt">When it was added.</param>
public sealed record PolicySignerCertificate(string Thumbprint, ImmutableArray<byte> Certificate, DateTimeOffset AddedAt);

/// <summary>Policies per provider and attestation type. Every write is atomic: a reader sees the old or the new policy, never a mix.</summary>
public interface IPolicyStore
{
    /// <summary>The policy set for <paramref name="type"/>, or null when the default applies.</summary>
    ValueTask<StoredPolicy?> GetPolicyAsync(string provider, AttestationType type, CancellationToken cancellationToken = default);

    /// <summary>Replaces the policy for <paramref name="type"/> with <paramref name="policy"/>, atomically.</summary>
    ValueTask ReplacePolicyAsync(string provider, AttestationType type, StoredPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>Removes the policy so the default applies again; false when none was set.</summary>
    ValueTask<bool> ResetPolicyAsync(string provider, AttestationType type, CancellationToken cancellationToken = default);
}

/// <summary>Token signing keys per provider. Keys are only ever added; the key ring decides which sign and which are published.</summary>
public interface ISigningKeyStore
{
    /// <summary>Every key of the provider, in any order.</summary>
    ValueTask<ImmutableArray<SigningKey>> GetSigningKeysAsync(string provider, CancellationToken cancellationToken = default);

    /// <summary>Adds a key (its private key already encrypted).</summary>
    ValueTask AddSigningKeyAsync(string provider, SigningKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a key only when the provider still has exactly <paramref name="expectedCount"/> keys (keys are only ever added,
    /// so the count names the set the caller decided on), atomically: of callers racing from one read, one adds.
    /// </summary>
    /// <returns>Whether it was added; false, with nothing written, when another key came first.</returns>
    ValueTask<bool> TryAddSigningKeyAsync(string provider, SigningKey key, int expectedCount, CancellationToken cancellationToken = default);
}

/// <summary>The policy signer certificates an isolated-mode provider trusts.</summary>
public interface IPolicySignerStore
{
    /// <summary>The trusted certificates, in the order added.</summary>
    ValueTask<ImmutableArray<PolicySignerCertificate>> GetPolicySignersAsync(string provider, CancellationToken cancellationToken = default);

    /// <summary>Adds a certificate; false when one with its thumbprint is already trusted.</summary>
    ValueTask<bool> AddPolicySignerAsync(string provider, PolicySignerCertificate certificate, CancellationToken cancellationToken = default);

    /// <summary>Removes the certificate with <paramref name="thumbprint"/>; false when none is.</summary>
    ValueTask<bool> RemovePolicySignerAsync(string provider, string thumbprint, CancellationToken cancellationToken = default);
}
