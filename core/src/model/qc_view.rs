//! Quality control as people read it: each instrument and test's state, the points of a
//! Levey-Jennings chart, the monthly summary, the targets in force, the patient results held or
//! flagged for re-check; and what a person enters (a QC value by hand, an override, a target).
//!
//! Plain data: the store reads and writes these (`store::qc_read`, `store::qc_state`...).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{ResultId, Supplement, UserName};
use crate::lifecycle::ResultState;

/// Row id of a QC run.
pub type QcRunId = i64;
/// Row id of a QC point (one QC result).
pub type QcPointId = i64;

/// The verdict of a QC run, and so the QC state of its instrument and test (accepted, warning:
/// accepted with a 1-2s warning, rejected): the QC model's own type.
pub use crate::qc::Verdict as QcVerdict;

/// What a QC result was resolved to. Anything but [`QcResolution::Resolved`] is kept and shown
/// as such, never dropped, never evaluated, never a patient result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QcResolution {
    /// Material, lot, level and target known: the point is evaluated in its run.
    Resolved,
    /// The instrument's test code is not in its test map.
    UnknownTest,
    /// No level 1 to 9 could be read from the analyzer's fields or the specimen id.
    UnknownLevel,
    /// No QC material of the instrument has a target for this test.
    UnknownMaterial,
    /// The lot the analyzer sent is not a lot of the instrument's materials, or no lot of them
    /// with a target for this test and level is unexpired at the time of the point.
    UnknownLot,
    /// The lot the analyzer sent was expired at the time of the point.
    ExpiredLot,
    /// Material and lot are known but have no mean and SD for this test and level.
    NoTarget,
    /// The value is not a number (empty, `-----`, text).
    NotNumeric,
    /// Stored before the QC module existed (schema 12 and earlier): kept, never evaluated.
    StoredBeforeQc,
}

impl QcResolution {
    /// Every resolution.
    pub const ALL: [Self; 9] = [
        Self::Resolved,
        Self::UnknownTest,
        Self::UnknownLevel,
        Self::UnknownMaterial,
        Self::UnknownLot,
        Self::ExpiredLot,
        Self::NoTarget,
        Self::NotNumeric,
        Self::StoredBeforeQc,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolved => "resolved",
            Self::UnknownTest => "unknown_test",
            Self::UnknownLevel => "unknown_level",
            Self::UnknownMaterial => "unknown_material",
            Self::UnknownLot => "unknown_lot",
            Self::ExpiredLot => "expired_lot",
            Self::NoTarget => "no_target",
            Self::NotNumeric => "not_numeric",
            Self::StoredBeforeQc => "stored_before_qc",
        }
    }

    /// Reads a stored code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// In English words, for logs and the audit trail (the UI has its own catalog).
    pub fn words(self) -> &'static str {
        match self {
            Self::Resolved => "resolved",
            Self::UnknownTest => "unknown test code",
            Self::UnknownLevel => "unknown level",
            Self::UnknownMaterial => "unknown material",
            Self::UnknownLot => "unknown lot",
            Self::ExpiredLot => "expired lot",
            Self::NoTarget => "no target mean and SD",
            Self::NotNumeric => "not a number",
            Self::StoredBeforeQc => "stored before QC evaluation existed",
        }
    }
}

/// A supervisor's override of a rejected run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QcOverrideRecord {
    /// Row id.
    pub id: i64,
    /// The rejected run it overrides.
    pub run_id: QcRunId,
    /// Why, as the supervisor wrote it.
    pub reason: String,
    /// The supervisor.
    pub by: UserName,
    /// When.
    pub at: Timestamp,
}

/// The QC state of one instrument and test: the state a patient result is validated and
/// released against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QcStanding {
    /// The instrument.
    pub instrument: String,
    /// The LIS test code.
    pub test_code: String,
    /// The verdict of the run that set it.
    pub verdict: QcVerdict,
    /// The run that set it.
    pub run_id: QcRunId,
    /// Why, in words ("1-3s on level 1 (GLU z = +3.50) in run 12"; "accepted" when none).
    pub reason: String,
    /// When it was set (the time of the run's latest point).
    pub since: Timestamp,
    /// The override in force, if a supervisor overrode the rejection.
    pub override_record: Option<QcOverrideRecord>,
}

