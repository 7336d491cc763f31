//! The Siemens Dimension link ([`DimensionMachine`]), the LIS as host.
//!
//! Every message from the analyzer asks for a verdict; the verdict's ACK (or NAK) is written
//! only when it arrives, that is after core stored the message, and then the verdict's answer
//! (`N`, `D` or `M`, see [`lis_vendor::dimension`]) is written and held until the analyzer ACKs it.
//! A NAKed or unanswered answer is written again, [`MAX_ATTEMPTS`] times in all. A message
//! whose checksum is wrong is NAKed at once and not handed on: the analyzer sends it again. A
//! message past the link's maximum is handed on as unreadable (to journal its first bytes) and
//! NAKed when its verdict comes.
//!
//! Downloads: an order queued for the analyzer (`queue_outbound`) is the answer to its next
//! poll, in place of `N`. A sample request (`D`, a download or a query answer) stays with the
//! machine until the analyzer's request acceptance (`M`) says `A` (its tests are then sent) or
//! `R` (they stay pending); whatever has no acceptance when the connection ends is handed back
//! by `take_unsent`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lis_vendor::dimension::{self, ACK, ENQ, NAK};
use lis_vendor::stx_frame::{Piece, StxFrameDecoder};

use super::{framed, too_long, VendorEvent, VendorVerdict};
use crate::download::Outgoing;
use crate::link::LinkMachine;

/// How long the LIS waits for the analyzer's ACK to an answer before writing it again: 15 s,
/// the E1381 sender's timer [LIS1-A §6.5.2.2]; the corpus Dimension answers within a second.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(15);

/// Times an answer is written before it is given up: 6, as E1381 [LIS1-A §6.5.1.2].
pub const MAX_ATTEMPTS: u32 = 6;

/// A message left unfinished this long is given up: 30 s, as the E1381 receive timer
/// [LIS1-A §6.5.2.4].
pub const RECEIVE_TIMEOUT: Duration = Duration::from_secs(30);

/// The mark in `awaiting` of a message past the link's maximum (no message type is 0x00).
const TOO_LONG: u8 = 0x00;

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
    events: VecDeque<VendorEvent>,
    transmit: VecDeque<Bytes>,
    /// The type letter of each message handed out and not yet judged ([`TOO_LONG`] for a
    /// message past the maximum, NAKed whatever the verdict).
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
                    self.events
                        .push_back(VendorEvent::Message { raw: framed(&body) });
                }
                Err(error) => {
                    self.nak();
                    self.events.push_back(VendorEvent::BadFrame {
                        error: error.to_string(),
                    });
                }
            },
            Piece::Control { byte: ENQ, .. } => self.transmit.push_back(Bytes::from_static(&[ACK])),
            Piece::Control { byte: ACK, .. } => self.on_answer_acked(),
            Piece::Control { byte: NAK, .. } => {
                self.events.push_back(VendorEvent::NakReceived);
                self.retry(now);
            }
            Piece::Control { .. } => {}
            Piece::Junk { offset, bytes } => {
                // A lone CR or LF between messages is harmless.
                if !bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                    self.events.push_back(VendorEvent::Stray { offset, bytes });
                }
            }
            Piece::TooLong { limit, head, .. } => {
                // NAKed once journaled (the verdict).
                self.awaiting.push_back(TOO_LONG);
                self.events.push_back(VendorEvent::Unreadable {
                    raw: head,
                    error: too_long(limit),
                    checksum: false,
                });
            }
        }
    }

    fn nak(&mut self) {
        self.transmit.push_back(Bytes::from_static(&[NAK]));
        self.events.push_back(VendorEvent::NakSent);
    }

    /// The analyzer's request acceptance settles the sample request it ACKed.
    fn on_acceptance(&mut self, accepted: bool, reason: &str) {
        let Some(request) = self.accepting.take() else {
            return;
        };
        let tests = request.message.tests;
        self.events.push_back(if accepted {
            VendorEvent::Sent { tests }
        } else {
            VendorEvent::Refused {
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
                self.events.push_back(VendorEvent::Refused {
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
                self.events.push_back(VendorEvent::Refused {
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
    type Event = VendorEvent;
    type Verdict = VendorVerdict;
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
            self.events.push_back(VendorEvent::Timeout);
            self.retry(now);
        }
        if self.decoder.in_block() && self.last_input.is_some_and(|t| t + RECEIVE_TIMEOUT <= now) {
            self.events.push_back(VendorEvent::Timeout);
            self.decoder.finish();
            while let Some(piece) = self.decoder.next_piece() {
                self.on_piece(now, piece);
            }
        }
        self.send_next(now);
    }

    fn handle_verdict(&mut self, now: Instant, verdict: VendorVerdict) {
        let kind = self.awaiting.pop_front();
        if !verdict.accept || kind == Some(TOO_LONG) {
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

    fn poll_event(&mut self) -> Option<VendorEvent> {
        self.events.pop_front()
    }
}
