using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Vouch.Attestation.Claims;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Evidence;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Policies;
using Vouch.Attestation.Stores;
using Vouch.Attestation.Tokens;
using Vouch.Policy;
using Vouch.Policy.Claims;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation;

/// <summary>
/// The host-agnostic attestation engine: evidence → verification (<see cref="QuoteVerifier"/>, collateral
/// from an <see cref="ICollateralSource"/>) → incoming claims → policy (compiled once per hash) → token
/// signed by the provider's current key. Also serves the provider's JWKS and OpenID metadata.
/// </summary>
/// <threadsafety>Safe for concurrent use; share one instance per process.</threadsafety>
public sealed class AttestationEngine : IDisposable
{
    /// <summary>The lifetime of management result tokens: 1 h, as MAA.</summary>
    public static readonly TimeSpan AdministrationTokenLifetime = TimeSpan.FromHours(1);

    /// <summary>How long a provider's key list read from the store is reused (keys added on this node are seen at once).</summary>
    public static readonly TimeSpan KeyCacheDuration = TimeSpan.FromSeconds(10);

    // How often a key addition that lost a race to another replica's decides again before giving up.
    private const int MaxKeyAttempts = 16;

    private readonly ConcurrentDictionary<string, (DateTimeOffset FetchedAt, ImmutableArray<SigningKey> Keys)> _keyCache = new(StringComparer.Ordinal);
    private readonly IPolicyStore _policies;
    private readonly ISigningKeyStore _keys;
    private readonly ICollateralSource _collateral;
    private readonly IKeyProtector _protector;
    private readonly TimeProvider _time;
    private readonly QuoteVerifier _verifier;
    private readonly PolicyCache _policyCache;
    private readonly ConcurrentDictionary<string, AsymmetricAlgorithm> _privateKeys = new(StringComparer.Ordinal);

