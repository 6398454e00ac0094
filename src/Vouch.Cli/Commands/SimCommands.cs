using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Enclaves;
using Vouch.Simulator.Platform;

namespace Vouch.Cli.Commands;

/// <summary><c>vouch sim …</c>: the hardware-free SGX platform and simulated Intel (docs/simulator.md).</summary>
internal static class SimCommands
{
    public static Command Create()
    {
        var sim = new Command("sim", "Simulated SGX platforms, enclaves and Intel PKI, for testing without SGX hardware. Its root is a TEST root that production never trusts.");
        sim.Subcommands.Add(CreateInit());
        sim.Subcommands.Add(CreateQuote());
        sim.Subcommands.Add(CreateReport());
        sim.Subcommands.Add(CreateVerifyReport());
        sim.Subcommands.Add(CreatePcs());
        sim.Subcommands.Add(CreateDemo());
        return sim;
    }

    private static Option<string> AuthorityOption() => new("--authority") { Description = "Folder of the simulated Intel authority (keys and certificates).", Required = true };

    private static Command CreateInit()
    {
        var authority = AuthorityOption();
        var init = new Command("init", "Create a simulated Intel (TEST root CA, PCK CAs, TCB signing key) in a folder, or reuse the one there.") { authority };
        init.SetAction(parse => Guard(parse, "sim init", (output, _) =>
        {
            var dir = parse.GetRequiredValue(authority);
            var existed = Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any();
            var intel = SimulatedIntel.OpenOrCreate(dir, TimeProvider.System.GetUtcNow());
            var anchor = TrustAnchor.FromCertificate(intel.RootCertificate);
            output.WriteLine($"{(existed ? "reused" : "created")} simulated Intel authority in {Path.GetFullPath(dir)}");
            output.WriteLine($"TEST root key id (SHA-256 of its public key): {anchor.KeyId}");
            output.WriteLine("This root exists only for testing: Vouch never trusts it unless it is configured as a trust anchor.");
            return 0;
        }));
        return init;
    }

    private static Command CreateQuote()
    {
        var authority = AuthorityOption();
        var output = new Option<string>("--out") { Description = "Folder to write quote.bin, the collateral, trusted_root.pem and facts.json into. The collateral is also published to <authority>/pcs/<fmspc>/.", Required = true };
        var platform = new Option<string>("--platform") { Description = "Platform folder (created with fresh secrets if missing). Default: a fresh in-memory platform." };
        var enclave = new Option<string>("--enclave") { Description = "Enclave manifest, or 'sample' (default)." };
        var reportData = new Option<string>("--report-data") { Description = "REPORTDATA as hex, up to 64 bytes (zero-padded)." };
        var debug = new Option<bool>("--debug") { Description = "Launch the enclave in debug mode." };
        var tcb = new Option<string>("--tcb") { Description = "Status of the platform's TCB level (Intel's names, e.g. OutOfDate)." };
        var qeTcb = new Option<string>("--qe-tcb") { Description = "Status of the QE's TCB level: UpToDate, OutOfDate or Revoked." };
        var pckRevoked = new Option<bool>("--pck-revoked") { Description = "List the PCK certificate on the PCK CRL." };
        var faults = new Option<string[]>("--fault") { Description = "A named fault switch (repeatable): " + string.Join(", ", DcapScenario.BooleanFaultNames.Select(DcapScenario.Kebab)) };

        var quote = new Command("quote", "Quote an enclave on a simulated platform, write the quote with its collateral in the layout of a DCAP vector folder, and publish the collateral to <authority>/pcs/<fmspc>/.")
        {
            authority, output, platform, enclave, reportData, debug, tcb, qeTcb, pckRevoked, faults,
        };
        quote.SetAction(parse => Guard(parse, "sim quote", (stdout, _) =>
        {
            var intel = OpenAuthority(parse.GetRequiredValue(authority));
            var scenario = new DcapScenario
            {
                At = TimeProvider.System.GetUtcNow(),
                Enclave = LoadManifest(parse.GetValue(enclave) ?? EnclaveManifest.SampleName),
                ReportData = parse.GetValue(reportData) is { } hex ? ParseReportData(hex) : DcapScenario.DefaultReportData,
                DebugEnclave = parse.GetValue(debug),
                PlatformTcbStatus = parse.GetValue(tcb) is { } t ? ParseStatus(t, "--tcb") : TcbLevelStatus.UpToDate,
                QeTcbStatus = parse.GetValue(qeTcb) is { } q ? ParseStatus(q, "--qe-tcb") : TcbLevelStatus.UpToDate,
                RevokedPckCertificate = parse.GetValue(pckRevoked),
            };
            if (scenario.QeTcbStatus is not (TcbLevelStatus.UpToDate or TcbLevelStatus.OutOfDate or TcbLevelStatus.Revoked))
            {
                throw new CliInputException("--qe-tcb must be UpToDate, OutOfDate or Revoked");
            }

            foreach (var fault in parse.GetValue(faults) ?? [])
            {
                try
                {
                    scenario = scenario.WithFault(fault);
                }
                catch (ArgumentException)
                {
                    throw new CliInputException($"unknown fault '{fault}'; known: {string.Join(", ", DcapScenario.BooleanFaultNames.Select(DcapScenario.Kebab))}");
                }
            }

            var simulated = scenario.Build(intel, OpenPlatform(parse.GetValue(platform)));
            var dir = parse.GetRequiredValue(output);
            simulated.WriteTo(dir);
            var published = simulated.PublishCollateral(intel.PcsDirectory!);
            var expected = scenario.Expected;
            stdout.WriteLine($"wrote a simulated quote and its collateral to {Path.GetFullPath(dir)}");
            stdout.WriteLine($"published the collateral of FMSPC {Convert.ToHexStringLower(simulated.Facts.Fmspc)} to {published}");
            stdout.WriteLine($"MRENCLAVE {Convert.ToHexStringLower(simulated.Facts.MrEnclave)}  MRSIGNER {Convert.ToHexStringLower(simulated.Facts.MrSigner)}");
            stdout.WriteLine($"expected: {(expected.ErrorCode is { } code ? $"failure {code} ({expected.Error})" : $"verified, TCB status {expected.TcbStatus?.ToIntelName()}")}");
            stdout.WriteLine("signed by the simulated TEST root: verify with --root " + Path.Combine(dir, "trusted_root.pem"));
            return 0;
        }));
        return quote;
    }

