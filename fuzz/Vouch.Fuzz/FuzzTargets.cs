using System.Collections.Frozen;
using System.Text;
using Vouch.Attestation.Policies;
using Vouch.Policy;
using Vouch.Server.Api;
using Vouch.Sgx.Certificates;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Verification;
using Vouch.Tests.Shared;

namespace Vouch.Fuzz;

/// <summary>
/// The fuzz targets: each reads one untrusted input the way Vouch does and must return normally whatever the bytes.
/// An exception escaping a target is a finding (AFL records it as a crash); so is a broken contract, checked here and
/// thrown as <see cref="ContractViolation"/> (a failure without a reason, a success without a value).
/// </summary>
internal static class FuzzTargets
{
    /// <summary>Every target by name, with the vector files that seed it (paths below the vectors folder, wildcards allowed).</summary>
    public static FrozenDictionary<string, (Action<byte[]> Run, string[] Seeds)> All { get; } = new Dictionary<string, (Action<byte[]>, string[])>
    {
        ["quote"] = (Quote, ["dcap/*/quote.bin", "sgx/*quote*.bin"]),
        ["verify"] = (Verify, ["dcap/*/quote.bin"]),
        ["pem-chain"] = (PemChainTarget, ["dcap/*/*_issuer_chain.pem", "dcap/*/pck_cert_chain.pem"]),
        ["certificate"] = (Certificate, ["sgx/*.der", "dcap/*/*.cer"]),
        ["crl"] = (CrlTarget, ["dcap/*/pck_crl.der", "dcap/*/root_ca_crl.der"]),
        ["tcb-info"] = (TcbInfoTarget, ["dcap/*/tcb_info.json"]),
        ["qe-identity"] = (QeIdentity, ["dcap/*/qe_identity.json"]),
        ["tcb-evaluation-data-numbers"] = (EvaluationNumbers, ["dcap/*/tcb_evaluation_data_numbers.json", "dcap/*/tcbevaluationdatanumbers*.json"]),
        ["policy"] = (Policy, ["maa/**/*.txt", "maa/**/*policy*"]),
        ["management-jws"] = (Jws, ["maa/**/*.jws", "maa/**/*policy*"]),
        ["request-body"] = (RequestBodyTarget, ["maa/azure-samples-2020/post.attest.body.json"]),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // Nothing of Vouch's (instrumented) code may run before SharpFuzz's loop has attached AFL's shared memory, so the
    // verifier and its genuine collateral are made on the first input, inside the loop.
    private static readonly Lazy<(QuoteVerifier Verifier, QuoteCollateral Collateral, VerificationOptions Options)> VerifyContext = new(() =>
    {
        // Signal's genuine CDSI collateral at its recorded instant: a fuzzed quote meets real Intel collateral.
        var folder = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");
        byte[] Read(string file) => File.ReadAllBytes(Path.Combine(folder, file));
        var collateral = new QuoteCollateral(Read("tcb_info.json"), Read("tcb_info_issuer_chain.pem"), Read("qe_identity.json"),
            Read("qe_identity_issuer_chain.pem"), Read("pck_crl.der"), Read("root_ca_crl.der"), Read("pck_crl_issuer_chain.pem"));
        return (new QuoteVerifier(), collateral, new VerificationOptions { At = DateTimeOffset.FromUnixTimeSeconds(1785432688) });
    });

    private static void Quote(byte[] input) =>
        Check(Vouch.Sgx.Quotes.Quote.TryParse(input, out var quote, out var error), quote, error);

    private static void Verify(byte[] input)
    {
        // The whole verifier on a fuzzed quote with genuine collateral: every check must be recorded with a result, and a
        // quote that verifies must parse (a mutated quote that verifies is a false accept only if its signed region changed:
        // Intel's signature then fails, so it cannot happen unless the verifier is broken).
        var (verifier, collateral, options) = VerifyContext.Value;
        var report = verifier.Verify(input, collateral, options);
        if (report.Checks.IsDefaultOrEmpty || (report.Verified && report.Quote is null))
        {
            throw new ContractViolation("a report without checks, or a verified report without a parsed quote");
        }
    }

    private static void PemChainTarget(byte[] input) =>
        Check(PemChain.TryRead(input, out var certificates, out var error), certificates, error);

    private static void Certificate(byte[] input) =>
        Check(ParsedCertificate.TryParse(input, out var certificate, out var error), certificate, error);

    private static void CrlTarget(byte[] input) =>
        Check(Crl.TryParse(input, out var crl, out var error), crl, error);

    private static void TcbInfoTarget(byte[] input) =>
        Check(TcbInfo.TryParse(input, out var info, out var error), info, error);

    private static void QeIdentity(byte[] input) =>
        Check(EnclaveIdentity.TryParse(input, out var identity, out var error), identity, error);

    private static void EvaluationNumbers(byte[] input) =>
        Check(TcbEvaluationDataNumbers.TryParse(input, out var numbers, out var error), numbers, error);

    private static void Policy(byte[] input)
    {
        var compiled = AttestationPolicy.TryCompile(Encoding.UTF8.GetString(input), out var policy, out var diagnostics);
        if (compiled != (policy is not null) || compiled == diagnostics.Length > 0)
        {
            throw new ContractViolation("a compile result without a policy, or a failure without a diagnostic");
        }
    }

    private static void Jws(byte[] input) =>
        Check(ManagementJws.TryRead(Encoding.UTF8.GetString(input), out var jws, out var error), jws, error);

    // The anonymous attest routes' reader: a bounded JSON object (RequestBody.TryParseObject, 32 levels as served by
    // default), then the members of an SGX and of an Open Enclave request (evidence, runtime and init-time data, nonce,
    // draft policy) as AttestationApi reads them.
    private static void RequestBodyTarget(byte[] input)
    {
        if (!RequestBody.TryParseObject(input, 32, out var root, out var error))
        {
            Check(false, null, error);
            return;
        }

        foreach (var member in (string[])["quote", "report"])
        {
            var read = AttestationApi.TryReadRequest(root, member, 128 << 10, out var request, out error);
            Check(read, read ? request : null, error);
        }
    }

    private static void Check(bool ok, object? value, object? error)
    {
        if (ok ? value is null || error is not null : value is not null || error is null)
        {
            throw new ContractViolation(ok ? "success without a value" : "failure without a reason");
        }
    }
}

/// <summary>A target broke its own contract (not a parse failure: those are answers).</summary>
internal sealed class ContractViolation(string message) : Exception(message);
