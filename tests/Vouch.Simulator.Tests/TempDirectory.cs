namespace Vouch.Simulator.Tests;

/// <summary>A fresh directory under the system temp folder (left for the OS to clean; names are random).</summary>
internal sealed class TempDirectory
{
    private TempDirectory(string path) => Path = path;

    public string Path { get; }

    public static TempDirectory Create() =>
        new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vouch-sim-tests", Guid.NewGuid().ToString("N")));
}
