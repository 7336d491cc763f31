//! Everything SQL: the one boundary to the database (so PostgreSQL can be added later).
//!
//! [`Store`] owns one SQLite connection (WAL, `synchronous=FULL`: a commit is on disk when it
//! returns) and offers the lab's operations, each one transaction that writes its audit entry
//! with the change. [`Ingestor`] is a writer thread with its own connection that groups the
//! commits of many links. After each commit of either, the commit listeners
//! ([`Store::on_commit`]) are told the latest audit sequence number (the change feed's cursor).
//!
//! Sub-modules: `migrations`, `supplements` (supplementary values with their result version),
//! `isolates` (microbiology isolates and their susceptibility panels with their result version),
//! `graphs` (analyzer graphs and images with the message, instrument and specimen of their run), `audit_log` (appending to the hash chain), `journal` (raw message
//! journal with CRC-32), `ingest` (matching and storing results), `results` (storing one result
//! with its checks), `orders`, `lifecycle` (verify, release... for the command line and the
//! system), `review` (a person's actions with the row version they saw, bulk "all clear"),
//! `callbacks` (critical call-backs, comments), `queries`, `ingestor`,
//! `his` (per-endpoint HIS deliveries, the HIS journal, released-result pulls, order changes),
//! `tokens` (API tokens, stored hashed), `patients` (patient search by
//! folded name and identifiers, the cumulative report), `turnaround` (the turnaround dashboard), `users` (accounts, password hashes, the first admin,
//! the role check in a transaction), `user_admin` (an administrator's create, reset, roles), `sessions` (sign-in with lockout, the web UI's sessions,
//! sign-out), and the review reads: `worklist` (keyset-paged review worklist), `specimen_view`
//! (the specimen review page, earlier results), `changes` (audit history, change feed, commit
//! listeners) with `review_decode`; `decode` reads every stored column fail-closed. The
//! monitoring reads: `unmatched_queue` (the open queue paged, order search, discard, the
//! day's counts per link) and `audit_trail` (the filtered trail, newest first, with client
//! addresses). Quality control: `qc_ingest` (what is QC, material, lot, level and target, the
//! run a point joins, entry by hand), `qc_runs` (a run's Westgard evaluation, its reason in
//! words, re-check flags), `qc_state` (the state per instrument and test, the `qc` check's
//! status, the hold on release, overrides), `qc_targets` (targets and their edits, the lab's
//! own statistics, the overview, the monthly summary) and `qc_read` (chart, unresolved QC,
//! re-checks, what a result's page shows).

mod audit_log;
mod audit_trail;
mod callbacks;
mod cancel;
mod changes;
mod checkpoint;
mod decode;
mod graphs;
mod his;
mod his_report;
mod ingest;
mod ingestor;
mod isolates;
mod journal;
mod lifecycle;
mod migrations;
mod orders;
mod patients;
mod qc_ingest;
mod qc_read;
mod qc_runs;
mod qc_state;
mod qc_targets;
mod queries;
mod reception;
mod results;
mod review;
mod review_decode;
mod search;
mod sessions;
mod specimen_view;
mod supplements;
mod tokens;
mod turnaround;
mod unmatched_queue;
mod user_admin;
mod user_rows;
mod users;
mod worklist;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::audit::AuditReport;
use crate::config::LabConfig;
use crate::error::StoreError;
use crate::model::{Actor, AnalyzerMessage, IngestOutcome, Protocol};

