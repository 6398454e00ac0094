using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using Vouch.Attestation.Collateral;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;

namespace Vouch.Server.Collateral;

/// <summary>When cached PCS collateral is fetched again.</summary>
public sealed class PcsCacheOptions
{
    /// <summary>How long a fetched copy is served before it is fetched again (default one day, like PCCS's daily refresh), so a TCB recovery is picked up within it.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long before the earliest <c>nextUpdate</c> of a cached copy it is fetched again at the latest (default two days).</summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How long after a failed or refused fetch for a platform the sources are not asked again for it (default one minute); a 429's Retry-After overrides it for that source.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many platforms without cached collateral (unknown FMSPCs, failed fills) are remembered to pace their retries (default 1024); beyond it the oldest are forgotten.</summary>
    public int MaxUncachedPlatforms { get; set; } = 1024;
}

/// <summary>The platform a cache entry is for: FMSPC (lower-case hex), PCK CA and TEE.</summary>
public readonly record struct PcsCacheKey(string Fmspc, PckCaKind Ca, TeeType Tee)
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Tee}/{Fmspc}/{Ca}");
}

/// <summary>What the cache holds for one platform, for <c>vouch collateral status</c>.</summary>
/// <param name="Key">The platform.</param>
/// <param name="Source">The base URL the cached copy came from; null when nothing is cached.</param>
/// <param name="FetchedAt">When the cached copy was fetched.</param>
/// <param name="TcbEvaluationDataNumber">The cached TCB Info's evaluation number.</param>
/// <param name="QeEvaluationDataNumber">The cached QE Identity's evaluation number.</param>
/// <param name="ValidFrom">The latest issueDate / thisUpdate of the cached artefacts.</param>
/// <param name="ValidUntil">The earliest nextUpdate of the cached artefacts.</param>
/// <param name="RefreshAt">When the cached copy is next fetched again (on the first quote after it).</param>
/// <param name="LastAttempt">When the sources were last asked for this platform.</param>
/// <param name="LastProblem">Why the last attempt did not replace the cached copy (failure, or a refused rollback); null after a success.</param>
public sealed record PcsCacheEntryStatus(
    PcsCacheKey Key,
    Uri? Source,
    DateTimeOffset? FetchedAt,
    int? TcbEvaluationDataNumber,
    int? QeEvaluationDataNumber,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidUntil,
    DateTimeOffset? RefreshAt,
    DateTimeOffset? LastAttempt,
    string? LastProblem);

/// <summary>One configured source, for <c>vouch collateral status</c>.</summary>
/// <param name="Url">Its base URL.</param>
/// <param name="LastOutcome">How its last request ended; null before the first.</param>
/// <param name="LastAttempt">When it was last asked.</param>
/// <param name="ThrottledUntil">Until when it is not asked (after a 429).</param>
/// <param name="LastError">The last failure's one-line reason.</param>
public sealed record PcsSourceStatus(Uri Url, PcsOutcome? LastOutcome, DateTimeOffset? LastAttempt, DateTimeOffset? ThrottledUntil, string? LastError);

/// <summary>
/// Collateral from PCS-shaped services (<see cref="PcsClient"/>, tried in order), cached in memory per platform
/// (FMSPC, PCK CA, TEE) exactly as received. A miss fills lazily; a cached copy is served until its refresh point
/// (<see cref="PcsCacheOptions"/>: fetched age, or ahead of the earliest nextUpdate), then fetched again in line
/// with the quote that found it due. When no source answers, the cached copy is still served, expired or not:
/// the verifier then fails closed with its own expiry codes (or accepts it, for a provider that allows expired
/// collateral). Never backwards: a fetched TCB Info or QE Identity with a lower <c>tcbEvaluationDataNumber</c>,
/// or a CRL with a lower <c>cRLNumber</c>, than the cached one is refused (the next source is tried, then the
/// cached copy kept and the refusal recorded). An equal number with an older issueDate keeps the cached copy too.
/// Nothing is verified here; the source selects and caches. Quotes without a PCK chain (certification data
/// type 1), or whose PCK issuer is neither Intel PCK CA name, get null. Safe to call concurrently: one fetch per
/// platform at a time, the others wait for it.
/// </summary>
public sealed class PcsCollateralSource : ICollateralSource, IDisposable
{
    private readonly PcsClient[] _clients;
    private readonly SourceState[] _sourceStates;
    private readonly TimeProvider _time;
    private readonly PcsCacheOptions _options;
    private readonly ConcurrentDictionary<PcsCacheKey, Slot> _slots = new();

