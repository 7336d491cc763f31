//! The store's error type.

use crate::config::ConfigErrors;
use crate::lifecycle::IllegalTransition;

/// Why a store operation failed. Nothing was changed when an operation returns an error: every
/// operation is one transaction.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error (disk full, locked, corrupt file...).
    #[error("database error: {0}")]
    Database(DatabaseError),
    /// A stored value cannot be read as what its column holds (damaged JSON, an unknown code).
    /// Such a value is never replaced by a default: the operation fails and says where.
    #[error("stored value cannot be read: table {table}, row {row}, column {column}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The row's id.
        row: i64,
        /// The column.
        column: &'static str,
        /// What is wrong with the value.
        detail: String,
    },
    /// A schema migration failed; the database stays at the version before it.
    #[error("migration to schema version {version} failed: {source}")]
    Migration {
        /// The version being applied.
        version: u32,
        /// What SQLite said.
        source: DatabaseError,
    },
    /// The database was written by a newer LIS than this one.
    #[error("database schema version {found} is newer than this program knows ({known})")]
    SchemaTooNew {
        /// Version in the file.
        found: u32,
        /// Latest version this program knows.
        known: u32,
    },
    /// The data directory could not be created or opened.
    #[error("data directory {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The lab configuration is invalid.
    #[error("{0}")]
    Config(#[from] ConfigErrors),
    /// No row with this id.
    #[error("{entity} {id} not found")]
    NotFound {
        /// Kind of thing (`result`, `order`, ...).
        entity: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The life-cycle action is not allowed in the result's state.
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    /// The acting person may not do this: their roles lack the permission, the lab's review
    /// policy forbids it (releasing what they verified themselves), or the user is unknown or
    /// disabled. Nothing was changed.
    #[error("not allowed ({permission}): {detail}")]
    Forbidden {
        /// The permission asked for ([`crate::permissions::Permission::as_str`]).
        permission: &'static str,
        /// Why, in words.
        detail: String,
    },
    /// The result changed since the person saw it: the action named the row version it saw
    /// and the row has moved on. Nothing was changed; the page should show the newer state.
    #[error("{}", stale_message(*result_id, *expected_rev, *current_rev, changed_by.as_deref(), changed_at.as_ref(), state))]
    Stale {
        /// The result.
        result_id: crate::model::ResultId,
        /// The row version the person saw.
        expected_rev: i64,
        /// The row version stored now.
        current_rev: i64,
        /// Who made the latest change: a user's display name, or the actor (`system`,
        /// `instrument:X`, `his:Y`); none when the row was never changed after it was stored.
        changed_by: Option<String>,
        /// When the latest change was made.
        changed_at: Option<jiff::Timestamp>,
        /// The result's state now.
        state: String,
    },
    /// A critical result cannot be released before a call-back with the outcome "told" (with or
    /// without read-back) is recorded for it.
    #[error("result {result_id} is critical: record the call-back (who was told, where, read-back) before releasing it")]
    CallbackRequired {
        /// The critical result.
        result_id: crate::model::ResultId,
    },
    /// A patient result cannot be released while the QC of its instrument and test is
    /// rejected: the hold ends with an accepted QC run or a supervisor's documented override.
    #[error("result {result_id} is held: QC of {test_code} on {instrument} is rejected ({reason}); it can be released after an accepted QC run or a supervisor's override")]
    QcRejected {
        /// The held result.
        result_id: crate::model::ResultId,
        /// Its instrument.
        instrument: String,
        /// Its test (LIS code).
        test_code: String,
        /// The rejected run.
        run_id: crate::model::QcRunId,
        /// Why the run was rejected, in words ("1-3s on level 1 (GLU z = +3.50) in run 12").
        reason: String,
    },
    /// The request is not valid in itself or against the catalog (an empty field, an unknown
    /// test, an action the result's state does not allow).
    #[error("{what}")]
    Invalid {
        /// What is wrong, in words.
        what: String,
    },
    /// The request conflicts with what is stored: a placer number or barcode already used, a
    /// username taken, an unmatched result already attached, an order already cancelled.
    #[error("{what}")]
    Conflict {
        /// What it conflicts with, in words.
        what: String,
    },
    /// A cancel was refused because these tests of the order already have a released result
    /// (the HIS may have filed it): nothing was changed. A wrong released result is corrected,
    /// never cancelled.
    #[error("order {placer_number:?} cannot be cancelled: {} already released (correct a wrong result instead)", released_list(tests))]
    ReleasedTests {
        /// The order's placer number.
        placer_number: String,
        /// The tests with a released result (LIS codes).
        tests: Vec<String>,
    },
    /// A journal entry's bytes do not match its CRC-32: the record is damaged and is not used.
    #[error("journal entry {journal_id} is damaged: CRC-32 {stored:#010x} stored, {computed:#010x} computed")]
    JournalCorrupt {
        /// The entry.
        journal_id: i64,
        /// CRC stored with it.
        stored: u32,
        /// CRC of the bytes read.
        computed: u32,
    },
    /// The shared transaction of a group commit could not be committed; none of its messages
    /// was stored.
    #[error("group commit failed: {message}")]
    CommitFailed {
        /// What SQLite said.
        message: String,
    },
    /// A random secret or a password hash could not be made (the operating system gave no
    /// randomness), or a stored password hash cannot be read.
    #[error("{what}")]
    Secret {
        /// What failed, in words (never a password or a secret).
        what: String,
    },
    /// The ingest writer thread has stopped (its database failed); no message was stored.
    #[error("the ingest writer has stopped")]
    WriterStopped,
}

fn released_list(tests: &[String]) -> String {
    match tests {
        [one] => format!("the result of {one} was"),
        many => format!("the results of {} were", many.join(", ")),
    }
}

/// A stored value that cannot be read, carried through rusqlite's row mapping as the source of
/// a `FromSqlConversionFailure` and turned into [`StoreError::Corrupt`] by `From`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{table} row {row}, column {column}: {detail}")]
pub(crate) struct CorruptValue {
    pub(crate) table: &'static str,
    pub(crate) row: i64,
    pub(crate) column: &'static str,
    pub(crate) detail: String,
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        if let rusqlite::Error::FromSqlConversionFailure(_, _, source) = &error {
            if let Some(c) = source.downcast_ref::<CorruptValue>() {
                return Self::Corrupt {
                    table: c.table,
                    row: c.row,
                    column: c.column,
                    detail: c.detail.clone(),
                };
            }
        }
        Self::Database(DatabaseError(error))
    }
}

