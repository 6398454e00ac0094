using System.Buffers.Text;
using System.CommandLine;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Vouch.Attestation.Collateral;
using Vouch.Server.Hosting;

namespace Vouch.Cli.Commands;

/// <summary>
/// Commands that talk to a running service over HTTPS: <c>vouch attest</c> (post a quote, then validate the token
/// against the provider's own OpenID metadata and keys) and <c>vouch provider create|list|rotate-key|set-collateral-policy</c>.
/// </summary>
internal static class ClientCommands
{
    private const string ApiVersion = "2020-10-01";

    private static readonly string[] SummaryClaims =
    [
        "x-ms-sgx-mrenclave", "x-ms-sgx-mrsigner", "x-ms-sgx-product-id", "x-ms-sgx-svn", "x-ms-sgx-is-debuggable",
        "x-vouch-tcb-status", "x-vouch-advisory-ids", "x-vouch-tcb-date", "x-vouch-trust-anchor", "x-vouch-trust-anchor-key-id", "x-ms-policy-hash",
    ];

    internal static Option<string> UrlOption(string description) => new("--url") { Description = description, Required = true };

    internal static Option<string> TokenOption() => new("--token") { Description = "Administrator bearer token (default: DATA/admin-token)." };

    internal static Option<string> CaOption() => new("--ca-cert") { Description = "PEM certificate to trust for the server's TLS (default: DATA/tls/server.crt when it exists)." };

    internal static Option<string> DataOption() => new("--data") { Description = "Data directory to read admin-token and tls/server.crt from (default ./.vouch)." };

