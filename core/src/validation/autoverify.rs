//! Autoverification, per test, in the spirit of CLSI AUTO10: a result that passes every rule in
//! the lab's rule set is verified by the system (and released if the test says so); any other
//! result waits for a person, with every reason listed.

use serde::{Deserialize, Serialize};

use super::{CheckOutcome, Outcome};
use crate::config::{AutoverificationSection, TestDef};

/// What autoverification decided for one result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Verified by the system.
    pub autoverified: bool,
    /// Released to the HIS at once.
    pub release: bool,
    /// Why it waits for a person (empty when autoverified).
    pub reasons: Vec<String>,
}

/// Decides from the check outcomes. A rule not in the lab's rule set never holds a result; a
/// rule that does not apply does not hold it either.
pub fn decide(
    test: &TestDef,
    rules: &AutoverificationSection,
    checks: &[CheckOutcome],
) -> Decision {
    let mut reasons: Vec<String> = checks
        .iter()
        .filter(|c| c.outcome == Outcome::Failed && rules.rules.contains(&c.rule))
        .map(|c| format!("{}: {}", c.rule.as_str(), c.detail))
        .collect();
    if !test.autoverify {
        reasons.push(format!("autoverification is off for {}", test.code));
    }
    let autoverified = reasons.is_empty();
    Decision {
        autoverified,
        release: autoverified && test.auto_release,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RuleName;
    use crate::validation::testing::test_def;
    use crate::validation::{Flag, QcStatus};

    fn all_rules() -> AutoverificationSection {
        AutoverificationSection::default()
    }

    #[test]
    fn passing_result_is_verified_and_released() {
        let t = test_def("GLU");
        let checks = vec![
            CheckOutcome::passed(RuleName::ReferenceRange, "5.6 within"),
            CheckOutcome::not_applicable(RuleName::Delta, "no previous result"),
        ];
        let d = decide(&t, &all_rules(), &checks);
        assert_eq!(
            d,
            Decision {
                autoverified: true,
                release: true,
                reasons: vec![]
            }
        );
        let mut no_release = test_def("GLU");
        no_release.auto_release = false;
        assert!(!decide(&no_release, &all_rules(), &checks).release);
    }

    #[test]
    fn every_failed_rule_is_a_reason() {
        let t = test_def("K");
        let checks = vec![
            CheckOutcome::failed(
                RuleName::ReferenceRange,
                Some(Flag::High),
                "6.3 above 3.5–5.1",
            ),
            CheckOutcome::failed(
                RuleName::Critical,
                Some(Flag::CriticalHigh),
                "6.3 above 6.2",
            ),
        ];
        let d = decide(&t, &all_rules(), &checks);
        assert!(!d.autoverified && !d.release);
        assert_eq!(
            d.reasons,
            vec![
                "reference_range: 6.3 above 3.5–5.1".to_owned(),
                "critical: 6.3 above 6.2".to_owned()
            ]
        );
    }

    #[test]
    fn rules_left_out_of_the_set_do_not_hold() {
        let t = test_def("K");
        let checks = vec![CheckOutcome::failed(
            RuleName::Delta,
            Some(Flag::Delta),
            "big change",
        )];
        let mut rules = all_rules();
        rules.rules.retain(|r| *r != RuleName::Delta);
        assert!(decide(&t, &rules, &checks).autoverified);
    }

    #[test]
    fn qc_out_of_control_holds_and_test_switch_holds() {
        let t = test_def("GLU");
        let checks = vec![crate::validation::qc::check(
            &QcStatus::OutOfControl("2-2s".into()),
            false,
        )];
        let d = decide(&t, &all_rules(), &checks);
        assert_eq!(d.reasons, vec!["qc: QC out of control: 2-2s".to_owned()]);
        let mut off = test_def("TSH");
        off.autoverify = false;
        let d = decide(&off, &all_rules(), &[]);
        assert_eq!(
            d.reasons,
            vec!["autoverification is off for TSH".to_owned()]
        );
    }
}