/// An error SQLite reported. Opaque, so that core's public API does not tie its callers to the
/// SQLite binding core uses: its `Display` is SQLite's own message.
#[derive(Debug)]
pub struct DatabaseError(pub(crate) rusqlite::Error);

impl DatabaseError {
    /// Whether the database was busy or locked by another connection (the operation may succeed
    /// when tried again).
    pub fn is_busy(&self) -> bool {
        matches!(
            self.0.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

impl std::fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DatabaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// The error of an ingest: a store error (the message was not stored and must not be
/// acknowledged).
pub type IngestError = StoreError;

impl StoreError {
    pub(crate) fn invalid(what: impl Into<String>) -> Self {
        Self::Invalid { what: what.into() }
    }

    pub(crate) fn forbidden(
        permission: crate::permissions::Permission,
        detail: impl Into<String>,
    ) -> Self {
        Self::Forbidden {
            permission: permission.as_str(),
            detail: detail.into(),
        }
    }

    pub(crate) fn conflict(what: impl Into<String>) -> Self {
        Self::Conflict { what: what.into() }
    }

    pub(crate) fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

/// The words of [`StoreError::Stale`].
fn stale_message(
    result_id: crate::model::ResultId,
    expected_rev: i64,
    current_rev: i64,
    changed_by: Option<&str>,
    changed_at: Option<&jiff::Timestamp>,
    state: &str,
) -> String {
    let mut out = format!(
        "result {result_id} changed since it was shown (version {expected_rev} shown, now \
         {current_rev}, {state})"
    );
    if let Some(by) = changed_by {
        out.push_str(&format!(" by {by}"));
    }
    if let Some(at) = changed_at {
        out.push_str(&format!(" at {at}"));
    }
    out.push_str("; reload to see the change");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LabConfig, Store};

    #[test]
    fn a_database_error_says_what_sqlite_said_without_exposing_rusqlite() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lis.sqlite3"), vec![0x55; 8192]).unwrap();
        let Err(error) = Store::open(dir.path(), LabConfig::embedded_default().unwrap()) else {
            panic!("a file of 0x55 bytes opened as a database");
        };
        match &error {
            StoreError::Database(db) => {
                assert!(!db.is_busy());
                // SQLite's own words (sqlite3.c, SQLITE_NOTADB).
                assert_eq!(db.to_string(), "file is not a database");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(error.to_string(), "database error: file is not a database");
    }
}
