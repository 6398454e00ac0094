using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Vouch.Tests.Shared;

namespace Vouch.Sgx.Tests.Collateral;

/// <summary>Reads the DCAP vector folders (in place) for the collateral tests.</summary>
internal static class DcapCases
{
    /// <summary>The case that edge-tcbinfo-whitespace-added was derived from.</summary>
    public const string Genuine = "signal-cdsi-sgx-v3-2026";

    public const string WhitespaceAdded = "edge-tcbinfo-whitespace-added";
    public const string PrettyPrinted = "synth-tcbinfo-pretty-printed";

    public static IEnumerable<string> Names() =>
        Directory.EnumerateDirectories(TestVectors.Path("dcap"))
            .Where(d => File.Exists(Path.Combine(d, "expected.json")))
            .Select(d => Path.GetFileName(d)!)
            .Order(StringComparer.Ordinal);

    public static TheoryData<string> All() => new(Names());

    public static byte[] Bytes(string caseName, string file) => File.ReadAllBytes(TestVectors.Path("dcap", caseName, file));

    public static JsonNode Expected(string caseName) => Json(caseName, "expected.json");

    public static JsonNode Collateral(string caseName) => Json(caseName, "collateral.json");

    public static DateTimeOffset Date(JsonNode? node) =>
        DateTimeOffset.ParseExact((string)node!, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static byte[] HexBytes(JsonNode? node) => Convert.FromHexString((string)node!);

    public static int[] Ints(JsonNode? node) => node!.AsArray().Select(n => (int)n!).ToArray();

    public static string[] Strings(JsonNode? node) => node!.AsArray().Select(n => (string)n!).ToArray();

    /// <summary>The public key of the first certificate (the TCB Signing leaf) of a PEM chain in the case folder.</summary>
    public static ECDsa LeafKey(string caseName, string pemFile)
    {
        var pem = Encoding.ASCII.GetString(Bytes(caseName, pemFile));
        var first = PemEncoding.Find(pem);
        var der = Convert.FromBase64String(pem[first.Base64Data]);
        using var cert = X509CertificateLoader.LoadCertificate(der);
        return cert.GetECDsaPublicKey() ?? throw new InvalidOperationException("not an EC key: " + caseName);
    }

    public static bool Verifies(ECDsa key, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> signature) =>
        key.VerifyData(data.Span, signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    private static JsonNode Json(string caseName, string file) =>
        JsonNode.Parse(Bytes(caseName, file)) ?? throw new InvalidOperationException(file + " is null: " + caseName);
}
