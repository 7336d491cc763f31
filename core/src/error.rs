//! The store's error type.

use crate::config::ConfigErrors;
use crate::lifecycle::IllegalTransition;

/// Why a store operation failed. Nothing was changed when an operation returns an error: every
/// operation is one transaction.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error (disk full, locked, corrupt file...).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
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
        source: rusqlite::Error,
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
    /// The ingest writer thread has stopped (its database failed); no message was stored.
    #[error("the ingest writer has stopped")]
    WriterStopped,
}

/// A stored value that cannot be read, carried through rusqlite's row mapping as the source of
/// a `FromSqlConversionFailure` and turned into [`StoreError::Corrupt`] by `From`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("table {table}, row {row}, column {column}: {detail}")]
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
        Self::Sqlite(error)
    }
}

/// The error of an ingest: a store error (the message was not stored and must not be
/// acknowledged).
pub type IngestError = StoreError;

impl StoreError {
    pub(crate) fn invalid(what: impl Into<String>) -> Self {
        Self::Invalid { what: what.into() }
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
