//! HL7 over MLLP ([`MllpMachine`]): each message block asks for a verdict carrying the HL7 ACK (and
//! any query answer) to write back; the ACK is written only when the verdict arrives, that is after
//! core stored the message.
//!
//! A download from the LIS (an OML^O33) stays with the machine until the analyzer's ACK names its
//! control id (MSA-2 = its MSH-10): `AA`/`CA` is accepted, `AE`/`AR` refused; either way it is
//! then done. Whatever has no such ACK when the connection ends is handed back by `take_unsent`
//! and sent again on the next connection.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use lis_core::model::OrderedTestId;
use lis_hl7::mllp::{self, MllpDecoder, MllpError, MllpEvent as Decoded};

use crate::download::Outgoing;
use crate::link::{Counter, LinkEvent, LinkMachine};

/// A block left unfinished this long is given up (reported as junk): 30 s, the E1381 receive
/// timeout [LIS1-A §6.5.2.4]; MLLP itself sets none (HL7 v2.5.1 Appendix C.4.3).
pub const BLOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// What the MLLP machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MllpEvent {
    /// A message block arrived. Always answer with a verdict.
    Message {
        /// The HL7 message bytes (between `<VT>` and `<FS>`).
        payload: Bytes,
    },
    /// The analyzer acknowledged a message from the LIS (an ACK, MSA-1 the code).
    Acknowledged {
        /// MSA-1 (`AA`, `AE`, `AR`, `CA`...).
        code: String,
        /// MSA-2: the control id of the message it answers.
        control_id: String,
        /// The ordered tests of the download it answers (none when it answers no download):
        /// sent when `code` accepts (`AA`, `CA`), still to send when it refuses.
        tests: Vec<OrderedTestId>,
    },
    /// Bytes outside any block (before `<VT>`, or a block cut short), ignored.
    Junk {
        /// Stream offset.
        offset: u64,
        /// How many bytes.
        len: usize,
    },
    /// A block grew past the maximum; its first `max_len` bytes are here, the rest is dropped
    /// until the next `<VT>`. Always answer with a verdict (the AE).
    TooLong {
        /// Stream offset of its `<VT>`.
        offset: u64,
        /// The maximum.
        max_len: usize,
        /// Its first `max_len` bytes, to journal.
        head: Bytes,
    },
    /// A block stayed unfinished for [`BLOCK_TIMEOUT`] and was given up.
    TimedOut,
}

impl LinkEvent for MllpEvent {
    fn counter(&self) -> Option<Counter> {
        match self {
            Self::Message { .. } => Some(Counter::MessageIn),
            Self::Acknowledged { code, .. } if code.ends_with('A') => Some(Counter::MessageOut),
            Self::Acknowledged { .. } => Some(Counter::NakReceived),
            Self::TimedOut => Some(Counter::Timeout),
            _ => None,
        }
    }
}

/// The verdict on a received HL7 message: the messages to write back, in order (the ACK, or the
/// query answer). Empty: nothing is written (e.g. for an ACK from the analyzer).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MllpVerdict {
    /// HL7 messages (without MLLP framing).
    pub replies: Vec<Vec<u8>>,
}

/// HL7 v2 over MLLP, one per connection.
#[derive(Debug)]
pub struct MllpMachine {
    decoder: MllpDecoder,
    input: BytesMut,
    last_input: Option<Instant>,
    events: VecDeque<MllpEvent>,
    transmit: VecDeque<Bytes>,
    /// Downloads queued and not yet answered by an ACK, in order, each with its MSH-10.
    unanswered: VecDeque<(String, Outgoing<Vec<u8>>)>,
}

impl MllpMachine {
    /// A machine accepting messages up to `max_message_len` bytes.
    pub fn new(max_message_len: usize) -> Self {
        Self {
            decoder: MllpDecoder::new(max_message_len),
            input: BytesMut::new(),
            last_input: None,
            events: VecDeque::new(),
            transmit: VecDeque::new(),
            unanswered: VecDeque::new(),
        }
    }

