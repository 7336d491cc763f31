//! Reads for the UI and the HIS: results of an order, a result with its checks, the unmatched
//! queue, released results, the outbox.

use jiff::Timestamp;
use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::decode::At;
use super::{ms, ts, Store};
use crate::error::StoreError;
use crate::lifecycle::ResultState;
use crate::model::{CheckRow, LabResult, OrderId, ResultId, ResultWithChecks, Unmatched};
use crate::validation::Outcome;

/// The review worklist, oldest first (served by the partial index `results_pending_review`).
pub(super) const PENDING_REVIEW_WHERE: &str = "state = 'pending_review' ORDER BY id";

/// Released results from `?1` on, in release order (the partial index `results_released`).
pub(super) const RELEASED_SINCE_WHERE: &str =
    "released_at >= ?1 AND state = 'released' ORDER BY released_at, id";

pub(super) const RESULT_COLUMNS: &str =
    "id, ordered_test_id, order_id, specimen_barcode, test_code, \
    version, value_sent, value, numeric, value_kind, unit, flags, instrument_flags, instrument, \
    operator, observed_at, received_at, state, reported, corrects, journal_id, rev, verified_by, \
    verified_at, released_by";

pub(super) fn result_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LabResult> {
    let id: ResultId = r.get(0)?;
    let at = |column| At::new("results", id, column);
    Ok(LabResult {
        id,
        ordered_test_id: r.get(1)?,
        order_id: r.get(2)?,
        specimen_id: r.get(3)?,
        test_code: r.get(4)?,
        version: r.get(5)?,
        value_sent: r.get(6)?,
        value: r.get(7)?,
        numeric: r.get(8)?,
        value_kind: r.get(9)?,
        unit: r.get(10)?,
        flags: at("flags").flags(&r.get::<_, String>(11)?)?,
        instrument_flags: at("instrument_flags").json(&r.get::<_, String>(12)?)?,
        instrument: r.get(13)?,
        operator: r.get(14)?,
        observed_at: r.get::<_, Option<i64>>(15)?.map(ts),
        received_at: ts(r.get(16)?),
        state: at("state").code(&r.get::<_, String>(17)?, ResultState::parse)?,
        reported: r.get(18)?,
        corrects: r.get(19)?,
        journal_id: r.get(20)?,
        rev: r.get(21)?,
        verified_by: r.get(22)?,
        verified_at: r.get::<_, Option<i64>>(23)?.map(ts),
        released_by: r.get(24)?,
    })
}

/// Every result version of an order (`?1`), by test then version: through the ordered tests'
/// index, because results carry no order index (to keep ingest lean).
pub(super) const ORDER_RESULTS_WHERE: &str = "ordered_test_id IN \
     (SELECT id FROM ordered_tests WHERE order_id = ?1) ORDER BY ordered_test_id, version";

