using System.Collections.Immutable;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;

namespace Vouch.Server.Storage;

/// <summary>How a provider authorises policy and policy-signer changes (maa-protocol §4.2).</summary>
public enum TrustMode
{
    /// <summary>MAA's "AAD" mode: an authorised bearer token suffices; policies may be unsigned or signed.</summary>
    AadLike,

    /// <summary>MAA's "isolated" mode: every policy and signer change must also be a JWS signed by a trusted policy signer.</summary>
    Isolated,
}

/// <summary>
/// One attestation provider as stored: the host turns it into an <see cref="Attestation.AttestationProvider"/>
/// (issuer URL and trust anchors come from configuration, not from the database).
/// </summary>
/// <param name="Name">Store key: <c>default</c> for the provider at <c>/</c>, else the name in <c>/providers/{name}/</c>
/// (1–48 characters of <c>[a-z0-9-]</c>, starting with a letter: <see cref="ProviderNames.IsValid"/>).</param>
/// <param name="TrustMode">AAD-like or isolated.</param>
/// <param name="SigningAlgorithm">The algorithm of the provider's token signing keys.</param>
/// <param name="TrustSimulatedAuthority">Whether quotes chaining to the simulated authority's TEST root are accepted (development only).</param>
/// <param name="AllowExpiredCollateral">Accept expired collateral as Intel's QvE does (reported in a claim) instead of failing.</param>
/// <param name="CreatedAt">When the provider was created.</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record ProviderRecord(
    string Name,
    TrustMode TrustMode,
    SigningAlgorithm SigningAlgorithm,
    bool TrustSimulatedAuthority,
    bool AllowExpiredCollateral,
    DateTimeOffset CreatedAt);

/// <summary>The providers of this service.</summary>
public interface IProviderStore
{
    /// <summary>The provider named <paramref name="name"/>, or null.</summary>
    ValueTask<ProviderRecord?> GetProviderAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every provider, ordered by name (ordinal).</summary>
    ValueTask<ImmutableArray<ProviderRecord>> ListProvidersAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates <paramref name="provider"/> together with its initial policy signer certificates, atomically
    /// (either both are stored or neither). False, with nothing written, when a provider of that name exists.
    /// </summary>
    ValueTask<bool> CreateProviderAsync(ProviderRecord provider, ImmutableArray<PolicySignerCertificate> initialSigners, CancellationToken cancellationToken = default);
}

/// <summary>A local administrator token, of which only a hash is ever stored.</summary>
/// <param name="Sha256">SHA-256 of the token's UTF-8 bytes (the token carries 256 random bits, so a fast hash suffices).</param>
/// <param name="CreatedAt">When the token was issued.</param>
public sealed record AdminTokenRecord(ImmutableArray<byte> Sha256, DateTimeOffset CreatedAt);

/// <summary>The hash of the local administrator token (one at a time; issuing a new one replaces the old).</summary>
public interface IAdminTokenStore
{
    /// <summary>The current token's record, or null when none was issued.</summary>
    ValueTask<AdminTokenRecord?> GetAdminTokenAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the token's record.</summary>
    ValueTask SetAdminTokenAsync(AdminTokenRecord token, CancellationToken cancellationToken = default);
}

/// <summary>Everything the server stores; one implementation per database (SQLite now, PostgreSQL later).</summary>
/// <remarks>
/// Every operation of an implementation throws <see cref="StoreUnavailableException"/> when its database cannot
/// be used (not a database of its kind, corrupt, unreachable, locked too long, schema newer than the build), and
/// <see cref="ArgumentException"/> for a provider name that <see cref="ProviderNames.IsValid"/> rejects. Policies,
/// keys and signers belong to a provider created with <see cref="IProviderStore.CreateProviderAsync"/>; writing
/// them for any other name throws <see cref="InvalidOperationException"/>. Instants come back exact to the tick, in UTC.
/// The shared tests (<c>ServerStoreContractTests</c>, <c>EngineStoreContractTests</c>) pin this contract.
/// </remarks>
public interface IVouchStore : IPolicyStore, ISigningKeyStore, IPolicySignerStore, IProviderStore, IAdminTokenStore
{
    /// <summary>Creates or upgrades the schema. Idempotent; safe to call from several processes at once.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken = default);
}
