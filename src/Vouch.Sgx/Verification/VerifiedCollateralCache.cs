using System.Collections.Concurrent;

namespace Vouch.Sgx.Verification;

/// <summary>
/// Results of parsing and signature verification that depend only on the bytes involved, keyed by
/// their SHA-256: collateral that verified once is reused without re-parsing or re-verifying. Nothing
/// time-dependent is cached — validity periods are compared on every verification. The cache is
/// bounded; when full it is emptied and refills from the next verifications.
/// </summary>
internal sealed class VerifiedCollateralCache(int capacity)
{
    private readonly ConcurrentDictionary<(CacheKind, ContentHash), object> _entries = new();

    public int Count => _entries.Count;

    public T GetOrAdd<T>(CacheKind kind, ContentHash key, Func<T> create)
        where T : class
    {
        if (_entries.TryGetValue((kind, key), out var found))
        {
            return (T)found;
        }

        var created = create();
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }

        return (T)_entries.GetOrAdd((kind, key), created);
    }
}

internal enum CacheKind
{
    PckChain,
    TcbSigningChain,
    PckExtension,
    Crl,
    CrlSignature,
    TcbInfo,
    TcbInfoSignature,
    QeIdentity,
    QeIdentitySignature,
    AttestationKey,
}
