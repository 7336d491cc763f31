//! Messages of `lis-vendor`'s framings read into core's terms, one entry for all of them
//! ([`read_message`]), and their link handler ([`VendorHandler`]).
//!
//! - [`rows`]: the Siemens Dimension and Sysmex class A, whose decoded records a profile
//!   locates values in (`R-3`, `T-2`, `D2-3`, `P-2`), `keep`/`skip`/`qc` and `[[supplementary]]`
//!   rules included.
//! - `fixed`: the ADVIA 2120, mini VIDAS, Spotchem and urine strip reader, whose layout is fixed
//!   by the decoder.
//! - [`handler`]: storing through core and the verdict (`LabLink::process_vendor`).

mod fixed;
pub mod handler;
pub mod rows;

use lis_core::model::{MessageKind, Protocol};
use lis_vendor::dimension::analyzer::{self, AnalyzerMessage};
use lis_vendor::sysmex_text::{self, SampleHeader, Text};

pub use handler::VendorHandler;

use super::Reading;
use crate::profile::{Framing, Profile};

/// The core protocol a vendor framing's messages are journaled under; `None` for a framing that
/// is not a vendor one.
pub fn journal_protocol(framing: Framing) -> Option<Protocol> {
    match framing {
        Framing::Advia => Some(Protocol::Advia),
        Framing::Vidas => Some(Protocol::Vidas),
        Framing::Spotchem => Some(Protocol::Spotchem),
        Framing::UrineStrip => Some(Protocol::UrineStrip),
        Framing::Dimension => Some(Protocol::Dimension),
        Framing::SysmexText => Some(Protocol::SysmexText),
        Framing::E1381 | Framing::Raw | Framing::Mllp => None,
    }
}

/// The text between `<STX>` and `<ETX>` of a Dimension or class A message as it was on the line.
pub(crate) fn body(raw: &[u8]) -> &[u8] {
    raw.get(1..raw.len().saturating_sub(1)).unwrap_or_default()
}

/// What a vendor link remembers from one message for the next: the Sysmex class A sample
/// header (`D1U`) that goes with the `D2U` of the same sample after it.
#[derive(Debug, Clone, Default)]
pub struct Session {
    header: Option<SampleHeader>,
}

impl Session {
    /// The header `raw` (a message of `framing`, as on the line) is read with: a `D2U`'s
    /// `D1U` when that came just before it for the same sample; a `D1U` is kept for the next.
    pub fn header_for(&mut self, framing: Framing, raw: &[u8]) -> Option<SampleHeader> {
        if framing != Framing::SysmexText {
            return None;
        }
        match sysmex_text::decode(body(raw)) {
            Ok(Text::SampleHeader(h)) => {
                self.header = Some(h);
                None
            }
            Ok(Text::Results(r)) => self
                .header
                .take()
                .filter(|h| h.common.sample_no == r.common.sample_no),
            _ => None,
        }
    }
}

/// Reads one checked message of `profile`'s vendor framing, as it was on the line, with the
/// class A sample header it goes with ([`Session::header_for`]). `Err`: it cannot be read at
/// all (what and where); it is then kept raw with that reason.
pub fn read_message(
    raw: &[u8],
    header: Option<&SampleHeader>,
    profile: &Profile,
) -> Result<Reading, String> {
    match profile.framing {
        Framing::Dimension => {
            let message = analyzer::decode(body(raw))
                .map_err(|e| format!("unreadable Dimension message: {e}"))?;
            Ok(match message {
                AnalyzerMessage::Result(r) => rows::read_dimension_result(&r, profile),
                AnalyzerMessage::Query(q) => rows::read_dimension_query(&q.sample_id, profile),
                AnalyzerMessage::Poll(_)
                | AnalyzerMessage::Calibration(_)
                | AnalyzerMessage::RequestAcceptance(_) => other(Vec::new()),
                AnalyzerMessage::Other(frame) => other(vec![format!(
                    "Dimension message type {} is not processed (journaled)",
                    frame.kind
                )]),
            })
        }
        Framing::SysmexText => match sysmex_text::decode(body(raw)) {
            Ok(Text::Results(r)) => {
                let mut reading = rows::read_sysmex_results(&r, header, profile);
                if header.is_none() {
                    reading.problems.push(format!(
                        "D2U for sample {} without its D1U: stored without the analysis time",
                        r.common.sample_no
                    ));
                }
                Ok(reading)
            }
            Ok(Text::SampleHeader(_) | Text::Other { .. }) => Ok(other(Vec::new())),
            Err(e) => Err(format!("unreadable Sysmex class A text: {e}")),
        },
        Framing::Advia | Framing::Vidas | Framing::Spotchem | Framing::UrineStrip => {
            fixed::read_message(raw, profile)
        }
        Framing::E1381 | Framing::Raw | Framing::Mllp => Err(format!(
            "profile {} does not use a vendor framing",
            profile.name
        )),
    }
}

/// A message that is not results, with what is worth telling about it.
fn other(problems: Vec<String>) -> Reading {
    Reading {
        kind: Some(MessageKind::Other),
        problems,
        ..Reading::default()
    }
}
