//! The QC rule: whether quality control is in control for a result's instrument and test.
//!
//! The store reads the [`QcStatus`] of the instrument and test in the result's own transaction
//! (the verdict of its latest QC run, `store::qc_state`): in control after an accepted run,
//! out of control with the reason after a rejected one, and unknown ("no QC recorded") when no
//! run is recorded, so a stored QC check says what was really known and the lab's
//! `qc_unknown_blocks` decides whether that holds a result.

use serde::{Deserialize, Serialize};

use super::{CheckOutcome, Flag};
use crate::config::RuleName;

/// QC state of one instrument and test at one time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QcStatus {
    /// The last QC run passed its rules.
    InControl,
    /// QC failed; patient results are held.
    OutOfControl(String),
    /// No QC recorded.
    Unknown,
}

/// The QC rule: out of control fails; unknown fails only when the lab says so.
pub fn check(status: &QcStatus, unknown_blocks: bool) -> CheckOutcome {
    let rule = RuleName::Qc;
    match status {
        QcStatus::InControl => CheckOutcome::passed(rule, super::QC_IN_CONTROL),
        QcStatus::OutOfControl(why) => CheckOutcome::failed(
            rule,
            Some(Flag::QcFailed),
            format!("QC out of control: {why}"),
        ),
        QcStatus::Unknown if unknown_blocks => {
            CheckOutcome::failed(rule, Some(Flag::QcFailed), super::NO_QC_RECORDED)
        }
        QcStatus::Unknown => CheckOutcome::not_applicable(rule, super::NO_QC_RECORDED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Outcome;

    #[test]
    fn qc_rule() {
        assert_eq!(check(&QcStatus::InControl, true).outcome, Outcome::Passed);
        let c = check(&QcStatus::OutOfControl("1-3s on level 2".into()), false);
        assert_eq!((c.outcome, c.flag), (Outcome::Failed, Some(Flag::QcFailed)));
        assert_eq!(c.detail, "QC out of control: 1-3s on level 2");
        assert_eq!(
            check(&QcStatus::Unknown, false).outcome,
            Outcome::NotApplicable
        );
        assert_eq!(check(&QcStatus::Unknown, true).outcome, Outcome::Failed);
    }
}
