//! The receiving side of the link: answering ENQ, checking and acknowledging frames, reassembling
//! messages and holding the reply until the driver has stored them [LIS1-A §6.2.5, §6.3, §6.5.1.1].

use std::mem;
use std::time::Instant;

use super::state::{AwaitingStorage, Receiving, State};
use super::timer::Timer;
use super::{
    DiagnosticKind, Direction, Link, LinkEvent, ReceivedMessage, RECEIVER_REPLY_BOUND,
    RECEIVE_TIMEOUT,
};
use crate::assemble::{AssembledMessage, RecordAssembler};
use crate::frame::{FrameFormat, FrameKind, ReceivedFrame, ACK, EOT, NAK};

impl Link {
    /// Answer the other side's ENQ: NAK when busy, else ACK and enter the receiving transfer.
    pub(super) fn answer_enq(&mut self, now: Instant) -> State {
        if self.busy {
            self.counters.naks_sent += 1;
            self.transmit.push_back(vec![NAK]);
            return State::Neutral;
        }
        self.transmit.push_back(vec![ACK]);
        self.timers.set(Timer::Receive, now + RECEIVE_TIMEOUT);
        self.assembler = RecordAssembler::new();
        self.frame_offsets.clear();
        self.events
            .push_back(LinkEvent::TransferStarted(Direction::Incoming));
        State::Receiving(Receiving::default())
    }

    pub(super) fn receive_frame(
        &mut self,
        now: Instant,
        receiving: Receiving,
        received: ReceivedFrame,
    ) -> State {
        let number = received.frame.number;
        if !received.is_valid() {
            self.counters.checksum_errors += 1;
            let detail = format!("frame {number} checksum {:?}; NAK", received.checksum);
            self.diagnostic(
                DiagnosticKind::ChecksumMismatch,
                detail,
                Some(received.offset),
            );
            self.reply(now, NAK);
            return State::Receiving(receiving);
        }
        if self.config.frame_format == FrameFormat::Bare {
            // No number to check a sequence or a retransmission by.
            return self.accept_frame(now, receiving, received);
        }
        let repeated = receiving.last_accepted == Some(number);
        if repeated && received.frame.text == receiving.last_text {
            self.counters.duplicates += 1;
            let detail = format!("frame {number} repeated; ACKed again, not delivered twice");
            self.diagnostic(
                DiagnosticKind::DuplicateFrame,
                detail,
                Some(received.offset),
            );
            self.reply_positive(now);
            return State::Receiving(receiving);
        }
        let expected = match receiving.last_accepted {
            Some(last) => Some((last + 1) % 8),
            None if self.config.strict_first_frame_number => Some(1),
            None => None,
        };
        if repeated {
            // The same number with different text is no retransmission: a device fault. Accepting it
            // as new keeps the data (treating it as a duplicate would drop it silently).
            self.counters.sequence_errors += 1;
            let detail = format!(
                "frame number {number} reused with different text; accepted as a new frame"
            );
            self.diagnostic(
                DiagnosticKind::FrameNumberMismatch,
                detail,
                Some(received.offset),
            );
        } else if expected.is_some_and(|e| e != number) {
            self.counters.sequence_errors += 1;
            let detail = format!(
                "frame number {number}, expected {}; NAK",
                expected.unwrap_or(1)
            );
            self.diagnostic(
                DiagnosticKind::FrameNumberMismatch,
                detail,
                Some(received.offset),
            );
            self.reply(now, NAK);
            return State::Receiving(receiving);
        }
        self.accept_frame(now, receiving, received)
    }

    /// Takes a checked frame's text into the message being assembled; ACKs it, or holds the reply
    /// while the messages it finished are stored.
    fn accept_frame(
        &mut self,
        now: Instant,
        receiving: Receiving,
        received: ReceivedFrame,
    ) -> State {
        let number = received.frame.number;
        self.counters.frames_in += 1;
        let mark = self.assembler.mark();
        self.frame_offsets
            .push_back((self.assembler.offset(), received.offset));
        self.assembler.push(&received.frame.text);
        if received.frame.kind == FrameKind::Last {
            self.assembler.close_record();
        }
        let finished: Vec<AssembledMessage> =
            std::iter::from_fn(|| self.assembler.next_message()).collect();
        let limit = self.config.max_message_len;
        if self.assembler.pending_len() > limit || finished.iter().any(|m| m.text.len() > limit) {
            return self.message_too_long(now, received.offset, finished);
        }
        if finished.is_empty() {
            self.reply_positive(now);
            return State::Receiving(Receiving {
                last_accepted: Some(number),
                last_text: received.frame.text,
            });
        }
        // The frame finished messages: hold the reply until the driver has stored them.
        // The open text at the mark is a prefix of everything assembled since (the finished messages
        // in order, then what is still open); keep it to restore on rejection.
        let mut restore = Vec::with_capacity(mark.msg_len());
        let assembled = finished
            .iter()
            .map(|m| m.text.as_slice())
            .chain([self.assembler.pending_text()]);
        for text in assembled {
            let need = mark.msg_len() - restore.len();
            restore.extend_from_slice(&text[..need.min(text.len())]);
        }
        let pending = finished.len();
        for message in finished {
            self.deliver(message, true);
        }
        self.timers
            .set(Timer::ReplyBound, now + RECEIVER_REPLY_BOUND);
        State::AwaitingStorage(AwaitingStorage {
            before: receiving,
            number,
            text: received.frame.text,
            pending,
            late: false,
            mark,
            restore,
        })
    }

