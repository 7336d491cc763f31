//! Storing a QC result: telling it from a patient's, resolving its material, lot, level and
//! target, and putting it in its run (the run is then evaluated, `qc_runs`). Used by ingest
//! (an analyzer's message) and by a person's entry by hand ([`Store::enter_qc`]).
//!
//! - An observation is QC when its driver marked it (`is_qc`, or a QC message) or when its
//!   specimen id matches its instrument's `qc_specimen_pattern`.
//! - The level is the analyzer's (`Observation::qc_level`, one digit 1 to 9), else the one the
//!   pattern reads from the specimen id. The lot is the analyzer's (`Observation::qc_lot`), else
//!   the lot of the instrument's materials in use that day (unexpired, with a target for the
//!   test and level). The target is the configuration's, with a supervisor's latest edit laid
//!   over it (`qc_target_edits`).
//! - A result that cannot be resolved is kept with what is known and why
//!   ([`QcResolution`]), outside any run: never dropped, never a patient result, never in the
//!   unmatched queue.
//! - A resolved result joins the latest run of its instrument and test when it came in the
//!   same message as that run's first point, or when its time (measured, else received) is
//!   within `[qc] run_window_minutes` of that first point; otherwise it opens a new run.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::users::authorize;
use super::{audit_log, ms, qc_runs, supplements, ts, Lab, Store};
use crate::config::TestDef;
use crate::error::StoreError;
use crate::model::{
    Actor, AnalyzerMessage, MessageKind, NewQcEntry, Observation, QcResolution, QcRunId, QcStored,
    UserId,
};
use crate::permissions::Permission;
use crate::qc::{QcPoint, QcTarget, MAX_LEVEL};
use crate::value::{round_to, ParsedValue};

/// The decimals a QC value keeps after a unit factor (its own precision is kept: the z-score
/// must not move with the catalog's rounding of patient results).
const QC_DECIMALS: u8 = 6;

/// Whether an observation of this message is a QC result, and the level its specimen id gives.
pub(super) fn qc_mark(lab: &Lab, msg: &AnalyzerMessage, obs: &Observation) -> Option<QcLevelHint> {
    let by_pattern = lab
        .config
        .qc
        .specimen_pattern(&msg.instrument)
        .and_then(|p| p.matches(obs.specimen_id.trim()));
    if obs.is_qc || msg.kind == MessageKind::Qc || by_pattern.is_some() {
        Some(QcLevelHint { by_pattern })
    } else {
        None
    }
}

/// The level a QC specimen's id gave (none when the driver marked it and no pattern matched).
#[derive(Debug, Clone, Copy)]
pub(super) struct QcLevelHint {
    by_pattern: Option<u8>,
}

/// One QC result to store.
pub(super) struct NewPoint<'a> {
    pub(super) journal_id: Option<i64>,
    pub(super) entered_by: Option<UserId>,
    pub(super) instrument: &'a str,
    pub(super) instrument_test_code: &'a str,
    /// The catalog test and the unit factor, when the code is mapped.
    pub(super) test: Option<(&'a TestDef, f64)>,
    pub(super) control_id: &'a str,
    pub(super) value: &'a str,
    pub(super) units: &'a str,
    pub(super) observed_at: Option<Timestamp>,
    pub(super) received_at: Timestamp,
    /// The lot the analyzer (or person) gave.
    pub(super) lot: Option<&'a str>,
    /// The level the analyzer (or person) gave, as sent.
    pub(super) level: Option<&'a str>,
    /// The level the specimen id's pattern gave.
    pub(super) pattern_level: Option<u8>,
}

/// Stores an analyzer's QC observation in the message's transaction, with its supplementary
/// values on its point.
pub(super) fn store_observation(
    conn: &Connection,
    lab: &Lab,
    msg: &AnalyzerMessage,
    journal_id: i64,
    obs: &Observation,
    hint: QcLevelHint,
) -> Result<QcStored, StoreError> {
    let observed_at = obs.observed_at.and_then(|dt| {
        dt.to_zoned(lab.config.time_zone().clone())
            .ok()
            .map(|z| z.timestamp())
    });
    let point = NewPoint {
        journal_id: Some(journal_id),
        entered_by: None,
        instrument: &msg.instrument,
        instrument_test_code: &obs.instrument_test_code,
        test: lab
            .config
            .map_instrument_code(&msg.instrument, &obs.instrument_test_code),
        control_id: &obs.specimen_id,
        value: &obs.value,
        units: &obs.units,
        observed_at,
        received_at: msg.received_at,
        lot: obs.qc_lot.as_deref(),
        level: obs.qc_level.as_deref(),
        pattern_level: hint.by_pattern,
    };
    let stored = store_point(
        conn,
        lab,
        &Actor::Instrument(msg.instrument.clone()),
        &point,
    )?;
    supplements::insert(
        conn,
        supplements::Owner::QcPoint(stored.point_id),
        &obs.supplementary,
    )?;
    Ok(stored)
}

