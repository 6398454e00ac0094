using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vouch.Policy.Evaluation;

/// <summary>
/// The JSON form of claim sets used by <c>vouch policy eval</c> and the test tables:
/// <c>{ "type": value }</c>, where a value is a string, an integer or a boolean, and an array means
/// several claims of one type. An object (or an array inside the array) becomes one string claim
/// holding its compact JSON text, ready for JmesPath.
/// </summary>
public static class ClaimsJson
{
    /// <summary>Reads incoming claims (issuer AttestationService) from a JSON object; false with a reason when it is not one.</summary>
    public static bool TryReadIncoming(string json, out ImmutableArray<Claim> claims, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(json);
        claims = [];
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json.TrimStart('\uFEFF'), documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            error = "not JSON: " + e.Message;
            return false;
        }

        if (root is not JsonObject obj)
        {
            error = "the claims must be a JSON object of { \"type\": value }";
            return false;
        }

        var builder = ImmutableArray.CreateBuilder<Claim>();
        foreach (var (type, node) in obj)
        {
            if (node is JsonArray array)
            {
                foreach (var item in array)
                {
                    if (!TryRead(type, item, nested: true, builder, out error))
                    {
                        return false;
                    }
                }
            }
            else if (!TryRead(type, node, nested: false, builder, out error))
            {
                return false;
            }
        }

        claims = builder.ToImmutable();
        error = null;
        return true;
    }

    private static bool TryRead(string type, JsonNode? node, bool nested, ImmutableArray<Claim>.Builder claims, [NotNullWhen(false)] out string? error)
    {
        error = null;
        switch (node)
        {
            case null:
                error = $"claim '{type}': null is not a claim value";
                return false;
            case JsonObject:
            case JsonArray when nested:
                claims.Add(new Claim(type, new StringClaimValue(node.ToJsonString())));
                return true;
            case JsonValue value:
                var element = value.GetValue<JsonElement>();
                if (PolicyFunctions.Scalar(element) is { } scalar)
                {
                    claims.Add(new Claim(type, scalar));
                    return true;
                }

                error = $"claim '{type}': {element.GetRawText()} is not a string, a 64-bit integer or a boolean";
                return false;
            default:
                error = $"claim '{type}': unsupported value";
                return false;
        }
    }

    /// <summary>
    /// Writes claims as <c>{ "type": value }</c> in first-appearance order; a type issued more than once
    /// becomes an array of its values; a set becomes an array.
    /// </summary>
    public static JsonObject Write(IEnumerable<Claim> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var result = new JsonObject();
        foreach (var group in claims.GroupBy(c => c.Type, StringComparer.Ordinal))
        {
            var values = group.Select(c => ToNode(c.Value)).ToArray();
            result[group.Key] = values.Length == 1 ? values[0] : new JsonArray(values);
        }

        return result;
    }

    /// <summary>The JSON form of a value: string, number, boolean, or array for a set.</summary>
    public static JsonNode ToNode(ClaimValue value) => value switch
    {
        StringClaimValue s => JsonValue.Create(s.Value),
        IntegerClaimValue i => JsonValue.Create(i.Value),
        BooleanClaimValue b => JsonValue.Create(b.Value),
        SetClaimValue set => new JsonArray([.. set.Members.Select(ToNode)]),
        _ => throw new ArgumentException("unknown claim value", nameof(value)),
    };
}
