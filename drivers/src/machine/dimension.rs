//! The Siemens Dimension link ([`DimensionMachine`]), the LIS as host.
//!
//! Every message from the analyzer asks for a verdict; the verdict's ACK (or NAK) is written
//! only when it arrives, that is after core stored the message, and then the verdict's answer
//! (`N`, `D` or `M`, see [`lis_vendor::dimension`]) is written and held until the analyzer ACKs it.
//! A NAKed or unanswered answer is written again, [`MAX_ATTEMPTS`] times in all. A message
//! whose checksum is wrong is NAKed at once and not handed on: the analyzer sends it again.
//!
//! Downloads: an order queued for the analyzer (`queue_outbound`) is the answer to its next
//! poll, in place of `N`. A sample request (`D`, a download or a query answer) stays with the
//! machine until the analyzer's request acceptance (`M`) says `A` (its tests are then sent) or
//! `R` (they stay pending); whatever has no acceptance when the connection ends is handed back
//! by `take_unsent`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lis_core::model::OrderedTestId;
use lis_vendor::dimension::{self, ACK, ENQ, NAK};
use lis_vendor::stx_frame::{Piece, StxFrameDecoder};

use crate::download::Outgoing;
use crate::link::{Counter, LinkEvent, LinkMachine};

/// How long the LIS waits for the analyzer's ACK to an answer before writing it again: 15 s,
/// the E1381 sender's timer [LIS1-A §6.5.2.2]; the corpus Dimension answers within a second.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(15);

/// Times an answer is written before it is given up: 6, as E1381 [LIS1-A §6.5.1.2].
pub const MAX_ATTEMPTS: u32 = 6;

/// A message left unfinished this long is given up: 30 s, as the E1381 receive timer
/// [LIS1-A §6.5.2.4].
pub const RECEIVE_TIMEOUT: Duration = Duration::from_secs(30);

/// What the Dimension machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DimensionEvent {
    /// A message with a right checksum (the bytes between STX and ETX). Always answer with a
    /// verdict.
    Message {
        /// The message text.
        body: Vec<u8>,
    },
    /// A message with a wrong checksum (or none), NAKed; the analyzer sends it again.
    BadFrame {
        /// Why.
        error: String,
    },
    /// A message past the link's maximum, NAKed; its first bytes are here, to journal.
    TooLong {
        /// The limit.
        limit: usize,
        /// Its first `limit` bytes.
        head: Vec<u8>,
    },
    /// Bytes outside any message, or a message cut short.
    Junk {
        /// Stream offset.
        offset: u64,
        /// How many bytes.
        len: usize,
    },
    /// The analyzer accepted a sample request (`M` with `A`): its tests are sent.
    Sent {
        /// The ordered tests it carried.
        tests: Vec<OrderedTestId>,
    },
    /// The analyzer rejected a sample request (`M` with `R`) or never took it: its tests stay
    /// pending.
    Refused {
        /// Why, for the link state.
        reason: String,
        /// The ordered tests it carried.
        tests: Vec<OrderedTestId>,
    },
    /// The analyzer NAKed an answer from the LIS.
    NakReceived,
    /// The LIS NAKed a message.
    NakSent,
    /// A timer expired (an answer without ACK, a message left unfinished).
    Timeout,
}

impl LinkEvent for DimensionEvent {
    fn counter(&self) -> Option<Counter> {
        match self {
            Self::Message { .. } => Some(Counter::MessageIn),
            Self::Sent { .. } => Some(Counter::MessageOut),
            Self::BadFrame { .. } => Some(Counter::ChecksumError),
            Self::NakReceived => Some(Counter::NakReceived),
            Self::NakSent => Some(Counter::NakSent),
            Self::Timeout => Some(Counter::Timeout),
            _ => None,
        }
    }
}

/// The verdict on a message from the Dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimensionVerdict {
    /// Stored: ACK, then the answer. False: NAK (the analyzer sends the message again).
    pub accept: bool,
    /// The answer to write after the ACK (a whole `<STX>…<ETX>` message), with the ordered
    /// tests a sample request carries.
    pub reply: Option<Outgoing<Vec<u8>>>,
}

