//! Who may do what: the lab's roles and the actions each allows.
//!
//! Decided here, in core, so every path that acts for a person (the web UI, the command line)
//! asks the same question; the store checks it inside the life-cycle transaction when the actor
//! is a user, so the check is authoritative and audited. The UI only hides what a role may not do.
//!
//! | action                                   | technician | supervisor | admin |
//! |------------------------------------------|:----------:|:----------:|:-----:|
//! | see the worklist and specimens           | yes        | yes        |       |
//! | verify, rerun, reject, enter, comment    | yes        | yes        |       |
//! | record a critical call-back              | yes        | yes        |       |
//! | release; release another's verification | (one-step labs: release what it verified) | yes | |
//! | correct a released result                |            | yes        |       |
//! | manage users and settings                |            |            | yes   |
//! | read the audit trail                     |            | yes        | yes   |
//! | see the audit chain's verification       |            |            | yes   |
//! | read the turnaround dashboard            |            | yes        |       |
//! | read the lab configuration               |            | yes        | yes   |
//! | attach or discard an unmatched result    |            | yes        |       |
//! | read QC states, charts and summaries     | yes        | yes        |       |
//! | enter a QC value by hand                 | yes        | yes        |       |
//! | QC targets, lab statistics, QC override  |            | yes        |       |
//!
//! An admin has no result actions unless also given a lab role (a user may hold several roles,
//! e.g. `admin,supervisor`).

use crate::config::{ReviewSection, ReviewSteps};
use crate::model::Role;

/// Something a person may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the worklist, specimens, results and their history.
    Review,
    /// Verify a result waiting for review.
    Verify,
    /// Send a test back to the analyzer.
    Rerun,
    /// Reject a result.
    Reject,
    /// Enter a result by hand, or edit a value not yet released.
    EnterResult,
    /// Comment on a result or a specimen.
    Comment,
    /// Record the call-back of a critical result.
    RecordCallback,
    /// Release verified results to the HIS (in one-step labs: verify-and-release).
    Release,
    /// Release a result someone else verified (two-step labs).
    ReleaseOthersVerification,
    /// Correct a released result.
    Correct,
    /// Manage users and settings.
    ManageUsers,
    /// Read the audit trail.
    ReadAudit,
    /// Read the turnaround dashboard (turnaround times, late specimens, call-back times).
    ReadTurnaround,
    /// Read the lab configuration (tests, ranges, instruments, links) as the LIS holds it.
    ReadConfig,
    /// Attach an unmatched result to an order, or discard it with a reason.
    ResolveUnmatched,
    /// See whether the audit trail's hash chain is intact (`lis audit verify`).
    VerifyAudit,
    /// Enter a QC value by hand (an analyzer without a link).
    EnterQc,
    /// Read quality control: the QC states, the Levey-Jennings charts, the monthly summaries.
    ReadQc,
    /// Manage QC: edit a lot's targets, switch a lot to the lab's own statistics, override a
    /// rejected QC run (documented, audited).
    ManageQc,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Self; 19] = [
        Self::Review,
        Self::Verify,
        Self::Rerun,
        Self::Reject,
        Self::EnterResult,
        Self::Comment,
        Self::RecordCallback,
        Self::Release,
        Self::ReleaseOthersVerification,
        Self::Correct,
        Self::ManageUsers,
        Self::ReadAudit,
        Self::ReadTurnaround,
        Self::ReadConfig,
        Self::ResolveUnmatched,
        Self::VerifyAudit,
        Self::EnterQc,
        Self::ReadQc,
        Self::ManageQc,
    ];

    /// A stable name, used in audit entries and error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Review => "review",
            Self::Verify => "verify",
            Self::Rerun => "rerun",
            Self::Reject => "reject",
            Self::EnterResult => "enter_result",
            Self::Comment => "comment",
            Self::RecordCallback => "record_callback",
            Self::Release => "release",
            Self::ReleaseOthersVerification => "release_others_verification",
            Self::Correct => "correct",
            Self::ManageUsers => "manage_users",
            Self::ReadAudit => "read_audit",
            Self::ReadTurnaround => "read_turnaround",
            Self::ReadConfig => "read_config",
            Self::ResolveUnmatched => "resolve_unmatched",
            Self::VerifyAudit => "verify_audit",
            Self::EnterQc => "enter_qc",
            Self::ReadQc => "read_qc",
            Self::ManageQc => "manage_qc",
        }
    }
}

