using System.Globalization;
using System.Text.Json;
using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator;

/// <summary>Strict readers for the simulator's own JSON files (manifests, platform and authority settings).</summary>
internal static class Json
{
    /// <summary>Requires an object whose members are all in <paramref name="allowed"/>.</summary>
    public static void RequireObject(JsonElement element, string where, params string[] allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where} must be an object.");
        }

        foreach (var member in element.EnumerateObject())
        {
            if (Array.IndexOf(allowed, member.Name) < 0)
            {
                throw new FormatException($"{where} has an unknown member \"{member.Name}\".");
            }
        }
    }

    public static string String(JsonElement parent, string name) =>
        OptionalString(parent, name) ?? throw new FormatException($"{name} is required.");

    public static string? OptionalString(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"{name} must be a string.");
    }

    public static bool Boolean(JsonElement value, string where) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new FormatException($"{where} must be true or false."),
    };

    /// <summary>A JSON number, a decimal string or a <c>0x</c> hex string, at most <paramref name="max"/>.</summary>
    public static ulong UInt64(JsonElement parent, string name, ulong max = ulong.MaxValue)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw new FormatException($"{name} is required.");
        }

        ulong result;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (!value.TryGetUInt64(out result))
            {
                throw new FormatException($"{name} must be a non-negative integer.");
            }
        }
        else if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString() ?? "";
            var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out result)
                : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out result);
            if (!ok)
            {
                throw new FormatException($"{name} must be an integer or a 0x hex string.");
            }
        }
        else
        {
            throw new FormatException($"{name} must be an integer or a 0x hex string.");
        }

        return result <= max ? result : throw new FormatException($"{name} is larger than {max}.");
    }

    /// <summary>A hex string of exactly <paramref name="length"/> bytes (any length when negative).</summary>
    public static byte[] Hex(JsonElement parent, string name, int length) =>
        OptionalHex(parent, name, length) ?? throw new FormatException($"{name} is required.");

    public static byte[]? OptionalHex(JsonElement parent, string name, int length)
    {
        var text = OptionalString(parent, name);
        if (text is null)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{name} is not hex.", e);
        }

        return length < 0 || bytes.Length == length ? bytes : throw new FormatException($"{name} must be {length} bytes.");
    }

    public static SgxAttributes Attributes(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw new FormatException($"{name} is required.");
        }

        RequireObject(value, name, "flags", "xfrm");
        return new SgxAttributes((AttributeBits)UInt64(value, "flags"), UInt64(value, "xfrm"));
    }
}
