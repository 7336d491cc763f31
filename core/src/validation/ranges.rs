//! Reference ranges by sex and age band.
//!
//! Age is counted in whole days from the birth date to the civil date of collection in the lab's
//! time zone (falling back to the time the specimen, or else the message, was received; the store
//! decides which time it passes). Bands are half-open, `[age_min_days, age_max_days)`: a baby
//! exactly 28 days old is in the band starting at 28. A patient of unknown age matches only bands
//! covering every age. A range for the patient's sex wins over one for any sex; among equals the
//! first in the file wins. Limits are inclusive: a value equal to `low` or `high` is in range.

use jiff::civil::Date;

use super::{CheckOutcome, Flag};
use crate::config::{RangeDef, RangeSex, ResultKind, RuleName, TestDef};
use crate::model::Sex;
use crate::value::{CensorOp, ParsedValue};

/// Age in whole days at `at` for someone born on `birth`; negative if `at` is before birth.
pub fn age_days(birth: Date, at: Date) -> i64 {
    birth.until(at).map_or(0, |span| i64::from(span.get_days()))
}

fn covers_age(r: &RangeDef, age: Option<i64>) -> bool {
    match age {
        Some(a) => {
            a >= i64::from(r.age_min_days) && r.age_max_days.is_none_or(|max| a < i64::from(max))
        }
        None => r.age_min_days == 0 && r.age_max_days.is_none(),
    }
}

/// The reference range that applies to a patient, if any.
pub fn select_range(test: &TestDef, sex: Sex, age_days: Option<i64>) -> Option<&RangeDef> {
    let wanted = match sex {
        Sex::Male => Some(RangeSex::Male),
        Sex::Female => Some(RangeSex::Female),
        Sex::Unknown => None,
    };
    let by_sex = wanted.and_then(|w| {
        test.ranges
            .iter()
            .find(|r| r.sex == w && covers_age(r, age_days))
    });
    by_sex.or_else(|| {
        test.ranges
            .iter()
            .find(|r| r.sex == RangeSex::Any && covers_age(r, age_days))
    })
}

/// A range as the check's sentence names it: `3.9–6.1 (any sex, 0+ days)`. Written straight into
/// the sentence (one allocation per check, not five). The review page compares it with a stored
/// sentence to tell whether the catalog's range is still the one that was checked.
pub(crate) struct Described<'a>(pub(crate) &'a RangeDef);

impl std::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.0;
        match (r.low, r.high) {
            (Some(l), Some(h)) => write!(f, "{l}–{h}")?,
            (Some(l), None) => write!(f, "≥{l}")?,
            (None, Some(h)) => write!(f, "≤{h}")?,
            (None, None) => f.write_str("no limits")?,
        }
        let sex = match r.sex {
            RangeSex::Male => "M",
            RangeSex::Female => "F",
            RangeSex::Any => "any sex",
        };
        match r.age_max_days {
            Some(max) => write!(f, " ({sex}, {}–{max} days)", r.age_min_days),
            None => write!(f, " ({sex}, {}+ days)", r.age_min_days),
        }
    }
}

