//! The UI's paths in one place, so no handler or template spells a path by hand.

use std::fmt;

/// A fixed path of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urls {
    /// The worklist, the home page after sign-in.
    Worklist,
    /// The worklist's rows alone, as an HTML fragment for the live refresh.
    WorklistRows,
    /// The worklist's change stream (server-sent events).
    WorklistEvents,
    /// "Verify all clear" on the worklist (POST).
    WorklistVerifyClear,
    /// "Release all clear" on the worklist (POST).
    WorklistReleaseClear,
    /// The sign-in form (GET) and its submission (POST).
    Login,
    /// Sign-out (POST).
    Logout,
    /// The password change form (GET) and its submission (POST).
    Password,
    /// The signed-in user's language choice (POST).
    Language,
    /// Where the specimen pages live; see [`specimen`].
    Specimens,
    /// The patient search (`?q=`); a patient's cumulative report is `/patients/{id}`.
    Patients,
    /// The turnaround dashboard (`?from=&to=`).
    Turnaround,
    /// The users page (administrators) and its creation form (POST).
    AdminUsers,
    /// The lab configuration, read-only.
    AdminConfig,
}

impl Urls {
    /// The path.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Worklist => "/",
            Self::WorklistRows => "/worklist/rows",
            Self::WorklistEvents => "/worklist/events",
            Self::WorklistVerifyClear => "/worklist/verify-clear",
            Self::WorklistReleaseClear => "/worklist/release-clear",
            Self::Login => "/login",
            Self::Logout => "/logout",
            Self::Password => "/password",
            Self::Language => "/language",
            Self::Specimens => "/specimens",
            Self::Patients => "/patients",
            Self::Turnaround => "/turnaround",
            Self::AdminUsers => "/admin/users",
            Self::AdminConfig => "/admin/config",
        }
    }
}

impl fmt::Display for Urls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The page of one specimen, `/specimens/{id}`, with the id percent-encoded as a path segment.
pub fn specimen(id: &str) -> String {
    format!("{}/{}", Urls::Specimens.as_str(), encode_segment(id))
}

/// A patient's cumulative report, `/patients/{id}`.
pub fn patient(id: i64) -> String {
    format!("{}/{id}", Urls::Patients.as_str())
}

/// An administrator's action on one user, posted to `/admin/users/{id}/{action}` (`disable`,
/// `reset-password`, `roles`, `language`).
pub fn admin_user_action(id: i64, action: &str) -> String {
    format!("{}/{id}/{action}", Urls::AdminUsers.as_str())
}

/// An action on a specimen's page, posted to `/specimens/{id}/{action}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecimenAction {
    /// Verify the checked results.
    Verify,
    /// Release the checked results.
    Release,
    /// Verify and release the checked results (one-step labs).
    VerifyRelease,
    /// Ask for a rerun of the checked results.
    Rerun,
    /// Reject the checked results, with a reason.
    Reject,
    /// Comment on the checked results, or on the specimen when none is checked.
    Comment,
    /// Record a critical value call-back for one result.
    Callback,
    /// Enter a result by hand for an ordered test without one.
    Enter,
    /// Edit the value of a result not yet released (a new version).
    Edit,
    /// Correct a released result (supervisors).
    Correct,
}

impl SpecimenAction {
    /// The last path segment.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::Release => "release",
            Self::VerifyRelease => "verify-release",
            Self::Rerun => "rerun",
            Self::Reject => "reject",
            Self::Comment => "comment",
            Self::Callback => "callback",
            Self::Enter => "enter",
            Self::Edit => "edit",
            Self::Correct => "correct",
        }
    }
}

/// Where an action on a specimen posts: `/specimens/{id}/verify`.
pub fn specimen_action(id: &str, action: SpecimenAction) -> String {
    format!("{}/{}", specimen(id), action.segment())
}

/// Percent-encodes everything but RFC 3986 unreserved characters (section 2.3).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specimen_ids_are_one_path_segment() {
        assert_eq!(specimen("S26-000123"), "/specimens/S26-000123");
        assert_eq!(specimen("a/../b c"), "/specimens/a%2F..%2Fb%20c");
        assert_eq!(specimen("Mẫu"), "/specimens/M%E1%BA%ABu");
        assert_eq!(Urls::Worklist.to_string(), "/");
        assert_eq!(
            specimen_action("S 1", SpecimenAction::VerifyRelease),
            "/specimens/S%201/verify-release"
        );
    }
}
