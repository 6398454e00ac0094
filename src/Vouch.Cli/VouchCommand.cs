using System.CommandLine;
using Vouch.Cli.Commands;

namespace Vouch.Cli;

/// <summary>The root <c>vouch</c> command: one place that assembles every sub-command.</summary>
internal static class VouchCommand
{
    /// <summary>Exit code for a usage error or unreadable input (the CLI contract).</summary>
    public const int UsageError = 2;

    public static RootCommand Create()
    {
        var root = new RootCommand("Vouch: self-hosted attestation for Intel SGX enclaves.");
        root.Subcommands.Add(QuoteCommands.Create());
        root.Subcommands.Add(CollateralCommands.Create());
        root.Subcommands.Add(PolicyCommands.Create());
        root.Subcommands.Add(SimCommands.Create());
        root.Subcommands.Add(ServerCommands.CreateServe());
        root.Subcommands.Add(ClientCommands.CreateAttest());
        root.Subcommands.Add(ClientCommands.CreateProvider());
        root.Subcommands.Add(ServerCommands.CreateAdmin());
        return root;
    }

    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Parses and runs <paramref name="args"/>; usage errors print one line each on <paramref name="error"/> and exit 2.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                error.WriteLine($"vouch: {e.Message}");
            }

            return UsageError;
        }

        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
