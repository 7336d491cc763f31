//! Link scenarios with a fake clock: a `Pair` joins an instrument `Link` to a computer `Link`
//! (quinn-proto `tests/util.rs` style), and byte-level tests drive one link with exact bytes.

use std::time::{Duration, Instant};

use super::*;
use crate::frame::{Frame, FrameFormat, FrameKind, ACK, ENQ, EOT, ETB, ETX, NAK, STX};

/// The one place a real instant is read; everything else is `t0 + n`.
#[allow(clippy::disallowed_methods)]
fn t0() -> Instant {
    Instant::now()
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// 39 bytes: 6 + 4 + 7 + 16 + 6.
const MSG: &[u8] = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^GLU|5.5\rL|1|N\r";
const MSG2: &[u8] = b"H|\\^&\rP|1\rO|1|S2\rL|1|N\r";

fn frame(number: u8, text: &[u8], kind: FrameKind) -> Vec<u8> {
    Frame::new(number, text.to_vec(), kind).encode()
}

type Filter = Box<dyn FnMut(Vec<u8>) -> Option<Vec<u8>>>;

struct Side {
    link: Link,
    events: Vec<LinkEvent>,
    /// Tampers with bytes this side writes before the other side reads them; `None` drops them.
    filter: Option<Filter>,
    auto_accept: bool,
}

impl Side {
    fn new(role: Role, config: LinkConfig) -> Self {
        Self {
            link: Link::new(role, config),
            events: Vec::new(),
            filter: None,
            auto_accept: true,
        }
    }

    fn received(&self) -> Vec<&ReceivedMessage> {
        self.events
            .iter()
            .filter_map(|e| match e {
                LinkEvent::MessageReceived(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    fn sent(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, LinkEvent::MessageSent { .. }))
            .count()
    }

    fn has(&self, wanted: impl Fn(&LinkEvent) -> bool) -> bool {
        self.events.iter().any(wanted)
    }
}

/// An instrument and a computer joined by a perfect wire (unless a filter says otherwise).
struct Pair {
    start: Instant,
    now: Instant,
    inst: Side,
    comp: Side,
    /// Everything written, in order: (writer, bytes as written before any filter).
    wire: Vec<(Role, Vec<u8>)>,
}

impl Pair {
    fn new() -> Self {
        Self::with_configs(LinkConfig::default(), LinkConfig::default())
    }

    fn with_configs(inst: LinkConfig, comp: LinkConfig) -> Self {
        let start = t0();
        Self {
            start,
            now: start,
            inst: Side::new(Role::Instrument, inst),
            comp: Side::new(Role::Computer, comp),
            wire: Vec::new(),
        }
    }

    fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Moves bytes both ways until both links are quiet, collecting events (and accepting received
    /// messages at once on sides with `auto_accept`).
    fn drive(&mut self) {
        loop {
            let mut moved = false;
            for from_inst in [true, false] {
                let (from, to) = if from_inst {
                    (&mut self.inst, &mut self.comp)
                } else {
                    (&mut self.comp, &mut self.inst)
                };
                while let Some(bytes) = from.link.poll_transmit() {
                    moved = true;
                    self.wire.push((from.link.role(), bytes.clone()));
                    let delivered = match from.filter.as_mut() {
                        Some(filter) => filter(bytes),
                        None => Some(bytes),
                    };
                    if let Some(bytes) = delivered {
                        to.link.handle_input(self.now, &bytes);
                    }
                }
            }
            for side in [&mut self.inst, &mut self.comp] {
                while let Some(event) = side.link.poll_event() {
                    moved = true;
                    let pending =
                        matches!(&event, LinkEvent::MessageReceived(m) if m.reply_pending);
                    side.events.push(event);
                    if pending && side.auto_accept {
                        assert!(side.link.accept_message(self.now));
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }

    /// Moves exactly one buffer from the instrument to the computer.
    fn deliver_one_from_instrument(&mut self) {
        if let Some(bytes) = self.inst.link.poll_transmit() {
            self.wire.push((Role::Instrument, bytes.clone()));
            self.comp.link.handle_input(self.now, &bytes);
        }
    }

    /// Advances the fake clock by `d`, firing every timer on the way.
    fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        self.drive();
        loop {
            let next = [self.inst.link.poll_timeout(), self.comp.link.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    self.inst.link.handle_timeout(self.now);
                    self.comp.link.handle_timeout(self.now);
                    self.drive();
                }
                _ => break,
            }
        }
        self.now = target;
        self.drive();
    }

    /// Bytes written by `role`, in order.
    fn written_by(&self, role: Role) -> Vec<Vec<u8>> {
        self.wire
            .iter()
            .filter(|(r, _)| *r == role)
            .map(|(_, b)| b.clone())
            .collect()
    }

    fn frames_written_by(&self, role: Role) -> Vec<Vec<u8>> {
        self.written_by(role)
            .into_iter()
            .filter(|b| b.first() == Some(&STX))
            .collect()
    }
}

/// One link driven by hand with exact bytes.
struct Solo {
    link: Link,
    now: Instant,
}

impl Solo {
    fn new(role: Role) -> Self {
        Self::with_config(role, LinkConfig::default())
    }

    fn with_config(role: Role, config: LinkConfig) -> Self {
        Self {
            link: Link::new(role, config),
            now: t0(),
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.link.handle_input(self.now, bytes);
        self.out()
    }

    fn out(&mut self) -> Vec<u8> {
        std::iter::from_fn(|| self.link.poll_transmit())
            .flatten()
            .collect()
    }

    fn events(&mut self) -> Vec<LinkEvent> {
        std::iter::from_fn(|| self.link.poll_event()).collect()
    }

    /// Advances the clock by `d` (calling `handle_timeout` at each deadline) and returns bytes written.
    fn advance(&mut self, d: Duration) -> Vec<u8> {
        let target = self.now + d;
        let mut out = Vec::new();
        while let Some(t) = self.link.poll_timeout().filter(|&t| t <= target) {
            self.now = self.now.max(t);
            self.link.handle_timeout(self.now);
            out.extend(self.out());
        }
        self.now = target;
        out
    }
}

fn received_texts(events: &[LinkEvent]) -> Vec<(Vec<u8>, bool, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            LinkEvent::MessageReceived(m) => Some((m.text.clone(), m.complete, m.reply_pending)),
            _ => None,
        })
        .collect()
}

mod bare;
mod recovery;
mod transfer;
