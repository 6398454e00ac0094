using Vouch.Sgx.Collateral;
using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Tests.Conformance;

/// <summary>
/// The operator's freshness rules (<see cref="VerificationOptions.ExpiryGracePeriod"/>,
/// <see cref="VerificationOptions.MaximumCollateralAge"/>, <see cref="VerificationOptions.MinimumTcbEvaluationDataNumber"/>)
/// on the genuine signal-cdsi-sgx-v3-2026 collateral, whose dates and evaluation data numbers are read from its files.
/// See docs/conformance.md, "Operator freshness rules".
/// </summary>
public sealed class FreshnessRuleTests
{
    private static readonly DcapCase Case = DcapCase.Load("signal-cdsi-sgx-v3-2026");
    private static readonly QuoteVerifier Verifier = new();
    private static readonly TcbInfo TcbInfoDocument = TcbInfo.TryParse(Case.Collateral.TcbInfo, out var t, out _) ? t : throw new InvalidOperationException("TCB Info");
    private static readonly EnclaveIdentity QeIdentityDocument = EnclaveIdentity.TryParse(Case.Collateral.QeIdentity, out var q, out _) ? q : throw new InvalidOperationException("QE Identity");

    /// <summary>The four items whose nextUpdate the grace applies to, with the code their validity check carries.</summary>
    public static TheoryData<string, string> GracedItems => new()
    {
        { nameof(CheckId.TcbInfoValidity), nameof(ErrorCode.TcbInfoExpired) },
        { nameof(CheckId.QeIdentityValidity), nameof(ErrorCode.QeIdentityExpired) },
        { nameof(CheckId.PckCrlValidity), nameof(ErrorCode.CrlExpired) },
        { nameof(CheckId.RootCaCrlValidity), nameof(ErrorCode.CrlExpired) },
    };

    /// <summary>Each graced item one second inside the end of a one-hour grace, at its end, and one second past it.</summary>
    public static TheoryData<string, string, int> GraceEdges
    {
        get
        {
            var data = new TheoryData<string, string, int>();
            foreach (var check in new[] { CheckId.TcbInfoValidity, CheckId.QeIdentityValidity, CheckId.PckCrlValidity, CheckId.RootCaCrlValidity })
            {
                var code = check switch
                {
                    CheckId.TcbInfoValidity => ErrorCode.TcbInfoExpired,
                    CheckId.QeIdentityValidity => ErrorCode.QeIdentityExpired,
                    _ => ErrorCode.CrlExpired,
                };
                foreach (var offset in new[] { -1, 0, 1 })
                {
                    data.Add(check.ToString(), code.ToString(), offset);
                }
            }

            return data;
        }
    }

    // ---- ExpiryGracePeriod -------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(GracedItems))]
    public void Verify_OneSecondIntoGrace_WaivesWithExpiredCodeFlagsExpiryAndReportsStatus(string check, string code)
    {
        // A grace long enough that every item expiring earlier (the PCK CRL first) is inside it too.
        var id = Enum.Parse<CheckId>(check);
        var options = Case.Options() with { At = NextUpdateOf(id).AddSeconds(1), ExpiryGracePeriod = TimeSpan.FromDays(200) };

        var report = Verifier.Verify(Case.Quote, Case.Collateral, options);

        Assert.Equal(CheckResult.Waived, report[id].Result);
        Assert.Equal(Enum.Parse<ErrorCode>(code), report[id].Code);
        Assert.True(report.CollateralExpired);
        Assert.True(report.Verified);
        Assert.Equal(Baseline().TcbStatus, report.TcbStatus);
        Assert.NotNull(report.TcbStatus);
    }

