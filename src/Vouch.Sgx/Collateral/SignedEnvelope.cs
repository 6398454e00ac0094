using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Vouch.Sgx.Primitives;

namespace Vouch.Sgx.Collateral;

/// <summary>
/// Reads Intel's signed collateral envelope <c>{"&lt;body&gt;":{…},"signature":"&lt;128 hex&gt;"}</c>
/// (dcap-verification §3.2–§3.4) with a real JSON tokenizer and returns the exact and the canonical
/// bytes of the signed body.
/// </summary>
/// <remarks>
/// <para>
/// Which bytes are signed (§3.4, pitfall §6 item 13): Intel QVL parses the document and re-serializes the
/// body object with rapidjson's compact <c>Writer</c> (member order kept, no whitespace), then verifies the
/// signature over that. Vouch keeps two forms: <see cref="Parts.BodyRaw"/>, the body exactly as received,
/// and <see cref="Parts.Body"/>, the same bytes with every insignificant JSON whitespace byte (outside
/// strings) removed. For every genuine PCS/PCCS body the two are byte-identical; with whitespace inserted
/// into a genuine body (vector <c>edge-tcbinfo-whitespace-added</c>) the canonical form equals what QVL
/// signs over; a body signed in pretty-printed form (<c>synth-tcbinfo-pretty-printed</c>) then fails
/// signature verification, as in Intel. Unlike rapidjson, Vouch does not rewrite string escapes or number
/// spellings, so a body that differs from Intel's output only in those would fail here and pass in QVL;
/// Intel never emits such bodies.
/// </para>
/// <para>
/// The body is located by token positions (<see cref="Utf8JsonReader.TokenStartIndex"/> to
/// <see cref="Utf8JsonReader.BytesConsumed"/>), never by searching text, so <c>signature</c> may come
/// before the body (Alibaba PCCS, openenclave issue #4308).
/// </para>
/// <para>
/// Stricter than Intel, on purpose: duplicate member names are rejected at the top level and at every
/// level of the body (rapidjson keeps both, looks up the first and re-serializes both, so a duplicate
/// could make the signed bytes and the values Vouch reads disagree); the top level may hold only the body
/// and <c>signature</c>; nothing but whitespace may follow the document; the document is limited to
/// <see cref="MaxDocumentBytes"/> bytes and <see cref="MaxDepth"/> levels of nesting (QVL allows 32).
/// A UTF-8 byte order mark is rejected (PCS never sends one).
/// </para>
/// </remarks>
internal static class SignedEnvelope
{
    /// <summary>Largest accepted document. Real TCB Info documents are 5–30 KiB.</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>Deepest accepted nesting, counting the top-level object as 1. Real documents reach 7.</summary>
    public const int MaxDepth = 16;

    /// <summary>Length of the signature: ECDSA P-256 r‖s.</summary>
    public const int SignatureBytes = 64;

    private const string SignatureName = "signature";

    /// <summary>The parts of a valid envelope; every memory is a slice of (or computed from) a private copy of the input.</summary>
    internal readonly record struct Parts(
        ReadOnlyMemory<byte> Document, ReadOnlyMemory<byte> BodyRaw, ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> Signature);