impl DimensionVerdict {
    /// Stored; answer with `reply`.
    pub fn accept(reply: Option<Outgoing<Vec<u8>>>) -> Self {
        Self {
            accept: true,
            reply,
        }
    }

    /// Not stored: NAK.
    pub fn reject() -> Self {
        Self {
            accept: false,
            reply: None,
        }
    }
}

/// An answer for the analyzer, and whether it is a download (queued for the next poll, sent
/// again on the next connection) rather than the answer to one message.
#[derive(Debug)]
struct Answer {
    message: Outgoing<Vec<u8>>,
    download: bool,
}

/// An answer on its way.
#[derive(Debug)]
struct Sending {
    answer: Answer,
    attempts: u32,
    deadline: Instant,
}

/// The Dimension link, one per connection; see the [module documentation](self).
#[derive(Debug)]
pub struct DimensionMachine {
    decoder: StxFrameDecoder,
    last_input: Option<Instant>,
    events: VecDeque<DimensionEvent>,
    transmit: VecDeque<Bytes>,
    /// The type letter of each message handed out and not yet judged.
    awaiting: VecDeque<u8>,
    /// Answers waiting for the line.
    answers: VecDeque<Answer>,
    sending: Option<Sending>,
    /// A sample request the analyzer ACKed, waiting for its acceptance.
    accepting: Option<Answer>,
    /// Downloads for the next poll.
    downloads: VecDeque<Outgoing<Vec<u8>>>,
}

impl DimensionMachine {
    /// A machine accepting messages of up to `max_message_len` bytes.
    pub fn new(max_message_len: usize) -> Self {
        Self {
            decoder: StxFrameDecoder::new(max_message_len.max(64)),
            last_input: None,
            events: VecDeque::new(),
            transmit: VecDeque::new(),
            awaiting: VecDeque::new(),
            answers: VecDeque::new(),
            sending: None,
            accepting: None,
            downloads: VecDeque::new(),
        }
    }

    fn on_piece(&mut self, now: Instant, piece: Piece) {
        match piece {
            Piece::Block { body, .. } => match dimension::decode_frame(&body) {
                Ok(frame) => {
                    if frame.kind == 'M' {
                        self.on_acceptance(frame.field(1) == "A", frame.field(2));
                    }
                    self.awaiting.push_back(frame.kind as u8);
                    self.events.push_back(DimensionEvent::Message { body });
                }
                Err(error) => {
                    self.nak();
                    self.events.push_back(DimensionEvent::BadFrame {
                        error: error.to_string(),
                    });
                }
            },
            Piece::Control { byte: ENQ, .. } => self.transmit.push_back(Bytes::from_static(&[ACK])),
            Piece::Control { byte: ACK, .. } => self.on_answer_acked(),
            Piece::Control { byte: NAK, .. } => {
                self.events.push_back(DimensionEvent::NakReceived);
                self.retry(now);
            }
            Piece::Control { .. } => {}
            Piece::Junk { offset, bytes } => {
                // A lone CR or LF between messages is harmless.
                if !bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                    self.events.push_back(DimensionEvent::Junk {
                        offset,
                        len: bytes.len(),
                    });
                }
            }
            Piece::TooLong { limit, head, .. } => {
                self.nak();
                self.events
                    .push_back(DimensionEvent::TooLong { limit, head });
            }
        }
    }

    fn nak(&mut self) {
        self.transmit.push_back(Bytes::from_static(&[NAK]));
        self.events.push_back(DimensionEvent::NakSent);
    }

    /// The analyzer's request acceptance settles the sample request it ACKed.
    fn on_acceptance(&mut self, accepted: bool, reason: &str) {
        let Some(request) = self.accepting.take() else {
            return;
        };
        let tests = request.message.tests;
        self.events.push_back(if accepted {
            DimensionEvent::Sent { tests }
        } else {
            DimensionEvent::Refused {
                reason: format!("the analyzer rejected the sample request (code `{reason}`)"),
                tests,
            }
        });
    }

    fn on_answer_acked(&mut self) {
        let Some(sent) = self.sending.take() else {
            return;
        };
        if !sent.answer.message.tests.is_empty() {
            if let Some(old) = self.accepting.replace(sent.answer) {
                self.events.push_back(DimensionEvent::Refused {
                    reason:
                        "the analyzer took a new sample request without accepting the one before"
                            .to_owned(),
                    tests: old.message.tests,
                });
            }
        }
    }

    fn retry(&mut self, now: Instant) {
        let Some(mut sent) = self.sending.take() else {
            return;
        };
        if sent.attempts >= MAX_ATTEMPTS {
            if !sent.answer.message.tests.is_empty() {
                self.events.push_back(DimensionEvent::Refused {
                    reason: format!(
                        "the analyzer did not take the sample request after {MAX_ATTEMPTS} attempts"
                    ),
                    tests: sent.answer.message.tests,
                });
            }
            return;
        }
        sent.attempts += 1;
        sent.deadline = now + REPLY_TIMEOUT;
        self.transmit
            .push_back(Bytes::from(sent.answer.message.message.clone()));
        self.sending = Some(sent);
    }

    /// Writes the next answer when none is on its way.
    fn send_next(&mut self, now: Instant) {
        if self.sending.is_some() {
            return;
        }
        if let Some(answer) = self.answers.pop_front() {
            self.transmit
                .push_back(Bytes::from(answer.message.message.clone()));
            self.sending = Some(Sending {
                answer,
                attempts: 1,
                deadline: now + REPLY_TIMEOUT,
            });
        }
    }
}

