using System.Text;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;
using Vouch.Simulator.Tests.Authority;

namespace Vouch.Simulator.Tests.Dcap;

public static class SimulatedPcsTests
{
    private static readonly Lazy<DcapCase> Case = new(() =>
        new DcapScenario { At = SimulatedIntelTests.T0 }.Build(SimulatedIntelTests.Authority, SimulatedPlatform.CreateInMemory()));

    private static SimulatedPcs Pcs => new(Case.Value);

    private static string Header(PcsResponse response, string name) => response.Headers.Single(h => h.Key == name).Value;

    [Fact]
    public static void Tcb_KnownFmspc_ServesTcbInfoWithUrlEncodedIssuerChain()
    {
        var response = Pcs.Handle("GET", "/sgx/certification/v4/tcb?fmspc=00606a000000");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(Case.Value.TcbInfoJson, Encoding.UTF8.GetString(response.Body));
        Assert.Equal(Case.Value.TcbInfoIssuerChainPem, Uri.UnescapeDataString(Header(response, "TCB-Info-Issuer-Chain")));
        Assert.DoesNotContain('\n', Header(response, "TCB-Info-Issuer-Chain"));
        Assert.Equal(32, Header(response, "Request-ID").Length);
    }

    [Theory]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000001", 404)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A", 400)]
    [InlineData("/sgx/certification/v4/tcb", 400)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&update=early&tcbEvaluationDataNumber=21", 400)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&tcbEvaluationDataNumber=20", 410)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&tcbEvaluationDataNumber=21", 200)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&update=standard", 200)]
    [InlineData("/sgx/certification/v4/pckcrl?ca=processor", 404)]
    [InlineData("/sgx/certification/v4/pckcrl?ca=other", 400)]
    [InlineData("/sgx/certification/v4/pckcrl?ca=platform&encoding=xml", 400)]
    [InlineData("/sgx/certification/v4/qe/identity?update=early", 200)]
    [InlineData("/sgx/certification/v4/nothing", 404)]
    [InlineData("/sgx/certification/v4/pckcrl?ca=platform&ca=platform", 400)]
    public static void Handle_Request_StatusLikePcs(string target, int status) =>
        Assert.Equal(status, Pcs.Handle("GET", target).StatusCode);

    [Fact]
    public static void Handle_Post_MethodNotAllowed() =>
        Assert.Equal(405, Pcs.Handle("POST", "/sgx/certification/v4/tcb?fmspc=00606A000000").StatusCode);

    [Fact]
    public static void PckCrl_Der_ServesTheCrlWithIssuerChain()
    {
        var response = Pcs.Handle("GET", "/sgx/certification/v4/pckcrl?ca=platform&encoding=der");
        Assert.Equal("application/pkix-crl", response.ContentType);
        Assert.Equal(Case.Value.PckCrl, response.Body);
        Assert.Equal(Case.Value.PckCrlIssuerChainPem, Uri.UnescapeDataString(Header(response, "SGX-PCK-CRL-Issuer-Chain")));
    }

    [Fact]
    public static void PckCrl_DefaultPem_DecodesToTheDer()
    {
        var response = Pcs.Handle("GET", "/sgx/certification/v4/pckcrl?ca=platform");
        var pem = Encoding.ASCII.GetString(response.Body);
        Assert.StartsWith("-----BEGIN X509 CRL-----", pem, StringComparison.Ordinal);
        var fields = System.Security.Cryptography.PemEncoding.Find(pem);
        Assert.Equal(Case.Value.PckCrl, Convert.FromBase64String(pem[fields.Base64Data]));
    }

    [Fact]
    public static void QeIdentity_ServesBodyAndChain()
    {
        var response = Pcs.Handle("GET", "/sgx/certification/v4/qe/identity");
        Assert.Equal(Case.Value.QeIdentityJson, Encoding.UTF8.GetString(response.Body));
        Assert.Equal(Case.Value.QeIdentityIssuerChainPem, Uri.UnescapeDataString(Header(response, "SGX-Enclave-Identity-Issuer-Chain")));
    }

    [Fact]
    public static void RootCaCrl_DistributionPointAndPccsPaths_ServeDerAndHex()
    {
        var der = Pcs.Handle("GET", SimulatedPcs.RootCaCrlPath);
        Assert.Equal(Case.Value.RootCaCrl, der.Body);
        var hex = Pcs.Handle("GET", SimulatedPcs.PccsRootCaCrlPath);
        Assert.Equal(Case.Value.RootCaCrl, Convert.FromHexString(Encoding.ASCII.GetString(hex.Body)));
        Assert.EndsWith(SimulatedPcs.RootCaCrlPath, SimulatedIntelTests.Authority.RootCaCrlUrl, StringComparison.Ordinal);
    }

    [Fact]
    public static void PckCert_CertifiedTcb_ServesLeafAndPcsHeaders()
    {
        var c = Case.Value;
        var pceSvn = Convert.ToHexString([(byte)(c.CertifiedPceSvn & 0xFF), (byte)(c.CertifiedPceSvn >> 8)]);
        var response = Pcs.Handle("GET", $"/sgx/certification/v4/pckcert?encrypted_ppid=00&cpusvn={Convert.ToHexString(c.CertifiedCpuSvn)}&pcesvn={pceSvn}&pceid=0000");

        Assert.Equal(200, response.StatusCode);
        var leaf = Pki.ParsePemChain(Encoding.ASCII.GetString(response.Body));
        Assert.Single(leaf);
        Assert.Equal(Pki.ParsePemChain(c.PckCertificateChainPem)[0].Thumbprint, leaf[0].Thumbprint);
        Assert.Equal(2, Pki.ParsePemChain(Uri.UnescapeDataString(Header(response, "SGX-PCK-Certificate-Issuer-Chain"))).Length);
        Assert.Equal(Convert.ToHexString(c.CertifiedCpuSvn) + pceSvn, Header(response, "SGX-TCBm"));
        Assert.Equal("00606A000000", Header(response, "SGX-FMSPC"));
        Assert.Equal("platform", Header(response, "SGX-PCK-Certificate-CA-Type"));
    }

    [Fact]
    public static void PckCert_OtherTcb_NotFound()
    {
        var response = Pcs.Handle("GET", "/sgx/certification/v4/pckcert?cpusvn=00000000000000000000000000000000&pcesvn=0000&pceid=0000");
        Assert.Equal(404, response.StatusCode);
    }
}
