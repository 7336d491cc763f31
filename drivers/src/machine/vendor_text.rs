//! [`VendorTextMachine`]: the link of an analyzer that speaks a vendor's own text protocol
//! (`lis-vendor`), with the link-level answers that analyzer expects:
//!
//! | framing | a good message | a bad one | other |
//! |---|---|---|---|
//! | ADVIA 2120 (`advia`) | its message toggle character, once stored | NAK (0x15): sent again | a token transfer (`S`) is answered at once with its toggle and the LIS's own `S` (the LIS has nothing to send), and an `I` block with its toggle; both are link control, traced, not journaled |
//! | mini VIDAS (`vidas`) | ACK (0x06), once stored | NAK: sent again | ENQ is answered ACK at once; EOT ends the session |
//! | Spotchem EL (`spotchem`), urine strip reader (`urine-strip`) | nothing: a printer port | nothing | |
//!
//! Every message is handed to the handler ([`VendorTextEvent::Message`]) and answered only once its
//! verdict comes, in the order received; bytes that make no message are handed over as
//! [`VendorTextEvent::Unreadable`] (journaled raw with the reason) and bytes outside any message
//! as [`VendorTextEvent::Stray`]. A message left unfinished for [`RECEIVE_TIMEOUT`] is given up
//! as unreadable.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lis_vendor::{advia, spotchem, vidas};

use crate::download::Outgoing;
use crate::link::{Counter, LinkEvent, LinkMachine};
use crate::profile::Framing;

/// Quiet time after which an unfinished message is given up (as E1381's receive timer,
/// LIS1-A §6.5.2.4).
pub const RECEIVE_TIMEOUT: Duration = Duration::from_secs(30);

/// How many times the LIS's own ADVIA token transfer is sent when the analyzer answers NAK.
const TOKEN_ATTEMPTS: u32 = 3;

/// What a vendor text link reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VendorTextEvent {
    /// A checked message (ADVIA block, VIDAS message, Spotchem printout). Always answer with a
    /// verdict.
    Message {
        /// The bytes as received.
        raw: Vec<u8>,
    },
    /// Bytes that make no message: journal them with the reason. No verdict.
    Unreadable {
        /// The bytes.
        raw: Vec<u8>,
        /// What and where.
        error: String,
        /// A failed checksum or BCC (counted as a checksum error).
        checksum: bool,
    },
    /// Bytes outside any message that mean nothing to the protocol.
    Stray {
        /// Stream offset of the first.
        offset: u64,
        /// How many.
        len: usize,
    },
    /// The LIS sent a NAK.
    NakSent,
    /// The analyzer sent a NAK (to the LIS's token transfer).
    NakReceived,
    /// A message was left unfinished for [`RECEIVE_TIMEOUT`].
    Timeout,
}

impl LinkEvent for VendorTextEvent {
    fn counter(&self) -> Option<Counter> {
        match self {
            Self::Message { .. } => Some(Counter::MessageIn),
            Self::Unreadable { checksum: true, .. } => Some(Counter::ChecksumError),
            Self::NakSent => Some(Counter::NakSent),
            Self::NakReceived => Some(Counter::NakReceived),
            Self::Timeout => Some(Counter::Timeout),
            _ => None,
        }
    }
}

/// The verdict on a received message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VendorTextVerdict {
    /// Stored (or kept raw): acknowledge. False: NAK, the analyzer sends it again.
    pub accept: bool,
}

/// The decoder of one framing.
#[derive(Debug)]
enum Decoder {
    Advia(advia::BlockDecoder),
    Vidas(vidas::PacketDecoder),
    Spotchem(spotchem::PrintoutDecoder),
}

/// What the LIS writes, in the order of what it answers.
#[derive(Debug)]
enum Answer {
    /// Bytes ready to write.
    Ready(Vec<u8>),
    /// Waits for the verdict on a message; then the acknowledgement (ACK or the ADVIA toggle)
    /// or NAK. `None`: nothing is written either way (Spotchem).
    Verdict(Option<u8>),
}

/// A vendor text link, one per connection (see the module table).
#[derive(Debug)]
pub struct VendorTextMachine {
    decoder: Decoder,
    answers: VecDeque<Answer>,
    transmit: VecDeque<Bytes>,
    events: VecDeque<VendorTextEvent>,
    last_input: Option<Instant>,
    /// ADVIA: the toggle of the LIS's next block.
    own_toggle: u8,
    /// ADVIA: the LIS's token transfer waiting for the analyzer's echo, and attempts made.
    token: Option<(Vec<u8>, u32)>,
    /// Downloads queued by mistake, handed back by `take_unsent`.
    unsent: Vec<Outgoing<String>>,
}

