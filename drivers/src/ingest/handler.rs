//! The link handlers of a lab: store what an analyzer sends through core, answer its queries, and
//! give the machine its verdict only once the store is durable.
//!
//! Decisions, per protocol:
//!
//! | what arrived | stored | ASTM E1381 | HL7 |
//! |---|---|---|---|
//! | results / QC, stored | journal + results | ACK | AA |
//! | results / QC, store failed | raw bytes kept if the journal still works | NAK (the analyzer repeats) | AE + ERR 207 |
//! | unparseable or incomplete message | raw bytes journaled with the error | ACK: the frames were valid and the bytes are kept; a NAK would make the analyzer loop forever. The error is in the log and the link state. | AE + ERR 100 (parse error) |
//! | message type the LIS does not process | journaled | (ASTM: stored as other) ACK | AR + ERR 200 |
//! | host query | journaled as a query | ACK, then the answer after EOT | the answer (RSP^K11, ACK + OML^O33, QCK^Q02 + DSR^Q03) |
//! | message longer than the link's `max_message_len` | what arrived (at most the limit plus one frame or read) journaled raw with the reason | the frame that crossed it NAKed, the line neutral, later frames ignored until EOT | AE + ERR 207; the first `max_message_len` bytes journaled raw with the reason, the rest skipped |
//! | the journal itself failed | nothing | NAK | AE |

use std::sync::Arc;

use lis_core::model::{AnalyzerMessage, IngestOutcome, MessageKind, Protocol};
use lis_core::{Ingestor, Store, StoreError};
use lis_hl7::build::ack::{ack, Acknowledgement, ErrorDetail};
use lis_hl7::build::CodedValue;
use lis_hl7::segments::AckCode;

use super::Reading;
use crate::download::InFlight;
use crate::link::{Handling, LinkHandler, LinkMachine, LinkStatusHandle};
use crate::machine::{AstmEvent, AstmVerdict, MllpEvent, MllpVerdict};
use crate::profile::Profile;
use crate::query::{self, Hl7Peer};

/// One link of the lab: the instrument on it, its profile, and where messages are stored.
#[derive(Debug, Clone)]
pub struct LabLink {
    /// The instrument id in the lab config.
    pub instrument: String,
    /// The link's name (journal key).
    pub link: String,
    /// The analyzer profile.
    pub profile: Arc<Profile>,
    /// The lab's store.
    pub store: Arc<Store>,
    /// The group-commit writer, when the store is on disk; `None`: `Store::ingest` directly.
    pub ingestor: Option<Ingestor>,
    /// Where problems are reported for the web pages.
    pub status: Option<LinkStatusHandle>,
    /// The link's downloads queued and not yet accepted by the analyzer.
    pub in_flight: InFlight,
}

impl LabLink {
    pub(crate) fn problem(&self, text: &str) {
        tracing::warn!(link = %self.link, instrument = %self.instrument, "{text}");
        if let Some(status) = &self.status {
            status.report_error(text.to_owned());
        }
    }

    pub(crate) fn ingest(&self, message: AnalyzerMessage) -> Result<IngestOutcome, StoreError> {
        match &self.ingestor {
            Some(i) => i.ingest(message),
            None => self.store.ingest(message),
        }
    }

    pub(crate) fn journal_raw(&self, protocol: Protocol, raw: &[u8], error: &str) -> bool {
        match self.store.journal_raw(
            &self.link,
            jiff::Timestamp::now(),
            protocol,
            raw,
            Some(error.to_owned()),
        ) {
            Ok(_) => true,
            Err(e) => {
                self.problem(&format!("the raw message could not be journaled: {e}"));
                false
            }
        }
    }

    pub(crate) fn message(
        &self,
        protocol: Protocol,
        raw: Vec<u8>,
        reading: Reading,
    ) -> AnalyzerMessage {
        AnalyzerMessage {
            instrument: self.instrument.clone(),
            link: self.link.clone(),
            received_at: jiff::Timestamp::now(),
            protocol,
            raw,
            kind: reading.message_kind(),
            observations: reading.observations,
            patient_hint: reading.patient_hint,
            graphs: reading.graphs,
        }
    }

