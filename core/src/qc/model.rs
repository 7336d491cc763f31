//! The words of quality control: materials, lots, levels, targets, Westgard rules, points, runs
//! and the evaluation of a run.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The highest control level a lot may have. Levels are one digit (1 to 9), so a QC specimen id
/// such as `QC12-…` is never read as level 1 or 12 by accident; real controls have 1 to 4 levels.
pub const MAX_LEVEL: u8 = 9;

/// A control material the lab runs, such as "Demo Chemistry Control", with its lots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcMaterial {
    /// The material's name as the lab calls it.
    pub name: String,
    /// The instruments this material is run on (instrument ids of the lab config).
    pub instruments: Vec<String>,
    /// The lots of this material, in file order.
    pub lots: Vec<QcLot>,
}

/// One manufacturing lot of a control material, with its expiry date and levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcLot {
    /// The lot number printed on the vial.
    pub lot: String,
    /// The last day the lot may be used.
    pub expiry: Date,
    /// The lot's levels, in level order.
    pub levels: Vec<QcLevel>,
}

impl QcLot {
    /// Whether the lot is past its expiry on `day` (the expiry day itself is still usable).
    pub fn is_expired(&self, day: Date) -> bool {
        day > self.expiry
    }

    /// The level with this number.
    pub fn level(&self, level: u8) -> Option<&QcLevel> {
        self.levels.iter().find(|l| l.level == level)
    }
}

/// One level (concentration) of a lot, with its target per test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcLevel {
    /// The level number, 1 to [`MAX_LEVEL`].
    pub level: u8,
    /// The target of each test at this level, in file order.
    pub targets: Vec<QcTestTarget>,
}

impl QcLevel {
    /// The target of `test` (LIS code) on `instrument`: a target written for that instrument
    /// wins over one written for every instrument of the material.
    pub fn target(&self, instrument: &str, test: &str) -> Option<&QcTestTarget> {
        let for_test = || self.targets.iter().filter(move |t| t.test == test);
        for_test()
            .find(|t| t.instrument.as_deref() == Some(instrument))
            .or_else(|| for_test().find(|t| t.instrument.is_none()))
    }
}

/// The target of one test at one level of a lot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcTestTarget {
    /// The LIS test code.
    pub test: String,
    /// The instrument this target is for; none: every instrument of the material.
    pub instrument: Option<String>,
    /// The unit of the mean and SD: the catalog test's unit (QC values are compared in it).
    pub units: String,
    /// The mean and SD.
    pub target: QcTarget,
}

/// A target mean and standard deviation, and who set them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QcTarget {
    /// The target mean.
    pub mean: f64,
    /// The target standard deviation; always above zero in a loaded config.
    pub sd: f64,
    /// Whether the manufacturer's insert or the lab's own data set it.
    pub source: TargetSource,
}

/// Who set a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// The manufacturer's package insert (or assay sheet).
    #[default]
    Manufacturer,
    /// The lab's own mean and SD from its accepted points ([`crate::qc::stats::lab_target`]).
    Lab,
}

impl TargetSource {
    /// The name as written in the config (`manufacturer`, `lab`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manufacturer => "manufacturer",
            Self::Lab => "lab",
        }
    }
}

/// A Westgard control rule. The names are the ones labs write (`1-3s`, `2-2s`, `R-4s`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum WestgardRule {
    /// 1-2s: one point beyond 2 SD. A warning only: a run where nothing else fires is accepted.
    R12s,
    /// 1-3s: one point beyond 3 SD.
    R13s,
    /// 2-2s: two points beyond the same 2 SD limit, within the run across levels, or in two
    /// consecutive runs within one level.
    R22s,
    /// R-4s: within one run, one point above +2 SD and another below −2 SD.
    R4s,
    /// 4-1s: four consecutive points beyond the same 1 SD limit, across levels and runs.
    R41s,
    /// 10-x: ten consecutive points on the same side of the mean, across levels and runs.
    R10x,
    /// 8-x: eight consecutive points on the same side of the mean (four measurements a run).
    R8x,
    /// 12-x: twelve consecutive points on the same side of the mean (four measurements a run).
    R12x,
    /// 2of3-2s: two of three points beyond the same 2 SD limit (three-level QC), within the run
    /// or within one level across runs.
    R2of32s,
    /// 3-1s: three consecutive points beyond the same 1 SD limit (three-level QC).
    R31s,
    /// 6-x: six consecutive points on the same side of the mean (three-level QC).
    R6x,
    /// 9-x: nine consecutive points on the same side of the mean (three-level QC).
    R9x,
}

