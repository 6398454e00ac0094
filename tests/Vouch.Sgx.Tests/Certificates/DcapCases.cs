using System.Text;
using System.Text.Json;
using Vouch.Sgx.Certificates;
using Vouch.Tests.Shared;

namespace Vouch.Sgx.Tests.Certificates;

/// <summary>The DCAP vector folders and the certificate material in them, read in place.</summary>
internal static class DcapCases
{
    public const string PckCrlGarbage = "neg-pck-crl-garbage";
    public const string PckCrlIsRootCrl = "neg-pck-crl-is-root-crl";
    public const string PckCrlWrongSigner = "synth-pck-crl-wrong-signer";
    public const string PckRevoked = "synth-pck-revoked";
    public const string TruncatedQuote = "neg-truncated-quote";
    public const string Cdsi = "signal-cdsi-sgx-v3-2026";

    private static readonly byte[] BeginCertificate = Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE-----");
    private static readonly byte[] EndCertificate = Encoding.ASCII.GetBytes("-----END CERTIFICATE-----");

    public static IEnumerable<string> All =>
        Directory.GetDirectories(TestVectors.Path("dcap")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static TheoryData<string> AllCases => [.. All];

    public static byte[] Read(string caseName, string file) => File.ReadAllBytes(TestVectors.Path("dcap", caseName, file));

    public static JsonElement ExpectedPck(string caseName)
    {
        using var document = JsonDocument.Parse(Read(caseName, "expected.json"));
        return document.RootElement.GetProperty("pck").Clone();
    }

    /// <summary>
    /// The PCK chain's PEM bytes: <c>pck_cert_chain.pem</c> where the folder has one, else the quote from
    /// the first BEGIN CERTIFICATE to its end (certification data type 5 ends the quote, followed only by
    /// the QPL's NUL and, in some TDX quotes, zero padding). Tests only: the quote parser does this properly.
    /// </summary>
    public static byte[] PckChainPem(string caseName)
    {
        var chainFile = TestVectors.Path("dcap", caseName, "pck_cert_chain.pem");
        if (File.Exists(chainFile))
        {
            return File.ReadAllBytes(chainFile);
        }

        var quote = Read(caseName, "quote.bin");
        var start = quote.AsSpan().IndexOf(BeginCertificate);
        Assert.True(start >= 0, caseName + ": no PEM in the quote");
        return quote[start..];
    }

    /// <summary>The first PEM block of the PCK chain (the leaf), complete even where the quote is truncated.</summary>
    public static byte[] LeafPem(string caseName)
    {
        var pem = PckChainPem(caseName);
        var end = pem.AsSpan().IndexOf(EndCertificate);
        Assert.True(end > 0, caseName + ": no complete PEM block");
        return pem[..(end + EndCertificate.Length)];
    }

    public static ParsedCertificate Leaf(string caseName)
    {
        Assert.True(PemChain.TryRead(LeafPem(caseName), out var certificates, out var error), error);
        return Assert.Single(certificates);
    }

    public static IReadOnlyList<ParsedCertificate> Chain(string caseName, string file)
    {
        Assert.True(PemChain.TryRead(Read(caseName, file), out var certificates, out var error), caseName + "/" + file + ": " + error);
        return certificates;
    }
}
