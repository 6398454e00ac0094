namespace Vouch.Simulator.Enclaves;

/// <summary>The SECS state EINIT sees: the finalized measurement and what ECREATE recorded.</summary>
/// <param name="MrEnclave">The measurement of the loaded pages.</param>
/// <param name="Attributes">SECS.ATTRIBUTES (INIT clear).</param>
/// <param name="MiscSelect">SECS.MISCSELECT.</param>
/// <param name="ConfigId">SECS.CONFIGID (64 bytes).</param>
/// <param name="ConfigSvn">SECS.CONFIGSVN.</param>
public sealed record SecsState(byte[] MrEnclave, SgxAttributes Attributes, uint MiscSelect, byte[] ConfigId, ushort ConfigSvn);

/// <summary>The outcome of EINIT: a status and, on success, the initialized identity.</summary>
/// <param name="Status">Architectural status.</param>
/// <param name="Identity">The SECS identity after EINIT; null unless <see cref="SgxStatus.Success"/>.</param>
public sealed record EinitResult(SgxStatus Status, EnclaveIdentity? Identity)
{
    /// <summary>Whether EINIT succeeded.</summary>
    public bool Succeeded => Status == SgxStatus.Success;
}

/// <summary>
/// Flexible launch control policy (the platform owner's): which signers may launch enclaves with the
/// privileged PROVISIONKEY and EINITTOKEN_KEY attributes.
/// </summary>
/// <param name="ProvisionKeySigners">MRSIGNERs allowed to set PROVISIONKEY; null allows every signer.</param>
/// <param name="EinitTokenKeySigners">MRSIGNERs allowed to set EINITTOKEN_KEY; null allows every signer.</param>
public sealed record LaunchPolicy(IReadOnlyList<byte[]>? ProvisionKeySigners, IReadOnlyList<byte[]>? EinitTokenKeySigners)
{
    /// <summary>PROVISIONKEY only for Intel's architectural-enclave signer; EINITTOKEN_KEY for nobody.</summary>
    public static LaunchPolicy Default { get; } = new([KnownValues.IntelAeMrSigner.ToArray()], []);

    /// <summary>Every signer may use every attribute.</summary>
    public static LaunchPolicy AllowAll { get; } = new(null, null);

    internal bool Allows(AttributeBits flags, ReadOnlySpan<byte> mrSigner)
    {
        if ((flags & AttributeBits.ProvisionKey) != 0 && !Listed(ProvisionKeySigners, mrSigner))
        {
            return false;
        }

        return (flags & AttributeBits.EinitTokenKey) == 0 || Listed(EinitTokenKeySigners, mrSigner);
    }

