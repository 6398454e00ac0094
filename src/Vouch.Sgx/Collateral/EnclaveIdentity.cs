using System.Diagnostics.CodeAnalysis;

namespace Vouch.Sgx.Collateral;

/// <summary>Which enclave an Enclave Identity describes (<c>enclaveIdentity.id</c>).</summary>
public enum EnclaveIdentityId
{
    /// <summary><c>"QE"</c>: the SGX quoting enclave (PCS <c>/sgx/certification/v4/qe/identity</c>).</summary>
    Qe,

    /// <summary><c>"QVE"</c>: the quote verification enclave.</summary>
    Qve,

    /// <summary><c>"TD_QE"</c>: the TDX quoting enclave (PCS <c>/tdx/certification/v4/qe/identity</c>).</summary>
    TdQe,

    /// <summary><c>"QAE"</c>: the quote appraisal enclave.</summary>
    Qae,
}

/// <summary>
/// A parsed Intel Enclave Identity response, <c>{"enclaveIdentity":{…},"signature":"…"}</c>
/// (dcap-verification §2.5, §3.3), version 2 (version 3 is accepted with the same members). Parsing checks
/// syntax only: verify <see cref="Signature"/> over <see cref="SignedBody"/> with the TCB Signing key.
/// </summary>
/// <param name="Document">The whole response as received (a private copy).</param>
/// <param name="SignedBodyRaw">The exact bytes of the <c>enclaveIdentity</c> value inside <paramref name="Document"/>.</param>
/// <param name="SignedBody">
/// The bytes Intel's signature covers, as Intel QVL computes them: <paramref name="SignedBodyRaw"/> with all
/// insignificant JSON whitespace removed (§3.4); identical to it for every genuine PCS body.
/// </param>
/// <param name="Signature">The ECDSA P-256 signature, 64 bytes r‖s (IEEE P1363).</param>
/// <param name="Id"><c>id</c>.</param>
/// <param name="Version"><c>version</c>: 2 or 3.</param>
/// <param name="IssueDate"><c>issueDate</c>, UTC.</param>
/// <param name="NextUpdate"><c>nextUpdate</c>, UTC.</param>
/// <param name="TcbEvaluationDataNumber"><c>tcbEvaluationDataNumber</c>.</param>
/// <param name="MiscSelect"><c>miscselect</c>, 4 bytes in the report's raw byte order (§2.6 step 13).</param>
/// <param name="MiscSelectMask"><c>miscselectMask</c>, 4 bytes in report byte order.</param>
/// <param name="Attributes"><c>attributes</c>, 16 bytes in report byte order.</param>
/// <param name="AttributesMask"><c>attributesMask</c>, 16 bytes.</param>
/// <param name="MrSigner"><c>mrsigner</c>, 32 bytes; empty only when the JSON holds an empty string, which QVL treats as "do not check".</param>
/// <param name="IsvProdId"><c>isvprodid</c>, 0..65535.</param>
/// <param name="TcbLevels">
/// The TCB levels in JSON order: Intel walks QE levels in JSON order and takes the first whose
/// <c>isvsvn</c> ≤ the report's ISVSVN (§2.6 step 13; <see cref="TcbLevelMatcher.MatchQe"/>). Never empty.
/// </param>
/// <remarks>Equality compares content, including every byte of the memory members.</remarks>
public sealed record EnclaveIdentity(
    ReadOnlyMemory<byte> Document,
    ReadOnlyMemory<byte> SignedBodyRaw,
    ReadOnlyMemory<byte> SignedBody,
    ReadOnlyMemory<byte> Signature,
    EnclaveIdentityId Id,
    int Version,
    DateTimeOffset IssueDate,
    DateTimeOffset NextUpdate,
    int TcbEvaluationDataNumber,
    ReadOnlyMemory<byte> MiscSelect,
    ReadOnlyMemory<byte> MiscSelectMask,
    ReadOnlyMemory<byte> Attributes,
    ReadOnlyMemory<byte> AttributesMask,
    ReadOnlyMemory<byte> MrSigner,
    int IsvProdId,
    IReadOnlyList<QeTcbLevel> TcbLevels) : ISignedCollateral
{
    /// <summary>Parses an Enclave Identity response as served by Intel PCS, PCCS or Azure THIM. Never throws for bad input.</summary>
    /// <param name="document">The response body, UTF-8 JSON, at most 1 MiB.</param>
    /// <param name="identity">The parsed identity, or null on failure.</param>
    /// <param name="error">Why parsing failed, or null on success.</param>
    /// <returns>Whether <paramref name="document"/> is an Enclave Identity Vouch accepts.</returns>
    /// <remarks>
    /// <para>
    /// Follows Intel QVL's <c>EnclaveIdentityV2</c> (§2.5): <c>version</c> 2 or 3 and <c>id</c> one of QE, QVE,
    /// TD_QE, QAE, else <see cref="ErrorCode.QeIdentityUnsupported"/>; required <c>issueDate</c>, <c>nextUpdate</c>
    /// (RFC 3339 UTC), <c>tcbEvaluationDataNumber</c>, <c>miscselect</c> and <c>miscselectMask</c> (8 hex),
    /// <c>attributes</c> and <c>attributesMask</c> (32 hex), <c>mrsigner</c> (64 hex, or empty), <c>isvprodid</c>, and a
    /// non-empty <c>tcbLevels</c> of <c>{tcb:{isvsvn}, tcbDate, tcbStatus, advisoryIDs?}</c> with valid status strings.
    /// </para>
    /// <para>
    /// Stricter than QVL: the envelope rules of <see cref="TcbInfo.TryParse"/> (duplicate member names at any
    /// level, extra top-level members, trailing content, size and depth limits), <c>isvprodid</c> and <c>isvsvn</c>
    /// limited to 0..65535 (they are 16-bit report fields), and two levels with the same <c>isvsvn</c> rejected
    /// (as Intel's parser library does). Every other failure is <see cref="ErrorCode.QeIdentityMalformed"/>.
    /// </para>
    /// </remarks>
    public static bool TryParse(
        ReadOnlyMemory<byte> document,
        [NotNullWhen(true)] out EnclaveIdentity? identity,
        [NotNullWhen(false)] out CollateralFormatError? error)
    {
        try
        {
            identity = EnclaveIdentityParser.Parse(document);
            error = null;
            return true;
        }
        catch (CollateralFormatException e)
        {
            identity = null;
            error = e.Error;
            return false;
        }
    }

    /// <inheritdoc/>
    public bool Equals(EnclaveIdentity? other) =>
        other is not null
        && Id == other.Id
        && Version == other.Version
        && IssueDate == other.IssueDate
        && NextUpdate == other.NextUpdate
        && TcbEvaluationDataNumber == other.TcbEvaluationDataNumber
        && IsvProdId == other.IsvProdId
        && ValueEquality.Bytes(Document, other.Document)
        && ValueEquality.Bytes(SignedBodyRaw, other.SignedBodyRaw)
        && ValueEquality.Bytes(SignedBody, other.SignedBody)
        && ValueEquality.Bytes(Signature, other.Signature)
        && ValueEquality.Bytes(MiscSelect, other.MiscSelect)
        && ValueEquality.Bytes(MiscSelectMask, other.MiscSelectMask)
        && ValueEquality.Bytes(Attributes, other.Attributes)
        && ValueEquality.Bytes(AttributesMask, other.AttributesMask)
        && ValueEquality.Bytes(MrSigner, other.MrSigner)
        && ValueEquality.Lists(TcbLevels, other.TcbLevels);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Id, Version, IssueDate, TcbEvaluationDataNumber, ValueEquality.HashBytes(Signature));
}
