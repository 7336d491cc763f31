//! What people record while reviewing results: critical call-backs, comments, and the outcome of
//! a bulk "verify (or release) all clear".

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{ResultId, UserId};
use crate::config::Section;
use crate::validation::clear::NotClear;

/// How a call-back about a critical result ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackOutcome {
    /// The person was told and read the value back.
    ToldReadBack,
    /// The person was told but did not read the value back.
    ToldNoReadBack,
    /// Nobody could be reached; the lab must try again.
    NotReached,
}

impl CallbackOutcome {
    /// Every outcome.
    pub const ALL: [Self; 3] = [Self::ToldReadBack, Self::ToldNoReadBack, Self::NotReached];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ToldReadBack => "told_read_back",
            Self::ToldNoReadBack => "told_no_read_back",
            Self::NotReached => "not_reached",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether someone responsible was told (with or without read-back): such a call-back
    /// allows a critical result to be released.
    pub fn told(self) -> bool {
        matches!(self, Self::ToldReadBack | Self::ToldNoReadBack)
    }
}

/// A call-back to record for a critical result; the server stamps when and who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCallback {
    /// Who was told (or who was tried), by name.
    pub told_name: String,
    /// Their role (`doctor`, `nurse`...).
    pub told_role: String,
    /// The ward or the phone number called.
    pub location: String,
    /// Whether they read the value back.
    pub read_back: bool,
    /// How it ended.
    pub outcome: CallbackOutcome,
}

/// A recorded call-back of a critical result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    /// Row id.
    pub id: i64,
    /// The critical result.
    pub result_id: ResultId,
    /// Who was told, by name.
    pub told_name: String,
    /// Their role.
    pub told_role: String,
    /// The ward or the phone number.
    pub location: String,
    /// Whether they read the value back.
    pub read_back: bool,
    /// How it ended.
    pub outcome: CallbackOutcome,
    /// When it was recorded (the server's clock).
    pub recorded_at: Timestamp,
    /// The user who recorded it.
    pub recorded_by: UserId,
    /// That user's display name.
    pub recorded_by_name: String,
}

/// A comment on a specimen, or on one of its results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Row id.
    pub id: i64,
    /// The specimen's barcode.
    pub specimen_id: String,
    /// The result it is about, when about one result.
    pub result_id: Option<ResultId>,
    /// The text.
    pub text: String,
    /// When it was written (the server's clock).
    pub created_at: Timestamp,
    /// The user who wrote it.
    pub created_by: UserId,
    /// That user's display name.
    pub created_by_name: String,
}

/// The results a bulk action looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewScope {
    /// Every result of one specimen, by barcode.
    Specimen(String),
    /// The whole worklist, optionally one section's tests only.
    Worklist {
        /// Only tests of this section.
        section: Option<Section>,
    },
}

/// Why a bulk action left a result alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum SkipReason {
    /// The result is not clear ([`crate::validation::clear`]): a person must look at it.
    NotClear(NotClear),
    /// A critical result without a "told" call-back.
    CallbackRequired,
    /// This person verified it and the lab's policy wants another person to release it.
    VerifiedBySelf,
    /// Releasing another person's verification needs a supervisor.
    VerifiedByOther,
    /// Not the version reported for its test (a newer or chosen version is).
    NotReported,
    /// The action is not allowed in the result's state, or the store refused it for another
    /// reason, in words.
    Refused(String),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotClear(why) => write!(f, "not clear: {why}"),
            Self::CallbackRequired => f.write_str("critical: no call-back recorded"),
            Self::VerifiedBySelf => f.write_str("verified by you: another person releases it"),
            Self::VerifiedByOther => {
                f.write_str("verified by another person: a supervisor releases it")
            }
            Self::NotReported => f.write_str("not the reported version of its test"),
            Self::Refused(why) => f.write_str(why),
        }
    }
}

/// A result a bulk action left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The result.
    pub result_id: ResultId,
    /// Its specimen's barcode.
    pub specimen_id: String,
    /// Its test code.
    pub test_code: String,
    /// Why.
    pub reason: SkipReason,
}

/// What a bulk "verify (or release) all clear" did, decided by the server from the database in
/// the action's own transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// The results acted on, in id order.
    pub acted: Vec<ResultId>,
    /// The results in scope left alone, with the reason, in id order.
    pub skipped: Vec<Skipped>,
}

impl BulkOutcome {
    /// How many results were acted on.
    pub fn acted_count(&self) -> usize {
        self.acted.len()
    }

    /// How many results were left alone.
    pub fn skipped_count(&self) -> usize {
        self.skipped.len()
    }
}

/// What a person's action on one result did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acted {
    /// The result acted on.
    pub result_id: ResultId,
    /// Its state now.
    pub state: crate::lifecycle::ResultState,
    /// Its row version now (what the page shows next).
    pub rev: i64,
    /// The new version an edit created.
    pub new_version: Option<ResultId>,
}
