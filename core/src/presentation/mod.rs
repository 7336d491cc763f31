//! How the lab writes a result for people and for other systems: the one place the ORU^R01 to
//! the HIS, the REST API, FHIR and the web UI take their wording from, so the four never
//! disagree.
//!
//! - [`flags`]: each flag's stable code, HL7 code, English and Vietnamese word and symbol;
//!   [`abnormal_flags`] for HL7 OBX-8 and [`result_marks`] for people, with "normal" only when a
//!   result was judged normal ([`judged_normal`]).
//! - Reference ranges as a patient's numbers and text ([`reference_range`], [`range_text`]).
//! - Units as UCUM codes ([`ucum_code`]).
//! - Values by shape: number, censored (`<0.5`), text or missing ([`result_value`]).
//! - Names in their parts ([`patient_name`], [`doctor_name`], [`split_full_name`],
//!   [`full_name`]).
//! - Specimen types as HL7 table 0487 codes ([`specimen_type_0487`]).
//! - An order's progress from what is released ([`release_progress`]), with its HL7 table 0038
//!   order status.
//! - A supplementary value in one line for people ([`supplement_text`]).
//!
//! Pure: no SQL, no IO, no clock.

pub mod flags;
pub mod qc_reason;

use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::config::{RuleName, TestDef};
use crate::lifecycle::ResultState;
use crate::model::{
    CheckRow, LabResult, Order, OrderStatus, OrderedTest, OrderedTestStatus, Patient, PersonName,
    Supplement,
};
use crate::validation::{ranges, Outcome};

pub use flags::{abnormal_flags, flag_label, result_marks, FlagLabel, NORMAL};

/// The language the lab writes in: the config's `[lab] language` type, one enum for the whole
/// system.
pub use crate::config::Language;

/// A supplementary value in one line, as the analyzer sent it: name, value, units and flags
/// (`RLU 611793`, `COFF 1.00 ng/mL H`), the empty parts left out.
pub fn supplement_text(s: &Supplement) -> String {
    [s.name.as_str(), s.value.as_str(), s.units.as_str()]
        .into_iter()
        .chain(s.flags.iter().map(String::as_str))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a result was positively judged normal: its reference-range check passed. Only then
/// may it be called normal (HL7 OBX-8 `N`, FHIR interpretation `N`, the UI's "Normal"); a range
/// check that failed, did not apply or is absent is no such judgement.
pub fn judged_normal(checks: &[CheckRow]) -> bool {
    checks
        .iter()
        .any(|c| c.rule == RuleName::ReferenceRange.as_str() && c.outcome == Outcome::Passed)
}

/// The reference range that applies to a patient at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceRange {
    /// The lower limit, if any.
    pub low: Option<f64>,
    /// The upper limit, if any.
    pub high: Option<f64>,
    /// As HL7 OBX-7 writes it ([`range_text`]).
    pub text: String,
}

/// A range as HL7 v2.5.1 OBX-7 writes it (§7.4.2.7): `low-high`, `>low` when there is no
/// upper limit, `<high` when there is no lower one; `None` without limits.
pub fn range_text(low: Option<f64>, high: Option<f64>) -> Option<String> {
    match (low, high) {
        (Some(l), Some(h)) => Some(format!("{l}-{h}")),
        (Some(l), None) => Some(format!(">{l}")),
        (None, Some(h)) => Some(format!("<{h}")),
        (None, None) => None,
    }
}

/// The reference range of `test` for `patient` at `at` (age counted in the lab's time zone
/// `tz`); `None` when no range applies (the UI says "no range").
pub fn reference_range(
    test: &TestDef,
    patient: &Patient,
    at: Timestamp,
    tz: &TimeZone,
) -> Option<ReferenceRange> {
    let age = patient
        .birth_date
        .map(|b| ranges::age_days(b, at.to_zoned(tz.clone()).date()));
    let r = ranges::select_range(test, patient.sex, age)?;
    Some(ReferenceRange {
        low: r.low,
        high: r.high,
        text: range_text(r.low, r.high)?,
    })
}

/// A unit spelled as a UCUM code: `10^9/L` is `10*9/L` in UCUM (the caret is HL7's component
/// separator; UCUM writes powers of ten with `*`).
pub fn ucum_code(unit: &str) -> String {
    unit.replace('^', "*")
}

/// A result's value by its shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResultValue<'a> {
    /// A number (HL7 OBX-2 `NM`): the value as reported, and its number.
    Numeric {
        /// As reported (`5.2`).
        text: &'a str,
        /// The number.
        value: f64,
    },
    /// A censored number (HL7 OBX-2 `SN`, FHIR `Quantity.comparator`): `<0.5` is `<` and
    /// `0.5`.
    Censored {
        /// `<` or `>`.
        comparator: &'static str,
        /// The limit as reported (`0.5`).
        text: &'a str,
        /// The limit.
        value: f64,
    },
    /// A word or symbol (HL7 OBX-2 `ST`).
    Text(&'a str),
    /// No value.
    Missing,
}

/// The shape of a stored result's value.
pub fn result_value(r: &LabResult) -> ResultValue<'_> {
    let censored = |comparator: &'static str| {
        let text = r.value.trim().trim_start_matches(['<', '>', '=']).trim();
        r.numeric.map(|value| ResultValue::Censored {
            comparator,
            text,
            value,
        })
    };
    let shaped = match r.value_kind.as_str() {
        "numeric" => r.numeric.map(|value| ResultValue::Numeric {
            text: r.value.as_str(),
            value,
        }),
        "censored_lt" => censored("<"),
        "censored_gt" => censored(">"),
        _ => None,
    };
    shaped.unwrap_or_else(|| {
        if r.value.trim().is_empty() {
            ResultValue::Missing
        } else {
            ResultValue::Text(r.value.as_str())
        }
    })
}

