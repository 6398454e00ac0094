using System.Text.Json;
using Vouch.Sgx.Quotes;
using Vouch.Tests.Shared;

namespace Vouch.Sgx.Tests.Quotes;

/// <summary>The DCAP vector folders, read in place: <c>quote.bin</c> and <c>expected.json</c>.</summary>
internal static class QuoteVectors
{
    public const string SgxV3 = "signal-cdsi-sgx-v3-2026";
    public const string SgxV3IntelSample = "intel-qvl-sample-sgx-v3-testroot";
    public const string TdxV4 = "phala-tdx-v4-uptodate";
    public const string TdxV5 = "phala-tdx-v5-tcb-not-supported";

    /// <summary>Every folder under <c>dcap/</c>.</summary>
    public static IEnumerable<string> AllCases() =>
        Directory.GetDirectories(TestVectors.Path("dcap"))
            .Select(dir => Path.GetFileName(dir))
            .Order(StringComparer.Ordinal);

    /// <summary>The folders whose <c>expected.json</c> has a <c>quote</c> section.</summary>
    public static TheoryData<string> CasesWithQuoteSection()
    {
        var data = new TheoryData<string>();
        foreach (var name in AllCases())
        {
            using var expected = Expected(name);
            if (expected.RootElement.TryGetProperty("quote", out _))
            {
                data.Add(name);
            }
        }

        return data;
    }

    public static byte[] Bytes(string caseName) => File.ReadAllBytes(TestVectors.Path("dcap", caseName, "quote.bin"));

    public static JsonDocument Expected(string caseName) =>
        JsonDocument.Parse(File.ReadAllBytes(TestVectors.Path("dcap", caseName, "expected.json")));

    /// <summary>Intel QVL's result for the quote stage, for example <c>STATUS_UNSUPPORTED_QUOTE_FORMAT(37)</c>.</summary>
    public static string QvlQuoteStage(JsonDocument expected) =>
        expected.RootElement.GetProperty("intel_qvl").GetProperty("stages").GetProperty("Quote").GetString() ?? "";

    public static bool IsFormatFailure(JsonDocument expected) =>
        QvlQuoteStage(expected).StartsWith("STATUS_UNSUPPORTED_QUOTE_FORMAT", StringComparison.Ordinal);

    public static Quote Parse(byte[] bytes)
    {
        Assert.True(Quote.TryParse(bytes, out var quote, out var error), error?.ToString());
        return quote;
    }

    public static QuoteFormatError Reject(byte[] bytes)
    {
        Assert.False(Quote.TryParse(bytes, out var quote, out var error));
        Assert.Null(quote);
        return error;
    }
}
