using System.Globalization;

namespace Vouch.Cli.Commands;

/// <summary>An input the user named cannot be used: the command prints the reason on one line and exits 2.</summary>
internal sealed class CliInputException(string message) : Exception(message);

/// <summary>Reading files and values named on the command line, with one-line reasons instead of stack traces.</summary>
internal static class CliInput
{
    /// <summary>Upper bound on any single input file, so a wrong path to a huge file fails fast.</summary>
    public const long MaxFileBytes = 16 << 20;

    public static byte[] ReadFile(string path, string what)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new CliInputException($"{what} '{path}' does not exist");
            }

            return info.Length > MaxFileBytes
                ? throw new CliInputException($"{what} '{path}' is larger than {MaxFileBytes} bytes")
                : File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"{what} '{path}' cannot be read: {e.Message}");
        }
    }

    public static byte[]? ReadOptionalFile(string path, string what) => File.Exists(path) ? ReadFile(path, what) : null;

    /// <summary>Parses an instant given as Unix seconds or ISO-8601 (a time without offset is UTC).</summary>
    public static DateTimeOffset ParseInstant(string text)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds <= 253402300799
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : throw new CliInputException($"time '{text}' is out of range");
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? instant
            : throw new CliInputException($"time '{text}' is neither Unix seconds nor ISO-8601");
    }
}