    [Theory]
    [MemberData(nameof(GraceEdges))]
    public void Verify_AtGraceEnd_OneSecondInsideIsWaivedAndTheEndOrLaterFails(string check, string code, int offsetSeconds)
    {
        var id = Enum.Parse<CheckId>(check);
        var grace = TimeSpan.FromHours(1);
        var options = Case.Options() with { At = NextUpdateOf(id) + grace + TimeSpan.FromSeconds(offsetSeconds), ExpiryGracePeriod = grace };

        var report = Verifier.Verify(Case.Quote, Case.Collateral, options);

        Assert.Equal(Enum.Parse<ErrorCode>(code), report[id].Code);
        Assert.True(report.CollateralExpired);
        if (offsetSeconds < 0)
        {
            Assert.Equal(CheckResult.Waived, report[id].Result);
        }
        else
        {
            Assert.Equal(CheckResult.Failed, report[id].Result);
            Assert.False(report.Verified);
            Assert.Null(report.TcbStatus);
        }

        // The status is withheld exactly when some check failed (items expiring earlier are past this grace).
        Assert.Equal(report.Failures.Any(), report.TcbStatus is null);
    }

    [Fact]
    public void Verify_GraceInsideForTheEarliestItem_VerifiesWithStatus()
    {
        // The PCK CRL expires first, so one second inside its grace nothing else is past nextUpdate.
        var grace = TimeSpan.FromHours(1);
        var options = Case.Options() with { At = NextUpdateOf(CheckId.PckCrlValidity) + grace - TimeSpan.FromSeconds(1), ExpiryGracePeriod = grace };

        var report = Verifier.Verify(Case.Quote, Case.Collateral, options);

        Assert.Equal(CheckResult.Waived, report[CheckId.PckCrlValidity].Result);
        Assert.True(report.Verified);
        Assert.True(report.CollateralExpired);
        Assert.Equal(Baseline().TcbStatus, report.TcbStatus);
    }

    [Fact]
    public void Verify_Grace_DoesNotCoverCertificateNotAfter()
    {
        var signingChainEnd = CertificateNotAfter(Case.Collateral.TcbInfoIssuerChain);
        var options = Case.Options() with { At = signingChainEnd.AddSeconds(1), ExpiryGracePeriod = TimeSpan.FromDays(3650) };

        var report = Verifier.Verify(Case.Quote, Case.Collateral, options);

        Assert.Equal(CheckResult.Failed, report[CheckId.TcbInfoSigningChainValidity].Result);
        Assert.Equal(ErrorCode.CertificateExpired, report[CheckId.TcbInfoSigningChainValidity].Code);
        Assert.Equal(CheckResult.Waived, report[CheckId.TcbInfoValidity].Result);
        Assert.Null(report.TcbStatus);
    }

    [Fact]
    public void Verify_Grace_DoesNotCoverNotYetValid()
    {
        var options = Case.Options() with { At = TcbInfoDocument.IssueDate.AddSeconds(-1), ExpiryGracePeriod = TimeSpan.FromDays(365) };

        var outcome = Verifier.Verify(Case.Quote, Case.Collateral, options)[CheckId.TcbInfoValidity];

        Assert.Equal(CheckResult.Failed, outcome.Result);
        Assert.Equal(ErrorCode.TcbInfoNotYetValid, outcome.Code);
    }

    [Fact]
    public void Verify_PastGraceWithAllowExpired_IsWaivedAsWithoutGrace()
    {
        var grace = TimeSpan.FromHours(1);
        var options = Case.Options(allowExpired: true) with { At = TcbInfoDocument.NextUpdate + grace + TimeSpan.FromSeconds(1), ExpiryGracePeriod = grace };

        var report = Verifier.Verify(Case.Quote, Case.Collateral, options);

        Assert.Equal(CheckResult.Waived, report[CheckId.TcbInfoValidity].Result);
        Assert.Equal(ErrorCode.TcbInfoExpired, report[CheckId.TcbInfoValidity].Code);
        Assert.True(report.CollateralExpired);
        Assert.True(report.Verified);
    }

