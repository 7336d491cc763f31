//! What the link reports to its driver: events, diagnostics, counters and a state summary.

use std::fmt;

/// Identifies a message queued with [`crate::link::Link::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub u64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message #{}", self.0)
    }
}

/// Which way a transfer goes, seen from this link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// We are the sender.
    Outgoing,
    /// We are the receiver.
    Incoming,
}

/// A message received from the other side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The records, each ended by one CR (see [`crate::assemble`]).
    pub text: Vec<u8>,
    /// Offset, in the bytes given to [`crate::link::Link::handle_input`] since the link was created,
    /// of the STX of the frame holding the message's first record.
    pub first_frame_offset: u64,
    /// Number of records.
    pub records: usize,
    /// True when the message runs from an H record to an L record. A message that is not complete was
    /// cut by a new H record or by the end of the transfer (EOT): nothing is dropped.
    pub complete: bool,
    /// True when the frame that finished this message has not been answered yet: the link waits for
    /// [`crate::link::Link::accept_message`] (ACK) or [`crate::link::Link::reject_message`] (NAK).
    /// False for a message delivered at EOT: its frames were all acknowledged already.
    pub reply_pending: bool,
}

/// Why one attempt at sending a message failed. The message is kept and sent again in full later
/// [LIS1-A §6.5.2.3].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbortReason {
    /// One frame was sent six times without being accepted [LIS1-A §6.5.1.2].
    RetryLimit,
    /// No reply to a frame within 15 s [LIS1-A §6.5.2.3].
    ReplyTimeout,
}

/// Which timer expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeoutKind {
    /// No ACK, NAK or ENQ within 15 s after our ENQ [LIS1-A §6.5.2.1]; we sent EOT.
    EnqReply,
    /// No reply within 15 s after our frame [LIS1-A §6.5.2.3]; we sent EOT.
    FrameReply,
    /// No frame or EOT within 30 s [LIS1-A §6.5.2.4]; the line is neutral again.
    Receive,
}

/// What a diagnostic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// A frame's checksum did not match; it was NAKed [LIS1-A §6.5.1.1].
    ChecksumMismatch,
    /// A frame's number was neither the last accepted one nor the next; it was NAKed
    /// [LIS1-A §6.5.1.1 item 3].
    FrameNumberMismatch,
    /// A frame repeated the last accepted number; it was ACKed again and not delivered twice
    /// [LIS1-A §6.3.2, A1].
    DuplicateFrame,
    /// Bytes outside any frame were ignored [LIS1-A §6.5.1.1].
    BytesOutsideFrames,
    /// A frame could not be read at all (too long, cut short, no frame number).
    UnreadableFrame,
    /// A control byte or frame arrived where none was expected and was ignored.
    Unexpected,
    /// The other side answered our ENQ with NAK (busy) [LIS1-A §6.2.6].
    Busy,
    /// Both sides sent ENQ [LIS1-A §6.2.7.1].
    Contention,
    /// The receiver answered EOT instead of ACK: it wants the line [LIS1-A §6.3.4.4, §6.3.5].
    InterruptRequested,
    /// A received message has waited more than 15 s for storage; the sender has probably given up
    /// [LIS1-A §6.5.2.5].
    ReplyBoundExceeded,
    /// The sender ended the transfer while a delivered message still waited for storage; it will
    /// probably send that message again, so the driver may see it twice.
    UnansweredDelivery,
    /// The driver could not store a message; its last frame was NAKed so the sender repeats it.
    MessageRejected,
    /// A message grew past the configured maximum and was given up (see
    /// [`LinkEvent::MessageTooLong`]).
    MessageTooLong,
}

/// A diagnostic: something odd the link coped with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkDiagnostic {
    /// What kind of oddity.
    pub kind: DiagnosticKind,
    /// Human-readable detail (what and where).
    pub detail: String,
    /// Input stream offset it concerns, when there is one.
    pub offset: Option<u64>,
}

/// Something the driver should know; taken with [`crate::link::Link::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// A transfer began (we received ACK to our ENQ, or we answered the other side's ENQ with ACK).
    TransferStarted(Direction),
    /// A transfer ended (EOT sent or received, or a timeout); the line is neutral.
    TransferEnded(Direction),
    /// A message arrived. Store it, then call `accept_message` when `reply_pending` is true.
    MessageReceived(ReceivedMessage),
    /// The receive timer expired with a message unfinished; the standard discards it
    /// [LIS1-A §6.5.2.4]. Its text is given here so it can still be logged.
    IncompleteMessageDiscarded {
        /// The records received so far.
        text: Vec<u8>,
        /// Offset of the STX of the frame holding its first record.
        first_frame_offset: u64,
    },
    /// A frame took the open message past [`crate::link::LinkConfig::max_message_len`]: the frame
    /// was NAKed, the message given up and the line is neutral. Its text so far (at most the limit
    /// plus one frame) is here so that it can be kept with the reason; nothing is dropped unseen.
    MessageTooLong {
        /// The records received so far, the frame that crossed the limit included.
        text: Vec<u8>,
        /// Offset of the STX of the frame holding its first record.
        first_frame_offset: u64,
        /// The limit it crossed, in bytes.
        limit: usize,
    },
    /// Every frame of a message was accepted.
    MessageSent {
        /// The message.
        id: MessageId,
    },
    /// An attempt to send a message was aborted; it stays queued for a full retry.
    SendAttemptFailed {
        /// The message.
        id: MessageId,
        /// Attempts failed so far.
        attempt: u32,
        /// Why.
        reason: AbortReason,
    },
    /// A message failed `max_send_attempts` times and was removed from the queue.
    SendFailed {
        /// The message.
        id: MessageId,
        /// Its text, handed back so nothing is lost.
        text: Vec<u8>,
        /// Attempts made.
        attempts: u32,
    },
    /// A timer expired.
    Timeout(TimeoutKind),
    /// Something odd the link coped with.
    Diagnostic(LinkDiagnostic),
}

/// A summary of the link's state, for status displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkState {
    /// Idle; no transfer.
    Neutral,
    /// Our ENQ is waiting for its answer.
    Establishing,
    /// We are sending frames.
    Sending,
    /// We are receiving frames.
    Receiving,
    /// A received message waits for the driver to store it before the frame is acknowledged.
    AwaitingStorage,
}

/// Running totals since the link was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkCounters {
    /// New valid frames received (duplicates not included).
    pub frames_in: u64,
    /// Frames transmitted, retransmissions included.
    pub frames_out: u64,
    /// Messages delivered as [`LinkEvent::MessageReceived`].
    pub messages_in: u64,
    /// Messages fully sent.
    pub messages_out: u64,
    /// NAKs we sent (to frames or, when busy, to ENQ).
    pub naks_sent: u64,
    /// NAKs (or replies counted as NAK) we received.
    pub naks_received: u64,
    /// Frames with a bad or missing checksum.
    pub checksum_errors: u64,
    /// Frames with an unexpected frame number.
    pub sequence_errors: u64,
    /// Duplicate frames (ACKed again, not delivered).
    pub duplicates: u64,
    /// Expired timers ([`LinkEvent::Timeout`]).
    pub timeouts: u64,
    /// Bytes ignored outside frames or out of turn.
    pub bytes_ignored: u64,
    /// Frame retransmissions.
    pub retries: u64,
    /// Receiver interrupts we requested (EOT sent instead of ACK).
    pub interrupts_sent: u64,
    /// Receiver interrupts the other side requested.
    pub interrupts_received: u64,
    /// ENQ contentions.
    pub contentions: u64,
    /// Transfers we aborted (retry limit or reply timeout).
    pub aborted_transfers: u64,
}