    /// Stores one ASTM message and decides the verdict (see the module table). Blocking.
    pub fn process_astm(&self, text: Vec<u8>, complete: bool) -> AstmVerdict {
        if !complete {
            self.problem("incomplete ASTM message (no H or no L record): raw bytes journaled, no results stored");
            return self.kept(self.journal_raw(Protocol::Astm, &text, "incomplete message"));
        }
        let reading = match lis_astm::message::Message::parse(&text) {
            Ok((message, _diagnostics)) => super::astm::read_message(&message, &self.profile),
            Err(e) => {
                let error = format!("unreadable ASTM message: {e}");
                self.problem(&error);
                return self.kept(self.journal_raw(Protocol::Astm, &text, &error));
            }
        };
        for p in &reading.problems {
            self.problem(p);
        }
        let query = reading.query.clone();
        let answer = match &query {
            Some(q) if self.profile.query.supported => {
                match query::astm_answer(&self.store, &self.instrument, &self.profile, q) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        self.problem(&format!("host query not answered: {e}"));
                        None
                    }
                }
            }
            Some(_) => {
                self.problem("host query from an analyzer whose profile does not answer queries");
                None
            }
            None => None,
        };
        let message = self.message(Protocol::Astm, text.clone(), reading);
        match self.ingest(message) {
            Ok(_) => {
                let reply = answer.map(|a| {
                    self.mark_sent(&a.tests);
                    a.message
                });
                AstmVerdict {
                    accept: true,
                    reply,
                }
            }
            Err(e) => {
                let error = format!("message not stored: {e}");
                self.problem(&error);
                self.journal_raw(Protocol::Astm, &text, &error);
                AstmVerdict::reject()
            }
        }
    }

    fn kept(&self, journaled: bool) -> AstmVerdict {
        if journaled {
            AstmVerdict::accept()
        } else {
            AstmVerdict::reject()
        }
    }

    /// The analyzer accepted a download: its tests are marked sent (on the blocking pool), then
    /// no longer in flight, so no download in between can carry them again.
    pub(super) fn download_accepted(&self, tests: Vec<i64>) {
        if tests.is_empty() {
            return;
        }
        let lab = self.clone();
        tokio::task::spawn_blocking(move || {
            lab.mark_sent(&tests);
            lab.in_flight.release(&tests);
        });
    }

    pub(super) fn mark_sent(&self, tests: &[i64]) {
        if tests.is_empty() {
            return;
        }
        if let Err(e) =
            self.store
                .mark_sent_to_instrument(&self.instrument, tests, jiff::Timestamp::now())
        {
            self.problem(&format!("tests not marked as sent: {e}"));
        }
    }

    /// Stores one HL7 message and builds the reply (see the module table). Blocking.
    pub fn process_hl7(&self, payload: &[u8]) -> MllpVerdict {
        let (message, _diagnostics) = match lis_hl7::Message::parse(payload) {
            Ok(m) => m,
            Err(e) => {
                let error = format!("unreadable HL7 message: {e}");
                self.problem(&error);
                // AE either way; a journal failure is reported by `journal_raw`.
                self.journal_raw(Protocol::Hl7, payload, &error);
                let peer = sniff_peer(payload);
                return self.nack(&peer, AckCode::ApplicationError, 100, &error);
            }
        };
        let header = message.header();
        let peer = Peer {
            control_id: header.control_id().as_str().to_owned(),
            event: header.message_type().event.to_owned(),
            hl7: Hl7Peer {
                application: header.sending_application().as_str().to_owned(),
                version: header.version().as_str().to_owned(),
            },
        };
        let reading = super::hl7::read_message(&message, &self.profile);
        for p in &reading.problems {
            self.problem(p);
        }
        let kind = reading.message_kind();
        let query = reading.query.clone();
        let stored = self.ingest(self.message(Protocol::Hl7, payload.to_vec(), reading));
        if let Err(e) = stored {
            let error = format!("message not stored: {e}");
            self.problem(&error);
            self.journal_raw(Protocol::Hl7, payload, &error);
            return self.nack(&peer, AckCode::ApplicationError, 207, &error);
        }
        match (kind, query) {
            (MessageKind::Query, Some(q)) if self.profile.query.supported => {
                match query::hl7_answer(&self.store, &self.instrument, &self.profile, &q, &peer.hl7)
                {
                    Ok(a) => {
                        self.mark_sent(&a.tests);
                        MllpVerdict { replies: a.message }
                    }
                    Err(e) => {
                        let error = format!("host query not answered: {e}");
                        self.problem(&error);
                        self.nack(&peer, AckCode::ApplicationError, 207, &error)
                    }
                }
            }
            (MessageKind::Query, _) => self.nack(
                &peer,
                AckCode::ApplicationReject,
                200,
                "host queries are not answered for this analyzer",
            ),
            (MessageKind::Other, _) => {
                let (code, _) = super::hl7::message_type(&message);
                let error = format!("message type {code} is not processed (journaled)");
                self.problem(&error);
                self.nack(&peer, AckCode::ApplicationReject, 200, &error)
            }
            _ => MllpVerdict {
                replies: vec![self.hl7_ack(&peer, AckCode::ApplicationAccept, None)],
            },
        }
    }

    /// An HL7 message longer than the link's maximum: its first `max_len` bytes are journaled with
    /// the reason and the analyzer gets AE (see the module table). Blocking.
    pub fn process_hl7_too_long(&self, offset: u64, max_len: usize, head: &[u8]) -> MllpVerdict {
        let error = format!(
            "HL7 message at stream offset {offset} longer than the link's max_message_len of \
             {max_len} bytes: not read; its first {max_len} bytes are journaled, the rest was skipped"
        );
        self.problem(&error);
        self.journal_raw(Protocol::Hl7, head, &error);
        self.nack(&sniff_peer(head), AckCode::ApplicationError, 207, &error)
    }

    fn hl7_ack(&self, peer: &Peer, code: AckCode, error: Option<ErrorDetail>) -> Vec<u8> {
        let version = &peer.hl7.version;
        let v24 = !(version.starts_with("2.1")
            || version.starts_with("2.2")
            || version.starts_with("2.3"));
        ack(&Acknowledgement {
            header: query::hl7_header(&peer.hl7.application, version, query::control_id()),
            event: peer.event.clone(),
            structure: if v24 { "ACK".to_owned() } else { String::new() },
            code,
            acknowledged_control_id: peer.control_id.clone(),
            text: String::new(),
            error_condition: String::new(),
            error,
        })
    }

    fn nack(&self, peer: &Peer, code: AckCode, hl7_error: u16, text: &str) -> MllpVerdict {
        let name = match hl7_error {
            100 => "Segment sequence error",
            200 => "Unsupported message type",
            _ => "Application internal error",
        };
        let detail = ErrorDetail::Standard {
            code: CodedValue::new(&hl7_error.to_string(), name, "HL70357"),
            severity: "E".to_owned(),
            user_message: text.replace(['|', '^', '~', '\\', '&', '\r', '\n'], " "),
        };
        MllpVerdict {
            replies: vec![self.hl7_ack(peer, code, Some(detail))],
        }
    }
}