    [Fact]
    public void Verify_Grace_DoesNotWidenTheCollateralWindow()
    {
        var at = TcbInfoDocument.NextUpdate.AddSeconds(1);
        var without = Verifier.Verify(Case.Quote, Case.Collateral, Case.Options(allowExpired: true) with { At = at });
        var with = Verifier.Verify(Case.Quote, Case.Collateral, Case.Options() with { At = at, ExpiryGracePeriod = TimeSpan.FromDays(30) });

        Assert.NotNull(with.CollateralWindow);
        Assert.Equal(without.CollateralWindow, with.CollateralWindow);
    }

    [Fact]
    public void Verify_HugeGrace_NeverThrows()
    {
        var options = Case.Options() with { At = DateTimeOffset.MaxValue, ExpiryGracePeriod = TimeSpan.MaxValue, MaximumCollateralAge = TimeSpan.MaxValue };

        var report = Verifier.Verify(Case.Quote, Case.Collateral, options);

        Assert.Equal(CheckResult.Waived, report[CheckId.TcbInfoValidity].Result);
        Assert.Equal(CheckResult.Passed, report[CheckId.TcbInfoFreshnessPolicy].Result);
    }

    // ---- MaximumCollateralAge ----------------------------------------------------------------------

    [Theory]
    [InlineData(nameof(CheckId.TcbInfoFreshnessPolicy), nameof(ErrorCode.TcbInfoTooOld))]
    [InlineData(nameof(CheckId.QeIdentityFreshnessPolicy), nameof(ErrorCode.QeIdentityTooOld))]
    public void Verify_MaximumAge_PassesAtTheBoundaryAndFailsOneSecondPast(string check, string code)
    {
        var id = Enum.Parse<CheckId>(check);
        var issued = id == CheckId.TcbInfoFreshnessPolicy ? TcbInfoDocument.IssueDate : QeIdentityDocument.IssueDate;
        var age = Case.VerificationTime - issued;

        var atBoundary = Verifier.Verify(Case.Quote, Case.Collateral, Case.Options() with { MaximumCollateralAge = age });
        var onePast = Verifier.Verify(Case.Quote, Case.Collateral, Case.Options() with { MaximumCollateralAge = age - TimeSpan.FromSeconds(1) });

        Assert.Equal(CheckResult.Passed, atBoundary[id].Result);
        Assert.Null(atBoundary[id].Code);
        Assert.Equal(CheckResult.Failed, onePast[id].Result);
        Assert.Equal(Enum.Parse<ErrorCode>(code), onePast[id].Code);
        Assert.False(onePast.Verified);
        Assert.Null(onePast.TcbStatus);
        Assert.False(onePast.CollateralExpired);
    }

    [Fact]
    public void Verify_MaximumAgeCoveringBoth_Verifies()
    {
        var age = Case.VerificationTime - new[] { TcbInfoDocument.IssueDate, QeIdentityDocument.IssueDate }.Min();

        var report = Verifier.Verify(Case.Quote, Case.Collateral, Case.Options() with { MaximumCollateralAge = age });

        Assert.True(report.Verified);
        Assert.Equal(Baseline().TcbStatus, report.TcbStatus);
    }

    // ---- MinimumTcbEvaluationDataNumber ------------------------------------------------------------

    [Fact]
    public void Verify_MinimumEvaluationDataNumberEqual_Passes()
    {
        var minimum = Math.Max(TcbInfoDocument.TcbEvaluationDataNumber, QeIdentityDocument.TcbEvaluationDataNumber);

        var report = Verifier.Verify(Case.Quote, Case.Collateral, Case.Options() with { MinimumTcbEvaluationDataNumber = minimum });

        Assert.Equal(CheckResult.Passed, report[CheckId.TcbInfoFreshnessPolicy].Result);
        Assert.Equal(CheckResult.Passed, report[CheckId.QeIdentityFreshnessPolicy].Result);
        Assert.True(report.Verified);
        Assert.Equal(Baseline().TcbStatus, report.TcbStatus);
    }

