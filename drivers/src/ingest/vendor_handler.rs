//! The link handlers of the vendor framings: store through core, then give the verdict.
//!
//! | what arrived | stored | Siemens Dimension | Sysmex class A |
//! |---|---|---|---|
//! | results (`R`; `D2U`), stored | journal + results | ACK, then `M` accepted | ACK |
//! | results, store failed | raw bytes kept if the journal still works | NAK (the analyzer sends again) | NAK |
//! | poll `P`, calibration `C`, acceptance `M`; `D1U` | journaled (kind other) | ACK, then `N` (or a queued download) / `M` accepted / nothing | ACK |
//! | sample query `I` | journaled as a query | ACK, then `D` with the sample's tests or `N` | (none) |
//! | a message that cannot be read | raw bytes journaled with the error | ACK, then the answer its type expects (`M` for `R`/`C`, `N` for `P`/`I`), so the analyzer does not loop | ACK |
//! | wrong checksum | nothing (the machine NAKed it) | the analyzer sends it again | (no checksum) |
//! | longer than the link's `max_message_len` | its first bytes journaled raw with the reason | NAK | NAK |
//!
//! Every message is journaled before it is acknowledged; identical bytes on the same link are
//! stored once (the Dimension's resent `R` after a NAKed answer).

use lis_core::model::{MessageKind, Protocol};
use lis_vendor::dimension::analyzer::{self, AnalyzerMessage};
use lis_vendor::dimension::host::{encode_no_request, encode_result_acceptance};
use lis_vendor::stx_frame::{ETX, STX};
use lis_vendor::sysmex_text::{self, SampleHeader, Text};

use super::{vendor, LabLink, Reading};
use crate::dimension_orders;
use crate::download::Outgoing;
use crate::link::{Handling, LinkHandler, LinkMachine};
use crate::machine::{DimensionEvent, DimensionVerdict, SysmexTextEvent, SysmexTextVerdict};

/// The message as it was on the line: `<STX> body <ETX>`.
fn framed(body: &[u8]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(body.len() + 2);
    raw.push(STX);
    raw.extend_from_slice(body);
    raw.push(ETX);
    raw
}

fn other() -> Reading {
    Reading {
        kind: Some(MessageKind::Other),
        ..Reading::default()
    }
}

impl LabLink {
    /// Journals `raw` with `reading`; false (and the problem reported) when the store failed.
    fn store_vendor(&self, protocol: Protocol, raw: &[u8], reading: Reading) -> bool {
        for p in &reading.problems {
            self.problem(p);
        }
        match self.ingest(self.message(protocol, raw.to_vec(), reading)) {
            Ok(_) => true,
            Err(e) => {
                let error = format!("message not stored: {e}");
                self.problem(&error);
                self.journal_raw(protocol, raw, &error);
                false
            }
        }
    }

    /// Stores one Dimension message and decides the verdict and answer (module table). Blocking.
    pub fn process_dimension(&self, body: &[u8]) -> DimensionVerdict {
        let raw = framed(body);
        let accepted = || Some(Outgoing::message(encode_result_acceptance(true)));
        let no_request = || Some(Outgoing::message(encode_no_request()));
        let message = match analyzer::decode(body) {
            Ok(m) => m,
            Err(e) => {
                let error = format!("unreadable Dimension message: {e}");
                self.problem(&error);
                if !self.journal_raw(Protocol::Dimension, &raw, &error) {
                    return DimensionVerdict::reject();
                }
                let reply = match body.first() {
                    Some(b'R' | b'C') => accepted(),
                    Some(b'P' | b'I') => no_request(),
                    _ => None,
                };
                return DimensionVerdict::accept(reply);
            }
        };
        let (reading, reply) = match &message {
            AnalyzerMessage::Poll(_) => (other(), no_request()),
            AnalyzerMessage::Calibration(_) => (other(), accepted()),
            AnalyzerMessage::RequestAcceptance(_) => (other(), None),
            AnalyzerMessage::Other(frame) => {
                self.problem(&format!(
                    "Dimension message type {} is not processed (journaled)",
                    frame.kind
                ));
                (other(), None)
            }
            AnalyzerMessage::Result(r) => {
                (vendor::read_dimension_result(r, &self.profile), accepted())
            }
            AnalyzerMessage::Query(q) => {
                let reading = vendor::read_dimension_query(&q.sample_id, &self.profile);
                let reply = self.dimension_query_answer(&reading);
                (reading, Some(reply))
            }
        };
        if self.store_vendor(Protocol::Dimension, &raw, reading) {
            DimensionVerdict::accept(reply)
        } else {
            DimensionVerdict::reject()
        }
    }

    /// The `D` (or `N`) for a sample query; its tests are marked sent when the analyzer accepts.
    fn dimension_query_answer(&self, reading: &Reading) -> Outgoing<Vec<u8>> {
        let no_request = || Outgoing::message(encode_no_request());
        if !self.profile.query.supported {
            self.problem("sample query from an analyzer whose profile does not answer queries");
            return no_request();
        }
        let Some(sample) = reading.query.as_ref().and_then(|q| q.specimen_ids.first()) else {
            return no_request();
        };
        match dimension_orders::query_answer(&self.store, &self.instrument, &self.profile, sample) {
            Ok(answer) => Outgoing {
                message: answer.message,
                tests: answer.tests,
            },
            Err(e) => {
                self.problem(&format!("sample query not answered: {e}"));
                no_request()
            }
        }
    }

