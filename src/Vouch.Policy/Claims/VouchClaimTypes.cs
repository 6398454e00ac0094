namespace Vouch.Policy.Claims;

/// <summary>
/// Incoming claims Vouch adds to MAA's set, all under the <c>x-vouch-</c> prefix (docs/policy.md).
/// They carry the outcome of Vouch's own DCAP verification so a policy can judge the platform, for
/// example demand <c>UpToDate</c>, or allow <c>SWHardeningNeeded</c> only with named advisories.
/// </summary>
public static class VouchClaimTypes
{
    /// <summary>The prefix of every Vouch claim type.</summary>
    public const string Prefix = "x-vouch-";

    /// <summary>String: Intel's converged TCB status, e.g. "UpToDate", "SWHardeningNeeded", "OutOfDate".</summary>
    public const string TcbStatus = "x-vouch-tcb-status";

    /// <summary>String, one claim per advisory: the Intel advisory ids of both matched TCB levels (platform, then QE; de-duplicated), e.g. "INTEL-SA-00334".</summary>
    public const string AdvisoryIds = "x-vouch-advisory-ids";

    /// <summary>String, one claim per advisory: the advisory ids of the matched platform (TCB Info) level only (Intel QvE's <c>sa_list</c>).</summary>
    public const string PlatformAdvisoryIds = "x-vouch-platform-advisory-ids";

    /// <summary>String, one claim per advisory: the advisory ids of the matched QE Identity level only.</summary>
    public const string QeAdvisoryIds = "x-vouch-qe-advisory-ids";

    /// <summary>String: the earlier of the matched platform and QE levels' tcbDate, ISO 8601 UTC, e.g. "2024-03-13T00:00:00Z".</summary>
    public const string TcbDate = "x-vouch-tcb-date";

    /// <summary>String: the tcbDate of the matched platform (TCB Info) level, ISO 8601 UTC.</summary>
    public const string PlatformTcbDate = "x-vouch-platform-tcb-date";

    /// <summary>String: the tcbDate of the matched QE Identity level, ISO 8601 UTC.</summary>
    public const string QeTcbDate = "x-vouch-qe-tcb-date";

    /// <summary>Integer: the tcbEvaluationDataNumber of the TCB Info used.</summary>
    public const string TcbEvaluationDataNumber = "x-vouch-tcb-evaluation-data-number";

    /// <summary>String: the platform FMSPC, 12 lowercase hex digits.</summary>
    public const string Fmspc = "x-vouch-fmspc";

    /// <summary>Boolean: some collateral (TCB Info, QE Identity, a CRL) was past its nextUpdate at verification time.</summary>
    public const string CollateralExpired = "x-vouch-collateral-expired";

    /// <summary>String, <c>yyyy-MM-ddTHH:mm:ssZ</c>: the end of the collateral's common validity window (the earliest nextUpdate or certificate expiry) — when the evidence stops being verifiable with this collateral.</summary>
    public const string CollateralExpiry = "x-vouch-collateral-expiry";

    /// <summary>Object, token only: the provider's effective collateral freshness rules (update type or pinned evaluation number, minimum evaluation number, maximum age and grace in seconds, whether expired collateral is allowed).</summary>
    public const string CollateralPolicy = "x-vouch-collateral-policy";
}
