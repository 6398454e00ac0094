using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Vouch.Server.Storage.Sqlite;

/// <summary>
/// How values are written to and read from the SQLite columns. Instants are TEXT in one fixed ISO 8601
/// form, UTC with seven fractional digits (<c>2026-05-01T12:00:00.1234567Z</c>): exact to the tick
/// <see cref="DateTimeOffset"/> carries, ordered as text, and readable in the <c>sqlite3</c> shell. The
/// offset a caller passed is not kept (instants come back in UTC). Enums are TEXT of their names.
/// Byte arrays are BLOBs, an empty or default array as a zero-length BLOB.
/// </summary>
internal static class SqliteValues
{
    private const string InstantFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

    public static string Instant(DateTimeOffset value) =>
        value.UtcDateTime.ToString(InstantFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ReadInstant(SqliteDataReader reader, int ordinal)
    {
        var text = reader.GetString(ordinal);
        return DateTime.TryParseExact(text, InstantFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc)
            ? new DateTimeOffset(utc, TimeSpan.Zero)
            : throw Malformed(reader, ordinal, text);
    }

    public static string EnumName<TEnum>(TEnum value, string paramName)
        where TEnum : struct, Enum =>
        Enum.IsDefined(value)
            ? value.ToString()
            : throw new ArgumentOutOfRangeException(paramName, value, $"not a defined {typeof(TEnum).Name}");

    public static TEnum ReadEnum<TEnum>(SqliteDataReader reader, int ordinal)
        where TEnum : struct, Enum
    {
        var text = reader.GetString(ordinal);
        // Only exact names: Enum.TryParse alone would also take "1", " Isolated" or "isolated".
        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (string.Equals(value.ToString(), text, StringComparison.Ordinal))
            {
                return value;
            }
        }

        throw Malformed(reader, ordinal, text);
    }

    /// <summary>
    /// A non-negative integer as TEXT ordered like the number: four decimal digits of hex length, then lower-case hex
    /// without leading zeros (<c>0001a</c>, <c>00021f4</c>); negative values are stored as 0. An empty TEXT (a row written
    /// before the column existed) orders below every number and reads as 0.
    /// </summary>
    public static string Ordered(BigInteger value)
    {
        var hex = value.Sign <= 0 ? "0" : value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        return string.Create(CultureInfo.InvariantCulture, $"{hex.Length:D4}{hex}");
    }

    public static BigInteger ReadOrdered(SqliteDataReader reader, int ordinal)
    {
        var text = reader.GetString(ordinal);
        if (text.Length == 0)
        {
            return BigInteger.Zero;
        }

        return text.Length > 4 && int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length == text.Length - 4
            && BigInteger.TryParse("0" + text[4..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Malformed(reader, ordinal, text);
    }

    public static bool ReadBoolean(SqliteDataReader reader, int ordinal) =>
        reader.GetInt64(ordinal) switch
        {
            0 => false,
            1 => true,
            var other => throw Malformed(reader, ordinal, other.ToString(CultureInfo.InvariantCulture)),
        };

    public static byte[] Blob(ImmutableArray<byte> value) =>
        value.IsDefaultOrEmpty ? [] : ImmutableCollectionsMarshal.AsArray(value)!;

    public static ImmutableArray<byte> ReadBlob(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : ImmutableCollectionsMarshal.AsImmutableArray(reader.GetFieldValue<byte[]>(ordinal));

    private static InvalidDataException Malformed(SqliteDataReader reader, int ordinal, string value) =>
        new($"column '{reader.GetName(ordinal)}' holds '{value}', which this build cannot read");
}
