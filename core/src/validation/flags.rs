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
        _ => CheckOutcome::passed(rule, "value present"),
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
        CheckOutcome::passed(rule, "no instrument flag")
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
        None => CheckOutcome::passed(rule, "specimen accepted"),
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
    fn rejected_specimen_fails() {
        assert_eq!(specimen_acceptable(None).outcome, Outcome::Passed);
        let c = specimen_acceptable(Some("hemolysed"));
        assert_eq!(c.detail, "specimen rejected: hemolysed");
        assert_eq!(c.flag, Some(Flag::SpecimenRejected));
    }
}
