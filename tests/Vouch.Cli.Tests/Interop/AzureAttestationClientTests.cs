using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Vouch.Attestation.Errors;
using Vouch.Cli.Tests.Serve;
using Vouch.Policy;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.OpenEnclave;
using Vouch.Simulator.Platform;
using Vouch.Tests.Shared;

namespace Vouch.Cli.Tests.Interop;

/// <summary>
/// Microsoft's own MAA client, npm <c>@azure/attestation</c> 1.0.0, against a real <c>vouch serve</c> process: the
/// fixture runs <c>tests/interop/maa-client.mjs</c> once (one JSON line per scenario) and each theory row checks one
/// scenario's observed values. The client validates every token itself with its default options.
/// </summary>
public sealed class AzureAttestationClientTests(AzureAttestationClientRun run) : IClassFixture<AzureAttestationClientRun>
{
    public static readonly TheoryData<string> Scenarios = new(AzureAttestationClientRun.ScenarioNames);

    [Fact]
    public void Script_ran_every_scenario_and_exited_zero()
    {
        run.RequireRun();
        Assert.True(run.ExitCode == 0, $"maa-client.mjs exited with {run.ExitCode}\n{run.Diagnostics}");
        Assert.Equal(AzureAttestationClientRun.ScenarioNames, run.ScenarioOrder);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Scenario(string name)
    {
        var s = run.Get(name);
        Assert.True(s["ok"]!.GetValue<bool>(), $"{name}: {s["problems"]?.ToJsonString()}\n{s.ToJsonString()}");
        switch (name)
        {
            case "getOpenIdMetadata":
                Assert.Equal(run.BaseUrl, Str(s, "issuer"));
                Assert.Equal(run.BaseUrl + "/certs", Str(s, "jwksUri"));
                break;
            case "getAttestationSigners":
                var signers = s["signers"]!.AsArray();
                Assert.NotEmpty(signers);
                Assert.All(signers, signer =>
                {
                    Assert.False(string.IsNullOrEmpty(signer!["keyId"]?.GetValue<string>()));
                    Assert.NotEmpty(signer["certificates"]!.AsArray());
                });
                break;
            case "attestSgxEnclave.binaryRuntimeData":
                AssertAttested(s, run.BaseUrl, "RS256");
                Assert.Equal(Convert.ToHexStringLower(run.RuntimeBinary), Str(s, "enclaveHeldData"));
                Assert.Null(s["runTimeClaims"]);
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(run.QuoteBinary)), Str(s, "quoteHash"));
                Assert.Equal(DefaultPolicies.SgxHash, Str(s, "policyHash"));
                AssertDefaultPolicyClaims(s);
                break;
            case "attestSgxEnclave.jsonRuntimeData":
                AssertAttested(s, run.BaseUrl, "RS256");
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(run.RuntimeJson), s["runTimeClaims"]), s["runTimeClaims"]?.ToJsonString());
                Assert.Null(s["enclaveHeldData"]);
                break;
            case "attestOpenEnclave":
                AssertAttested(s, run.BaseUrl, "RS256");
                Assert.Equal(Convert.ToHexStringLower(run.RuntimeBinary), Str(s, "enclaveHeldData"));
                // MAA hashes the whole OE report (header included) for /attest/OpenEnclave (maa-protocol §2.4).
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(run.OpenEnclaveReport)), Str(s, "quoteHash"));
                break;
            case "attestSgxEnclave.draftPolicyPermit":
                // Draft-policy tokens are unsigned (alg none) and the client accepts them as such.
                AssertAttested(s, run.BaseUrl, "none");
                Assert.Equal(PolicyHash.Compute(Str(s, "draftPolicy")), Str(s, "policyHash"));
                Assert.Equal(run.MrSigner, s["policyClaims"]!["custom-name"]!.GetValue<string>());
                Assert.Null(s["policyClaims"]!["sgx-mrsigner"]);
                break;
            case "attestSgxEnclave.draftPolicyDeny":
                AssertRestError(s, 400, "PolicyEvaluationError", AttestationErrorCode.PolicyDenied);
                break;
            case "getPolicy.default":
                Assert.Equal(DefaultPolicies.Sgx, Str(s, "policy"));
                Assert.Equal(run.BaseUrl, Str(s["token"]!, "iss"));
                break;
            case "setPolicy.unsigned":
                Assert.Equal("Updated", Str(s, "policyResolution"));
                // The client's unsigned JWS is byte-identical to Vouch's (and MAA's C++ SDK's): same token hash.
                Assert.Equal(PolicyHash.ComputeTokenHash(PolicyJws.CreateUnsigned(Str(s, "policySent"))), Str(s, "policyTokenHash"));
                Assert.Null(s["policySigner"]);
                Assert.Equal(Str(s, "policySent"), Str(s, "policyAfter"));
                break;
            case "setPolicy.signed":
                Assert.Equal("Updated", Str(s, "policyResolution"));
                Assert.Equal(run.SignerCertificate, SignerCertificate(s["policySigner"]));
                Assert.Equal(Str(s, "policySent"), Str(s, "policyAfter"));
                Assert.Equal("js-signed", s["attestedPolicyClaims"]!["set-by"]!.GetValue<string>());
                Assert.Equal(run.SignerCertificate, SignerCertificate(s["attestedPolicySigner"]));
                break;
            case "resetPolicy":
                Assert.Equal("Removed", Str(s, "policyResolution"));
                Assert.Equal(DefaultPolicies.Sgx, Str(s, "policyAfter"));
                break;
            case "isolated.getPolicyManagementCertificates":
                Assert.Equal(run.IsolatedUrl, Str(s["token"]!, "iss"));
                Assert.Equal("ES256", Str(s["token"]!, "alg"));
                Assert.Equal([run.SignerCertificate], Certificates(s["signers"]));
                break;
            case "isolated.addPolicyManagementCertificate":
                Assert.Equal("IsPresent", Str(s, "certificateResolution"));
                Assert.Equal(run.ExtraThumbprint, Str(s, "certificateThumbprint"));
                Assert.Equal(new[] { run.SignerCertificate, run.ExtraCertificate }.Order(), Certificates(s["signersAfter"]).Order());
                break;
            case "isolated.removePolicyManagementCertificate":
                Assert.Equal("IsAbsent", Str(s, "certificateResolution"));
                Assert.Equal(run.ExtraThumbprint, Str(s, "certificateThumbprint"));
                Assert.Equal([run.SignerCertificate], Certificates(s["signersAfter"]));
                break;
            case "isolated.setPolicy.signed":
                Assert.Equal("Updated", Str(s, "policyResolution"));
                Assert.Equal("ES256", Str(s["token"]!, "alg"));
                Assert.Equal(run.SignerCertificate, SignerCertificate(s["policySigner"]));
                Assert.Equal(Str(s, "policySent"), Str(s, "policyAfter"));
                Assert.Equal(run.IsolatedUrl, Str(s, "attestedIssuer"));
                Assert.Equal("js-isolated", s["attestedPolicyClaims"]!["set-by"]!.GetValue<string>());
                Assert.Equal(run.SignerCertificate, SignerCertificate(s["attestedPolicySigner"]));
                break;
            case "isolated.setPolicy.unsigned":
                AssertRestError(s, 400, "InvalidOperation", AttestationErrorCode.ManagementSignatureRequired);
                break;
            case "isolated.policyUnchangedAfterRefusal":
                Assert.Equal(run.Get("isolated.setPolicy.signed")["policySent"]!.GetValue<string>(), Str(s, "policy"));
                break;
            default:
                Assert.Fail($"no assertions for scenario {name}");
                break;
        }
    }

    private void AssertAttested(JsonObject s, string issuer, string algorithm)
    {
        Assert.Equal(issuer, Str(s, "issuer"));
        Assert.Equal(issuer, Str(s["token"]!, "iss"));
        Assert.Equal(algorithm, Str(s["token"]!, "alg"));
        Assert.Equal(run.MrEnclave, Str(s, "mrEnclave"));
        Assert.Equal(run.MrSigner, Str(s, "mrSigner"));
        Assert.Equal(run.ProductId, s["productId"]!.GetValue<int>());
        Assert.Equal(run.Svn, s["svn"]!.GetValue<int>());
        Assert.False(s["isDebuggable"]!.GetValue<bool>());
        Assert.Equal("sgx", Str(s, "verifierType"));
        Assert.Equal("1.0", Str(s, "version"));
        Assert.Matches("^[0-9a-f]{64}$", Str(s, "uniqueId"));
        if (issuer == run.BaseUrl)
        {
            // The token's kid is one of the keys getAttestationSigners listed.
            var kids = run.Get("getAttestationSigners")["signers"]!.AsArray().Select(k => k!["keyId"]!.GetValue<string>());
            Assert.Contains(Str(s["token"]!, "kid"), kids);
        }
    }

    private void AssertDefaultPolicyClaims(JsonObject s)
    {
        var claims = s["policyClaims"]!;
        Assert.Equal(run.MrEnclave, claims["sgx-mrenclave"]!.GetValue<string>());
        Assert.Equal(run.MrSigner, claims["sgx-mrsigner"]!.GetValue<string>());
        Assert.Equal("sgx", claims["tee"]!.GetValue<string>());
    }

    private static void AssertRestError(JsonObject s, int status, string code, AttestationErrorCode inner)
    {
        var error = s["error"]!;
        Assert.Equal("RestError", Str(error, "name"));
        Assert.Equal(status, error["statusCode"]!.GetValue<int>());
        Assert.Equal(code, Str(error, "code"));
        Assert.Equal(inner.Format(), Str(error, "innerCode"));
    }

    private static string Str(JsonNode node, string name) =>
        node[name]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException($"'{name}' missing in {node.ToJsonString()}");

    private static string? SignerCertificate(JsonNode? signer) => signer?["certificates"]?[0]?.GetValue<string>();

    private static string[] Certificates(JsonNode? signers) =>
        [.. signers!.AsArray().Select(s => s!["certificates"]![0]!.GetValue<string>())];
}

