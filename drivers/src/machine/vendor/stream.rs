//! [`StreamMachine`]: the link of an analyzer whose `lis-vendor` decoder reads the stream itself
//! (ADVIA 2120 blocks, mini VIDAS messages, Spotchem and urine strip printouts), with the
//! link-level answers that
//! analyzer expects:
//!
//! | framing | a good message | a bad one | other |
//! |---|---|---|---|
//! | ADVIA 2120 (`advia`) | its message toggle character, once stored | NAK (0x15): sent again | a token transfer (`S`) is answered at once with its toggle and the LIS's own `S` (the LIS has nothing to send), and an `I` block with its toggle; both are link control, traced, not journaled |
//! | mini VIDAS (`vidas`) | ACK (0x06), once stored | NAK: sent again | ENQ is answered ACK at once; EOT ends the session |
//! | Spotchem EL (`spotchem`), urine strip reader (`urine-strip`) | nothing: a printer port | nothing | |
//!
//! Every message is handed to the handler ([`VendorEvent::Message`]) and answered only once its
//! verdict comes, in the order received; bytes that make no message are handed over as
//! [`VendorEvent::Unreadable`] (journaled raw with the reason), which asks for a verdict too: its
//! NAK is written once they are journaled. Bytes outside any message are
//! [`VendorEvent::Stray`]. A message left unfinished for [`RECEIVE_TIMEOUT`] is given up as
//! unreadable.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lis_vendor::scan::Found;
use lis_vendor::{advia, spotchem, urine_strip, vidas};

use super::{VendorEvent, VendorVerdict};
use crate::download::Outgoing;
use crate::link::LinkMachine;
use crate::profile::Framing;

/// Quiet time after which an unfinished message is given up (as E1381's receive timer,
/// LIS1-A §6.5.2.4).
pub const RECEIVE_TIMEOUT: Duration = Duration::from_secs(30);

/// How many times the LIS's own ADVIA token transfer is sent when the analyzer answers NAK.
const TOKEN_ATTEMPTS: u32 = 3;

/// A checked message, as the machine answers it.
#[derive(Debug)]
enum Got {
    /// An ADVIA block: a result or query block, a token transfer or an `I` block.
    Advia(advia::Block),
    /// A VIDAS message or a printout, and its acknowledgement (none on a printer port).
    Checked { raw: Vec<u8>, ack: Option<u8> },
}

/// Why bytes make no message: what and where, and whether a checksum or BCC failed.
#[derive(Debug)]
struct Reason {
    error: String,
    checksum: bool,
}

/// A decoder's find in the machine's terms: `what` names the framing's message in the reason.
fn common<M, E: std::fmt::Display>(
    found: Found<M, E>,
    what: &str,
    got: impl FnOnce(M) -> Got,
    checksum: impl FnOnce(&E) -> bool,
) -> Found<Got, Reason> {
    match found {
        Found::Message(m) => Found::Message(got(m)),
        Found::Control(byte) => Found::Control(byte),
        Found::Bad { offset, raw, error } => Found::Bad {
            offset,
            raw,
            error: Reason {
                checksum: checksum(&error),
                error: format!("{what} at stream offset {offset}: {error}"),
            },
        },
        Found::Stray { offset, bytes } => Found::Stray { offset, bytes },
    }
}

