using Vouch.Sgx.Certificates;
using Vouch.Sgx.Collateral;

namespace Vouch.Sgx.Tests.Certificates;

/// <summary>
/// Seeded random mutations of real inputs (pitfall 19: fuzz the parser). Each reader must answer with
/// success or an error string, never an exception, whatever the bytes.
/// </summary>
public static class MutationTests
{
    private const int Iterations = 3000;

    [Fact]
    public static void Certificate_RandomMutations_NeverThrow() =>
        Mutate(DcapCases.Leaf(DcapCases.Cdsi).Signed.Raw.ToArray(), 1, bytes =>
        {
            if (ParsedCertificate.TryParse(bytes, out var cert, out var error))
            {
                _ = cert.Signed.VerifySignature(cert.PublicKey);
                _ = PckExtension.TryParse(cert.Certificate, out _, out _);
            }
            else
            {
                Assert.NotNull(error);
            }
        });

    [Fact]
    public static void Crl_RandomMutations_NeverThrow()
    {
        var issuer = DcapCases.Chain(DcapCases.Cdsi, "pck_crl_issuer_chain.pem")[0];
        Mutate(DcapCases.Read(DcapCases.Cdsi, "pck_crl.der"), 2, bytes =>
        {
            if (Crl.TryParse(bytes, out var crl, out var error))
            {
                _ = crl.VerifySignature(issuer);
            }
            else
            {
                Assert.NotNull(error);
            }

            _ = Crl.NormalizeEncoding(bytes);
        });
    }

    [Fact]
    public static void PckExtension_RandomMutations_NeverThrow()
    {
        var value = DcapCases.Leaf(DcapCases.Cdsi).Certificate.Extensions[PckExtension.Oid]!.RawData;
        Mutate(value, 3, bytes => _ = PckExtension.TryParseValue(bytes, out _, out _));
    }

    [Fact]
    public static void PemChain_RandomMutations_NeverThrow() =>
        Mutate(DcapCases.Read(DcapCases.Cdsi, "pck_crl_issuer_chain.pem"), 4, bytes => _ = PemChain.TryRead(bytes, out _, out _));

    private static void Mutate(byte[] original, int seed, Action<byte[]> read)
    {
        var random = new Random(seed);
        for (var i = 0; i < Iterations; i++)
        {
            var bytes = (byte[])original.Clone();
            switch (random.Next(3))
            {
                case 0:
                    for (var flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    }

                    break;
                case 1:
                    var at = random.Next(bytes.Length);
                    bytes = [.. bytes.AsSpan(0, at), (byte)random.Next(256), .. bytes.AsSpan(at)];
                    break;
                default:
                    var cut = random.Next(bytes.Length);
                    bytes = [.. bytes.AsSpan(0, cut), .. bytes.AsSpan(cut + 1)];
                    break;
            }

            read(bytes);
        }
    }
}
