using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Vouch.Server.Collateral;
using Vouch.Server.Storage;
using Vouch.Server.Storage.Sqlite;

namespace Vouch.Cli.Commands;

/// <summary>
/// The PCS collateral cache a server persisted in its database, for <c>vouch collateral status</c>. The database is
/// only read: a missing file, or one whose schema predates the cache (or is newer than this build), is reported as
/// holding no cache, and is neither created nor migrated.
/// </summary>
/// <param name="Database">The database file (full path).</param>
/// <param name="Absent">Why there is no cache to list; null when <paramref name="Copies"/> was read.</param>
/// <param name="Copies">The cached copies, by key.</param>
/// <param name="RefreshOptions">The refresh schedule the "refresh due" instants follow (the server's defaults).</param>
/// <param name="Now">The instant a copy already inside its pre-expiry margin is scheduled from.</param>
internal sealed record PersistedCache(string Database, string? Absent, ImmutableArray<CachedCollateral> Copies, PcsCacheOptions RefreshOptions, DateTimeOffset Now)
{
    /// <summary>The schema version that added the <c>collateral_cache</c> table.</summary>
    private const long FirstVersionWithCache = 2;

    public static async Task<PersistedCache> ReadAsync(string path, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var options = new PcsCacheOptions();
        PersistedCache Without(string reason) => new(full, reason, [], options, now);
        try
        {
            var version = await SqliteVouchStore.ReadSchemaVersionAsync(full, cancellationToken).ConfigureAwait(false);
            if (version is null)
            {
                return Without("no database");
            }

            if (version < FirstVersionWithCache)
            {
                return Without(string.Create(CultureInfo.InvariantCulture, $"schema version {version} predates the PCS cache (a server upgrades it at start)"));
            }

            if (version > SqliteVouchStore.SchemaVersion)
            {
                return Without(string.Create(CultureInfo.InvariantCulture, $"schema version {version} is newer than this build's ({SqliteVouchStore.SchemaVersion})"));
            }

            // Listing reads only; InitializeAsync (which migrates) is deliberately not called.
            var copies = await new SqliteVouchStore(full).ListCachedCollateralAsync(0, cancellationToken).ConfigureAwait(false);
            return new PersistedCache(full, null, [.. copies.OrderBy(c => c.Key, StringComparer.Ordinal)], options, now);
        }
        catch (StoreUnavailableException e)
        {
            return Without("cannot be read: " + e.Message);
        }
    }

    /// <summary>When the server's background refresher fetches <paramref name="copy"/> again, by its default schedule.</summary>
    public DateTimeOffset RefreshDueAt(CachedCollateral copy) => RefreshOptions.RefreshAt(copy.FetchedAt, copy.ValidUntil, Now);

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["database"] = Database };
        if (Absent is not null)
        {
            json["absent"] = Absent;
        }

        json["entries"] = new JsonArray([.. Copies.Select(c => (JsonNode)new JsonObject
        {
            ["key"] = c.Key,
            ["source"] = c.Source.AbsoluteUri,
            ["fetchedAt"] = CliInput.Iso(c.FetchedAt),
            ["tcbEvaluationDataNumber"] = c.TcbEvaluationDataNumber,
            ["qeEvaluationDataNumber"] = c.QeEvaluationDataNumber,
            ["validFrom"] = CliInput.Iso(c.ValidFrom),
            ["validUntil"] = CliInput.Iso(c.ValidUntil),
            ["refreshDueAt"] = CliInput.Iso(RefreshDueAt(c)),
        })]);
        return json;
    }

    public void Print(TextWriter output)
    {
        if (Absent is not null)
        {
            output.WriteLine($"no persisted PCS cache in {Database}: {Absent}");
            return;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PCS cache in {Database}: {Copies.Length} entr{(Copies.Length == 1 ? "y" : "ies")}"));
        foreach (var c in Copies)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Key}  from {c.Source.AbsoluteUri}  fetched {CliInput.Iso(c.FetchedAt)}  TCB Info #{c.TcbEvaluationDataNumber}  QE Identity #{c.QeEvaluationDataNumber}  valid {CliInput.Iso(c.ValidFrom)} to {CliInput.Iso(c.ValidUntil)}  refresh due at {CliInput.Iso(RefreshDueAt(c))}"));
        }
    }

}
