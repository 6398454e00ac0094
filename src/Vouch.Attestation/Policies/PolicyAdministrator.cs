using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Stores;
using Vouch.Policy;

namespace Vouch.Attestation.Policies;

/// <summary>
/// Policy and policy-signer management as MAA's data plane does it (maa-protocol §2.7–2.10, §4.2): reads and
/// checks the management JWS, enforces the provider's trust mode, writes the store, and answers with a signed
/// result token (1 h). Authentication of the caller is the host's job; this class decides what the JWS allows.
/// Every change is decided inside the store's transaction (<see cref="IManagementStateStore"/>) against the state it
/// changes, and every accepted signed JWS is recorded so its bytes cannot be replayed (docs/server.md).
/// </summary>
/// <threadsafety>Safe for concurrent use.</threadsafety>
public sealed partial class PolicyAdministrator
{
    /// <summary>The <c>x-ms-policy</c> MAA returns for a type without any policy (Tpm): <c>alg none</c>, empty payload.</summary>
    public const string EmptyPolicyJws = PolicyJws.UnsignedReset;

    /// <summary>How far a JWS's <c>exp</c>, <c>nbf</c> and <c>iat</c> may be off the service's clock.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly AttestationEngine _engine;
    private readonly IPolicyStore _policies;
    private readonly IPolicySignerStore _signers;
    private readonly IManagementStateStore _state;
    private readonly TimeProvider _time;
    private readonly PolicyCache _policyCache;

    /// <summary>Makes an administrator over the engine (for signing results), the stores and the clock.</summary>
    public PolicyAdministrator(AttestationEngine engine, IPolicyStore policies, IPolicySignerStore signers, IManagementStateStore state, TimeProvider time, PolicyCache? policyCache = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(signers);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(time);
        _engine = engine;
        _policies = policies;
        _signers = signers;
        _state = state;
        _time = time;
        _policyCache = policyCache ?? new PolicyCache();
    }

