using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Errors;
using Vouch.Server.Collateral;
using Vouch.Server.Hosting;
using Vouch.Sgx;
using Vouch.Sgx.Verification;

namespace Vouch.Cli.Commands;

/// <summary>
/// <c>vouch collateral export|import|status</c>: collateral carried in one file to verifiers without network access,
/// and what a data directory holds; <c>vouch collateral prefetch</c>: a running server fetches platforms' collateral now.
/// </summary>
internal static class CollateralCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var collateral = new Command("collateral", "Carry collateral between data directories in one bundle file, list what is held, and prefetch it on a running server.");
        collateral.Subcommands.Add(CreateExport());
        collateral.Subcommands.Add(CreateImport());
        collateral.Subcommands.Add(CreateStatus());
        collateral.Subcommands.Add(CreatePrefetch());
        return collateral;
    }

    private static Command CreateExport()
    {
        var from = new Option<string[]>("--from") { Description = "A collateral folder (PCS-file layout) or a folder of them. Repeatable. Default: ./.vouch/collateral and ./.vouch/sim/pcs when present." };
        var fmspc = new Option<string[]>("--fmspc") { Description = "Export only this FMSPC (12 hex digits). Repeatable. Default: every platform found." };
        var output = new Option<FileInfo>("--out") { Description = "The bundle file to write.", Required = true };
        var export = new Command("export", "Write the collateral of the matching platforms into one bundle file.") { from, fmspc, output };
        export.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var roots = parse.GetValue(from) is { Length: > 0 } given
                ? given
                : new[] { Path.Combine(ServerCommands.DefaultDataDirectory, VouchHosting.CollateralDirectoryName), Path.Combine(ServerCommands.DefaultDataDirectory, "sim", "pcs") }.Where(Directory.Exists).ToArray();
            var wanted = (parse.GetValue(fmspc) ?? []).Select(f => f.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
            if (wanted.Any(f => f.Length != 12 || !f.All(char.IsAsciiHexDigit)))
            {
                stderr.WriteLine("vouch collateral export: --fmspc takes 12 hex digits");
                return VouchCommand.UsageError;
            }

            var platforms = new SortedDictionary<string, CollateralBundlePlatform>(StringComparer.Ordinal);
            foreach (var root in roots)
            {
                if (!Directory.Exists(root))
                {
                    stderr.WriteLine($"vouch collateral export: folder '{root}' does not exist");
                    return VouchCommand.UsageError;
                }

                foreach (var folder in CollateralFolders(root))
                {
                    if (!CollateralBundlePlatform.TryReadFolder(folder, out var platform, out var error))
                    {
                        stderr.WriteLine($"vouch collateral export: {error.Code.Format()} {folder}: {error.Message}");
                        return 1;
                    }

                    if (wanted.Count > 0 && !wanted.Contains(platform.Fmspc))
                    {
                        continue;
                    }

                    // Two folders for one platform: the higher evaluation number wins.
                    if (!platforms.TryGetValue(platform.FolderName, out var held) || held.TcbEvaluationDataNumber < platform.TcbEvaluationDataNumber)
                    {
                        platforms[platform.FolderName] = platform;
                    }
                }
            }

            var missing = wanted.Where(f => !platforms.Values.Any(p => p.Fmspc == f)).ToList();
            if (platforms.Count == 0 || missing.Count > 0)
            {
                stderr.WriteLine($"vouch collateral export: no collateral for {(missing.Count > 0 ? "FMSPC " + string.Join(", ", missing) : "any platform")}");
                return 1;
            }

            var bundle = new CollateralBundle(TimeProvider.System.GetUtcNow(), [.. platforms.Values]);
            var path = parse.GetRequiredValue(output).FullName;
            try
            {
                File.WriteAllBytes(path, bundle.ToBytes());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"vouch collateral export: cannot write '{path}': {e.Message}");
                return VouchCommand.UsageError;
            }

            foreach (var platform in bundle.Platforms)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"exported {platform.FolderName}  evaluation data number {platform.TcbEvaluationDataNumber}"));
            }

            return 0;
        });
        return export;
    }

    private static Command CreateImport()
    {
        var file = new Argument<FileInfo>("bundle") { Description = "The bundle file." };
        var data = new Option<string>("--data") { Description = "Data directory to import into (default ./.vouch); platforms go to DATA/collateral/<tee>-<fmspc>-<ca>/." };
        var roots = new Option<FileInfo[]>("--root") { Description = "An extra trust anchor (PEM certificate; only its public key is used). Repeatable. Without it only the Intel SGX Root CA key is trusted." };
        var allowOlder = new Option<bool>("--allow-older") { Description = "Replace held collateral even with a lower TCB evaluation data number or CRL number (rollback)." };
        var import = new Command("import", "Verify every artefact of a bundle against the trust anchors, then store each platform. Nothing is written when anything fails.")
        {
            file, data, roots, allowOlder,
        };
        import.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            CollateralBundle? bundle;
            List<TrustAnchor> anchors = [TrustAnchor.IntelSgxRootCa];
            try
            {
                var path = parse.GetRequiredValue(file).FullName;
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    throw new CliInputException($"bundle '{path}' does not exist");
                }

                if (info.Length > CollateralBundle.MaxBytes)
                {
                    stderr.WriteLine($"vouch collateral import: {AttestationErrorCode.BundleTooLarge.Format()} the bundle is larger than {CollateralBundle.MaxBytes} bytes");
                    return 1;
                }

                if (!CollateralBundle.TryRead(File.ReadAllBytes(path), out bundle, out var error))
                {
                    stderr.WriteLine($"vouch collateral import: {error.Code.Format()} {error.Message}");
                    return 1;
                }

                anchors.AddRange((parse.GetValue(roots) ?? []).Select(f => QuoteCommands.LoadAnchor(f.FullName)));
            }
            catch (CliInputException e)
            {
                stderr.WriteLine($"vouch collateral import: {e.Message}");
                return VouchCommand.UsageError;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"vouch collateral import: {e.Message}");
                return VouchCommand.UsageError;
            }

            // Everything is verified, and checked against what is held, before anything is written.
            var target = Path.Combine(parse.GetValue(data) ?? ServerCommands.DefaultDataDirectory, VouchHosting.CollateralDirectoryName);
            var refused = false;
            foreach (var (platform, report) in bundle.Verify(anchors))
            {
                if (!report.Verified)
                {
                    refused = true;
                    stderr.WriteLine($"vouch collateral import: {AttestationErrorCode.BundleCollateralInvalid.Format()} {platform.FolderName}: "
                        + string.Join("; ", report.Failures.Select(f => $"{f.Check} {f.Code?.Format()} {f.Detail}")));
                    continue;
                }

                // The rollback rule the PCS cache and the store apply too (CollateralOrdering); unreadable numbers are refused.
                if (!parse.GetValue(allowOlder) && HeldNumbers(Path.Combine(target, platform.FolderName)) is { } held
                    && (CollateralNumbers.TryRead(platform.ToCollateral(), out var offered)
                        ? CollateralOrdering.RollbackFrom(held, offered)
                        : "the bundle's evaluation and CRL numbers cannot be read") is { } rollback)
                {
                    refused = true;
                    stderr.WriteLine($"vouch collateral import: {AttestationErrorCode.BundleRollback.Format()} {platform.FolderName}: {rollback}");
                }
            }

            if (refused)
            {
                stderr.WriteLine("vouch collateral import: nothing was written");
                return 1;
            }

            try
            {
                Directory.CreateDirectory(target);
                foreach (var platform in bundle.Platforms)
                {
                    WriteAtomically(target, platform);
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"imported {platform.FolderName}  evaluation data number {platform.TcbEvaluationDataNumber}"));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"vouch collateral import: cannot write into '{target}': {e.Message}");
                return VouchCommand.UsageError;
            }

            return 0;
        });
        return import;
    }

    private static Command CreateStatus()
    {
        var data = new Option<string>("--data") { Description = "Data directory (default ./.vouch)." };
        var json = new Option<bool>("--json") { Description = "Print as JSON." };
        var status = new Command("status", "List the collateral held in DATA/collateral (platform, evaluation data numbers, validity) and the PCS cache persisted in DATA/vouch.db (read only; the database is never created or upgraded).") { data, json };
        status.SetAction(async (parse, cancellation) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var dataDirectory = parse.GetValue(data) ?? ServerCommands.DefaultDataDirectory;
            var root = Path.Combine(dataDirectory, VouchHosting.CollateralDirectoryName);
            var rows = new JsonArray();
            foreach (var folder in Directory.Exists(root) ? CollateralFolders(root) : [])
            {
                var row = new JsonObject { ["folder"] = Path.GetFileName(folder) };
                if (!CollateralBundlePlatform.TryReadFolder(folder, out var platform, out var error))
                {
                    row["error"] = error.Code.Format();
                    rows.Add(row);
                    continue;
                }

                // No trust anchors: only the parsed artefacts and their validity are wanted here.
                var report = CollateralVerifier.Verify(platform.ToCollateral(), []);
                row["fmspc"] = platform.Fmspc;
                row["ca"] = platform.Ca;
                row["tee"] = platform.Tee;
                row["tcbEvaluationDataNumber"] = report.TcbInfo?.TcbEvaluationDataNumber;
                row["qeIdentityTcbEvaluationDataNumber"] = report.QeIdentity?.TcbEvaluationDataNumber;
                row["tcbInfoIssueDate"] = CliInput.Iso(report.TcbInfo?.IssueDate);
                row["tcbInfoNextUpdate"] = CliInput.Iso(report.TcbInfo?.NextUpdate);
                row["qeIdentityIssueDate"] = CliInput.Iso(report.QeIdentity?.IssueDate);
                row["qeIdentityNextUpdate"] = CliInput.Iso(report.QeIdentity?.NextUpdate);
                row["pckCrlNextUpdate"] = CliInput.Iso(report.PckCrl?.NextUpdate);
                row["rootCaCrlNextUpdate"] = CliInput.Iso(report.RootCaCrl?.NextUpdate);
                row["usableFrom"] = CliInput.Iso(report.Window?.NotBefore);
                row["usableUntil"] = CliInput.Iso(report.Window?.NotAfter);
                rows.Add(row);
            }

            var cache = await PersistedCache.ReadAsync(Path.Combine(dataDirectory, VouchHosting.DatabaseFileName), TimeProvider.System.GetUtcNow(), cancellation).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                stdout.WriteLine(new JsonObject { ["directory"] = Path.GetFullPath(root), ["platforms"] = rows, ["pcsCache"] = cache.ToJson() }.ToJsonString(Indented));
                return 0;
            }

            stdout.WriteLine($"collateral in {Path.GetFullPath(root)}: {rows.Count} platform(s)");
            foreach (var row in rows.Select(r => r!.AsObject()))
            {
                stdout.WriteLine(row["error"] is { } e
                    ? $"{row["folder"]}  unreadable ({e})"
                    : $"{row["folder"]}  FMSPC {row["fmspc"]}  {row["tee"]}  CA {row["ca"]}  TCB Info #{row["tcbEvaluationDataNumber"]} (issued {row["tcbInfoIssueDate"]}, next {row["tcbInfoNextUpdate"]})  QE Identity #{row["qeIdentityTcbEvaluationDataNumber"]} (next {row["qeIdentityNextUpdate"]})  CRLs next {row["pckCrlNextUpdate"]} / {row["rootCaCrlNextUpdate"]}  usable until {row["usableUntil"]}");
            }

            cache.Print(stdout);
            return 0;
        });
        return status;
    }

    private static Command CreatePrefetch()
    {
        var url = ClientCommands.UrlOption("The server's base URL, e.g. https://127.0.0.1:5443.");
        var token = ClientCommands.TokenOption();
        var ca = ClientCommands.CaOption();
        var data = ClientCommands.DataOption();
        var platforms = new Option<string[]>("--platform") { Description = "[sgx:|tdx:]FMSPC[:platform|processor] (SGX and both PCK CAs when omitted). Repeatable.", Required = true };
        var versions = new Option<string[]>("--version") { Description = "standard, early or tcb-evaluation-N. Repeatable. Default: the version every provider of the server uses." };
        var json = new Option<bool>("--json") { Description = "Print the entries as JSON." };
        var prefetch = new Command("prefetch", "Have a running server (with a PCS source) fetch the collateral of these platforms now, before their first quote, and print the cache's entries. Exit 0 when every entry holds a copy, 1 when one does not (or the server refuses), 2 for unusable input.")
        {
            platforms, versions, json, url, token, ca, data,
        };
        prefetch.SetAction((parse, cancellation) => ClientCommands.RunAdminAsync(parse, "collateral prefetch", parse.GetRequiredValue(url), parse.GetValue(token), parse.GetValue(ca), parse.GetValue(data), async http =>
        {
            var body = new JsonObject { ["platforms"] = new JsonArray([.. parse.GetRequiredValue(platforms).Select(p => (JsonNode)ValidPlatform(p))]) };
            if (parse.GetValue(versions) is { Length: > 0 } given)
            {
                body["versions"] = new JsonArray([.. given.Select(v => (JsonNode)ValidVersion(v))]);
            }

            return await http.PostAsync(new Uri("admin/collateral:prefetch", UriKind.Relative), new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"), cancellation).ConfigureAwait(false);
        }, (answer, output) => PrintEntries(answer, output, parse.GetValue(json))));
        return prefetch;
    }

    private static string ValidPlatform(string platform) =>
        PcsCacheKeys.TryParsePlatforms(platform, CollateralVersion.Standard, out _)
            ? platform
            : throw new CliInputException($"--platform '{platform}' is not [sgx:|tdx:]FMSPC[:platform|processor] (FMSPC: 12 hex digits)");

    private static string ValidVersion(string version) =>
        CollateralVersion.TryParse(version, out _)
            ? version
            : throw new CliInputException($"--version '{version}' is not standard, early or tcb-evaluation-N");

    private static int PrintEntries(JsonNode? answer, TextWriter output, bool json)
    {
        var entries = answer?["entries"]?.AsArray() ?? [];
        if (json)
        {
            output.WriteLine(new JsonObject { ["entries"] = entries.DeepClone() }.ToJsonString(Indented));
        }
        else
        {
            output.WriteLine($"{"key",-42} {"fetched at",-20} {"TCB#",4} {"QE#",4} {"valid until",-20} {"refresh at",-20} problem");
            foreach (var entry in entries)
            {
                output.WriteLine($"{Text(entry, "key"),-42} {Text(entry, "fetchedAt") ?? "-",-20} {Text(entry, "tcbEvaluationDataNumber") ?? "-",4} {Text(entry, "qeEvaluationDataNumber") ?? "-",4} {Text(entry, "validUntil") ?? "-",-20} {Text(entry, "refreshAt") ?? "-",-20} {Text(entry, "lastProblem") ?? ""}");
            }
        }

        return entries.All(e => e?["fetchedAt"] is not null) ? 0 : 1;
    }

    private static string? Text(JsonNode? entry, string member) => entry?[member] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        var other => other.ToJsonString(),
    };

    /// <summary>A collateral folder itself, or its immediate subfolders that are collateral folders (not those starting with <c>.</c>).</summary>
    private static IEnumerable<string> CollateralFolders(string root) =>
        File.Exists(Path.Combine(root, "tcb_info.json"))
            ? [root]
            : Directory.GetDirectories(root)
                .Where(d => !Path.GetFileName(d).StartsWith('.') && File.Exists(Path.Combine(d, "tcb_info.json")))
                .Order(StringComparer.Ordinal);

    // The numbers of the platform already held in the folder; null when there is none or it does not read.
    private static CollateralNumbers? HeldNumbers(string folder) =>
        Directory.Exists(folder) && CollateralBundlePlatform.TryReadFolder(folder, out var held, out _)
            && CollateralNumbers.TryRead(held.ToCollateral(), out var numbers)
            ? numbers
            : null;

    /// <summary>Writes the platform into a hidden temporary folder (ignored by the collateral scanner), then renames it into place.</summary>
    private static void WriteAtomically(string target, CollateralBundlePlatform platform)
    {
        var id = Guid.NewGuid().ToString("N");
        var temporary = Path.Combine(target, $".import-{platform.FolderName}-{id}");
        Directory.CreateDirectory(temporary);
        foreach (var (name, bytes) in platform.Files)
        {
            File.WriteAllBytes(Path.Combine(temporary, name), bytes);
        }

        var final = Path.Combine(target, platform.FolderName);
        if (Directory.Exists(final))
        {
            var old = Path.Combine(target, $".replaced-{platform.FolderName}-{id}");
            Directory.Move(final, old);
            Directory.Move(temporary, final);
            Directory.Delete(old, recursive: true);
        }
        else
        {
            Directory.Move(temporary, final);
        }
    }

}
