using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vouch.Attestation.Collateral;
using Vouch.Server.Collateral;
using Vouch.Server.Tests.Support;
using Vouch.Sgx.Verification;
using Vouch.Tests.Shared;

namespace Vouch.Server.Tests.Collateral;

/// <summary>
/// Vouch as a PCCS: a client written from the PCS v4 / PCCS route shapes and header names (dcap-verification
/// §3.1, §3.6) gets the held artefacts byte for byte, with issuer chains that URL-decode to the held PEM.
/// </summary>
public sealed class PccsApiTests
{
    private const string SgxCase = "signal-cdsi-sgx-v3-2026";
    private const string TdxCase = "phala-tdx-v4-uptodate";

    [Fact]
    public async Task A_PCCS_client_gets_the_genuine_SGX_collateral_byte_for_byte_and_it_verifies_the_quote()
    {
        var folder = TestVectors.Path("dcap", SgxCase);
        await using var server = await StartAsync(folder);
        var pccs = new PccsClient(server.CreateClient());
        var fmspc = Fmspc(folder);

        var tcb = await pccs.GetAsync($"/sgx/certification/v4/tcb?fmspc={fmspc.ToLowerInvariant()}", "TCB-Info-Issuer-Chain");
        AssertServed(tcb, "application/json", File.ReadAllBytes(Path.Combine(folder, "tcb_info.json")), File.ReadAllText(Path.Combine(folder, "tcb_info_issuer_chain.pem")));
        var upper = await pccs.GetAsync($"/sgx/certification/v4/tcb?fmspc={fmspc.ToUpperInvariant()}&update=standard", "TCB-Info-Issuer-Chain");
        Assert.Equal(tcb.Body, upper.Body);

        var qe = await pccs.GetAsync("/sgx/certification/v4/qe/identity", "SGX-Enclave-Identity-Issuer-Chain");
        AssertServed(qe, "application/json", File.ReadAllBytes(Path.Combine(folder, "qe_identity.json")), File.ReadAllText(Path.Combine(folder, "qe_identity_issuer_chain.pem")));

        var pckCrlDer = File.ReadAllBytes(Path.Combine(folder, "pck_crl.der"));
        var pckCrlChain = File.ReadAllText(Path.Combine(folder, "pck_crl_issuer_chain.pem"));
        var pckCrl = await pccs.GetAsync("/sgx/certification/v4/pckcrl?ca=platform&encoding=der", "SGX-PCK-CRL-Issuer-Chain");
        AssertServed(pckCrl, "application/pkix-crl", pckCrlDer, pckCrlChain);
        var pckCrlPem = await pccs.GetAsync("/sgx/certification/v4/pckcrl?ca=platform", "SGX-PCK-CRL-Issuer-Chain");
        Assert.Equal("application/x-pem-file", pckCrlPem.ContentType);
        Assert.Equal(pckCrlChain, pckCrlPem.IssuerChain);
        Assert.Equal(pckCrlDer, PemEncoding.Find(Encoding.ASCII.GetString(pckCrlPem.Body)) is var pem
            ? Convert.FromBase64String(Encoding.ASCII.GetString(pckCrlPem.Body)[pem.Base64Data])
            : null);

        var rootCrlDer = File.ReadAllBytes(Path.Combine(folder, "root_ca_crl.der"));
        var rootHex = await pccs.GetAsync("/sgx/certification/v4/rootcacrl", null);
        Assert.Equal(HttpStatusCode.OK, rootHex.Status);
        Assert.Equal(rootCrlDer, Convert.FromHexString(Encoding.ASCII.GetString(rootHex.Body)));

        // PCCS API 3.1: the root CA CRL by the distribution point its certificates name.
        var cdp = RootCrlDistributionPoint(File.ReadAllText(Path.Combine(folder, "tcb_info_issuer_chain.pem")));
        var rootDer = await pccs.GetAsync("/sgx/certification/v4/crl?uri=" + Uri.EscapeDataString(cdp), null);
        AssertServed(rootDer, "application/pkix-crl", rootCrlDer, null);

        // The fetched set verifies the genuine quote at its time, exactly as the files do.
        var quote = File.ReadAllBytes(Path.Combine(folder, "quote.bin"));
        var fetched = new QuoteCollateral(
            TcbInfo: tcb.Body, TcbInfoIssuerChain: Encoding.ASCII.GetBytes(tcb.IssuerChain!),
            QeIdentity: qe.Body, QeIdentityIssuerChain: Encoding.ASCII.GetBytes(qe.IssuerChain!),
            PckCrl: pckCrl.Body, RootCaCrl: rootDer.Body, PckCrlIssuerChain: Encoding.ASCII.GetBytes(pckCrl.IssuerChain!));
        var options = new VerificationOptions { At = VerificationTime(folder) };
        var report = new QuoteVerifier().Verify(quote, fetched, options);
        Assert.True(report.Verified);
        Assert.True(DirectoryCollateralSource.TryLoad(folder, out var files, out _));
        var expected = new QuoteVerifier().Verify(quote, files!, options);
        Assert.Equal(expected.TcbStatus, report.TcbStatus);
        Assert.Equal(expected.TcbEvaluationDataNumber, report.TcbEvaluationDataNumber);
    }