pub use audit_log::ClientAddress;
pub use audit_trail::{AuditFilter, AuditRecord};
pub use callbacks::MAX_COMMENT_CHARS;
pub use cancel::OrderCancel;
pub use changes::CommitListener;
pub use his::{
    DeliveryOutcome, DeliveryState, HisDelivery, OutboxCounts, ReleasedFilter, ReleasedResult,
};
pub use his_report::HisReport;
pub use ingestor::{IngestTicket, Ingestor};
pub use journal::{JournalEntry, JournalReport};
pub use patients::{
    HistoryPoint, PatientHistory, PatientHit, PatientMatch, PatientSearch, HISTORY_LIMIT,
    MAX_SEARCH_CHARS, SEARCH_LIMIT,
};
pub use qc_read::{MAX_CHART_POINTS, MAX_RECHECK_NOTE_CHARS, MAX_UNRESOLVED_LISTED};
pub use qc_state::MAX_OVERRIDE_REASON_CHARS;
pub use qc_targets::MAX_TARGET_REASON_CHARS;
pub use queries::OutboxItem;
pub use review::MANUAL_INSTRUMENT;
pub use search::{Keyset, ObservationSearch, Page, ReportSearch, TimeRange};
pub use sessions::{
    ActiveSession, NewSession, PasswordChange, SignInOutcome, LOCKOUT_FAILURES, LOCKOUT_MINUTES,
};
pub use tokens::ApiToken;
pub use turnaround::{
    CriticalCallback, LateSpecimen, TurnaroundGroup, TurnaroundReport, MAX_LISTED,
    MAX_TURNAROUND_DAYS,
};
pub use unmatched_queue::{
    LinkDayCounts, OrderCandidate, UnmatchedEntry, UnmatchedResolution, MAX_DISCARD_REASON_CHARS,
};
pub use user_admin::{OneTimePassword, MAX_DISPLAY_NAME_CHARS};
pub use users::{FIRST_ADMIN_USERNAME, MAX_USERNAME_CHARS};

/// File name of the database in the data directory.
pub const DB_FILE: &str = "lis.sqlite3";

/// What every operation needs besides the connection: the config.
pub(crate) struct Lab {
    pub(crate) config: LabConfig,
}

/// The lab's database.
pub struct Store {
    db_path: Option<PathBuf>,
    lab: Arc<Lab>,
    conn: Mutex<Connection>,
    /// Told after each commit; shared with the ingest writers.
    listeners: Arc<changes::Listeners>,
    /// How long each write of this store sleeps before it commits, holding the connection, in
    /// milliseconds (0: none). Tests only: a slow disk made on purpose.
    #[cfg(feature = "test-hooks")]
    write_delay_ms: std::sync::atomic::AtomicU64,
    /// How many writes have begun their sleep. Tests only.
    #[cfg(feature = "test-hooks")]
    slowed_writes: std::sync::atomic::AtomicU64,
    /// Background WAL checkpoints (on-disk stores only); declared last so it stops after the
    /// connection above is closed.
    _checkpointer: Option<checkpoint::Checkpointer>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("db_path", &self.db_path)
            .finish_non_exhaustive()
    }
}

/// Opens a connection with the pragmas every connection uses.
pub(crate) fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // WAL lets readers work while a writer commits; FULL makes every commit durable (the WAL is
    // synced at commit), which is what lets a driver acknowledge a frame after `ingest` returns.
    let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // An 8 MiB page cache keeps the indexes' hot pages and a grouped transaction's dirty pages
    // in memory, and a checkpoint every ~16 MiB of WAL writes hot pages to the database less
    // often. Not larger: when a B-tree page splits, SQLite briefly renumbers a page to the
    // locking page's number (page 262145), and the next commit then scans the whole page-cache
    // hash table to drop it; with a 64 MiB cache that scan alone was about a tenth of the CPU
    // of a one-commit ingest (measured: ~1,040 instead of ~870 messages per CPU second).
    conn.pragma_update(None, "cache_size", -8_192)?;
    // Checkpoints run in the background (`checkpoint`); this threshold (~64 MiB of WAL) is the
    // backstop should that thread fall behind.
    conn.pragma_update(None, "wal_autocheckpoint", 16_000)?;
    // Savepoint and statement journals in memory: the group commit's per-message savepoint
    // otherwise writes every page it first touches to a temporary file (a fifth of the time).
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Ingest uses about twenty distinct statements; the default cache of 16 would re-prepare.
    conn.set_prepared_statement_cache_capacity(64);
    stable_plans(conn)?;
    Ok(())
}

