//! Supplementary values (`model::Supplement`): stored with the result version they came with,
//! with the unmatched row their result went to, or with the QC point a control's result became
//! (migration 17), in the order sent. A person's edit or
//! correction is a new version without them (they describe the analyzer's measurement, which the
//! earlier version keeps); a rerun's answer brings its own.

use std::collections::HashMap;

use rusqlite::{params, Connection};

use super::decode::At;
use crate::error::StoreError;
use crate::model::{QcPointId, ResultId, Supplement, UnmatchedId};

/// What a supplementary value belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    /// A result version.
    Result(ResultId),
    /// An unmatched row (copied to the result when it is attached).
    Unmatched(UnmatchedId),
    /// A QC point.
    QcPoint(QcPointId),
}

/// Stores `values` for `owner`, in order.
pub(crate) fn insert(
    conn: &Connection,
    owner: Owner,
    values: &[Supplement],
) -> Result<(), StoreError> {
    if values.is_empty() {
        return Ok(());
    }
    let (result_id, unmatched_id, qc_point_id) = match owner {
        Owner::Result(id) => (Some(id), None, None),
        Owner::Unmatched(id) => (None, Some(id), None),
        Owner::QcPoint(id) => (None, None, Some(id)),
    };
    let mut stmt = conn.prepare_cached(
        "INSERT INTO supplements (result_id, unmatched_id, qc_point_id, seq, name, value, units, \
         flags) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (seq, s) in values.iter().enumerate() {
        let flags = serde_json::to_string(&s.flags)
            .map_err(|e| StoreError::invalid(format!("supplementary flags: {e}")))?;
        stmt.execute(params![
            result_id,
            unmatched_id,
            qc_point_id,
            i64::try_from(seq).unwrap_or(i64::MAX),
            s.name,
            s.value,
            s.units,
            flags
        ])?;
    }
    Ok(())
}

/// The values of `owner`, in the order sent.
pub(crate) fn of(conn: &Connection, owner: Owner) -> Result<Vec<Supplement>, StoreError> {
    let (sql, id) = match owner {
        Owner::Result(id) => (
            "SELECT id, name, value, units, flags FROM supplements WHERE result_id = ?1 ORDER BY seq",
            id,
        ),
        Owner::Unmatched(id) => (
            "SELECT id, name, value, units, flags FROM supplements WHERE unmatched_id = ?1 \
             ORDER BY seq",
            id,
        ),
        Owner::QcPoint(id) => (
            "SELECT id, name, value, units, flags FROM supplements WHERE qc_point_id = ?1 \
             ORDER BY seq",
            id,
        ),
    };
    let rows = conn
        .prepare_cached(sql)?
        .query_map([id], |r| {
            let row: i64 = r.get(0)?;
            let flags: String = r.get(4)?;
            Ok(Supplement {
                name: r.get(1)?,
                value: r.get(2)?,
                units: r.get(3)?,
                flags: At::new("supplements", row, "flags").json(&flags)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The values of each of `results` that has any.
pub(crate) fn of_results(
    conn: &Connection,
    results: impl IntoIterator<Item = ResultId>,
) -> Result<HashMap<ResultId, Vec<Supplement>>, StoreError> {
    let mut out = HashMap::new();
    for id in results {
        let values = of(conn, Owner::Result(id))?;
        if !values.is_empty() {
            out.insert(id, values);
        }
    }
    Ok(out)
}

/// Copies an unmatched row's values to the result it was attached as (the row keeps its own).
pub(crate) fn attach(
    conn: &Connection,
    unmatched: UnmatchedId,
    result: ResultId,
) -> Result<(), StoreError> {
    let values = of(conn, Owner::Unmatched(unmatched))?;
    insert(conn, Owner::Result(result), &values)
}

impl super::Store {
    /// The supplementary values stored with a result version, in the order sent.
    pub fn supplements(&self, result: ResultId) -> Result<Vec<Supplement>, StoreError> {
        self.read(|conn, _| of(conn, Owner::Result(result)))
    }

    /// The supplementary values stored with a QC point, in the order sent.
    pub fn qc_point_supplements(&self, point: QcPointId) -> Result<Vec<Supplement>, StoreError> {
        self.read(|conn, _| of(conn, Owner::QcPoint(point)))
    }

    /// The supplementary values stored with an unmatched row, in the order sent.
    pub fn unmatched_supplements(
        &self,
        unmatched: UnmatchedId,
    ) -> Result<Vec<Supplement>, StoreError> {
        self.read(|conn, _| of(conn, Owner::Unmatched(unmatched)))
    }
}
