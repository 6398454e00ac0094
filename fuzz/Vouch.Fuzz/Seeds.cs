using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Vouch.Policy;
using Vouch.Simulator.Authority;
using Vouch.Tests.Shared;

namespace Vouch.Fuzz;

/// <summary>
/// Seed corpora, read in place from <c>../shared/vectors</c> (never copied into the repository) plus documents Vouch
/// itself defines: the default policy, and a management JWS signed here with a throwaway key.
/// </summary>
internal static class Seeds
{
    public static int Write(string target, IEnumerable<string> patterns, string folder)
    {
        Directory.CreateDirectory(folder);
        var seeds = patterns.SelectMany(Find).Select(File.ReadAllBytes).Concat(BuiltIn(target))
            .DistinctBy(Convert.ToHexString).ToList();
        for (var i = 0; i < seeds.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"seed-{i:D4}"), seeds[i]);
        }

        return seeds.Count;
    }

    private static IEnumerable<byte[]> BuiltIn(string target) => target switch
    {
        "policy" => [Encoding.UTF8.GetBytes(DefaultPolicies.Sgx),
            "version=1.2;authorizationrules{c:[type==\"x-ms-sgx-is-debuggable\", value==false] && [type==\"x-vouch-tcb-status\", value==\"UpToDate\"] => permit();};issuancerules{c:[type==\"x-ms-runtime\"] => issue(type=\"k\", value=JmesPath(c.value, \"keys[0].n\"));};"u8.ToArray()],
        "management-jws" => [SignedPolicy()],
        "certificate" => CertificatesOf("dcap/*/*_issuer_chain.pem"),
        "tcb-evaluation-data-numbers" => [EvaluationNumbers("SGX", [21]), EvaluationNumbers("TDX", [19, 20, 21])],
        "request-body" => RecordedRequestBodies(),
        _ => [],
    };

    /// <summary>The JSON bodies of the recorded MAA attest requests (<c>request.body</c> of each exchange that has one).</summary>
    private static IEnumerable<byte[]> RecordedRequestBodies() =>
        Find("maa/**/*.json").Select(RequestBodyOf).OfType<byte[]>();

    private static byte[]? RequestBodyOf(string file)
    {
        try
        {
            using var exchange = JsonDocument.Parse(File.ReadAllBytes(file));
            return exchange.RootElement.ValueKind == JsonValueKind.Object && exchange.RootElement.TryGetProperty("request", out var request)
                && request.ValueKind == JsonValueKind.Object && request.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.Object
                ? Encoding.UTF8.GetBytes(body.GetRawText())
                : null;
        }
        catch (JsonException)
        {
            return null; // a recording that is not one JSON document (raw SDK recordings hold several)
        }
    }

    /// <summary>The DER of every certificate in the PEM chains the pattern finds.</summary>
    private static IEnumerable<byte[]> CertificatesOf(string pattern) =>
        Find(pattern).SelectMany(file =>
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(file);
            return certificates.Select(c => c.RawData);
        });

    /// <summary>A TCB Evaluation Data Numbers document signed by a throwaway simulated Intel (no genuine one is among the vectors).</summary>
    private static byte[] EvaluationNumbers(string id, int[] numbers)
    {
        var issued = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        using var intel = SimulatedIntel.Create(issued);
        var document = new TcbEvaluationDataNumbers
        {
            Id = id,
            IssueDate = issued,
            NextUpdate = issued.AddDays(30),
            Numbers = [.. numbers.OrderDescending().Select(n => new TcbEvaluationDataNumberEntry(n, issued.AddDays(n - 200), issued.AddDays(n - 199)))],
        };
        return Encoding.UTF8.GetBytes(intel.SignTcbEvaluationDataNumbers(document));
    }

    /// <summary>A signed <c>{"AttestationPolicy": base64url(policy)}</c> JWS with an <c>x5c</c> header, as MAA's clients send it.</summary>
    private static byte[] SignedPolicy()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=vouch-fuzz seed signer", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{{\"alg\":\"ES256\",\"x5c\":[\"{Convert.ToBase64String(certificate.RawData)}\"]}}"));
        var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{{\"AttestationPolicy\":\"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(DefaultPolicies.Sgx))}\"}}"));
        var signature = key.SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256);
        return Encoding.ASCII.GetBytes(header + "." + payload + "." + Base64Url.EncodeToString(signature));
    }

    // "dcap/*/quote.bin" or "maa/**/x*": the first segment is a folder below the vectors, "*" one folder level, "**" any depth.
    private static IEnumerable<string> Find(string pattern)
    {
        var parts = pattern.Split('/');
        var root = TestVectors.Path(parts[0]);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var recursive = parts.Contains("**");
        return Directory.EnumerateFiles(root, parts[^1], recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Concat(recursive || parts.Length < 3 ? [] : Directory.EnumerateDirectories(root).SelectMany(d => Directory.EnumerateFiles(d, parts[^1])))
            .Order(StringComparer.Ordinal);
    }
}
