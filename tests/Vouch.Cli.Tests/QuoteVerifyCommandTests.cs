using System.Text.Json.Nodes;
using Vouch.Tests.Shared;

namespace Vouch.Cli.Tests;

public sealed class QuoteVerifyCommandTests
{
    private static string Case(string name) => TestVectors.Path("dcap", name);

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = VouchCommand.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string[] Verify(string name, params string[] extra) =>
        ["quote", "verify", "--quote", Path.Combine(Case(name), "quote.bin"), "--collateral", Case(name), .. extra];

    [Fact]
    public void Verify_GenuineQuoteAtItsInstant_ExitsZeroWithContractJson()
    {
        var (exit, output, _) = Run(Verify("signal-cdsi-sgx-v3-2026", "--at", "1785432688", "--json"));

        Assert.Equal(0, exit);
        var json = JsonNode.Parse(output)!;
        Assert.True(json["verified"]!.GetValue<bool>());
        Assert.Equal("SWHardeningNeeded", json["tcbStatus"]!.GetValue<string>());
        Assert.Equal(["INTEL-SA-00615"], json["advisoryIds"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Empty(json["errors"]!.AsArray());
        Assert.Equal("6d9b9649fa3a337754a98059c66d48ac77aaca5299d3b27d6ed1e646c7c81c0a", json["quote"]!["mrEnclave"]!.GetValue<string>());
        Assert.Equal("ca63ab8170cc6bbdd84a335322093dea428c0c65de9923b8deda7396d0c2d7a5", json["quote"]!["mrSigner"]!.GetValue<string>());
        Assert.Equal(1, json["quote"]!["isvProdId"]!.GetValue<int>());
        Assert.Equal(1, json["quote"]!["isvSvn"]!.GetValue<int>());
        Assert.False(json["quote"]!["debug"]!.GetValue<bool>());
        Assert.StartsWith("db2db138", json["quote"]!["reportData"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(json["collateralExpired"]!.GetValue<bool>());
        Assert.All(json["checks"]!.AsArray(), c => Assert.NotEqual("Failed", c!["result"]!.GetValue<string>()));
    }

    [Fact]
    public void Verify_IsoTime_EqualsUnixSeconds()
    {
        var unix = Run(Verify("signal-cdsi-sgx-v3-2026", "--at", "1785432688", "--json"));
        var iso = Run(Verify("signal-cdsi-sgx-v3-2026", "--at", "2026-07-30T17:31:28Z", "--json"));
        Assert.Equal(unix.Out, iso.Out);
    }

    [Fact]
    public void Verify_HumanOutput_ListsEveryCheckAndVerdict()
    {
        var (exit, output, _) = Run(Verify("signal-cdsi-sgx-v3-2026", "--at", "1785432688"));
        Assert.Equal(0, exit);
        foreach (var check in Enum.GetNames<Sgx.Verification.CheckId>())
        {
            Assert.Contains(check, output, StringComparison.Ordinal);
        }

        Assert.Contains("VERIFIED", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TamperedQuote_ExitsOneWithErrorCode()
    {
        var (exit, output, _) = Run(Verify("neg-isv-signature-tampered", "--at", "1785432688", "--json"));
        Assert.Equal(1, exit);
        var errors = JsonNode.Parse(output)!["errors"]!.AsArray();
        var error = Assert.Single(errors);
        Assert.Equal("ATT5005", error!["code"]!.GetValue<string>());
        Assert.Equal("QuoteSignature", error["check"]!.GetValue<string>());
    }

    [Fact]
    public void Verify_RevokedTcb_ExitsOne()
    {
        var name = "synth-tcb-revoked";
        var (exit, output, _) = Run(Verify(name, "--at", "1785432688", "--root", Path.Combine(Case(name), "trusted_root.pem"), "--json"));
        Assert.Equal(1, exit);
        Assert.Equal("Revoked", JsonNode.Parse(output)!["tcbStatus"]!.GetValue<string>());
    }

    [Fact]
    public void Verify_TestRootCaseWithoutRoot_FailsOnTrustAnchorAndWithRootPasses()
    {
        var name = "synth-baseline-uptodate";
        var without = Run(Verify(name, "--at", "1785432688", "--json"));
        Assert.Equal(1, without.Exit);
        Assert.Contains(JsonNode.Parse(without.Out)!["errors"]!.AsArray(), e => e!["code"]!.GetValue<string>() == "ATT3002");

        var with = Run(Verify(name, "--at", "1785432688", "--root", Path.Combine(Case(name), "trusted_root.pem"), "--json"));
        Assert.Equal(0, with.Exit);
        Assert.Equal("UpToDate", JsonNode.Parse(with.Out)!["tcbStatus"]!.GetValue<string>());
    }

    [Fact]
    public void Verify_ExpiredCollateral_FailsByDefaultAndPassesFlaggedWhenAllowed()
    {
        var strict = Run(Verify("neg-time-after-expiry", "--at", "1787609240", "--json"));
        Assert.Equal(1, strict.Exit);

        var allowed = Run(Verify("neg-time-after-expiry", "--at", "1787609240", "--allow-expired-collateral", "--json"));
        Assert.Equal(0, allowed.Exit);
        var json = JsonNode.Parse(allowed.Out)!;
        Assert.True(json["collateralExpired"]!.GetValue<bool>());
        Assert.Equal("SWHardeningNeeded", json["tcbStatus"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("P1D")]
    [InlineData("PT2H")]
    [InlineData("1d")]
    [InlineData("3600s")]
    public void Verify_GraceCoveringTheTcbInfoNextUpdate_WaivesAndFlagsExpired(string grace)
    {
        // TCB Info nextUpdate 2026-08-29T16:11:16Z; the QE Identity (16:31:17Z) is still current, the PCK CRL expired a week earlier.
        var at = "2026-08-29T16:11:17Z";
        var (exit, output, _) = Run(Verify("signal-cdsi-sgx-v3-2026", "--at", at, "--grace", grace, "--json"));

        var json = JsonNode.Parse(output)!;
        var tcbInfo = json["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "TcbInfoValidity")!;
        Assert.Equal("Waived", tcbInfo["result"]!.GetValue<string>());
        Assert.Equal("ATT4003", tcbInfo["code"]!.GetValue<string>());
        Assert.True(json["collateralExpired"]!.GetValue<bool>());

        // Only a grace of a week or more also covers the PCK CRL.
        var pckCrl = json["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "PckCrlValidity")!;
        Assert.Equal("Failed", pckCrl["result"]!.GetValue<string>());
        Assert.Equal(1, exit);

        var week = Run(Verify("signal-cdsi-sgx-v3-2026", "--at", at, "--grace", "P8D", "--json"));
        Assert.Equal(0, week.Exit);
        Assert.Equal("SWHardeningNeeded", JsonNode.Parse(week.Out)!["tcbStatus"]!.GetValue<string>());
    }

    [Fact]
    public void Verify_MaxAgeAndMinimumEvaluationNumber_FailTheRuleChecks()
    {
        var tooOld = Run(Verify("signal-cdsi-sgx-v3-2026", "--at", "1785432688", "--max-age", "1h", "--json"));
        Assert.Equal(1, tooOld.Exit);
        Assert.Contains(JsonNode.Parse(tooOld.Out)!["errors"]!.AsArray(), e => e!["code"]!.GetValue<string>() == "ATT4009");

        var ok = Run(Verify("signal-cdsi-sgx-v3-2026", "--at", "1785432688", "--max-age", "PT2H", "--min-tcb-evaluation-data-number", "21", "--json"));
        Assert.Equal(0, ok.Exit);

        var tooLow = Run(Verify("signal-cdsi-sgx-v3-2026", "--at", "1785432688", "--min-tcb-evaluation-data-number", "22", "--allow-expired-collateral", "--json"));
        Assert.Equal(1, tooLow.Exit);
        var codes = JsonNode.Parse(tooLow.Out)!["errors"]!.AsArray().Select(e => e!["code"]!.GetValue<string>());
        Assert.Equal(["ATT4007", "ATT4008"], codes);
    }

    [Theory]
    [InlineData("--grace", "tomorrow")]
    [InlineData("--grace", "-P1D")]
    [InlineData("--grace", "5x")]
    [InlineData("--grace", "99999999999999999d")]
    [InlineData("--max-age", "P")]
    [InlineData("--max-age", "-1h")]
    [InlineData("--min-tcb-evaluation-data-number", "-1")]
    [InlineData("--min-tcb-evaluation-data-number", "seventeen")]
    public void Verify_BadFreshnessRule_ExitsTwo(string option, string value)
    {
        var (exit, output, error) = Run(Verify("signal-cdsi-sgx-v3-2026", "--at", "1785432688", option, value));
        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("--at", "yesterday")]
    [InlineData("--at", "99999999999999")]
    public void Verify_BadTime_ExitsTwoWithOneLine(string option, string value)
    {
        var (exit, output, error) = Run(Verify("signal-cdsi-sgx-v3-2026", option, value));
        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Verify_MissingQuoteFile_ExitsTwoWithOneLine()
    {
        var (exit, _, error) = Run("quote", "verify", "--quote", "/nonexistent/quote.bin", "--collateral", Case("signal-cdsi-sgx-v3-2026"));
        Assert.Equal(2, exit);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_CollateralFolderWithoutTcbInfo_ExitsTwo()
    {
        var empty = Directory.CreateTempSubdirectory("vouch-cli-test");
        try
        {
            var (exit, _, error) = Run("quote", "verify", "--quote", Path.Combine(Case("signal-cdsi-sgx-v3-2026"), "quote.bin"), "--collateral", empty.FullName);
            Assert.Equal(2, exit);
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public void Verify_GarbageQuote_ExitsOneWithFormatCode()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, [1, 2, 3]);
            var (exit, output, _) = Run("quote", "verify", "--quote", file, "--collateral", Case("signal-cdsi-sgx-v3-2026"), "--at", "1785432688", "--json");
            Assert.Equal(1, exit);
            Assert.Contains(JsonNode.Parse(output)!["errors"]!.AsArray(), e => e!["code"]!.GetValue<string>() == "ATT1001");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("quote", "verify")]
    [InlineData("quote", "verify", "--quote")]
    [InlineData("quote", "verify", "--no-such-option")]
    public void Verify_UsageErrors_ExitTwo(params string[] args)
    {
        var (exit, _, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.NotEmpty(error);
    }
}
