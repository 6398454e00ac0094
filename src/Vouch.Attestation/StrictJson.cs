using System.Text.Json;
using System.Text.Unicode;

namespace Vouch.Attestation;

/// <summary>What <see cref="StrictJson.Check"/> found wrong with a JSON text, if anything.</summary>
public enum JsonTextProblem
{
    /// <summary>Well-formed JSON, within the depth, every string and member name a sequence of Unicode scalar values.</summary>
    None,
    /// <summary>Not JSON (RFC 8259 syntax), including a UTF-8 byte order mark and raw control characters.</summary>
    Malformed,
    /// <summary>Nested deeper than the depth given.</summary>
    TooDeep,
    /// <summary>
    /// A string or member name that is no Unicode text: a lone or reversed surrogate escape (<c>\ud800</c>,
    /// <c>\udc00\ud800</c>), or bytes that are not UTF-8 (overlong forms, encoded surrogates, 0xFF).
    /// </summary>
    NotUnicode,
}

/// <summary>
/// The one check every untrusted JSON text passes before it is parsed into a document (request bodies, JSON
/// runtime and init-time data, the JSON parts of management JWS). <c>System.Text.Json</c> reads such strings
/// without complaint and throws <see cref="InvalidOperationException"/> only later, when a caller asks for the
/// string (<c>GetString</c>, <c>Name</c>, <c>GetValue&lt;string&gt;</c>); one pass here turns that into an answer
/// the caller can refuse with its own code, so no client's string reaches a 500.
/// </summary>
public static class StrictJson
{
    /// <summary>Reads <paramref name="json"/> once (no document is built) and says what, if anything, is wrong with it.</summary>
    public static JsonTextProblem Check(ReadOnlySpan<byte> json, int maxDepth)
    {
        var depth = 0;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
            while (reader.Read())
            {
                depth = Math.Max(depth, reader.CurrentDepth);
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !IsUnicode(ref reader))
                {
                    return JsonTextProblem.NotUnicode;
                }
            }

            return JsonTextProblem.None;
        }
        catch (JsonException)
        {
            // The reader reports depth only through its message; the deepest level reached tells the two apart.
            return depth >= maxDepth - 1 ? JsonTextProblem.TooDeep : JsonTextProblem.Malformed;
        }
    }

    private static bool IsUnicode(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return Utf8.IsValid(reader.ValueSpan);
        }

        // Unescaping is where surrogate escapes are paired; an unpaired one (or invalid UTF-8 around escapes) throws.
        try
        {
            _ = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
