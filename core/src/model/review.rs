//! What a person reviewing results reads: the worklist (one row per specimen with results
//! waiting for someone), its filter and keyset cursor, and why a result waits.
//!
//! The specimen view's types are in [`super::specimen_view`]; the audit history and the change
//! feed in [`super::history`].

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Unit};
use serde::{Deserialize, Serialize};

use super::{Priority, Sex, SpecimenRowId};
use crate::config::{RuleName, Section};
use crate::error::StoreError;

/// A result state that waits for a person's next action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitingState {
    /// Held by autoverification: someone must review and verify it.
    PendingReview,
    /// Verified by a person, waiting for release (two-step labs only).
    Verified,
}

impl WaitingState {
    /// The stored state name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingReview => "pending_review",
            Self::Verified => "verified",
        }
    }

    /// Reads a stored state name; other states do not wait.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending_review" => Some(Self::PendingReview),
            "verified" => Some(Self::Verified),
            _ => None,
        }
    }
}

/// Which worklist rows to show. Every field narrows the list; `None` does not filter.
///
/// `section`, `instrument` and `state` select results: a specimen is listed when at least one
/// of its waiting results matches, and its counts, reasons and targets are those of the
/// matching results. `priority` and the received bounds select specimens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorklistFilter {
    /// Only results of tests of this catalog section.
    pub section: Option<Section>,
    /// Only results from this instrument id.
    pub instrument: Option<String>,
    /// Only specimens of orders with this priority.
    pub priority: Option<Priority>,
    /// Only results in this state.
    pub state: Option<WaitingState>,
    /// Only specimens received at or after this time (inclusive).
    pub received_from: Option<Timestamp>,
    /// Only specimens received before this time (exclusive).
    pub received_to: Option<Timestamp>,
}

impl WorklistFilter {
    /// Narrows to specimens received on `day` in the lab's time zone (midnight to midnight).
    pub fn received_on(mut self, day: Date, tz: &TimeZone) -> Result<Self, StoreError> {
        let bad = |e: jiff::Error| StoreError::invalid(format!("date {day}: {e}"));
        let start = day.to_zoned(tz.clone()).map_err(bad)?;
        let end = day
            .tomorrow()
            .map_err(bad)?
            .to_zoned(tz.clone())
            .map_err(bad)?;
        self.received_from = Some(start.timestamp());
        self.received_to = Some(end.timestamp());
        Ok(self)
    }
}

/// Where a worklist page starts: the sort key of the last row of the previous page.
///
/// Rows are ordered by (priority rank, received time, specimen row id): STAT before routine,
/// then oldest received first, then by row id so equal times never swap or repeat between
/// pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorklistCursor {
    /// 0 for STAT, 1 for routine.
    pub priority_rank: u8,
    /// Received time in Unix milliseconds.
    pub received_ms: i64,
    /// Specimen row id.
    pub specimen: SpecimenRowId,
}

/// Prefix of a cursor token; another prefix is refused, so a token format change is visible.
const CURSOR_PREFIX: &str = "w1.";

impl WorklistCursor {
    /// The cursor as a short opaque string for URLs (`?after=...`).
    pub fn to_token(&self) -> String {
        format!(
            "{CURSOR_PREFIX}{}.{}.{}",
            self.priority_rank, self.received_ms, self.specimen
        )
    }

    /// Reads a token made by [`WorklistCursor::to_token`]; anything else is
    /// [`StoreError::Invalid`] naming the token.
    pub fn from_token(token: &str) -> Result<Self, StoreError> {
        let bad = || StoreError::invalid(format!("worklist cursor {token:?} is not valid"));
        let rest = token.strip_prefix(CURSOR_PREFIX).ok_or_else(bad)?;
        let mut parts = rest.split('.');
        let (Some(rank), Some(received), Some(specimen), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let priority_rank: u8 = rank.parse().map_err(|_| bad())?;
        if priority_rank > 1 {
            return Err(bad());
        }
        Ok(Self {
            priority_rank,
            received_ms: received.parse().map_err(|_| bad())?,
            specimen: specimen.parse().map_err(|_| bad())?,
        })
    }
}

/// One page request of the worklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorklistQuery {
    /// Which rows.
    pub filter: WorklistFilter,
    /// Start after this row (none: the first page).
    pub after: Option<WorklistCursor>,
    /// Most rows on the page (1 to [`WorklistQuery::MAX_LIMIT`]).
    pub limit: usize,
}

