//! The sending side of the link: bidding, sending frames, retransmission, aborts and termination
//! [LIS1-A §6.2.4, §6.3.4, §6.4, §6.5.1.2, §6.5.2.3].

use std::time::Instant;

use super::state::{Sending, State};
use super::timer::Timer;
use super::{
    AbortReason, Direction, Link, LinkEvent, ENQ_REPLY_TIMEOUT, FRAME_REPLY_TIMEOUT,
    INTERRUPT_HOLD_OFF, MAX_TRANSMISSIONS,
};
use crate::frame::{self, Frame, FrameFormat, FrameKind, ENQ, EOT};

impl Link {
    /// Start sending the message at the front of the queue, its first frame numbered `number`.
    pub(super) fn start_message(
        &mut self,
        now: Instant,
        number: u8,
        interrupt_requested: bool,
    ) -> State {
        let Some(message) = self.outgoing.front() else {
            self.terminate(now, Direction::Outgoing);
            return State::Neutral;
        };
        let frames = match self.config.frame_format {
            FrameFormat::Standard => {
                frame::split_message(&message.text, number, self.config.max_frame_len)
            }
            // The whole message in one frame.
            FrameFormat::Bare => vec![Frame::new(number, message.text.clone(), FrameKind::Last)],
        };
        let mut sending = Sending {
            frames,
            index: 0,
            transmissions: 0,
            interrupt_requested,
        };
        self.transmit_frame(now, &mut sending);
        State::Sending(sending)
    }

    pub(super) fn transmit_frame(&mut self, now: Instant, sending: &mut Sending) {
        if let Some(frame) = sending.frames.get(sending.index) {
            self.transmit
                .push_back(frame.encode_as(self.config.frame_format));
            self.counters.frames_out += 1;
            sending.transmissions += 1;
            self.timers
                .set(Timer::FrameReply, now + FRAME_REPLY_TIMEOUT);
        }
    }

    pub(super) fn frame_accepted(&mut self, now: Instant, mut sending: Sending) -> State {
        self.timers.stop(Timer::FrameReply);
        sending.index += 1;
        sending.transmissions = 0;
        if sending.index < sending.frames.len() {
            self.transmit_frame(now, &mut sending);
            return State::Sending(sending);
        }
        // Last frame accepted: the message is sent.
        if let Some(done) = self.outgoing.pop_front() {
            self.counters.messages_out += 1;
            self.events
                .push_back(LinkEvent::MessageSent { id: done.id });
        }
        if sending.interrupt_requested {
            // Honour the receiver interrupt at the end of the message [LIS1-A §6.3.5].
            self.terminate(now, Direction::Outgoing);
            self.timers
                .set(Timer::InterruptHoldOff, now + INTERRUPT_HOLD_OFF);
            return State::Neutral;
        }
        if self.outgoing.is_empty() {
            self.terminate(now, Direction::Outgoing);
            return State::Neutral;
        }
        self.start_message(now, sending.next_number(), false)
    }

    pub(super) fn frame_rejected(&mut self, now: Instant, mut sending: Sending) -> State {
        self.timers.stop(Timer::FrameReply);
        self.counters.naks_received += 1;
        if sending.transmissions < MAX_TRANSMISSIONS {
            self.counters.retries += 1;
            self.transmit_frame(now, &mut sending);
            return State::Sending(sending);
        }
        self.abort_message(now, AbortReason::RetryLimit);
        State::Neutral
    }

    /// Terminate an aborted attempt; the message stays queued for a full retry [LIS1-A §6.5.2.3].
    pub(super) fn abort_message(&mut self, now: Instant, reason: AbortReason) {
        self.counters.aborted_transfers += 1;
        self.terminate(now, Direction::Outgoing);
        self.timers
            .set(Timer::RetryBackoff, now + self.config.retry_delay);
        let Some(front) = self.outgoing.front_mut() else {
            return;
        };
        front.failed_attempts += 1;
        let (id, attempt) = (front.id, front.failed_attempts);
        self.events.push_back(LinkEvent::SendAttemptFailed {
            id,
            attempt,
            reason,
        });
        if attempt >= self.config.max_send_attempts {
            if let Some(failed) = self.outgoing.pop_front() {
                self.events.push_back(LinkEvent::SendFailed {
                    id,
                    text: failed.text,
                    attempts: attempt,
                });
            }
        }
    }

    /// Send EOT: termination phase, the line is neutral [LIS1-A §6.4].
    pub(super) fn terminate(&mut self, _now: Instant, direction: Direction) {
        self.timers.stop(Timer::EnqReply);
        self.timers.stop(Timer::FrameReply);
        self.transmit.push_back(vec![EOT]);
        self.events.push_back(LinkEvent::TransferEnded(direction));
    }

    /// Bid for the line when neutral, with something to send and no hold-off running [LIS1-A §6.2.4].
    pub(super) fn maybe_bid(&mut self, now: Instant) {
        if !self.state.is_neutral() || self.outgoing.is_empty() {
            return;
        }
        if Timer::HOLD_OFFS.iter().any(|&t| self.timers.is_set(t)) {
            return;
        }
        self.transmit.push_back(vec![ENQ]);
        self.timers.set(Timer::EnqReply, now + ENQ_REPLY_TIMEOUT);
        self.state = State::Establishing;
    }
}
