using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Enclaves;
using Vouch.Simulator.OpenEnclave;
using Vouch.Simulator.Platform;
using Vouch.Simulator.Quoting;

namespace Vouch.Simulator.Dcap;

/// <summary>
/// One remote-attestation case: an enclave on a platform is quoted by its QE, and the simulated Intel issues
/// the PCK certificate and the collateral a verifier needs, valid around <see cref="At"/>. Every property
/// below <see cref="TcbEvaluationDataNumber"/> is a named fault switch (code-style §1.1): set exactly one to
/// make exactly one check fail, and <see cref="Expected"/> says which verdict a correct verifier reaches.
/// </summary>
public sealed record DcapScenario
{
    /// <summary>The verification time; every collateral validity window is placed around it.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The enclave to quote (default: the built-in sample).</summary>
    public EnclaveManifest? Enclave { get; init; }

    /// <summary>The REPORTDATA the relying party expects (64 bytes; default <see cref="DefaultReportData"/>).</summary>
    public byte[] ReportData { get; init; } = DefaultReportData;

    /// <summary>
    /// Open Enclave custom claims: when set, the quoted REPORTDATA is SHA-256(serialized claims) ‖ 0³² (overriding
    /// <see cref="ReportData"/>) and the case carries the buffer as <c>report_data_preimage.bin</c>, like the Signal vectors.
    /// </summary>
    public IReadOnlyList<OeCustomClaim>? CustomClaims { get; init; }

    /// <summary>Quote version: 3, or 4 (certification data type 6 wrapping type 5).</summary>
    public ushort QuoteVersion { get; init; } = 3;

    /// <summary>tcbEvaluationDataNumber of the TCB Info and QE Identity, and the one number the TCB Evaluation Data Numbers documents list.</summary>
    public int TcbEvaluationDataNumber { get; init; } = 21;

    /// <summary>Fault switch: the status of the TCB level the platform's certified TCB matches (every Intel status).</summary>
    public TcbLevelStatus PlatformTcbStatus { get; init; } = TcbLevelStatus.UpToDate;

    /// <summary>Fault switch: the status of the QE Identity level the QE's ISVSVN matches (UpToDate, OutOfDate or Revoked).</summary>
    public TcbLevelStatus QeTcbStatus { get; init; } = TcbLevelStatus.UpToDate;

    /// <summary>Fault switch: no TCB Info level is satisfied by the platform's TCB.</summary>
    public bool NoMatchingTcbLevel { get; init; }

    /// <summary>Fault switch: no QE Identity level is satisfied by the QE's ISVSVN.</summary>
    public bool NoMatchingQeTcbLevel { get; init; }

    /// <summary>Fault switch: the PCK certificate's serial is on the PCK CRL.</summary>
    public bool RevokedPckCertificate { get; init; }

    /// <summary>Fault switch: the PCK CA's serial is on the root CA CRL.</summary>
    public bool RevokedPckCa { get; init; }

    /// <summary>Fault switch: the TCB Info's nextUpdate is before <see cref="At"/>.</summary>
    public bool ExpiredTcbInfo { get; init; }

    /// <summary>Fault switch: the TCB Info's issueDate is after <see cref="At"/>.</summary>
    public bool NotYetValidTcbInfo { get; init; }

    /// <summary>Fault switch: the QE Identity's nextUpdate is before <see cref="At"/>.</summary>
    public bool ExpiredQeIdentity { get; init; }

    /// <summary>Fault switch: the QE Identity's issueDate is after <see cref="At"/>.</summary>
    public bool NotYetValidQeIdentity { get; init; }

    /// <summary>Fault switch: the PCK CRL's nextUpdate is before <see cref="At"/>.</summary>
    public bool ExpiredPckCrl { get; init; }

    /// <summary>Fault switch: the root CA CRL's nextUpdate is before <see cref="At"/>.</summary>
    public bool ExpiredRootCaCrl { get; init; }

    /// <summary>Fault switch: the PCK certificate's notAfter is before <see cref="At"/>.</summary>
    public bool ExpiredPckCertificate { get; init; }

    /// <summary>Fault switch: the PCK certificate's notBefore is after <see cref="At"/>.</summary>
    public bool NotYetValidPckCertificate { get; init; }

    /// <summary>Fault switch: the TCB Info is for another FMSPC than the PCK certificate's.</summary>
    public bool WrongFmspc { get; init; }