    public static Command CreateAttest()
    {
        var url = UrlOption("The provider's base URL, e.g. https://127.0.0.1:5443 or https://127.0.0.1:5443/providers/NAME.");
        var quote = new Option<string>("--quote") { Description = "The SGX quote file.", Required = true };
        var runtimeData = new Option<string>("--runtime-data") { Description = "Runtime data file; SHA-256 of its bytes must be the first half of the quote's report data." };
        var runtimeJson = new Option<bool>("--runtime-json") { Description = "Send the runtime data as JSON (x-ms-runtime) instead of binary (x-ms-sgx-ehd)." };
        var json = new Option<bool>("--json") { Description = "Print the validated token's header and claims as JSON." };
        var ca = CaOption();
        var data = DataOption();
        var attest = new Command("attest", "Post a quote to a Vouch (or MAA) provider and print the token's claims after validating it against the provider's OpenID metadata and /certs. Exit 0 attested, 1 refused, 2 usage or connection errors.")
        {
            url, quote, runtimeData, runtimeJson, json, ca, data,
        };
        attest.SetAction(async (parse, cancellation) =>
        {
            var output = parse.InvocationConfiguration.Output;
            try
            {
                var baseUrl = parse.GetRequiredValue(url).TrimEnd('/');
                var body = new JsonObject { ["quote"] = Base64Url.EncodeToString(CliInput.ReadFile(parse.GetRequiredValue(quote), "quote")) };
                if (parse.GetValue(runtimeData) is { } runtimeFile)
                {
                    body["runtimeData"] = new JsonObject
                    {
                        ["data"] = Base64Url.EncodeToString(CliInput.ReadFile(runtimeFile, "runtime data")),
                        ["dataType"] = parse.GetValue(runtimeJson) ? "JSON" : "Binary",
                    };
                }

                using var http = CreateClient(parse.GetValue(ca), parse.GetValue(data));
                using var response = await http.PostAsync(
                    new Uri(baseUrl + "/attest/SgxEnclave?api-version=" + ApiVersion),
                    new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
                    cancellation).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    output.WriteLine($"refused: HTTP {(int)response.StatusCode} {DescribeError(text)}");
                    return 1;
                }

                var token = JsonNode.Parse(text)?["token"]?.GetValue<string>() ?? throw new CliInputException("the response has no token");
                var validated = await ValidateAsync(http, baseUrl, token, cancellation).ConfigureAwait(false);
                if (!validated.IsValid)
                {
                    output.WriteLine($"the token does not validate: {validated.Exception?.Message}");
                    return 1;
                }

                var jwt = (JsonWebToken)validated.SecurityToken;
                var claims = JsonNode.Parse(Base64Url.DecodeFromChars(jwt.EncodedPayload))!.AsObject();
                if (parse.GetValue(json))
                {
                    var header = JsonNode.Parse(Base64Url.DecodeFromChars(jwt.EncodedHeader));
                    output.WriteLine(new JsonObject { ["header"] = header, ["claims"] = claims }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                }
                else
                {
                    output.WriteLine($"attested: token signed by {jwt.Kid} ({jwt.Alg}), issuer {jwt.Issuer}, valid until {jwt.ValidTo:O}");
                    foreach (var name in SummaryClaims)
                    {
                        if (claims[name] is { } value)
                        {
                            output.WriteLine($"  {name,-30} {value.ToJsonString()}");
                        }
                    }
                }

                return 0;
            }
            catch (Exception e) when (e is CliInputException or HttpRequestException or JsonException or IOException or InvalidOperationException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"vouch attest: {e.Message}");
                return VouchCommand.UsageError;
            }
        });
        return attest;
    }

    public static Command CreateProvider()
    {
        var url = UrlOption("The server's base URL, e.g. https://127.0.0.1:5443.");
        var token = TokenOption();
        var ca = CaOption();
        var data = DataOption();

        var name = new Argument<string>("name") { Description = "Provider name: 1–48 characters of a–z, 0–9 and '-', starting with a letter." };
        var mode = new Option<string>("--mode") { Description = "aad (default: an administrator may set unsigned policies) or isolated (every change signed by a trusted signer)." };
        var signers = new Option<string[]>("--signer") { Description = "PEM file of a trusted policy signer certificate (repeatable; isolated mode needs one)." };
        var algorithm = new Option<string>("--algorithm") { Description = "Token signing algorithm: RS256 (default) or ES256." };
        var trustSimulated = new Option<bool>("--trust-simulated") { Description = "Also trust the server's simulated authority (development servers only)." };
        var allowExpired = new Option<bool>("--allow-expired-collateral") { Description = "Accept expired collateral as Intel's QvE does, flagged in x-vouch-collateral-expired." };
        var policyOptions = new CollateralPolicyOptions();
        var create = new Command("create", "Create an attestation provider, served at /providers/NAME/.") { name, mode, signers, algorithm, trustSimulated, allowExpired, url, token, ca, data };
        policyOptions.AddTo(create);
        create.SetAction((parse, cancellation) => RunAdminAsync(parse, "provider create", parse.GetRequiredValue(url), parse.GetValue(token), parse.GetValue(ca), parse.GetValue(data), async http =>
        {
            var collateral = policyOptions.Read(parse);
            var body = new JsonObject
            {
                ["trustMode"] = (parse.GetValue(mode) ?? "aad").ToLowerInvariant() switch
                {
                    "aad" or "aadlike" => "AadLike",
                    "isolated" => "Isolated",
                    var other => throw new CliInputException($"--mode is aad or isolated, not '{other}'"),
                },
                ["signingAlgorithm"] = parse.GetValue(algorithm) ?? "RS256",
                ["trustSimulatedAuthority"] = parse.GetValue(trustSimulated),
                ["allowExpiredCollateral"] = parse.GetValue(allowExpired),
                ["policySigners"] = new JsonArray([.. (parse.GetValue(signers) ?? []).Select(f => (JsonNode)Encoding.ASCII.GetString(CliInput.ReadFile(f, "signer certificate")))]),
            };
            if (collateral is not null)
            {
                body["collateral"] = collateral.ToJson();
            }

            return await http.PutAsync(new Uri("admin/providers/" + Uri.EscapeDataString(parse.GetRequiredValue(name)), UriKind.Relative), new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), cancellation).ConfigureAwait(false);
        }));

        var list = new Command("list", "List the providers.") { url, token, ca, data };
        list.SetAction((parse, cancellation) => RunAdminAsync(parse, "provider list", parse.GetRequiredValue(url), parse.GetValue(token), parse.GetValue(ca), parse.GetValue(data), http =>
            http.GetAsync(new Uri("admin/providers", UriKind.Relative), cancellation)));

        var rotateName = new Argument<string>("name") { Description = "Provider name ('default' for the provider at /)." };
        var rotate = new Command("rotate-key", "Publish a new signing key now; it signs after the propagation time (1 day), and the old key stays listed until its tokens expire.") { rotateName, url, token, ca, data };
        rotate.SetAction((parse, cancellation) => RunAdminAsync(parse, "provider rotate-key", parse.GetRequiredValue(url), parse.GetValue(token), parse.GetValue(ca), parse.GetValue(data), http =>
            http.PostAsync(new Uri("admin/providers/" + Uri.EscapeDataString(parse.GetRequiredValue(rotateName)) + ":rotate-key", UriKind.Relative), null, cancellation)));

        var policyName = new Argument<string>("name") { Description = "Provider name ('default' for the provider at /)." };
        var setPolicyOptions = new CollateralPolicyOptions();
        var signedPolicy = new Option<string>("--jws")
        {
            Description = "File holding a JWS, signed by a trusted policy signer, whose payload is the collateral policy as JSON: what an isolated provider takes (the options alone are refused there, ATT7417). No policy option with it.",
        };
        var setPolicy = new Command("set-collateral-policy", "Replace a provider's collateral freshness rules: the whole policy is sent, and an option not given takes its default (standard update, nothing pinned, no minimum, no maximum age, no grace).")
        {
            policyName, url, token, ca, data, signedPolicy,
        };
        setPolicyOptions.AddTo(setPolicy);
        setPolicy.SetAction((parse, cancellation) => RunAdminAsync(parse, "provider set-collateral-policy", parse.GetRequiredValue(url), parse.GetValue(token), parse.GetValue(ca), parse.GetValue(data), async http =>
        {
            var options = setPolicyOptions.Read(parse);
            var jwsFile = parse.GetValue(signedPolicy);
            if (jwsFile is not null && options is not null)
            {
                throw new CliInputException("--jws carries the whole policy; give no collateral policy option with it");
            }

            var content = jwsFile is not null
                ? new StringContent((await File.ReadAllTextAsync(jwsFile, cancellation).ConfigureAwait(false)).Trim(), Encoding.ASCII, "text/plain")
                : new StringContent((options ?? CollateralPolicy.Default).ToJson().ToJsonString(), Encoding.UTF8, "application/json");
            var path = "admin/providers/" + Uri.EscapeDataString(parse.GetRequiredValue(policyName)) + "/collateral-policy";
            return await http.PutAsync(new Uri(path, UriKind.Relative), content, cancellation).ConfigureAwait(false);
        }));

        return new Command("provider", "Manage the attestation providers of a running server.") { create, list, rotate, setPolicy };
    }

    /// <summary>
    /// Sends one administrator request and prints the answer: indented JSON, or what <paramref name="print"/> makes of
    /// it (its result is the exit code). Exit 1 when the server refuses, 2 for unusable input (raised as
    /// <see cref="CliInputException"/> by <paramref name="send"/> before it sends anything) or a connection failure.
    /// </summary>
    internal static async Task<int> RunAdminAsync(ParseResult parse, string command, string url, string? token, string? ca, string? data, Func<HttpClient, Task<HttpResponseMessage>> send, Func<JsonNode?, TextWriter, int>? print = null)
    {
        var output = parse.InvocationConfiguration.Output;
        try
        {
            token ??= ReadAdminToken(data);
            using var http = CreateClient(ca, data);
            http.BaseAddress = new Uri(url.TrimEnd('/') + "/");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await send(http).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                output.WriteLine($"refused: HTTP {(int)response.StatusCode} {DescribeError(text)}");
                return 1;
            }

            if (print is not null)
            {
                return print(JsonNode.Parse(text), output);
            }

            output.WriteLine(JsonNode.Parse(text)?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        catch (Exception e) when (e is CliInputException or HttpRequestException or JsonException or IOException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"vouch {command}: {e.Message}");
            return VouchCommand.UsageError;
        }
    }

    private static string ReadAdminToken(string? data)
    {
        var file = Path.Combine(data ?? ServerCommands.DefaultDataDirectory, SecretFiles.AdminTokenFileName);
        return File.Exists(file)
            ? File.ReadAllText(file).Trim()
            : throw new CliInputException($"no --token and no {file}; issue one with 'vouch admin token'");
    }

    // TLS trust: the system store, plus (for a development server's self-signed certificate) exactly one named
    // certificate as a custom root. Never "accept any certificate".
    private static HttpClient CreateClient(string? caFile, string? data)
    {
        caFile ??= Path.Combine(data ?? ServerCommands.DefaultDataDirectory, SecretFiles.TlsCertificateFileName) is var generated && File.Exists(generated) ? generated : null;
        var handler = new HttpClientHandler();
        if (caFile is not null)
        {
            var ca = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(CliInput.ReadFile(caFile, "CA certificate")));
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == System.Net.Security.SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            };
        }

        return new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(60) };
    }

    // The token is checked the way a relying party would: issuer from the provider's OpenID metadata, keys from its jwks_uri.
    private static async Task<TokenValidationResult> ValidateAsync(HttpClient http, string baseUrl, string token, CancellationToken cancellation)
    {
        var metadata = JsonNode.Parse(await http.GetStringAsync(new Uri(baseUrl + "/.well-known/openid-configuration"), cancellation).ConfigureAwait(false))!;
        var issuer = metadata["issuer"]!.GetValue<string>();
        var jwks = new JsonWebKeySet(await http.GetStringAsync(new Uri(metadata["jwks_uri"]!.GetValue<string>()), cancellation).ConfigureAwait(false));
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidateAudience = false,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ClockSkew = TimeSpan.FromMinutes(1),
        }).ConfigureAwait(false);
    }

    private static string DescribeError(string body)
    {
        try
        {
            var error = JsonNode.Parse(body)?["error"];
            return $"{error?["innererror"]?["code"]?.GetValue<string>() ?? error?["code"]?.GetValue<string>()}: {error?["message"]?.GetValue<string>()}";
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}
