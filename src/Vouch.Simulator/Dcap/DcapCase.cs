using System.Text;
using System.Text.Json;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Dcap;

/// <summary>
/// A quote with everything a verifier needs, in the files of <c>../shared/vectors/dcap/*/</c> plus
/// <c>trusted_root.pem</c> (the simulated TEST root) and <c>facts.json</c> (what a verifier must conclude).
/// </summary>
public sealed record DcapCase
{
    /// <summary>File of <see cref="TcbEvaluationDataNumbersJson"/> in a collateral folder.</summary>
    public const string TcbEvaluationDataNumbersFileName = "tcb_evaluation_data_numbers.json";

    /// <summary>File of <see cref="TcbEvaluationDataNumbersIssuerChainPem"/> in a collateral folder.</summary>
    public const string TcbEvaluationDataNumbersIssuerChainFileName = "tcb_evaluation_data_numbers_issuer_chain.pem";

    /// <summary>File names written by <see cref="WriteTo"/> (plus <c>report_data_preimage.bin</c> when custom claims are set).</summary>
    public static IReadOnlyList<string> FileNames { get; } =
    [
        "quote.bin", "tcb_info.json", "qe_identity.json", "tcb_info_issuer_chain.pem", "qe_identity_issuer_chain.pem",
        "pck_crl_issuer_chain.pem", "pck_crl.der", "root_ca_crl.der",
        TcbEvaluationDataNumbersFileName, TcbEvaluationDataNumbersIssuerChainFileName, "trusted_root.pem", "facts.json",
    ];

    /// <summary>
    /// File names written by <see cref="PublishCollateral"/>: the collateral of the PCS-file layout (what a verifier
    /// needs besides the quote and the trust anchor), plus the SGX TCB Evaluation Data Numbers document and its issuer
    /// chain, which readers of the layout that do not know them ignore. No <c>pck_cert_chain.pem</c>: the quote carries
    /// its chain.
    /// </summary>
    public static IReadOnlyList<string> CollateralFileNames { get; } =
    [
        "tcb_info.json", "qe_identity.json", "tcb_info_issuer_chain.pem", "qe_identity_issuer_chain.pem",
        "pck_crl_issuer_chain.pem", "pck_crl.der", "root_ca_crl.der",
        TcbEvaluationDataNumbersFileName, TcbEvaluationDataNumbersIssuerChainFileName,
    ];


    private const int PublishAttempts = 10;

    /// <summary>The quote.</summary>
    public required byte[] Quote { get; init; }
    /// <summary>PCS <c>/tcb</c> response body.</summary>
    public required string TcbInfoJson { get; init; }
    /// <summary>PCS <c>/qe/identity</c> response body.</summary>
    public required string QeIdentityJson { get; init; }
    /// <summary>PCS <c>TCB-Info-Issuer-Chain</c> (URL-decoded).</summary>
    public required string TcbInfoIssuerChainPem { get; init; }
    /// <summary>PCS <c>SGX-Enclave-Identity-Issuer-Chain</c> (URL-decoded).</summary>
    public required string QeIdentityIssuerChainPem { get; init; }
    /// <summary>PCS <c>/sgx/certification/v4/tcbevaluationdatanumbers</c> response body.</summary>
    public required string TcbEvaluationDataNumbersJson { get; init; }
    /// <summary>PCS <c>/tdx/certification/v4/tcbevaluationdatanumbers</c> response body (the same numbers, <c>id: TDX</c>).</summary>
    public required string TdxTcbEvaluationDataNumbersJson { get; init; }
    /// <summary>PCS <c>TCB-Evaluation-Data-Numbers-Issuer-Chain</c> (URL-decoded), for either document.</summary>
    public required string TcbEvaluationDataNumbersIssuerChainPem { get; init; }
    /// <summary>PCS <c>SGX-PCK-CRL-Issuer-Chain</c> (URL-decoded).</summary>
    public required string PckCrlIssuerChainPem { get; init; }
    /// <summary>The PCK CA's CRL, DER.</summary>
    public required byte[] PckCrl { get; init; }
    /// <summary>The root CA CRL, DER.</summary>
    public required byte[] RootCaCrl { get; init; }
    /// <summary>The simulated TEST root: the trust anchor to give the verifier.</summary>
    public required string TrustedRootPem { get; init; }
    /// <summary>The PCK chain carried in the quote (leaf ‖ PCK CA ‖ root), without the trailing NUL.</summary>
    public required string PckCertificateChainPem { get; init; }
    /// <summary>The CA that issued the PCK certificate.</summary>
    public required PckCaType PckCa { get; init; }
    /// <summary>The TCB the PCK certificate certifies: CPUSVN (16 bytes).</summary>
    public required byte[] CertifiedCpuSvn { get; init; }
    /// <summary>The TCB the PCK certificate certifies: PCE SVN.</summary>
    public required ushort CertifiedPceSvn { get; init; }
    /// <summary>The Open Enclave custom claims buffer whose SHA-256 is REPORTDATA[0:32], when the scenario set claims.</summary>
    public byte[]? ReportDataPreimage { get; init; }
    /// <summary>The facts and the expected verdict.</summary>
    public required DcapFacts Facts { get; init; }

