using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Collateral;

/// <summary>
/// Several collateral sources asked in order: the first that has collateral for the quote answers (for example
/// offline folders first, then PCS/PCCS sources). Null only when none has any.
/// </summary>
public sealed class CompositeCollateralSource : ICollateralSource
{
    private readonly ICollateralSource[] _sources;

    /// <summary>A source over <paramref name="sources"/>, asked in this order.</summary>
    /// <exception cref="ArgumentException"><paramref name="sources"/> is empty.</exception>
    public CompositeCollateralSource(IEnumerable<ICollateralSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        _sources = [.. sources.Select(s => s ?? throw new ArgumentException("A source is null.", nameof(sources)))];
        if (_sources.Length == 0)
        {
            throw new ArgumentException("At least one source is required.", nameof(sources));
        }
    }

    /// <summary>The sources, in the order they are asked.</summary>
    public IReadOnlyList<ICollateralSource> Sources => _sources;

    /// <inheritdoc />
    public ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CancellationToken cancellationToken) =>
        GetCollateralAsync(quote, at, CollateralVersion.Standard, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CollateralVersion version, CancellationToken cancellationToken)
    {
        foreach (var source in _sources)
        {
            if (await source.GetCollateralAsync(quote, at, version, cancellationToken).ConfigureAwait(false) is { } collateral)
            {
                return collateral;
            }
        }

        return null;
    }
}
