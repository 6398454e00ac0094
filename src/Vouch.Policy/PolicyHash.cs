using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Vouch.Policy;

/// <summary>The two policy hashes MAA reports (maa-protocol §4.1), computed exactly as recorded.</summary>
public static class PolicyHash
{
    /// <summary>
    /// <c>x-ms-policy-hash</c>: base64url(SHA-256(ASCII(base64url(UTF-8(policy text))))), no padding.
    /// A hash of the text, independent of the JWS that carried it.
    /// </summary>
    public static string Compute(string policyText)
    {
        ArgumentNullException.ThrowIfNull(policyText);
        return Compute(Encoding.UTF8.GetBytes(policyText));
    }

    /// <summary><c>x-ms-policy-hash</c> of a policy given as its UTF-8 bytes (for example a file, byte for byte).</summary>
    public static string Compute(ReadOnlySpan<byte> policyUtf8)
    {
        var encoded = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(policyUtf8));
        return Base64Url.EncodeToString(SHA256.HashData(encoded));
    }

    /// <summary>
    /// <c>x-ms-policy-token-hash</c>: base64url(SHA-256(ASCII bytes of the policy JWS exactly as
    /// received)), no padding; for an unsigned JWS the trailing <c>.</c> is included.
    /// </summary>
    public static string ComputeTokenHash(string policyJws)
    {
        ArgumentNullException.ThrowIfNull(policyJws);
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(policyJws)));
    }
}
