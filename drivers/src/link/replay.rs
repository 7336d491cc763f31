//! Replaying a trace through a protocol machine: what `lis replay TRACE` runs.
//!
//! The bytes the analyzer sent ([`Direction::In`] records) go through a fresh machine of the link's
//! protocol, at the recorded pace: timers fire in between exactly when they would have, measured on
//! the recorded timestamps, never on the wall clock. So a replay decodes what the live link decoded, and
//! shows why (a timeout, a checksum error) when it did not. Bytes the LIS wrote ([`Direction::Out`]) are
//! not fed back; a `connected` event starts a new machine, as a new connection did.

use std::time::{Duration, Instant};

use super::LinkMachine;
use crate::trace::{Damage, Direction, TraceItem};

/// An event the machine reported during a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayedEvent<E> {
    /// When, in microseconds since the Unix epoch on the trace's clock.
    pub at_micros: i64,
    /// Which connection of the trace (1 for the first; 0 before the trace's first `connected`).
    pub session: usize,
    /// The event.
    pub event: E,
}

/// What a replay produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay<E> {
    /// The machine's events in order.
    pub events: Vec<ReplayedEvent<E>>,
    /// Damaged regions of the trace, skipped.
    pub damage: Vec<Damage>,
    /// Connections seen in the trace.
    pub sessions: usize,
}

/// Feeds the inbound bytes of `items` through machines made by `new_machine`. `verdict` answers the
/// events that need one (a replay stores nothing: usually accept everything, to see the whole stream).
pub fn replay<M, I, F, V>(items: I, mut new_machine: F, mut verdict: V) -> Replay<M::Event>
where
    M: LinkMachine,
    I: IntoIterator<Item = TraceItem>,
    F: FnMut() -> M,
    V: FnMut(&M::Event) -> Option<M::Verdict>,
{
    // The one clock read: an arbitrary origin that recorded time offsets are added to.
    let origin = Instant::now();
    let mut clock = TraceClock {
        origin,
        first_micros: None,
        latest: origin,
    };
    let mut out = Replay {
        events: Vec::new(),
        damage: Vec::new(),
        sessions: 0,
    };
    let mut machine = new_machine();
    for item in items {
        let record = match item {
            TraceItem::Record { record, .. } => record,
            TraceItem::Damaged(damage) => {
                out.damage.push(damage);
                continue;
            }
        };
        let now = clock.instant(record.at_micros);
        // Timers that expired before this record, at the moment they expired.
        while let Some(deadline) = machine.poll_timeout().filter(|d| *d <= now) {
            machine.handle_timeout(deadline);
            drain(
                &mut machine,
                &mut verdict,
                &mut out,
                clock.micros(deadline),
                deadline,
            );
        }
        match record.direction {
            Direction::In => {
                machine.handle_input(now, &record.bytes);
                drain(&mut machine, &mut verdict, &mut out, record.at_micros, now);
            }
            Direction::Out => {}
            Direction::Event => {
                if record.bytes.starts_with(b"connected ") {
                    out.sessions += 1;
                    machine = new_machine();
                }
            }
        }
    }
    out
}

fn drain<M: LinkMachine>(
    machine: &mut M,
    verdict: &mut impl FnMut(&M::Event) -> Option<M::Verdict>,
    out: &mut Replay<M::Event>,
    at_micros: i64,
    now: Instant,
) {
    loop {
        let mut progressed = false;
        // What the machine would have written is not needed: the trace holds what was written.
        while machine.poll_transmit().is_some() {
            progressed = true;
        }
        while let Some(event) = machine.poll_event() {
            progressed = true;
            if let Some(v) = verdict(&event) {
                machine.handle_verdict(now, v);
            }
            out.events.push(ReplayedEvent {
                at_micros,
                session: out.sessions,
                event,
            });
        }
        if !progressed {
            break;
        }
    }
}

/// Maps recorded timestamps onto `Instant`s, never going backwards (a wall clock can).
struct TraceClock {
    origin: Instant,
    first_micros: Option<i64>,
    latest: Instant,
}

