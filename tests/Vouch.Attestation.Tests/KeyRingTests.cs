using Microsoft.Extensions.Time.Testing;
using Vouch.Attestation.Keys;

namespace Vouch.Attestation.Tests;

public sealed class KeyRingTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1785432688);
    private static readonly KeyRingOptions Options = new()
    {
        PropagationTime = TimeSpan.FromDays(1),
        RotationInterval = TimeSpan.FromDays(10),
        RetentionDuration = TimeSpan.FromHours(12),
    };

    private static readonly AesGcmKeyProtector Protector = new(new byte[32]);

    private static SigningKey NewKey(DateTimeOffset now, IEnumerable<SigningKey> existing)
    {
        var (activates, retires) = KeyRing.ScheduleNewKey(now, existing, Options);
        return SigningKey.Create("https://vouch.test", SigningAlgorithm.ES256, now, activates, retires, Protector);
    }

    [Fact]
    public void Resolve_NoKeys_AsksForOneAndSignsWithNothing()
    {
        var state = KeyRing.Resolve(Start, [], Options);
        Assert.Null(state.SigningKey);
        Assert.Empty(state.PublishedKeys);
        Assert.True(state.ShouldCreateKey);
    }

    [Fact]
    public void ScheduleNewKey_FirstKey_ActivatesAtOnce()
    {
        var first = NewKey(Start, []);
        Assert.Equal(Start, first.ActivatesAt);
        var state = KeyRing.Resolve(Start, [first], Options);
        Assert.Same(first, state.SigningKey);
        Assert.Equal([first], state.PublishedKeys);
        Assert.False(state.ShouldCreateKey);
    }

    [Fact]
    public void Resolve_OverTime_PublishesBeforeUseAndRetainsAfterRetirement()
    {
        // Arrange: a host that checks the ring every hour and makes a key when asked.
        var clock = new FakeTimeProvider(Start);
        var keys = new List<SigningKey>();
        var seenSigning = new List<string>();

        // Act / Assert at every step: the signing key is published, and was published a propagation time ago.
        for (var hour = 0; hour < 24 * 35; hour++)
        {
            var now = clock.GetUtcNow();
            var state = KeyRing.Resolve(now, keys, Options);
            if (state.ShouldCreateKey)
            {
                keys.Add(NewKey(now, keys));
                state = KeyRing.Resolve(now, keys, Options);
            }

            var signing = Assert.IsType<SigningKey>(state.SigningKey);
            Assert.Equal(signing, state.PublishedKeys[0]);
            if (keys.Count > 1 && signing != keys[0])
            {
                Assert.True(now - signing.CreatedAt >= Options.PropagationTime, "a key signs only after it was published for the propagation time");
            }

            // Every key that signed within the retention duration is still published.
            foreach (var key in keys.Where(k => k.RetiresAt <= now && now < k.RetiresAt + Options.RetentionDuration))
            {
                Assert.Contains(key, state.PublishedKeys);
            }

            Assert.DoesNotContain(state.PublishedKeys, k => now >= k.RetiresAt + Options.RetentionDuration);
            if (seenSigning.Count == 0 || seenSigning[^1] != signing.KeyId)
            {
                seenSigning.Add(signing.KeyId);
            }

            clock.Advance(TimeSpan.FromHours(1));
        }

        // 35 days with a 10-day rotation: four keys signed in turn, never going back to an old one.
        Assert.Equal(4, seenSigning.Count);
        Assert.Equal(seenSigning.Count, seenSigning.Distinct().Count());
    }

    [Fact]
    public void Resolve_IsPure_SameInputsSameAnswer()
    {
        var first = NewKey(Start, []);
        var second = NewKey(Start.AddDays(9), [first]);
        SigningKey[] keys = [second, first];
        var at = Start.AddDays(10).AddHours(1);
        Assert.Equal(KeyRing.Resolve(at, keys, Options).SigningKey, KeyRing.Resolve(at, keys.Reverse(), Options).SigningKey);
        Assert.Same(second, KeyRing.Resolve(at, keys, Options).SigningKey);
        Assert.Same(first, KeyRing.Resolve(Start.AddDays(9.5), keys, Options).SigningKey);
        Assert.Equal(2, KeyRing.Resolve(Start.AddDays(9.5), keys, Options).PublishedKeys.Length);
    }

    [Fact]
    public void Resolve_KeyNotYetCreated_IsNotPublished()
    {
        var later = NewKey(Start.AddDays(1), []);
        var state = KeyRing.Resolve(Start, [later], Options);
        Assert.Empty(state.PublishedKeys);
        Assert.Null(state.SigningKey);
    }
}