/// What an HL7 reply echoes of the message it answers.
#[derive(Debug, Clone, Default)]
struct Peer {
    control_id: String,
    event: String,
    hl7: Hl7Peer,
}

/// MSH-10, MSH-9.2, MSH-3 and MSH-12 of a message that does not parse, read by splitting its first
/// line on `|` (best effort; empty when even that fails).
fn sniff_peer(payload: &[u8]) -> Peer {
    let text = String::from_utf8_lossy(payload);
    let line = text.split(['\r', '\n']).next().unwrap_or("");
    if !line.starts_with("MSH") || line.len() < 4 {
        return Peer::default();
    }
    let fields: Vec<&str> = line.split('|').collect();
    let at = |n: usize| fields.get(n).copied().unwrap_or("").to_owned();
    Peer {
        control_id: at(9),
        event: at(8).split('^').nth(1).unwrap_or("").to_owned(),
        hl7: Hl7Peer {
            application: at(2),
            version: at(11),
        },
    }
}

/// The handler of an ASTM link (framed or raw).
#[derive(Debug, Clone)]
pub struct AstmHandler(pub LabLink);

impl<M> LinkHandler<M> for AstmHandler
where
    M: LinkMachine<Event = AstmEvent, Verdict = AstmVerdict>,
{
    fn handle_event(&mut self, event: AstmEvent) -> Handling<AstmVerdict> {
        let lab = &self.0;
        match event {
            AstmEvent::Message { text, complete } => {
                let lab = lab.clone();
                Handling::blocking(
                    move || lab.process_astm(text, complete),
                    AstmVerdict::reject(),
                )
            }
            AstmEvent::Discarded { text } => {
                lab.problem("message left unfinished by the analyzer (receive timeout): not stored as results, raw bytes journaled");
                let lab = lab.clone();
                tokio::task::spawn_blocking(move || {
                    lab.journal_raw(
                        Protocol::Astm,
                        &text,
                        "incomplete message discarded at the receive timeout",
                    )
                });
                Handling::Done
            }
            AstmEvent::TooLong { text, limit } => {
                let reason = format!(
                    "message longer than the link's max_message_len of {limit} bytes: given up after {} bytes (frame NAKed), raw bytes so far journaled",
                    text.len()
                );
                lab.problem(&reason);
                let lab = lab.clone();
                tokio::task::spawn_blocking(move || {
                    lab.journal_raw(Protocol::Astm, &text, &reason)
                });
                Handling::Done
            }
            AstmEvent::SendFailed { attempts, tests } => {
                lab.problem(&format!(
                    "the analyzer did not accept a message from the LIS after {attempts} attempts; \
                     given up, its {} ordered tests stay pending for the next download",
                    tests.len()
                ));
                lab.in_flight.release(&tests);
                Handling::Done
            }
            AstmEvent::ReplyRefused { reason } => {
                lab.problem(&format!("reply not sent: {reason}"));
                Handling::Done
            }
            AstmEvent::Diagnostic { kind, detail } => {
                tracing::info!(link = %lab.link, ?kind, "{detail}");
                Handling::Done
            }
            AstmEvent::Timeout(kind) => {
                tracing::info!(link = %lab.link, ?kind, "E1381 timeout");
                Handling::Done
            }
            AstmEvent::Sent { tests } => {
                lab.download_accepted(tests);
                Handling::Done
            }
            AstmEvent::NakSent | AstmEvent::NakReceived => Handling::Done,
        }
    }
}