    private static Command CreateReport()
    {
        var platform = new Option<string>("--platform") { Description = "Platform folder (created with fresh secrets if missing).", Required = true };
        var enclave = new Option<string>("--enclave") { Description = "The reporting enclave's manifest, or 'sample'.", Required = true };
        var target = new Option<string>("--target") { Description = "The target enclave's manifest, or 'sample'.", Required = true };
        var output = new Option<string>("--out") { Description = "File to write the 432-byte REPORT to.", Required = true };
        var reportData = new Option<string>("--report-data") { Description = "REPORTDATA as hex, up to 64 bytes (zero-padded)." };
        var report = new Command("report", "EREPORT: a report by one enclave for a target enclave on the same platform.") { platform, enclave, target, output, reportData };
        report.SetAction(parse => Guard(parse, "sim report", (stdout, _) =>
        {
            var p = OpenPlatform(parse.GetRequiredValue(platform));
            var reporter = Launch(p, parse.GetRequiredValue(enclave));
            var targetEnclave = Launch(p, parse.GetRequiredValue(target));
            var data = parse.GetValue(reportData) is { } hex ? ParseReportData(hex) : new byte[64];
            var bytes = reporter.CreateReport(targetEnclave.TargetInfo, data).ToArray();
            File.WriteAllBytes(parse.GetRequiredValue(output), bytes);
            stdout.WriteLine($"wrote a {bytes.Length}-byte report to {parse.GetRequiredValue(output)}");
            return 0;
        }));
        return report;
    }

    private static Command CreateVerifyReport()
    {
        var platform = new Option<string>("--platform") { Description = "Platform folder.", Required = true };
        var enclave = new Option<string>("--enclave") { Description = "The verifying (target) enclave's manifest, or 'sample'.", Required = true };
        var file = new Option<string>("--report") { Description = "The 432-byte REPORT.", Required = true };
        var verify = new Command("verify-report", "Verify a report with the target enclave's REPORT key (exit 0 verified, 1 not).") { platform, enclave, file };
        verify.SetAction(parse => Guard(parse, "sim verify-report", (stdout, _) =>
        {
            var bytes = CliInput.ReadFile(parse.GetRequiredValue(file), "report");
            if (bytes.Length != Report.Size)
            {
                throw new CliInputException($"a report has {Report.Size} bytes; this file has {bytes.Length}");
            }

            var verifier = Launch(OpenPlatform(parse.GetRequiredValue(platform)), parse.GetRequiredValue(enclave));
            var report = Report.Read(bytes);
            var ok = verifier.VerifyReport(report);
            stdout.WriteLine(ok
                ? $"verified: MRENCLAVE {Convert.ToHexStringLower(report.Body.MrEnclave)} on this platform, for this enclave"
                : "not verified: the report was not made on this platform for this enclave, or was changed");
            return ok ? 0 : 1;
        }));
        return verify;
    }

