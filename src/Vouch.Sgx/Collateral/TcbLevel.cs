using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Collateral;

/// <summary>One entry of <c>sgxtcbcomponents</c> or <c>tdxtcbcomponents</c> (dcap-verification §3.2).</summary>
/// <param name="Svn">The component's security version number, 0..255.</param>
/// <param name="Category">Intel's <c>category</c> ("BIOS", "OS/VMM"), when given. Always null for TCB Info version 2.</param>
/// <param name="Type">Intel's <c>type</c> ("Early Microcode Update", "TDX Module", …), when given. Always null for version 2.</param>
public sealed record TcbComponent(int Svn, string? Category, string? Type);

/// <summary>One platform TCB level of a TCB Info (<c>tcbInfo.tcbLevels[]</c>).</summary>
/// <param name="SgxComponents">
/// Exactly 16 SGX components, <c>sgxtcbcomponents</c> (version 3) or <c>sgxtcbcomp01svn</c>…<c>sgxtcbcomp16svn</c>
/// (version 2). Compared with the 16 component INTEGERs of the PCK certificate's TCB extension.
/// </param>
/// <param name="PceSvn">The level's <c>pcesvn</c>, 0..65535.</param>
/// <param name="TdxComponents">Exactly 16 <c>tdxtcbcomponents</c> for a TDX TCB Info; null for SGX.</param>
/// <param name="TcbDate">The level's <c>tcbDate</c>, in UTC.</param>
/// <param name="Status">The level's <c>tcbStatus</c>.</param>
/// <param name="AdvisoryIds">The level's <c>advisoryIDs</c> in JSON order; empty when the member is absent.</param>
/// <remarks>Equality compares content, component by component.</remarks>
public sealed record TcbLevel(
    IReadOnlyList<TcbComponent> SgxComponents,
    int PceSvn,
    IReadOnlyList<TcbComponent>? TdxComponents,
    DateTimeOffset TcbDate,
    TcbStatus Status,
    IReadOnlyList<string> AdvisoryIds)
{
    /// <inheritdoc/>
    public bool Equals(TcbLevel? other) =>
        other is not null
        && PceSvn == other.PceSvn
        && TcbDate == other.TcbDate
        && Status == other.Status
        && ValueEquality.Lists(SgxComponents, other.SgxComponents)
        && ValueEquality.Lists(TdxComponents, other.TdxComponents)
        && ValueEquality.Lists(AdvisoryIds, other.AdvisoryIds);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(PceSvn, TcbDate, Status, SgxComponents.Count);
}

/// <summary>
/// One TCB level of an Enclave Identity (<c>enclaveIdentity.tcbLevels[]</c>) or of a TDX module identity
/// (<c>tcbInfo.tdxModuleIdentities[].tcbLevels[]</c>): <c>{tcb:{isvsvn}, tcbDate, tcbStatus, advisoryIDs?}</c>.
/// </summary>
/// <param name="IsvSvn">The level's <c>tcb.isvsvn</c>: 0..65535 for an enclave, 0..255 for a TDX module (a TEE_TCB_SVN byte).</param>
/// <param name="TcbDate">The level's <c>tcbDate</c>, in UTC.</param>
/// <param name="Status">
/// The level's <c>tcbStatus</c>. Intel's data uses only UpToDate, OutOfDate and Revoked here; any of the
/// seven valid status strings is accepted, and the verifier decides what the others mean.
/// </param>
/// <param name="AdvisoryIds">The level's <c>advisoryIDs</c>; empty when the member is absent.</param>
/// <remarks>Equality compares content.</remarks>
public sealed record QeTcbLevel(int IsvSvn, DateTimeOffset TcbDate, TcbStatus Status, IReadOnlyList<string> AdvisoryIds)
{
    /// <inheritdoc/>
    public bool Equals(QeTcbLevel? other) =>
        other is not null
        && IsvSvn == other.IsvSvn
        && TcbDate == other.TcbDate
        && Status == other.Status
        && ValueEquality.Lists(AdvisoryIds, other.AdvisoryIds);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(IsvSvn, TcbDate, Status);
}
