using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vouch.Server.Hosting;

namespace Vouch.Server.Tests.Support;

/// <summary>
/// A real Vouch server in-process on 127.0.0.1 over HTTPS with the certificate it generated, on a fresh data
/// directory (or a given one, to test restarts), optionally on an injected clock.
/// </summary>
public sealed class VouchTestServer : IAsyncDisposable
{
    private readonly bool _ownsDirectory;

    private VouchTestServer(WebApplication app, string dataDirectory, string baseUrl, bool ownsDirectory)
    {
        App = app;
        DataDirectory = dataDirectory;
        BaseUrl = baseUrl;
        _ownsDirectory = ownsDirectory;
        Certificate = X509CertificateLoader.LoadCertificate(X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dataDirectory, SecretFiles.TlsCertificateFileName))).RawData);
        Client = CreateClient();
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    /// <summary>The default provider's URL (= its issuer).</summary>
    public string BaseUrl { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>An anonymous client trusting exactly the server's generated certificate.</summary>
    public HttpClient Client { get; }

    public string AdminToken => File.ReadAllText(Path.Combine(DataDirectory, SecretFiles.AdminTokenFileName)).Trim();

    public string SimulatedAuthorityDirectory => Path.Combine(DataDirectory, "sim");

    public static async Task<VouchTestServer> StartAsync(
        TimeProvider? time = null,
        IDictionary<string, string?>? settings = null,
        string? dataDirectory = null,
        ILoggerProvider? log = null,
        Action<WebApplication>? mapExtra = null)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "vouch-server-" + Guid.NewGuid().ToString("N"));
        var port = FreePort();
        var baseUrl = $"https://127.0.0.1:{port}";
        var all = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["urls"] = baseUrl,
            ["Vouch:DataDirectory"] = dataDirectory,
            ["Vouch:CreateMissingSecrets"] = "true",
            ["Vouch:SimulatedAuthority"] = Path.Combine(dataDirectory, "sim"),
            // Scan the offline collateral folders on every request, so collateral a test publishes is served by its next
            // request: tests wait on that event, never on the clock.
            ["Vouch:CollateralRescanInterval"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var app = VouchHosting.CreateApplication([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(all);
            builder.Logging.ClearProviders();
            if (log is not null)
            {
                builder.Logging.AddProvider(log);
                builder.Logging.SetMinimumLevel(LogLevel.Trace);
            }

            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }
        });
        mapExtra?.Invoke(app);
        await app.InitializeVouchAsync(TextWriter.Null);
        await app.StartAsync();
        return new VouchTestServer(app, dataDirectory, baseUrl, owns);
    }

    public HttpClient CreateClient(string? bearer = null)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(Certificate);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(BaseUrl + "/") };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    public HttpClient CreateAdminClient() => CreateClient(AdminToken);

    /// <summary>POSTs JSON and returns the status and the parsed body.</summary>
    public static async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(client.BaseAddress + path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>The Vouch code of an error body (<c>error.innererror.code</c>).</summary>
    public static string? VouchCode(JsonNode? body) => body?["error"]?["innererror"]?["code"]?.GetValue<string>();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Client.Dispose();
        Certificate.Dispose();
        if (_ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
