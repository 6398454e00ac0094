using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Vouch.Cli.Tests.Support;
using Vouch.Tests.Shared;

namespace Vouch.Cli.Tests;

/// <summary>
/// <c>vouch provider create|set-collateral-policy</c> with collateral options, <c>vouch collateral prefetch</c> and the
/// persisted PCS cache in <c>vouch collateral status</c>, against a real server on 127.0.0.1 over HTTPS whose only
/// PCS source is a replay of Signal's genuine collateral on another loopback port.
/// </summary>
public sealed class CollateralAdminCommandTests : IAsyncLifetime
{
    private const string SignalCase = "signal-cdsi-sgx-v3-2026";
    private const string Platform = "sgx:00606A000000:platform";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vouch-collateral-admin-cli");
    private WebApplication _pcs = null!;
    private WebApplication _app = null!;
    private string _url = null!;
    private string _pcsUrl = null!;

    private string Data => Path.Combine(_dir.FullName, "data");

    public async ValueTask InitializeAsync()
    {
        _pcs = await StartReplayPcsAsync(TestVectors.Path("dcap", SignalCase));
        _pcsUrl = _pcs.Urls.Single() + "/";
        _url = $"https://127.0.0.1:{InProcessServer.FreePort()}";
        _app = await InProcessServer.StartAsync(_url, Data, new Dictionary<string, string?> { ["Vouch:CollateralSources:0:Url"] = _pcsUrl });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _pcs.DisposeAsync();
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

    private string[] Server => ["--url", _url, "--data", Data];

    private JsonNode? CollateralOf(string provider)
    {
        var listed = Run(["provider", "list", .. Server]);
        Assert.Equal(0, listed.Exit);
        return JsonNode.Parse(listed.Out)!["providers"]!.AsArray().SingleOrDefault(p => p!["name"]!.GetValue<string>() == provider)?["collateral"];
    }

    [Fact]
    public void Provider_create_and_set_collateral_policy_send_the_whole_policy()
    {
        var created = Run(["provider", "create", "fresh", "--collateral-update", "early", "--min-tcb-evaluation-data-number", "10", "--max-collateral-age", "30d", "--collateral-grace", "PT1H", .. Server]);
        Assert.True(created.Exit == 0, created.Out + created.Err);
        var expected = JsonNode.Parse("""{"update":"early","minimumTcbEvaluationDataNumber":10,"maximumAgeSeconds":2592000,"gracePeriodSeconds":3600}""");
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(created.Out)!["collateral"]), created.Out);

