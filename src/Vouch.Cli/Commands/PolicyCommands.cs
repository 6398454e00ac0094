using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Vouch.Attestation.Claims;
using Vouch.Policy;
using Vouch.Policy.Evaluation;
using Vouch.Policy.Syntax;

namespace Vouch.Cli.Commands;

/// <summary>
/// <c>vouch policy check|eval|hash</c>: MAA attestation policies offline. Exit codes: 0 valid /
/// authorised, 1 invalid / not authorised, 2 the command could not do its job (unreadable file, bad
/// claims JSON, a policy that does not compile under eval, bad usage). Diagnostics go to stderr as
/// <c>FILE:line:col: ATT6xxx: message</c>.
/// </summary>
internal static class PolicyCommands
{
    private const int Ok = 0;
    private const int No = 1;
    private const int Error = 2;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Command Create()
    {
        var policy = new Command("policy", "Check, evaluate and hash Microsoft Azure Attestation policies (versions 1.0, 1.1, 1.2).");
        policy.Subcommands.Add(CreateCheck());
        policy.Subcommands.Add(CreateEval());
        policy.Subcommands.Add(CreateHash());
        return policy;
    }

    private static Command CreateCheck()
    {
        var file = new Argument<FileInfo?>("FILE") { Description = "The policy text file.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("check", "Compile a policy: print its version and rule counts, or every diagnostic.") { file };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var (output, error) = Writers(parse);
            if (!Usage(parse, error) || !TryRequire(parse.GetValue(file), "FILE", error, out var path))
            {
                return Error;
            }

            if (!TryReadText(path, error, out var text, out _))
            {
                return Error;
            }

            if (!AttestationPolicy.TryCompile(text, out var compiled, out var diagnostics, reserved: AttestationClaimTypes.Reserved))
            {
                WriteDiagnostics(path, diagnostics, error);
                return No;
            }

            output.WriteLine($"version: {PolicyPrinter.Keyword(compiled.Version)}");
            foreach (var section in Enum.GetValues<SectionKind>())
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{PolicyPrinter.Keyword(section)}: {compiled.RuleCount(section)}"));
            }

            output.WriteLine($"x-ms-policy-hash: {compiled.Hash}");
            return Ok;
        });
        return command;
    }

    private static Command CreateEval()
    {
        var policyOption = new Option<FileInfo?>("--policy") { Description = "The policy text file." };
        var claimsOption = new Option<FileInfo?>("--claims") { Description = "Incoming claims: a JSON object { \"type\": value }, an array meaning several claims of one type." };
        var jsonOption = new Option<bool>("--json") { Description = "Print the result as one JSON object." };
        var traceOption = new Option<bool>("--trace") { Description = "Also show which rules fired." };
        var command = new Command("eval", "Evaluate a policy against incoming claims. Exit 0 authorised, 1 not, 2 error.")
        {
            policyOption, claimsOption, jsonOption, traceOption,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var (output, error) = Writers(parse);
            if (!Usage(parse, error)
                || !TryRequire(parse.GetValue(policyOption), "--policy", error, out var policyPath)
                || !TryRequire(parse.GetValue(claimsOption), "--claims", error, out var claimsPath)
                || !TryReadText(policyPath, error, out var policyText, out _)
                || !TryReadText(claimsPath, error, out var claimsText, out _))
            {
                return Error;
            }

            if (!ClaimsJson.TryReadIncoming(claimsText, out var claims, out var claimsError))
            {
                error.WriteLine($"{claimsPath}: {claimsError}");
                return Error;
            }

            if (!AttestationPolicy.TryCompile(policyText, out var compiled, out var diagnostics, reserved: AttestationClaimTypes.Reserved))
            {
                WriteDiagnostics(policyPath, diagnostics, error);
                return Error;
            }

            var trace = parse.GetValue(traceOption);
            var result = compiled.Evaluate(claims, new PolicyEvaluationOptions { Trace = trace });
            if (parse.GetValue(jsonOption))
            {
                output.WriteLine(ToJson(result, trace).ToJsonString());
            }
            else
            {
                WriteText(result, trace, output);
            }

            foreach (var warning in result.Warnings)
            {
                error.WriteLine(warning.ToString(policyPath));
            }

            return result.IsAuthorized ? Ok : No;
        });
        return command;
    }

    private static Command CreateHash()
    {
        var file = new Argument<FileInfo?>("FILE") { Description = "The policy text file, hashed byte for byte.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("hash", "Print the x-ms-policy-hash of a policy text: base64url(SHA-256(base64url(text bytes)))).") { file };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var (output, error) = Writers(parse);
            if (!Usage(parse, error) || !TryRequire(parse.GetValue(file), "FILE", error, out var path) || !TryReadText(path, error, out _, out var bytes))
            {
                return Error;
            }

            output.WriteLine(PolicyHash.Compute(bytes));
            return Ok;
        });
        return command;
    }

    private static (TextWriter Output, TextWriter Error) Writers(ParseResult parse) =>
        (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);

    private static bool Usage(ParseResult parse, TextWriter error)
    {
        if (parse.UnmatchedTokens.Count == 0)
        {
            return true;
        }

        error.WriteLine("vouch policy: unexpected argument '" + parse.UnmatchedTokens[0] + "'");
        return false;
    }

    private static bool TryRequire(FileInfo? value, string name, TextWriter error, out string path)
    {
        path = value?.ToString() ?? "";
        if (value is null)
        {
            error.WriteLine($"vouch policy: {name} is required");
            return false;
        }

        return true;
    }

    private static bool TryReadText(string path, TextWriter error, out string text, out byte[] bytes)
    {
        text = "";
        bytes = [];
        try
        {
            bytes = File.ReadAllBytes(path);
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{path}: cannot read: {e.Message}");
            return false;
        }
        catch (DecoderFallbackException)
        {
            error.WriteLine($"{path}: not UTF-8 text");
            return false;
        }
    }

    private static void WriteDiagnostics(string path, IEnumerable<PolicyDiagnostic> diagnostics, TextWriter error)
    {
        foreach (var diagnostic in diagnostics)
        {
            error.WriteLine(diagnostic.ToString(path));
        }
    }


    private static JsonObject ToJson(PolicyEvaluationResult result, bool trace)
    {
        var json = new JsonObject
        {
            ["authorized"] = result.IsAuthorized,
            ["issued"] = ClaimsJson.Write(result.IssuedClaims),
            ["properties"] = ClaimsJson.Write(result.PropertyClaims),
            ["reason"] = result.Reason,
        };
        if (result.Failure is { } failure)
        {
            json["code"] = failure.Format();
        }

        json["warnings"] = new JsonArray([.. result.Warnings.Select(w => (JsonNode)new JsonObject
        {
            ["code"] = w.Code.Format(),
            ["line"] = w.Line,
            ["column"] = w.Column,
            ["message"] = w.Message,
        })]);
        if (trace)
        {
            json["trace"] = new JsonArray([.. result.Trace.Select(f => (JsonNode)new JsonObject
            {
                ["section"] = PolicyPrinter.Keyword(f.Section),
                ["rule"] = f.Rule,
                ["line"] = f.Line,
                ["column"] = f.Column,
                ["action"] = f.Action,
                ["claim"] = f.Claim is null ? null : new JsonObject { ["type"] = f.Claim.Type, ["value"] = ClaimsJson.ToNode(f.Claim.Value) },
            })]);
        }

        return json;
    }

    private static void WriteText(PolicyEvaluationResult result, bool trace, TextWriter output)
    {
        output.WriteLine(result.IsAuthorized ? "authorized" : $"not authorized: {result.Failure?.Format()}: {result.Reason}");
        output.WriteLine("issued: " + ClaimsJson.Write(result.IssuedClaims).ToJsonString());
        output.WriteLine("properties: " + ClaimsJson.Write(result.PropertyClaims).ToJsonString());
        if (!trace)
        {
            return;
        }

        output.WriteLine("trace:");
        foreach (var firing in result.Trace)
        {
            var claim = firing.Claim is null ? "" : $" {firing.Claim.Type} = {ClaimsJson.ToNode(firing.Claim.Value).ToJsonString()}";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {PolicyPrinter.Keyword(firing.Section)} rule {firing.Rule} ({firing.Line}:{firing.Column}): {firing.Action}{claim}"));
        }
    }
}
