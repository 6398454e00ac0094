using System.Collections.Immutable;

namespace Vouch.Sgx.Verification;

/// <summary>What became of one check.</summary>
public enum CheckResult
{
    /// <summary>The check was made and held.</summary>
    Passed,
    /// <summary>The check was made and did not hold; the quote is not verified.</summary>
    Failed,
    /// <summary>
    /// The check failed on freshness only, and <see cref="VerificationOptions.AllowExpiredCollateral"/> waived it, as Intel's QvE
    /// does, or the item is past its nextUpdate but inside <see cref="VerificationOptions.ExpiryGracePeriod"/>; either way the
    /// report's <see cref="VerificationReport.CollateralExpired"/> is set.
    /// </summary>
    Waived,
    /// <summary>The check could not be made because something it needs failed or is absent (the detail says what).</summary>
    NotEvaluated,
}

/// <summary>The outcome of one check: its result, the error code when it did not pass, and the inputs that decided it.</summary>
/// <param name="Check">Which check.</param>
/// <param name="Result">What became of it.</param>
/// <param name="Code">The error code when <paramref name="Result"/> is <see cref="CheckResult.Failed"/> or <see cref="CheckResult.Waived"/>.</param>
/// <param name="Detail">The inputs that decided the outcome, in words (for example which component SVN was too low for which level).</param>
public sealed record CheckOutcome(CheckId Check, CheckResult Result, ErrorCode? Code, string? Detail);

/// <summary>
/// The instant interval inside which every piece of collateral is valid. It is empty
/// (<see cref="IsEmpty"/>) when the collateral has no instant at which all of it is valid.
/// </summary>
/// <param name="NotBefore">Latest of the certificates' notBefore, the CRLs' thisUpdate and the TCB Info and QE Identity issueDate.</param>
/// <param name="NotAfter">Earliest of the certificates' notAfter, the CRLs' nextUpdate and the TCB Info and QE Identity nextUpdate.</param>
public sealed record ValidityWindow(DateTimeOffset NotBefore, DateTimeOffset NotAfter)
{
    /// <summary>Whether <paramref name="at"/> lies inside the window (both ends included).</summary>
    public bool Contains(DateTimeOffset at) => at >= NotBefore && at <= NotAfter;

    /// <summary>Whether no instant lies inside the window.</summary>
    public bool IsEmpty => NotBefore > NotAfter;
}

/// <summary>Facts read from the quote's enclave report (SGX) or TD report (TDX).</summary>
public sealed record QuoteFacts
{
    /// <summary>Quote format version (3, 4 or 5).</summary>
    public required int Version { get; init; }
    /// <summary>"SGX" or "TDX".</summary>
    public required string TeeType { get; init; }
    /// <summary>MRENCLAVE (SGX) or MRTD (TDX), lower-case hex.</summary>
    public required string MrEnclave { get; init; }
    /// <summary>MRSIGNER (SGX) or empty (TDX), lower-case hex.</summary>
    public required string MrSigner { get; init; }
    /// <summary>ISVPRODID (SGX; 0 for TDX).</summary>
    public required int IsvProdId { get; init; }
    /// <summary>ISVSVN (SGX; 0 for TDX).</summary>
    public required int IsvSvn { get; init; }
    /// <summary>ATTRIBUTES (SGX, 16 bytes) or TDATTRIBUTES (TDX, 8 bytes), lower-case hex.</summary>
    public required string Attributes { get; init; }
    /// <summary>Whether the enclave or TD is debuggable (ATTRIBUTES.DEBUG, or TDATTRIBUTES bit 0).</summary>
    public required bool Debug { get; init; }
    /// <summary>The 64 bytes of report data, lower-case hex.</summary>
    public required string ReportData { get; init; }
    /// <summary>The quoting enclave's ISVSVN, from its (signed) report.</summary>
    public required int QeIsvSvn { get; init; }
    /// <summary>The raw parsed quote, for everything not summarised here.</summary>
    public required Quotes.Quote Quote { get; init; }
}

