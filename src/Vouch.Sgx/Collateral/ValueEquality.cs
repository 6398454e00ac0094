namespace Vouch.Sgx.Collateral;

/// <summary>
/// Content equality for the byte and list members of the collateral records: record equality would
/// otherwise compare <see cref="ReadOnlyMemory{T}"/> and list members by reference (code-style §3 item 2).
/// </summary>
internal static class ValueEquality
{
    public static bool Bytes(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b) => a.Span.SequenceEqual(b.Span);

    public static bool Lists<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }

        var comparer = EqualityComparer<T>.Default;
        for (int i = 0; i < a.Count; i++)
        {
            if (!comparer.Equals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A hash of the bytes' content, consistent with <see cref="Bytes"/>.</summary>
    public static int HashBytes(ReadOnlyMemory<byte> bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes.Span);
        return hash.ToHashCode();
    }
}
