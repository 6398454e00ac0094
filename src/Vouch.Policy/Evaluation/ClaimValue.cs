using System.Collections.Immutable;
using System.Globalization;

namespace Vouch.Policy.Evaluation;

/// <summary>
/// A claim value: a string, a 64-bit integer, a boolean, or (1.2) a set of those. There is no null:
/// a value that cannot be computed is "undefined", represented by a null <see cref="ClaimValue"/>
/// reference, and never matches or gets issued.
/// </summary>
public abstract record ClaimValue
{
    private protected ClaimValue()
    {
    }

    /// <summary>The valueType name: String, Integer, Boolean or Set.</summary>
    public abstract string TypeName { get; }

    /// <summary>A string value.</summary>
    public static ClaimValue Of(string value) => new StringClaimValue(value);

    /// <summary>An integer value.</summary>
    public static ClaimValue Of(long value) => new IntegerClaimValue(value);

    /// <summary>A boolean value.</summary>
    public static ClaimValue Of(bool value) => value ? BooleanClaimValue.True : BooleanClaimValue.False;
}

/// <summary>A string value (compared ordinally, case-sensitively).</summary>
/// <param name="Value">The string.</param>
public sealed record StringClaimValue(string Value) : ClaimValue
{
    /// <inheritdoc />
    public override string TypeName => "String";

    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>A signed 64-bit integer value.</summary>
/// <param name="Value">The integer.</param>
public sealed record IntegerClaimValue(long Value) : ClaimValue
{
    /// <inheritdoc />
    public override string TypeName => "Integer";

    /// <inheritdoc />
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A boolean value.</summary>
/// <param name="Value">The boolean.</param>
public sealed record BooleanClaimValue(bool Value) : ClaimValue
{
    /// <summary>The shared true value.</summary>
    public static BooleanClaimValue True { get; } = new(true);

    /// <summary>The shared false value.</summary>
    public static BooleanClaimValue False { get; } = new(false);

    /// <inheritdoc />
    public override string TypeName => "Boolean";

    /// <inheritdoc />
    public override string ToString() => Value ? "true" : "false";
}

/// <summary>An ordered set of scalar values (1.2; made by JsonToClaimValue from a JSON array).</summary>
public sealed record SetClaimValue : ClaimValue
{
    /// <summary>Makes a set of scalar members.</summary>
    /// <exception cref="ArgumentException">A member is itself a set.</exception>
    public SetClaimValue(ImmutableArray<ClaimValue> members)
    {
        foreach (var member in members)
        {
            if (member is SetClaimValue or null)
            {
                throw new ArgumentException("set members are strings, integers or booleans", nameof(members));
            }
        }

        Members = members;
    }

    /// <summary>The members in order.</summary>
    public ImmutableArray<ClaimValue> Members { get; }

    /// <inheritdoc />
    public override string TypeName => "Set";

    /// <inheritdoc />
    public bool Equals(SetClaimValue? other) => other is not null && Members.SequenceEqual(other.Members);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var member in Members)
        {
            hash.Add(member);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(", ", Members) + "]";
}
