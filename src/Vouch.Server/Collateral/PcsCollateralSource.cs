using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using Vouch.Attestation.Collateral;
using Vouch.Server.Storage;
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

    /// <summary>How often the background job refreshes due copies, prefetches and takes in other replicas' copies (default one minute).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the refresher's lease lasts once taken (default five minutes); another replica takes over after it lapses.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Platforms fetched before their first quote: <c>[sgx:|tdx:]FMSPC[:platform|processor]</c> (SGX and both PCK CAs when omitted), for every version a provider uses.</summary>
    public List<string> Prefetch { get; } = [];

    /// <summary>
    /// When a copy fetched at <paramref name="fetchedAt"/> whose earliest nextUpdate is <paramref name="validUntil"/> is
    /// fetched again: after <see cref="RefreshInterval"/>, or <see cref="RefreshBeforeExpiry"/> ahead of
    /// <paramref name="validUntil"/>, whichever is earlier; a copy already inside that margin at <paramref name="now"/>
    /// (the source has nothing newer yet) no sooner than <see cref="RetryInterval"/> after <paramref name="now"/>.
    /// </summary>
    public DateTimeOffset RefreshAt(DateTimeOffset fetchedAt, DateTimeOffset validUntil, DateTimeOffset now)
    {
        var byAge = fetchedAt + RefreshInterval;
        var byExpiry = validUntil - RefreshBeforeExpiry;
        if (byExpiry < now + RetryInterval)
        {
            byExpiry = now + RetryInterval;
        }

        return byAge < byExpiry ? byAge : byExpiry;
    }

    /// <summary>Why these options are unusable, or null.</summary>
    public string? Problem() =>
        RefreshInterval < TimeSpan.Zero || RefreshBeforeExpiry < TimeSpan.Zero || RetryInterval < TimeSpan.Zero || MaxUncachedPlatforms < 0
            ? "Collateral cache intervals and limits must not be negative."
        : CheckInterval <= TimeSpan.Zero || LeaseDuration <= CheckInterval
            ? "The check interval must be positive and the lease longer than it."
        : Prefetch.FirstOrDefault(p => !PcsCacheKeys.TryParsePlatforms(p, CollateralVersion.Standard, out _)) is { } bad
            ? $"'{bad}' is not [sgx:|tdx:]FMSPC[:platform|processor]."
        : null;
}

/// <summary>Parsing of prefetch entries.</summary>
public static class PcsCacheKeys
{
    /// <summary>
    /// Reads <c>[sgx:|tdx:]FMSPC[:platform|processor]</c> (case-insensitive; the FMSPC is 12 hex digits) into the keys it
    /// names for <paramref name="version"/>: one per PCK CA given, or both when none is.
    /// </summary>
    public static bool TryParsePlatforms(string? text, CollateralVersion version, out IReadOnlyList<PcsCacheKey> keys)
    {
        keys = [];
        var parts = (text ?? "").Trim().ToLowerInvariant().Split(':');
        var tee = TeeType.Sgx;
        var index = 0;
        if (parts.Length > 1 && parts[0] is "sgx" or "tdx")
        {
            tee = parts[0] == "tdx" ? TeeType.Tdx : TeeType.Sgx;
            index = 1;
        }

        if (index >= parts.Length || parts[index].Length != 12 || !parts[index].All(char.IsAsciiHexDigit))
        {
            return false;
        }

        var fmspc = parts[index];
        PckCaKind[] cas = (parts.Length - index) switch
        {
            1 => [PckCaKind.Platform, PckCaKind.Processor],
            2 when parts[index + 1] == "platform" => [PckCaKind.Platform],
            2 when parts[index + 1] == "processor" => [PckCaKind.Processor],
            _ => [],
        };
        keys = [.. cas.Select(ca => new PcsCacheKey(fmspc, ca, tee, version))];
        return keys.Count > 0;
    }
}

