using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Vouch.Attestation.Collateral;
using Vouch.Sgx;
using Vouch.Sgx.Verification;

namespace Vouch.Cli.Commands;

/// <summary><c>vouch quote …</c>: offline quote verification.</summary>
internal static class QuoteCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var quote = new Command("quote", "Work with SGX/TDX DCAP quotes.");
        quote.Subcommands.Add(CreateVerify());
        return quote;
    }

    private static Command CreateVerify()
    {
        var quoteFile = new Option<FileInfo>("--quote") { Description = "The quote (binary).", Required = true };
        var collateralDir = new Option<DirectoryInfo>("--collateral")
        {
            Description = "Folder of PCS-shaped collateral: tcb_info.json, qe_identity.json, tcb_info_issuer_chain.pem, "
                + "qe_identity_issuer_chain.pem, pck_crl.der, root_ca_crl.der, pck_crl_issuer_chain.pem, optional pck_cert_chain.pem.",
            Required = true,
        };
        var at = new Option<string>("--at") { Description = "Verify as of this instant: ISO-8601 or Unix seconds (default: now)." };
        var roots = new Option<FileInfo[]>("--root")
        {
            Description = "An extra trust anchor (PEM certificate; only its public key is used). Repeatable. Without it only the Intel SGX Root CA key is trusted.",
            AllowMultipleArgumentsPerToken = false,
        };
        var allowExpired = new Option<bool>("--allow-expired-collateral") { Description = "Report expired collateral as Intel's QvE does (verdict plus an expired flag) instead of failing." };
        var grace = new Option<string>("--grace")
        {
            Description = "Accept the TCB Info, QE Identity and CRLs for this long past their nextUpdate, reported as waived and expired "
                + "(ISO-8601 duration such as P1D or PT12H, or <n>d|h|m|s; default: no grace).",
        };
        var maxAge = new Option<string>("--max-age")
        {
            Description = "Refuse a TCB Info or QE Identity issued longer ago than this (ISO-8601 duration or <n>d|h|m|s; default: no limit). Not waived by --allow-expired-collateral.",
        };
        var minEvaluationNumber = new Option<int?>("--min-tcb-evaluation-data-number")
        {
            Description = "Refuse a TCB Info or QE Identity whose tcbEvaluationDataNumber is below this (default: no minimum). Not waived by --allow-expired-collateral.",
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };

        var verify = new Command("verify", "Verify a quote against Intel collateral and print every check.")
        {
            quoteFile, collateralDir, at, roots, allowExpired, grace, maxAge, minEvaluationNumber, json,
        };
        verify.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var quoteBytes = CliInput.ReadFile(parse.GetRequiredValue(quoteFile).FullName, "quote");
                var collateral = LoadCollateral(parse.GetRequiredValue(collateralDir).FullName);
                var anchors = new List<TrustAnchor> { TrustAnchor.IntelSgxRootCa };
                anchors.AddRange((parse.GetValue(roots) ?? []).Select(f => LoadAnchor(f.FullName)));
                var options = new VerificationOptions
                {
                    At = parse.GetValue(at) is { } text ? CliInput.ParseInstant(text) : TimeProvider.System.GetUtcNow(),
                    TrustAnchors = [.. anchors],
                    AllowExpiredCollateral = parse.GetValue(allowExpired),
                    ExpiryGracePeriod = parse.GetValue(grace) is { } g ? CliInput.ParseDuration(g, "grace") : TimeSpan.Zero,
                    MaximumCollateralAge = parse.GetValue(maxAge) is { } a ? CliInput.ParseDuration(a, "maximum age") : null,
                    MinimumTcbEvaluationDataNumber = parse.GetValue(minEvaluationNumber) is { } n
                        ? (n >= 0 ? n : throw new CliInputException($"minimum TCB evaluation data number {n} is negative"))
                        : null,
                };

                var report = new QuoteVerifier().Verify(quoteBytes, collateral, options);
                if (parse.GetValue(json))
                {
                    output.WriteLine(VerificationReportJson.ToJson(report).ToJsonString(Indented));
                }
                else
                {
                    ReportTable.Write(report, output);
                }

                return report.Verified ? 0 : 1;
            }
            catch (CliInputException e)
            {
                error.WriteLine($"vouch quote verify: {e.Message}");
                return VouchCommand.UsageError;
            }
        });
        return verify;
    }

    /// <summary>Reads a collateral folder in the PCS-file layout (<see cref="DirectoryCollateralSource"/>).</summary>
    public static QuoteCollateral LoadCollateral(string directory) =>
        DirectoryCollateralSource.TryLoad(directory, out var collateral, out var error) ? collateral : throw new CliInputException(error);

    public static TrustAnchor LoadAnchor(string path)
    {
        var bytes = CliInput.ReadFile(path, "trust anchor");
        try
        {
            using var cert = X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(bytes));
            return TrustAnchor.FromCertificate(cert);
        }
        catch (CryptographicException e)
        {
            throw new CliInputException($"trust anchor '{path}' is not a PEM certificate: {e.Message}");
        }
    }
}

/// <summary>The human-readable report: one line per check, then the verdict.</summary>
internal static class ReportTable
{
    public static void Write(VerificationReport report, TextWriter output)
    {
        var width = Enum.GetNames<CheckId>().Max(n => n.Length);
        foreach (var check in report.Checks)
        {
            var mark = check.Result switch
            {
                CheckResult.Passed => "pass",
                CheckResult.Failed => "FAIL",
                CheckResult.Waived => "waived",
                _ => "n/a",
            };
            var code = check.Code is { } c ? c.Format() + " " : string.Empty;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{mark,-6} {check.Check.ToString().PadRight(width)}  {code}{check.Detail}"));
        }

        output.WriteLine();
        if (report.Quote is { } q)
        {
            output.WriteLine($"quote       {q.TeeType} v{q.Version}  MRENCLAVE {q.MrEnclave}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"            MRSIGNER {q.MrSigner}  ISVPRODID {q.IsvProdId}  ISVSVN {q.IsvSvn}  debug {(q.Debug ? "yes" : "no")}"));
            output.WriteLine($"            report data {q.ReportData}");
        }

        var status = report.TcbStatus?.ToIntelString() ?? "unknown";
        var advisories = report.AdvisoryIds.IsEmpty ? string.Empty : $"  advisories {string.Join(", ", report.AdvisoryIds)}";
        output.WriteLine($"TCB status  {status}{advisories}{(report.CollateralExpired ? "  (collateral expired)" : string.Empty)}");
        if (report.Tcb is { } tcb)
        {
            // The verdict's date is the earlier of the two levels'; each level's own facts follow (docs/conformance.md).
            output.WriteLine($"TCB date    {Day(tcb.TcbDate)}");
            output.WriteLine($"            platform level {report.PlatformTcbStatus?.ToIntelString()} of {Day(tcb.PlatformTcbDate)}{List(tcb.PlatformAdvisoryIds)}");
            output.WriteLine($"            QE level {report.QeTcbStatus?.ToIntelString()} of {Day(tcb.QeTcbDate)}{List(tcb.QeAdvisoryIds)}");
        }

        output.WriteLine(report.Verified ? "verdict     VERIFIED" : $"verdict     NOT VERIFIED ({report.Failures.Count()} failed checks)");
    }

    private static string Day(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string List(ImmutableArray<string> advisories) => advisories.IsEmpty ? string.Empty : $": {string.Join(", ", advisories)}";
}
