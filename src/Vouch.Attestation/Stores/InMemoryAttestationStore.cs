using System.Collections.Immutable;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Keys;

namespace Vouch.Attestation.Stores;

/// <summary>
/// All the engine's stores in process memory, for tests and single-process tools (<c>vouch</c> offline
/// commands). Nothing survives the process; the service uses its SQLite or PostgreSQL stores.
/// </summary>
/// <threadsafety>Safe for concurrent use; each operation is atomic.</threadsafety>
public sealed class InMemoryAttestationStore : IPolicyStore, ISigningKeyStore, IPolicySignerStore, IManagementStateStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Provider, AttestationType Type), StoredPolicy> _policies = [];
    private readonly Dictionary<string, ImmutableArray<SigningKey>> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImmutableArray<PolicySignerCertificate>> _signers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CollateralPolicy> _collateral = new(StringComparer.Ordinal);
    private readonly List<AcceptedManagementJws> _accepted = [];

    /// <inheritdoc />
    public ValueTask<StoredPolicy?> GetPolicyAsync(string provider, AttestationType type, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_policies.GetValueOrDefault((provider, type)));
        }
    }

    /// <inheritdoc />
    public ValueTask ReplacePolicyAsync(string provider, AttestationType type, StoredPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_lock)
        {
            _policies[(provider, type)] = policy;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> ResetPolicyAsync(string provider, AttestationType type, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_policies.Remove((provider, type)));
        }
    }

    /// <inheritdoc />
    public ValueTask<ImmutableArray<SigningKey>> GetSigningKeysAsync(string provider, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_keys.GetValueOrDefault(provider, []));
        }
    }

    /// <inheritdoc />
    public ValueTask AddSigningKeyAsync(string provider, SigningKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            _keys[provider] = _keys.GetValueOrDefault(provider, []).Add(key);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> TryAddSigningKeyAsync(string provider, SigningKey key, int expectedCount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            var current = _keys.GetValueOrDefault(provider, []);
            if (current.Length != expectedCount)
            {
                return ValueTask.FromResult(false);
            }

            _keys[provider] = current.Add(key);
            return ValueTask.FromResult(true);
        }
    }

    /// <summary>Replaces one stored key (tests use it to simulate tampering at rest).</summary>
    public void ReplaceSigningKey(string provider, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            _keys[provider] = [.. _keys.GetValueOrDefault(provider, []).Select(k => k.KeyId == key.KeyId ? key : k)];
        }
    }

    /// <inheritdoc />
    public ValueTask<ImmutableArray<PolicySignerCertificate>> GetPolicySignersAsync(string provider, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_signers.GetValueOrDefault(provider, []));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> AddPolicySignerAsync(string provider, PolicySignerCertificate certificate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        lock (_lock)
        {
            var current = _signers.GetValueOrDefault(provider, []);
            if (current.Any(c => string.Equals(c.Thumbprint, certificate.Thumbprint, StringComparison.OrdinalIgnoreCase)))
            {
                return ValueTask.FromResult(false);
            }

            _signers[provider] = current.Add(certificate);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RemovePolicySignerAsync(string provider, string thumbprint, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var current = _signers.GetValueOrDefault(provider, []);
            var kept = current.RemoveAll(c => string.Equals(c.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase));
            _signers[provider] = kept;
            return ValueTask.FromResult(kept.Length != current.Length);
        }
    }

    /// <inheritdoc />
    /// <remarks>Runs under the store's one lock, so it is atomic against every other operation.</remarks>
    public ValueTask<ManagementDecision> ChangeManagementStateAsync(string provider, string? jwsHash, Func<ManagementState, ManagementDecision> decide, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(decide);
        lock (_lock)
        {
            var state = new ManagementState(
                _signers.GetValueOrDefault(provider, []),
                _policies.Where(p => p.Key.Provider == provider).ToImmutableDictionary(p => p.Key.Type, p => p.Value),
                _collateral.GetValueOrDefault(provider, CollateralPolicy.Default),
                jwsHash is null ? [] : [.. _accepted.Where(a => a.Hash == jwsHash)]);
            var decision = decide(state);
            if (decision.Change is null)
            {
                return ValueTask.FromResult(decision);
            }

            switch (decision.Change)
            {
                case ManagementChange.ReplacePolicy replace:
                    _policies[(provider, replace.Type)] = replace.Policy;
                    break;
                case ManagementChange.ResetPolicy reset:
                    _policies.Remove((provider, reset.Type));
                    break;
                case ManagementChange.AddSigner add when !state.Signers.Any(c => string.Equals(c.Thumbprint, add.Signer.Thumbprint, StringComparison.OrdinalIgnoreCase)):
                    _signers[provider] = state.Signers.Add(add.Signer);
                    break;
                case ManagementChange.RemoveSigner remove:
                    _signers[provider] = state.Signers.RemoveAll(c => string.Equals(c.Thumbprint, remove.Thumbprint, StringComparison.OrdinalIgnoreCase));
                    break;
                case ManagementChange.ReplaceCollateralPolicy collateral:
                    _collateral[provider] = collateral.Policy;
                    break;
            }

            if (decision.Accepted is { } accepted && !_accepted.Any(a => a.Hash == accepted.Hash && a.Provider == accepted.Provider && a.Operation == accepted.Operation))
            {
                _accepted.Add(accepted);
            }

            return ValueTask.FromResult(decision);
        }
    }
}
