using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vouch.Cli.Tests.Support;
using Vouch.Sgx.Collateral;
using Vouch.Tests.Shared;

namespace Vouch.Cli.Tests;

/// <summary><c>vouch collateral export|import|status</c>: a bundle carries collateral to a second data directory.</summary>
public sealed class CollateralCommandTests : IDisposable
{
    private const string SignalCase = "signal-cdsi-sgx-v3-2026";
    private const string SignalFolder = "sgx-00606a000000-platform";
    private const string SignalTime = "1785432688";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vouch-collateral-cli");

    public void Dispose() => _dir.Delete(recursive: true);

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = VouchCommand.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string Path(params string[] parts) => System.IO.Path.Combine([_dir.FullName, .. parts]);

    /// <summary>Copies Signal's genuine case (quote and collateral) into a temporary folder.</summary>
    private string CopySignal()
    {
        var folder = Path("signal");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(TestVectors.Path("dcap", SignalCase)))
        {
            File.Copy(file, System.IO.Path.Combine(folder, System.IO.Path.GetFileName(file)));
        }

        return folder;
    }

    private string ExportSignal()
    {
        var bundle = Path("signal.bundle.json");
        var (exit, _, error) = Run("collateral", "export", "--from", CopySignal(), "--out", bundle);
        Assert.True(exit == 0, error);
        return bundle;
    }

    private static JsonNode VerifyQuote(string quote, string collateral)
    {
        var (_, output, _) = Run("quote", "verify", "--quote", quote, "--collateral", collateral, "--at", SignalTime, "--json");
        return JsonNode.Parse(output)!;
    }

    private static string[] Codes(string error) =>
        [.. System.Text.RegularExpressions.Regex.Matches(error, @"ATT\d{4}").Select(m => m.Value).Distinct()];

    [Fact]
    public async Task A_server_on_the_imported_data_directory_attests_offline_with_no_source_configured()
    {
        var bundle = ExportSignal();
        var data = Path("server-data");
        Assert.Equal(0, Run("collateral", "import", bundle, "--data", data).Exit);

        var url = $"http://127.0.0.1:{InProcessServer.FreePort()}";
        var at = DateTimeOffset.FromUnixTimeSeconds(long.Parse(SignalTime, System.Globalization.CultureInfo.InvariantCulture));
        var app = await InProcessServer.StartAsync(url, data, time: new FakeTimeProvider(at));
        await using (app)
        {
            using var client = new HttpClient();
            var body = new JsonObject
            {
                ["quote"] = System.Buffers.Text.Base64Url.EncodeToString(File.ReadAllBytes(Path("signal", "quote.bin"))),
                ["runtimeData"] = new JsonObject { ["data"] = System.Buffers.Text.Base64Url.EncodeToString(File.ReadAllBytes(Path("signal", "report_data_preimage.bin"))), ["dataType"] = "Binary" },
            };
            using var response = await client.PostAsync(new Uri(url + "/attest/SgxEnclave?api-version=2020-10-01"), new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, text);
            var token = JsonNode.Parse(text)!["token"]!.GetValue<string>();
            var claims = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]))!;
            var original = VerifyQuote(Path("signal", "quote.bin"), Path("signal"));
            Assert.Equal(original["tcbStatus"]!.GetValue<string>(), claims["x-vouch-tcb-status"]!.GetValue<string>());
            Assert.Equal(original["advisoryIds"]!.ToJsonString(), claims["x-vouch-advisory-ids"]!.ToJsonString());
            await app.StopAsync(TestContext.Current.CancellationToken);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void Export_then_import_into_a_fresh_data_directory_gives_the_same_verdict_and_status_lists_it()
    {
        var bundle = ExportSignal();
        var data = Path("data");

        var (exit, _, error) = Run("collateral", "import", bundle, "--data", data);
        Assert.True(exit == 0, error);

        var held = Path("data", "collateral", SignalFolder);
        foreach (var name in new[] { "tcb_info.json", "tcb_info_issuer_chain.pem", "qe_identity.json", "qe_identity_issuer_chain.pem", "pck_crl.der", "pck_crl_issuer_chain.pem", "root_ca_crl.der" })
        {
            Assert.Equal(File.ReadAllBytes(Path("signal", name)), File.ReadAllBytes(System.IO.Path.Combine(held, name)));
        }

        var quote = Path("signal", "quote.bin");
        var original = VerifyQuote(quote, Path("signal"));
        var imported = VerifyQuote(quote, held);
        Assert.True(original["verified"]!.GetValue<bool>());
        Assert.Equal(original["verified"]!.GetValue<bool>(), imported["verified"]!.GetValue<bool>());
        Assert.Equal(original["tcbStatus"]!.GetValue<string>(), imported["tcbStatus"]!.GetValue<string>());
        Assert.Equal(original["advisoryIds"]!.ToJsonString(), imported["advisoryIds"]!.ToJsonString());

        var (statusExit, output, _) = Run("collateral", "status", "--data", data, "--json");
        Assert.Equal(0, statusExit);
        var platform = Assert.Single(JsonNode.Parse(output)!["platforms"]!.AsArray())!;
        Assert.Equal(SignalFolder, platform["folder"]!.GetValue<string>());
        Assert.Equal("00606a000000", platform["fmspc"]!.GetValue<string>());
        Assert.Equal("platform", platform["ca"]!.GetValue<string>());
        Assert.Equal("SGX", platform["tee"]!.GetValue<string>());
        Assert.Equal(21, platform["tcbEvaluationDataNumber"]!.GetValue<int>());
        Assert.Equal(21, platform["qeIdentityTcbEvaluationDataNumber"]!.GetValue<int>());
        Assert.Equal("2026-08-29T16:11:16Z", platform["tcbInfoNextUpdate"]!.GetValue<string>());
        // The PCK CRL's nextUpdate comes first, so it bounds when the collateral stops being usable.
        Assert.Equal(platform["pckCrlNextUpdate"]!.GetValue<string>(), platform["usableUntil"]!.GetValue<string>());

        // Imported again: same numbers, so it replaces the held copy in place.
        Assert.Equal(0, Run("collateral", "import", bundle, "--data", data).Exit);
        Assert.Equal([SignalFolder], Directory.GetFileSystemEntries(Path("data", "collateral")).Select(System.IO.Path.GetFileName));
    }

    [Fact]
    public void Export_with_an_fmspc_that_is_not_held_fails()
    {
        var (exit, _, _) = Run("collateral", "export", "--from", CopySignal(), "--fmspc", "00906ed50000", "--out", Path("b.json"));
        Assert.Equal(1, exit);
        Assert.False(File.Exists(Path("b.json")));
    }

    [Fact]
    public void A_bundle_with_one_tcb_info_byte_changed_is_refused_and_nothing_is_written()
    {
        var bundle = JsonNode.Parse(File.ReadAllText(ExportSignal()))!;
        var files = bundle["platforms"]![0]!["files"]!;
        var tcbInfo = Convert.FromBase64String(files["tcb_info.json"]!.GetValue<string>());
        var at = Encoding.ASCII.GetString(tcbInfo).IndexOf("\"pceId\":\"", StringComparison.Ordinal) + 9;
        tcbInfo[at] = tcbInfo[at] == (byte)'0' ? (byte)'1' : (byte)'0';
        files["tcb_info.json"] = Convert.ToBase64String(tcbInfo);
        var tampered = Path("tampered.json");
        File.WriteAllText(tampered, bundle.ToJsonString());

        var (exit, _, error) = Run("collateral", "import", tampered, "--data", Path("data"));
        Assert.Equal(1, exit);
        Assert.Contains("ATT7504", Codes(error));
        Assert.Contains(Vouch.Sgx.ErrorCodes.Format(Vouch.Sgx.ErrorCode.TcbInfoSignatureInvalid), Codes(error));
        Assert.False(Directory.Exists(Path("data", "collateral")));
    }

    [Fact]
    public void Simulated_collateral_is_refused_without_its_root_and_accepted_with_it()
    {
        var authority = Path("authority");
        Assert.Equal(0, Run("sim", "init", "--authority", authority).Exit);
        var quote = Path("simquote");
        Assert.Equal(0, Run("sim", "quote", "--authority", authority, "--out", quote).Exit);
        var bundle = Path("sim.bundle.json");
        var (exportExit, _, exportError) = Run("collateral", "export", "--from", quote, "--out", bundle);
        Assert.True(exportExit == 0, exportError);

        var (exit, _, error) = Run("collateral", "import", bundle, "--data", Path("data"));
        Assert.Equal(1, exit);
        Assert.Contains("ATT7504", Codes(error));
        Assert.Contains("ATT3002", Codes(error));
        Assert.False(Directory.Exists(Path("data", "collateral")));

        (exit, _, error) = Run("collateral", "import", bundle, "--data", Path("data"), "--root", System.IO.Path.Combine(quote, "trusted_root.pem"));
        Assert.True(exit == 0, error);
        var held = Assert.Single(Directory.GetDirectories(Path("data", "collateral")));
        var report = JsonNode.Parse(Run("quote", "verify", "--quote", System.IO.Path.Combine(quote, "quote.bin"), "--collateral", held,
            "--root", System.IO.Path.Combine(quote, "trusted_root.pem"), "--json").Out)!;
        Assert.True(report["verified"]!.GetValue<bool>());
    }

    [Fact]
    public void A_lower_evaluation_number_than_held_is_refused_unless_allowed() =>
        // The held copy claims a later evaluation (its signature no longer matters: only its number is read).
        AssertImportRefusedOverNewerHeld("tcb_info.json", held => Encoding.UTF8.GetBytes(
            Encoding.UTF8.GetString(held).Replace("\"tcbEvaluationDataNumber\":21", "\"tcbEvaluationDataNumber\":99", StringComparison.Ordinal)));

    [Theory]
    [InlineData("pck_crl.der")]
    [InlineData("root_ca_crl.der")]
    public void A_lower_CRL_number_than_held_is_refused_unless_allowed(string crlFile) =>
        // The held copy's CRL re-issued with a later cRLNumber and the same evaluation data numbers (only its number is
        // read, so a throwaway issuer of the same name will do): the bundle's CRL is then an older one.
        AssertImportRefusedOverNewerHeld(crlFile, held => Reissued(held, 1_000_000));

    // Imports Signal's bundle, makes the held copy of one file newer, and checks that importing the bundle again is a
    // refused rollback (ATT7506, the held file untouched) unless --allow-older is given.
    private void AssertImportRefusedOverNewerHeld(string file, Func<byte[], byte[]> newerOf)
    {
        var bundle = ExportSignal();
        var data = Path("data");
        Assert.Equal(0, Run("collateral", "import", bundle, "--data", data).Exit);
        var held = Path("data", "collateral", SignalFolder, file);
        var newer = newerOf(File.ReadAllBytes(held));
        Assert.NotEqual(File.ReadAllBytes(held), newer);
        File.WriteAllBytes(held, newer);

        var (exit, _, error) = Run("collateral", "import", bundle, "--data", data);
        Assert.Equal(1, exit);
        Assert.Equal(["ATT7506"], Codes(error));
        Assert.Equal(newer, File.ReadAllBytes(held));

        Assert.Equal(0, Run("collateral", "import", bundle, "--data", data, "--allow-older").Exit);
        Assert.Equal(File.ReadAllBytes(Path("signal", file)), File.ReadAllBytes(held));
    }

    // The CRL with its entries and times, under a new cRLNumber, signed by a fresh key under the same issuer name.
    private static byte[] Reissued(byte[] der, BigInteger number)
    {
        Assert.True(Crl.TryParse(der, out var crl, out var problem), problem);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(crl.IssuerRaw.Span), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var issuer = request.CreateSelfSigned(crl.ThisUpdate.AddYears(-1), crl.ThisUpdate.AddYears(10));
        var builder = CertificateRevocationListBuilder.Load(der, out var current);
        Assert.True(number > current);
        return builder.Build(issuer, number, crl.NextUpdate!.Value, HashAlgorithmName.SHA256, thisUpdate: crl.ThisUpdate);
    }

    [Theory]
    [InlineData("truncated", "ATT7501")]
    [InlineData("wrong-format", "ATT7502")]
    [InlineData("wrong-version", "ATT7502")]
    [InlineData("unknown-file", "ATT7501")]
    [InlineData("bad-base64", "ATT7501")]
    [InlineData("wrong-key", "ATT7505")]
    [InlineData("huge", "ATT7503")]
    public void Malformed_bundles_are_refused_with_their_code(string kind, string code)
    {
        var good = File.ReadAllText(ExportSignal());
        var path = Path(kind + ".json");
        switch (kind)
        {
            case "truncated":
                File.WriteAllText(path, good[..(good.Length / 2)]);
                break;
            case "huge":
                using (var stream = File.Create(path))
                {
                    stream.SetLength((64 << 20) + 1);
                }

                break;
            default:
                var node = JsonNode.Parse(good)!;
                var platform = node["platforms"]![0]!;
                _ = kind switch
                {
                    "wrong-format" => node["format"] = "something-else",
                    "wrong-version" => node["version"] = 2,
                    "unknown-file" => platform["files"]!["evil.sh"] = "AAAA",
                    "bad-base64" => platform["files"]!["pck_crl.der"] = "not base64!",
                    _ => platform["fmspc"] = "00906ed50000",
                };
                File.WriteAllText(path, node.ToJsonString());
                break;
        }

        var (exit, _, error) = Run("collateral", "import", path, "--data", Path("data"));
        Assert.Equal(1, exit);
        Assert.Equal([code], Codes(error));
        Assert.False(Directory.Exists(Path("data", "collateral")));
    }

    [Fact]
    public void Import_of_a_missing_file_is_a_usage_error()
    {
        Assert.Equal(2, Run("collateral", "import", Path("absent.json"), "--data", Path("data")).Exit);
    }
}
