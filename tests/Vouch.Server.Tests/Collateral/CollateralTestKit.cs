using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Vouch.Server.Collateral;
using Vouch.Server.Storage;
using Vouch.Server.Storage.Sqlite;
using Vouch.Server.Tests.Storage;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;

namespace Vouch.Server.Tests.Collateral;

/// <summary>
/// What the collateral cache tests share: the PCS HTTP client, a simulated Intel and platform, SQLite files in a temp
/// folder, and sources built over them.
/// </summary>
internal sealed class CollateralTestKit : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services;
    private readonly TempFolder _folder = new();

    public CollateralTestKit()
    {
        var services = new ServiceCollection();
        PcsClient.AddPcsHttpClient(services, o => o.Retry.Delay = TimeSpan.FromMilliseconds(10));
        _services = services.BuildServiceProvider();
    }

    public SimulatedIntel Intel { get; } = SimulatedIntel.Create(Start);

    public SimulatedPlatform Platform { get; } = SimulatedPlatform.CreateInMemory();

    public string DatabasePath => _folder.File("vouch.db");

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A store instance of its own over <see cref="DatabasePath"/> (as another replica would open it), initialised.</summary>
    public async Task<SqliteVouchStore> OpenStoreAsync()
    {
        var store = new SqliteVouchStore(DatabasePath);
        await store.InitializeAsync(Ct);
        return store;
    }

    public PcsCollateralSource CreateSource(TimeProvider time, PcsCacheOptions? options, ICollateralCacheStore? store, params Uri[] urls) =>
        new(urls.Select(u => CreateClient(time, u)), time, options, store);

    /// <summary>A PCS client for <paramref name="url"/>, named <paramref name="name"/> when given.</summary>
    public PcsClient CreateClient(TimeProvider time, Uri url, string? name = null) =>
        new(_services.GetRequiredService<IHttpClientFactory>(), new PcsEndpoint(url, Name: name), time);

    public DcapCase Build(DateTimeOffset at, int evaluationNumber) =>
        new DcapScenario { At = at, TcbEvaluationDataNumber = evaluationNumber }.Build(Intel, Platform);

    public static Quote Parse(byte[] bytes) => Quote.TryParse(bytes, out var quote, out var error) ? quote : throw new InvalidOperationException(error.ToString());

    /// <summary>The lower-case hex FMSPC of <paramref name="dcapCase"/>'s platform.</summary>
    public static string Fmspc(DcapCase dcapCase) => Convert.ToHexStringLower(dcapCase.Facts.Fmspc);

    public static void AssertSameBytes(QuoteCollateral expected, QuoteCollateral? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.TcbInfo.ToArray(), actual.TcbInfo.ToArray());
        Assert.Equal(expected.TcbInfoIssuerChain.ToArray(), actual.TcbInfoIssuerChain.ToArray());
        Assert.Equal(expected.QeIdentity.ToArray(), actual.QeIdentity.ToArray());
        Assert.Equal(expected.QeIdentityIssuerChain.ToArray(), actual.QeIdentityIssuerChain.ToArray());
        Assert.Equal(expected.PckCrl.ToArray(), actual.PckCrl.ToArray());
        Assert.Equal(expected.PckCrlIssuerChain.ToArray(), actual.PckCrlIssuerChain.ToArray());
        Assert.Equal(expected.RootCaCrl.ToArray(), actual.RootCaCrl.ToArray());
    }

    public void Dispose()
    {
        _services.Dispose();
        Intel.Dispose();
        _folder.Dispose();
    }
}

/// <summary>A store in front of another whose writes can be dropped (a replica whose write was lost), counting them.</summary>
internal sealed class SwitchableCollateralStore(ICollateralCacheStore inner) : ICollateralCacheStore
{
    public bool DropWrites { get; set; }

    public int Writes { get; private set; }

    public ValueTask<ImmutableArray<CachedCollateral>> ListCachedCollateralAsync(long afterRevision = 0, CancellationToken cancellationToken = default) =>
        inner.ListCachedCollateralAsync(afterRevision, cancellationToken);

    public ValueTask<CachedCollateral?> PutCachedCollateralAsync(CachedCollateral collateral, CancellationToken cancellationToken = default)
    {
        Writes++;
        return DropWrites ? ValueTask.FromResult<CachedCollateral?>(collateral with { Revision = 0 }) : inner.PutCachedCollateralAsync(collateral, cancellationToken);
    }
}
