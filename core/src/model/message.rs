//! What a driver hands to the core: one analyzer message, already parsed from the wire.

use jiff::civil::DateTime;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{JournalId, ResultId, Sex, UnmatchedId};

/// The wire protocol a message came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Protocol {
    /// ASTM E1381/E1394 (CLSI LIS1-A/LIS2-A2).
    Astm,
    /// HL7 v2 over MLLP.
    Hl7,
    /// The Siemens Dimension LIS protocol (a vendor's own, read by `lis-vendor`).
    Dimension,
    /// Sysmex class A text (a vendor's own, read by `lis-vendor`).
    SysmexText,
    /// Siemens ADVIA 120/2120 "Host Spec 79" blocks (`lis_vendor::advia`).
    Advia,
    /// bioMérieux mini VIDAS messages in the BCI protocol (`lis_vendor::vidas`).
    Vidas,
    /// Arkray Spotchem EL printer text (`lis_vendor::spotchem`).
    Spotchem,
    /// A urine test-strip reader's printout (`lis_vendor::urine_strip`).
    UrineStrip,
}

impl Protocol {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Astm => "astm",
            Self::Hl7 => "hl7",
            Self::Dimension => "dimension",
            Self::SysmexText => "sysmex-text",
            Self::Advia => "advia",
            Self::Vidas => "vidas",
            Self::Spotchem => "spotchem",
            Self::UrineStrip => "urine-strip",
        }
    }
}

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageKind {
    /// Patient results.
    Results,
    /// Quality-control results.
    Qc,
    /// A host query (the analyzer asks for a specimen's tests).
    Query,
    /// Anything else (status, acknowledgements); journaled only.
    Other,
}

impl MessageKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Results => "results",
            Self::Qc => "qc",
            Self::Query => "query",
            Self::Other => "other",
        }
    }
}

/// Patient details an analyzer sent with its results (ASTM P record, HL7 PID), used only when
/// the LIS has no order for the specimen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientHint {
    /// Patient id as the analyzer sent it.
    pub patient_id: String,
    /// Name as sent.
    pub name: String,
    /// Sex as sent.
    pub sex: Option<Sex>,
}

/// One result line from an analyzer (ASTM R record, HL7 OBX), fields as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Specimen id (barcode) the analyzer read.
    pub specimen_id: String,
    /// The instrument's test code.
    pub instrument_test_code: String,
    /// The value as sent.
    pub value: String,
    /// Units as sent.
    pub units: String,
    /// Reference range as sent.
    pub reference_range: String,
    /// Abnormal flags as sent (`H`, `L`, `A`, `N`, ...).
    pub flags: Vec<String>,
    /// Result status as sent (`F`, `C`, `P`, ...).
    pub status: String,
    /// When the analyzer measured, in its local time (read in the lab's time zone).
    pub observed_at: Option<DateTime>,
    /// Operator id as sent.
    pub operator: String,
    /// Whether this is a QC result rather than a patient result.
    pub is_qc: bool,
    /// The QC material's lot, when the analyzer sends it (e.g. E1394 O-15 `level^lot`).
    pub qc_lot: Option<String>,
    /// The QC level, when the analyzer sends it (`1`, `2`, `3`, or its own level name).
    pub qc_level: Option<String>,
    /// Values the analyzer sent in other rows about the same measurement (RLU, cut-off, index,
    /// Ct, reaction grades), which the profile marks as supplementary to this reportable row;
    /// in the order sent.
    #[serde(default)]
    pub supplementary: Vec<Supplement>,
    /// For a microbiology isolate (its value the organism): the isolate and its susceptibility
    /// panel, stored with the result version.
    #[serde(default)]
    pub isolate: Option<super::Isolate>,
}

/// A value an analyzer sends beside a result, about the same measurement (the Centaur's RLU and
/// cut-off, a GeneXpert probe's Ct, a blood bank reaction grade), as sent: stored with the
/// result version it came with, shown in review and sent to the HIS after the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplement {
    /// What the value is, as the analyzer names it (`RLU`, `COFF`, `rpoB1 Ct`, `Anti-A`), or
    /// the profile's name for it.
    pub name: String,
    /// The value as sent.
    pub value: String,
    /// Units as sent (may be empty).
    pub units: String,
    /// Flags as sent (through the profile's flag map).
    pub flags: Vec<String>,
}

/// One analyzer message: its raw bytes and what the driver parsed from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzerMessage {
    /// Instrument id from the config.
    pub instrument: String,
    /// The link (port or connection name) it came on; part of the idempotency key.
    pub link: String,
    /// When the last frame arrived.
    pub received_at: Timestamp,
    /// Wire protocol.
    pub protocol: Protocol,
    /// The raw bytes, journaled with their CRC-32.
    pub raw: Vec<u8>,
    /// What it carries.
    pub kind: MessageKind,
    /// The result lines.
    pub observations: Vec<Observation>,
    /// Patient details sent along, if any.
    pub patient_hint: Option<PatientHint>,
    /// Histograms, scattergrams and images sent with the results (and undecodable ones, kept).
    #[serde(default)]
    pub graphs: Vec<super::AnalyzerGraph>,
}

/// What happened to one observation of an ingested message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoredObservation {
    /// Matched to an ordered test and stored as a result.
    Result(ResultId),
    /// Stored in the unmatched queue.
    Unmatched(UnmatchedId),
    /// Stored as a QC observation for the QC module.
    Qc(i64),
}

/// The answer to an ingest, returned only once the commit is durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IngestOutcome {
    /// Journaled and stored; one entry per observation, in order.
    Stored {
        /// The journal entry.
        journal_id: JournalId,
        /// Where each observation went.
        observations: Vec<StoredObservation>,
    },
    /// The same bytes on the same link were stored before; nothing new was stored.
    Duplicate {
        /// The earlier journal entry.
        journal_id: JournalId,
    },
}

impl IngestOutcome {
    /// The journal entry of the message.
    pub fn journal_id(&self) -> JournalId {
        match self {
            Self::Stored { journal_id, .. } | Self::Duplicate { journal_id } => *journal_id,
        }
    }
}