/// The decoder of one framing.
#[derive(Debug)]
enum Decoder {
    Advia(advia::BlockDecoder),
    Vidas(vidas::PacketDecoder),
    /// A printer port's printouts (the Spotchem's; the urine strip reader's, cut the same
    /// way), with what one is called in a problem.
    Printout(spotchem::PrintoutDecoder, &'static str),
}

/// What the LIS writes, in the order of what it answers.
#[derive(Debug)]
enum Answer {
    /// Bytes ready to write.
    Ready(Vec<u8>),
    /// Waits for the verdict on a message; then the acknowledgement (ACK or the ADVIA toggle)
    /// or NAK. `None`: nothing is written either way (a printer port).
    Verdict(Option<u8>),
    /// Waits for the verdict on unreadable bytes (journaled); then NAK whatever it says.
    Nak,
}

/// A stream-decoded vendor link, one per connection (see the module table).
#[derive(Debug)]
pub struct StreamMachine {
    decoder: Decoder,
    answers: VecDeque<Answer>,
    transmit: VecDeque<Bytes>,
    events: VecDeque<VendorEvent>,
    last_input: Option<Instant>,
    /// ADVIA: the toggle of the LIS's next block.
    own_toggle: u8,
    /// ADVIA: the LIS's token transfer waiting for the analyzer's echo, and attempts made.
    token: Option<(Vec<u8>, u32)>,
    /// Downloads queued by mistake, handed back by `take_unsent`.
    unsent: Vec<Outgoing<Vec<u8>>>,
}

impl StreamMachine {
    /// The machine for `framing`; `None` for a framing whose decoder is not a stream one.
    pub fn for_framing(framing: Framing) -> Option<Self> {
        let decoder = match framing {
            Framing::Advia => Decoder::Advia(advia::BlockDecoder::new()),
            Framing::Vidas => Decoder::Vidas(vidas::PacketDecoder::new()),
            Framing::Spotchem => {
                Decoder::Printout(spotchem::PrintoutDecoder::new(), "Spotchem printout")
            }
            Framing::UrineStrip => {
                Decoder::Printout(urine_strip::PrintoutDecoder::new(), "urine strip printout")
            }
            Framing::E1381
            | Framing::Raw
            | Framing::Mllp
            | Framing::Dimension
            | Framing::SysmexText => return None,
        };
        Some(Self {
            decoder,
            answers: VecDeque::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            last_input: None,
            own_toggle: advia::FIRST_TOGGLE,
            token: None,
            unsent: Vec::new(),
        })
    }

    fn pending_len(&self) -> usize {
        match &self.decoder {
            Decoder::Advia(d) => d.pending_len(),
            Decoder::Vidas(d) => d.pending_len(),
            Decoder::Printout(d, _) => d.pending_len(),
        }
    }

    fn message(&mut self, raw: Vec<u8>, ack: Option<u8>) {
        self.answers.push_back(Answer::Verdict(ack));
        self.events.push_back(VendorEvent::Message { raw });
    }

    fn unreadable(&mut self, raw: Vec<u8>, error: String, checksum: bool, nak: bool) {
        self.answers.push_back(if nak {
            Answer::Nak
        } else {
            Answer::Verdict(None)
        });
        self.events.push_back(VendorEvent::Unreadable {
            raw,
            error,
            checksum,
        });
    }

    fn stray(&mut self, offset: u64, bytes: &[u8]) {
        self.events.push_back(VendorEvent::Stray {
            offset,
            bytes: bytes.to_vec(),
        });
    }

    /// Moves what the decoder found into events and answers.
    fn pump(&mut self) {
        while let Some(found) = self.next_found() {
            self.on_found(found);
        }
        self.flush_answers();
    }

    /// The decoder's next find, in one shape whatever the framing.
    fn next_found(&mut self) -> Option<Found<Got, Reason>> {
        Some(match &mut self.decoder {
            Decoder::Advia(d) => common(d.next_event()?, "ADVIA block", Got::Advia, |e| {
                matches!(e, advia::BlockError::Checksum { .. })
            }),
            Decoder::Vidas(d) => common(
                d.next_event()?,
                "mini VIDAS message",
                |p| Got::Checked {
                    raw: p.raw().to_vec(),
                    ack: Some(vidas::ACK),
                },
                |e| matches!(e, vidas::PacketError::Checksum { .. }),
            ),
            Decoder::Printout(d, what) => common(
                d.next_event()?,
                what,
                |raw| Got::Checked { raw, ack: None },
                |_| false,
            ),
        })
    }

    fn on_found(&mut self, found: Found<Got, Reason>) {
        // A printer port is never answered, not even with NAK.
        let nak = !matches!(self.decoder, Decoder::Printout(..));
        match found {
            Found::Message(Got::Advia(block)) => self.advia_block(&block),
            Found::Message(Got::Checked { raw, ack }) => self.message(raw, ack),
            // Only the mini VIDAS hands out controls: ENQ opens a session (ACK at once), EOT
            // ends it (no answer).
            Found::Control(vidas::ENQ) => self.answers.push_back(Answer::Ready(vec![vidas::ACK])),
            Found::Control(_) => {}
            Found::Bad {
                raw,
                error: Reason { error, checksum },
                ..
            } => self.unreadable(raw, error, checksum, nak),
            Found::Stray { offset, bytes } if matches!(self.decoder, Decoder::Advia(_)) => {
                self.advia_stray(offset, &bytes)
            }
            Found::Stray { offset, bytes } => self.stray(offset, &bytes),
        }
    }

