using System.Text;
using Vouch.Sgx;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;
using Vouch.Simulator.Tests.Authority;
using SgxCollateral = Vouch.Sgx.Collateral;

namespace Vouch.Simulator.Tests.Dcap;

/// <summary>
/// The simulated Intel's TCB Evaluation Data Numbers: issued for SGX and TDX with the case's evaluation number, signed
/// by the simulated TCB Signing key (checked by the real verifier), and served by <see cref="SimulatedPcs"/>.
/// </summary>
public static class TcbEvaluationDataNumbersTests
{
    private const int Number = 19;

    private static readonly Lazy<DcapCase> Case = new(() =>
        new DcapScenario { At = SimulatedIntelTests.T0, TcbEvaluationDataNumber = Number }.Build(SimulatedIntelTests.Authority, SimulatedPlatform.CreateInMemory()));

    private static SimulatedPcs Pcs => new(Case.Value);

    private static TrustAnchor[] Anchors => [TrustAnchor.FromCertificate(SimulatedIntelTests.Authority.RootCertificate)];

    private static string Header(PcsResponse response, string name) => response.Headers.Single(h => h.Key == name).Value;

    [Theory]
    [InlineData("SGX")]
    [InlineData("TDX")]
    public static void Scenario_Documents_VerifyUnderTheSimulatedRootAndListTheCaseNumber(string tee)
    {
        var c = Case.Value;
        var json = tee == "SGX" ? c.TcbEvaluationDataNumbersJson : c.TdxTcbEvaluationDataNumbersJson;

        var result = CollateralVerifier.VerifyTcbEvaluationDataNumbers(
            Encoding.UTF8.GetBytes(json), Encoding.ASCII.GetBytes(c.TcbEvaluationDataNumbersIssuerChainPem), SimulatedIntelTests.T0, Anchors);

        Assert.True(result.Verified, result.Detail);
        Assert.Equal(tee == "SGX" ? SgxCollateral.TcbInfoId.Sgx : SgxCollateral.TcbInfoId.Tdx, result.Document.Id);
        Assert.Equal(1, result.Document.Version);
        var entry = Assert.Single(result.Document.Numbers);
        Assert.Equal(Number, entry.Number);
        Assert.True(entry.TcbRecoveryEventDate < entry.TcbDate);
        Assert.True(entry.TcbDate < SimulatedIntelTests.T0);

        // The number is the one the case's TCB Info and QE Identity carry.
        Assert.True(SgxCollateral.TcbInfo.TryParse(Encoding.UTF8.GetBytes(c.TcbInfoJson), out var tcbInfo, out _));
        Assert.True(SgxCollateral.EnclaveIdentity.TryParse(Encoding.UTF8.GetBytes(c.QeIdentityJson), out var qe, out _));
        Assert.Equal(entry.Number, tcbInfo.TcbEvaluationDataNumber);
        Assert.Equal(entry.Number, qe.TcbEvaluationDataNumber);
    }

    [Fact]
    public static void Scenario_Document_UnderIntelsRoot_IsUntrusted()
    {
        var c = Case.Value;
        var result = CollateralVerifier.VerifyTcbEvaluationDataNumbers(
            Encoding.UTF8.GetBytes(c.TcbEvaluationDataNumbersJson), Encoding.ASCII.GetBytes(c.TcbEvaluationDataNumbersIssuerChainPem),
            SimulatedIntelTests.T0, [TrustAnchor.IntelSgxRootCa]);
        Assert.Equal(ErrorCode.ChainUntrustedRoot, result.Error);
    }

    [Fact]
    public static void SignTcbEvaluationDataNumbers_SeveralNumbers_ParsesHighestFirst()
    {
        var day = new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.Zero);
        var json = SimulatedIntelTests.Authority.SignTcbEvaluationDataNumbers(new Vouch.Simulator.Authority.TcbEvaluationDataNumbers
        {
            IssueDate = SimulatedIntelTests.T0.AddHours(-1),
            NextUpdate = SimulatedIntelTests.T0.AddDays(30),
            Numbers = [new(21, day, day.AddDays(1)), new(20, day.AddDays(-90), day.AddDays(-89)), new(19, day.AddDays(-180), day.AddDays(-179))],
        });
        var result = CollateralVerifier.VerifyTcbEvaluationDataNumbers(
            Encoding.UTF8.GetBytes(json), Encoding.ASCII.GetBytes(SimulatedIntelTests.Authority.TcbSigningChainPem), SimulatedIntelTests.T0, Anchors);

