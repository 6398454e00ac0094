namespace Vouch.Tests.Shared;

/// <summary>
/// Locates the shared test vectors, read in place and never copied into the repository:
/// <c>$VOUCH_VECTORS</c> when set, else <c>../shared/vectors</c> beside the repository root
/// (the folder that holds <c>Vouch.slnx</c>).
/// </summary>
internal static class TestVectors
{
    private static readonly Lazy<string> Root = new(Locate);

    /// <summary>The vectors folder (holds <c>dcap/</c>, <c>maa/</c>, <c>sgx/</c>, <c>wycheproof/</c>).</summary>
    public static string Directory => Root.Value;

    /// <summary>A path below the vectors folder.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root.Value, .. parts]);

    /// <summary>The repository root (the folder holding <c>Vouch.slnx</c>).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Vouch.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Vouch.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    private static string Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("VOUCH_VECTORS");
        var path = !string.IsNullOrEmpty(fromEnv)
            ? fromEnv
            : System.IO.Path.GetFullPath(System.IO.Path.Combine(RepositoryRoot, "..", "shared", "vectors"));
        if (!System.IO.Directory.Exists(System.IO.Path.Combine(path, "dcap")))
        {
            throw new InvalidOperationException($"test vectors not found at {path} (set VOUCH_VECTORS)");
        }

        return path;
    }
}
