using System.Buffers.Binary;
using Vouch.Simulator.Crypto;
using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Platform;

/// <summary>
/// Key derivation data in the Intel SDK simulator's layouts (sgx-enclave-model §3.2: naturally aligned
/// x86-64 structs, zero-filled) and key = AES-128-CMAC(base key of the key name, derivation data). The
/// layouts are the same in both platform modes; a per-platform mode differs only in its base keys and
/// owner epoch (the "fuses"), as the spec's §3.3 recommends.
/// </summary>
internal static class KeyDerivation
{
    // dd_report_key_t (192 bytes).
    internal const int ReportDataSize = 192;
    private const int RkAttributes = 8, RkMiscSelect = 24, RkOwnerEpoch = 28, RkMrEnclave = 44, RkCpuSvn = 76, RkConfigSvn = 92, RkConfigId = 94, RkKeyId = 158;

    // dd_seal_key_t (280 bytes).
    internal const int SealDataSize = 280;
    private const int SkPolicy = 2, SkAttributes = 8, SkAttributeMask = 24, SkMiscSelect = 40, SkMiscMask = 44, SkOwnerEpoch = 48, SkCpuSvn = 64, SkIsvSvn = 80,
        SkIsvProdId = 82, SkConfigSvn = 84, SkConfigId = 86, SkFamilyId = 150, SkExtProdId = 166, SkMrEnclave = 182, SkMrSigner = 214, SkKeyId = 246;

    // dd_license_key_t (EINITTOKEN, 128 bytes).
    internal const int LicenseDataSize = 128;
    private const int LkAttributes = 8, LkMiscSelect = 24, LkOwnerEpoch = 28, LkCpuSvn = 44, LkIsvSvn = 60, LkIsvProdId = 62, LkMrSigner = 64, LkKeyId = 96;

    // dd_provision_key_t (104 bytes).
    internal const int ProvisionDataSize = 104;
    private const int PkAttributes = 8, PkAttributeMask = 24, PkMiscSelect = 40, PkMiscMask = 44, PkCpuSvn = 48, PkIsvSvn = 64, PkIsvProdId = 66, PkMrSigner = 68;

    // dd_provision_seal_key_t (200 bytes).
    internal const int ProvisionSealDataSize = 200;
    private const int PsPolicy = 2, PsAttributes = 8, PsAttributeMask = 24, PsMiscSelect = 40, PsMiscMask = 44, PsCpuSvn = 48, PsIsvSvn = 64, PsIsvProdId = 66,
        PsConfigSvn = 68, PsConfigId = 70, PsFamilyId = 134, PsExtProdId = 150, PsMrSigner = 166;