impl Role {
    /// Whether this role allows `permission` under the lab's review policy.
    ///
    /// In a one-step lab a technician verifies and releases in one action, so `Release` is
    /// theirs too; in a two-step lab releasing is the supervisor's.
    pub fn may(self, permission: Permission, review: &ReviewSection) -> bool {
        use Permission as P;
        match self {
            Self::Admin => matches!(
                permission,
                P::ManageUsers | P::ReadAudit | P::ReadConfig | P::VerifyAudit
            ),
            Self::Supervisor => !matches!(permission, P::ManageUsers | P::VerifyAudit),
            Self::Technician => match permission {
                P::Review
                | P::Verify
                | P::Rerun
                | P::Reject
                | P::EnterResult
                | P::Comment
                | P::RecordCallback
                | P::ReadQc
                | P::EnterQc => true,
                P::Release => review.steps == ReviewSteps::One,
                P::ReleaseOthersVerification
                | P::Correct
                | P::ManageUsers
                | P::ReadAudit
                | P::ReadTurnaround
                | P::ReadConfig
                | P::ResolveUnmatched
                | P::VerifyAudit
                | P::ManageQc => false,
            },
        }
    }
}

/// Whether any of `roles` allows `permission`.
pub fn allowed(roles: &[Role], permission: Permission, review: &ReviewSection) -> bool {
    roles.iter().any(|r| r.may(permission, review))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(steps: ReviewSteps) -> ReviewSection {
        ReviewSection {
            steps,
            release_by_other_user: true,
        }
    }

    #[test]
    fn the_table_in_the_module_doc() {
        let two = review(ReviewSteps::Two);
        let one = review(ReviewSteps::One);
        use Permission as P;
        for p in [
            P::Review,
            P::Verify,
            P::Rerun,
            P::Reject,
            P::EnterResult,
            P::Comment,
        ] {
            assert!(Role::Technician.may(p, &two), "{p:?}");
            assert!(Role::Supervisor.may(p, &two), "{p:?}");
            assert!(!Role::Admin.may(p, &two), "{p:?}");
        }
        assert!(!Role::Technician.may(P::Release, &two));
        assert!(Role::Technician.may(P::Release, &one));
        assert!(!Role::Technician.may(P::ReleaseOthersVerification, &one));
        assert!(Role::Supervisor.may(P::Release, &two));
        assert!(Role::Supervisor.may(P::ReleaseOthersVerification, &two));
        assert!(Role::Supervisor.may(P::Correct, &two));
        assert!(!Role::Technician.may(P::Correct, &one));
        assert!(Role::Admin.may(P::ManageUsers, &two));
        assert!(Role::Admin.may(P::ReadAudit, &two));
        assert!(!Role::Supervisor.may(P::ManageUsers, &two));
        assert!(!Role::Technician.may(P::ReadAudit, &two));
        assert!(!Role::Admin.may(P::Release, &one));
        assert!(Role::Supervisor.may(P::ReadTurnaround, &two));
        assert!(!Role::Technician.may(P::ReadTurnaround, &one));
        assert!(!Role::Admin.may(P::ReadTurnaround, &two));
        assert!(Role::Supervisor.may(P::ReadConfig, &two));
        assert!(Role::Admin.may(P::ReadConfig, &two));
        assert!(!Role::Technician.may(P::ReadConfig, &two));
        // The unmatched queue is the supervisor's; the audit trail is read by supervisors and
        // admins, and only admins see whether its chain is intact.
        assert!(Role::Supervisor.may(P::ResolveUnmatched, &one));
        assert!(!Role::Technician.may(P::ResolveUnmatched, &one));
        assert!(!Role::Admin.may(P::ResolveUnmatched, &one));
        assert!(Role::Supervisor.may(P::ReadAudit, &two));
        assert!(Role::Admin.may(P::VerifyAudit, &two));
        assert!(!Role::Supervisor.may(P::VerifyAudit, &two));
        assert!(!Role::Technician.may(P::VerifyAudit, &two));
        // QC: technicians enter values by hand; targets and overrides are the supervisor's.
        assert!(Role::Technician.may(P::EnterQc, &two));
        assert!(Role::Supervisor.may(P::EnterQc, &two));
        assert!(!Role::Admin.may(P::EnterQc, &two));
        assert!(Role::Technician.may(P::ReadQc, &two));
        assert!(Role::Supervisor.may(P::ReadQc, &two));
        assert!(!Role::Admin.may(P::ReadQc, &two));
        assert!(Role::Supervisor.may(P::ManageQc, &one));
        assert!(!Role::Technician.may(P::ManageQc, &one));
        assert!(!Role::Admin.may(P::ManageQc, &one));
    }

    #[test]
    fn an_admin_who_is_also_a_supervisor_may_release() {
        let two = review(ReviewSteps::Two);
        assert!(!allowed(&[Role::Admin], Permission::Release, &two));
        assert!(allowed(
            &[Role::Admin, Role::Supervisor],
            Permission::Release,
            &two
        ));
        assert!(!allowed(&[], Permission::Review, &two));
    }
}
