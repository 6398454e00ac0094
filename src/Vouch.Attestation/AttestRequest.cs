using Vouch.Attestation.Evidence;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation;

/// <summary>
/// An attest request (maa-protocol §2.3/§2.4) after the host decoded it: the evidence bytes
/// (<c>quote</c> or <c>report</c>), the optional runtime and init-time data, a draft policy and a nonce.
/// </summary>
/// <param name="Evidence">The decoded evidence.</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record AttestRequest(ReadOnlyMemory<byte> Evidence)
{
    /// <summary><c>runtimeData</c>, decoded.</summary>
    public BoundData? RuntimeData { get; init; }

    /// <summary><c>initTimeData</c>, decoded.</summary>
    public BoundData? InitTimeData { get; init; }

    /// <summary><c>draftPolicyForAttestation</c>: policy text evaluated instead of the stored policy; the token comes back unsigned.</summary>
    public string? DraftPolicyForAttestation { get; init; }

    /// <summary><c>nonce</c>, echoed in the token.</summary>
    public string? Nonce { get; init; }
}

/// <summary>The outcome of an attestation: a token, or an error. Exactly one of <see cref="Token"/> and <see cref="Error"/> is set.</summary>
/// <threadsafety>Immutable.</threadsafety>
public sealed record AttestationResult
{
    /// <summary>The compact JWS (unsigned for a draft policy).</summary>
    public string? Token { get; init; }

    /// <summary>Why there is no token.</summary>
    public Errors.AttestationError? Error { get; init; }

    /// <summary>The verification report, when the quote was verified (also on a policy denial).</summary>
    public VerificationReport? Report { get; init; }

    /// <summary>True when a token was issued.</summary>
    public bool IsSuccess => Error is null;
}
