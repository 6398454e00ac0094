using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Newtonsoft.Json.Linq;
using Vouch.Policy.Semantics;

namespace Vouch.Policy.Evaluation;

/// <summary>The functions of version 1.2.</summary>
internal enum PolicyFunction
{
    JmesPath,
    JsonToClaimValue,
    IsSubsetOf,
    AppendString,
    NegateBool,
    ContainsOnlyValue,
}

/// <summary>
/// The 1.2 functions. Every function returns undefined (null) instead of throwing when an argument
/// is undefined or of the wrong type, and records a warning saying why.
/// </summary>
internal static class PolicyFunctions
{
    private static readonly Dictionary<string, PolicyFunction> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["JmesPath"] = PolicyFunction.JmesPath,
        ["JsonToClaimValue"] = PolicyFunction.JsonToClaimValue,
        ["IsSubsetOf"] = PolicyFunction.IsSubsetOf,
        ["AppendString"] = PolicyFunction.AppendString,
        ["NegateBool"] = PolicyFunction.NegateBool,
        ["ContainsOnlyValue"] = PolicyFunction.ContainsOnlyValue,
    };

    public static IEnumerable<string> Names => ByName.Keys;

    public static bool TryLookup(string name, out PolicyFunction function) => ByName.TryGetValue(name, out function);

    public static int Arity(PolicyFunction function) => function switch
    {
        PolicyFunction.JsonToClaimValue or PolicyFunction.NegateBool => 1,
        _ => 2,
    };

    public static StaticType ResultType(PolicyFunction function) => function switch
    {
        PolicyFunction.JmesPath or PolicyFunction.AppendString => StaticType.String,
        PolicyFunction.JsonToClaimValue => StaticType.Unknown,
        _ => StaticType.Boolean,
    };

    public static ClaimValue? Invoke(BoundFunctionCall call, EvaluationContext context)
    {
        context.Step();
        var first = call.Arguments[0].Evaluate(context);
        var second = call.Arguments.Length > 1 ? call.Arguments[1].Evaluate(context) : null;
        if (first is null || (call.Arguments.Length > 1 && second is null))
        {
            return null;
        }

        return call.Function switch
        {
            PolicyFunction.JmesPath => JmesPath(call, first, context),
            PolicyFunction.JsonToClaimValue => JsonToClaimValue(call, first, context),
            PolicyFunction.IsSubsetOf => IsSubsetOf(first, second!, context),
            PolicyFunction.AppendString => AppendString(call, first, second!, context),
            PolicyFunction.NegateBool => NegateBool(call, first, context),
            _ => ContainsOnlyValue(call, first, second!, context),
        };
    }

    private static StringClaimValue? JmesPath(BoundFunctionCall call, ClaimValue input, EvaluationContext context)
    {
        var query = call.Query!;
        if (ReadJmesPathInput(call, input, context) is not { Token: { } json } parsed)
        {
            return null;
        }

        // Charged before it runs (EvaluationCost.Query): a call the budget cannot pay for never starts.
        context.Step(EvaluationCost.Query(query, parsed.Size));
        JToken result;
        try
        {
            result = query.Evaluate(json);
        }
#pragma warning disable CA1031 // The JMESPath engine signals type errors inside a query with several exception types; any of them makes the call undefined.
        catch (Exception e) when (e is not EvaluationStoppedException)
#pragma warning restore CA1031
        {
            context.Warn(PolicyErrorCode.JmesPathFailed, "JmesPath failed: " + e.Message, call.Position);
            return null;
        }

        var output = result.ToString(Newtonsoft.Json.Formatting.None);
        context.Step(EvaluationCost.Write(output.Length));
        if (output.Length > context.Limits.MaxJsonLength)
        {
            context.Warn(PolicyErrorCode.ValueTooLarge, $"JmesPath result is {output.Length} characters long; the limit is {context.Limits.MaxJsonLength}", call.Position);
            return null;
        }

        return new StringClaimValue(output);
    }

    /// <summary>
    /// The input of a JmesPath call as a token with its size, or null (with a warning) when it is too
    /// long or not JSON. JSON text is parsed once per evaluation and string instance, and charged by its
    /// length before it is parsed; a failed parse is remembered too, so it is paid for once.
    /// </summary>
    private static JmesPathInput? ReadJmesPathInput(BoundFunctionCall call, ClaimValue input, EvaluationContext context)
    {
        if (input is not StringClaimValue { Value: var text })
        {
            context.Step(EvaluationCost.Members(input is SetClaimValue set ? set.Members.Length : 1));
            return new JmesPathInput(ToJToken(input), EvaluationCost.Size(input));
        }

        if (text.Length > context.Limits.MaxJsonLength)
        {
            context.Warn(PolicyErrorCode.JmesPathInputInvalid, $"JmesPath input is {text.Length} characters long; the limit is {context.Limits.MaxJsonLength}", call.Position);
            return null;
        }

        if (!context.TryGetJmesPathInput(text, out var parsed))
        {
            context.Step(EvaluationCost.Parse(text.Length));
            if (JmesPathQuery.ParseJson(text) is not { } json)
            {
                context.Step(EvaluationCost.FailedParse);
                json = new JmesPathInput(null, 0);
            }

            parsed = json;
            context.AddJmesPathInput(text, parsed);
        }

        if (parsed.Token is null)
        {
            context.Warn(PolicyErrorCode.JmesPathInputInvalid, "JmesPath input is not JSON text", call.Position);
            return null;
        }

        return parsed;
    }

    private static JToken ToJToken(ClaimValue value) => value switch
    {
        StringClaimValue s => new JValue(s.Value),
        IntegerClaimValue i => new JValue(i.Value),
        BooleanClaimValue b => new JValue(b.Value),
        SetClaimValue set => new JArray(set.Members.Select(ToJToken)),
        _ => JValue.CreateNull(),
    };

    /// <summary>
    /// JsonToClaimValue: converted once per evaluation and string instance (the outcome, warning
    /// included, is remembered), charged by length before parsing and by members before building a set.
    /// </summary>
    private static ClaimValue? JsonToClaimValue(BoundFunctionCall call, ClaimValue input, EvaluationContext context)
    {
        if (input is not StringClaimValue { Value: var text })
        {
            // Already a claim value: nothing to convert.
            return input;
        }

        if (text.Length > context.Limits.MaxJsonLength)
        {
            context.Warn(PolicyErrorCode.JsonValueUnsupported, $"JsonToClaimValue input is {text.Length} characters long; the limit is {context.Limits.MaxJsonLength}", call.Position);
            return null;
        }

        if (!context.TryGetClaimValue(text, out var converted))
        {
            converted = ConvertJson(text, context);
            context.AddClaimValue(text, converted);
        }

        if (converted.Warning is { } warning)
        {
            context.Warn(PolicyErrorCode.JsonValueUnsupported, warning, call.Position);
        }

        return converted.Value;
    }

    private static ConvertedJson ConvertJson(string text, EvaluationContext context)
    {
        context.Step(EvaluationCost.Parse(text.Length));
        if (!LooksLikeJson(text) || !TryParseJson(text, out var document))
        {
            context.Step(EvaluationCost.FailedParse);
            return new ConvertedJson(null, "JsonToClaimValue input is not JSON text");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                return new ConvertedJson(null, null);
            }

            if (root.ValueKind == JsonValueKind.Array)
            {
                context.Step(EvaluationCost.Members(root.GetArrayLength()));
                var members = ImmutableArray.CreateBuilder<ClaimValue>();
                foreach (var element in root.EnumerateArray())
                {
                    if (Scalar(element) is not { } member)
                    {
                        return new ConvertedJson(null, "JsonToClaimValue turns an array of strings, integers and booleans into a set; this array holds something else");
                    }

                    members.Add(member);
                }

                return new ConvertedJson(new SetClaimValue(members.ToImmutable()), null);
            }

            return Scalar(root) is { } scalar
                ? new ConvertedJson(scalar, null)
                : new ConvertedJson(null, $"JsonToClaimValue cannot turn a JSON {Describe(root)} into a claim value");
        }
    }

    /// <summary>A JSON string, integer or boolean as a claim value; null for anything else.</summary>
    internal static ClaimValue? Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => new StringClaimValue(element.GetString()!),
        JsonValueKind.True => BooleanClaimValue.True,
        JsonValueKind.False => BooleanClaimValue.False,
        JsonValueKind.Number when element.TryGetInt64(out var n) => new IntegerClaimValue(n),
        _ => null,
    };

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Number => "fraction or out-of-range number",
        _ => element.ValueKind.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether text can start a JSON value at all; plain text is rejected without a parser exception.</summary>
    private static bool LooksLikeJson(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        return !trimmed.IsEmpty && (trimmed[0] is '{' or '[' or '"' or '-' or 't' or 'f' or 'n' || char.IsAsciiDigit(trimmed[0]));
    }

    internal static bool TryParseJson(string text, [NotNullWhen(true)] out JsonDocument? document)
    {
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            return true;
        }
        catch (JsonException)
        {
            document = null;
            return false;
        }
    }

    private static ImmutableArray<ClaimValue> AsSet(ClaimValue value) => value is SetClaimValue set ? set.Members : [value];

    /// <summary>Linear in both sets (a hash set of the superset), and charged for both before it starts.</summary>
    private static BooleanClaimValue IsSubsetOf(ClaimValue subset, ClaimValue superset, EvaluationContext context)
    {
        var (sub, super) = (AsSet(subset), AsSet(superset));
        context.Step(EvaluationCost.Members((long)sub.Length + super.Length));
        var members = super.ToHashSet();
        foreach (var member in sub)
        {
            if (!members.Contains(member))
            {
                return BooleanClaimValue.False;
            }
        }

        return BooleanClaimValue.True;
    }

    private static StringClaimValue? AppendString(BoundFunctionCall call, ClaimValue left, ClaimValue right, EvaluationContext context)
    {
        if (left is not StringClaimValue a || right is not StringClaimValue b)
        {
            context.Warn(PolicyErrorCode.ArgumentTypeMismatch, $"AppendString takes two strings, not {left.TypeName} and {right.TypeName}", call.Position);
            return null;
        }

        var length = (long)a.Value.Length + b.Value.Length;
        if (length > context.Limits.MaxStringLength)
        {
            context.Warn(PolicyErrorCode.ValueTooLarge, $"AppendString would make a string of {length} characters; the limit is {context.Limits.MaxStringLength}", call.Position);
            return null;
        }

        context.Step(EvaluationCost.Write((int)length));
        return new StringClaimValue(a.Value + b.Value);
    }

    private static ClaimValue? NegateBool(BoundFunctionCall call, ClaimValue value, EvaluationContext context)
    {
        if (value is not BooleanClaimValue b)
        {
            context.Warn(PolicyErrorCode.ArgumentTypeMismatch, $"NegateBool takes a boolean, not {value.TypeName}", call.Position);
            return null;
        }

        return ClaimValue.Of(!b.Value);
    }

    private static ClaimValue? ContainsOnlyValue(BoundFunctionCall call, ClaimValue set, ClaimValue value, EvaluationContext context)
    {
        if (value is SetClaimValue)
        {
            context.Warn(PolicyErrorCode.ArgumentTypeMismatch, "ContainsOnlyValue compares the members with a string, integer or boolean, not a set", call.Position);
            return null;
        }

        var members = AsSet(set);
        context.Step(EvaluationCost.Members(members.Length));
        return ClaimValue.Of(!members.IsEmpty && members.All(m => m.Equals(value)));
    }
}

/// <summary>The outcome of converting one JSON text with JsonToClaimValue: the value (null: none) and the warning, if any.</summary>
internal sealed record ConvertedJson(ClaimValue? Value, string? Warning);