    fn advia_block(&mut self, block: &advia::Block) {
        match block.id_code() {
            // Token transfer: the analyzer hands the line over; the LIS has nothing to send and
            // hands it back.
            b'S' => {
                let mut answer = vec![block.toggle()];
                let token = advia::token_transfer(self.own_toggle);
                answer.extend_from_slice(&token);
                self.token = Some((token, 1));
                self.own_toggle = advia::next_toggle(self.own_toggle);
                self.answers.push_back(Answer::Ready(answer));
            }
            b'I' => self.answers.push_back(Answer::Ready(vec![block.toggle()])),
            _ => self.message(block.raw().to_vec(), Some(block.toggle())),
        }
    }

    /// Bytes outside any ADVIA block: first, the analyzer's answer to the LIS's token transfer
    /// (its toggle, or NAK).
    fn advia_stray(&mut self, offset: u64, bytes: &[u8]) {
        let mut rest = bytes;
        if let Some((token, attempts)) = self.token.take() {
            match rest.split_first() {
                Some((&b, tail)) if token.get(1) == Some(&b) => rest = tail,
                Some((&advia::NAK, tail)) => {
                    rest = tail;
                    self.events.push_back(VendorEvent::NakReceived);
                    if attempts < TOKEN_ATTEMPTS {
                        self.answers.push_back(Answer::Ready(token.clone()));
                        self.token = Some((token, attempts + 1));
                    }
                }
                _ => self.token = Some((token, attempts)),
            }
        }
        if !rest.is_empty() {
            let skipped = (bytes.len() - rest.len()) as u64;
            self.stray(offset + skipped, rest);
        }
    }

    /// Hands the answers that no longer wait for a verdict to the transmit queue, in order.
    fn flush_answers(&mut self) {
        while let Some(Answer::Ready(_)) = self.answers.front() {
            if let Some(Answer::Ready(bytes)) = self.answers.pop_front() {
                self.transmit.push_back(Bytes::from(bytes));
            }
        }
    }

    fn give_up(&mut self) {
        match &mut self.decoder {
            Decoder::Advia(d) => d.finish(),
            Decoder::Vidas(d) => d.finish(),
            Decoder::Printout(d, _) => d.finish(),
        }
    }
}

impl LinkMachine for StreamMachine {
    type Event = VendorEvent;
    type Verdict = VendorVerdict;
    type Outbound = Outgoing<Vec<u8>>;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.last_input = Some(now);
        match &mut self.decoder {
            Decoder::Advia(d) => d.push(bytes),
            Decoder::Vidas(d) => d.push(bytes),
            Decoder::Printout(d, _) => d.push(bytes),
        }
        self.pump();
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|t| t <= now) {
            self.events.push_back(VendorEvent::Timeout);
            self.give_up();
            self.pump();
        }
    }

    fn handle_verdict(&mut self, _now: Instant, verdict: VendorVerdict) {
        let Some(index) = self
            .answers
            .iter()
            .position(|a| matches!(a, Answer::Verdict(_) | Answer::Nak))
        else {
            return;
        };
        // What the verdict's message is answered with, or `None` for nothing (a printer port).
        let answer = match self.answers.get(index) {
            Some(Answer::Verdict(Some(ack))) if verdict.accept => Some(*ack),
            Some(Answer::Verdict(Some(_)) | Answer::Nak) => Some(advia::NAK),
            _ => None,
        };
        if answer == Some(advia::NAK) {
            self.events.push_back(VendorEvent::NakSent);
        }
        let bytes: Vec<u8> = answer.into_iter().collect();
        if bytes.is_empty() {
            self.answers.remove(index);
        } else if let Some(slot) = self.answers.get_mut(index) {
            *slot = Answer::Ready(bytes);
        }
        self.flush_answers();
    }

    fn queue_outbound(&mut self, _now: Instant, message: Outgoing<Vec<u8>>) {
        // These analyzers take no downloads (the profile cannot enable them); keep it so that
        // `take_unsent` hands it back rather than losing it.
        tracing::warn!("a download was queued on a vendor text link, which cannot send it");
        self.unsent.push(message);
    }

    fn take_unsent(&mut self) -> Vec<Outgoing<Vec<u8>>> {
        std::mem::take(&mut self.unsent)
    }

    fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmit.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.pending_len() == 0 {
            None
        } else {
            self.last_input.map(|t| t + RECEIVE_TIMEOUT)
        }
    }

    fn poll_event(&mut self) -> Option<VendorEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests;
