using System.Security.Cryptography.X509Certificates;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Tests.Conformance;

/// <summary>
/// Every freshness check at the edges of its window, on the genuine signal-cdsi-sgx-v3-2026 collateral:
/// one second before the start, the start, one second before the end, the end, one second after.
/// Starts are inclusive; a CRL's, TCB Info's or QE Identity's nextUpdate is exclusive; a certificate's
/// notAfter is inclusive (RFC 5280 §4.1.2.5). See docs/conformance.md.
/// </summary>
public sealed class FreshnessBoundaryTests
{
    private static readonly DcapCase Case = DcapCase.Load("signal-cdsi-sgx-v3-2026");
    private static readonly QuoteVerifier Verifier = new();

    public static TheoryData<string, string, int, string?> Boundaries
    {
        get
        {
            var data = new TheoryData<string, string, int, string?>();
            void Window(CheckId check, ErrorCode early, ErrorCode late, bool endInclusive)
            {
                data.Add(check.ToString(), "start", -1, early.ToString());
                data.Add(check.ToString(), "start", 0, null);
                data.Add(check.ToString(), "end", -1, null);
                data.Add(check.ToString(), "end", 0, endInclusive ? null : late.ToString());
                data.Add(check.ToString(), "end", 1, late.ToString());
            }

            Window(CheckId.TcbInfoValidity, ErrorCode.TcbInfoNotYetValid, ErrorCode.TcbInfoExpired, endInclusive: false);
            Window(CheckId.QeIdentityValidity, ErrorCode.QeIdentityNotYetValid, ErrorCode.QeIdentityExpired, endInclusive: false);
            Window(CheckId.PckCrlValidity, ErrorCode.CrlExpired, ErrorCode.CrlExpired, endInclusive: false);
            Window(CheckId.RootCaCrlValidity, ErrorCode.CrlExpired, ErrorCode.CrlExpired, endInclusive: false);
            Window(CheckId.PckChainValidity, ErrorCode.CertificateNotYetValid, ErrorCode.CertificateExpired, endInclusive: true);
            Window(CheckId.TcbInfoSigningChainValidity, ErrorCode.CertificateNotYetValid, ErrorCode.CertificateExpired, endInclusive: true);
            Window(CheckId.QeIdentitySigningChainValidity, ErrorCode.CertificateNotYetValid, ErrorCode.CertificateExpired, endInclusive: true);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void Verify_AtWindowEdge_FreshnessCheckDecidesAsDocumented(string check, string edge, int offsetSeconds, string? expectedCode)
    {
        var id = Enum.Parse<CheckId>(check);
        var (start, end) = WindowOf(id);
        var at = (edge == "start" ? start : end).AddSeconds(offsetSeconds);

        var outcome = Verifier.Verify(Case.Quote, Case.Collateral, Case.Options() with { At = at })[id];

        if (expectedCode is null)
        {
            Assert.Equal(CheckResult.Passed, outcome.Result);
        }
        else
        {
            Assert.Equal(CheckResult.Failed, outcome.Result);
            Assert.Equal(Enum.Parse<ErrorCode>(expectedCode), outcome.Code);
        }
    }

    [Fact]
    public void Verify_AllowExpired_WaivesEveryEdgeFailureWithItsCode()
    {
        var (_, end) = WindowOf(CheckId.TcbInfoValidity);
        var report = Verifier.Verify(Case.Quote, Case.Collateral, Case.Options(allowExpired: true) with { At = end });
        var outcome = report[CheckId.TcbInfoValidity];
        Assert.Equal(CheckResult.Waived, outcome.Result);
        Assert.Equal(ErrorCode.TcbInfoExpired, outcome.Code);
        Assert.True(report.CollateralExpired);
        Assert.True(report.Verified);
    }

    [Fact]
    public void Verify_GoldenPhala_AtQeIdentityNextUpdate_IsExpiredAndBeforeTcbInfoIssue_IsNotYetValid()
    {
        // security-checklist G0: the dcap-qvl sample at the QE Identity's nextUpdate and before the TCB Info's issueDate.
        var phala = DcapCase.Load("phala-sgx-v3-config-swhardening");
        var atNextUpdate = Verifier.Verify(phala.Quote, phala.Collateral, phala.Options() with { At = DateTimeOffset.Parse("2025-07-19T10:01:18Z", System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Contains(ErrorCode.QeIdentityExpired, atNextUpdate.Failures.Select(f => f.Code));

        var beforeIssue = Verifier.Verify(phala.Quote, phala.Collateral, phala.Options() with { At = DateTimeOffset.Parse("2025-06-19T10:56:10Z", System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Contains(ErrorCode.TcbInfoNotYetValid, beforeIssue.Failures.Select(f => f.Code));
    }

    private static (DateTimeOffset Start, DateTimeOffset End) WindowOf(CheckId check)
    {
        var c = Case.Collateral;
        return check switch
        {
            CheckId.TcbInfoValidity => Document(TcbInfo.TryParse(c.TcbInfo, out var t, out _) ? t : null),
            CheckId.QeIdentityValidity => Document(EnclaveIdentity.TryParse(c.QeIdentity, out var q, out _) ? q : null),
            CheckId.PckCrlValidity => Crl(c.PckCrl),
            CheckId.RootCaCrlValidity => Crl(c.RootCaCrl),
            CheckId.PckChainValidity => Certificates(Case.Quote.AsSpan(436 + 578 + 32 + 6).ToArray()),
            CheckId.TcbInfoSigningChainValidity => Certificates(c.TcbInfoIssuerChain.ToArray()),
            CheckId.QeIdentitySigningChainValidity => Certificates(c.QeIdentityIssuerChain.ToArray()),
            _ => throw new ArgumentOutOfRangeException(nameof(check)),
        };
    }

    private static (DateTimeOffset, DateTimeOffset) Document(ISignedCollateral? document) => (document!.IssueDate, document.NextUpdate);

    private static (DateTimeOffset, DateTimeOffset) Crl(ReadOnlyMemory<byte> der) =>
        Vouch.Sgx.Collateral.Crl.TryParse(der, out var crl, out _) ? (crl.ThisUpdate, crl.NextUpdate!.Value) : throw new InvalidOperationException("CRL");

    /// <summary>The chain's joint window from the BCL's own certificate reader, independent of Vouch's.</summary>
    private static (DateTimeOffset, DateTimeOffset) Certificates(byte[] pem)
    {
        var certs = new X509Certificate2Collection();
        certs.ImportFromPem(System.Text.Encoding.ASCII.GetString(pem).TrimEnd('\0'));
        return (certs.Max(x => new DateTimeOffset(x.NotBefore.ToUniversalTime())), certs.Min(x => new DateTimeOffset(x.NotAfter.ToUniversalTime())));
    }
}
