using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Stores;

namespace Vouch.Server.Storage.Sqlite;

/// <content>Policies, signers and collateral rules as one provider's management state, changed read-decide-write atomically.</content>
public sealed partial class SqliteVouchStore
{
    private const string SelectPolicies = "SELECT jws, text, signer_certificate, stored_at, type FROM policies WHERE provider = $provider";

    /// <inheritdoc />
    /// <remarks>
    /// One <c>BEGIN IMMEDIATE</c> transaction: SQLite's write lock is taken before anything is read, so no other
    /// connection (of this process or another on the same file) writes between the read and the write, and
    /// <paramref name="decide"/> runs exactly once.
    /// </remarks>
    /// <exception cref="InvalidOperationException">No provider named <paramref name="provider"/> is stored.</exception>
    public ValueTask<ManagementDecision> ChangeManagementStateAsync(string provider, string? jwsHash, Func<ManagementState, ManagementDecision> decide, CancellationToken cancellationToken = default)
    {
        ProviderNames.ThrowIfInvalid(provider, nameof(provider));
        ArgumentNullException.ThrowIfNull(decide);
        return WriteAsync(provider, async (connection, transaction, ct) =>
        {
            ProviderRecord record;
            using (var command = Command(connection, transaction, $"{SelectProviders} WHERE name = $name;"))
            {
                command.Parameters.AddWithValue("$name", provider);
                using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                record = await reader.ReadAsync(ct).ConfigureAwait(false)
                    ? ReadProvider(reader)
                    : throw new InvalidOperationException($"no provider named '{provider}' is stored");
            }

            var state = new ManagementState(
                await ReadSignersAsync(connection, transaction, provider, ct).ConfigureAwait(false),
                await ReadPoliciesAsync(connection, transaction, provider, ct).ConfigureAwait(false),
                record.Collateral,
                jwsHash is null ? [] : await ReadAcceptedAsync(connection, transaction, jwsHash, ct).ConfigureAwait(false));
            var decision = decide(state);
            if (decision.Change is null)
            {
                return decision;
            }

            switch (decision.Change)
            {
                case ManagementChange.ReplacePolicy replace:
                    ArgumentNullException.ThrowIfNull(replace.Policy, nameof(decide));
                    await UpsertPolicyAsync(connection, transaction, provider, SqliteValues.EnumName(replace.Type, nameof(decide)), replace.Policy, ct).ConfigureAwait(false);
                    break;
                case ManagementChange.ResetPolicy reset:
                    await DeletePolicyAsync(connection, transaction, provider, SqliteValues.EnumName(reset.Type, nameof(decide)), ct).ConfigureAwait(false);
                    break;
                case ManagementChange.AddSigner add:
                    ValidateSigner(add.Signer, nameof(decide));
                    await InsertSignerAsync(connection, transaction, provider, add.Signer, ct).ConfigureAwait(false);
                    break;
                case ManagementChange.RemoveSigner remove:
                    await DeleteSignerAsync(connection, transaction, provider, remove.Thumbprint, ct).ConfigureAwait(false);
                    break;
                case ManagementChange.ReplaceCollateralPolicy collateral:
                    ValidateCollateralPolicy(collateral.Policy, nameof(decide));
                    await UpdateCollateralPolicyAsync(connection, transaction, provider, collateral.Policy, ct).ConfigureAwait(false);
                    break;
            }

            if (decision.Accepted is { } accepted)
            {
                using var command = Command(connection, transaction, """
                    INSERT INTO accepted_management_jws (hash, provider, operation, accepted_at)
                    VALUES ($hash, $provider, $operation, $accepted_at)
                    ON CONFLICT (hash, provider, operation) DO NOTHING;
                    """);
                command.Parameters.AddWithValue("$hash", accepted.Hash);
                command.Parameters.AddWithValue("$provider", accepted.Provider);
                command.Parameters.AddWithValue("$operation", accepted.Operation);
                command.Parameters.AddWithValue("$accepted_at", SqliteValues.Instant(accepted.AcceptedAt));
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            return decision;
        }, cancellationToken);
    }

    private static StoredPolicy ReadPolicy(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), SqliteValues.ReadBlob(reader, 2), SqliteValues.ReadInstant(reader, 3));