    /// <summary>A source over <paramref name="clients"/>, asked in this order on a miss or refresh.</summary>
    /// <exception cref="ArgumentException"><paramref name="clients"/> is empty, or an option is negative.</exception>
    public PcsCollateralSource(IEnumerable<PcsClient> clients, TimeProvider time, PcsCacheOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(time);
        _clients = [.. clients];
        if (_clients.Length == 0)
        {
            throw new ArgumentException("At least one PCS client is required.", nameof(clients));
        }

        _options = options ?? new PcsCacheOptions();
        if (_options.RefreshInterval < TimeSpan.Zero || _options.RefreshBeforeExpiry < TimeSpan.Zero || _options.RetryInterval < TimeSpan.Zero || _options.MaxUncachedPlatforms < 0)
        {
            throw new ArgumentException("Collateral cache intervals and limits must not be negative.", nameof(options));
        }

        _sourceStates = [.. _clients.Select(_ => new SourceState())];
        _time = time;
    }

    /// <summary>The sources, in the order they are asked.</summary>
    public IReadOnlyList<PcsSourceStatus> Sources =>
        [.. _clients.Select((c, i) => _sourceStates[i].Snapshot(c.Endpoint.Url))];

    /// <summary>Every platform the cache knows, cached or not (ordinal by key).</summary>
    public IReadOnlyList<PcsCacheEntryStatus> Entries =>
        [.. _slots.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => p.Value.Snapshot(p.Key))];

    /// <summary>Every cached copy, the artefacts exactly as received (ordinal by key): for serving them on (a PCCS-shaped API).</summary>
    public IReadOnlyList<QuoteCollateral> CachedCollateral =>
        [.. _slots.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => p.Value.Entry?.Collateral).OfType<QuoteCollateral>()];

    /// <inheritdoc />
    public async ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(quote);
        if (!QuotePlatform.TryRead(quote, out var platform) || platform.Fmspc is null || platform.Ca == PckCaKind.Unknown)
        {
            return null;
        }

        var key = new PcsCacheKey(platform.Fmspc, platform.Ca, platform.Tee);
        var slot = _slots.GetOrAdd(key, _ => new Slot());
        var entry = slot.Entry;
        if (entry is not null && !IsDue(slot, entry, at))
        {
            return entry.Collateral;
        }

        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another caller may have fetched while this one waited.
            entry = slot.Entry;
            if ((entry is null || IsDue(slot, entry, at)) && _time.GetUtcNow() >= slot.NextAttempt)
            {
                await FetchAsync(key, slot, cancellationToken).ConfigureAwait(false);
                entry = slot.Entry;
            }
        }
        finally
        {
            slot.Gate.Release();
        }

        if (entry is null)
        {
            TrimUncached();
        }

        return entry?.Collateral;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var slot in _slots.Values)
        {
            slot.Gate.Dispose();
        }
    }

    private bool IsDue(Slot slot, Entry entry, DateTimeOffset at)
    {
        var now = _time.GetUtcNow();
        return (now >= entry.RefreshAt || at > entry.ValidUntil) && now >= slot.NextAttempt;
    }

    private async Task FetchAsync(PcsCacheKey key, Slot slot, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var now = _time.GetUtcNow();
        slot.LastAttempt = now;
        for (var i = 0; i < _clients.Length; i++)
        {
            var state = _sourceStates[i];
            if (now < state.ThrottledUntil)
            {
                problems.Add($"{_clients[i].Endpoint.Url}: throttled until {state.ThrottledUntil:O}");
                continue;
            }

            var result = await _clients[i].GetCollateralAsync(key.Fmspc, key.Ca, key.Tee, cancellationToken).ConfigureAwait(false);
            now = _time.GetUtcNow();
            state.Record(result, now, result.Outcome == PcsOutcome.Throttled ? now + (result.RetryAfter ?? _options.RetryInterval) : null);
            if (result.Value is not { } collateral)
            {
                problems.Add(result.Detail ?? result.Outcome.ToString());
                continue;
            }

            if (!Entry.TryCreate(collateral, _clients[i].Endpoint.Url, now, _options, out var fetched, out var invalid))
            {
                problems.Add($"{_clients[i].Endpoint.Url}: {invalid}");
                continue;
            }

            var current = slot.Entry;
            if (current is not null && fetched.RollbackFrom(current) is { } rollback)
            {
                problems.Add($"{_clients[i].Endpoint.Url}: refused, {rollback}");
                continue;
            }

            if (current is not null && !fetched.IsNewerOrSame(current))
            {
                problems.Add($"{_clients[i].Endpoint.Url}: offered an older issue than the cached one");
                continue;
            }

            slot.Entry = fetched;
            slot.LastProblem = null;
            slot.NextAttempt = DateTimeOffset.MinValue;
            return;
        }

        slot.LastProblem = string.Join("; ", problems);
        slot.NextAttempt = _time.GetUtcNow() + _options.RetryInterval;
    }

    private void TrimUncached()
    {
        var uncached = _slots.Where(p => p.Value.Entry is null).ToList();
        var excess = uncached.Count - _options.MaxUncachedPlatforms;
        if (excess <= 0)
        {
            return;
        }

        foreach (var (key, _) in uncached.OrderBy(p => p.Value.LastAttempt ?? DateTimeOffset.MinValue).Take(excess))
        {
            // The gate is not disposed: a caller may still hold it; it is garbage once unreferenced.
            _slots.TryRemove(key, out _);
        }
    }

    /// <summary>The cache's state for one platform. Fields are written under <see cref="Gate"/>, read without it.</summary>
    private sealed class Slot
    {
        private Entry? _entry;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Entry? Entry
        {
            get => Volatile.Read(ref _entry);
            set => Volatile.Write(ref _entry, value);
        }

        public DateTimeOffset NextAttempt { get; set; } = DateTimeOffset.MinValue;

        public DateTimeOffset? LastAttempt { get; set; }

        public string? LastProblem { get; set; }

        public PcsCacheEntryStatus Snapshot(PcsCacheKey key)
        {
            var entry = Entry;
            return new PcsCacheEntryStatus(
                key, entry?.Source, entry?.FetchedAt, entry?.TcbInfo.TcbEvaluationDataNumber, entry?.QeIdentity.TcbEvaluationDataNumber,
                entry?.ValidFrom, entry?.ValidUntil, entry?.RefreshAt, LastAttempt, LastProblem);
        }
    }

    private sealed class SourceState
    {
        private readonly Lock _lock = new();
        private PcsOutcome? _lastOutcome;
        private DateTimeOffset? _lastAttempt;
        private DateTimeOffset _throttledUntil = DateTimeOffset.MinValue;
        private string? _lastError;

        public DateTimeOffset ThrottledUntil
        {
            get
            {
                lock (_lock)
                {
                    return _throttledUntil;
                }
            }
        }

        public void Record<T>(PcsResult<T> result, DateTimeOffset at, DateTimeOffset? throttledUntil)
            where T : class
        {
            lock (_lock)
            {
                _lastOutcome = result.Outcome;
                _lastAttempt = at;
                _lastError = result.Outcome == PcsOutcome.Ok ? _lastError : result.Detail;
                if (throttledUntil is { } until)
                {
                    _throttledUntil = until;
                }
            }
        }

        public PcsSourceStatus Snapshot(Uri url)
        {
            lock (_lock)
            {
                return new PcsSourceStatus(url, _lastOutcome, _lastAttempt, _throttledUntil == DateTimeOffset.MinValue ? null : _throttledUntil, _lastError);
            }
        }
    }

    /// <summary>A cached copy: the artefacts as received, and what was read from them (untrusted) to schedule and order copies.</summary>
    private sealed record Entry(
        QuoteCollateral Collateral,
        Uri Source,
        DateTimeOffset FetchedAt,
        TcbInfo TcbInfo,
        EnclaveIdentity QeIdentity,
        BigInteger PckCrlNumber,
        BigInteger RootCrlNumber,
        DateTimeOffset ValidFrom,
        DateTimeOffset ValidUntil,
        DateTimeOffset RefreshAt)
    {
        public static bool TryCreate(QuoteCollateral collateral, Uri source, DateTimeOffset now, PcsCacheOptions options, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Entry? entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
        {
            entry = null;
            if (!TcbInfo.TryParse(collateral.TcbInfo, out var tcbInfo, out _)
                || !EnclaveIdentity.TryParse(collateral.QeIdentity, out var identity, out _)
                || !PcsClient.TryParseCrl(collateral.PckCrl, out var pckCrl, out _)
                || !PcsClient.TryParseCrl(collateral.RootCaCrl, out var rootCrl, out _))
            {
                error = "the collateral does not parse";
                return false;
            }

            var validFrom = new[] { tcbInfo.IssueDate, identity.IssueDate, pckCrl.ThisUpdate, rootCrl.ThisUpdate }.Max();
            var validUntil = new[] { tcbInfo.NextUpdate, identity.NextUpdate, pckCrl.NextUpdate ?? DateTimeOffset.MaxValue, rootCrl.NextUpdate ?? DateTimeOffset.MaxValue }.Min();
            var byAge = now + options.RefreshInterval;
            // Collateral already inside its pre-expiry margin (the source has nothing newer yet) is asked for again
            // after the retry interval, not on every request.
            var byExpiry = validUntil - options.RefreshBeforeExpiry;
            if (byExpiry < now + options.RetryInterval)
            {
                byExpiry = now + options.RetryInterval;
            }

            entry = new Entry(collateral, source, now, tcbInfo, identity, pckCrl.CrlNumber ?? BigInteger.Zero, rootCrl.CrlNumber ?? BigInteger.Zero,
                validFrom, validUntil, byAge < byExpiry ? byAge : byExpiry);
            error = null;
            return true;
        }

        /// <summary>Why this copy would take the cache backwards from <paramref name="cached"/>; null when it would not.</summary>
        public string? RollbackFrom(Entry cached) =>
            TcbInfo.TcbEvaluationDataNumber < cached.TcbInfo.TcbEvaluationDataNumber
                ? Invariant($"TCB Info tcbEvaluationDataNumber {TcbInfo.TcbEvaluationDataNumber} is lower than the cached {cached.TcbInfo.TcbEvaluationDataNumber}")
            : QeIdentity.TcbEvaluationDataNumber < cached.QeIdentity.TcbEvaluationDataNumber
                ? Invariant($"QE Identity tcbEvaluationDataNumber {QeIdentity.TcbEvaluationDataNumber} is lower than the cached {cached.QeIdentity.TcbEvaluationDataNumber}")
            : PckCrlNumber < cached.PckCrlNumber
                ? Invariant($"PCK CRL cRLNumber {PckCrlNumber} is lower than the cached {cached.PckCrlNumber}")
            : RootCrlNumber < cached.RootCrlNumber
                ? Invariant($"root CA CRL cRLNumber {RootCrlNumber} is lower than the cached {cached.RootCrlNumber}")
            : null;

        /// <summary>Whether this copy (not a rollback) should replace <paramref name="cached"/>: a higher evaluation number, or issues no older.</summary>
        public bool IsNewerOrSame(Entry cached) =>
            TcbInfo.TcbEvaluationDataNumber > cached.TcbInfo.TcbEvaluationDataNumber
            || QeIdentity.TcbEvaluationDataNumber > cached.QeIdentity.TcbEvaluationDataNumber
            || (TcbInfo.IssueDate >= cached.TcbInfo.IssueDate && QeIdentity.IssueDate >= cached.QeIdentity.IssueDate);

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
