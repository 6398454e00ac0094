namespace Vouch.Sgx.Collateral;

/// <summary>The <c>tdxModule</c> member of a TDX TCB Info: the identity of the TDX module signer.</summary>
/// <param name="MrSigner">MRSIGNERSEAM, 48 bytes.</param>
/// <param name="Attributes">SEAMATTRIBUTES expected under the mask, 8 bytes.</param>
/// <param name="AttributesMask">Mask applied to the quote's SEAMATTRIBUTES, 8 bytes.</param>
/// <remarks>Equality compares the bytes.</remarks>
public sealed record TdxModule(ReadOnlyMemory<byte> MrSigner, ReadOnlyMemory<byte> Attributes, ReadOnlyMemory<byte> AttributesMask)
{
    /// <inheritdoc/>
    public bool Equals(TdxModule? other) =>
        other is not null
        && ValueEquality.Bytes(MrSigner, other.MrSigner)
        && ValueEquality.Bytes(Attributes, other.Attributes)
        && ValueEquality.Bytes(AttributesMask, other.AttributesMask);

    /// <inheritdoc/>
    public override int GetHashCode() => ValueEquality.HashBytes(MrSigner);
}

/// <summary>One entry of <c>tdxModuleIdentities</c> in a TDX TCB Info (dcap-verification §2.6 step 9).</summary>
/// <param name="Id">The identity's <c>id</c>, for example <c>"TDX_03"</c>: the verifier looks up <c>"TDX_%02X" % TEE_TCB_SVN[1]</c>.</param>
/// <param name="MrSigner">MRSIGNERSEAM, 48 bytes.</param>
/// <param name="Attributes">SEAMATTRIBUTES expected under the mask, 8 bytes.</param>
/// <param name="AttributesMask">Mask applied to the quote's SEAMATTRIBUTES, 8 bytes.</param>
/// <param name="TcbLevels">
/// The module's TCB levels in Intel's order: highest <c>isvsvn</c> first (QVL keeps them in a
/// <c>std::set</c> ordered by isvsvn, descending), whatever the JSON order. Never empty.
/// </param>
/// <remarks>Equality compares content.</remarks>
public sealed record TdxModuleIdentity(
    string Id,
    ReadOnlyMemory<byte> MrSigner,
    ReadOnlyMemory<byte> Attributes,
    ReadOnlyMemory<byte> AttributesMask,
    IReadOnlyList<QeTcbLevel> TcbLevels)
{
    /// <inheritdoc/>
    public bool Equals(TdxModuleIdentity? other) =>
        other is not null
        && string.Equals(Id, other.Id, StringComparison.Ordinal)
        && ValueEquality.Bytes(MrSigner, other.MrSigner)
        && ValueEquality.Bytes(Attributes, other.Attributes)
        && ValueEquality.Bytes(AttributesMask, other.AttributesMask)
        && ValueEquality.Lists(TcbLevels, other.TcbLevels);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, TcbLevels.Count);
}
