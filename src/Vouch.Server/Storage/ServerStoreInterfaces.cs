using System.Collections.Immutable;
using System.Numerics;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;
using Vouch.Sgx.Verification;

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
    DateTimeOffset CreatedAt)
{
    /// <summary>The provider's collateral freshness rules (<see cref="CollateralPolicy.Default"/> unless set).</summary>
    public CollateralPolicy Collateral { get; init; } = CollateralPolicy.Default;
}

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

    /// <summary>Replaces the provider's collateral freshness rules; false, with nothing written, when there is no such provider.</summary>
    /// <exception cref="ArgumentException"><paramref name="policy"/> is invalid (<see cref="CollateralPolicy.Problem"/>).</exception>
    ValueTask<bool> SetCollateralPolicyAsync(string name, CollateralPolicy policy, CancellationToken cancellationToken = default);
}

/// <summary>
/// Collateral fetched from a PCS-shaped source, as the cache keeps it: the artefacts exactly as received, where and
/// when they came from, and what was read from them (untrusted: it orders copies, the verifier decides).
/// </summary>
/// <param name="Key">The platform and version, <c>Sgx/00906ed50000/Platform/standard</c> (<c>PcsCacheKey</c>).</param>
/// <param name="Source">The base URL of the source that served it.</param>
/// <param name="FetchedAt">When it was fetched.</param>
/// <param name="Collateral">The artefacts, byte for byte, with their issuer chains.</param>
/// <param name="TcbEvaluationDataNumber">The TCB Info's <c>tcbEvaluationDataNumber</c>.</param>
/// <param name="QeEvaluationDataNumber">The QE Identity's <c>tcbEvaluationDataNumber</c>.</param>
/// <param name="ValidFrom">The latest issueDate / thisUpdate of the artefacts.</param>
/// <param name="ValidUntil">The earliest nextUpdate of the artefacts.</param>
/// <param name="Revision">The store's write counter when it was written (0 before): readers ask for what is newer than what they saw.</param>
public sealed record CachedCollateral(
    string Key,
    Uri Source,
    DateTimeOffset FetchedAt,
    QuoteCollateral Collateral,
    int TcbEvaluationDataNumber,
    int QeEvaluationDataNumber,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    long Revision = 0)
{
    /// <summary>The PCK CRL's <c>cRLNumber</c> (0 when it has none): the store refuses a copy with a lower one too.</summary>
    public BigInteger PckCrlNumber { get; init; }

    /// <summary>The root CA CRL's <c>cRLNumber</c> (0 when it has none): the store refuses a copy with a lower one too.</summary>
    public BigInteger RootCaCrlNumber { get; init; }

    /// <summary>The numbers <see cref="CollateralOrdering"/> orders copies by.</summary>
    public CollateralNumbers Numbers => new(TcbEvaluationDataNumber, QeEvaluationDataNumber, PckCrlNumber, RootCaCrlNumber);
}

/// <summary>Intel's TCB Evaluation Data Numbers for one TEE, as the cache keeps it: the body and issuer chain exactly as received.</summary>
/// <param name="Tee">SGX or TDX.</param>
/// <param name="Source">The base URL of the source that served it.</param>
/// <param name="FetchedAt">When it was fetched.</param>
/// <param name="Body">The document, byte for byte.</param>
/// <param name="IssuerChain">The PEM of its issuer-chain header.</param>
/// <param name="IssueDate">Its issueDate (untrusted: it orders copies).</param>
public sealed record StoredEvaluationNumbers(
    Vouch.Sgx.Quotes.TeeType Tee,
    Uri Source,
    DateTimeOffset FetchedAt,
    ReadOnlyMemory<byte> Body,
    ReadOnlyMemory<byte> IssuerChain,
    DateTimeOffset IssueDate);

/// <summary>Intel's TCB Evaluation Data Numbers as fetched, one copy per TEE, shared by every replica on one database.</summary>
public interface IEvaluationNumbersStore
{
    /// <summary>The TCB Evaluation Data Numbers held, one per TEE.</summary>
    ValueTask<ImmutableArray<StoredEvaluationNumbers>> ListEvaluationNumbersAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="numbers"/> for its TEE unless the stored copy was issued later (nothing written then). Atomic.</summary>
    /// <returns>Whether it was stored.</returns>
    ValueTask<bool> PutEvaluationNumbersAsync(StoredEvaluationNumbers numbers, CancellationToken cancellationToken = default);
}

/// <summary>The collateral cache, shared by every replica on one database.</summary>
public interface ICollateralCacheStore
{

    /// <summary>The copies written after revision <paramref name="afterRevision"/> (0: all), in revision order, one per key.</summary>
    ValueTask<ImmutableArray<CachedCollateral>> ListCachedCollateralAsync(long afterRevision = 0, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="collateral"/> under its key with a new revision, unless that would be a rollback from the
    /// stored copy for that key (<see cref="CollateralOrdering.IsRollback"/>: a lower TCB Info or QE Identity evaluation
    /// number, or a lower PCK CRL or root CA CRL <c>cRLNumber</c>), or the stored copy has all the same numbers and a later
    /// <see cref="CachedCollateral.ValidFrom"/> (the rollback defence holds across replicas). Decided and written atomically.
    /// </summary>
    /// <returns>The stored copy with its revision, or null when the stored one is newer (nothing written).</returns>
    ValueTask<CachedCollateral?> PutCachedCollateralAsync(CachedCollateral collateral, CancellationToken cancellationToken = default);
}

/// <summary>
/// Named leases that elect one holder among replicas (the collateral refresher): a lease is held until it expires or
/// its holder releases it. Instants are the callers' clocks, so replicas need loosely synchronised clocks (a lease
/// lasts minutes; skew of seconds does not matter).
/// </summary>
public interface ILeaseStore
{
    /// <summary>
    /// Takes the lease <paramref name="name"/> for <paramref name="holder"/> until <paramref name="now"/> +
    /// <paramref name="duration"/> when it is free, expired at <paramref name="now"/>, or already <paramref name="holder"/>'s
    /// (then renews it). Atomic: of replicas racing for a free lease exactly one gets it.
    /// </summary>
    /// <returns>Whether <paramref name="holder"/> holds the lease now.</returns>
    ValueTask<bool> TryAcquireLeaseAsync(string name, string holder, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up if <paramref name="holder"/> holds it (at shutdown, so another replica takes over at once).</summary>
    ValueTask ReleaseLeaseAsync(string name, string holder, CancellationToken cancellationToken = default);
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
public interface IVouchStore : IPolicyStore, ISigningKeyStore, IPolicySignerStore, IManagementStateStore, IProviderStore, IAdminTokenStore, ICollateralCacheStore, IEvaluationNumbersStore, ILeaseStore
{
    /// <summary>Creates or upgrades the schema. Idempotent; safe to call from several processes at once.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken = default);
}
