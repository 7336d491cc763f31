//! Link tasks: one async task per analyzer link drives a sans-IO protocol machine over a transport.
//!
//! The protocol rules live in the machine ([`LinkMachine`], implemented in `protocols/` terms by the
//! ASTM and HL7 adapters); the lab's decisions live in the [`LinkHandler`] (which stores a message in
//! core). This module only moves bytes, time and verdicts between them:
//!
//! - [`task`]: [`Link`], the loop over reads, timers, outbound messages, pending verdicts and shutdown.
//! - [`status`]: [`LinkRegistry`] and [`LinkStatus`], what the web pages and metrics see.
//! - [`mod@replay`]: feeding a recorded trace through a machine (`lis replay`).
//!
//! # Durable acknowledgement
//!
//! When the machine reports a received message, the handler returns [`Handling::Pending`] with a
//! future that stores it and resolves to a verdict (accept or reject). The link task keeps the future
//! in a queue and goes on serving reads and timers while it runs; only when it resolves does the task
//! hand the verdict to [`LinkMachine::handle_verdict`], and only then can the machine write its ACK.
//! So the LIS acknowledges a message only after core has durably stored it. Verdicts reach the machine
//! in the order of the events that asked for them.

pub mod replay;
pub mod status;
pub mod task;

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use bytes::Bytes;

pub use replay::{replay, Replay, ReplayedEvent};
pub use status::{LinkCounters, LinkDay, LinkRegistry, LinkState, LinkStatus, LinkStatusHandle};
pub use task::{Link, LinkOptions};

/// A sans-IO link protocol machine (ASTM E1381, MLLP, ...), as the link task drives it.
///
/// After every input (bytes, a timer, a verdict, an outbound message) the task drains
/// [`poll_transmit`](Self::poll_transmit) until `None` (writing each buffer to the analyzer), then
/// [`poll_event`](Self::poll_event) until `None`, repeating both until neither yields anything, and
/// then waits until [`poll_timeout`](Self::poll_timeout) or the next input. A new machine is made for
/// every connection.
pub trait LinkMachine: Send + 'static {
    /// What the machine reports: a message received, a NAK, a timeout...
    type Event: LinkEvent + Send + 'static;
    /// The answer to an event that asked for one, e.g. accept (ACK) or reject (NAK) a message.
    type Verdict: Send + 'static;
    /// A message for the analyzer (an order download, a query answer).
    type Outbound: Send + 'static;

    /// Bytes read from the analyzer at `now`.
    fn handle_input(&mut self, now: Instant, bytes: &[u8]);
    /// The deadline from [`poll_timeout`](Self::poll_timeout) has passed; `now` is the current time.
    fn handle_timeout(&mut self, now: Instant);
    /// The verdict for the oldest event still waiting for one.
    fn handle_verdict(&mut self, now: Instant, verdict: Self::Verdict);
    /// Queues a message for the analyzer; the machine sends it when its protocol allows.
    fn queue_outbound(&mut self, now: Instant, message: Self::Outbound);
    /// Outbound messages queued and not yet accepted by the analyzer, taken back when the connection
    /// ends so that the next connection sends them: nothing the LIS meant to send is lost.
    fn take_unsent(&mut self) -> Vec<Self::Outbound>;
    /// Bytes to write to the analyzer.
    fn poll_transmit(&mut self) -> Option<Bytes>;
    /// Every buffer handed out by [`poll_transmit`](Self::poll_transmit) so far has been written
    /// to the connection and flushed (not more: the bytes may still be in the network). A machine
    /// without acknowledgements (raw ASTM) takes this as its message sent; the others ignore it.
    fn handle_written(&mut self, _now: Instant) {}
    /// When [`handle_timeout`](Self::handle_timeout) must be called, if a timer runs.
    fn poll_timeout(&self) -> Option<Instant>;
    /// The next event.
    fn poll_event(&mut self) -> Option<Self::Event>;
    /// Bytes of input the machine holds unprocessed until a verdict comes (an E1381 sender that
    /// does not wait for replies). While this is at [`LinkOptions::max_held_input`] the task stops
    /// reading, so TCP or serial flow control pushes back on the analyzer.
    fn held_input(&self) -> usize {
        0
    }
}

/// What the link task needs to know of a machine's event: which status counter it moves.
pub trait LinkEvent {
    /// The counter this event increments, if any.
    fn counter(&self) -> Option<Counter>;
}

/// The status counters a machine event can move (see [`LinkCounters`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Counter {
    /// A whole message was received from the analyzer.
    MessageIn,
    /// The analyzer accepted a whole message from the LIS.
    MessageOut,
    /// The LIS sent a NAK.
    NakSent,
    /// The analyzer sent a NAK.
    NakReceived,
    /// A frame arrived with a bad checksum.
    ChecksumError,
    /// A protocol timer expired.
    Timeout,
}

impl Counter {
    /// The name used in traces and metrics: `message-in`, `nak-sent`...
    pub fn name(self) -> &'static str {
        match self {
            Self::MessageIn => "message-in",
            Self::MessageOut => "message-out",
            Self::NakSent => "nak-sent",
            Self::NakReceived => "nak-received",
            Self::ChecksumError => "checksum-error",
            Self::Timeout => "timeout",
        }
    }
}

/// A future resolving to a verdict, e.g. "stored: accept".
pub type VerdictFuture<V> = Pin<Box<dyn Future<Output = V> + Send>>;

/// What a [`LinkHandler`] does with an event.
pub enum Handling<V> {
    /// Nothing to tell the machine (a status event).
    Done,
    /// The verdict is known at once (e.g. a message rejected without storing it).
    Verdict(V),
    /// The verdict comes when the future resolves (e.g. once the message is stored). The link task
    /// keeps serving the link meanwhile.
    Pending(VerdictFuture<V>),
}

impl<V: Send + 'static> Handling<V> {
    /// A verdict that comes when `future` resolves.
    pub fn pending(future: impl Future<Output = V> + Send + 'static) -> Self {
        Self::Pending(Box::pin(future))
    }

    /// A verdict computed by blocking work (a SQLite write) on tokio's blocking pool. If the work
    /// panics, the verdict is `if_lost` (normally: reject, so the analyzer sends the message again).
    pub fn blocking(work: impl FnOnce() -> V + Send + 'static, if_lost: V) -> Self {
        let job = tokio::task::spawn_blocking(work);
        Self::pending(async move {
            match job.await {
                Ok(verdict) => verdict,
                Err(error) => {
                    tracing::error!(%error, "store task failed; the message is not acknowledged");
                    if_lost
                }
            }
        })
    }
}

impl<V> std::fmt::Debug for Handling<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Done => "Done",
            Self::Verdict(_) => "Verdict(..)",
            Self::Pending(_) => "Pending(..)",
        })
    }
}

/// What the lab does with a link's events: store received messages, answer queries. Called on the
/// link task, so it must return quickly; slow work goes in [`Handling::Pending`].
pub trait LinkHandler<M: LinkMachine>: Send + 'static {
    /// Handles one event.
    fn handle_event(&mut self, event: M::Event) -> Handling<M::Verdict>;
}

impl<M, F> LinkHandler<M> for F
where
    M: LinkMachine,
    F: FnMut(M::Event) -> Handling<M::Verdict> + Send + 'static,
{
    fn handle_event(&mut self, event: M::Event) -> Handling<M::Verdict> {
        self(event)
    }
}

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
