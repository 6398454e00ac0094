namespace Vouch.Simulator.Enclaves;

/// <summary>
/// The identity an initialized enclave's SECS holds, which EREPORT copies into a report body and EGETKEY
/// binds keys to (sgx-enclave-model §1.3, §1.7). Equality compares every byte.
/// </summary>
public sealed record EnclaveIdentity
{
    /// <summary>MRENCLAVE (32 bytes).</summary>
    public required byte[] MrEnclave { get; init; }
    /// <summary>MRSIGNER (32 bytes).</summary>
    public required byte[] MrSigner { get; init; }
    /// <summary>SECS.ATTRIBUTES, including INIT once initialized.</summary>
    public required SgxAttributes Attributes { get; init; }
    /// <summary>SECS.MISCSELECT.</summary>
    public uint MiscSelect { get; init; }
    /// <summary>ISVPRODID.</summary>
    public ushort IsvProdId { get; init; }
    /// <summary>ISVSVN.</summary>
    public ushort IsvSvn { get; init; }
    /// <summary>CONFIGID (64 bytes; KSS only).</summary>
    public byte[] ConfigId { get; init; } = new byte[64];
    /// <summary>CONFIGSVN (KSS only).</summary>
    public ushort ConfigSvn { get; init; }
    /// <summary>ISVFAMILYID (16 bytes; KSS only).</summary>
    public byte[] IsvFamilyId { get; init; } = new byte[16];
    /// <summary>ISVEXTPRODID (16 bytes; KSS only).</summary>
    public byte[] IsvExtProdId { get; init; } = new byte[16];

    /// <summary>Whether ATTRIBUTES.DEBUG is set.</summary>
    public bool IsDebug => Attributes.IsDebug;

    /// <inheritdoc/>
    public bool Equals(EnclaveIdentity? other) =>
        other is not null
        && MrEnclave.AsSpan().SequenceEqual(other.MrEnclave)
        && MrSigner.AsSpan().SequenceEqual(other.MrSigner)
        && Attributes == other.Attributes
        && MiscSelect == other.MiscSelect
        && IsvProdId == other.IsvProdId
        && IsvSvn == other.IsvSvn
        && ConfigId.AsSpan().SequenceEqual(other.ConfigId)
        && ConfigSvn == other.ConfigSvn
        && IsvFamilyId.AsSpan().SequenceEqual(other.IsvFamilyId)
        && IsvExtProdId.AsSpan().SequenceEqual(other.IsvExtProdId);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Convert.ToHexString(MrEnclave), Convert.ToHexString(MrSigner), Attributes, IsvProdId, IsvSvn);
}