/// <summary>What a cache entry is for: the platform (FMSPC in lower-case hex, PCK CA, TEE) and the collateral version (update type or pinned evaluation number).</summary>
public readonly record struct PcsCacheKey(string Fmspc, PckCaKind Ca, TeeType Tee, CollateralVersion Version)
{
    /// <summary><c>Sgx/00906ed50000/Platform/standard</c>: the store key.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Tee}/{Fmspc}/{Ca}/{Version}");

    /// <summary>Reads <see cref="ToString"/>'s form back; false for anything else.</summary>
    public static bool TryParse(string? text, out PcsCacheKey key)
    {
        key = default;
        var parts = text?.Split('/');
        if (parts is not { Length: 4 }
            || !Enum.TryParse<TeeType>(parts[0], out var tee) || tee is not (TeeType.Sgx or TeeType.Tdx) || tee.ToString() != parts[0]
            || parts[1].Length != 12 || !parts[1].All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f')
            || !Enum.TryParse<PckCaKind>(parts[2], out var ca) || ca is not (PckCaKind.Platform or PckCaKind.Processor) || ca.ToString() != parts[2]
            || !CollateralVersion.TryParse(parts[3], out var version))
        {
            return false;
        }

        key = new PcsCacheKey(parts[1], ca, tee, version);
        return true;
    }
}

/// <summary>What the cache holds for one platform, for <c>vouch collateral status</c>.</summary>
/// <param name="Key">The platform.</param>
/// <param name="Source">The base URL the cached copy came from; null when nothing is cached.</param>
/// <param name="FetchedAt">When the cached copy was fetched.</param>
/// <param name="TcbEvaluationDataNumber">The cached TCB Info's evaluation number.</param>
/// <param name="QeEvaluationDataNumber">The cached QE Identity's evaluation number.</param>
/// <param name="ValidFrom">The latest issueDate / thisUpdate of the cached artefacts.</param>
/// <param name="ValidUntil">The earliest nextUpdate of the cached artefacts.</param>
/// <param name="RefreshAt">When the background refresher next fetches the cached copy again.</param>
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
/// Collateral from PCS-shaped services (<see cref="PcsClient"/>, tried in order), cached per platform and version
/// (<see cref="PcsCacheKey"/>) exactly as received, in memory and, when a store is given, in the database every replica
/// shares. The hot path only reads memory: a miss fills lazily (the first quote of a new FMSPC), and a copy already
/// past its validity window for the instant asked about is fetched again in line (the background refresh fell
/// behind). Everything else is the background job's (<see cref="Background.CollateralRefreshService"/>): <see cref="RefreshDueAsync(CancellationToken)"/>
/// fetches every copy whose refresh point (<see cref="PcsCacheOptions"/>: its age, or ahead of its earliest nextUpdate)
/// has passed, <see cref="PrefetchAsync"/> fills configured platforms before their first quote, and
/// <see cref="LoadAsync"/> takes in what another replica stored. When no source answers, the cached copy is still served,
/// expired or not: the verifier then fails closed with its own expiry codes (or accepts it, for a provider that
/// allows expired collateral or grants a grace). Never backwards: a fetched TCB Info or QE Identity with a lower
/// <c>tcbEvaluationDataNumber</c>, or a CRL with a lower <c>cRLNumber</c>, than the cached one is refused (the next
/// source is tried, then the cached copy kept and the refusal recorded), and the store refuses it too; an operator pin
/// of an older evaluation is its own cache entry. Nothing is verified here; the source selects and caches. Quotes
/// without a PCK chain (certification data type 1), or whose PCK issuer is neither Intel PCK CA name, get null. Safe
/// to call concurrently: one fetch per platform and version at a time, the others wait for it.
/// </summary>
public sealed class PcsCollateralSource : ICollateralSource, IDisposable
{
    private readonly PcsClient[] _clients;
    private readonly SourceState[] _sourceStates;
    private readonly TimeProvider _time;
    private readonly PcsCacheOptions _options;
    private readonly ICollateralCacheStore? _store;
    private readonly ConcurrentDictionary<PcsCacheKey, Slot> _slots = new();
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private long _loadedRevision;

