//! The E1381 / CLSI LIS1-A low-level link as a sans-IO state machine, for both roles.
//!
//! [`Link`] takes bytes and an injected `now` in, and hands out bytes to write, events and the next
//! deadline. It implements establishment (ENQ, busy NAK, contention), transfer (frames, ACK/NAK,
//! retransmission, duplicate detection, receiver interrupt) and termination (EOT), with the timers of
//! [LIS1-A §6.5.2] (see the constants re-exported here).
//!
//! **Durable acknowledgement.** A frame that finishes a message is not acknowledged until the driver
//! has stored the message: the link emits [`LinkEvent::MessageReceived`] with `reply_pending: true`
//! and waits for [`Link::accept_message`] (ACK) or [`Link::reject_message`] (NAK, the sender repeats
//! the frame and the message is delivered again). Frames that finish no message are ACKed at once.
//! Delivery is therefore *at least once*: a message whose ACK is lost, or whose storage took longer
//! than the sender's 15 s reply timer, is sent again in full by the instrument and delivered again.
//!
//! **Bounds.** A received message longer than [`LinkConfig::max_message_len`] is given up (its last
//! frame NAKed, its text handed out as [`LinkEvent::MessageTooLong`], the line neutral), so a sender
//! that streams intermediate frames without end cannot grow memory or keep the transfer alive.

mod event;
mod receive;
mod send;
mod state;
mod timer;

use std::collections::VecDeque;
use std::mem;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use thiserror::Error;

pub use self::event::{
    AbortReason, DiagnosticKind, Direction, LinkCounters, LinkDiagnostic, LinkEvent, LinkState,
    MessageId, ReceivedMessage, TimeoutKind,
};
use self::state::{Receiving, State};
use self::timer::{Timer, TimerTable};
pub use self::timer::{
    BUSY_BACKOFF, COMPUTER_CONTENTION_TIMER, ENQ_REPLY_TIMEOUT, FRAME_REPLY_TIMEOUT,
    INSTRUMENT_CONTENTION_BACKOFF, INTERRUPT_HOLD_OFF, MAX_TRANSMISSIONS, RECEIVER_REPLY_BOUND,
    RECEIVE_TIMEOUT,
};
use crate::assemble::RecordAssembler;
use crate::frame::{
    self, Control, Decoded, FrameDecoder, FrameError, FrameFormat, DEFAULT_MAX_FRAME_LEN,
    MAX_FRAME_LEN, NAK,
};

/// Which end of the link this is. It matters only in contention, where the instrument has priority
/// [LIS1-A §6.2.7.1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The computer system (the LIS).
    Computer,
    /// The instrument (our analyzer simulator).
    Instrument,
}

/// Link settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    /// Longest frame we send, the 7 overhead characters included. Default 247 (E1381-95), which every
    /// receiver accepts; LIS1-A allows up to 64,000 [LIS1-A §6.3.1]. Clamped to 8..=64,000.
    pub max_frame_len: usize,
    /// Longest frame we accept. Default and maximum 64,000 [LIS1-A §6.3.1, §8.3.1].
    pub max_receive_frame_len: usize,
    /// Full attempts at sending one message before it is given up with [`LinkEvent::SendFailed`].
    pub max_send_attempts: u32,
    /// Wait before a new ENQ after an aborted transfer or an unanswered ENQ. Not a standard timer: it
    /// keeps a dead line from being flooded with bids.
    pub retry_delay: Duration,
    /// When true (the standard), the first frame of a transfer must be numbered 1
    /// [LIS1-A §6.3.2.1]; when false any number is accepted for the first frame.
    pub strict_first_frame_number: bool,
    /// How frames look on the line, both ways. With [`FrameFormat::Bare`] (no frame number, no
    /// checksum) a message is sent as one frame, and received frames are neither numbered nor
    /// checked, so none is NAKed or told apart as a retransmission.
    pub frame_format: FrameFormat,
    /// Longest received message (its record text) the link assembles. A frame that takes the open
    /// message past it is NAKed, the message so far is handed out as
    /// [`LinkEvent::MessageTooLong`] and the line returns to neutral: a sender streaming
    /// intermediate frames without end cannot make the link hold more than this plus one frame.
    /// LIS1-A sets no limit; default [`DEFAULT_MAX_MESSAGE_LEN`]. At least 64.
    pub max_message_len: usize,
}

