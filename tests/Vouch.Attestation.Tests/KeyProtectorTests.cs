using System.Text;
using Vouch.Attestation.Keys;

namespace Vouch.Attestation.Tests;

public sealed class KeyProtectorTests
{
    [Fact]
    public void Protect_RoundTrips_AndIsNotPlainText()
    {
        using var protector = new AesGcmKeyProtector(AesGcmKeyProtector.GenerateKey());
        var secret = Encoding.UTF8.GetBytes("private key bytes, private key bytes");
        var blob = protector.Protect(secret, "kid"u8);

        Assert.Equal(-1, blob.AsSpan().IndexOf(secret));
        Assert.True(protector.TryUnprotect(blob, "kid"u8, out var back));
        Assert.Equal(secret, back);
    }

    [Fact]
    public void Unprotect_EveryFlippedByte_IsRefused()
    {
        using var protector = new AesGcmKeyProtector(AesGcmKeyProtector.GenerateKey());
        var blob = protector.Protect("secret"u8, "kid"u8);
        for (var i = 0; i < blob.Length; i++)
        {
            var tampered = (byte[])blob.Clone();
            tampered[i] ^= 0x01;
            Assert.False(protector.TryUnprotect(tampered, "kid"u8, out _), $"byte {i}");
        }
    }

    [Fact]
    public void Unprotect_OtherAssociatedDataOrKek_IsRefused()
    {
        using var protector = new AesGcmKeyProtector(AesGcmKeyProtector.GenerateKey());
        using var other = new AesGcmKeyProtector(AesGcmKeyProtector.GenerateKey());
        var blob = protector.Protect("secret"u8, "kid-1"u8);
        Assert.False(protector.TryUnprotect(blob, "kid-2"u8, out _));
        Assert.False(other.TryUnprotect(blob, "kid-1"u8, out _));
        Assert.False(protector.TryUnprotect(blob.AsSpan(0, 20), "kid-1"u8, out _));
    }

    [Fact]
    public void SigningKey_StoredPrivateKey_OpensOnlyWithItsKek()
    {
        using var protector = new AesGcmKeyProtector(AesGcmKeyProtector.GenerateKey());
        using var other = new AesGcmKeyProtector(AesGcmKeyProtector.GenerateKey());
        var now = DateTimeOffset.FromUnixTimeSeconds(1785432688);
        var key = SigningKey.Create("https://vouch.test", SigningAlgorithm.RS256, now, now, now.AddDays(90), protector);

        Assert.True(key.TryOpenPrivateKey(protector, out var opened));
        opened.Dispose();
        Assert.False(key.TryOpenPrivateKey(other, out _));

        var tampered = key.ProtectedPrivateKey.ToArray();
        tampered[^1] ^= 0x80;
        Assert.False((key with { ProtectedPrivateKey = [.. tampered] }).TryOpenPrivateKey(protector, out _));
        // The blob is bound to its key id: moved to another key's row, it does not open.
        Assert.False((key with { KeyId = "other" }).TryOpenPrivateKey(protector, out _));
    }
}