/// <summary>
/// One run of <c>tests/interop/maa-client.mjs</c> against a fresh <c>vouch serve</c>: simulated quotes with runtime data
/// bound into REPORTDATA, an isolated ES256 provider trusting a generated RSA policy signer, then the script; the server
/// is killed and the temporary folder deleted before any test reads the results.
/// </summary>
public sealed class AzureAttestationClientRun : IAsyncLifetime
{
    /// <summary>The scenarios maa-client.mjs runs, in order.</summary>
    public static readonly string[] ScenarioNames =
    [
        "getOpenIdMetadata",
        "getAttestationSigners",
        "attestSgxEnclave.binaryRuntimeData",
        "attestSgxEnclave.jsonRuntimeData",
        "attestOpenEnclave",
        "attestSgxEnclave.draftPolicyPermit",
        "attestSgxEnclave.draftPolicyDeny",
        "getPolicy.default",
        "setPolicy.unsigned",
        "setPolicy.signed",
        "resetPolicy",
        "isolated.getPolicyManagementCertificates",
        "isolated.addPolicyManagementCertificate",
        "isolated.removePolicyManagementCertificate",
        "isolated.setPolicy.signed",
        "isolated.setPolicy.unsigned",
        "isolated.policyUnchangedAfterRefusal",
    ];

    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    private readonly Dictionary<string, JsonObject> _scenarios = new(StringComparer.Ordinal);
    private string? _setupFailure;
    private string _stdout = string.Empty;
    private string _stderr = string.Empty;
    private string _serverOutput = string.Empty;

