using Vouch.Simulator.Crypto;

namespace Vouch.Simulator.Tests.Crypto;

public static class AesCmacTests
{
    private const string RfcKey = "2b7e151628aed2a6abf7158809cf4f3c";
    private const string RfcMessage = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

    // RFC 4493 §4, examples 1-4, typed in from the RFC.
    [Theory]
    [InlineData("Example 1: empty", 0, "bb1d6929e95937287fa37d129b756746")]
    [InlineData("Example 2: one block", 16, "070a16b46b4d4144f79bdd9dd04a287c")]
    [InlineData("Example 3: 40 bytes, padded", 40, "dfa66747de9ae63030ca32611497c827")]
    [InlineData("Example 4: four blocks", 64, "51f0bebf7e3b9d92fc49741779363cfe")]
    public static void Compute_Rfc4493Examples_MatchPublishedTags(string label, int length, string expected)
    {
        Assert.NotEmpty(label);
        var tag = AesCmac.Compute(Convert.FromHexString(RfcKey), Convert.FromHexString(RfcMessage).AsSpan(0, length));
        Assert.Equal(expected, Convert.ToHexStringLower(tag));
    }

    [Fact]
    public static void Compute_VectorFileTags_MatchAllPrefixes()
    {
        var rfc = Vectors.SimJson().GetProperty("rfc4493_aes128_cmac");
        var key = Vectors.Hex(rfc.GetProperty("key").GetString()!);
        var message = Vectors.Hex(rfc.GetProperty("message_64B").GetString()!);
        var count = 0;
        foreach (var entry in rfc.GetProperty("tags_by_prefix_len").EnumerateObject())
        {
            var length = int.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(entry.Value.GetString(), Convert.ToHexStringLower(AesCmac.Compute(key, message.AsSpan(0, length))));
            count++;
        }

        Assert.Equal(4, count);
    }

    [Fact]
    public static void Compute_EveryLengthUpTo80_AgreesWithBlockwiseDefinition()
    {
        var key = Convert.FromHexString(RfcKey);
        var message = new byte[80];
        for (var i = 0; i < message.Length; i++)
        {
            message[i] = unchecked((byte)(i * 7));
        }

        for (var length = 0; length <= message.Length; length++)
        {
            Assert.Equal(ReferenceCmac(key, message.AsSpan(0, length).ToArray()), AesCmac.Compute(key, message.AsSpan(0, length)));
        }
    }

    [Fact]
    public static void Constructor_KeyNot16Bytes_Throws() =>
        Assert.Throws<ArgumentException>(() => new AesCmac(new byte[32]));

    // A deliberately naive second implementation (one ECB call per block), for lengths the RFC does not list.
    private static byte[] ReferenceCmac(byte[] key, byte[] message)
    {
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        var l = aes.EncryptEcb(new byte[16], System.Security.Cryptography.PaddingMode.None);
        var k1 = Dbl(l);
        var k2 = Dbl(k1);
        var n = Math.Max(1, (message.Length + 15) / 16);
        var complete = message.Length > 0 && message.Length % 16 == 0;
        var x = new byte[16];
        for (var i = 0; i < n; i++)
        {
            var block = new byte[16];
            var take = Math.Min(16, message.Length - (i * 16));
            Array.Copy(message, i * 16, block, 0, Math.Max(0, take));
            if (i == n - 1)
            {
                if (!complete)
                {
                    block[Math.Max(0, take)] = 0x80;
                }

                var k = complete ? k1 : k2;
                for (var j = 0; j < 16; j++)
                {
                    block[j] ^= k[j];
                }
            }

            for (var j = 0; j < 16; j++)
            {
                block[j] ^= x[j];
            }

            x = aes.EncryptEcb(block, System.Security.Cryptography.PaddingMode.None);
        }

        return x;
    }

    private static byte[] Dbl(byte[] v)
    {
        var r = new byte[16];
        for (var i = 0; i < 16; i++)
        {
            r[i] = unchecked((byte)((v[i] << 1) | (i < 15 ? v[i + 1] >> 7 : 0)));
        }

        if ((v[0] & 0x80) != 0)
        {
            r[15] ^= 0x87;
        }

        return r;
    }
}
