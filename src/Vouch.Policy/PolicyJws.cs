using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Vouch.Policy;

/// <summary>
/// The JWS envelope MAA stores and transmits policies in (maa-protocol §2.8): payload
/// <c>{"AttestationPolicy":"&lt;base64url(UTF-8 text)&gt;"}</c>. This class builds the unsigned form and
/// reads the text back; verifying signatures of signed policies is the service's job.
/// </summary>
public static class PolicyJws
{
    /// <summary>The unsigned JWS header <c>{"alg":"none"}</c>, base64url-encoded.</summary>
    public const string UnsignedHeader = "eyJhbGciOiJub25lIn0";

    /// <summary>The unsigned empty-payload JWS used to reset a policy (21 characters).</summary>
    public const string UnsignedReset = UnsignedHeader + "..";

    /// <summary>
    /// The unsigned JWS <c>eyJhbGciOiJub25lIn0.&lt;payload&gt;.</c> that MAA's SDKs send for
    /// <paramref name="policyText"/>, byte for byte (trailing dot, empty signature).
    /// </summary>
    public static string CreateUnsigned(string policyText) => UnsignedHeader + "." + EncodePayload(policyText) + ".";

    /// <summary>The base64url payload <c>{"AttestationPolicy":"…"}</c> of a policy JWS (signed or not).</summary>
    public static string EncodePayload(string policyText)
    {
        ArgumentNullException.ThrowIfNull(policyText);
        var json = "{\"AttestationPolicy\":\"" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(policyText)) + "\"}";
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>
    /// Reads the policy text out of a compact JWS without verifying any signature. False for an
    /// empty payload (a reset), malformed JWS, or a payload without <c>AttestationPolicy</c>.
    /// </summary>
    public static bool TryReadPolicyText(string jws, [NotNullWhen(true)] out string? policyText)
    {
        policyText = null;
        if (jws is null)
        {
            return false;
        }

        var parts = jws.Split('.');
        if (parts.Length != 3 || parts[1].Length == 0)
        {
            return false;
        }

        try
        {
            using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            if (payload.RootElement.ValueKind != JsonValueKind.Object
                || !payload.RootElement.TryGetProperty("AttestationPolicy", out var encoded)
                || encoded.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            policyText = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(encoded.GetString()!));
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return false;
        }
    }
}