    /// <summary>Reads the envelope or throws <see cref="CollateralFormatException"/> with <paramref name="malformed"/>.</summary>
    public static Parts Read(ReadOnlyMemory<byte> input, string bodyName, ErrorCode malformed)
    {
        if (input.IsEmpty)
        {
            throw Fail(malformed, "", "The document is empty.");
        }

        if (input.Length > MaxDocumentBytes)
        {
            throw Fail(malformed, "", $"The document is larger than {MaxDocumentBytes} bytes.");
        }

        if (!Utf8.IsValid(input.Span))
        {
            throw Fail(malformed, "", "The document is not valid UTF-8.");
        }

        // A private copy: the parsed result must not change if the caller reuses its buffer.
        var document = input.ToArray();
        var reader = new Utf8JsonReader(document, new JsonReaderOptions { MaxDepth = MaxDepth });
        var walker = new BodyWalker(document, bodyName);
        int bodyStart = -1, bodyEnd = -1;
        string? signatureText = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Fail(malformed, "", "The document is not a JSON object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!seen.Add(name))
                {
                    throw Fail(malformed, name, $"The member '{name}' appears more than once.");
                }

                reader.Read();
                if (name == bodyName)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw Fail(malformed, bodyName, $"'{bodyName}' is not a JSON object.");
                    }

                    bodyStart = checked((int)reader.TokenStartIndex);
                    walker.Walk(ref reader, malformed);
                    bodyEnd = checked((int)reader.BytesConsumed);
                }
                else if (name == SignatureName)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Fail(malformed, SignatureName, "'signature' is not a string.");
                    }

                    signatureText = reader.GetString()!;
                }
                else
                {
                    throw Fail(malformed, name, $"Unexpected top-level member '{name}': only '{bodyName}' and 'signature' are allowed.");
                }
            }

            // The loop ends on the top-level EndObject; anything but whitespace after it makes Read throw.
            if (reader.Read())
            {
                throw Fail(malformed, "", "Content follows the JSON document.");
            }
        }
        catch (JsonException e)
        {
            throw Fail(malformed, walker.CurrentPath, "The document is not valid JSON: " + e.Message);
        }
        catch (InvalidOperationException e)
        {
            // GetString on a string with invalid escapes (lone surrogates) reports this way.
            throw Fail(malformed, walker.CurrentPath, "The document holds a string that cannot be decoded: " + e.Message);
        }

        if (bodyStart < 0)
        {
            throw Fail(malformed, bodyName, $"The member '{bodyName}' is missing.");
        }

        if (signatureText is null)
        {
            throw Fail(malformed, SignatureName, "The member 'signature' is missing.");
        }

        // §3.4: 64 bytes r‖s as hex (Intel checks the length is exactly 128 and every character is hex).
        var signature = signatureText.Length == SignatureBytes * 2 ? Hex.TryDecode(signatureText, SignatureBytes) : null;
        if (signature is null)
        {
            throw Fail(malformed, SignatureName, $"'signature' is not {SignatureBytes * 2} hex characters.");
        }

        var bodyRaw = document.AsMemory(bodyStart, bodyEnd - bodyStart);
        return new Parts(document, bodyRaw, Compact(bodyRaw), signature);
    }

    /// <summary>The body as a DOM for the typed reads; the caller disposes it.</summary>
    public static JsonDocument ParseBody(Parts parts, string bodyName, ErrorCode malformed)
    {
        try
        {
            return JsonDocument.Parse(parts.BodyRaw, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            // Unreachable: Read has already tokenized these bytes under the same limits.
            throw Fail(malformed, bodyName, "The body is not valid JSON: " + e.Message);
        }
    }

    /// <summary>
    /// The JSON value <paramref name="json"/> (already validated) without insignificant whitespace.
    /// Returns <paramref name="json"/> itself when it has none, which is the case for every genuine body.
    /// </summary>
    internal static ReadOnlyMemory<byte> Compact(ReadOnlyMemory<byte> json)
    {
        var span = json.Span;
        var whitespace = CountInsignificantWhitespace(span);
        if (whitespace == 0)
        {
            return json;
        }

        var result = new byte[span.Length - whitespace];
        int n = 0;
        bool inString = false, escaped = false;
        foreach (var b in span)
        {
            if (!inString && IsJsonWhitespace(b))
            {
                continue;
            }

            result[n++] = b;
            (inString, escaped) = Advance(b, inString, escaped);
        }

        return result;
    }

    private static int CountInsignificantWhitespace(ReadOnlySpan<byte> span)
    {
        int count = 0;
        bool inString = false, escaped = false;
        foreach (var b in span)
        {
            if (!inString && IsJsonWhitespace(b))
            {
                count++;
                continue;
            }

            (inString, escaped) = Advance(b, inString, escaped);
        }

        return count;
    }

    // String state after byte b; the input is valid JSON, so '"' outside a string always opens one.
    private static (bool InString, bool Escaped) Advance(byte b, bool inString, bool escaped) =>
        !inString ? (b == (byte)'"', false)
        : escaped ? (true, false)
        : b == (byte)'\\' ? (true, true)
        : (b != (byte)'"', false);

    // RFC 8259 §2: the only insignificant whitespace.
    private static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static CollateralFormatException Fail(ErrorCode code, string path, string message) =>
        new(new CollateralFormatError(code, path, message));

    /// <summary>
    /// Walks the body value token by token, rejecting duplicate member names at every level and
    /// remembering where it is, so a syntax error can name a path. Member names are compared as
    /// unescaped UTF-8 (as rapidjson and <see cref="JsonDocument"/> see them); unescaped names, which is
    /// every name in real documents, are slices of the document and cost no allocation.
    /// </summary>
    private sealed class BodyWalker(byte[] document, string rootName)
    {
        private readonly List<Frame> _frames = [];
        private readonly List<HashSet<ReadOnlyMemory<byte>>> _keySets = [];

        /// <summary>Where the reader is inside the body, or empty when it is outside.</summary>
        public string CurrentPath => _frames.Count == 0 ? "" : PathOf(_frames.Count, memberName: null);

        /// <summary>Reads from the body's StartObject up to and including its EndObject.</summary>
        public void Walk(ref Utf8JsonReader reader, ErrorCode malformed)
        {
            Push(isArray: false);
            while (reader.Read())
            {
                var frames = CollectionsMarshal.AsSpan(_frames);
                ref var top = ref frames[^1];
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var name = NameOf(ref reader);
                        if (!top.Keys!.Add(name))
                        {
                            var text = Encoding.UTF8.GetString(name.Span);
                            throw Fail(malformed, PathOf(_frames.Count - 1, text), $"The member '{text}' appears more than once.");
                        }

                        top.Name = name;
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        if (top.IsArray)
                        {
                            top.Count++;
                        }

                        Push(reader.TokenType == JsonTokenType.StartArray);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        _frames.RemoveAt(_frames.Count - 1);
                        if (_frames.Count == 0)
                        {
                            return;
                        }

                        break;
                    default:
                        if (top.IsArray)
                        {
                            top.Count++;
                        }

                        break;
                }
            }

            // Unreachable with a final block (the reader throws on truncated input); kept so a
            // half-walked body can never be taken for a complete one.
            throw Fail(malformed, CurrentPath, "The body ends before its closing brace.");
        }

        // The unescaped UTF-8 name: a slice of the document (after the opening quote) unless it has
        // escapes. CopyString throws InvalidOperationException for escapes that are not valid UTF-16,
        // which Read reports as malformed.
        private ReadOnlyMemory<byte> NameOf(ref Utf8JsonReader reader)
        {
            if (!reader.ValueIsEscaped)
            {
                return document.AsMemory(checked((int)reader.TokenStartIndex + 1), reader.ValueSpan.Length);
            }

            var unescaped = new byte[reader.ValueSpan.Length];
            return unescaped.AsMemory(0, reader.CopyString(unescaped));
        }

        private void Push(bool isArray)
        {
            HashSet<ReadOnlyMemory<byte>>? keys = null;
            if (!isArray)
            {
                var depth = _frames.Count;
                while (_keySets.Count <= depth)
                {
                    _keySets.Add(new HashSet<ReadOnlyMemory<byte>>(Utf8NameComparer.Instance));
                }

                keys = _keySets[depth];
                keys.Clear();
            }

            _frames.Add(new Frame { IsArray = isArray, Keys = keys });
        }

        // Path of the current position: the root name, then each open container's current member or element.
        private string PathOf(int frameCount, string? memberName)
        {
            var sb = new StringBuilder(rootName);
            for (int i = 0; i < frameCount; i++)
            {
                var f = _frames[i];
                if (f.IsArray && f.Count > 0)
                {
                    sb.Append('[').Append((f.Count - 1).ToString(CultureInfo.InvariantCulture)).Append(']');
                }
                else if (!f.IsArray && f.Name is { } name)
                {
                    sb.Append('.').Append(Encoding.UTF8.GetString(name.Span));
                }
            }

            if (memberName is not null)
            {
                sb.Append('.').Append(memberName);
            }

            return sb.ToString();
        }

        private struct Frame
        {
            public bool IsArray;
            public HashSet<ReadOnlyMemory<byte>>? Keys;
            public ReadOnlyMemory<byte>? Name;
            public int Count;
        }
    }

    /// <summary>Ordinal equality of UTF-8 member names by content.</summary>
    private sealed class Utf8NameComparer : IEqualityComparer<ReadOnlyMemory<byte>>
    {
        public static readonly Utf8NameComparer Instance = new();

        public bool Equals(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) => x.Span.SequenceEqual(y.Span);

        public int GetHashCode(ReadOnlyMemory<byte> obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj.Span);
            return hash.ToHashCode();
        }
    }
}
