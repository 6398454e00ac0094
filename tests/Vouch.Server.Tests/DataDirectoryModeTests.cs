using System.Net;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Vouch.Server.Tests.Support;

namespace Vouch.Server.Tests;

/// <summary>
/// The data directory is 0700 and every file in it 0600 (database and its -wal/-shm, key-encryption key, TLS key and
/// certificate, administrator token, the simulated authority's keys), set explicitly: a umask of 0 while the server
/// creates them widens nothing, and an older, wider directory is narrowed at start.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class DataDirectoryModeTests
{
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Directory0700 = File0600 | UnixFileMode.UserExecute;
    private const UnixFileMode Open0644 = File0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public async Task A_new_data_directory_is_0700_and_every_file_in_it_0600_under_umask_0()
    {
        await using var server = await StartUnderUmaskZeroAsync(dataDirectory: null);

        AssertOwnerOnly(server.DataDirectory);
    }

    [Fact]
    public async Task An_existing_0755_directory_and_0644_database_are_narrowed_at_start()
    {
        var directory = Path.Combine(Path.GetTempPath(), "vouch-modes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, Directory0700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var database = Path.Combine(directory, "vouch.db");
        File.WriteAllBytes(database, []);
        File.SetUnixFileMode(database, Open0644);
        try
        {
            await using (var server = await StartUnderUmaskZeroAsync(directory))
            {
                AssertOwnerOnly(directory);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<VouchTestServer> StartUnderUmaskZeroAsync(string? dataDirectory)
    {
        // The umask is the process's: other tests running meanwhile create their files under 0 too, which is harmless.
        var previous = Umask(0);
        try
        {
            var server = await VouchTestServer.StartAsync(dataDirectory: dataDirectory);
            // A write after start (a new provider and its signing key) while the umask is still 0.
            using var admin = server.CreateAdminClient();
            Assert.Equal(HttpStatusCode.Created, (await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/modes", "{}")).Status);
            return server;
        }
        finally
        {
            // umask returns the mask it replaces: still the 0 set above.
            Assert.Equal(0u, Umask(previous));
        }
    }

    private static void AssertOwnerOnly(string dataDirectory)
    {
        Assert.Equal(Directory0700, File.GetUnixFileMode(dataDirectory));
        var files = Directory.EnumerateFiles(dataDirectory, "*", SearchOption.AllDirectories).ToList();
        // What the issue found at 0644, and the secrets: each must be there to be checked.
        foreach (var expected in new[] { "vouch.db", "vouch.db-wal", "vouch.db-shm", "key-encryption-key", "admin-token", Path.Combine("tls", "server.pfx"), Path.Combine("tls", "server.crt"), Path.Combine("sim", "root_ca.key.pem") })
        {
            Assert.Contains(Path.Combine(dataDirectory, expected), files);
        }

        foreach (var file in files)
        {
            Assert.True(File0600 == File.GetUnixFileMode(file), $"{Path.GetRelativePath(dataDirectory, file)} is {Octal(File.GetUnixFileMode(file))}");
        }

        foreach (var directory in Directory.EnumerateDirectories(dataDirectory, "*", SearchOption.AllDirectories))
        {
            Assert.True(Directory0700 == File.GetUnixFileMode(directory), $"{Path.GetRelativePath(dataDirectory, directory)}/ is {Octal(File.GetUnixFileMode(directory))}");
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8);

    // umask(2) from the C library; the runtime has no managed API for it.
    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint Umask(uint mask);
}
