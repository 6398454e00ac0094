using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using Vouch.Tests.Shared;

namespace Vouch.Attestation.Tests.Support;

/// <summary>One recorded MAA exchange of <c>../shared/vectors/maa/cpp-sdk-2022/</c> (see its index.md).</summary>
internal sealed record MaaExchange(string Name, string Method, string Path, int Status, JsonObject Json)
{
    public JsonObject? RequestBody => Json["request"]?["body"] as JsonObject;

    public JsonObject? Payload => Json["response_token_decoded"]?["payload"] as JsonObject;

    public JsonObject? Header => Json["response_token_decoded"]?["header"] as JsonObject;

    public string? Token => Json["response"]?["body"]?["token"]?.GetValue<string>();

    public string? ErrorCode => Json["response"]?["body"]?["error"]?["code"]?.GetValue<string>();

    public override string ToString() => Name;
}

internal static class MaaRecordings
{
    public static string Folder => TestVectors.Path("maa", "cpp-sdk-2022");

    /// <summary>Every exchange listed in manifest.tsv.</summary>
    public static IReadOnlyList<MaaExchange> All() =>
        [.. File.ReadAllLines(System.IO.Path.Combine(Folder, "manifest.tsv"))
            .Skip(1)
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(f => new MaaExchange(f[0], f[3], f[4], int.Parse(f[5], System.Globalization.CultureInfo.InvariantCulture), Load(f[0])))];

    public static MaaExchange Get(string name) => All().Single(e => e.Name == name);

    /// <summary>The recorded attest exchanges (SgxEnclave and OpenEnclave).</summary>
    public static IEnumerable<string> AttestNames() =>
        All().Where(e => e.Method == "POST" && e.Path.StartsWith("/attest/", StringComparison.Ordinal)).Select(e => e.Name);

    public static byte[] DecodeBase64Url(string text) => Base64Url.DecodeFromChars(text);

    public static string Evidence(string file) => System.IO.Path.Combine(Folder, "evidence", file);

    private static JsonObject Load(string name) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(System.IO.Path.Combine(Folder, "exchanges", name + ".json"), Encoding.UTF8))!;
}
