using System.Security.Cryptography;
using Vouch.Simulator.Crypto;
using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Platform;

/// <summary>The outcome of EGETKEY: a status and, on success, the 16-byte key.</summary>
/// <param name="Status">Architectural status.</param>
/// <param name="Key">The key; null unless <see cref="SgxStatus.Success"/>.</param>
public sealed record KeyResult(SgxStatus Status, byte[]? Key);

/// <summary>
/// An initialized enclave running on a <see cref="SimulatedPlatform"/>: the instructions it may execute
/// (EREPORT, EGETKEY) and what an SDK builds on them (report verification, sealing).
/// </summary>
public sealed class Enclave
{
    // sgx_seal_data defaults (sgx-enclave-model §3.4): FLAGS mask 0xFF0000000000000B, XFRM 0, MISCMASK 0xF0000000.
    private const ulong SealFlagsMask = 0xFF00_0000_0000_000BUL;
    private const uint SealMiscMask = 0xF000_0000;

    internal Enclave(SimulatedPlatform platform, EnclaveIdentity identity)
    {
        Platform = platform;
        Identity = identity;
    }

    /// <summary>The platform the enclave runs on.</summary>
    public SimulatedPlatform Platform { get; }

    /// <summary>The enclave's SECS identity.</summary>
    public EnclaveIdentity Identity { get; }

    /// <summary>This enclave as a report target.</summary>
    public TargetInfo TargetInfo => TargetInfo.For(Identity);

    /// <summary>
    /// EREPORT: a report about this enclave for <paramref name="target"/>, MACed with the target's REPORT key
    /// on this platform (sgx-enclave-model §3.1).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="reportData"/> is longer than 64 bytes.</exception>
    public Report CreateReport(TargetInfo target, ReadOnlySpan<byte> reportData)
    {
        ArgumentNullException.ThrowIfNull(target);
        var body = ReportBody.For(Identity, Platform.Settings.CpuSvn, reportData).ToBytes();
        var keyId = Platform.ReportKeyId;
        // 3. The target's REPORT key, from the TARGETINFO values, this platform's epoch, CPUSVN and KEYID.
        var key = KeyDerivation.Derive(
            Platform.Keys.Report,
            KeyDerivation.ReportKeyData(target, Platform.Keys.OwnerEpoch, Platform.Settings.CpuSvn, keyId));
        // 4. MAC = AES-128-CMAC(report key, body).
        var mac = AesCmac.Compute(key, body);
        CryptographicOperations.ZeroMemory(key);
        return Report.Create(body, keyId, mac);
    }

    /// <summary>
    /// Verifies a report targeted at this enclave (<c>sgx_verify_report</c>): EGETKEY(REPORT) with the report's
    /// KEYID, CMAC over the body, constant-time compare. True only for a report made on this platform for
    /// exactly this enclave's TARGETINFO, with no byte changed.
    /// </summary>
    public bool VerifyReport(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var result = GetKey(new KeyRequest { KeyName = KeyName.Report, KeyId = report.KeyId.ToArray() });
        var mac = AesCmac.Compute(result.Key!, report.BodyBytes);
        CryptographicOperations.ZeroMemory(result.Key);
        return CryptographicOperations.FixedTimeEquals(mac, report.Mac);
    }

    /// <summary>EGETKEY (sgx-enclave-model §3.1): derives the requested key or returns why not.</summary>
    /// <exception cref="SgxFaultException">Reserved policy bits, or KSS policy bits / CONFIGSVN without KSS (#GP).</exception>
    public KeyResult GetKey(KeyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var keys = Platform.Keys;
        if (request.KeyName == KeyName.Report)
        {
            // The REPORT key never fails: it is this enclave's own, at the current CPUSVN.
            var data = KeyDerivation.ReportKeyData(TargetInfo, keys.OwnerEpoch, Platform.Settings.CpuSvn, request.KeyId);
            return new KeyResult(SgxStatus.Success, KeyDerivation.Derive(keys.Report, data));
        }

        if (!Enum.IsDefined(request.KeyName))
        {
            return new KeyResult(SgxStatus.InvalidKeyName, null);
        }

        var kss = (Identity.Attributes.Flags & AttributeBits.Kss) != 0;
        const KeyPolicyBits kssPolicies = KeyPolicyBits.NoIsvProdId | KeyPolicyBits.ConfigId | KeyPolicyBits.IsvFamilyId | KeyPolicyBits.IsvExtProdId;
        if (((ushort)request.KeyPolicy & ~0x3F) != 0 || (!kss && ((request.KeyPolicy & kssPolicies) != 0 || request.ConfigSvn != 0)))
        {
            throw new SgxFaultException("#GP: reserved KEYPOLICY bits, or KSS policy / CONFIGSVN without KSS.");
        }

        if ((request.KeyName is KeyName.Provision or KeyName.ProvisionSeal && (Identity.Attributes.Flags & AttributeBits.ProvisionKey) == 0)
            || (request.KeyName == KeyName.EinitToken && (Identity.Attributes.Flags & AttributeBits.EinitTokenKey) == 0))
        {
            return new KeyResult(SgxStatus.InvalidAttribute, null);
        }

        // Lower SVNs are allowed (old sealed data, certifying an older TCB); newer ones are not.
        if (request.IsvSvn > Identity.IsvSvn || request.ConfigSvn > Identity.ConfigSvn)
        {
            return new KeyResult(SgxStatus.InvalidIsvSvn, null);
        }

        var cpuSvn = Platform.ResolveRequestedCpuSvn(request.CpuSvn);
        if (cpuSvn is null)
        {
            return new KeyResult(SgxStatus.InvalidCpuSvn, null);
        }

        var derivation = request.KeyName switch
        {
            KeyName.Seal => KeyDerivation.SealKeyData(Identity, request, cpuSvn, keys.OwnerEpoch),
            KeyName.EinitToken => KeyDerivation.EinitTokenKeyData(Identity, request, cpuSvn, keys.OwnerEpoch),
            KeyName.Provision => KeyDerivation.ProvisionKeyData(Identity, request, cpuSvn),
            _ => KeyDerivation.ProvisionSealKeyData(Identity, request, cpuSvn),
        };
        return new KeyResult(SgxStatus.Success, KeyDerivation.Derive(keys.BaseKey(request.KeyName), derivation));
    }