    private static Command CreatePcs()
    {
        var authority = AuthorityOption();
        var urls = new Option<string>("--urls") { Description = "Listening address, e.g. http://127.0.0.1:8081.", Required = true };
        var pcs = new Command("pcs", "Serve the simulated Intel's collateral over Intel PCS v4 routes (pckcrl, tcb, qe/identity, pckcert, root CA CRL).") { authority, urls };
        pcs.SetAction(async (parse, cancellation) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                var intel = OpenAuthority(parse.GetRequiredValue(authority));
                var simulated = new DcapScenario { At = TimeProvider.System.GetUtcNow() }.Build(intel, SimulatedPlatform.CreateInMemory());
                var responder = new SimulatedPcs(simulated);
                var builder = WebApplication.CreateSlimBuilder();
                builder.Logging.ClearProviders();
                builder.WebHost.UseUrls(parse.GetRequiredValue(urls));
                await using var app = builder.Build();
                app.Run(context => Respond(responder, context));
                await app.StartAsync(cancellation).ConfigureAwait(false);
                stdout.WriteLine($"simulated PCS on {string.Join(", ", app.Urls)} serving FMSPC {Convert.ToHexString(simulated.Facts.Fmspc)} (TEST root)");
                await app.WaitForShutdownAsync(cancellation).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is CliInputException or IOException or InvalidOperationException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"vouch sim pcs: {e.Message}");
                return VouchCommand.UsageError;
            }
        });
        return pcs;
    }

    private static async Task Respond(SimulatedPcs responder, HttpContext context)
    {
        var response = responder.Handle(context.Request.Method, context.Request.Path + context.Request.QueryString);
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType;
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.Body.WriteAsync(response.Body).ConfigureAwait(false);
    }

    private static Command CreateDemo()
    {
        var demo = new Command("demo", "Walk through local attestation between two enclaves, then remote attestation of one, on a simulated platform.");
        demo.SetAction(parse => Guard(parse, "sim demo", (o, _) => RunDemo(o)));
        return demo;
    }

    private static int RunDemo(TextWriter o)
    {
        var now = TimeProvider.System.GetUtcNow();
        var platform = SimulatedPlatform.CreateInMemory();
        var alice = platform.Launch(EnclaveManifest.Sample);
        var bob = platform.Launch(EnclaveManifest.Sample with { Name = "sample-peer", Size = EnclaveManifest.Sample.Size * 2, IsvProdId = 2 });
        o.WriteLine("1. Two enclaves on one simulated platform");
        o.WriteLine($"   A  MRENCLAVE {Convert.ToHexStringLower(alice.Identity.MrEnclave)}  ISVPRODID {alice.Identity.IsvProdId}");
        o.WriteLine($"   B  MRENCLAVE {Convert.ToHexStringLower(bob.Identity.MrEnclave)}  ISVPRODID {bob.Identity.IsvProdId}");

        o.WriteLine("2. Local attestation (EREPORT, then EGETKEY + AES-CMAC on the target's side)");
        var toBob = alice.CreateReport(bob.TargetInfo, SHA256.HashData("hello from A"u8));
        var toAlice = bob.CreateReport(alice.TargetInfo, SHA256.HashData("hello from B"u8));
        var bobAccepts = bob.VerifyReport(toBob);
        var aliceAccepts = alice.VerifyReport(toAlice);
        var misdirected = alice.VerifyReport(toBob);
        o.WriteLine($"   B verifies A's report: {Yes(bobAccepts)}; A verifies B's: {Yes(aliceAccepts)}; A verifies the report meant for B: {Yes(misdirected)}");

        o.WriteLine("3. Remote attestation: the quoting enclave quotes A; the real verifier checks it");
        var intel = SimulatedIntel.Create(now.AddMinutes(-5));
        var simulated = new DcapScenario { At = now, Enclave = EnclaveManifest.Sample }.Build(intel, platform);
        var collateral = new QuoteCollateral(
            Encoding.UTF8.GetBytes(simulated.TcbInfoJson), Encoding.ASCII.GetBytes(simulated.TcbInfoIssuerChainPem),
            Encoding.UTF8.GetBytes(simulated.QeIdentityJson), Encoding.ASCII.GetBytes(simulated.QeIdentityIssuerChainPem),
            simulated.PckCrl, simulated.RootCaCrl, Encoding.ASCII.GetBytes(simulated.PckCrlIssuerChainPem));
        using var root = X509Certificate2.CreateFromPem(simulated.TrustedRootPem);
        var verifier = new QuoteVerifier();
        var underTestRoot = verifier.Verify(simulated.Quote, collateral, new VerificationOptions { At = now, TrustAnchors = [TrustAnchor.FromCertificate(root)] });
        var underIntel = verifier.Verify(simulated.Quote, collateral, new VerificationOptions { At = now });
        o.WriteLine($"   quote {simulated.Quote.Length} bytes; MRENCLAVE {underTestRoot.Quote?.MrEnclave}; debug {Yes(underTestRoot.Quote?.Debug == true)}");
        o.WriteLine($"   under the simulated TEST root: {(underTestRoot.Verified ? "VERIFIED" : "NOT VERIFIED")}, TCB status {underTestRoot.TcbStatus?.ToIntelString() ?? "none"}, {underTestRoot.Checks.Count(c => c.Result == CheckResult.Passed)} checks passed");
        o.WriteLine($"   under Intel's root only: {(underIntel.Verified ? "VERIFIED" : "NOT VERIFIED")} ({string.Join(", ", underIntel.Failures.Select(f => f.Code?.ToString()).Distinct())})");

        var asExpected = bobAccepts && aliceAccepts && !misdirected && underTestRoot.Verified && !underIntel.Verified;
        o.WriteLine(asExpected ? "Every step behaved as SGX does." : "A step did not behave as expected.");
        return asExpected ? 0 : 1;
    }

    private static string Yes(bool value) => value ? "yes" : "no";

    private static SimulatedIntel OpenAuthority(string dir)
    {
        if (!File.Exists(Path.Combine(dir, SimulatedIntel.SettingsFileName)))
        {
            throw new CliInputException($"no simulated authority in '{dir}'; create one with 'vouch sim init --authority {dir}'");
        }

        return SimulatedIntel.Open(dir);
    }

    private static SimulatedPlatform OpenPlatform(string? dir) =>
        dir is null ? SimulatedPlatform.CreateInMemory() : SimulatedPlatform.OpenOrCreate(dir);

    private static EnclaveManifest LoadManifest(string pathOrSample)
    {
        try
        {
            return EnclaveManifest.Load(pathOrSample);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"enclave manifest '{pathOrSample}': {e.Message}");
        }
    }

    private static Enclave Launch(SimulatedPlatform platform, string manifest)
    {
        try
        {
            return platform.Launch(LoadManifest(manifest));
        }
        catch (EnclaveLaunchException e)
        {
            throw new CliInputException($"EINIT refused '{manifest}': {e.Status}");
        }
    }

    private static byte[] ParseReportData(string hex)
    {
        var bytes = Vouch.Sgx.Primitives.Hex.TryDecode(hex.Trim());
        if (bytes is null || bytes.Length > 64)
        {
            throw new CliInputException("--report-data must be hex of at most 64 bytes");
        }

        var padded = new byte[64];
        bytes.CopyTo(padded, 0);
        return padded;
    }

    private static TcbLevelStatus ParseStatus(string text, string option) =>
        Vouch.Sgx.Verification.TcbStatuses.TryParse(text, out var status)
            ? Enum.Parse<TcbLevelStatus>(status.ToString())
            : throw new CliInputException($"{option} '{text}' is not one of Intel's TCB statuses ({string.Join(", ", Enum.GetNames<TcbLevelStatus>())})");

    /// <summary>Runs a synchronous command body with one-line reasons (exit 2) for unusable input.</summary>
    private static int Guard(ParseResult parse, string name, Func<TextWriter, TextWriter, int> body)
    {
        var error = parse.InvocationConfiguration.Error;
        try
        {
            return body(parse.InvocationConfiguration.Output, error);
        }
        catch (Exception e) when (e is CliInputException or IOException or UnauthorizedAccessException or FormatException or InvalidDataException)
        {
            error.WriteLine($"vouch {name}: {e.Message}");
            return VouchCommand.UsageError;
        }
        catch (CryptographicException e)
        {
            error.WriteLine($"vouch {name}: {e.Message}");
            return VouchCommand.UsageError;
        }
    }
}
