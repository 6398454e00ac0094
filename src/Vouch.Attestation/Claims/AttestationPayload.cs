using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Vouch.Policy.Evaluation;

namespace Vouch.Attestation.Claims;

/// <summary>
/// Assembles the attestation token payload: the evidence claims, the policy hash, <c>x-ms-policy</c>
/// with the issued claims, the issued claims again at top level, the nonce and the policy signer, then
/// the registered JWT claims; keys in ordinal order, as MAA 2022 writes them (maa-protocol §3.1).
/// </summary>
public static class AttestationPayload
{
    /// <summary>The registered JWT claims the issuer sets.</summary>
    public static FrozenSet<string> RegisteredClaims { get; } = FrozenSet.Create(StringComparer.Ordinal, "iss", "iat", "nbf", "exp", "jti");

    /// <summary>
    /// The payload without the registered claims. An issued claim is copied to top level unless its type
    /// is one of <see cref="AttestationClaimTypes.Reserved"/> (which evaluation already refuses) or is
    /// already there: a policy cannot overwrite or impersonate what the service vouches for. It always
    /// appears in <c>x-ms-policy</c>.
    /// </summary>
    public static JsonObject Build(SgxClaimSet claims, string policyHash, ImmutableArray<Claim> issued, JsonObject? policySigner, string? nonce)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(policyHash);
        var payload = (JsonObject)claims.Token.DeepClone();
        payload[AttestationClaimTypes.PolicyHash] = policyHash;
        var policyClaims = ClaimsJson.Write(issued);
        foreach (var (type, value) in policyClaims)
        {
            if (!AttestationClaimTypes.Reserved.Refuses(type) && !payload.ContainsKey(type))
            {
                payload[type] = value!.DeepClone();
            }
        }

        payload[AttestationClaimTypes.Policy] = policyClaims;
        if (nonce is not null)
        {
            payload[AttestationClaimTypes.Nonce] = nonce;
        }

        if (policySigner is not null)
        {
            payload[AttestationClaimTypes.PolicySigner] = policySigner.DeepClone();
        }

        return payload;
    }

    /// <summary>
    /// Adds <c>iss</c>, <c>iat = nbf = now</c> (whole seconds), <c>exp = iat + lifetime</c> and <c>jti</c>
    /// and returns a new object with every key in ordinal order.
    /// </summary>
    public static JsonObject Complete(JsonObject payload, string issuer, DateTimeOffset now, TimeSpan lifetime, string jti)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var iat = now.ToUnixTimeSeconds();
        var all = new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["iss"] = issuer,
            ["iat"] = iat,
            ["nbf"] = iat,
            ["exp"] = iat + (long)lifetime.TotalSeconds,
            ["jti"] = jti,
        };
        foreach (var (key, value) in payload)
        {
            if (!RegisteredClaims.Contains(key))
            {
                all[key] = value?.DeepClone();
            }
        }

        var sorted = new JsonObject();
        foreach (var key in all.Keys.Order(StringComparer.Ordinal))
        {
            sorted[key] = all[key];
        }

        return sorted;
    }
}
