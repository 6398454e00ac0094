using System.CommandLine;
using Vouch.Cli.Commands;

namespace Vouch.Cli;

/// <summary>The root <c>vouch</c> command: one place that assembles every sub-command.</summary>
internal static class VouchCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Vouch: self-hosted attestation for Intel SGX enclaves.");
        root.Subcommands.Add(PolicyCommands.Create());
        return root;
    }

    public static int Run(string[] args) => Create().Parse(args).Invoke();
}