    pub(super) fn deliver(&mut self, message: AssembledMessage, reply_pending: bool) {
        self.counters.messages_in += 1;
        let first_frame_offset = self.frame_offset_of(message.offset);
        self.events
            .push_back(LinkEvent::MessageReceived(ReceivedMessage {
                complete: message.is_complete(),
                records: message.records,
                text: message.text,
                first_frame_offset,
                reply_pending,
            }));
    }

    /// STX offset of the frame holding assembler text offset `text_offset`.
    pub(super) fn frame_offset_of(&self, text_offset: u64) -> u64 {
        self.frame_offsets
            .iter()
            .rev()
            .find(|&&(text, _)| text <= text_offset)
            .or_else(|| self.frame_offsets.front())
            .map_or(0, |&(_, stx)| stx)
    }

    /// After messages were delivered and accepted, only the last frame can hold the next message's start.
    pub(super) fn keep_last_frame_offset(&mut self) {
        while self.frame_offsets.len() > 1 {
            self.frame_offsets.pop_front();
        }
    }

    /// EOT received: deliver what is left (already acknowledged) and return to neutral [LIS1-A §6.4].
    pub(super) fn end_incoming_transfer(&mut self) {
        self.timers.stop(Timer::Receive);
        for message in self.assembler.finish() {
            self.deliver(message, false);
        }
        self.frame_offsets.clear();
        self.events
            .push_back(LinkEvent::TransferEnded(Direction::Incoming));
        self.clear_hold_offs_after_incoming();
    }

    /// The other side has sent and returned the line to neutral: contention and interrupt hold-offs
    /// end [LIS1-A §6.2.7.1, §6.3.5.3].
    pub(super) fn clear_hold_offs_after_incoming(&mut self) {
        self.timers.stop(Timer::ComputerContention);
        self.timers.stop(Timer::InstrumentContention);
        self.timers.stop(Timer::InterruptHoldOff);
        self.interrupt_wanted = false;
    }

    /// Receive timeout: the incomplete message is discarded [LIS1-A §6.5.2.4], but reported with its text.
    pub(super) fn discard_incomplete(&mut self) {
        for message in self.assembler.finish() {
            let first_frame_offset = self.frame_offset_of(message.offset);
            self.events
                .push_back(LinkEvent::IncompleteMessageDiscarded {
                    text: message.text,
                    first_frame_offset,
                });
        }
        self.frame_offsets.clear();
        self.interrupt_wanted = false;
    }

    /// A message grew past the limit with the frame at `offset`: NAK the frame, hand out what
    /// arrived (the messages too long as [`LinkEvent::MessageTooLong`], any other as at EOT), and
    /// go neutral, so that the rest of the sender's frames are ignored until it gives up (EOT) or
    /// bids again. `finished`: the messages the frame ended.
    fn message_too_long(
        &mut self,
        now: Instant,
        offset: u64,
        finished: Vec<AssembledMessage>,
    ) -> State {
        let limit = self.config.max_message_len;
        let detail = format!(
            "message longer than {limit} bytes: frame NAKed, message given up, line neutral"
        );
        self.diagnostic(DiagnosticKind::MessageTooLong, detail, Some(offset));
        self.reply(now, NAK);
        self.timers.stop(Timer::Receive);
        let open = self.assembler.finish();
        for message in finished.into_iter().chain(open) {
            if message.text.len() > limit {
                let first_frame_offset = self.frame_offset_of(message.offset);
                self.events.push_back(LinkEvent::MessageTooLong {
                    text: message.text,
                    first_frame_offset,
                    limit,
                });
            } else {
                self.deliver(message, false);
            }
        }
        self.assembler = RecordAssembler::new();
        self.frame_offsets.clear();
        self.interrupt_wanted = false;
        self.events
            .push_back(LinkEvent::TransferEnded(Direction::Incoming));
        State::Neutral
    }

    /// The transfer ended while delivered messages waited for storage. They stand (the driver may still
    /// store them); the sender will repeat the unacknowledged message in full, so anything after it in
    /// the assembler is dropped rather than delivered twice.
    pub(super) fn abandon_delivery(&mut self) {
        self.timers.stop(Timer::ReplyBound);
        self.timers.stop(Timer::Receive);
        let detail =
            "transfer ended before the received message was acknowledged; it may arrive again"
                .to_owned();
        self.diagnostic(DiagnosticKind::UnansweredDelivery, detail, None);
        self.assembler = RecordAssembler::new();
        self.frame_offsets.clear();
        self.held.clear();
        self.held_bytes = 0;
        self.interrupt_wanted = false;
    }

    /// ACK, or EOT when we want the line (receiver interrupt) [LIS1-A §6.3.4.4].
    pub(super) fn reply_positive(&mut self, now: Instant) {
        if self.interrupt_wanted {
            self.counters.interrupts_sent += 1;
            self.reply(now, EOT);
        } else {
            self.reply(now, ACK);
        }
    }

    /// A reply to a frame; the receive timer restarts [LIS1-A §6.5.2.4].
    pub(super) fn reply(&mut self, now: Instant, byte: u8) {
        if byte == NAK {
            self.counters.naks_sent += 1;
        }
        self.transmit.push_back(vec![byte]);
        self.timers.set(Timer::Receive, now + RECEIVE_TIMEOUT);
    }

    /// Handles input held while a reply waited for the driver, in order, until the link waits again.
    pub(super) fn replay_held(&mut self, now: Instant) {
        let mut held = mem::take(&mut self.held);
        while let Some(token) = held.pop_front() {
            if matches!(self.state, State::AwaitingStorage(_)) {
                self.held.push_back(token);
                self.held.extend(held.drain(..));
                self.held_bytes = self.held.iter().map(super::held_len).sum();
                return;
            }
            self.held_bytes = self.held_bytes.saturating_sub(super::held_len(&token));
            self.on_token(now, token);
        }
    }
}
