//! Finding patients and reading their history: search by the HIS's patient id, a specimen id,
//! a placer number or the name (Vietnamese folded, through `patient_name_keys`), and a
//! patient's released results over time (the cumulative report).
//!
//! The name keys are written with the name (`upsert_patient` calls `orders::write_name_keys`); rows
//! stored before the keys existed are folded once when the store opens ([`fold_unfolded`]).

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use super::decode::At;
use super::orders::{patient_row, PATIENT_COLUMNS};
use super::users::authorize;
use super::{ts, Store};
use crate::error::StoreError;
use crate::model::{Actor, Patient, PatientId, ResultId};
use crate::name_search;
use crate::permissions::Permission;
use crate::validation::Flag;

/// The longest search text accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// The most patients one search returns.
pub const SEARCH_LIMIT: usize = 50;

/// The most results a cumulative report reads (the patient's latest).
pub const HISTORY_LIMIT: usize = 2_000;

/// How a search found a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientMatch {
    /// The HIS's patient id, exactly.
    PatientId,
    /// A specimen id (barcode) of one of the patient's orders, exactly.
    SpecimenId,
    /// The placer number of one of the patient's orders, exactly.
    PlacerNumber,
    /// The name: the folded query starts one of the name's keys.
    Name,
}

/// One patient a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientHit {
    /// The patient.
    pub patient: Patient,
    /// How it was found.
    pub matched: PatientMatch,
    /// When the patient's latest order was placed, if any.
    pub last_order_at: Option<Timestamp>,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientSearch {
    /// The query as folded for the name search (what the page says it looked for).
    pub folded: String,
    /// The patients found: exact identifier matches first, then names in key order.
    pub hits: Vec<PatientHit>,
    /// Whether more patients match than [`SEARCH_LIMIT`] (the query should be narrowed).
    pub more: bool,
}

/// One released result of a patient, for the cumulative report.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPoint {
    /// The result's row id.
    pub result_id: ResultId,
    /// The specimen's barcode.
    pub specimen_barcode: String,
    /// The LIS test code.
    pub test_code: String,
    /// The value as reported.
    pub value: String,
    /// The value as a number, when it is one.
    pub numeric: Option<f64>,
    /// The unit.
    pub unit: String,
    /// The result's flags.
    pub flags: Vec<Flag>,
    /// When it was observed (the analyzer's time, else its arrival).
    pub at: Timestamp,
}

/// A patient's cumulative report: the patient and their released results, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientHistory {
    /// The patient.
    pub patient: Patient,
    /// Released results, newest first, at most [`HISTORY_LIMIT`].
    pub points: Vec<HistoryPoint>,
    /// Whether older results exist beyond [`HISTORY_LIMIT`].
    pub more: bool,
}

/// Folds the names of patients stored before the search keys existed (`name_fold IS NULL`,
/// found through a partial index), in one transaction; returns how many.
pub(super) fn fold_unfolded(conn: &mut Connection) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let rows: Vec<(PatientId, String)> = {
        let mut stmt = tx.prepare("SELECT id, name FROM patients WHERE name_fold IS NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, name) in &rows {
        super::orders::write_name_keys(&tx, *id, name)?;
    }
    tx.commit()?;
    Ok(rows.len())
}

/// The patient of an exact identifier, by one of the unique indexes.
fn exact(
    conn: &Connection,
    sql: &str,
    text: &str,
    matched: PatientMatch,
) -> Result<Option<(PatientId, PatientMatch)>, StoreError> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row([text], |r| r.get::<_, PatientId>(0))
        .optional()?
        .map(|id| (id, matched)))
}

