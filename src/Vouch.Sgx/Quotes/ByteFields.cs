namespace Vouch.Sgx.Quotes;

/// <summary>Helpers shared by the quote records: length guards for public constructors and content equality.</summary>
internal static class ByteFields
{
    /// <summary>Returns <paramref name="value"/> when it is exactly <paramref name="length"/> bytes; a programmer error otherwise.</summary>
    public static ReadOnlyMemory<byte> RequireLength(ReadOnlyMemory<byte> value, int length, string paramName) =>
        value.Length == length
            ? value
            : throw new ArgumentException(
                FormattableString.Invariant($"Expected {length} bytes, got {value.Length}."), paramName);

    /// <summary>Byte-wise equality (record equality over <see cref="ReadOnlyMemory{T}"/> would compare references).</summary>
    public static bool Same(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b) => a.Span.SequenceEqual(b.Span);

    /// <summary>A hash of the content, consistent with <see cref="Same"/>.</summary>
    public static int Hash(ReadOnlyMemory<byte> value)
    {
        var hash = new HashCode();
        hash.AddBytes(value.Span);
        return hash.ToHashCode();
    }
}
