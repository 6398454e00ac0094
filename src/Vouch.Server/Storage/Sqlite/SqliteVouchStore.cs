using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;
using Vouch.Server.Hosting;
using Vouch.Sgx.Verification;

namespace Vouch.Server.Storage.Sqlite;

/// <summary>
/// <see cref="IVouchStore"/> on one SQLite database file (Microsoft.Data.Sqlite, plain ADO.NET).
/// </summary>
/// <remarks>
/// <para>
/// Each operation opens its own pooled connection, which runs with <c>PRAGMA synchronous=FULL</c> (a
/// committed write survives a process kill and a power loss), <c>PRAGMA foreign_keys=ON</c> and a busy
/// timeout of <see cref="BusyTimeout"/>. The file is in WAL mode, so readers never wait for a writer. Every
/// write is one <c>BEGIN IMMEDIATE</c> transaction; a policy replace is a single upsert inside it, so a
/// reader sees the old policy or the new one, never a mix. Several processes may use one file.
/// </para>
/// <para>
/// Call <see cref="InitializeAsync"/> before anything else. Policies, keys and signers belong to a
/// provider: writing them for a provider that <see cref="CreateProviderAsync"/> has not stored throws
/// <see cref="InvalidOperationException"/>; reading them for one returns null or empty. Instants are
/// kept exactly (to the tick) and come back in UTC.
/// </para>
/// <para>
/// Every operation throws <see cref="StoreUnavailableException"/> (naming the file) when the file is not a
/// SQLite database, is corrupt, cannot be opened or written, stays locked past the busy timeout, or holds
/// a schema newer than this build; and <see cref="ArgumentException"/> for a provider name that breaks
/// <see cref="ProviderNames.IsValid"/>.
/// </para>
/// </remarks>
/// <threadsafety>Safe for concurrent use; each operation is atomic.</threadsafety>
public sealed partial class SqliteVouchStore : IVouchStore
{
    /// <summary>How long an operation waits for another connection's write lock before giving up.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    // SQLite result codes (https://sqlite.org/rescode.html).
    private const int SqlitePerm = 3;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoErr = 10;
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteProtocol = 15;
    private const int SqliteNotADb = 26;
    private const int SqliteConstraintForeignKey = 787;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    private static readonly string ConnectionPragmas =
        $"PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout={(int)BusyTimeout.TotalMilliseconds};";

    private readonly string _connectionString;