    /// Stores one class A text (a `D2U` with its `D1U`, when that came first). Blocking.
    pub fn process_sysmex_text(
        &self,
        body: &[u8],
        header: Option<&SampleHeader>,
    ) -> SysmexTextVerdict {
        let raw = framed(body);
        let reading = match sysmex_text::decode(body) {
            Ok(Text::Results(r)) => {
                if header.is_none() {
                    self.problem(&format!(
                        "D2U for sample {} without its D1U: stored without the analysis time",
                        r.common.sample_no
                    ));
                }
                vendor::read_sysmex_results(&r, header, &self.profile)
            }
            Ok(Text::SampleHeader(_) | Text::Other { .. }) => other(),
            Err(e) => {
                let error = format!("unreadable Sysmex class A text: {e}");
                self.problem(&error);
                return SysmexTextVerdict {
                    accept: self.journal_raw(Protocol::SysmexText, &raw, &error),
                };
            }
        };
        SysmexTextVerdict {
            accept: self.store_vendor(Protocol::SysmexText, &raw, reading),
        }
    }

    fn journal_too_long(&self, protocol: Protocol, limit: usize, head: Vec<u8>) {
        let reason = format!(
            "message longer than the link's max_message_len of {limit} bytes: NAKed, its first {limit} bytes journaled"
        );
        self.problem(&reason);
        let lab = self.clone();
        tokio::task::spawn_blocking(move || lab.journal_raw(protocol, &head, &reason));
    }
}

/// The handler of a Siemens Dimension link.
#[derive(Debug, Clone)]
pub struct DimensionHandler(pub LabLink);

impl<M> LinkHandler<M> for DimensionHandler
where
    M: LinkMachine<Event = DimensionEvent, Verdict = DimensionVerdict>,
{
    fn handle_event(&mut self, event: DimensionEvent) -> Handling<DimensionVerdict> {
        let lab = &self.0;
        match event {
            DimensionEvent::Message { body } => {
                let lab = lab.clone();
                Handling::blocking(
                    move || lab.process_dimension(&body),
                    DimensionVerdict::reject(),
                )
            }
            DimensionEvent::BadFrame { error } => {
                lab.problem(&format!("Dimension message NAKed: {error}"));
                Handling::Done
            }
            DimensionEvent::TooLong { limit, head } => {
                lab.journal_too_long(Protocol::Dimension, limit, head);
                Handling::Done
            }
            DimensionEvent::Junk { offset, len } => {
                lab.problem(&format!(
                    "{len} bytes outside any message at stream offset {offset}, ignored"
                ));
                Handling::Done
            }
            DimensionEvent::Sent { tests } => {
                lab.download_accepted(tests);
                Handling::Done
            }
            DimensionEvent::Refused { reason, tests } => {
                lab.problem(&format!(
                    "{reason}; its {} ordered tests stay pending",
                    tests.len()
                ));
                lab.in_flight.release(&tests);
                Handling::Done
            }
            DimensionEvent::NakReceived | DimensionEvent::NakSent | DimensionEvent::Timeout => {
                Handling::Done
            }
        }
    }
}

/// The handler of a Sysmex class A link: it remembers each sample's `D1U` for its `D2U`.
#[derive(Debug, Clone)]
pub struct SysmexTextHandler {
    /// The link.
    pub lab: LabLink,
    header: Option<SampleHeader>,
}

impl SysmexTextHandler {
    /// The handler of `lab`.
    pub fn new(lab: LabLink) -> Self {
        Self { lab, header: None }
    }
}

impl<M> LinkHandler<M> for SysmexTextHandler
where
    M: LinkMachine<Event = SysmexTextEvent, Verdict = SysmexTextVerdict>,
{
    fn handle_event(&mut self, event: SysmexTextEvent) -> Handling<SysmexTextVerdict> {
        match event {
            SysmexTextEvent::Text { body } => {
                // The header goes with the D2U of the same sample that follows it.
                let header = match sysmex_text::decode(&body) {
                    Ok(Text::SampleHeader(h)) => {
                        self.header = Some(h);
                        None
                    }
                    Ok(Text::Results(r)) => self
                        .header
                        .take()
                        .filter(|h| h.common.sample_no == r.common.sample_no),
                    _ => None,
                };
                let lab = self.lab.clone();
                Handling::blocking(
                    move || lab.process_sysmex_text(&body, header.as_ref()),
                    SysmexTextVerdict { accept: false },
                )
            }
            SysmexTextEvent::TooLong { limit, head } => {
                self.lab.journal_too_long(Protocol::SysmexText, limit, head);
                Handling::Done
            }
            SysmexTextEvent::Junk { offset, bytes } => {
                self.lab.problem(&format!(
                    "{} bytes outside any text at stream offset {offset} ({:?}), ignored",
                    bytes.len(),
                    String::from_utf8_lossy(&bytes)
                ));
                Handling::Done
            }
            SysmexTextEvent::NakSent | SysmexTextEvent::Timeout => Handling::Done,
        }
    }
}
