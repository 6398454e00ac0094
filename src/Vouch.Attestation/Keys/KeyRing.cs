using System.Collections.Immutable;

namespace Vouch.Attestation.Keys;

/// <summary>
/// The signing-key lifecycle (code-style §1.3, DataProtection's DefaultKeyResolver; names from the key
/// lifecycle vocabulary): a new key is published for <see cref="PropagationTime"/> before it signs, signs
/// for <see cref="RotationInterval"/>, and stays published for <see cref="RetentionDuration"/> after it
/// retires, so every token it signed can still be checked.
/// </summary>
/// <threadsafety>Immutable.</threadsafety>
public sealed record KeyRingOptions
{
    /// <summary>The defaults: one day of propagation, 90 days of signing, one day of retention.</summary>
    public static KeyRingOptions Default { get; } = new();

    /// <summary>How long a new key is listed in <c>/certs</c> before it signs (clients cache <c>/certs</c>).</summary>
    public TimeSpan PropagationTime { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How long a key signs.</summary>
    public TimeSpan RotationInterval { get; init; } = TimeSpan.FromDays(90);

    /// <summary>How long a retired key stays listed; at least the token lifetime (8 h).</summary>
    public TimeSpan RetentionDuration { get; init; } = TimeSpan.FromDays(1);
}

/// <summary>The key ring at one instant.</summary>
/// <param name="SigningKey">The key that signs now, or null when none may.</param>
/// <param name="PublishedKeys">The keys <c>/certs</c> lists now: the signing key first, then the others, newest first.</param>
/// <param name="ShouldCreateKey">True when no key will be able to sign one propagation time from now, so a new one must be made (and published) now.</param>
public sealed record KeyRingState(SigningKey? SigningKey, ImmutableArray<SigningKey> PublishedKeys, bool ShouldCreateKey);

/// <summary>The key ring as a pure function of time: no clock, no store, no side effects.</summary>
public static class KeyRing
{
    /// <summary>
    /// Resolves <paramref name="keys"/> at <paramref name="now"/>. The signing key is the most recently
    /// activated key whose signing period contains <paramref name="now"/> (ties broken by key id, so every
    /// node picks the same key). A key is published from its creation until its retirement plus the
    /// retention duration.
    /// </summary>
    public static KeyRingState Resolve(DateTimeOffset now, IEnumerable<SigningKey> keys, KeyRingOptions options)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        var all = keys.ToList();
        var signing = all
            .Where(k => k.ActivatesAt <= now && now < k.RetiresAt && k.CreatedAt <= now)
            .OrderByDescending(k => k.ActivatesAt)
            .ThenBy(k => k.KeyId, StringComparer.Ordinal)
            .FirstOrDefault();
        var published = all
            .Where(k => k.CreatedAt <= now && now < k.RetiresAt + options.RetentionDuration)
            .OrderByDescending(k => ReferenceEquals(k, signing))
            .ThenByDescending(k => k.ActivatesAt)
            .ThenBy(k => k.KeyId, StringComparer.Ordinal)
            .ToImmutableArray();
        var horizon = now + options.PropagationTime;
        var covered = all.Any(k => k.CreatedAt <= now && k.ActivatesAt <= horizon && horizon < k.RetiresAt);
        return new KeyRingState(signing, published, signing is null || !covered);
    }

    /// <summary>
    /// When a key made at <paramref name="now"/> activates and retires: at once when no key can sign now
    /// (nothing can have cached anything yet), else after the propagation time.
    /// </summary>
    public static (DateTimeOffset ActivatesAt, DateTimeOffset RetiresAt) ScheduleNewKey(DateTimeOffset now, IEnumerable<SigningKey> keys, KeyRingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var activates = Resolve(now, keys, options).SigningKey is null ? now : now + options.PropagationTime;
        return (activates, activates + options.RotationInterval);
    }
}
