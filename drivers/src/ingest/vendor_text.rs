//! Vendor text messages (`lis-vendor`) read into core's terms, and their link handler.
//!
//! The layout of these messages is fixed by their decoders, so the profile adds only its flag
//! map: each [`Measurement`] becomes an [`Observation`] with the specimen id, test code, value,
//! units and flags as sent, the time the analyzer printed, and no status (none is sent).
//!
//! | what arrived | stored | answer (see [`crate::machine::vendor_text`]) |
//! |---|---|---|
//! | a readable result message | journal + results | acknowledged once stored |
//! | a checked message that is not results (ADVIA `Q`, a VIDAS message without `mt` `rsl`) | journaled as other | acknowledged |
//! | a checked message whose text cannot be read | raw bytes journaled with the error | acknowledged (sent again it would read no better) |
//! | bytes that make no message (bad BCC or checksum, cut, unfinished) | raw bytes journaled with the error | NAK where the protocol has one |
//! | the store failed | raw bytes kept if the journal still works | NAK |

use lis_core::model::{MessageKind, Observation, Protocol};
use lis_vendor::measurement::{LocalTime, Measurement};
use lis_vendor::{advia, spotchem, vidas};

use super::handler::LabLink;
use super::{civil, Reading};
use crate::link::{Handling, LinkHandler, LinkMachine};
use crate::machine::{VendorTextEvent, VendorTextVerdict};
use crate::profile::{Framing, Profile};

/// The core protocol a vendor framing's messages are journaled under.
pub fn journal_protocol(framing: Framing) -> Option<Protocol> {
    match framing {
        Framing::Advia => Some(Protocol::Advia),
        Framing::Vidas => Some(Protocol::Vidas),
        Framing::Spotchem => Some(Protocol::Spotchem),
        Framing::UrineStrip => Some(Protocol::UrineStrip),
        Framing::E1381
        | Framing::Raw
        | Framing::Mllp
        | Framing::Dimension
        | Framing::SysmexText => None,
    }
}

/// Reads one checked message of `profile`'s vendor framing. `Err`: its text cannot be read
/// (what and where).
pub fn read_message(raw: &[u8], profile: &Profile) -> Result<Reading, String> {
    let (measurements, at, problems) = match profile.framing {
        Framing::Advia => {
            let text = raw.get(1..raw.len().saturating_sub(2)).unwrap_or_default();
            match advia::ResultBlock::parse(text) {
                Ok(block) => (block.measurements(), block.aspirated_at, block.problems),
                Err(advia::ReadError::NotResults(code)) => {
                    return Ok(Reading {
                        kind: Some(MessageKind::Other),
                        problems: vec![format!(
                            "ADVIA block with ID code `{code}` is not results: journaled only"
                        )],
                        ..Reading::default()
                    })
                }
                Err(e) => return Err(format!("unreadable ADVIA result block: {e}")),
            }
        }
        Framing::Vidas => {
            let message = vidas::VidasMessage::parse(raw);
            if !message.is_result() {
                return Ok(Reading {
                    kind: Some(MessageKind::Other),
                    problems: vec![format!(
                        "mini VIDAS message type {:?} is not a result (`rsl`): journaled only",
                        message.field("mt").unwrap_or_default()
                    )],
                    ..Reading::default()
                });
            }
            (
                message.measurements(),
                message.completed_at(),
                message.problems,
            )
        }
        Framing::Spotchem => {
            let printout = spotchem::Printout::parse(raw)
                .map_err(|e| format!("unreadable Spotchem printout: {e}"))?;
            (
                printout.measurements(),
                Some(printout.measured_at),
                Vec::new(),
            )
        }
        // Its graded pads carry their concentration as a supplementary value.
        Framing::UrineStrip => return super::urine_strip::read_printout(raw, profile),
        Framing::E1381
        | Framing::Raw
        | Framing::Mllp
        | Framing::Dimension
        | Framing::SysmexText => {
            return Err(format!(
                "profile {} does not use a vendor text framing",
                profile.name
            ))
        }
    };
    let observed_at = at.and_then(civil_time);
    let mut problems = problems;
    let observations = measurements
        .into_iter()
        .filter_map(|m| {
            if m.specimen_id.is_empty() || m.test.is_empty() {
                problems.push(format!(
                    "result {:?} = {:?} has no specimen id or no test code: not stored",
                    m.test, m.value
                ));
                return None;
            }
            Some(observation(m, observed_at, profile))
        })
        .collect();
    Ok(Reading {
        observations,
        problems,
        ..Reading::default()
    })
}

