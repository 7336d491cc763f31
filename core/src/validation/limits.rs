//! Critical limits and the analytical measurement range (AMR).
//!
//! Critical: a value strictly below `critical_low` or strictly above `critical_high` is critical;
//! a value equal to the limit is not. A censored `<x` is critical low when `x <= critical_low`,
//! `>x` critical high when `x >= critical_high`.
//!
//! Measurement range: limits inclusive. A censored value always fails (the analyzer itself says
//! it is outside what it can measure): `<x` is below, `>x` above. Above the range the lab reruns
//! with dilution ([`super::follow_ups`]).

use super::{CheckOutcome, Flag};
use crate::config::{RuleName, TestDef};
use crate::value::{CensorOp, ParsedValue};

/// The critical-limit rule.
pub fn critical(test: &TestDef, value: &ParsedValue) -> CheckOutcome {
    let rule = RuleName::Critical;
    if test.critical_low.is_none() && test.critical_high.is_none() {
        return CheckOutcome::not_applicable(rule, super::NO_CRITICAL_LIMITS);
    }
    let shown = value.display();
    let (low, high) = match value {
        ParsedValue::Missing | ParsedValue::Text(_) => {
            return CheckOutcome::not_applicable(rule, "no numeric value");
        }
        ParsedValue::Numeric { value, .. } => (
            test.critical_low.is_some_and(|l| *value < l),
            test.critical_high.is_some_and(|h| *value > h),
        ),
        ParsedValue::Censored {
            op: CensorOp::Less,
            limit,
            ..
        } => (test.critical_low.is_some_and(|l| *limit <= l), false),
        ParsedValue::Censored {
            op: CensorOp::Greater,
            limit,
            ..
        } => (false, test.critical_high.is_some_and(|h| *limit >= h)),
    };
    if low {
        CheckOutcome::failed(
            rule,
            Some(Flag::CriticalLow),
            format!(
                "{shown} below critical low {}",
                test.critical_low.unwrap_or_default()
            ),
        )
    } else if high {
        CheckOutcome::failed(
            rule,
            Some(Flag::CriticalHigh),
            format!(
                "{shown} above critical high {}",
                test.critical_high.unwrap_or_default()
            ),
        )
    } else {
        CheckOutcome::passed(rule, format!("{shown} not critical"))
    }
}

/// The measurement-range rule.
pub fn measurement_range(test: &TestDef, value: &ParsedValue) -> CheckOutcome {
    let rule = RuleName::MeasurementRange;
    let amr = test.measurement_range.as_ref();
    let shown = value.display();
    match value {
        ParsedValue::Missing | ParsedValue::Text(_) => {
            CheckOutcome::not_applicable(rule, "no numeric value")
        }
        ParsedValue::Censored {
            op: CensorOp::Less, ..
        } => CheckOutcome::failed(
            rule,
            Some(Flag::BelowMeasurementRange),
            format!("{shown}: below the analyzer's measurement range"),
        ),
        ParsedValue::Censored {
            op: CensorOp::Greater,
            ..
        } => CheckOutcome::failed(
            rule,
            Some(Flag::AboveMeasurementRange),
            format!("{shown}: above the analyzer's measurement range"),
        ),
        ParsedValue::Numeric { value, .. } => {
            let Some(amr) = amr else {
                return CheckOutcome::not_applicable(rule, super::NO_MEASUREMENT_RANGE);
            };
            if let Some(l) = amr.low.filter(|l| value < l) {
                CheckOutcome::failed(
                    rule,
                    Some(Flag::BelowMeasurementRange),
                    format!("{shown} below measurement range low {l}"),
                )
            } else if let Some(h) = amr.high.filter(|h| value > h) {
                CheckOutcome::failed(
                    rule,
                    Some(Flag::AboveMeasurementRange),
                    format!("{shown} above measurement range high {h}"),
                )
            } else {
                CheckOutcome::passed(rule, format!("{shown} within the measurement range"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MeasurementRange;
    use crate::validation::testing::test_def;
    use crate::validation::{follow_ups, FollowUp, Outcome};

    fn num(v: f64) -> ParsedValue {
        ParsedValue::Numeric {
            value: v,
            decimals: 1,
        }
    }

    fn potassium() -> TestDef {
        let mut t = test_def("K");
        t.critical_low = Some(2.8);
        t.critical_high = Some(6.2);
        t.measurement_range = Some(MeasurementRange {
            low: Some(1.5),
            high: Some(10.0),
            dilution: Some(2),
        });
        t
    }

    #[test]
    fn critical_limits_are_strict() {
        let t = potassium();
        assert_eq!(critical(&t, &num(2.8)).outcome, Outcome::Passed);
        assert_eq!(critical(&t, &num(2.7)).flag, Some(Flag::CriticalLow));
        assert_eq!(critical(&t, &num(6.2)).outcome, Outcome::Passed);
        let hh = critical(&t, &num(6.3));
        assert_eq!(hh.flag, Some(Flag::CriticalHigh));
        assert_eq!(hh.detail, "6.3 above critical high 6.2");
        assert_eq!(
            critical(&t, &ParsedValue::Missing).outcome,
            Outcome::NotApplicable
        );
        assert_eq!(
            critical(&test_def("X"), &num(1.0)).outcome,
            Outcome::NotApplicable
        );
    }

    #[test]
    fn censored_critical() {
        let t = potassium();
        let lt = ParsedValue::Censored {
            op: CensorOp::Less,
            limit: 1.5,
            decimals: 1,
        };
        assert_eq!(critical(&t, &lt).flag, Some(Flag::CriticalLow));
        let gt = ParsedValue::Censored {
            op: CensorOp::Greater,
            limit: 10.0,
            decimals: 1,
        };
        assert_eq!(critical(&t, &gt).flag, Some(Flag::CriticalHigh));
    }

    #[test]
    fn measurement_range_inclusive_and_censored() {
        let t = potassium();
        assert_eq!(measurement_range(&t, &num(1.5)).outcome, Outcome::Passed);
        assert_eq!(measurement_range(&t, &num(10.0)).outcome, Outcome::Passed);
        assert_eq!(
            measurement_range(&t, &num(1.4)).flag,
            Some(Flag::BelowMeasurementRange)
        );
        let above = measurement_range(&t, &num(10.1));
        assert_eq!(above.flag, Some(Flag::AboveMeasurementRange));
        assert_eq!(above.detail, "10.1 above measurement range high 10");
        // A censored value fails even with no range configured.
        let lt = ParsedValue::parse("<0.01");
        let c = measurement_range(&test_def("X"), &lt);
        assert_eq!(
            (c.outcome, c.flag),
            (Outcome::Failed, Some(Flag::BelowMeasurementRange))
        );
        assert_eq!(
            measurement_range(&test_def("X"), &ParsedValue::parse(">8")).flag,
            Some(Flag::AboveMeasurementRange)
        );
    }

    #[test]
    fn above_range_asks_for_a_diluted_rerun() {
        let t = potassium();
        let checks = vec![measurement_range(&t, &num(12.0))];
        assert_eq!(
            follow_ups(&t, &checks),
            vec![FollowUp::Rerun { dilution: Some(2) }]
        );
        let checks = vec![measurement_range(&t, &num(1.0))];
        assert_eq!(follow_ups(&t, &checks), vec![]);
    }
}
