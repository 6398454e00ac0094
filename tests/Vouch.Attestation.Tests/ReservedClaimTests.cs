using System.Text.Json.Nodes;
using Vouch.Attestation.Claims;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Policies;
using Vouch.Policy;
using Vouch.Policy.Evaluation;

namespace Vouch.Attestation.Tests;

/// <summary>The engine's reserved claim types: refused when a policy is compiled, and kept off the token's top level.</summary>
public sealed class ReservedClaimTests
{
    [Theory]
    [InlineData("iss")]
    [InlineData("sub")]
    [InlineData("aud")]
    [InlineData("exp")]
    [InlineData("nbf")]
    [InlineData("iat")]
    [InlineData("jti")]
    [InlineData("cnf")]
    [InlineData("nonce")]
    [InlineData("kid")]
    [InlineData("maa-ehd")]
    [InlineData("aas-ehd")]
    [InlineData("maa-attestationcollateral")]
    [InlineData("x-ms-policy-hash")]
    [InlineData("x-ms-sgx-mrsigner")]
    [InlineData("x-vouch-trust-anchor-key-id")]
    [InlineData("x-vouch-collateral-policy")]
    public void Reserved_CoversWhatTheServiceEmits(string type)
    {
        Assert.True(AttestationClaimTypes.Reserved.Refuses(type));
        Assert.True(AttestationClaimTypes.Reserved.Refuses(type.ToUpperInvariant()));
    }

    [Fact]
    public void PolicyCache_PolicyIssuingAReservedType_IsPolicyInvalidWithTheDiagnostic()
    {
        var cache = new PolicyCache();

        var compiled = cache.TryGet("version=1.0; authorizationrules{=> permit();}; issuancerules{ => issue(type=\"X-MS-SGX-MRSIGNER\", value=\"0\");};", out _, out var error);

        Assert.False(compiled);
        Assert.Equal(AttestationErrorCode.PolicyInvalid, error!.Code);
        Assert.Equal(PolicyErrorCode.ReservedClaimType, Assert.Single(error.PolicyDiagnostics).Code);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Payload_IssuedLookAlikesOfServiceClaims_StayInsideXMsPolicy()
    {
        var claims = new SgxClaimSet([], new JsonObject { ["x-ms-sgx-mrsigner"] = "real" });
        Claim[] issued =
        [
            new("\uFF58\uFF0D\uFF4D\uFF53\uFF0D\uFF53\uFF47\uFF58\uFF0D\uFF4D\uFF52\uFF53\uFF49\uFF47\uFF4E\uFF45\uFF52", ClaimValue.Of("forged")),
            new("NONCE", ClaimValue.Of("forged")),
            new("j\u200Bti", ClaimValue.Of("forged")),
            new("custom", ClaimValue.Of(1)),
        ];

        var payload = AttestationPayload.Build(claims, "hash", [.. issued], policySigner: null, nonce: null);

        Assert.Equal(["custom", "x-ms-policy", "x-ms-policy-hash", "x-ms-sgx-mrsigner"], payload.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("real", payload["x-ms-sgx-mrsigner"]!.GetValue<string>());
        Assert.Equal(4, payload["x-ms-policy"]!.AsObject().Count);
    }
}
