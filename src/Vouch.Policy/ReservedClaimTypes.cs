using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Vouch.Policy;

/// <summary>
/// Claim types a policy must not <c>issue</c> because the service that runs it owns them (for an
/// attestation service: the registered JWT claims, its own <c>x-ms-</c>/<c>x-vouch-</c> claims). The
/// service supplies the names and prefixes as data; this type holds the one comparison
/// (<see cref="Refuses"/>) that the compiler and the evaluator both apply, so a look-alike spelling
/// cannot slip past one of them.
/// </summary>
/// <threadsafety>Immutable; safe for concurrent use.</threadsafety>
public sealed partial record ReservedClaimTypes
{
    private static readonly FrozenDictionary<int, string> AsciiFolding = ParseFoldingTable();

    private readonly ImmutableArray<string> _names = [];
    private readonly ImmutableArray<string> _prefixes = [];

    /// <summary>Exact claim types refused, compared as <see cref="Refuses"/> describes (held in that folded form).</summary>
    public ImmutableArray<string> Names
    {
        get => _names;
        init => _names = Fold(value);
    }

    /// <summary>Prefixes (for example <c>x-ms-</c>) of claim types refused, compared as <see cref="Refuses"/> describes (held folded).</summary>
    public ImmutableArray<string> Prefixes
    {
        get => _prefixes;
        init => _prefixes = Fold(value);
    }

    /// <summary>
    /// Whether a policy may not issue a claim of <paramref name="type"/>: it contains a default-ignorable
    /// code point (a zero-width space, joiner or non-joiner, a bidi control, a variation selector, a
    /// soft hyphen and the like, which render as nothing), or it is not well-formed UTF-16, or its
    /// Unicode NFKC form, case-folded (so fullwidth <c>ＩＳＳ</c> and <c>Iss</c> are <c>iss</c>), equals
    /// one of <see cref="Names"/> or starts with one of <see cref="Prefixes"/>, folded alike.
    /// </summary>
    public bool Refuses(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (Fold(type) is not { } folded)
        {
            return true;
        }

        foreach (var name in _names)
        {
            if (string.Equals(folded, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var prefix in _prefixes)
        {
            if (folded.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public bool Equals(ReservedClaimTypes? other) =>
        other is not null && _names.SequenceEqual(other._names) && _prefixes.SequenceEqual(other._prefixes);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_names.Length, _prefixes.Length);

    private static ImmutableArray<string> Fold(ImmutableArray<string> values) =>
        values.IsDefault ? [] : [.. values.Select(v => Fold(v) ?? throw new ArgumentException("a reserved claim type must be well-formed text without default-ignorable code points", nameof(values)))];

    /// <summary>
    /// The comparison form: each code point case-folded and in NFKC as far as the result is ASCII
    /// (ASCII upper case to lower, <see cref="AsciiFoldingTable"/> for the rest; any other code point
    /// is kept, and as reserved names are ASCII it can match none); null when the text has a
    /// default-ignorable code point or a lone surrogate.
    /// </summary>
    private static string? Fold(string text)
    {
        var folded = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
        {
            if (!Rune.TryGetRuneAt(text, i, out var rune) || IsDefaultIgnorable(rune.Value))
            {
                return null;
            }

            if (rune.IsAscii)
            {
                folded.Append(char.ToLowerInvariant((char)rune.Value));
            }
            else if (AsciiFolding.TryGetValue(rune.Value, out var ascii))
            {
                folded.Append(ascii);
            }
            else
            {
                folded.Append(text, i, rune.Utf16SequenceLength);
            }
        }

        return folded.ToString();
    }

    private static FrozenDictionary<int, string> ParseFoldingTable()
    {
        static int Hex(string text) => int.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        var table = new Dictionary<int, string>();
        foreach (var line in AsciiFoldingTable.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ');
            var chars = string.Concat(fields.Skip(1).Select(f => (char)Hex(f)));
            var range = fields[0].Split("..");
            var (first, last) = (Hex(range[0]), Hex(range[^1]));
            for (var cp = first; cp <= last; cp++)
            {
                table.Add(cp, first == last ? chars : ((char)(chars[0] + cp - first)).ToString());
            }
        }

        return table.ToFrozenDictionary();
    }

    /// <summary>
    /// The Default_Ignorable_Code_Point property of Unicode 16 (DerivedCoreProperties.txt), which .NET
    /// does not expose: code points a renderer shows as nothing when it does not support them.
    /// </summary>
    internal static bool IsDefaultIgnorable(int c) =>
        c is 0x00AD or 0x034F or 0x061C or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or 0x3164 or 0xFEFF or 0xFFA0
        || c is >= 0x180B and <= 0x180F
        || c is >= 0x200B and <= 0x200F
        || c is >= 0x202A and <= 0x202E
        || c is >= 0x2060 and <= 0x206F
        || c is >= 0xFE00 and <= 0xFE0F
        || c is >= 0xFFF0 and <= 0xFFF8
        || c is >= 0x1BCA0 and <= 0x1BCA3
        || c is >= 0x1D173 and <= 0x1D17A
        || c is >= 0xE0000 and <= 0xE0FFF;
}