/// What a point resolved to.
struct Resolved {
    resolution: QcResolution,
    test_code: Option<String>,
    numeric: Option<f64>,
    level: Option<String>,
    material: Option<String>,
    lot: Option<String>,
    target: Option<QcTarget>,
}

/// The level as a number 1 to 9: the one given, else the pattern's.
fn level_of(given: Option<&str>, pattern: Option<u8>) -> Option<u8> {
    let given = given
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .and_then(|l| l.parse::<u8>().ok())
        .filter(|l| (1..=MAX_LEVEL).contains(l));
    given.or(pattern)
}

fn resolve(conn: &Connection, lab: &Lab, p: &NewPoint<'_>) -> Result<Resolved, StoreError> {
    let qc = &lab.config.qc;
    let at = p.observed_at.unwrap_or(p.received_at);
    let level = level_of(p.level, p.pattern_level);
    let level_text = level.map(|l| l.to_string()).or_else(|| {
        p.level
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
    });
    let mut out = Resolved {
        resolution: QcResolution::UnknownTest,
        test_code: None,
        numeric: None,
        level: level_text,
        material: None,
        lot: p.lot.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()),
        target: None,
    };
    let Some((test, factor)) = p.test else {
        return Ok(out);
    };
    out.test_code = Some(test.code.clone());
    out.numeric = match ParsedValue::parse(p.value) {
        ParsedValue::Numeric { value, .. } if factor == 1.0 => Some(value),
        ParsedValue::Numeric { value, .. } => Some(round_to(value * factor, QC_DECIMALS)),
        _ => None,
    };
    let Some(level) = level else {
        out.resolution = QcResolution::UnknownLevel;
        return Ok(out);
    };
    let day = at.to_zoned(lab.config.time_zone().clone()).date();
    let found = match out.lot.as_deref() {
        Some(lot) => match qc.lot(p.instrument, lot) {
            Some((_, l)) if l.is_expired(day) => {
                out.resolution = QcResolution::ExpiredLot;
                return Ok(out);
            }
            found => found,
        },
        None => qc.lot_in_use(p.instrument, &test.code, level, day),
    };
    let Some((material, lot)) = found else {
        out.resolution = if qc.has_qc(p.instrument, &test.code) {
            QcResolution::UnknownLot
        } else {
            QcResolution::UnknownMaterial
        };
        return Ok(out);
    };
    out.material = Some(material.name.clone());
    out.lot = Some(lot.lot.clone());
    let configured = qc
        .target(p.instrument, &test.code, &lot.lot, level)
        .map(|t| t.target);
    let target = super::qc_targets::edited_target(
        conn,
        p.instrument,
        &test.code,
        &material.name,
        &lot.lot,
        level,
    )?
    .or(configured);
    let Some(target) = target else {
        out.resolution = QcResolution::NoTarget;
        return Ok(out);
    };
    out.target = Some(target);
    out.resolution = if out.numeric.is_some() {
        QcResolution::Resolved
    } else {
        QcResolution::NotNumeric
    };
    Ok(out)
}

