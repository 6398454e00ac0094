using System.Numerics;
using Vouch.Attestation.Collateral;
using Vouch.Tests.Shared;

namespace Vouch.Attestation.Tests;

/// <summary><see cref="CollateralOrdering"/>: the rollback rule the PCS cache, the store and bundle import share.</summary>
public sealed class CollateralOrderingTests
{
    private static readonly CollateralNumbers Held = new(18, 17, 5, 9);

    [Theory]
    [InlineData("lower TCB Info evaluation number", 17, 17, 5, 9, true)]
    [InlineData("lower QE Identity evaluation number", 18, 16, 5, 9, true)]
    [InlineData("lower PCK CRL number", 18, 17, 4, 9, true)]
    [InlineData("lower root CA CRL number", 18, 17, 5, 8, true)]
    [InlineData("lower PCK CRL number with higher evaluation numbers", 19, 18, 4, 9, true)]
    [InlineData("lower root CA CRL number with a higher PCK CRL number", 18, 17, 6, 8, true)]
    [InlineData("the same numbers", 18, 17, 5, 9, false)]
    [InlineData("a higher TCB Info evaluation number", 19, 17, 5, 9, false)]
    [InlineData("a higher PCK CRL number", 18, 17, 6, 9, false)]
    [InlineData("every number higher", 19, 18, 6, 10, false)]
    public void Any_lower_number_is_a_rollback_and_nothing_else_is(string label, int tcb, int qe, int pckCrl, int rootCrl, bool rollback)
    {
        var offered = new CollateralNumbers(tcb, qe, pckCrl, rootCrl);
        Assert.True(rollback == CollateralOrdering.IsRollback(Held, offered), label);
        Assert.Equal(rollback, CollateralOrdering.RollbackFrom(Held, offered) is not null);
    }

    [Fact]
    public void CRL_numbers_compare_as_numbers_past_64_bits()
    {
        var big = BigInteger.Pow(2, 70);
        Assert.True(CollateralOrdering.IsRollback(Held with { PckCrlNumber = big }, Held with { PckCrlNumber = big - 1 }));
        Assert.False(CollateralOrdering.IsRollback(Held with { PckCrlNumber = 255 }, Held with { PckCrlNumber = 256 }));
    }

    [Fact]
    public void The_numbers_of_a_genuine_case_are_read_from_its_artefacts()
    {
        Assert.True(CollateralBundlePlatform.TryReadFolder(TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026"), out var platform, out var error), error?.Message);
        Assert.True(CollateralNumbers.TryRead(platform.ToCollateral(), out var numbers));
        Assert.Equal(21, numbers.TcbEvaluationDataNumber);
        Assert.True(numbers.PckCrlNumber > 0);
        Assert.True(numbers.RootCaCrlNumber > 0);
        Assert.False(CollateralNumbers.TryRead(platform.ToCollateral() with { PckCrl = new byte[] { 1, 2, 3 } }, out _));
    }
}
