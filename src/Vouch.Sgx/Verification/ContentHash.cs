using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Vouch.Sgx.Verification;

/// <summary>SHA-256 of some bytes, as a cheap dictionary key for the verified-collateral cache.</summary>
internal readonly record struct ContentHash(ulong A, ulong B, ulong C, ulong D)
{
    public static ContentHash Of(ReadOnlySpan<byte> data)
    {
        Span<byte> h = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, h);
        return new(
            BinaryPrimitives.ReadUInt64LittleEndian(h),
            BinaryPrimitives.ReadUInt64LittleEndian(h[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(h[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(h[24..]));
    }

    /// <summary>Combines two hashes into a key for a pair (for example a CRL and the key that must have signed it).</summary>
    public ContentHash With(ContentHash other)
    {
        Span<byte> pair = stackalloc byte[2 * SHA256.HashSizeInBytes];
        Write(pair);
        other.Write(pair[SHA256.HashSizeInBytes..]);
        return Of(pair);
    }

    private void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, A);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], B);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], C);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], D);
    }
}
