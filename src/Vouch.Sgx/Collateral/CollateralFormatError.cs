namespace Vouch.Sgx.Collateral;

/// <summary>
/// Why a TCB Info, Enclave Identity or TCB Evaluation Data Numbers document was rejected by
/// <see cref="TcbInfo.TryParse"/>, <see cref="EnclaveIdentity.TryParse"/> or <see cref="TcbEvaluationDataNumbers.TryParse"/>.
/// </summary>
/// <param name="Code">
/// The stable code: <see cref="ErrorCode.TcbInfoMalformed"/> / <see cref="ErrorCode.TcbInfoUnsupported"/> for TCB Info,
/// <see cref="ErrorCode.QeIdentityMalformed"/> / <see cref="ErrorCode.QeIdentityUnsupported"/> for Enclave Identity,
/// <see cref="ErrorCode.TcbEvaluationDataNumbersMalformed"/> for TCB Evaluation Data Numbers.
/// </param>
/// <param name="Path">
/// Where the problem is, as a JSON path without a leading <c>$</c>, for example
/// <c>tcbInfo.tcbLevels[3].tcb.pcesvn</c>. Empty when the problem is the document as a whole
/// (empty, too large, not UTF-8, not a JSON object).
/// </param>
/// <param name="Message">A sentence for people. Its wording is not part of the API; match on <paramref name="Code"/>.</param>
public sealed record CollateralFormatError(ErrorCode Code, string Path, string Message);

/// <summary>
/// Carries a <see cref="CollateralFormatError"/> out of the parsers' inner functions to the <c>TryParse</c>
/// boundary, where it is caught and returned. It never escapes the assembly (code-style §3 item 5).
/// </summary>
#pragma warning disable CA1032, CA1064 // Internal control flow only: no standard constructors, never public.
internal sealed class CollateralFormatException(CollateralFormatError error) : Exception(error.Message)
#pragma warning restore CA1032, CA1064
{
    public CollateralFormatError Error { get; } = error;
}