pub(super) fn observation(
    m: Measurement,
    observed_at: Option<jiff::civil::DateTime>,
    profile: &Profile,
) -> Observation {
    Observation {
        specimen_id: m.specimen_id,
        instrument_test_code: m.test,
        value: m.value,
        units: m.units,
        flags: m.flags.iter().map(|f| profile.map_flag(f)).collect(),
        observed_at,
        ..Observation::default()
    }
}

pub(super) fn civil_time(t: LocalTime) -> Option<jiff::civil::DateTime> {
    civil(t.year, t.month, t.day, t.hour, t.minute, t.second)
}

impl LabLink {
    /// Stores one checked vendor text message and decides the verdict (see the module table).
    /// Blocking.
    pub fn process_vendor_text(&self, raw: Vec<u8>) -> VendorTextVerdict {
        let Some(protocol) = journal_protocol(self.profile.framing) else {
            self.problem("a vendor text message on a link whose profile is not a vendor one");
            return VendorTextVerdict {
                accept: self.journal_raw(Protocol::Astm, &raw, "not a vendor text profile"),
            };
        };
        let reading = match read_message(&raw, &self.profile) {
            Ok(reading) => reading,
            Err(error) => {
                self.problem(&error);
                return VendorTextVerdict {
                    accept: self.journal_raw(protocol, &raw, &error),
                };
            }
        };
        for p in &reading.problems {
            self.problem(p);
        }
        match self.ingest(self.message(protocol, raw.clone(), reading)) {
            Ok(_) => VendorTextVerdict { accept: true },
            Err(e) => {
                let error = format!("message not stored: {e}");
                self.problem(&error);
                self.journal_raw(protocol, &raw, &error);
                VendorTextVerdict { accept: false }
            }
        }
    }
}

/// The handler of a vendor text link.
#[derive(Debug, Clone)]
pub struct VendorTextHandler(pub LabLink);

impl<M> LinkHandler<M> for VendorTextHandler
where
    M: LinkMachine<Event = VendorTextEvent, Verdict = VendorTextVerdict>,
{
    fn handle_event(&mut self, event: VendorTextEvent) -> Handling<VendorTextVerdict> {
        let lab = &self.0;
        match event {
            VendorTextEvent::Message { raw } => {
                let lab = lab.clone();
                Handling::blocking(
                    move || lab.process_vendor_text(raw),
                    VendorTextVerdict { accept: false },
                )
            }
            VendorTextEvent::Unreadable { raw, error, .. } => {
                lab.problem(&format!("{error}: raw bytes journaled"));
                let Some(protocol) = journal_protocol(lab.profile.framing) else {
                    return Handling::Done;
                };
                let lab = lab.clone();
                tokio::task::spawn_blocking(move || lab.journal_raw(protocol, &raw, &error));
                Handling::Done
            }
            VendorTextEvent::Stray { offset, len } => {
                lab.problem(&format!(
                    "{len} bytes outside any message at stream offset {offset}, ignored (kept in the trace)"
                ));
                Handling::Done
            }
            VendorTextEvent::Timeout => {
                tracing::info!(link = %lab.link, "message left unfinished: receive timeout");
                Handling::Done
            }
            VendorTextEvent::NakSent | VendorTextEvent::NakReceived => Handling::Done,
        }
    }
}
