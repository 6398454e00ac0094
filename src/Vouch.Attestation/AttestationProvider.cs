using System.Collections.Immutable;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Keys;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation;

/// <summary>
/// One attestation provider (MAA's "attestation provider"): its issuer URL, the roots its quotes must
/// chain to, and how it signs. The host reads these from configuration; the engine never mutates them.
/// </summary>
/// <threadsafety>Immutable.</threadsafety>
public sealed record AttestationProvider
{
    /// <summary>The lifetime of attestation tokens: 8 h, as MAA.</summary>
    public static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromHours(8);

    /// <summary>The store key of the provider ("default" for the one at <c>/</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The base URL: the tokens' <c>iss</c>, the metadata's <c>issuer</c>, the certificates' CN (no trailing slash).</summary>
    public required string Issuer { get; init; }

    /// <summary>The roots a PCK chain may end in; the Intel SGX Root CA by default. A simulated authority goes here only in development.</summary>
    public ImmutableArray<TrustAnchor> TrustAnchors { get; init; } = [TrustAnchor.IntelSgxRootCa];

    /// <summary>
    /// MAA's isolated trust mode: every policy, reset and policy-signer change must be a JWS signed by one of the
    /// provider's trusted policy signer certificates. Otherwise (AAD-like) an authorised caller may set unsigned policies.
    /// </summary>
    public bool Isolated { get; init; }

    /// <summary>The algorithm of new signing keys.</summary>
    public SigningAlgorithm SigningAlgorithm { get; init; } = SigningAlgorithm.RS256;

    /// <summary>Accept expired collateral as Intel's QvE does (reported in <c>x-vouch-collateral-expired</c>) instead of failing.</summary>
    public bool AllowExpiredCollateral { get; init; }

    /// <summary>The declared freshness rules: which evaluation to fetch, minimum evaluation number, maximum age, grace after nextUpdate.</summary>
    public CollateralPolicy Collateral { get; init; } = CollateralPolicy.Default;

    /// <summary>The signing-key lifecycle.</summary>
    public KeyRingOptions KeyRing { get; init; } = KeyRingOptions.Default;

    /// <summary>Attestation token lifetime (<c>exp - iat</c>).</summary>
    public TimeSpan TokenLifetime { get; init; } = DefaultTokenLifetime;

    /// <summary><c>{Issuer}/certs</c>, the tokens' <c>jku</c>.</summary>
    public string JwksUri => Issuer + "/certs";
}
