//! Evaluating a QC run: its points against the earlier runs of the same instrument, test and
//! lot with the test's Westgard rules ([`crate::qc`]), storing the verdict, the rules that fired
//! with their points and the reason in words, setting the instrument and test's QC state, and
//! flagging for re-check the patient results that arrived since the last accepted run when the
//! run is rejected.
//!
//! A run is evaluated again on every point that joins it, from what is stored, so a run sent
//! point by point ends with the same evaluation as the same run sent at once.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use super::qc_state::{self, RunVerdict};
use super::{ms, ts, Lab};
use crate::error::StoreError;
use crate::model::{Actor, QcRunId, QcVerdict};
use crate::presentation::qc_reason::{reason_words, violation_words, FiredPoint, FiredRule};
use crate::presentation::Language;
use crate::qc::{Evaluation, PointRef, QcPoint, QcRun};

/// How many earlier runs of a lot the rules look back on (10-x over one-level runs needs nine,
/// 12-x over four levels three; more costs nothing but reading).
pub(super) const HISTORY_RUNS: usize = 24;

/// Flags the results of an instrument and test received in a time range, through the
/// `results_received` index (a rejection is rare; no index on instrument is kept for it).
pub(super) const RECHECK_SQL: &str = "INSERT OR IGNORE INTO qc_rechecks (result_id, run_id, \
     flagged_at) SELECT id, ?5, ?6 FROM results WHERE received_at > ?1 AND received_at <= ?2 \
     AND instrument = ?3 AND test_code = ?4 AND +state != 'rejected'";

/// The latest earlier runs of a lot that were not rejected, newest first (through the
/// `qc_points_lot` index).
pub(super) const EARLIER_RUNS_SQL: &str = "SELECT DISTINCT p.run_id FROM qc_points p \
     JOIN qc_runs r ON r.id = p.run_id WHERE p.instrument = ?1 AND p.test_code = ?2 \
     AND p.lot = ?3 AND p.run_id < ?4 AND p.run_id IS NOT NULL AND p.z IS NOT NULL \
     AND r.verdict != 'rejected' ORDER BY p.run_id DESC LIMIT ?5";

/// A stored, evaluated point as the rules see it.
#[derive(Debug, Clone)]
struct StoredPoint {
    id: i64,
    run_id: QcRunId,
    lot: String,
    point: QcPoint,
}

/// The evaluated points of these runs (`clause` selects them), in arrival order.
fn points_where(
    conn: &Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<StoredPoint>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, run_id, lot, level, numeric, z FROM qc_points \
         WHERE {clause} AND z IS NOT NULL ORDER BY run_id, id"
    ))?;
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, QcRunId>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<f64>>(4)?,
            r.get::<_, f64>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, run_id, lot, level, value, z) = row?;
        let damaged = |column: &'static str, detail: String| StoreError::Corrupt {
            table: "qc_points",
            row: id,
            column,
            detail,
        };
        let level: u8 = level
            .as_deref()
            .and_then(|l| l.parse().ok())
            .ok_or_else(|| damaged("level", format!("{level:?} in an evaluated point")))?;
        let value =
            value.ok_or_else(|| damaged("numeric", "empty in an evaluated point".into()))?;
        let point = QcPoint::from_z(level, value, z).map_err(|e| damaged("z", e.to_string()))?;
        out.push(StoredPoint {
            id,
            run_id,
            lot: lot.ok_or_else(|| damaged("lot", "empty in an evaluated point".into()))?,
            point,
        });
    }
    Ok(out)
}

/// The point ids of a run's points by the [`PointRef`] the rules give them (run number `run`,
/// level, replicate in arrival order).
fn refs(points: &[&StoredPoint], run: usize, into: &mut HashMap<PointRef, (i64, QcRunId, f64)>) {
    let mut seen: BTreeMap<u8, u8> = BTreeMap::new();
    for p in points {
        let level = p.point.level();
        let replicate = seen.entry(level).or_insert(0);
        into.insert(
            PointRef {
                run,
                level,
                replicate: *replicate,
            },
            (p.id, p.run_id, p.point.z()),
        );
        *replicate = replicate.saturating_add(1);
    }
}

/// One rule that fired, with its points (id, run, level, z).
struct Fired {
    rule: crate::qc::WestgardRule,
    points: Vec<(i64, QcRunId, u8, f64)>,
}

impl Fired {
    /// The parts the words are made of.
    fn parts(&self) -> FiredRule {
        FiredRule {
            rule: self.rule.name().to_owned(),
            warning: self.rule.is_warning(),
            points: self
                .points
                .iter()
                .map(|&(_, run_id, level, z)| FiredPoint { run_id, level, z })
                .collect(),
        }
    }
}

