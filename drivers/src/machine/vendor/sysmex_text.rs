//! Sysmex class A text ([`SysmexTextMachine`]): each `<STX> text <ETX>` asks for a verdict, and
//! the ACK (or NAK) is written only when it arrives, after core stored the text (a text past the
//! link's maximum: NAK, once its first bytes are journaled). The analyzer
//! sends its next text after the ACK (corpus: one `<ACK> sent` per text). Class A output carries
//! no orders from the LIS: nothing is downloaded on this link.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lis_vendor::stx_frame::{Piece, StxFrameDecoder, ACK, ENQ, NAK};

use super::{framed, too_long, VendorEvent, VendorVerdict};
use crate::download::Outgoing;
use crate::link::LinkMachine;

/// A text left unfinished this long is given up: 30 s, as the E1381 receive timer
/// [LIS1-A §6.5.2.4] (the Sysmex specification sets none for class A output).
pub const RECEIVE_TIMEOUT: Duration = Duration::from_secs(30);

/// Sysmex class A text, one per connection.
#[derive(Debug)]
pub struct SysmexTextMachine {
    decoder: StxFrameDecoder,
    last_input: Option<Instant>,
    events: VecDeque<VendorEvent>,
    transmit: VecDeque<Bytes>,
    /// For each text handed out and not yet judged: whether it is one past the maximum (NAKed
    /// whatever the verdict).
    awaiting: VecDeque<bool>,
    /// Messages queued for the analyzer: class A output takes none; kept to hand back.
    unsent: Vec<Outgoing<Vec<u8>>>,
}

impl SysmexTextMachine {
    /// A machine accepting texts of up to `max_message_len` bytes.
    pub fn new(max_message_len: usize) -> Self {
        Self {
            decoder: StxFrameDecoder::new(max_message_len.max(64)),
            last_input: None,
            events: VecDeque::new(),
            transmit: VecDeque::new(),
            awaiting: VecDeque::new(),
            unsent: Vec::new(),
        }
    }

    fn on_piece(&mut self, piece: Piece) {
        match piece {
            Piece::Block { body, .. } => {
                self.awaiting.push_back(false);
                self.events
                    .push_back(VendorEvent::Message { raw: framed(&body) });
            }
            Piece::Control { byte: ENQ, .. } => self.transmit.push_back(Bytes::from_static(&[ACK])),
            Piece::Control { .. } => {}
            Piece::Junk { offset, bytes } => {
                if !bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                    self.events.push_back(VendorEvent::Stray { offset, bytes });
                }
            }
            Piece::TooLong { limit, head, .. } => {
                // NAKed once journaled (the verdict).
                self.awaiting.push_back(true);
                self.events.push_back(VendorEvent::Unreadable {
                    raw: head,
                    error: too_long(limit),
                    checksum: false,
                });
            }
        }
    }
}

impl LinkMachine for SysmexTextMachine {
    type Event = VendorEvent;
    type Verdict = VendorVerdict;
    type Outbound = Outgoing<Vec<u8>>;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.last_input = Some(now);
        self.decoder.push(bytes);
        while let Some(piece) = self.decoder.next_piece() {
            self.on_piece(piece);
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|t| t <= now) {
            self.events.push_back(VendorEvent::Timeout);
            self.decoder.finish();
            while let Some(piece) = self.decoder.next_piece() {
                self.on_piece(piece);
            }
        }
    }

    fn handle_verdict(&mut self, _now: Instant, verdict: VendorVerdict) {
        let too_long = self.awaiting.pop_front().unwrap_or(false);
        if verdict.accept && !too_long {
            self.transmit.push_back(Bytes::from_static(&[ACK]));
        } else {
            self.transmit.push_back(Bytes::from_static(&[NAK]));
            self.events.push_back(VendorEvent::NakSent);
        }
    }

    fn queue_outbound(&mut self, _now: Instant, message: Outgoing<Vec<u8>>) {
        self.unsent.push(message);
    }

    fn take_unsent(&mut self) -> Vec<Outgoing<Vec<u8>>> {
        std::mem::take(&mut self.unsent)
    }

    fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmit.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.decoder.in_block() {
            self.last_input.map(|t| t + RECEIVE_TIMEOUT)
        } else {
            None
        }
    }

    fn poll_event(&mut self) -> Option<VendorEvent> {
        self.events.pop_front()
    }
}
