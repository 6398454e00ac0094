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

    /// <summary>
    /// Steps charged for JSON text that does not parse: the parsers report failure by exception,
    /// which costs far more than a successful parse, so a policy cannot spend its budget on them cheaply.
    /// </summary>
    private const int FailedParseSteps = 25;

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
            PolicyFunction.IsSubsetOf => IsSubsetOf(first, second!),
            PolicyFunction.AppendString => AppendString(call, first, second!, context),
            PolicyFunction.NegateBool => NegateBool(call, first, context),
            _ => ContainsOnlyValue(call, first, second!, context),
        };
    }

    private static StringClaimValue? JmesPath(BoundFunctionCall call, ClaimValue input, EvaluationContext context)
    {
        var query = call.Query!;
        JToken? json;
        int inputLength;
        if (input is StringClaimValue text)
        {
            inputLength = text.Value.Length;
            if (inputLength > context.Limits.MaxJsonLength)
            {
                context.Warn(PolicyErrorCode.JmesPathInputInvalid, $"JmesPath input is {inputLength} characters long; the limit is {context.Limits.MaxJsonLength}", call.Position);
                return null;
            }

            json = JmesPathQuery.ParseJson(text.Value);
            if (json is null)
            {
                context.Step(FailedParseSteps);
                context.Warn(PolicyErrorCode.JmesPathInputInvalid, "JmesPath input is not JSON text", call.Position);
                return null;
            }
        }
        else
        {
            json = ToJToken(input);
            inputLength = json.ToString(Newtonsoft.Json.Formatting.None).Length;
        }

        context.Step(1 + (int)Math.Min(int.MaxValue / 2, (long)inputLength * query.Growth / 256));
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
        if (output.Length > context.Limits.MaxJsonLength)
        {
            context.Warn(PolicyErrorCode.ValueTooLarge, $"JmesPath result is {output.Length} characters long; the limit is {context.Limits.MaxJsonLength}", call.Position);
            return null;
        }

        context.Step(output.Length / 256);
        return new StringClaimValue(output);
    }

    private static JToken ToJToken(ClaimValue value) => value switch
    {
        StringClaimValue s => new JValue(s.Value),
        IntegerClaimValue i => new JValue(i.Value),
        BooleanClaimValue b => new JValue(b.Value),
        SetClaimValue set => new JArray(set.Members.Select(ToJToken)),
        _ => JValue.CreateNull(),
    };

    private static ClaimValue? JsonToClaimValue(BoundFunctionCall call, ClaimValue input, EvaluationContext context)
    {
        if (input is not StringClaimValue text)
        {
            // Already a claim value: nothing to convert.
            return input;
        }

        if (text.Value.Length > context.Limits.MaxJsonLength)
        {
            context.Warn(PolicyErrorCode.JsonValueUnsupported, $"JsonToClaimValue input is {text.Value.Length} characters long; the limit is {context.Limits.MaxJsonLength}", call.Position);
            return null;
        }

        context.Step(text.Value.Length / 256);
        if (!LooksLikeJson(text.Value) || !TryParseJson(text.Value, out var document))
        {
            context.Step(FailedParseSteps);
            context.Warn(PolicyErrorCode.JsonValueUnsupported, "JsonToClaimValue input is not JSON text", call.Position);
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (root.ValueKind == JsonValueKind.Array)
            {
                var members = ImmutableArray.CreateBuilder<ClaimValue>();
                foreach (var element in root.EnumerateArray())
                {
                    if (Scalar(element) is not { } member)
                    {
                        context.Warn(PolicyErrorCode.JsonValueUnsupported, "JsonToClaimValue turns an array of strings, integers and booleans into a set; this array holds something else", call.Position);
                        return null;
                    }

                    members.Add(member);
                }

                return new SetClaimValue(members.ToImmutable());
            }

            if (Scalar(root) is { } scalar)
            {
                return scalar;
            }

            context.Warn(PolicyErrorCode.JsonValueUnsupported, $"JsonToClaimValue cannot turn a JSON {Describe(root)} into a claim value", call.Position);
            return null;
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

    private static BooleanClaimValue IsSubsetOf(ClaimValue subset, ClaimValue superset)
    {
        var super = AsSet(superset);
        foreach (var member in AsSet(subset))
        {
            if (!super.Contains(member))
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

        context.Step((int)(length / 256));
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
        return ClaimValue.Of(!members.IsEmpty && members.All(m => m.Equals(value)));
    }
}
