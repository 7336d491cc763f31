//! The checks every stored result gets, as pure functions over domain values.
//!
//! [`run_checks`] runs every rule of [`RuleName::ALL`] and returns one [`CheckOutcome`] per rule
//! (passed, failed or not applicable, with a flag and a sentence saying what was compared);
//! [`autoverify::decide`] turns them into an autoverification decision and
//! [`follow_ups`] into actions (rerun with dilution, reflex tests). The store keeps every outcome
//! with its result ([`standard_detail`] says which sentences it need not repeat), so the UI can
//! show why a result waits.
//!
//! Module map: [`ranges`] (reference range by sex and age), [`limits`] (critical limits and the
//! analytical measurement range), [`delta`], [`flags`] (value present, instrument flags,
//! specimen), [`qc`] (the QC hook), [`autoverify`], [`clear`] (whether a stored result may be
//! verified or released in bulk).

pub mod autoverify;
pub mod clear;
pub mod delta;
pub mod flags;
pub mod limits;
pub mod qc;
pub mod ranges;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::{ReflexWhen, RuleName, TestDef};
use crate::model::{ResultId, Sex};
use crate::value::ParsedValue;

pub use qc::QcStatus;

/// The result of one rule on one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The rule passed.
    Passed,
    /// The rule failed: the result needs a person (if the rule is in the autoverification set).
    Failed,
    /// The rule does not apply (no limit configured, no previous result, text value...).
    NotApplicable,
}

impl Outcome {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::NotApplicable => "not_applicable",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Passed, Self::Failed, Self::NotApplicable]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// A flag on a result, as the lab prints it (HL7 table 0078 letters where one exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Flag {
    /// Below the reference range (`L`).
    Low,
    /// Above the reference range (`H`).
    High,
    /// Below the critical low limit (`LL`).
    CriticalLow,
    /// Above the critical high limit (`HH`).
    CriticalHigh,
    /// Below the measurement range (`<`).
    BelowMeasurementRange,
    /// Above the measurement range (`>`).
    AboveMeasurementRange,
    /// Failed the delta check (`D`).
    Delta,
    /// Abnormal text result (`A`).
    Abnormal,
    /// The analyzer flagged it (`I`).
    InstrumentFlag,
    /// QC out of control (`Q`).
    QcFailed,
    /// No value (`M`).
    Missing,
    /// The specimen was rejected (`R`).
    SpecimenRejected,
}

impl Flag {
    /// Every flag.
    pub const ALL: [Self; 12] = [
        Self::Low,
        Self::High,
        Self::CriticalLow,
        Self::CriticalHigh,
        Self::BelowMeasurementRange,
        Self::AboveMeasurementRange,
        Self::Delta,
        Self::Abnormal,
        Self::InstrumentFlag,
        Self::QcFailed,
        Self::Missing,
        Self::SpecimenRejected,
    ];

    /// The printed code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Low => "L",
            Self::High => "H",
            Self::CriticalLow => "LL",
            Self::CriticalHigh => "HH",
            Self::BelowMeasurementRange => "<",
            Self::AboveMeasurementRange => ">",
            Self::Delta => "D",
            Self::Abnormal => "A",
            Self::InstrumentFlag => "I",
            Self::QcFailed => "Q",
            Self::Missing => "M",
            Self::SpecimenRejected => "R",
        }
    }

    /// Reads a printed code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == s)
    }
}

/// One rule's outcome on one result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckOutcome {
    /// The rule.
    pub rule: RuleName,
    /// Passed, failed or not applicable.
    pub outcome: Outcome,
    /// The flag it raises, if any.
    pub flag: Option<Flag>,
    /// What was compared, in words (`5.6 within 3.9–6.4 (any sex, 6570+ days)`).
    pub detail: String,
}

impl CheckOutcome {
    pub(crate) fn passed(rule: RuleName, detail: impl Into<String>) -> Self {
        Self {
            rule,
            outcome: Outcome::Passed,
            flag: None,
            detail: detail.into(),
        }
    }

