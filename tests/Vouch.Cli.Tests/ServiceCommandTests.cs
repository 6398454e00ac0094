using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Vouch.Cli.Tests.Support;

namespace Vouch.Cli.Tests;

/// <summary>
/// <c>vouch attest</c>, <c>vouch provider …</c> and <c>vouch admin token</c> against a real server on 127.0.0.1
/// over HTTPS, hosted in-process with the embedded development defaults (as <c>vouch serve</c> hosts it).
/// </summary>
public sealed class ServiceCommandTests : IAsyncLifetime
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vouch-service-cli");
    private WebApplication _app = null!;
    private string _url = null!;

    private string Data => Path.Combine(_dir.FullName, "data");

    public async ValueTask InitializeAsync()
    {
        _url = $"https://127.0.0.1:{InProcessServer.FreePort()}";
        _app = await InProcessServer.StartAsync(_url, Data, new Dictionary<string, string?> { ["Vouch:SimulatedAuthority"] = Path.Combine(Data, "sim") });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = VouchCommand.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Attest_posts_a_simulated_quote_and_prints_the_validated_claims()
    {
        var runtime = Path.Combine(_dir.FullName, "runtime.bin");
        await File.WriteAllTextAsync(runtime, "{\"pubkey\":\"abc\"}", TestContext.Current.CancellationToken);
        var reportData = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(runtime, TestContext.Current.CancellationToken)));
        var quote = Path.Combine(_dir.FullName, "q");
        Assert.Equal(0, Run("sim", "quote", "--authority", Path.Combine(Data, "sim"), "--out", quote, "--report-data", reportData).Exit);

        // The server's collateral source rescans every 2 s; the quote's collateral was just published.
        string[] attest = ["attest", "--url", _url, "--quote", Path.Combine(quote, "quote.bin"), "--runtime-data", runtime, "--runtime-json", "--data", Data, "--json"];
        var result = Run(attest);
        for (var attempt = 0; attempt < 20 && result.Out.Contains("ATT7101", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
            result = Run(attest);
        }

        Assert.True(result.Exit == 0, result.Out + result.Err);
        var claims = JsonNode.Parse(result.Out)!["claims"]!;
        var facts = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(quote, "facts.json"), TestContext.Current.CancellationToken))!;
        Assert.Equal(facts["mrEnclave"]!.GetValue<string>(), claims["x-ms-sgx-mrenclave"]!.GetValue<string>());
        Assert.Equal("abc", claims["x-ms-runtime"]!["pubkey"]!.GetValue<string>());
        Assert.Equal(_url, claims["iss"]!.GetValue<string>());

        // A quote whose report data does not bind the runtime data is refused: exit 1.
        var other = Path.Combine(_dir.FullName, "other.bin");
        await File.WriteAllTextAsync(other, "{}", TestContext.Current.CancellationToken);
        var refused = Run("attest", "--url", _url, "--quote", Path.Combine(quote, "quote.bin"), "--runtime-data", other, "--data", Data);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("ATT7004", refused.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Provider_create_list_and_rotate_key_use_the_admin_API_and_a_new_admin_token_replaces_the_old()
    {
        var created = Run("provider", "create", "staging", "--algorithm", "ES256", "--trust-simulated", "--url", _url, "--data", Data);
        Assert.True(created.Exit == 0, created.Out + created.Err);
        Assert.Equal(_url + "/providers/staging", JsonNode.Parse(created.Out)!["issuer"]!.GetValue<string>());

        var listed = Run("provider", "list", "--url", _url, "--data", Data);
        Assert.Equal(["default", "staging"], JsonNode.Parse(listed.Out)!["providers"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));

        var rotated = Run("provider", "rotate-key", "staging", "--url", _url, "--data", Data);
        Assert.Equal(0, rotated.Exit);
        Assert.NotNull(JsonNode.Parse(rotated.Out)!["signsFrom"]);

        Assert.Equal(1, Run("provider", "create", "staging", "--url", _url, "--data", Data).Exit);
        Assert.Equal(2, Run("provider", "create", "bad", "--mode", "sideways", "--url", _url, "--data", Data).Exit);

        var oldToken = File.ReadAllText(Path.Combine(Data, "admin-token")).Trim();
        var issued = Run("admin", "token", "--data", Data);
        Assert.Equal(0, issued.Exit);
        var newToken = File.ReadAllText(Path.Combine(Data, "admin-token")).Trim();
        Assert.NotEqual(oldToken, newToken);
        Assert.Contains(newToken, issued.Out, StringComparison.Ordinal);
        Assert.Equal(1, Run("provider", "list", "--url", _url, "--token", oldToken, "--data", Data).Exit);
        Assert.Equal(0, Run("provider", "list", "--url", _url, "--data", Data).Exit);
    }

    [Fact]
    public void Attest_without_trust_for_the_servers_certificate_fails_to_connect_with_exit_2()
    {
        var quote = Path.Combine(_dir.FullName, "any.bin");
        File.WriteAllBytes(quote, [1, 2, 3]);
        var result = Run("attest", "--url", _url, "--quote", quote, "--data", Path.Combine(_dir.FullName, "elsewhere"));
        Assert.Equal(2, result.Exit);
    }
}
