//! Schema migrations: an append-only list, tracked by `PRAGMA user_version`, each applied in an
//! exclusive transaction. Never edit a migration that has shipped; add a new one.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::StoreError;

/// One schema step.
pub(crate) struct Migration {
    /// The version the database has after this step.
    pub(crate) version: u32,
    /// What it does, for logs.
    pub(crate) description: &'static str,
    /// The SQL.
    pub(crate) sql: &'static str,
}

/// Every migration, in order; versions are 1, 2, 3...
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "patients, orders, specimens, ordered tests, journal, results, users, audit",
        sql: r"
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    his_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    placer_number TEXT NOT NULL UNIQUE,
    accession TEXT UNIQUE,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    requesting_doctor TEXT NOT NULL,
    department TEXT NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    ordered_at INTEGER NOT NULL,
    cancelled_at INTEGER,
    cancel_reason TEXT
);
CREATE TABLE specimens (
    id INTEGER PRIMARY KEY,
    barcode TEXT NOT NULL UNIQUE,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    specimen_type TEXT NOT NULL,
    collected_at INTEGER,
    received_at INTEGER,
    rejected_at INTEGER,
    rejected_reason TEXT
);
CREATE TABLE ordered_tests (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    specimen_id INTEGER NOT NULL REFERENCES specimens(id),
    test_code TEXT NOT NULL,
    origin TEXT NOT NULL,
    status TEXT NOT NULL,
    rerun INTEGER NOT NULL DEFAULT 0,
    dilution INTEGER,
    sent_to TEXT,
    sent_at INTEGER,
    reported_result_id INTEGER,
    UNIQUE (specimen_id, test_code)
);
CREATE INDEX ordered_tests_order ON ordered_tests(order_id);
CREATE TABLE journal (
    id INTEGER PRIMARY KEY,
    link TEXT NOT NULL,
    instrument TEXT NOT NULL,
    protocol TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    sha256 BLOB NOT NULL,
    crc32 INTEGER NOT NULL,
    raw BLOB NOT NULL,
    parse_error TEXT,
    UNIQUE (link, sha256)
);
CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    ordered_test_id INTEGER NOT NULL REFERENCES ordered_tests(id),
    order_id INTEGER NOT NULL REFERENCES orders(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    specimen_barcode TEXT NOT NULL,
    test_code TEXT NOT NULL,
    version INTEGER NOT NULL,
    value_sent TEXT NOT NULL,
    value TEXT NOT NULL,
    numeric REAL,
    value_kind TEXT NOT NULL,
    unit TEXT NOT NULL,
    flags TEXT NOT NULL,
    instrument_flags TEXT NOT NULL,
    instrument TEXT NOT NULL,
    operator TEXT NOT NULL,
    observed_at INTEGER,
    received_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    reported INTEGER NOT NULL,
    corrects INTEGER REFERENCES results(id),
    journal_id INTEGER REFERENCES journal(id),
    reasons TEXT NOT NULL,
    UNIQUE (ordered_test_id, version)
);
CREATE INDEX results_patient_test ON results(patient_id, test_code, id);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    old TEXT,
    new TEXT,
    reason TEXT,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
