//! The QC hook: whether quality control is in control for an instrument and test.
//!
//! The QC module implements [`QcState`]; until then [`NoQcRecorded`] answers "no QC recorded"
//! ([`QcStatus::Unknown`]), so a stored QC check says what was really known and the lab's
//! `qc_unknown_blocks` decides whether that holds a result.

use jiff::Timestamp;
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

/// Where validation asks for the QC state.
pub trait QcState: Send + Sync {
    /// The QC state of `test` (LIS code) on `instrument` at `at`.
    fn status(&self, instrument: &str, test: &str, at: Timestamp) -> QcStatus;
}

/// The default until the QC module lands: no QC is recorded for any instrument and test, so the
/// QC check is not applicable (or fails, when `qc_unknown_blocks` is set), never passed.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoQcRecorded;

impl QcState for NoQcRecorded {
    fn status(&self, _instrument: &str, _test: &str, _at: Timestamp) -> QcStatus {
        QcStatus::Unknown
    }
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
        let t: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        // Until the QC module lands nothing is known: never "in control".
        assert_eq!(
            NoQcRecorded.status("DEMO-CHEM", "GLU", t),
            QcStatus::Unknown
        );
    }
}
