using System.Collections.Concurrent;
using Vouch.Server.Storage;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Quotes;

namespace Vouch.Server.Collateral;

/// <summary>What is held of Intel's TCB Evaluation Data Numbers for one TEE, for status and the PCCS route.</summary>
/// <param name="Tee">SGX or TDX.</param>
/// <param name="Source">Where the held copy came from; null when none is held.</param>
/// <param name="FetchedAt">When it was fetched.</param>
/// <param name="Numbers">The evaluation numbers it lists, highest first.</param>
/// <param name="IssueDate">Its issueDate.</param>
/// <param name="NextUpdate">Its nextUpdate.</param>
/// <param name="LastProblem">Why the last fetch did not replace it; null after a success.</param>
public sealed record EvaluationNumbersStatus(
    TeeType Tee,
    Uri? Source,
    DateTimeOffset? FetchedAt,
    IReadOnlyList<int> Numbers,
    DateTimeOffset? IssueDate,
    DateTimeOffset? NextUpdate,
    string? LastProblem);

/// <summary>
/// Intel's TCB Evaluation Data Numbers (<c>/sgx|tdx/certification/v4/tcbevaluationdatanumbers</c>) from the configured
/// PCS-shaped sources, one copy per TEE kept exactly as received with its issuer chain. It says which evaluations
/// Intel still serves: a provider's pinned evaluation number missing from it is about to be (or is) answered 410.
/// A copy is fetched on first use and again once <see cref="PcsCacheOptions.RefreshInterval"/> old (by the refresher,
/// or in line by the first request after it); a copy with an older issueDate than the held one is refused. With a store,
/// fetched copies are persisted and <see cref="LoadAsync"/> takes in what was stored (at start, and on every refresher
/// pass, so replicas share the leader's copy and a restart starts warm). Served on
/// by Vouch's PCCS route; nothing is verified here (clients verify the signature, <see cref="Sgx.Verification.CollateralVerifier.VerifyTcbEvaluationDataNumbers"/>).
/// </summary>
public sealed class EvaluationNumbersCache : IDisposable
{
    private readonly PcsClient[] _clients;
    private readonly TimeProvider _time;
    private readonly PcsCacheOptions _options;
    private readonly IEvaluationNumbersStore? _store;
    private readonly ConcurrentDictionary<TeeType, Slot> _slots = new();

    /// <summary>A cache over <paramref name="clients"/>, asked in this order, persisting into <paramref name="store"/> when given.</summary>
    public EvaluationNumbersCache(IEnumerable<PcsClient> clients, TimeProvider time, PcsCacheOptions? options = null, IEvaluationNumbersStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(time);
        _clients = [.. clients];
        _time = time;
        _options = options ?? new PcsCacheOptions();
        _store = store;
    }

