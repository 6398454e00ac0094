using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Tests.Conformance;

/// <summary>
/// Whatever bytes arrive as quote or collateral, the verifier returns a report with a code for every
/// failure: no exception escapes, and a changed signed byte never verifies.
/// </summary>
public sealed class VerifierRobustnessTests
{
    private static readonly DcapCase Case = DcapCase.Load("signal-cdsi-sgx-v3-2026");
    private static readonly QuoteVerifier Verifier = new(cacheCapacity: 64);

    /// <summary>Which collateral item a mutation lands in.</summary>
    public enum Item { Quote, TcbInfo, TcbInfoChain, QeIdentity, QeIdentityChain, PckCrl, RootCaCrl }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public bool Verify_OneMutatedItem_NeverThrowsAndReportsCodes(Item item, int position, byte value, bool truncate)
    {
        var (quote, collateral) = Mutate(item, position, value, truncate);
        var report = Verifier.Verify(quote, collateral, Case.Options());
        return report.Checks.Length == Enum.GetValues<CheckId>().Length
            && report.Failures.All(f => f.Code is not null);
    }

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public bool Verify_ArbitraryBytesAsEveryItem_NeverThrows(byte[] junk)
    {
        var collateral = new QuoteCollateral(junk, junk, junk, junk, junk, junk, junk, junk);
        var report = Verifier.Verify(junk, collateral, Case.Options());
        return !report.Verified && report.Failures.All(f => f.Code is not null);
    }

    private static (byte[] Quote, QuoteCollateral Collateral) Mutate(Item item, int position, byte value, bool truncate)
    {
        var quote = Case.Quote;
        var c = Case.Collateral;
        byte[] Change(ReadOnlyMemory<byte> original)
        {
            var bytes = original.ToArray();
            var at = (int)(unchecked((uint)position) % (uint)bytes.Length);
            if (truncate)
            {
                return bytes[..at];
            }

            bytes[at] = value;
            return bytes;
        }

        return item switch
        {
            Item.Quote => (Change(quote), c),
            Item.TcbInfo => (quote, c with { TcbInfo = Change(c.TcbInfo) }),
            Item.TcbInfoChain => (quote, c with { TcbInfoIssuerChain = Change(c.TcbInfoIssuerChain) }),
            Item.QeIdentity => (quote, c with { QeIdentity = Change(c.QeIdentity) }),
            Item.QeIdentityChain => (quote, c with { QeIdentityIssuerChain = Change(c.QeIdentityIssuerChain) }),
            Item.PckCrl => (quote, c with { PckCrl = Change(c.PckCrl) }),
            _ => (quote, c with { RootCaCrl = Change(c.RootCaCrl) }),
        };
    }
}