    /// <summary>Makes an engine over its stores, collateral source, key protector and clock.</summary>
    public AttestationEngine(
        IPolicyStore policies,
        ISigningKeyStore keys,
        ICollateralSource collateral,
        IKeyProtector protector,
        TimeProvider time,
        QuoteVerifier? verifier = null,
        PolicyCache? policyCache = null)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(collateral);
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(time);
        _policies = policies;
        _keys = keys;
        _collateral = collateral;
        _protector = protector;
        _time = time;
        _verifier = verifier ?? new QuoteVerifier();
        _policyCache = policyCache ?? new PolicyCache();
    }

    /// <summary><c>POST /attest/SgxEnclave</c>: <see cref="AttestRequest.Evidence"/> is an SGX quote.</summary>
    public async Task<AttestationResult> AttestSgxEnclaveAsync(AttestationProvider provider, AttestRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return EvidenceReader.TryReadSgxQuote(request.Evidence, out var evidence, out var error)
            ? await AttestAsync(provider, AttestationType.SgxEnclave, evidence, request, cancellationToken).ConfigureAwait(false)
            : new AttestationResult { Error = error };
    }

    /// <summary><c>POST /attest/OpenEnclave</c>: <see cref="AttestRequest.Evidence"/> is an Open Enclave report or SGX-ECDSA evidence.</summary>
    public async Task<AttestationResult> AttestOpenEnclaveAsync(AttestationProvider provider, AttestRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return EvidenceReader.TryReadOpenEnclave(request.Evidence, out var evidence, out var error)
            ? await AttestAsync(provider, AttestationType.OpenEnclave, evidence, request, cancellationToken).ConfigureAwait(false)
            : new AttestationResult { Error = error };
    }

    /// <summary>
    /// Makes and stores a new signing key when the key ring asks for one (none can sign now, or none will
    /// one propagation time from now). Hosts call it at start-up and periodically. Returns the new key, or null.
    /// </summary>
    public async Task<SigningKey?> EnsureSigningKeyAsync(AttestationProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return await AddKeyAsync(provider, keys => KeyRing.Resolve(_time.GetUtcNow(), keys, provider.KeyRing).ShouldCreateKey, cancellationToken).ConfigureAwait(false);
    }

    // Read-decide-add, atomic: the key is added only if no other (replica's) key came since the read; else decide again.
    private async Task<SigningKey?> AddKeyAsync(AttestationProvider provider, Func<ImmutableArray<SigningKey>, bool> wanted, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxKeyAttempts; attempt++)
        {
            var now = _time.GetUtcNow();
            var keys = await GetKeysAsync(provider.Name, fresh: true, cancellationToken).ConfigureAwait(false);
            if (!wanted(keys))
            {
                return null;
            }

            var (activates, retires) = KeyRing.ScheduleNewKey(now, keys, provider.KeyRing);
            var key = SigningKey.Create(provider.Issuer, provider.SigningAlgorithm, now, activates, retires, _protector);
            var added = await _keys.TryAddSigningKeyAsync(provider.Name, key, keys.IsDefault ? 0 : keys.Length, cancellationToken).ConfigureAwait(false);
            _keyCache.TryRemove(provider.Name, out _);
            if (added)
            {
                return key;
            }
        }

        throw new InvalidOperationException($"provider '{provider.Name}': keys kept being added concurrently; no key added after {MaxKeyAttempts} attempts");
    }

    /// <summary>The <c>/certs</c> body: the keys published now.</summary>
    public async Task<JsonObject> GetSigningCertificatesAsync(AttestationProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var keys = await GetKeysAsync(provider.Name, fresh: false, cancellationToken).ConfigureAwait(false);
        return JsonWebKeySetDocument.Create(KeyRing.Resolve(_time.GetUtcNow(), keys, provider.KeyRing).PublishedKeys);
    }

    /// <summary>The <c>/.well-known/openid-configuration</c> document.</summary>
    public static OpenIdMetadata GetOpenIdMetadata(AttestationProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return new OpenIdMetadata(provider.Issuer, [provider.SigningAlgorithm.ToString()]);
    }

    /// <summary>The policy text in force for <paramref name="type"/>: the stored one, or MAA's default.</summary>
    public async Task<(string Text, StoredPolicy? Stored)> GetPolicyAsync(AttestationProvider provider, AttestationType type, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var stored = await _policies.GetPolicyAsync(provider.Name, type, cancellationToken).ConfigureAwait(false);
        return (stored?.Text ?? DefaultPolicies.Sgx, stored);
    }

    /// <summary>Disposes the decrypted private keys held in memory.</summary>
    public void Dispose()
    {
        foreach (var key in _privateKeys.Values)
        {
            key.Dispose();
        }

        _privateKeys.Clear();
    }

    private async Task<AttestationResult> AttestAsync(AttestationProvider provider, AttestationType type, SgxEvidence evidence, AttestRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);

        // 1. Runtime and init-time data are bound to the quote by hash (maa-protocol §3.3).
        if (!DataBinding.TryCheck(evidence, request.RuntimeData, request.InitTimeData, out var data, out var error))
        {
            return new AttestationResult { Error = error };
        }

        // 2. The policy: the draft, else the stored one, else the default; compiled once per text.
        var draft = request.DraftPolicyForAttestation is not null;
        StoredPolicy? stored = null;
        string policyText;
        if (draft)
        {
            policyText = request.DraftPolicyForAttestation!;
        }
        else
        {
            (policyText, stored) = await GetPolicyAsync(provider, type, cancellationToken).ConfigureAwait(false);
        }

        if (!_policyCache.TryGet(policyText, out var policy, out error))
        {
            return new AttestationResult { Error = error };
        }

        // 3. Verification at the provider's clock, against its trust anchors. Collateral is fetched only for a PCK chain
        //    that chains to one of them: a forged chain naming an arbitrary FMSPC fails here, before any request to a PCS.
        var now = _time.GetUtcNow();
        var preflight = _verifier.PreflightPckChain(evidence.Quote, provider.TrustAnchors);
        if (!preflight.IsEmpty)
        {
            return new AttestationResult
            {
                Error = new AttestationError(
                    AttestationErrorCode.EvidenceNotVerified,
                    "the quote did not verify: " + string.Join("; ", preflight.Select(f => $"{f.Check} {f.Code?.ToString() ?? string.Empty}")))
                {
                    FailedChecks = preflight,
                },
            };
        }

        var collateral = await _collateral.GetCollateralAsync(evidence.Quote, now, provider.Collateral.Version, cancellationToken).ConfigureAwait(false);
        if (collateral is null)
        {
            return new AttestationResult { Error = new AttestationError(AttestationErrorCode.CollateralUnavailable, "no collateral is available for this quote") };
        }

        var report = _verifier.Verify(evidence.QuoteBytes, collateral, new VerificationOptions
        {
            At = now,
            TrustAnchors = provider.TrustAnchors,
            AllowExpiredCollateral = provider.AllowExpiredCollateral,
            ExpiryGracePeriod = provider.Collateral.GracePeriod,
            MaximumCollateralAge = provider.Collateral.MaximumAge,
            MinimumTcbEvaluationDataNumber = provider.Collateral.MinimumTcbEvaluationDataNumber,
        });
        if (!report.Verified)
        {
            var failed = report.Failures.ToArray();
            return new AttestationResult
            {
                Report = report,
                Error = new AttestationError(
                    AttestationErrorCode.EvidenceNotVerified,
                    "the quote did not verify: " + string.Join("; ", failed.Select(f => $"{f.Check} {f.Code?.ToString() ?? string.Empty}")))
                {
                    FailedChecks = [.. failed],
                },
            };
        }

        // 4. Claims and policy.
        var anchor = provider.TrustAnchors.FirstOrDefault(a => a.KeyId == report.TrustAnchorKeyId);
        var digests = CollateralDigests.Compute(evidence.Submitted.Span, collateral);
        var signer = stored is { IsSigned: true } ? PolicySignerJwk.Create(stored.SignerCertificate.AsSpan()) : null;
        if (!AttestationEvaluator.TryEvaluate(evidence, data, report, digests, anchor, policy, signer, request.Nonce, out var payload, out error))
        {
            return new AttestationResult { Report = report, Error = error };
        }

        // 5. The token.
        var keys = await GetKeysAsync(provider.Name, fresh: false, cancellationToken).ConfigureAwait(false);
        var signingKey = KeyRing.Resolve(now, keys, provider.KeyRing).SigningKey;
        if (signingKey is null)
        {
            return new AttestationResult { Report = report, Error = new AttestationError(AttestationErrorCode.NoSigningKey, $"provider '{provider.Name}' has no key able to sign now") };
        }

        payload[VouchClaimTypes.CollateralPolicy] = provider.Collateral.ToClaim(provider.AllowExpiredCollateral);
        var complete = AttestationPayload.Complete(payload, provider.Issuer, now, provider.TokenLifetime, NewJti());
        if (draft)
        {
            return new AttestationResult { Report = report, Token = AttestationTokenWriter.CreateUnsigned(complete, signingKey.KeyId, provider.JwksUri) };
        }

        return Sign(provider, signingKey, complete) with { Report = report };
    }

    /// <summary>
    /// A signed result of a management operation (policy get/set/reset, signer certificates): <paramref name="claims"/>
    /// plus <c>iss</c>, <c>iat = nbf = now</c> and <c>exp = iat + 1 h</c>, as MAA (maa-protocol §6 item 4).
    /// </summary>
    public async Task<AttestationResult> CreateAdministrationTokenAsync(AttestationProvider provider, JsonObject claims, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(claims);
        var now = _time.GetUtcNow();
        var keys = await GetKeysAsync(provider.Name, fresh: false, cancellationToken).ConfigureAwait(false);
        var signingKey = KeyRing.Resolve(now, keys, provider.KeyRing).SigningKey;
        if (signingKey is null)
        {
            return new AttestationResult { Error = new AttestationError(AttestationErrorCode.NoSigningKey, $"provider '{provider.Name}' has no key able to sign now") };
        }

        var iat = now.ToUnixTimeSeconds();
        var payload = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["iss"] = provider.Issuer,
            ["iat"] = iat,
            ["nbf"] = iat,
            ["exp"] = iat + (long)AdministrationTokenLifetime.TotalSeconds,
        };
        foreach (var (name, value) in claims)
        {
            payload[name] = value?.DeepClone();
        }

        return Sign(provider, signingKey, new JsonObject(payload));
    }

    /// <summary>
    /// Whether the provider's current signing key exists and its private key decrypts with this engine's key
    /// protector. Hosts check it at start-up so a wrong key-encryption key fails the start, not every request.
    /// </summary>
    public async Task<bool> CanSignAsync(AttestationProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var keys = await GetKeysAsync(provider.Name, fresh: true, cancellationToken).ConfigureAwait(false);
        return KeyRing.Resolve(_time.GetUtcNow(), keys, provider.KeyRing).SigningKey is { } key && TryGetPrivateKey(key, out _);
    }

    /// <summary>
    /// Rotates the provider's signing key: a new key is published in <c>/certs</c> at once and signs from one
    /// propagation time from now (at once if nothing can sign now), so clients that cached <c>/certs</c> keep
    /// working; the old key stays published until its retirement plus the retention time.
    /// </summary>
    public async Task<SigningKey> RotateSigningKeyAsync(AttestationProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return (await AddKeyAsync(provider, _ => true, cancellationToken).ConfigureAwait(false))!;
    }

    // Keys are only ever added, and which one signs is decided from the current instant on every call, so a
    // briefly cached list is safe: a key added on this node is seen at once (the cache entry is dropped); one
    // added by another replica within KeyCacheDuration, and new keys sign only after the propagation time.
    private async ValueTask<ImmutableArray<SigningKey>> GetKeysAsync(string provider, bool fresh, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (!fresh && _keyCache.TryGetValue(provider, out var cached) && cached.FetchedAt <= now && now - cached.FetchedAt < KeyCacheDuration)
        {
            return cached.Keys;
        }

        var keys = await _keys.GetSigningKeysAsync(provider, cancellationToken).ConfigureAwait(false);
        if (!keys.IsDefaultOrEmpty)
        {
            _keyCache[provider] = (now, keys);
        }

        return keys;
    }

    private AttestationResult Sign(AttestationProvider provider, SigningKey signingKey, JsonObject payload)
    {
        if (!TryGetPrivateKey(signingKey, out var privateKey))
        {
            return new AttestationResult { Error = new AttestationError(AttestationErrorCode.SigningKeyUnreadable, $"the private key of '{signingKey.KeyId}' cannot be decrypted") };
        }

        lock (privateKey)
        {
            return new AttestationResult { Token = AttestationTokenWriter.CreateSigned(payload, signingKey, privateKey, provider.JwksUri) };
        }
    }

    private bool TryGetPrivateKey(SigningKey key, [NotNullWhen(true)] out AsymmetricAlgorithm? privateKey)
    {
        if (_privateKeys.TryGetValue(key.KeyId, out privateKey))
        {
            return true;
        }

        if (!key.TryOpenPrivateKey(_protector, out privateKey))
        {
            return false;
        }

        if (!_privateKeys.TryAdd(key.KeyId, privateKey))
        {
            privateKey.Dispose();
            privateKey = _privateKeys[key.KeyId];
        }

        return true;
    }

    // jti: 32 random bytes, lowercase hex, the shape of MAA's (maa-protocol §3.2; §7 q2).
    private static string NewJti() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
