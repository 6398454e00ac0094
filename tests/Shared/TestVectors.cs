namespace Vouch.Tests.Shared;

/// <summary>
/// Locates the shared test vectors, read in place and never copied into the repository:
/// <c>$VOUCH_VECTORS</c> when set, else <c>../shared/vectors</c> beside the repository root
/// (the folder that holds <c>Vouch.slnx</c>), or beside the nearest folder above it that has one.
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
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return System.IO.Directory.Exists(System.IO.Path.Combine(fromEnv, "dcap"))
                ? fromEnv
                : throw new InvalidOperationException($"VOUCH_VECTORS={fromEnv} holds no dcap/ folder");
        }

        // ../shared/vectors beside the checkout; a git worktree one level deeper finds it one folder up.
        for (var dir = new DirectoryInfo(RepositoryRoot).Parent; dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "vectors");
            if (System.IO.Directory.Exists(System.IO.Path.Combine(candidate, "dcap")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"test vectors not found in ../shared/vectors above {RepositoryRoot} (set VOUCH_VECTORS)");
    }
}
