using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Vouch.Cli.Tests.Serve;

/// <summary>
/// <c>dotnet vouch.dll serve --data DIR --urls https://127.0.0.1:PORT</c> as a real child process, on the embedded
/// development defaults (SQLite in DIR, a generated TLS certificate, an admin token in DIR/admin-token, the simulated
/// authority in DIR/sim). Started and awaited through <c>GET /health/ready</c>; killed (SIGKILL, whole tree) on
/// dispose. The process's output is kept for failure messages.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    /// <summary>How long a start may take before the test fails with the server's output.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private byte[]? _pinnedCertificate;
    private bool _disposed;

    private ServeProcess(Process process, string dataDirectory, string baseUrl)
    {
        _process = process;
        DataDirectory = dataDirectory;
        BaseUrl = baseUrl;
    }

    /// <summary>The data directory the server runs on.</summary>
    public string DataDirectory { get; }

    /// <summary>The default provider's base URL (= its issuer).</summary>
    public string BaseUrl { get; }

    /// <summary>The server's generated TLS certificate (public PEM).</summary>
    public string TlsCertificateFile => Path.Combine(DataDirectory, "tls", "server.crt");

    /// <summary>The administrator token the server wrote on its first start.</summary>
    public string AdminToken => File.ReadAllText(Path.Combine(DataDirectory, "admin-token")).Trim();

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The CLI next to the test assembly (the test project references Vouch.Cli).</summary>
    public static string VouchDll => Path.Combine(AppContext.BaseDirectory, "vouch.dll");

    /// <summary>The <c>dotnet</c> host: the one running <c>dotnet test</c> when it says so, else the one on PATH.</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Starts the server on a free loopback port and waits until <c>/health/ready</c> answers 200.</summary>
    /// <exception cref="Xunit.Sdk.XunitException">The process exits or is not ready in time (the message carries its output).</exception>
    public static async Task<ServeProcess> StartAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        Assert.True(File.Exists(VouchDll), $"{VouchDll} is missing: build the solution first (test.sh does)");
        var baseUrl = $"https://127.0.0.1:{FreePort()}";
        var info = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { VouchDll, "serve", "--data", dataDirectory, "--urls", baseUrl })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = new Process { StartInfo = info };
        var server = new ServeProcess(process, dataDirectory, baseUrl);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP client for <see cref="BaseUrl"/> that trusts exactly the server's generated certificate.</summary>
    public HttpClient CreateClient(string? bearer = null)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                var pinned = _pinnedCertificate ??= ReadCertificate();
                return certificate is not null && pinned is not null && certificate.RawData.AsSpan().SequenceEqual(pinned);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(BaseUrl + "/"), Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    /// <summary>
    /// Kills the process and its children with SIGKILL (what <see cref="Process.Kill(bool)"/> sends on Unix) and waits
    /// for it to be gone. Returns its exit code: 137 (128 + SIGKILL) on Unix for a killed process.
    /// </summary>
    public int Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills the process if it still runs (SIGKILL, whole tree) and releases it; safe to call twice.</summary>
    public ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return ValueTask.CompletedTask;
        }

        _disposed = true;
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var client = CreateClient();
        client.Timeout = TimeSpan.FromSeconds(5);
        var deadline = Stopwatch.StartNew();
        string last = "no answer yet";
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"vouch serve exited with {_process.ExitCode} before it was ready. Output:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("health/ready", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = "HTTP " + (int)response.StatusCode;
            }
            catch (HttpRequestException e)
            {
                // Not listening yet, or the certificate is not written yet.
                last = e.Message;
                _pinnedCertificate = null;
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }

            // Polling interval of the readiness probe.
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        Assert.Fail($"vouch serve was not ready within {ReadyTimeout.TotalSeconds} s (last probe: {last}). Output:\n{Output}");
    }

    private byte[]? ReadCertificate()
    {
        if (!File.Exists(TlsCertificateFile))
        {
            return null;
        }

        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(TlsCertificateFile));
        return certificate.RawData;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