pub(super) fn results_where(
    conn: &Connection,
    clause: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<LabResult>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {RESULT_COLUMNS} FROM results WHERE {clause}"
    ))?;
    let rows = stmt.query_map(params, result_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Results with their check rows and reasons, in the caller's transaction.
pub(super) fn results_with_checks_where(
    conn: &Connection,
    clause: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<ResultWithChecks>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RESULT_COLUMNS}, checks, reasons FROM results WHERE {clause}"
    ))?;
    let n = RESULT_COLUMNS.split(',').count();
    let rows = stmt.query_map(params, |r| {
        let result = result_row(r)?;
        let (checks, reasons): (String, String) = (r.get(n)?, r.get(n + 1)?);
        // Damaged JSON is a storage error (it never came from a request), like any other
        // column SQLite cannot convert.
        let damaged = |column: usize, e: serde_json::Error| {
            rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(e))
        };
        let checks = serde_json::from_str::<Vec<StoredCheck>>(&checks)
            .map_err(|e| damaged(n, e))?
            .into_iter()
            .map(StoredCheck::into_row)
            .collect();
        let reasons = serde_json::from_str(&reasons).map_err(|e| damaged(n + 1, e))?;
        Ok(ResultWithChecks {
            result,
            checks,
            reasons,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One outbox row: something to send to the HIS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Row id.
    pub id: i64,
    /// The order.
    pub order_id: OrderId,
    /// `results_released` or `correction`.
    pub kind: String,
    /// The results to send.
    pub result_ids: Vec<ResultId>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    /// Send attempts so far.
    pub attempts: i64,
    /// The last send error.
    pub last_error: Option<String>,
}

impl Store {
    /// One result version.
    pub fn result(&self, result_id: ResultId) -> Result<LabResult, StoreError> {
        self.read(|conn, _| {
            results_where(conn, "id = ?1", [result_id])?
                .pop()
                .ok_or_else(|| StoreError::not_found("result", result_id))
        })
    }

    /// Every result version of an order, by test then version.
    pub fn results_for_order(&self, order_id: OrderId) -> Result<Vec<LabResult>, StoreError> {
        self.read(|conn, _| results_where(conn, ORDER_RESULTS_WHERE, [order_id]))
    }

    /// A result with every check row and the reasons it waits.
    pub fn result_with_checks(&self, result_id: ResultId) -> Result<ResultWithChecks, StoreError> {
        self.read(|conn, _| {
            results_with_checks_where(conn, "id = ?1", [result_id])?
                .pop()
                .ok_or_else(|| StoreError::not_found("result", result_id))
        })
    }

    /// Results waiting for a person, oldest first.
    pub fn pending_review(&self) -> Result<Vec<LabResult>, StoreError> {
        self.read(|conn, _| results_where(conn, PENDING_REVIEW_WHERE, []))
    }

    /// Results released at or after `since`, in release order (for the HIS and reports).
    pub fn released_results_since(&self, since: Timestamp) -> Result<Vec<LabResult>, StoreError> {
        self.read(|conn, _| results_where(conn, RELEASED_SINCE_WHERE, [ms(since)]))
    }

    /// The unmatched queue: results neither attached to an order nor discarded, oldest first.
    pub fn unmatched(&self) -> Result<Vec<Unmatched>, StoreError> {
        self.read(|conn, _| {
            let mut stmt = conn.prepare(
                "SELECT id, journal_id, instrument, specimen_id, instrument_test_code, value, \
                 units, reason, received_at, attached_result_id, patient_hint FROM unmatched \
                 WHERE attached_result_id IS NULL AND discarded_at IS NULL ORDER BY id",
            )?;
            let rows = stmt.query_map([], super::unmatched_queue::unmatched_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Outbox rows still to send (pending or failed), oldest first.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        self.read(|conn, _| {
            let mut stmt = conn.prepare(
                "SELECT id, order_id, kind, result_ids, created_at, state, attempts, last_error \
                 FROM outbox WHERE state IN ('pending', 'failed') ORDER BY id LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                let id: i64 = r.get(0)?;
                Ok(OutboxItem {
                    id,
                    order_id: r.get(1)?,
                    kind: r.get(2)?,
                    result_ids: At::new("outbox", id, "result_ids")
                        .json(&r.get::<_, String>(3)?)?,
                    created_at: ts(r.get(4)?),
                    state: r.get(5)?,
                    attempts: r.get(6)?,
                    last_error: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Records a send attempt of an outbox row: sent, or failed with the error.
    pub fn mark_outbox(&self, id: i64, error: Option<&str>) -> Result<(), StoreError> {
        self.write(|conn, _| {
            let n = conn.execute(
                "UPDATE outbox SET state = ?2, attempts = attempts + 1, last_error = ?3 WHERE id = ?1",
                params![id, if error.is_some() { "failed" } else { "sent" }, error],
            )?;
            if n == 0 {
                return Err(StoreError::not_found("outbox row", id));
            }
            Ok(())
        })
    }

    /// How many journal entries, results and unmatched results are stored (for status pages
    /// and tests).
    pub fn counts(&self) -> Result<(i64, i64, i64), StoreError> {
        self.read(|conn, _| {
            let one = |sql: &str| -> Result<i64, StoreError> {
                Ok(conn
                    .query_row(sql, [], |r| r.get(0))
                    .optional()?
                    .unwrap_or(0))
            };
            Ok((
                one("SELECT COUNT(*) FROM journal")?,
                one("SELECT COUNT(*) FROM results")?,
                one("SELECT COUNT(*) FROM unmatched")?,
            ))
        })
    }
}

/// One outcome as `results.checks` keeps it: `[rule, outcome, detail]`, or `[rule, outcome]` for
/// the rule's standard sentence.
#[derive(serde::Deserialize)]
#[serde(untagged)]
pub(super) enum StoredCheck {
    Particular(String, String, String),
    Standard(String, String),
}

/// Damaged JSON is a storage error (it never came from a request), like any other column SQLite
/// cannot convert.
fn damaged(column: usize, e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(e))
}

/// Reads a `results.checks` column (a JSON array of stored checks) into check rows; damaged JSON
/// is an error, never an empty list.
pub(super) fn checks_column(
    r: &rusqlite::Row<'_>,
    column: usize,
) -> rusqlite::Result<Vec<CheckRow>> {
    let text: String = r.get(column)?;
    Ok(serde_json::from_str::<Vec<StoredCheck>>(&text)
        .map_err(|e| damaged(column, e))?
        .into_iter()
        .map(StoredCheck::into_row)
        .collect())
}

impl StoredCheck {
    pub(super) fn into_row(self) -> CheckRow {
        let (rule, outcome, detail) = match self {
            Self::Particular(rule, outcome, detail) => (rule, outcome, Some(detail)),
            Self::Standard(rule, outcome) => (rule, outcome, None),
        };
        // An outcome name this version does not know reads as failed: it never lets a result
        // look better than it was stored.
        let outcome = Outcome::parse(&outcome).unwrap_or(Outcome::Failed);
        let detail = detail.unwrap_or_else(|| {
            crate::validation::standard_detail(&rule, outcome)
                .unwrap_or_default()
                .to_owned()
        });
        CheckRow {
            rule,
            outcome,
            detail,
        }
    }
}
