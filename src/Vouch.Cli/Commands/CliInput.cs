using System.Globalization;

namespace Vouch.Cli.Commands;

/// <summary>An input the user named cannot be used: the command prints the reason on one line and exits 2.</summary>
internal sealed class CliInputException(string message) : Exception(message);

/// <summary>Reading files and values named on the command line, with one-line reasons instead of stack traces.</summary>
internal static class CliInput
{
    /// <summary>An instant as the CLI prints it, <c>yyyy-MM-ddTHH:mm:ssZ</c>; null for none, or for <see cref="DateTimeOffset.MaxValue"/> (no end).</summary>
    public static string? Iso(DateTimeOffset? instant) =>
        instant is { } t && t != DateTimeOffset.MaxValue ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : null;

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

    /// <summary>
    /// Parses a non-negative duration given as an ISO-8601 duration (<c>P1D</c>, <c>PT12H</c>, <c>P1DT30M</c>) or as
    /// a whole number with a unit: <c>&lt;n&gt;d</c>, <c>&lt;n&gt;h</c>, <c>&lt;n&gt;m</c> or <c>&lt;n&gt;s</c>.
    /// </summary>
    public static TimeSpan ParseDuration(string text, string what)
    {
        TimeSpan duration;
        try
        {
            if (text.Length > 1 && char.ToLowerInvariant(text[^1]) is 'd' or 'h' or 'm' or 's'
                && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                duration = char.ToLowerInvariant(text[^1]) switch
                {
                    'd' => TimeSpan.FromDays(n),
                    'h' => TimeSpan.FromHours(n),
                    'm' => TimeSpan.FromMinutes(n),
                    _ => TimeSpan.FromSeconds(n),
                };
            }
            else if (text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal))
            {
                duration = System.Xml.XmlConvert.ToTimeSpan(text);
            }
            else
            {
                throw new CliInputException($"{what} '{text}' is neither an ISO-8601 duration (P1D, PT12H) nor <n>d|h|m|s");
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            throw new CliInputException($"{what} '{text}' is not a duration Vouch can use: {e.Message}");
        }

        return duration < TimeSpan.Zero ? throw new CliInputException($"{what} '{text}' is negative") : duration;
    }
}