    pub(crate) fn failed(rule: RuleName, flag: Option<Flag>, detail: impl Into<String>) -> Self {
        Self {
            rule,
            outcome: Outcome::Failed,
            flag,
            detail: detail.into(),
        }
    }

    pub(crate) fn not_applicable(rule: RuleName, detail: impl Into<String>) -> Self {
        Self {
            rule,
            outcome: Outcome::NotApplicable,
            flag: None,
            detail: detail.into(),
        }
    }
}

/// A value was sent.
pub(crate) const VALUE_PRESENT: &str = "value present";
/// The analyzer sent no unit to compare.
pub(crate) const NO_UNIT_SENT: &str = "the analyzer sent no unit";
/// The specimen is not rejected.
pub(crate) const SPECIMEN_ACCEPTED: &str = "specimen accepted";
/// The test has no analytical measurement range.
pub(crate) const NO_MEASUREMENT_RANGE: &str = "no measurement range configured";
/// The test has no critical limits.
pub(crate) const NO_CRITICAL_LIMITS: &str = "no critical limits configured";
/// The test has no delta rule.
pub(crate) const NO_DELTA_RULE: &str = "no delta rule configured";
/// The analyzer flagged nothing.
pub(crate) const NO_INSTRUMENT_FLAG: &str = "no instrument flag";
/// The instrument's QC for the test is in control.
pub(crate) const QC_IN_CONTROL: &str = "QC in control";
/// No QC is recorded for the instrument and test.
pub(crate) const NO_QC_RECORDED: &str = "no QC recorded";
/// The autoverification decision when nothing failed.
pub const EVERY_RULE_PASSED: &str = "every rule passed";

/// The sentence an outcome has when there is nothing particular to say, at most one per rule
/// and outcome. The store keeps such an outcome as `[rule, outcome]`, without the sentence (most
/// of a result's ten outcomes: it halves what each result stores), and reads the sentence back
/// from here. A sentence's wording may be improved; its meaning may never change.
const STANDARD_DETAILS: [(&str, Outcome, &str); 10] = [
    ("value_present", Outcome::Passed, VALUE_PRESENT),
    ("unit", Outcome::NotApplicable, NO_UNIT_SENT),
    ("specimen_acceptable", Outcome::Passed, SPECIMEN_ACCEPTED),
    (
        "measurement_range",
        Outcome::NotApplicable,
        NO_MEASUREMENT_RANGE,
    ),
    ("critical", Outcome::NotApplicable, NO_CRITICAL_LIMITS),
    ("delta", Outcome::NotApplicable, NO_DELTA_RULE),
    ("instrument_flags", Outcome::Passed, NO_INSTRUMENT_FLAG),
    ("qc", Outcome::Passed, QC_IN_CONTROL),
    ("qc", Outcome::NotApplicable, NO_QC_RECORDED),
    ("autoverification", Outcome::Passed, EVERY_RULE_PASSED),
];

/// The standard sentence of `rule`'s `outcome`, if it has one (at most one per rule and
/// outcome; the store keeps such an outcome without its sentence).
pub fn standard_detail(rule: &str, outcome: Outcome) -> Option<&'static str> {
    STANDARD_DETAILS
        .iter()
        .find(|(r, o, _)| *r == rule && *o == outcome)
        .map(|(_, _, detail)| *detail)
}

/// The patient's previous verified result of the same test, for the delta check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreviousResult {
    /// Its row id.
    pub result_id: ResultId,
    /// Its numeric value.
    pub value: f64,
    /// When it was measured (or received).
    pub at: Timestamp,
}

