namespace Vouch.Simulator;

/// <summary>Constants from Intel's enclaves and quote format (sgx-enclave-model §7).</summary>
public static class KnownValues
{
    /// <summary>MRSIGNER of Intel's architectural enclaves (QE3, PCE, QvE).</summary>
    public static ReadOnlySpan<byte> IntelAeMrSigner => Convert.FromHexString("8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF");

    /// <summary>MRSIGNER of Intel's launch enclave.</summary>
    public static ReadOnlySpan<byte> IntelLeMrSigner => Convert.FromHexString("ACB77012053E05A63D413B8BBAE8FB6C5D73B3F2996D91C43BBBF90959C0F8D4");

    /// <summary>QE vendor id of Intel's QE3 (quote header bytes 12-27).</summary>
    public static ReadOnlySpan<byte> IntelQeVendorId => Convert.FromHexString("939A7233F79C4CA9940A0DB3957F0607");

    /// <summary>QE authentication data of Intel's reference quote library: bytes 00 01 … 1F.</summary>
    public static ReadOnlySpan<byte> ReferenceQeAuthData =>
    [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    ];
}
