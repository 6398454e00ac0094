using Vouch.Attestation.Collateral;
using Vouch.Attestation.Keys;
using Vouch.Server.Collateral;
using Vouch.Server.Storage;

namespace Vouch.Server.Hosting;

/// <summary>
/// The server's configuration, section <c>Vouch</c> (appsettings, <c>--config FILE</c>, or environment variables
/// such as <c>Vouch__KeyEncryptionKey</c>). The defaults are production-safe: no simulated trust, no generated
/// secrets. <c>vouch serve</c> without <c>--config</c> switches on the embedded development defaults.
/// </summary>
public sealed class VouchOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Vouch";

    /// <summary>The names of <see cref="CollateralSources"/>, in order: each one's <c>Name</c>, else <c>source-N</c>.</summary>
    public IReadOnlyList<string> CollateralSourceNames =>
        [.. CollateralSources.Select((s, i) => s.Name ?? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"source-{i + 1}"))];

    /// <summary>Why <paramref name="policy"/> names a source this server does not have, or null.</summary>
    public string? UnknownSource(CollateralPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var names = CollateralSourceNames;
        return policy.Sources.IsDefaultOrEmpty ? null
            : policy.Sources.FirstOrDefault(n => !names.Contains(n, StringComparer.Ordinal)) is { } unknown
                ? $"no collateral source is named '{unknown}' (configured: {(names.Count == 0 ? "none" : string.Join(", ", names))})"
            : null;
    }

    /// <summary>Where the database (<c>vouch.db</c>) and generated files live.</summary>
    public string DataDirectory { get; set; } = ".vouch";

    /// <summary>The public base URL: the default provider's issuer (named providers add <c>/providers/{name}</c>). Default: the first https listening URL.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>The key-encryption key for signing keys at rest: 32 bytes, base64. Takes precedence over <see cref="KeyEncryptionKeyFile"/>.</summary>
    public string? KeyEncryptionKey { get; set; }

    /// <summary>A file holding the base64 key-encryption key (mode 0600).</summary>
    public string? KeyEncryptionKeyFile { get; set; }

    /// <summary>
    /// Development: create what is missing in the data directory — a key-encryption key file, a self-signed TLS
    /// certificate, and an administrator token (printed once, kept in <c>admin-token</c>, mode 0600).
    /// </summary>
    public bool CreateMissingSecrets { get; set; }

    /// <summary>Development: a simulated Intel authority folder (created if missing) whose TEST root the default provider trusts.</summary>
    public string? SimulatedAuthority { get; set; }

    /// <summary>Offline collateral: folders in the PCS-file layout, or folders of them, indexed by FMSPC (<c>DATA/collateral</c> is always searched too).</summary>
    public List<string> CollateralDirectories { get; } = [];

    /// <summary>
    /// How long a scan of the offline collateral folders stays current (default two seconds): a folder dropped in is
    /// picked up by the first request after this much time. Zero scans on every request.
    /// </summary>
    public TimeSpan CollateralRescanInterval { get; set; } = OfflineCollateralSource.DefaultRescanInterval;

    /// <summary>
    /// Online collateral: PCS-shaped services (Intel PCS v4, an Intel PCCS, Azure THIM, another Vouch) asked in this
    /// order when the offline folders have nothing for a quote. None by default: sources must be configured.
    /// </summary>
    public List<CollateralSourceOptions> CollateralSources { get; } = [];

    /// <summary>When collateral from <see cref="CollateralSources"/> is fetched again.</summary>
    public PcsCacheOptions CollateralCache { get; set; } = new();

    /// <summary>The default provider, created at first start.</summary>
    public DefaultProviderOptions DefaultProvider { get; set; } = new();

    /// <summary>Management authentication.</summary>
    public ManagementAuthenticationOptions Authentication { get; set; } = new();

    /// <summary>The HTTPS certificate.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Request limits.</summary>
    public RequestLimits Limits { get; set; } = new();
}

/// <summary>One PCS-shaped collateral service.</summary>
public sealed class CollateralSourceOptions
{
    /// <summary>The base URL (http or https); the PCS v4 routes <c>/sgx|tdx/certification/v4/…</c> are appended.</summary>
    public string? Url { get; set; }

    /// <summary>How providers name this source in their collateral policy (1–32 of a–z, 0–9, '-'); default <c>source-N</c>, N its 1-based position.</summary>
    public string? Name { get; set; }

    /// <summary>Where the Intel SGX Root CA CRL is fetched (DER, PEM or hex). Default: PCCS's <c>{Url}/sgx/certification/v4/rootcacrl</c>; Intel PCS has no such route, so give the root certificate's CRL distribution point.</summary>
    public string? RootCaCrlUrl { get; set; }
}

