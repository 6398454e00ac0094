using System.Security.Cryptography;
using System.Text;
using Vouch.Simulator.Crypto;
using Vouch.Simulator.Enclaves;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Quoting;

/// <summary>Options of one quote.</summary>
public sealed record QuoteOptions
{
    /// <summary>Quote version: 3 (what Intel's SGX QE3 emits) or 4 (certification data type 6 wrapping type 5).</summary>
    public ushort Version { get; init; } = 3;

    /// <summary>CPUSVN of the TCB the PCK certificate certifies (default: the platform's current CPUSVN).</summary>
    public byte[]? CertificationCpuSvn { get; init; }

    /// <summary>PCE SVN of the TCB the PCK certificate certifies (default: the platform's current PCE SVN).</summary>
    public ushort? CertificationPceSvn { get; init; }

    /// <summary>Fault hook: REPORTDATA of the QE report instead of SHA-256(attestation key ‖ auth data) ‖ 0³².</summary>
    internal byte[]? QeReportDataOverride { get; init; }
}

/// <summary>
/// The simulated quoting enclave (QE3, sgx-enclave-model §4.2): holds a P-256 attestation key sealed on its
/// platform, has the PCE certify it (QE report data = SHA-256(attestation key ‖ auth data) ‖ 0³², signed with
/// the PCK key), verifies application reports targeted at it and signs quotes. Its identity is Intel's QE3
/// identity (adopted, since only Intel can sign the real one).
/// </summary>
public sealed class QuotingEnclave : IDisposable
{
    /// <summary>File name of the sealed attestation key in a platform directory.</summary>
    public const string SealedKeyFileName = "qe3.sealed";

    private static readonly SgxAttributes QeIdAttributeMask = new((AttributeBits)~(ulong)AttributeBits.Mode64Bit, 0);

    private readonly Enclave _enclave;
    private readonly ECDsa _attestationKey;

    private QuotingEnclave(Enclave enclave, ProvisioningCertificationEnclave pce, ECDsa attestationKey, byte[] authData)
    {
        _enclave = enclave;
        Pce = pce;
        _attestationKey = attestationKey;
        AuthData = authData;
        var q = attestationKey.ExportParameters(false).Q;
        AttestationPublicKey = [.. q.X!, .. q.Y!];
    }

    /// <summary>The platform's PCE.</summary>
    public ProvisioningCertificationEnclave Pce { get; }

    /// <summary>The QE's identity: Intel's AE signer, ISVPRODID 1, the platform's QE ISVSVN, INIT|MODE64BIT|PROVISIONKEY.</summary>
    public EnclaveIdentity Identity => _enclave.Identity;

    /// <summary>What <c>sgx_qe_get_target_info</c> returns: the target application enclaves report to.</summary>
    public TargetInfo TargetInfo => _enclave.TargetInfo;

    /// <summary>Attestation public key X‖Y (64 bytes, big-endian).</summary>
    public byte[] AttestationPublicKey { get; }

    /// <summary>QE authentication data (Intel's reference library: 00 01 … 1F).</summary>
    public byte[] AuthData { get; }

    /// <summary>The platform the QE runs on.</summary>
    public SimulatedPlatform Platform => _enclave.Platform;