",
    },
    Migration {
        version: 2,
        description: "check rows, unmatched queue, outbox for the HIS, QC observations",
        sql: r"
-- One row per rule per result, clustered by result (no separate index to maintain); written
-- only together with its result, so no foreign key check per row.
CREATE TABLE result_checks (
    result_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    rule TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (result_id, position)
) WITHOUT ROWID;
CREATE TABLE unmatched (
    id INTEGER PRIMARY KEY,
    journal_id INTEGER NOT NULL REFERENCES journal(id),
    instrument TEXT NOT NULL,
    specimen_id TEXT NOT NULL,
    instrument_test_code TEXT NOT NULL,
    value TEXT NOT NULL,
    units TEXT NOT NULL,
    flags TEXT NOT NULL,
    observed_at INTEGER,
    operator TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    attached_result_id INTEGER REFERENCES results(id)
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    kind TEXT NOT NULL,
    result_ids TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_state ON outbox(state, id);
CREATE TABLE qc_observations (
    id INTEGER PRIMARY KEY,
    journal_id INTEGER NOT NULL REFERENCES journal(id),
    instrument TEXT NOT NULL,
    instrument_test_code TEXT NOT NULL,
    test_code TEXT,
    control_id TEXT NOT NULL,
    value TEXT NOT NULL,
    numeric REAL,
    units TEXT NOT NULL,
    observed_at INTEGER,
    received_at INTEGER NOT NULL
);
",
    },
    Migration {
        version: 3,
        description: "release time on results, config history",
        sql: r"
ALTER TABLE results ADD COLUMN released_at INTEGER;
CREATE INDEX results_released ON results(released_at);
CREATE TABLE config_history (
    id INTEGER PRIMARY KEY,
    loaded_at INTEGER NOT NULL,
    source_name TEXT NOT NULL,
    sha256 TEXT NOT NULL
);
",
    },
    Migration {
        version: 4,
        description: "patient details sent by the analyzer, kept with unmatched results",
        sql: r"
ALTER TABLE unmatched ADD COLUMN patient_hint TEXT;
",
    },
    Migration {
        version: 5,
        description: "HIS deliveries per outbox row and endpoint, API tokens",
        sql: r"
ALTER TABLE outbox ADD COLUMN delivered_at INTEGER;
CREATE TABLE his_deliveries (
    outbox_id INTEGER NOT NULL REFERENCES outbox(id),
    endpoint TEXT NOT NULL,
    control_id TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    message BLOB,
    last_error TEXT,
    ack_code TEXT,
    first_attempt_at INTEGER,
    next_attempt_at INTEGER,
    delivered_at INTEGER,
    PRIMARY KEY (outbox_id, endpoint)
);
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_used_at INTEGER
);
CREATE INDEX results_released_state ON results(state, released_at);
",
    },
    Migration {
        version: 6,
        description: "check outcomes kept with their result; partial indexes for released and pending results",
        sql: r"
-- Each result's check outcomes, in the order the rules ran, as one JSON array of
-- [rule, outcome, detail] arrays (the last is the autoverification decision). Queryable with
-- json_each(results.checks); written in the result's own row instead of ten rows of
-- result_checks per result.
ALTER TABLE results ADD COLUMN checks TEXT NOT NULL DEFAULT '[]';
UPDATE results SET checks = (
    SELECT json_group_array(json_array(rule, outcome, detail) ORDER BY position)
    FROM result_checks WHERE result_id = results.id
) WHERE id IN (SELECT result_id FROM result_checks);
DROP TABLE result_checks;
-- Released results by release time, and the review worklist, as partial indexes: a result
-- enters each only in that state, at its right edge (release time and id grow), instead of
-- every result being inserted into the middle of a (state, released_at) index, which split
-- about five of its pages per message. The partial indexes are usable only by queries that say
-- `state = 'released'` / `state = 'pending_review'`.
DROP INDEX results_released;
DROP INDEX results_released_state;
CREATE INDEX results_released ON results(released_at) WHERE state = 'released';
CREATE INDEX results_pending_review ON results(id) WHERE state = 'pending_review';
",
    },
    Migration {
        version: 7,
        description: "sign-in: password hashes, several roles, language, lockout, sign-in attempts, sessions",
        sql: r"
-- users.role may hold several roles, comma-separated (admin,supervisor).
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN language TEXT;
ALTER TABLE users ADD COLUMN locked_until INTEGER;
-- Every sign-in attempt, good or bad, by the name typed (which may not exist). The failed
-- attempt that locks the name holds the lock's end, so a name that does not exist locks
-- exactly like one that does (the answer never tells them apart).
CREATE TABLE sign_in_attempts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    at INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    locked_until INTEGER
);
CREATE INDEX sign_in_attempts_user ON sign_in_attempts(username, at);
-- A signed-in session: only the SHA-256 of its cookie secret is stored.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ended_at INTEGER,
    end_reason TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