/// The handler of an HL7 MLLP link.
#[derive(Debug, Clone)]
pub struct MllpHandler(pub LabLink);

impl<M> LinkHandler<M> for MllpHandler
where
    M: LinkMachine<Event = MllpEvent, Verdict = MllpVerdict>,
{
    fn handle_event(&mut self, event: MllpEvent) -> Handling<MllpVerdict> {
        let lab = &self.0;
        match event {
            MllpEvent::Message { payload } => {
                let lab = lab.clone();
                let fallback = MllpVerdict::default();
                Handling::blocking(move || lab.process_hl7(&payload), fallback)
            }
            MllpEvent::Acknowledged {
                code,
                control_id,
                tests,
            } => {
                if code.ends_with('A') {
                    lab.download_accepted(tests);
                } else {
                    lab.problem(&format!(
                        "the analyzer answered {code} to message {control_id} from the LIS{}",
                        if tests.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; its {} tests stay pending for the next download",
                                tests.len()
                            )
                        }
                    ));
                    lab.in_flight.release(&tests);
                }
                Handling::Done
            }
            MllpEvent::Junk { offset, len } => {
                lab.problem(&format!(
                    "{len} bytes outside any MLLP block at stream offset {offset}, ignored"
                ));
                Handling::Done
            }
            MllpEvent::TooLong {
                offset,
                max_len,
                head,
            } => {
                let lab = lab.clone();
                let fallback = MllpVerdict::default();
                Handling::blocking(
                    move || lab.process_hl7_too_long(offset, max_len, &head),
                    fallback,
                )
            }
            MllpEvent::TimedOut => {
                lab.problem("MLLP block left unfinished by the analyzer, given up");
                Handling::Done
            }
        }
    }
}