/// The reference-range rule.
///
/// Numeric values compare against the selected range. A censored value compares its limit:
/// `<x` is low when `x <= low`, `>x` is high when `x >= high`, and otherwise passes this rule
/// (the measurement-range rule fails it anyway). A text value of a text test is normal when it
/// equals one of the test's normal texts, ignoring case.
pub fn check(test: &TestDef, value: &ParsedValue, sex: Sex, age_days: Option<i64>) -> CheckOutcome {
    let rule = RuleName::ReferenceRange;
    match value {
        ParsedValue::Missing => CheckOutcome::not_applicable(rule, "no value"),
        ParsedValue::Text(t) => {
            if test.kind == ResultKind::Numeric {
                return CheckOutcome::failed(
                    rule,
                    Some(Flag::Abnormal),
                    format!("text {t:?} for a numeric test"),
                );
            }
            if test.normal_text.is_empty() {
                return CheckOutcome::not_applicable(rule, "no normal text configured");
            }
            if test
                .normal_text
                .iter()
                .any(|n| n.trim().to_lowercase() == t.trim().to_lowercase())
            {
                CheckOutcome::passed(rule, format!("{t:?} is normal"))
            } else {
                CheckOutcome::failed(
                    rule,
                    Some(Flag::Abnormal),
                    format!("{t:?} is not among {:?}", test.normal_text),
                )
            }
        }
        ParsedValue::Numeric { .. } | ParsedValue::Censored { .. } => {
            if test.ranges.is_empty() {
                return CheckOutcome::not_applicable(rule, "no reference range configured");
            }
            let Some(range) = select_range(test, sex, age_days) else {
                let age = age_days.map_or_else(|| String::from("unknown"), |a| a.to_string());
                return CheckOutcome::failed(
                    rule,
                    None,
                    format!(
                        "no reference range for sex {} and age {age} days",
                        sex.code()
                    ),
                );
            };
            let shown = value.display();
            let (below, above) = match value {
                ParsedValue::Censored {
                    op: CensorOp::Less,
                    limit,
                    ..
                } => (range.low.is_some_and(|l| *limit <= l), false),
                ParsedValue::Censored {
                    op: CensorOp::Greater,
                    limit,
                    ..
                } => (false, range.high.is_some_and(|h| *limit >= h)),
                _ => {
                    let v = value.number().unwrap_or(f64::NAN);
                    (
                        range.low.is_some_and(|l| v < l),
                        range.high.is_some_and(|h| v > h),
                    )
                }
            };
            if below {
                CheckOutcome::failed(
                    rule,
                    Some(Flag::Low),
                    format!("{shown} below {}", Described(range)),
                )
            } else if above {
                CheckOutcome::failed(
                    rule,
                    Some(Flag::High),
                    format!("{shown} above {}", Described(range)),
                )
            } else {
                CheckOutcome::passed(rule, format!("{shown} within {}", Described(range)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::testing::test_def;
    use crate::validation::Outcome;

    fn range(sex: RangeSex, min: u32, max: Option<u32>, low: f64, high: f64) -> RangeDef {
        RangeDef {
            sex,
            age_min_days: min,
            age_max_days: max,
            low: Some(low),
            high: Some(high),
        }
    }

    fn hgb() -> TestDef {
        let mut t = test_def("HGB");
        t.ranges = vec![
            range(RangeSex::Any, 0, Some(28), 145.0, 225.0),
            range(RangeSex::Any, 28, Some(365), 95.0, 135.0),
            range(RangeSex::Any, 365, Some(6570), 110.0, 155.0),
            range(RangeSex::Male, 6570, None, 130.0, 170.0),
            range(RangeSex::Female, 6570, None, 120.0, 150.0),
            range(RangeSex::Any, 6570, None, 120.0, 170.0),
        ];
        t
    }

    fn num(v: f64) -> ParsedValue {
        ParsedValue::Numeric {
            value: v,
            decimals: 0,
        }
    }

    fn date(y: i16, m: i8, d: i8) -> Date {
        Date::new(y, m, d).unwrap()
    }

    #[test]
    fn age_in_days_by_hand() {
        // Born 2024-01-01; 2024-01-29 is 28 days later (January has 31 days).
        assert_eq!(age_days(date(2024, 1, 1), date(2024, 1, 29)), 28);
        // 2024 is a leap year: 2024-01-01 to 2025-01-01 is 366 days.
        assert_eq!(age_days(date(2024, 1, 1), date(2025, 1, 1)), 366);
        // 2023-03-01 to 2024-02-29 is 365 days.
        assert_eq!(age_days(date(2023, 3, 1), date(2024, 2, 29)), 365);
        assert_eq!(age_days(date(2024, 1, 1), date(2024, 1, 1)), 0);
    }

    #[test]
    fn neonate_band_boundaries() {
        let t = hgb();
        // Day 0 and day 27 are neonates; day 28 starts the infant band.
        assert_eq!(
            select_range(&t, Sex::Male, Some(0)).unwrap().low,
            Some(145.0)
        );
        assert_eq!(
            select_range(&t, Sex::Male, Some(27)).unwrap().low,
            Some(145.0)
        );
        assert_eq!(
            select_range(&t, Sex::Male, Some(28)).unwrap().low,
            Some(95.0)
        );
        // Day 364 is an infant, day 365 a child.
        assert_eq!(
            select_range(&t, Sex::Female, Some(364)).unwrap().low,
            Some(95.0)
        );
        assert_eq!(
            select_range(&t, Sex::Female, Some(365)).unwrap().low,
            Some(110.0)
        );
        // Negative age (collected before the recorded birth date) matches nothing.
        assert_eq!(select_range(&t, Sex::Female, Some(-1)), None);
    }

    #[test]
    fn sex_specific_range_wins_and_unknown_sex_uses_any() {
        let t = hgb();
        assert_eq!(
            select_range(&t, Sex::Male, Some(6570)).unwrap().low,
            Some(130.0)
        );
        assert_eq!(
            select_range(&t, Sex::Female, Some(6570)).unwrap().low,
            Some(120.0)
        );
        assert_eq!(
            select_range(&t, Sex::Unknown, Some(6570)).unwrap().high,
            Some(170.0)
        );
        // Day 6569 is still a child for both sexes.
        assert_eq!(
            select_range(&t, Sex::Male, Some(6569)).unwrap().low,
            Some(110.0)
        );
    }

    #[test]
    fn same_value_differs_by_sex_and_age() {
        let t = hgb();
        // 125 g/L: low for an adult man (130–170), normal for an adult woman (120–150).
        let m = check(&t, &num(125.0), Sex::Male, Some(10_000));
        assert_eq!((m.outcome, m.flag), (Outcome::Failed, Some(Flag::Low)));
        let f = check(&t, &num(125.0), Sex::Female, Some(10_000));
        assert_eq!((f.outcome, f.flag), (Outcome::Passed, None));
        // 140 g/L on day 27 is low for a neonate (145–225), on day 28 high for an infant (95–135).
        let d27 = check(&t, &num(140.0), Sex::Male, Some(27));
        assert_eq!(d27.flag, Some(Flag::Low));
        let d28 = check(&t, &num(140.0), Sex::Male, Some(28));
        assert_eq!(d28.flag, Some(Flag::High));
    }

    #[test]
    fn limits_are_inclusive() {
        let t = hgb();
        assert_eq!(
            check(&t, &num(130.0), Sex::Male, Some(7000)).outcome,
            Outcome::Passed
        );
        assert_eq!(
            check(&t, &num(170.0), Sex::Male, Some(7000)).outcome,
            Outcome::Passed
        );
        let above = check(&t, &num(171.0), Sex::Male, Some(7000));
        assert_eq!(above.flag, Some(Flag::High));
        assert_eq!(above.detail, "171 above 130–170 (M, 6570+ days)");
    }

    #[test]
    fn unknown_age_only_matches_all_age_bands() {
        let t = hgb();
        let c = check(&t, &num(140.0), Sex::Male, None);
        assert_eq!(c.outcome, Outcome::Failed);
        assert_eq!(
            c.detail,
            "no reference range for sex M and age unknown days"
        );
        let mut simple = test_def("MCH");
        simple.ranges = vec![range(RangeSex::Any, 0, None, 27.0, 33.0)];
        assert_eq!(
            check(&simple, &num(30.0), Sex::Unknown, None).outcome,
            Outcome::Passed
        );
    }

    #[test]
    fn censored_values_against_the_range() {
        let mut tsh = test_def("TSH");
        tsh.ranges = vec![range(RangeSex::Any, 0, None, 0.27, 4.2)];
        let less = |limit| ParsedValue::Censored {
            op: CensorOp::Less,
            limit,
            decimals: 2,
        };
        let greater = |limit| ParsedValue::Censored {
            op: CensorOp::Greater,
            limit,
            decimals: 0,
        };
        assert_eq!(
            check(&tsh, &less(0.01), Sex::Male, Some(9000)).flag,
            Some(Flag::Low)
        );
        assert_eq!(
            check(&tsh, &greater(100.0), Sex::Male, Some(9000)).flag,
            Some(Flag::High)
        );
        assert_eq!(
            check(&tsh, &less(1.0), Sex::Male, Some(9000)).outcome,
            Outcome::Passed
        );
    }

    #[test]
    fn text_results() {
        let mut hbsag = test_def("HBSAG");
        hbsag.kind = ResultKind::Text;
        hbsag.normal_text = vec!["Negative".into(), "Âm tính".into()];
        let neg = check(
            &hbsag,
            &ParsedValue::Text("NEGATIVE".into()),
            Sex::Male,
            Some(9000),
        );
        assert_eq!(neg.outcome, Outcome::Passed);
        let pos = check(
            &hbsag,
            &ParsedValue::Text("Positive".into()),
            Sex::Male,
            Some(9000),
        );
        assert_eq!(
            (pos.outcome, pos.flag),
            (Outcome::Failed, Some(Flag::Abnormal))
        );
        // A word for a numeric test is abnormal, and a missing value is not judged here.
        let t = hgb();
        assert_eq!(
            check(&t, &ParsedValue::Text("3+".into()), Sex::Male, Some(9000)).flag,
            Some(Flag::Abnormal)
        );
        assert_eq!(
            check(&t, &ParsedValue::Missing, Sex::Male, Some(9000)).outcome,
            Outcome::NotApplicable
        );
    }
}
