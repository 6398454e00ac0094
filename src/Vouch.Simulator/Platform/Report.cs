namespace Vouch.Simulator.Platform;

/// <summary>
/// REPORT, 432 bytes (sgx-enclave-model §1.4): BODY[0:384] ‖ KEYID[384:416] ‖ MAC[416:432]. The MAC is
/// AES-128-CMAC over the body only, with the target's REPORT key. Wraps the exact bytes, so a changed
/// byte anywhere is seen by verification.
/// </summary>
public sealed class Report
{
    /// <summary>Size of the structure.</summary>
    public const int Size = 432;
    internal const int KeyIdOffset = 384;
    internal const int KeyIdSize = 32;
    internal const int MacOffset = 416;
    internal const int MacSize = 16;

    private readonly byte[] _bytes;

    private Report(byte[] bytes) => _bytes = bytes;

    /// <summary>The 384 body bytes the MAC covers.</summary>
    public ReadOnlySpan<byte> BodyBytes => _bytes.AsSpan(0, ReportBody.Size);

    /// <summary>The parsed body.</summary>
    public ReportBody Body => ReportBody.Read(BodyBytes);

    /// <summary>KEYID: tells the target which REPORT key to derive.</summary>
    public ReadOnlySpan<byte> KeyId => _bytes.AsSpan(KeyIdOffset, KeyIdSize);

    /// <summary>MAC over the body.</summary>
    public ReadOnlySpan<byte> Mac => _bytes.AsSpan(MacOffset, MacSize);

    /// <summary>Wraps 432 bytes (copied).</summary>
    /// <exception cref="FormatException">The input is not 432 bytes.</exception>
    public static Report Read(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Size ? new Report(bytes.ToArray()) : throw new FormatException($"A REPORT has {Size} bytes.");

    internal static Report Create(ReadOnlySpan<byte> body, ReadOnlySpan<byte> keyId, ReadOnlySpan<byte> mac)
    {
        var bytes = new byte[Size];
        body.CopyTo(bytes);
        keyId.CopyTo(bytes.AsSpan(KeyIdOffset));
        mac.CopyTo(bytes.AsSpan(MacOffset));
        return new Report(bytes);
    }

    /// <summary>The 432 bytes (a copy).</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();
}
