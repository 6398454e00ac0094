namespace Vouch.Cli.Tests;

public static class RootCommandTests
{
    [Fact]
    public static void UnknownCommand_ExitsWithUsageError()
    {
        var exit = VouchCommand.Run(["no-such-command"]);
        Assert.NotEqual(0, exit);
    }
}
