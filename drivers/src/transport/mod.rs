//! Transports: how a link gets a byte stream to its analyzer.
//!
//! A transport is only a constructor of connections. Every connection is a plain
//! `AsyncRead + AsyncWrite + Unpin + Send` stream, so the link task (see [`crate::link`]) drives a TCP
//! socket, a serial port and an in-memory test pipe through the same code.
//!
//! - [`tcp::TcpServerTransport`]: the LIS listens and the analyzer connects.
//! - [`tcp::TcpClientTransport`]: the LIS connects to the analyzer, reconnecting with [`Backoff`].
//! - [`serial::SerialTransport`]: an RS-232 port opened through tokio-serial.

pub mod allow;
pub mod any;
pub mod serial;
pub mod tcp;

use std::future::Future;
use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::link::LinkState;

/// A byte stream to an analyzer: what every transport hands to the link task.
pub trait LinkIo: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> LinkIo for T {}

/// One established connection and a description of the peer for logs and status.
#[derive(Debug)]
pub struct Connection<Io> {
    /// The byte stream.
    pub io: Io,
    /// Who is on the other end: `"10.0.0.7:49152"` or `"/dev/ttyUSB0"`.
    pub peer: String,
}

/// Why the link task asks a transport how long to wait before establishing again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The last attempt to establish a connection failed.
    AfterFailure,
    /// A connection was established and has now ended.
    AfterSession {
        /// How long the connection lasted.
        lasted: Duration,
    },
}

/// A source of connections to one analyzer.
///
/// The link task calls [`Transport::establish`] to get a connection, runs a session on it until it ends,
/// asks [`Transport::retry_delay`] how long to wait, and starts again. While a session runs it also polls
/// [`Transport::replacement`], through which a TCP server hands over a newer connection from the analyzer.
pub trait Transport: Send + 'static {
    /// The byte stream of one connection.
    type Io: LinkIo;

    /// A short description for logs and status: `"tcp-server 0.0.0.0:5000"`.
    fn describe(&self) -> String;

    /// The link state shown while [`Transport::establish`] is waiting.
    fn waiting_state(&self) -> LinkState;

    /// Establishes the next connection: accepts one (server), makes one attempt (client), or opens the
    /// port (serial). Cancel-safe: the link task drops this future on shutdown.
    fn establish(&mut self) -> impl Future<Output = io::Result<Connection<Self::Io>>> + Send;

    /// How long to wait before the next [`Transport::establish`].
    fn retry_delay(&mut self, why: Retry) -> Duration;

    /// Resolves with a new connection that should replace the running session. The default never
    /// resolves: only a TCP server configured to replace connections overrides it. Cancel-safe.
    fn replacement(&mut self) -> impl Future<Output = Connection<Self::Io>> + Send {
        std::future::pending()
    }
}

/// Exponential backoff with deterministic bounds (no jitter): `initial`, doubling on every failure, up
/// to `max`; [`Backoff::reset`] after a successful session starts again from `initial`.
///
/// One LIS talks to a handful of analyzers, so there is no thundering herd for jitter to spread; a
/// deterministic schedule is easier to read in a log and to test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// The default first delay: 1 s.
    pub const DEFAULT_INITIAL: Duration = Duration::from_secs(1);
    /// The default longest delay: 30 s.
    pub const DEFAULT_MAX: Duration = Duration::from_secs(30);
    /// A session at least this long was a successful one: the next connection starts over from the
    /// initial delay.
    pub const STABLE_SESSION: Duration = Duration::from_secs(30);

    /// A backoff from `initial` doubling to `max`. A `max` below `initial` is raised to `initial`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        let max = max.max(initial);
        Self {
            initial,
            max,
            next: initial,
        }
    }

    /// The delay to wait now; the following one is twice as long, capped at the maximum.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        delay
    }

    /// Starts again from the initial delay (after a connection that worked).
    pub fn reset(&mut self) {
        self.next = self.initial;
    }

    /// The delay for `why`. A session that lasted at least [`Backoff::STABLE_SESSION`] counts as
    /// successful and resets the backoff first; a shorter one (a peer that accepts and hangs up at once)
    /// goes on doubling, so a flapping analyzer is not hammered every second.
    pub fn delay_for(&mut self, why: Retry) -> Duration {
        if let Retry::AfterSession { lasted } = why {
            if lasted >= Self::STABLE_SESSION {
                self.reset();
            }
        }
        self.next_delay()
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Self::DEFAULT_INITIAL, Self::DEFAULT_MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_to_thirty_and_resets() {
        let mut b = Backoff::default();
        let got: Vec<u64> = (0..8).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(got, [1, 2, 4, 8, 16, 30, 30, 30]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_secs(1));
        assert_eq!(b.next_delay(), Duration::from_secs(2));
    }

    #[test]
    fn only_a_stable_session_resets_the_backoff() {
        let mut b = Backoff::default();
        let failure = Retry::AfterFailure;
        let short = Retry::AfterSession {
            lasted: Duration::from_secs(2),
        };
        let stable = Retry::AfterSession {
            lasted: Duration::from_secs(30),
        };
        assert_eq!(b.delay_for(failure), Duration::from_secs(1));
        assert_eq!(b.delay_for(failure), Duration::from_secs(2));
        // Connected, and the analyzer hung up after 2 s: keep backing off.
        assert_eq!(b.delay_for(short), Duration::from_secs(4));
        // Connected for 30 s: start over.
        assert_eq!(b.delay_for(stable), Duration::from_secs(1));
        assert_eq!(b.delay_for(failure), Duration::from_secs(2));
    }

    #[test]
    fn backoff_max_below_initial_is_raised() {
        let mut b = Backoff::new(Duration::from_secs(5), Duration::from_secs(1));
        assert_eq!(b.next_delay(), Duration::from_secs(5));
        assert_eq!(b.next_delay(), Duration::from_secs(5));
    }
}