    public string BaseUrl { get; private set; } = string.Empty;

    public string IsolatedUrl { get; private set; } = string.Empty;

    public int ExitCode { get; private set; } = -1;

    public List<string> ScenarioOrder { get; } = [];

    public byte[] QuoteBinary { get; private set; } = [];

    public byte[] RuntimeBinary { get; private set; } = [];

    public string RuntimeJson { get; private set; } = string.Empty;

    public byte[] OpenEnclaveReport { get; private set; } = [];

    public string MrEnclave { get; private set; } = string.Empty;

    public string MrSigner { get; private set; } = string.Empty;

    public int ProductId { get; private set; }

    public int Svn { get; private set; }

    /// <summary>The trusted policy signer's certificate, base64 DER (as the client reports <c>x5c</c>).</summary>
    public string SignerCertificate { get; private set; } = string.Empty;

    public string ExtraCertificate { get; private set; } = string.Empty;

    public string ExtraThumbprint { get; private set; } = string.Empty;

    public string Diagnostics => $"--- maa-client.mjs stdout\n{_stdout}\n--- stderr\n{_stderr}\n--- vouch serve output\n{_serverOutput}";

    public void RequireRun() => Assert.True(_setupFailure is null, _setupFailure + "\n" + Diagnostics);

    public JsonObject Get(string name)
    {
        RequireRun();
        return _scenarios.TryGetValue(name, out var scenario)
            ? scenario
            : throw new Xunit.Sdk.XunitException($"maa-client.mjs reported no scenario '{name}' (exit {ExitCode})\n{Diagnostics}");
    }