    /// <summary>Writes the case's files into <paramref name="directory"/> (created if missing; files overwritten).</summary>
    public void WriteTo(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "quote.bin"), Quote);
        WriteCollateral(directory);
        File.WriteAllText(Path.Combine(directory, "trusted_root.pem"), TrustedRootPem);
        File.WriteAllText(Path.Combine(directory, "facts.json"), Facts.ToJson());
        if (ReportDataPreimage is not null)
        {
            File.WriteAllBytes(Path.Combine(directory, "report_data_preimage.bin"), ReportDataPreimage);
        }
    }

    /// <summary>
    /// Publishes the collateral (<see cref="CollateralFileNames"/>) the way a PCS cache holds it, in
    /// <c><paramref name="pcsDirectory"/>/&lt;fmspc&gt;/</c>, the platform's FMSPC in lower-case hex, replacing what
    /// was published there before. The files are written into a new sibling folder whose name starts with
    /// <c>.</c>, which is then renamed into place (the previous folder is first renamed away and then deleted),
    /// so a reader never finds a partly written folder; for an instant between the two renames it may find none.
    /// </summary>
    /// <param name="pcsDirectory">The folder of published collateral, e.g. <see cref="SimulatedIntel.PcsDirectory"/>; created if missing.</param>
    /// <returns>The full path of the published folder.</returns>
    /// <exception cref="IOException">The folder cannot be written, or kept being replaced by other publishers.</exception>
    public string PublishCollateral(string pcsDirectory)
    {
        ArgumentNullException.ThrowIfNull(pcsDirectory);
        var root = Path.GetFullPath(pcsDirectory);
        Directory.CreateDirectory(root);
        var name = Convert.ToHexStringLower(Facts.Fmspc);
        var target = Path.Combine(root, name);
        var staging = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.new");
        try
        {
            Directory.CreateDirectory(staging);
            WriteCollateral(staging);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    // Fails while a folder of that name exists.
                    Directory.Move(staging, target);
                    return target;
                }
                catch (IOException) when (attempt < PublishAttempts && Directory.Exists(target))
                {
                    var retired = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.old");
                    try
                    {
                        Directory.Move(target, retired);
                    }
                    catch (IOException) when (!Directory.Exists(target))
                    {
                        // Another publisher moved it away first.
                        continue;
                    }

                    Directory.Delete(retired, recursive: true);
                }
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private void WriteCollateral(string directory)
    {
        File.WriteAllText(Path.Combine(directory, "tcb_info.json"), TcbInfoJson);
        File.WriteAllText(Path.Combine(directory, "qe_identity.json"), QeIdentityJson);
        File.WriteAllText(Path.Combine(directory, "tcb_info_issuer_chain.pem"), TcbInfoIssuerChainPem);
        File.WriteAllText(Path.Combine(directory, "qe_identity_issuer_chain.pem"), QeIdentityIssuerChainPem);
        File.WriteAllText(Path.Combine(directory, "pck_crl_issuer_chain.pem"), PckCrlIssuerChainPem);
        File.WriteAllBytes(Path.Combine(directory, "pck_crl.der"), PckCrl);
        File.WriteAllBytes(Path.Combine(directory, "root_ca_crl.der"), RootCaCrl);
        File.WriteAllText(Path.Combine(directory, TcbEvaluationDataNumbersFileName), TcbEvaluationDataNumbersJson);
        File.WriteAllText(Path.Combine(directory, TcbEvaluationDataNumbersIssuerChainFileName), TcbEvaluationDataNumbersIssuerChainPem);
    }
}

