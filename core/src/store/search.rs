//! Paged searches for the FHIR API: released results (Observation), orders with released results
//! (DiagnosticReport), orders (ServiceRequest) and patients, each with the number of matches and
//! a keyset page, plus the latest change of a record (a resource's version).
//!
//! Paging is by row id ([`Keyset`]): a page is "the next `limit` matches after id N" (or before),
//! so rows stored while a client pages never shift the pages it has not read yet, and the total is
//! one `COUNT(*)` over the same filter, never a read of every row.

use jiff::Timestamp;
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension};

use super::his::{released_rows, RELEASED_SELECT};
use super::orders::{patient_row, PATIENT_COLUMNS};
use super::{ms, ts, Store};
use crate::error::StoreError;
use crate::model::{OrderId, Patient};
use crate::store::ReleasedResult;

/// Where a page starts: after a row id (the next page), before one (the previous page), or at
/// the first match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keyset {
    /// The first page.
    #[default]
    First,
    /// Matches with a larger id than this, smallest first.
    After(i64),
    /// Matches with a smaller id than this, the page ending just before it.
    Before(i64),
}

/// One page of matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// Every match of the filter, on every page.
    pub total: u64,
    /// This page's rows, by ascending id.
    pub rows: Vec<T>,
    /// Whether matches with a smaller id than the first row exist.
    pub more_before: bool,
    /// Whether matches with a larger id than the last row exist.
    pub more_after: bool,
}

/// A time interval `[from, before)`; either end open when `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    /// At or after.
    pub from: Option<Timestamp>,
    /// Strictly before.
    pub before: Option<Timestamp>,
}

/// Filters of the released-results search (FHIR `Observation`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservationSearch {
    /// The patient's HIS id.
    pub patient: Option<String>,
    /// LIS test code.
    pub test_code: Option<String>,
    /// When measured (the analyzer's time, else the arrival).
    pub observed: TimeRange,
    /// When released.
    pub released: TimeRange,
}

/// Filters of the report search (FHIR `DiagnosticReport`: orders with a released result).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportSearch {
    /// The patient's HIS id.
    pub patient: Option<String>,
    /// The earliest measurement of the order's released results.
    pub effective: TimeRange,
    /// The latest release of the order's results.
    pub released: TimeRange,
}

fn range_ms(r: TimeRange) -> (Option<i64>, Option<i64>) {
    (r.from.map(ms), r.before.map(ms))
}

/// Runs a keyset page over `from_where` (`FROM ... WHERE ...` with parameters `?1..?n` = `args`,
/// whose rows have the column `id`): one `COUNT(*)`, the page (`select` columns, one more row
/// than `limit` to know whether more follow) and one `EXISTS` for the other direction.
fn keyset_page<T>(
    conn: &Connection,
    select: &str,
    from_where: &str,
    args: &[&dyn ToSql],
    keyset: Keyset,
    limit: usize,
    mut row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Page<T>, StoreError> {
    let n = args.len();
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) {from_where}"))?
        .query_row(args, |r| r.get(0))?;
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX - 1) + 1;
    let (cond, order, mark) = match keyset {
        Keyset::First => ("", "ASC", None),
        Keyset::After(id) => (">", "ASC", Some(id)),
        Keyset::Before(id) => ("<", "DESC", Some(id)),
    };
    let mut sql = format!("SELECT {select} {from_where}");
    if !cond.is_empty() {
        sql.push_str(&format!(" AND id {cond} ?{}", n + 1));
    }
    sql.push_str(&format!(" ORDER BY id {order} LIMIT ?{}", n + 2));
    let mut all: Vec<&dyn ToSql> = args.to_vec();
    let mark_arg = mark.unwrap_or(0);
    all.push(&mark_arg);
    all.push(&fetch);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = Vec::new();
    let mut query = stmt.query(&all[..])?;
    while let Some(r) = query.next()? {
        rows.push(row(r)?);
    }
    let more_in_direction = rows.len() > limit;
    rows.truncate(limit);
    if matches!(keyset, Keyset::Before(_)) {
        rows.reverse();
    }
    // The other direction: matches on the far side of the mark (or of this page's edge).
    let other = |cond: &str, id: i64| -> Result<bool, StoreError> {
        let mut args2: Vec<&dyn ToSql> = args.to_vec();
        args2.push(&id);
        Ok(conn
            .prepare_cached(&format!(
                "SELECT EXISTS(SELECT 1 {from_where} AND id {cond} ?{})",
                n + 1
            ))?
            .query_row(&args2[..], |r| r.get(0))?)
    };
    let (more_before, more_after) = match keyset {
        Keyset::First => (false, more_in_direction),
        Keyset::After(id) => (other("<=", id)?, more_in_direction),
        Keyset::Before(id) => (more_in_direction, other(">=", id)?),
    };
    Ok(Page {
        total: u64::try_from(total).unwrap_or(0),
        rows,
        more_before,
        more_after,
    })
}