impl VendorTextMachine {
    /// The machine for `framing`; `None` for a framing that is not a vendor text one.
    pub fn for_framing(framing: Framing) -> Option<Self> {
        let decoder = match framing {
            Framing::Advia => Decoder::Advia(advia::BlockDecoder::new()),
            Framing::Vidas => Decoder::Vidas(vidas::PacketDecoder::new()),
            // The urine strip reader's printout is framed as the Spotchem's.
            Framing::Spotchem | Framing::UrineStrip => {
                Decoder::Spotchem(spotchem::PrintoutDecoder::new())
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
            Decoder::Spotchem(d) => d.pending_len(),
        }
    }

    fn message(&mut self, raw: Vec<u8>, ack: Option<u8>) {
        self.answers.push_back(Answer::Verdict(ack));
        self.events.push_back(VendorTextEvent::Message { raw });
    }

    fn unreadable(&mut self, raw: Vec<u8>, error: String, checksum: bool, nak: bool) {
        if nak {
            self.answers.push_back(Answer::Ready(vec![advia::NAK]));
            self.events.push_back(VendorTextEvent::NakSent);
        }
        self.events.push_back(VendorTextEvent::Unreadable {
            raw,
            error,
            checksum,
        });
    }

    fn stray(&mut self, offset: u64, bytes: &[u8]) {
        self.events.push_back(VendorTextEvent::Stray {
            offset,
            len: bytes.len(),
        });
    }

    /// Moves what the decoder found into events and answers.
    fn pump(&mut self) {
        loop {
            match &mut self.decoder {
                Decoder::Advia(d) => {
                    let Some(event) = d.next_event() else { break };
                    self.advia(event);
                }
                Decoder::Vidas(d) => {
                    let Some(event) = d.next_event() else { break };
                    match event {
                        vidas::PacketEvent::Enq => {
                            self.answers.push_back(Answer::Ready(vec![vidas::ACK]))
                        }
                        vidas::PacketEvent::Eot => {}
                        vidas::PacketEvent::Packet(p) => {
                            self.message(p.raw().to_vec(), Some(vidas::ACK))
                        }
                        vidas::PacketEvent::Bad { offset, raw, error } => {
                            let checksum = matches!(error, vidas::PacketError::Checksum { .. });
                            let error =
                                format!("mini VIDAS message at stream offset {offset}: {error}");
                            self.unreadable(raw, error, checksum, true);
                        }
                        vidas::PacketEvent::Stray { offset, bytes } => self.stray(offset, &bytes),
                    }
                }
                Decoder::Spotchem(d) => {
                    let Some(event) = d.next_event() else { break };
                    match event {
                        spotchem::PrintoutEvent::Printout(raw) => self.message(raw, None),
                        spotchem::PrintoutEvent::Bad { offset, raw, error } => {
                            let error = format!("printout at stream offset {offset}: {error}");
                            self.unreadable(raw, error, false, false);
                        }
                        spotchem::PrintoutEvent::Stray { offset, bytes } => {
                            self.stray(offset, &bytes)
                        }
                    }
                }
            }
        }
        self.flush_answers();
    }

    fn advia(&mut self, event: advia::BlockEvent) {
        match event {
            advia::BlockEvent::Block(block) => match block.id_code() {
                // Token transfer: the analyzer hands the line over; the LIS has nothing to send
                // and hands it back.
                b'S' => {
                    let mut answer = vec![block.toggle()];
                    let token = advia::token_transfer(self.own_toggle);
                    answer.extend_from_slice(&token);
                    self.token = Some((token, 1));
                    self.own_toggle = advia::next_toggle(self.own_toggle);
                    self.answers.push_back(Answer::Ready(answer));
                }
                b'I' => self.answers.push_back(Answer::Ready(vec![block.toggle()])),
                _ => {
                    let toggle = block.toggle();
                    self.message(block.raw().to_vec(), Some(toggle));
                }
            },
            advia::BlockEvent::Bad { offset, raw, error } => {
                let checksum = matches!(error, advia::BlockError::Checksum { .. });
                let error = format!("ADVIA block at stream offset {offset}: {error}");
                self.unreadable(raw, error, checksum, true);
            }
            advia::BlockEvent::Stray { offset, bytes } => {
                // The analyzer's answer to the LIS's token transfer: its toggle, or NAK.
                let mut rest = bytes.as_slice();
                if let Some((token, attempts)) = self.token.take() {
                    match rest.split_first() {
                        Some((&b, tail)) if token.get(1) == Some(&b) => rest = tail,
                        Some((&advia::NAK, tail)) => {
                            rest = tail;
                            self.events.push_back(VendorTextEvent::NakReceived);
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
            Decoder::Spotchem(d) => d.finish(),
        }
    }
}

impl LinkMachine for VendorTextMachine {
    type Event = VendorTextEvent;
    type Verdict = VendorTextVerdict;
    type Outbound = Outgoing<String>;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.last_input = Some(now);
        match &mut self.decoder {
            Decoder::Advia(d) => d.push(bytes),
            Decoder::Vidas(d) => d.push(bytes),
            Decoder::Spotchem(d) => d.push(bytes),
        }
        self.pump();
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|t| t <= now) {
            self.events.push_back(VendorTextEvent::Timeout);
            self.give_up();
            self.pump();
        }
    }

    fn handle_verdict(&mut self, _now: Instant, verdict: VendorTextVerdict) {
        let Some(index) = self
            .answers
            .iter()
            .position(|a| matches!(a, Answer::Verdict(_)))
        else {
            return;
        };
        let ack = match self.answers.get(index) {
            Some(Answer::Verdict(ack)) => *ack,
            _ => None,
        };
        let bytes = match ack {
            Some(ack) if verdict.accept => vec![ack],
            Some(_) => {
                self.events.push_back(VendorTextEvent::NakSent);
                vec![advia::NAK]
            }
            None => Vec::new(),
        };
        if bytes.is_empty() {
            self.answers.remove(index);
        } else if let Some(slot) = self.answers.get_mut(index) {
            *slot = Answer::Ready(bytes);
        }
        self.flush_answers();
    }

    fn queue_outbound(&mut self, _now: Instant, message: Outgoing<String>) {
        // These analyzers take no downloads (the profile cannot enable them); keep it so that
        // `take_unsent` hands it back rather than losing it.
        tracing::warn!("a download was queued on a vendor text link, which cannot send it");
        self.unsent.push(message);
    }

    fn take_unsent(&mut self) -> Vec<Outgoing<String>> {
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

    fn poll_event(&mut self) -> Option<VendorTextEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests;
