//! The lab's data: patients, orders, specimens, results, messages from analyzers, users; and
//! what people read to review them (worklist, specimen view, history, change feed).
//!
//! Plain data, no SQL: the store reads and writes these.

mod graph;
mod history;
mod message;
mod microbiology;
mod order;
mod qc_view;
mod reception;
mod result;
mod review;
mod review_actions;
mod specimen_view;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::Language;

pub use graph::{AnalyzerGraph, Curve, GraphContent, PlotBox, Scatter, StoredGraph};
pub use history::{ActorName, Change, CommitNotice, HistoryEntry};
pub use message::{
    AnalyzerMessage, IngestOutcome, MessageKind, Observation, PatientHint, Protocol,
    StoredObservation, Supplement,
};
pub use microbiology::{Interpretation, Isolate, Susceptibility};
pub use order::{
    AssigningAuthority, NewOrder, NewPatient, NewSpecimen, Order, OrderStatus, OrderedTest,
    OrderedTestStatus, Patient, PersonName, Priority, RequestedTest, Specimen, TestOrigin,
};
pub use qc_view::{
    NewQcEntry, QcChart, QcChartPoint, QcChartSegment, QcLotInUse, QcLotTarget, QcMonthlySummary,
    QcOverrideRecord, QcOverviewRow, QcPointId, QcRecheck, QcRecheckDone, QcResolution,
    QcResultNote, QcRunId, QcStanding, QcStored, QcTargetEdit, QcTargetSource, QcUnresolvedPoint,
    QcVerdict,
};
pub use reception::{OrderReport, Paper, ReceiveOutcome, RejectionReason, StoredRejection};
pub use result::{CheckRow, LabResult, ResultWithChecks, Unmatched, UnmatchedReason};
pub use review::{
    Age, ReasonCode, WaitReason, WaitingState, WorklistCursor, WorklistFilter, WorklistPage,
    WorklistQuery, WorklistReason, WorklistRow,
};
pub use review_actions::{
    Acted, BulkOutcome, Callback, CallbackOutcome, Comment, NewCallback, ReviewScope, SkipReason,
    Skipped,
};
pub use specimen_view::{
    AppliedRange, CallbackRecord, CommentRecord, DeltaInfo, PriorResult, PriorResults,
    ResultVersion, ReviewOrder, ReviewPatient, ReviewResult, ReviewSpecimen, SpecimenReview,
    UserName,
};

/// Row id of a patient.
pub type PatientId = i64;
/// Row id of an order.
pub type OrderId = i64;
/// Row id of a specimen.
pub type SpecimenRowId = i64;
/// Row id of an ordered test.
pub type OrderedTestId = i64;
/// Row id of a result version.
pub type ResultId = i64;
/// Row id of an unmatched result.
pub type UnmatchedId = i64;
/// Row id of a raw message journal entry.
pub type JournalId = i64;
/// Row id of a user.
pub type UserId = i64;

/// A patient's sex as the HIS records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Not known or other; only ranges for any sex apply.
    #[default]
    Unknown,
}

impl Sex {
    /// One-letter code as stored and as HL7 PID-8 spells it.
    pub fn code(self) -> &'static str {
        match self {
            Self::Male => "M",
            Self::Female => "F",
            Self::Unknown => "U",
        }
    }

    /// Reads `M`/`F` (any case, also `male`/`female`, `Nam`/`Nữ`); anything else is unknown.
    pub fn parse(s: &str) -> Self {
        match s.trim().to_lowercase().as_str() {
            "m" | "male" | "nam" => Self::Male,
            "f" | "female" | "nữ" | "nu" => Self::Female,
            _ => Self::Unknown,
        }
    }
}

/// Who did something: recorded in every audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// The LIS itself (autoverification, reflex rules).
    System,
    /// A signed-in user.
    User(UserId),
    /// An analyzer, by instrument id.
    Instrument(String),
    /// The hospital information system, by name.
    His(String),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("system"),
            Self::User(id) => write!(f, "user:{id}"),
            Self::Instrument(id) => write!(f, "instrument:{id}"),
            Self::His(name) => write!(f, "his:{name}"),
        }
    }
}

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs analyzers, reviews and verifies results.
    Technician,
    /// Also releases, corrects and manages rules.
    Supervisor,
    /// Manages users and configuration.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Technician => "technician",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "technician" => Some(Self::Technician),
            "supervisor" => Some(Self::Supervisor),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// Reads a comma-separated list of roles (`admin,supervisor`), as stored in `users.role` and
    /// given to `lis user add --role`; an unknown name is an error naming it.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, String> {
        let mut roles = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let role = Self::parse(part).ok_or_else(|| {
                format!("unknown role {part:?}; roles are technician, supervisor, admin")
            })?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        if roles.is_empty() {
            return Err(String::from("a user needs at least one role"));
        }
        Ok(roles)
    }

    /// Writes a list of roles as stored (`admin,supervisor`).
    pub fn join(roles: &[Self]) -> String {
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A user of the LIS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Row id.
    pub id: UserId,
    /// Login name, unique.
    pub username: String,
    /// Name shown on reports.
    pub display_name: String,
    /// Roles (usually one; an admin may also hold a lab role).
    pub roles: Vec<Role>,
    /// Whether the account may sign in.
    pub active: bool,
    /// The user's own UI language; none means the lab's `[lab] language`.
    pub language: Option<Language>,
    /// Whether the user must choose a new password before doing anything else (a one-time or
    /// administrator-set password).
    pub must_change_password: bool,
}