        // Unspecified options take their defaults: the early update and the other rules are gone.
        var set = Run(["provider", "set-collateral-policy", "fresh", "--tcb-evaluation-data-number", "17", .. Server]);
        Assert.True(set.Exit == 0, set.Out + set.Err);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"update":"standard","tcbEvaluationDataNumber":17,"gracePeriodSeconds":0}"""), CollateralOf("fresh")));

        var cleared = Run(["provider", "set-collateral-policy", "fresh", .. Server]);
        Assert.Equal(0, cleared.Exit);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"update":"standard","gracePeriodSeconds":0}"""), CollateralOf("fresh")));

        Assert.Equal(1, Run(["provider", "set-collateral-policy", "missing", .. Server]).Exit);
    }

    [Fact]
    public void Set_collateral_policy_of_an_isolated_provider_sends_a_signed_JWS_and_the_options_alone_are_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=cli policy signer", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var pem = Path.Combine(_dir.FullName, "signer.pem");
        File.WriteAllText(pem, certificate.ExportCertificatePem());
        var created = Run(["provider", "create", "iso", "--mode", "isolated", "--signer", pem, .. Server]);
        Assert.True(created.Exit == 0, created.Out + created.Err);

        var plain = Run(["provider", "set-collateral-policy", "iso", "--collateral-grace", "PT1H", .. Server]);
        Assert.Equal(1, plain.Exit);
        Assert.Contains("ATT7417", plain.Out, StringComparison.Ordinal);

        // ES256 over header.payload, the rules as the payload (docs/server.md).
        var header = new JsonObject { ["alg"] = "ES256", ["x5c"] = new JsonArray(Convert.ToBase64String(certificate.RawData)) };
        var input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url.EncodeToString("""{"gracePeriodSeconds":3600}"""u8);
        var jws = Path.Combine(_dir.FullName, "collateral.jws");
        File.WriteAllText(jws, input + "." + Base64Url.EncodeToString(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256)) + "\n");

        Assert.Equal(2, Run(["provider", "set-collateral-policy", "iso", "--jws", jws, "--collateral-grace", "PT1H", .. Server]).Exit);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"update":"standard","gracePeriodSeconds":0}"""), CollateralOf("iso")));
        var signed = Run(["provider", "set-collateral-policy", "iso", "--jws", jws, .. Server]);
        Assert.True(signed.Exit == 0, signed.Out + signed.Err);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"update":"standard","gracePeriodSeconds":3600}"""), CollateralOf("iso")));
    }

    public static TheoryData<string, string[]> BadPolicyOptions => new()
    {
        { "update unknown", ["--collateral-update", "sideways"] },
        { "pin negative", ["--tcb-evaluation-data-number", "-1"] },
        { "pin not a number", ["--tcb-evaluation-data-number", "x"] },
        { "pin beyond int", ["--tcb-evaluation-data-number", "2147483648"] },
        { "minimum fractional", ["--min-tcb-evaluation-data-number", "1.5"] },
        { "pin below minimum", ["--tcb-evaluation-data-number", "16", "--min-tcb-evaluation-data-number", "17"] },
        { "maximum age zero", ["--max-collateral-age", "0s"] },
        { "maximum age over ten years", ["--max-collateral-age", "3654d"] },
        { "maximum age not a duration", ["--max-collateral-age", "soon"] },
        { "grace negative", ["--collateral-grace", "-P1D"] },
        { "grace fractional seconds", ["--collateral-grace", "PT0.5S"] },
        { "grace without value", ["--collateral-grace"] },
        { "source name upper case", ["--collateral-source", "Intel"] },
        { "source twice", ["--collateral-source", "thim", "--collateral-source", "thim"] },
    };

    [Theory]
    [MemberData(nameof(BadPolicyOptions))]
    public void Bad_collateral_options_are_usage_errors_and_change_nothing(string label, string[] options)
    {
        var created = Run(["provider", "create", "refused", .. options, .. Server]);
        Assert.True(created.Exit == 2, label + ": " + created.Out + created.Err);
        Assert.Null(CollateralOf("refused"));

        var before = CollateralOf("default");
        var set = Run(["provider", "set-collateral-policy", "default", .. options, .. Server]);
        Assert.True(set.Exit == 2, label + ": " + set.Out + set.Err);
        Assert.True(JsonNode.DeepEquals(before, CollateralOf("default")), label);
    }

    [Fact]
    public void Collateral_prefetch_fetches_through_the_server_and_status_lists_the_persisted_copy()
    {
        var prefetched = Run(["collateral", "prefetch", "--platform", Platform, "--version", "standard", "--json", .. Server]);
        Assert.True(prefetched.Exit == 0, prefetched.Out + prefetched.Err);
        var entry = Assert.Single(JsonNode.Parse(prefetched.Out)!["entries"]!.AsArray())!;
        Assert.Equal("00606a000000", entry["fmspc"]!.GetValue<string>());
        Assert.Equal("standard", entry["version"]!.GetValue<string>());
        Assert.Equal(_pcsUrl, entry["source"]!.GetValue<string>());
        Assert.NotNull(entry["fetchedAt"]);

        // The table names each entry by its key.
        var table = Run(["collateral", "prefetch", "--platform", Platform, .. Server]);
        Assert.True(table.Exit == 0, table.Out + table.Err);
        Assert.Contains(entry["key"]!.GetValue<string>(), table.Out, StringComparison.Ordinal);

        var status = Run("collateral", "status", "--data", Data, "--json");
        Assert.Equal(0, status.Exit);
        var cache = JsonNode.Parse(status.Out)!["pcsCache"]!;
        Assert.Null(cache["absent"]);
        Assert.Equal(Path.GetFullPath(Path.Combine(Data, "vouch.db")), cache["database"]!.GetValue<string>());
        var persisted = Assert.Single(cache["entries"]!.AsArray())!;
        Assert.Equal(entry["key"]!.GetValue<string>(), persisted["key"]!.GetValue<string>());
        Assert.Equal(_pcsUrl, persisted["source"]!.GetValue<string>());
        Assert.Equal(entry["fetchedAt"]!.GetValue<string>(), persisted["fetchedAt"]!.GetValue<string>());
        Assert.Equal(entry["tcbEvaluationDataNumber"]!.GetValue<int>(), persisted["tcbEvaluationDataNumber"]!.GetValue<int>());
        Assert.Equal(entry["validUntil"]!.GetValue<string>(), persisted["validUntil"]!.GetValue<string>());

        // The refresh due is the server's own schedule, recomputed from the stored copy (the server scheduled it when it
        // fetched; an expired copy is due a retry interval after "now", so the two may differ by the seconds between).
        var serverRefresh = DateTimeOffset.Parse(entry["refreshAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var statusRefresh = DateTimeOffset.Parse(persisted["refreshDueAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(statusRefresh - serverRefresh, TimeSpan.Zero, TimeSpan.FromSeconds(30));

        var text = Run("collateral", "status", "--data", Data);
        Assert.Equal(0, text.Exit);
        Assert.Contains(entry["key"]!.GetValue<string>(), text.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--platform", "00606A00000")]
    [InlineData("--platform", "sev:00606A000000")]
    [InlineData("--platform", "00606A000000:intermediate")]
    [InlineData("--version", "soon")]
    [InlineData("--version", "tcb-evaluation--1")]
    public void Collateral_prefetch_with_a_bad_platform_or_version_is_a_usage_error(string option, string value)
    {
        string[] args = option == "--platform" ? ["--platform", value] : ["--platform", Platform, "--version", value];
        var result = Run(["collateral", "prefetch", .. args, .. Server]);
        Assert.Equal(2, result.Exit);
        Assert.DoesNotContain("fetchedAt", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Collateral_prefetch_without_a_platform_is_a_usage_error()
    {
        Assert.Equal(2, Run(["collateral", "prefetch", .. Server]).Exit);
    }

    /// <summary>A PCS-shaped host on 127.0.0.1 serving one folder's files for any platform (issuer chains URL-encoded in the headers).</summary>
    private static async Task<WebApplication> StartReplayPcsAsync(string folder)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(async context =>
        {
            string Chain(string name) => Uri.EscapeDataString(File.ReadAllText(Path.Combine(folder, name)));
            var (type, header, chain, body) = context.Request.Path.Value switch
            {
                "/sgx/certification/v4/tcb" => ("application/json", "TCB-Info-Issuer-Chain", Chain("tcb_info_issuer_chain.pem"), File.ReadAllBytes(Path.Combine(folder, "tcb_info.json"))),
                "/sgx/certification/v4/qe/identity" => ("application/json", "SGX-Enclave-Identity-Issuer-Chain", Chain("qe_identity_issuer_chain.pem"), File.ReadAllBytes(Path.Combine(folder, "qe_identity.json"))),
                "/sgx/certification/v4/pckcrl" => ("application/pkix-crl", "SGX-PCK-CRL-Issuer-Chain", Chain("pck_crl_issuer_chain.pem"), File.ReadAllBytes(Path.Combine(folder, "pck_crl.der"))),
                "/sgx/certification/v4/rootcacrl" => ("application/x-pem-file", null, null, Encoding.ASCII.GetBytes(Convert.ToHexStringLower(File.ReadAllBytes(Path.Combine(folder, "root_ca_crl.der"))))),
                _ => (null, null, null, []),
            };
            context.Response.StatusCode = type is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
            if (type is not null)
            {
                context.Response.ContentType = type;
            }

            if (header is not null)
            {
                context.Response.Headers[header] = chain;
            }

            await context.Response.Body.WriteAsync(body);
        });
        await app.StartAsync();
        return app;
    }
}
