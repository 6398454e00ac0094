using Vouch.Attestation.Keys;
using Vouch.Server.Storage;

namespace Vouch.Server.Tests;

public sealed class ProviderRecordTests
{
    [Fact]
    public void Records_with_the_same_values_are_equal()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var a = new ProviderRecord("default", TrustMode.AadLike, SigningAlgorithm.RS256, false, false, at);
        Assert.Equal(a, a with { });
        Assert.NotEqual(a, a with { TrustMode = TrustMode.Isolated });
    }
}