    public async ValueTask InitializeAsync()
    {
        var interop = Path.Combine(TestVectors.RepositoryRoot, "tests", "interop");
        if (MissingClient(interop) is { } reason)
        {
            _setupFailure = reason;
            return;
        }

        var temp = Directory.CreateTempSubdirectory("vouch-interop-");
        ServeProcess? server = null;
        try
        {
            var data = Directory.CreateDirectory(Path.Combine(temp.FullName, "data")).FullName;
            var inputs = Directory.CreateDirectory(Path.Combine(temp.FullName, "inputs")).FullName;
            var env = WriteInputs(data, inputs);

            server = await ServeProcess.StartAsync(data, TestContext.Current.CancellationToken);
            BaseUrl = server.BaseUrl;
            IsolatedUrl = server.BaseUrl + "/providers/iso";
            var token = server.AdminToken;
            await CreateIsolatedProviderAsync(server, token, File.ReadAllText(env["VOUCH_SIGNER_CERT"]));

            env["VOUCH_URL"] = BaseUrl;
            env["VOUCH_ISOLATED_URL"] = IsolatedUrl;
            env["VOUCH_ADMIN_TOKEN"] = token;
            env["NODE_EXTRA_CA_CERTS"] = server.TlsCertificateFile;
            await RunScriptAsync(interop, env);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _setupFailure = "the interop run failed before the client's results were in: " + e;
        }
        finally
        {
            if (server is not null)
            {
                _serverOutput = server.Output;
                await server.DisposeAsync();
            }

            temp.Delete(recursive: true);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // test.sh installs the client (npm install --prefix tests/interop) and exports VOUCH_INTEROP_NPM=ok, or the reason it could not.
    private static string? MissingClient(string interop)
    {
        var install = Environment.GetEnvironmentVariable("VOUCH_INTEROP_NPM");
        if (install is { Length: > 0 } && install != "ok")
        {
            return $"the official client could not be installed: {install}. Needs node and npm with the npm registry reachable.";
        }

        var package = Path.Combine(interop, "node_modules", "@azure", "attestation", "package.json");
        if (!File.Exists(package))
        {
            return $"{package} is missing: run 'npm install --no-audit --no-fund --prefix tests/interop' (test.sh does). Needs node and npm.";
        }

        var version = JsonNode.Parse(File.ReadAllText(package))?["version"]?.GetValue<string>();
        return version == "1.0.0" ? null : $"tests/interop/node_modules has @azure/attestation {version}, not 1.0.0: reinstall";
    }

    // Publishes the simulated authority and collateral before the server starts (it opens DIR/sim and scans
    // DIR/sim/pcs when it starts), so no wait for a collateral rescan is needed.
    private Dictionary<string, string> WriteInputs(string data, string inputs)
    {
        var now = TimeProvider.System.GetUtcNow();
        RuntimeBinary = [.. "Vouch interop runtime data\0"u8, .. RandomNumberGenerator.GetBytes(32)];
        RuntimeJson = """{"jwk":{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},"nonce":42,"tags":["a","b"],"debug":false}""";
        var runtimeJsonBytes = Encoding.UTF8.GetBytes(RuntimeJson);

        using var intel = SimulatedIntel.OpenOrCreate(Path.Combine(data, "sim"), now);
        var platform = SimulatedPlatform.CreateInMemory();
        var binary = new DcapScenario { At = now, ReportData = [.. SHA256.HashData(RuntimeBinary), .. new byte[32]] }.Build(intel, platform);
        var json = new DcapScenario { At = now, ReportData = [.. SHA256.HashData(runtimeJsonBytes), .. new byte[32]] }.Build(intel, platform);
        binary.PublishCollateral(intel.PcsDirectory!);
        json.PublishCollateral(intel.PcsDirectory!);
        QuoteBinary = binary.Quote;
        OpenEnclaveReport = OpenEnclavePackaging.WrapLegacyReport(binary.Quote, OeReportType.SgxRemote);
        MrEnclave = Convert.ToHexStringLower(binary.Facts.MrEnclave);
        MrSigner = Convert.ToHexStringLower(binary.Facts.MrSigner);
        ProductId = binary.Facts.IsvProdId;
        Svn = binary.Facts.IsvSvn;
        Assert.Equal(binary.Facts.MrEnclave, json.Facts.MrEnclave);

        using var signerKey = RSA.Create(2048);
        using var signer = SelfSigned("CN=Vouch interop policy signer", signerKey, now);
        using var extraKey = RSA.Create(2048);
        using var extra = SelfSigned("CN=Vouch interop extra signer", extraKey, now);
        SignerCertificate = Convert.ToBase64String(signer.RawData);
        ExtraCertificate = Convert.ToBase64String(extra.RawData);
        ExtraThumbprint = extra.Thumbprint;

        var files = new Dictionary<string, (string Env, byte[] Content)>
        {
            ["quote-binary.bin"] = ("VOUCH_QUOTE_BINARY", binary.Quote),
            ["runtime.bin"] = ("VOUCH_RUNTIME_BINARY", RuntimeBinary),
            ["quote-json.bin"] = ("VOUCH_QUOTE_JSON", json.Quote),
            ["runtime.json"] = ("VOUCH_RUNTIME_JSON", runtimeJsonBytes),
            ["openenclave-report.bin"] = ("VOUCH_OE_REPORT", OpenEnclaveReport),
            ["signer.key"] = ("VOUCH_SIGNER_KEY", Encoding.ASCII.GetBytes(signerKey.ExportPkcs8PrivateKeyPem())),
            ["signer.crt"] = ("VOUCH_SIGNER_CERT", Encoding.ASCII.GetBytes(signer.ExportCertificatePem())),
            ["extra.crt"] = ("VOUCH_EXTRA_CERT", Encoding.ASCII.GetBytes(extra.ExportCertificatePem())),
        };
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, (variable, content)) in files)
        {
            var path = Path.Combine(inputs, name);
            File.WriteAllBytes(path, content);
            env[variable] = path;
        }

        return env;
    }

