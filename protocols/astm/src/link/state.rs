//! The link's states, with the data each one needs [LIS1-A Annex A1].

use crate::assemble::Mark;
use crate::frame::Frame;

/// Where the link is in the establishment / transfer / termination cycle [LIS1-A §6.1.5].
#[derive(Debug)]
pub(super) enum State {
    /// Neither side is sending; a bid (ENQ) may be made or answered [LIS1-A §6.2.4].
    Neutral,
    /// We sent ENQ and wait for ACK, NAK or ENQ [LIS1-A §6.2.4].
    Establishing,
    /// We sent a frame and wait for its reply [LIS1-A §6.3.4].
    Sending(Sending),
    /// We answered the other side's ENQ with ACK and wait for a frame or EOT [LIS1-A §6.3].
    Receiving(Receiving),
    /// A frame finished one or more messages; its reply waits until the driver has stored them.
    AwaitingStorage(AwaitingStorage),
}

impl State {
    pub(super) fn is_neutral(&self) -> bool {
        matches!(self, Self::Neutral)
    }
}

/// Sender in the transfer phase: the message at the front of the outgoing queue is being sent.
#[derive(Debug)]
pub(super) struct Sending {
    /// The current message split into frames.
    pub(super) frames: Vec<Frame>,
    /// Index in `frames` of the frame waiting for its reply.
    pub(super) index: usize,
    /// Times that frame has been sent, the first transmission included.
    pub(super) transmissions: u8,
    /// The receiver asked us to stop (EOT instead of ACK): terminate after this message.
    pub(super) interrupt_requested: bool,
}

impl Sending {
    /// The frame number the next message's first frame will carry.
    pub(super) fn next_number(&self) -> u8 {
        self.frames.last().map_or(1, |f| (f.number + 1) % 8)
    }
}

/// Receiver in the transfer phase.
#[derive(Debug, Clone, Default)]
pub(super) struct Receiving {
    /// FN of the last accepted frame; `None` before the first frame of the transfer.
    pub(super) last_accepted: Option<u8>,
    /// Text of the last accepted frame, to tell a retransmission from a device reusing a number.
    pub(super) last_text: Vec<u8>,
}

/// Receiver holding its reply to a frame that finished messages, until the driver stores them.
#[derive(Debug)]
pub(super) struct AwaitingStorage {
    /// The receiver state before that frame (what a rejection returns to).
    pub(super) before: Receiving,
    /// FN of the frame waiting for its reply.
    pub(super) number: u8,
    /// Text of that frame.
    pub(super) text: Vec<u8>,
    /// Messages delivered from that frame and not yet accepted.
    pub(super) pending: usize,
    /// The receiver reply bound (15 s) has passed: the sender has given up by the standard, so a
    /// late ACK is not sent (it could be taken as the answer to the sender's next ENQ or frame).
    pub(super) late: bool,
    /// The record assembler before that frame.
    pub(super) mark: Mark,
    /// The open message's text before that frame (a prefix of the first delivered message), to
    /// restore on rejection.
    pub(super) restore: Vec<u8>,
}
