using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Vouch.Sgx.Certificates;

/// <summary>
/// ECDSA signature checks in the two encodings DCAP uses: DER <c>ECDSA-Sig-Value</c> (X.509
/// certificates and CRLs) and raw IEEE P1363 <c>r‖s</c> (quotes, QE reports, TCB Info, QE Identity).
/// Both return <see langword="false"/> for any malformed signature and never throw for bad input.
/// </summary>
public static class EcdsaVerifier
{
    /// <summary>
    /// Verifies a DER-encoded <c>ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }</c> (RFC 3279 §2.2.3)
    /// over <paramref name="data"/>.
    /// </summary>
    /// <remarks>
    /// The encoding is checked strictly before any arithmetic: DER rules, minimal INTEGERs, positive
    /// <c>r</c> and <c>s</c> no longer than the key's field, and no bytes after the sequence. The BCL's
    /// <see cref="DSASignatureFormat.Rfc3279DerSequence"/> path is not used because it accepts encodings
    /// Wycheproof marks invalid (on .NET 10 with OpenSSL 3: an <c>s</c> missing its leading zero, that is a
    /// negative INTEGER, ecdsa_secp256r1_sha256_test tcId 6). The checked values are re-encoded as P1363
    /// and verified on that path instead, so both encodings share one arithmetic check.
    /// </remarks>
    /// <param name="key">The signer's public key.</param>
    /// <param name="data">The signed bytes (hashed here with <paramref name="hash"/>).</param>
    /// <param name="derSignature">The DER signature.</param>
    /// <param name="hash">SHA-256, SHA-384 or SHA-512; any other name gives <see langword="false"/>.</param>
    /// <returns><see langword="true"/> when the encoding is strict DER and the signature verifies.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public static bool VerifyDer(ECDsa key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> derSignature, HashAlgorithmName hash)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!IsSupportedHash(hash) || !TryGetFieldSize(key, out var fieldSize))
        {
            return false;
        }

        var p1363 = new byte[fieldSize * 2];
        return TryDerToP1363(derSignature, fieldSize, p1363) && VerifyFixed(key, data, p1363, hash);
    }

    /// <summary>Verifies a raw IEEE P1363 signature (<c>r‖s</c>, each exactly the key's field size) over <paramref name="data"/>.</summary>
    /// <param name="key">The signer's public key.</param>
    /// <param name="data">The signed bytes (hashed here with <paramref name="hash"/>).</param>
    /// <param name="signature">Exactly twice the field size (64 bytes for P-256); any other length fails.</param>
    /// <param name="hash">SHA-256, SHA-384 or SHA-512; any other name gives <see langword="false"/>.</param>
    /// <returns><see langword="true"/> when the signature has the exact size and verifies.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public static bool VerifyP1363(ECDsa key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, HashAlgorithmName hash)
    {
        ArgumentNullException.ThrowIfNull(key);
        return IsSupportedHash(hash)
            && TryGetFieldSize(key, out var fieldSize)
            && signature.Length == fieldSize * 2
            && VerifyFixed(key, data, signature, hash);
    }

    /// <summary>
    /// Creates a P-256 public key from an uncompressed point: 65 bytes <c>04‖X‖Y</c>, or the 64 bytes
    /// <c>X‖Y</c> as SGX quotes carry it. Fails for any other length or a point not on the curve.
    /// </summary>
    /// <param name="point">The point.</param>
    /// <param name="key">The key, owned by the caller; <see langword="null"/> on failure.</param>
    /// <returns>Whether the point gave a key.</returns>
    public static bool TryCreateP256PublicKey(ReadOnlySpan<byte> point, [NotNullWhen(true)] out ECDsa? key)
    {
        key = null;
        if (point.Length == 65 && point[0] == 0x04)
        {
            point = point[1..];
        }

        return point.Length == 64 && TryCreatePublicKey(ECCurve.NamedCurves.nistP256, point[..32], point[32..], out key);
    }

    internal static bool TryCreatePublicKey(ECCurve curve, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y, [NotNullWhen(true)] out ECDsa? key)
    {
        key = null;
        var parameters = new ECParameters
        {
            Curve = curve,
            Q = new ECPoint { X = x.ToArray(), Y = y.ToArray() },
        };
        try
        {
            // ImportParameters validates the point against the curve.
            key = ECDsa.Create(parameters);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool VerifyFixed(ECDsa key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> p1363, HashAlgorithmName hash)
    {
        try
        {
            return key.VerifyData(data, p1363, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool IsSupportedHash(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA256 || hash == HashAlgorithmName.SHA384 || hash == HashAlgorithmName.SHA512;

    private static bool TryGetFieldSize(ECDsa key, out int fieldSize)
    {
        var bits = key.KeySize;
        fieldSize = (bits + 7) / 8;
        return bits > 0;
    }

    /// <summary>Strictly decodes an ECDSA-Sig-Value into <paramref name="destination"/> (<c>2 × fieldSize</c> bytes).</summary>
    private static bool TryDerToP1363(ReadOnlySpan<byte> der, int fieldSize, Span<byte> destination)
    {
        try
        {
            AsnDecoder.ReadSequence(der, AsnEncodingRules.DER, out var contentOffset, out var contentLength, out var consumed);
            if (consumed != der.Length)
            {
                return false;
            }

            var content = der.Slice(contentOffset, contentLength);
            var r = AsnDecoder.ReadIntegerBytes(content, AsnEncodingRules.DER, out var rLength);
            var s = AsnDecoder.ReadIntegerBytes(content[rLength..], AsnEncodingRules.DER, out var sLength);
            return rLength + sLength == content.Length
                && TryWriteScalar(r, destination[..fieldSize])
                && TryWriteScalar(s, destination[fieldSize..]);
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>Right-aligns a minimal, positive, non-zero INTEGER content into a fixed field.</summary>
    private static bool TryWriteScalar(ReadOnlySpan<byte> integer, Span<byte> field)
    {
        if (integer.IsEmpty || (integer[0] & 0x80) != 0)
        {
            return false;
        }

        if (integer[0] == 0)
        {
            integer = integer[1..];
        }

        if (integer.IsEmpty || integer.Length > field.Length)
        {
            return false;
        }

        field.Clear();
        integer.CopyTo(field[(field.Length - integer.Length)..]);
        return true;
    }
}