impl QcStanding {
    /// Whether patient results of this instrument and test are held: rejected and not
    /// overridden.
    pub fn holds(&self) -> bool {
        self.verdict == QcVerdict::Rejected && self.override_record.is_none()
    }
}

/// A material and lot in use for an instrument and test, with its levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QcLotInUse {
    /// The material's name.
    pub material: String,
    /// The lot.
    pub lot: String,
    /// Its expiry date (`yyyy-mm-dd`).
    pub expires: String,
    /// The levels with a target for this test.
    pub levels: Vec<String>,
}

/// One row of the QC page: an instrument and test with QC defined or recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QcOverviewRow {
    /// The instrument.
    pub instrument: String,
    /// The LIS test code.
    pub test_code: String,
    /// Its state; none when no QC run is recorded yet ("no QC recorded").
    pub standing: Option<QcStanding>,
    /// The unexpired lots configured for it now.
    pub lots: Vec<QcLotInUse>,
    /// Patient results flagged for re-check by its rejected runs.
    pub rechecks: u64,
}

/// A QC result kept but not evaluated (unknown material, lot, test or target; not a number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcUnresolvedPoint {
    /// The point.
    pub point_id: QcPointId,
    /// The instrument.
    pub instrument: String,
    /// The instrument's test code.
    pub instrument_test_code: String,
    /// The LIS test code, when mapped.
    pub test_code: Option<String>,
    /// The specimen (control) id as sent.
    pub control_id: String,
    /// The value as sent.
    pub value: String,
    /// The lot, when known or sent.
    pub lot: Option<String>,
    /// The level, when known or sent.
    pub level: Option<String>,
    /// Why it was not evaluated.
    pub resolution: QcResolution,
    /// When it was measured (else received).
    pub at: Timestamp,
}

/// One point of a Levey-Jennings chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcChartPoint {
    /// The point.
    pub point_id: QcPointId,
    /// Its run.
    pub run_id: QcRunId,
    /// The run's verdict.
    pub run_verdict: QcVerdict,
    /// When it was measured (else received).
    pub at: Timestamp,
    /// The value (in the catalog's unit).
    pub value: f64,
    /// Its z-score against the target it was evaluated with.
    pub z: f64,
    /// The target mean it was evaluated with.
    pub mean: f64,
    /// The target SD it was evaluated with.
    pub sd: f64,
    /// Its material.
    pub material: String,
    /// Its lot.
    pub lot: String,
    /// The rules that fired on it, by name (`1-3s`, `2-2s`...), in its run's evaluation.
    pub violations: Vec<String>,
    /// The person who entered it by hand, if it was.
    pub entered_by: Option<UserName>,
    /// The values the analyzer sent beside it about the same measurement (a Centaur control's
    /// RLU and index), as sent, in the order sent.
    #[serde(default)]
    pub supplementary: Vec<Supplement>,
}

/// A stretch of a chart with one lot and one target: a lot change (or a target change) starts
/// a new one, drawn as a separator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcChartSegment {
    /// Index of its first point in [`QcChart::points`].
    pub first: usize,
    /// How many points it has.
    pub len: usize,
    /// Its material.
    pub material: String,
    /// Its lot.
    pub lot: String,
    /// The target mean of its points.
    pub mean: f64,
    /// The target SD of its points.
    pub sd: f64,
}

/// A Levey-Jennings chart's data: one instrument, test and level, one lot or all lots, points
/// in run order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcChart {
    /// The instrument.
    pub instrument: String,
    /// The LIS test code.
    pub test_code: String,
    /// The level.
    pub level: String,
    /// The lot asked for; none: every lot.
    pub lot: Option<String>,
    /// The points, in run order (then point order).
    pub points: Vec<QcChartPoint>,
    /// The segments (lot or target changes).
    pub segments: Vec<QcChartSegment>,
}