/// Evaluates run `run_id` from what is stored, records its evaluation, sets its instrument and
/// test's state and the re-check flags. `now` is when the point that prompted it arrived.
pub(super) fn evaluate(
    conn: &Connection,
    lab: &Lab,
    actor: &Actor,
    run_id: QcRunId,
    now: Timestamp,
) -> Result<QcVerdict, StoreError> {
    let (instrument, test_code, last_at): (String, String, i64) = conn
        .prepare_cached("SELECT instrument, test_code, last_at FROM qc_runs WHERE id = ?1")?
        .query_row([run_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let rules = lab.config.qc.rules_for(&test_code);
    let points = points_where(conn, "run_id = ?1", [run_id])?;
    // Each lot is judged against its own earlier runs (a lot change starts new statistics);
    // the run's verdict is the worst of its lots'.
    let mut lots: Vec<&str> = Vec::new();
    for p in &points {
        if !lots.contains(&p.lot.as_str()) {
            lots.push(&p.lot);
        }
    }
    let mut verdict = QcVerdict::Accepted;
    let mut fired: Vec<Fired> = Vec::new();
    for lot in lots {
        let current: Vec<&StoredPoint> = points.iter().filter(|p| p.lot == lot).collect();
        let earlier: Vec<QcRunId> = conn
            .prepare_cached(EARLIER_RUNS_SQL)?
            .query_map(
                params![instrument, test_code, lot, run_id, HISTORY_RUNS as i64],
                |r| r.get(0),
            )?
            .collect::<Result<_, _>>()?;
        let mut by_ref: HashMap<PointRef, (i64, QcRunId, f64)> = HashMap::new();
        let mut history: Vec<QcRun> = Vec::with_capacity(earlier.len());
        for (i, run) in earlier.iter().rev().enumerate() {
            let run_points = points_where(conn, "run_id = ?1 AND lot = ?2", params![run, lot])?;
            let run_points: Vec<&StoredPoint> = run_points.iter().collect();
            refs(&run_points, i, &mut by_ref);
            history.push(QcRun::new(run_points.iter().map(|p| p.point).collect()));
        }
        refs(&current, history.len(), &mut by_ref);
        let run = QcRun::new(current.iter().map(|p| p.point).collect());
        let evaluation: Evaluation = crate::qc::rules::evaluate(&history, &run, &rules);
        verdict = verdict.max(evaluation.verdict);
        for v in evaluation.violations {
            let mut pts = Vec::with_capacity(v.points.len());
            for r in &v.points {
                let (id, run_of, z) = by_ref.get(r).copied().ok_or_else(|| {
                    StoreError::invalid(format!(
                        "QC run {run_id}: {} names a point the run does not have",
                        v.rule.name()
                    ))
                })?;
                pts.push((id, run_of, r.level, z));
            }
            fired.push(Fired {
                rule: v.rule,
                points: pts,
            });
        }
    }
    let parts: Vec<FiredRule> = fired.iter().map(Fired::parts).collect();
    let reason = reason_words(Language::En, &test_code, run_id, verdict, &parts);
    conn.prepare_cached("DELETE FROM qc_violations WHERE run_id = ?1")?
        .execute([run_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO qc_violations (run_id, rule, warning, points, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for f in &fired {
        let ids: Vec<i64> = f.points.iter().map(|p| p.0).collect();
        insert.execute(params![
            run_id,
            f.rule.name(),
            f.rule.is_warning(),
            serde_json::to_string(&ids).unwrap_or_else(|_| String::from("[]")),
            violation_words(Language::En, &test_code, run_id, &f.parts()),
        ])?;
    }
    conn.prepare_cached(
        "UPDATE qc_runs SET verdict = ?2, reason = ?3, evaluated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![run_id, verdict.as_str(), reason, ms(now)])?;
    // Only the latest run of an instrument and test sets its state (a point only ever joins
    // the latest run, so this holds; a newer run would have set the state itself).
    let latest: Option<QcRunId> = conn
        .prepare_cached("SELECT max(id) FROM qc_runs WHERE instrument = ?1 AND test_code = ?2")?
        .query_row(params![instrument, test_code], |r| r.get(0))?;
    if latest == Some(run_id) {
        qc_state::set(
            conn,
            actor,
            &RunVerdict {
                instrument: &instrument,
                test_code: &test_code,
                run_id,
                verdict,
                reason: &reason,
                since: ts(last_at),
            },
        )?;
    }
    flag_rechecks(conn, &instrument, &test_code, run_id, verdict, now)?;
    Ok(verdict)
}

/// Flags the patient results of the instrument and test that arrived between its last
/// accepted run and this rejected one (from the latest arrival of the accepted run's points to
/// the latest arrival of this run's); without an earlier accepted run, from the first QC point
/// of the instrument and test. A run that is no longer rejected takes back its open flags.
fn flag_rechecks(
    conn: &Connection,
    instrument: &str,
    test_code: &str,
    run_id: QcRunId,
    verdict: QcVerdict,
    now: Timestamp,
) -> Result<(), StoreError> {
    if verdict != QcVerdict::Rejected {
        conn.prepare_cached("DELETE FROM qc_rechecks WHERE run_id = ?1 AND checked_at IS NULL")?
            .execute([run_id])?;
        return Ok(());
    }
    let accepted: Option<QcRunId> = conn
        .prepare_cached(
            "SELECT id FROM qc_runs WHERE instrument = ?1 AND test_code = ?2 AND id < ?3 \
             AND verdict IN ('accepted', 'warning') ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![instrument, test_code, run_id], |r| r.get(0))
        .optional()?;
    let from: Option<i64> = match accepted {
        Some(run) => conn
            .prepare_cached("SELECT max(received_at) FROM qc_points WHERE run_id = ?1")?
            .query_row([run], |r| r.get(0))?,
        None => conn
            .prepare_cached(
                "SELECT min(p.received_at) FROM qc_points p JOIN qc_runs r ON r.id = p.run_id \
                 WHERE r.instrument = ?1 AND r.test_code = ?2",
            )?
            .query_row(params![instrument, test_code], |r| r.get(0))?,
    };
    let until: Option<i64> = conn
        .prepare_cached("SELECT max(received_at) FROM qc_points WHERE run_id = ?1")?
        .query_row([run_id], |r| r.get(0))?;
    let (Some(from), Some(until)) = (from, until) else {
        return Ok(());
    };
    let open_from = if accepted.is_some() { from } else { from - 1 };
    conn.prepare_cached(RECHECK_SQL)?.execute(params![
        open_from,
        until,
        instrument,
        test_code,
        run_id,
        ms(now)
    ])?;
    Ok(())
}
