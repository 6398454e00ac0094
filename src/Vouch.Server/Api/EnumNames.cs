namespace Vouch.Server.Api;

/// <summary>Enum values as clients name them in a path or a JSON member: one whole declared name, in any case.</summary>
internal static class EnumNames
{
    /// <summary>
    /// Reads exactly one of <typeparamref name="T"/>'s declared names, compared case-insensitively. <c>Enum.TryParse</c>
    /// alone is no such check: it also takes numbers ("1"), surrounding blanks (" Tpm") and comma lists, which it ORs
    /// together, so "SgxEnclave,OpenEnclave" would name OpenEnclave (0 | 1) and "Tpm,SgxEnclave" Tpm.
    /// </summary>
    public static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum
    {
        foreach (var name in Enum.GetNames<T>())
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                value = Enum.Parse<T>(name);
                return true;
            }
        }

        value = default;
        return false;
    }
}
