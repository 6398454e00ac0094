using System.Buffers.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Vouch.Server.Tests.Support;

/// <summary>Validating tokens the way a relying party does: keys from the provider's <c>/certs</c>, issuer from its metadata.</summary>
public static class Tokens
{
    public static JsonObject Payload(string token) => JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!.AsObject();

    public static JsonObject Header(string token) => JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[0]))!.AsObject();

    /// <summary>Validates signature and issuer against the provider at <paramref name="providerUrl"/>; lifetime at <paramref name="now"/>.</summary>
    public static async Task<TokenValidationResult> ValidateAsync(HttpClient client, string providerUrl, string token, DateTimeOffset now)
    {
        var metadata = JsonNode.Parse(await client.GetStringAsync(new Uri(providerUrl + "/.well-known/openid-configuration")))!;
        var jwks = new JsonWebKeySet(await client.GetStringAsync(new Uri(metadata["jwks_uri"]!.GetValue<string>())));
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = metadata["issuer"]!.GetValue<string>(),
            ValidateAudience = false,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            LifetimeValidator = (notBefore, expires, _, _) => notBefore <= now.UtcDateTime && now.UtcDateTime < expires,
        });
    }
}
