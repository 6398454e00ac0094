using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Vouch.Sgx.Certificates;

/// <summary>
/// A DER structure of the shape <c>SEQUENCE { toBeSigned, AlgorithmIdentifier, BIT STRING signature }</c>:
/// an X.509 certificate (RFC 5280 §4.1) or CRL (§5.1). The signature is checked over
/// <see cref="ToBeSigned"/> exactly as it was received, never over a re-encoding.
/// </summary>
/// <param name="Raw">The whole structure.</param>
/// <param name="ToBeSigned">The complete DER (tag, length, content) of the first element: the signed bytes.</param>
/// <param name="SignatureAlgorithmOid">The OID of the outer signatureAlgorithm.</param>
/// <param name="Signature">The content of the signature BIT STRING (a DER <c>ECDSA-Sig-Value</c> for ECDSA).</param>
public sealed record SignedAsn1(ReadOnlyMemory<byte> Raw, ReadOnlyMemory<byte> ToBeSigned, string SignatureAlgorithmOid, ReadOnlyMemory<byte> Signature)
{
    /// <summary>ecdsa-with-SHA256 (RFC 5758 §3.2).</summary>
    public const string EcdsaWithSha256Oid = "1.2.840.10045.4.3.2";

    /// <summary>ecdsa-with-SHA384 (RFC 5758 §3.2).</summary>
    public const string EcdsaWithSha384Oid = "1.2.840.10045.4.3.3";

    /// <summary>The complete DER of the outer signatureAlgorithm AlgorithmIdentifier, for comparison with the copy inside the signed part.</summary>
    public ReadOnlyMemory<byte> SignatureAlgorithm { get; init; }

    /// <summary>
    /// Reads the outer structure strictly: DER rules, a SEQUENCE as the signed part, an
    /// AlgorithmIdentifier with at most one parameter, a BIT STRING without unused bits, and no
    /// bytes after the outer SEQUENCE. The signed part's own content is not interpreted here.
    /// </summary>
    /// <param name="der">The encoded structure; slices of it are kept, not copied.</param>
    /// <param name="value">The structure; <see langword="null"/> on failure.</param>
    /// <param name="error">Why the input was rejected; <see langword="null"/> on success.</param>
    /// <returns>Whether the input is such a structure.</returns>
    public static bool TryRead(ReadOnlyMemory<byte> der, [NotNullWhen(true)] out SignedAsn1? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        try
        {
            value = Read(der);
            error = null;
            return true;
        }
        catch (AsnContentException ex)
        {
            error = "signed structure: " + ex.Message;
            return false;
        }
    }

    /// <summary>Reads the structure; throws <see cref="AsnContentException"/> on bad input.</summary>
    internal static SignedAsn1 Read(ReadOnlyMemory<byte> der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var sequence = outer.ReadSequence();
        outer.ThrowIfNotEmpty();

        if (!sequence.HasData || !sequence.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            throw new AsnContentException("the signed part is not a SEQUENCE");
        }

        var toBeSigned = sequence.ReadEncodedValue();
        var (algorithmOid, algorithmRaw) = Der.ReadAlgorithmIdentifier(sequence);
        if (!sequence.TryReadPrimitiveBitString(out var unusedBits, out var signature) || unusedBits != 0)
        {
            throw new AsnContentException("the signature is not a whole-byte primitive BIT STRING");
        }

        sequence.ThrowIfNotEmpty();
        return new SignedAsn1(der, toBeSigned, algorithmOid, signature) { SignatureAlgorithm = algorithmRaw };
    }

    /// <summary>
    /// Verifies the signature over <see cref="ToBeSigned"/> with an EC public key: ecdsa-with-SHA256
    /// uses SHA-256, ecdsa-with-SHA384 uses SHA-384, the signature being a strict DER
    /// <c>ECDSA-Sig-Value</c> (<see cref="EcdsaVerifier.VerifyDer"/>).
    /// </summary>
    /// <param name="issuerKey">The issuer's public key.</param>
    /// <returns><see langword="false"/> for any other algorithm, a malformed or a wrong signature.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="issuerKey"/> is <see langword="null"/>.</exception>
    public bool VerifySignature(ECDsa issuerKey)
    {
        ArgumentNullException.ThrowIfNull(issuerKey);
        HashAlgorithmName hash;
        switch (SignatureAlgorithmOid)
        {
            case EcdsaWithSha256Oid:
                hash = HashAlgorithmName.SHA256;
                break;
            case EcdsaWithSha384Oid:
                hash = HashAlgorithmName.SHA384;
                break;
            default:
                return false;
        }

        return EcdsaVerifier.VerifyDer(issuerKey, ToBeSigned.Span, Signature.Span, hash);
    }
}