    /// <summary><c>GET /policies/{type}</c>: <c>x-ms-policy</c> = the stored JWS verbatim, MAA's default policy unsigned, or the empty JWS for Tpm.</summary>
    public async Task<AttestationResult> GetPolicyAsync(AttestationProvider provider, AttestationType type, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var stored = await _policies.GetPolicyAsync(provider.Name, type, cancellationToken).ConfigureAwait(false);
        var jws = stored?.Jws ?? (type == AttestationType.Tpm ? EmptyPolicyJws : PolicyJws.CreateUnsigned(DefaultPolicies.Sgx));
        return await _engine.CreateAdministrationTokenAsync(provider, new JsonObject { ["x-ms-policy"] = jws }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>PUT /policies/{type}</c>: <paramref name="jws"/> carries the policy text; it must compile before it is stored.</summary>
    public async Task<AttestationResult> SetPolicyAsync(AttestationProvider provider, AttestationType type, string jws, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(jws);
        var (management, error) = await ReadAuthorisedAsync(provider, jws, SetPolicyOperation, type, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return Failed(error);
        }

        // §2.8: the payload is {"AttestationPolicy": base64url(UTF-8 policy text)}.
        if (!PolicyJws.TryReadPolicyText(jws, out var text))
        {
            return Failed(new AttestationError(AttestationErrorCode.ManagementPayloadInvalid, "the JWS payload has no 'AttestationPolicy' string"));
        }

        if (!_policyCache.TryGet(text, out _, out error))
        {
            return Failed(error);
        }

        var stored = new StoredPolicy(jws, text, management!.SignerCertificate, _time.GetUtcNow());
        error = await ChangeAsync(provider, management, SetPolicyOperation + "/" + type, state =>
        {
            var active = state.Policies.GetValueOrDefault(type);
            if (IsRollback(management, active))
            {
                return (null, new AttestationError(AttestationErrorCode.ManagementPolicyRollback, "the policy's iat is older than the iat of the policy in force"));
            }

            return (active?.Jws == jws ? ManagementChange.Unchanged : new ManagementChange.ReplacePolicy(type, stored), null);
        }, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return Failed(error);
        }

        var claims = new JsonObject
        {
            ["x-ms-policy-result"] = "Updated",
            ["x-ms-policy-token-hash"] = PolicyHash.ComputeTokenHash(jws),
        };
        if (management.IsSigned)
        {
            claims["x-ms-policy-signer"] = PolicySignerJwk.Create(management.SignerCertificate.AsSpan());
        }

        return await _engine.CreateAdministrationTokenAsync(provider, claims, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>POST /policies/{type}:reset</c>: <paramref name="jws"/> has an empty payload; the default applies again.</summary>
    public async Task<AttestationResult> ResetPolicyAsync(AttestationProvider provider, AttestationType type, string jws, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(jws);
        var (management, error) = await ReadAuthorisedAsync(provider, jws, ResetPolicyOperation, type, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return Failed(error);
        }

        // §2.9: a reset is a JWS with an empty payload.
        if (management!.Payload.Length != 0)
        {
            return Failed(new AttestationError(AttestationErrorCode.ManagementPayloadInvalid, "a reset JWS has an empty payload"));
        }

        error = await ChangeAsync(provider, management, ResetPolicyOperation + "/" + type, state =>
        {
            var active = state.Policies.GetValueOrDefault(type);
            if (IsRollback(management, active))
            {
                return (null, new AttestationError(AttestationErrorCode.ManagementPolicyRollback, "the reset's iat is older than the iat of the policy in force"));
            }

            return (active is null ? ManagementChange.Unchanged : new ManagementChange.ResetPolicy(type), null);
        }, cancellationToken).ConfigureAwait(false);
        return error is not null
            ? Failed(error)
            : await _engine.CreateAdministrationTokenAsync(provider, new JsonObject { ["x-ms-policy-result"] = "Removed" }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Vouch's <c>PUT /admin/providers/{name}/collateral-policy</c> on an isolated provider: <paramref name="jws"/>, signed
    /// by a trusted policy signer, carries the rules as its payload; <paramref name="policy"/> is what the host read from
    /// that payload. Null when the rules are in force (changed, or already the same); else why not.
    /// </summary>
    public async Task<AttestationError?> SetCollateralPolicyAsync(AttestationProvider provider, string jws, CollateralPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(jws);
        ArgumentNullException.ThrowIfNull(policy);
        var (management, error) = await ReadAuthorisedAsync(provider, jws, SetCollateralPolicyOperation, null, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var wanted = policy.ToJson().ToJsonString();
        return await ChangeAsync(provider, management!, SetCollateralPolicyOperation, state =>
            (state.Collateral.ToJson().ToJsonString() == wanted ? ManagementChange.Unchanged : new ManagementChange.ReplaceCollateralPolicy(policy), null), cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /certificates</c>: the trusted policy signers (none on an AAD-like provider).</summary>
    public async Task<AttestationResult> GetPolicySignersAsync(AttestationProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var signers = await _signers.GetPolicySignersAsync(provider.Name, cancellationToken).ConfigureAwait(false);
        var keys = new JsonArray([.. signers.Select(s => (JsonNode)PolicySignerJwk.Create(s.Certificate.AsSpan()))]);
        return await _engine.CreateAdministrationTokenAsync(provider, new JsonObject { ["x-ms-policy-certificates"] = new JsonObject { ["keys"] = keys } }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>POST /certificates:add</c>: a JWS signed by a trusted signer whose payload names the certificate to trust.</summary>
    public Task<AttestationResult> AddPolicySignerAsync(AttestationProvider provider, string jws, CancellationToken cancellationToken = default) =>
        ChangeSignersAsync(provider, jws, add: true, cancellationToken);

    /// <summary><c>POST /certificates:remove</c>: as add; the last trusted signer cannot be removed.</summary>
    public Task<AttestationResult> RemovePolicySignerAsync(AttestationProvider provider, string jws, CancellationToken cancellationToken = default) =>
        ChangeSignersAsync(provider, jws, add: false, cancellationToken);

    /// <summary>The MAA thumbprint of a certificate: SHA-1 of its DER, uppercase hex (<c>x-ms-certificate-thumbprint</c>).</summary>
#pragma warning disable CA5350 // SHA-1 is MAA's thumbprint format, an identifier only; trust compares the whole DER.
    public static string Thumbprint(ReadOnlySpan<byte> der) => Convert.ToHexString(SHA1.HashData(der));
#pragma warning restore CA5350

    private async Task<AttestationResult> ChangeSignersAsync(AttestationProvider provider, string jws, bool add, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(jws);

        // §2.10: on an AAD-mode instance MAA answers 400 InvalidOperation.
        if (!provider.Isolated)
        {
            return Failed(new AttestationError(AttestationErrorCode.PolicySignersNotManaged, "policy signer certificates are managed only on isolated providers"));
        }

        var operation = add ? AddPolicySignerOperation : RemovePolicySignerOperation;
        var (management, error) = await ReadAuthorisedAsync(provider, jws, operation, null, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return Failed(error);
        }

        if (!TryReadCertificate(management!.Payload.AsSpan(), out var der, out error))
        {
            return Failed(error);
        }

        var thumbprint = Thumbprint(der);
        var signer = new PolicySignerCertificate(thumbprint, [.. der], _time.GetUtcNow());
        error = await ChangeAsync(provider, management, operation + "/" + thumbprint, state =>
        {
            var present = state.Signers.Any(s => string.Equals(s.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase));
            if (add)
            {
                return (present ? ManagementChange.Unchanged : new ManagementChange.AddSigner(signer), null);
            }

            // The re-check happens here, inside the store's transaction, so two removals at once cannot both pass it.
            if (present && state.Signers.Length == 1)
            {
                return (null, new AttestationError(AttestationErrorCode.LastPolicySigner, "the last trusted policy signer cannot be removed"));
            }

            return (present ? new ManagementChange.RemoveSigner(thumbprint) : ManagementChange.Unchanged, null);
        }, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return Failed(error);
        }

        return await _engine.CreateAdministrationTokenAsync(provider, new JsonObject
        {
            ["x-ms-certificate-thumbprint"] = thumbprint,
            ["x-ms-policycertificates-result"] = add ? "IsPresent" : "IsAbsent",
        }, cancellationToken).ConfigureAwait(false);
    }

    // §2.10: payload {"policyCertificate":{"kty":…,"x5c":["<cert>"]}}; older tools name it "maa-policyCertificate".
    private static bool TryReadCertificate(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out byte[]? der, [NotNullWhen(false)] out AttestationError? error)
    {
        der = null;
        var invalid = new AttestationError(AttestationErrorCode.ManagementPayloadInvalid, "the payload has no 'policyCertificate' with an 'x5c' certificate");
        error = invalid;
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 8 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !(root.TryGetProperty("policyCertificate", out var jwk) || root.TryGetProperty("maa-policyCertificate", out jwk))
                || jwk.ValueKind != JsonValueKind.Object
                || !jwk.TryGetProperty("x5c", out var x5c) || x5c.ValueKind != JsonValueKind.Array || x5c.GetArrayLength() == 0
                || x5c[0].ValueKind != JsonValueKind.String)
            {
                return false;
            }

            der = Convert.FromBase64String(x5c[0].GetString()!);
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            error = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or CryptographicException)
        {
            der = null;
            error = invalid;
            return false;
        }
    }

    private static AttestationResult Failed(AttestationError error) => new() { Error = error };
}
