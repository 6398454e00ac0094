using System.Collections.Concurrent;

namespace Vouch.Simulator.Tests;

/// <summary>A fresh directory under the system temp folder, deleted when the test process exits.</summary>
internal sealed class TempDirectory
{
    private static readonly ConcurrentBag<string> Created = [];

    static TempDirectory() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var path in Created)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp directory is harmless.
            }
            catch (UnauthorizedAccessException)
            {
                // Same.
            }
        }
    };

    private TempDirectory(string path) => Path = path;

    public string Path { get; }

    public static TempDirectory Create()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vouch-sim-tests", Guid.NewGuid().ToString("N"));
        Created.Add(path);
        return new TempDirectory(path);
    }
}