    /// <summary>A store on the SQLite database at <paramref name="path"/>, made by <see cref="InitializeAsync"/> if missing.</summary>
    /// <param name="path">The database file; its folder must exist.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public SqliteVouchStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        DatabasePath = Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();
    }

    /// <summary>The database file (full path).</summary>
    public string DatabasePath { get; }

    /// <summary>The schema version this build creates and reads (<c>PRAGMA user_version</c> after <see cref="InitializeAsync"/>).</summary>
    public static int SchemaVersion => SqliteSchema.CurrentVersion;

    /// <summary>
    /// The schema version of the database at <paramref name="path"/> (its <c>PRAGMA user_version</c>), read on a read-only
    /// connection that neither creates, migrates nor changes the file (for tools that only look); null when there is no file.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The file is not a SQLite database or cannot be read.</exception>
    public static async ValueTask<long?> ReadSchemaVersionAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            return null;
        }

        try
        {
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return await UserVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException e)
        {
            throw new StoreUnavailableException(full, Describe(e), e);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Turns on WAL mode, then applies the migrations the file lacks (its <c>PRAGMA user_version</c> below
    /// <see cref="SqliteSchema.CurrentVersion"/>) in one <c>BEGIN IMMEDIATE</c> transaction that re-reads the
    /// version first, so two processes initialising at once apply each migration once.
    /// </remarks>
    /// <exception cref="StoreUnavailableException">The file is not usable, or its schema is newer than this build's.</exception>
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default)
    {
        MakeOwnerOnly();
        return MigrateAsync(cancellationToken);
    }

    private ValueTask MigrateAsync(CancellationToken cancellationToken) =>
        RunAsync(async (connection, ct) =>
        {
            var mode = Convert.ToString(await ScalarAsync(connection, null, "PRAGMA journal_mode=WAL;", ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new StoreUnavailableException(DatabasePath, $"cannot switch to WAL mode (journal mode is '{mode}')", null);
            }

            if (CheckVersion(await UserVersionAsync(connection, null, ct).ConfigureAwait(false)) == SqliteSchema.CurrentVersion)
            {
                return true;
            }

            using var transaction = connection.BeginTransaction(deferred: false);
            var version = CheckVersion(await UserVersionAsync(connection, transaction, ct).ConfigureAwait(false));
            for (; version < SqliteSchema.CurrentVersion; version++)
            {
                await NonQueryAsync(connection, transaction, SqliteSchema.Migrations[version], ct).ConfigureAwait(false);
                // PRAGMA takes no parameters; the value is this build's own integer.
                await NonQueryAsync(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version={version + 1};"), ct).ConfigureAwait(false);
            }

            transaction.Commit();
            return true;
        }, cancellationToken).AsValueTaskVoid();

    /// <inheritdoc />
    public ValueTask<StoredPolicy?> GetPolicyAsync(string provider, AttestationType type, CancellationToken cancellationToken = default)
    {
        ProviderNames.ThrowIfInvalid(provider, nameof(provider));
        var typeName = SqliteValues.EnumName(type, nameof(type));
        return RunAsync(async (connection, ct) =>
        {
            using var command = Command(connection, null, $"{SelectPolicies} AND type = $type;");
            command.Parameters.AddWithValue("$provider", provider);
            command.Parameters.AddWithValue("$type", typeName);
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadPolicy(reader) : null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">No provider named <paramref name="provider"/> is stored.</exception>
    public ValueTask ReplacePolicyAsync(string provider, AttestationType type, StoredPolicy policy, CancellationToken cancellationToken = default)
    {
        ProviderNames.ThrowIfInvalid(provider, nameof(provider));
        var typeName = SqliteValues.EnumName(type, nameof(type));
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(policy.Jws, nameof(policy));
        ArgumentNullException.ThrowIfNull(policy.Text, nameof(policy));
        return WriteAsync(provider, async (connection, transaction, ct) =>
        {
            await UpsertPolicyAsync(connection, transaction, provider, typeName, policy, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).AsValueTaskVoid();
    }

    /// <inheritdoc />
    public ValueTask<bool> ResetPolicyAsync(string provider, AttestationType type, CancellationToken cancellationToken = default)
    {
        ProviderNames.ThrowIfInvalid(provider, nameof(provider));
        var typeName = SqliteValues.EnumName(type, nameof(type));
        return WriteAsync(provider, (connection, transaction, ct) => DeletePolicyAsync(connection, transaction, provider, typeName, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>In the order added.</remarks>
    public ValueTask<ImmutableArray<SigningKey>> GetSigningKeysAsync(string provider, CancellationToken cancellationToken = default)
    {
        ProviderNames.ThrowIfInvalid(provider, nameof(provider));
        return RunAsync(async (connection, ct) =>
        {
            using var command = Command(connection, null, """
                SELECT kid, algorithm, created_at, activates_at, retires_at, certificate, protected_private_key
                FROM signing_keys WHERE provider = $provider ORDER BY id;
                """);
            command.Parameters.AddWithValue("$provider", provider);
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var keys = ImmutableArray.CreateBuilder<SigningKey>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                keys.Add(new SigningKey(
                    reader.GetString(0),
                    SqliteValues.ReadEnum<SigningAlgorithm>(reader, 1),
                    SqliteValues.ReadInstant(reader, 2),
                    SqliteValues.ReadInstant(reader, 3),
                    SqliteValues.ReadInstant(reader, 4),
                    SqliteValues.ReadBlob(reader, 5),
                    SqliteValues.ReadBlob(reader, 6)));
            }

            return keys.DrainToImmutable();
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The protected private key is stored as given; the store never decrypts it.</remarks>
    /// <exception cref="InvalidOperationException">No provider named <paramref name="provider"/> is stored, or it already has a key with this key id.</exception>
    public ValueTask AddSigningKeyAsync(string provider, SigningKey key, CancellationToken cancellationToken = default) =>
        AddSigningKeyAsync(provider, key, null, cancellationToken).AsValueTaskVoid();

    /// <inheritdoc />
    /// <remarks>The count is read inside the <c>BEGIN IMMEDIATE</c> transaction that inserts, so replicas on one file race safely.</remarks>
    /// <exception cref="InvalidOperationException">No provider named <paramref name="provider"/> is stored, or it already has a key with this key id.</exception>
    public ValueTask<bool> TryAddSigningKeyAsync(string provider, SigningKey key, int expectedCount, CancellationToken cancellationToken = default) =>
        AddSigningKeyAsync(provider, key, (int?)expectedCount, cancellationToken);

    private ValueTask<bool> AddSigningKeyAsync(string provider, SigningKey key, int? expectedCount, CancellationToken cancellationToken)
    {
        ProviderNames.ThrowIfInvalid(provider, nameof(provider));
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(key.KeyId, nameof(key));
        var algorithm = SqliteValues.EnumName(key.Algorithm, nameof(key));
        return WriteAsync(provider, async (connection, transaction, ct) =>
        {
            if (expectedCount is { } expected)
            {
                using var count = Command(connection, transaction, "SELECT COUNT(*) FROM signing_keys WHERE provider = $provider;");
                count.Parameters.AddWithValue("$provider", provider);
                if (Convert.ToInt64(await count.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) != expected)
                {
                    return false;
                }
            }

            using var command = Command(connection, transaction, """
                INSERT INTO signing_keys (provider, kid, algorithm, created_at, activates_at, retires_at, certificate, protected_private_key)
                VALUES ($provider, $kid, $algorithm, $created_at, $activates_at, $retires_at, $certificate, $protected_private_key);
                """);
            command.Parameters.AddWithValue("$provider", provider);
            command.Parameters.AddWithValue("$kid", key.KeyId);
            command.Parameters.AddWithValue("$algorithm", algorithm);
            command.Parameters.AddWithValue("$created_at", SqliteValues.Instant(key.CreatedAt));
            command.Parameters.AddWithValue("$activates_at", SqliteValues.Instant(key.ActivatesAt));
            command.Parameters.AddWithValue("$retires_at", SqliteValues.Instant(key.RetiresAt));
            command.Parameters.AddWithValue("$certificate", SqliteValues.Blob(key.Certificate));
            command.Parameters.AddWithValue("$protected_private_key", SqliteValues.Blob(key.ProtectedPrivateKey));
            try
            {
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (SqliteException e) when (e.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey)
            {
                throw new InvalidOperationException($"provider '{provider}' already has a signing key with key id '{key.KeyId}'", e);
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ImmutableArray<PolicySignerCertificate>> GetPolicySignersAsync(string provider, CancellationToken cancellationToken = default)
    {
        ProviderNames.ThrowIfInvalid(provider, nameof(provider));
        return RunAsync((connection, ct) => ReadSignersAsync(connection, null, provider, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Thumbprints compare ignoring ASCII case.</remarks>
    /// <exception cref="InvalidOperationException">No provider named <paramref name="provider"/> is stored.</exception>
    public ValueTask<bool> AddPolicySignerAsync(string provider, PolicySignerCertificate certificate, CancellationToken cancellationToken = default)
    {
        ProviderNames.ThrowIfInvalid(provider, nameof(provider));
        ValidateSigner(certificate, nameof(certificate));
        return WriteAsync(provider, async (connection, transaction, ct) =>
            await InsertSignerAsync(connection, transaction, provider, certificate, ct).ConfigureAwait(false), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Thumbprints compare ignoring ASCII case.</remarks>
    public ValueTask<bool> RemovePolicySignerAsync(string provider, string thumbprint, CancellationToken cancellationToken = default)
    {
        ProviderNames.ThrowIfInvalid(provider, nameof(provider));
        ArgumentNullException.ThrowIfNull(thumbprint);
        return WriteAsync(provider, (connection, transaction, ct) => DeleteSignerAsync(connection, transaction, provider, thumbprint, ct), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ProviderRecord?> GetProviderAsync(string name, CancellationToken cancellationToken = default)
    {
        ProviderNames.ThrowIfInvalid(name, nameof(name));
        return RunAsync(async (connection, ct) =>
        {
            using var command = Command(connection, null, $"{SelectProviders} WHERE name = $name;");
            command.Parameters.AddWithValue("$name", name);
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadProvider(reader) : null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ImmutableArray<ProviderRecord>> ListProvidersAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async (connection, ct) =>
        {
            // TEXT compares with BINARY collation: byte order of UTF-8, which for [a-z0-9-] is ordinal order.
            using var command = Command(connection, null, $"{SelectProviders} ORDER BY name;");
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var providers = ImmutableArray.CreateBuilder<ProviderRecord>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                providers.Add(ReadProvider(reader));
            }

            return providers.DrainToImmutable();
        }, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The name is invalid, or <paramref name="initialSigners"/> holds one thumbprint twice.</exception>
    public ValueTask<bool> CreateProviderAsync(ProviderRecord provider, ImmutableArray<PolicySignerCertificate> initialSigners, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ProviderNames.ThrowIfInvalid(provider.Name, nameof(provider));
        ValidateCollateralPolicy(provider.Collateral, nameof(provider));
        var trustMode = SqliteValues.EnumName(provider.TrustMode, nameof(provider));
        var algorithm = SqliteValues.EnumName(provider.SigningAlgorithm, nameof(provider));
        var signers = initialSigners.IsDefault ? [] : initialSigners;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var signer in signers)
        {
            ValidateSigner(signer, nameof(initialSigners));
            if (!seen.Add(signer.Thumbprint))
            {
                throw new ArgumentException($"thumbprint {signer.Thumbprint} appears twice", nameof(initialSigners));
            }
        }

        return RunAsync(async (connection, ct) =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using (var command = Command(connection, transaction, """
                INSERT INTO providers (name, trust_mode, signing_algorithm, trust_simulated_authority, allow_expired_collateral, created_at,
                    collateral_update, collateral_pinned_evaluation_data_number, collateral_minimum_evaluation_data_number,
                    collateral_maximum_age_ticks, collateral_grace_period_ticks, collateral_sources)
                VALUES ($name, $trust_mode, $signing_algorithm, $trust_simulated_authority, $allow_expired_collateral, $created_at,
                    $collateral_update, $collateral_pinned, $collateral_minimum, $collateral_maximum_age, $collateral_grace, $collateral_sources)
                ON CONFLICT (name) DO NOTHING;
                """))
            {
                AddCollateralPolicy(command, provider.Collateral);
                command.Parameters.AddWithValue("$name", provider.Name);
                command.Parameters.AddWithValue("$trust_mode", trustMode);
                command.Parameters.AddWithValue("$signing_algorithm", algorithm);
                command.Parameters.AddWithValue("$trust_simulated_authority", provider.TrustSimulatedAuthority ? 1 : 0);
                command.Parameters.AddWithValue("$allow_expired_collateral", provider.AllowExpiredCollateral ? 1 : 0);
                command.Parameters.AddWithValue("$created_at", SqliteValues.Instant(provider.CreatedAt));
                if (await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
                {
                    return false; // disposing the transaction rolls it back; nothing was written anyway
                }
            }

            foreach (var signer in signers)
            {
                await InsertSignerAsync(connection, transaction, provider.Name, signer, ct).ConfigureAwait(false);
            }

            transaction.Commit();
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<AdminTokenRecord?> GetAdminTokenAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async (connection, ct) =>
        {
            using var command = Command(connection, null, "SELECT sha256, created_at FROM admin_token WHERE id = 1;");
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false)
                ? new AdminTokenRecord(SqliteValues.ReadBlob(reader, 0), SqliteValues.ReadInstant(reader, 1))
                : null;
        }, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The hash is not 32 bytes.</exception>
    public ValueTask SetAdminTokenAsync(AdminTokenRecord token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Sha256.IsDefault || token.Sha256.Length != 32)
        {
            throw new ArgumentException("the token hash must be 32 bytes (SHA-256)", nameof(token));
        }

        return RunAsync(async (connection, ct) =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using var command = Command(connection, transaction, """
                INSERT INTO admin_token (id, sha256, created_at) VALUES (1, $sha256, $created_at)
                ON CONFLICT (id) DO UPDATE SET sha256 = excluded.sha256, created_at = excluded.created_at;
                """);
            command.Parameters.AddWithValue("$sha256", SqliteValues.Blob(token.Sha256));
            command.Parameters.AddWithValue("$created_at", SqliteValues.Instant(token.CreatedAt));
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            transaction.Commit();
            return true;
        }, cancellationToken).AsValueTaskVoid();
    }

    /// <inheritdoc />
    public ValueTask<bool> SetCollateralPolicyAsync(string name, CollateralPolicy policy, CancellationToken cancellationToken = default)
    {
        ProviderNames.ThrowIfInvalid(name, nameof(name));
        ValidateCollateralPolicy(policy, nameof(policy));
        return RunAsync((connection, ct) => UpdateCollateralPolicyAsync(connection, null, name, policy, ct), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ImmutableArray<CachedCollateral>> ListCachedCollateralAsync(long afterRevision = 0, CancellationToken cancellationToken = default) =>
        RunAsync(async (connection, ct) =>
        {
            using var command = Command(connection, null, $"{SelectCollateral} WHERE revision > $after ORDER BY revision;");
            command.Parameters.AddWithValue("$after", afterRevision);
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var copies = ImmutableArray.CreateBuilder<CachedCollateral>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                copies.Add(ReadCollateral(reader));
            }

            return copies.DrainToImmutable();
        }, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The key is empty, or the source URL is not absolute.</exception>
    public ValueTask<CachedCollateral?> PutCachedCollateralAsync(CachedCollateral collateral, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collateral);
        ArgumentException.ThrowIfNullOrEmpty(collateral.Key, nameof(collateral));
        if (!collateral.Source.IsAbsoluteUri)
        {
            throw new ArgumentException("the source must be an absolute URL", nameof(collateral));
        }

        return RunAsync<CachedCollateral?>(async (connection, ct) =>
        {
            // BEGIN IMMEDIATE: the revision read and the write are one step for every writer.
            using var transaction = connection.BeginTransaction(deferred: false);
            var revision = Convert.ToInt64(await ScalarAsync(connection, transaction, "SELECT coalesce(max(revision), 0) + 1 FROM collateral_cache;", ct).ConfigureAwait(false), CultureInfo.InvariantCulture);

            // The rollback rule (CollateralOrdering), decided against the stored copy inside this write transaction, so
            // replicas writing at once each see the other's copy; with all four numbers equal, an older issue does not
            // replace a later one either.
            using (var held = Command(connection, transaction, """
                SELECT tcb_evaluation_data_number, qe_evaluation_data_number, pck_crl_number, root_ca_crl_number, valid_from
                FROM collateral_cache WHERE cache_key = $key;
                """))
            {
                held.Parameters.AddWithValue("$key", collateral.Key);
                using var reader = await held.ExecuteReaderAsync(ct).ConfigureAwait(false);
                if (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var stored = new CollateralNumbers(checked((int)reader.GetInt64(0)), checked((int)reader.GetInt64(1)), SqliteValues.ReadOrdered(reader, 2), SqliteValues.ReadOrdered(reader, 3));
                    if (CollateralOrdering.IsRollback(stored, collateral.Numbers)
                        || (stored == collateral.Numbers && collateral.ValidFrom < SqliteValues.ReadInstant(reader, 4)))
                    {
                        return null; // the stored copy is newer; nothing was written
                    }
                }
            }

            using var command = Command(connection, transaction, """
                INSERT INTO collateral_cache (cache_key, revision, source, fetched_at, tcb_info, tcb_info_issuer_chain, qe_identity,
                    qe_identity_issuer_chain, pck_crl, pck_crl_issuer_chain, root_ca_crl, tcb_evaluation_data_number,
                    qe_evaluation_data_number, valid_from, valid_until, pck_crl_number, root_ca_crl_number)
                VALUES ($key, $revision, $source, $fetched_at, $tcb_info, $tcb_info_issuer_chain, $qe_identity,
                    $qe_identity_issuer_chain, $pck_crl, $pck_crl_issuer_chain, $root_ca_crl, $tcb_number, $qe_number, $valid_from, $valid_until,
                    $pck_crl_number, $root_ca_crl_number)
                ON CONFLICT (cache_key) DO UPDATE SET revision = excluded.revision, source = excluded.source, fetched_at = excluded.fetched_at,
                    tcb_info = excluded.tcb_info, tcb_info_issuer_chain = excluded.tcb_info_issuer_chain, qe_identity = excluded.qe_identity,
                    qe_identity_issuer_chain = excluded.qe_identity_issuer_chain, pck_crl = excluded.pck_crl,
                    pck_crl_issuer_chain = excluded.pck_crl_issuer_chain, root_ca_crl = excluded.root_ca_crl,
                    tcb_evaluation_data_number = excluded.tcb_evaluation_data_number, qe_evaluation_data_number = excluded.qe_evaluation_data_number,
                    valid_from = excluded.valid_from, valid_until = excluded.valid_until,
                    pck_crl_number = excluded.pck_crl_number, root_ca_crl_number = excluded.root_ca_crl_number;
                """);
            var c = collateral.Collateral;
            command.Parameters.AddWithValue("$key", collateral.Key);
            command.Parameters.AddWithValue("$revision", revision);
            command.Parameters.AddWithValue("$source", collateral.Source.AbsoluteUri);
            command.Parameters.AddWithValue("$fetched_at", SqliteValues.Instant(collateral.FetchedAt));
            command.Parameters.AddWithValue("$tcb_info", c.TcbInfo.ToArray());
            command.Parameters.AddWithValue("$tcb_info_issuer_chain", c.TcbInfoIssuerChain.ToArray());
            command.Parameters.AddWithValue("$qe_identity", c.QeIdentity.ToArray());
            command.Parameters.AddWithValue("$qe_identity_issuer_chain", c.QeIdentityIssuerChain.ToArray());
            command.Parameters.AddWithValue("$pck_crl", c.PckCrl.ToArray());
            command.Parameters.AddWithValue("$pck_crl_issuer_chain", c.PckCrlIssuerChain.ToArray());
            command.Parameters.AddWithValue("$root_ca_crl", c.RootCaCrl.ToArray());
            command.Parameters.AddWithValue("$tcb_number", collateral.TcbEvaluationDataNumber);
            command.Parameters.AddWithValue("$qe_number", collateral.QeEvaluationDataNumber);
            command.Parameters.AddWithValue("$valid_from", SqliteValues.Instant(collateral.ValidFrom));
            command.Parameters.AddWithValue("$valid_until", SqliteValues.Instant(collateral.ValidUntil));
            command.Parameters.AddWithValue("$pck_crl_number", SqliteValues.Ordered(collateral.PckCrlNumber));
            command.Parameters.AddWithValue("$root_ca_crl_number", SqliteValues.Ordered(collateral.RootCaCrlNumber));
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            transaction.Commit();
            return collateral with { Revision = revision };
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ImmutableArray<StoredEvaluationNumbers>> ListEvaluationNumbersAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async (connection, ct) =>
        {
            using var command = Command(connection, null, "SELECT tee, source, fetched_at, body, issuer_chain, issue_date FROM tcb_evaluation_numbers ORDER BY tee;");
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var held = ImmutableArray.CreateBuilder<StoredEvaluationNumbers>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                held.Add(new StoredEvaluationNumbers(
                    SqliteValues.ReadEnum<Vouch.Sgx.Quotes.TeeType>(reader, 0),
                    new Uri(reader.GetString(1), UriKind.Absolute),
                    SqliteValues.ReadInstant(reader, 2),
                    SqliteValues.ReadBlob(reader, 3).AsMemory(),
                    SqliteValues.ReadBlob(reader, 4).AsMemory(),
                    SqliteValues.ReadInstant(reader, 5)));
            }

            return held.DrainToImmutable();
        }, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The TEE is neither SGX nor TDX, or the source URL is not absolute.</exception>
    public ValueTask<bool> PutEvaluationNumbersAsync(StoredEvaluationNumbers numbers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        if (numbers.Tee is not (Vouch.Sgx.Quotes.TeeType.Sgx or Vouch.Sgx.Quotes.TeeType.Tdx) || !numbers.Source.IsAbsoluteUri)
        {
            throw new ArgumentException("the TEE must be SGX or TDX and the source an absolute URL", nameof(numbers));
        }

        return RunAsync(async (connection, ct) =>
        {
            using var command = Command(connection, null, """
                INSERT INTO tcb_evaluation_numbers (tee, source, fetched_at, body, issuer_chain, issue_date)
                VALUES ($tee, $source, $fetched_at, $body, $issuer_chain, $issue_date)
                ON CONFLICT (tee) DO UPDATE SET source = excluded.source, fetched_at = excluded.fetched_at, body = excluded.body,
                    issuer_chain = excluded.issuer_chain, issue_date = excluded.issue_date
                WHERE excluded.issue_date >= tcb_evaluation_numbers.issue_date;
                """);
            command.Parameters.AddWithValue("$tee", numbers.Tee.ToString());
            command.Parameters.AddWithValue("$source", numbers.Source.AbsoluteUri);
            command.Parameters.AddWithValue("$fetched_at", SqliteValues.Instant(numbers.FetchedAt));
            command.Parameters.AddWithValue("$body", numbers.Body.ToArray());
            command.Parameters.AddWithValue("$issuer_chain", numbers.IssuerChain.ToArray());
            command.Parameters.AddWithValue("$issue_date", SqliteValues.Instant(numbers.IssueDate));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The name or holder is empty, or the duration is not positive.</exception>
    public ValueTask<bool> TryAcquireLeaseAsync(string name, string holder, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        return RunAsync(async (connection, ct) =>
        {
            using var command = Command(connection, null, """
                INSERT INTO leases (name, holder, expires_at) VALUES ($name, $holder, $expires_at)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.holder = excluded.holder OR leases.expires_at <= $now;
                """);
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$holder", holder);
            command.Parameters.AddWithValue("$now", SqliteValues.Instant(now));
            command.Parameters.AddWithValue("$expires_at", SqliteValues.Instant(now + duration));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask ReleaseLeaseAsync(string name, string holder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        return RunAsync(async (connection, ct) =>
        {
            using var command = Command(connection, null, "DELETE FROM leases WHERE name = $name AND holder = $holder;");
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$holder", holder);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).AsValueTaskVoid();
    }

    private const string SelectProviders =
        """
        SELECT name, trust_mode, signing_algorithm, trust_simulated_authority, allow_expired_collateral, created_at,
            collateral_update, collateral_pinned_evaluation_data_number, collateral_minimum_evaluation_data_number,
            collateral_maximum_age_ticks, collateral_grace_period_ticks, collateral_sources
        FROM providers
        """;

    private const string SelectCollateral =
        """
        SELECT cache_key, revision, source, fetched_at, tcb_info, tcb_info_issuer_chain, qe_identity, qe_identity_issuer_chain,
            pck_crl, pck_crl_issuer_chain, root_ca_crl, tcb_evaluation_data_number, qe_evaluation_data_number, valid_from, valid_until,
            pck_crl_number, root_ca_crl_number
        FROM collateral_cache
        """;

    // Mode 0600 (SecretFiles.OwnerOnlyFile) for the database before SQLite creates or opens it: SQLite creates the
    // -wal and -shm files with the mode of the database file (os_unix.c, findCreateFileMode), so they follow; copies of
    // those left by an earlier process are narrowed too. An empty file is an empty SQLite database.
    private void MakeOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using (new FileStream(DatabasePath, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, UnixCreateMode = SecretFiles.OwnerOnlyFile }))
            {
            }

            foreach (var file in new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm", DatabasePath + "-journal" })
            {
                if (File.Exists(file))
                {
                    File.SetUnixFileMode(file, SecretFiles.OwnerOnlyFile);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreUnavailableException(DatabasePath, "cannot make the database file owner-only (mode 0600): " + e.Message, e);
        }
    }

    private static ProviderRecord ReadProvider(SqliteDataReader reader) => new(
        reader.GetString(0),
        SqliteValues.ReadEnum<TrustMode>(reader, 1),
        SqliteValues.ReadEnum<SigningAlgorithm>(reader, 2),
        SqliteValues.ReadBoolean(reader, 3),
        SqliteValues.ReadBoolean(reader, 4),
        SqliteValues.ReadInstant(reader, 5))
    {
        Collateral = new CollateralPolicy
        {
            Update = SqliteValues.ReadEnum<CollateralUpdate>(reader, 6),
            TcbEvaluationDataNumber = reader.IsDBNull(7) ? null : checked((int)reader.GetInt64(7)),
            MinimumTcbEvaluationDataNumber = reader.IsDBNull(8) ? null : checked((int)reader.GetInt64(8)),
            MaximumAge = reader.IsDBNull(9) ? null : TimeSpan.FromTicks(reader.GetInt64(9)),
            GracePeriod = TimeSpan.FromTicks(reader.GetInt64(10)),
            Sources = reader.IsDBNull(11) ? [] : [.. reader.GetString(11).Split(',')],
        },
    };

    private static CachedCollateral ReadCollateral(SqliteDataReader reader) => new(
        reader.GetString(0),
        new Uri(reader.GetString(2), UriKind.Absolute),
        SqliteValues.ReadInstant(reader, 3),
        new QuoteCollateral(
            TcbInfo: SqliteValues.ReadBlob(reader, 4).AsMemory(),
            TcbInfoIssuerChain: SqliteValues.ReadBlob(reader, 5).AsMemory(),
            QeIdentity: SqliteValues.ReadBlob(reader, 6).AsMemory(),
            QeIdentityIssuerChain: SqliteValues.ReadBlob(reader, 7).AsMemory(),
            PckCrl: SqliteValues.ReadBlob(reader, 8).AsMemory(),
            RootCaCrl: SqliteValues.ReadBlob(reader, 10).AsMemory(),
            PckCrlIssuerChain: SqliteValues.ReadBlob(reader, 9).AsMemory()),
        checked((int)reader.GetInt64(11)),
        checked((int)reader.GetInt64(12)),
        SqliteValues.ReadInstant(reader, 13),
        SqliteValues.ReadInstant(reader, 14),
        reader.GetInt64(1))
    {
        PckCrlNumber = SqliteValues.ReadOrdered(reader, 15),
        RootCaCrlNumber = SqliteValues.ReadOrdered(reader, 16),
    };

    private static void ValidateCollateralPolicy(CollateralPolicy policy, string paramName)
    {
        ArgumentNullException.ThrowIfNull(policy, paramName);
        if (policy.Problem() is { } problem)
        {
            throw new ArgumentException(problem, paramName);
        }
    }

    private static void AddCollateralPolicy(SqliteCommand command, CollateralPolicy policy)
    {
        command.Parameters.AddWithValue("$collateral_update", SqliteValues.EnumName(policy.Update, nameof(policy)));
        command.Parameters.AddWithValue("$collateral_pinned", (object?)policy.TcbEvaluationDataNumber ?? DBNull.Value);
        command.Parameters.AddWithValue("$collateral_minimum", (object?)policy.MinimumTcbEvaluationDataNumber ?? DBNull.Value);
        command.Parameters.AddWithValue("$collateral_maximum_age", (object?)policy.MaximumAge?.Ticks ?? DBNull.Value);
        command.Parameters.AddWithValue("$collateral_grace", policy.GracePeriod.Ticks);
        command.Parameters.AddWithValue("$collateral_sources", policy.Sources.IsDefaultOrEmpty ? DBNull.Value : string.Join(',', policy.Sources));
    }

    private static void ValidateSigner(PolicySignerCertificate certificate, string paramName)
    {
        ArgumentNullException.ThrowIfNull(certificate, paramName);
        ArgumentException.ThrowIfNullOrEmpty(certificate.Thumbprint, paramName);
    }

    /// <summary>Inserts a signer unless its thumbprint is there; false when it was.</summary>
    private static async Task<bool> InsertSignerAsync(SqliteConnection connection, SqliteTransaction transaction, string provider, PolicySignerCertificate signer, CancellationToken ct)
    {
        using var command = Command(connection, transaction, """
            INSERT INTO policy_signers (provider, thumbprint, certificate, added_at)
            VALUES ($provider, $thumbprint, $certificate, $added_at)
            ON CONFLICT (provider, thumbprint) DO NOTHING;
            """);
        command.Parameters.AddWithValue("$provider", provider);
        command.Parameters.AddWithValue("$thumbprint", signer.Thumbprint);
        command.Parameters.AddWithValue("$certificate", SqliteValues.Blob(signer.Certificate));
        command.Parameters.AddWithValue("$added_at", SqliteValues.Instant(signer.AddedAt));
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static async Task NonQueryAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken ct)
    {
        using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken ct)
    {
        using var command = Command(connection, transaction, sql);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    private static async Task<long> UserVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken ct) =>
        Convert.ToInt64(await ScalarAsync(connection, transaction, "PRAGMA user_version;", ct).ConfigureAwait(false), CultureInfo.InvariantCulture);

    private int CheckVersion(long version) =>
        version >= 0 && version <= SqliteSchema.CurrentVersion
            ? (int)version
            : throw new StoreUnavailableException(
                DatabasePath, $"schema version {version} is not one this build knows (it knows 0 to {SqliteSchema.CurrentVersion}); the file was made by a newer Vouch or is not Vouch's", null);

    /// <summary>Runs <paramref name="write"/> in a <c>BEGIN IMMEDIATE</c> transaction and commits it; a missing provider becomes <see cref="InvalidOperationException"/>.</summary>
    private ValueTask<T> WriteAsync<T>(string provider, Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> write, CancellationToken cancellationToken) =>
        RunAsync(async (connection, ct) =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            T result;
            try
            {
                result = await write(connection, transaction, ct).ConfigureAwait(false);
            }
            catch (SqliteException e) when (e.SqliteExtendedErrorCode == SqliteConstraintForeignKey)
            {
                throw new InvalidOperationException($"no provider named '{provider}' is stored", e);
            }

            transaction.Commit();
            return result;
        }, cancellationToken);

    /// <summary>Opens a connection, sets it up, runs <paramref name="operation"/>, and turns the driver's "file unusable" errors into <see cref="StoreUnavailableException"/>.</summary>
    private async ValueTask<T> RunAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            var connection = new SqliteConnection(_connectionString);
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await NonQueryAsync(connection, null, ConnectionPragmas, cancellationToken).ConfigureAwait(false);
                return await operation(connection, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException e) when (IsUnavailable(e))
        {
            throw new StoreUnavailableException(DatabasePath, Describe(e), e);
        }
        catch (InvalidDataException e)
        {
            throw new StoreUnavailableException(DatabasePath, e.Message, e);
        }
    }

    private static bool IsUnavailable(SqliteException e) =>
        e.SqliteErrorCode is SqlitePerm or SqliteBusy or SqliteLocked or SqliteReadOnly or SqliteIoErr
            or SqliteCorrupt or SqliteFull or SqliteCantOpen or SqliteProtocol or SqliteNotADb;

    private static string Describe(SqliteException e) => e.SqliteErrorCode switch
    {
        SqliteNotADb => "the file is not a SQLite database",
        SqliteCorrupt => "the database file is corrupt",
        SqliteCantOpen => "the database file cannot be opened",
        SqliteBusy or SqliteLocked => $"the database stayed locked for longer than {BusyTimeout.TotalSeconds:0} s",
        SqliteReadOnly or SqlitePerm => "the database file cannot be written",
        SqliteFull => "the disk is full",
        _ => "the database file cannot be read or written",
    } + $" (SQLite error {e.SqliteExtendedErrorCode})";
}

/// <summary>Small adapters for the store's lambdas.</summary>
internal static class SqliteStoreTaskExtensions
{
    /// <summary>Awaits a result-bearing operation and drops its result.</summary>
    public static async ValueTask AsValueTaskVoid<T>(this ValueTask<T> task) => await task.ConfigureAwait(false);
}