",
    },
    Migration {
        version: 8,
        description: "review: row versions, who verified and released, critical call-backs, comments",
        sql: r"
-- rev grows on every change of the row: an action names the rev it saw, and a stale one is
-- refused (two people on one specimen never overwrite each other).
ALTER TABLE results ADD COLUMN rev INTEGER NOT NULL DEFAULT 1;
ALTER TABLE results ADD COLUMN verified_by INTEGER REFERENCES users(id);
ALTER TABLE results ADD COLUMN verified_at INTEGER;
ALTER TABLE results ADD COLUMN released_by INTEGER REFERENCES users(id);
-- Who made the row's latest change (the actor as the audit writes it: `user:7`, `system`,
-- `instrument:X`) and when, so a refused stale action can say who changed the result.
ALTER TABLE results ADD COLUMN changed_by TEXT;
ALTER TABLE results ADD COLUMN changed_at INTEGER;
-- The review worklist also lists verified results waiting for release (two-step labs).
CREATE INDEX results_verified ON results(id) WHERE state = 'verified';
-- Autoverified results of tests without auto-release wait for a person's release.
CREATE INDEX results_autoverified ON results(id) WHERE state = 'autoverified';
-- Who was told of a critical result, where, when, whether they read it back, and the outcome
-- (told_read_back, told_no_read_back, not_reached); repeatable.
CREATE TABLE callbacks (
    id INTEGER PRIMARY KEY,
    result_id INTEGER NOT NULL REFERENCES results(id),
    told_name TEXT NOT NULL,
    told_role TEXT NOT NULL,
    location TEXT NOT NULL,
    read_back INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX callbacks_result ON callbacks(result_id);
-- A comment on a specimen, or on one result of it.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    specimen_id INTEGER NOT NULL REFERENCES specimens(id),
    result_id INTEGER REFERENCES results(id),
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX comments_specimen ON comments(specimen_id);
",
    },
    Migration {
        version: 9,
        description: "audit entries by what they are about, for result and specimen histories",
        sql: r"
-- A result's or a specimen's history reads the audit entries about its rows; without this
-- index that is a scan of the whole trail, which only grows.
CREATE INDEX audit_entity ON audit(entity, entity_id);
",
    },
    Migration {
        version: 10,
        description: "the HIS's own name parts, identifier authority and doctor id, sent back as received",
        sql: r"
-- PID-5 as the HIS sent it (family, given, middle); NULL parts when only a full name is known.
ALTER TABLE patients ADD COLUMN name_family TEXT;
ALTER TABLE patients ADD COLUMN name_given TEXT;
ALTER TABLE patients ADD COLUMN name_middle TEXT;
-- PID-3.4 (HD: namespace id, universal id, universal id type) and PID-3.5 of the HIS's id.
ALTER TABLE patients ADD COLUMN his_id_authority TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN his_id_authority_uid TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN his_id_authority_uid_type TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN his_id_type TEXT NOT NULL DEFAULT '';
-- The ordering doctor as an XCN: id (ORC-12.1) and the name parts as sent (NULL when unknown).
ALTER TABLE orders ADD COLUMN requesting_doctor_id TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN requesting_doctor_family TEXT;
ALTER TABLE orders ADD COLUMN requesting_doctor_given TEXT;
ALTER TABLE orders ADD COLUMN requesting_doctor_middle TEXT;
",
    },
    Migration {
        version: 11,
        description: "patient name search keys (Vietnamese folded); specimens by receipt time",
        sql: r"
-- The patient's name folded for search (lower case, no tone or vowel marks, đ as d:
-- lis_core::name_search::fold); NULL until the program has folded it, so rows written before
-- this version are folded once when the store opens (found through the partial index).
ALTER TABLE patients ADD COLUMN name_fold TEXT;
CREATE INDEX patients_name_unfolded ON patients(id) WHERE name_fold IS NULL;
-- Every key a patient is found by: the folded name from each word on ('nguyen van an',
-- 'van an', 'an'); a query is a prefix range on key, answered by the primary key.
CREATE TABLE patient_name_keys (
    key TEXT NOT NULL,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    PRIMARY KEY (key, patient_id)
) WITHOUT ROWID;
CREATE INDEX patient_name_keys_patient ON patient_name_keys(patient_id);
-- The turnaround dashboard reads the specimens received in a date range.
CREATE INDEX specimens_received ON specimens(received_at) WHERE received_at IS NOT NULL;
-- A patient's orders (the search's latest order).
CREATE INDEX orders_patient ON orders(patient_id);
",
    },
    Migration {
        version: 12,
        description: "the client address of UI changes in the audit trail, discarded unmatched results, audit filters",
        sql: r"
-- The address of the client whose request made the change (UI actions); NULL for analyzers,
-- the HIS, the system and entries written before it was recorded. Part of the chained hash
-- when present (audit::chain_hash_from).
ALTER TABLE audit ADD COLUMN client_address TEXT;
-- An unmatched result a supervisor discarded, who and why (the audit entry holds the same).
ALTER TABLE unmatched ADD COLUMN discarded_at INTEGER;
ALTER TABLE unmatched ADD COLUMN discarded_by TEXT;
ALTER TABLE unmatched ADD COLUMN discard_reason TEXT;
-- The open queue (neither attached nor discarded) without reading what was resolved.
CREATE INDEX unmatched_open ON unmatched(id) WHERE attached_result_id IS NULL AND discarded_at IS NULL;
-- The audit trail's filters by who and by what, newest first.
CREATE INDEX audit_actor ON audit(actor, seq);
CREATE INDEX audit_action ON audit(action, seq);
-- Today's messages per link and results per instrument on the instruments page.
CREATE INDEX journal_received ON journal(received_at);
CREATE INDEX results_received ON results(received_at);
",
    },
    Migration {
        version: 13,
        description: "quality control: points with material, lot and level, runs, evaluations, state per instrument and test, overrides, target edits, re-check flags",
        sql: r"
-- A run: the QC results of one instrument and test that arrived in one message or within the
-- lab's run window of its first point. Its verdict is its latest evaluation (accepted, warning,
-- rejected), re-made on every point that joins it; reason says why in words.
CREATE TABLE qc_runs (
    id INTEGER PRIMARY KEY,
    instrument TEXT NOT NULL,
    test_code TEXT NOT NULL,
    journal_id INTEGER REFERENCES journal(id),
    started_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    evaluated_at INTEGER NOT NULL
);
CREATE INDEX qc_runs_series ON qc_runs(instrument, test_code, id);
-- One QC result (replacing qc_observations, whose rows move here with their ids): as sent, with
-- the material, lot and level it was resolved to (NULL when unknown: resolution says which),
-- the run it belongs to and, once evaluated, the target it was evaluated against and its z.
-- A point typed by a person has no journal entry and names who entered it.
CREATE TABLE qc_points (
    id INTEGER PRIMARY KEY,
    journal_id INTEGER REFERENCES journal(id),
    entered_by INTEGER REFERENCES users(id),
    instrument TEXT NOT NULL,
    instrument_test_code TEXT NOT NULL,
    test_code TEXT,
    control_id TEXT NOT NULL,
    value TEXT NOT NULL,
    numeric REAL,
    units TEXT NOT NULL,
    observed_at INTEGER,
    received_at INTEGER NOT NULL,
    at INTEGER NOT NULL,
    material TEXT,
    lot TEXT,
    level TEXT,
    resolution TEXT NOT NULL,
    run_id INTEGER REFERENCES qc_runs(id),
    target_mean REAL,
    target_sd REAL,
    z REAL
);
INSERT INTO qc_points (id, journal_id, instrument, instrument_test_code, test_code, control_id,
    value, numeric, units, observed_at, received_at, at, resolution)
    SELECT id, journal_id, instrument, instrument_test_code, test_code, control_id, value,
    numeric, units, observed_at, received_at, COALESCE(observed_at, received_at),
    'stored_before_qc' FROM qc_observations;