impl WorklistQuery {
    /// The largest page.
    pub const MAX_LIMIT: usize = 500;
}

/// One page of the worklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorklistPage {
    /// The rows, STAT first, then oldest received first.
    pub rows: Vec<WorklistRow>,
    /// The cursor of the next page, none when this is the last.
    pub next: Option<WorklistCursor>,
}

/// A person's age at a moment, as whole years, months and days (calendar arithmetic in the
/// lab's time zone), with the total in days that reference ranges use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Age {
    /// Whole days since birth (the reference ranges' age).
    pub total_days: i64,
    /// Whole years.
    pub years: i64,
    /// Whole months after the years.
    pub months: i64,
    /// Days after the months.
    pub days: i64,
}

impl Age {
    /// The age on `day` of someone born on `birth` (none when `day` is before the birth).
    pub fn on(birth: Date, day: Date) -> Option<Self> {
        let total_days = crate::validation::ranges::age_days(birth, day);
        if total_days < 0 {
            return None;
        }
        let span = birth.until((Unit::Year, day)).ok()?;
        Some(Self {
            total_days,
            years: i64::from(span.get_years()),
            months: i64::from(span.get_months()),
            days: i64::from(span.get_days()),
        })
    }

    /// The age at `at` in the lab's time zone `tz`.
    pub fn at(birth: Date, at: Timestamp, tz: &TimeZone) -> Option<Self> {
        Self::on(birth, at.to_zoned(tz.clone()).date())
    }
}

/// Why a result waits, as a stable code the UI translates. Rule codes are the rule names of
/// the config (`reference_range`, `critical`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// No value was sent.
    ValuePresent,
    /// The unit sent is not the one expected.
    Unit,
    /// The specimen was rejected.
    SpecimenAcceptable,
    /// Outside the analytical measurement range.
    MeasurementRange,
    /// Outside the reference range (or no range for the patient).
    ReferenceRange,
    /// Beyond a critical limit.
    Critical,
    /// Failed the delta check.
    Delta,
    /// The analyzer flagged it.
    InstrumentFlags,
    /// QC not in control (or not known, where that holds results).
    Qc,
    /// The test is not autoverified in this lab.
    AutoverificationOff,
    /// Another version of the test is released: a change needs a correction.
    ReleasedVersionExists,
    /// A reason this version does not know (kept as text).
    Other,
}

impl ReasonCode {
    /// The code as a string (`reference_range`, `autoverification_off`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValuePresent => "value_present",
            Self::Unit => "unit",
            Self::SpecimenAcceptable => "specimen_acceptable",
            Self::MeasurementRange => "measurement_range",
            Self::ReferenceRange => "reference_range",
            Self::Critical => "critical",
            Self::Delta => "delta",
            Self::InstrumentFlags => "instrument_flags",
            Self::Qc => "qc",
            Self::AutoverificationOff => "autoverification_off",
            Self::ReleasedVersionExists => "released_version_exists",
            Self::Other => "other",
        }
    }

    fn of_rule(rule: RuleName) -> Self {
        match rule {
            RuleName::ValuePresent => Self::ValuePresent,
            RuleName::Unit => Self::Unit,
            RuleName::SpecimenAcceptable => Self::SpecimenAcceptable,
            RuleName::MeasurementRange => Self::MeasurementRange,
            RuleName::ReferenceRange => Self::ReferenceRange,
            RuleName::Critical => Self::Critical,
            RuleName::Delta => Self::Delta,
            RuleName::InstrumentFlags => Self::InstrumentFlags,
            RuleName::Qc => Self::Qc,
        }
    }

    /// The code of a reason as `results.reasons` stores it: `rule: detail` for a failed rule
    /// (`validation::autoverify::decide`), `autoverification is off for CODE`, or `a released
    /// version exists: ...` (`store::results`); anything else is [`ReasonCode::Other`].
    pub fn of_stored(text: &str) -> Self {
        if text.starts_with("autoverification is off") {
            return Self::AutoverificationOff;
        }
        if text.starts_with("a released version exists") {
            return Self::ReleasedVersionExists;
        }
        text.split_once(": ")
            .and_then(|(rule, _)| RuleName::parse(rule))
            .map_or(Self::Other, Self::of_rule)
    }
}