    fn on_decoded(&mut self, item: Result<Option<Decoded>, MllpError>) -> bool {
        match item {
            Ok(Some(Decoded::Message { payload, .. })) => {
                let event = match acknowledgement(&payload) {
                    Some((code, control_id)) => {
                        let at = self
                            .unanswered
                            .iter()
                            .position(|(id, _)| !id.is_empty() && *id == control_id);
                        let tests = at
                            .and_then(|at| self.unanswered.remove(at))
                            .map(|(_, download)| download.tests)
                            .unwrap_or_default();
                        MllpEvent::Acknowledged {
                            code,
                            control_id,
                            tests,
                        }
                    }
                    None => MllpEvent::Message { payload },
                };
                self.events.push_back(event);
                true
            }
            Ok(Some(Decoded::Junk { offset, bytes })) => {
                // A lone CR or LF between blocks is common and harmless.
                if !bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                    self.events.push_back(MllpEvent::Junk {
                        offset,
                        len: bytes.len(),
                    });
                }
                true
            }
            Ok(Some(Decoded::Skipped { .. })) => true,
            Ok(None) => false,
            Err(MllpError::MessageTooLong {
                offset,
                max_len,
                head,
            }) => {
                self.events.push_back(MllpEvent::TooLong {
                    offset,
                    max_len,
                    head,
                });
                true
            }
        }
    }
}

/// MSA-1 and MSA-2 when `payload` is an ACK message (MSH-9.1 `ACK`).
fn acknowledgement(payload: &[u8]) -> Option<(String, String)> {
    let (message, _) = lis_hl7::Message::parse(payload).ok()?;
    if message.header().message_type().code != "ACK" {
        return None;
    }
    let msa = message.first("MSA")?;
    Some((
        msa.field(1).as_str().to_owned(),
        msa.field(2).as_str().to_owned(),
    ))
}

/// MSH-10 of a message the LIS sends; empty when it does not parse (then no ACK can name it, and
/// it stays unanswered until the connection ends).
fn control_id(message: &[u8]) -> String {
    lis_hl7::Message::parse(message)
        .map(|(m, _)| m.header().control_id().as_str().to_owned())
        .unwrap_or_default()
}

impl LinkMachine for MllpMachine {
    type Event = MllpEvent;
    type Verdict = MllpVerdict;
    type Outbound = Outgoing<Vec<u8>>;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.last_input = Some(now);
        self.input.extend_from_slice(bytes);
        loop {
            let item = self.decoder.decode(&mut self.input);
            if !self.on_decoded(item) {
                break;
            }
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|t| t <= now) {
            self.events.push_back(MllpEvent::TimedOut);
            loop {
                let item = self.decoder.decode_eof(&mut self.input);
                if !self.on_decoded(item) {
                    break;
                }
            }
            self.input.clear();
        }
    }

    fn handle_verdict(&mut self, _now: Instant, verdict: MllpVerdict) {
        for reply in verdict.replies {
            self.transmit.push_back(Bytes::from(mllp::encode(&reply)));
        }
    }

    fn queue_outbound(&mut self, _now: Instant, message: Outgoing<Vec<u8>>) {
        self.transmit
            .push_back(Bytes::from(mllp::encode(&message.message)));
        self.unanswered
            .push_back((control_id(&message.message), message));
    }

    fn take_unsent(&mut self) -> Vec<Outgoing<Vec<u8>>> {
        std::mem::take(&mut self.unanswered)
            .into_iter()
            .map(|(_, download)| download)
            .collect()
    }

    fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmit.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.input.is_empty() {
            None
        } else {
            self.last_input.map(|t| t + BLOCK_TIMEOUT)
        }
    }

    fn poll_event(&mut self) -> Option<MllpEvent> {
        self.events.pop_front()
    }
}
