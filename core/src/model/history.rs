//! The audit trail as people read it, and the change feed: every committed change has the
//! audit trail's sequence number, which a live page or a reconnecting client resumes from.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::UserId;

/// Who did something, as an audit entry names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorName {
    /// As stored: `system`, `user:3`, `instrument:DEMO-CHEM`, `his:name`.
    pub stored: String,
    /// The user's row id, for a user.
    pub user_id: Option<UserId>,
    /// The user's display name, for a user that exists.
    pub display_name: Option<String>,
}

/// One audit entry, for history pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Position in the audit chain.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: ActorName,
    /// What (`result.verify`, `message.ingest`, `order.place`, ...).
    pub action: String,
    /// Kind of thing changed (`result`, `journal`, `order`, `specimen`, ...).
    pub entity: String,
    /// Its id.
    pub entity_id: String,
    /// The old value, if any.
    pub old: Option<serde_json::Value>,
    /// The new value, if any.
    pub new: Option<serde_json::Value>,
    /// The reason given, if any.
    pub reason: Option<String>,
}

/// One committed change, for the live worklist and the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The audit sequence number (an SSE event id).
    pub seq: i64,
    /// Kind of thing changed.
    pub entity: String,
    /// Its id.
    pub entity_id: String,
    /// What was done.
    pub action: String,
    /// Barcodes of the specimens whose results or order it touched, sorted (several for an
    /// analyzer message carrying several tubes; none for users, tokens or the config).
    pub specimens: Vec<String>,
}

/// What a commit did, told to the listeners after the transaction committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitNotice {
    /// The latest audit sequence number after the commit.
    pub seq: i64,
    /// Whether the commit queued results for the HIS (a release or a correction).
    pub results_released: bool,
}
