using System.Collections.Concurrent;
using System.Text;
using Vouch.Attestation.Collateral;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Dcap;

namespace Vouch.Attestation.Tests;

/// <summary>One copy of collateral for every quote, recording the version each call asked for.</summary>
internal sealed class FixedCollateralSource(QuoteCollateral collateral) : ICollateralSource
{
    public QuoteCollateral Collateral { get; } = collateral;

    /// <summary>The collateral of a simulated case.</summary>
    public static QuoteCollateral Of(DcapCase c) => new(
        TcbInfo: Encoding.UTF8.GetBytes(c.TcbInfoJson),
        TcbInfoIssuerChain: Encoding.ASCII.GetBytes(c.TcbInfoIssuerChainPem),
        QeIdentity: Encoding.UTF8.GetBytes(c.QeIdentityJson),
        QeIdentityIssuerChain: Encoding.ASCII.GetBytes(c.QeIdentityIssuerChainPem),
        PckCrl: c.PckCrl,
        RootCaCrl: c.RootCaCrl,
        PckCrlIssuerChain: Encoding.ASCII.GetBytes(c.PckCrlIssuerChainPem));

    public ConcurrentQueue<CollateralVersion> Versions { get; } = new();

    public ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CancellationToken cancellationToken) =>
        GetCollateralAsync(quote, at, CollateralVersion.Standard, cancellationToken);

    public ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CollateralVersion version, CancellationToken cancellationToken)
    {
        Versions.Enqueue(version);
        return ValueTask.FromResult<QuoteCollateral?>(Collateral);
    }
}
