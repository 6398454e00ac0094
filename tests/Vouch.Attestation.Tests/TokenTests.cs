using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Tokens;

namespace Vouch.Attestation.Tests;

public sealed class TokenTests
{
    private const string Issuer = "https://vouch.test:5443";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1785432688);
    private static readonly AesGcmKeyProtector Protector = new(AesGcmKeyProtector.GenerateKey());

    public static TheoryData<SigningAlgorithm> Algorithms() => [SigningAlgorithm.RS256, SigningAlgorithm.ES256];

    private static JsonObject Payload() => new()
    {
        ["exp"] = Now.ToUnixTimeSeconds() + 28800,
        ["iat"] = Now.ToUnixTimeSeconds(),
        ["iss"] = Issuer,
        ["nbf"] = Now.ToUnixTimeSeconds(),
        ["x-ms-ver"] = "1.0",
    };

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task CreateSigned_ValidatesAgainstJwks(SigningAlgorithm algorithm)
    {
        var key = SigningKey.Create(Issuer, algorithm, Now, Now, Now.AddDays(90), Protector);
        Assert.True(key.TryOpenPrivateKey(Protector, out var privateKey));
        using var _ = privateKey;
        var token = AttestationTokenWriter.CreateSigned(Payload(), key, privateKey, Issuer + "/certs");

        var jwks = new JsonWebKeySet(JsonWebKeySetDocument.Create([key]).ToJsonString());
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidateAudience = false,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            LifetimeValidator = (nbf, exp, _, _) => nbf <= Now.UtcDateTime && Now.UtcDateTime < exp,
        });
        Assert.True(result.IsValid, result.Exception?.Message);

        var header = Decode(token.Split('.')[0]);
        Assert.Equal(["alg", "jku", "kid", "typ"], header.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(algorithm.ToString(), header["alg"]!.GetValue<string>());
        Assert.Equal(key.KeyId, header["kid"]!.GetValue<string>());
        Assert.Equal("JWT", header["typ"]!.GetValue<string>());
        Assert.Equal(Issuer + "/certs", header["jku"]!.GetValue<string>());

        // The handler added no time claims of its own.
        Assert.True(JsonNode.DeepEquals(Payload(), Decode(token.Split('.')[1])));
        Assert.True(VerifyIndependently(token, key));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Jwks_PublicParametersOnly_KidIsRfc7638Thumbprint(SigningAlgorithm algorithm)
    {
        var key = SigningKey.Create(Issuer, algorithm, Now, Now, Now.AddDays(90), Protector);
        var jwk = JsonWebKeySetDocument.ToJwk(key);

        string[] privateMembers = ["d", "p", "q", "dp", "dq", "qi", "k"];
        Assert.DoesNotContain(jwk, p => privateMembers.Contains(p.Key));
        Assert.Equal(Base64Url.EncodeToString(new JsonWebKey(jwk.ToJsonString()).ComputeJwkThumbprint()), key.KeyId);
        Assert.Equal(key.KeyId, jwk["kid"]!.GetValue<string>());

        using var certificate = key.LoadCertificate();
        Assert.Equal("CN=" + Issuer, certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.Equal(Convert.ToBase64String(certificate.RawData), jwk["x5c"]![0]!.GetValue<string>());
    }

    [Fact]
    public void CreateUnsigned_IsAlgNoneWithEmptySignature()
    {
        var token = AttestationTokenWriter.CreateUnsigned(Payload(), "kid-1", Issuer + "/certs");
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Empty(parts[2]);
        var header = Decode(parts[0]);
        Assert.Equal("none", header["alg"]!.GetValue<string>());
        Assert.Equal("kid-1", header["kid"]!.GetValue<string>());
        Assert.Equal(Issuer + "/certs", header["jku"]!.GetValue<string>());
        Assert.Equal("JWT", header["typ"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(Payload(), Decode(parts[1])));
    }

    [Fact]
    public void OpenIdMetadata_IssuerAndJwksUri_MatchTheTokens()
    {
        var json = new OpenIdMetadata(Issuer, ["RS256"]).ToJson();
        Assert.Equal(
            ["response_types_supported", "id_token_signing_alg_values_supported", "revocation_endpoint", "issuer", "jwks_uri", "claims_supported"],
            json.Select(p => p.Key));
        Assert.Equal(Issuer, json["issuer"]!.GetValue<string>());
        Assert.Equal(Issuer + "/certs", json["jwks_uri"]!.GetValue<string>());
        Assert.Equal("RS256", json["id_token_signing_alg_values_supported"]![0]!.GetValue<string>());
    }

    /// <summary>Checks the signature with the BCL only, from the certificate in the JWKS: no IdentityModel.</summary>
    internal static bool VerifyIndependently(string token, SigningKey key)
    {
        var parts = token.Split('.');
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var signature = Base64Url.DecodeFromChars(parts[2]);
        using var certificate = key.LoadCertificate();
        if (key.Algorithm == SigningAlgorithm.ES256)
        {
            using var ecdsa = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPublicKey(certificate)!;
            return ecdsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        using var rsa = System.Security.Cryptography.X509Certificates.RSACertificateExtensions.GetRSAPublicKey(certificate)!;
        return rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    internal static JsonObject Decode(string part) => (JsonObject)JsonNode.Parse(Base64Url.DecodeFromChars(part))!;
}
