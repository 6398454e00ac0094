using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Policies;

namespace Vouch.Attestation.Tests;

/// <summary>
/// What coverage-guided fuzzing of <see cref="ManagementJws.TryRead"/> found (fuzz/run.sh management-jws, docs/security.md):
/// inputs that threw instead of being refused. Each is rebuilt here from its shape, not from the crash file.
/// </summary>
public sealed class ManagementJwsFuzzFindingsTests
{
    private static readonly byte[] PolicyPayload = Encoding.UTF8.GetBytes("{\"AttestationPolicy\":\"dmVyc2lvbj0xLjA7\"}");

    [Fact]
    public void A_header_whose_alg_is_not_UTF8_is_malformed_not_an_exception()
    {
        // {"alg":"ES256<0xD4>"}: System.Text.Json parses it and throws only when 'alg' is read.
        byte[] header = [.. "{\"alg\":\"ES256"u8, 0xD4, .. "\"}"u8];

        AssertMalformed(Compact(header, PolicyPayload, []));
    }

    [Fact]
    public void An_x5c_string_that_is_not_UTF8_is_malformed_not_an_exception()
    {
        byte[] header = [.. "{\"alg\":\"ES256\",\"x5c\":[\"MII"u8, 0x96, .. "\"]}"u8];

        AssertMalformed(Compact(header, PolicyPayload, new byte[64]));
    }

    [Fact]
    public void A_payload_string_that_is_not_UTF8_is_malformed_not_an_exception()
    {
        byte[] payload = [.. "{\"AttestationPolicy\":\""u8, 0xFF, .. "\"}"u8];

        AssertMalformed(Compact("{\"alg\":\"none\"}"u8.ToArray(), payload, []));
    }

    [Fact]
    public void A_certificate_whose_public_key_does_not_decode_is_malformed_not_an_exception()
    {
        // The certificate loads (its key is not read until used), but the EC point's form byte 0x04 is now 0x05, which no encoding uses.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=fuzz finding", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));
        var der = certificate.RawData;
        var point = certificate.PublicKey.EncodedKeyValue.RawData;
        var at = der.AsSpan().IndexOf(point);
        Assert.True(at > 0);
        der[at] = 0x05;
        using (var loaded = X509CertificateLoader.LoadCertificate(der))
        {
            Assert.ThrowsAny<CryptographicException>(() => loaded.GetECDsaPublicKey());
        }

        var header = Encoding.UTF8.GetBytes($"{{\"alg\":\"ES256\",\"x5c\":[\"{Convert.ToBase64String(der)}\"]}}");
        AssertMalformed(Compact(header, PolicyPayload, new byte[64]));
    }

    private static string Compact(byte[] header, byte[] payload, byte[] signature) =>
        Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(signature);

    private static void AssertMalformed(string compact)
    {
        Assert.False(ManagementJws.TryRead(compact, out var jws, out var error));
        Assert.Null(jws);
        Assert.Equal(AttestationErrorCode.ManagementJwsMalformed, error!.Code);
    }
}