/// <summary>The default provider's settings (applied when it is first created).</summary>
public sealed class DefaultProviderOptions
{
    /// <summary>AAD-like (default) or isolated.</summary>
    public TrustMode TrustMode { get; set; } = TrustMode.AadLike;

    /// <summary>RS256 (default, as MAA) or ES256.</summary>
    public SigningAlgorithm SigningAlgorithm { get; set; } = SigningAlgorithm.RS256;

    /// <summary>PEM files of the trusted policy signers (required when isolated).</summary>
    public List<string> PolicySignerCertificates { get; } = [];

    /// <summary>Accept expired collateral as Intel's QvE does, reporting it in <c>x-vouch-collateral-expired</c>.</summary>
    public bool AllowExpiredCollateral { get; set; }

    /// <summary>The collateral freshness rules (docs/collateral.md §Freshness).</summary>
    public CollateralPolicyOptions Collateral { get; set; } = new();
}

/// <summary>A provider's collateral freshness rules in configuration; <see cref="ToPolicy"/> gives the <see cref="CollateralPolicy"/>.</summary>
public sealed class CollateralPolicyOptions
{
    /// <summary>standard (default) or early.</summary>
    public CollateralUpdate Update { get; set; } = CollateralUpdate.Standard;

    /// <summary>Pin this TCB evaluation data number (instead of following the update type).</summary>
    public int? TcbEvaluationDataNumber { get; set; }

    /// <summary>Refuse collateral with a lower evaluation data number.</summary>
    public int? MinimumTcbEvaluationDataNumber { get; set; }

    /// <summary>Refuse TCB Info / QE Identity issued longer ago than this (e.g. <c>7.00:00:00</c>).</summary>
    public TimeSpan? MaximumAge { get; set; }

    /// <summary>Accept collateral up to this long past its nextUpdate, reported as expired (default none).</summary>
    public TimeSpan GracePeriod { get; set; }

    /// <summary>The names of the collateral sources to fetch from, in order (default: all, in their configured order).</summary>
    public List<string> Sources { get; } = [];

    /// <summary>The policy these options describe.</summary>
    /// <exception cref="InvalidOperationException">The values are invalid.</exception>
    public CollateralPolicy ToPolicy()
    {
        var policy = new CollateralPolicy
        {
            Update = Update,
            TcbEvaluationDataNumber = TcbEvaluationDataNumber,
            MinimumTcbEvaluationDataNumber = MinimumTcbEvaluationDataNumber,
            MaximumAge = MaximumAge,
            GracePeriod = GracePeriod,
            Sources = [.. Sources],
        };
        return policy.Problem() is { } problem
            ? throw new InvalidOperationException($"{VouchOptions.Section}:{nameof(VouchOptions.DefaultProvider)}:{nameof(DefaultProviderOptions.Collateral)}: {problem}")
            : policy;
    }
}

/// <summary>How policy administrators authenticate.</summary>
public sealed class ManagementAuthenticationOptions
{
    /// <summary>OIDC authority whose JWT bearer tokens are accepted (e.g. an Entra ID tenant). None: only the local administrator token.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience those tokens must carry.</summary>
    public string? Audience { get; set; }

    /// <summary>Require https for the authority's metadata (turn off only for a loopback test authority).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The claim holding roles.</summary>
    public string RoleClaimType { get; set; } = "roles";

    /// <summary>The role that may manage policies, signers and providers.</summary>
    public string AdministratorRole { get; set; } = "PolicyAdministrator";

    /// <summary>Accept the local administrator token (only its SHA-256 is stored).</summary>
    public bool AdminToken { get; set; } = true;

    /// <summary>Require authentication on attestation routes too (MAA's shared providers do not).</summary>
    public bool RequireForAttestation { get; set; }
}

/// <summary>The HTTPS certificate.</summary>
public sealed class TlsOptions
{
    /// <summary>A PFX file, or a PEM certificate with <see cref="KeyFile"/>.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The PFX password or the PEM key's password.</summary>
    public string? Password { get; set; }
}

/// <summary>Request size and shape limits; each excess is a 4xx with its own code.</summary>
public sealed class RequestLimits
{
    /// <summary>The largest request body (default 1 MiB).</summary>
    public int MaxRequestBodyBytes { get; set; } = 1 << 20;

    /// <summary>The largest decoded quote or OE report (default 128 KiB; a DCAP quote with its PEM chain is about 5 KiB).</summary>
    public int MaxEvidenceBytes { get; set; } = 128 << 10;

    /// <summary>The deepest JSON nesting accepted in request bodies (default 32).</summary>
    public int MaxJsonDepth { get; set; } = 32;
}
