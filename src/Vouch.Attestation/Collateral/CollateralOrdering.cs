using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Collateral;

/// <summary>
/// The four numbers by which two copies of one platform's collateral are ordered, read from the artefacts
/// (untrusted: they only order copies; verification decides whether a copy is genuine).
/// </summary>
/// <param name="TcbEvaluationDataNumber">The TCB Info's <c>tcbEvaluationDataNumber</c>.</param>
/// <param name="QeEvaluationDataNumber">The QE Identity's <c>tcbEvaluationDataNumber</c>.</param>
/// <param name="PckCrlNumber">The PCK CRL's <c>cRLNumber</c> (0 when it has none).</param>
/// <param name="RootCaCrlNumber">The root CA CRL's <c>cRLNumber</c> (0 when it has none).</param>
public readonly record struct CollateralNumbers(int TcbEvaluationDataNumber, int QeEvaluationDataNumber, BigInteger PckCrlNumber, BigInteger RootCaCrlNumber)
{
    /// <summary>Reads the numbers of <paramref name="collateral"/>; false when an artefact does not parse (CRLs in any DCAP encoding).</summary>
    public static bool TryRead(QuoteCollateral collateral, out CollateralNumbers numbers)
    {
        ArgumentNullException.ThrowIfNull(collateral);
        numbers = default;
        if (!TcbInfo.TryParse(collateral.TcbInfo, out var tcbInfo, out _)
            || !EnclaveIdentity.TryParse(collateral.QeIdentity, out var identity, out _)
            || !TryReadCrl(collateral.PckCrl, out var pckCrl)
            || !TryReadCrl(collateral.RootCaCrl, out var rootCrl))
        {
            return false;
        }

        numbers = new CollateralNumbers(tcbInfo.TcbEvaluationDataNumber, identity.TcbEvaluationDataNumber, pckCrl.CrlNumber ?? BigInteger.Zero, rootCrl.CrlNumber ?? BigInteger.Zero);
        return true;
    }

    private static bool TryReadCrl(ReadOnlyMemory<byte> received, [NotNullWhen(true)] out Crl? crl)
    {
        crl = null;
        return Crl.NormalizeEncoding(received.Span) is { } der && Crl.TryParse(der, out crl, out _);
    }
}

/// <summary>
/// The rollback rule, the one decision every path that replaces held collateral makes (the PCS cache in memory, the
/// shared store's guard inside its write transaction, and <c>vouch collateral import</c>): a copy that would lower any
/// of the four numbers is refused. Intel only raises a platform's TCB evaluation data numbers (dcap-verification
/// §3.3), and a CRL issuer's <c>cRLNumber</c> increases monotonically (RFC 5280 §5.2.3), so a lower one is an older
/// copy, and taking it would bring back a TCB status or an unrevoked certificate Intel has since withdrawn.
/// </summary>
public static class CollateralOrdering
{
    /// <summary>Why taking <paramref name="offered"/> in place of <paramref name="held"/> would go backwards; null when it would not.</summary>
    public static string? RollbackFrom(CollateralNumbers held, CollateralNumbers offered) =>
        offered.TcbEvaluationDataNumber < held.TcbEvaluationDataNumber
            ? Invariant($"TCB Info tcbEvaluationDataNumber {offered.TcbEvaluationDataNumber} is lower than the held {held.TcbEvaluationDataNumber}")
        : offered.QeEvaluationDataNumber < held.QeEvaluationDataNumber
            ? Invariant($"QE Identity tcbEvaluationDataNumber {offered.QeEvaluationDataNumber} is lower than the held {held.QeEvaluationDataNumber}")
        : offered.PckCrlNumber < held.PckCrlNumber
            ? Invariant($"PCK CRL cRLNumber {offered.PckCrlNumber} is lower than the held {held.PckCrlNumber}")
        : offered.RootCaCrlNumber < held.RootCaCrlNumber
            ? Invariant($"root CA CRL cRLNumber {offered.RootCaCrlNumber} is lower than the held {held.RootCaCrlNumber}")
        : null;

    /// <summary>Whether taking <paramref name="offered"/> in place of <paramref name="held"/> would go backwards (<see cref="RollbackFrom"/>).</summary>
    public static bool IsRollback(CollateralNumbers held, CollateralNumbers offered) => RollbackFrom(held, offered) is not null;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
