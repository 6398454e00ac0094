using System.Collections.Immutable;
using Vouch.Sgx.Collateral;

namespace Vouch.Sgx.Verification;

/// <summary>
/// The TCB facts a verdict reports from its two matched levels, the platform's (TCB Info) and the quoting
/// enclave's (QE Identity), as Intel reports them (docs/conformance.md, "TCB date and advisories").
/// </summary>
/// <param name="TcbDate">
/// The earlier of the two levels' <c>tcbDate</c>: the TCB is only as current as its least current part. Intel QVL's
/// verification result and QvE's <c>tcb_level_date_tag</c> before supplemental data 3.1 report this.
/// </param>
/// <param name="PlatformTcbDate">The platform level's <c>tcbDate</c> (QvE 3.1+ <c>tcb_level_date_tag</c>).</param>
/// <param name="QeTcbDate">The QE level's <c>tcbDate</c> (QvE 3.1+ <c>qe_iden_tcb_level_date_tag</c>).</param>
/// <param name="AdvisoryIds">
/// Both levels' advisory ids, as Intel QVL's verification result reports them: the platform level's in their order,
/// then the QE level's not already listed.
/// </param>
/// <param name="PlatformAdvisoryIds">The platform level's advisory ids only (QvE's <c>sa_list</c>).</param>
/// <param name="QeAdvisoryIds">The QE level's advisory ids only.</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record ReportedTcb(
    DateTimeOffset TcbDate,
    DateTimeOffset PlatformTcbDate,
    DateTimeOffset QeTcbDate,
    ImmutableArray<string> AdvisoryIds,
    ImmutableArray<string> PlatformAdvisoryIds,
    ImmutableArray<string> QeAdvisoryIds)
{
    /// <summary>The facts of a verdict whose platform matched <paramref name="platform"/> and whose QE matched <paramref name="qe"/>.</summary>
    public static ReportedTcb Of(TcbLevel platform, QeTcbLevel qe)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(qe);
        var union = ImmutableArray.CreateBuilder<string>(platform.AdvisoryIds.Count + qe.AdvisoryIds.Count);
        foreach (var id in platform.AdvisoryIds.Concat(qe.AdvisoryIds))
        {
            if (!union.Contains(id, StringComparer.Ordinal))
            {
                union.Add(id);
            }
        }

        return new ReportedTcb(
            platform.TcbDate <= qe.TcbDate ? platform.TcbDate : qe.TcbDate,
            platform.TcbDate,
            qe.TcbDate,
            union.ToImmutable(),
            [.. platform.AdvisoryIds],
            [.. qe.AdvisoryIds]);
    }
}
