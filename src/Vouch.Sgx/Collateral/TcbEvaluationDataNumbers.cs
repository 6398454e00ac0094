using System.Diagnostics.CodeAnalysis;

namespace Vouch.Sgx.Collateral;

/// <summary>One entry of <c>tcbEvaluationDataNumbers.tcbEvalNumbers</c>: an evaluation Intel still serves.</summary>
/// <param name="Number"><c>tcbEvaluationDataNumber</c>: the number a TCB Info or Enclave Identity of that evaluation carries.</param>
/// <param name="TcbRecoveryEventDate"><c>tcbRecoveryEventDate</c>, UTC: when the TCB Recovery event behind it was published.</param>
/// <param name="TcbDate"><c>tcbDate</c>, UTC: the TCB date of the evaluation's up-to-date levels.</param>
public sealed record TcbEvaluationDataNumberEntry(int Number, DateTimeOffset TcbRecoveryEventDate, DateTimeOffset TcbDate);

/// <summary>
/// A parsed Intel TCB Evaluation Data Numbers response, <c>{"tcbEvaluationDataNumbers":{…},"signature":"…"}</c>
/// (PCS <c>/sgx|tdx/certification/v4/tcbevaluationdatanumbers</c>; dcap-verification §3.1), version 1, SGX or TDX:
/// the evaluation data numbers Intel still serves TCB Info and Enclave Identities for. Parsing checks syntax only:
/// verify it with <see cref="Verification.CollateralVerifier.VerifyTcbEvaluationDataNumbers"/> (the signature is
/// the TCB Signing key's over <see cref="SignedBody"/>, as for TCB Info).
/// </summary>
/// <param name="Document">The whole response as received (a private copy).</param>
/// <param name="SignedBodyRaw">The exact bytes of the <c>tcbEvaluationDataNumbers</c> value inside <paramref name="Document"/>.</param>
/// <param name="SignedBody">
/// The bytes Intel's signature covers, computed as for TCB Info (§3.4): <paramref name="SignedBodyRaw"/> with all
/// insignificant JSON whitespace removed; identical to it for every genuine PCS body.
/// </param>
/// <param name="Signature">The ECDSA P-256 signature, 64 bytes r‖s (IEEE P1363), decoded from <c>signature</c>.</param>
/// <param name="Id"><c>id</c>: which TEE's evaluations these are (<c>"SGX"</c> or <c>"TDX"</c>).</param>
/// <param name="Version"><c>version</c>: 1.</param>
/// <param name="IssueDate"><c>issueDate</c>, UTC.</param>
/// <param name="NextUpdate"><c>nextUpdate</c>, UTC.</param>
/// <param name="Numbers">
/// <c>tcbEvalNumbers</c>, sorted by <see cref="TcbEvaluationDataNumberEntry.Number"/>, highest first, whatever the
/// JSON order (the JSON order is kept in the signed bytes). Never empty; no number appears twice.
/// </param>
/// <remarks>Equality compares content, including every byte of the memory members.</remarks>
public sealed record TcbEvaluationDataNumbers(
    ReadOnlyMemory<byte> Document,
    ReadOnlyMemory<byte> SignedBodyRaw,
    ReadOnlyMemory<byte> SignedBody,
    ReadOnlyMemory<byte> Signature,
    TcbInfoId Id,
    int Version,
    DateTimeOffset IssueDate,
    DateTimeOffset NextUpdate,
    IReadOnlyList<TcbEvaluationDataNumberEntry> Numbers)
{
    /// <summary>The highest evaluation data number listed: the newest evaluation.</summary>
    public int Highest => Numbers[0].Number;

    /// <summary>
    /// The lowest evaluation data number listed. PCS answers a <c>tcbEvaluationDataNumber</c> query for a lower number
    /// with 410 Gone.
    /// </summary>
    public int Lowest => Numbers[^1].Number;

    /// <summary>Whether <paramref name="number"/> is listed, that is, still served.</summary>
    public bool Lists(int number) => Find(number) is not null;

    /// <summary>The entry of <paramref name="number"/>, or null when it is not listed.</summary>
    public TcbEvaluationDataNumberEntry? Find(int number)
    {
        foreach (var entry in Numbers)
        {
            if (entry.Number == number)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// Parses a TCB Evaluation Data Numbers response as served by Intel PCS or a PCCS. Never throws for bad input.
    /// </summary>
    /// <param name="document">The response body, UTF-8 JSON, at most 1 MiB.</param>
    /// <param name="numbers">The parsed document, or null on failure.</param>
    /// <param name="error">Why parsing failed, or null on success.</param>
    /// <returns>Whether <paramref name="document"/> is a TCB Evaluation Data Numbers document Vouch accepts.</returns>
    /// <remarks>
    /// <para>
    /// Required: <c>id</c> ("SGX" or "TDX", exact), <c>version</c> (1), <c>issueDate</c> and <c>nextUpdate</c>
    /// (RFC 3339 UTC, as in TCB Info), and a non-empty <c>tcbEvalNumbers</c> array of objects
    /// <c>{tcbEvaluationDataNumber, tcbRecoveryEventDate, tcbDate}</c> with a non-negative integer number and two dates.
    /// </para>
    /// <para>
    /// Numbers must be unique; their order is not checked (Intel lists them highest first, but does not document
    /// that, and Vouch does not rely on JSON order elsewhere either), and <see cref="Numbers"/> is sorted highest
    /// first. The envelope rules of <see cref="TcbInfo.TryParse"/> apply: duplicate member names at any level, extra
    /// top-level members, trailing content, documents over 1 MiB or nested deeper than 16 are rejected. Members
    /// Vouch does not know inside the body or an entry are ignored (they are still covered by the signature).
    /// Every failure is <see cref="ErrorCode.TcbEvaluationDataNumbersMalformed"/>.
    /// </para>
    /// </remarks>
    public static bool TryParse(
        ReadOnlyMemory<byte> document,
        [NotNullWhen(true)] out TcbEvaluationDataNumbers? numbers,
        [NotNullWhen(false)] out CollateralFormatError? error)
    {
        try
        {
            numbers = TcbEvaluationDataNumbersParser.Parse(document);
            error = null;
            return true;
        }
        catch (CollateralFormatException e)
        {
            numbers = null;
            error = e.Error;
            return false;
        }
    }

    /// <inheritdoc/>
    public bool Equals(TcbEvaluationDataNumbers? other) =>
        other is not null
        && Id == other.Id
        && Version == other.Version
        && IssueDate == other.IssueDate
        && NextUpdate == other.NextUpdate
        && ValueEquality.Bytes(Document, other.Document)
        && ValueEquality.Bytes(SignedBodyRaw, other.SignedBodyRaw)
        && ValueEquality.Bytes(SignedBody, other.SignedBody)
        && ValueEquality.Bytes(Signature, other.Signature)
        && ValueEquality.Lists(Numbers, other.Numbers);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Id, Version, IssueDate, Numbers.Count, ValueEquality.HashBytes(Signature));
}