impl TraceClock {
    fn instant(&mut self, at_micros: i64) -> Instant {
        let first = *self.first_micros.get_or_insert(at_micros);
        let offset = u64::try_from(at_micros.saturating_sub(first)).unwrap_or(0);
        let at = self.origin + Duration::from_micros(offset);
        self.latest = self.latest.max(at);
        self.latest
    }

    fn micros(&self, at: Instant) -> i64 {
        let offset = i64::try_from(at.duration_since(self.origin).as_micros()).unwrap_or(i64::MAX);
        self.first_micros.unwrap_or(0).saturating_add(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::super::mock::{LineEvent, LineMachine, Verdict};
    use super::*;
    use crate::trace::{DamageKind, TraceReader, TraceRecord};

    fn accept_messages(e: &LineEvent) -> Option<Verdict> {
        matches!(e, LineEvent::Message(_)).then_some(Verdict::Accept)
    }

    fn rec(at_secs: i64, direction: Direction, bytes: &[u8]) -> TraceItem {
        TraceItem::Record {
            offset: 0,
            record: TraceRecord {
                at_micros: 1_700_000_000_000_000 + at_secs * 1_000_000,
                direction,
                bytes: bytes.to_vec(),
            },
        }
    }

    #[test]
    fn replay_decodes_inbound_bytes_with_recorded_timing() {
        let t0 = 1_700_000_000_000_000;
        let items = vec![
            rec(0, Direction::Event, b"connected 10.0.0.7:49152"),
            rec(0, Direction::In, b"R|1\nR|"),
            rec(0, Direction::Out, b"ACK\n"),
            rec(1, Direction::In, b"2\npar"),
            // 20 s of silence: the 15 s line timer expired at 16 s, dropping "par".
            rec(21, Direction::In, b"tial\n"),
            TraceItem::Damaged(Damage {
                offset: 99,
                len: 3,
                kind: DamageKind::Truncated,
                at_end: true,
            }),
        ];
        let r = replay(items, LineMachine::default, accept_messages);
        let got: Vec<(i64, usize, LineEvent)> = r
            .events
            .into_iter()
            .map(|e| ((e.at_micros - t0) / 1_000_000, e.session, e.event))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 1, LineEvent::Message("R|1".to_owned())),
                (1, 1, LineEvent::Message("R|2".to_owned())),
                (16, 1, LineEvent::TimedOut),
                (21, 1, LineEvent::Message("tial".to_owned())),
            ]
        );
        assert_eq!(r.sessions, 1);
        assert_eq!(r.damage.len(), 1);
    }

    #[test]
    fn a_new_connection_starts_a_new_machine() {
        let items = vec![
            rec(0, Direction::Event, b"connected a"),
            rec(0, Direction::In, b"half of a lin"),
            rec(1, Direction::Event, b"disconnected: closed by the analyzer"),
            rec(2, Direction::Event, b"connected b"),
            rec(2, Direction::In, b"whole\n"),
        ];
        let r = replay(items, LineMachine::default, accept_messages);
        assert_eq!(r.sessions, 2);
        let events: Vec<_> = r.events.into_iter().map(|e| (e.session, e.event)).collect();
        assert_eq!(events, vec![(2, LineEvent::Message("whole".to_owned()))]);
    }

    #[test]
    fn a_trace_written_by_the_writer_replays() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = crate::trace::TraceWriter::open(dir.path(), "l", Default::default()).unwrap();
        w.record(Direction::Event, b"connected x").unwrap();
        w.record(Direction::In, b"a\nb\n").unwrap();
        w.flush().unwrap();
        let r = replay(
            TraceReader::open(w.path()).unwrap(),
            LineMachine::default,
            accept_messages,
        );
        let events: Vec<_> = r.events.into_iter().map(|e| e.event).collect();
        assert_eq!(
            events,
            vec![
                LineEvent::Message("a".to_owned()),
                LineEvent::Message("b".to_owned())
            ]
        );
    }
}
