using System.Numerics;
using System.Security.Cryptography;

namespace Vouch.Simulator.Crypto;

/// <summary>
/// The RSA arithmetic of SIGSTRUCT (sgx-enclave-model §1.9, §2.3): 3072-bit modulus, public exponent 3,
/// PKCS#1 v1.5 with a SHA-256 DigestInfo, big numbers stored little-endian, and the Q1/Q2 helper values
/// the CPU uses to check the signature without a division.
/// </summary>
/// <remarks>
/// Verification here is written from the definition (s³ mod n compared with the EMSA-PKCS1-v1_5 encoding),
/// not through <see cref="RSA.VerifyHash(byte[], byte[], HashAlgorithmName, RSASignaturePadding)"/>, so it
/// also checks SIGSTRUCTs whose modulus the BCL would refuse to import and stays independent of the signer.
/// </remarks>
public static class SgxRsa
{
    /// <summary>Size in bytes of the modulus, the signature, Q1 and Q2.</summary>
    public const int ModulusSize = 384;

    /// <summary>The only public exponent SGX accepts.</summary>
    public const int PublicExponent = 3;

    // DER of DigestInfo { AlgorithmIdentifier { id-sha256, NULL }, OCTET STRING (32) } without the digest
    // (RFC 8017 §9.2 note 1).
    private static ReadOnlySpan<byte> Sha256DigestInfoPrefix =>
    [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
    ];

    /// <summary>EMSA-PKCS1-v1_5 encoding (RFC 8017 §9.2) of a SHA-256 digest, 384 bytes, big-endian.</summary>
    /// <exception cref="ArgumentException">The digest is not 32 bytes.</exception>
    public static byte[] EncodePkcs1Sha256(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException("A SHA-256 digest has 32 bytes.", nameof(digest));
        }

        var em = new byte[ModulusSize];
        var t = Sha256DigestInfoPrefix.Length + digest.Length;
        em[0] = 0x00;
        em[1] = 0x01;
        em.AsSpan(2, ModulusSize - t - 3).Fill(0xff);
        em[ModulusSize - t - 1] = 0x00;
        Sha256DigestInfoPrefix.CopyTo(em.AsSpan(ModulusSize - t));
        digest.CopyTo(em.AsSpan(ModulusSize - digest.Length));
        return em;
    }

    /// <summary>
    /// Checks an exponent-3 PKCS#1 v1.5 SHA-256 signature: s &lt; n and s³ mod n equals the encoded digest.
    /// Modulus and signature are little-endian, as stored in SIGSTRUCT.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> modulusLittleEndian, ReadOnlySpan<byte> signatureLittleEndian, ReadOnlySpan<byte> digest)
    {
        if (modulusLittleEndian.Length != ModulusSize || signatureLittleEndian.Length != ModulusSize || digest.Length != SHA256.HashSizeInBytes)
        {
            return false;
        }

        var n = FromLittleEndian(modulusLittleEndian);
        var s = FromLittleEndian(signatureLittleEndian);
        if (n.IsZero || s >= n)
        {
            return false;
        }

        var m = BigInteger.ModPow(s, PublicExponent, n);
        var expected = FromBigEndian(EncodePkcs1Sha256(digest));
        return m == expected;
    }

    /// <summary>Computes Q1 = ⌊s²/n⌋ and Q2 = ⌊((s² mod n)·s)/n⌋, each 384 bytes little-endian.</summary>
    /// <exception cref="ArgumentException">Modulus or signature is not 384 bytes, or the modulus is zero.</exception>
    public static (byte[] Q1, byte[] Q2) ComputeQ1Q2(ReadOnlySpan<byte> modulusLittleEndian, ReadOnlySpan<byte> signatureLittleEndian)
    {
        if (modulusLittleEndian.Length != ModulusSize || signatureLittleEndian.Length != ModulusSize)
        {
            throw new ArgumentException("SIGSTRUCT big numbers have 384 bytes.");
        }

        var n = FromLittleEndian(modulusLittleEndian);
        if (n.IsZero)
        {
            throw new ArgumentException("The modulus is zero.", nameof(modulusLittleEndian));
        }

        var s = FromLittleEndian(signatureLittleEndian);
        var s2 = s * s;
        var q1 = BigInteger.DivRem(s2, n, out var s2ModN);
        var q2 = s2ModN * s / n;
        return (ToLittleEndian(q1, ModulusSize), ToLittleEndian(q2, ModulusSize));
    }

    /// <summary>Whether Q1 and Q2 are the values <see cref="ComputeQ1Q2"/> gives for this signature.</summary>
    public static bool VerifyQ1Q2(ReadOnlySpan<byte> modulusLittleEndian, ReadOnlySpan<byte> signatureLittleEndian, ReadOnlySpan<byte> q1, ReadOnlySpan<byte> q2)
    {
        if (modulusLittleEndian.Length != ModulusSize || signatureLittleEndian.Length != ModulusSize || FromLittleEndian(modulusLittleEndian).IsZero)
        {
            return false;
        }

        var (e1, e2) = ComputeQ1Q2(modulusLittleEndian, signatureLittleEndian);
        return q1.SequenceEqual(e1) && q2.SequenceEqual(e2);
    }

    internal static BigInteger FromLittleEndian(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true, isBigEndian: false);

    internal static BigInteger FromBigEndian(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true, isBigEndian: true);

    /// <summary>Unsigned little-endian bytes of <paramref name="value"/>, zero-padded to <paramref name="size"/>.</summary>
    internal static byte[] ToLittleEndian(BigInteger value, int size)
    {
        var result = new byte[size];
        if (!value.TryWriteBytes(result, out _, isUnsigned: true, isBigEndian: false))
        {
            throw new ArgumentOutOfRangeException(nameof(value), "The value does not fit the field.");
        }

        return result;
    }

    /// <summary>Unsigned big-endian bytes of <paramref name="value"/>, left-padded with zeros to <paramref name="size"/>.</summary>
    internal static byte[] ToBigEndian(BigInteger value, int size)
    {
        var result = ToLittleEndian(value, size);
        result.AsSpan().Reverse();
        return result;
    }
}
