namespace Vouch.Sgx.Primitives;

/// <summary>Lower-case hex formatting and tolerant parsing, shared by parsers and reports.</summary>
public static class Hex
{
    /// <summary>Lower-case hex of the bytes.</summary>
    public static string ToLower(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>
    /// Decodes hex of either case into exactly <paramref name="expectedLength"/> bytes (or any length when
    /// <paramref name="expectedLength"/> is negative). Returns <see langword="null"/> on odd length,
    /// a non-hex character or a length mismatch; never throws for bad input.
    /// </summary>
    public static byte[]? TryDecode(ReadOnlySpan<char> hex, int expectedLength = -1)
    {
        if (hex.Length % 2 != 0 || (expectedLength >= 0 && hex.Length != expectedLength * 2))
        {
            return null;
        }

        var bytes = new byte[hex.Length / 2];
        return Convert.FromHexString(hex, bytes, out _, out _) == System.Buffers.OperationStatus.Done ? bytes : null;
    }
}
