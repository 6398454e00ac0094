using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Tests;

public static class TcbStatusTests
{
    // dcap-verification §2.8 convergence table, row by row.
    [Theory]
    [InlineData(TcbStatus.UpToDate, TcbStatus.UpToDate, TcbStatus.UpToDate)]
    [InlineData(TcbStatus.ConfigurationNeeded, TcbStatus.UpToDate, TcbStatus.ConfigurationNeeded)]
    [InlineData(TcbStatus.UpToDate, TcbStatus.OutOfDate, TcbStatus.OutOfDate)]
    [InlineData(TcbStatus.SWHardeningNeeded, TcbStatus.OutOfDate, TcbStatus.OutOfDate)]
    [InlineData(TcbStatus.ConfigurationNeeded, TcbStatus.OutOfDate, TcbStatus.OutOfDateConfigurationNeeded)]
    [InlineData(TcbStatus.ConfigurationAndSWHardeningNeeded, TcbStatus.OutOfDate, TcbStatus.OutOfDateConfigurationNeeded)]
    [InlineData(TcbStatus.OutOfDate, TcbStatus.OutOfDate, TcbStatus.OutOfDate)]
    [InlineData(TcbStatus.OutOfDateConfigurationNeeded, TcbStatus.OutOfDate, TcbStatus.OutOfDateConfigurationNeeded)]
    [InlineData(TcbStatus.Revoked, TcbStatus.OutOfDate, TcbStatus.Revoked)]
    [InlineData(TcbStatus.UpToDate, TcbStatus.Revoked, TcbStatus.Revoked)]
    [InlineData(TcbStatus.ConfigurationNeeded, TcbStatus.Revoked, TcbStatus.Revoked)]
    public static void Converge_FollowsIntelTable(TcbStatus platform, TcbStatus qe, TcbStatus expected) =>
        Assert.Equal(expected, TcbStatuses.Converge(platform, qe));

    [Theory]
    [InlineData("UpToDate")]
    [InlineData("SWHardeningNeeded")]
    [InlineData("ConfigurationNeeded")]
    [InlineData("ConfigurationAndSWHardeningNeeded")]
    [InlineData("OutOfDate")]
    [InlineData("OutOfDateConfigurationNeeded")]
    [InlineData("Revoked")]
    public static void TryParse_RoundTripsIntelNames(string name)
    {
        Assert.True(TcbStatuses.TryParse(name, out var status));
        Assert.Equal(name, status.ToIntelString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("uptodate")]
    [InlineData("UpToDate ")]
    public static void TryParse_RejectsOtherSpellings(string? name) =>
        Assert.False(TcbStatuses.TryParse(name, out _));
}
