using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Vouch.Simulator.Crypto;
using Vouch.Simulator.OpenEnclave;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Tests;

public static class PropertyTests
{
    [Property(MaxTest = 200)]
    public static bool AesCmac_AnyKeyAndMessage_EqualsTwoCallShape(byte[] keySeed, byte[] message)
    {
        var key = new byte[16];
        keySeed.AsSpan(0, Math.Min(16, keySeed.Length)).CopyTo(key);
        using var cmac = new AesCmac(key);
        var tag = new byte[16];
        cmac.Compute(message, tag);
        return tag.AsSpan().SequenceEqual(AesCmac.Compute(key, message));
    }

    [Property(MaxTest = 300)]
    public static bool ParseClaims_ArbitraryBytes_ParsesOrThrowsOnlyFormatException(byte[] bytes)
    {
        byte[] buffer = [1, 0, 0, 0, 0, 0, 0, 0, .. bytes]; // version 1, so the rest is exercised
        try
        {
            OpenEnclavePackaging.ParseClaims(buffer);
        }
        catch (FormatException)
        {
        }

        return true;
    }

    [Property(MaxTest = 100)]
    public static bool ParseClaims_TruncatedValidBuffer_ThrowsFormatException(byte[] value, PositiveInt cut)
    {
        var buffer = OpenEnclavePackaging.SerializeClaims([new OeCustomClaim("pk", value), new OeCustomClaim("n", [1])]);
        var length = cut.Get % buffer.Length;
        try
        {
            OpenEnclavePackaging.ParseClaims(buffer.AsSpan(0, length));
            return false;
        }
        catch (FormatException)
        {
            return true;
        }
    }

    [Property(MaxTest = 100)]
    public static Property SerializeClaims_AnyClaims_RoundTrip() =>
        Prop.ForAll(
            Arb.From(Gen.ListOf(Gen.Zip(ArbMap.Default.GeneratorFor<NonNull<string>>(), ArbMap.Default.GeneratorFor<byte[]>()))),
            pairs =>
            {
                var claims = pairs.Select(p => new OeCustomClaim(p.Item1.Get.Replace("\0", "", StringComparison.Ordinal), p.Item2)).ToList();
                var parsed = OpenEnclavePackaging.ParseClaims(OpenEnclavePackaging.SerializeClaims(claims));
                return parsed.Count == claims.Count
                    && parsed.Zip(claims).All(x => x.First.Name == x.Second.Name && x.First.Value.AsSpan().SequenceEqual(x.Second.Value));
            });

    [Property(MaxTest = 200)]
    public static bool ReportBody_AnyBytes_ReadThenWriteKeepsEveryNonReservedByte(byte[] seed)
    {
        var bytes = new byte[ReportBody.Size];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = unchecked(seed.Length == 0 ? (byte)i : (byte)(seed[i % seed.Length] + i));
        }

        var written = ReportBody.Read(bytes).ToBytes();
        (int Start, int End)[] reserved = [(20, 32), (96, 128), (160, 192), (262, 304)];
        for (var i = 0; i < bytes.Length; i++)
        {
            var isReserved = reserved.Any(r => i >= r.Start && i < r.End);
            if (written[i] != (isReserved ? 0 : bytes[i]))
            {
                return false;
            }
        }

        return true;
    }
}
