//! A line-based mock protocol machine for the link tests.
//!
//! The mock protocol: the analyzer sends lines; each line is a message the LIS acknowledges with
//! `ACK\n` (stored) or `NAK\n` (rejected) once the handler's verdict arrives; a partial line left
//! for 15 s is dropped with `TMO\n`; an outbound message goes out as `MSG <text>\n`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{Counter, LinkEvent, LinkMachine};

pub(crate) const LINE_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineEvent {
    Message(String),
    Sent(String),
    Rejected,
    TimedOut,
}

impl LinkEvent for LineEvent {
    fn counter(&self) -> Option<Counter> {
        match self {
            Self::Message(_) => Some(Counter::MessageIn),
            Self::Sent(_) => Some(Counter::MessageOut),
            Self::Rejected => Some(Counter::NakSent),
            Self::TimedOut => Some(Counter::Timeout),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Accept,
    Reject,
}

#[derive(Default)]
pub(crate) struct LineMachine {
    partial: Vec<u8>,
    last_input: Option<Instant>,
    awaiting: usize,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<LineEvent>,
    outbound: VecDeque<String>,
}

impl LinkMachine for LineMachine {
    type Event = LineEvent;
    type Verdict = Verdict;
    type Outbound = String;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.last_input = Some(now);
        for &b in bytes {
            if b == b'\n' {
                let line = String::from_utf8_lossy(&self.partial).into_owned();
                self.partial.clear();
                self.awaiting += 1;
                self.events.push_back(LineEvent::Message(line));
            } else {
                self.partial.push(b);
            }
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|t| t <= now) {
            self.partial.clear();
            self.transmit.push_back(b"TMO\n".to_vec());
            self.events.push_back(LineEvent::TimedOut);
        }
    }

    fn handle_verdict(&mut self, _now: Instant, verdict: Verdict) {
        assert!(
            self.awaiting > 0,
            "verdict without a message waiting for one"
        );
        self.awaiting -= 1;
        match verdict {
            Verdict::Accept => self.transmit.push_back(b"ACK\n".to_vec()),
            Verdict::Reject => {
                self.transmit.push_back(b"NAK\n".to_vec());
                self.events.push_back(LineEvent::Rejected);
            }
        }
    }

    fn queue_outbound(&mut self, _now: Instant, message: String) {
        self.outbound.push_back(message);
    }

    fn take_unsent(&mut self) -> Vec<String> {
        self.outbound.drain(..).collect()
    }

    fn poll_transmit(&mut self) -> Option<Bytes> {
        if let Some(bytes) = self.transmit.pop_front() {
            return Some(Bytes::from(bytes));
        }
        let message = self.outbound.pop_front()?;
        self.events.push_back(LineEvent::Sent(message.clone()));
        Some(Bytes::from(format!("MSG {message}\n")))
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.partial.is_empty() {
            None
        } else {
            self.last_input.map(|t| t + LINE_TIMEOUT)
        }
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        self.events.pop_front()
    }
}