/// <summary>The facts of a <see cref="DcapCase"/>: the quoted identity, the platform, and the expected verdict (<c>facts.json</c>).</summary>
public sealed record DcapFacts
{
    /// <summary>The application enclave's MRENCLAVE.</summary>
    public required byte[] MrEnclave { get; init; }
    /// <summary>The application enclave's MRSIGNER.</summary>
    public required byte[] MrSigner { get; init; }
    /// <summary>ISVPRODID.</summary>
    public required ushort IsvProdId { get; init; }
    /// <summary>ISVSVN.</summary>
    public required ushort IsvSvn { get; init; }
    /// <summary>Whether the quoted enclave is a debug enclave.</summary>
    public required bool Debug { get; init; }
    /// <summary>The REPORTDATA the relying party expects (the quote carries it unless <see cref="DcapScenario.WrongReportData"/>).</summary>
    public required byte[] ReportData { get; init; }
    /// <summary>The platform's FMSPC.</summary>
    public required byte[] Fmspc { get; init; }
    /// <summary>The platform's PCE-ID.</summary>
    public required byte[] PceId { get; init; }
    /// <summary>The QE's ISVSVN.</summary>
    public required ushort QeIsvSvn { get; init; }
    /// <summary>Serial number of the PCK certificate in the quote (big-endian).</summary>
    public required byte[] PckCertificateSerial { get; init; }
    /// <summary>The verification time the collateral is valid at.</summary>
    public required DateTimeOffset VerificationTime { get; init; }
    /// <summary>Quote version.</summary>
    public required ushort QuoteVersion { get; init; }
    /// <summary>The fault switches that were set.</summary>
    public required IReadOnlyList<string> Faults { get; init; }
    /// <summary>The expected verdict.</summary>
    public required ExpectedVerdict Expected { get; init; }

    /// <summary>facts.json: camelCase members, lower-case hex except FMSPC (upper case, as TCB Info writes it), Intel's status names.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("mrEnclave", Convert.ToHexStringLower(MrEnclave));
            w.WriteString("mrSigner", Convert.ToHexStringLower(MrSigner));
            w.WriteNumber("isvProdId", IsvProdId);
            w.WriteNumber("isvSvn", IsvSvn);
            w.WriteBoolean("debug", Debug);
            w.WriteString("reportData", Convert.ToHexStringLower(ReportData));
            w.WriteString("fmspc", Convert.ToHexString(Fmspc));
            w.WriteString("pceId", Convert.ToHexString(PceId));
            if (Expected.TcbStatus is { } status)
            {
                w.WriteString("tcbStatus", status.ToIntelName());
            }
            else
            {
                w.WriteNull("tcbStatus");
            }

            w.WriteString("platformTcbStatus", Expected.PlatformTcbStatus.ToIntelName());
            w.WriteString("qeTcbStatus", Expected.QeTcbStatus.ToIntelName());
            WriteStrings(w, "advisoryIds", Expected.AdvisoryIds);
            if (Expected.Levels is { } levels)
            {
                w.WriteString("tcbDate", CollateralJson.Date(levels.TcbDate));
                w.WriteString("platformTcbDate", CollateralJson.Date(levels.PlatformTcbDate));
                w.WriteString("qeTcbDate", CollateralJson.Date(levels.QeTcbDate));
                WriteStrings(w, "platformAdvisoryIds", levels.PlatformAdvisoryIds);
                WriteStrings(w, "qeAdvisoryIds", levels.QeAdvisoryIds);
            }
            else
            {
                w.WriteNull("tcbDate");
            }

            WriteNullable(w, "expectedError", Expected.Error);
            WriteNullable(w, "expectedErrorCode", Expected.ErrorCode);
            WriteNullable(w, "expectedPolicyFailure", Expected.PolicyFailure);
            w.WriteNumber("verificationTime", VerificationTime.ToUnixTimeSeconds());
            w.WriteString("verificationTimeIso", CollateralJson.Date(VerificationTime));
            w.WriteNumber("quoteVersion", QuoteVersion);
            w.WriteNumber("qeIsvSvn", QeIsvSvn);
            w.WriteString("pckCertificateSerial", Convert.ToHexStringLower(PckCertificateSerial));
            w.WriteStartArray("faults");
            foreach (var fault in Faults)
            {
                w.WriteStringValue(fault);
            }

            w.WriteEndArray();
            w.WriteString("trust", "Signed under a simulated TEST root (trusted_root.pem); production verifiers must reject it.");
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
