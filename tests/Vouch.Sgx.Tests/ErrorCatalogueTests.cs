using System.Text.RegularExpressions;
using Vouch.Tests.Shared;

namespace Vouch.Sgx.Tests;

/// <summary>docs/errors.md is the one catalogue: every code Vouch.Sgx can emit is documented there, once.</summary>
public static partial class ErrorCatalogueTests
{
    [Fact]
    public static void ErrorsDoc_DocumentsEverySgxCodeOnce()
    {
        var doc = File.ReadAllText(Path.Combine(TestVectors.RepositoryRoot, "docs", "errors.md"));
        var rows = CatalogueRow().Matches(doc).Select(m => (Code: m.Groups[1].Value, Name: m.Groups[2].Value)).ToList();

        foreach (var code in Enum.GetValues<ErrorCode>())
        {
            var row = Assert.Single(rows, r => r.Code == code.Format());
            Assert.Equal(code.ToString(), row.Name);
        }
    }

    [Fact]
    public static void ErrorCodes_AreUniqueAndInTheirRanges()
    {
        var values = Enum.GetValues<ErrorCode>().Select(c => (int)c).ToList();
        Assert.Equal(values.Count, values.Distinct().Count());
        Assert.All(values, v => Assert.InRange(v, 1000, 5999));
    }

    [GeneratedRegex(@"^\| (ATT\d{4}) \| `(\w+)` \|", RegexOptions.Multiline)]
    private static partial Regex CatalogueRow();
}