/// One reason a result waits: its code and the sentence stored with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitReason {
    /// Stable code.
    pub code: ReasonCode,
    /// The stored sentence (`reference_range: 6.3 above 3.5–5.1 (any sex, 6570+ days)`).
    pub text: String,
}

impl WaitReason {
    /// A stored reason with its code.
    pub fn from_stored(text: String) -> Self {
        Self {
            code: ReasonCode::of_stored(&text),
            text,
        }
    }
}

/// A reason shared by waiting results of one specimen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorklistReason {
    /// Stable code.
    pub code: ReasonCode,
    /// How many of the specimen's waiting results give it.
    pub results: u32,
    /// The stored sentence of the first of them (by catalog order).
    pub example: String,
}

/// One worklist row: a specimen with results waiting for a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorklistRow {
    /// Specimen row id.
    pub specimen_id: SpecimenRowId,
    /// Tube barcode (the specimen id analyzers send).
    pub barcode: String,
    /// Patient's full name.
    pub patient_name: String,
    /// Patient's sex.
    pub sex: Sex,
    /// Birth date, if known.
    pub birth_date: Option<Date>,
    /// Age at collection (else at receipt) in the lab's time zone, if the birth date is known.
    pub age: Option<Age>,
    /// Requesting department.
    pub department: String,
    /// Priority of the order.
    pub priority: Priority,
    /// The HIS's placer order number.
    pub placer_number: String,
    /// Waiting results in `pending_review`.
    pub pending_review: u32,
    /// Waiting results in `verified` (two-step labs; 0 otherwise).
    pub verified: u32,
    /// Why they wait, one entry per code, in code order.
    pub reasons: Vec<WorklistReason>,
    /// Whether any waiting result is critical (LL or HH).
    pub critical: bool,
    /// When the oldest critical waiting result arrived.
    pub critical_since: Option<Timestamp>,
    /// Instrument ids of the waiting results, sorted (manual entries have none).
    pub instruments: Vec<String>,
    /// Catalog sections of the waiting results, in section order.
    pub sections: Vec<Section>,
    /// When the specimen was received: its receipt time, else the arrival of its first stored
    /// result (the lowest result id, found in the results' key index without reading rows).
    pub received_at: Timestamp,
    /// The smallest turnaround target of its waiting tests, in minutes.
    pub tat_minutes: Option<u32>,
    /// `received_at` plus `tat_minutes`: past this the row is overdue.
    pub due_at: Option<Timestamp>,
}

impl WorklistRow {
    /// Whether the row is past its turnaround target at `now`.
    pub fn overdue(&self, now: Timestamp) -> bool {
        self.due_at.is_some_and(|due| now > due)
    }

