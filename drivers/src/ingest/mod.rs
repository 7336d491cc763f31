//! From wire messages to core: a parsed ASTM or HL7 message read through its analyzer's
//! [`Profile`](crate::profile::Profile) becomes a [`lis_core::model::AnalyzerMessage`] (results, QC) or a [`QueryRequest`]
//! (a host query), and [`handler`] stores it and answers the analyzer.
//!
//! - [`astm`]: E1394 records through a profile.
//! - [`hl7`]: HL7 v2 segments through a profile.
//! - [`handler`]: the link handlers that store via core and return the protocol verdict.
//! - `graph`: rows the profile's `[[graph]]` rules name, read as graphs and images.
//! - `microbiology`: a microbiology system's isolates (organism + susceptibility panel).
//! - `supplementary`: rows the profile marks as supplementary, given to their reportable row.
//! - [`vendor`]: the messages of every `lis-vendor` framing (Dimension, Sysmex class A, ADVIA
//!   2120, mini VIDAS, Spotchem, urine strip reader) through a profile, and their one link
//!   handler.

pub mod astm;
mod graph;
pub mod handler;
pub mod hl7;
mod microbiology;
#[cfg(test)]
mod qc_tests;
mod supplementary;
pub mod vendor;

use lis_astm::delimiters::Delimiters;
use lis_core::model::{AnalyzerGraph, GraphContent, MessageKind, Observation, PatientHint};

pub use handler::{AstmHandler, LabLink, MllpHandler};
pub use vendor::VendorHandler;

/// What a profile read from one message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// Results, QC, a query or other.
    pub kind: Option<MessageKind>,
    /// The result rows kept by the profile.
    pub observations: Vec<Observation>,
    /// Patient details sent along.
    pub patient_hint: Option<PatientHint>,
    /// The host query, when the message is one.
    pub query: Option<QueryRequest>,
    /// Rows or records the profile could not read, for the log and link state.
    pub problems: Vec<String>,
    /// Rows the profile's `keep`/`skip` rules say are not results, and why.
    pub skipped: Vec<SkippedRow>,
    /// Graphs and images the profile's `[[graph]]` rules read, in the order sent.
    pub graphs: Vec<AnalyzerGraph>,
}

impl Reading {
    /// Keeps `graph`; one that cannot be decoded is also a problem of the reading (what and
    /// where), so the link's state tells it while the graph is kept as sent.
    pub(crate) fn push_graph(&mut self, graph: AnalyzerGraph) {
        if let GraphContent::Undecodable { reason, .. } = &graph.content {
            self.problems.push(format!(
                "{}: graph `{}` kept as sent, not decoded: {reason}",
                graph.row, graph.name
            ));
        }
        self.graphs.push(graph);
    }
}

/// A row that is not a result by the profile's rules (settings, histograms, calculated rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// Which row (`record 7 (R)`, `OBX 3`).
    pub row: String,
    /// Its test code as the profile reads it (may be empty).
    pub code: String,
    /// The rule that left it out.
    pub reason: String,
}

impl Reading {
    /// The message kind core stores: QC when every observation is QC, results when any is a
    /// patient result, query for a query, other otherwise.
    pub fn message_kind(&self) -> MessageKind {
        if let Some(kind) = self.kind {
            return kind;
        }
        if self.query.is_some() {
            MessageKind::Query
        } else if self.observations.is_empty() {
            MessageKind::Other
        } else if self.observations.iter().all(|o| o.is_qc) {
            MessageKind::Qc
        } else {
            MessageKind::Results
        }
    }
}

/// A host query as the analyzer asked it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryRequest {
    /// The specimen ids asked about (usually one).
    pub specimen_ids: Vec<String>,
    /// HL7 MSH-10 / ASTM H-3 of the query, echoed in the answer.
    pub control_id: String,
    /// HL7: QPD-1 query name, QPD-2 query tag; QRD-4 query id for QRY^Q02.
    pub query_name: String,
    /// HL7 query tag / legacy query id.
    pub query_tag: String,
    /// HL7: the query is the legacy QRY^Q02.
    pub legacy: bool,
    /// ASTM: Q-3 components after the specimen (rack, position...), echoed in O-4.
    pub echo: Vec<String>,
    /// ASTM: the delimiters of the query's H record, which the answer uses too (a Beckman DxH
    /// reads only its own `|\!~`); the standard's `|\^&` for HL7.
    pub delimiters: Delimiters,
}

/// Reads an analyzer timestamp as a civil date-time (the lab's local time).
pub(crate) fn civil(
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
) -> Option<jiff::civil::DateTime> {
    jiff::civil::DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        0,
    )
    .ok()
}
