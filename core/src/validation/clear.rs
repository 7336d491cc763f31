//! Whether a stored result is "clear": safe to verify or release in bulk, without a person
//! looking at it alone. The server decides it from the stored result and its check outcomes;
//! never from what a browser sends.
//!
//! A result is clear when all of these hold:
//!
//! 1. it has a value (its value kind is not `missing` and the shown value is not empty);
//! 2. it is not critical: no `LL`/`HH` flag and no failed `critical` check;
//! 3. it carries no flag at all: none raised by the checks (`L`, `H`, `D`, `<`, `>`, `A`, `Q`,
//!    `M`, `R`, `I`...) and none sent by the analyzer;
//! 4. no check failed;
//! 5. the checks that say a result is normal **passed**: `value_present`,
//!    `specimen_acceptable`, `reference_range` and `instrument_flags`. "Not applicable" is not
//!    enough for them: a value with no reference range for this patient (or none configured) is
//!    not known to be normal, so it is not clear;
//! 6. `qc` did not fail; "not applicable" (no QC recorded) is fine unless the lab's
//!    `[autoverification] qc_unknown_blocks` is set;
//! 7. the other rules (`unit`, `measurement_range`, `critical`, `delta`) did not fail; "not
//!    applicable" is fine for them, because it means the lab configured no such rule for the test
//!    or there was nothing to compare (no unit sent, no previous result in the window). Reading
//!    their "not applicable" as "not clear" would make nearly every first result of a patient
//!    unclear (no previous result for the delta check), and bulk review useless.
//!
//! A rule name this version does not know counts as a must-pass rule. The stored
//! `autoverification` row is the decision, not a check, and is not looked at.

use serde::{Deserialize, Serialize};

use super::{Flag, Outcome};
use crate::config::{AutoverificationSection, RuleName};
use crate::model::ResultWithChecks;

/// Why a result is not clear (the first reason found, in the order of the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum NotClear {
    /// No value.
    NoValue,
    /// Critical (`LL`/`HH`, or the critical check failed).
    Critical,
    /// Flags raised by the checks.
    Flagged(Vec<Flag>),
    /// Flags the analyzer sent.
    InstrumentFlags(Vec<String>),
    /// A check failed (the rule's name).
    CheckFailed(String),
    /// A check that must pass did not apply (the rule's name).
    CheckNotApplicable(String),
    /// A check that must pass is not stored with the result (the rule's name).
    CheckMissing(String),
    /// No QC is recorded and the lab's `qc_unknown_blocks` is set.
    QcUnknown,
}

impl std::fmt::Display for NotClear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoValue => f.write_str("no value"),
            Self::Critical => f.write_str("critical value"),
            Self::Flagged(flags) => {
                let codes: Vec<&str> = flags.iter().map(|f| f.code()).collect();
                write!(f, "flagged {}", codes.join(" "))
            }
            Self::InstrumentFlags(flags) => {
                write!(f, "analyzer flags {}", flags.join(" "))
            }
            Self::CheckFailed(rule) => write!(f, "{rule} failed"),
            Self::CheckNotApplicable(rule) => write!(f, "{rule} did not apply"),
            Self::CheckMissing(rule) => write!(f, "{rule} was not checked"),
            Self::QcUnknown => f.write_str("no QC recorded"),
        }
    }
}

/// The rules that must have passed (item 5 of the module doc).
pub const MUST_PASS: [RuleName; 4] = [
    RuleName::ValuePresent,
    RuleName::SpecimenAcceptable,
    RuleName::ReferenceRange,
    RuleName::InstrumentFlags,
];

/// Whether `flag` marks a critical value.
pub fn is_critical_flag(flag: Flag) -> bool {
    matches!(flag, Flag::CriticalLow | Flag::CriticalHigh)
}

/// Whether a stored result is critical: an `LL`/`HH` flag, or a failed `critical` check.
pub fn is_critical(result: &ResultWithChecks) -> bool {
    result.result.flags.iter().any(|f| is_critical_flag(*f))
        || result
            .checks
            .iter()
            .any(|c| c.rule == RuleName::Critical.as_str() && c.outcome == Outcome::Failed)
}

/// Whether the result is clear (see the module doc).
pub fn is_clear(result: &ResultWithChecks, autoverification: &AutoverificationSection) -> bool {
    assess(result, autoverification).is_ok()
}

