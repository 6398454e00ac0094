using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vouch.Server.Hosting;
using Vouch.Server.Storage;
using Vouch.Server.Storage.Sqlite;

namespace Vouch.Cli.Commands;

/// <summary><c>vouch serve</c> and <c>vouch admin token</c>: running the service and issuing its local administrator token.</summary>
internal static class ServerCommands
{
    /// <summary>The embedded default listening addresses.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080;https://127.0.0.1:5443";

    /// <summary>The embedded default data directory.</summary>
    public const string DefaultDataDirectory = ".vouch";

    public static Command CreateServe()
    {
        var data = new Option<string>("--data") { Description = "Data directory (default ./.vouch; with --config, the file's Vouch:DataDirectory)." };
        var urls = new Option<string>("--urls") { Description = "Listening addresses separated by ';' (default " + DefaultUrls + ")." };
        var config = new Option<string>("--config") { Description = "A JSON configuration file (section Vouch): production settings, no simulated trust unless configured." };
        var serve = new Command("serve", "Run the attestation service. Without --config: data in ./.vouch, HTTP on 127.0.0.1:5080 and HTTPS on 127.0.0.1:5443 with a generated certificate, Intel's root plus a simulated authority in ./.vouch/sim trusted, an administrator token printed once.")
        {
            data, urls, config,
        };
        serve.SetAction(async (parse, cancellation) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var configFile = parse.GetValue(config);
            if (configFile is not null && !File.Exists(configFile))
            {
                parse.InvocationConfiguration.Error.WriteLine($"vouch serve: configuration file '{configFile}' does not exist");
                return VouchCommand.UsageError;
            }

            var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (configFile is null)
            {
                var dataDirectory = parse.GetValue(data) ?? DefaultDataDirectory;
                settings["Vouch:DataDirectory"] = dataDirectory;
                settings["Vouch:CreateMissingSecrets"] = "true";
                settings["Vouch:SimulatedAuthority"] = Path.Combine(dataDirectory, "sim");
                settings["urls"] = parse.GetValue(urls) ?? DefaultUrls;
            }
            else
            {
                if (parse.GetValue(data) is { } dataDirectory)
                {
                    settings["Vouch:DataDirectory"] = dataDirectory;
                }

                if (parse.GetValue(urls) is { } listen)
                {
                    settings["urls"] = listen;
                }
            }

            try
            {
                await using var app = VouchHosting.CreateApplication([], builder =>
                {
                    if (configFile is not null)
                    {
                        builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
                    }

                    builder.Configuration.AddInMemoryCollection(settings);
                });
                await app.InitializeVouchAsync(stdout, cancellation).ConfigureAwait(false);
                await app.StartAsync(cancellation).ConfigureAwait(false);
                var identity = app.Services.GetRequiredService<ServerIdentity>();
                stdout.WriteLine($"Vouch is serving on {string.Join(", ", app.Urls)}; issuer {identity.PublicUrl}");
                if (identity.TlsCertificateFile is { } certificate && File.Exists(certificate))
                {
                    stdout.WriteLine($"TLS certificate: {certificate}");
                }

                await app.WaitForShutdownAsync(cancellation).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or StoreUnavailableException or UnauthorizedAccessException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"vouch serve: {e.Message}");
                return VouchCommand.UsageError;
            }
        });
        return serve;
    }

    public static Command CreateAdmin()
    {
        var data = new Option<string>("--data") { Description = "Data directory of the server (default ./.vouch)." };
        var token = new Command("token", "Issue a new local administrator token (the old one stops working). It is printed once and written to DATA/admin-token (mode 0600); the database keeps only its SHA-256.") { data };
        token.SetAction(async (parse, cancellation) =>
        {
            var directory = parse.GetValue(data) ?? DefaultDataDirectory;
            try
            {
                SecretFiles.CreatePrivateDirectory(directory);
                var store = new SqliteVouchStore(Path.Combine(directory, VouchHosting.DatabaseFileName));
                await store.InitializeAsync(cancellation).ConfigureAwait(false);
                var value = SecretFiles.NewAdminToken();
                var file = Path.Combine(directory, SecretFiles.AdminTokenFileName);
                SecretFiles.WritePrivateFile(file, value + "\n");
                await store.SetAdminTokenAsync(new AdminTokenRecord([.. SecretFiles.HashAdminToken(value)], TimeProvider.System.GetUtcNow()), cancellation).ConfigureAwait(false);
                parse.InvocationConfiguration.Output.WriteLine($"Administrator token (shown once; also in {Path.GetFullPath(file)}): {value}");
                return 0;
            }
            catch (Exception e) when (e is IOException or StoreUnavailableException or UnauthorizedAccessException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"vouch admin token: {e.Message}");
                return VouchCommand.UsageError;
            }
        });
        return new Command("admin", "Local administration of a server's data directory.") { token };
    }
}
