using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vouch.Server.Hosting;

namespace Vouch.Cli.Tests.Support;

/// <summary>A real Vouch server hosted in-process on 127.0.0.1 with the development defaults, as <c>vouch serve</c> hosts it.</summary>
internal static class InProcessServer
{
    /// <summary>A free loopback port (the listener is closed again, so the server can bind it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Builds, initialises and starts a server listening on <paramref name="url"/> with its data in <paramref name="dataDirectory"/>
    /// (missing secrets created), plus <paramref name="settings"/>, and <paramref name="time"/> as its clock when given.
    /// </summary>
    public static async Task<WebApplication> StartAsync(string url, string dataDirectory, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var app = VouchHosting.CreateApplication([], builder =>
        {
            builder.Logging.ClearProviders();
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }

            var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
            {
                ["urls"] = url,
                ["Vouch:DataDirectory"] = dataDirectory,
                ["Vouch:CreateMissingSecrets"] = "true",
            };
            builder.Configuration.AddInMemoryCollection(all);
        });
        await app.InitializeVouchAsync(TextWriter.Null, TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }
}
