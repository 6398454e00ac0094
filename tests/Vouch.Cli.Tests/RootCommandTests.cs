namespace Vouch.Cli.Tests;

public static class RootCommandTests
{
    [Fact]
    public static void UnknownCommand_ExitsWithUsageError()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = VouchCommand.Run(["no-such-command"], output, error);
        Assert.Equal(2, exit);
        Assert.NotEmpty(error.ToString());
    }
}