    private static bool Listed(IReadOnlyList<byte[]>? list, ReadOnlySpan<byte> mrSigner)
    {
        if (list is null)
        {
            return true;
        }

        foreach (var allowed in list)
        {
            if (mrSigner.SequenceEqual(allowed))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// EINIT (sgx-enclave-model §2.4): checks a SIGSTRUCT against the measured SECS and, if every check
/// passes, produces the initialized identity. Unlike the Intel SDK simulator, it verifies the signature,
/// Q1/Q2 and the measurement.
/// </summary>
public static class Einit
{
    /// <summary>Runs the EINIT checks in the order of the SDM and returns the first failing status.</summary>
    public static EinitResult Run(SecsState secs, Sigstruct sigstruct, LaunchPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(secs);
        ArgumentNullException.ThrowIfNull(sigstruct);
        ArgumentNullException.ThrowIfNull(policy);
        if ((secs.Attributes.Flags & AttributeBits.Init) != 0)
        {
            throw new SgxFaultException("#GP: the SECS is already initialized.");
        }

        // 1. Header constants, TYPE, exponent 3, 3072-bit modulus, reserved fields zero.
        var status = sigstruct.CheckStructure();
        if (status != SgxStatus.Success)
        {
            return new EinitResult(status, null);
        }

        // 2. RSA-3072 e=3 signature over SIGSTRUCT[0:128] ‖ SIGSTRUCT[900:1028], and Q1/Q2.
        status = sigstruct.CheckSignature();
        if (status != SgxStatus.Success)
        {
            return new EinitResult(status, null);
        }

        // 3. Finalized MRENCLAVE equals ENCLAVEHASH.
        if (!sigstruct.EnclaveHash.SequenceEqual(secs.MrEnclave))
        {
            return new EinitResult(SgxStatus.InvalidMeasurement, null);
        }

        // 4. (SECS.ATTRIBUTES & ATTRIBUTEMASK) == (SIGSTRUCT.ATTRIBUTES & ATTRIBUTEMASK), FLAGS and XFRM;
        //    the same for MISCSELECT under MISCMASK.
        var mask = sigstruct.AttributeMask;
        if (secs.Attributes.Mask(mask) != sigstruct.Attributes.Mask(mask)
            || (secs.MiscSelect & sigstruct.MiscMask) != (sigstruct.MiscSelect & sigstruct.MiscMask))
        {
            return new EinitResult(SgxStatus.InvalidAttribute, null);
        }

        // 5. Without KSS, ISVFAMILYID and ISVEXTPRODID must be zero (the SDK reports this as a bad signature).
        var kss = (secs.Attributes.Flags & AttributeBits.Kss) != 0;
        if (!kss && (sigstruct.IsvFamilyId.ContainsAnyExcept((byte)0) || sigstruct.IsvExtProdId.ContainsAnyExcept((byte)0)))
        {
            return new EinitResult(SgxStatus.InvalidSignature, null);
        }

        // 6. Launch control (FLC): privileged attributes only for allowed signers.
        var mrSigner = sigstruct.MrSigner;
        if (!policy.Allows(secs.Attributes.Flags, mrSigner))
        {
            return new EinitResult(SgxStatus.InvalidAttribute, null);
        }

        return new EinitResult(SgxStatus.Success, new EnclaveIdentity
        {
            MrEnclave = (byte[])secs.MrEnclave.Clone(),
            MrSigner = mrSigner,
            Attributes = secs.Attributes with { Flags = secs.Attributes.Flags | AttributeBits.Init },
            MiscSelect = secs.MiscSelect,
            IsvProdId = sigstruct.IsvProdId,
            IsvSvn = sigstruct.IsvSvn,
            ConfigId = (byte[])secs.ConfigId.Clone(),
            ConfigSvn = secs.ConfigSvn,
            IsvFamilyId = sigstruct.IsvFamilyId.ToArray(),
            IsvExtProdId = sigstruct.IsvExtProdId.ToArray(),
        });
    }

    /// <summary>
    /// Loads an image like an untrusted loader would: ECREATE with the manifest's SECS values (DEBUG set
    /// when <paramref name="debug"/>), EADD/EEXTEND of every page, then EINIT with <paramref name="sigstruct"/>.
    /// </summary>
    /// <exception cref="SgxFaultException">ECREATE refuses the SECS (XFRM without x87/SSE, INIT requested, KSS fields without KSS).</exception>
    public static EinitResult Load(EnclaveManifest manifest, Sigstruct sigstruct, bool debug, LaunchPolicy policy) =>
        Run(Build(manifest, debug), sigstruct, policy);

    /// <summary>
    /// ECREATE, EADD and EEXTEND of a manifest: the SECS state EINIT will check. DEBUG is set when
    /// <paramref name="debug"/>.
    /// </summary>
    /// <exception cref="SgxFaultException">ECREATE refuses the SECS (XFRM without x87/SSE, INIT requested, KSS fields without KSS).</exception>
    public static SecsState Build(EnclaveManifest manifest, bool debug)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var attributes = manifest.Attributes;
        if (debug)
        {
            attributes = attributes with { Flags = attributes.Flags | AttributeBits.Debug };
        }

        CheckECreate(attributes, manifest.ConfigId, manifest.ConfigSvn);
        return new SecsState(manifest.ComputeMrEnclave(), attributes, manifest.MiscSelect, manifest.ConfigId, manifest.ConfigSvn);
    }

    /// <summary>The ECREATE checks (#GP): legacy XFRM, INIT not requested, KSS fields only with KSS.</summary>
    /// <exception cref="SgxFaultException">A check fails.</exception>
    public static void CheckECreate(SgxAttributes attributes, ReadOnlySpan<byte> configId, ushort configSvn)
    {
        if ((attributes.Xfrm & SgxAttributes.XfrmLegacy) != SgxAttributes.XfrmLegacy)
        {
            throw new SgxFaultException("#GP: XFRM must enable x87 and SSE.");
        }

        if ((attributes.Flags & AttributeBits.Init) != 0)
        {
            throw new SgxFaultException("#GP: ATTRIBUTES.INIT may not be requested.");
        }

        if ((attributes.Flags & AttributeBits.Kss) == 0 && (configId.ContainsAnyExcept((byte)0) || configSvn != 0))
        {
            throw new SgxFaultException("#GP: CONFIGID and CONFIGSVN need the KSS attribute.");
        }
    }
}
