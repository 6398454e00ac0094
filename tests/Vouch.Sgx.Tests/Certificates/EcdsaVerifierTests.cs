using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Vouch.Sgx.Certificates;
using Vouch.Tests.Shared;

namespace Vouch.Sgx.Tests.Certificates;

public static class EcdsaVerifierTests
{
    private delegate bool Verify(ECDsa key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, HashAlgorithmName hash);

    // Wycheproof: "valid" must verify, "invalid" must not, "acceptable" may go either way.
    [Theory]
    [InlineData("ecdsa_secp256r1_sha256_test.json", "EcdsaVerify")]
    [InlineData("ecdsa_secp384r1_sha384_test.json", "EcdsaVerify")]
    [InlineData("ecdsa_secp256r1_sha256_p1363_test.json", "EcdsaP1363Verify")]
    public static void Wycheproof_EveryVector_HasExpectedOutcome(string file, string groupType)
    {
        Verify verify = groupType == "EcdsaVerify" ? EcdsaVerifier.VerifyDer : EcdsaVerifier.VerifyP1363;
        using var document = JsonDocument.Parse(File.ReadAllBytes(TestVectors.Path("wycheproof", file)));
        var failures = new List<string>();
        var count = 0;
        foreach (var group in document.RootElement.GetProperty("testGroups").EnumerateArray())
        {
            Assert.Equal(groupType, group.GetProperty("type").GetString());
            var hash = group.GetProperty("sha").GetString() switch
            {
                "SHA-256" => HashAlgorithmName.SHA256,
                "SHA-384" => HashAlgorithmName.SHA384,
                var other => throw new InvalidOperationException("unexpected hash " + other),
            };
            using var key = ImportKey(group.GetProperty("publicKey"));
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                count++;
                var message = Convert.FromHexString(test.GetProperty("msg").GetString()!);
                var signature = Convert.FromHexString(test.GetProperty("sig").GetString()!);
                var result = test.GetProperty("result").GetString();
                var verified = verify(key, message, signature, hash);
                if ((result == "valid" && !verified) || (result == "invalid" && verified))
                {
                    failures.Add(test.GetProperty("tcId").GetInt32().ToString(CultureInfo.InvariantCulture) + " (" + result + ")");
                }
            }
        }

        Assert.Equal(document.RootElement.GetProperty("numberOfTests").GetInt32(), count);
        Assert.Empty(failures);
    }

    [Fact]
    public static void VerifyDer_BerLongFormLength_Rejected()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var data = "signed"u8.ToArray();
        var der = key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        Assert.True(EcdsaVerifier.VerifyDer(key, data, der, HashAlgorithmName.SHA256));

        // The same signature with the outer length in the (BER-only) long form 0x81 nn.
        byte[] ber = [0x30, 0x81, der[1], .. der.AsSpan(2)];
        Assert.False(EcdsaVerifier.VerifyDer(key, data, ber, HashAlgorithmName.SHA256));
    }

    [Fact]
    public static void VerifyDer_NegativeInteger_Rejected()
    {
        // Wycheproof ecdsa_secp256r1_sha256_test tcId 6 ("ASN encoding of s misses leading 0"): the BCL's
        // own DER path accepts it, so this pins our strict check.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var data = "signed"u8.ToArray();
        byte[] der;
        do
        {
            der = key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        while (der[^35] != 0x02 || der[^34] != 0x21 || der[^33] != 0x00);

        // Drop s's sign byte: 02 21 00 xx.. becomes 02 20 xx.. with xx >= 0x80 (negative).
        byte[] negative = [0x30, (byte)(der[1] - 1), .. der.AsSpan(2, der.Length - 35), 0x02, 0x20, .. der.AsSpan(der.Length - 32)];
        Assert.True(EcdsaVerifier.VerifyDer(key, data, der, HashAlgorithmName.SHA256));
        Assert.False(EcdsaVerifier.VerifyDer(key, data, negative, HashAlgorithmName.SHA256));
    }

    [Fact]
    public static void VerifyDer_TrailingByte_Rejected()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var data = "signed"u8.ToArray();
        var der = key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        Assert.False(EcdsaVerifier.VerifyDer(key, data, [.. der, 0x00], HashAlgorithmName.SHA256));
    }

    [Fact]
    public static void Verify_UnsupportedHash_ReturnsFalse()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var data = "signed"u8.ToArray();
        var p1363 = key.SignData(data, HashAlgorithmName.SHA256);
        var der = key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        Assert.False(EcdsaVerifier.VerifyP1363(key, data, p1363, HashAlgorithmName.MD5));
        Assert.False(EcdsaVerifier.VerifyDer(key, data, der, new HashAlgorithmName("nonsense")));
    }

    [Fact]
    public static void VerifyP1363_WrongHash_ReturnsFalse()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var data = "signed"u8.ToArray();
        var p1363 = key.SignData(data, HashAlgorithmName.SHA256);
        Assert.True(EcdsaVerifier.VerifyP1363(key, data, p1363, HashAlgorithmName.SHA256));
        Assert.False(EcdsaVerifier.VerifyP1363(key, data, p1363, HashAlgorithmName.SHA384));
    }

    [Fact]
    public static void TryCreateP256PublicKey_AcceptsBothPointForms()
    {
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = signer.ExportParameters(includePrivateParameters: false).Q;
        byte[] raw = [.. q.X!, .. q.Y!];
        var data = "quote"u8.ToArray();
        var signature = signer.SignData(data, HashAlgorithmName.SHA256);

        Assert.True(EcdsaVerifier.TryCreateP256PublicKey(raw, out var fromRaw));
        Assert.True(EcdsaVerifier.TryCreateP256PublicKey([0x04, .. raw], out var fromUncompressed));
        using (fromRaw)
        using (fromUncompressed)
        {
            Assert.True(EcdsaVerifier.VerifyP1363(fromRaw, data, signature, HashAlgorithmName.SHA256));
            Assert.True(EcdsaVerifier.VerifyP1363(fromUncompressed, data, signature, HashAlgorithmName.SHA256));
        }
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("63 bytes")]
    [InlineData("compressed prefix")]
    [InlineData("not on the curve")]
    public static void TryCreateP256PublicKey_BadPoint_Fails(string label)
    {
        var one = new byte[32];
        one[31] = 1;
        byte[] point = label switch
        {
            "empty" => [],
            "63 bytes" => new byte[63],
            "compressed prefix" => [0x02, .. one, .. one],
            "not on the curve" => [0x04, .. one, .. one],
            _ => throw new ArgumentOutOfRangeException(nameof(label)),
        };
        Assert.False(EcdsaVerifier.TryCreateP256PublicKey(point, out var key));
        Assert.Null(key);
    }

    private static ECDsa ImportKey(JsonElement publicKey)
    {
        var curve = publicKey.GetProperty("curve").GetString() switch
        {
            "secp256r1" => ECCurve.NamedCurves.nistP256,
            "secp384r1" => ECCurve.NamedCurves.nistP384,
            var other => throw new InvalidOperationException("unexpected curve " + other),
        };
        var point = Convert.FromHexString(publicKey.GetProperty("uncompressed").GetString()!);
        var size = (point.Length - 1) / 2;
        return ECDsa.Create(new ECParameters
        {
            Curve = curve,
            Q = new ECPoint { X = point[1..(1 + size)], Y = point[(1 + size)..] },
        });
    }
}
