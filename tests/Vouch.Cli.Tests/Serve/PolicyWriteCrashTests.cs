using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Vouch.Policy;

namespace Vouch.Cli.Tests.Serve;

/// <summary>
/// Crash safety of policy writes on a real <c>vouch serve</c> process: sequential PUTs, SIGKILL mid-stream, restart
/// on the same data directory. An acknowledged write must survive (the store commits with synchronous=FULL before
/// it answers) and the database must stay intact.
/// </summary>
public sealed class PolicyWriteCrashTests : IDisposable
{
    private const string PolicyRoute = "policies/SgxEnclave?api-version=2020-10-01";
    private const int Writes = 100;
    private const int Rounds = 3;
    private const int SigKillExitCode = 128 + 9;

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vouch-crash-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Delete(recursive: true);
    }

    [Fact]
    public async Task Acknowledged_policy_writes_survive_sigkill_and_the_database_stays_intact()
    {
        var ct = TestContext.Current.CancellationToken;
        var data = _temp.CreateSubdirectory("data").FullName;
        var database = Path.Combine(data, "vouch.db");
        var log = new StringBuilder();

        var server = await ServeProcess.StartAsync(data, ct);
        try
        {
            for (var round = 1; round <= Rounds; round++)
            {
                var killAfter = Random.Shared.Next(20, 81);
                var writer = new PolicyWriter(server.CreateClient(server.AdminToken), round, killAfter);
                var writing = writer.RunAsync(ct);

                // Kill as soon as the killAfter-th write is acknowledged: the writer has already sent the next one.
                await writer.Acknowledged.Task.WaitAsync(TimeSpan.FromMinutes(2), ct);
                var exit = server.Kill();
                await writing;
                writer.Dispose();
                var output = server.Output;
                await server.DisposeAsync();
                if (OperatingSystem.IsLinux())
                {
                    // Process.Kill sends SIGKILL on Unix: the exit status is 128 + 9.
                    Assert.True(exit == SigKillExitCode, $"round {round}: exit code {exit}, not SIGKILL's {SigKillExitCode}\n{output}");
                }

                log.AppendLine(CultureInfo.InvariantCulture, $"round {round}: SIGKILL sent once {killAfter} writes were acknowledged; last acknowledged #{writer.LastAcknowledged}, last attempted #{writer.LastAttempted} (0-based)");
                Assert.True(writer.LastAcknowledged >= killAfter - 1, $"round {round}: the writer stopped before the kill\n{log}\n{writer.Failure}");
                Assert.True(writer.LastAcknowledged < Writes - 1, $"round {round}: every write was acknowledged before the kill\n{log}");

                server = await ServeProcess.StartAsync(data, ct);
                var text = await GetPolicyTextAsync(server, ct);
                var found = writer.IndexOf(text);
                log.AppendLine(CultureInfo.InvariantCulture, $"round {round}: after restart the policy is write #{found}");
                Assert.True(found >= 0, $"round {round}: the stored policy is none of this round's writes: {text}\n{log}");
                Assert.True(found >= writer.LastAcknowledged, $"round {round}: acknowledged write #{writer.LastAcknowledged} was lost (stored #{found})\n{log}");
                Assert.True(found <= writer.LastAttempted, $"round {round}: stored #{found} was never sent\n{log}");
                Assert.Equal("ok", IntegrityCheck(database));
            }
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.Equal("ok", IntegrityCheck(database));
        TestContext.Current.SendDiagnosticMessage(log.ToString());
    }

    private static async Task<string> GetPolicyTextAsync(ServeProcess server, CancellationToken ct)
    {
        using var admin = server.CreateClient(server.AdminToken);
        using var response = await admin.GetAsync(new Uri(PolicyRoute, UriKind.Relative), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET policy answered {(int)response.StatusCode}: {body}\n{server.Output}");
        var token = JsonNode.Parse(body)!["token"]!.GetValue<string>();
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!;
        var stored = payload["x-ms-policy"]!.GetValue<string>();
        Assert.True(PolicyJws.TryReadPolicyText(stored, out var text), stored);
        return text;
    }

    private static string IntegrityCheck(string database)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "(null)";
    }

    /// <summary>Sends <see cref="Writes"/> distinct unsigned policies one after the other until one fails.</summary>
    private sealed class PolicyWriter(HttpClient client, int round, int signalAfter) : IDisposable
    {
        private int _lastAcknowledged = -1;
        private int _lastAttempted = -1;

        public TaskCompletionSource Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int LastAcknowledged => Volatile.Read(ref _lastAcknowledged);

        public int LastAttempted => Volatile.Read(ref _lastAttempted);

        public string? Failure { get; private set; }

        public string Text(int index) =>
            string.Create(CultureInfo.InvariantCulture, $"version=1.0; authorizationrules{{=> permit();}}; issuancerules{{=> issue(type=\"n\", value={(round * 1000) + index});}};");

        public int IndexOf(string text) => Enumerable.Range(0, Writes).FirstOrDefault(i => Text(i) == text, -1);

        public async Task RunAsync(CancellationToken ct)
        {
            try
            {
                for (var i = 0; i < Writes; i++)
                {
                    Volatile.Write(ref _lastAttempted, i);
                    using var content = new StringContent(PolicyJws.CreateUnsigned(Text(i)), Encoding.ASCII, "text/plain");
                    using var response = await client.PutAsync(new Uri(PolicyRoute, UriKind.Relative), content, ct);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Failure = $"write #{i} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}";
                        break;
                    }

                    Volatile.Write(ref _lastAcknowledged, i);
                    if (i + 1 == signalAfter)
                    {
                        Acknowledged.TrySetResult();
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // The server died under the request in flight.
                Failure = e.Message;
            }
            finally
            {
                // Never leave the test waiting: a writer that stopped early is reported by the test's assertions.
                Acknowledged.TrySetResult();
            }
        }

        public void Dispose() => client.Dispose();
    }
}
