//! The specimen review page's data: the patient, the order, the tube, and every current result
//! with what it was checked against, why it waits, who acted on it and its versions; and a
//! patient's earlier results of the same tests.

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{
    Age, CheckRow, JournalId, OrderId, OrderStatus, OrderedTestId, PatientId, Priority, ResultId,
    Sex, SpecimenRowId, Supplement, UserId, WaitReason,
};
use crate::config::{RangeSex, Section};
use crate::lifecycle::ResultState;
use crate::validation::Flag;

/// Everything the specimen review page shows, read in one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecimenReview {
    /// The patient.
    pub patient: ReviewPatient,
    /// The order.
    pub order: ReviewOrder,
    /// The tube.
    pub specimen: ReviewSpecimen,
    /// Every current result, in catalog order (the order tests appear in the lab file), so a
    /// panel reads like the analyzer's printout.
    pub results: Vec<ReviewResult>,
    /// Ordered tests of this tube with no result yet, in catalog order.
    pub tests_without_result: Vec<String>,
    /// Comments on the specimen as a whole (comments on a result are on the result).
    pub comments: Vec<CommentRecord>,
}

/// The patient as the review page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPatient {
    /// Row id.
    pub id: PatientId,
    /// The HIS's patient id.
    pub his_id: String,
    /// Full name.
    pub name: String,
    /// Sex.
    pub sex: Sex,
    /// Birth date, if known.
    pub birth_date: Option<Date>,
    /// Age at collection (else at receipt, else at the first result) in the lab's time zone.
    pub age_at_collection: Option<Age>,
}

/// The order as the review page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewOrder {
    /// Row id.
    pub id: OrderId,
    /// The HIS's placer number.
    pub placer_number: String,
    /// The LIS accession number (empty when none was given).
    pub accession: String,
    /// Requesting doctor.
    pub requesting_doctor: String,
    /// Requesting department.
    pub department: String,
    /// Priority.
    pub priority: Priority,
    /// When it was ordered.
    pub ordered_at: Timestamp,
    /// Status (an unknown stored status is an error, never guessed).
    pub status: OrderStatus,
}

/// The tube as the review page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSpecimen {
    /// Row id.
    pub id: SpecimenRowId,
    /// Barcode.
    pub barcode: String,
    /// Specimen type (serum, whole_blood_edta, ...).
    pub specimen_type: String,
    /// When collected.
    pub collected_at: Option<Timestamp>,
    /// When received in the lab.
    pub received_at: Option<Timestamp>,
    /// The rejection reason, if the specimen was rejected.
    pub rejected_reason: Option<String>,
}

/// A user named on a result (who verified or released it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserName {
    /// Row id.
    pub id: UserId,
    /// The name shown on reports.
    pub display_name: String,
}

/// The reference range that applied to a result: the catalog's range for the patient's sex and
/// age at collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedRange {
    /// Lower limit (inclusive).
    pub low: Option<f64>,
    /// Upper limit (inclusive).
    pub high: Option<f64>,
    /// As printed (`3.9-6.4`, `>60`, `<5`), the HL7 OBX-7 form.
    pub text: String,
    /// The sex the range is for.
    pub sex: RangeSex,
    /// First day of age of its band.
    pub age_min_days: u32,
    /// First day of age past its band, none when open.
    pub age_max_days: Option<u32>,
    /// Whether the result's stored reference-range check names this same range. False when
    /// the catalog changed since the result was checked: then the check's sentence is what
    /// applied.
    pub as_checked: bool,
}

/// The patient's previous result of the same test, and the change to this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeltaInfo {
    /// The previous result's row id.
    pub previous_result_id: ResultId,
    /// Its value as stored.
    pub previous_value: String,
    /// When it was measured (or received).
    pub previous_at: Timestamp,
    /// This value minus the previous one.
    pub change: f64,
    /// The change in percent of the previous value (none when that was 0).
    pub change_percent: Option<f64>,
}

/// One version of a test on a specimen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultVersion {
    /// Row id.
    pub id: ResultId,
    /// Version number, from 1.
    pub version: i64,
    /// Value as stored.
    pub value: String,
    /// State.
    pub state: ResultState,
    /// When it arrived (or was entered).
    pub received_at: Timestamp,
    /// When it was released, if it was.
    pub released_at: Option<Timestamp>,
    /// Whether this is the version reported for the test.
    pub reported: bool,
    /// The version it corrects, for a correction.
    pub corrects: Option<ResultId>,
}

