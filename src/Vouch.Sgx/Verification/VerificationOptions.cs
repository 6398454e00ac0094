using System.Collections.Immutable;
using System.Security.Cryptography;
using Vouch.Sgx.Primitives;

namespace Vouch.Sgx.Verification;

/// <summary>
/// A root of trust, pinned by its public key and never by its subject name: Intel's own test root
/// reuses the production subject "Intel SGX Root CA" (dcap-verification §2.1).
/// </summary>
/// <param name="PublicKey">The uncompressed P-256 point <c>04 ‖ X ‖ Y</c>.</param>
/// <param name="Name">A label for reports and logs.</param>
public sealed record TrustAnchor(ImmutableArray<byte> PublicKey, string Name)
{
    /// <summary>The Intel SGX Root CA's public key, as pinned by QvE (<c>INTEL_ROOT_PUB_KEY</c> in <c>qve.cpp</c>).</summary>
    public static TrustAnchor IntelSgxRootCa { get; } = new(
        [.. Convert.FromHexString("040ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f567918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394")],
        "Intel SGX Root CA");

    /// <summary>An anchor holding <paramref name="certificate"/>'s public key (the certificate's name and dates play no part).</summary>
    public static TrustAnchor FromCertificate(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return new([.. certificate.PublicKey.EncodedKeyValue.RawData], certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, forIssuer: false));
    }

    /// <summary>SHA-256 of the public key, lower-case hex: the anchor's stable identifier.</summary>
    public string KeyId => Hex.ToLower(SHA256.HashData(PublicKey.AsSpan()));

    /// <summary>Whether <paramref name="publicKey"/> (uncompressed point) is this anchor's key.</summary>
    public bool Matches(ReadOnlySpan<byte> publicKey) => publicKey.SequenceEqual(PublicKey.AsSpan());
}

/// <summary>How a quote is verified.</summary>
/// <threadsafety>Immutable.</threadsafety>
public sealed record VerificationOptions
{
    /// <summary>The instant to verify as of. Always supplied by the caller: the verifier never reads a clock.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The trust anchors a chain may end in. Defaults to the Intel SGX Root CA only.</summary>
    public ImmutableArray<TrustAnchor> TrustAnchors { get; init; } = [TrustAnchor.IntelSgxRootCa];

    /// <summary>
    /// Report expired or not-yet-valid collateral as Intel's QvE does — the verdict stands and
    /// <see cref="VerificationReport.CollateralExpired"/> is set — instead of failing (the default).
    /// </summary>
    public bool AllowExpiredCollateral { get; init; }

    /// <summary>
    /// How long after its <c>nextUpdate</c> the TCB Info, the QE Identity, the PCK CRL and the root CA CRL are still
    /// accepted (default zero: not at all). Inside the grace the validity check is reported
    /// <see cref="CheckResult.Waived"/> with its usual expired code and <see cref="VerificationReport.CollateralExpired"/>
    /// is set, so the result says honestly that the collateral is past its <c>nextUpdate</c>; past the grace the
    /// check fails as without it (or is waived under <see cref="AllowExpiredCollateral"/>). Certificates' notAfter and
    /// every "not yet valid" check are unaffected, and <see cref="VerificationReport.CollateralWindow"/> is not widened.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan ExpiryGracePeriod
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    }

    /// <summary>
    /// The oldest a TCB Info's or QE Identity's <c>issueDate</c> may be at <see cref="At"/> (null, the default: no
    /// limit). Operator policy, checked by <see cref="CheckId.TcbInfoFreshnessPolicy"/> and
    /// <see cref="CheckId.QeIdentityFreshnessPolicy"/>, and never waived by <see cref="AllowExpiredCollateral"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan? MaximumCollateralAge
    {
        get;
        init
        {
            if (value is { } age)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(age, TimeSpan.Zero, nameof(value));
            }

            field = value;
        }
    }

    /// <summary>
    /// The lowest <c>tcbEvaluationDataNumber</c> a TCB Info or QE Identity may carry (null, the default: no minimum).
    /// Operator policy, checked by <see cref="CheckId.TcbInfoFreshnessPolicy"/> and
    /// <see cref="CheckId.QeIdentityFreshnessPolicy"/>, and never waived by <see cref="AllowExpiredCollateral"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int? MinimumTcbEvaluationDataNumber
    {
        get;
        init
        {
            if (value is { } minimum)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(minimum, nameof(value));
            }

            field = value;
        }
    }
}
