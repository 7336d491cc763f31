//! The QC reads people use: the Levey-Jennings chart's points, the QC results kept but not
//! evaluated, the patient results flagged for re-check, and what a result's page shows about
//! QC (re-check flags, release under an override). The overview, targets and monthly summary,
//! which also read the configuration, are in `qc_targets`.

use std::collections::HashMap;

use rusqlite::{params, Connection};

use super::decode::At;
use super::users::authorize;
use super::{audit_log, ms, supplements, ts, Store};
use crate::error::StoreError;
use crate::lifecycle::ResultState;
use crate::model::{
    Actor, QcChart, QcChartPoint, QcChartSegment, QcRecheck, QcRecheckDone, QcResolution,
    QcResultNote, QcRunId, QcUnresolvedPoint, QcVerdict, ResultId, UserName,
};
use crate::permissions::Permission;
use crate::presentation::qc_reason::{FiredPoint, FiredRule};

/// The most points a chart holds (the latest ones): about five years of daily QC of a level.
pub const MAX_CHART_POINTS: usize = 2_000;

/// The most unresolved QC results listed at once (the latest ones).
pub const MAX_UNRESOLVED_LISTED: usize = 500;

/// The longest note a supervisor may record on a re-check.
pub const MAX_RECHECK_NOTE_CHARS: usize = 2_000;

/// The points of one instrument, test and level (one lot, or all), in run order.
pub(super) fn chart(
    conn: &Connection,
    instrument: &str,
    test_code: &str,
    level: &str,
    lot: Option<&str>,
) -> Result<QcChart, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.run_id, r.verdict, p.at, p.numeric, p.z, p.target_mean, p.target_sd, \
         p.material, p.lot, p.entered_by, u.display_name \
         FROM qc_points p JOIN qc_runs r ON r.id = p.run_id \
         LEFT JOIN users u ON u.id = p.entered_by \
         WHERE p.instrument = ?1 AND p.test_code = ?2 AND p.level = ?3 \
         AND (?4 IS NULL OR p.lot = ?4) AND p.run_id IS NOT NULL AND p.z IS NOT NULL \
         ORDER BY p.run_id DESC, p.id DESC LIMIT ?5",
    )?;
    let limit = i64::try_from(MAX_CHART_POINTS).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![instrument, test_code, level, lot, limit], |r| {
        let id: i64 = r.get(0)?;
        let verdict: String = r.get(2)?;
        let at = |column| At::new("qc_points", id, column);
        let entered_by: Option<i64> = r.get(10)?;
        Ok(QcChartPoint {
            point_id: id,
            run_id: r.get(1)?,
            run_verdict: At::new("qc_runs", r.get(1)?, "verdict")
                .code(&verdict, QcVerdict::parse)?,
            at: ts(r.get(3)?),
            value: required(r.get(4)?, at("numeric"))?,
            z: required(r.get(5)?, at("z"))?,
            mean: required(r.get(6)?, at("target_mean"))?,
            sd: required(r.get(7)?, at("target_sd"))?,
            material: required(r.get(8)?, at("material"))?,
            lot: required(r.get(9)?, at("lot"))?,
            violations: Vec::new(),
            entered_by: entered_by.map(|id| UserName {
                id,
                display_name: r
                    .get::<_, Option<String>>(11)
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
            }),
            supplementary: Vec::new(),
        })
    })?;
    let mut points: Vec<QcChartPoint> = rows.collect::<Result<_, _>>()?;
    for p in &mut points {
        p.supplementary = supplements::of(conn, supplements::Owner::QcPoint(p.point_id))?;
    }
    points.reverse();
    // The rules each point's own run fired on it (a rule that used an earlier run's point is
    // marked on the run it judged).
    let run_of: HashMap<i64, QcRunId> = points.iter().map(|p| (p.point_id, p.run_id)).collect();
    let mut fired: HashMap<i64, Vec<String>> = HashMap::new();
    let mut runs: Vec<QcRunId> = points.iter().map(|p| p.run_id).collect();
    runs.dedup();
    let mut stmt = conn.prepare_cached(
        "SELECT id, rule, points FROM qc_violations WHERE run_id = ?1 ORDER BY id",
    )?;
    for run in runs {
        let rows = stmt.query_map([run], |r| {
            let id: i64 = r.get(0)?;
            let text: String = r.get(2)?;
            let ids: Vec<i64> = At::new("qc_violations", id, "points").json(&text)?;
            Ok((r.get::<_, String>(1)?, ids))
        })?;
        for row in rows {
            let (rule, ids) = row?;
            for id in ids.into_iter().filter(|id| run_of.get(id) == Some(&run)) {
                fired.entry(id).or_default().push(rule.clone());
            }
        }
    }
    for p in &mut points {
        if let Some(rules) = fired.remove(&p.point_id) {
            p.violations = rules;
        }
    }
    let segments = segments(&points);
    Ok(QcChart {
        instrument: instrument.to_owned(),
        test_code: test_code.to_owned(),
        level: level.to_owned(),
        lot: lot.map(str::to_owned),
        points,
        segments,
    })
}