const OBSERVED: &str = "coalesce(observed_at, received_at)";

impl Store {
    /// Released results matching `search`, a page of at most `limit` by result id.
    pub fn search_observations(
        &self,
        search: &ObservationSearch,
        keyset: Keyset,
        limit: usize,
    ) -> Result<Page<ReleasedResult>, StoreError> {
        self.read(|conn, _| {
            let from_where = format!(
                "FROM results WHERE state = 'released' \
                 AND (?1 IS NULL OR patient_id IN (SELECT id FROM patients WHERE his_id = ?1)) \
                 AND (?2 IS NULL OR test_code = ?2) \
                 AND (?3 IS NULL OR {OBSERVED} >= ?3) AND (?4 IS NULL OR {OBSERVED} < ?4) \
                 AND (?5 IS NULL OR released_at >= ?5) AND (?6 IS NULL OR released_at < ?6)"
            );
            let (o_from, o_before) = range_ms(search.observed);
            let (r_from, r_before) = range_ms(search.released);
            let args: [&dyn ToSql; 6] = [
                &search.patient,
                &search.test_code,
                &o_from,
                &o_before,
                &r_from,
                &r_before,
            ];
            let page = keyset_page(
                conn,
                RELEASED_SELECT,
                &from_where,
                &args,
                keyset,
                limit,
                super::his::released_columns,
            )?;
            Ok(Page {
                total: page.total,
                rows: released_rows(conn, page.rows)?,
                more_before: page.more_before,
                more_after: page.more_after,
            })
        })
    }

    /// Orders with at least one released result matching `search`, a page of at most `limit`
    /// order ids.
    pub fn search_reports(
        &self,
        search: &ReportSearch,
        keyset: Keyset,
        limit: usize,
    ) -> Result<Page<OrderId>, StoreError> {
        self.read(|conn, _| {
            let from_where = format!(
                "FROM (SELECT order_id AS id, MIN({OBSERVED}) AS effective, \
                 MAX(released_at) AS released FROM results WHERE state = 'released' \
                 AND (?1 IS NULL OR patient_id IN (SELECT id FROM patients WHERE his_id = ?1)) \
                 GROUP BY order_id) \
                 WHERE (?2 IS NULL OR effective >= ?2) AND (?3 IS NULL OR effective < ?3) \
                 AND (?4 IS NULL OR released >= ?4) AND (?5 IS NULL OR released < ?5)"
            );
            let (e_from, e_before) = range_ms(search.effective);
            let (r_from, r_before) = range_ms(search.released);
            let args: [&dyn ToSql; 5] = [&search.patient, &e_from, &e_before, &r_from, &r_before];
            keyset_page(conn, "id", &from_where, &args, keyset, limit, |r| r.get(0))
        })
    }

    /// Orders, optionally of one patient (HIS id), a page of at most `limit` order ids.
    pub fn search_orders(
        &self,
        patient_his_id: Option<&str>,
        keyset: Keyset,
        limit: usize,
    ) -> Result<Page<OrderId>, StoreError> {
        self.read(|conn, _| {
            keyset_page(
                conn,
                "id",
                "FROM orders WHERE (?1 IS NULL OR patient_id IN \
                 (SELECT id FROM patients WHERE his_id = ?1))",
                &[&patient_his_id],
                keyset,
                limit,
                |r| r.get(0),
            )
        })
    }

    /// Patients, optionally only the one with this HIS id, a page of at most `limit`.
    pub fn page_patients(
        &self,
        his_id: Option<&str>,
        keyset: Keyset,
        limit: usize,
    ) -> Result<Page<Patient>, StoreError> {
        self.read(|conn, _| {
            keyset_page(
                conn,
                PATIENT_COLUMNS,
                "FROM patients WHERE (?1 IS NULL OR his_id = ?1)",
                &[&his_id],
                keyset,
                limit,
                |r| patient_row(r, 0),
            )
        })
    }

    /// The latest audited change of any of `records` (entity and id, as the audit trail names
    /// them: `("result", "12")`): its sequence number and time, `None` when none was audited.
    /// The FHIR resources use it as their version.
    pub fn latest_change_of(
        &self,
        records: &[(&str, String)],
    ) -> Result<Option<(i64, Timestamp)>, StoreError> {
        self.read(|conn, _| {
            let mut latest: Option<(i64, Timestamp)> = None;
            let mut stmt = conn.prepare_cached(
                "SELECT seq, at FROM audit WHERE entity = ?1 AND entity_id = ?2 \
                 ORDER BY seq DESC LIMIT 1",
            )?;
            for (entity, id) in records {
                let found: Option<(i64, i64)> = stmt
                    .query_row([entity, id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                if let Some((seq, at)) = found {
                    if latest.is_none_or(|(s, _)| seq > s) {
                        latest = Some((seq, ts(at)));
                    }
                }
            }
            Ok(latest)
        })
    }
}