impl LinkMachine for DimensionMachine {
    type Event = DimensionEvent;
    type Verdict = DimensionVerdict;
    type Outbound = Outgoing<Vec<u8>>;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.last_input = Some(now);
        self.decoder.push(bytes);
        while let Some(piece) = self.decoder.next_piece() {
            self.on_piece(now, piece);
        }
        self.send_next(now);
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.sending.as_ref().is_some_and(|s| s.deadline <= now) {
            self.events.push_back(DimensionEvent::Timeout);
            self.retry(now);
        }
        if self.decoder.in_block() && self.last_input.is_some_and(|t| t + RECEIVE_TIMEOUT <= now) {
            self.events.push_back(DimensionEvent::Timeout);
            self.decoder.finish();
            while let Some(piece) = self.decoder.next_piece() {
                self.on_piece(now, piece);
            }
        }
        self.send_next(now);
    }

    fn handle_verdict(&mut self, now: Instant, verdict: DimensionVerdict) {
        let kind = self.awaiting.pop_front();
        if !verdict.accept {
            self.nak();
            return;
        }
        self.transmit.push_back(Bytes::from_static(&[ACK]));
        let reply = match (kind, self.downloads.pop_front()) {
            // A poll is answered with a queued download rather than "no request".
            (Some(b'P'), Some(message)) => Some(Answer {
                message,
                download: true,
            }),
            (_, download) => {
                if let Some(d) = download {
                    self.downloads.push_front(d);
                }
                verdict.reply.map(|message| Answer {
                    message,
                    download: false,
                })
            }
        };
        if let Some(reply) = reply {
            self.answers.push_back(reply);
        }
        self.send_next(now);
    }

    fn queue_outbound(&mut self, _now: Instant, message: Outgoing<Vec<u8>>) {
        self.downloads.push_back(message);
    }

    fn take_unsent(&mut self) -> Vec<Outgoing<Vec<u8>>> {
        let mut answers: Vec<Answer> = Vec::new();
        answers.extend(self.accepting.take());
        answers.extend(self.sending.take().map(|s| s.answer));
        answers.extend(self.answers.drain(..));
        // Only downloads are sent again; a query answer or "no request" would come unasked.
        answers
            .into_iter()
            .filter(|a| a.download)
            .map(|a| a.message)
            .chain(self.downloads.drain(..))
            .collect()
    }

    fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmit.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let reply = self.sending.as_ref().map(|s| s.deadline);
        let receive = self
            .decoder
            .in_block()
            .then(|| self.last_input.map(|t| t + RECEIVE_TIMEOUT))
            .flatten();
        reply.into_iter().chain(receive).min()
    }

    fn poll_event(&mut self) -> Option<DimensionEvent> {
        self.events.pop_front()
    }
}