/// Stores one QC result, puts a resolved one in its run and evaluates the run.
pub(super) fn store_point(
    conn: &Connection,
    lab: &Lab,
    actor: &Actor,
    p: &NewPoint<'_>,
) -> Result<QcStored, StoreError> {
    let r = resolve(conn, lab, p)?;
    let at = p.observed_at.unwrap_or(p.received_at);
    // A resolved point's z against its target; a target that cannot judge (an SD of zero
    // edited in by hand is refused there, but a damaged row is not trusted) is no target.
    let judged = match (&r.target, r.numeric, r.level.as_deref()) {
        (Some(target), Some(value), Some(level)) if r.resolution == QcResolution::Resolved => {
            let level: u8 = level
                .parse()
                .map_err(|_| StoreError::invalid(format!("QC level {level:?} is not a number")))?;
            Some(QcPoint::new(level, value, target).map_err(|e| {
                StoreError::invalid(format!("QC result {} cannot be judged: {e}", p.value))
            })?)
        }
        _ => None,
    };
    let run_id = match (&judged, r.test_code.as_deref()) {
        (Some(_), Some(test_code)) => Some(run_for(conn, lab, p, test_code, at)?),
        _ => None,
    };
    conn.prepare_cached(
        "INSERT INTO qc_points (journal_id, entered_by, instrument, instrument_test_code, \
         test_code, control_id, value, numeric, units, observed_at, received_at, at, material, \
         lot, level, resolution, run_id, target_mean, target_sd, z) VALUES (?1, ?2, ?3, ?4, ?5, \
         ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?
    .execute(params![
        p.journal_id,
        p.entered_by,
        p.instrument,
        p.instrument_test_code,
        r.test_code,
        p.control_id,
        p.value,
        r.numeric,
        p.units,
        p.observed_at.map(ms),
        ms(p.received_at),
        ms(at),
        r.material,
        r.lot,
        r.level,
        r.resolution.as_str(),
        run_id,
        r.target.as_ref().map(|t| t.mean),
        r.target.as_ref().map(|t| t.sd),
        judged.map(|j| j.z()),
    ])?;
    let point_id = conn.last_insert_rowid();
    let verdict = match run_id {
        Some(run) => Some(qc_runs::evaluate(conn, lab, actor, run, p.received_at)?),
        None => None,
    };
    Ok(QcStored {
        point_id,
        resolution: r.resolution,
        run_id,
        verdict,
    })
}

/// The run a resolved point joins, made when none is open for it.
fn run_for(
    conn: &Connection,
    lab: &Lab,
    p: &NewPoint<'_>,
    test_code: &str,
    at: Timestamp,
) -> Result<QcRunId, StoreError> {
    // The latest run, and whether a point of this message is in it already.
    let latest: Option<(QcRunId, i64, i64, bool)> = conn
        .prepare_cached(
            "SELECT r.id, r.started_at, r.closes_at, ?3 IS NOT NULL AND EXISTS (SELECT 1 \
             FROM qc_points p WHERE p.run_id = r.id AND p.journal_id = ?3) FROM qc_runs r \
             WHERE r.instrument = ?1 AND r.test_code = ?2 ORDER BY r.id DESC LIMIT 1",
        )?
        .query_row(params![p.instrument, test_code, p.journal_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    if let Some((id, started, closes, same_message)) = latest {
        let in_window = (started..=closes).contains(&ms(at));
        if same_message || in_window {
            conn.prepare_cached("UPDATE qc_runs SET last_at = max(last_at, ?2) WHERE id = ?1")?
                .execute(params![id, ms(at)])?;
            return Ok(id);
        }
    }
    let window = SignedDuration::from_mins(i64::from(lab.config.qc.run_window_minutes));
    let closes = at.checked_add(window).unwrap_or(at);
    conn.prepare_cached(
        "INSERT INTO qc_runs (instrument, test_code, journal_id, started_at, last_at, closes_at, \
         verdict, reason, evaluated_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5, 'accepted', '', ?4)",
    )?
    .execute(params![
        p.instrument,
        test_code,
        p.journal_id,
        ms(at),
        ms(closes)
    ])?;
    Ok(conn.last_insert_rowid())
}

impl Store {
    /// A person enters a QC value by hand (an analyzer without a link): stored with who entered
    /// it, resolved to its material and lot (the one in use that day when none is given) and
    /// evaluated in its run like an analyzer's. Needs [`Permission::EnterQc`]; audited
    /// (`qc.enter`). An unknown instrument or test, or a level that is not 1 to 9, is refused;
    /// an unknown lot or a value that is not a number is kept and shown as such.
    pub fn enter_qc(&self, entry: &NewQcEntry, actor: &Actor) -> Result<QcStored, StoreError> {
        self.write(|conn, lab| {
            let person = authorize(conn, lab, actor, Permission::EnterQc)?.ok_or_else(|| {
                StoreError::forbidden(Permission::EnterQc, "a QC value by hand is a person's")
            })?;
            if lab.config.instrument(&entry.instrument).is_none() {
                return Err(StoreError::not_found("instrument", &entry.instrument));
            }
            let test = lab.config.test(&entry.test_code).ok_or_else(|| {
                StoreError::invalid(format!("test {:?} is not in the catalog", entry.test_code))
            })?;
            if level_of(Some(&entry.level), None).is_none() {
                return Err(StoreError::invalid(format!(
                    "QC level {:?} is not 1 to {MAX_LEVEL}",
                    entry.level
                )));
            }
            if entry.value.trim().is_empty() {
                return Err(StoreError::invalid("a QC value is required"));
            }
            let now = Timestamp::now();
            let point = NewPoint {
                journal_id: None,
                entered_by: Some(person.id),
                instrument: &entry.instrument,
                instrument_test_code: &test.code,
                test: Some((test, 1.0)),
                control_id: "",
                value: entry.value.trim(),
                units: &test.unit,
                observed_at: Some(ts(ms(entry.at))),
                received_at: now,
                lot: entry.lot.as_deref(),
                level: Some(&entry.level),
                pattern_level: None,
            };
            let stored = store_point(conn, lab, actor, &point)?;
            audit_log::append(
                conn,
                actor,
                "qc.enter",
                "qc_point",
                stored.point_id,
                None,
                Some(&json!({
                    "instrument": entry.instrument,
                    "test": test.code,
                    "level": entry.level,
                    "lot": entry.lot,
                    "value": entry.value.trim(),
                    "at": entry.at.to_string(),
                    "resolution": stored.resolution.as_str(),
                    "run": stored.run_id,
                    "verdict": stored.verdict.map(|v| v.as_str()),
                })),
                None,
            )?;
            Ok(stored)
        })
    }
}