    [Theory]
    [InlineData(nameof(CheckId.TcbInfoFreshnessPolicy), nameof(ErrorCode.TcbInfoEvaluationDataNumberTooLow))]
    [InlineData(nameof(CheckId.QeIdentityFreshnessPolicy), nameof(ErrorCode.QeIdentityEvaluationDataNumberTooLow))]
    public void Verify_MinimumEvaluationDataNumberOneAbove_Fails(string check, string code)
    {
        var id = Enum.Parse<CheckId>(check);
        var number = id == CheckId.TcbInfoFreshnessPolicy ? TcbInfoDocument.TcbEvaluationDataNumber : QeIdentityDocument.TcbEvaluationDataNumber;

        var report = Verifier.Verify(Case.Quote, Case.Collateral, Case.Options() with { MinimumTcbEvaluationDataNumber = number + 1 });

        Assert.Equal(CheckResult.Failed, report[id].Result);
        Assert.Equal(Enum.Parse<ErrorCode>(code), report[id].Code);
        Assert.False(report.Verified);
        Assert.Null(report.TcbStatus);
        Assert.Null(report.PlatformTcbStatus);
        Assert.Empty(report.AdvisoryIds);
    }

    [Fact]
    public void Verify_BothRulesBroken_ReportsTheEvaluationNumberCode()
    {
        var options = Case.Options() with { MinimumTcbEvaluationDataNumber = int.MaxValue, MaximumCollateralAge = TimeSpan.Zero };

        var report = Verifier.Verify(Case.Quote, Case.Collateral, options);

        Assert.Equal(ErrorCode.TcbInfoEvaluationDataNumberTooLow, report[CheckId.TcbInfoFreshnessPolicy].Code);
        Assert.Equal(ErrorCode.QeIdentityEvaluationDataNumberTooLow, report[CheckId.QeIdentityFreshnessPolicy].Code);
    }

    // ---- The rules are policy, not freshness -------------------------------------------------------

    [Fact]
    public void Verify_AllowExpiredCollateral_DoesNotWaiveTheRules()
    {
        var tooLow = Case.Options(allowExpired: true) with { MinimumTcbEvaluationDataNumber = TcbInfoDocument.TcbEvaluationDataNumber + 1 };
        var tooOld = Case.Options(allowExpired: true) with { MaximumCollateralAge = TimeSpan.Zero };

        var low = Verifier.Verify(Case.Quote, Case.Collateral, tooLow);
        var old = Verifier.Verify(Case.Quote, Case.Collateral, tooOld);

        Assert.Equal(CheckResult.Failed, low[CheckId.TcbInfoFreshnessPolicy].Result);
        Assert.Equal(CheckResult.Failed, low[CheckId.QeIdentityFreshnessPolicy].Result);
        Assert.Equal(CheckResult.Failed, old[CheckId.TcbInfoFreshnessPolicy].Result);
        Assert.Equal(ErrorCode.TcbInfoTooOld, old[CheckId.TcbInfoFreshnessPolicy].Code);
        Assert.Equal(CheckResult.Failed, old[CheckId.QeIdentityFreshnessPolicy].Result);
        Assert.Equal(ErrorCode.QeIdentityTooOld, old[CheckId.QeIdentityFreshnessPolicy].Code);
        Assert.False(low.Verified);
        Assert.False(old.Verified);
        Assert.Null(low.TcbStatus);
        Assert.Null(old.TcbStatus);
    }

    [Fact]
    public void CheckIds_NewChecks_SitInTheirStagesAndAreNotWaivable()
    {
        Assert.Equal(VerificationStage.TcbInfo, CheckId.TcbInfoFreshnessPolicy.StageOf());
        Assert.Equal(VerificationStage.QeIdentity, CheckId.QeIdentityFreshnessPolicy.StageOf());
        Assert.Equal(VerificationStage.TcbInfo, CheckId.TcbInfoMatch.StageOf());
        Assert.Equal(VerificationStage.Quote, CheckId.QeReportSignature.StageOf());
        Assert.False(CheckId.TcbInfoFreshnessPolicy.IsFreshness());
        Assert.False(CheckId.QeIdentityFreshnessPolicy.IsFreshness());
        Assert.Equal(CheckId.TcbInfoValidity + 1, CheckId.TcbInfoFreshnessPolicy);
        Assert.Equal(CheckId.QeIdentityValidity + 1, CheckId.QeIdentityFreshnessPolicy);
    }