/// An evaluated point's column that must be set: an empty one is a damaged row.
fn required<T>(value: Option<T>, at: At) -> rusqlite::Result<T> {
    value.ok_or_else(|| at.corrupt("empty in an evaluated point"))
}

/// The stretches of a chart with one lot and one target, in order.
fn segments(points: &[QcChartPoint]) -> Vec<QcChartSegment> {
    let mut out: Vec<QcChartSegment> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match out.last_mut() {
            Some(s) if s.lot == p.lot && s.mean == p.mean && s.sd == p.sd => s.len += 1,
            _ => out.push(QcChartSegment {
                first: i,
                len: 1,
                material: p.material.clone(),
                lot: p.lot.clone(),
                mean: p.mean,
                sd: p.sd,
            }),
        }
    }
    out
}

/// The latest QC results kept but not evaluated, newest first.
pub(super) fn unresolved(conn: &Connection) -> Result<Vec<QcUnresolvedPoint>, StoreError> {
    let limit = i64::try_from(MAX_UNRESOLVED_LISTED).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(
        "SELECT id, instrument, instrument_test_code, test_code, control_id, value, lot, level, \
         resolution, at FROM qc_points WHERE resolution != 'resolved' ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        let id: i64 = r.get(0)?;
        let resolution: String = r.get(8)?;
        Ok(QcUnresolvedPoint {
            point_id: id,
            instrument: r.get(1)?,
            instrument_test_code: r.get(2)?,
            test_code: r.get(3)?,
            control_id: r.get(4)?,
            value: r.get(5)?,
            lot: r.get(6)?,
            level: r.get(7)?,
            resolution: At::new("qc_points", id, "resolution")
                .code(&resolution, QcResolution::parse)?,
            at: ts(r.get(9)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The results flagged for re-check, optionally of one instrument and test; open ones only
/// unless `include_checked`.
pub(super) fn rechecks(
    conn: &Connection,
    instrument: Option<&str>,
    test_code: Option<&str>,
    include_checked: bool,
) -> Result<Vec<QcRecheck>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.specimen_barcode, r.test_code, r.instrument, r.value, r.state, \
         r.received_at, q.run_id, run.reason, q.flagged_at, q.checked_by, u.display_name, \
         q.checked_at, q.note \
         FROM qc_rechecks q JOIN results r ON r.id = q.result_id \
         JOIN qc_runs run ON run.id = q.run_id LEFT JOIN users u ON u.id = q.checked_by \
         WHERE (?1 IS NULL OR run.instrument = ?1) AND (?2 IS NULL OR run.test_code = ?2) \
         AND (?3 OR q.checked_at IS NULL) ORDER BY q.run_id DESC, r.id",
    )?;
    let rows = stmt.query_map(params![instrument, test_code, include_checked], |r| {
        let id: ResultId = r.get(0)?;
        let state: String = r.get(5)?;
        let checked_by: Option<i64> = r.get(10)?;
        let checked = match (checked_by, r.get::<_, Option<i64>>(12)?) {
            (Some(by), Some(at)) => Some(QcRecheckDone {
                by: UserName {
                    id: by,
                    display_name: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
                },
                at: ts(at),
                note: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
            }),
            _ => None,
        };
        Ok(QcRecheck {
            result_id: id,
            specimen_id: r.get(1)?,
            test_code: r.get(2)?,
            instrument: r.get(3)?,
            value: r.get(4)?,
            state: At::new("results", id, "state").code(&state, ResultState::parse)?,
            received_at: ts(r.get(6)?),
            run_id: r.get(7)?,
            reason: r.get(8)?,
            flagged_at: ts(r.get(9)?),
            checked,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What each result's page shows about QC, for the given results.
pub(super) fn result_notes(
    conn: &Connection,
    result_ids: &[ResultId],
) -> Result<HashMap<ResultId, QcResultNote>, StoreError> {
    let mut out: HashMap<ResultId, QcResultNote> = HashMap::new();
    let mut flagged =
        conn.prepare_cached("SELECT run_id FROM qc_rechecks WHERE result_id = ?1 ORDER BY run_id")?;
    for &id in result_ids {
        let runs: Vec<QcRunId> = flagged
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let released_under = super::qc_state::override_of(conn, id)?;
        if !runs.is_empty() || released_under.is_some() {
            out.insert(
                id,
                QcResultNote {
                    recheck_runs: runs,
                    released_under,
                },
            );
        }
    }
    Ok(out)
}

/// The rules run `run_id` fired, each with the run, level and z of the points it judged.
fn fired_rules(conn: &Connection, run_id: QcRunId) -> Result<Vec<FiredRule>, StoreError> {
    let mut violations = conn.prepare_cached(
        "SELECT id, rule, warning, points FROM qc_violations WHERE run_id = ?1 ORDER BY id",
    )?;
    let rows = violations.query_map([run_id], |r| {
        let id: i64 = r.get(0)?;
        let text: String = r.get(3)?;
        let ids: Vec<i64> = At::new("qc_violations", id, "points").json(&text)?;
        Ok((r.get::<_, String>(1)?, r.get::<_, bool>(2)?, ids))
    })?;
    let mut point = conn.prepare_cached("SELECT run_id, level, z FROM qc_points WHERE id = ?1")?;
    let mut out = Vec::new();
    for row in rows {
        let (rule, warning, ids) = row?;
        let mut points = Vec::with_capacity(ids.len());
        for id in ids {
            let (run, level, z): (Option<QcRunId>, Option<String>, Option<f64>) =
                point.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            let level = level.as_deref().and_then(|l| l.parse::<u8>().ok());
            if let (Some(run_id), Some(level), Some(z)) = (run, level, z) {
                points.push(FiredPoint { run_id, level, z });
            } else {
                return Err(StoreError::Corrupt {
                    table: "qc_points",
                    row: id,
                    column: "run_id, level, z",
                    detail: String::from("a point a rule fired on has no run, level or z"),
                });
            }
        }
        out.push(FiredRule {
            rule,
            warning,
            points,
        });
    }
    Ok(out)
}

impl Store {
    /// The rules QC run `run_id` fired with the points each judged: the parts of its reason,
    /// for writing it in the reader's language ([`crate::presentation::qc_reason`]).
    pub fn qc_fired_rules(&self, run_id: QcRunId) -> Result<Vec<FiredRule>, StoreError> {
        self.read(|conn, _| fired_rules(conn, run_id))
    }

    /// The Levey-Jennings chart of `test_code` on `instrument` at `level`: one lot, or every
    /// lot (`lot` none, lot changes as segments), the latest [`MAX_CHART_POINTS`] evaluated
    /// points in run order, each with its z, target and the rules its run fired on it.
    pub fn qc_chart(
        &self,
        instrument: &str,
        test_code: &str,
        level: &str,
        lot: Option<&str>,
    ) -> Result<QcChart, StoreError> {
        self.read_snapshot(|conn, _| chart(conn, instrument, test_code, level, lot))
    }

    /// The latest QC results kept but not evaluated (unknown material, lot, test or target, a
    /// value that is not a number), newest first, at most [`MAX_UNRESOLVED_LISTED`].
    pub fn qc_unresolved(&self) -> Result<Vec<QcUnresolvedPoint>, StoreError> {
        self.read(|conn, _| unresolved(conn))
    }

    /// The patient results flagged for re-check (they arrived between their instrument and
    /// test's last accepted QC run and a rejected one), newest run first; optionally of one
    /// instrument and/or test; those already checked only with `include_checked`.
    pub fn qc_recheck(
        &self,
        instrument: Option<&str>,
        test_code: Option<&str>,
        include_checked: bool,
    ) -> Result<Vec<QcRecheck>, StoreError> {
        self.read(|conn, _| rechecks(conn, instrument, test_code, include_checked))
    }

    /// A supervisor records that a result flagged by run `run_id` was checked again, with what
    /// they found (required). Needs [`Permission::ManageQc`]; audited (`qc.recheck`).
    pub fn qc_recheck_done(
        &self,
        result_id: ResultId,
        run_id: QcRunId,
        note: &str,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let note = note.trim();
        if note.is_empty() {
            return Err(StoreError::invalid("say what the re-check found"));
        }
        if note.chars().count() > MAX_RECHECK_NOTE_CHARS {
            return Err(StoreError::invalid(format!(
                "a re-check note has at most {MAX_RECHECK_NOTE_CHARS} characters"
            )));
        }
        self.write(|conn, lab| {
            let person = authorize(conn, lab, actor, Permission::ManageQc)?.ok_or_else(|| {
                StoreError::forbidden(Permission::ManageQc, "a re-check is a person's record")
            })?;
            let now = jiff::Timestamp::now();
            let changed = conn
                .prepare_cached(
                    "UPDATE qc_rechecks SET checked_by = ?3, checked_at = ?4, note = ?5 \
                     WHERE result_id = ?1 AND run_id = ?2 AND checked_at IS NULL",
                )?
                .execute(params![result_id, run_id, person.id, ms(now), note])?;
            if changed == 0 {
                return Err(StoreError::not_found(
                    "open re-check",
                    format!("result {result_id}, run {run_id}"),
                ));
            }
            audit_log::append(
                conn,
                actor,
                "qc.recheck",
                "result",
                result_id,
                None,
                Some(&serde_json::json!({ "run": run_id, "checked": true })),
                Some(note),
            )?;
            Ok(())
        })
    }

    /// What the specimen page shows about QC for each of these results beyond its `qc` check:
    /// the rejected runs that flagged it for re-check and the override it was released under.
    /// Results with nothing to show are left out.
    pub fn qc_result_notes(
        &self,
        result_ids: &[ResultId],
    ) -> Result<HashMap<ResultId, QcResultNote>, StoreError> {
        self.read_snapshot(|conn, _| result_notes(conn, result_ids))
    }
}