    /// <summary>A source over <paramref name="clients"/>, asked in this order on a miss or refresh.</summary>
    /// <param name="clients">The PCS-shaped services, in order of preference.</param>
    /// <param name="time">The clock that schedules fetches.</param>
    /// <param name="options">Refresh and retry intervals; the defaults when null.</param>
    /// <param name="store">Where fetched copies are persisted and shared with other replicas; memory only when null.</param>
    /// <exception cref="ArgumentException"><paramref name="clients"/> is empty, or an option is negative.</exception>
    public PcsCollateralSource(IEnumerable<PcsClient> clients, TimeProvider time, PcsCacheOptions? options = null, ICollateralCacheStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(time);
        _clients = [.. clients];
        if (_clients.Length == 0)
        {
            throw new ArgumentException("At least one PCS client is required.", nameof(clients));
        }

        _options = options ?? new PcsCacheOptions();
        if (_options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _sourceStates = [.. _clients.Select(_ => new SourceState())];
        _time = time;
        _store = store;
    }

    /// <summary>The sources, in the order they are asked.</summary>
    public IReadOnlyList<PcsSourceStatus> Sources =>
        [.. _clients.Select((c, i) => _sourceStates[i].Snapshot(c.Endpoint.Url))];

    /// <summary>Every platform and version the cache knows, cached or not (ordinal by key).</summary>
    public IReadOnlyList<PcsCacheEntryStatus> Entries =>
        [.. _slots.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => p.Value.Snapshot(p.Key))];

