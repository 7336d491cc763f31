//! The link's timers [LIS1-A §6.5.2; Annex A1] and a small table holding their deadlines.

use std::time::{Duration, Instant};

/// Sender waiting for ACK, NAK or ENQ after its ENQ: 15 s, then termination (EOT) [LIS1-A §6.5.2.1].
pub const ENQ_REPLY_TIMEOUT: Duration = Duration::from_secs(15);
/// Sender waiting for the reply to a frame: 15 s from the frame's last character, then termination
/// (EOT); the message is kept to be repeated in full [LIS1-A §6.5.2.3].
pub const FRAME_REPLY_TIMEOUT: Duration = Duration::from_secs(15);
/// Receiver waiting for a frame or EOT: 30 s from entering transfer or from its last reply; on expiry
/// the incomplete message is discarded and the line is neutral [LIS1-A §6.5.2.4].
pub const RECEIVE_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a receiver may take to reply to a frame; longer makes the sender abort
/// [LIS1-A §6.5.2.5].
pub const RECEIVER_REPLY_BOUND: Duration = Duration::from_secs(15);
/// Minimum wait before a new ENQ after the receiver answered NAK (busy) [LIS1-A §6.2.6; A1 "busy
/// timer = 10"].
pub const BUSY_BACKOFF: Duration = Duration::from_secs(10);
/// Instrument's minimum wait before re-sending ENQ after contention [LIS1-A §6.2.7.1; A1 "contention
/// timer (inst) = 1"].
pub const INSTRUMENT_CONTENTION_BACKOFF: Duration = Duration::from_secs(1);
/// Computer's wait for the instrument's ENQ after contention; on expiry the line is neutral and the
/// computer may bid again [LIS1-A §6.5.2.2; A1 "contention timer (comp) = 20"].
pub const COMPUTER_CONTENTION_TIMER: Duration = Duration::from_secs(20);
/// After honouring a receiver interrupt, the sender does not bid for 15 s, unless the other side has
/// sent and returned the line to neutral first [LIS1-A §6.3.5.3; A1 "interrupt timer = 15"].
pub const INTERRUPT_HOLD_OFF: Duration = Duration::from_secs(15);
/// A frame is sent at most six times in total, the first transmission included; then the sender
/// terminates (EOT) [LIS1-A §6.5.1.2; A1 "retries = 6"].
pub const MAX_TRANSMISSIONS: u8 = 6;

/// One of the link's timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timer {
    /// [`ENQ_REPLY_TIMEOUT`].
    EnqReply = 0,
    /// [`FRAME_REPLY_TIMEOUT`].
    FrameReply = 1,
    /// [`RECEIVE_TIMEOUT`].
    Receive = 2,
    /// [`RECEIVER_REPLY_BOUND`], while a reply waits for the driver to store a message.
    ReplyBound = 3,
    /// [`BUSY_BACKOFF`]: no bid until it expires.
    Busy = 4,
    /// [`INSTRUMENT_CONTENTION_BACKOFF`]: no bid until it expires.
    InstrumentContention = 5,
    /// [`COMPUTER_CONTENTION_TIMER`]: no bid until it expires or the instrument's transfer ends.
    ComputerContention = 6,
    /// [`INTERRUPT_HOLD_OFF`]: no bid until it expires or the other side's transfer ends.
    InterruptHoldOff = 7,
    /// The configured delay before a new bid after an aborted transfer (not a standard timer).
    RetryBackoff = 8,
}

impl Timer {
    pub(super) const ALL: [Self; 9] = [
        Self::EnqReply,
        Self::FrameReply,
        Self::Receive,
        Self::ReplyBound,
        Self::Busy,
        Self::InstrumentContention,
        Self::ComputerContention,
        Self::InterruptHoldOff,
        Self::RetryBackoff,
    ];

    /// Timers that forbid a new bid (ENQ) while they run.
    pub(super) const HOLD_OFFS: [Self; 5] = [
        Self::Busy,
        Self::InstrumentContention,
        Self::ComputerContention,
        Self::InterruptHoldOff,
        Self::RetryBackoff,
    ];
}

/// Deadlines of the running timers.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TimerTable {
    deadlines: [Option<Instant>; Timer::ALL.len()],
}

impl TimerTable {
    pub(super) fn set(&mut self, timer: Timer, deadline: Instant) {
        self.deadlines[timer as usize] = Some(deadline);
    }

    pub(super) fn stop(&mut self, timer: Timer) {
        self.deadlines[timer as usize] = None;
    }

    pub(super) fn is_set(&self, timer: Timer) -> bool {
        self.deadlines[timer as usize].is_some()
    }

    /// The earliest deadline of any running timer.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// The running timer with the earliest deadline at or before `now`, stopped.
    pub(super) fn pop_expired(&mut self, now: Instant) -> Option<Timer> {
        let timer = Timer::ALL
            .iter()
            .copied()
            .filter_map(|t| {
                self.deadlines[t as usize]
                    .filter(|&d| d <= now)
                    .map(|d| (d, t))
            })
            .min_by_key(|&(d, _)| d)
            .map(|(_, t)| t)?;
        self.stop(timer);
        Some(timer)
    }
}
