using System.Text.Json.Nodes;
using Vouch.Policy.Evaluation;
using Vouch.Policy.Syntax;

namespace Vouch.Policy.Tests.Support;

/// <summary>
/// Reads the case tables in <c>Cases/</c>. Fields are separated by '⇶', which never occurs in the
/// policy language, so nothing needs escaping (the serilog-expressions convention); '␤' stands for a
/// line break where a case must fit on one line. Lines starting with // are comments.
/// </summary>
internal static class CaseFiles
{
    public const char Separator = '⇶';
    public const char LineBreak = '␤';

    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Cases", file);

    /// <summary>The one-line cases of a file: 1-based line number and trimmed fields.</summary>
    public static IEnumerable<(int Line, string[] Fields)> Lines(string file)
    {
        var lines = File.ReadAllLines(PathOf(file));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            yield return (i + 1, [.. line.Split(Separator).Select(f => f.Trim())]);
        }
    }

    /// <summary>The block cases of a file: "=== name", the policy text, then "--- key value" lines.</summary>
    public static IEnumerable<BlockCase> Blocks(string file)
    {
        BlockCase? current = null;
        var text = new List<string>();
        foreach (var line in File.ReadAllLines(PathOf(file)))
        {
            if (line.StartsWith("=== ", StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    yield return current;
                }

                current = new BlockCase(line[4..].Trim());
                text = current.PolicyLines;
                continue;
            }

            if (current is null)
            {
                continue;
            }

            if (line.StartsWith("--- ", StringComparison.Ordinal))
            {
                var rest = line[4..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                current.Fields[space < 0 ? rest : rest[..space]] = space < 0 ? "" : rest[(space + 1)..].Trim();
                continue;
            }

            if (current.Fields.Count == 0)
            {
                text.Add(line);
            }
        }

        if (current is not null)
        {
            yield return current;
        }
    }

    public static IReadOnlyList<Claim> Claims(string json)
    {
        Assert.True(ClaimsJson.TryReadIncoming(json, out var claims, out var error), error);
        return claims;
    }

    /// <summary>Compiles or fails the test with every diagnostic.</summary>
    public static AttestationPolicy Compile(string text)
    {
        Assert.True(AttestationPolicy.TryCompile(text, out var policy, out var diagnostics), "does not compile:\n" + string.Join("\n", diagnostics) + "\n" + text);
        return policy;
    }

    /// <summary>
    /// Evaluates <paramref name="text"/>, and also its printed form, and checks that both agree and
    /// that printing the printed form changes nothing (parse → print → parse round trip).
    /// </summary>
    public static PolicyEvaluationResult EvaluateWithRoundTrip(string text, string claimsJson)
    {
        var policy = Compile(text);
        var claims = Claims(claimsJson);
        var result = policy.Evaluate(claims);

        var printed = PolicyPrinter.Print(policy.Document);
        var reparsed = Compile(printed);
        Assert.Equal(printed, PolicyPrinter.Print(reparsed.Document));
        var again = reparsed.Evaluate(claims);
        Assert.Equal(result.IsAuthorized, again.IsAuthorized);
        Assert.Equal(result.Failure, again.Failure);
        Assert.Equal(Json(result.IssuedClaims), Json(again.IssuedClaims));
        Assert.Equal(Json(result.PropertyClaims), Json(again.PropertyClaims));
        return result;
    }

    public static string Json(IEnumerable<Claim> claims) => ClaimsJson.Write(claims).ToJsonString();

    /// <summary>Compares two JSON texts structurally.</summary>
    public static void JsonEqual(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}\nactual   {actual}");
}

internal sealed class BlockCase(string name)
{
    public string Name { get; } = name;

    public List<string> PolicyLines { get; } = [];

    public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);

    public string Policy => string.Join("\n", PolicyLines).Trim() + "\n";

    public string Field(string key, string fallback) => Fields.TryGetValue(key, out var value) ? value : fallback;

    public override string ToString() => Name;
}