    /// <summary>Takes in the stored copies that are newer than the held ones (none without a store).</summary>
    /// <returns>How many were taken in.</returns>
    /// <exception cref="StoreUnavailableException">The store cannot be read.</exception>
    public async Task<int> LoadAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return 0;
        }

        var taken = 0;
        foreach (var stored in await _store.ListEvaluationNumbersAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!TcbEvaluationDataNumbers.TryParse(stored.Body, out var document, out _))
            {
                continue; // unreadable: the sources will be asked instead
            }

            var slot = _slots.GetOrAdd(stored.Tee, _ => new Slot());
            await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (slot.Held is not { } held || document.IssueDate > held.Document.IssueDate)
                {
                    slot.Held = new Held(new HeldArtefact(stored.Body, stored.IssuerChain), document, stored.Source, stored.FetchedAt);
                    taken++;
                }
            }
            finally
            {
                slot.Gate.Release();
            }
        }

        return taken;
    }

    /// <summary>The state per TEE asked for so far (SGX first).</summary>
    public IReadOnlyList<EvaluationNumbersStatus> Status =>
        [.. _slots.OrderBy(p => p.Key).Select(p => p.Value.Snapshot(p.Key))];

    /// <summary>The held copy for <paramref name="tee"/> (body and issuer chain as received), fetched first when none is held or it is due; null when no source has one.</summary>
    public async Task<HeldArtefact?> GetAsync(TeeType tee, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(tee, _ => new Slot());
        if (slot.Held is { } held && !IsDue(slot, held))
        {
            return held.Artefact;
        }

        await RefreshAsync(tee, slot, cancellationToken).ConfigureAwait(false);
        return slot.Held?.Artefact;
    }

    /// <summary>Fetches the copy of every TEE asked for so far (and SGX's) that is due. For the refresher.</summary>
    public async Task RefreshDueAsync(CancellationToken cancellationToken)
    {
        _slots.GetOrAdd(TeeType.Sgx, _ => new Slot());
        foreach (var (tee, slot) in _slots.OrderBy(p => p.Key).ToList())
        {
            if (slot.Held is not { } held || IsDue(slot, held))
            {
                await RefreshAsync(tee, slot, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether the list held for <paramref name="tee"/> no longer lists <paramref name="number"/>; false when nothing is held.</summary>
    public bool IsNoLongerServed(TeeType tee, int number) =>
        _slots.TryGetValue(tee, out var slot) && slot.Held is { } held && !held.Document.Lists(number);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var slot in _slots.Values)
        {
            slot.Gate.Dispose();
        }
    }

    private bool IsDue(Slot slot, Held held)
    {
        var now = _time.GetUtcNow();
        return now >= slot.NextAttempt && (now >= held.FetchedAt + _options.RefreshInterval || now >= held.Document.NextUpdate);
    }

    private async Task RefreshAsync(TeeType tee, Slot slot, CancellationToken cancellationToken)
    {
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if ((slot.Held is { } current && !IsDue(slot, current)) || _time.GetUtcNow() < slot.NextAttempt)
            {
                return;
            }

            var problems = new List<string>();
            foreach (var client in _clients)
            {
                var result = await client.GetTcbEvaluationDataNumbersAsync(tee, cancellationToken).ConfigureAwait(false);
                if (result.Value is not { } artefact || !TcbEvaluationDataNumbers.TryParse(artefact.Body, out var document, out _))
                {
                    problems.Add(result.Detail ?? result.Outcome.ToString());
                    continue;
                }

                if (slot.Held is { } held && document.IssueDate < held.Document.IssueDate)
                {
                    problems.Add($"{client.Endpoint.Url}: refused, issued {document.IssueDate:O}, before the held copy's {held.Document.IssueDate:O}");
                    continue;
                }

                var fetched = new Held(new HeldArtefact(artefact.Body, artefact.IssuerChain), document, client.Endpoint.Url, _time.GetUtcNow());
                slot.Held = fetched;
                slot.LastProblem = await PersistAsync(tee, fetched, cancellationToken).ConfigureAwait(false);
                slot.NextAttempt = DateTimeOffset.MinValue;
                return;
            }

            slot.LastProblem = string.Join("; ", problems);
            slot.NextAttempt = _time.GetUtcNow() + _options.RetryInterval;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Writes a fetched copy to the store; a one-line problem when it could not (the copy is served from memory all the same).</summary>
    private async Task<string?> PersistAsync(TeeType tee, Held held, CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return null;
        }

        try
        {
            var stored = await _store.PutEvaluationNumbersAsync(
                new StoredEvaluationNumbers(tee, held.Source, held.FetchedAt, held.Artefact.Body, held.Artefact.IssuerChain, held.Document.IssueDate),
                cancellationToken).ConfigureAwait(false);
            return stored ? null : "not stored: the store holds a later issue (taken in at the next load)";
        }
        catch (StoreUnavailableException e)
        {
            return "not stored: " + e.Message;
        }
    }

    private sealed record Held(HeldArtefact Artefact, TcbEvaluationDataNumbers Document, Uri Source, DateTimeOffset FetchedAt);

    private sealed class Slot
    {
        private Held? _held;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Held? Held
        {
            get => Volatile.Read(ref _held);
            set => Volatile.Write(ref _held, value);
        }

        public DateTimeOffset NextAttempt { get; set; } = DateTimeOffset.MinValue;

        public string? LastProblem { get; set; }

        public EvaluationNumbersStatus Snapshot(TeeType tee)
        {
            var held = Held;
            return new EvaluationNumbersStatus(tee, held?.Source, held?.FetchedAt, held is null ? [] : [.. held.Document.Numbers.Select(n => n.Number)],
                held?.Document.IssueDate, held?.Document.NextUpdate, LastProblem);
        }
    }
}