/// `Ok` when the result is clear, else the first reason it is not (see the module doc).
pub fn assess(
    result: &ResultWithChecks,
    autoverification: &AutoverificationSection,
) -> Result<(), NotClear> {
    let r = &result.result;
    if r.value_kind == "missing" || r.value.trim().is_empty() {
        return Err(NotClear::NoValue);
    }
    if is_critical(result) {
        return Err(NotClear::Critical);
    }
    if !r.flags.is_empty() {
        return Err(NotClear::Flagged(r.flags.clone()));
    }
    if !r.instrument_flags.is_empty() {
        return Err(NotClear::InstrumentFlags(r.instrument_flags.clone()));
    }
    for check in &result.checks {
        if check.rule == "autoverification" {
            continue;
        }
        let rule = RuleName::parse(&check.rule);
        match check.outcome {
            Outcome::Passed => {}
            Outcome::Failed => return Err(NotClear::CheckFailed(check.rule.clone())),
            Outcome::NotApplicable => match rule {
                Some(RuleName::Qc) if autoverification.qc_unknown_blocks => {
                    return Err(NotClear::QcUnknown)
                }
                Some(
                    RuleName::Qc
                    | RuleName::Unit
                    | RuleName::MeasurementRange
                    | RuleName::Critical
                    | RuleName::Delta,
                ) => {}
                // The must-pass rules, and a rule this version does not know.
                _ => return Err(NotClear::CheckNotApplicable(check.rule.clone())),
            },
        }
    }
    for rule in MUST_PASS {
        if !result.checks.iter().any(|c| c.rule == rule.as_str()) {
            return Err(NotClear::CheckMissing(rule.as_str().to_owned()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::lifecycle::ResultState;
    use crate::model::{CheckRow, LabResult};

    fn row(rule: &str, outcome: Outcome) -> CheckRow {
        CheckRow {
            rule: rule.to_owned(),
            outcome,
            detail: String::new(),
        }
    }

    /// A normal glucose of an adult, as ingest stores it: every rule passed or (unit, delta,
    /// qc...) did not apply.
    fn normal() -> ResultWithChecks {
        use Outcome::{NotApplicable as N, Passed as P};
        ResultWithChecks {
            result: LabResult {
                id: 1,
                ordered_test_id: 1,
                order_id: 1,
                specimen_id: "S1".into(),
                test_code: "GLU".into(),
                version: 1,
                value_sent: "5.2".into(),
                value: "5.2".into(),
                numeric: Some(5.2),
                value_kind: "numeric".into(),
                unit: "mmol/L".into(),
                flags: vec![],
                instrument_flags: vec![],
                instrument: "DEMO-CHEM".into(),
                operator: String::new(),
                observed_at: None,
                received_at: Timestamp::UNIX_EPOCH,
                state: ResultState::PendingReview,
                reported: true,
                corrects: None,
                journal_id: None,
                rev: 1,
                verified_by: None,
                verified_at: None,
                released_by: None,
            },
            checks: vec![
                row("value_present", P),
                row("unit", N),
                row("specimen_acceptable", P),
                row("measurement_range", P),
                row("reference_range", P),
                row("critical", P),
                row("delta", N),
                row("instrument_flags", P),
                row("qc", N),
                row("autoverification", Outcome::Failed),
            ],
            reasons: vec!["autoverification is off for GLU".into()],
        }
    }

    fn set(r: &mut ResultWithChecks, rule: &str, outcome: Outcome) {
        for c in &mut r.checks {
            if c.rule == rule {
                c.outcome = outcome;
            }
        }
    }

    #[test]
    fn a_normal_result_is_clear_whatever_the_autoverification_decision() {
        assert_eq!(
            assess(&normal(), &AutoverificationSection::default()),
            Ok(())
        );
    }

    #[test]
    fn high_low_and_critical_are_not_clear() {
        let av = AutoverificationSection::default();
        let mut high = normal();
        high.result.flags = vec![Flag::High];
        set(&mut high, "reference_range", Outcome::Failed);
        assert_eq!(assess(&high, &av), Err(NotClear::Flagged(vec![Flag::High])));
        let mut critical = normal();
        critical.result.flags = vec![Flag::High, Flag::CriticalHigh];
        assert_eq!(assess(&critical, &av), Err(NotClear::Critical));
        // A failed critical check is critical even if the flags were lost.
        let mut critical = normal();
        set(&mut critical, "critical", Outcome::Failed);
        assert_eq!(assess(&critical, &av), Err(NotClear::Critical));
        assert!(is_critical(&critical));
    }

    #[test]
    fn no_reference_range_is_not_clear_but_no_delta_rule_is() {
        let av = AutoverificationSection::default();
        let mut no_range = normal();
        set(&mut no_range, "reference_range", Outcome::NotApplicable);
        assert_eq!(
            assess(&no_range, &av),
            Err(NotClear::CheckNotApplicable("reference_range".into()))
        );
        let mut no_delta = normal();
        set(&mut no_delta, "delta", Outcome::NotApplicable);
        set(&mut no_delta, "critical", Outcome::NotApplicable);
        set(&mut no_delta, "measurement_range", Outcome::NotApplicable);
        assert_eq!(assess(&no_delta, &av), Ok(()));
    }

    #[test]
    fn qc_unknown_counts_only_when_the_lab_says_so() {
        let mut av = AutoverificationSection::default();
        assert!(is_clear(&normal(), &av));
        av.qc_unknown_blocks = true;
        assert_eq!(assess(&normal(), &av), Err(NotClear::QcUnknown));
        let mut failed = normal();
        set(&mut failed, "qc", Outcome::Failed);
        assert_eq!(
            assess(&failed, &AutoverificationSection::default()),
            Err(NotClear::CheckFailed("qc".into()))
        );
    }

    #[test]
    fn missing_value_instrument_flags_and_missing_checks() {
        let av = AutoverificationSection::default();
        let mut missing = normal();
        missing.result.value = String::new();
        missing.result.value_kind = "missing".into();
        assert_eq!(assess(&missing, &av), Err(NotClear::NoValue));
        let mut flagged = normal();
        flagged.result.instrument_flags = vec!["HEM".into()];
        assert_eq!(
            assess(&flagged, &av),
            Err(NotClear::InstrumentFlags(vec!["HEM".into()]))
        );
        let mut unchecked = normal();
        unchecked.checks.retain(|c| c.rule != "reference_range");
        assert_eq!(
            assess(&unchecked, &av),
            Err(NotClear::CheckMissing("reference_range".into()))
        );
        // A rule this version does not know must pass.
        let mut unknown = normal();
        unknown
            .checks
            .push(row("hemolysis_index", Outcome::NotApplicable));
        assert_eq!(
            assess(&unknown, &av),
            Err(NotClear::CheckNotApplicable("hemolysis_index".into()))
        );
    }
}
