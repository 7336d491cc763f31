//! The delta check: a change from the patient's previous verified result of the same test that
//! is too large to be plausible within the rule's window.
//!
//! The previous result counts when it was measured at most `window_hours` before this one
//! (inclusive). Absolute rules fail when `|new - previous| > limit`; percent rules when
//! `|new - previous| / |previous| * 100 > limit` (with a previous value of zero, any change
//! fails). Equal to the limit passes.

use jiff::{SignedDuration, Timestamp};

use super::{CheckOutcome, Flag, PreviousResult};
use crate::config::{DeltaKind, RuleName, TestDef};
use crate::value::ParsedValue;

/// The delta rule.
pub fn check(
    test: &TestDef,
    value: &ParsedValue,
    at: Timestamp,
    previous: Option<PreviousResult>,
) -> CheckOutcome {
    let rule = RuleName::Delta;
    let Some(delta) = &test.delta else {
        return CheckOutcome::not_applicable(rule, super::NO_DELTA_RULE);
    };
    let ParsedValue::Numeric { value: now, .. } = value else {
        return CheckOutcome::not_applicable(rule, "not a plain number");
    };
    let Some(prev) = previous else {
        return CheckOutcome::not_applicable(rule, "no previous result");
    };
    let age = at.duration_since(prev.at);
    let window = SignedDuration::from_hours(i64::from(delta.window_hours));
    if age > window || age.is_negative() {
        return CheckOutcome::not_applicable(
            rule,
            format!(
                "previous result {} is outside the {} h window",
                prev.value, delta.window_hours
            ),
        );
    }
    let change = (now - prev.value).abs();
    let (exceeded, measured) = match delta.kind {
        DeltaKind::Absolute => (change > delta.limit, format!("change {change:.3}")),
        DeltaKind::Percent => {
            if prev.value == 0.0 {
                (change > 0.0, String::from("change from 0"))
            } else {
                let pct = change / prev.value.abs() * 100.0;
                (pct > delta.limit, format!("change {pct:.1}%"))
            }
        }
    };
    let unit = match delta.kind {
        DeltaKind::Absolute => "",
        DeltaKind::Percent => "%",
    };
    let detail = format!(
        "{} -> {now}: {measured} (limit {}{unit} in {} h)",
        prev.value, delta.limit, delta.window_hours
    );
    if exceeded {
        CheckOutcome::failed(rule, Some(Flag::Delta), detail)
    } else {
        CheckOutcome::passed(rule, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DeltaRule;
    use crate::validation::testing::test_def;
    use crate::validation::Outcome;

    fn t0() -> Timestamp {
        "2025-03-01T08:00:00Z".parse().unwrap()
    }

    fn prev(value: f64, hours_before: i64) -> Option<PreviousResult> {
        Some(PreviousResult {
            result_id: 1,
            value,
            at: t0() - SignedDuration::from_hours(hours_before),
        })
    }

    fn num(v: f64) -> ParsedValue {
        ParsedValue::Numeric {
            value: v,
            decimals: 0,
        }
    }

    fn with(kind: DeltaKind, limit: f64, window_hours: u32) -> TestDef {
        let mut t = test_def("T");
        t.delta = Some(DeltaRule {
            kind,
            limit,
            window_hours,
        });
        t
    }

    #[test]
    fn absolute_hemoglobin_by_hand() {
        // HGB rule: 20 g/L within 48 h. 130 -> 110 is a change of 20: passes (equal to limit).
        let t = with(DeltaKind::Absolute, 20.0, 48);
        assert_eq!(
            check(&t, &num(110.0), t0(), prev(130.0, 24)).outcome,
            Outcome::Passed
        );
        // 130 -> 109 is 21: fails.
        let c = check(&t, &num(109.0), t0(), prev(130.0, 24));
        assert_eq!((c.outcome, c.flag), (Outcome::Failed, Some(Flag::Delta)));
        // A rise counts the same as a fall.
        assert_eq!(
            check(&t, &num(151.0), t0(), prev(130.0, 24)).outcome,
            Outcome::Failed
        );
    }

    #[test]
    fn percent_creatinine_by_hand() {
        // CREA rule: 50 % within 72 h. 80 -> 120 is +40/80 = 50 %: passes.
        let t = with(DeltaKind::Percent, 50.0, 72);
        assert_eq!(
            check(&t, &num(120.0), t0(), prev(80.0, 10)).outcome,
            Outcome::Passed
        );
        // 80 -> 121 is 51.25 %: fails.
        let c = check(&t, &num(121.0), t0(), prev(80.0, 10));
        assert_eq!(c.outcome, Outcome::Failed);
        // 80 -> 123 is 43/80 = 53.75 %, shown to one decimal.
        let c = check(&t, &num(123.0), t0(), prev(80.0, 10));
        assert_eq!(c.detail, "80 -> 123: change 53.8% (limit 50% in 72 h)");
        // 80 -> 39 is -41/80 = 51.25 %: fails too.
        assert_eq!(
            check(&t, &num(39.0), t0(), prev(80.0, 10)).outcome,
            Outcome::Failed
        );
        // From zero any change fails.
        assert_eq!(
            check(&t, &num(1.0), t0(), prev(0.0, 10)).outcome,
            Outcome::Failed
        );
    }

    #[test]
    fn window_edges() {
        let t = with(DeltaKind::Absolute, 1.0, 24);
        // Exactly 24 h before: inside the window.
        assert_eq!(
            check(&t, &num(10.0), t0(), prev(5.0, 24)).outcome,
            Outcome::Failed
        );
        // 25 h before: outside, so the rule does not apply.
        assert_eq!(
            check(&t, &num(10.0), t0(), prev(5.0, 25)).outcome,
            Outcome::NotApplicable
        );
        // No previous result, no rule, or a censored value: not applicable.
        assert_eq!(
            check(&t, &num(10.0), t0(), None).outcome,
            Outcome::NotApplicable
        );
        assert_eq!(
            check(&test_def("X"), &num(10.0), t0(), prev(5.0, 1)).outcome,
            Outcome::NotApplicable
        );
        assert_eq!(
            check(&t, &ParsedValue::parse(">8"), t0(), prev(5.0, 1)).outcome,
            Outcome::NotApplicable
        );
    }
}
