//! The result life cycle: states, actions and the one function that moves between them.
//!
//! Legal transitions (anything else is an [`IllegalTransition`]):
//!
//! | from            | action          | to              |
//! |-----------------|-----------------|-----------------|
//! | Received        | Hold            | PendingReview   |
//! | Received        | Autoverify      | AutoVerified    |
//! | PendingReview   | Verify          | Verified        |
//! | AutoVerified    | Release         | Released        |
//! | Verified        | Release         | Released        |
//! | Released        | Correct         | Corrected       |
//! | Received        | Reject          | Rejected        |
//! | PendingReview   | Reject          | Rejected        |
//! | AutoVerified    | Reject          | Rejected        |
//! | Verified        | Reject          | Rejected        |
//! | PendingReview   | RequestRerun    | RerunRequested  |
//! | AutoVerified    | RequestRerun    | RerunRequested  |
//! | Verified        | RequestRerun    | RerunRequested  |
//!
//! Corrected, Rejected and RerunRequested are final for that version: a correction is a new
//! version (released at once, the released version kept as Corrected) and a rerun's answer is a
//! new version too. A released result cannot be rejected or rerun, only corrected.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The state of one result version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultState {
    /// Stored, checks not yet decided.
    Received,
    /// Waiting for a person: some rule failed.
    PendingReview,
    /// Verified by the system: every rule passed.
    AutoVerified,
    /// Verified by a person.
    Verified,
    /// Sent to the HIS.
    Released,
    /// Changed after release; this version is kept and a new one replaces it.
    Corrected,
    /// Rejected (not reported).
    Rejected,
    /// A rerun was asked for; the rerun's result is a new version.
    RerunRequested,
}

/// Something done to a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The checks held it for a person.
    Hold,
    /// The checks passed every rule.
    Autoverify,
    /// A person verified it.
    Verify,
    /// Released to the HIS.
    Release,
    /// Changed after release.
    Correct,
    /// Rejected.
    Reject,
    /// A rerun was asked for.
    RequestRerun,
}

impl ResultState {
    /// Every state.
    pub const ALL: [Self; 8] = [
        Self::Received,
        Self::PendingReview,
        Self::AutoVerified,
        Self::Verified,
        Self::Released,
        Self::Corrected,
        Self::Rejected,
        Self::RerunRequested,
    ];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::PendingReview => "pending_review",
            Self::AutoVerified => "autoverified",
            Self::Verified => "verified",
            Self::Released => "released",
            Self::Corrected => "corrected",
            Self::Rejected => "rejected",
            Self::RerunRequested => "rerun_requested",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether the result has been verified (by a person or the system) and may be released or
    /// used as a previous value for delta checks.
    pub fn is_verified(self) -> bool {
        matches!(
            self,
            Self::AutoVerified | Self::Verified | Self::Released | Self::Corrected
        )
    }
}

impl Action {
    /// Every action.
    pub const ALL: [Self; 7] = [
        Self::Hold,
        Self::Autoverify,
        Self::Verify,
        Self::Release,
        Self::Correct,
        Self::Reject,
        Self::RequestRerun,
    ];

    /// Stored name (also the audit action suffix).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hold => "hold",
            Self::Autoverify => "autoverify",
            Self::Verify => "verify",
            Self::Release => "release",
            Self::Correct => "correct",
            Self::Reject => "reject",
            Self::RequestRerun => "request_rerun",
        }
    }
}

impl fmt::Display for ResultState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action that is not allowed in the result's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a result that is {from}")]
pub struct IllegalTransition {
    /// The state the result was in.
    pub from: ResultState,
    /// The action asked for.
    pub action: Action,
}

/// The state after `action`, or why it is not allowed.
pub fn transition(from: ResultState, action: Action) -> Result<ResultState, IllegalTransition> {
    use Action as A;
    use ResultState as S;
    let to = match (from, action) {
        (S::Received, A::Hold) => S::PendingReview,
        (S::Received, A::Autoverify) => S::AutoVerified,
        (S::PendingReview, A::Verify) => S::Verified,
        (S::AutoVerified | S::Verified, A::Release) => S::Released,
        (S::Released, A::Correct) => S::Corrected,
        (S::Received | S::PendingReview | S::AutoVerified | S::Verified, A::Reject) => S::Rejected,
        (S::PendingReview | S::AutoVerified | S::Verified, A::RequestRerun) => S::RerunRequested,
        _ => return Err(IllegalTransition { from, action }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table from the module doc, written out by hand.
    const LEGAL: [(ResultState, Action, ResultState); 13] = {
        use Action as A;
        use ResultState as S;
        [
            (S::Received, A::Hold, S::PendingReview),
            (S::Received, A::Autoverify, S::AutoVerified),
            (S::PendingReview, A::Verify, S::Verified),
            (S::AutoVerified, A::Release, S::Released),
            (S::Verified, A::Release, S::Released),
            (S::Released, A::Correct, S::Corrected),
            (S::Received, A::Reject, S::Rejected),
            (S::PendingReview, A::Reject, S::Rejected),
            (S::AutoVerified, A::Reject, S::Rejected),
            (S::Verified, A::Reject, S::Rejected),
            (S::PendingReview, A::RequestRerun, S::RerunRequested),
            (S::AutoVerified, A::RequestRerun, S::RerunRequested),
            (S::Verified, A::RequestRerun, S::RerunRequested),
        ]
    };

    #[test]
    fn every_legal_transition() {
        for (from, action, to) in LEGAL {
            assert_eq!(transition(from, action), Ok(to), "{from} --{action}-->");
        }
    }

    #[test]
    fn every_other_pair_is_illegal() {
        let mut illegal = 0;
        for from in ResultState::ALL {
            for action in Action::ALL {
                if LEGAL.iter().any(|(f, a, _)| *f == from && *a == action) {
                    continue;
                }
                assert_eq!(
                    transition(from, action),
                    Err(IllegalTransition { from, action }),
                    "{from} --{action}--> must be illegal"
                );
                illegal += 1;
            }
        }
        // 8 states x 7 actions = 56 pairs, 13 legal.
        assert_eq!(illegal, 43);
    }

    #[test]
    fn released_cannot_be_rejected_or_verified_again() {
        let e = transition(ResultState::Released, Action::Reject).unwrap_err();
        assert_eq!(e.to_string(), "cannot reject a result that is released");
        assert!(transition(ResultState::Released, Action::Verify).is_err());
        assert!(transition(ResultState::Corrected, Action::Correct).is_err());
    }
}
