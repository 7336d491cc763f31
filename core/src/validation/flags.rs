//! Rules on what came with the value: is there a value, did the analyzer flag it, was the
//! specimen rejected.

use super::{CheckOutcome, Flag};
use crate::config::RuleName;
use crate::value::ParsedValue;

/// The value-present rule: empty or placeholder values (`-----`) fail and are flagged `M`.
pub fn value_present(value: &ParsedValue) -> CheckOutcome {
    let rule = RuleName::ValuePresent;
    match value {
        ParsedValue::Missing => {
            CheckOutcome::failed(rule, Some(Flag::Missing), "the analyzer sent no value")
        }
        _ => CheckOutcome::passed(rule, super::VALUE_PRESENT),
    }
}

/// A unit spelled for comparison: no spaces, lower case, micro as `u`, `10*9` as `10^9`.
fn unit_key(u: &str) -> String {
    u.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'µ' | 'μ' => 'u',
            '*' => '^',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// The unit rule: a value in another unit than the test map expects (mg/dL where mmol/L is
/// configured) must not be read as if it were in the catalog's unit. Spelling differences of
/// case, spaces, `µ`/`u` and `10*9`/`10^9` are ignored. No unit sent, no expected unit, or a
/// value with no number: not applicable.
pub fn unit(value: &ParsedValue, sent: &str, expected: Option<&str>) -> CheckOutcome {
    let rule = RuleName::Unit;
    if value.number().is_none() {
        return CheckOutcome::not_applicable(rule, "no numeric value");
    }
    if sent.trim().is_empty() {
        return CheckOutcome::not_applicable(rule, super::NO_UNIT_SENT);
    }
    let Some(expected) = expected else {
        return CheckOutcome::not_applicable(rule, "no instrument unit configured");
    };
    if unit_key(sent) == unit_key(expected) {
        CheckOutcome::passed(rule, format!("unit {sent}"))
    } else {
        CheckOutcome::failed(
            rule,
            None,
            format!("unit {sent:?} sent, {expected:?} expected"),
        )
    }
}

/// The instrument-flags rule: any flag other than `N` (normal) fails.
///
/// The analyzer's own `H`/`L` count too: the lab's ranges may differ from the analyzer's, and a
/// person should see the disagreement.
pub fn instrument_flags(flags: &[String]) -> CheckOutcome {
    let rule = RuleName::InstrumentFlags;
    let raised: Vec<&str> = flags
        .iter()
        .map(|f| f.trim())
        .filter(|f| !f.is_empty() && !f.eq_ignore_ascii_case("N"))
        .collect();
    if raised.is_empty() {
        CheckOutcome::passed(rule, super::NO_INSTRUMENT_FLAG)
    } else {
        CheckOutcome::failed(
            rule,
            Some(Flag::InstrumentFlag),
            format!("instrument flagged {}", raised.join(",")),
        )
    }
}

/// The specimen rule: a rejected specimen's result fails.
pub fn specimen_acceptable(rejected: Option<&str>) -> CheckOutcome {
    let rule = RuleName::SpecimenAcceptable;
    match rejected {
        Some(reason) => CheckOutcome::failed(
            rule,
            Some(Flag::SpecimenRejected),
            format!("specimen rejected: {reason}"),
        ),
        None => CheckOutcome::passed(rule, super::SPECIMEN_ACCEPTED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Outcome;

    #[test]
    fn missing_values_fail_and_are_flagged() {
        let c = value_present(&ParsedValue::parse("-----"));
        assert_eq!((c.outcome, c.flag), (Outcome::Failed, Some(Flag::Missing)));
        assert_eq!(
            value_present(&ParsedValue::parse("0")).outcome,
            Outcome::Passed
        );
    }

    #[test]
    fn instrument_flags_other_than_normal_fail() {
        assert_eq!(instrument_flags(&[]).outcome, Outcome::Passed);
        assert_eq!(
            instrument_flags(&["N".into(), " ".into()]).outcome,
            Outcome::Passed
        );
        let c = instrument_flags(&["N".into(), "H".into(), "W".into()]);
        assert_eq!(c.outcome, Outcome::Failed);
        assert_eq!(c.detail, "instrument flagged H,W");
    }

    #[test]
    fn unit_must_match_the_test_map() {
        let v = ParsedValue::parse("5.2");
        assert_eq!(unit(&v, "mmol/L", Some("mmol/L")).outcome, Outcome::Passed);
        assert_eq!(unit(&v, "MMOL/L ", Some("mmol/L")).outcome, Outcome::Passed);
        assert_eq!(unit(&v, "µmol/L", Some("umol/L")).outcome, Outcome::Passed);
        assert_eq!(unit(&v, "10*9/L", Some("10^9/L")).outcome, Outcome::Passed);
        let c = unit(&v, "mg/dL", Some("mmol/L"));
        assert_eq!(c.outcome, Outcome::Failed);
        assert_eq!(c.detail, "unit \"mg/dL\" sent, \"mmol/L\" expected");
        assert_eq!(unit(&v, "", Some("mmol/L")).outcome, Outcome::NotApplicable);
        assert_eq!(unit(&v, "mg/dL", None).outcome, Outcome::NotApplicable);
        let text = ParsedValue::parse("Positive");
        assert_eq!(
            unit(&text, "mg/dL", Some("mmol/L")).outcome,
            Outcome::NotApplicable
        );
    }

    #[test]
    fn rejected_specimen_fails() {
        assert_eq!(specimen_acceptable(None).outcome, Outcome::Passed);
        let c = specimen_acceptable(Some("hemolysed"));
        assert_eq!(c.detail, "specimen rejected: hemolysed");
        assert_eq!(c.flag, Some(Flag::SpecimenRejected));
    }
}