impl WestgardRule {
    /// Every rule, in the order evaluations report them.
    pub const ALL: [Self; 12] = [
        Self::R12s,
        Self::R13s,
        Self::R22s,
        Self::R4s,
        Self::R41s,
        Self::R10x,
        Self::R8x,
        Self::R12x,
        Self::R2of32s,
        Self::R31s,
        Self::R6x,
        Self::R9x,
    ];

    /// The rule's name as labs write it and the config spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::R12s => "1-2s",
            Self::R13s => "1-3s",
            Self::R22s => "2-2s",
            Self::R4s => "R-4s",
            Self::R41s => "4-1s",
            Self::R10x => "10-x",
            Self::R8x => "8-x",
            Self::R12x => "12-x",
            Self::R2of32s => "2of3-2s",
            Self::R31s => "3-1s",
            Self::R6x => "6-x",
            Self::R9x => "9-x",
        }
    }

    /// Reads a rule's name as [`WestgardRule::name`] writes it (exactly, surrounding spaces
    /// ignored).
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether the rule only warns (1-2s) instead of rejecting the run.
    pub fn is_warning(self) -> bool {
        self == Self::R12s
    }
}

impl fmt::Display for WestgardRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no Westgard rule this LIS knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Westgard rule {0:?}: expected one of 1-2s, 1-3s, 2-2s, R-4s, 4-1s, 10-x, 8-x, 12-x, 2of3-2s, 3-1s, 6-x, 9-x")]
pub struct UnknownRule(pub String);

impl std::str::FromStr for WestgardRule {
    type Err = UnknownRule;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownRule(s.to_owned()))
    }
}

impl TryFrom<String> for WestgardRule {
    type Error = UnknownRule;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<WestgardRule> for String {
    fn from(rule: WestgardRule) -> Self {
        rule.name().to_owned()
    }
}

/// The rules a test's QC is judged by, and whether 1-2s screens the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QcRuleSet {
    /// The rules, without repeats.
    pub rules: Vec<WestgardRule>,
    /// The classic 1-2s screen: when on, the other rules are evaluated only for a run where a
    /// point is beyond 2 SD. Off by default (the screen misses the slow shifts 4-1s and 10-x
    /// catch between 1 and 2 SD).
    pub screen_12s: bool,
}

impl QcRuleSet {
    /// The Westgard multirule for two levels: 1-2s (warning), 1-3s, 2-2s, R-4s, 4-1s, 10-x.
    pub fn two_levels() -> Self {
        Self {
            rules: vec![
                WestgardRule::R12s,
                WestgardRule::R13s,
                WestgardRule::R22s,
                WestgardRule::R4s,
                WestgardRule::R41s,
                WestgardRule::R10x,
            ],
            screen_12s: false,
        }
    }

    /// The Westgard multirule for three levels: 1-2s (warning), 1-3s, 2of3-2s, R-4s, 3-1s, 6-x.
    pub fn three_levels() -> Self {
        Self {
            rules: vec![
                WestgardRule::R12s,
                WestgardRule::R13s,
                WestgardRule::R2of32s,
                WestgardRule::R4s,
                WestgardRule::R31s,
                WestgardRule::R6x,
            ],
            screen_12s: false,
        }
    }

    /// Whether `rule` is in the set.
    pub fn has(&self, rule: WestgardRule) -> bool {
        self.rules.contains(&rule)
    }
}

impl Default for QcRuleSet {
    fn default() -> Self {
        Self::two_levels()
    }
}