/// The monthly summary of one instrument, test, lot and level: for each month with accepted
/// points, n, mean, SD, CV % and the cumulative figures, with bias % and SDI against the target
/// in force (points of rejected runs excluded; months in the lab's time zone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcMonthlySummary {
    /// The instrument.
    pub instrument: String,
    /// The LIS test code.
    pub test_code: String,
    /// The lot.
    pub lot: String,
    /// The level.
    pub level: String,
    /// The target mean in force now, if the lot and level have one.
    pub target_mean: Option<f64>,
    /// The target SD in force now.
    pub target_sd: Option<f64>,
    /// The months, oldest first.
    pub months: Vec<crate::qc::stats::MonthlySummary>,
}

/// Where a target in force comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QcTargetSource {
    /// The lab configuration (`[[qc.materials]]`), e.g. the manufacturer's mean and SD.
    Config,
    /// Typed by a supervisor.
    Edited {
        /// Who.
        by: UserName,
        /// When.
        at: Timestamp,
        /// Why.
        reason: String,
    },
    /// The lab's own mean and SD of the lot's accepted points, switched to by a supervisor.
    LabStatistics {
        /// Who.
        by: UserName,
        /// When.
        at: Timestamp,
        /// How many accepted points they came from.
        points: usize,
    },
}

/// The target in force for an instrument, test, material, lot and level (the configuration's, or
/// a supervisor's edit laid over it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcLotTarget {
    /// The instrument.
    pub instrument: String,
    /// The LIS test code.
    pub test_code: String,
    /// The material.
    pub material: String,
    /// The lot.
    pub lot: String,
    /// The lot's expiry (`yyyy-mm-dd`).
    pub expires: String,
    /// The level.
    pub level: String,
    /// Target mean.
    pub mean: f64,
    /// Target SD.
    pub sd: f64,
    /// Where it comes from.
    pub source: QcTargetSource,
    /// Accepted points of this lot and level so far (the lab's own statistics need 20).
    pub accepted_points: usize,
}

/// A supervisor's new target for a lot and level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcTargetEdit {
    /// The instrument.
    pub instrument: String,
    /// The LIS test code.
    pub test_code: String,
    /// The material (as configured).
    pub material: String,
    /// The lot (as configured).
    pub lot: String,
    /// The level.
    pub level: String,
    /// The new mean.
    pub mean: f64,
    /// The new SD (greater than 0).
    pub sd: f64,
    /// Why (required).
    pub reason: String,
}

/// A QC value typed by a person, for an analyzer without a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewQcEntry {
    /// The instrument.
    pub instrument: String,
    /// The LIS test code.
    pub test_code: String,
    /// The level.
    pub level: String,
    /// The lot; none: the one unexpired lot of the level's material.
    pub lot: Option<String>,
    /// The value as typed.
    pub value: String,
    /// When it was measured.
    pub at: Timestamp,
}

/// What storing a QC value did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QcStored {
    /// The point.
    pub point_id: QcPointId,
    /// How it was resolved.
    pub resolution: QcResolution,
    /// Its run (none when not evaluated).
    pub run_id: Option<QcRunId>,
    /// The run's verdict after this point.
    pub verdict: Option<QcVerdict>,
}

/// A patient result flagged for re-check: it arrived between its instrument and test's last
/// accepted QC run and a rejected one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcRecheck {
    /// The result.
    pub result_id: ResultId,
    /// Its specimen.
    pub specimen_id: String,
    /// Its test.
    pub test_code: String,
    /// Its instrument.
    pub instrument: String,
    /// Its value as shown.
    pub value: String,
    /// Its state now.
    pub state: ResultState,
    /// When it arrived.
    pub received_at: Timestamp,
    /// The rejected run that flagged it.
    pub run_id: QcRunId,
    /// That run's reason in words.
    pub reason: String,
    /// When it was flagged.
    pub flagged_at: Timestamp,
    /// The supervisor's recorded check; none while it waits.
    pub checked: Option<QcRecheckDone>,
}

/// A supervisor's record that a flagged result was checked again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QcRecheckDone {
    /// Who.
    pub by: UserName,
    /// When.
    pub at: Timestamp,
    /// What they found or did, in their words.
    pub note: String,
}

/// What a patient result's page shows about QC beyond its `qc` check.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QcResultNote {
    /// The rejected runs that flagged it for re-check.
    pub recheck_runs: Vec<QcRunId>,
    /// The override it was released under, if it was.
    pub released_under: Option<QcOverrideRecord>,
}
