using System.Net;
using Vouch.Server.Tests.Support;

namespace Vouch.Server.Tests;

/// <summary>
/// The default provider as <c>Vouch:DefaultProvider</c> configures it (docs/server.md's production example): isolated,
/// trusting the signer certificates named by file.
/// </summary>
public sealed class ConfiguredDefaultProviderTests : IDisposable
{
    private const string V = "?api-version=2020-10-01";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vouch-configured-default");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task An_isolated_default_provider_starts_from_a_certificate_only_PEM_and_trusts_exactly_that_signer()
    {
        // Issue 12 item 4: a signer file holds a certificate and no private key (it never belongs on the server);
        // reading it with CreateFromPemFile made the documented isolated configuration crash at start.
        using var signer = TestSigner.Create("configured signer");
        using var stranger = TestSigner.Create("not configured");
        var pem = Path.Combine(_dir.FullName, "signer.pem");
        await File.WriteAllTextAsync(pem, signer.Pem, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("PRIVATE KEY", await File.ReadAllTextAsync(pem, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        await using var server = await VouchTestServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Vouch:DefaultProvider:TrustMode"] = "Isolated",
            ["Vouch:DefaultProvider:PolicySignerCertificates:0"] = pem,
        });
        using var admin = server.CreateAdminClient();

        var (described, provider) = await VouchTestServer.SendAsync(admin, HttpMethod.Get, "admin/providers/default");
        Assert.Equal(HttpStatusCode.OK, described);
        Assert.Equal("Isolated", provider!["trustMode"]!.GetValue<string>());

        const string Policy = "version=1.0;authorizationrules{=> permit();};issuancerules{};";
        var (refused, refusal) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "policies/SgxEnclave" + V, stranger.SignPolicy(Policy), "text/plain");
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Equal("ATT7405", VouchTestServer.VouchCode(refusal));
        var (accepted, _) = await VouchTestServer.SendAsync(admin, HttpMethod.Put, "policies/SgxEnclave" + V, signer.SignPolicy(Policy), "text/plain");
        Assert.Equal(HttpStatusCode.OK, accepted);
    }
}