    /// <summary>Fault switch: the TCB Info is for another PCE-ID than the PCK certificate's.</summary>
    public bool WrongPceId { get; init; }

    /// <summary>Fault switch: the signed TCB Info body is changed after signing.</summary>
    public bool TamperedTcbInfoBody { get; init; }

    /// <summary>Fault switch: the signed QE Identity body is changed after signing.</summary>
    public bool TamperedQeIdentityBody { get; init; }

    /// <summary>Fault switch: a byte of the quote signature (by the attestation key) is changed.</summary>
    public bool TamperedQuoteSignature { get; init; }

    /// <summary>Fault switch: a byte of the QE report body is changed after the PCE signed it.</summary>
    public bool TamperedQeReport { get; init; }

    /// <summary>Fault switch: the QE report (validly signed by the PCK key) does not bind the attestation key.</summary>
    public bool UnboundQeReportData { get; init; }

    /// <summary>Fault switch: the application enclave is launched in debug mode (a relying-party policy failure).</summary>
    public bool DebugEnclave { get; init; }

    /// <summary>Fault switch: the quoted REPORTDATA differs from what the relying party expects (a policy failure).</summary>
    public bool WrongReportData { get; init; }

    /// <summary>SHA-256("Vouch simulator sample report data") ‖ 0³².</summary>
    public static byte[] DefaultReportData =>
        [.. SHA256.HashData("Vouch simulator sample report data"u8), .. new byte[32]];

    /// <summary>The names of the boolean fault switches, in the order <see cref="Expected"/> ranks their errors.</summary>
    public static IReadOnlyList<string> BooleanFaultNames { get; } =
    [
        nameof(NotYetValidPckCertificate),
        nameof(ExpiredPckCertificate),
        nameof(RevokedPckCa),
        nameof(RevokedPckCertificate),
        nameof(ExpiredRootCaCrl),
        nameof(ExpiredPckCrl),
        nameof(TamperedTcbInfoBody),
        nameof(NotYetValidTcbInfo),
        nameof(ExpiredTcbInfo),
        nameof(TamperedQeIdentityBody),
        nameof(NotYetValidQeIdentity),
        nameof(ExpiredQeIdentity),
        nameof(WrongFmspc),
        nameof(WrongPceId),
        nameof(TamperedQeReport),
        nameof(UnboundQeReportData),
        nameof(TamperedQuoteSignature),
        nameof(NoMatchingTcbLevel),
        nameof(NoMatchingQeTcbLevel),
        nameof(DebugEnclave),
        nameof(WrongReportData),
    ];

    /// <summary>The fault switches that are set (boolean switches by name; statuses as <c>PlatformTcbStatus=…</c>).</summary>
    public IReadOnlyList<string> Faults
    {
        get
        {
            var faults = BooleanFaultNames.Where(IsSet).ToList();
            if (PlatformTcbStatus != TcbLevelStatus.UpToDate)
            {
                faults.Insert(0, $"{nameof(PlatformTcbStatus)}={PlatformTcbStatus.ToIntelName()}");
            }

            if (QeTcbStatus != TcbLevelStatus.UpToDate)
            {
                faults.Insert(0, $"{nameof(QeTcbStatus)}={QeTcbStatus.ToIntelName()}");
            }

            return faults;
        }
    }

    /// <summary>The verdict a correct verifier reaches on this case (see <see cref="ExpectedVerdict"/>).</summary>
    public ExpectedVerdict Expected
    {
        get
        {
            var platform = PlatformTcbStatus;
            var matched = !NoMatchingTcbLevel && !NoMatchingQeTcbLevel;
            var converged = matched ? TcbLevelStatuses.Converge(platform, QeTcbStatus) : (TcbLevelStatus?)null;
            var (platformDate, platformAdvisories) = MatchedPlatformLevel(At);
            var (qeDate, qeAdvisories) = MatchedQeLevel(At);
            var levels = matched
                ? new ExpectedTcbLevels(
                    platformDate <= qeDate ? platformDate : qeDate, platformDate, qeDate,
                    [.. platformAdvisories.Concat(qeAdvisories).Distinct(StringComparer.Ordinal)], platformAdvisories, qeAdvisories)
                : null;
            var error = BooleanFaultNames.Where(IsSet).Select(ErrorFor).FirstOrDefault(e => e is not null);
            if (error is null && converged == TcbLevelStatus.Revoked)
            {
                error = ("TcbRevoked", "ATT5008");
            }

            string? policy = DebugEnclave ? "DebugEnclave" : WrongReportData ? "ReportDataMismatch" : null;
            return new ExpectedVerdict(converged, platform, QeTcbStatus, levels?.AdvisoryIds ?? [], levels, error?.Name, error?.Code, policy);
        }
    }

