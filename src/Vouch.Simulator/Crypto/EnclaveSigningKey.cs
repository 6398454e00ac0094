using System.Numerics;
using System.Security.Cryptography;

namespace Vouch.Simulator.Crypto;

/// <summary>
/// An enclave signer's RSA-3072 key with public exponent 3 (the only kind EINIT accepts). Signs SIGSTRUCT
/// digests and names the signer: MRSIGNER = SHA-256 of the little-endian modulus (sgx-enclave-model §2.3).
/// </summary>
/// <remarks>
/// <c>RSA.Create(3072)</c> always picks e = 65537, so <see cref="Generate"/> builds the key itself from two
/// random 1536-bit primes p, q with gcd(3, p−1) = gcd(3, q−1) = 1 and hands the parameters to the BCL.
/// </remarks>
public sealed class EnclaveSigningKey : IDisposable
{
    private const int PrimeBytes = SgxRsa.ModulusSize / 2;
    private const int MillerRabinRounds = 8;
    private static readonly Lazy<int[]> SmallPrimes = new(() => SievePrimes(4096));
    private readonly RSA _rsa;

    private EnclaveSigningKey(RSA rsa)
    {
        var parameters = rsa.ExportParameters(false);
        if (parameters.Modulus is null || parameters.Modulus.Length != SgxRsa.ModulusSize)
        {
            rsa.Dispose();
            throw new ArgumentException("An enclave signing key must be RSA-3072.");
        }

        if (parameters.Exponent is null || SgxRsa.FromBigEndian(parameters.Exponent) != SgxRsa.PublicExponent)
        {
            rsa.Dispose();
            throw new ArgumentException("An enclave signing key must have public exponent 3.");
        }

        _rsa = rsa;
        var modulus = parameters.Modulus;
        modulus.AsSpan().Reverse();
        ModulusLittleEndian = modulus;
        MrSigner = SHA256.HashData(modulus);
    }

    /// <summary>The modulus as SIGSTRUCT.MODULUS stores it (384 bytes, little-endian).</summary>
    public byte[] ModulusLittleEndian { get; }

    /// <summary>MRSIGNER of enclaves signed with this key.</summary>
    public byte[] MrSigner { get; }

    /// <summary>
    /// The built-in signer of the <c>sample</c> enclave. It is a published TEST key (its private half ships
    /// in this library), exactly like the SDK's and Fortanix's sample keys: anyone can sign with it.
    /// </summary>
    public static EnclaveSigningKey Sample
    {
        get
        {
            using var stream = typeof(EnclaveSigningKey).Assembly.GetManifestResourceStream("Vouch.Simulator.sample_enclave_signer.key.pem")
                ?? throw new InvalidOperationException("The sample signer resource is missing.");
            using var reader = new StreamReader(stream);
            return FromPem(reader.ReadToEnd());
        }
    }

    /// <summary>Loads an RSA-3072, e = 3 private key from PEM (PKCS#1 or PKCS#8).</summary>
    /// <exception cref="ArgumentException">The PEM holds no RSA key, or one of the wrong size or exponent.</exception>
    public static EnclaveSigningKey FromPem(string pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new ArgumentException("The PEM does not hold an RSA private key.", nameof(pem), e);
        }