    private static async Task<ImmutableDictionary<AttestationType, StoredPolicy>> ReadPoliciesAsync(SqliteConnection connection, SqliteTransaction? transaction, string provider, CancellationToken ct)
    {
        using var command = Command(connection, transaction, SelectPolicies + ";");
        command.Parameters.AddWithValue("$provider", provider);
        using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var policies = ImmutableDictionary.CreateBuilder<AttestationType, StoredPolicy>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            policies[SqliteValues.ReadEnum<AttestationType>(reader, 4)] = ReadPolicy(reader);
        }

        return policies.ToImmutable();
    }

    private static async Task<ImmutableArray<AcceptedManagementJws>> ReadAcceptedAsync(SqliteConnection connection, SqliteTransaction? transaction, string hash, CancellationToken ct)
    {
        using var command = Command(connection, transaction, "SELECT hash, provider, operation, accepted_at FROM accepted_management_jws WHERE hash = $hash ORDER BY rowid;");
        command.Parameters.AddWithValue("$hash", hash);
        using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var accepted = ImmutableArray.CreateBuilder<AcceptedManagementJws>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            accepted.Add(new AcceptedManagementJws(reader.GetString(0), reader.GetString(1), reader.GetString(2), SqliteValues.ReadInstant(reader, 3)));
        }

        return accepted.DrainToImmutable();
    }

    private static async Task<ImmutableArray<PolicySignerCertificate>> ReadSignersAsync(SqliteConnection connection, SqliteTransaction? transaction, string provider, CancellationToken ct)
    {
        using var command = Command(connection, transaction, "SELECT thumbprint, certificate, added_at FROM policy_signers WHERE provider = $provider ORDER BY id;");
        command.Parameters.AddWithValue("$provider", provider);
        using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var signers = ImmutableArray.CreateBuilder<PolicySignerCertificate>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            signers.Add(new PolicySignerCertificate(reader.GetString(0), SqliteValues.ReadBlob(reader, 1), SqliteValues.ReadInstant(reader, 2)));
        }

        return signers.DrainToImmutable();
    }

    private static async Task UpsertPolicyAsync(SqliteConnection connection, SqliteTransaction transaction, string provider, string typeName, StoredPolicy policy, CancellationToken ct)
    {
        using var command = Command(connection, transaction, """
            INSERT INTO policies (provider, type, jws, text, signer_certificate, stored_at)
            VALUES ($provider, $type, $jws, $text, $signer_certificate, $stored_at)
            ON CONFLICT (provider, type) DO UPDATE SET
                jws = excluded.jws,
                text = excluded.text,
                signer_certificate = excluded.signer_certificate,
                stored_at = excluded.stored_at;
            """);
        command.Parameters.AddWithValue("$provider", provider);
        command.Parameters.AddWithValue("$type", typeName);
        command.Parameters.AddWithValue("$jws", policy.Jws);
        command.Parameters.AddWithValue("$text", policy.Text);
        command.Parameters.AddWithValue("$signer_certificate", SqliteValues.Blob(policy.SignerCertificate));
        command.Parameters.AddWithValue("$stored_at", SqliteValues.Instant(policy.StoredAt));
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<bool> DeletePolicyAsync(SqliteConnection connection, SqliteTransaction transaction, string provider, string typeName, CancellationToken ct)
    {
        using var command = Command(connection, transaction, "DELETE FROM policies WHERE provider = $provider AND type = $type;");
        command.Parameters.AddWithValue("$provider", provider);
        command.Parameters.AddWithValue("$type", typeName);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    private static async Task<bool> DeleteSignerAsync(SqliteConnection connection, SqliteTransaction transaction, string provider, string thumbprint, CancellationToken ct)
    {
        using var command = Command(connection, transaction, "DELETE FROM policy_signers WHERE provider = $provider AND thumbprint = $thumbprint;");
        command.Parameters.AddWithValue("$provider", provider);
        command.Parameters.AddWithValue("$thumbprint", thumbprint);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    private static async Task<bool> UpdateCollateralPolicyAsync(SqliteConnection connection, SqliteTransaction? transaction, string name, CollateralPolicy policy, CancellationToken ct)
    {
        using var command = Command(connection, transaction, """
            UPDATE providers SET collateral_update = $collateral_update, collateral_pinned_evaluation_data_number = $collateral_pinned,
                collateral_minimum_evaluation_data_number = $collateral_minimum, collateral_maximum_age_ticks = $collateral_maximum_age,
                collateral_grace_period_ticks = $collateral_grace, collateral_sources = $collateral_sources
            WHERE name = $name;
            """);
        command.Parameters.AddWithValue("$name", name);
        AddCollateralPolicy(command, policy);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }
}