        Assert.True(result.Verified, result.Detail);
        Assert.Equal([21, 20, 19], result.Document.Numbers.Select(n => n.Number));
        Assert.Equal(19, result.Document.Lowest);
        Assert.Equal(21, result.Document.Highest);
    }

    [Theory]
    [InlineData(SimulatedPcs.SgxTcbEvaluationDataNumbersPath)]
    [InlineData(SimulatedPcs.TdxTcbEvaluationDataNumbersPath)]
    public static void Route_ServesDocumentWithUrlEncodedIssuerChain(string path)
    {
        var response = Pcs.Handle("GET", path);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("application/json", response.ContentType);
        var expected = path.StartsWith("/sgx", StringComparison.Ordinal) ? Case.Value.TcbEvaluationDataNumbersJson : Case.Value.TdxTcbEvaluationDataNumbersJson;
        Assert.Equal(expected, Encoding.UTF8.GetString(response.Body));
        var header = Header(response, SimulatedPcs.TcbEvaluationDataNumbersIssuerChainHeader);
        Assert.DoesNotContain('\n', header);
        Assert.Equal(Case.Value.TcbEvaluationDataNumbersIssuerChainPem, Uri.UnescapeDataString(header));

        var result = CollateralVerifier.VerifyTcbEvaluationDataNumbers(response.Body, Encoding.ASCII.GetBytes(Uri.UnescapeDataString(header)), SimulatedIntelTests.T0, Anchors);
        Assert.True(result.Verified, result.Detail);
    }

    [Theory]
    [InlineData("/sgx/certification/v4/tcbevaluationdatanumbers?update=early", 400)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&tcbEvaluationDataNumber=19", 200)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&tcbEvaluationDataNumber=18", 410)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&tcbEvaluationDataNumber=0", 410)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&tcbEvaluationDataNumber=20", 404)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000001&tcbEvaluationDataNumber=19", 404)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&tcbEvaluationDataNumber=x", 400)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&tcbEvaluationDataNumber=-1", 400)]
    [InlineData("/sgx/certification/v4/tcb?fmspc=00606A000000&update=standard&tcbEvaluationDataNumber=19", 400)]
    [InlineData("/sgx/certification/v4/qe/identity?tcbEvaluationDataNumber=19", 200)]
    [InlineData("/sgx/certification/v4/qe/identity?tcbEvaluationDataNumber=18", 410)]
    [InlineData("/sgx/certification/v4/qe/identity?tcbEvaluationDataNumber=99", 404)]
    [InlineData("/sgx/certification/v4/qe/identity?update=early&tcbEvaluationDataNumber=19", 400)]
    public static void Handle_EvaluationNumberRequests_StatusLikePcs(string target, int status) =>
        Assert.Equal(status, Pcs.Handle("GET", target).StatusCode);

    [Fact]
    public static void Tcb_ListedNumber_ServesTheHeldDocuments()
    {
        Assert.Equal(Case.Value.TcbInfoJson, Encoding.UTF8.GetString(Pcs.Handle("GET", $"/sgx/certification/v4/tcb?fmspc=00606A000000&tcbEvaluationDataNumber={Number}").Body));
        Assert.Equal(Case.Value.QeIdentityJson, Encoding.UTF8.GetString(Pcs.Handle("GET", $"/sgx/certification/v4/qe/identity?tcbEvaluationDataNumber={Number}").Body));
    }

    [Fact]
    public static void WriteTo_WritesTheDocumentAndChain()
    {
        var directory = TempDirectory.Create().Path;
        Case.Value.WriteTo(directory);
        Assert.Equal(Case.Value.TcbEvaluationDataNumbersJson, File.ReadAllText(Path.Combine(directory, DcapCase.TcbEvaluationDataNumbersFileName)));
        Assert.Equal(Case.Value.TcbEvaluationDataNumbersIssuerChainPem, File.ReadAllText(Path.Combine(directory, DcapCase.TcbEvaluationDataNumbersIssuerChainFileName)));
    }
}
