namespace Vouch.Server.Storage;

/// <summary>
/// The rule for provider names (the store key and the <c>{name}</c> in <c>/providers/{name}/</c>):
/// 1–48 characters of <c>[a-z0-9-]</c>, the first a letter. <see cref="Default"/> is one such name.
/// </summary>
public static class ProviderNames
{
    /// <summary>The longest name allowed.</summary>
    public const int MaxLength = 48;

    /// <summary>The name of the provider served at <c>/</c>.</summary>
    public const string Default = "default";

    /// <summary>Whether <paramref name="name"/> is a valid provider name.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !char.IsAsciiLetterLower(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is valid.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> breaks the rule.</exception>
    public static void ThrowIfInvalid(string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (!IsValid(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid provider name (1–{MaxLength} characters of [a-z0-9-], starting with a letter)", paramName);
        }
    }
}
