using System.Security.Cryptography;

namespace Vouch.Simulator.Crypto;

/// <summary>
/// AES-128-CMAC (RFC 4493, NIST SP 800-38B), the MAC behind every SGX key derivation and the REPORT MAC.
/// </summary>
/// <remarks>
/// .NET 10 has no CMAC class (there is no <c>Cmac</c> type in System.Security.Cryptography), so this is
/// RFC 4493 §2 written on <see cref="Aes"/>: the subkeys K1/K2 come from doubling L = AES(K, 0¹²⁸) in
/// GF(2¹²⁸) with Rb = 0x87 (§2.3); the message runs through AES-CBC with a zero IV, and the last block is
/// XORed with K1 when complete or padded 10* and XORed with K2 otherwise (§2.4).
/// </remarks>
public sealed class AesCmac : IDisposable
{
    /// <summary>Key and tag size in bytes.</summary>
    public const int BlockSize = 16;

    private const byte Rb = 0x87;
    private readonly Aes _aes;
    private readonly byte[] _k1 = new byte[BlockSize];
    private readonly byte[] _k2 = new byte[BlockSize];

    /// <summary>Creates a CMAC instance for a 16-byte AES-128 key.</summary>
    /// <exception cref="ArgumentException">The key is not 16 bytes.</exception>
    public AesCmac(ReadOnlySpan<byte> key)
    {
        if (key.Length != BlockSize)
        {
            throw new ArgumentException("AES-128-CMAC needs a 16-byte key.", nameof(key));
        }

        _aes = Aes.Create();
        _aes.Key = key.ToArray();
        Span<byte> l = stackalloc byte[BlockSize];
        _aes.EncryptEcb(new byte[BlockSize], l, PaddingMode.None);
        Double(l, _k1);
        Double(_k1, _k2);
        CryptographicOperations.ZeroMemory(l);
    }

    /// <summary>Computes the 16-byte tag of <paramref name="key"/> over <paramref name="message"/>.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message)
    {
        using var cmac = new AesCmac(key);
        var tag = new byte[BlockSize];
        cmac.Compute(message, tag);
        return tag;
    }

    /// <summary>Computes the tag over <paramref name="message"/> into <paramref name="tag"/> (16 bytes).</summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is shorter than 16 bytes.</exception>
    public void Compute(ReadOnlySpan<byte> message, Span<byte> tag)
    {
        if (tag.Length < BlockSize)
        {
            throw new ArgumentException("The tag buffer needs 16 bytes.", nameof(tag));
        }

        // RFC 4493 §2.4 steps 2-3: n blocks (at least one); "complete" when the last block is full.
        var n = Math.Max(1, (message.Length + BlockSize - 1) / BlockSize);
        var complete = message.Length != 0 && message.Length % BlockSize == 0;
        var headLength = (n - 1) * BlockSize;

        Span<byte> x = stackalloc byte[BlockSize];
        if (headLength > 0)
        {
            // CBC-MAC over M_1..M_{n-1}: the last ciphertext block is X.
            var head = new byte[headLength];
            _aes.EncryptCbc(message[..headLength], new byte[BlockSize], head, PaddingMode.None);
            head.AsSpan(headLength - BlockSize).CopyTo(x);
        }
        else
        {
            x.Clear();
        }

        // Step 4: M_last = M_n ⊕ K1 (complete) or padding(M_n) ⊕ K2.
        Span<byte> last = stackalloc byte[BlockSize];
        last.Clear();
        var tail = message[headLength..];
        tail.CopyTo(last);
        var subkey = complete ? _k1 : _k2;
        if (!complete)
        {
            last[tail.Length] = 0x80;
        }

        for (var i = 0; i < BlockSize; i++)
        {
            last[i] ^= (byte)(subkey[i] ^ x[i]);
        }

        // Step 6: T = AES(K, X ⊕ M_last).
        _aes.EncryptEcb(last, tag[..BlockSize], PaddingMode.None);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_k1);
        CryptographicOperations.ZeroMemory(_k2);
        _aes.Dispose();
    }

    // RFC 4493 §2.3: left shift by one bit; XOR Rb into the last byte when the top bit fell off.
    private static void Double(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var carry = 0;
        for (var i = BlockSize - 1; i >= 0; i--)
        {
            var b = input[i];
            output[i] = unchecked((byte)((b << 1) | carry));
            carry = b >> 7;
        }

        if ((input[0] & 0x80) != 0)
        {
            output[BlockSize - 1] ^= Rb;
        }
    }
}