/// Turns on SQLite's query planner stability guarantee: a cached statement keeps its plan
/// instead of being re-prepared when a bound value changes (which cost a sixth of ingest time).
fn stable_plans(conn: &Connection) -> Result<(), StoreError> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

/// Unix milliseconds of a timestamp, as stored.
pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// A stored millisecond count as a timestamp (the epoch if out of range).
pub(crate) fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`, runs migrations, and records the
    /// config in the audit log when it changed since the last start.
    pub fn open(data_dir: &Path, config: LabConfig) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.display().to_string(),
            source,
        })?;
        let path = data_dir.join(DB_FILE);
        let conn = connect(&path)?;
        let mut store = Self::from_connection(conn, Some(path.clone()), config)?;
        store._checkpointer = Some(checkpoint::Checkpointer::start(&path)?);
        Ok(store)
    }

    /// An in-memory database, for tests and demos (no durability, no [`Ingestor`]).
    pub fn open_in_memory(config: LabConfig) -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(64);
        stable_plans(&conn)?;
        Self::from_connection(conn, None, config)
    }

    fn from_connection(
        mut conn: Connection,
        db_path: Option<PathBuf>,
        config: LabConfig,
    ) -> Result<Self, StoreError> {
        migrations::migrate(&mut conn)?;
        patients::fold_unfolded(&mut conn)?;
        record_config(&mut conn, &config)?;
        Ok(Self {
            db_path,
            lab: Arc::new(Lab { config }),
            conn: Mutex::new(conn),
            listeners: Arc::default(),
            #[cfg(feature = "test-hooks")]
            write_delay_ms: std::sync::atomic::AtomicU64::new(0),
            #[cfg(feature = "test-hooks")]
            slowed_writes: std::sync::atomic::AtomicU64::new(0),
            _checkpointer: None,
        })
    }

    /// The lab configuration in force.
    pub fn config(&self) -> &LabConfig {
        &self.lab.config
    }

    /// The database file, or none for an in-memory store.
    pub fn db_path(&self) -> Option<&Path> {
        self.db_path.as_deref()
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrations::current_version(&self.lock())
    }

    pub(crate) fn lab(&self) -> &Arc<Lab> {
        &self.lab
    }

    pub(crate) fn listeners(&self) -> &Arc<changes::Listeners> {
        &self.listeners
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no open transaction (rusqlite rolls back on
        // drop), so the connection is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in one immediate transaction and commits (durably) if it returns Ok; then, with
    /// the connection lock released, tells the commit listeners if it wrote an audit entry or an
    /// outbox row. A rolled-back write tells nothing.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Connection, &Lab) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = changes::Mark::before(&tx, &self.listeners)?;
        let out = f(&tx, &self.lab)?;
        let notice = changes::Mark::after(&tx, before, &self.listeners)?;
        #[cfg(feature = "test-hooks")]
        self.slow_commit();
        tx.commit()?;
        drop(conn);
        if let Some(notice) = notice {
            self.listeners.tell(notice);
        }
        Ok(out)
    }

    /// Runs a read.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection, &Lab) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.lock();
        f(&conn, &self.lab)
    }

    /// Makes every later write of this store sleep `delay` before it commits, holding the
    /// connection as a slow fsync would (`Duration::ZERO` ends it). Tests only.
    #[cfg(feature = "test-hooks")]
    pub fn slow_writes(&self, delay: std::time::Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.write_delay_ms
            .store(ms, std::sync::atomic::Ordering::SeqCst);
    }

    #[cfg(feature = "test-hooks")]
    fn slow_commit(&self) {
        let ms = self
            .write_delay_ms
            .load(std::sync::atomic::Ordering::SeqCst);
        if ms > 0 {
            self.slowed_writes
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }

    /// How many writes have begun sleeping under [`Store::slow_writes`]. Tests only.
    #[cfg(feature = "test-hooks")]
    pub fn slowed_writes(&self) -> u64 {
        self.slowed_writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs several reads in one read transaction: they all see the database as of one commit,
    /// even while the group-commit ingest writer (its own connection) commits in between.
    pub(crate) fn read_snapshot<T>(
        &self,
        f: impl FnOnce(&Connection, &Lab) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let out = f(&tx, &self.lab)?;
        // Nothing was written; ending the transaction only releases the snapshot.
        tx.commit()?;
        Ok(out)
    }

    /// Ingests one analyzer message in one durable transaction: its raw bytes into the journal
    /// and its results matched, checked and stored. Returns only after the commit is on disk,
    /// so the driver may then acknowledge the analyzer. The same bytes on the same link are
    /// stored once ([`IngestOutcome::Duplicate`]).
    pub fn ingest(&self, message: AnalyzerMessage) -> Result<IngestOutcome, StoreError> {
        self.write(|conn, lab| ingest::ingest(conn, lab, &message))
    }

    /// Journals bytes that could not be parsed (or anything else worth keeping), with the parse
    /// error. Idempotent like [`Store::ingest`].
    pub fn journal_raw(
        &self,
        link: &str,
        received_at: Timestamp,
        protocol: Protocol,
        raw: &[u8],
        error: Option<String>,
    ) -> Result<IngestOutcome, StoreError> {
        self.write(|conn, _| {
            let entry = journal::NewEntry {
                link,
                instrument: "",
                protocol,
                kind: "unparsed",
                received_at,
                raw,
                parse_error: error.as_deref(),
            };
            Ok(match journal::insert(conn, &entry)? {
                journal::Inserted::New(id) => {
                    audit_log::append(
                        conn,
                        &Actor::System,
                        "journal.raw",
                        "journal",
                        id,
                        None,
                        Some(&serde_json::json!({ "link": link, "bytes": raw.len(), "error": error })),
                        None,
                    )?;
                    IngestOutcome::Stored {
                        journal_id: id,
                        observations: Vec::new(),
                    }
                }
                journal::Inserted::Duplicate(id) => IngestOutcome::Duplicate { journal_id: id },
            })
        })
    }

    /// Checks the audit hash chain.
    pub fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        self.read(|conn, _| audit_log::verify(conn))
    }

    /// Reads a journal entry, checking its CRC-32 ([`StoreError::JournalCorrupt`] if damaged).
    pub fn journal_entry(&self, id: i64) -> Result<JournalEntry, StoreError> {
        self.read(|conn, _| journal::read(conn, id))
    }

    /// Checks the CRC-32 of every journal entry.
    pub fn verify_journal(&self) -> Result<JournalReport, StoreError> {
        self.read(|conn, _| journal::verify_all(conn))
    }

    /// Journal entries with id greater than `after`, at most `limit`, each CRC-checked, for
    /// replay; a damaged entry is an `Err` in its place, never silently used.
    pub fn journal_since(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Result<JournalEntry, StoreError>>, StoreError> {
        self.read(|conn, _| journal::since(conn, after, limit))
    }
}

/// Records the config's hash at start and audits a change.
fn record_config(conn: &mut Connection, config: &LabConfig) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let last: Option<String> = tx
        .query_row(
            "SELECT sha256 FROM config_history ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if last.as_deref() != Some(config.source_sha256.as_str()) {
        let now = Timestamp::now();
        tx.execute(
            "INSERT INTO config_history (loaded_at, source_name, sha256) VALUES (?1, ?2, ?3)",
            rusqlite::params![ms(now), config.source_name, config.source_sha256],
        )?;
        audit_log::append(
            &tx,
            &Actor::System,
            "config.load",
            "config",
            &config.source_name,
            last.map(|s| serde_json::json!({ "sha256": s })).as_ref(),
            Some(&serde_json::json!({
                "sha256": config.source_sha256,
                "source": config.source_name,
                "tests": config.tests.len(),
                "instruments": config.instruments.len(),
            })),
            None,
        )?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests;
