using System.Collections.Immutable;
using Vouch.Attestation;
using Vouch.Server.Storage;
using Vouch.Sgx.Verification;

namespace Vouch.Server.Providers;

/// <summary>
/// Turns stored providers into the engine's <see cref="AttestationProvider"/>: the issuer URL comes from the
/// public URL (<c>/</c> for the default provider, <c>/providers/{name}</c> for the others), the trust anchors are
/// Intel's root plus, only where the provider asks for it and the server runs with one, the simulated authority.
/// </summary>
/// <threadsafety>Safe for concurrent use.</threadsafety>
public sealed class ProviderCatalog
{
    /// <summary>The store name of the provider served at <c>/</c>.</summary>
    public const string DefaultName = "default";

    private readonly IProviderStore _store;

    /// <summary>Makes a catalog.</summary>
    /// <param name="store">Where providers are kept.</param>
    /// <param name="publicUrl">The server's public base URL, without a trailing slash.</param>
    /// <param name="simulatedAnchor">The simulated authority's TEST root, when the server runs with one.</param>
    public ProviderCatalog(IProviderStore store, string publicUrl, TrustAnchor? simulatedAnchor)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(publicUrl);
        _store = store;
        PublicUrl = publicUrl.TrimEnd('/');
        SimulatedAnchor = simulatedAnchor;
    }

    /// <summary>The server's public base URL.</summary>
    public string PublicUrl { get; }

    /// <summary>The simulated authority's root, if any.</summary>
    public TrustAnchor? SimulatedAnchor { get; }

    /// <summary>The provider named <paramref name="name"/> (null or empty: the default provider), or null.</summary>
    public async Task<AttestationProvider?> FindAsync(string? name, CancellationToken cancellationToken = default)
    {
        name = string.IsNullOrEmpty(name) ? DefaultName : name;
        if (!ProviderNames.IsValid(name))
        {
            return null;
        }

        var record = await _store.GetProviderAsync(name, cancellationToken).ConfigureAwait(false);
        return record is null ? null : ToProvider(record);
    }

    /// <summary>Every provider, as the engine sees it.</summary>
    public async Task<ImmutableArray<AttestationProvider>> ListAsync(CancellationToken cancellationToken = default)
    {
        var records = await _store.ListProvidersAsync(cancellationToken).ConfigureAwait(false);
        return [.. records.Select(ToProvider)];
    }

    /// <summary>The issuer URL of the provider named <paramref name="name"/>.</summary>
    public string IssuerFor(string name) => name == DefaultName ? PublicUrl : PublicUrl + "/providers/" + name;

    /// <summary>The engine's view of <paramref name="record"/>.</summary>
    public AttestationProvider ToProvider(ProviderRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ImmutableArray<TrustAnchor> anchors = record.TrustSimulatedAuthority && SimulatedAnchor is { } simulated
            ? [TrustAnchor.IntelSgxRootCa, simulated]
            : [TrustAnchor.IntelSgxRootCa];
        return new AttestationProvider
        {
            Name = record.Name,
            Issuer = IssuerFor(record.Name),
            TrustAnchors = anchors,
            SigningAlgorithm = record.SigningAlgorithm,
            AllowExpiredCollateral = record.AllowExpiredCollateral,
            Collateral = record.Collateral,
            Isolated = record.TrustMode == TrustMode.Isolated,
        };
    }
}