/// Default longest received message: 16 MiB, room for result messages carrying histogram images.
pub const DEFAULT_MAX_MESSAGE_LEN: usize = 16 << 20;

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_receive_frame_len: MAX_FRAME_LEN,
            max_send_attempts: 3,
            retry_delay: BUSY_BACKOFF,
            strict_first_frame_number: true,
            frame_format: FrameFormat::Standard,
            max_message_len: DEFAULT_MAX_MESSAGE_LEN,
        }
    }
}

/// A message [`Link::send`] refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SendError {
    /// The message is empty.
    #[error("message is empty")]
    Empty,
    /// The text holds a character frames may not carry [LIS1-A §6.6.2].
    #[error("byte 0x{byte:02X} at offset {offset} may not appear in frame text (LIS1-A 6.6.2)")]
    RestrictedByte {
        /// Offset in the message.
        offset: usize,
        /// The byte.
        byte: u8,
    },
}

#[derive(Debug)]
struct Outgoing {
    id: MessageId,
    text: Vec<u8>,
    failed_attempts: u32,
}

/// The E1381 link state machine for one connection, sans IO.
///
/// The driver feeds it with [`Link::handle_input`] (bytes read), [`Link::handle_timeout`] (when the
/// deadline from [`Link::poll_timeout`] has passed), [`Link::send`], [`Link::accept_message`] and
/// [`Link::reject_message`]. **After each of those calls, drain in this order:**
/// 1. [`Link::poll_transmit`] until `None`, writing every buffer to the port in order;
/// 2. [`Link::poll_event`] until `None` (store received messages, then call `accept_message`);
/// 3. [`Link::poll_timeout`], and wake up at that instant to call [`Link::handle_timeout`].
///
/// Time is only what the caller passes as `now`; the link never reads a clock. A timer started by a
/// call counts from that call's `now` (for a frame we send, the reply timer of [LIS1-A §6.5.2.3] runs
/// from when the frame was handed out, so write transmit buffers at once; on slow serial lines keep
/// `max_frame_len` small).
///
/// **Storage and the 15 s reply bound.** A message-finishing frame is answered only after
/// `accept_message`. Store quickly: the sender waits 15 s for the reply [LIS1-A §6.5.2.3, §6.5.2.5].
/// If storage is slower, the link reports [`DiagnosticKind::ReplyBoundExceeded`], the sender times
/// out and sends EOT (reported as [`DiagnosticKind::UnansweredDelivery`]), and later sends the whole
/// message again, which is delivered again. Delivery is at least once, never lost: store messages
/// idempotently (for example keyed by a hash of the text).
#[derive(Debug)]
pub struct Link {
    role: Role,
    config: LinkConfig,
    state: State,
    decoder: FrameDecoder,
    input: BytesMut,
    assembler: RecordAssembler,
    /// (assembler text offset, STX offset) of the frames fed into the open message.
    frame_offsets: VecDeque<(u64, u64)>,
    timers: TimerTable,
    outgoing: VecDeque<Outgoing>,
    next_id: u64,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<LinkEvent>,
    counters: LinkCounters,
    busy: bool,
    interrupt_wanted: bool,
    /// Input that arrived while a reply waited for the driver (see `replay_held`).
    held: VecDeque<Result<Decoded, FrameError>>,
    /// Bytes of the input in `held`, as it was on the line.
    held_bytes: usize,
}

impl Link {
    /// A link in the neutral state.
    pub fn new(role: Role, config: LinkConfig) -> Self {
        let config = LinkConfig {
            max_frame_len: config
                .max_frame_len
                .clamp(frame::MIN_FRAME_LEN, MAX_FRAME_LEN),
            max_receive_frame_len: config
                .max_receive_frame_len
                .clamp(frame::MIN_FRAME_LEN, MAX_FRAME_LEN),
            max_send_attempts: config.max_send_attempts.max(1),
            max_message_len: config.max_message_len.max(64),
            ..config
        };
        Self {
            role,
            decoder: FrameDecoder::with_format(config.max_receive_frame_len, config.frame_format),
            config,
            state: State::Neutral,
            input: BytesMut::new(),
            assembler: RecordAssembler::new(),
            frame_offsets: VecDeque::new(),
            timers: TimerTable::default(),
            outgoing: VecDeque::new(),
            next_id: 0,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            counters: LinkCounters::default(),
            busy: false,
            interrupt_wanted: false,
            held: VecDeque::new(),
            held_bytes: 0,
        }
    }

