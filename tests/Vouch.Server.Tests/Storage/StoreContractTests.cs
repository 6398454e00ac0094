using System.Collections.Immutable;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;
using Vouch.Server.Storage;

namespace Vouch.Server.Tests.Storage;

/// <summary>
/// The contract of the engine's stores (<see cref="IPolicyStore"/>, <see cref="ISigningKeyStore"/>,
/// <see cref="IPolicySignerStore"/>), run against every implementation: one subclass each.
/// </summary>
/// <typeparam name="TStore">The implementation.</typeparam>
public abstract partial class EngineStoreContractTests<TStore>
    where TStore : IPolicyStore, ISigningKeyStore, IPolicySignerStore, IManagementStateStore
{
    /// <summary>The providers the tests use; <see cref="CreateStoreAsync"/> must return a store in which they exist.</summary>
    protected static readonly ImmutableArray<string> Providers = [ProviderNames.Default, "alpha", "beta"];

    private const string P = ProviderNames.Default;
    private const string Alpha = "alpha";
    private const string Beta = "beta";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new, empty store (its own, not shared with other tests) in which every one of <paramref name="providers"/> exists.</summary>
    protected abstract Task<TStore> CreateStoreAsync(ImmutableArray<string> providers);

    private Task<TStore> NewStoreAsync() => CreateStoreAsync(Providers);

    // ---- policies ----

    [Fact]
    public async Task Policy_that_was_never_set_is_null()
    {
        var store = await NewStoreAsync();
        foreach (var type in Enum.GetValues<AttestationType>())
        {
            Assert.Null(await store.GetPolicyAsync(P, type, Ct));
        }
    }

    [Fact]
    public async Task Signed_policy_round_trips_every_field_exactly()
    {
        var store = await NewStoreAsync();
        var policy = StoreSamples.SignedPolicy("one");

        await store.ReplacePolicyAsync(P, AttestationType.SgxEnclave, policy, Ct);

        var read = await store.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct);
        StoreSamples.AssertSame(policy, read);
        Assert.True(read!.IsSigned);
    }

    [Fact]
    public async Task Unsigned_policy_round_trips_with_an_empty_certificate()
    {
        var store = await NewStoreAsync();
        var policy = StoreSamples.UnsignedPolicy("plain");

        await store.ReplacePolicyAsync(P, AttestationType.OpenEnclave, policy, Ct);

        var read = await store.GetPolicyAsync(P, AttestationType.OpenEnclave, Ct);
        StoreSamples.AssertSame(policy, read);
        Assert.False(read!.IsSigned);
    }

    [Fact]
    public async Task Policy_instant_keeps_its_moment_when_given_with_an_offset()
    {
        var store = await NewStoreAsync();
        var at = new DateTimeOffset(2027, 1, 2, 3, 4, 5, TimeSpan.FromHours(-7)).AddTicks(9_999_999);
        var policy = StoreSamples.SignedPolicy("offset", at);

        await store.ReplacePolicyAsync(P, AttestationType.SgxEnclave, policy, Ct);

        var read = await store.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct);
        Assert.Equal(at.UtcTicks, read!.StoredAt.UtcTicks);
    }

    [Fact]
    public async Task Replace_overwrites_the_previous_policy()
    {
        var store = await NewStoreAsync();
        var first = StoreSamples.SignedPolicy("first");
        var second = StoreSamples.UnsignedPolicy("second", StoreSamples.At.AddMinutes(5));

        await store.ReplacePolicyAsync(P, AttestationType.SgxEnclave, first, Ct);
        await store.ReplacePolicyAsync(P, AttestationType.SgxEnclave, second, Ct);

        StoreSamples.AssertSame(second, await store.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
    }

    [Fact]
    public async Task Each_attestation_type_has_its_own_policy()
    {
        var store = await NewStoreAsync();
        var sgx = StoreSamples.SignedPolicy("sgx");
        var oe = StoreSamples.UnsignedPolicy("oe");

        await store.ReplacePolicyAsync(P, AttestationType.SgxEnclave, sgx, Ct);
        await store.ReplacePolicyAsync(P, AttestationType.OpenEnclave, oe, Ct);

        StoreSamples.AssertSame(sgx, await store.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
        StoreSamples.AssertSame(oe, await store.GetPolicyAsync(P, AttestationType.OpenEnclave, Ct));
        Assert.Null(await store.GetPolicyAsync(P, AttestationType.Tpm, Ct));
    }

    [Fact]
    public async Task Reset_removes_the_policy_and_reports_whether_one_was_set()
    {
        var store = await NewStoreAsync();
        await store.ReplacePolicyAsync(P, AttestationType.SgxEnclave, StoreSamples.SignedPolicy("x"), Ct);
        await store.ReplacePolicyAsync(P, AttestationType.OpenEnclave, StoreSamples.SignedPolicy("y"), Ct);

        Assert.True(await store.ResetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
        Assert.Null(await store.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
        Assert.False(await store.ResetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
        Assert.NotNull(await store.GetPolicyAsync(P, AttestationType.OpenEnclave, Ct));
    }

    [Fact]
    public async Task Reset_of_a_policy_never_set_is_false()
    {
        var store = await NewStoreAsync();
        Assert.False(await store.ResetPolicyAsync(Alpha, AttestationType.Tpm, Ct));
    }

    [Fact]
    public async Task Policy_can_be_set_again_after_a_reset()
    {
        var store = await NewStoreAsync();
        await store.ReplacePolicyAsync(P, AttestationType.SgxEnclave, StoreSamples.SignedPolicy("a"), Ct);
        await store.ResetPolicyAsync(P, AttestationType.SgxEnclave, Ct);
        var again = StoreSamples.SignedPolicy("b");

        await store.ReplacePolicyAsync(P, AttestationType.SgxEnclave, again, Ct);

        StoreSamples.AssertSame(again, await store.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
    }

    [Fact]
    public async Task Providers_never_see_each_others_policies()
    {
        var store = await NewStoreAsync();
        var alpha = StoreSamples.SignedPolicy("alpha");
        var beta = StoreSamples.SignedPolicy("beta");

        await store.ReplacePolicyAsync(Alpha, AttestationType.SgxEnclave, alpha, Ct);
        Assert.Null(await store.GetPolicyAsync(Beta, AttestationType.SgxEnclave, Ct));
        Assert.False(await store.ResetPolicyAsync(Beta, AttestationType.SgxEnclave, Ct));

        await store.ReplacePolicyAsync(Beta, AttestationType.SgxEnclave, beta, Ct);
        StoreSamples.AssertSame(alpha, await store.GetPolicyAsync(Alpha, AttestationType.SgxEnclave, Ct));
        StoreSamples.AssertSame(beta, await store.GetPolicyAsync(Beta, AttestationType.SgxEnclave, Ct));

        Assert.True(await store.ResetPolicyAsync(Alpha, AttestationType.SgxEnclave, Ct));
        StoreSamples.AssertSame(beta, await store.GetPolicyAsync(Beta, AttestationType.SgxEnclave, Ct));
        Assert.Null(await store.GetPolicyAsync(P, AttestationType.SgxEnclave, Ct));
    }

    // ---- signing keys ----

    [Fact]
    public async Task Provider_without_keys_lists_none()
    {
        var store = await NewStoreAsync();
        Assert.Empty(await store.GetSigningKeysAsync(P, Ct));
    }

    [Theory]
    [InlineData(SigningAlgorithm.RS256)]
    [InlineData(SigningAlgorithm.ES256)]
    public async Task Signing_key_round_trips_every_field_exactly(SigningAlgorithm algorithm)
    {
        var store = await NewStoreAsync();
        var key = StoreSamples.Key(algorithm);

        await store.AddSigningKeyAsync(P, key, Ct);

        var stored = Assert.Single(await store.GetSigningKeysAsync(P, Ct));
        StoreSamples.AssertSame(key, stored);
    }

    [Fact]
    public async Task Stored_key_still_opens_with_its_protector()
    {
        var store = await NewStoreAsync();
        using var protector = new AesGcmKeyProtector(AesGcmKeyProtector.GenerateKey());
        var key = SigningKey.Create("https://vouch.test", SigningAlgorithm.ES256, StoreSamples.At, StoreSamples.At.AddHours(1), StoreSamples.At.AddDays(30), protector);

        await store.AddSigningKeyAsync(P, key, Ct);

        var stored = Assert.Single(await store.GetSigningKeysAsync(P, Ct));
        StoreSamples.AssertSame(key, stored);
        Assert.True(stored.TryOpenPrivateKey(protector, out var privateKey));
        privateKey.Dispose();
        using var certificate = stored.LoadCertificate();
        Assert.Equal(key.KeyId, SigningKey.Thumbprint(certificate));
    }

    [Fact]
    public async Task Keys_are_only_added_and_every_one_is_listed()
    {
        var store = await NewStoreAsync();
        var keys = Enumerable.Range(0, 6)
            .Select(i => StoreSamples.Key(i % 2 == 0 ? SigningAlgorithm.RS256 : SigningAlgorithm.ES256, StoreSamples.At.AddDays(i)))
            .ToList();

        for (var i = 0; i < keys.Count; i++)
        {
            await store.AddSigningKeyAsync(P, keys[i], Ct);
            var listed = await store.GetSigningKeysAsync(P, Ct);
            Assert.Equal(i + 1, listed.Length);
        }

        var all = (await store.GetSigningKeysAsync(P, Ct)).ToDictionary(k => k.KeyId, StringComparer.Ordinal);
        Assert.Equal(keys.Count, all.Count);
        foreach (var key in keys)
        {
            StoreSamples.AssertSame(key, all[key.KeyId]);
        }
    }

    [Fact]
    public async Task Providers_never_see_each_others_keys()
    {
        var store = await NewStoreAsync();
        var alpha = StoreSamples.Key();
        var beta = StoreSamples.Key(SigningAlgorithm.ES256);

        await store.AddSigningKeyAsync(Alpha, alpha, Ct);
        Assert.Empty(await store.GetSigningKeysAsync(Beta, Ct));
        await store.AddSigningKeyAsync(Beta, beta, Ct);

        StoreSamples.AssertSame(alpha, Assert.Single(await store.GetSigningKeysAsync(Alpha, Ct)));
        StoreSamples.AssertSame(beta, Assert.Single(await store.GetSigningKeysAsync(Beta, Ct)));
        Assert.Empty(await store.GetSigningKeysAsync(P, Ct));
    }

    // ---- policy signers ----

    [Fact]
    public async Task Provider_without_signers_lists_none()
    {
        var store = await NewStoreAsync();
        Assert.Empty(await store.GetPolicySignersAsync(P, Ct));
    }

    [Fact]
    public async Task Signer_round_trips_every_field_exactly()
    {
        var store = await NewStoreAsync();
        var signer = StoreSamples.Signer();

        Assert.True(await store.AddPolicySignerAsync(P, signer, Ct));

        StoreSamples.AssertSame(signer, Assert.Single(await store.GetPolicySignersAsync(P, Ct)));
    }

    [Fact]
    public async Task Adding_a_trusted_thumbprint_again_is_false_and_keeps_the_first()
    {
        var store = await NewStoreAsync();
        var first = StoreSamples.Signer();
        var impostor = StoreSamples.Signer(StoreSamples.At.AddDays(1), first.Thumbprint);

        Assert.True(await store.AddPolicySignerAsync(P, first, Ct));
        Assert.False(await store.AddPolicySignerAsync(P, impostor, Ct));

        StoreSamples.AssertSame(first, Assert.Single(await store.GetPolicySignersAsync(P, Ct)));
    }

    [Fact]
    public async Task Thumbprints_compare_ignoring_case()
    {
        var store = await NewStoreAsync();
        var signer = StoreSamples.Signer();

        Assert.True(await store.AddPolicySignerAsync(P, signer, Ct));
        Assert.False(await store.AddPolicySignerAsync(P, StoreSamples.Signer(thumbprint: signer.Thumbprint.ToLowerInvariant()), Ct));
        Assert.True(await store.RemovePolicySignerAsync(P, signer.Thumbprint.ToLowerInvariant(), Ct));
        Assert.Empty(await store.GetPolicySignersAsync(P, Ct));
    }

    [Fact]
    public async Task Removing_a_signer_that_is_not_trusted_is_false()
    {
        var store = await NewStoreAsync();
        var kept = StoreSamples.Signer();
        await store.AddPolicySignerAsync(P, kept, Ct);

        Assert.False(await store.RemovePolicySignerAsync(P, StoreSamples.Signer().Thumbprint, Ct));

        StoreSamples.AssertSame(kept, Assert.Single(await store.GetPolicySignersAsync(P, Ct)));
    }

    [Fact]
    public async Task Removing_a_trusted_signer_is_true_once()
    {
        var store = await NewStoreAsync();
        var signer = StoreSamples.Signer();
        await store.AddPolicySignerAsync(P, signer, Ct);

        Assert.True(await store.RemovePolicySignerAsync(P, signer.Thumbprint, Ct));
        Assert.False(await store.RemovePolicySignerAsync(P, signer.Thumbprint, Ct));
        Assert.Empty(await store.GetPolicySignersAsync(P, Ct));
    }

    [Fact]
    public async Task Signers_are_listed_in_the_order_added()
    {
        var store = await NewStoreAsync();
        // Thumbprints chosen out of lexical order, instants out of time order: only insertion order fits.
        List<PolicySignerCertificate> signers =
        [
            StoreSamples.Signer(StoreSamples.At.AddDays(3), "F0" + new string('1', 38)),
            StoreSamples.Signer(StoreSamples.At.AddDays(1), "0A" + new string('2', 38)),
            StoreSamples.Signer(StoreSamples.At.AddDays(2), "C3" + new string('3', 38)),
            StoreSamples.Signer(StoreSamples.At.AddDays(0), "7B" + new string('4', 38)),
        ];
        foreach (var signer in signers)
        {
            Assert.True(await store.AddPolicySignerAsync(P, signer, Ct));
        }

        StoreSamples.AssertSame(signers, await store.GetPolicySignersAsync(P, Ct));

        Assert.True(await store.RemovePolicySignerAsync(P, signers[1].Thumbprint, Ct));
        signers.RemoveAt(1);
        var late = StoreSamples.Signer(StoreSamples.At.AddDays(-1), "00" + new string('5', 38));
        Assert.True(await store.AddPolicySignerAsync(P, late, Ct));
        signers.Add(late);

        StoreSamples.AssertSame(signers, await store.GetPolicySignersAsync(P, Ct));
    }

    [Fact]
    public async Task Providers_never_see_each_others_signers()
    {
        var store = await NewStoreAsync();
        var shared = StoreSamples.Signer();
        var alphaOnly = StoreSamples.Signer();

        Assert.True(await store.AddPolicySignerAsync(Alpha, shared, Ct));
        Assert.True(await store.AddPolicySignerAsync(Alpha, alphaOnly, Ct));
        Assert.Empty(await store.GetPolicySignersAsync(Beta, Ct));
        Assert.False(await store.RemovePolicySignerAsync(Beta, shared.Thumbprint, Ct));

        // The same certificate may be trusted by two providers, independently.
        Assert.True(await store.AddPolicySignerAsync(Beta, shared, Ct));
        Assert.True(await store.RemovePolicySignerAsync(Alpha, shared.Thumbprint, Ct));

        StoreSamples.AssertSame([alphaOnly], await store.GetPolicySignersAsync(Alpha, Ct));
        StoreSamples.AssertSame([shared], await store.GetPolicySignersAsync(Beta, Ct));
        Assert.Empty(await store.GetPolicySignersAsync(P, Ct));
    }
}

/// <summary>
/// The contract of the server's own stores (<see cref="IProviderStore"/>, <see cref="IAdminTokenStore"/>,
/// <see cref="IVouchStore.InitializeAsync"/>), run against every <see cref="IVouchStore"/>: one subclass each.
/// </summary>
public abstract class ServerStoreContractTests
{
    private const string P = "contoso";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new, empty, initialised store of its own.</summary>
    protected abstract Task<IVouchStore> CreateStoreAsync();

    [Fact]
    public async Task Provider_that_was_never_created_is_null()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.GetProviderAsync("missing", Ct));
    }

    [Theory]
    [InlineData(TrustMode.AadLike, SigningAlgorithm.RS256, false, false)]
    [InlineData(TrustMode.Isolated, SigningAlgorithm.ES256, true, false)]
    [InlineData(TrustMode.AadLike, SigningAlgorithm.ES256, false, true)]
    [InlineData(TrustMode.Isolated, SigningAlgorithm.RS256, true, true)]
    public async Task Provider_round_trips_every_field_exactly(TrustMode mode, SigningAlgorithm algorithm, bool simulated, bool expired)
    {
        var store = await CreateStoreAsync();
        var provider = new ProviderRecord("contoso-1", mode, algorithm, simulated, expired, StoreSamples.At);

        Assert.True(await store.CreateProviderAsync(provider, [], Ct));

        StoreSamples.AssertSame(provider, await store.GetProviderAsync("contoso-1", Ct));
    }

    [Fact]
    public async Task Provider_is_created_with_its_initial_signers_in_order()
    {
        var store = await CreateStoreAsync();
        ImmutableArray<PolicySignerCertificate> signers =
            [StoreSamples.Signer(StoreSamples.At.AddDays(2)), StoreSamples.Signer(StoreSamples.At), StoreSamples.Signer(StoreSamples.At.AddDays(1))];

        Assert.True(await store.CreateProviderAsync(StoreSamples.Provider("isolated"), signers, Ct));

        StoreSamples.AssertSame(signers, await store.GetPolicySignersAsync("isolated", Ct));
    }

    [Fact]
    public async Task Provider_created_with_default_signers_has_none()
    {
        var store = await CreateStoreAsync();

        Assert.True(await store.CreateProviderAsync(StoreSamples.Provider("plain"), default, Ct));

        Assert.NotNull(await store.GetProviderAsync("plain", Ct));
        Assert.Empty(await store.GetPolicySignersAsync("plain", Ct));
    }

    [Fact]
    public async Task Creating_an_existing_provider_is_false_and_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var original = StoreSamples.Provider("contoso");
        var signer = StoreSamples.Signer();
        Assert.True(await store.CreateProviderAsync(original, [signer], Ct));

        var again = new ProviderRecord("contoso", TrustMode.AadLike, SigningAlgorithm.RS256, false, false, StoreSamples.At.AddDays(9));
        Assert.False(await store.CreateProviderAsync(again, [StoreSamples.Signer(), StoreSamples.Signer()], Ct));

        StoreSamples.AssertSame(original, await store.GetProviderAsync("contoso", Ct));
        StoreSamples.AssertSame([signer], await store.GetPolicySignersAsync("contoso", Ct));
        Assert.Single(await store.ListProvidersAsync(Ct));
    }

    [Fact]
    public async Task No_providers_list_empty()
    {
        var store = await CreateStoreAsync();
        Assert.Empty(await store.ListProvidersAsync(Ct));
    }

    [Fact]
    public async Task Providers_are_listed_by_name_in_ordinal_order()
    {
        var store = await CreateStoreAsync();
        string[] names = ["zeta", ProviderNames.Default, "a1", "a-1", "alpha", "a", "b0-x", "a9z"];
        foreach (var name in names)
        {
            Assert.True(await store.CreateProviderAsync(StoreSamples.Provider(name), [], Ct));
        }

        var listed = await store.ListProvidersAsync(Ct);

        Assert.Equal(names.Order(StringComparer.Ordinal), listed.Select(p => p.Name));
        StoreSamples.AssertSame(StoreSamples.Provider("alpha"), listed.Single(p => p.Name == "alpha"));
    }

    [Fact]
    public async Task Admin_token_is_null_until_set()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.GetAdminTokenAsync(Ct));
    }

    [Fact]
    public async Task Admin_token_round_trips_and_a_new_one_replaces_it()
    {
        var store = await CreateStoreAsync();
        var first = new AdminTokenRecord(StoreSamples.Bytes(32), StoreSamples.At);
        var second = new AdminTokenRecord(StoreSamples.Bytes(32), StoreSamples.At.AddDays(1).AddTicks(3));

        await store.SetAdminTokenAsync(first, Ct);
        var read = await store.GetAdminTokenAsync(Ct);
        Assert.NotNull(read);
        Assert.Equal(first.Sha256.AsSpan().ToArray(), read.Sha256.AsSpan().ToArray());
        Assert.Equal(first.CreatedAt.UtcTicks, read.CreatedAt.UtcTicks);

        await store.SetAdminTokenAsync(second, Ct);
        read = await store.GetAdminTokenAsync(Ct);
        Assert.NotNull(read);
        Assert.Equal(second.Sha256.AsSpan().ToArray(), read.Sha256.AsSpan().ToArray());
        Assert.Equal(second.CreatedAt.UtcTicks, read.CreatedAt.UtcTicks);
    }

    [Fact]
    public async Task Initialising_again_keeps_everything()
    {
        var store = await CreateStoreAsync();
        var provider = StoreSamples.Provider("kept");
        var policy = StoreSamples.SignedPolicy("kept");
        await store.CreateProviderAsync(provider, [], Ct);
        await store.ReplacePolicyAsync("kept", AttestationType.SgxEnclave, policy, Ct);

        await store.InitializeAsync(Ct);
        await store.InitializeAsync(Ct);

        StoreSamples.AssertSame(provider, await store.GetProviderAsync("kept", Ct));
        StoreSamples.AssertSame(policy, await store.GetPolicyAsync("kept", AttestationType.SgxEnclave, Ct));
    }

    [Fact]
    public async Task Engine_data_of_a_provider_goes_with_its_name()
    {
        var store = await CreateStoreAsync();
        await store.CreateProviderAsync(StoreSamples.Provider("one"), [], Ct);
        await store.CreateProviderAsync(StoreSamples.Provider("two"), [], Ct);
        var key = StoreSamples.Key();

        await store.AddSigningKeyAsync("one", key, Ct);

        StoreSamples.AssertSame(key, Assert.Single(await store.GetSigningKeysAsync("one", Ct)));
        Assert.Empty(await store.GetSigningKeysAsync("two", Ct));
    }

    [Fact]
    public async Task Writes_for_a_provider_that_does_not_exist_are_refused_and_reads_find_nothing()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.CreateProviderAsync(StoreSamples.Provider(P), [], Ct));
        const string Ghost = "ghost";

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.ReplacePolicyAsync(Ghost, AttestationType.SgxEnclave, StoreSamples.SignedPolicy("x"), Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.AddSigningKeyAsync(Ghost, StoreSamples.Key(), Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.AddPolicySignerAsync(Ghost, StoreSamples.Signer(), Ct));

        Assert.Null(await store.GetPolicyAsync(Ghost, AttestationType.SgxEnclave, Ct));
        Assert.False(await store.ResetPolicyAsync(Ghost, AttestationType.SgxEnclave, Ct));
        Assert.Empty(await store.GetSigningKeysAsync(Ghost, Ct));
        Assert.Empty(await store.GetPolicySignersAsync(Ghost, Ct));
        Assert.False(await store.RemovePolicySignerAsync(Ghost, "AB", Ct));
        Assert.Null(await store.GetProviderAsync(Ghost, Ct));
    }

    [Fact]
    public async Task A_second_key_with_the_same_key_id_is_refused()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.CreateProviderAsync(StoreSamples.Provider(P), [], Ct));
        var key = StoreSamples.Key();
        await store.AddSigningKeyAsync(P, key, Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.AddSigningKeyAsync(P, StoreSamples.Key() with { KeyId = key.KeyId }, Ct));

        StoreSamples.AssertSame(key, Assert.Single(await store.GetSigningKeysAsync(P, Ct)));
    }

    [Fact]
    public async Task Initial_signers_with_a_repeated_thumbprint_are_refused_and_nothing_is_written()
    {
        var store = await CreateStoreAsync();
        var signer = StoreSamples.Signer();

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await store.CreateProviderAsync(StoreSamples.Provider(P), [signer, StoreSamples.Signer(thumbprint: signer.Thumbprint.ToLowerInvariant())], Ct));

        Assert.Null(await store.GetProviderAsync(P, Ct));
        Assert.Empty(await store.ListProvidersAsync(Ct));
    }

    [Fact]
    public async Task An_admin_token_hash_that_is_not_32_bytes_is_refused()
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.SetAdminTokenAsync(new AdminTokenRecord(StoreSamples.Bytes(31), StoreSamples.At), Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.SetAdminTokenAsync(new AdminTokenRecord(default, StoreSamples.At), Ct));

        Assert.Null(await store.GetAdminTokenAsync(Ct));
    }

    [Fact]
    public async Task Undefined_enum_values_are_refused()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.CreateProviderAsync(StoreSamples.Provider(P), [], Ct));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.ReplacePolicyAsync(P, (AttestationType)42, StoreSamples.SignedPolicy("x"), Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.CreateProviderAsync(StoreSamples.Provider("other") with { TrustMode = (TrustMode)7 }, [], Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Default")]
    [InlineData("1abc")]
    [InlineData("-abc")]
    [InlineData("a_b")]
    [InlineData("a.b")]
    [InlineData("a b")]
    [InlineData("äbc")]
    [InlineData("abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcde")] // 49 characters
    public async Task Invalid_provider_names_are_rejected(string name)
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.CreateProviderAsync(StoreSamples.Provider(name), [], Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetProviderAsync(name, Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetPolicyAsync(name, AttestationType.SgxEnclave, Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.ReplacePolicyAsync(name, AttestationType.SgxEnclave, StoreSamples.SignedPolicy("x"), Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.ResetPolicyAsync(name, AttestationType.SgxEnclave, Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetSigningKeysAsync(name, Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.AddSigningKeyAsync(name, StoreSamples.Key(), Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetPolicySignersAsync(name, Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.AddPolicySignerAsync(name, StoreSamples.Signer(), Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.RemovePolicySignerAsync(name, "AB", Ct));
        Assert.Empty(await store.ListProvidersAsync(Ct));
    }
    [Fact]
    public async Task Provider_collateral_policy_round_trips_and_defaults_to_Intels()
    {
        var store = await CreateStoreAsync();
        var strict = new CollateralPolicy
        {
            Update = CollateralUpdate.Early,
            MinimumTcbEvaluationDataNumber = 17,
            MaximumAge = TimeSpan.FromDays(7).Add(TimeSpan.FromTicks(1)),
            GracePeriod = TimeSpan.FromHours(6),
            Sources = ["thim", "intel-pcs"],
        };

        Assert.True(await store.CreateProviderAsync(StoreSamples.Provider("plain"), [], Ct));
        Assert.True(await store.CreateProviderAsync(StoreSamples.Provider("strict") with { Collateral = strict }, [], Ct));

        Assert.Equal(CollateralPolicy.Default, (await store.GetProviderAsync("plain", Ct))!.Collateral);
        Assert.Equal(strict, (await store.GetProviderAsync("strict", Ct))!.Collateral);
    }

    [Fact]
    public async Task Collateral_policy_is_replaced_whole_and_only_for_an_existing_provider()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.CreateProviderAsync(StoreSamples.Provider(P), [], Ct));
        var pinned = new CollateralPolicy { TcbEvaluationDataNumber = 16, MinimumTcbEvaluationDataNumber = 16 };

        Assert.True(await store.SetCollateralPolicyAsync(P, pinned, Ct));
        Assert.Equal(pinned, (await store.GetProviderAsync(P, Ct))!.Collateral);
        Assert.True(await store.SetCollateralPolicyAsync(P, CollateralPolicy.Default, Ct));
        Assert.Equal(CollateralPolicy.Default, (await store.GetProviderAsync(P, Ct))!.Collateral);

        Assert.False(await store.SetCollateralPolicyAsync("missing", pinned, Ct));
        Assert.Null(await store.GetProviderAsync("missing", Ct));
    }

    [Theory]
    [InlineData(-1, null, null, 0)]
    [InlineData(null, -1, null, 0)]
    [InlineData(5, 6, null, 0)]
    [InlineData(null, null, 0, 0)]
    [InlineData(null, null, -1, 0)]
    [InlineData(null, null, null, -1)]
    [InlineData(null, null, null, 0, "Intel")]
    [InlineData(null, null, null, 0, "")]
    [InlineData(null, null, null, 0, "a,b")]
    [InlineData(null, null, null, 0, "thim", "thim")]
    [InlineData(null, null, null, 0, "abcdefghij-abcdefghij-abcdefghijk")] // 33 characters
    [InlineData(null, null, null, 0, "a", "b", "c", "d", "e", "f", "g", "h", "i")]
    public async Task Invalid_collateral_policies_are_refused_and_nothing_is_written(int? pinned, int? minimum, int? maximumAgeSeconds, int graceSeconds, params string[] sources)
    {
        var store = await CreateStoreAsync();
        var policy = new CollateralPolicy
        {
            Sources = [.. sources],
            TcbEvaluationDataNumber = pinned,
            MinimumTcbEvaluationDataNumber = minimum,
            MaximumAge = maximumAgeSeconds is { } age ? TimeSpan.FromSeconds(age) : null,
            GracePeriod = TimeSpan.FromSeconds(graceSeconds),
        };
        Assert.True(await store.CreateProviderAsync(StoreSamples.Provider(P), [], Ct));

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.SetCollateralPolicyAsync(P, policy, Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.CreateProviderAsync(StoreSamples.Provider("other") with { Collateral = policy }, [], Ct));

        Assert.Equal(CollateralPolicy.Default, (await store.GetProviderAsync(P, Ct))!.Collateral);
        Assert.Null(await store.GetProviderAsync("other", Ct));
    }

    [Fact]
    public async Task Cached_collateral_round_trips_byte_for_byte_with_increasing_revisions()
    {
        var store = await CreateStoreAsync();
        var a = StoreSamples.Collateral("Sgx/00906ed50000/Platform/standard", 17, 17, seed: 1);
        var b = StoreSamples.Collateral("Sgx/00906ed50000/Platform/early", 18, 18, seed: 2);

        var storedA = await store.PutCachedCollateralAsync(a, Ct);
        var storedB = await store.PutCachedCollateralAsync(b, Ct);

        Assert.NotNull(storedA);
        Assert.NotNull(storedB);
        Assert.True(storedA.Revision > 0);
        Assert.True(storedB.Revision > storedA.Revision);
        var all = await store.ListCachedCollateralAsync(0, Ct);
        Assert.Equal([a.Key, b.Key], all.Select(c => c.Key));
        StoreSamples.AssertSame(a, all[0]);
        StoreSamples.AssertSame(b, all[1]);
        Assert.Equal([b.Key], (await store.ListCachedCollateralAsync(storedA.Revision, Ct)).Select(c => c.Key));
        Assert.Empty(await store.ListCachedCollateralAsync(storedB.Revision, Ct));
    }

    [Fact]
    public async Task A_newer_copy_replaces_the_stored_one_under_a_new_revision()
    {
        var store = await CreateStoreAsync();
        const string Key = "Sgx/00906ed50000/Platform/standard";
        var first = await store.PutCachedCollateralAsync(StoreSamples.Collateral(Key, 17, 17, seed: 1), Ct);
        var same = StoreSamples.Collateral(Key, 17, 17, seed: 2);
        var newer = StoreSamples.Collateral(Key, 18, 17, seed: 3);

        var second = await store.PutCachedCollateralAsync(same, Ct);
        var third = await store.PutCachedCollateralAsync(newer, Ct);

        Assert.True(second!.Revision > first!.Revision);
        Assert.True(third!.Revision > second.Revision);
        var stored = Assert.Single(await store.ListCachedCollateralAsync(0, Ct));
        StoreSamples.AssertSame(newer, stored);
        Assert.Equal(third.Revision, stored.Revision);
    }

    [Theory]
    [InlineData(17, 18)]
    [InlineData(18, 17)]
    [InlineData(17, 17)]
    public async Task A_copy_with_a_lower_evaluation_number_is_refused_by_the_store(int tcbNumber, int qeNumber)
    {
        var store = await CreateStoreAsync();
        const string Key = "Tdx/90c06f000000/Platform/standard";
        var current = StoreSamples.Collateral(Key, 18, 18, seed: 1);
        var stored = await store.PutCachedCollateralAsync(current, Ct);

        var older = StoreSamples.Collateral(Key, tcbNumber, qeNumber, seed: 2);
        Assert.Null(await store.PutCachedCollateralAsync(older, Ct));

        var kept = Assert.Single(await store.ListCachedCollateralAsync(0, Ct));
        StoreSamples.AssertSame(current, kept);
        Assert.Equal(stored!.Revision, kept.Revision);
    }

    [Theory]
    [InlineData("4", "9")]
    [InlineData("5", "8")]
    [InlineData("0", "0")]
    public async Task A_copy_with_a_lower_CRL_number_is_refused_by_the_store(string pckCrlNumber, string rootCrlNumber)
    {
        var store = await CreateStoreAsync();
        const string Key = "Sgx/00906ed50000/Processor/early";
        var current = StoreSamples.Collateral(Key, 18, 18, seed: 1) with { PckCrlNumber = 5, RootCaCrlNumber = 9 };
        var stored = await store.PutCachedCollateralAsync(current, Ct);

        var older = StoreSamples.Collateral(Key, 18, 18, seed: 2) with
        {
            PckCrlNumber = System.Numerics.BigInteger.Parse(pckCrlNumber, System.Globalization.CultureInfo.InvariantCulture),
            RootCaCrlNumber = System.Numerics.BigInteger.Parse(rootCrlNumber, System.Globalization.CultureInfo.InvariantCulture),
        };
        Assert.Null(await store.PutCachedCollateralAsync(older, Ct));

        var kept = Assert.Single(await store.ListCachedCollateralAsync(0, Ct));
        StoreSamples.AssertSame(current, kept);
        Assert.Equal(stored!.Revision, kept.Revision);
    }

    [Fact]
    public async Task CRL_numbers_are_ordered_as_numbers_however_long_and_read_back_exactly()
    {
        var store = await CreateStoreAsync();
        const string Key = "Sgx/00906ed50000/Platform/standard";
        var numbers = new[] { System.Numerics.BigInteger.Zero, 15, 16, 255, 4096, System.Numerics.BigInteger.Pow(2, 158) + 1, System.Numerics.BigInteger.Pow(2, 159) + 7 };
        foreach (var number in numbers)
        {
            var copy = StoreSamples.Collateral(Key, 18, 18) with { PckCrlNumber = number, RootCaCrlNumber = number };
            Assert.NotNull(await store.PutCachedCollateralAsync(copy, Ct));
            StoreSamples.AssertSame(copy, Assert.Single(await store.ListCachedCollateralAsync(0, Ct)));
        }

        Assert.Null(await store.PutCachedCollateralAsync(StoreSamples.Collateral(Key, 18, 18) with { PckCrlNumber = numbers[^1] - 1, RootCaCrlNumber = numbers[^1] }, Ct));
        Assert.Null(await store.PutCachedCollateralAsync(StoreSamples.Collateral(Key, 18, 18) with { PckCrlNumber = numbers[^1], RootCaCrlNumber = 255 }, Ct));
    }

    [Fact]
    public async Task An_older_issue_with_the_same_numbers_is_refused_and_a_later_one_taken()
    {
        var store = await CreateStoreAsync();
        const string Key = "Sgx/00906ed50000/Platform/standard";
        var current = StoreSamples.Collateral(Key, 17, 17, seed: 1);
        Assert.NotNull(await store.PutCachedCollateralAsync(current, Ct));

        Assert.Null(await store.PutCachedCollateralAsync(StoreSamples.Collateral(Key, 17, 17, seed: 2) with { ValidFrom = current.ValidFrom.AddTicks(-1) }, Ct));
        StoreSamples.AssertSame(current, Assert.Single(await store.ListCachedCollateralAsync(0, Ct)));

        var later = StoreSamples.Collateral(Key, 17, 17, seed: 3) with { ValidFrom = current.ValidFrom.AddHours(1) };
        Assert.NotNull(await store.PutCachedCollateralAsync(later, Ct));
        StoreSamples.AssertSame(later, Assert.Single(await store.ListCachedCollateralAsync(0, Ct)));
    }

    [Fact]
    public async Task Evaluation_numbers_are_kept_per_TEE_byte_for_byte_and_never_replaced_by_an_earlier_issue()
    {
        var store = await CreateStoreAsync();
        StoredEvaluationNumbers Numbers(Vouch.Sgx.Quotes.TeeType tee, DateTimeOffset issued, byte seed) =>
            new(tee, new Uri("https://pccs.example:8081/"), StoreSamples.At, new byte[] { seed, 1, 2 }, new byte[] { seed, 3 }, issued);
        var sgx = Numbers(Vouch.Sgx.Quotes.TeeType.Sgx, StoreSamples.At, 1);
        var tdx = Numbers(Vouch.Sgx.Quotes.TeeType.Tdx, StoreSamples.At, 2);
        Assert.Empty(await store.ListEvaluationNumbersAsync(Ct));

        Assert.True(await store.PutEvaluationNumbersAsync(sgx, Ct));
        Assert.True(await store.PutEvaluationNumbersAsync(tdx, Ct));
        Assert.False(await store.PutEvaluationNumbersAsync(Numbers(Vouch.Sgx.Quotes.TeeType.Sgx, StoreSamples.At.AddTicks(-1), 3), Ct));

        var held = await store.ListEvaluationNumbersAsync(Ct);
        Assert.Equal([Vouch.Sgx.Quotes.TeeType.Sgx, Vouch.Sgx.Quotes.TeeType.Tdx], held.Select(h => h.Tee));
        Assert.Equal(sgx.Body.ToArray(), held[0].Body.ToArray());
        Assert.Equal(sgx.IssuerChain.ToArray(), held[0].IssuerChain.ToArray());
        Assert.Equal(sgx.IssueDate, held[0].IssueDate);
        Assert.Equal(sgx.Source, held[0].Source);

        var later = Numbers(Vouch.Sgx.Quotes.TeeType.Sgx, StoreSamples.At.AddDays(1), 4);
        Assert.True(await store.PutEvaluationNumbersAsync(later, Ct));
        Assert.Equal(later.Body.ToArray(), (await store.ListEvaluationNumbersAsync(Ct))[0].Body.ToArray());
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutEvaluationNumbersAsync(later with { Tee = (Vouch.Sgx.Quotes.TeeType)7 }, Ct));
    }

    [Fact]
    public async Task A_lease_has_one_holder_until_it_expires_or_is_released()
    {
        var store = await CreateStoreAsync();
        var now = StoreSamples.At;
        var lease = TimeSpan.FromMinutes(5);

        Assert.True(await store.TryAcquireLeaseAsync("refresh", "a", now, lease, Ct));
        Assert.False(await store.TryAcquireLeaseAsync("refresh", "b", now.AddMinutes(1), lease, Ct));
        Assert.True(await store.TryAcquireLeaseAsync("other", "b", now.AddMinutes(1), lease, Ct));

        // The holder renews: the lease now runs to 4 + 5 minutes.
        Assert.True(await store.TryAcquireLeaseAsync("refresh", "a", now.AddMinutes(4), lease, Ct));
        Assert.False(await store.TryAcquireLeaseAsync("refresh", "b", now.AddMinutes(9).AddTicks(-1), lease, Ct));

        // Lapsed: another takes it, and the former holder is refused.
        Assert.True(await store.TryAcquireLeaseAsync("refresh", "b", now.AddMinutes(9), lease, Ct));
        Assert.False(await store.TryAcquireLeaseAsync("refresh", "a", now.AddMinutes(10), lease, Ct));

        // Released by a non-holder: nothing happens; by the holder: free at once.
        await store.ReleaseLeaseAsync("refresh", "a", Ct);
        Assert.False(await store.TryAcquireLeaseAsync("refresh", "a", now.AddMinutes(10), lease, Ct));
        await store.ReleaseLeaseAsync("refresh", "b", Ct);
        Assert.True(await store.TryAcquireLeaseAsync("refresh", "a", now.AddMinutes(10), lease, Ct));
    }

    [Fact]
    public async Task Of_many_racing_for_a_free_lease_exactly_one_gets_it()
    {
        var store = await CreateStoreAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(async () => await store.TryAcquireLeaseAsync("refresh", $"replica-{i}", StoreSamples.At, TimeSpan.FromMinutes(5), Ct), Ct)));

        Assert.Equal(1, results.Count(r => r));
    }
}