    /// This row's position, for the next page's [`WorklistQuery::after`].
    pub fn cursor(&self) -> WorklistCursor {
        WorklistCursor {
            priority_rank: u8::from(self.priority != Priority::Stat),
            received_ms: self.received_at.as_millisecond(),
            specimen: self.specimen_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn cursor_tokens_read_back_and_bad_ones_are_invalid() {
        let c = WorklistCursor {
            priority_rank: 1,
            received_ms: 1_740_790_800_000,
            specimen: 42,
        };
        assert_eq!(c.to_token(), "w1.1.1740790800000.42");
        assert_eq!(WorklistCursor::from_token(&c.to_token()).unwrap(), c);
        let before_1970 = WorklistCursor {
            received_ms: -5,
            ..c
        };
        assert_eq!(
            WorklistCursor::from_token(&before_1970.to_token()).unwrap(),
            before_1970
        );
        for bad in [
            "",
            "w1.",
            "w1.1.2",
            "w1.1.2.3.4",
            "w2.1.2.3",
            "w1.2.0.1",
            "w1.x.0.1",
            "w1.0.0.1x",
            "w1.0.99999999999999999999.1",
        ] {
            match WorklistCursor::from_token(bad) {
                Err(StoreError::Invalid { what }) => assert!(what.contains(bad), "{what}"),
                other => panic!("{bad:?}: expected Invalid, got {other:?}"),
            }
        }
    }

    #[test]
    fn ages_by_hand() {
        // Born 2024-01-15; on 2025-03-01: 1 year (to 2025-01-15), 1 month (to 2025-02-15) and
        // 14 days (13 to the end of February 2025, plus 1); 366 days to 2025-01-15 (2024 is a
        // leap year) plus 16 + 28 + 1 = 411 days.
        let a = Age::on(date(2024, 1, 15), date(2025, 3, 1)).unwrap();
        assert_eq!(a.total_days, 411);
        assert_eq!((a.years, a.months, a.days), (1, 1, 14));
        // Born 1980-05-01; on 2025-03-01: 44 years, 10 months, 0 days.
        let a = Age::on(date(1980, 5, 1), date(2025, 3, 1)).unwrap();
        assert_eq!((a.years, a.months, a.days), (44, 10, 0));
        // A newborn on the day of birth is 0 days old; the day before birth has no age.
        assert_eq!(
            Age::on(date(2025, 3, 1), date(2025, 3, 1))
                .unwrap()
                .total_days,
            0
        );
        assert_eq!(Age::on(date(2025, 3, 1), date(2025, 2, 28)), None);
        // 2025-02-28T18:00Z is 2025-03-01 01:00 in Ho Chi Minh City (UTC+7): the lab's day.
        let tz = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        let at: Timestamp = "2025-02-28T18:00:00Z".parse().unwrap();
        assert_eq!(Age::at(date(2025, 2, 28), at, &tz).unwrap().total_days, 1);
        assert_eq!(
            Age::at(date(2025, 2, 28), at, &TimeZone::UTC)
                .unwrap()
                .total_days,
            0
        );
    }

    #[test]
    fn reasons_get_their_codes() {
        let cases = [
            (
                "reference_range: 6.3 above 3.5–5.1 (any sex, 6570+ days)",
                ReasonCode::ReferenceRange,
            ),
            ("critical: 6.3 above 6.2", ReasonCode::Critical),
            ("qc: QC out of control: 2-2s", ReasonCode::Qc),
            (
                "autoverification is off for TSH",
                ReasonCode::AutoverificationOff,
            ),
            (
                "a released version exists: a change needs a correction",
                ReasonCode::ReleasedVersionExists,
            ),
            ("someone's new reason", ReasonCode::Other),
            ("unknown_rule: x", ReasonCode::Other),
        ];
        for (text, code) in cases {
            assert_eq!(ReasonCode::of_stored(text), code, "{text}");
        }
        // The codes are the config's rule names.
        for rule in RuleName::ALL {
            assert_eq!(ReasonCode::of_rule(rule).as_str(), rule.as_str());
        }
    }

    #[test]
    fn a_day_in_the_lab_is_midnight_to_midnight_local() {
        let tz = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        let f = WorklistFilter::default()
            .received_on(date(2025, 3, 1), &tz)
            .unwrap();
        assert_eq!(
            f.received_from,
            Some("2025-02-28T17:00:00Z".parse().unwrap())
        );
        assert_eq!(f.received_to, Some("2025-03-01T17:00:00Z".parse().unwrap()));
    }
}
