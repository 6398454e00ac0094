using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Vouch.Attestation.Collateral;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Authority;

namespace Vouch.Cli.Tests;

/// <summary><c>vouch sim …</c> end to end through the command line, and its quotes through <c>vouch quote verify</c>.</summary>
public sealed class SimCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vouch-sim-cli");

    private string Authority => Path.Combine(_dir.FullName, "authority");

    public void Dispose() => _dir.Delete(recursive: true);

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = VouchCommand.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string NewQuote(string name, params string[] extra)
    {
        Assert.Equal(0, Run("sim", "init", "--authority", Authority).Exit);
        var folder = Path.Combine(_dir.FullName, name);
        var (exit, _, error) = Run(["sim", "quote", "--authority", Authority, "--out", folder, .. extra]);
        Assert.True(exit == 0, error);
        return folder;
    }

    private static JsonNode Verify(string folder, bool withRoot)
    {
        string[] args = ["quote", "verify", "--quote", Path.Combine(folder, "quote.bin"), "--collateral", folder, "--json"];
        var (_, output, _) = Run(withRoot ? [.. args, "--root", Path.Combine(folder, "trusted_root.pem")] : args);
        return JsonNode.Parse(output)!;
    }

    [Theory]
    [InlineData("UpToDate")]
    [InlineData("SWHardeningNeeded")]
    [InlineData("ConfigurationNeeded")]
    [InlineData("ConfigurationAndSWHardeningNeeded")]
    [InlineData("OutOfDate")]
    [InlineData("OutOfDateConfigurationNeeded")]
    [InlineData("Revoked")]
    public void Quote_EachTcbStatus_VerifiesToFactsStatusWithRootAndFailsWithout(string status)
    {
        var folder = NewQuote(status, "--tcb", status);
        var facts = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "facts.json")))!;

        var report = Verify(folder, withRoot: true);
        Assert.Equal(facts["tcbStatus"]!.GetValue<string>(), report["tcbStatus"]!.GetValue<string>());
        Assert.Equal(status != "Revoked", report["verified"]!.GetValue<bool>());
        Assert.Equal(facts["mrEnclave"]!.GetValue<string>(), report["quote"]!["mrEnclave"]!.GetValue<string>());

        var untrusted = Verify(folder, withRoot: false);
        Assert.False(untrusted["verified"]!.GetValue<bool>());
        Assert.Contains(untrusted["errors"]!.AsArray(), e => e!["code"]!.GetValue<string>() == "ATT3002");
    }

    public static TheoryData<string, string> TcbPairs
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var tcb in new[] { "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked" })
            {
                foreach (var qe in new[] { "UpToDate", "OutOfDate", "Revoked" })
                {
                    data.Add(tcb, qe);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(TcbPairs))]
    public void Quote_EveryTcbAndQeTcb_VerifyReportsTheDateAndAdvisoriesOfBothLevelsAsIntel(string tcb, string qeTcb)
    {
        // Issue 18. Expected facts come from the collateral files the simulator wrote, matched here by hand (Intel's
        // order: components descending then PCESVN, first component-wise match; QE: first level with isvsvn <= QE ISVSVN).
        var folder = NewQuote($"{tcb}-{qeTcb}", "--tcb", tcb, "--qe-tcb", qeTcb);
        var facts = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "facts.json")))!;
        var at = facts["verificationTime"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture);
        string[] args = ["quote", "verify", "--quote", Path.Combine(folder, "quote.bin"), "--collateral", folder, "--root", Path.Combine(folder, "trusted_root.pem"), "--at", at];
        var (_, json, _) = Run([.. args, "--json"]);
        var report = JsonNode.Parse(json)!;

        var pck = report["pck"]!;
        int[] components = [.. pck["tcbComponents"]!.AsArray().Select(n => n!.GetValue<int>())];
        var pceSvn = pck["pceSvn"]!.GetValue<int>();
        var platform = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "tcb_info.json")))!["tcbInfo"]!["tcbLevels"]!.AsArray()
            .Select(l => (Level: l!, Svns: l!["tcb"]!["sgxtcbcomponents"]!.AsArray().Select(c => c!["svn"]!.GetValue<int>()).ToArray(), Pce: l!["tcb"]!["pcesvn"]!.GetValue<int>()))
            .OrderByDescending(l => string.Concat(l.Svns.Select(v => v.ToString("D3", CultureInfo.InvariantCulture)))).ThenByDescending(l => l.Pce)
            .First(l => l.Svns.Zip(components).All(p => p.Second >= p.First) && pceSvn >= l.Pce).Level;
        var qeIsvSvn = facts["qeIsvSvn"]!.GetValue<int>();
        var qe = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "qe_identity.json")))!["enclaveIdentity"]!["tcbLevels"]!.AsArray()
            .First(l => l!["tcb"]!["isvsvn"]!.GetValue<int>() <= qeIsvSvn)!;
        static string[] Ids(JsonNode level) => level["advisoryIDs"] is JsonArray ids ? [.. ids.Select(i => i!.GetValue<string>())] : [];
        var (platformDate, qeDate) = (platform["tcbDate"]!.GetValue<string>(), qe["tcbDate"]!.GetValue<string>());
        var earlier = string.CompareOrdinal(platformDate, qeDate) <= 0 ? platformDate : qeDate;
        string[] union = [.. Ids(platform).Union(Ids(qe))];

        static string[] Strings(JsonNode? node) => [.. node!.AsArray().Select(n => n!.GetValue<string>())];
        foreach (var source in new[] { report, facts })
        {
            Assert.Equal(earlier, source["tcbDate"]!.GetValue<string>());
            Assert.Equal(platformDate, source["platformTcbDate"]!.GetValue<string>());
            Assert.Equal(qeDate, source["qeTcbDate"]!.GetValue<string>());
            Assert.Equal(union, Strings(source["advisoryIds"]));
            Assert.Equal(Ids(platform), Strings(source["platformAdvisoryIds"]));
            Assert.Equal(Ids(qe), Strings(source["qeAdvisoryIds"]));
        }

        // The table form names the same date and each level's facts.
        var (_, table, _) = Run(args);
        Assert.Contains($"TCB date    {earlier[..10]}", table, StringComparison.Ordinal);
        Assert.Contains($"QE level {qeTcb} of {qeDate[..10]}", table, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tampered-quote-signature")]
    [InlineData("tampered-tcb-info-body")]
    [InlineData("wrong-fmspc")]
    [InlineData("expired-pck-crl")]
    public void Quote_Fault_FailsWithTheFactsCode(string fault)
    {
        var folder = NewQuote(fault, "--fault", fault);
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "facts.json")))!["expectedErrorCode"]!.GetValue<string>();
        var report = Verify(folder, withRoot: true);
        Assert.False(report["verified"]!.GetValue<bool>());
        Assert.Contains(report["errors"]!.AsArray(), e => e!["code"]!.GetValue<string>() == expected);
    }

    [Fact]
    public void Quote_PckRevokedDebugAndReportData_AreCarriedThrough()
    {
        var folder = NewQuote("flags", "--pck-revoked", "--debug", "--report-data", "00112233");
        var report = Verify(folder, withRoot: true);
        Assert.Contains(report["errors"]!.AsArray(), e => e!["code"]!.GetValue<string>() == "ATT3010");
        Assert.True(report["quote"]!["debug"]!.GetValue<bool>());
        Assert.StartsWith("0011223300", report["quote"]!["reportData"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quote_PublishesCollateral_ThatOfflineCollateralSourceServesAndTheVerifierAccepts()
    {
        Assert.Equal(0, Run("sim", "init", "--authority", Authority).Exit);
        var pcs = Path.Combine(Authority, SimulatedIntel.PcsDirectoryName);
        var published = Path.Combine(pcs, "00606a000000");
        // Rescanning on every call, so each newly published folder is seen at once.
        var source = new OfflineCollateralSource(pcs, TimeProvider.System, TimeSpan.Zero);
        Assert.Equal([pcs], source.Problems.Keys);

        using var intel = SimulatedIntel.Open(Authority);
        var anchor = TrustAnchor.FromCertificate(intel.RootCertificate);
        foreach (var status in new[] { "UpToDate", "OutOfDate" })
        {
            var folder = Path.Combine(_dir.FullName, status);
            var (exit, output, error) = Run("sim", "quote", "--authority", Authority, "--out", folder, "--tcb", status);
            Assert.True(exit == 0, error);
            Assert.Contains($"published the collateral of FMSPC 00606a000000 to {published}", output, StringComparison.Ordinal);
            Assert.Equal([published], Directory.GetFileSystemEntries(pcs));

            var bytes = File.ReadAllBytes(Path.Combine(folder, "quote.bin"));
            Assert.True(Quote.TryParse(bytes, out var quote, out var parseError), parseError?.ToString());
            var at = DateTimeOffset.FromUnixTimeSeconds(JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "facts.json")))!["verificationTime"]!.GetValue<long>());
            var collateral = await source.GetCollateralAsync(quote, at, TestContext.Current.CancellationToken);

            Assert.NotNull(collateral);
            Assert.Empty(source.Problems);
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "tcb_info.json")), collateral.TcbInfo.ToArray());
            var report = new QuoteVerifier().Verify(bytes, collateral, new VerificationOptions { At = at, TrustAnchors = [anchor] });
            Assert.True(report.Verified, string.Join("; ", report.Failures.Select(f => $"{f.Check} {f.Code} {f.Detail}")));
            Assert.Equal(status, report.TcbStatus!.Value.ToIntelString());
        }
    }

    [Theory]
    [InlineData("--tcb", "Bogus")]
    [InlineData("--qe-tcb", "ConfigurationNeeded")]
    [InlineData("--fault", "no-such-fault")]
    [InlineData("--report-data", "zz")]
    [InlineData("--enclave", "/nonexistent/manifest.json")]
    public void Quote_BadArguments_ExitTwo(string option, string value)
    {
        Assert.Equal(0, Run("sim", "init", "--authority", Authority).Exit);
        var (exit, _, error) = Run("sim", "quote", "--authority", Authority, "--out", Path.Combine(_dir.FullName, "x"), option, value);
        Assert.Equal(2, exit);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Quote_WithoutAuthority_ExitsTwo()
    {
        var (exit, _, _) = Run("sim", "quote", "--authority", Path.Combine(_dir.FullName, "none"), "--out", Path.Combine(_dir.FullName, "x"));
        Assert.Equal(2, exit);
    }

    [Fact]
    public void Report_SamePlatformVerifies_OtherPlatformOrChangedByteDoesNot()
    {
        var platform = Path.Combine(_dir.FullName, "p1");
        var other = Path.Combine(_dir.FullName, "p2");
        var report = Path.Combine(_dir.FullName, "report.bin");
        Assert.Equal(0, Run("sim", "report", "--platform", platform, "--enclave", "sample", "--target", "sample", "--out", report).Exit);
        Assert.Equal(432, new FileInfo(report).Length);

        Assert.Equal(0, Run("sim", "verify-report", "--platform", platform, "--enclave", "sample", "--report", report).Exit);
        Assert.Equal(1, Run("sim", "verify-report", "--platform", other, "--enclave", "sample", "--report", report).Exit);

        var bytes = File.ReadAllBytes(report);
        bytes[64] ^= 1; // MRENCLAVE
        File.WriteAllBytes(report, bytes);
        Assert.Equal(1, Run("sim", "verify-report", "--platform", platform, "--enclave", "sample", "--report", report).Exit);

        File.WriteAllBytes(report, bytes[..431]);
        Assert.Equal(2, Run("sim", "verify-report", "--platform", platform, "--enclave", "sample", "--report", report).Exit);
    }

    [Fact]
    public void Demo_WalksLocalAndRemoteAttestation()
    {
        var (exit, output, _) = Run("sim", "demo");
        Assert.Equal(0, exit);
        Assert.Contains("VERIFIED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pcs_ServesTcbInfoWithIssuerChainHeader()
    {
        Assert.Equal(0, Run("sim", "init", "--authority", Authority).Exit);
        var port = FreePort();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var output = new StringWriter();
        using var error = new StringWriter();
        var parse = VouchCommand.Create().Parse(["sim", "pcs", "--authority", Authority, "--urls", $"http://127.0.0.1:{port}"]);
        var server = parse.InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error }, cancel.Token);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        HttpResponseMessage? tcb = null;
        for (var attempt = 0; attempt < 100 && tcb is null; attempt++)
        {
            try
            {
                tcb = await http.GetAsync(new Uri("/sgx/certification/v4/tcb?fmspc=00606A000000", UriKind.Relative), cancel.Token);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, cancel.Token);
            }
        }

        Assert.NotNull(tcb);
        Assert.Equal(HttpStatusCode.OK, tcb.StatusCode);
        Assert.True(tcb.Headers.Contains("TCB-Info-Issuer-Chain"));
        var body = JsonNode.Parse(await tcb.Content.ReadAsStringAsync(cancel.Token))!;
        Assert.NotNull(body["tcbInfo"]);
        var unknown = await http.GetAsync(new Uri("/no/such/route", UriKind.Relative), cancel.Token);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        await cancel.CancelAsync();
        Assert.Equal(0, await server);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
