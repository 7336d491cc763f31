//! Patients, orders, specimens and the tests ordered on them.

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{OrderId, OrderedTestId, PatientId, ResultId, Sex, SpecimenRowId};

/// A person's name in the parts HL7 gives it (XPN in PID-5, XCN in ORC-12), as the HIS sent
/// them: a Vietnamese HIS may put `Văn An` in the given name or `Văn` in the middle name, and
/// the LIS sends back what it received.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PersonName {
    /// Family name (XPN-1 / XCN-2).
    pub family: String,
    /// Given name (XPN-2 / XCN-3).
    pub given: String,
    /// Second and further given names or initials (XPN-3 / XCN-4).
    pub middle: String,
}

impl PersonName {
    /// Whether every part is empty.
    pub fn is_empty(&self) -> bool {
        self.family.trim().is_empty()
            && self.given.trim().is_empty()
            && self.middle.trim().is_empty()
    }
}

/// Who issued a patient identifier: HL7 CX-4, an HD (namespace id, universal id, its type).
/// All empty when the HIS did not say.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AssigningAuthority {
    /// HD-1 namespace id (`BV`).
    pub namespace_id: String,
    /// HD-2 universal id (an OID).
    pub universal_id: String,
    /// HD-3 universal id type (`ISO`).
    pub universal_id_type: String,
}

impl AssigningAuthority {
    /// Whether the HIS named no authority.
    pub fn is_empty(&self) -> bool {
        self.namespace_id.is_empty()
            && self.universal_id.is_empty()
            && self.universal_id_type.is_empty()
    }
}

/// A patient as the HIS knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// Row id.
    pub id: PatientId,
    /// The HIS's patient id, unique.
    pub his_id: String,
    /// Who issued `his_id` (PID-3.4), as the HIS sent it.
    pub his_id_authority: AssigningAuthority,
    /// The identifier type code of `his_id` (PID-3.5, HL7 table 0203: `PI`, `MR`...), empty when
    /// not sent.
    pub his_id_type: String,
    /// Full name, in Vietnamese order (family, middle, given).
    pub name: String,
    /// The name in the parts the HIS sent (PID-5), when it sent parts.
    pub name_parts: Option<PersonName>,
    /// Sex.
    pub sex: Sex,
    /// Birth date, if known.
    pub birth_date: Option<Date>,
}

/// Patient details for an upsert by HIS id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPatient {
    /// The HIS's patient id.
    pub his_id: String,
    /// Who issued `his_id` (PID-3.4); when empty, what is stored is kept.
    pub his_id_authority: AssigningAuthority,
    /// PID-3.5 identifier type; when empty, what is stored is kept.
    pub his_id_type: String,
    /// Full name, in Vietnamese order (family, middle, given).
    pub name: String,
    /// The name in the parts the HIS sent (PID-5); `None` when only a full name is known.
    pub name_parts: Option<PersonName>,
    /// Sex.
    pub sex: Sex,
    /// Birth date, if known.
    pub birth_date: Option<Date>,
}

/// How urgent an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Priority {
    /// Urgent: processed first.
    Stat,
    /// Routine.
    Routine,
}

impl Priority {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stat => "stat",
            Self::Routine => "routine",
        }
    }

    /// Reads a stored name; anything unknown is routine.
    pub fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("stat") {
            Self::Stat
        } else {
            Self::Routine
        }
    }
}

/// One tube of an order and the tests to run on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSpecimen {
    /// Barcode on the tube, unique in the LIS; analyzers send it as the specimen id.
    pub barcode: String,
    /// Specimen type (serum, whole_blood_edta, urine, ...).
    pub specimen_type: String,
    /// When it was collected.
    pub collected_at: Option<Timestamp>,
    /// When the lab received it.
    pub received_at: Option<Timestamp>,
    /// LIS codes of the tests ordered on this tube.
    pub tests: Vec<String>,
}

/// An order from the HIS (or typed in the lab).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrder {
    /// The HIS's placer order number, unique.
    pub placer_number: String,
    /// The patient, upserted by HIS id.
    pub patient: NewPatient,
    /// Requesting doctor, as shown to people (the name, or the id when no name was sent).
    pub requesting_doctor: String,
    /// The requesting doctor's id in the HIS (XCN-1 of ORC-12), empty when not sent.
    pub requesting_doctor_id: String,
    /// The requesting doctor's name in the parts the HIS sent (XCN-2..4), when sent.
    pub requesting_doctor_name: Option<PersonName>,
    /// Requesting department.
    pub department: String,
    /// Priority.
    pub priority: Priority,
    /// When it was ordered.
    pub ordered_at: Timestamp,
    /// The tubes.
    pub specimens: Vec<NewSpecimen>,
}