    [Fact]
    public void Verify_Defaults_PassTheRuleChecksInOrder()
    {
        var report = Baseline();

        Assert.Equal(CheckResult.Passed, report[CheckId.TcbInfoFreshnessPolicy].Result);
        Assert.Equal(CheckResult.Passed, report[CheckId.QeIdentityFreshnessPolicy].Result);
        Assert.Equal(Enum.GetValues<CheckId>(), report.Checks.Select(c => c.Check));
    }

    [Fact]
    public void Verify_DocumentDidNotParse_RuleCheckNotEvaluated()
    {
        var collateral = Case.Collateral with { TcbInfo = "{}"u8.ToArray(), QeIdentity = default };

        var report = Verifier.Verify(Case.Quote, collateral, Case.Options() with { MinimumTcbEvaluationDataNumber = 1 });

        Assert.Equal(CheckResult.NotEvaluated, report[CheckId.TcbInfoFreshnessPolicy].Result);
        Assert.Equal(CheckResult.NotEvaluated, report[CheckId.QeIdentityFreshnessPolicy].Result);
    }

    // ---- Options -------------------------------------------------------------------------------------

    [Fact]
    public void Options_NegativeValues_Throw()
    {
        var at = Case.VerificationTime;
        Assert.Throws<ArgumentOutOfRangeException>(() => new VerificationOptions { At = at, ExpiryGracePeriod = TimeSpan.FromTicks(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new VerificationOptions { At = at, MaximumCollateralAge = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new VerificationOptions { At = at, MinimumTcbEvaluationDataNumber = -1 });
    }

    [Fact]
    public void Options_Defaults_AreNoRules()
    {
        var options = new VerificationOptions { At = Case.VerificationTime, MinimumTcbEvaluationDataNumber = 0, MaximumCollateralAge = TimeSpan.Zero };
        var defaults = new VerificationOptions { At = Case.VerificationTime };

        Assert.Equal(TimeSpan.Zero, defaults.ExpiryGracePeriod);
        Assert.Null(defaults.MaximumCollateralAge);
        Assert.Null(defaults.MinimumTcbEvaluationDataNumber);
        Assert.Equal(0, options.MinimumTcbEvaluationDataNumber);
        Assert.Equal(TimeSpan.Zero, options.MaximumCollateralAge);
    }

    private static VerificationReport Baseline() => Verifier.Verify(Case.Quote, Case.Collateral, Case.Options());

    private static DateTimeOffset NextUpdateOf(CheckId check) => check switch
    {
        CheckId.TcbInfoValidity => TcbInfoDocument.NextUpdate,
        CheckId.QeIdentityValidity => QeIdentityDocument.NextUpdate,
        CheckId.PckCrlValidity => CrlNextUpdate(Case.Collateral.PckCrl),
        CheckId.RootCaCrlValidity => CrlNextUpdate(Case.Collateral.RootCaCrl),
        _ => throw new ArgumentOutOfRangeException(nameof(check)),
    };

    private static DateTimeOffset CrlNextUpdate(ReadOnlyMemory<byte> der) =>
        Crl.TryParse(der, out var crl, out _) ? crl.NextUpdate!.Value : throw new InvalidOperationException("CRL");

    /// <summary>The chain's earliest notAfter, from the BCL's own certificate reader.</summary>
    private static DateTimeOffset CertificateNotAfter(ReadOnlyMemory<byte> pem)
    {
        var certs = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        certs.ImportFromPem(System.Text.Encoding.ASCII.GetString(pem.Span));
        return certs.Min(x => new DateTimeOffset(x.NotAfter.ToUniversalTime()));
    }
}
