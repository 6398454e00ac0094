using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Vouch.Policy;

namespace Vouch.Server.Tests.Support;

/// <summary>Policy signers and management JWS as MAA's clients build them (maa-protocol §2.8–2.10).</summary>
public sealed class TestSigner : IDisposable
{
    private TestSigner(RSA key, X509Certificate2 certificate)
    {
        Key = key;
        Certificate = certificate;
    }

    public RSA Key { get; }

    public X509Certificate2 Certificate { get; }

    public string Pem => Certificate.ExportCertificatePem();

    // Valid across every clock the tests inject (2026 vectors) and the real one.
    public static TestSigner Create(string name) =>
        Create(name, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public static TestSigner Create(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return new TestSigner(key, request.CreateSelfSigned(notBefore, notAfter));
    }

    /// <summary>A JWS signed by this signer, its own certificate in <c>x5c</c>.</summary>
    public string Sign(string payloadJson) => SignAs(payloadJson, Certificate);

    /// <summary>A JWS signed by this key but naming <paramref name="claimed"/> in <c>x5c</c>.</summary>
    public string SignAs(string payloadJson, X509Certificate2 claimed) =>
        SignRaw(new JsonObject { ["alg"] = "RS256", ["x5c"] = new JsonArray(Convert.ToBase64String(claimed.RawData)) }.ToJsonString(), payloadJson);

    /// <summary>A JWS signed by this signer with more header members (<c>alg</c> and <c>x5c</c> are added).</summary>
    public string SignWithHeader(JsonObject members, string payloadJson)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["x5c"] = new JsonArray(Convert.ToBase64String(Certificate.RawData)) };
        foreach (var (name, value) in members)
        {
            header[name] = value?.DeepClone();
        }

        return SignRaw(header.ToJsonString(), payloadJson);
    }

    /// <summary>A JWS over exactly <paramref name="headerJson"/> and <paramref name="payloadJson"/> (to send what a serializer would not write).</summary>
    public string SignRaw(string headerJson, string payloadJson)
    {
        var input = Encode(headerJson) + "." + (payloadJson.Length == 0 ? string.Empty : Encode(payloadJson));
        var signature = Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The certificate's DER, base64 (as <c>x5c</c> carries it).</summary>
    public string X5c => Convert.ToBase64String(Certificate.RawData);

    public string SignPolicy(string text) => Sign(PolicyPayload(text));

    /// <summary>The JSON payload <c>{"AttestationPolicy":…}</c> of <paramref name="text"/>.</summary>
    public static string PolicyPayload(string text) => Encoding.UTF8.GetString(Base64Url.DecodeFromChars(PolicyJws.EncodePayload(text)));

    public string SignReset() => Sign(string.Empty);

    public string SignCertificateChange(TestSigner subject) => Sign(CertificatePayload(subject));

    /// <summary>The JSON payload <c>{"policyCertificate":{"kty","x5c"}}</c> naming <paramref name="subject"/>.</summary>
    public static string CertificatePayload(TestSigner subject) =>
        new JsonObject { ["policyCertificate"] = new JsonObject { ["kty"] = "RSA", ["x5c"] = new JsonArray(subject.X5c) } }.ToJsonString();

    public void Dispose()
    {
        Key.Dispose();
        Certificate.Dispose();
    }

    private static string Encode(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
}
