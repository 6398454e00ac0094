using System.Globalization;
using System.Text.Json;
using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Collateral;

/// <summary>
/// Typed, strict reads of members of an already validated JSON body, in the manner of Intel QVL's
/// <c>JsonParser</c> (<c>getUintFieldOf</c>, <c>getBytesFieldOf</c>, <c>getDateFieldOf</c>, …). Every
/// failure throws <see cref="CollateralFormatException"/> carrying <see cref="Malformed"/> and the JSON path.
/// </summary>
/// <param name="Malformed">The code for a missing or ill-typed member.</param>
internal readonly record struct JsonFields(ErrorCode Malformed)
{
    // RFC 3339 in UTC with a literal 'Z', as PCS writes it ("2026-07-30T16:11:16Z"); fractions of a second
    // are allowed, offsets and lower-case 't'/'z' are not.
    private static readonly string[] DateFormats =
    [
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'",
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'f'Z'",
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ff'Z'",
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'",
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffff'Z'",
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffff'Z'",
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'",
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'",
    ];

    public static string Member(string path, string name) => path + "." + name;

    public static string Element(string path, int index) => path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    public CollateralFormatException Fail(string path, string message) => Fail(Malformed, path, message);

    public static CollateralFormatException Fail(ErrorCode code, string path, string message) =>
        new(new CollateralFormatError(code, path, message));

    /// <summary>The member's value, or a failure naming it as missing.</summary>
    public JsonElement Required(JsonElement parent, string path, string name) =>
        parent.TryGetProperty(name, out var value) ? value : throw Fail(Member(path, name), $"The member '{name}' is missing.");

    public JsonElement Object(JsonElement parent, string path, string name) => ExpectObject(Required(parent, path, name), Member(path, name));

    public JsonElement ExpectObject(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Object ? value : throw Fail(path, "Expected a JSON object.");

    /// <summary>A required array; with <paramref name="nonEmpty"/>, an empty array fails.</summary>
    public JsonElement Array(JsonElement parent, string path, string name, bool nonEmpty)
    {
        var value = Required(parent, path, name);
        var at = Member(path, name);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Fail(at, "Expected a JSON array.");
        }

        if (nonEmpty && value.GetArrayLength() == 0)
        {
            throw Fail(at, "The array is empty.");
        }

        return value;
    }

    public string String(JsonElement parent, string path, string name) => ExpectString(Required(parent, path, name), Member(path, name));

    /// <summary>An optional string member: null when absent, a failure when present but not a string.</summary>
    public string? OptionalString(JsonElement parent, string path, string name) =>
        parent.TryGetProperty(name, out var value) ? ExpectString(value, Member(path, name)) : null;

    public string ExpectString(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw Fail(path, "Expected a JSON string.");
        }

        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escape such as \uD800 that is not valid UTF-16 (the tokenizer checks escape syntax only).
            throw Fail(path, "The string holds an escape that is not valid UTF-16.");
        }
    }

    /// <summary>A non-negative JSON integer no larger than <paramref name="max"/> (no fraction, no exponent).</summary>
    public int UInt(JsonElement parent, string path, string name, int max)
    {
        var value = Required(parent, path, name);
        var at = Member(path, name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n))
        {
            throw Fail(at, "Expected an integer.");
        }

        return n >= 0 && n <= max ? (int)n : throw Fail(at, $"The value {n} is outside 0..{max}.");
    }

    /// <summary>A JSON integer that fits an <see cref="int"/> (Intel reads tcbType as a signed int).</summary>
    public int Int(JsonElement parent, string path, string name)
    {
        var value = Required(parent, path, name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : throw Fail(Member(path, name), "Expected an integer.");
    }

    /// <summary>
    /// Hex of either case that decodes to exactly <paramref name="bytes"/> bytes; with
    /// <paramref name="allowEmpty"/>, the empty string gives an empty array.
    /// </summary>
    public byte[] Hex(JsonElement parent, string path, string name, int bytes, bool allowEmpty = false)
    {
        var text = String(parent, path, name);
        if (allowEmpty && text.Length == 0)
        {
            return [];
        }

        return Primitives.Hex.TryDecode(text, bytes) ?? throw Fail(Member(path, name), $"Expected {bytes * 2} hex characters.");
    }

    public DateTimeOffset Date(JsonElement parent, string path, string name)
    {
        var text = String(parent, path, name);
        return DateTimeOffset.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? date
            : throw Fail(Member(path, name), "Expected an RFC 3339 UTC date such as 2026-07-30T16:11:16Z.");
    }

    /// <summary>One of Intel's seven status strings (§2.8), exact and case-sensitive.</summary>
    public TcbStatus Status(JsonElement parent, string path, string name)
    {
        var text = String(parent, path, name);
        return TcbStatuses.TryParse(text, out var status) ? status : throw Fail(Member(path, name), "Not one of Intel's TCB status strings.");
    }

    /// <summary>The optional <c>advisoryIDs</c> array of strings; empty when absent.</summary>
    public IReadOnlyList<string> AdvisoryIds(JsonElement parent, string path)
    {
        const string name = "advisoryIDs";
        if (!parent.TryGetProperty(name, out var value))
        {
            return [];
        }

        var at = Member(path, name);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Fail(at, "Expected a JSON array of strings.");
        }

        var ids = new string[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            ids[i] = ExpectString(item, Element(at, i));
            i++;
        }

        return System.Array.AsReadOnly(ids);
    }
}
