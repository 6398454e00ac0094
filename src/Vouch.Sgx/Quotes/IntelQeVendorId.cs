namespace Vouch.Sgx.Quotes;

/// <summary>
/// The QE vendor id of Intel's quoting enclaves, UUID <c>939A7233-F79C-4CA9-940A-0DB3957F0607</c>, carried
/// as these raw bytes at header offset 12. Intel QVL rejects a quote with any other vendor id
/// (dcap-verification §1.1), and so does <see cref="Quote.TryParse"/>.
/// </summary>
public static class IntelQeVendorId
{
    /// <summary>The 16 vendor id bytes in quote order: <c>93 9A 72 33 F7 9C 4C A9 94 0A 0D B3 95 7F 06 07</c>.</summary>
    public static ReadOnlySpan<byte> Bytes =>
        [0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9, 0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07];

    /// <summary>The vendor id as lower-case hex.</summary>
    public const string Hex = "939a7233f79c4ca9940a0db3957f0607";

    /// <summary>Whether <paramref name="vendorId"/> is exactly Intel's vendor id.</summary>
    public static bool Matches(ReadOnlySpan<byte> vendorId) => vendorId.SequenceEqual(Bytes);
}
