using Vouch.Attestation.Collateral;
using Vouch.Attestation.Stores;

namespace Vouch.Server.Tests.Storage;

/// <content>
/// <see cref="IManagementStateStore"/>: read-decide-write of one provider's management state is atomic (issue 11 item 1)
/// and the replay record is kept with the change it guards (item 2). A later store (PostgreSQL) inherits these.
/// </content>
public abstract partial class EngineStoreContractTests<TStore>
{
    private const int Concurrent = 24;

    [Fact]
    public async Task Concurrent_management_changes_behave_as_if_one_after_another()
    {
        var store = await NewStoreAsync();

        // Each decision names the signer it adds after the count it read: a read outside the write would let two
        // read the same count, and one of the two additions would be lost.
        var decisions = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => Task.Run(async () =>
            await store.ChangeManagementStateAsync(P, null, state =>
                new ManagementDecision(new ManagementChange.AddSigner(StoreSamples.Signer(thumbprint: "T" + state.Signers.Length)), null), Ct))));

        var signers = await store.GetPolicySignersAsync(P, Ct);
        Assert.Equal(Enumerable.Range(0, Concurrent).Select(i => "T" + i), signers.Select(s => s.Thumbprint));
        Assert.All(decisions, d => Assert.IsType<ManagementChange.AddSigner>(d.Change));
    }

    [Fact]
    public async Task A_guard_checked_in_the_decision_holds_against_concurrent_removals()
    {
        var store = await NewStoreAsync();
        var a = StoreSamples.Signer();
        var b = StoreSamples.Signer();
        await store.AddPolicySignerAsync(P, a, Ct);
        await store.AddPolicySignerAsync(P, b, Ct);

        // "Remove X unless it is the last one", for both at once, many times: never none left.
        var removals = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(i => Task.Run(async () =>
            await store.ChangeManagementStateAsync(P, null, state =>
            {
                var target = i % 2 == 0 ? a : b;
                return state.Signers.Length > 1 && state.Signers.Any(s => s.Thumbprint == target.Thumbprint)
                    ? new ManagementDecision(new ManagementChange.RemoveSigner(target.Thumbprint), null)
                    : ManagementDecision.Refused;
            }, Ct))));

        Assert.Single(await store.GetPolicySignersAsync(P, Ct));
        Assert.Single(removals, r => r.Change is not null);
    }

    [Fact]
    public async Task A_refused_decision_writes_nothing_not_even_its_record()
    {
        var store = await NewStoreAsync();
        await store.ChangeManagementStateAsync(P, "h1", _ => ManagementDecision.Refused, Ct);

        var state = await ReadStateAsync(store, P, "h1");
        Assert.Empty(state.Accepted);
        Assert.Empty(state.Signers);
    }

    [Fact]
    public async Task Each_change_is_applied_with_its_record_and_read_back_by_every_reader()
    {
        var store = await NewStoreAsync();
        var signer = StoreSamples.Signer();
        var policy = StoreSamples.SignedPolicy("managed");
        var collateral = new CollateralPolicy { Update = CollateralUpdate.Early, GracePeriod = TimeSpan.FromHours(2), Sources = ["intel"] };
        ManagementChange[] changes =
        [
            new ManagementChange.AddSigner(signer),
            new ManagementChange.ReplacePolicy(AttestationType.OpenEnclave, policy),
            new ManagementChange.ReplaceCollateralPolicy(collateral),
            ManagementChange.Unchanged,
        ];
        for (var i = 0; i < changes.Length; i++)
        {
            var change = changes[i];
            await store.ChangeManagementStateAsync(Alpha, "h" + i, _ => new ManagementDecision(change, new AcceptedManagementJws("h" + i, Alpha, "Op" + i, StoreSamples.At)), Ct);
        }

        var state = await ReadStateAsync(store, Alpha, "h3");
        StoreSamples.AssertSame([signer], state.Signers);
        StoreSamples.AssertSame(policy, state.Policies[AttestationType.OpenEnclave]);
        Assert.Single(state.Policies);
        Assert.Equal(collateral.ToJson().ToJsonString(), state.Collateral.ToJson().ToJsonString());
        Assert.Equal(new AcceptedManagementJws("h3", Alpha, "Op3", StoreSamples.At), Assert.Single(state.Accepted));
        StoreSamples.AssertSame(policy, await store.GetPolicyAsync(Alpha, AttestationType.OpenEnclave, Ct));
        StoreSamples.AssertSame([signer], await store.GetPolicySignersAsync(Alpha, Ct));

        await store.ChangeManagementStateAsync(Alpha, null, _ => new ManagementDecision(new ManagementChange.ResetPolicy(AttestationType.OpenEnclave), null), Ct);
        await store.ChangeManagementStateAsync(Alpha, null, _ => new ManagementDecision(new ManagementChange.RemoveSigner(signer.Thumbprint.ToLowerInvariant()), null), Ct);
        state = await ReadStateAsync(store, Alpha, null);
        Assert.Empty(state.Policies);
        Assert.Empty(state.Signers);
        Assert.Null(await store.GetPolicyAsync(Alpha, AttestationType.OpenEnclave, Ct));
    }

    [Fact]
    public async Task Replay_records_of_a_hash_are_seen_from_every_provider_and_only_for_that_hash()
    {
        var store = await NewStoreAsync();
        await store.ChangeManagementStateAsync(Alpha, "same", _ => new ManagementDecision(ManagementChange.Unchanged, new AcceptedManagementJws("same", Alpha, "SetPolicy/SgxEnclave", StoreSamples.At)), Ct);
        await store.ChangeManagementStateAsync(Beta, "same", _ => new ManagementDecision(ManagementChange.Unchanged, new AcceptedManagementJws("same", Beta, "SetPolicy/SgxEnclave", StoreSamples.At.AddSeconds(1))), Ct);

        // The same record twice is kept once.
        await store.ChangeManagementStateAsync(Beta, "same", _ => new ManagementDecision(ManagementChange.Unchanged, new AcceptedManagementJws("same", Beta, "SetPolicy/SgxEnclave", StoreSamples.At.AddSeconds(2))), Ct);

        var seen = (await ReadStateAsync(store, P, "same")).Accepted;
        Assert.Equal([Alpha, Beta], seen.Select(a => a.Provider).Order(StringComparer.Ordinal));
        Assert.Empty((await ReadStateAsync(store, P, "other")).Accepted);
        Assert.Empty((await ReadStateAsync(store, P, null)).Accepted);
    }

    [Fact]
    public async Task The_decision_sees_only_its_own_providers_state()
    {
        var store = await NewStoreAsync();
        await store.AddPolicySignerAsync(Alpha, StoreSamples.Signer(), Ct);
        await store.ReplacePolicyAsync(Alpha, AttestationType.SgxEnclave, StoreSamples.SignedPolicy("alpha"), Ct);

        var state = await ReadStateAsync(store, Beta, null);
        Assert.Empty(state.Signers);
        Assert.Empty(state.Policies);
        Assert.Equal(CollateralPolicy.Default.ToJson().ToJsonString(), state.Collateral.ToJson().ToJsonString());
    }

    [Fact]
    public async Task Of_keys_added_concurrently_from_one_read_exactly_one_is_added()
    {
        var store = await NewStoreAsync();
        var keys = Enumerable.Range(0, 8).Select(_ => StoreSamples.Key()).ToArray();

        var added = await Task.WhenAll(keys.Select(k => Task.Run(async () => await store.TryAddSigningKeyAsync(P, k, 0, Ct))));

        Assert.Single(added, a => a);
        var stored = Assert.Single(await store.GetSigningKeysAsync(P, Ct));
        Assert.Equal(keys[Array.IndexOf(added, true)].KeyId, stored.KeyId);
        Assert.False(await store.TryAddSigningKeyAsync(P, StoreSamples.Key(), 0, Ct));
        Assert.False(await store.TryAddSigningKeyAsync(P, StoreSamples.Key(), 2, Ct));
        Assert.True(await store.TryAddSigningKeyAsync(P, StoreSamples.Key(), 1, Ct));
        Assert.Equal(2, (await store.GetSigningKeysAsync(P, Ct)).Length);
    }

    private static async Task<ManagementState> ReadStateAsync(TStore store, string provider, string? hash)
    {
        ManagementState? read = null;
        await store.ChangeManagementStateAsync(provider, hash, state =>
        {
            read = state;
            return ManagementDecision.Refused;
        }, Ct);
        return read!;
    }
}
