using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Vouch.Simulator.Crypto;
using Vouch.Simulator.Enclaves;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Quoting;

/// <summary>
/// The simulated provisioning certification enclave (PCE): derives the platform's PPID and PCK private key
/// from its PROVISION key (sgx-enclave-model §4.2) and signs QE report bodies with the PCK key after
/// verifying their MAC. Its identity is Intel's (adopted, since only Intel can sign the real one).
/// </summary>
public sealed class ProvisioningCertificationEnclave
{
    private static readonly SgxAttributes ProvisionAttributeMask = new((AttributeBits)~(ulong)AttributeBits.Mode64Bit, 0);

    // P-256 group order n.
    private static readonly BigInteger P256Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    private readonly Enclave _enclave;

    private ProvisioningCertificationEnclave(Enclave enclave) => _enclave = enclave;

    /// <summary>The PCE's identity: Intel's AE signer, ISVPRODID 1, ISVSVN = the platform's PCE SVN, PROVISIONKEY.</summary>
    public EnclaveIdentity Identity => _enclave.Identity;

    /// <summary>The PCE as a report target (the QE reports to it).</summary>
    public TargetInfo TargetInfo => _enclave.TargetInfo;

    /// <summary>PPID = AES-CMAC(PROVISION key at CPUSVN 0 and ISVSVN 0, 16 zero bytes).</summary>
    public byte[] Ppid
    {
        get
        {
            var key = ProvisionKey(new byte[16], 0);
            try
            {
                return AesCmac.Compute(key, new byte[16]);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    /// <summary>The PCE of <paramref name="platform"/>.</summary>
    public static ProvisioningCertificationEnclave For(SimulatedPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        return new ProvisioningCertificationEnclave(platform.Adopt(IdentityFor(platform.Settings.PceSvn)));
    }

    /// <summary>The PCE identity at a given ISVSVN (its MRENCLAVE is a fixed stand-in per version).</summary>
    public static EnclaveIdentity IdentityFor(ushort isvSvn) => new()
    {
        MrEnclave = SHA256.HashData(Encoding.ASCII.GetBytes($"Vouch simulated PCE, ISVSVN {isvSvn}")),
        MrSigner = KnownValues.IntelAeMrSigner.ToArray(),
        Attributes = new SgxAttributes(AttributeBits.Init | AttributeBits.Mode64Bit | AttributeBits.ProvisionKey, SgxAttributes.XfrmLegacy),
        IsvProdId = 1,
        IsvSvn = isvSvn,
    };

    /// <summary>
    /// The PCK private key for a certified TCB (<paramref name="cpuSvn"/>, <paramref name="pceSvn"/>): K = PROVISION
    /// key at that TCB; B_i = AES-CMAC(K, [i] ‖ "PAK_KEY_DER" ‖ 00 00 ‖ 01 40) for i = 1..3; d = (first 40 bytes
    /// of B1‖B2‖B3 as a big-endian integer mod (n−1)) + 1. Deterministic per platform and TCB.
    /// </summary>
    /// <exception cref="InvalidOperationException">The TCB is newer than the platform's (EGETKEY refuses).</exception>
    public ECDsa PckKey(ReadOnlySpan<byte> cpuSvn, ushort pceSvn)
    {
        var k = ProvisionKey(cpuSvn, pceSvn);
        var blocks = new byte[48];
        try
        {
            for (byte i = 1; i <= 3; i++)
            {
                var message = new byte[16];
                message[0] = i;
                "PAK_KEY_DER"u8.CopyTo(message.AsSpan(1));
                message[14] = 0x01;
                message[15] = 0x40; // 320 bits, big-endian
                AesCmac.Compute(k, message).CopyTo(blocks, (i - 1) * 16);
            }

            var seed = new BigInteger(blocks.AsSpan(0, 40), isUnsigned: true, isBigEndian: true);
            var d = (seed % (P256Order - 1)) + 1;
            var key = ECDsa.Create();
            key.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = SgxRsa.ToBigEndian(d, 32) });
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(k);
            CryptographicOperations.ZeroMemory(blocks);
        }
    }

    /// <summary>
    /// <c>certify_enclave</c>: verifies the MAC of a report targeted at the PCE, requires PROVISIONKEY in its
    /// attributes, and signs its 384-byte body with the PCK key of the certified TCB (ECDSA P-256 SHA-256, r‖s).
    /// </summary>
    /// <exception cref="QuotingException">The report does not verify or lacks PROVISIONKEY.</exception>
    public byte[] Certify(Report report, ReadOnlySpan<byte> cpuSvn, ushort pceSvn)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!_enclave.VerifyReport(report))
        {
            throw new QuotingException(QuotingError.ReportMacMismatch);
        }

        if ((report.Body.Attributes.Flags & AttributeBits.ProvisionKey) == 0)
        {
            throw new QuotingException(QuotingError.NotProvisioningEnclave);
        }

        using var pck = PckKey(cpuSvn, pceSvn);
        return pck.SignData(report.BodyBytes, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private byte[] ProvisionKey(ReadOnlySpan<byte> cpuSvn, ushort pceSvn)
    {
        var result = _enclave.GetKey(new KeyRequest
        {
            KeyName = KeyName.Provision,
            IsvSvn = pceSvn,
            CpuSvn = cpuSvn.ToArray(),
            AttributeMask = ProvisionAttributeMask,
            MiscMask = 0xFFFF_FFFF,
        });
        return result.Status == SgxStatus.Success
            ? result.Key!
            : throw new InvalidOperationException($"The PCE cannot derive a key for that TCB: {result.Status.ArchitecturalName()}.");
    }
}

/// <summary>Why the simulated QE or PCE refused.</summary>
public enum QuotingError
{
    /// <summary>The report's MAC does not verify: it was made on another platform, for another target, or changed.</summary>
    ReportMacMismatch,
    /// <summary>The PCE certifies only enclaves with the PROVISIONKEY attribute.</summary>
    NotProvisioningEnclave,
}

/// <summary>The simulated QE or PCE refused a request; <see cref="Error"/> says why.</summary>
public sealed class QuotingException : Exception
{
    /// <summary>Creates the exception for an error.</summary>
    public QuotingException(QuotingError error)
        : base($"Quoting failed: {error}") => Error = error;

    /// <summary>Creates the exception.</summary>
    public QuotingException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public QuotingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public QuotingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Why.</summary>
    public QuotingError Error { get; }
}