    /// <summary>Sets a boolean fault switch by its property name (or its kebab-case form, e.g. <c>tampered-quote-signature</c>).</summary>
    /// <exception cref="ArgumentException">No switch has that name.</exception>
    public DcapScenario WithFault(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var match = BooleanFaultNames.FirstOrDefault(n => n == name || Kebab(n) == name)
            ?? throw new ArgumentException($"Unknown fault '{name}'. Known: {string.Join(", ", BooleanFaultNames.Select(Kebab))}.", nameof(name));
        return match switch
        {
            nameof(NotYetValidPckCertificate) => this with { NotYetValidPckCertificate = true },
            nameof(ExpiredPckCertificate) => this with { ExpiredPckCertificate = true },
            nameof(RevokedPckCa) => this with { RevokedPckCa = true },
            nameof(RevokedPckCertificate) => this with { RevokedPckCertificate = true },
            nameof(ExpiredRootCaCrl) => this with { ExpiredRootCaCrl = true },
            nameof(ExpiredPckCrl) => this with { ExpiredPckCrl = true },
            nameof(TamperedTcbInfoBody) => this with { TamperedTcbInfoBody = true },
            nameof(NotYetValidTcbInfo) => this with { NotYetValidTcbInfo = true },
            nameof(ExpiredTcbInfo) => this with { ExpiredTcbInfo = true },
            nameof(TamperedQeIdentityBody) => this with { TamperedQeIdentityBody = true },
            nameof(NotYetValidQeIdentity) => this with { NotYetValidQeIdentity = true },
            nameof(ExpiredQeIdentity) => this with { ExpiredQeIdentity = true },
            nameof(WrongFmspc) => this with { WrongFmspc = true },
            nameof(WrongPceId) => this with { WrongPceId = true },
            nameof(TamperedQeReport) => this with { TamperedQeReport = true },
            nameof(UnboundQeReportData) => this with { UnboundQeReportData = true },
            nameof(TamperedQuoteSignature) => this with { TamperedQuoteSignature = true },
            nameof(NoMatchingTcbLevel) => this with { NoMatchingTcbLevel = true },
            nameof(NoMatchingQeTcbLevel) => this with { NoMatchingQeTcbLevel = true },
            nameof(DebugEnclave) => this with { DebugEnclave = true },
            _ => this with { WrongReportData = true },
        };
    }

