using System.Globalization;
using System.Text.Json;
using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Collateral;

/// <summary>
/// A JSON path such as <c>tcbInfo.tcbLevels[3].tcb.pcesvn</c>, rendered to text only when an error
/// needs it: a base path, then optionally an array index, then optionally a member name. Building one
/// from a string, an index and a name allocates nothing, so the typed reads stay cheap on valid input.
/// </summary>
internal readonly struct JsonPath(string basePath, int index = -1, string? member = null)
{
    private readonly string _base = basePath;
    private readonly int _index = index;
    private readonly string? _member = member;

    public static implicit operator JsonPath(string path) => new(path);

    public JsonPath Member(string name) => _member is null ? new(_base, _index, name) : new(ToString(), -1, name);

    public JsonPath Element(int index) => _index < 0 && _member is null ? new(_base, index) : new(ToString(), index);

    public override string ToString()
    {
        var text = _base;
        if (_index >= 0)
        {
            text += "[" + _index.ToString(CultureInfo.InvariantCulture) + "]";
        }

        return _member is null ? text : text + "." + _member;
    }
}

/// <summary>
/// Typed, strict reads of members of an already validated JSON body, in the manner of Intel QVL's
/// <c>JsonParser</c> (<c>getUintFieldOf</c>, <c>getBytesFieldOf</c>, <c>getDateFieldOf</c>, …). Every
/// failure throws <see cref="CollateralFormatException"/> carrying <see cref="Malformed"/> and the JSON path.
/// Each read takes the path of the parent object and the member's name.
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

    public CollateralFormatException Fail(JsonPath path, string message) => Fail(Malformed, path, message);

    public static CollateralFormatException Fail(ErrorCode code, JsonPath path, string message) =>
        new(new CollateralFormatError(code, path.ToString(), message));

    /// <summary>The member's value, or a failure naming it as missing.</summary>
    public JsonElement Required(JsonElement parent, JsonPath path, string name) =>
        parent.TryGetProperty(name, out var value) ? value : throw Fail(path.Member(name), $"The member '{name}' is missing.");

    public JsonElement Object(JsonElement parent, JsonPath path, string name) => ExpectObject(Required(parent, path, name), path.Member(name));

    public JsonElement ExpectObject(JsonElement value, JsonPath path) =>
        value.ValueKind == JsonValueKind.Object ? value : throw Fail(path, "Expected a JSON object.");

    /// <summary>A required array; with <paramref name="nonEmpty"/>, an empty array fails.</summary>
    public JsonElement Array(JsonElement parent, JsonPath path, string name, bool nonEmpty)
    {
        var value = Required(parent, path, name);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Fail(path.Member(name), "Expected a JSON array.");
        }

        if (nonEmpty && value.GetArrayLength() == 0)
        {
            throw Fail(path.Member(name), "The array is empty.");
        }

        return value;
    }

    public string String(JsonElement parent, JsonPath path, string name) => ExpectString(Required(parent, path, name), path.Member(name));

    /// <summary>An optional string member: null when absent, a failure when present but not a string.</summary>
    public string? OptionalString(JsonElement parent, JsonPath path, string name) =>
        parent.TryGetProperty(name, out var value) ? ExpectString(value, path.Member(name)) : null;

    public string ExpectString(JsonElement value, JsonPath path) =>
        TryGetString(value) ?? throw Fail(path, value.ValueKind == JsonValueKind.String
            ? "The string holds an escape that is not valid UTF-16."
            : "Expected a JSON string.");

    // Null for a non-string, or for a string with an escape such as \uD800 that is not valid UTF-16
    // (the tokenizer checks escape syntax only, and GetString then throws).
    private static string? TryGetString(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A non-negative JSON integer no larger than <paramref name="max"/> (no fraction, no exponent).</summary>
    public int UInt(JsonElement parent, JsonPath path, string name, int max)
    {
        var value = Required(parent, path, name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n))
        {
            throw Fail(path.Member(name), "Expected an integer.");
        }

        return n >= 0 && n <= max ? (int)n : throw Fail(path.Member(name), $"The value {n} is outside 0..{max}.");
    }

    /// <summary>A JSON integer that fits an <see cref="int"/> (Intel reads tcbType as a signed int).</summary>
    public int Int(JsonElement parent, JsonPath path, string name)
    {
        var value = Required(parent, path, name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : throw Fail(path.Member(name), "Expected an integer.");
    }

    /// <summary>
    /// Hex of either case that decodes to exactly <paramref name="bytes"/> bytes; with
    /// <paramref name="allowEmpty"/>, the empty string gives an empty array.
    /// </summary>
    public byte[] Hex(JsonElement parent, JsonPath path, string name, int bytes, bool allowEmpty = false)
    {
        var text = String(parent, path, name);
        if (allowEmpty && text.Length == 0)
        {
            return [];
        }

        return Primitives.Hex.TryDecode(text, bytes) ?? throw Fail(path.Member(name), $"Expected {bytes * 2} hex characters.");
    }

    public DateTimeOffset Date(JsonElement parent, JsonPath path, string name)
    {
        var text = String(parent, path, name);
        return DateTimeOffset.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? date
            : throw Fail(path.Member(name), "Expected an RFC 3339 UTC date such as 2026-07-30T16:11:16Z.");
    }

    /// <summary>One of Intel's seven status strings (§2.8), exact and case-sensitive.</summary>
    public TcbStatus Status(JsonElement parent, JsonPath path, string name)
    {
        var text = String(parent, path, name);
        return TcbStatuses.TryParse(text, out var status) ? status : throw Fail(path.Member(name), "Not one of Intel's TCB status strings.");
    }

    /// <summary>The optional <c>advisoryIDs</c> array of strings; empty when absent.</summary>
    public IReadOnlyList<string> AdvisoryIds(JsonElement parent, JsonPath path)
    {
        const string name = "advisoryIDs";
        if (!parent.TryGetProperty(name, out var value))
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Fail(path.Member(name), "Expected a JSON array of strings.");
        }

        var ids = new string[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            ids[i] = TryGetString(item) ?? throw Fail(path.Member(name).Element(i), "Expected a JSON string.");
            i++;
        }

        return System.Array.AsReadOnly(ids);
    }
}