    /// <summary>
    /// Seals like <c>sgx_seal_data_ex</c>: SEAL key for <paramref name="policy"/> at the current CPUSVN and this
    /// enclave's ISVSVN, a random KEYID, AES-128-GCM with a zero IV (safe because every blob has its own key),
    /// additional text authenticated in clear; returns the SDK's blob layout.
    /// </summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> additionalText = default, SealPolicy policy = SealPolicy.MrSigner)
    {
        var kss = (Identity.Attributes.Flags & AttributeBits.Kss) != 0;
        var keyPolicy = policy == SealPolicy.MrEnclave ? KeyPolicyBits.MrEnclave : KeyPolicyBits.MrSigner;
        if (kss)
        {
            keyPolicy |= KeyPolicyBits.ConfigId | KeyPolicyBits.IsvFamilyId | KeyPolicyBits.IsvExtProdId;
        }

        var request = new KeyRequest
        {
            KeyName = KeyName.Seal,
            KeyPolicy = keyPolicy,
            IsvSvn = Identity.IsvSvn,
            CpuSvn = Platform.CpuSvn,
            AttributeMask = new SgxAttributes((AttributeBits)SealFlagsMask, 0),
            KeyId = RandomNumberGenerator.GetBytes(32),
            MiscMask = SealMiscMask,
            ConfigSvn = kss ? Identity.ConfigSvn : (ushort)0,
        };
        var key = GetKey(request).Key!;
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[SealedData.TagSize];
        using (var gcm = new AesGcm(key, SealedData.TagSize))
        {
            gcm.Encrypt(new byte[12], plaintext, ciphertext, tag, additionalText);
        }

        CryptographicOperations.ZeroMemory(key);
        return new SealedData(request, ciphertext, additionalText.ToArray(), tag).ToBytes();
    }

    /// <summary>Unseals a blob with the key request stored in it (so a newer enclave re-derives the older key).</summary>
    public UnsealResult Unseal(ReadOnlySpan<byte> blob)
    {
        if (!SealedData.TryRead(blob, out var sealedData))
        {
            return new UnsealResult(UnsealStatus.Malformed, null, null);
        }

        if (sealedData!.KeyRequest.KeyName != KeyName.Seal)
        {
            return new UnsealResult(UnsealStatus.Malformed, null, null);
        }

        KeyResult result;
        try
        {
            result = GetKey(sealedData.KeyRequest);
        }
        catch (SgxFaultException)
        {
            return new UnsealResult(UnsealStatus.Malformed, null, null);
        }

        if (result.Status != SgxStatus.Success)
        {
            var status = result.Status switch
            {
                SgxStatus.InvalidCpuSvn => UnsealStatus.InvalidCpuSvn,
                SgxStatus.InvalidIsvSvn => UnsealStatus.InvalidIsvSvn,
                SgxStatus.InvalidAttribute => UnsealStatus.InvalidAttribute,
                _ => UnsealStatus.Malformed,
            };
            return new UnsealResult(status, null, null);
        }

        var plaintext = new byte[sealedData.Ciphertext.Length];
        try
        {
            using var gcm = new AesGcm(result.Key!, SealedData.TagSize);
            gcm.Decrypt(new byte[12], sealedData.Ciphertext, sealedData.Tag, plaintext, sealedData.AdditionalText);
        }
        catch (AuthenticationTagMismatchException)
        {
            return new UnsealResult(UnsealStatus.MacMismatch, null, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(result.Key);
        }

        return new UnsealResult(UnsealStatus.Success, plaintext, sealedData.AdditionalText);
    }
}
