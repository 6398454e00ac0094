using System.Diagnostics.CodeAnalysis;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Collateral;

/// <summary>
/// Collateral from a folder in the PCS-file layout of <c>../shared/vectors/dcap/*/</c>: <c>tcb_info.json</c>,
/// <c>tcb_info_issuer_chain.pem</c>, <c>qe_identity.json</c>, <c>qe_identity_issuer_chain.pem</c>,
/// <c>pck_crl.der</c>, <c>root_ca_crl.der</c>, and optionally <c>pck_crl_issuer_chain.pem</c> and
/// <c>pck_cert_chain.pem</c>. The folder is read once, when the source is made; every quote gets the same
/// collateral (one platform per folder). <see cref="OfflineCollateralSource"/> chooses among many such folders by
/// the quote's FMSPC and picks up changes.
/// </summary>
public sealed class DirectoryCollateralSource : ICollateralSource
{
    /// <summary>The largest collateral file read, in bytes.</summary>
    public const int MaxFileBytes = PcsFileLayout.MaxFileBytes;

    private readonly QuoteCollateral _collateral;

    /// <summary>Reads <paramref name="directory"/>.</summary>
    /// <exception cref="IOException">The folder or a required file is missing, too large, or unreadable.</exception>
    public DirectoryCollateralSource(string directory)
    {
        _collateral = TryLoad(directory, out var collateral, out var error) ? collateral : throw new IOException(error);
    }

    /// <inheritdoc />
    public ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CancellationToken cancellationToken) =>
        ValueTask.FromResult<QuoteCollateral?>(_collateral);

    /// <summary>Reads a collateral folder; false with a one-line reason naming the folder or file at fault.</summary>
    public static bool TryLoad(string directory, [NotNullWhen(true)] out QuoteCollateral? collateral, [NotNullWhen(false)] out string? error) =>
        PcsFileLayout.TryLoad(directory, out collateral, out error);
}