/// A critical result's call-back: who was told, where, when, and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackRecord {
    /// Row id.
    pub id: i64,
    /// Name of the person told.
    pub told_name: String,
    /// Their role (doctor, nurse...).
    pub told_role: String,
    /// Ward or telephone.
    pub location: String,
    /// Whether they read the value back.
    pub read_back: bool,
    /// `told_read_back`, `told_no_read_back` or `not_reached`, as stored.
    pub outcome: String,
    /// When it was recorded (server time).
    pub recorded_at: Timestamp,
    /// Who recorded it.
    pub recorded_by: UserName,
}

/// A comment on a specimen or one of its results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentRecord {
    /// Row id.
    pub id: i64,
    /// The result it is about, none for the specimen as a whole.
    pub result_id: Option<ResultId>,
    /// The text.
    pub text: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// Who wrote it.
    pub created_by: UserName,
}

/// One current result on the review page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewResult {
    /// Row id.
    pub id: ResultId,
    /// Row version: an action names the rev it saw, and a stale one is refused.
    pub rev: i64,
    /// The ordered test.
    pub ordered_test_id: OrderedTestId,
    /// Version number, from 1.
    pub version: i64,
    /// LIS test code.
    pub test_code: String,
    /// Name in Vietnamese (the code when the test left the catalog).
    pub name_vi: String,
    /// Name in English (the code when the test left the catalog).
    pub name_en: String,
    /// Catalog section, none when the test left the catalog.
    pub section: Option<Section>,
    /// The value as stored (never reformatted).
    pub value: String,
    /// The value as the analyzer sent it.
    pub value_sent: String,
    /// `numeric`, `censored_lt`, `censored_gt`, `text` or `missing`.
    pub value_kind: String,
    /// Unit.
    pub unit: String,
    /// The reference range that applied, none when the test has none for the patient.
    pub range: Option<AppliedRange>,
    /// Flags raised by the checks.
    pub flags: Vec<Flag>,
    /// Whether a flag is critical (LL or HH).
    pub critical: bool,
    /// Flags the analyzer sent.
    pub instrument_flags: Vec<String>,
    /// Every check outcome, in the order the rules ran (the last is the autoverification
    /// decision).
    pub checks: Vec<CheckRow>,
    /// Why it waits for a person (empty when autoverified).
    pub reasons: Vec<WaitReason>,
    /// State.
    pub state: ResultState,
    /// Whether this is the version reported for its test (false for a rerun's answer waiting
    /// beside a reported version).
    pub reported: bool,
    /// The version this one corrects, for a correction.
    pub corrects: Option<ResultId>,
    /// Who verified it.
    pub verified_by: Option<UserName>,
    /// When it was verified.
    pub verified_at: Option<Timestamp>,
    /// Who released it (none when the system released it).
    pub released_by: Option<UserName>,
    /// When it was released.
    pub released_at: Option<Timestamp>,
    /// Instrument id (empty for a manual entry).
    pub instrument: String,
    /// Operator id the analyzer sent.
    pub operator: String,
    /// The journal entry (raw message) it came in.
    pub journal_id: Option<JournalId>,
    /// When measured.
    pub observed_at: Option<Timestamp>,
    /// When stored.
    pub received_at: Timestamp,
    /// The patient's previous result of the test and the change, for numeric results.
    pub delta: Option<DeltaInfo>,
    /// Every version of this test on the specimen, oldest first.
    pub versions: Vec<ResultVersion>,
    /// Call-backs recorded for it (critical results), oldest first.
    pub callbacks: Vec<CallbackRecord>,
    /// Comments on it, oldest first.
    pub comments: Vec<CommentRecord>,
    /// The analyzer's supplementary values for this version (RLU, cut-off, Ct...), as sent.
    #[serde(default)]
    pub supplements: Vec<Supplement>,
    /// The microbiology isolate of this version (its value the organism) with its
    /// susceptibility panel.
    #[serde(default)]
    pub isolate: Option<crate::model::Isolate>,
}

/// A patient's earlier released results of one test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorResults {
    /// LIS test code.
    pub test_code: String,
    /// The results, newest first.
    pub results: Vec<PriorResult>,
}

/// One earlier released result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorResult {
    /// Row id.
    pub id: ResultId,
    /// The tube it was measured on.
    pub barcode: String,
    /// When measured (or received).
    pub at: Timestamp,
    /// Value as stored.
    pub value: String,
    /// Unit.
    pub unit: String,
    /// Flags.
    pub flags: Vec<Flag>,
}