/// One QC result: its level, its value and its z-score against the level's target.
///
/// Built only by [`QcPoint::new`] or [`QcPoint::from_z`], so the level is 1 to [`MAX_LEVEL`]
/// and the value and z-score are finite: a point the rules cannot judge never exists (it
/// would otherwise pass every rule silently).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "QcPointFields")]
pub struct QcPoint {
    level: u8,
    value: f64,
    z: f64,
}

/// A point as serialized, checked by [`QcPoint::from_z`] when read back.
#[derive(Deserialize)]
struct QcPointFields {
    level: u8,
    value: f64,
    z: f64,
}

impl TryFrom<QcPointFields> for QcPoint {
    type Error = QcPointError;

    fn try_from(f: QcPointFields) -> Result<Self, Self::Error> {
        Self::from_z(f.level, f.value, f.z)
    }
}

/// Why a QC point cannot be judged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QcPointError {
    /// The level is 0 or above [`MAX_LEVEL`].
    #[error("QC level {0} is not between 1 and {MAX_LEVEL}")]
    Level(u8),
    /// The value is not a finite number.
    #[error("QC value {0} is not a finite number")]
    Value(f64),
    /// The target's SD is not above zero, or the target is not finite.
    #[error("QC target mean {mean} SD {sd} cannot judge a value: the SD must be above zero")]
    Target {
        /// The target mean.
        mean: f64,
        /// The target SD.
        sd: f64,
    },
    /// A z-score given directly is not finite.
    #[error("QC z-score {0} is not a finite number")]
    Z(f64),
}

impl QcPoint {
    /// A point measured against `target`: z = (value − mean) / SD, rounded to 1e-9 so that a
    /// value written exactly at a limit in decimals (5.5 + 3 × 0.2 = 6.1) scores exactly 3 and
    /// not 2.999999999999998 or 3.0000000000000004.
    pub fn new(level: u8, value: f64, target: &QcTarget) -> Result<Self, QcPointError> {
        if !(target.sd.is_finite() && target.sd > 0.0 && target.mean.is_finite()) {
            return Err(QcPointError::Target {
                mean: target.mean,
                sd: target.sd,
            });
        }
        if !value.is_finite() {
            return Err(QcPointError::Value(value));
        }
        Self::from_z(level, value, z_score(value, target.mean, target.sd))
    }

    /// A point whose z-score is already known (for instance read back from storage).
    pub fn from_z(level: u8, value: f64, z: f64) -> Result<Self, QcPointError> {
        if level == 0 || level > MAX_LEVEL {
            return Err(QcPointError::Level(level));
        }
        if !value.is_finite() {
            return Err(QcPointError::Value(value));
        }
        if !z.is_finite() {
            return Err(QcPointError::Z(z));
        }
        Ok(Self { level, value, z })
    }

    /// The control level, 1 to [`MAX_LEVEL`].
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The measured value, in the catalog test's unit.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// How many SDs the value lies from the target mean (negative below it).
    pub fn z(&self) -> f64 {
        self.z
    }
}

/// (x − mean) / sd rounded to 1e-9, so decimal inputs at a limit land on it exactly.
fn z_score(value: f64, mean: f64, sd: f64) -> f64 {
    let z = (value - mean) / sd;
    let rounded = (z * 1e9).round() / 1e9;
    // Rounding can only fail to be finite for |z| near f64::MAX; keep the raw quotient then.
    if rounded.is_finite() {
        rounded
    } else {
        z
    }
}

/// The QC results of one instrument and test that arrived together, or within the lab's run
/// window, in arrival order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QcRun {
    /// The points in arrival order.
    pub points: Vec<QcPoint>,
}

impl QcRun {
    /// A run of these points, in arrival order.
    pub fn new(points: Vec<QcPoint>) -> Self {
        Self { points }
    }

    /// Adds a point that arrived after the others.
    pub fn push(&mut self, point: QcPoint) {
        self.points.push(point);
    }

