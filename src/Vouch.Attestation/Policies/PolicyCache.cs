using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Vouch.Attestation.Claims;
using Vouch.Attestation.Errors;
using Vouch.Policy;

namespace Vouch.Attestation.Policies;

/// <summary>
/// Compiled policies by <c>x-ms-policy-hash</c>: a policy text is compiled once and reused for every
/// attestation under it (also drafts sent repeatedly). Bounded: when full, the cache is emptied and
/// refills from use. Texts that do not compile are not cached.
/// </summary>
/// <threadsafety>Safe for concurrent use.</threadsafety>
public sealed class PolicyCache
{
    private readonly ConcurrentDictionary<string, AttestationPolicy> _compiled = new(StringComparer.Ordinal);
    private readonly int _capacity;

    /// <summary>Makes a cache holding at most <paramref name="capacity"/> policies.</summary>
    public PolicyCache(int capacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>How many compiled policies are held.</summary>
    public int Count => _compiled.Count;

    /// <summary>
    /// The compiled <paramref name="text"/> (refusing to issue <see cref="AttestationClaimTypes.Reserved"/>),
    /// or <see cref="AttestationErrorCode.PolicyInvalid"/> with its diagnostics.
    /// </summary>
    public bool TryGet(string text, [NotNullWhen(true)] out AttestationPolicy? policy, [NotNullWhen(false)] out AttestationError? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hash = PolicyHash.Compute(text);
        error = null;
        if (_compiled.TryGetValue(hash, out policy) && string.Equals(policy.Text, text, StringComparison.Ordinal))
        {
            return true;
        }

        if (!AttestationPolicy.TryCompile(text, out policy, out var diagnostics, reserved: AttestationClaimTypes.Reserved))
        {
            error = new AttestationError(AttestationErrorCode.PolicyInvalid, "the policy does not compile: " + string.Join("; ", diagnostics))
            {
                PolicyDiagnostics = diagnostics,
            };
            return false;
        }

        if (_compiled.Count >= _capacity)
        {
            _compiled.Clear();
        }

        _compiled[hash] = policy;
        return true;
    }
}