/// A stored full name in Vietnamese order (family, middle..., given) split into its parts: the
/// first word is the family name, the last the given name, the words between the middle name.
/// Used only when the HIS's own parts are unknown (see [`patient_name`]).
pub fn split_full_name(full: &str) -> PersonName {
    let words: Vec<&str> = full.split_whitespace().collect();
    let (family, given, middle) = match words.as_slice() {
        [] => (String::new(), String::new(), String::new()),
        [one] => ((*one).to_owned(), String::new(), String::new()),
        [family, middle @ .., given] => {
            ((*family).to_owned(), (*given).to_owned(), middle.join(" "))
        }
    };
    PersonName {
        family,
        given,
        middle,
    }
}

/// A name written in full in Vietnamese order: family, middle, given (`Nguyễn Văn An` from
/// family `Nguyễn`, given `An`, middle `Văn`; `Nguyễn Văn An` from family `Nguyễn`, given
/// `Văn An`).
pub fn full_name(name: &PersonName) -> String {
    [name.family.trim(), name.middle.trim(), name.given.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A patient's name in parts: as the HIS sent them when known, else split from the full name.
pub fn patient_name(p: &Patient) -> PersonName {
    p.name_parts
        .clone()
        .unwrap_or_else(|| split_full_name(&p.name))
}

/// The ordering doctor's name in parts: as the HIS sent them when known; else the stored name
/// as one family name (a name typed as one string has no known parts), or nothing when the
/// stored name is only the doctor's id.
pub fn doctor_name(order: &Order) -> PersonName {
    if let Some(parts) = &order.requesting_doctor_name {
        return parts.clone();
    }
    let shown = order.requesting_doctor.trim();
    if shown.is_empty() || shown == order.requesting_doctor_id.trim() {
        return PersonName::default();
    }
    PersonName {
        family: shown.to_owned(),
        ..PersonName::default()
    }
}

/// A specimen type in HL7 v2.5.1 table 0487.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecimenTypeCode {
    /// The table's code (`SER`).
    pub code: &'static str,
    /// The table's text (`Serum`).
    pub text: &'static str,
}

/// The table 0487 codes the lab uses, with their texts as the table writes them, and the lab's
/// own names for them (the catalog's `specimen`, lower case).
const SPECIMEN_TYPES: [(&str, &str, &[&str]); 12] = [
    ("SER", "Serum", &["serum"]),
    ("PLAS", "Plasma", &["plasma"]),
    (
        "BLD",
        "Whole blood",
        &[
            "whole_blood",
            "whole_blood_edta",
            "whole_blood_citrate",
            "whole_blood_heparin",
            "blood",
        ],
    ),
    ("BLDA", "Blood arterial", &["arterial_blood"]),
    ("BLDV", "Blood venous", &["venous_blood"]),
    ("BLDC", "Blood capillary", &["capillary_blood"]),
    ("UR", "Urine", &["urine"]),
    ("CSF", "Cerebral spinal fluid", &["csf"]),
    ("STL", "Stool = Fecal", &["stool", "feces"]),
    ("SPT", "Sputum", &["sputum"]),
    ("SAL", "Saliva", &["saliva"]),
    ("SMN", "Seminal fluid", &["semen"]),
];

/// The HL7 table 0487 code of a stored specimen type: a code the HIS sent (`SER`, any case) is
/// itself; a catalog name (`serum`, `whole_blood_edta`, `urine`) is its code. `None` for a type
/// the table does not know (send it as a local code).
pub fn specimen_type_0487(stored: &str) -> Option<SpecimenTypeCode> {
    let s = stored.trim();
    SPECIMEN_TYPES
        .iter()
        .find(|(code, _, names)| {
            code.eq_ignore_ascii_case(s) || names.iter().any(|n| n.eq_ignore_ascii_case(s))
        })
        .map(|(code, text, _)| SpecimenTypeCode { code, text })
}

/// How far an order's results have been released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseProgress {
    /// The order was cancelled.
    Cancelled,
    /// No test of it has a released result.
    NothingReleased,
    /// Some tests have a released result, others not yet.
    SomeReleased,
    /// Every test that is not cancelled has a released result.
    AllReleased,
}

impl ReleaseProgress {
    /// The order status (HL7 v2.5.1 table 0038, ORC-5): `CA` "Order was canceled", `IP` "In
    /// process, unspecified", `A` "Some, but not all, results available", `CM` "Order is
    /// completed".
    pub fn order_status_0038(self) -> &'static str {
        match self {
            Self::Cancelled => "CA",
            Self::NothingReleased => "IP",
            Self::SomeReleased => "A",
            Self::AllReleased => "CM",
        }
    }
}

/// How far `order` is released: its tests (cancelled ones do not count) against the result
/// versions of the order (a test counts as released when one of its versions is `released`).
pub fn release_progress(
    order: &Order,
    tests: &[OrderedTest],
    results: &[LabResult],
) -> ReleaseProgress {
    if order.status == OrderStatus::Cancelled {
        return ReleaseProgress::Cancelled;
    }
    let live: Vec<&OrderedTest> = tests
        .iter()
        .filter(|t| t.status != OrderedTestStatus::Cancelled)
        .collect();
    let released = live
        .iter()
        .filter(|t| {
            results
                .iter()
                .any(|r| r.ordered_test_id == t.id && r.state == ResultState::Released)
        })
        .count();
    match released {
        0 => ReleaseProgress::NothingReleased,
        n if n == live.len() => ReleaseProgress::AllReleased,
        _ => ReleaseProgress::SomeReleased,
    }
}

#[cfg(test)]
mod tests;
