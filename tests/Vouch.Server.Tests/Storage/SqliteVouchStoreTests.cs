using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;
using Vouch.Server.Storage;
using Vouch.Server.Storage.Sqlite;

namespace Vouch.Server.Tests.Storage;

/// <summary>What only the SQLite store promises: the file, its schema, several instances and processes, bad files.</summary>
public sealed class SqliteVouchStoreTests : IDisposable
{
    private const string P = "contoso";
    private readonly TempFolder _folder = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DbPath => _folder.File("vouch.db");

    public void Dispose() => _folder.Dispose();

    private async Task<SqliteVouchStore> NewStoreAsync(bool withProvider = true)
    {
        var store = new SqliteVouchStore(DbPath);
        await store.InitializeAsync(Ct);
        if (withProvider)
        {
            Assert.True(await store.CreateProviderAsync(StoreSamples.Provider(P), [], Ct));
        }

        return store;
    }

    /// <summary>A connection of the test's own, outside the store, to look at the file as it is.</summary>
    private SqliteConnection RawConnection()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private object? RawScalar(string sql)
    {
        using var connection = RawConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task Everything_survives_reopening_the_file()
    {
        var provider = StoreSamples.Provider(P);
        var signer = StoreSamples.Signer();
        var policy = StoreSamples.SignedPolicy("durable");
        var key = StoreSamples.Key(SigningAlgorithm.ES256);
        var token = new AdminTokenRecord(StoreSamples.Bytes(32), StoreSamples.At);
        {
            var first = new SqliteVouchStore(DbPath);
            await first.InitializeAsync(Ct);
            Assert.True(await first.CreateProviderAsync(provider, [signer], Ct));
            await first.ReplacePolicyAsync(P, AttestationType.SgxEnclave, policy, Ct);
            await first.AddSigningKeyAsync(P, key, Ct);
            await first.SetAdminTokenAsync(token, Ct);
        }

        SqliteConnection.ClearAllPools(); // no pooled connection keeps a page cache or the WAL open

        var second = new SqliteVouchStore(DbPath);
        await second.InitializeAsync(Ct);
        StoreSamples.AssertSame(provider, await second.GetProviderAsync(P, Ct));
        StoreSamples.AssertSame([signer], await second.GetPolicySignersAsync(P, Ct));
        StoreSamples.AssertSame(policy, await second.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
        StoreSamples.AssertSame(key, Assert.Single(await second.GetSigningKeysAsync(P, Ct)));
        var readToken = await second.GetAdminTokenAsync(Ct);
        Assert.NotNull(readToken);
        Assert.Equal(token.Sha256.AsSpan().ToArray(), readToken.Sha256.AsSpan().ToArray());
    }

    [Fact]
    public async Task Initialize_sets_wal_mode_and_the_schema_version_and_may_run_again()
    {
        var store = new SqliteVouchStore(DbPath);

        await store.InitializeAsync(Ct);
        await store.InitializeAsync(Ct);
        await new SqliteVouchStore(DbPath).InitializeAsync(Ct);

        Assert.Equal("wal", RawScalar("PRAGMA journal_mode;"));
        Assert.Equal((long)SqliteSchema.CurrentVersion, RawScalar("PRAGMA user_version;"));
        Assert.Equal(5L, RawScalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('providers', 'signing_keys', 'policies', 'policy_signers', 'admin_token');"));
    }

    [Fact]
    public async Task Many_instances_may_initialise_one_new_file_at_once()
    {
        var stores = Enumerable.Range(0, 6).Select(_ => new SqliteVouchStore(DbPath)).ToList();

        await Task.WhenAll(stores.Select(s => Task.Run(async () => await s.InitializeAsync(Ct), Ct)));

        Assert.Equal((long)SqliteSchema.CurrentVersion, RawScalar("PRAGMA user_version;"));
        Assert.True(await stores[0].CreateProviderAsync(StoreSamples.Provider(P), [], Ct));
        Assert.NotNull(await stores[5].GetProviderAsync(P, Ct));
    }

    [Fact]
    public async Task Two_instances_on_one_file_see_each_others_writes()
    {
        var a = await NewStoreAsync();
        var b = new SqliteVouchStore(DbPath);
        await b.InitializeAsync(Ct);
        var policy = StoreSamples.SignedPolicy("from-a");
        var signer = StoreSamples.Signer();

        await a.ReplacePolicyAsync(P, AttestationType.SgxEnclave, policy, Ct);
        StoreSamples.AssertSame(policy, await b.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct));

        Assert.True(await b.AddPolicySignerAsync(P, signer, Ct));
        Assert.False(await a.AddPolicySignerAsync(P, signer, Ct));
        StoreSamples.AssertSame([signer], await a.GetPolicySignersAsync(P, Ct));

        Assert.True(await b.ResetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
        Assert.Null(await a.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
        Assert.False(await b.CreateProviderAsync(StoreSamples.Provider(P), [], Ct));
    }

    [Fact]
    public async Task Management_changes_through_two_instances_on_one_file_are_atomic_together()
    {
        // Two instances stand for two server processes on one file: the re-check must happen inside SQLite's write
        // lock, not behind a lock of one process.
        var a = await NewStoreAsync();
        var b = new SqliteVouchStore(DbPath);
        await b.InitializeAsync(Ct);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? a : b).ChangeManagementStateAsync(P, null, state =>
                new ManagementDecision(new ManagementChange.AddSigner(StoreSamples.Signer(thumbprint: "T" + state.Signers.Length)), null), Ct))));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => "T" + i), (await a.GetPolicySignersAsync(P, Ct)).Select(s => s.Thumbprint));
    }

    [Fact]
    public async Task A_management_change_for_a_provider_that_does_not_exist_is_refused()
    {
        var store = await NewStoreAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await store.ChangeManagementStateAsync("absent", null, _ => new ManagementDecision(ManagementChange.Unchanged, null), Ct));
    }

    [Fact]
    public async Task Concurrent_replaces_leave_one_written_policy_and_readers_only_ever_see_whole_ones()
    {
        const int Writers = 8;
        const int WritesEach = 25;
        var store = await NewStoreAsync();
        var reader = new SqliteVouchStore(DbPath); // a second instance, as another process would be
        using var done = new CancellationTokenSource();
        var seen = new ConcurrentBag<string>();

        var readTask = Task.Run(async () =>
        {
            var reads = 0;
            while (!done.IsCancellationRequested)
            {
                var policy = await reader.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct);
                if (policy is not null)
                {
                    seen.Add(AssertWhole(policy));
                }

                reads++;
            }

            return reads;
        }, Ct);

        var writeTasks = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var own = new SqliteVouchStore(DbPath);
            for (var i = 0; i < WritesEach; i++)
            {
                await (w % 2 == 0 ? store : own).ReplacePolicyAsync(P, AttestationType.SgxEnclave, Written(w, i), Ct);
            }
        }, Ct)).ToList();
        await Task.WhenAll(writeTasks);
        await done.CancelAsync();
        var reads = await readTask;

        var final = await store.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct);
        Assert.NotNull(final);
        var id = AssertWhole(final);
        // Each writer writes in sequence, so what stays is some writer's last write.
        Assert.EndsWith($"-{WritesEach - 1:D3}", id, StringComparison.Ordinal);
        Assert.True(reads > 0);
        Assert.All(seen, s => Assert.Matches("^w[0-9]{2}-[0-9]{3}$", s));
    }

    /// <summary>The policy writer <paramref name="writer"/> writes the <paramref name="index"/>th time: every field derived from one id.</summary>
    private static StoredPolicy Written(int writer, int index)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"w{writer:D2}-{index:D3}");
        var filler = new string((char)('a' + writer), 8_000 + (index * 37));
        return new StoredPolicy(
            $"{id}.{filler}.{id}",
            $"text {id} {filler} {id}",
            [.. SHA512.HashData(Encoding.UTF8.GetBytes(id)), .. Encoding.UTF8.GetBytes(filler)],
            StoreSamples.At.AddSeconds((writer * 1000) + index));
    }

    /// <summary>Asserts <paramref name="policy"/> is exactly one that was written, and returns its id.</summary>
    private static string AssertWhole(StoredPolicy policy)
    {
        var id = policy.Jws[..policy.Jws.IndexOf('.', StringComparison.Ordinal)];
        var writer = int.Parse(id.AsSpan(1, 2), CultureInfo.InvariantCulture);
        var index = int.Parse(id.AsSpan(4, 3), CultureInfo.InvariantCulture);
        StoreSamples.AssertSame(Written(writer, index), policy);
        return id;
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_reported_as_unavailable()
    {
        await File.WriteAllTextAsync(DbPath, string.Concat(Enumerable.Repeat("this is not a database, only some text.\n", 200)), Ct);
        var store = new SqliteVouchStore(DbPath);

        var e = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.InitializeAsync(Ct));
        Assert.Equal(Path.GetFullPath(DbPath), e.Location);
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.ListProvidersAsync(Ct));
    }

    [Fact]
    public async Task A_database_whose_pages_are_garbage_is_reported_as_unavailable()
    {
        await NewStoreAsync();
        SqliteConnection.ClearAllPools(); // checkpoints the WAL into the file and closes it
        var bytes = await File.ReadAllBytesAsync(DbPath, Ct);
        Assert.True(bytes.Length > 4096);
        RandomNumberGenerator.Fill(bytes.AsSpan(100)); // keep the header, scramble the rest
        await File.WriteAllBytesAsync(DbPath, bytes, Ct);
        var store = new SqliteVouchStore(DbPath);

        await Assert.ThrowsAsync<StoreUnavailableException>(async () =>
        {
            await store.InitializeAsync(Ct);
            await store.ListProvidersAsync(Ct);
        });
    }

    [Fact]
    public async Task A_file_in_a_missing_folder_is_reported_as_unavailable()
    {
        var store = new SqliteVouchStore(_folder.File(Path.Combine("no-such-folder", "vouch.db")));
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.InitializeAsync(Ct));
    }

    [Fact]
    public async Task A_schema_newer_than_this_build_is_reported_as_unavailable()
    {
        await NewStoreAsync();
        RawScalar($"PRAGMA user_version={SqliteSchema.CurrentVersion + 1};");

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await new SqliteVouchStore(DbPath).InitializeAsync(Ct));
    }

    [Fact]
    public async Task A_version_1_database_is_upgraded_in_place_and_its_providers_get_Intels_collateral_defaults()
    {
        RawScalar(SqliteSchema.Migrations[0] + """
            PRAGMA user_version=1;
            INSERT INTO providers (name, trust_mode, signing_algorithm, trust_simulated_authority, allow_expired_collateral, created_at)
            VALUES ('contoso', 'Isolated', 'ES256', 0, 1, '2026-05-01T12:34:56.1234567Z');
            """);

        var store = new SqliteVouchStore(DbPath);
        await store.InitializeAsync(Ct);

        Assert.Equal((long)SqliteSchema.CurrentVersion, RawScalar("PRAGMA user_version;"));
        var provider = await store.GetProviderAsync(P, Ct);
        Assert.NotNull(provider);
        Assert.Equal(TrustMode.Isolated, provider.TrustMode);
        Assert.True(provider.AllowExpiredCollateral);
        Assert.Equal(Vouch.Attestation.Collateral.CollateralPolicy.Default, provider.Collateral);
        Assert.NotNull(await store.PutCachedCollateralAsync(StoreSamples.Collateral("Sgx/00906ed50000/Platform/standard", 17, 17), Ct));
        Assert.True(await store.TryAcquireLeaseAsync("refresh", "a", StoreSamples.At, TimeSpan.FromMinutes(1), Ct));
    }

    [Fact]
    public async Task The_database_refuses_a_collateral_policy_the_store_would_never_write()
    {
        await NewStoreAsync();

        foreach (var sql in new[]
        {
            "UPDATE providers SET collateral_update = 'Sometimes';",
            "UPDATE providers SET collateral_grace_period_ticks = -1;",
            "UPDATE providers SET collateral_maximum_age_ticks = 0;",
            "UPDATE providers SET collateral_minimum_evaluation_data_number = -1;",
        })
        {
            var e = Assert.Throws<SqliteException>(() => RawScalar(sql));
            Assert.Equal(19, e.SqliteErrorCode); // SQLITE_CONSTRAINT
        }
    }

    [Fact]
    public async Task Enums_are_stored_as_their_names_and_instants_as_utc_text()
    {
        var store = await NewStoreAsync(withProvider: false);
        await store.CreateProviderAsync(new ProviderRecord(P, TrustMode.Isolated, SigningAlgorithm.ES256, false, true, StoreSamples.At), [], Ct);
        await store.ReplacePolicyAsync(P, AttestationType.OpenEnclave, StoreSamples.SignedPolicy("x"), Ct);
        await store.AddSigningKeyAsync(P, StoreSamples.Key(SigningAlgorithm.RS256), Ct);

        Assert.Equal("Isolated", RawScalar("SELECT trust_mode FROM providers;"));
        Assert.Equal("ES256", RawScalar("SELECT signing_algorithm FROM providers;"));
        Assert.Equal("OpenEnclave", RawScalar("SELECT type FROM policies;"));
        Assert.Equal("RS256", RawScalar("SELECT algorithm FROM signing_keys;"));
        Assert.Equal("2026-05-01T12:34:56.1234567Z", RawScalar("SELECT created_at FROM providers;"));
    }

    [Fact]
    public async Task Extreme_instants_round_trip()
    {
        var store = await NewStoreAsync();
        var early = StoreSamples.SignedPolicy("min", DateTimeOffset.MinValue);
        var late = StoreSamples.SignedPolicy("max", DateTimeOffset.MaxValue);

        await store.ReplacePolicyAsync(P, AttestationType.SgxEnclave, early, Ct);
        await store.ReplacePolicyAsync(P, AttestationType.OpenEnclave, late, Ct);

        StoreSamples.AssertSame(early, await store.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
        StoreSamples.AssertSame(late, await store.GetPolicyAsync(P, AttestationType.OpenEnclave, Ct));
    }
}