    /// <summary>Every cached copy with its key, the artefacts exactly as received (ordinal by key): for serving them on (a PCCS-shaped API).</summary>
    public IReadOnlyList<KeyValuePair<PcsCacheKey, QuoteCollateral>> CachedCollateral =>
        [.. _slots.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal)
            .Where(p => p.Value.Entry is not null)
            .Select(p => KeyValuePair.Create(p.Key, p.Value.Entry!.Collateral))];

    /// <inheritdoc />
    public ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CancellationToken cancellationToken) =>
        GetCollateralAsync(quote, at, CollateralVersion.Standard, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CollateralVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(quote);
        if (!QuotePlatform.TryRead(quote, out var platform) || platform.Fmspc is null || platform.Ca == PckCaKind.Unknown)
        {
            return null;
        }

        var key = new PcsCacheKey(platform.Fmspc, platform.Ca, platform.Tee, version);
        var slot = _slots.GetOrAdd(key, _ => new Slot());
        var entry = slot.Entry;
        if (entry is not null && (at < entry.ValidUntil || _time.GetUtcNow() < slot.NextAttempt))
        {
            return entry.Collateral;
        }

        entry = await FetchIfAsync(key, slot, e => e is null || at >= e.ValidUntil, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            TrimUncached();
        }

        return entry?.Collateral;
    }

    /// <summary>Fetches every cached copy whose refresh point has passed (and whose retry interval is over), one platform at a time.</summary>
    /// <param name="inUse">Which versions are still wanted (those some provider uses); copies of other versions — an
    /// operator pin since lifted, a source list since changed — are left as they are rather than fetched from Intel
    /// forever. Null: every version.</param>
    /// <param name="cancellationToken">Cancels the fetches.</param>
    /// <returns>How many copies were asked for again.</returns>
    public async Task<int> RefreshDueAsync(Func<CollateralVersion, bool>? inUse, CancellationToken cancellationToken)
    {
        var asked = 0;
        foreach (var (key, slot) in _slots.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).ToList())
        {
            if (slot.Entry is { } entry && _time.GetUtcNow() >= entry.RefreshAt && _time.GetUtcNow() >= slot.NextAttempt && (inUse is null || inUse(key.Version)))
            {
                await FetchIfAsync(key, slot, e => e is not null && _time.GetUtcNow() >= e.RefreshAt, cancellationToken).ConfigureAwait(false);
                asked++;
            }
        }

        return asked;
    }

    /// <summary>Fetches every cached copy whose refresh point has passed, whatever its version.</summary>
    /// <returns>How many copies were asked for again.</returns>
    public Task<int> RefreshDueAsync(CancellationToken cancellationToken) => RefreshDueAsync(null, cancellationToken);

    /// <summary>
    /// Fills the cache for <paramref name="keys"/> before their first quote: each one without a cached copy (and not
    /// inside its retry interval) is fetched now. Copies already cached are left to <see cref="RefreshDueAsync(CancellationToken)"/>.
    /// </summary>
    /// <returns>The status of each key afterwards, in the order given.</returns>
    public async Task<IReadOnlyList<PcsCacheEntryStatus>> PrefetchAsync(IEnumerable<PcsCacheKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var statuses = new List<PcsCacheEntryStatus>();
        foreach (var key in keys.Distinct())
        {
            var slot = _slots.GetOrAdd(key, _ => new Slot());
            if (slot.Entry is null && _time.GetUtcNow() >= slot.NextAttempt)
            {
                await FetchIfAsync(key, slot, e => e is null, cancellationToken).ConfigureAwait(false);
            }

            statuses.Add(slot.Snapshot(key));
        }

        return statuses;
    }

    /// <summary>
    /// Takes in the copies stored since the last load (by this replica or another): each replaces the one in memory
    /// unless it would take it backwards. Without a store, does nothing.
    /// </summary>
    /// <returns>How many copies were taken in.</returns>
    /// <exception cref="StoreUnavailableException">The store cannot be read.</exception>
    public async Task<int> LoadAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return 0;
        }

        await _loadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var taken = 0;
            var copies = await _store.ListCachedCollateralAsync(Volatile.Read(ref _loadedRevision), cancellationToken).ConfigureAwait(false);
            foreach (var copy in copies)
            {
                Volatile.Write(ref _loadedRevision, Math.Max(Volatile.Read(ref _loadedRevision), copy.Revision));
                if (!PcsCacheKey.TryParse(copy.Key, out var key)
                    || !Entry.TryCreate(copy.Collateral, copy.Source, copy.FetchedAt, _time.GetUtcNow(), _options, out var stored, out _))
                {
                    continue; // written by another build, or unreadable: the sources will be asked instead
                }

                var slot = _slots.GetOrAdd(key, _ => new Slot());
                await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    // A row this replica wrote, or one it already took in, is not taken in again.
                    if (copy.Revision > slot.Revision
                        && (slot.Entry is not { } current || (stored.RollbackFrom(current) is null && stored.IsNewerOrSame(current))))
                    {
                        slot.Entry = stored;
                        taken++;
                    }

                    slot.Revision = Math.Max(slot.Revision, copy.Revision);
                }
                finally
                {
                    slot.Gate.Release();
                }
            }

            return taken;
        }
        finally
        {
            _loadGate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var slot in _slots.Values)
        {
            slot.Gate.Dispose();
        }

        _loadGate.Dispose();
    }

    /// <summary>Fetches under the slot's gate when <paramref name="stillWanted"/> holds for the entry then (another caller may have fetched meanwhile) and the retry interval is over.</summary>
    private async Task<Entry?> FetchIfAsync(PcsCacheKey key, Slot slot, Func<Entry?, bool> stillWanted, CancellationToken cancellationToken)
    {
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (stillWanted(slot.Entry) && _time.GetUtcNow() >= slot.NextAttempt)
            {
                await FetchAsync(key, slot, cancellationToken).ConfigureAwait(false);
            }

            return slot.Entry;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    private async Task FetchAsync(PcsCacheKey key, Slot slot, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var now = _time.GetUtcNow();
        slot.LastAttempt = now;
        foreach (var i in ClientsFor(key.Version, problems))
        {
            var state = _sourceStates[i];
            if (now < state.ThrottledUntil)
            {
                problems.Add($"{_clients[i].Endpoint.Url}: throttled until {state.ThrottledUntil:O}");
                continue;
            }

            var result = await _clients[i].GetCollateralAsync(key.Fmspc, key.Ca, key.Tee, key.Version, cancellationToken).ConfigureAwait(false);
            now = _time.GetUtcNow();
            state.Record(result, now, result.Outcome == PcsOutcome.Throttled ? now + (result.RetryAfter ?? _options.RetryInterval) : null);
            if (result.Value is not { } collateral)
            {
                problems.Add(result.Detail ?? result.Outcome.ToString());
                continue;
            }

            if (!Entry.TryCreate(collateral, _clients[i].Endpoint.Url, now, now, _options, out var fetched, out var invalid))
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
            slot.LastProblem = await PersistAsync(key, slot, fetched, cancellationToken).ConfigureAwait(false);
            slot.NextAttempt = DateTimeOffset.MinValue;
            return;
        }

        slot.LastProblem = string.Join("; ", problems);
        slot.NextAttempt = _time.GetUtcNow() + _options.RetryInterval;
    }

    /// <summary>The indexes of the clients to ask for <paramref name="version"/>: all in order, or the named ones in the order named (an unknown name is a problem, not an error).</summary>
    private List<int> ClientsFor(CollateralVersion version, List<string> problems)
    {
        if (version.Sources is null)
        {
            return [.. Enumerable.Range(0, _clients.Length)];
        }

        var indexes = new List<int>();
        foreach (var name in version.Sources.Split(','))
        {
            var index = Enumerable.Range(0, _clients.Length).FirstOrDefault(i => SourceName(_clients[i], i) == name, -1);
            if (index < 0)
            {
                problems.Add($"no collateral source is named '{name}'");
            }
            else
            {
                indexes.Add(index);
            }
        }

        return indexes;
    }

    /// <summary>A client's name: its configured one, else <c>source-N</c> (1-based position).</summary>
    public static string SourceName(PcsClient client, int index)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.Endpoint.Name ?? string.Create(CultureInfo.InvariantCulture, $"source-{index + 1}");
    }

    /// <summary>The names of the sources, in their order.</summary>
    public IReadOnlyList<string> SourceNames => [.. _clients.Select(SourceName)];

    /// <summary>Writes a fetched copy to the store; a one-line problem when it could not (the copy is served from memory all the same).</summary>
    private async Task<string?> PersistAsync(PcsCacheKey key, Slot slot, Entry entry, CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return null;
        }

        try
        {
            var stored = await _store.PutCachedCollateralAsync(
                new CachedCollateral(key.ToString(), entry.Source, entry.FetchedAt, entry.Collateral, entry.TcbInfo.TcbEvaluationDataNumber,
                    entry.QeIdentity.TcbEvaluationDataNumber, entry.ValidFrom, entry.ValidUntil)
                {
                    PckCrlNumber = entry.PckCrlNumber,
                    RootCaCrlNumber = entry.RootCrlNumber,
                },
                cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                return "not stored: the store holds a newer copy (a higher evaluation or CRL number, or a later issue; taken in at the next load)";
            }

            slot.Revision = Math.Max(slot.Revision, stored.Revision);
            return null;
        }
        catch (StoreUnavailableException e)
        {
            return "not stored: " + e.Message;
        }
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

        /// <summary>The store revision of the newest row this slot wrote or read (0: none).</summary>
        public long Revision { get; set; }

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
        public static bool TryCreate(QuoteCollateral collateral, Uri source, DateTimeOffset fetchedAt, DateTimeOffset now, PcsCacheOptions options, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Entry? entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
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
            // Collateral already inside its pre-expiry margin (the source has nothing newer yet) is asked for again
            // after the retry interval, not on every request.
            entry = new Entry(collateral, source, fetchedAt, tcbInfo, identity, pckCrl.CrlNumber ?? BigInteger.Zero, rootCrl.CrlNumber ?? BigInteger.Zero,
                validFrom, validUntil, options.RefreshAt(fetchedAt, validUntil, now));
            error = null;
            return true;
        }

        /// <summary>The numbers <see cref="CollateralOrdering"/> orders copies by.</summary>
        public CollateralNumbers Numbers => new(TcbInfo.TcbEvaluationDataNumber, QeIdentity.TcbEvaluationDataNumber, PckCrlNumber, RootCrlNumber);

        /// <summary>Why this copy would take the cache backwards from <paramref name="cached"/> (<see cref="CollateralOrdering"/>); null when it would not.</summary>
        public string? RollbackFrom(Entry cached) => CollateralOrdering.RollbackFrom(cached.Numbers, Numbers);

        /// <summary>Whether this copy (not a rollback) should replace <paramref name="cached"/>: a higher evaluation number, or issues no older.</summary>
        public bool IsNewerOrSame(Entry cached) =>
            TcbInfo.TcbEvaluationDataNumber > cached.TcbInfo.TcbEvaluationDataNumber
            || QeIdentity.TcbEvaluationDataNumber > cached.QeIdentity.TcbEvaluationDataNumber
            || (TcbInfo.IssueDate >= cached.TcbInfo.IssueDate && QeIdentity.IssueDate >= cached.QeIdentity.IssueDate);
    }
}
