using System.Security.Cryptography;

namespace Vouch.Simulator;

/// <summary>
/// How the simulator persists its state (authority keys and certificates, platform secrets, sealed QE blobs): every
/// file mode 0600 in directories of mode 0700, set explicitly so the process's umask changes neither. The authority
/// usually lives inside a server's data directory, which is owner-only too.
/// </summary>
internal static class PrivateFiles
{
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Directory0700 = File0600 | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (and missing parents) with mode 0700, or narrows an existing one to 0700.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, Directory0700);
        File.SetUnixFileMode(path, Directory0700);
    }

    /// <summary>Writes a new file (never replacing one) with mode 0600 before any byte is in it.</summary>
    public static void WriteNew(string path, byte[] content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = File0600;
        }

        using var stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows())
        {
            // The create mode passes through the umask; this makes the mode exact.
            File.SetUnixFileMode(stream.SafeFileHandle, File0600);
        }

        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Replaces a file atomically (a mode-0600 temporary renamed over it).</summary>
    public static void WriteReplace(string path, byte[] content)
    {
        var temporary = path + ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        WriteNew(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
