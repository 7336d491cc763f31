//! QC targets and the reads that join the configuration with what is stored: the targets in
//! force (the configuration's `[[qc.materials]]`, with a supervisor's latest edit laid over
//! them), a supervisor's edit and the switch of a lot to the lab's own mean and SD, the QC
//! overview (each instrument and test's state with its lots), and the monthly summary.

use std::collections::BTreeSet;

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::decode::At;
use super::users::authorize;
use super::{audit_log, ms, qc_state, ts, Lab, Store};
use crate::error::StoreError;
use crate::model::{
    Actor, QcLotInUse, QcLotTarget, QcMonthlySummary, QcOverviewRow, QcTargetEdit, QcTargetSource,
    UserName,
};
use crate::permissions::Permission;
use crate::qc::stats::{self, QcObservation};
use crate::qc::{QcTarget, TargetSource, MAX_LEVEL};

/// The longest reason kept with a target edit.
pub const MAX_TARGET_REASON_CHARS: usize = 2_000;

/// A supervisor's latest target for an instrument, test, material, lot and level, if any.
pub(super) fn edited_target(
    conn: &Connection,
    instrument: &str,
    test_code: &str,
    material: &str,
    lot: &str,
    level: u8,
) -> Result<Option<QcTarget>, StoreError> {
    Ok(
        latest_edit(conn, instrument, test_code, material, lot, level)?.map(|e| QcTarget {
            mean: e.mean,
            sd: e.sd,
            source: if e.lab_statistics {
                TargetSource::Lab
            } else {
                TargetSource::Manufacturer
            },
        }),
    )
}

/// A stored target edit.
struct Edit {
    mean: f64,
    sd: f64,
    lab_statistics: bool,
    source: QcTargetSource,
}

fn latest_edit(
    conn: &Connection,
    instrument: &str,
    test_code: &str,
    material: &str,
    lot: &str,
    level: u8,
) -> Result<Option<Edit>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT e.id, e.mean, e.sd, e.source, e.points, e.reason, e.edited_by, \
             u.display_name, e.edited_at FROM qc_target_edits e \
             LEFT JOIN users u ON u.id = e.edited_by WHERE e.instrument = ?1 \
             AND e.test_code = ?2 AND e.material = ?3 AND e.lot = ?4 AND e.level = ?5 \
             ORDER BY e.id DESC LIMIT 1",
        )?
        .query_row(
            params![instrument, test_code, material, lot, level.to_string()],
            |r| {
                let id: i64 = r.get(0)?;
                let source: String = r.get(3)?;
                let by = UserName {
                    id: r.get(6)?,
                    display_name: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                };
                let at = ts(r.get(8)?);
                let (lab_statistics, source) = match source.as_str() {
                    "edited" => (
                        false,
                        QcTargetSource::Edited {
                            by,
                            at,
                            reason: r.get(5)?,
                        },
                    ),
                    "lab_statistics" => (
                        true,
                        QcTargetSource::LabStatistics {
                            by,
                            at,
                            points: usize::try_from(r.get::<_, Option<i64>>(4)?.unwrap_or(0))
                                .unwrap_or(0),
                        },
                    ),
                    other => {
                        return Err(At::new("qc_target_edits", id, "source")
                            .corrupt(format!("unknown value {other:?}")))
                    }
                };
                Ok(Edit {
                    mean: r.get(1)?,
                    sd: r.get(2)?,
                    lab_statistics,
                    source,
                })
            },
        )
        .optional()?)
}

