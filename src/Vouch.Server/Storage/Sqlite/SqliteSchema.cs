namespace Vouch.Server.Storage.Sqlite;

/// <summary>
/// The schema of <see cref="SqliteVouchStore"/> as ordered migrations. Migration <c>n</c> (1-based) takes
/// a database whose <c>PRAGMA user_version</c> is <c>n - 1</c> to <c>n</c>; <see cref="SqliteVouchStore.InitializeAsync"/>
/// runs the ones missing inside one <c>BEGIN IMMEDIATE</c> transaction. A migration, once released, never changes:
/// add the next one instead.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The migrations, in order; the schema version of a current database is their count.</summary>
    public static readonly IReadOnlyList<string> Migrations =
    [
        // 1: the initial schema.
        """
        CREATE TABLE providers (
            name                      TEXT    NOT NULL PRIMARY KEY,
            trust_mode                TEXT    NOT NULL,
            signing_algorithm         TEXT    NOT NULL,
            trust_simulated_authority INTEGER NOT NULL CHECK (trust_simulated_authority IN (0, 1)),
            allow_expired_collateral  INTEGER NOT NULL CHECK (allow_expired_collateral IN (0, 1)),
            created_at                TEXT    NOT NULL
        ) STRICT;

        CREATE TABLE signing_keys (
            id                    INTEGER NOT NULL PRIMARY KEY,
            provider              TEXT    NOT NULL REFERENCES providers (name) ON DELETE CASCADE,
            kid                   TEXT    NOT NULL,
            algorithm             TEXT    NOT NULL,
            created_at            TEXT    NOT NULL,
            activates_at          TEXT    NOT NULL,
            retires_at            TEXT    NOT NULL,
            certificate           BLOB    NOT NULL,
            protected_private_key BLOB    NOT NULL,
            UNIQUE (provider, kid)
        ) STRICT;

        CREATE TABLE policies (
            provider           TEXT NOT NULL REFERENCES providers (name) ON DELETE CASCADE,
            type               TEXT NOT NULL,
            jws                TEXT NOT NULL,
            text               TEXT NOT NULL,
            signer_certificate BLOB NOT NULL,
            stored_at          TEXT NOT NULL,
            PRIMARY KEY (provider, type)
        ) STRICT;

        CREATE TABLE policy_signers (
            id          INTEGER NOT NULL PRIMARY KEY,
            provider    TEXT    NOT NULL REFERENCES providers (name) ON DELETE CASCADE,
            thumbprint  TEXT    NOT NULL COLLATE NOCASE,
            certificate BLOB    NOT NULL,
            added_at    TEXT    NOT NULL,
            UNIQUE (provider, thumbprint)
        ) STRICT;

        CREATE TABLE admin_token (
            id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            sha256     BLOB    NOT NULL,
            created_at TEXT    NOT NULL
        ) STRICT;
        """,

        // 2: collateral freshness rules per provider; the PCS collateral cache shared by replicas; leases electing one refresher.
        """
        ALTER TABLE providers ADD COLUMN collateral_update TEXT NOT NULL DEFAULT 'Standard' CHECK (collateral_update IN ('Standard', 'Early'));
        ALTER TABLE providers ADD COLUMN collateral_pinned_evaluation_data_number INTEGER CHECK (collateral_pinned_evaluation_data_number >= 0);
        ALTER TABLE providers ADD COLUMN collateral_minimum_evaluation_data_number INTEGER CHECK (collateral_minimum_evaluation_data_number >= 0);
        ALTER TABLE providers ADD COLUMN collateral_maximum_age_ticks INTEGER CHECK (collateral_maximum_age_ticks > 0);
        ALTER TABLE providers ADD COLUMN collateral_grace_period_ticks INTEGER NOT NULL DEFAULT 0 CHECK (collateral_grace_period_ticks >= 0);
        ALTER TABLE providers ADD COLUMN collateral_sources TEXT CHECK (collateral_sources <> '');

        CREATE TABLE collateral_cache (
            cache_key                  TEXT    NOT NULL PRIMARY KEY,
            revision                   INTEGER NOT NULL UNIQUE,
            source                     TEXT    NOT NULL,
            fetched_at                 TEXT    NOT NULL,
            tcb_info                   BLOB    NOT NULL,
            tcb_info_issuer_chain      BLOB    NOT NULL,
            qe_identity                BLOB    NOT NULL,
            qe_identity_issuer_chain   BLOB    NOT NULL,
            pck_crl                    BLOB    NOT NULL,
            pck_crl_issuer_chain       BLOB    NOT NULL,
            root_ca_crl                BLOB    NOT NULL,
            tcb_evaluation_data_number INTEGER NOT NULL,
            qe_evaluation_data_number  INTEGER NOT NULL,
            valid_from                 TEXT    NOT NULL,
            valid_until                TEXT    NOT NULL,
            pck_crl_number             TEXT    NOT NULL DEFAULT '',
            root_ca_crl_number         TEXT    NOT NULL DEFAULT ''
        ) STRICT;

        CREATE TABLE tcb_evaluation_numbers (
            tee          TEXT NOT NULL PRIMARY KEY CHECK (tee IN ('Sgx', 'Tdx')),
            source       TEXT NOT NULL,
            fetched_at   TEXT NOT NULL,
            body         BLOB NOT NULL,
            issuer_chain BLOB NOT NULL,
            issue_date   TEXT NOT NULL
        ) STRICT;

        CREATE TABLE leases (
            name       TEXT NOT NULL PRIMARY KEY,
            holder     TEXT NOT NULL,
            expires_at TEXT NOT NULL
        ) STRICT;
        """,

        // 3: the replay record of management JWS (kept when a provider goes, so a name reused does not reopen replays).
        """
        CREATE TABLE accepted_management_jws (
            hash        TEXT NOT NULL,
            provider    TEXT NOT NULL,
            operation   TEXT NOT NULL,
            accepted_at TEXT NOT NULL,
            PRIMARY KEY (hash, provider, operation)
        ) STRICT;
        """,
    ];

    /// <summary>The schema version this build writes and reads.</summary>
    public static int CurrentVersion => Migrations.Count;
}
