using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Vouch.Attestation.Keys;

namespace Vouch.Attestation.Tokens;

/// <summary>
/// Writes attestation tokens as MAA does (maa-protocol §3.1): compact JWS with header
/// <c>{"alg","jku","kid","typ":"JWT"}</c>. Signed tokens are made by <see cref="JsonWebTokenHandler"/>
/// with <c>SetDefaultTimesOnTokenCreation</c> off: every time claim comes from
/// the payload, which the caller computed from its <see cref="TimeProvider"/>.
/// </summary>
/// <threadsafety>Stateless; safe for concurrent use.</threadsafety>
public static class AttestationTokenWriter
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Signs <paramref name="payload"/> with <paramref name="privateKey"/>, the private half of <paramref name="key"/>.</summary>
    public static string CreateSigned(JsonObject payload, SigningKey key, AsymmetricAlgorithm privateKey, string jku)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(key);
        SecurityKey securityKey = privateKey switch
        {
            RSA rsa => new RsaSecurityKey(rsa) { KeyId = key.KeyId },
            ECDsa ecdsa => new ECDsaSecurityKey(ecdsa) { KeyId = key.KeyId },
            _ => throw new ArgumentException("the key is neither RSA nor ECDsa", nameof(privateKey)),
        };
        var algorithm = key.Algorithm == SigningAlgorithm.ES256 ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256;
        var credentials = new SigningCredentials(securityKey, algorithm) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } };
        return Handler.CreateToken(payload.ToJsonString(), credentials, new Dictionary<string, object>(StringComparer.Ordinal) { ["jku"] = jku });
    }

    /// <summary>
    /// The unsigned token MAA returns for a draft policy: header <c>{"alg":"none","jku","kid","typ":"JWT"}</c>
    /// (still naming the provider's key), the payload, and an empty signature.
    /// </summary>
    public static string CreateUnsigned(JsonObject payload, string kid, string jku)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var header = new JsonObject { ["alg"] = "none", ["jku"] = jku, ["kid"] = kid, ["typ"] = "JWT" };
        return Encode(header) + "." + Encode(payload) + ".";
    }

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