DROP TABLE qc_observations;
CREATE INDEX qc_points_run ON qc_points(run_id);
CREATE INDEX qc_points_chart ON qc_points(instrument, test_code, level, lot, run_id)
    WHERE run_id IS NOT NULL;
-- A lot's earlier runs, which a run's evaluation reads (every level of the lot).
CREATE INDEX qc_points_lot ON qc_points(instrument, test_code, lot, run_id)
    WHERE run_id IS NOT NULL;
CREATE INDEX qc_points_unresolved ON qc_points(id) WHERE resolution != 'resolved';
-- Each rule a run's evaluation fired, with the points it fired on (a JSON array of qc_points
-- ids, earlier runs' points included); warning: 1 for a rule that only warns (1-2s).
CREATE TABLE qc_violations (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES qc_runs(id),
    rule TEXT NOT NULL,
    warning INTEGER NOT NULL,
    points TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX qc_violations_run ON qc_violations(run_id);
-- A supervisor's documented override of a rejected run: patient results of its instrument and
-- test may be released meanwhile (each such release is a qc_override_releases row).
CREATE TABLE qc_overrides (
    id INTEGER PRIMARY KEY,
    instrument TEXT NOT NULL,
    test_code TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES qc_runs(id),
    reason TEXT NOT NULL,
    overridden_by INTEGER NOT NULL REFERENCES users(id),
    overridden_at INTEGER NOT NULL
);
CREATE TABLE qc_override_releases (
    result_id INTEGER NOT NULL REFERENCES results(id),
    override_id INTEGER NOT NULL REFERENCES qc_overrides(id),
    PRIMARY KEY (result_id, override_id)
) WITHOUT ROWID;
CREATE INDEX qc_override_releases_override ON qc_override_releases(override_id);
-- The QC state of each instrument and test: the verdict of the run that set it, why, when,
-- and the override in force (NULL: none).
CREATE TABLE qc_state (
    instrument TEXT NOT NULL,
    test_code TEXT NOT NULL,
    verdict TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES qc_runs(id),
    reason TEXT NOT NULL,
    since INTEGER NOT NULL,
    override_id INTEGER REFERENCES qc_overrides(id),
    PRIMARY KEY (instrument, test_code)
) WITHOUT ROWID;
-- Patient results of an instrument and test that arrived between its last accepted run and a
-- rejected one: to be checked again (listed for the supervisor until one records the check).
CREATE TABLE qc_rechecks (
    result_id INTEGER NOT NULL REFERENCES results(id),
    run_id INTEGER NOT NULL REFERENCES qc_runs(id),
    flagged_at INTEGER NOT NULL,
    checked_by INTEGER REFERENCES users(id),
    checked_at INTEGER,
    note TEXT,
    PRIMARY KEY (result_id, run_id)
) WITHOUT ROWID;
CREATE INDEX qc_rechecks_run ON qc_rechecks(run_id);
CREATE INDEX qc_rechecks_open ON qc_rechecks(run_id) WHERE checked_at IS NULL;
-- A supervisor's target (mean, SD) for one instrument, test, material, lot and level, laid over
-- the configuration's; the latest row wins. source: `edited` (typed) or `lab_statistics` (the
-- lab's own mean and SD of its accepted points).
CREATE TABLE qc_target_edits (
    id INTEGER PRIMARY KEY,
    instrument TEXT NOT NULL,
    test_code TEXT NOT NULL,
    material TEXT NOT NULL,
    lot TEXT NOT NULL,
    level TEXT NOT NULL,
    mean REAL NOT NULL,
    sd REAL NOT NULL,
    source TEXT NOT NULL,
    points INTEGER,
    reason TEXT NOT NULL,
    edited_by INTEGER NOT NULL REFERENCES users(id),
    edited_at INTEGER NOT NULL
);
CREATE INDEX qc_target_edits_key ON qc_target_edits(instrument, test_code, material, lot, level, id);
",
    },
    Migration {
        version: 14,
        description: "supplementary values (RLU, cut-off, Ct, reaction grades) with their result version or unmatched row",
        sql: r"
-- The values an analyzer sends beside a result about the same measurement, as sent, in the
-- order sent (seq). Each belongs to one result version (a rerun's or a correction's version
-- has its own) or to the unmatched row its result went to; attaching that row copies them to
-- the result it becomes. flags is a JSON array of strings.
CREATE TABLE supplements (
    id INTEGER PRIMARY KEY,
    result_id INTEGER REFERENCES results(id),
    unmatched_id INTEGER REFERENCES unmatched(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    units TEXT NOT NULL,
    flags TEXT NOT NULL,
    CHECK ((result_id IS NULL) <> (unmatched_id IS NULL))
);
CREATE INDEX supplements_result ON supplements(result_id, seq) WHERE result_id IS NOT NULL;
CREATE INDEX supplements_unmatched ON supplements(unmatched_id, seq) WHERE unmatched_id IS NOT NULL;
",
    },
    Migration {
        version: 17,
        description: "supplementary values of QC results, with their QC point",
        sql: r"
-- A control's values beside its result (a Centaur QC's RLU and index) belong to its QC point.
-- SQLite cannot change a CHECK, so the table is made again with a third owner, exactly one
-- owner per row, keeping every row and its id.
CREATE TABLE supplements_new (
    id INTEGER PRIMARY KEY,
    result_id INTEGER REFERENCES results(id),
    unmatched_id INTEGER REFERENCES unmatched(id),
    qc_point_id INTEGER REFERENCES qc_points(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    units TEXT NOT NULL,
    flags TEXT NOT NULL,
    CHECK ((result_id IS NOT NULL) + (unmatched_id IS NOT NULL) + (qc_point_id IS NOT NULL) = 1)
);
INSERT INTO supplements_new (id, result_id, unmatched_id, seq, name, value, units, flags)
    SELECT id, result_id, unmatched_id, seq, name, value, units, flags FROM supplements;
DROP TABLE supplements;
ALTER TABLE supplements_new RENAME TO supplements;
CREATE INDEX supplements_result ON supplements(result_id, seq) WHERE result_id IS NOT NULL;
CREATE INDEX supplements_unmatched ON supplements(unmatched_id, seq) WHERE unmatched_id IS NOT NULL;
CREATE INDEX supplements_qc_point ON supplements(qc_point_id, seq) WHERE qc_point_id IS NOT NULL;
",
    },
];