    /// This link's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The settings in force (clamped as [`Link::new`] clamps them).
    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    /// A summary of the current state.
    pub fn state(&self) -> LinkState {
        match self.state {
            State::Neutral => LinkState::Neutral,
            State::Establishing => LinkState::Establishing,
            State::Sending(_) => LinkState::Sending,
            State::Receiving(_) => LinkState::Receiving,
            State::AwaitingStorage(_) => LinkState::AwaitingStorage,
        }
    }

    /// Running totals.
    pub fn counters(&self) -> LinkCounters {
        self.counters
    }

    /// Bytes of input held, unanswered, while a reply waits for the driver (frames from a sender
    /// that does not wait for replies). The link holds whatever it is given; the driver bounds it
    /// by not reading while this is above its limit, so that flow control pushes back on the sender.
    pub fn held_len(&self) -> usize {
        self.held_bytes
    }

    /// Messages queued and not yet fully sent (the one being sent included).
    pub fn queued_messages(&self) -> usize {
        self.outgoing.len()
    }

    /// Bytes to write to the port, oldest first.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<LinkEvent> {
        self.events.pop_front()
    }

    /// When [`Link::handle_timeout`] must be called next, if a timer runs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next_deadline()
    }

    /// Queues one E1394 message (full H..L text, records ended by CR) to send. The link bids (ENQ) when
    /// the line is neutral; several queued messages may go in one transfer.
    pub fn send(&mut self, now: Instant, message: Vec<u8>) -> Result<MessageId, SendError> {
        if message.is_empty() {
            return Err(SendError::Empty);
        }
        if let Some(offset) = message
            .iter()
            .position(|&b| frame::is_restricted_text_byte(b))
        {
            return Err(SendError::RestrictedByte {
                offset,
                byte: message[offset],
            });
        }
        let id = MessageId(self.next_id);
        self.next_id += 1;
        self.outgoing.push_back(Outgoing {
            id,
            text: message,
            failed_attempts: 0,
        });
        self.maybe_bid(now);
        Ok(id)
    }

    /// When true, the other side's ENQ is answered NAK (busy) [LIS1-A §6.2.6].
    pub fn set_busy(&mut self, busy: bool) {
        self.busy = busy;
    }

    /// Ask the sender to stop at the end of its current message so that we can send: our positive
    /// replies become EOT instead of ACK until the transfer ends [LIS1-A §6.3.4.4, §6.3.5]. The sender
    /// is free to ignore it.
    pub fn request_interrupt(&mut self) {
        self.interrupt_wanted = true;
    }

    /// The messages delivered with `reply_pending` are stored: acknowledge. When one frame delivered
    /// several messages, call this once per message; the ACK goes out after the last one.
    ///
    /// Answer within [`RECEIVER_REPLY_BOUND`] (15 s from the frame, [LIS1-A §6.5.2.5]). Later than
    /// that, no ACK is sent (the sender has timed out and a stray ACK could be mistaken for the answer
    /// to its next ENQ or frame); the instrument repeats the whole message in a new transfer and it is
    /// delivered again. Returns false when no reply was pending any more (the sender already ended the
    /// transfer): keep the message anyway, and expect it again.
    pub fn accept_message(&mut self, now: Instant) -> bool {
        let State::AwaitingStorage(waiting) = &mut self.state else {
            return false;
        };
        waiting.pending = waiting.pending.saturating_sub(1);
        if waiting.pending > 0 {
            return true;
        }
        let receiving = Receiving {
            last_accepted: Some(waiting.number),
            last_text: mem::take(&mut waiting.text),
        };
        let late = waiting.late;
        self.timers.stop(Timer::ReplyBound);
        self.keep_last_frame_offset();
        if !late {
            self.reply_positive(now);
        }
        self.state = State::Receiving(receiving);
        self.replay_held(now);
        self.maybe_bid(now);
        true
    }

    /// Storing a delivered message failed: NAK its last frame. The sender repeats the frame and the
    /// message is delivered again. Returns false when no reply was pending.
    pub fn reject_message(&mut self, now: Instant) -> bool {
        let State::AwaitingStorage(waiting) = mem::replace(&mut self.state, State::Neutral) else {
            return false;
        };
        let restore = (waiting.mark.msg_len() > 0).then_some(waiting.restore.as_slice());
        self.assembler.rollback(waiting.mark, restore);
        let mark_offset = waiting.mark.offset();
        while self
            .frame_offsets
            .back()
            .is_some_and(|&(text, _)| text >= mark_offset)
        {
            self.frame_offsets.pop_back();
        }
        self.timers.stop(Timer::ReplyBound);
        self.diagnostic(
            DiagnosticKind::MessageRejected,
            "message not stored; frame NAKed".to_owned(),
            None,
        );
        self.reply(now, NAK);
        self.state = State::Receiving(waiting.before);
        self.replay_held(now);
        self.maybe_bid(now);
        true
    }

    /// Bytes read from the port.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.input.extend_from_slice(bytes);
        loop {
            match self.decoder.decode(&mut self.input) {
                Ok(Some(token)) => self.on_token(now, Ok(token)),
                Ok(None) => break,
                Err(e) => self.on_token(now, Err(e)),
            }
        }
        // A long frame on a slow line (64,000 characters take 67 s at 9600 baud) keeps the receive
        // timer alive while its bytes arrive; a leniency beyond LIS1-A §6.5.2.4.
        if !bytes.is_empty() && self.decoder.in_frame() && matches!(self.state, State::Receiving(_))
        {
            self.timers.set(Timer::Receive, now + RECEIVE_TIMEOUT);
        }
        self.maybe_bid(now);
    }

    /// Call when the deadline from [`Link::poll_timeout`] has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(timer) = self.timers.pop_expired(now) {
            self.on_timer(now, timer);
        }
        self.maybe_bid(now);
    }

    fn on_timer(&mut self, now: Instant, timer: Timer) {
        let state = mem::replace(&mut self.state, State::Neutral);
        self.state = match (timer, state) {
            (Timer::EnqReply, State::Establishing) => {
                self.timeout(TimeoutKind::EnqReply);
                self.terminate(now, Direction::Outgoing);
                self.timers
                    .set(Timer::RetryBackoff, now + self.config.retry_delay);
                State::Neutral
            }
            (Timer::FrameReply, State::Sending(_)) => {
                self.timeout(TimeoutKind::FrameReply);
                self.abort_message(now, AbortReason::ReplyTimeout);
                State::Neutral
            }
            (Timer::Receive, State::Receiving(_)) => {
                self.timeout(TimeoutKind::Receive);
                self.discard_incomplete();
                self.events
                    .push_back(LinkEvent::TransferEnded(Direction::Incoming));
                State::Neutral
            }
            (Timer::Receive, State::AwaitingStorage(_)) => {
                self.timeout(TimeoutKind::Receive);
                self.abandon_delivery();
                self.events
                    .push_back(LinkEvent::TransferEnded(Direction::Incoming));
                State::Neutral
            }
            (Timer::ReplyBound, State::AwaitingStorage(mut waiting)) => {
                let detail = format!(
                    "received message not stored within {} s; the sender has probably timed out, \
                     no late ACK will be sent",
                    RECEIVER_REPLY_BOUND.as_secs()
                );
                self.diagnostic(DiagnosticKind::ReplyBoundExceeded, detail, None);
                waiting.late = true;
                State::AwaitingStorage(waiting)
            }
            // Hold-off timers only gate bidding; a state timer that expires in another state is stale.
            (_, state) => state,
        };
    }

    /// The one dispatch of decoded input by state [LIS1-A Annex A1].
    fn on_token(&mut self, now: Instant, token: Result<Decoded, FrameError>) {
        let in_state = self.state();
        let state = mem::replace(&mut self.state, State::Neutral);
        self.state = match (state, token) {
            // Neutral: only ENQ matters [LIS1-A §6.2].
            (
                State::Neutral,
                Ok(Decoded::Control {
                    control: Control::Enq,
                    ..
                }),
            ) => self.answer_enq(now),
            (State::Neutral, other) => {
                self.ignore(&other, in_state);
                State::Neutral
            }

            // Establishing: ACK, NAK or ENQ; everything else is ignored [LIS1-A §6.2.4].
            (
                State::Establishing,
                Ok(Decoded::Control {
                    control: Control::Ack,
                    ..
                }),
            ) => {
                self.timers.stop(Timer::EnqReply);
                self.events
                    .push_back(LinkEvent::TransferStarted(Direction::Outgoing));
                self.start_message(now, 1, false)
            }
            (
                State::Establishing,
                Ok(Decoded::Control {
                    control: Control::Nak,
                    offset,
                }),
            ) => {
                self.timers.stop(Timer::EnqReply);
                self.counters.naks_received += 1;
                self.timers.set(Timer::Busy, now + BUSY_BACKOFF);
                self.diagnostic(
                    DiagnosticKind::Busy,
                    "ENQ answered NAK; next bid in 10 s".to_owned(),
                    Some(offset),
                );
                State::Neutral
            }
            (
                State::Establishing,
                Ok(Decoded::Control {
                    control: Control::Enq,
                    offset,
                }),
            ) => {
                self.timers.stop(Timer::EnqReply);
                self.counters.contentions += 1;
                let detail = match self.role {
                    Role::Computer => {
                        self.timers
                            .set(Timer::ComputerContention, now + COMPUTER_CONTENTION_TIMER);
                        "both sides sent ENQ; the instrument has priority, waiting up to 20 s for its ENQ"
                    }
                    Role::Instrument => {
                        self.timers.set(
                            Timer::InstrumentContention,
                            now + INSTRUMENT_CONTENTION_BACKOFF,
                        );
                        "both sides sent ENQ; the instrument re-sends ENQ after 1 s"
                    }
                };
                self.diagnostic(DiagnosticKind::Contention, detail.to_owned(), Some(offset));
                State::Neutral
            }
            (State::Establishing, other) => {
                self.ignore(&other, in_state);
                State::Establishing
            }

            // Sending: ACK accepts, EOT accepts and asks us to stop, anything else is a NAK
            // [LIS1-A §6.3.4, §6.5.1.2].
            (
                State::Sending(sending),
                Ok(Decoded::Control {
                    control: Control::Ack,
                    ..
                }),
            ) => self.frame_accepted(now, sending),
            (
                State::Sending(mut sending),
                Ok(Decoded::Control {
                    control: Control::Eot,
                    offset,
                }),
            ) => {
                self.counters.interrupts_received += 1;
                sending.interrupt_requested = true;
                let detail = "frame answered EOT: receiver interrupt, stopping after this message"
                    .to_owned();
                self.diagnostic(DiagnosticKind::InterruptRequested, detail, Some(offset));
                self.frame_accepted(now, sending)
            }
            (State::Sending(sending), other) => {
                if let Ok(Decoded::Outside { bytes, .. }) = &other {
                    self.counters.bytes_ignored += bytes.len() as u64;
                }
                self.frame_rejected(now, sending)
            }

            // Receiving [LIS1-A §6.3, §6.4, §6.5.1.1].
            (State::Receiving(receiving), Ok(Decoded::Frame(frame))) => {
                self.receive_frame(now, receiving, frame)
            }
            (
                State::Receiving(_),
                Ok(Decoded::Control {
                    control: Control::Eot,
                    ..
                }),
            ) => {
                self.end_incoming_transfer();
                State::Neutral
            }
            (
                State::Receiving(_),
                Ok(Decoded::Control {
                    control: Control::Enq,
                    ..
                }),
            ) => {
                // A new bid without EOT: the previous transfer is over.
                self.end_incoming_transfer();
                self.answer_enq(now)
            }
            (State::Receiving(receiving), Err(error)) => {
                self.counters.bytes_ignored += unreadable_len(&error);
                self.diagnostic(
                    DiagnosticKind::UnreadableFrame,
                    error.to_string(),
                    Some(error_offset(&error)),
                );
                if !matches!(error, FrameError::Unterminated { .. }) {
                    self.reply(now, NAK);
                }
                State::Receiving(receiving)
            }
            (State::Receiving(receiving), other) => {
                self.ignore(&other, in_state);
                State::Receiving(receiving)
            }

            // Waiting for the driver. A sender that gave up sends EOT (or bids again) with nothing
            // in between: the delivery is abandoned. Frames from a sender that does not wait for
            // replies are held, with the EOT/ENQ after them, and handled once the driver answers.
            (State::AwaitingStorage(_), Ok(Decoded::Control { control, .. }))
                if matches!(control, Control::Eot | Control::Enq) && self.held.is_empty() =>
            {
                self.abandon_delivery();
                self.events
                    .push_back(LinkEvent::TransferEnded(Direction::Incoming));
                if control == Control::Enq {
                    self.answer_enq(now)
                } else {
                    self.clear_hold_offs_after_incoming();
                    State::Neutral
                }
            }
            (
                state @ State::AwaitingStorage(_),
                token @ Ok(Decoded::Frame(_) | Decoded::Control { .. }),
            ) if !matches!(
                token,
                Ok(Decoded::Control {
                    control: Control::Ack | Control::Nak,
                    ..
                })
            ) =>
            {
                self.held_bytes += held_len(&token);
                self.held.push_back(token);
                state
            }
            (state @ State::AwaitingStorage(_), other) => {
                self.ignore(&other, in_state);
                state
            }
        };
    }

    fn timeout(&mut self, kind: TimeoutKind) {
        self.counters.timeouts += 1;
        self.events.push_back(LinkEvent::Timeout(kind));
    }

    fn diagnostic(&mut self, kind: DiagnosticKind, detail: String, offset: Option<u64>) {
        self.events.push_back(LinkEvent::Diagnostic(LinkDiagnostic {
            kind,
            detail,
            offset,
        }));
    }

    /// Count and report input that means nothing in the current state.
    fn ignore(&mut self, token: &Result<Decoded, FrameError>, in_state: LinkState) {
        match token {
            Ok(Decoded::Outside { offset, bytes }) => {
                self.counters.bytes_ignored += bytes.len() as u64;
                let detail = format!("{} byte(s) outside frames ignored", bytes.len());
                self.diagnostic(DiagnosticKind::BytesOutsideFrames, detail, Some(*offset));
            }
            Ok(Decoded::Control { control, offset }) => {
                self.counters.bytes_ignored += 1;
                let detail = format!("{control:?} ignored in state {in_state:?}");
                self.diagnostic(DiagnosticKind::Unexpected, detail, Some(*offset));
            }
            Ok(Decoded::Frame(f)) => {
                self.counters.bytes_ignored += (f.frame.text.len() + frame::FRAME_OVERHEAD) as u64;
                let detail = format!("frame {} ignored outside a transfer", f.frame.number);
                self.diagnostic(DiagnosticKind::Unexpected, detail, Some(f.offset));
            }
            Err(e) => {
                self.counters.bytes_ignored += unreadable_len(e);
                self.diagnostic(
                    DiagnosticKind::UnreadableFrame,
                    e.to_string(),
                    Some(error_offset(e)),
                );
            }
        }
    }
}

/// Bytes a held token took on the line.
fn held_len(token: &Result<Decoded, FrameError>) -> usize {
    match token {
        Ok(Decoded::Frame(f)) => f.frame.text.len() + frame::FRAME_OVERHEAD,
        Ok(Decoded::Control { .. }) => 1,
        Ok(Decoded::Outside { bytes, .. }) => bytes.len(),
        Err(e) => usize::try_from(unreadable_len(e)).unwrap_or(usize::MAX),
    }
}

fn unreadable_len(error: &FrameError) -> u64 {
    match error {
        FrameError::Unterminated { len, .. } => *len as u64,
        FrameError::TooLong { limit, .. } => *limit as u64,
        FrameError::BadFrameNumber { .. } => 1,
    }
}

fn error_offset(error: &FrameError) -> u64 {
    match error {
        FrameError::TooLong { offset, .. }
        | FrameError::Unterminated { offset, .. }
        | FrameError::BadFrameNumber { offset, .. } => *offset,
    }
}

#[cfg(test)]
mod tests;