    /// <summary>Derivation data of the REPORT key of the enclave described by the target values.</summary>
    public static byte[] ReportKeyData(TargetInfo target, ReadOnlySpan<byte> ownerEpoch, ReadOnlySpan<byte> cpuSvn, ReadOnlySpan<byte> keyId)
    {
        var d = new byte[ReportDataSize];
        var s = d.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)KeyName.Report);
        target.Attributes.Write(s[RkAttributes..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[RkMiscSelect..], target.MiscSelect);
        ownerEpoch.CopyTo(s[RkOwnerEpoch..]);
        target.Measurement.CopyTo(s[RkMrEnclave..]);
        cpuSvn.CopyTo(s[RkCpuSvn..]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[RkConfigSvn..], target.ConfigSvn);
        target.ConfigId.CopyTo(s[RkConfigId..]);
        keyId.CopyTo(s[RkKeyId..]);
        return d;
    }

    /// <summary>Derivation data of a SEAL key for <paramref name="identity"/> and <paramref name="request"/> (CPUSVN already resolved).</summary>
    public static byte[] SealKeyData(EnclaveIdentity identity, KeyRequest request, ReadOnlySpan<byte> cpuSvn, ReadOnlySpan<byte> ownerEpoch)
    {
        var d = new byte[SealDataSize];
        var s = d.AsSpan();
        var policy = request.KeyPolicy;
        BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)KeyName.Seal);
        BinaryPrimitives.WriteUInt16LittleEndian(s[SkPolicy..], (ushort)policy);
        MaskedAttributes(identity, request).Write(s[SkAttributes..]);
        request.AttributeMask.Write(s[SkAttributeMask..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[SkMiscSelect..], identity.MiscSelect & request.MiscMask);
        BinaryPrimitives.WriteUInt32LittleEndian(s[SkMiscMask..], ~request.MiscMask);
        ownerEpoch.CopyTo(s[SkOwnerEpoch..]);
        cpuSvn.CopyTo(s[SkCpuSvn..]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[SkIsvSvn..], request.IsvSvn);
        if ((policy & KeyPolicyBits.NoIsvProdId) == 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s[SkIsvProdId..], identity.IsvProdId);
        }

        if ((policy & KeyPolicyBits.ConfigId) != 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s[SkConfigSvn..], request.ConfigSvn);
            identity.ConfigId.CopyTo(s[SkConfigId..]);
        }

        if ((policy & KeyPolicyBits.IsvFamilyId) != 0)
        {
            identity.IsvFamilyId.CopyTo(s[SkFamilyId..]);
        }

        if ((policy & KeyPolicyBits.IsvExtProdId) != 0)
        {
            identity.IsvExtProdId.CopyTo(s[SkExtProdId..]);
        }

        if ((policy & KeyPolicyBits.MrEnclave) != 0)
        {
            identity.MrEnclave.CopyTo(s[SkMrEnclave..]);
        }

        if ((policy & KeyPolicyBits.MrSigner) != 0)
        {
            identity.MrSigner.CopyTo(s[SkMrSigner..]);
        }

        request.KeyId.CopyTo(s[SkKeyId..]);
        return d;
    }

    /// <summary>Derivation data of the EINITTOKEN key.</summary>
    public static byte[] EinitTokenKeyData(EnclaveIdentity identity, KeyRequest request, ReadOnlySpan<byte> cpuSvn, ReadOnlySpan<byte> ownerEpoch)
    {
        var d = new byte[LicenseDataSize];
        var s = d.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)KeyName.EinitToken);
        MaskedAttributes(identity, request).Write(s[LkAttributes..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[LkMiscSelect..], identity.MiscSelect & request.MiscMask);
        ownerEpoch.CopyTo(s[LkOwnerEpoch..]);
        cpuSvn.CopyTo(s[LkCpuSvn..]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[LkIsvSvn..], request.IsvSvn);
        BinaryPrimitives.WriteUInt16LittleEndian(s[LkIsvProdId..], identity.IsvProdId);
        identity.MrSigner.CopyTo(s[LkMrSigner..]);
        request.KeyId.CopyTo(s[LkKeyId..]);
        return d;
    }

    /// <summary>Derivation data of the PROVISION key (no owner epoch, no KEYID).</summary>
    public static byte[] ProvisionKeyData(EnclaveIdentity identity, KeyRequest request, ReadOnlySpan<byte> cpuSvn)
    {
        var d = new byte[ProvisionDataSize];
        var s = d.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)KeyName.Provision);
        MaskedAttributes(identity, request).Write(s[PkAttributes..]);
        request.AttributeMask.Write(s[PkAttributeMask..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[PkMiscSelect..], identity.MiscSelect & request.MiscMask);
        BinaryPrimitives.WriteUInt32LittleEndian(s[PkMiscMask..], ~request.MiscMask);
        cpuSvn.CopyTo(s[PkCpuSvn..]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[PkIsvSvn..], request.IsvSvn);
        BinaryPrimitives.WriteUInt16LittleEndian(s[PkIsvProdId..], identity.IsvProdId);
        identity.MrSigner.CopyTo(s[PkMrSigner..]);
        return d;
    }

    /// <summary>Derivation data of the PROVISION_SEAL key (no owner epoch, no KEYID; the SDK writes KEYNAME 2).</summary>
    public static byte[] ProvisionSealKeyData(EnclaveIdentity identity, KeyRequest request, ReadOnlySpan<byte> cpuSvn)
    {
        var d = new byte[ProvisionSealDataSize];
        var s = d.AsSpan();
        var policy = request.KeyPolicy;
        BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)KeyName.ProvisionSeal);
        BinaryPrimitives.WriteUInt16LittleEndian(s[PsPolicy..], (ushort)policy);
        MaskedAttributes(identity, request).Write(s[PsAttributes..]);
        request.AttributeMask.Write(s[PsAttributeMask..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[PsMiscSelect..], identity.MiscSelect & request.MiscMask);
        BinaryPrimitives.WriteUInt32LittleEndian(s[PsMiscMask..], ~request.MiscMask);
        cpuSvn.CopyTo(s[PsCpuSvn..]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[PsIsvSvn..], request.IsvSvn);
        if ((policy & KeyPolicyBits.NoIsvProdId) == 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s[PsIsvProdId..], identity.IsvProdId);
        }

        if ((policy & KeyPolicyBits.ConfigId) != 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s[PsConfigSvn..], request.ConfigSvn);
            identity.ConfigId.CopyTo(s[PsConfigId..]);
        }

        if ((policy & KeyPolicyBits.IsvFamilyId) != 0)
        {
            identity.IsvFamilyId.CopyTo(s[PsFamilyId..]);
        }

        if ((policy & KeyPolicyBits.IsvExtProdId) != 0)
        {
            identity.IsvExtProdId.CopyTo(s[PsExtProdId..]);
        }

        identity.MrSigner.CopyTo(s[PsMrSigner..]);
        return d;
    }

    /// <summary>AES-128-CMAC(base key, derivation data).</summary>
    public static byte[] Derive(ReadOnlySpan<byte> baseKey, ReadOnlySpan<byte> derivationData) => AesCmac.Compute(baseKey, derivationData);

    // ATTRIBUTES bound into a key: FLAGS under (mask | INIT | DEBUG) — INIT and DEBUG are always bound — and
    // XFRM under the requested mask.
    private static SgxAttributes MaskedAttributes(EnclaveIdentity identity, KeyRequest request) => new(
        identity.Attributes.Flags & (request.AttributeMask.Flags | AttributeBits.Init | AttributeBits.Debug),
        identity.Attributes.Xfrm & request.AttributeMask.Xfrm);
}
