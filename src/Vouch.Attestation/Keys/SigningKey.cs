using System.Buffers.Text;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Vouch.Attestation.Keys;

/// <summary>Token signing algorithms.</summary>
public enum SigningAlgorithm
{
    /// <summary>RSASSA-PKCS1-v1_5 with SHA-256 over an RSA-2048 key: MAA's algorithm, the default.</summary>
    RS256,
    /// <summary>ECDSA P-256 with SHA-256.</summary>
    ES256,
}

/// <summary>
/// A token signing key as stored: its public certificate, its lifecycle instants, and its private key
/// encrypted by an <see cref="IKeyProtector"/> (never in plain text). Lifecycle (docs/attestation.md):
/// published in <c>/certs</c> from <see cref="CreatedAt"/>, signs from <see cref="ActivatesAt"/> until
/// <see cref="RetiresAt"/>, listed for <see cref="KeyRingOptions.RetentionDuration"/> after that.
/// </summary>
/// <param name="KeyId">RFC 7638 JWK thumbprint of the public key, base64url.</param>
/// <param name="Algorithm">The algorithm.</param>
/// <param name="CreatedAt">When made, and first published.</param>
/// <param name="ActivatesAt">From when it may sign.</param>
/// <param name="RetiresAt">From when it no longer signs.</param>
/// <param name="Certificate">Self-signed X.509 certificate (DER) with the public key; subject CN = the issuer.</param>
/// <param name="ProtectedPrivateKey">PKCS#8 private key encrypted by <see cref="IKeyProtector.Protect"/> with the UTF-8 key id as associated data.</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record SigningKey(
    string KeyId,
    SigningAlgorithm Algorithm,
    DateTimeOffset CreatedAt,
    DateTimeOffset ActivatesAt,
    DateTimeOffset RetiresAt,
    ImmutableArray<byte> Certificate,
    ImmutableArray<byte> ProtectedPrivateKey)
{
    /// <summary>The JWS <c>alg</c> name.</summary>
    public string AlgorithmName => Algorithm.ToString();

    /// <summary>
    /// Makes a key: generates the key pair, a self-signed certificate for <paramref name="issuer"/>, and
    /// encrypts the private key with <paramref name="protector"/>.
    /// </summary>
    public static SigningKey Create(string issuer, SigningAlgorithm algorithm, DateTimeOffset createdAt, DateTimeOffset activatesAt, DateTimeOffset retiresAt, IKeyProtector protector)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(protector);
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(issuer);
        var subject = name.Build();

        using AsymmetricAlgorithm key = algorithm == SigningAlgorithm.ES256 ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : RSA.Create(2048);
        var request = key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
            _ => throw new UnreachableException(),
        };
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        // Clients do not check these dates (maa-protocol §2.2); they cover the key's whole published life.
        using var certificate = request.CreateSelfSigned(createdAt.AddMinutes(-5), retiresAt.AddYears(1));

        var kid = Thumbprint(certificate);
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            var protectedKey = protector.Protect(pkcs8, Encoding.UTF8.GetBytes(kid));
            return new SigningKey(kid, algorithm, createdAt, activatesAt, retiresAt, [.. certificate.RawData], [.. protectedKey]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>The certificate.</summary>
    public X509Certificate2 LoadCertificate() => X509CertificateLoader.LoadCertificate(Certificate.AsSpan());

    /// <summary>Decrypts the private key; false when the blob was altered or the KEK is not the one it was made under.</summary>
    public bool TryOpenPrivateKey(IKeyProtector protector, [NotNullWhen(true)] out AsymmetricAlgorithm? privateKey)
    {
        ArgumentNullException.ThrowIfNull(protector);
        privateKey = null;
        if (!protector.TryUnprotect(ProtectedPrivateKey.AsSpan(), Encoding.UTF8.GetBytes(KeyId), out var pkcs8))
        {
            return false;
        }

        try
        {
            AsymmetricAlgorithm key = Algorithm == SigningAlgorithm.ES256 ? ECDsa.Create() : RSA.Create();
            try
            {
                key.ImportPkcs8PrivateKey(pkcs8, out _);
            }
            catch (CryptographicException)
            {
                key.Dispose();
                return false;
            }

            privateKey = key;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>
    /// RFC 7638 JWK thumbprint: base64url(SHA-256(UTF-8 of the required public members in lexicographic
    /// order, no whitespace)): <c>{"e","kty","n"}</c> for RSA, <c>{"crv","kty","x","y"}</c> for EC.
    /// </summary>
    public static string Thumbprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string json;
        using (var rsa = certificate.GetRSAPublicKey())
        using (var ecdsa = certificate.GetECDsaPublicKey())
        {
            if (rsa is not null)
            {
                var p = rsa.ExportParameters(false);
                json = $"{{\"e\":\"{Base64Url.EncodeToString(p.Exponent)}\",\"kty\":\"RSA\",\"n\":\"{Base64Url.EncodeToString(p.Modulus)}\"}}";
            }
            else if (ecdsa is not null)
            {
                var p = ecdsa.ExportParameters(false);
                json = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64Url.EncodeToString(p.Q.X)}\",\"y\":\"{Base64Url.EncodeToString(p.Q.Y)}\"}}";
            }
            else
            {
                throw new ArgumentException("the certificate holds neither an RSA nor an EC key", nameof(certificate));
            }
        }

        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }
}
