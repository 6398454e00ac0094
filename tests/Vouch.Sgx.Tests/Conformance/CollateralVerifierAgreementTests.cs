using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Tests.Conformance;

/// <summary>
/// <see cref="CollateralVerifier"/> (collateral on its own, for import) and <see cref="QuoteVerifier"/> make the same
/// collateral checks through one implementation (<c>CollateralChecks</c>): on every DCAP case, each authenticity check
/// both make reaches the same result with the same code. (The CRLs are checked against different issuers by design:
/// the quote verifier takes the quote's PCK chain and its root, the collateral verifier the collateral's own issuer
/// chains and only an anchored root; freshness is checked by the quote verifier only.)
/// </summary>
public sealed class CollateralVerifierAgreementTests
{
    private static readonly QuoteVerifier Verifier = new();

    private static readonly CheckId[] Shared =
    [
        CheckId.TcbInfoFormat, CheckId.TcbInfoSigningChain, CheckId.TcbInfoSignature,
        CheckId.QeIdentityFormat, CheckId.QeIdentitySigningChain, CheckId.QeIdentitySignature,
    ];

    public static TheoryData<string> Cases => [.. DcapCase.All];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Both_verifiers_reach_the_same_outcome_on_each_shared_collateral_check(string name)
    {
        var c = DcapCase.Load(name);
        var quote = Verifier.Verify(c.Quote, c.Collateral, c.Options()).Checks.ToDictionary(o => o.Check);
        var collateral = CollateralVerifier.Verify(c.Collateral, c.QvlTrustAnchors).Checks.ToDictionary(o => o.Check);

        foreach (var check in Shared)
        {
            Assert.True(quote.TryGetValue(check, out var fromQuote), $"{name}: {check} is not checked with the quote");
            Assert.True(collateral.TryGetValue(check, out var fromCollateral), $"{name}: {check} is not checked on the collateral alone");
            Assert.True((fromQuote.Result, fromQuote.Code) == (fromCollateral.Result, fromCollateral.Code),
                $"{name}: {check} is {fromQuote.Result} {fromQuote.Code} with the quote, {fromCollateral.Result} {fromCollateral.Code} on the collateral alone");
        }
    }
}