    /// The points in the order the rules count them: by level, and within a level (replicates)
    /// in arrival order, each with its [`PointRef`] for run number `run`.
    pub fn in_rule_order(&self, run: usize) -> Vec<(PointRef, QcPoint)> {
        let mut order: Vec<(usize, &QcPoint)> = self.points.iter().enumerate().collect();
        // A stable sort by level keeps replicates of a level in arrival order.
        order.sort_by_key(|(_, p)| p.level);
        let mut seen = [0u8; MAX_LEVEL as usize + 1];
        order
            .into_iter()
            .map(|(_, p)| {
                let slot = seen.get_mut(usize::from(p.level));
                let replicate = slot.map_or(0, |s| {
                    let r = *s;
                    *s = s.saturating_add(1);
                    r
                });
                (
                    PointRef {
                        run,
                        level: p.level,
                        replicate,
                    },
                    *p,
                )
            })
            .collect()
    }
}

/// Which point of which run: the run's index in the evaluated series (the history's runs are
/// `0..history.len()`, oldest first, and the run being judged is `history.len()`), the level,
/// and which replicate of that level in the run (0 for the first to arrive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PointRef {
    /// The run's index: history runs first, then the judged run.
    pub run: usize,
    /// The control level.
    pub level: u8,
    /// The replicate of this level within the run, 0 for the first.
    pub replicate: u8,
}

/// The decision on a QC run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No rule fired.
    Accepted,
    /// Only 1-2s fired: the run is accepted and the warning recorded.
    Warning,
    /// A rejecting rule fired: patient results of the test on the instrument are held.
    Rejected,
}

impl Verdict {
    /// The stored name (`accepted`, `warning`, `rejected`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Warning => "warning",
            Self::Rejected => "rejected",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Accepted, Self::Warning, Self::Rejected]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// Whether patient results may be released under this verdict (accepted or warning).
    pub fn is_accepted(self) -> bool {
        self != Self::Rejected
    }
}

/// A rule that fired and the points it used; at least one of them is in the judged run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The rule.
    pub rule: WestgardRule,
    /// The points the rule used, in rule order (runs oldest first, then level, replicate).
    pub points: Vec<PointRef>,
}

impl Violation {
    /// The rule with the levels it used, and the runs when more than one:
    /// `2-2s on level 1 across 2 runs`.
    pub fn describe(&self) -> String {
        let mut levels: Vec<u8> = self.points.iter().map(|p| p.level).collect();
        levels.sort_unstable();
        levels.dedup();
        let mut runs: Vec<usize> = self.points.iter().map(|p| p.run).collect();
        runs.sort_unstable();
        runs.dedup();
        let levels_text = levels
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let noun = if levels.len() == 1 { "level" } else { "levels" };
        let mut text = format!("{} on {noun} {levels_text}", self.rule.name());
        if runs.len() > 1 {
            text.push_str(&format!(" across {} runs", runs.len()));
        }
        text
    }
}

/// What the rules said about one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Accepted, warning or rejected.
    pub verdict: Verdict,
    /// Each point of the judged run with its z-score, in rule order.
    pub z_scores: Vec<(PointRef, f64)>,
    /// The rules that fired, in [`WestgardRule::ALL`] order, each with its points.
    pub violations: Vec<Violation>,
    /// Whether the 1-2s screen was on and no point was beyond 2 SD, so the other rules were
    /// not evaluated.
    pub screened_out: bool,
}

impl Evaluation {
    /// Whether `rule` fired.
    pub fn fired(&self, rule: WestgardRule) -> bool {
        self.violations.iter().any(|v| v.rule == rule)
    }

    /// What fired, in a sentence for people and for the QC hold's reason
    /// (`validation::qc::QcStatus::OutOfControl`): each rule with the levels it used, and the
    /// runs when it looked across runs, `1-3s on level 2; 4-1s on levels 1, 2 across 2 runs`.
    /// None when no rule fired.
    pub fn reason(&self) -> Option<String> {
        if self.violations.is_empty() {
            return None;
        }
        let parts: Vec<String> = self.violations.iter().map(Violation::describe).collect();
        Some(parts.join("; "))
    }

    /// The names of the rules that fired, joined for people: `1-3s, 2-2s`.
    pub fn rule_names(&self) -> String {
        self.violations
            .iter()
            .map(|v| v.rule.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