/// An order's status, derived from its tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// No result yet.
    Ordered,
    /// Some tests have results.
    InProgress,
    /// Every test has a result, not all released.
    Resulted,
    /// Every test's reported result is released.
    Released,
    /// Cancelled.
    Cancelled,
}

impl OrderStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ordered => "ordered",
            Self::InProgress => "in_progress",
            Self::Resulted => "resulted",
            Self::Released => "released",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Ordered,
            Self::InProgress,
            Self::Resulted,
            Self::Released,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Row id.
    pub id: OrderId,
    /// The HIS's placer number.
    pub placer_number: String,
    /// The LIS accession number.
    pub accession: String,
    /// The patient.
    pub patient_id: PatientId,
    /// Requesting doctor, as shown to people.
    pub requesting_doctor: String,
    /// The requesting doctor's id in the HIS (XCN-1), empty when not sent.
    pub requesting_doctor_id: String,
    /// The requesting doctor's name in the parts the HIS sent, when sent.
    pub requesting_doctor_name: Option<PersonName>,
    /// Requesting department.
    pub department: String,
    /// Priority.
    pub priority: Priority,
    /// Status.
    pub status: OrderStatus,
    /// When it was ordered.
    pub ordered_at: Timestamp,
    /// Cancellation reason, if cancelled.
    pub cancel_reason: Option<String>,
}

/// A stored specimen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specimen {
    /// Row id.
    pub id: SpecimenRowId,
    /// Barcode.
    pub barcode: String,
    /// Order.
    pub order_id: OrderId,
    /// Specimen type.
    pub specimen_type: String,
    /// Collected.
    pub collected_at: Option<Timestamp>,
    /// Received in the lab.
    pub received_at: Option<Timestamp>,
    /// Rejection reason, if rejected.
    pub rejected_reason: Option<String>,
}

/// Why a test is on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOrigin {
    /// Ordered by the HIS or a user.
    Ordered,
    /// Added by a reflex rule.
    Reflex,
    /// Attached by a technician from the unmatched queue.
    Attached,
}

impl TestOrigin {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ordered => "ordered",
            Self::Reflex => "reflex",
            Self::Attached => "attached",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Self {
        match s {
            "reflex" => Self::Reflex,
            "attached" => Self::Attached,
            _ => Self::Ordered,
        }
    }
}

/// Where an ordered test is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderedTestStatus {
    /// Waiting to be sent to an analyzer (new, reflex or rerun).
    Pending,
    /// Sent to an analyzer, no result yet.
    Sent,
    /// Has at least one result version.
    Resulted,
    /// Cancelled with its order.
    Cancelled,
}

impl OrderedTestStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Resulted => "resulted",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "resulted" => Self::Resulted,
            "cancelled" => Self::Cancelled,
            _ => Self::Pending,
        }
    }
}

/// A test on an order, on one specimen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderedTest {
    /// Row id.
    pub id: OrderedTestId,
    /// Order.
    pub order_id: OrderId,
    /// Specimen.
    pub specimen_id: SpecimenRowId,
    /// LIS code.
    pub test_code: String,
    /// Why it is there.
    pub origin: TestOrigin,
    /// Status.
    pub status: OrderedTestStatus,
    /// Whether a rerun was requested and not yet answered.
    pub rerun: bool,
    /// Dilution requested with the rerun.
    pub dilution: Option<u32>,
    /// The result version reported for this test.
    pub reported_result_id: Option<ResultId>,
}

/// A test an analyzer should run, in the analyzer's codes (host query answer, order download).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedTest {
    /// The ordered test.
    pub ordered_test_id: OrderedTestId,
    /// Specimen barcode.
    pub specimen_id: String,
    /// The instrument's test code.
    pub instrument_test_code: String,
    /// The LIS code.
    pub test_code: String,
    /// Specimen type.
    pub specimen_type: String,
    /// Priority of the order.
    pub priority: Priority,
    /// Whether this is a rerun.
    pub rerun: bool,
    /// Dilution to apply, for a rerun above the measurement range.
    pub dilution: Option<u32>,
    /// Patient's HIS id, name, sex and birth date, for analyzers that want them.
    pub patient: Option<Patient>,
}
