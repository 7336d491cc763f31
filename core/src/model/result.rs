//! Results, their checks, and results that matched no order.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{JournalId, OrderId, OrderedTestId, PatientHint, ResultId, UnmatchedId, UserId};
use crate::lifecycle::ResultState;
use crate::validation::{Flag, Outcome};

/// One version of a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabResult {
    /// Row id.
    pub id: ResultId,
    /// Ordered test.
    pub ordered_test_id: OrderedTestId,
    /// Order.
    pub order_id: OrderId,
    /// Specimen barcode.
    pub specimen_id: String,
    /// LIS code.
    pub test_code: String,
    /// Version, from 1; a rerun or correction adds one.
    pub version: i64,
    /// The value as the analyzer sent it.
    pub value_sent: String,
    /// The value as reported (converted and rounded); empty when missing.
    pub value: String,
    /// The number, when there is one (a censored value's limit).
    pub numeric: Option<f64>,
    /// `numeric`, `censored_lt`, `censored_gt`, `text` or `missing`.
    pub value_kind: String,
    /// Unit as reported (the catalog's).
    pub unit: String,
    /// Flags raised by the checks.
    pub flags: Vec<Flag>,
    /// Flags the analyzer sent.
    pub instrument_flags: Vec<String>,
    /// Instrument id, or empty for a manual entry.
    pub instrument: String,
    /// Operator id the analyzer sent, if any.
    pub operator: String,
    /// When measured.
    pub observed_at: Option<Timestamp>,
    /// When stored.
    pub received_at: Timestamp,
    /// State.
    pub state: ResultState,
    /// Whether this is the version reported for its ordered test.
    pub reported: bool,
    /// The version this one corrects, if it is a correction.
    pub corrects: Option<ResultId>,
    /// The journal entry it came in, if from an analyzer.
    pub journal_id: Option<JournalId>,
    /// The row's version: 1 when stored, one more on every change. A person's action names the
    /// version they saw; a stale one is refused ([`crate::StoreError::Stale`]).
    pub rev: i64,
    /// The user who verified it, when a person did.
    pub verified_by: Option<UserId>,
    /// When a person verified it.
    pub verified_at: Option<Timestamp>,
    /// The user who released it, when a person did.
    pub released_by: Option<UserId>,
}

/// One check outcome of a result, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRow {
    /// The rule (`reference_range`, `delta`, ...).
    pub rule: String,
    /// Passed, failed or not applicable.
    pub outcome: Outcome,
    /// What was compared, in words.
    pub detail: String,
}

/// A result with every check and the reasons it waits for a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultWithChecks {
    /// The result.
    pub result: LabResult,
    /// Every check row.
    pub checks: Vec<CheckRow>,
    /// Why it was not autoverified (empty when it was).
    pub reasons: Vec<String>,
}

/// Why a result went to the unmatched queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedReason {
    /// The instrument id is not in the config.
    UnknownInstrument,
    /// The instrument's test code is not in its test map.
    UnknownTestCode,
    /// No specimen with this id.
    NoOrder,
    /// The test is not ordered on this specimen.
    TestNotOrdered,
    /// The order was cancelled.
    OrderCancelled,
    /// The specimen id was empty.
    NoSpecimenId,
}

impl UnmatchedReason {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownInstrument => "unknown_instrument",
            Self::UnknownTestCode => "unknown_test_code",
            Self::NoOrder => "no_order",
            Self::TestNotOrdered => "test_not_ordered",
            Self::OrderCancelled => "order_cancelled",
            Self::NoSpecimenId => "no_specimen_id",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::UnknownInstrument,
            Self::UnknownTestCode,
            Self::NoOrder,
            Self::TestNotOrdered,
            Self::OrderCancelled,
            Self::NoSpecimenId,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A result that matched no ordered test; nothing is ever dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unmatched {
    /// Row id.
    pub id: UnmatchedId,
    /// The journal entry it came in.
    pub journal_id: JournalId,
    /// Instrument id.
    pub instrument: String,
    /// Specimen id as sent.
    pub specimen_id: String,
    /// Instrument test code as sent.
    pub instrument_test_code: String,
    /// Value as sent.
    pub value: String,
    /// Units as sent.
    pub units: String,
    /// Why it did not match.
    pub reason: UnmatchedReason,
    /// When it arrived.
    pub received_at: Timestamp,
    /// The result it became when a technician attached it.
    pub attached_result_id: Option<ResultId>,
    /// Patient details the analyzer sent with it, to help find the order.
    pub patient_hint: Option<PatientHint>,
}