/// The schema version this program writes.
pub(crate) fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The database's schema version.
pub(crate) fn current_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Applies every migration newer than the database, each in its own exclusive transaction.
pub(crate) fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    migrate_to(conn, latest_version())
}

/// Applies migrations up to `target` (tests use it to build every earlier version).
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32, StoreError> {
    let found = current_version(conn)?;
    if found > latest_version() {
        return Err(StoreError::SchemaTooNew {
            found,
            known: latest_version(),
        });
    }
    for m in MIGRATIONS
        .iter()
        .filter(|m| m.version > found && m.version <= target)
    {
        let apply = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
            tx.execute_batch(m.sql)?;
            tx.pragma_update(None, "user_version", m.version)?;
            tx.commit()
        };
        apply(conn).map_err(|source| StoreError::Migration {
            version: m.version,
            source: crate::error::DatabaseError(source),
        })?;
        let _ = m.description;
    }
    current_version(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn versions_are_consecutive_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1);
        }
    }

    #[test]
    fn from_empty_to_latest() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(current_version(&conn).unwrap(), 0);
        assert_eq!(migrate(&mut conn).unwrap(), 17);
        // Running again changes nothing.
        let before = schema(&conn);
        assert_eq!(migrate(&mut conn).unwrap(), 17);
        assert_eq!(schema(&conn), before);
    }

    #[test]
    fn from_every_earlier_version_gives_the_same_schema() {
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        let want = schema(&fresh);
        let versions = std::iter::once(0).chain(MIGRATIONS.iter().map(|m| m.version));
        for start in versions.filter(|&v| v < latest_version()) {
            let mut conn = Connection::open_in_memory().unwrap();
            assert_eq!(migrate_to(&mut conn, start).unwrap(), start);
            assert_eq!(
                migrate(&mut conn).unwrap(),
                latest_version(),
                "from {start}"
            );
            assert_eq!(schema(&conn), want, "schema after upgrading from {start}");
        }
    }

    #[test]
    fn upgrade_keeps_rows_written_by_an_earlier_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 2).unwrap();
        conn.execute_batch(
            "INSERT INTO journal (link, instrument, protocol, kind, received_at, sha256, crc32, raw) \
             VALUES ('l', 'i', 'astm', 'results', 0, x'00', 0, x'');
             INSERT INTO unmatched (journal_id, instrument, specimen_id, instrument_test_code, \
             value, units, flags, operator, reason, received_at) \
             VALUES (1, 'i', 'S1', 'GLU', '5.2', 'mmol/L', '[]', '', 'no_order', 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let (value, hint): (String, Option<String>) = conn
            .query_row("SELECT value, patient_hint FROM unmatched", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((value.as_str(), hint), ("5.2", None));
    }

    #[test]
    fn supplements_keep_their_rows_and_take_a_qc_point_owner() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 14).unwrap();
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute_batch(
            "INSERT INTO supplements (id, result_id, unmatched_id, seq, name, value, units, flags) \
             VALUES (7, 3, NULL, 0, 'RLU', '611793', '', '[]');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let kept: (i64, Option<i64>, Option<i64>, String) = conn
            .query_row(
                "SELECT id, result_id, qc_point_id, value FROM supplements",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(kept, (7, Some(3), None, "611793".to_owned()));
        // A QC point's value has that owner alone; none, or two, is refused.
        let insert = |owners: &str| {
            conn.execute(
                &format!(
                    "INSERT INTO supplements (result_id, unmatched_id, qc_point_id, seq, name, \
                     value, units, flags) VALUES ({owners}, 0, 'INDX', '1.2', '', '[]')"
                ),
                [],
            )
        };
        assert!(insert("NULL, NULL, 5").is_ok());
        assert!(insert("NULL, NULL, NULL").is_err());
        assert!(insert("3, NULL, 5").is_err());
    }

    #[test]
    fn check_rows_move_into_their_result_in_rule_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 5).unwrap();
        let result = |id: i64| {
            format!(
                "INSERT INTO results (id, ordered_test_id, order_id, patient_id, specimen_barcode, \
                 test_code, version, value_sent, value, numeric, value_kind, unit, flags, \
                 instrument_flags, instrument, operator, received_at, state, reported, reasons) \
                 VALUES ({id}, {id}, 1, 1, 'S1', 'GLU', 1, '5.2', '5.2', 5.2, 'numeric', 'mmol/L', \
                 '[]', '[]', 'i', '', 0, 'released', 1, '[]');"
            )
        };
        // Rows inserted out of rule order; a detail with a quote; a result without rows. (The
        // results' orders and patients do not matter here.)
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute_batch(&format!(
            "{}{}
             INSERT INTO result_checks VALUES (1, 1, 'unit', 'passed', 'mmol/L as expected');
             INSERT INTO result_checks VALUES (1, 0, 'value_present', 'passed', '5.2');
             INSERT INTO result_checks VALUES (1, 2, 'autoverification', 'failed', 'say \"why\"');",
            result(1),
            result(2)
        ))
        .unwrap();
        migrate(&mut conn).unwrap();
        let checks = |id: i64| -> String {
            conn.query_row("SELECT checks FROM results WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
        };
        assert_eq!(
            checks(1),
            r#"[["value_present","passed","5.2"],["unit","passed","mmol/L as expected"],["autoverification","failed","say \"why\""]]"#
        );
        assert_eq!(checks(2), "[]");
    }

    #[test]
    fn qc_observations_become_points_with_their_ids_kept_and_never_evaluated() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 12).unwrap();
        conn.execute_batch(
            "INSERT INTO journal (link, instrument, protocol, kind, received_at, sha256, crc32, raw) \
             VALUES ('l', 'DEMO-CHEM', 'astm', 'qc', 2000, x'00', 0, x'');
             INSERT INTO qc_observations (id, journal_id, instrument, instrument_test_code, \
             test_code, control_id, value, numeric, units, observed_at, received_at) \
             VALUES (7, 1, 'DEMO-CHEM', 'GLU', 'GLU', 'CTRL-1', '5.5', 5.5, 'mmol/L', NULL, 2000);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let row: (String, i64, String, Option<i64>, Option<f64>) = conn
            .query_row(
                "SELECT control_id, at, resolution, run_id, z FROM qc_points WHERE id = 7",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(
            row,
            ("CTRL-1".into(), 2000, "stored_before_qc".into(), None, None)
        );
    }

    #[test]
    fn newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        match migrate(&mut conn) {
            Err(StoreError::SchemaTooNew {
                found: 99,
                known: 17,
            }) => {}
            other => panic!("expected SchemaTooNew, got {other:?}"),
        }
    }

    #[test]
    fn failed_migration_leaves_the_previous_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 1).unwrap();
        // Sabotage: a table migration 2 wants to create already exists.
        conn.execute_batch("CREATE TABLE outbox (x INTEGER)")
            .unwrap();
        match migrate(&mut conn) {
            Err(StoreError::Migration { version: 2, .. }) => {}
            other => panic!("expected migration 2 to fail, got {other:?}"),
        }
        assert_eq!(current_version(&conn).unwrap(), 1);
        let tables = schema(&conn);
        assert!(!tables.iter().any(|(n, _)| n == "result_checks"));
    }
}