    /// <summary>
    /// QE ID = AES-CMAC(SEAL key with MRSIGNER policy at CPUSVN 0, ISVSVN 0, KEYID 0, 0x00 ‖ "QE_ID_DER" ‖ 0⁴ ‖ 00 80);
    /// its first 16 bytes go into the quote header's user data.
    /// </summary>
    public byte[] QeId
    {
        get
        {
            var key = _enclave.GetKey(new KeyRequest
            {
                KeyName = KeyName.Seal,
                KeyPolicy = KeyPolicyBits.MrSigner,
                AttributeMask = QeIdAttributeMask,
                MiscMask = 0xFFFF_FFFF,
            }).Key!;
            var message = new byte[16];
            "QE_ID_DER"u8.CopyTo(message.AsSpan(1));
            message[15] = 0x80;
            try
            {
                return AesCmac.Compute(key, message);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    /// <summary>
    /// Loads the QE of <paramref name="platform"/>: unseals its attestation key (from <c>qe3.sealed</c> for a directory
    /// platform), or generates and seals a new one when there is none or it no longer opens (for example after an
    /// owner epoch reset).
    /// </summary>
    public static QuotingEnclave Load(SimulatedPlatform platform, byte[]? authData = null)
    {
        ArgumentNullException.ThrowIfNull(platform);
        var enclave = platform.Adopt(IdentityFor(platform.Settings.QeIsvSvn));
        var pce = ProvisioningCertificationEnclave.For(platform);
        var path = platform.Directory is null ? null : Path.Combine(platform.Directory, SealedKeyFileName);
        var sealedKey = path is null ? platform.QeSealedKey : File.Exists(path) ? File.ReadAllBytes(path) : null;

        ECDsa? key = null;
        if (sealedKey is not null)
        {
            var opened = enclave.Unseal(sealedKey);
            if (opened.Status == UnsealStatus.Success && opened.Plaintext!.Length == 32 && opened.AdditionalText!.AsSpan().SequenceEqual(SealedKeyLabel))
            {
                key = ECDsa.Create();
                key.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = opened.Plaintext });
                CryptographicOperations.ZeroMemory(opened.Plaintext);
            }
        }

        if (key is null)
        {
            key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var d = key.ExportParameters(true).D!;
            var blob = enclave.Seal(d, SealedKeyLabel, SealPolicy.MrSigner);
            CryptographicOperations.ZeroMemory(d);
            if (path is null)
            {
                platform.QeSealedKey = blob;
            }
            else
            {
                PrivateFiles.WriteReplace(path, blob);
            }
        }

        return new QuotingEnclave(enclave, pce, key, authData ?? KnownValues.ReferenceQeAuthData.ToArray());
    }

    /// <summary>The QE3 identity at a given ISVSVN (its MRENCLAVE is a fixed stand-in per version).</summary>
    public static EnclaveIdentity IdentityFor(ushort isvSvn) => new()
    {
        MrEnclave = SHA256.HashData(Encoding.ASCII.GetBytes($"Vouch simulated QE3, ISVSVN {isvSvn}")),
        MrSigner = KnownValues.IntelAeMrSigner.ToArray(),
        Attributes = new SgxAttributes(AttributeBits.Init | AttributeBits.Mode64Bit | AttributeBits.ProvisionKey, 0xE7),
        IsvProdId = 1,
        IsvSvn = isvSvn,
    };

    /// <summary>
    /// Has the PCE certify the attestation key: the QE reports to the PCE with REPORTDATA = SHA-256(attestation key ‖
    /// auth data) ‖ 0³², and the PCE signs that 384-byte body with the PCK key of the certified TCB.
    /// </summary>
    public (ReportBody Body, byte[] Signature) Certify(ReadOnlySpan<byte> cpuSvn, ushort pceSvn) => Certify(cpuSvn, pceSvn, null);

    /// <summary>
    /// <c>sgx_qe_get_quote</c>: verifies the application report's MAC (only the MAC: debug enclaves are quoted
    /// too), then builds and signs the quote with the PCK chain as certification data type 5 (PEM leaf ‖
    /// intermediate ‖ root with a trailing NUL, like Intel's quote provider library).
    /// </summary>
    /// <exception cref="QuotingException">The report was not made on this platform for this QE, or was changed.</exception>
    public byte[] CreateQuote(Report applicationReport, string pckChainPem, QuoteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(applicationReport);
        ArgumentNullException.ThrowIfNull(pckChainPem);
        options ??= new QuoteOptions();
        if (!_enclave.VerifyReport(applicationReport))
        {
            throw new QuotingException(QuotingError.ReportMacMismatch);
        }

        var settings = Platform.Settings;
        var (qeBody, qeSignature) = Certify(options.CertificationCpuSvn ?? settings.CpuSvn, options.CertificationPceSvn ?? settings.PceSvn, options.QeReportDataOverride);
        var userData = new byte[QuoteLayout.UserDataSize];
        QeId.CopyTo(userData, 0);
        var parts = new QuoteParts
        {
            Version = options.Version,
            QeSvn = Identity.IsvSvn,
            PceSvn = settings.PceSvn,
            UserData = userData,
            Body = applicationReport.BodyBytes.ToArray(),
            AttestationKey = AttestationPublicKey,
            QeReportBody = qeBody.ToBytes(),
            QeReportSignature = qeSignature,
            AuthData = AuthData,
            CertificationData = [.. Encoding.ASCII.GetBytes(pckChainPem), 0],
        };
        return QuoteLayout.Write(parts, signed => _attestationKey.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    /// <inheritdoc/>
    public void Dispose() => _attestationKey.Dispose();

    private static ReadOnlySpan<byte> SealedKeyLabel => "vouch-sim QE3 attestation key/1"u8;

    private (ReportBody Body, byte[] Signature) Certify(ReadOnlySpan<byte> cpuSvn, ushort pceSvn, byte[]? reportDataOverride)
    {
        var reportData = new byte[ReportBody.ReportDataSize];
        if (reportDataOverride is null)
        {
            SHA256.HashData([.. AttestationPublicKey, .. AuthData]).CopyTo(reportData, 0);
        }
        else
        {
            reportDataOverride.CopyTo(reportData, 0);
        }

        var report = _enclave.CreateReport(Pce.TargetInfo, reportData);
        return (report.Body, Pce.Certify(report, cpuSvn, pceSvn));
    }
}
