//! Microbiology isolates (`model::Isolate`) and their susceptibility panels: stored with the
//! result version they came with, or with the unmatched row their result went to (copied to the
//! result when a supervisor attaches it), never lost.
//!
//! An isolate's identification and its susceptibilities may come in separate messages: each
//! message makes a new version of the isolate result, and that version's panel is the one sent
//! completed with the rows of the latest earlier version of the same ordered test and isolate
//! label that this message did not send again ([`Isolate::complete_from`]). So the latest
//! version always carries the whole panel, and each earlier one what was known then.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::decode::At;
use super::supplements::Owner;
use crate::error::StoreError;
use crate::model::{Interpretation, Isolate, ResultId, Susceptibility, UnmatchedId};

/// Stores `isolate` for `owner`. For a result version, the panel is first completed from the
/// latest earlier version of the same ordered test with an isolate of the same label.
pub(crate) fn insert(
    conn: &Connection,
    owner: Owner,
    isolate: Option<&Isolate>,
) -> Result<(), StoreError> {
    let Some(isolate) = isolate else {
        return Ok(());
    };
    let mut isolate = isolate.clone();
    let (result_id, unmatched_id) = match owner {
        Owner::Result(id) => {
            if let Some(earlier) = earlier_version(conn, id, &isolate.label)? {
                isolate.complete_from(&earlier);
            }
            (Some(id), None)
        }
        Owner::Unmatched(id) => (None, Some(id)),
        // A control's row is a QC point (`store::qc_ingest`), never an isolate.
        Owner::QcPoint(id) => {
            return Err(StoreError::invalid(format!(
                "isolate {}: QC point {id} cannot hold a microbiology isolate",
                isolate.label
            )))
        }
    };
    conn.prepare_cached(
        "INSERT INTO isolates (result_id, unmatched_id, label, organism_code, organism_name) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        result_id,
        unmatched_id,
        isolate.label,
        isolate.organism_code,
        isolate.organism_name
    ])?;
    let isolate_id = conn.last_insert_rowid();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO susceptibilities (isolate_id, seq, antibiotic_code, antibiotic_name, mic, \
         interpretation, interpretation_sent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (seq, s) in isolate.susceptibilities.iter().enumerate() {
        stmt.execute(params![
            isolate_id,
            i64::try_from(seq).unwrap_or(i64::MAX),
            s.antibiotic_code,
            s.antibiotic_name,
            s.mic,
            s.interpretation.map(Interpretation::code),
            s.interpretation_sent
        ])?;
    }
    Ok(())
}

/// The isolate of the latest version before `result` of the same ordered test, when it has the
/// label `label`.
fn earlier_version(
    conn: &Connection,
    result: ResultId,
    label: &str,
) -> Result<Option<Isolate>, StoreError> {
    let earlier: Option<i64> = conn
        .prepare_cached(
            "SELECT i.result_id FROM isolates i \
             JOIN results e ON e.id = i.result_id \
             JOIN results r ON r.ordered_test_id = e.ordered_test_id AND r.version > e.version \
             WHERE r.id = ?1 AND i.label = ?2 \
             ORDER BY e.version DESC LIMIT 1",
        )?
        .query_row(params![result, label], |r| r.get(0))
        .optional()?;
    match earlier {
        Some(id) => of(conn, Owner::Result(id)),
        None => Ok(None),
    }
}

/// The isolate of `owner`, with its panel in the order sent.
pub(crate) fn of(conn: &Connection, owner: Owner) -> Result<Option<Isolate>, StoreError> {
    let (sql, id) = match owner {
        Owner::Result(id) => (
            "SELECT id, label, organism_code, organism_name FROM isolates WHERE result_id = ?1",
            id,
        ),
        Owner::Unmatched(id) => (
            "SELECT id, label, organism_code, organism_name FROM isolates WHERE unmatched_id = ?1",
            id,
        ),
        Owner::QcPoint(_) => return Ok(None),
    };
    let found = conn
        .prepare_cached(sql)?
        .query_row([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Isolate {
                    label: r.get(1)?,
                    organism_code: r.get(2)?,
                    organism_name: r.get(3)?,
                    susceptibilities: Vec::new(),
                },
            ))
        })
        .optional()?;
    let Some((isolate_id, mut isolate)) = found else {
        return Ok(None);
    };
    isolate.susceptibilities = conn
        .prepare_cached(
            "SELECT id, antibiotic_code, antibiotic_name, mic, interpretation, \
             interpretation_sent FROM susceptibilities WHERE isolate_id = ?1 ORDER BY seq",
        )?
        .query_map([isolate_id], |r| {
            let row: i64 = r.get(0)?;
            let code: Option<String> = r.get(4)?;
            let interpretation = match code {
                None => None,
                Some(code) => Some(Interpretation::from_code(&code).ok_or_else(|| {
                    At::new("susceptibilities", row, "interpretation")
                        .corrupt(format!("unknown interpretation {code:?}"))
                })?),
            };
            Ok(Susceptibility {
                antibiotic_code: r.get(1)?,
                antibiotic_name: r.get(2)?,
                mic: r.get(3)?,
                interpretation,
                interpretation_sent: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(isolate))
}

/// The isolate of each of `results` that has one.
pub(crate) fn of_results(
    conn: &Connection,
    results: impl IntoIterator<Item = ResultId>,
) -> Result<HashMap<ResultId, Isolate>, StoreError> {
    let mut out = HashMap::new();
    for id in results {
        if let Some(isolate) = of(conn, Owner::Result(id))? {
            out.insert(id, isolate);
        }
    }
    Ok(out)
}

/// Copies an unmatched row's isolate to the result it was attached as (the row keeps its own).
pub(crate) fn attach(
    conn: &Connection,
    unmatched: UnmatchedId,
    result: ResultId,
) -> Result<(), StoreError> {
    let isolate = of(conn, Owner::Unmatched(unmatched))?;
    insert(conn, Owner::Result(result), isolate.as_ref())
}

/// A person's new version of an isolate result (an edit or a correction of the organism) keeps
/// the isolate and its whole panel: the antibiogram is part of what is reported, and a HIS that
/// replaces the result with the corrected one must not lose it. The organism becomes the one the
/// person wrote; the analyzer's organism code goes with the analyzer's organism (a person's
/// organism has none), so the code is kept only when the name is unchanged.
pub(crate) fn carry_to_new_version(
    conn: &Connection,
    from: ResultId,
    to: ResultId,
    organism: &str,
) -> Result<(), StoreError> {
    let Some(mut isolate) = of(conn, Owner::Result(from))? else {
        return Ok(());
    };
    let organism = organism.trim();
    if organism != isolate.organism_name.trim() {
        isolate.organism_name = organism.to_owned();
        isolate.organism_code = String::new();
    }
    insert(conn, Owner::Result(to), Some(&isolate))
}

impl super::Store {
    /// The microbiology isolate stored with a result version, with its panel in the order sent.
    pub fn isolate(&self, result: ResultId) -> Result<Option<Isolate>, StoreError> {
        self.read(|conn, _| of(conn, Owner::Result(result)))
    }

    /// The microbiology isolate stored with an unmatched row.
    pub fn unmatched_isolate(&self, unmatched: UnmatchedId) -> Result<Option<Isolate>, StoreError> {
        self.read(|conn, _| of(conn, Owner::Unmatched(unmatched)))
    }
}
