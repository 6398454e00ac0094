using System.Text.RegularExpressions;
using Vouch.Attestation.Errors;
using Vouch.Server.Problems;
using Vouch.Tests.Shared;

namespace Vouch.Server.Tests;

/// <summary>docs/errors.md is the one catalogue: every engine (7xxx) and HTTP (8xxx) code is documented there once, with its name.</summary>
public sealed partial class ErrorCatalogueTests
{
    [Fact]
    public void Every_engine_and_server_code_has_exactly_one_row_naming_it()
    {
        var doc = File.ReadAllText(Path.Combine(TestVectors.RepositoryRoot, "docs", "errors.md"));
        var rows = Row().Matches(doc).Select(m => (Code: m.Groups[1].Value, Name: m.Groups[2].Value)).ToList();
        var expected = Enum.GetValues<AttestationErrorCode>().Select(c => (c.Format(), c.ToString()))
            .Concat(Enum.GetValues<ServerErrorCode>().Select(c => (c.Format(), c.ToString())));
        foreach (var (code, name) in expected)
        {
            Assert.Equal([name], rows.Where(r => r.Code == code).Select(r => r.Name));
        }

        Assert.All(rows.Where(r => r.Code.StartsWith("ATT8", StringComparison.Ordinal)), r => Assert.True(Enum.TryParse<ServerErrorCode>(r.Name, out _), r.Name));
    }

    [GeneratedRegex(@"^\| (ATT[78]\d{3}) \| `(\w+)` \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
