using System.Diagnostics.CodeAnalysis;

namespace Vouch.Sgx.Collateral;

/// <summary>Which TEE a TCB Info describes (<c>tcbInfo.id</c>; version 2 has no id and means SGX).</summary>
public enum TcbInfoId
{
    /// <summary><c>"SGX"</c>, or any version 2 TCB Info.</summary>
    Sgx,

    /// <summary><c>"TDX"</c> (version 3 only).</summary>
    Tdx,
}

/// <summary>
/// A parsed Intel TCB Info response, <c>{"tcbInfo":{…},"signature":"…"}</c> (PCS <c>/tcb</c>;
/// dcap-verification §2.4, §3.2), version 2 or 3, SGX or TDX. Parsing checks syntax only: the signature is
/// not verified here (verify <see cref="Signature"/> over <see cref="SignedBody"/> with the TCB Signing key).
/// </summary>
/// <param name="Document">The whole response as received (a private copy).</param>
/// <param name="SignedBodyRaw">The exact bytes of the <c>tcbInfo</c> value inside <paramref name="Document"/>.</param>
/// <param name="SignedBody">
/// The bytes Intel's signature covers, as Intel QVL computes them: <paramref name="SignedBodyRaw"/> with
/// all insignificant JSON whitespace removed. Byte-identical to <paramref name="SignedBodyRaw"/> for every
/// genuine PCS body (see §3.4 and the remarks on <see cref="TryParse"/>).
/// </param>
/// <param name="Signature">The ECDSA P-256 signature, 64 bytes r‖s (IEEE P1363), decoded from <c>signature</c>.</param>
/// <param name="Id"><c>id</c>; <see cref="TcbInfoId.Sgx"/> for version 2.</param>
/// <param name="Version"><c>version</c>: 2 or 3.</param>
/// <param name="IssueDate"><c>issueDate</c>, UTC.</param>
/// <param name="NextUpdate"><c>nextUpdate</c>, UTC.</param>
/// <param name="Fmspc"><c>fmspc</c>, 6 bytes (the JSON hex is upper case; compare bytes, not text).</param>
/// <param name="PceId"><c>pceId</c>, 2 bytes.</param>
/// <param name="TcbType"><c>tcbType</c>; always 0 (other values are rejected as unsupported).</param>
/// <param name="TcbEvaluationDataNumber"><c>tcbEvaluationDataNumber</c>.</param>
/// <param name="TdxModule"><c>tdxModule</c>: present exactly when <paramref name="Id"/> is <see cref="TcbInfoId.Tdx"/>.</param>
/// <param name="TdxModuleIdentities"><c>tdxModuleIdentities</c> in JSON order; empty when absent (always for SGX).</param>
/// <param name="TcbLevels">
/// The TCB levels in Intel's canonical order, the iteration order of QVL's
/// <c>std::set&lt;TcbLevel, std::greater&lt;&gt;&gt;</c> (<c>TcbLevel::operator&gt;</c>, §2.7 step 1): descending by the
/// 16 SGX component SVNs compared lexicographically, then by <c>pcesvn</c>, then (TDX) by the 16 TDX
/// component SVNs compared lexicographically. Match against this list, never against the JSON order
/// (pitfall §6 item 2). Never empty.
/// </param>
/// <param name="TcbLevelsAsReceived">The same levels in JSON order.</param>
/// <remarks>Equality compares content, including every byte of the memory members.</remarks>
public sealed record TcbInfo(
    ReadOnlyMemory<byte> Document,
    ReadOnlyMemory<byte> SignedBodyRaw,
    ReadOnlyMemory<byte> SignedBody,
    ReadOnlyMemory<byte> Signature,
    TcbInfoId Id,
    int Version,
    DateTimeOffset IssueDate,
    DateTimeOffset NextUpdate,
    ReadOnlyMemory<byte> Fmspc,
    ReadOnlyMemory<byte> PceId,
    int TcbType,
    int TcbEvaluationDataNumber,
    TdxModule? TdxModule,
    IReadOnlyList<TdxModuleIdentity> TdxModuleIdentities,
    IReadOnlyList<TcbLevel> TcbLevels,
    IReadOnlyList<TcbLevel> TcbLevelsAsReceived) : ISignedCollateral
{
    /// <summary>
    /// Parses a TCB Info response as served by Intel PCS, PCCS or Azure THIM. Never throws for bad input.
    /// </summary>
    /// <param name="document">The response body, UTF-8 JSON, at most 1 MiB.</param>
    /// <param name="tcbInfo">The parsed TCB Info, or null on failure.</param>
    /// <param name="error">Why parsing failed, or null on success.</param>
    /// <returns>Whether <paramref name="document"/> is a TCB Info Vouch accepts.</returns>
    /// <remarks>
    /// <para>Follows Intel QVL's <c>TcbInfo</c>/<c>TcbLevel</c> parsers (§2.4 step 1):</para>
    /// <list type="bullet">
    /// <item><c>version</c> must be 2 or 3, else <see cref="ErrorCode.TcbInfoUnsupported"/>. Version 3 needs
    /// <c>id</c> "SGX" or "TDX" (another string: unsupported); version 2 means SGX, has a flat <c>tcb</c>
    /// (<c>sgxtcbcomp01svn</c>…<c>sgxtcbcomp16svn</c>, <c>pcesvn</c>), and any <c>id</c> member is ignored as in QVL.</item>
    /// <item><c>issueDate</c>, <c>nextUpdate</c> (RFC 3339 UTC), <c>fmspc</c> (12 hex), <c>pceId</c> (4 hex),
    /// <c>tcbType</c> (0, else unsupported), <c>tcbEvaluationDataNumber</c> and a non-empty <c>tcbLevels</c> are required.</item>
    /// <item>Version 3 levels have exactly 16 <c>sgxtcbcomponents</c> objects <c>{svn, category?, type?}</c> and, for
    /// TDX, exactly 16 <c>tdxtcbcomponents</c>. Component SVNs are 0..255, <c>pcesvn</c> 0..65535 (QVL truncates
    /// larger component values to a byte; Vouch rejects them).</item>
    /// <item>Every <c>tcbStatus</c> is one of the seven valid strings; <c>advisoryIDs</c>, when present, is an array of strings.</item>
    /// <item>Two levels that compare equal under the canonical order (same SVNs) are rejected, as QVL's
    /// "Detected duplicated TCB levels".</item>
    /// <item>An SGX TCB Info must not carry <c>tdxModule</c> or <c>tdxModuleIdentities</c>; a TDX one must carry
    /// <c>tdxModule</c>, and <c>tdxModuleIdentities</c> if present is non-empty.</item>
    /// </list>
    /// <para>
    /// Stricter than QVL: duplicate member names at any level, top-level members other than <c>tcbInfo</c> and
    /// <c>signature</c>, trailing content, documents over 1 MiB or nested deeper than 16 are rejected; TDX module
    /// identities with the same <c>id</c>, or module TCB levels with the same <c>isvsvn</c>, are rejected. Members
    /// Vouch does not know inside <c>tcbInfo</c> are ignored, as in QVL (they are still covered by the signature).
    /// Every other failure is <see cref="ErrorCode.TcbInfoMalformed"/>.
    /// </para>
    /// </remarks>
    public static bool TryParse(
        ReadOnlyMemory<byte> document,
        [NotNullWhen(true)] out TcbInfo? tcbInfo,
        [NotNullWhen(false)] out CollateralFormatError? error)
    {
        try
        {
            tcbInfo = TcbInfoParser.Parse(document);
            error = null;
            return true;
        }
        catch (CollateralFormatException e)
        {
            tcbInfo = null;
            error = e.Error;
            return false;
        }
    }

    /// <inheritdoc/>
    public bool Equals(TcbInfo? other) =>
        other is not null
        && Id == other.Id
        && Version == other.Version
        && IssueDate == other.IssueDate
        && NextUpdate == other.NextUpdate
        && TcbType == other.TcbType
        && TcbEvaluationDataNumber == other.TcbEvaluationDataNumber
        && ValueEquality.Bytes(Document, other.Document)
        && ValueEquality.Bytes(SignedBodyRaw, other.SignedBodyRaw)
        && ValueEquality.Bytes(SignedBody, other.SignedBody)
        && ValueEquality.Bytes(Signature, other.Signature)
        && ValueEquality.Bytes(Fmspc, other.Fmspc)
        && ValueEquality.Bytes(PceId, other.PceId)
        && Equals(TdxModule, other.TdxModule)
        && ValueEquality.Lists(TdxModuleIdentities, other.TdxModuleIdentities)
        && ValueEquality.Lists(TcbLevels, other.TcbLevels)
        && ValueEquality.Lists(TcbLevelsAsReceived, other.TcbLevelsAsReceived);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Id, Version, IssueDate, TcbEvaluationDataNumber, ValueEquality.HashBytes(Signature));
}