    [Fact]
    public async Task Bad_parameters_get_400_and_missing_collateral_404_with_empty_bodies_as_PCS()
    {
        var folder = TestVectors.Path("dcap", SgxCase);
        await using var server = await StartAsync(folder);
        var pccs = new PccsClient(server.CreateClient());
        var fmspc = Fmspc(folder);

        foreach (var path in new[]
        {
            "/sgx/certification/v4/tcb",
            "/sgx/certification/v4/tcb?fmspc=00606A00000",
            "/sgx/certification/v4/tcb?fmspc=00606A00000G",
            "/sgx/certification/v4/tcb?fmspc=00606A0000000",
            $"/sgx/certification/v4/tcb?fmspc={fmspc}&update=soon",
            $"/sgx/certification/v4/tcb?fmspc={fmspc}&update=early&tcbEvaluationDataNumber=1",
            $"/sgx/certification/v4/tcb?fmspc={fmspc}&tcbEvaluationDataNumber=x",
            "/sgx/certification/v4/qe/identity?update=early&tcbEvaluationDataNumber=1",
            "/sgx/certification/v4/pckcrl",
            "/sgx/certification/v4/pckcrl?ca=intermediate",
            "/sgx/certification/v4/pckcrl?ca=platform&encoding=base64",
            "/sgx/certification/v4/crl",
        })
        {
            var response = await pccs.GetAsync(path, null);
            Assert.True(response.Status == HttpStatusCode.BadRequest, path);
            Assert.Empty(response.Body);
            Assert.True(response.HasRequestId, path);
        }

        foreach (var path in new[]
        {
            "/sgx/certification/v4/tcb?fmspc=00112233445a",
            $"/tdx/certification/v4/tcb?fmspc={fmspc}",
            $"/sgx/certification/v4/tcb?fmspc={fmspc}&tcbEvaluationDataNumber=1",
            "/sgx/certification/v4/qe/identity?tcbEvaluationDataNumber=1",
            "/tdx/certification/v4/qe/identity",
            "/sgx/certification/v4/pckcrl?ca=processor",
            "/sgx/certification/v4/crl?uri=" + Uri.EscapeDataString("https://127.0.0.1/unknown.crl"),
        })
        {
            var response = await pccs.GetAsync(path, null);
            Assert.True(response.Status == HttpStatusCode.NotFound, path);
            Assert.Empty(response.Body);
        }

        // The evaluation number held is served when asked for by number.
        var document = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "tcb_info.json")));
        var number = document!["tcbInfo"]!["tcbEvaluationDataNumber"]!.GetValue<int>();
        var byNumber = await pccs.GetAsync($"/sgx/certification/v4/tcb?fmspc={fmspc}&tcbEvaluationDataNumber={number}", "TCB-Info-Issuer-Chain");
        Assert.Equal(HttpStatusCode.OK, byNumber.Status);
    }

    [Fact]
    public async Task The_TDX_routes_serve_TDX_TCB_Info_and_the_TD_QE_identity()
    {
        var folder = TestVectors.Path("dcap", TdxCase);
        await using var server = await StartAsync(folder);
        var pccs = new PccsClient(server.CreateClient());
        var fmspc = Fmspc(folder);

        var tcb = await pccs.GetAsync($"/tdx/certification/v4/tcb?fmspc={fmspc}", "TCB-Info-Issuer-Chain");
        AssertServed(tcb, "application/json", File.ReadAllBytes(Path.Combine(folder, "tcb_info.json")), File.ReadAllText(Path.Combine(folder, "tcb_info_issuer_chain.pem")));
        var qe = await pccs.GetAsync("/tdx/certification/v4/qe/identity", "SGX-Enclave-Identity-Issuer-Chain");
        AssertServed(qe, "application/json", File.ReadAllBytes(Path.Combine(folder, "qe_identity.json")), File.ReadAllText(Path.Combine(folder, "qe_identity_issuer_chain.pem")));

        Assert.Equal(HttpStatusCode.NotFound, (await pccs.GetAsync($"/sgx/certification/v4/tcb?fmspc={fmspc}", null)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await pccs.GetAsync("/sgx/certification/v4/qe/identity", null)).Status);
    }

    [Fact]
    public async Task A_simulated_quotes_collateral_published_under_the_servers_authority_is_served()
    {
        await using var server = await VouchTestServer.StartAsync();
        var pccs = new PccsClient(server.CreateClient());
        var dcap = SimulatedEvidence.Create(server, "pccs"u8.ToArray());

        // The test server scans its collateral folders on every request: the first one after publishing finds it.
        var tcb = await pccs.GetAsync($"/sgx/certification/v4/tcb?fmspc={Convert.ToHexString(dcap.Facts.Fmspc)}", "TCB-Info-Issuer-Chain");

        AssertServed(tcb, "application/json", Encoding.UTF8.GetBytes(dcap.TcbInfoJson), dcap.TcbInfoIssuerChainPem);
        var qe = await pccs.GetAsync("/sgx/certification/v4/qe/identity", "SGX-Enclave-Identity-Issuer-Chain");
        AssertServed(qe, "application/json", Encoding.UTF8.GetBytes(dcap.QeIdentityJson), dcap.QeIdentityIssuerChainPem);
        var ca = dcap.PckCa == Simulator.Platform.PckCaType.Platform ? "platform" : "processor";
        var pckCrl = await pccs.GetAsync($"/sgx/certification/v4/pckcrl?ca={ca}&encoding=der", "SGX-PCK-CRL-Issuer-Chain");
        AssertServed(pckCrl, "application/pkix-crl", dcap.PckCrl, dcap.PckCrlIssuerChainPem);
        var rootHex = await pccs.GetAsync("/sgx/certification/v4/rootcacrl", null);
        Assert.Equal(dcap.RootCaCrl, Convert.FromHexString(Encoding.ASCII.GetString(rootHex.Body)));
        var cdp = RootCrlDistributionPoint(dcap.TcbInfoIssuerChainPem);
        AssertServed(await pccs.GetAsync("/sgx/certification/v4/crl?uri=" + Uri.EscapeDataString(cdp), null), "application/pkix-crl", dcap.RootCaCrl, null);
    }

    [Fact]
    public async Task A_second_Vouch_with_the_first_as_its_PCCS_attests_the_genuine_quote()
    {
        var folder = TestVectors.Path("dcap", SgxCase);
        var at = VerificationTime(folder);
        var port = FreePort();
        await using var pccs = await VouchTestServer.StartAsync(new FakeTimeProvider(at), new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["Vouch:CollateralDirectories:0"] = folder,
        });
        await using var server = await VouchTestServer.StartAsync(new FakeTimeProvider(at), new Dictionary<string, string?>
        {
            ["Vouch:CollateralSources:0:Url"] = $"http://127.0.0.1:{port}",
        });

        var body = new JsonObject { ["quote"] = Base64Url.EncodeToString(File.ReadAllBytes(Path.Combine(folder, "quote.bin"))) }.ToJsonString();
        var (status, response) = await VouchTestServer.SendAsync(server.Client, HttpMethod.Post, "attest/SgxEnclave?api-version=2020-10-01", body);
        Assert.Equal(HttpStatusCode.OK, status);
        var claims = Tokens.Payload(response!["token"]!.GetValue<string>());
        var expected = new QuoteVerifier().Verify(
            File.ReadAllBytes(Path.Combine(folder, "quote.bin")),
            DirectoryCollateralSource.TryLoad(folder, out var files, out _) ? files : throw new InvalidOperationException(),
            new VerificationOptions { At = at });
        Assert.Equal(expected.TcbStatus.ToString(), claims["x-vouch-tcb-status"]!.GetValue<string>(), ignoreCase: true);
        var cached = Assert.Single(server.App.Services.GetRequiredService<PcsCollateralSource>().CachedCollateral);
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "tcb_info.json")), cached.Value.TcbInfo.ToArray());
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task<VouchTestServer> StartAsync(string folder) =>
        VouchTestServer.StartAsync(settings: new Dictionary<string, string?> { ["Vouch:CollateralDirectories:0"] = folder });

    private static void AssertServed(PccsResponse response, string contentType, byte[] body, string? issuerChain)
    {
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(contentType, response.ContentType);
        Assert.Equal(body, response.Body);
        Assert.Equal(issuerChain, response.IssuerChain);
        Assert.True(response.HasRequestId);
    }

    private static string Fmspc(string folder) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "tcb_info.json")))!["tcbInfo"]!["fmspc"]!.GetValue<string>();

    private static DateTimeOffset VerificationTime(string folder) =>
        DateTimeOffset.FromUnixTimeSeconds(JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "expected.json")))!["verification_time"]!.GetValue<long>());

    // The CRL distribution point of the chain's root (self-signed) certificate: where its CRL is published.
    private static string RootCrlDistributionPoint(string chainPem)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(chainPem);
        try
        {
            var root = certificates.Single(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData));
            var extension = root.Extensions["2.5.29.31"]!;
            var reader = new System.Formats.Asn1.AsnReader(extension.RawData, System.Formats.Asn1.AsnEncodingRules.DER);
            var point = reader.ReadSequence().ReadSequence();
            var name = point.ReadSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0));
            var fullName = name.ReadSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0));
            return fullName.ReadCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 6));
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>One PCCS answer as a QCNL-like client reads it: status, content type, body, and the issuer chain header URL-decoded.</summary>
    private sealed record PccsResponse(HttpStatusCode Status, string? ContentType, byte[] Body, string? IssuerChain, bool HasRequestId);

    /// <summary>A minimal PCCS client: GET the route, read the body and the named issuer-chain header (URL-encoded PEM).</summary>
    private sealed class PccsClient(HttpClient http)
    {
        public async Task<PccsResponse> GetAsync(string pathAndQuery, string? chainHeader)
        {
            using var response = await http.GetAsync(new Uri(pathAndQuery, UriKind.Relative), TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            string? chain = null;
            if (chainHeader is not null && response.Headers.TryGetValues(chainHeader, out var values))
            {
                chain = Uri.UnescapeDataString(values.Single());
            }

            return new PccsResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, chain, response.Headers.Contains("Request-ID"));
        }
    }
}