    private static X509Certificate2 SelfSigned(string subject, RSA key, DateTimeOffset now)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    private static async Task CreateIsolatedProviderAsync(ServeProcess server, string token, string signerPem)
    {
        using var admin = server.CreateClient(token);
        var body = new JsonObject
        {
            ["trustMode"] = "Isolated",
            ["signingAlgorithm"] = "ES256",
            ["policySigners"] = new JsonArray(signerPem),
            ["trustSimulatedAuthority"] = true,
        };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await admin.PutAsync(new Uri("admin/providers/iso", UriKind.Relative), content, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"PUT /admin/providers/iso answered {(int)response.StatusCode}: {text}");
    }

    private async Task RunScriptAsync(string interop, Dictionary<string, string> env)
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = interop,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(interop, "maa-client.mjs"));
        foreach (var (name, value) in env)
        {
            info.Environment[name] = value;
        }

        using var node = new Process { StartInfo = info };
        try
        {
            node.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("could not start 'node' (is Node.js installed and on PATH?): " + e.Message, e);
        }

        var stdout = node.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = node.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(ScriptTimeout);
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"maa-client.mjs did not finish within {ScriptTimeout.TotalSeconds} s; killed. stdout so far:\n{await stdout}\nstderr:\n{await stderr}");
        }

        _stdout = await stdout;
        _stderr = await stderr;
        ExitCode = node.ExitCode;
        foreach (var line in _stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Anything that is not a scenario line stays in the diagnostics only.
            if (line.StartsWith('{') && JsonNode.Parse(line) is JsonObject scenario && scenario["name"]?.GetValue<string>() is { } name)
            {
                _scenarios[name] = scenario;
                ScenarioOrder.Add(name);
            }
        }
    }
}
