using System.Buffers.Text;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Vouch.Policy;
using Vouch.Server.Hosting;
using Vouch.Server.Tests.Support;
using Vouch.Tests.Shared;

namespace Vouch.Server.Tests;

/// <summary>Signing keys, secrets at rest, and what survives a restart.</summary>
public sealed class KeysAndRestartTests
{
    private const string V = "?api-version=2020-10-01";
    private static readonly string SignalCase = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");
    private static readonly DateTimeOffset SignalTime = DateTimeOffset.FromUnixTimeSeconds(1785432688);

    [Fact]
    public async Task Rotation_publishes_the_new_key_first_and_it_signs_only_after_the_propagation_time()
    {
        var time = new FakeTimeProvider(SignalTime);
        await using var server = await VouchTestServer.StartAsync(time, new Dictionary<string, string?> { ["Vouch:CollateralDirectories:0"] = SignalCase });
        using var admin = server.CreateAdminClient();
        var oldKid = Tokens.Header(await AttestAsync(server)).AsObject()["kid"]!.GetValue<string>();

        var (status, rotated) = await VouchTestServer.SendAsync(admin, HttpMethod.Post, "admin/providers/default:rotate-key");
        Assert.Equal(HttpStatusCode.OK, status);
        var newKid = rotated!["kid"]!.GetValue<string>();
        var kids = await KidsAsync(server);
        Assert.Contains(oldKid, kids);
        Assert.Contains(newKid, kids);
        Assert.Equal(oldKid, Tokens.Header(await AttestAsync(server))["kid"]!.GetValue<string>());

        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(newKid, Tokens.Header(await AttestAsync(server))["kid"]!.GetValue<string>());
        Assert.Contains(oldKid, await KidsAsync(server));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Keys_policies_providers_and_the_admin_token_survive_a_restart_and_private_keys_are_never_stored_in_clear()
    {
        var data = Path.Combine(Path.GetTempPath(), "vouch-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            string kid, token;
            var jws = PolicyJws.CreateUnsigned("version=1.0; authorizationrules{=> permit();}; issuancerules{};");
            await using (var first = await VouchTestServer.StartAsync(dataDirectory: data))
            {
                token = first.AdminToken;
                using var admin = first.CreateAdminClient();
                Assert.Equal(HttpStatusCode.OK, (await VouchTestServer.SendAsync(admin, HttpMethod.Put, "policies/OpenEnclave" + V, jws, "text/plain")).Status);
                Assert.Equal(HttpStatusCode.Created, (await VouchTestServer.SendAsync(admin, HttpMethod.Put, "admin/providers/second", "{\"signingAlgorithm\":\"ES256\"}")).Status);
                kid = (await KidsAsync(first)).Single();
            }

            await using var second = await VouchTestServer.StartAsync(dataDirectory: data);
            Assert.Equal(token, second.AdminToken);
            Assert.Equal([kid], await KidsAsync(second));
            using var client = second.CreateClient(token);
            var (_, body) = await VouchTestServer.SendAsync(client, HttpMethod.Get, "policies/OpenEnclave" + V);
            Assert.Equal(jws, Tokens.Payload(body!["token"]!.GetValue<string>())["x-ms-policy"]!.GetValue<string>());
            var certs = JsonNode.Parse(await second.Client.GetStringAsync(new Uri("providers/second/certs", UriKind.Relative), TestContext.Current.CancellationToken))!;
            Assert.Equal("EC", certs["keys"]![0]!["kty"]!.GetValue<string>());

            // Secrets at rest: owner-only files, the token only as a hash, no PKCS#8 private key in the database.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, SecretFiles.AdminTokenFileName)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, SecretFiles.KeyEncryptionKeyFileName)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, SecretFiles.TlsPfxFileName)));
            SqliteConnection.ClearAllPools();
            var database = File.ReadAllBytes(Path.Combine(data, VouchHosting.DatabaseFileName));
            Assert.Equal(-1, database.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(token)));
            Assert.Equal(-1, database.AsSpan().IndexOf("PRIVATE KEY"u8));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_server_without_a_key_encryption_key_does_not_start()
    {
        var data = Path.Combine(Path.GetTempPath(), "vouch-nokek-" + Guid.NewGuid().ToString("N"));
        try
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => VouchTestServer.StartAsync(
                settings: new Dictionary<string, string?> { ["Vouch:CreateMissingSecrets"] = "false", ["Vouch:SimulatedAuthority"] = null, ["urls"] = "http://127.0.0.1:0" },
                dataDirectory: data));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_restart_with_another_key_encryption_key_refuses_to_start_instead_of_failing_every_request()
    {
        var data = Path.Combine(Path.GetTempPath(), "vouch-kek-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (await VouchTestServer.StartAsync(dataDirectory: data))
            {
            }

            var other = Convert.ToBase64String(Vouch.Attestation.Keys.AesGcmKeyProtector.GenerateKey());
            await Assert.ThrowsAsync<InvalidOperationException>(() => VouchTestServer.StartAsync(
                settings: new Dictionary<string, string?> { ["Vouch:KeyEncryptionKey"] = other },
                dataDirectory: data));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Production_configuration_trusts_only_Intel_issues_no_admin_token_and_takes_its_KEK_from_configuration()
    {
        var data = Path.Combine(Path.GetTempPath(), "vouch-prod-" + Guid.NewGuid().ToString("N"));
        var port = System.Net.Sockets.TcpListener.Create(0);
        port.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)port.LocalEndpoint).Port}";
        port.Stop();
        try
        {
            var app = VouchHosting.CreateApplication([], builder =>
            {
                builder.Logging.ClearProviders();
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["urls"] = url,
                    ["Vouch:DataDirectory"] = data,
                    ["Vouch:PublicUrl"] = "https://attest.example.test",
                    ["Vouch:KeyEncryptionKey"] = Convert.ToBase64String(Vouch.Attestation.Keys.AesGcmKeyProtector.GenerateKey()),
                });
            });
            await using (app)
            {
                await app.InitializeVouchAsync(TextWriter.Null, TestContext.Current.CancellationToken);
                await app.StartAsync(TestContext.Current.CancellationToken);
                using var client = new HttpClient { BaseAddress = new Uri(url + "/") };
                var metadata = JsonNode.Parse(await client.GetStringAsync(new Uri(".well-known/openid-configuration", UriKind.Relative), TestContext.Current.CancellationToken))!;
                Assert.Equal("https://attest.example.test", metadata["issuer"]!.GetValue<string>());
                Assert.False(File.Exists(Path.Combine(data, SecretFiles.AdminTokenFileName)));
                Assert.False(File.Exists(Path.Combine(data, SecretFiles.KeyEncryptionKeyFileName)));
                Assert.False(Directory.Exists(Path.Combine(data, "sim")));
                var provider = await app.Services.GetRequiredService<Vouch.Server.Providers.ProviderCatalog>().FindAsync(null, TestContext.Current.CancellationToken);
                Assert.Equal([Vouch.Sgx.Verification.TrustAnchor.IntelSgxRootCa], provider!.TrustAnchors);
                var (status, body) = await VouchTestServer.SendAsync(client, HttpMethod.Get, "policies/SgxEnclave" + V);
                Assert.Equal(HttpStatusCode.Unauthorized, status);
                Assert.Equal("ATT8011", VouchTestServer.VouchCode(body));
                await app.StopAsync(TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<string[]> KidsAsync(VouchTestServer server)
    {
        var certs = JsonNode.Parse(await server.Client.GetStringAsync(new Uri("certs", UriKind.Relative), TestContext.Current.CancellationToken))!;
        return [.. certs["keys"]!.AsArray().Select(k => k!["kid"]!.GetValue<string>())];
    }

    private static async Task<string> AttestAsync(VouchTestServer server)
    {
        var body = new JsonObject { ["quote"] = Base64Url.EncodeToString(File.ReadAllBytes(Path.Combine(SignalCase, "quote.bin"))) };
        var (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave" + V, body.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        return response!["token"]!.GetValue<string>();
    }
}