/// <summary>Facts read from the PCK certificate.</summary>
/// <param name="Fmspc">FMSPC, lower-case hex.</param>
/// <param name="PceId">PCE-ID, lower-case hex.</param>
/// <param name="TcbComponents">The 16 SGX TCB component SVNs.</param>
/// <param name="PceSvn">PCESVN.</param>
/// <param name="CpuSvn">CPUSVN, lower-case hex.</param>
/// <param name="Ppid">PPID, lower-case hex.</param>
/// <param name="SgxType">SGX type (Standard, Scalable, ScalableWithIntegrity).</param>
/// <param name="IssuerCommonName">The PCK certificate's issuer (Platform or Processor CA).</param>
public sealed record PckFacts(string Fmspc, string PceId, ImmutableArray<int> TcbComponents, int PceSvn, string CpuSvn, string Ppid, string SgxType, string IssuerCommonName);

/// <summary>
/// The result of verifying one quote: every check with its outcome, the verdict, the TCB status and
/// advisories, and the facts read on the way. <see cref="Verified"/> holds exactly when no check
/// <see cref="CheckResult.Failed"/>.
/// </summary>
/// <threadsafety>Immutable.</threadsafety>
public sealed record VerificationReport
{
    /// <summary>When the verification took place (the caller's instant, never the system clock).</summary>
    public required DateTimeOffset VerifiedAt { get; init; }
    /// <summary>Every check, in the order made.</summary>
    public required ImmutableArray<CheckOutcome> Checks { get; init; }
    /// <summary>
    /// The converged TCB status (platform and QE, and the TDX module for TDX). Null unless every check
    /// other than <see cref="CheckId.TcbStatus"/> passed: a status computed from unverified inputs is never reported.
    /// </summary>
    public TcbStatus? TcbStatus { get; init; }
    /// <summary>The matched platform TCB level's status before convergence (null under the same rule as <see cref="TcbStatus"/>).</summary>
    public TcbStatus? PlatformTcbStatus { get; init; }
    /// <summary>The matched QE Identity TCB level's status (null under the same rule as <see cref="TcbStatus"/>).</summary>
    public TcbStatus? QeTcbStatus { get; init; }
    /// <summary>
    /// The dates and advisories of the matched platform and QE levels (null under the same rule as <see cref="TcbStatus"/>):
    /// the verdict's own (<see cref="TcbDate"/>, <see cref="AdvisoryIds"/>) and each level's.
    /// </summary>
    public ReportedTcb? Tcb { get; init; }
    /// <summary>Advisory ids of both matched levels, platform then QE, de-duplicated (Intel QVL's; QvE's <c>sa_list</c> is <see cref="ReportedTcb.PlatformAdvisoryIds"/>).</summary>
    public ImmutableArray<string> AdvisoryIds => Tcb?.AdvisoryIds ?? [];
    /// <summary>The earlier of the matched platform and QE levels' tcbDate (Intel QVL's).</summary>
    public DateTimeOffset? TcbDate => Tcb?.TcbDate;
    /// <summary>The TCB Info's tcbEvaluationDataNumber.</summary>
    public int? TcbEvaluationDataNumber { get; init; }
    /// <summary>The QE Identity's tcbEvaluationDataNumber.</summary>
    public int? QeIdentityTcbEvaluationDataNumber { get; init; }
    /// <summary>The intersection of every collateral item's validity interval (possibly empty), when any collateral parsed.</summary>
    public ValidityWindow? CollateralWindow { get; init; }
    /// <summary>Whether any collateral was outside its validity at <see cref="VerifiedAt"/> (checks <see cref="CheckResult.Waived"/>, including inside the expiry grace period, or failed on freshness).</summary>
    public bool CollateralExpired { get; init; }
    /// <summary>Facts from the quote, when it parsed.</summary>
    public QuoteFacts? Quote { get; init; }
    /// <summary>Facts from the PCK certificate, when it parsed.</summary>
    public PckFacts? Pck { get; init; }
    /// <summary>The SHA-256 of the public key of the trust anchor the PCK chain ended in, lower-case hex.</summary>
    public string? TrustAnchorKeyId { get; init; }

    /// <summary>True when no check failed: the quote is genuine, its collateral checks out, and the TCB is not revoked.</summary>
    public bool Verified => Checks.All(c => c.Result != CheckResult.Failed);

    /// <summary>The failed checks, in order.</summary>
    public IEnumerable<CheckOutcome> Failures => Checks.Where(c => c.Result == CheckResult.Failed);

    /// <summary>The outcome of one check.</summary>
    public CheckOutcome this[CheckId check] => Checks.First(c => c.Check == check);
}
