using System.Collections.Immutable;
using Vouch.Attestation.Stores;
using Vouch.Server.Storage;
using Vouch.Server.Storage.Sqlite;

namespace Vouch.Server.Tests.Storage;

/// <summary>The engine-store contract on <see cref="InMemoryAttestationStore"/> (providers need no creating there).</summary>
public sealed class InMemoryEngineStoreContractTests : EngineStoreContractTests<InMemoryAttestationStore>
{
    protected override Task<InMemoryAttestationStore> CreateStoreAsync(ImmutableArray<string> providers) =>
        Task.FromResult(new InMemoryAttestationStore());
}

/// <summary>The engine-store contract on <see cref="SqliteVouchStore"/>, one database file per test.</summary>
public sealed class SqliteEngineStoreContractTests : EngineStoreContractTests<SqliteVouchStore>, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override async Task<SqliteVouchStore> CreateStoreAsync(ImmutableArray<string> providers)
    {
        var store = new SqliteVouchStore(_folder.File("vouch.db"));
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        foreach (var name in providers)
        {
            Assert.True(await store.CreateProviderAsync(StoreSamples.Provider(name), [], TestContext.Current.CancellationToken));
        }

        return store;
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>The server-store contract on <see cref="SqliteVouchStore"/>, one database file per test.</summary>
public sealed class SqliteServerStoreContractTests : ServerStoreContractTests, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override async Task<IVouchStore> CreateStoreAsync()
    {
        var store = new SqliteVouchStore(_folder.File("vouch.db"));
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        return store;
    }

    public void Dispose() => _folder.Dispose();
}
