using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Vouch.Attestation.Policies;

/// <summary>A policy signer certificate as MAA reports it (<c>x-ms-policy-signer</c>, <c>x-ms-policy-certificates</c>): <c>{"alg","kty","use":"sig","x5c"}</c>.</summary>
public static class PolicySignerJwk
{
    /// <summary>The JWK of the certificate <paramref name="der"/>.</summary>
    public static JsonObject Create(ReadOnlySpan<byte> der)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        var rsa = certificate.GetKeyAlgorithm() == "1.2.840.113549.1.1.1";
        return new JsonObject
        {
            ["alg"] = rsa ? "RS256" : "ES256",
            ["kty"] = rsa ? "RSA" : "EC",
            ["use"] = "sig",
            ["x5c"] = new JsonArray(Convert.ToBase64String(der)),
        };
    }
}
