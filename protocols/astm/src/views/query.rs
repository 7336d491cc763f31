//! Q (LIS2-A2 §11), C (LIS2-A2 §10) and L (LIS2-A2 §12) views.

use super::codes::{RequestStatus, TerminationCode};
use super::view;
use crate::field::Field;
use crate::record::RecordType;

view! {
    /// Request information (host query), Q (LIS2-A2 §11).
    Query, RecordType::Query
}

impl<'m> Query<'m> {
    /// Q-3 starting range IDs, one per repeat: `patientID^specimenID^...` (LIS2-A2 §11.3).
    pub fn starting_range(&self) -> impl Iterator<Item = Field<'m>> + 'm {
        self.0.field(3).repeats()
    }

    /// Q-3 component 1 of the first repeat: the patient ID.
    pub fn patient_id(&self) -> &'m str {
        self.0.field(3).component(1)
    }

    /// Q-3 component 2 of the first repeat: the specimen ID (`^SAMPLE123`, DxH `!000004287888`).
    pub fn specimen_id(&self) -> &'m str {
        self.0.field(3).component(2)
    }

    /// Q-4 ending range IDs, blank for one item (LIS2-A2 §11.4).
    pub fn ending_range(&self) -> Field<'m> {
        self.0.field(4)
    }

    /// Q-5 universal test IDs, one per repeat (LIS2-A2 §11.5).
    pub fn tests(&self) -> impl Iterator<Item = Field<'m>> + 'm {
        self.0.field(5).repeats()
    }

    /// Q-5 is `ALL` (any case, spaces ignored): every test (LIS2-A2 §11.5).
    pub fn all_tests(&self) -> bool {
        self.0.field(5).raw().trim().eq_ignore_ascii_case("ALL")
    }

    /// Q-13 request information status (LIS2-A2 §11.13).
    pub fn request_status(&self) -> Option<RequestStatus> {
        RequestStatus::from_code(self.0.field(13).raw())
    }
}

view! {
    /// Comment, C (LIS2-A2 §10); applies to the preceding non-comment record.
    Comment, RecordType::Comment
}

impl<'m> Comment<'m> {
    /// C-3 comment source: P practice, L information system, I instrument (LIS2-A2 §10.3).
    pub fn source(&self) -> &'m str {
        self.0.field(3).raw()
    }

    /// C-4 comment text: code, then text after a component delimiter (LIS2-A2 §10.4).
    pub fn text(&self) -> Field<'m> {
        self.0.field(4)
    }

    /// C-5 comment type: G, T, P, N or I (LIS2-A2 §10.5).
    pub fn comment_type(&self) -> &'m str {
        self.0.field(5).raw()
    }
}

view! {
    /// Message terminator, L (LIS2-A2 §12).
    Terminator, RecordType::Terminator
}

impl<'m> Terminator<'m> {
    /// L-3 termination code (LIS2-A2 §12.3); `None` when empty, which also means normal.
    pub fn termination_code(&self) -> Option<TerminationCode> {
        TerminationCode::from_code(self.0.field(3).raw())
    }

    /// L-3 as sent (Galileo sends `N ` with a trailing space).
    pub fn termination_code_raw(&self) -> &'m str {
        self.0.field(3).raw()
    }
}