    /// <summary>The kebab-case spelling of a switch name (<c>TamperedQeReport</c> → <c>tampered-qe-report</c>).</summary>
    public static string Kebab(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('-');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Builds the case: launches the enclave on <paramref name="platform"/>, has its QE quote a report targeted at
    /// it, has <paramref name="authority"/> certify the platform's PCK key and issue the collateral, then applies
    /// the fault switches.
    /// </summary>
    /// <exception cref="ArgumentException">The authority's certificates are not valid at <see cref="At"/>.</exception>
    /// <exception cref="InvalidOperationException"><see cref="QeTcbStatus"/> is not UpToDate, OutOfDate or Revoked, or <see cref="ReportData"/> is not 64 bytes.</exception>
    public DcapCase Build(SimulatedIntel authority, SimulatedPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(platform);
        if (QeTcbStatus is not (TcbLevelStatus.UpToDate or TcbLevelStatus.OutOfDate or TcbLevelStatus.Revoked))
        {
            throw new InvalidOperationException("QeTcbStatus must be UpToDate, OutOfDate or Revoked: a QE Identity level has no other status.");
        }

        if (ReportData.Length != ReportBody.ReportDataSize)
        {
            throw new InvalidOperationException("ReportData must have 64 bytes.");
        }

        var at = new DateTimeOffset(At.UtcTicks - (At.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var settings = platform.Settings;
        foreach (var ca in new[] { authority.RootCertificate, authority.PckCaCertificate(settings.PckCa), authority.TcbSigningCertificate })
        {
            if (at < ca.NotBefore.ToUniversalTime() || at > ca.NotAfter.ToUniversalTime())
            {
                throw new ArgumentException($"The authority's certificate '{ca.GetNameInfo(X509NameType.SimpleName, false)}' is not valid at {at:O}.", nameof(authority));
            }
        }

        // 1. The application enclave reports to the QE; the QE verifies the MAC and quotes.
        var manifest = Enclave ?? EnclaveManifest.Sample;
        var enclave = platform.Launch(manifest, DebugEnclave);
        using var qe = QuotingEnclave.Load(platform);
        var preimage = CustomClaims is null ? null : OpenEnclavePackaging.SerializeClaims(CustomClaims);
        var expectedData = preimage is null ? (byte[])ReportData.Clone() : OpenEnclavePackaging.ReportDataFor(preimage);
        var quotedData = (byte[])expectedData.Clone();
        if (WrongReportData)
        {
            quotedData[0] ^= 0x01;
        }

        var report = enclave.CreateReport(qe.TargetInfo, quotedData);

        // 2. The simulated Intel certifies the platform's PCK key (derived by the PCE) at its current TCB.
        var pckContent = new PckCertificateContent
        {
            Ppid = qe.Pce.Ppid,
            TcbComponents = settings.CpuSvn,
            PceSvn = settings.PceSvn,
            CpuSvn = settings.CpuSvn,
            PceId = settings.PceId,
            Fmspc = settings.Fmspc,
            SgxType = settings.SgxType,
            Ca = settings.PckCa,
            PlatformInstanceId = settings.PlatformInstanceId,
            DynamicPlatform = settings.DynamicPlatform,
            CachedKeys = settings.CachedKeys,
            SmtEnabled = settings.SmtEnabled,
        };
        var (pckNotBefore, pckNotAfter) = ExpiredPckCertificate
            ? (at.AddYears(-7).AddDays(-1), at.AddDays(-1))
            : NotYetValidPckCertificate ? (at.AddDays(1), at.AddYears(7)) : (at.AddDays(-30), at.AddDays(-30).AddYears(7));
        using var pckKey = qe.Pce.PckKey(settings.CpuSvn, settings.PceSvn);
        using var pckCertificate = authority.IssuePckCertificate(new PublicKey(pckKey), pckContent, pckNotBefore, pckNotAfter);
        var pckCa = authority.PckCaCertificate(settings.PckCa);
        var chain = SimulatedIntel.Pem(pckCertificate, pckCa, authority.RootCertificate);

        var quote = qe.CreateQuote(report, chain, new QuoteOptions
        {
            Version = QuoteVersion,
            QeReportDataOverride = UnboundQeReportData ? SHA256.HashData(qe.AuthData) : null,
        });
        var signatureData = QuoteLayout.SignatureDataOffset;
        if (TamperedQuoteSignature)
        {
            quote[signatureData + QuoteLayout.QuoteSignatureRelative + 63] ^= 0x01;
        }

        if (TamperedQeReport)
        {
            // CPUSVN[0] of the QE report: only the PCK signature covers it.
            var qeReport = QuoteVersion == 3 ? QuoteLayout.QeReportRelative : QuoteLayout.V4CertificationDataRelative + 6;
            quote[signatureData + qeReport] ^= 0x01;
        }

        // 3. Collateral around the verification time.
        var (tcbIssue, tcbNext) = Window(at, ExpiredTcbInfo, NotYetValidTcbInfo);
        var (qeIssue, qeNext) = Window(at, ExpiredQeIdentity, NotYetValidQeIdentity);
        var tcbInfo = new TcbInfo
        {
            IssueDate = tcbIssue,
            NextUpdate = tcbNext,
            Fmspc = WrongFmspc ? Flip(settings.Fmspc, 5) : settings.Fmspc,
            PceId = WrongPceId ? Flip(settings.PceId, 0) : settings.PceId,
            TcbEvaluationDataNumber = TcbEvaluationDataNumber,
            Levels = TcbLevels(settings.CpuSvn, settings.PceSvn, at),
        };
        var qeIdentity = new QeIdentity
        {
            IssueDate = qeIssue,
            NextUpdate = qeNext,
            TcbEvaluationDataNumber = TcbEvaluationDataNumber,
            Levels = QeLevels(qe.Identity.IsvSvn, at),
        };
        // The evaluation numbers Intel still serves: only the one this case is issued with (the simulator holds one
        // evaluation at a time); its tcbDate is that of the up-to-date levels.
        var (numbersIssue, numbersNext) = Window(at, false, false);
        var evaluationTcbDate = new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero).AddDays(-60);
        var sgxNumbersJson = authority.SignTcbEvaluationDataNumbers(
            TcbEvaluationDataNumbers.OfOneEvaluation("SGX", TcbEvaluationDataNumber, evaluationTcbDate, numbersIssue, numbersNext));
        var tdxNumbersJson = authority.SignTcbEvaluationDataNumbers(
            TcbEvaluationDataNumbers.OfOneEvaluation("TDX", TcbEvaluationDataNumber, evaluationTcbDate, numbersIssue, numbersNext));
        var tcbInfoJson = authority.SignTcbInfo(tcbInfo);
        var qeIdentityJson = authority.SignQeIdentity(qeIdentity);
        var evaluationNumber = $"\"tcbEvaluationDataNumber\":{TcbEvaluationDataNumber}";
        var changedNumber = $"\"tcbEvaluationDataNumber\":{TcbEvaluationDataNumber + 1}";
        if (TamperedTcbInfoBody)
        {
            tcbInfoJson = tcbInfoJson.Replace(evaluationNumber, changedNumber, StringComparison.Ordinal);
        }

        if (TamperedQeIdentityBody)
        {
            qeIdentityJson = qeIdentityJson.Replace(evaluationNumber, changedNumber, StringComparison.Ordinal);
        }

        // Other platforms' revoked certificates, so the leaf is never the only entry.
        var decoys = new[] { RandomNumberGenerator.GetBytes(20), RandomNumberGenerator.GetBytes(20) };
        foreach (var decoy in decoys)
        {
            decoy[0] = (byte)((decoy[0] & 0x7F) | 0x40);
        }

        var pckRevoked = RevokedPckCertificate ? decoys.Append(pckCertificate.SerialNumberBytes.ToArray()) : decoys;
        var (pckCrlThis, pckCrlNext) = ExpiredPckCrl ? (at.AddDays(-31), at.AddDays(-1)) : (at.AddHours(-1), at.AddDays(30).AddHours(-1));
        var (rootCrlThis, rootCrlNext) = ExpiredRootCaCrl ? (at.AddDays(-400), at.AddDays(-1)) : (at.AddDays(-30), at.AddDays(335));
        var rootRevoked = RevokedPckCa ? [pckCa.SerialNumberBytes.ToArray()] : Array.Empty<byte[]>();

        var facts = new DcapFacts
        {
            MrEnclave = enclave.Identity.MrEnclave,
            MrSigner = enclave.Identity.MrSigner,
            IsvProdId = enclave.Identity.IsvProdId,
            IsvSvn = enclave.Identity.IsvSvn,
            Debug = enclave.Identity.IsDebug,
            ReportData = expectedData,
            Fmspc = settings.Fmspc,
            PceId = settings.PceId,
            QeIsvSvn = qe.Identity.IsvSvn,
            PckCertificateSerial = pckCertificate.SerialNumberBytes.ToArray(),
            VerificationTime = at,
            QuoteVersion = QuoteVersion,
            Faults = Faults,
            Expected = Expected,
        };

        return new DcapCase
        {
            Quote = quote,
            TcbInfoJson = tcbInfoJson,
            QeIdentityJson = qeIdentityJson,
            TcbInfoIssuerChainPem = authority.TcbSigningChainPem,
            QeIdentityIssuerChainPem = authority.TcbSigningChainPem,
            TcbEvaluationDataNumbersJson = sgxNumbersJson,
            TdxTcbEvaluationDataNumbersJson = tdxNumbersJson,
            TcbEvaluationDataNumbersIssuerChainPem = authority.TcbSigningChainPem,
            PckCrlIssuerChainPem = authority.PckCrlIssuerChainPem(settings.PckCa),
            PckCrl = authority.BuildPckCrl(settings.PckCa, pckRevoked, pckCrlThis, pckCrlNext, BigInteger.One),
            RootCaCrl = authority.BuildRootCaCrl(rootRevoked, rootCrlThis, rootCrlNext, BigInteger.One),
            TrustedRootPem = authority.RootPem,
            PckCertificateChainPem = chain,
            ReportDataPreimage = preimage,
            PckCa = settings.PckCa,
            CertifiedCpuSvn = (byte[])settings.CpuSvn.Clone(),
            CertifiedPceSvn = settings.PceSvn,
            Facts = facts,
        };
    }

    private bool IsSet(string name) => name switch
    {
        nameof(NotYetValidPckCertificate) => NotYetValidPckCertificate,
        nameof(ExpiredPckCertificate) => ExpiredPckCertificate,
        nameof(RevokedPckCa) => RevokedPckCa,
        nameof(RevokedPckCertificate) => RevokedPckCertificate,
        nameof(ExpiredRootCaCrl) => ExpiredRootCaCrl,
        nameof(ExpiredPckCrl) => ExpiredPckCrl,
        nameof(TamperedTcbInfoBody) => TamperedTcbInfoBody,
        nameof(NotYetValidTcbInfo) => NotYetValidTcbInfo,
        nameof(ExpiredTcbInfo) => ExpiredTcbInfo,
        nameof(TamperedQeIdentityBody) => TamperedQeIdentityBody,
        nameof(NotYetValidQeIdentity) => NotYetValidQeIdentity,
        nameof(ExpiredQeIdentity) => ExpiredQeIdentity,
        nameof(WrongFmspc) => WrongFmspc,
        nameof(WrongPceId) => WrongPceId,
        nameof(TamperedQeReport) => TamperedQeReport,
        nameof(UnboundQeReportData) => UnboundQeReportData,
        nameof(TamperedQuoteSignature) => TamperedQuoteSignature,
        nameof(NoMatchingTcbLevel) => NoMatchingTcbLevel,
        nameof(NoMatchingQeTcbLevel) => NoMatchingQeTcbLevel,
        nameof(DebugEnclave) => DebugEnclave,
        nameof(WrongReportData) => WrongReportData,
        _ => false,
    };

    // The Vouch.Sgx error (name and stable ATT code) each switch must produce; null for policy-only faults.
    private static (string Name, string Code)? ErrorFor(string fault) => fault switch
    {
        nameof(NotYetValidPckCertificate) => ("CertificateNotYetValid", "ATT3006"),
        nameof(ExpiredPckCertificate) => ("CertificateExpired", "ATT3005"),
        nameof(RevokedPckCa) => ("IntermediateRevoked", "ATT3011"),
        nameof(RevokedPckCertificate) => ("PckRevoked", "ATT3010"),
        nameof(ExpiredRootCaCrl) or nameof(ExpiredPckCrl) => ("CrlExpired", "ATT3009"),
        nameof(TamperedTcbInfoBody) => ("TcbInfoSignatureInvalid", "ATT4001"),
        nameof(NotYetValidTcbInfo) => ("TcbInfoNotYetValid", "ATT4004"),
        nameof(ExpiredTcbInfo) => ("TcbInfoExpired", "ATT4003"),
        nameof(TamperedQeIdentityBody) => ("QeIdentitySignatureInvalid", "ATT4002"),
        nameof(NotYetValidQeIdentity) => ("QeIdentityNotYetValid", "ATT4006"),
        nameof(ExpiredQeIdentity) => ("QeIdentityExpired", "ATT4005"),
        nameof(WrongFmspc) or nameof(WrongPceId) => ("TcbInfoMismatch", "ATT5001"),
        nameof(TamperedQeReport) => ("QeReportSignatureInvalid", "ATT5002"),
        nameof(UnboundQeReportData) => ("QeReportDataMismatch", "ATT5003"),
        nameof(TamperedQuoteSignature) => ("QuoteSignatureInvalid", "ATT5005"),
        nameof(NoMatchingTcbLevel) => ("TcbLevelNotSupported", "ATT5006"),
        nameof(NoMatchingQeTcbLevel) => ("QeTcbLevelNotSupported", "ATT5007"),
        _ => null,
    };

    private static (DateTimeOffset Issue, DateTimeOffset Next) Window(DateTimeOffset at, bool expired, bool notYetValid) =>
        expired ? (at.AddDays(-31), at.AddDays(-1))
        : notYetValid ? (at.AddHours(1), at.AddDays(30))
        : (at.AddHours(-1), at.AddHours(-1).AddDays(30));

    private static IReadOnlyList<string> Advisories(TcbLevelStatus status) => status switch
    {
        TcbLevelStatus.UpToDate => [],
        TcbLevelStatus.SWHardeningNeeded => ["INTEL-SA-00615"],
        TcbLevelStatus.ConfigurationNeeded => ["INTEL-SA-00767"],
        TcbLevelStatus.ConfigurationAndSWHardeningNeeded => ["INTEL-SA-00615", "INTEL-SA-00767"],
        TcbLevelStatus.OutOfDateConfigurationNeeded => ["INTEL-SA-00767", "INTEL-SA-00837"],
        _ => ["INTEL-SA-00837"],
    };

    // The tcbDate of the current levels (60 days before the verification day); lower TCB Info levels are 180 days
    // older, lower QE Identity levels 400 days older, so a behind QE level is always the earlier of the two.
    private static DateTimeOffset RecentTcbDate(DateTimeOffset at) => new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero).AddDays(-60);

    private static DateTimeOffset OlderPlatformTcbDate(DateTimeOffset at) => RecentTcbDate(at).AddDays(-180);

    private static DateTimeOffset OlderQeTcbDate(DateTimeOffset at) => RecentTcbDate(at).AddDays(-400);

    private static readonly string[] QeAdvisory = ["INTEL-SA-00615"];

    private bool PlatformBehind => PlatformTcbStatus is TcbLevelStatus.OutOfDate or TcbLevelStatus.OutOfDateConfigurationNeeded or TcbLevelStatus.Revoked;

    // The date and advisories of the TCB Info level the platform matches (see TcbLevels).
    private (DateTimeOffset Date, IReadOnlyList<string> AdvisoryIds) MatchedPlatformLevel(DateTimeOffset at) =>
        (PlatformBehind ? OlderPlatformTcbDate(at) : RecentTcbDate(at), Advisories(PlatformTcbStatus));

    // The date and advisories of the QE Identity level the QE matches (see QeLevels).
    private (DateTimeOffset Date, IReadOnlyList<string> AdvisoryIds) MatchedQeLevel(DateTimeOffset at) =>
        QeTcbStatus == TcbLevelStatus.UpToDate ? (RecentTcbDate(at), []) : (OlderQeTcbDate(at), QeAdvisory);

    // Levels in Intel's order (highest first). A "current" status sits on the platform's own TCB with an
    // OutOfDate level below it; an out-of-date or revoked one sits on the platform's TCB under a newer
    // UpToDate level; with NoMatchingTcbLevel every level is above the platform.
    private List<TcbInfoLevel> TcbLevels(byte[] components, ushort pceSvn, DateTimeOffset at)
    {
        var recent = RecentTcbDate(at);
        var older = OlderPlatformTcbDate(at);
        var raised = Raise(components);
        var lowered = Lower(components);
        if (NoMatchingTcbLevel)
        {
            return
            [
                new TcbInfoLevel(raised, pceSvn, recent, TcbLevelStatus.UpToDate, []),
                new TcbInfoLevel(components, (ushort)(pceSvn + 1), recent, TcbLevelStatus.SWHardeningNeeded, Advisories(TcbLevelStatus.SWHardeningNeeded)),
            ];
        }

        var levels = new List<TcbInfoLevel>();
        var (matchedDate, matchedAdvisories) = MatchedPlatformLevel(at);
        if (PlatformBehind)
        {
            levels.Add(new TcbInfoLevel(raised, pceSvn, recent, TcbLevelStatus.UpToDate, []));
            levels.Add(new TcbInfoLevel(components, pceSvn, matchedDate, PlatformTcbStatus, matchedAdvisories));
        }
        else
        {
            levels.Add(new TcbInfoLevel(components, pceSvn, matchedDate, PlatformTcbStatus, matchedAdvisories));
            if (lowered is not null)
            {
                levels.Add(new TcbInfoLevel(lowered, pceSvn, older, TcbLevelStatus.OutOfDate, Advisories(TcbLevelStatus.OutOfDate)));
            }
        }

        return levels;
    }

    private IReadOnlyList<QeIdentityLevel> QeLevels(ushort isvSvn, DateTimeOffset at)
    {
        var recent = RecentTcbDate(at);
        var older = OlderQeTcbDate(at);
        var advisory = QeAdvisory;
        if (NoMatchingQeTcbLevel)
        {
            return
            [
                new QeIdentityLevel((ushort)(isvSvn + 2), recent, TcbLevelStatus.UpToDate, null),
                new QeIdentityLevel((ushort)(isvSvn + 1), older, TcbLevelStatus.OutOfDate, advisory),
            ];
        }

        if (QeTcbStatus == TcbLevelStatus.UpToDate)
        {
            return isvSvn == 0
                ? [new QeIdentityLevel(isvSvn, recent, TcbLevelStatus.UpToDate, null)]
                : [new QeIdentityLevel(isvSvn, recent, TcbLevelStatus.UpToDate, null), new QeIdentityLevel((ushort)(isvSvn - 1), older, TcbLevelStatus.OutOfDate, advisory)];
        }

        var (matchedDate, matchedAdvisories) = MatchedQeLevel(at);
        return
        [
            new QeIdentityLevel((ushort)(isvSvn + 1), recent, TcbLevelStatus.UpToDate, null),
            new QeIdentityLevel(isvSvn, matchedDate, QeTcbStatus, matchedAdvisories),
        ];
    }

    private static byte[] Raise(byte[] components)
    {
        var result = (byte[])components.Clone();
        var i = Array.FindIndex(result, c => c < 255);
        if (i < 0)
        {
            throw new ArgumentException("Every TCB component is 255; no newer level exists.");
        }

        result[i]++;
        return result;
    }

    private static byte[]? Lower(byte[] components)
    {
        var result = (byte[])components.Clone();
        var i = Array.FindIndex(result, c => c > 0);
        if (i < 0)
        {
            return null;
        }

        result[i]--;
        return result;
    }

    private static byte[] Flip(byte[] value, int index)
    {
        var result = (byte[])value.Clone();
        result[index] ^= 0x01;
        return result;
    }
}

/// <summary>
/// What a correct verifier concludes on a <see cref="DcapScenario"/>. When several faults are set,
/// <see cref="Error"/> names the first in <see cref="DcapScenario.BooleanFaultNames"/> order (a verifier
/// that reports every check should report them all).
/// </summary>
/// <param name="TcbStatus">The converged TCB status (Intel QVL's rule); null when no TCB or QE level matches.</param>
/// <param name="PlatformTcbStatus">The platform TCB level's status.</param>
/// <param name="QeTcbStatus">The QE Identity level's status.</param>
/// <param name="AdvisoryIds">Both matched levels' advisory IDs (platform, then QE, de-duplicated), as Intel QVL reports them.</param>
/// <param name="Levels">The matched levels' dates and advisories; null when no TCB or QE level matches.</param>
/// <param name="Error">The Vouch.Sgx <c>ErrorCode</c> member name verification must fail with, or null.</param>
/// <param name="ErrorCode">The same error as its stable <c>ATTnnnn</c> code, or null.</param>
/// <param name="PolicyFailure">A relying-party policy check that must fail although verification passes (<c>DebugEnclave</c>, <c>ReportDataMismatch</c>), or null.</param>
public sealed record ExpectedVerdict(
    TcbLevelStatus? TcbStatus,
    TcbLevelStatus PlatformTcbStatus,
    TcbLevelStatus QeTcbStatus,
    IReadOnlyList<string> AdvisoryIds,
    ExpectedTcbLevels? Levels,
    string? Error,
    string? ErrorCode,
    string? PolicyFailure);

/// <summary>
/// The TCB facts a correct verifier reports from the two matched levels (Intel QVL's rules, docs/conformance.md).
/// </summary>
/// <param name="TcbDate">The earlier of the platform and QE levels' tcbDate.</param>
/// <param name="PlatformTcbDate">The matched TCB Info level's tcbDate.</param>
/// <param name="QeTcbDate">The matched QE Identity level's tcbDate.</param>
/// <param name="AdvisoryIds">Both levels' advisory IDs: the platform's, then the QE's not already listed.</param>
/// <param name="PlatformAdvisoryIds">The platform level's advisory IDs (Intel QvE's sa_list).</param>
/// <param name="QeAdvisoryIds">The QE level's advisory IDs.</param>
public sealed record ExpectedTcbLevels(
    DateTimeOffset TcbDate,
    DateTimeOffset PlatformTcbDate,
    DateTimeOffset QeTcbDate,
    IReadOnlyList<string> AdvisoryIds,
    IReadOnlyList<string> PlatformAdvisoryIds,
    IReadOnlyList<string> QeAdvisoryIds);
