using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Collateral;

/// <summary>
/// Where the engine gets Intel collateral for a quote. Implementations: <see cref="DirectoryCollateralSource"/>
/// (one folder in the PCS-file layout, for every quote), <see cref="OfflineCollateralSource"/> (many such folders,
/// chosen by the quote's FMSPC, rescanned for changes) and <see cref="CompositeCollateralSource"/> (several, in order);
/// the PCS/PCCS fetching and caching source belongs to the host.
/// </summary>
public interface ICollateralSource
{
    /// <summary>
    /// The collateral to verify <paramref name="quote"/> with at <paramref name="at"/>, or null when the
    /// source has none. The quote is only parsed, not verified: an implementation may read its PCK
    /// certificate (FMSPC, CA) to choose what to fetch, but must not trust it.
    /// </summary>
    ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// The collateral of <paramref name="version"/> (update type or pinned evaluation number, from the provider's
    /// <see cref="CollateralPolicy"/>) for <paramref name="quote"/> at <paramref name="at"/>, or null. Sources that
    /// hold one copy per platform (offline folders: the operator chose it) answer with that copy whatever the version.
    /// </summary>
    ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CollateralVersion version, CancellationToken cancellationToken) =>
        GetCollateralAsync(quote, at, cancellationToken);
}
