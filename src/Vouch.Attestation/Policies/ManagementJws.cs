using System.Buffers.Text;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Vouch.Attestation.Errors;

namespace Vouch.Attestation.Policies;

/// <summary>
/// A policy-management JWS as MAA's clients send it (maa-protocol §2.8–2.10): a stored policy, a reset, or a
/// policy signer change. Header <c>{"alg":"none"}</c> (unsigned) or <c>{"alg":…,"x5c":[signer, …]}</c>; the
/// signature, when there is one, has been verified with the key of <c>x5c[0]</c> over the ASCII bytes of
/// <c>header.payload</c> (RFC 7515 §5.2). Whether that signer is <em>trusted</em> is the caller's decision.
/// </summary>
/// <param name="Compact">The JWS exactly as received.</param>
/// <param name="Algorithm">The header's <c>alg</c>.</param>
/// <param name="SignerCertificate">DER of <c>x5c[0]</c>; empty when unsigned.</param>
/// <param name="Payload">The decoded payload bytes (empty for a reset).</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed partial record ManagementJws(string Compact, string Algorithm, ImmutableArray<byte> SignerCertificate, ImmutableArray<byte> Payload)
{
    /// <summary>Whether the JWS is signed (and its signature verified).</summary>
    public bool IsSigned => !SignerCertificate.IsDefaultOrEmpty;

    /// <summary>The optional binding and time members it carries (header or payload).</summary>
    public ManagementJwsClaims Claims { get; init; } = ManagementJwsClaims.None;

    /// <summary>The replay key: base64url(SHA-256(ASCII bytes of <see cref="Compact"/>)), as MAA's <c>x-ms-policy-token-hash</c>.</summary>
    public string Hash => Vouch.Policy.PolicyHash.ComputeTokenHash(Compact);

    /// <summary>
    /// Parses <paramref name="compact"/> and verifies its signature against its own <c>x5c[0]</c>. Errors:
    /// <see cref="AttestationErrorCode.ManagementJwsMalformed"/>, <see cref="AttestationErrorCode.ManagementJwsAlgorithmUnsupported"/>,
    /// <see cref="AttestationErrorCode.ManagementJwsSignatureInvalid"/>, <see cref="AttestationErrorCode.ManagementJwsCriticalUnsupported"/>,
    /// <see cref="AttestationErrorCode.ManagementJwsUnencodedPayload"/>, <see cref="AttestationErrorCode.ManagementJwsDuplicateMember"/>.
    /// </summary>
    public static bool TryRead(string compact, [NotNullWhen(true)] out ManagementJws? jws, [NotNullWhen(false)] out AttestationError? error)
    {
        ArgumentNullException.ThrowIfNull(compact);
        jws = null;
        var parts = compact.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0)
        {
            error = Malformed("a JWS has three parts separated by '.', the first non-empty");
            return false;
        }

        if (!TryDecode(parts[0], out var headerBytes) || !TryDecode(parts[1], out var payload) || !TryDecode(parts[2], out var signature))
        {
            error = Malformed("a JWS part is not base64url");
            return false;
        }

        // Both JSON parts must be Unicode text before anything reads a string from them (System.Text.Json throws on a
        // string that is not, only when it is read; the fuzzer found the header's 'alg' and 'x5c' doing so). A payload that
        // is not JSON at all is left to the operation, which refuses it with its own code.
        if (StrictJson.Check(headerBytes, 8) != JsonTextProblem.None || StrictJson.Check(payload, 64) == JsonTextProblem.NotUnicode)
        {
            error = Malformed("the JWS header is not JSON, or a JWS part holds text that is not Unicode");
            return false;
        }

        // RFC 7515 §4.1.11, RFC 7797 §3, and no member name twice (a reader that kept the other copy would see
        // different content): the header first, then the payload, before the signature is even looked at.
        string algorithm;
        byte[]? signer;
        ManagementJwsClaims claims;
        try
        {
            using var header = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 8 });
            if (header.RootElement.ValueKind != JsonValueKind.Object
                || !header.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String)
            {
                error = Malformed("the JWS header is not a JSON object with a string 'alg'");
                return false;
            }

            algorithm = alg.GetString()!;
            if (!TryCheckMembers(headerBytes, header.RootElement, payload, out claims, out error)
                || !TryReadSigner(header.RootElement, out signer, out error))
            {
                return false;
            }
        }
        catch (JsonException)
        {
            error = Malformed("the JWS header is not JSON");
            return false;
        }

        if (algorithm == "none")
        {
            // RFC 7518 §3.6: an unsecured JWS has an empty signature.
            if (signature.Length != 0)
            {
                error = new AttestationError(AttestationErrorCode.ManagementJwsAlgorithmUnsupported, "alg 'none' with a non-empty signature");
                return false;
            }

            jws = new ManagementJws(compact, algorithm, [], [.. payload]) { Claims = claims };
            return true;
        }

        if (signer is null)
        {
            error = new AttestationError(AttestationErrorCode.ManagementJwsAlgorithmUnsupported, "a signed management JWS must carry its signer certificate in 'x5c'");
            return false;
        }

        if (!TryVerify(algorithm, signer, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, out error))
        {
            return false;
        }

        jws = new ManagementJws(compact, algorithm, [.. signer], [.. payload]) { Claims = claims };
        return true;
    }

    private static bool TryReadSigner(JsonElement header, out byte[]? signer, [NotNullWhen(false)] out AttestationError? error)
    {
        signer = null;
        error = null;
        if (!header.TryGetProperty("x5c", out var x5c))
        {
            return true;
        }

        // RFC 7515 §4.1.6: x5c is an array of standard base64 (not base64url) DER certificates, signer first.
        if (x5c.ValueKind != JsonValueKind.Array || x5c.GetArrayLength() == 0 || x5c[0].ValueKind != JsonValueKind.String)
        {
            error = Malformed("'x5c' is not a non-empty array of strings");
            return false;
        }

        try
        {
            signer = Convert.FromBase64String(x5c[0].GetString()!);
            using var certificate = X509CertificateLoader.LoadCertificate(signer);
            return true;
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            error = Malformed("'x5c[0]' is not a base64 DER certificate");
            signer = null;
            return false;
        }
    }

    private static bool TryVerify(string algorithm, byte[] signerDer, byte[] signingInput, byte[] signature, [NotNullWhen(false)] out AttestationError? error)
    {
        // A certificate can load while its public key does not decode (an EC point off the curve or of the wrong form):
        // the key is only read here, and that is a malformed JWS, not a server failure (a fuzzer finding).
        try
        {
            return TryVerifyWithKey(algorithm, signerDer, signingInput, signature, out error);
        }
        catch (CryptographicException)
        {
            error = Malformed("the public key of 'x5c[0]' does not decode");
            return false;
        }
    }

    private static bool TryVerifyWithKey(string algorithm, byte[] signerDer, byte[] signingInput, byte[] signature, [NotNullWhen(false)] out AttestationError? error)
    {
        error = null;
        using var certificate = X509CertificateLoader.LoadCertificate(signerDer);
        HashAlgorithmName hash;
        bool verified;
        switch (algorithm)
        {
            // RFC 7518 §3.3 (RS*), §3.5 (PS*), §3.4 (ES*: r‖s, fixed width).
            case "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512":
                hash = HashFor(algorithm);
                using (var rsa = certificate.GetRSAPublicKey())
                {
                    if (rsa is null)
                    {
                        error = new AttestationError(AttestationErrorCode.ManagementJwsAlgorithmUnsupported, $"alg '{algorithm}' needs an RSA certificate");
                        return false;
                    }

                    var padding = algorithm[0] == 'P' ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
                    verified = rsa.VerifyData(signingInput, signature, hash, padding);
                }

                break;
            case "ES256" or "ES384":
                hash = HashFor(algorithm);
                using (var ecdsa = certificate.GetECDsaPublicKey())
                {
                    var curveBits = algorithm == "ES256" ? 256 : 384;
                    if (ecdsa is null || ecdsa.KeySize != curveBits)
                    {
                        error = new AttestationError(AttestationErrorCode.ManagementJwsAlgorithmUnsupported, $"alg '{algorithm}' needs a P-{curveBits} certificate");
                        return false;
                    }

                    verified = ecdsa.VerifyData(signingInput, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                }

                break;
            default:
                error = new AttestationError(AttestationErrorCode.ManagementJwsAlgorithmUnsupported, $"alg '{algorithm}' is not supported");
                return false;
        }

        if (!verified)
        {
            error = new AttestationError(AttestationErrorCode.ManagementJwsSignatureInvalid, "the JWS signature does not verify with the key of x5c[0]");
        }

        return verified;
    }

    private static HashAlgorithmName HashFor(string algorithm) => algorithm[^3..] switch
    {
        "256" => HashAlgorithmName.SHA256,
        "384" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    private static bool TryDecode(string part, out byte[] bytes)
    {
        bytes = [];
        if (part.Length == 0)
        {
            return true;
        }

        if (!Base64Url.IsValid(part))
        {
            return false;
        }

        bytes = Base64Url.DecodeFromChars(part);
        return true;
    }

    private static AttestationError Malformed(string message) => new(AttestationErrorCode.ManagementJwsMalformed, message);
}