/// Everything the checks look at for one result.
#[derive(Debug, Clone)]
pub struct CheckInput<'a> {
    /// The catalog test.
    pub test: &'a TestDef,
    /// The value after unit conversion and rounding.
    pub value: &'a ParsedValue,
    /// The patient's sex.
    pub sex: Sex,
    /// The patient's age in days at collection (see [`ranges::age_days`]); none if unknown.
    pub age_days: Option<i64>,
    /// When this result was measured (or received), for the delta window.
    pub at: Timestamp,
    /// The previous verified result of the same test, if any.
    pub previous: Option<PreviousResult>,
    /// Flags the analyzer sent.
    pub instrument_flags: &'a [String],
    /// The unit the analyzer sent (may be empty).
    pub sent_unit: &'a str,
    /// The unit the instrument's test map expects, if known.
    pub expected_unit: Option<&'a str>,
    /// QC state for this instrument and test.
    pub qc: QcStatus,
    /// Whether an unknown QC state fails the QC rule.
    pub qc_unknown_blocks: bool,
    /// The specimen's rejection reason, if rejected.
    pub specimen_rejected: Option<&'a str>,
}

/// Runs every rule, in [`RuleName::ALL`] order.
pub fn run_checks(input: &CheckInput<'_>) -> Vec<CheckOutcome> {
    RuleName::ALL
        .into_iter()
        .map(|rule| match rule {
            RuleName::ValuePresent => flags::value_present(input.value),
            RuleName::Unit => flags::unit(input.value, input.sent_unit, input.expected_unit),
            RuleName::SpecimenAcceptable => flags::specimen_acceptable(input.specimen_rejected),
            RuleName::MeasurementRange => limits::measurement_range(input.test, input.value),
            RuleName::ReferenceRange => {
                ranges::check(input.test, input.value, input.sex, input.age_days)
            }
            RuleName::Critical => limits::critical(input.test, input.value),
            RuleName::Delta => delta::check(input.test, input.value, input.at, input.previous),
            RuleName::InstrumentFlags => flags::instrument_flags(input.instrument_flags),
            RuleName::Qc => qc::check(&input.qc, input.qc_unknown_blocks),
        })
        .collect()
}

/// Something a result makes the lab do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowUp {
    /// Run the test again, diluted (above the measurement range).
    Rerun {
        /// Dilution factor from the config, if any.
        dilution: Option<u32>,
    },
    /// Add these tests to the order (reflex rule).
    Reflex {
        /// LIS codes to add.
        add: Vec<String>,
    },
}

/// The actions the checks call for: a rerun with dilution above the measurement range, and the
/// test's reflex rules whose condition holds. None when the unit rule failed: a value in an
/// unexpected unit cannot be compared with the catalog's limits, so it only waits for a person.
pub fn follow_ups(test: &TestDef, checks: &[CheckOutcome]) -> Vec<FollowUp> {
    let unit_failed = checks
        .iter()
        .any(|c| c.rule == RuleName::Unit && c.outcome == Outcome::Failed);
    if unit_failed {
        return Vec::new();
    }
    let has = |f: Flag| checks.iter().any(|c| c.flag == Some(f));
    let mut out = Vec::new();
    if has(Flag::AboveMeasurementRange) {
        out.push(FollowUp::Rerun {
            dilution: test.measurement_range.as_ref().and_then(|m| m.dilution),
        });
    }
    let low = has(Flag::Low) || has(Flag::CriticalLow);
    let high = has(Flag::High) || has(Flag::CriticalHigh);
    for rule in &test.reflex {
        let fires = match rule.when {
            ReflexWhen::Low => low,
            ReflexWhen::High => high,
            ReflexWhen::OutOfRange => low || high,
            ReflexWhen::Abnormal => has(Flag::Abnormal),
        };
        if fires {
            out.push(FollowUp::Reflex {
                add: rule.add.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_sentences_name_real_rules_once_each() {
        for (i, (rule, outcome, _)) in STANDARD_DETAILS.iter().enumerate() {
            assert!(
                *rule == "autoverification" || RuleName::parse(rule).is_some(),
                "{rule} is not a rule"
            );
            assert!(
                STANDARD_DETAILS[..i]
                    .iter()
                    .all(|(r, o, _)| (r, o) != (rule, outcome)),
                "{rule} {outcome:?} has two standard sentences"
            );
        }
    }
}