fn search(conn: &Connection, query: &str) -> Result<PatientSearch, StoreError> {
    let text = query.trim();
    if text.is_empty() {
        return Err(StoreError::invalid(
            "search: type a patient id, a name, a specimen id or a placer number",
        ));
    }
    if text.chars().count() > MAX_SEARCH_CHARS {
        return Err(StoreError::invalid(format!(
            "search: longer than {MAX_SEARCH_CHARS} characters"
        )));
    }
    let mut found: Vec<(PatientId, PatientMatch)> = Vec::new();
    for (sql, matched) in [
        (
            "SELECT id FROM patients WHERE his_id = ?1",
            PatientMatch::PatientId,
        ),
        (
            "SELECT o.patient_id FROM specimens s JOIN orders o ON o.id = s.order_id \
             WHERE s.barcode = ?1",
            PatientMatch::SpecimenId,
        ),
        (
            "SELECT patient_id FROM orders WHERE placer_number = ?1",
            PatientMatch::PlacerNumber,
        ),
    ] {
        if let Some(hit) = exact(conn, sql, text, matched)? {
            if !found.iter().any(|(id, _)| *id == hit.0) {
                found.push(hit);
            }
        }
    }
    let folded = name_search::fold(text);
    let mut more = false;
    if !folded.is_empty() {
        // Keys in index order; a patient may match by several keys, so read a few more rows
        // than the page holds and keep each patient once.
        let cap = SEARCH_LIMIT * 4;
        let end = name_search::prefix_end(&folded);
        let mut stmt = conn.prepare_cached(
            "SELECT patient_id FROM patient_name_keys WHERE key >= ?1 AND key < ?2 \
             ORDER BY key, patient_id LIMIT ?3",
        )?;
        let ids = stmt.query_map(params![folded, end, cap as i64], |r| {
            r.get::<_, PatientId>(0)
        })?;
        let mut read = 0;
        for id in ids {
            let id = id?;
            read += 1;
            if found.iter().any(|(f, _)| *f == id) {
                continue;
            }
            if found.len() == SEARCH_LIMIT {
                more = true;
                break;
            }
            found.push((id, PatientMatch::Name));
        }
        more |= read == cap;
    }
    let mut patient = conn.prepare_cached(&format!(
        "SELECT {PATIENT_COLUMNS} FROM patients WHERE id = ?1"
    ))?;
    let mut last_order =
        conn.prepare_cached("SELECT MAX(ordered_at) FROM orders WHERE patient_id = ?1")?;
    let mut hits = Vec::with_capacity(found.len());
    for (id, matched) in found {
        let p = patient.query_row([id], |r| patient_row(r, 0))?;
        let last: Option<i64> = last_order.query_row([id], |r| r.get(0))?;
        hits.push(PatientHit {
            patient: p,
            matched,
            last_order_at: last.map(ts),
        });
    }
    Ok(PatientSearch { folded, hits, more })
}

fn history(conn: &Connection, patient_id: PatientId) -> Result<PatientHistory, StoreError> {
    let patient = conn
        .prepare_cached(&format!(
            "SELECT {PATIENT_COLUMNS} FROM patients WHERE id = ?1"
        ))?
        .query_row([patient_id], |r| patient_row(r, 0))
        .optional()?
        .ok_or_else(|| StoreError::not_found("patient", patient_id))?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, specimen_barcode, test_code, value, numeric, unit, flags, \
         COALESCE(observed_at, received_at) AS at FROM results \
         WHERE patient_id = ?1 AND +state = 'released' ORDER BY at DESC, id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![patient_id, (HISTORY_LIMIT + 1) as i64], |r| {
        let id: ResultId = r.get(0)?;
        Ok(HistoryPoint {
            result_id: id,
            specimen_barcode: r.get(1)?,
            test_code: r.get(2)?,
            value: r.get(3)?,
            numeric: r.get(4)?,
            unit: r.get(5)?,
            // A stored flag this version cannot read is an error, never "no flags".
            flags: At::new("results", id, "flags").flags(&r.get::<_, String>(6)?)?,
            at: ts(r.get(7)?),
        })
    })?;
    let mut points: Vec<HistoryPoint> = rows.collect::<Result<_, _>>()?;
    let more = points.len() > HISTORY_LIMIT;
    points.truncate(HISTORY_LIMIT);
    Ok(PatientHistory {
        patient,
        points,
        more,
    })
}

impl Store {
    /// Finds patients by the HIS's patient id, a specimen id or a placer number (each exactly),
    /// and by name: the query folded ([`name_search::fold`]: no marks, `đ` as `d`, any case)
    /// must start the name or the name from one of its words on, so "nguyen van an", "van an"
    /// and "an" find "NGUYỄN VĂN AN". Answered from indexes; at most [`SEARCH_LIMIT`] patients.
    /// The actor needs [`Permission::Review`], checked in the read.
    pub fn search_patients(&self, query: &str, actor: &Actor) -> Result<PatientSearch, StoreError> {
        self.read(|conn, lab| {
            authorize(conn, lab, actor, Permission::Review)?;
            search(conn, query)
        })
    }

    /// A patient's cumulative report: their released results, newest first (at most
    /// [`HISTORY_LIMIT`]). [`StoreError::NotFound`] for an unknown patient; the actor needs
    /// [`Permission::Review`], checked in the read.
    pub fn patient_history(
        &self,
        patient_id: PatientId,
        actor: &Actor,
    ) -> Result<PatientHistory, StoreError> {
        self.read(|conn, lab| {
            authorize(conn, lab, actor, Permission::Review)?;
            history(conn, patient_id)
        })
    }
}