        return new EnclaveSigningKey(rsa);
    }

    /// <summary>Generates a fresh RSA-3072 key with public exponent 3.</summary>
    public static EnclaveSigningKey Generate()
    {
        BigInteger p, q, n;
        do
        {
            p = RandomPrime();
            q = RandomPrime();
            n = p * q;
        }
        while (p == q || n.GetBitLength() != SgxRsa.ModulusSize * 8);

        var e = new BigInteger(SgxRsa.PublicExponent);
        var phi = (p - 1) * (q - 1);
        var d = ModInverse(e, phi);
        var parameters = new RSAParameters
        {
            Modulus = SgxRsa.ToBigEndian(n, SgxRsa.ModulusSize),
            Exponent = [SgxRsa.PublicExponent],
            D = SgxRsa.ToBigEndian(d, SgxRsa.ModulusSize),
            P = SgxRsa.ToBigEndian(p, PrimeBytes),
            Q = SgxRsa.ToBigEndian(q, PrimeBytes),
            DP = SgxRsa.ToBigEndian(d % (p - 1), PrimeBytes),
            DQ = SgxRsa.ToBigEndian(d % (q - 1), PrimeBytes),
            InverseQ = SgxRsa.ToBigEndian(ModInverse(q, p), PrimeBytes),
        };
        var rsa = RSA.Create();
        rsa.ImportParameters(parameters);
        return new EnclaveSigningKey(rsa);
    }

    /// <summary>The private key as PKCS#8 PEM.</summary>
    public string ExportPem() => _rsa.ExportPkcs8PrivateKeyPem();

    /// <summary>Signs a SHA-256 digest (PKCS#1 v1.5); returns the 384-byte signature little-endian.</summary>
    public byte[] SignDigest(ReadOnlySpan<byte> sha256Digest)
    {
        var signature = _rsa.SignHash(sha256Digest.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        signature.AsSpan().Reverse();
        return signature;
    }

    /// <inheritdoc/>
    public void Dispose() => _rsa.Dispose();

    private static BigInteger RandomPrime()
    {
        var primes = SmallPrimes.Value;
        while (true)
        {
            var bytes = RandomNumberGenerator.GetBytes(PrimeBytes);
            bytes[0] |= 0xc0; // top two bits: p·q then has exactly 3072 bits
            bytes[^1] |= 0x01;
            var start = SgxRsa.FromBigEndian(bytes);
            var residues = new int[primes.Length];
            for (var i = 0; i < primes.Length; i++)
            {
                residues[i] = (int)(start % primes[i]);
            }

            // Walk odd candidates from the random start; the residues move with the candidate so trial
            // division costs nothing per step.
            for (var step = 0; step < 4096; step += 2)
            {
                var composite = false;
                for (var i = 0; i < primes.Length; i++)
                {
                    var r = (residues[i] + step) % primes[i];
                    // p ≡ 1 (mod 3) would make 3 | p − 1, and then e = 3 has no inverse.
                    if (r == 0 || (primes[i] == 3 && r == 1))
                    {
                        composite = true;
                        break;
                    }
                }

                if (composite)
                {
                    continue;
                }

                var candidate = start + step;
                if (candidate.GetBitLength() == PrimeBytes * 8 && IsProbablePrime(candidate))
                {
                    return candidate;
                }
            }
        }
    }

    // Miller-Rabin with random bases (FIPS 186-5 B.3.1).
    private static bool IsProbablePrime(BigInteger n)
    {
        var d = n - 1;
        var s = 0;
        while (d.IsEven)
        {
            d >>= 1;
            s++;
        }

        var buffer = new byte[PrimeBytes];
        for (var round = 0; round < MillerRabinRounds; round++)
        {
            BigInteger a;
            do
            {
                RandomNumberGenerator.Fill(buffer);
                a = SgxRsa.FromBigEndian(buffer) % n;
            }
            while (a < 2 || a > n - 2);

            var x = BigInteger.ModPow(a, d, n);
            if (x.IsOne || x == n - 1)
            {
                continue;
            }

            var witness = true;
            for (var r = 1; r < s; r++)
            {
                x = BigInteger.ModPow(x, 2, n);
                if (x == n - 1)
                {
                    witness = false;
                    break;
                }
            }

            if (witness)
            {
                return false;
            }
        }

        return true;
    }

    private static BigInteger ModInverse(BigInteger a, BigInteger m)
    {
        BigInteger oldR = a % m, r = m, oldS = 1, s = 0;
        while (!r.IsZero)
        {
            var quotient = BigInteger.Divide(oldR, r);
            (oldR, r) = (r, oldR - (quotient * r));
            (oldS, s) = (s, oldS - (quotient * s));
        }

        if (!oldR.IsOne)
        {
            throw new ArgumentException("The value has no inverse modulo m.");
        }

        return ((oldS % m) + m) % m;
    }

    private static int[] SievePrimes(int limit)
    {
        var composite = new bool[limit];
        var result = new List<int>();
        for (var i = 2; i < limit; i++)
        {
            if (composite[i])
            {
                continue;
            }

            result.Add(i);
            for (var j = i * i; j < limit; j += i)
            {
                composite[j] = true;
            }
        }

        return [.. result];
    }
}