/// The values of a lot and level's points in accepted runs (accepted or with a warning), in
/// run order: what the lab's own statistics are made of.
pub(super) fn accepted_values(
    conn: &Connection,
    instrument: &str,
    test_code: &str,
    lot: &str,
    level: &str,
) -> Result<Vec<(Timestamp, f64)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.at, p.numeric FROM qc_points p JOIN qc_runs r ON r.id = p.run_id \
         WHERE p.instrument = ?1 AND p.test_code = ?2 AND p.level = ?3 AND p.lot = ?4 \
         AND p.run_id IS NOT NULL AND p.numeric IS NOT NULL AND r.verdict != 'rejected' \
         ORDER BY p.run_id, p.id",
    )?;
    let rows = stmt.query_map(params![instrument, test_code, level, lot], |r| {
        Ok((ts(r.get(0)?), r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every target in force, optionally of one instrument and/or test, in configuration order.
pub(super) fn targets(
    conn: &Connection,
    lab: &Lab,
    instrument: Option<&str>,
    test_code: Option<&str>,
) -> Result<Vec<QcLotTarget>, StoreError> {
    let mut out = Vec::new();
    for material in &lab.config.qc.materials {
        for inst in &material.instruments {
            if instrument.is_some_and(|i| i != inst) {
                continue;
            }
            for lot in &material.lots {
                for level in &lot.levels {
                    let tests: BTreeSet<&str> =
                        level.targets.iter().map(|t| t.test.as_str()).collect();
                    for test in tests {
                        if test_code.is_some_and(|t| t != test) {
                            continue;
                        }
                        let Some(configured) = level.target(inst, test) else {
                            continue;
                        };
                        let edit =
                            latest_edit(conn, inst, test, &material.name, &lot.lot, level.level)?;
                        let (mean, sd, source) = match edit {
                            Some(e) => (e.mean, e.sd, e.source),
                            None => (
                                configured.target.mean,
                                configured.target.sd,
                                QcTargetSource::Config,
                            ),
                        };
                        let level_text = level.level.to_string();
                        let accepted_points =
                            accepted_values(conn, inst, test, &lot.lot, &level_text)?.len();
                        out.push(QcLotTarget {
                            instrument: inst.clone(),
                            test_code: test.to_owned(),
                            material: material.name.clone(),
                            lot: lot.lot.clone(),
                            expires: lot.expiry.to_string(),
                            level: level_text,
                            mean,
                            sd,
                            source,
                            accepted_points,
                        });
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The unexpired lots of `instrument`'s materials with a target for `test_code` on `day`.
fn lots_in_use(
    lab: &Lab,
    instrument: &str,
    test_code: &str,
    day: jiff::civil::Date,
) -> Vec<QcLotInUse> {
    let mut out = Vec::new();
    for m in lab
        .config
        .qc
        .materials
        .iter()
        .filter(|m| m.instruments.iter().any(|i| i == instrument))
    {
        for lot in m.lots.iter().filter(|l| !l.is_expired(day)) {
            let levels: Vec<String> = lot
                .levels
                .iter()
                .filter(|lv| lv.target(instrument, test_code).is_some())
                .map(|lv| lv.level.to_string())
                .collect();
            if !levels.is_empty() {
                out.push(QcLotInUse {
                    material: m.name.clone(),
                    lot: lot.lot.clone(),
                    expires: lot.expiry.to_string(),
                    levels,
                });
            }
        }
    }
    out
}

/// The QC page's rows: every instrument and test with QC configured or a run recorded.
pub(super) fn overview(
    conn: &Connection,
    lab: &Lab,
    now: Timestamp,
) -> Result<Vec<QcOverviewRow>, StoreError> {
    let day = now.to_zoned(lab.config.time_zone().clone()).date();
    let standings = qc_state::standings(conn)?;
    let mut keys: BTreeSet<(String, String)> = lab
        .config
        .qc
        .instrument_tests()
        .into_iter()
        .map(|(i, t)| (i.to_owned(), t.to_owned()))
        .collect();
    keys.extend(
        standings
            .iter()
            .map(|s| (s.instrument.clone(), s.test_code.clone())),
    );
    let mut count = conn.prepare_cached(
        "SELECT count(*) FROM qc_rechecks q JOIN qc_runs r ON r.id = q.run_id \
         WHERE r.instrument = ?1 AND r.test_code = ?2 AND q.checked_at IS NULL",
    )?;
    let mut out = Vec::with_capacity(keys.len());
    for (instrument, test_code) in keys {
        let rechecks: i64 = count.query_row(params![instrument, test_code], |r| r.get(0))?;
        out.push(QcOverviewRow {
            standing: standings
                .iter()
                .find(|s| s.instrument == instrument && s.test_code == test_code)
                .cloned(),
            lots: lots_in_use(lab, &instrument, &test_code, day),
            rechecks: u64::try_from(rechecks).unwrap_or(0),
            instrument,
            test_code,
        });
    }
    Ok(out)
}

/// Checks that the material, lot and level of an edit are configured for the instrument and
/// test.
fn configured(
    lab: &Lab,
    instrument: &str,
    test_code: &str,
    material: &str,
    lot: &str,
    level: &str,
) -> Result<u8, StoreError> {
    let level_number: u8 = level
        .trim()
        .parse()
        .map_err(|_| StoreError::invalid(format!("QC level {level:?} is not a number")))?;
    let found = lab.config.qc.lot(instrument, lot);
    match found {
        Some((m, l))
            if m.name == material
                && l.level(level_number)
                    .and_then(|lv| lv.target(instrument, test_code))
                    .is_some() =>
        {
            Ok(level_number)
        }
        _ => Err(StoreError::not_found(
            "QC target",
            format!("{material} lot {lot} level {level} for {test_code} on {instrument}"),
        )),
    }
}

/// Writes a target edit and its audit entry.
#[allow(clippy::too_many_arguments)] // One edit row: each argument is one of its columns.
fn insert_edit(
    conn: &Connection,
    actor: &Actor,
    person: i64,
    key: &QcTargetEdit,
    source: &str,
    points: Option<usize>,
    before: Option<(f64, f64)>,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO qc_target_edits (instrument, test_code, material, lot, level, mean, sd, \
         source, points, reason, edited_by, edited_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        key.instrument,
        key.test_code,
        key.material,
        key.lot,
        key.level.trim(),
        key.mean,
        key.sd,
        source,
        points.and_then(|n| i64::try_from(n).ok()),
        key.reason,
        person,
        ms(now)
    ])?;
    let id = conn.last_insert_rowid();
    audit_log::append(
        conn,
        actor,
        if source == "lab_statistics" {
            "qc.lab_statistics"
        } else {
            "qc.target"
        },
        "qc_target",
        format!(
            "{}/{}/{}/{}/{}",
            key.instrument,
            key.test_code,
            key.material,
            key.lot,
            key.level.trim()
        ),
        before
            .map(|(mean, sd)| json!({ "mean": mean, "sd": sd }))
            .as_ref(),
        Some(
            &json!({ "edit": id, "mean": key.mean, "sd": key.sd, "source": source, "points": points }),
        ),
        Some(&key.reason),
    )?;
    Ok(())
}

/// The mean and SD in force before an edit.
fn in_force(
    conn: &Connection,
    lab: &Lab,
    key: &QcTargetEdit,
    level: u8,
) -> Result<Option<(f64, f64)>, StoreError> {
    if let Some(e) = latest_edit(
        conn,
        &key.instrument,
        &key.test_code,
        &key.material,
        &key.lot,
        level,
    )? {
        return Ok(Some((e.mean, e.sd)));
    }
    Ok(lab
        .config
        .qc
        .target(&key.instrument, &key.test_code, &key.lot, level)
        .map(|t| (t.target.mean, t.target.sd)))
}

fn reason_checked(reason: &str) -> Result<String, StoreError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::invalid("a QC target change needs a reason"));
    }
    if reason.chars().count() > MAX_TARGET_REASON_CHARS {
        return Err(StoreError::invalid(format!(
            "a reason has at most {MAX_TARGET_REASON_CHARS} characters"
        )));
    }
    Ok(reason.to_owned())
}

/// The points of an instrument, test, lot and level as the statistics see them (days in the
/// lab's time zone; points of rejected runs marked so).
fn observations(
    conn: &Connection,
    lab: &Lab,
    instrument: &str,
    test_code: &str,
    lot: &str,
    level: u8,
) -> Result<Vec<QcObservation>, StoreError> {
    let tz = lab.config.time_zone().clone();
    let mut stmt = conn.prepare_cached(
        "SELECT p.at, p.numeric, r.verdict = 'rejected' FROM qc_points p \
         JOIN qc_runs r ON r.id = p.run_id WHERE p.instrument = ?1 AND p.test_code = ?2 \
         AND p.level = ?3 AND p.lot = ?4 AND p.run_id IS NOT NULL AND p.numeric IS NOT NULL \
         ORDER BY p.run_id, p.id",
    )?;
    let rows = stmt.query_map(
        params![instrument, test_code, level.to_string(), lot],
        |r| {
            Ok(QcObservation {
                lot: lot.to_owned(),
                level,
                day: ts(r.get(0)?).to_zoned(tz.clone()).date(),
                value: r.get(1)?,
                rejected: r.get(2)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The level of a lot as a number, or a clear refusal.
fn level_number(level: &str) -> Result<u8, StoreError> {
    level
        .trim()
        .parse()
        .ok()
        .filter(|l| (1..=MAX_LEVEL).contains(l))
        .ok_or_else(|| StoreError::invalid(format!("QC level {level:?} is not 1 to {MAX_LEVEL}")))
}

/// The mean and SD in force for a lot and level of a test on an instrument (a supervisor's
/// latest edit, else the configuration's), with the lot's material.
fn target_now(
    conn: &Connection,
    lab: &Lab,
    instrument: &str,
    test_code: &str,
    lot: &str,
    level: u8,
) -> Result<Option<QcTarget>, StoreError> {
    let Some((material, _)) = lab.config.qc.lot(instrument, lot) else {
        return Ok(None);
    };
    let configured = lab
        .config
        .qc
        .target(instrument, test_code, lot, level)
        .map(|t| t.target);
    Ok(edited_target(conn, instrument, test_code, &material.name, lot, level)?.or(configured))
}

impl Store {
    /// The monthly summary of `test_code` on `instrument` for one lot and level: n, mean, SD
    /// (n − 1), CV %, the cumulative figures and, against the target in force, bias % and SDI
    /// ([`crate::qc::stats::monthly_summaries`]; points of rejected runs excluded, months in
    /// the lab's time zone).
    pub fn qc_monthly_summary(
        &self,
        instrument: &str,
        test_code: &str,
        lot: &str,
        level: &str,
    ) -> Result<QcMonthlySummary, StoreError> {
        let level_no = level_number(level)?;
        self.read_snapshot(|conn, lab| {
            let points = observations(conn, lab, instrument, test_code, lot, level_no)?;
            let target = target_now(conn, lab, instrument, test_code, lot, level_no)?;
            Ok(QcMonthlySummary {
                instrument: instrument.to_owned(),
                test_code: test_code.to_owned(),
                lot: lot.to_owned(),
                level: level_no.to_string(),
                target_mean: target.map(|t| t.mean),
                target_sd: target.map(|t| t.sd),
                months: stats::monthly_summaries(&points, |_, _| target),
            })
        })
    }

    /// A supervisor switches a lot and level of a test on an instrument to the lab's own mean
    /// and SD: those of its points in accepted runs (warnings included, rejected runs
    /// excluded), once there are [`stats::LAB_TARGET_MIN_POINTS`] (20). Later points are
    /// evaluated against it. Needs [`Permission::ManageQc`]; audited (`qc.lab_statistics`,
    /// old and new mean and SD, the number of points). Refused below 20 points.
    pub fn use_lab_statistics(
        &self,
        instrument: &str,
        test_code: &str,
        material: &str,
        lot: &str,
        level: &str,
        actor: &Actor,
    ) -> Result<QcLotTarget, StoreError> {
        self.write(|conn, lab| {
            let person = authorize(conn, lab, actor, Permission::ManageQc)?.ok_or_else(|| {
                StoreError::forbidden(Permission::ManageQc, "a QC target is a supervisor's")
            })?;
            let level_no = configured(lab, instrument, test_code, material, lot, level)?;
            let points = observations(conn, lab, instrument, test_code, lot, level_no)?;
            let accepted = points.iter().filter(|p| !p.rejected).count();
            let Some(own) = stats::lab_target(&points, lot, level_no) else {
                return Err(StoreError::invalid(format!(
                    "the lab's own mean and SD need at least {} accepted points with some \
                     spread; {material} lot {lot} level {level_no} has {accepted} for \
                     {test_code} on {instrument}",
                    stats::LAB_TARGET_MIN_POINTS
                )));
            };
            let key = QcTargetEdit {
                instrument: instrument.to_owned(),
                test_code: test_code.to_owned(),
                material: material.to_owned(),
                lot: lot.to_owned(),
                level: level_no.to_string(),
                mean: own.mean,
                sd: own.sd,
                reason: format!("the lab's own mean and SD of {accepted} accepted points"),
            };
            let before = in_force(conn, lab, &key, level_no)?;
            insert_edit(
                conn,
                actor,
                person.id,
                &key,
                "lab_statistics",
                Some(accepted),
                before,
                Timestamp::now(),
            )?;
            targets(conn, lab, Some(instrument), Some(test_code))?
                .into_iter()
                .find(|t| t.material == material && t.lot == lot && t.level == key.level)
                .ok_or_else(|| StoreError::not_found("QC target", format!("{lot} level {level}")))
        })
    }

    /// The QC page: every instrument and test with QC configured or a run recorded, with its
    /// state (the run that set it, when, why, an override), the lots in use today and the
    /// results waiting for re-check.
    pub fn qc_overview(&self) -> Result<Vec<QcOverviewRow>, StoreError> {
        self.read_snapshot(|conn, lab| overview(conn, lab, Timestamp::now()))
    }

    /// The targets in force (configuration, or a supervisor's edit over it), optionally of one
    /// instrument and/or test, each with its lot's accepted points so far.
    pub fn qc_targets(
        &self,
        instrument: Option<&str>,
        test_code: Option<&str>,
    ) -> Result<Vec<QcLotTarget>, StoreError> {
        self.read_snapshot(|conn, lab| targets(conn, lab, instrument, test_code))
    }

    /// A supervisor sets the mean and SD of a configured lot and level for a test on an
    /// instrument, with a reason; later points are evaluated against it (earlier points keep
    /// the target they were evaluated with). Needs [`Permission::ManageQc`]; audited
    /// (`qc.target`, old and new mean and SD). An SD that is not above zero, or a mean or SD
    /// that is not a finite number, is refused.
    pub fn set_qc_target(&self, edit: &QcTargetEdit, actor: &Actor) -> Result<(), StoreError> {
        if !(edit.mean.is_finite() && edit.sd.is_finite() && edit.sd > 0.0) {
            return Err(StoreError::invalid(format!(
                "a QC target needs a finite mean and an SD above zero (mean {}, SD {})",
                edit.mean, edit.sd
            )));
        }
        let reason = reason_checked(&edit.reason)?;
        self.write(|conn, lab| {
            let person = authorize(conn, lab, actor, Permission::ManageQc)?.ok_or_else(|| {
                StoreError::forbidden(Permission::ManageQc, "a QC target is a supervisor's")
            })?;
            let level = configured(
                lab,
                &edit.instrument,
                &edit.test_code,
                &edit.material,
                &edit.lot,
                &edit.level,
            )?;
            let before = in_force(conn, lab, edit, level)?;
            let key = QcTargetEdit {
                reason,
                ..edit.clone()
            };
            insert_edit(
                conn,
                actor,
                person.id,
                &key,
                "edited",
                None,
                before,
                Timestamp::now(),
            )
        })
    }
}
