using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Vouch.Attestation.Keys;

namespace Vouch.Attestation.Tokens;

/// <summary>
/// The <c>/certs</c> body (maa-protocol §2.2): a JWK Set with, per published key, <c>kty</c>, <c>kid</c>,
/// <c>use</c>, <c>alg</c>, the public parameters (RFC 7518 §6.2.1/§6.3.1: <c>crv</c>/<c>x</c>/<c>y</c> or
/// <c>n</c>/<c>e</c>, base64url) and <c>x5c</c> (the self-signed certificate, standard base64 DER). Only
/// public parameters, read from the certificate; the private key is never touched.
/// </summary>
public static class JsonWebKeySetDocument
{
    /// <summary>The JWK Set of <paramref name="keys"/>, in the given order.</summary>
    public static JsonObject Create(IEnumerable<SigningKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new JsonObject { ["keys"] = new JsonArray([.. keys.Select(ToJwk)]) };
    }

    // Keys never change, so each JWK is built once (certificate parsing dominates /certs otherwise).
    private static readonly ConcurrentDictionary<(string KeyId, string Certificate), JsonObject> Built = new();

    /// <summary>The public JWK of one key.</summary>
    public static JsonObject ToJwk(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var x5c = Convert.ToBase64String(key.Certificate.AsSpan());
        if (Built.Count > 4096)
        {
            Built.Clear();
        }

        return (JsonObject)Built.GetOrAdd((key.KeyId, x5c), _ => Build(key, x5c)).DeepClone();
    }

    private static JsonObject Build(SigningKey key, string x5c)
    {
        using var certificate = key.LoadCertificate();
        var jwk = new JsonObject();
        if (key.Algorithm == SigningAlgorithm.ES256)
        {
            using var ecdsa = certificate.GetECDsaPublicKey() ?? throw new CryptographicException("the certificate holds no EC key");
            var p = ecdsa.ExportParameters(false);
            jwk["kty"] = "EC";
            jwk["crv"] = "P-256";
            jwk["x"] = Base64Url.EncodeToString(p.Q.X);
            jwk["y"] = Base64Url.EncodeToString(p.Q.Y);
        }
        else
        {
            using var rsa = certificate.GetRSAPublicKey() ?? throw new CryptographicException("the certificate holds no RSA key");
            var p = rsa.ExportParameters(false);
            jwk["kty"] = "RSA";
            jwk["n"] = Base64Url.EncodeToString(p.Modulus);
            jwk["e"] = Base64Url.EncodeToString(p.Exponent);
        }

        jwk["kid"] = key.KeyId;
        jwk["use"] = "sig";
        jwk["alg"] = key.AlgorithmName;
        jwk["x5c"] = new JsonArray(x5c);
        return jwk;
    }
}
