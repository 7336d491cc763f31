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

#[test]
fn normal_transfer_exact_wire() {
    let mut p = Pair::new();
    let id = p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    assert_eq!(
        p.wire,
        vec![
            (Role::Instrument, vec![ENQ]),
            (Role::Computer, vec![ACK]),
            (Role::Instrument, frame(1, MSG, FrameKind::Last)),
            (Role::Computer, vec![ACK]),
            (Role::Instrument, vec![EOT]),
        ]
    );
    let received = p.comp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].text, MSG);
    assert!(received[0].complete && received[0].reply_pending);
    assert_eq!(
        received[0].first_frame_offset, 1,
        "frame follows the ENQ byte"
    );
    assert!(p.inst.has(|e| *e == LinkEvent::MessageSent { id }));
    assert_eq!(p.inst.link.state(), LinkState::Neutral);
    assert_eq!(p.comp.link.state(), LinkState::Neutral);
    assert_eq!(p.comp.link.counters().frames_in, 1);
    assert_eq!(p.inst.link.counters().messages_out, 1);
    assert_eq!(p.inst.link.poll_timeout(), None, "no timer left running");
}

#[test]
fn multi_frame_message_with_etb() {
    let config = LinkConfig {
        max_frame_len: 20,
        ..LinkConfig::default()
    };
    let mut p = Pair::with_configs(config, LinkConfig::default());
    p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    // 39 text bytes at 13 per frame: 3 frames, ETB, ETB, ETX, numbered 1, 2, 3.
    let frames = p.frames_written_by(Role::Instrument);
    assert_eq!(frames.len(), 3);
    assert_eq!(frames.iter().map(|f| f[1]).collect::<Vec<_>>(), b"123");
    assert_eq!(
        frames.iter().map(|f| f[f.len() - 5]).collect::<Vec<_>>(),
        [ETB, ETB, ETX]
    );
    assert_eq!(
        received_texts(&p.comp.events),
        vec![(MSG.to_vec(), true, true)]
    );
    assert_eq!(p.comp.link.counters().frames_in, 3);
}

#[test]
fn several_messages_in_one_transfer_continue_fn() {
    let mut p = Pair::new();
    p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.inst.link.send(p.now, MSG2.to_vec()).unwrap();
    p.drive();
    let inst = p.written_by(Role::Instrument);
    assert_eq!(
        inst,
        vec![
            vec![ENQ],
            frame(1, MSG, FrameKind::Last),
            frame(2, MSG2, FrameKind::Last),
            vec![EOT]
        ]
    );
    assert_eq!(
        received_texts(&p.comp.events),
        vec![(MSG.to_vec(), true, true), (MSG2.to_vec(), true, true)]
    );
    assert_eq!(p.inst.sent(), 2);
}

#[test]
fn duplicate_frame_is_acked_and_not_delivered_twice() {
    let mut c = Solo::new(Role::Computer);
    assert_eq!(c.feed(&[ENQ]), [ACK]);
    let f1 = frame(1, b"H|\\^&\r", FrameKind::Intermediate);
    assert_eq!(c.feed(&f1), [ACK]);
    assert_eq!(
        c.feed(&f1),
        [ACK],
        "our ACK was lost: the repeat is ACKed again"
    );
    assert_eq!(
        c.feed(&frame(2, b"L|1\r", FrameKind::Last)),
        [] as [u8; 0],
        "reply waits for storage"
    );
    let events = c.events();
    assert_eq!(
        received_texts(&events),
        vec![(b"H|\\^&\rL|1\r".to_vec(), true, true)]
    );
    assert!(events.iter().any(
        |e| matches!(e, LinkEvent::Diagnostic(d) if d.kind == DiagnosticKind::DuplicateFrame)
    ));
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [ACK]);
    assert_eq!(c.link.counters().duplicates, 1);
    assert_eq!(c.link.counters().frames_in, 2);
    // The repeat of the message-finishing frame is a duplicate too: ACK, no second delivery.
    assert_eq!(c.feed(&frame(2, b"L|1\r", FrameKind::Last)), [ACK]);
    assert!(received_texts(&c.events()).is_empty());
}

#[test]
fn bad_checksum_is_naked_and_retransmission_delivered_once() {
    let mut p = Pair::new();
    let mut corrupted = false;
    p.inst.filter = Some(Box::new(move |mut bytes: Vec<u8>| {
        if bytes.first() == Some(&STX) && !corrupted {
            corrupted = true;
            let n = bytes.len();
            bytes[n - 4] = b'0'; // C2 replaced
            bytes[n - 3] = b'0';
        }
        Some(bytes)
    }));
    p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    assert_eq!(
        p.written_by(Role::Computer),
        vec![vec![ACK], vec![NAK], vec![ACK]]
    );
    assert_eq!(p.frames_written_by(Role::Instrument).len(), 2);
    assert_eq!(
        received_texts(&p.comp.events),
        vec![(MSG.to_vec(), true, true)]
    );
    assert_eq!(p.comp.link.counters().checksum_errors, 1);
    assert_eq!(p.comp.link.counters().naks_sent, 1);
    assert_eq!(p.inst.link.counters().retries, 1);
    assert_eq!(p.inst.link.counters().naks_received, 1);
    assert_eq!(p.inst.sent(), 1);
}

#[test]
fn wrong_frame_number_is_naked() {
    let mut c = Solo::new(Role::Computer);
    c.feed(&[ENQ]);
    assert_eq!(
        c.feed(&frame(3, b"H|\\^&\r", FrameKind::Intermediate)),
        [NAK],
        "first frame must be 1"
    );
    assert_eq!(
        c.feed(&frame(1, b"H|\\^&\r", FrameKind::Intermediate)),
        [ACK]
    );
    assert_eq!(
        c.feed(&frame(3, b"L|1\r", FrameKind::Last)),
        [NAK],
        "skipped 2"
    );
    assert_eq!(c.link.counters().sequence_errors, 2);
    assert_eq!(c.feed(&frame(2, b"L|1\r", FrameKind::Last)), [] as [u8; 0]);
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [ACK]);
}

#[test]
fn lenient_first_frame_number() {
    let config = LinkConfig {
        strict_first_frame_number: false,
        ..LinkConfig::default()
    };
    let mut c = Solo::with_config(Role::Computer, config);
    c.feed(&[ENQ]);
    assert_eq!(
        c.feed(&frame(0, b"H|\\^&\r", FrameKind::Intermediate)),
        [ACK]
    );
}

#[test]
fn six_transmissions_then_eot_and_message_kept() {
    let mut p = Pair::new();
    p.inst.filter = Some(Box::new(|mut bytes: Vec<u8>| {
        if bytes.first() == Some(&STX) {
            let n = bytes.len();
            bytes[n - 3] ^= 0x01; // always a bad checksum
        }
        Some(bytes)
    }));
    let id = p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    assert_eq!(
        p.frames_written_by(Role::Instrument).len(),
        6,
        "six transmissions in total"
    );
    assert_eq!(p.written_by(Role::Instrument).last(), Some(&vec![EOT]));
    assert!(p.inst.has(|e| *e
        == LinkEvent::SendAttemptFailed {
            id,
            attempt: 1,
            reason: AbortReason::RetryLimit
        }));
    assert_eq!(p.inst.link.queued_messages(), 1, "kept for a full retry");
    assert_eq!(p.inst.link.counters().retries, 5);
    assert_eq!(p.comp.link.counters().naks_sent, 6);
    assert!(p.comp.received().is_empty());
    // The full retry comes after the retry delay, from frame 1 again.
    p.inst.filter = None;
    p.advance(secs(10));
    assert_eq!(
        received_texts(&p.comp.events),
        vec![(MSG.to_vec(), true, true)]
    );
    assert_eq!(p.inst.sent(), 1);
}

#[test]
fn send_failed_after_max_attempts_hands_text_back() {
    let config = LinkConfig {
        max_send_attempts: 2,
        ..LinkConfig::default()
    };
    let mut i = Solo::with_config(Role::Instrument, config);
    let id = i.link.send(i.now, MSG.to_vec()).unwrap();
    assert_eq!(i.out(), [ENQ]);
    i.feed(&[ACK]);
    assert_eq!(
        i.advance(secs(15)),
        [EOT],
        "attempt 1: no reply to the frame"
    );
    assert_eq!(i.advance(secs(10)), [ENQ]);
    i.feed(&[ACK]);
    assert_eq!(i.advance(secs(15)), [EOT], "attempt 2");
    let events = i.events();
    assert!(events.contains(&LinkEvent::SendFailed {
        id,
        text: MSG.to_vec(),
        attempts: 2
    }));
    assert_eq!(i.link.queued_messages(), 0);
    assert_eq!(
        i.advance(secs(60)),
        [] as [u8; 0],
        "nothing left to bid for"
    );
}

#[test]
fn sender_frame_reply_timeout_15s_then_full_retry() {
    let mut i = Solo::new(Role::Instrument);
    let id = i.link.send(i.now, MSG.to_vec()).unwrap();
    assert_eq!(i.out(), [ENQ]);
    assert_eq!(i.feed(&[ACK]), frame(1, MSG, FrameKind::Last));
    assert_eq!(i.advance(secs(15) - ms(1)), [] as [u8; 0]);
    assert_eq!(i.advance(ms(1)), [EOT]);
    let events = i.events();
    assert!(events.contains(&LinkEvent::Timeout(TimeoutKind::FrameReply)));
    assert!(events.contains(&LinkEvent::SendAttemptFailed {
        id,
        attempt: 1,
        reason: AbortReason::ReplyTimeout
    }));
    assert_eq!(i.link.counters().timeouts, 1);
    assert_eq!(i.advance(secs(10)), [ENQ]);
    assert_eq!(
        i.feed(&[ACK]),
        frame(1, MSG, FrameKind::Last),
        "whole message again from FN 1"
    );
}

#[test]
fn sender_enq_reply_timeout_15s() {
    let mut i = Solo::new(Role::Instrument);
    i.link.send(i.now, MSG.to_vec()).unwrap();
    assert_eq!(i.out(), [ENQ]);
    assert_eq!(
        i.feed(b"junk"),
        [] as [u8; 0],
        "other bytes are ignored while waiting for the ENQ reply"
    );
    assert_eq!(i.advance(secs(15) - ms(1)), [] as [u8; 0]);
    assert_eq!(i.advance(ms(1)), [EOT]);
    assert!(i
        .events()
        .contains(&LinkEvent::Timeout(TimeoutKind::EnqReply)));
}

#[test]
fn receiver_timeout_30s_discards_partial_message() {
    let mut c = Solo::new(Role::Computer);
    c.feed(&[ENQ]);
    c.advance(secs(20));
    assert_eq!(
        c.feed(&frame(1, b"H|\\^&\rP|1\r", FrameKind::Intermediate)),
        [ACK]
    );
    assert_eq!(
        c.advance(secs(30) - ms(1)),
        [] as [u8; 0],
        "timer restarted at the ACK"
    );
    c.events();
    c.advance(ms(1));
    let events = c.events();
    assert!(events.contains(&LinkEvent::Timeout(TimeoutKind::Receive)));
    assert!(events.contains(&LinkEvent::IncompleteMessageDiscarded {
        text: b"H|\\^&\rP|1\r".to_vec(),
        first_frame_offset: 1
    }));
    assert!(received_texts(&events).is_empty());
    assert_eq!(c.link.state(), LinkState::Neutral);
    // A late frame is ignored outside a transfer.
    assert_eq!(c.feed(&frame(2, b"L|1\r", FrameKind::Last)), [] as [u8; 0]);
}

#[test]
fn busy_nak_then_10s_backoff() {
    let mut p = Pair::new();
    p.comp.link.set_busy(true);
    p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    assert_eq!(
        p.wire,
        vec![(Role::Instrument, vec![ENQ]), (Role::Computer, vec![NAK])]
    );
    assert!(p
        .inst
        .has(|e| matches!(e, LinkEvent::Diagnostic(d) if d.kind == DiagnosticKind::Busy)));
    p.advance(secs(10) - ms(1));
    assert_eq!(p.wire.len(), 2, "no ENQ before 10 s");
    p.comp.link.set_busy(false);
    p.advance(ms(1));
    assert_eq!(p.wire[2], (Role::Instrument, vec![ENQ]));
    assert_eq!(
        received_texts(&p.comp.events),
        vec![(MSG.to_vec(), true, true)]
    );
}

#[test]
fn contention_both_roles() {
    let mut p = Pair::new();
    p.comp.link.send(p.now, MSG2.to_vec()).unwrap();
    p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    // Both bid; each sees the other's ENQ.
    assert_eq!(
        p.wire,
        vec![(Role::Instrument, vec![ENQ]), (Role::Computer, vec![ENQ])]
    );
    assert_eq!(p.inst.link.counters().contentions, 1);
    assert_eq!(p.comp.link.counters().contentions, 1);
    p.advance(secs(1) - ms(1));
    assert_eq!(p.wire.len(), 2, "instrument waits 1 s");
    p.advance(ms(1));
    // The instrument bids again; the computer answers and receives first, then sends its own message
    // as soon as the instrument's transfer has ended (well before its 20 s timer).
    assert_eq!(p.wire[2], (Role::Instrument, vec![ENQ]));
    assert_eq!(p.wire[3], (Role::Computer, vec![ACK]));
    assert_eq!(
        received_texts(&p.comp.events),
        vec![(MSG.to_vec(), true, true)]
    );
    assert_eq!(
        received_texts(&p.inst.events),
        vec![(MSG2.to_vec(), true, true)]
    );
    assert_eq!(p.elapsed(), secs(1));
}

#[test]
fn computer_contention_timer_20s() {
    let mut c = Solo::new(Role::Computer);
    c.link.send(c.now, MSG.to_vec()).unwrap();
    assert_eq!(c.out(), [ENQ]);
    assert_eq!(
        c.feed(&[ENQ]),
        [] as [u8; 0],
        "contention: the computer yields and does not answer"
    );
    assert_eq!(c.link.state(), LinkState::Neutral);
    assert_eq!(
        c.advance(secs(20) - ms(1)),
        [] as [u8; 0],
        "no bid while waiting for the instrument"
    );
    assert_eq!(
        c.advance(ms(1)),
        [ENQ],
        "20 s without ENQ: the line is neutral again"
    );
}

#[test]
fn computer_answers_instruments_next_enq_after_contention() {
    let mut c = Solo::new(Role::Computer);
    c.link.send(c.now, MSG.to_vec()).unwrap();
    c.out();
    c.feed(&[ENQ]);
    c.advance(secs(1));
    assert_eq!(c.feed(&[ENQ]), [ACK]);
    c.feed(&frame(1, MSG2, FrameKind::Last));
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [ACK]);
    assert_eq!(
        c.feed(&[EOT]),
        [ENQ],
        "the instrument returned the line to neutral: bid at once"
    );
}

#[test]
fn instrument_contention_waits_1s() {
    let mut i = Solo::new(Role::Instrument);
    i.link.send(i.now, MSG.to_vec()).unwrap();
    assert_eq!(i.out(), [ENQ]);
    assert_eq!(i.feed(&[ENQ]), [] as [u8; 0]);
    assert_eq!(i.advance(secs(1) - ms(1)), [] as [u8; 0]);
    assert_eq!(i.advance(ms(1)), [ENQ]);
}

#[test]
fn receiver_interrupt_honoured_at_end_of_message_then_other_side_sends() {
    let config = LinkConfig {
        max_frame_len: 20,
        ..LinkConfig::default()
    };
    let mut p = Pair::with_configs(config, LinkConfig::default());
    p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.inst.link.send(p.now, MSG2.to_vec()).unwrap();
    // The computer gets something to send while it is receiving, and asks for the line.
    p.deliver_one_from_instrument();
    assert_eq!(p.comp.link.state(), LinkState::Receiving);
    p.comp.link.request_interrupt();
    p.comp
        .link
        .send(p.now, b"H|\\^&\rO|1|S9\rL|1\r".to_vec())
        .unwrap();
    p.drive();
    // Every frame of MSG is answered EOT; the instrument finishes MSG (3 frames), then sends EOT
    // instead of starting MSG2. The computer then sends its message, and once it has returned the line
    // to neutral the instrument sends MSG2 without waiting out its 15 s hold-off.
    let first_bytes = |role| p.written_by(role).iter().map(|b| b[0]).collect::<Vec<u8>>();
    assert_eq!(
        first_bytes(Role::Instrument),
        [ENQ, STX, STX, STX, EOT, ACK, ACK, ENQ, STX, STX, EOT]
    );
    assert_eq!(
        first_bytes(Role::Computer),
        [ACK, EOT, EOT, EOT, ENQ, STX, EOT, ACK, ACK, ACK]
    );
    assert_eq!(p.inst.link.counters().interrupts_received, 3);
    assert_eq!(p.comp.link.counters().interrupts_sent, 3);
    assert_eq!(
        received_texts(&p.inst.events),
        vec![(b"H|\\^&\rO|1|S9\rL|1\r".to_vec(), true, true)]
    );
    assert_eq!(
        received_texts(&p.comp.events),
        vec![(MSG.to_vec(), true, true), (MSG2.to_vec(), true, true)]
    );
    assert_eq!(p.inst.sent(), 2);
    assert_eq!(p.elapsed(), Duration::ZERO);
}

#[test]
fn interrupt_hold_off_15s_when_other_side_does_not_send() {
    let mut i = Solo::new(Role::Instrument);
    i.link.send(i.now, MSG.to_vec()).unwrap();
    i.link.send(i.now, MSG2.to_vec()).unwrap();
    assert_eq!(i.out(), [ENQ]);
    assert_eq!(i.feed(&[ACK]), frame(1, MSG, FrameKind::Last));
    assert_eq!(
        i.feed(&[EOT]),
        [EOT],
        "EOT instead of ACK: frame accepted, stop after this message"
    );
    assert_eq!(i.advance(secs(15) - ms(1)), [] as [u8; 0]);
    assert_eq!(i.advance(ms(1)), [ENQ]);
    assert_eq!(i.feed(&[ACK]), frame(1, MSG2, FrameKind::Last));
}

#[test]
fn garbage_between_frames_is_ignored_and_counted() {
    let mut c = Solo::new(Role::Computer);
    assert_eq!(c.feed(b"~~"), [] as [u8; 0]);
    assert_eq!(c.feed(&[ENQ]), [ACK]);
    assert_eq!(c.feed(b"xyz"), [] as [u8; 0]);
    assert_eq!(
        c.feed(&frame(1, b"H|\\^&\r", FrameKind::Intermediate)),
        [ACK]
    );
    assert_eq!(c.link.counters().bytes_ignored, 5);
    assert!(c.events().iter().any(
        |e| matches!(e, LinkEvent::Diagnostic(d) if d.kind == DiagnosticKind::BytesOutsideFrames)
    ));
}

#[test]
fn ack_deferred_until_accept_message() {
    let mut p = Pair::new();
    p.comp.auto_accept = false;
    let id = p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    assert_eq!(
        p.written_by(Role::Computer),
        vec![vec![ACK]],
        "only the ENQ was answered"
    );
    assert_eq!(p.comp.link.state(), LinkState::AwaitingStorage);
    assert_eq!(p.comp.received().len(), 1);
    p.advance(secs(5));
    assert!(p.comp.link.accept_message(p.now));
    p.drive();
    assert_eq!(p.written_by(Role::Computer), vec![vec![ACK], vec![ACK]]);
    assert!(p.inst.has(|e| *e == LinkEvent::MessageSent { id }));
    assert!(
        !p.comp.link.accept_message(p.now),
        "nothing pending any more"
    );
}

#[test]
fn reject_message_naks_and_retransmission_is_delivered_again_once() {
    let config = LinkConfig {
        max_frame_len: 20,
        ..LinkConfig::default()
    };
    let mut p = Pair::with_configs(config, LinkConfig::default());
    p.comp.auto_accept = false;
    p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    assert_eq!(p.comp.received().len(), 1);
    assert!(p.comp.link.reject_message(p.now));
    p.drive();
    // The last frame (3) was NAKed and sent again; the message is delivered again, whole.
    let frames = p.frames_written_by(Role::Instrument);
    assert_eq!(frames.iter().map(|f| f[1]).collect::<Vec<_>>(), b"1233");
    assert_eq!(
        received_texts(&p.comp.events),
        vec![(MSG.to_vec(), true, true), (MSG.to_vec(), true, true)]
    );
    assert!(p.comp.link.accept_message(p.now));
    p.drive();
    assert_eq!(
        p.comp.received().len(),
        2,
        "delivered exactly twice: once rejected, once accepted"
    );
    assert_eq!(p.inst.sent(), 1);
    assert_eq!(p.written_by(Role::Instrument).last(), Some(&vec![EOT]));
}

#[test]
fn storage_slower_than_15s_sender_gives_up_and_repeats_the_message() {
    let mut p = Pair::new();
    p.comp.auto_accept = false;
    p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    p.advance(secs(15));
    // The reply bound passed, the instrument timed out and terminated.
    assert!(p.comp.has(
        |e| matches!(e, LinkEvent::Diagnostic(d) if d.kind == DiagnosticKind::ReplyBoundExceeded)
    ));
    assert!(p.comp.has(
        |e| matches!(e, LinkEvent::Diagnostic(d) if d.kind == DiagnosticKind::UnansweredDelivery)
    ));
    assert_eq!(p.comp.link.state(), LinkState::Neutral);
    assert!(
        !p.comp.link.accept_message(p.now),
        "too late: nothing to acknowledge"
    );
    // After its retry delay the instrument sends the whole message again: delivered a second time.
    p.comp.auto_accept = true;
    p.advance(secs(10));
    assert_eq!(p.comp.received().len(), 2);
    assert_eq!(p.comp.received()[1].text, MSG);
    assert_eq!(p.inst.sent(), 1);
}

#[test]
fn frame_numbers_wrap_7_to_0() {
    let config = LinkConfig {
        max_frame_len: 12,
        ..LinkConfig::default()
    };
    let mut p = Pair::with_configs(config, LinkConfig::default());
    p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    // 39 bytes at 5 per frame: 8 frames numbered 1..7 then 0.
    let frames = p.frames_written_by(Role::Instrument);
    assert_eq!(frames.iter().map(|f| f[1]).collect::<Vec<_>>(), b"12345670");
    assert_eq!(
        received_texts(&p.comp.events),
        vec![(MSG.to_vec(), true, true)]
    );
}

#[test]
fn frames_up_to_64000_characters_are_accepted() {
    let config = LinkConfig {
        max_frame_len: 64_000,
        ..LinkConfig::default()
    };
    let mut p = Pair::with_configs(config, LinkConfig::default());
    // 6 + 63,983 + 4 = 63,993 text characters: one 64,000-character frame.
    let mut text = b"H|\\^&\rC|".to_vec();
    text.resize(6 + 63_983 - 1, b'x');
    text.extend_from_slice(b"\rL|1\r");
    assert_eq!(text.len(), 63_993);
    p.inst.link.send(p.now, text.clone()).unwrap();
    p.drive();
    let frames = p.frames_written_by(Role::Instrument);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].len(), 64_000);
    assert_eq!(received_texts(&p.comp.events), vec![(text, true, true)]);
}

#[test]
fn partial_message_at_eot_is_delivered_flagged() {
    let mut c = Solo::new(Role::Computer);
    c.feed(&[ENQ]);
    assert_eq!(
        c.feed(&frame(1, b"H|\\^&\rP|1\rO|1|S1\r", FrameKind::Last)),
        [ACK]
    );
    c.feed(&[EOT]);
    let events = c.events();
    assert_eq!(
        received_texts(&events),
        vec![(b"H|\\^&\rP|1\rO|1|S1\r".to_vec(), false, false)]
    );
    assert!(events.contains(&LinkEvent::TransferEnded(Direction::Incoming)));
}

#[test]
fn pentra_style_one_record_per_etx_frame() {
    let mut c = Solo::new(Role::Computer);
    c.feed(&[ENQ]);
    assert_eq!(
        c.feed(&frame(1, b"H|\\^&\r", FrameKind::Last)),
        [ACK],
        "ETX does not end the message"
    );
    assert_eq!(
        c.feed(&frame(2, b"R|1|^^^WBC|8.5\r", FrameKind::Last)),
        [ACK]
    );
    assert_eq!(
        c.feed(&frame(3, b"L|1|N\r", FrameKind::Last)),
        [] as [u8; 0]
    );
    assert_eq!(
        received_texts(&c.events()),
        vec![(b"H|\\^&\rR|1|^^^WBC|8.5\rL|1|N\r".to_vec(), true, true)]
    );
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [ACK]);
}

#[test]
fn two_messages_in_one_frame_need_two_accepts() {
    let mut c = Solo::new(Role::Computer);
    c.feed(&[ENQ]);
    c.feed(&frame(1, b"H|\\^&\rL|1\rH|\\^&\rL|2\r", FrameKind::Last));
    assert_eq!(received_texts(&c.events()).len(), 2);
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [] as [u8; 0], "one message still unstored");
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [ACK]);
}

#[test]
fn computer_receives_byte_by_byte_exact_bytes() {
    let mut c = Solo::new(Role::Computer);
    let bytes: &[u8] = &[
        0x05, // ENQ: instrument bids
        0x02, // STX
        b'1', // FN 1
        b'H', b'|', b'\\', b'^', b'&', // header record
        0x0D, // CR ends it
        b'L', b'|', b'1', // terminator record
        0x0D, // CR
        0x03, // ETX
        b'E', // C1: 49 + (72+124+92+94+38) + 13 + (76+124+49) + 13 + 3 = 747 = 0x2EB
        b'B', // C2
        0x0D, // CR
        0x0A, // LF
        0x04, // EOT
    ];
    let mut out = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        out.extend(c.feed(&[*b]));
        if i == 15 {
            // The frame is complete at C2; its message is delivered and the reply waits.
            assert_eq!(out, [ACK]);
            assert!(c.link.accept_message(c.now));
            out.extend(c.out());
        }
    }
    assert_eq!(out, [ACK, ACK], "ACK to ENQ, ACK to the frame once stored");
    let events = c.events();
    assert_eq!(
        received_texts(&events),
        vec![(b"H|\\^&\rL|1\r".to_vec(), true, true)]
    );
    assert_eq!(
        c.link.counters().bytes_ignored,
        0,
        "CR LF after C2 is the frame trailer"
    );
    assert_eq!(c.link.state(), LinkState::Neutral);
}

#[test]
fn instrument_sends_exact_bytes() {
    let mut i = Solo::new(Role::Instrument);
    i.link.send(i.now, b"H|\\^&\rL|1\r".to_vec()).unwrap();
    assert_eq!(i.out(), [0x05], "ENQ");
    assert_eq!(
        i.feed(&[0x06]),
        [
            0x02, // STX
            b'1', // FN
            b'H', b'|', b'\\', b'^', b'&', 0x0D, // H record
            b'L', b'|', b'1', 0x0D, // L record
            0x03, // ETX
            b'E', b'B', // checksum: 747 mod 256 = 0xEB
            0x0D, 0x0A, // CR LF
        ]
    );
    assert_eq!(i.feed(&[0x06]), [0x04], "ACK -> EOT");
}

#[test]
fn any_reply_other_than_ack_or_eot_counts_as_nak() {
    let mut i = Solo::new(Role::Instrument);
    i.link.send(i.now, MSG.to_vec()).unwrap();
    i.out();
    let f = i.feed(&[ACK]);
    assert_eq!(i.feed(b"?"), f, "a stray character: retransmit");
    assert_eq!(i.feed(&[ENQ]), f, "ENQ in reply to a frame: retransmit");
    assert_eq!(i.link.counters().retries, 2);
}

#[test]
fn send_rejects_restricted_characters() {
    let mut i = Solo::new(Role::Instrument);
    assert_eq!(i.link.send(i.now, Vec::new()), Err(SendError::Empty));
    assert_eq!(
        i.link.send(i.now, b"H|\\^&\r\nL|1\r".to_vec()),
        Err(SendError::RestrictedByte {
            offset: 6,
            byte: 0x0A
        })
    );
    assert_eq!(i.out(), [] as [u8; 0]);
}

#[test]
fn busy_receiver_answers_nak() {
    let mut c = Solo::new(Role::Computer);
    c.link.set_busy(true);
    assert_eq!(c.feed(&[ENQ]), [NAK]);
    assert_eq!(c.link.state(), LinkState::Neutral);
}

#[test]
fn oversize_frame_is_naked() {
    let config = LinkConfig {
        max_receive_frame_len: 20,
        ..LinkConfig::default()
    };
    let mut c = Solo::with_config(Role::Computer, config);
    c.feed(&[ENQ]);
    assert_eq!(c.feed(&frame(1, &[b'x'; 14], FrameKind::Last)), [NAK]);
    assert_eq!(
        c.feed(&frame(1, &[b'x'; 13], FrameKind::Intermediate)),
        [ACK]
    );
}

#[test]
fn reused_frame_number_with_new_text_is_kept() {
    let mut c = Solo::new(Role::Computer);
    c.feed(&[ENQ]);
    assert_eq!(c.feed(&frame(1, b"H|\\^&\r", FrameKind::Last)), [ACK]);
    assert_eq!(
        c.feed(&frame(1, b"P|1\r", FrameKind::Last)),
        [ACK],
        "not a retransmission: the text differs"
    );
    c.feed(&frame(2, b"L|1\r", FrameKind::Last));
    assert_eq!(
        received_texts(&c.events()),
        vec![(b"H|\\^&\rP|1\rL|1\r".to_vec(), true, true)]
    );
    assert_eq!(c.link.counters().sequence_errors, 1);
    assert_eq!(c.link.counters().duplicates, 0);
}

#[test]
fn sender_that_does_not_wait_for_replies_loses_nothing() {
    // Two messages and EOT in one read: the second message's frame and the EOT are held while the
    // first message waits for storage, then handled in order.
    let mut c = Solo::new(Role::Computer);
    let mut bytes = vec![ENQ];
    bytes.extend(frame(1, MSG, FrameKind::Last));
    bytes.extend(frame(2, MSG2, FrameKind::Last));
    bytes.push(EOT);
    assert_eq!(c.feed(&bytes), [ACK]);
    assert_eq!(
        received_texts(&c.events()),
        vec![(MSG.to_vec(), true, true)]
    );
    // Held: frame 2 (STX, FN, 23 bytes of text, ETX, two checksum digits, CR, LF: 30 bytes) and
    // the EOT (1 byte).
    assert_eq!(MSG2.len(), 23);
    assert_eq!(c.link.held_len(), 31);
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [ACK]);
    assert_eq!(
        received_texts(&c.events()),
        vec![(MSG2.to_vec(), true, true)]
    );
    // Frame 2 waits for storage in turn; the EOT behind it is still held.
    assert_eq!(c.link.held_len(), 1);
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [ACK]);
    assert_eq!(c.link.held_len(), 0);
    assert_eq!(
        c.link.state(),
        LinkState::Neutral,
        "the held EOT ended the transfer"
    );
}

#[test]
fn accept_after_the_reply_bound_sends_no_late_ack() {
    let mut c = Solo::new(Role::Computer);
    c.feed(&[ENQ]);
    c.feed(&frame(1, MSG, FrameKind::Last));
    c.advance(secs(15));
    assert!(c.events().iter().any(
        |e| matches!(e, LinkEvent::Diagnostic(d) if d.kind == DiagnosticKind::ReplyBoundExceeded)
    ));
    // The sender's EOT has not arrived yet; the driver answers late.
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [] as [u8; 0], "no ACK 15 s late");
    c.feed(&[EOT]);
    assert_eq!(c.link.state(), LinkState::Neutral);
}

#[test]
fn reject_restores_open_text_when_a_header_spans_frames() {
    let mut c = Solo::new(Role::Computer);
    c.feed(&[ENQ]);
    assert_eq!(
        c.feed(&frame(1, b"H|a\rP|1\rH|x", FrameKind::Intermediate)),
        [ACK]
    );
    let f2 = frame(2, b"y\rL|1\r", FrameKind::Last);
    c.feed(&f2);
    let first = received_texts(&c.events());
    assert_eq!(
        first,
        vec![
            (b"H|a\rP|1\r".to_vec(), false, true),
            (b"H|xy\rL|1\r".to_vec(), true, true)
        ]
    );
    assert!(c.link.reject_message(c.now));
    assert_eq!(c.out(), [NAK]);
    c.feed(&f2);
    assert_eq!(
        received_texts(&c.events()),
        first,
        "the same two messages again, nothing lost"
    );
    assert!(c.link.accept_message(c.now));
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [ACK]);
}

fn bare() -> LinkConfig {
    LinkConfig {
        frame_format: FrameFormat::Bare,
        ..LinkConfig::default()
    }
}

#[test]
fn bare_frames_exact_wire_both_ways() {
    // Snibe MAGLUMI framing: <STX> whole message <ETX>, no FN, no checksum, no CR LF.
    let mut p = Pair::with_configs(bare(), bare());
    let id = p.inst.link.send(p.now, MSG.to_vec()).unwrap();
    p.drive();
    let mut framed = vec![STX];
    framed.extend_from_slice(MSG);
    framed.push(ETX);
    assert_eq!(
        p.wire,
        vec![
            (Role::Instrument, vec![ENQ]),
            (Role::Computer, vec![ACK]),
            (Role::Instrument, framed),
            (Role::Computer, vec![ACK]),
            (Role::Instrument, vec![EOT]),
        ]
    );
    assert_eq!(p.comp.received().len(), 1);
    assert_eq!(p.comp.received()[0].text, MSG);
    assert!(p.inst.has(|e| *e == LinkEvent::MessageSent { id }));
    assert_eq!(p.comp.link.counters().checksum_errors, 0);
    assert_eq!(p.comp.link.counters().sequence_errors, 0);
}

#[test]
fn bare_messages_in_a_row_are_each_acked_after_storage_never_naked() {
    // Two messages of one transfer, as a MAGLUMI sends them (the second right after the first's
    // ACK); the ACK waits for storage as with standard frames.
    let mut link = Link::new(Role::Computer, bare());
    let now = t0();
    let mut out = Vec::new();
    let mut input = vec![ENQ, STX];
    input.extend_from_slice(MSG);
    input.push(ETX);
    link.handle_input(now, &input);
    while let Some(b) = link.poll_transmit() {
        out.push(b);
    }
    assert_eq!(out, vec![vec![ACK]], "frame held until stored");
    assert!(link.accept_message(now));
    let mut second = vec![STX];
    second.extend_from_slice(MSG2);
    second.push(ETX);
    link.handle_input(now, &second);
    assert!(link.accept_message(now));
    link.handle_input(now, &[EOT]);
    while let Some(b) = link.poll_transmit() {
        out.push(b);
    }
    assert_eq!(out, vec![vec![ACK], vec![ACK], vec![ACK]]);
    let mut texts = Vec::new();
    while let Some(e) = link.poll_event() {
        if let LinkEvent::MessageReceived(m) = e {
            texts.push(m.text);
        }
    }
    assert_eq!(texts, vec![MSG.to_vec(), MSG2.to_vec()]);
    assert_eq!(link.state(), LinkState::Neutral);
    assert_eq!(link.counters().naks_sent, 0);
}

#[test]
fn standard_link_naks_a_bare_frame() {
    // The same bytes on a standard link have no valid checksum: NAK, never accepted.
    let mut link = Link::new(Role::Computer, LinkConfig::default());
    let mut input = vec![ENQ, STX];
    input.extend_from_slice(MSG);
    input.extend_from_slice(&[ETX, EOT]);
    link.handle_input(t0(), &input);
    let mut out = Vec::new();
    while let Some(b) = link.poll_transmit() {
        out.push(b);
    }
    assert!(out.contains(&vec![NAK]), "{out:?}");
}

/// 200 bytes of record text: an H record then an R record for the first frame, R records after.
fn piece(first: bool) -> Vec<u8> {
    let mut text = if first {
        b"H|\\^&\r".to_vec()
    } else {
        Vec::new()
    };
    text.extend_from_slice(b"R|");
    text.resize(199, b'x');
    text.push(b'\r');
    assert_eq!(text.len(), 200);
    text
}

#[test]
fn endless_intermediate_frames_stop_at_the_message_limit() {
    let config = LinkConfig {
        max_message_len: 1000,
        ..LinkConfig::default()
    };
    let mut c = Solo::with_config(Role::Computer, config);
    assert_eq!(c.feed(&[ENQ]), [ACK]);
    // Five 200-byte intermediate frames, 29 s apart: each ACK restarts the 30 s receive timer, so
    // the timer alone would let this go on forever. 5 x 200 = 1000 bytes: at the limit, accepted.
    for n in 1..=5u8 {
        assert_eq!(c.advance(secs(29)), [] as [u8; 0]);
        assert_eq!(
            c.feed(&frame(n, &piece(n == 1), FrameKind::Intermediate)),
            [ACK]
        );
    }
    assert!(c
        .events()
        .iter()
        .all(|e| !matches!(e, LinkEvent::MessageTooLong { .. })));
    // The sixth takes the message to 1200 bytes: NAK, the 1200 bytes handed out, line neutral.
    c.advance(secs(29));
    assert_eq!(
        c.feed(&frame(6, &piece(false), FrameKind::Intermediate)),
        [NAK]
    );
    let events = c.events();
    let too_long: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            LinkEvent::MessageTooLong {
                text,
                first_frame_offset,
                limit,
            } => Some((text.len(), *first_frame_offset, *limit)),
            _ => None,
        })
        .collect();
    // The ENQ is byte 0, the first frame's STX byte 1.
    assert_eq!(too_long, [(1200, 1, 1000)]);
    assert!(events.contains(&LinkEvent::TransferEnded(Direction::Incoming)));
    assert!(received_texts(&events).is_empty());
    assert_eq!(c.link.state(), LinkState::Neutral);
    assert_eq!(
        c.link.poll_timeout(),
        None,
        "no timer keeps the stream alive"
    );
    // The sender's repeats and further frames get no reply and are held nowhere.
    assert_eq!(
        c.feed(&frame(6, &piece(false), FrameKind::Intermediate)),
        [] as [u8; 0]
    );
    assert_eq!(
        c.feed(&frame(7, &piece(false), FrameKind::Intermediate)),
        [] as [u8; 0]
    );
    assert!(c
        .events()
        .iter()
        .all(|e| !matches!(e, LinkEvent::MessageTooLong { .. })));
    // It gives up (EOT) and bids again: the link works as before.
    c.feed(&[EOT]);
    assert_eq!(c.feed(&[ENQ]), [ACK]);
    assert_eq!(c.feed(&frame(1, MSG, FrameKind::Last)), [] as [u8; 0]);
    assert_eq!(received_texts(&c.events()), [(MSG.to_vec(), true, true)]);
    assert!(c.link.accept_message(c.now));
    assert_eq!(c.out(), [ACK]);
}

#[test]
fn a_whole_message_over_the_limit_in_one_frame_is_given_up() {
    let config = LinkConfig {
        max_message_len: 64,
        ..LinkConfig::default()
    };
    // H (6) + R (4 + n + 1) + L (6) bytes: n = 47 makes 64, at the limit; n = 48 makes 65.
    let message = |n: usize| {
        let mut m = b"H|\\^&\rR|1|".to_vec();
        m.resize(10 + n, b'x');
        m.extend_from_slice(b"\rL|1|N\r");
        m
    };
    let mut c = Solo::with_config(Role::Computer, config);
    c.feed(&[ENQ]);
    c.feed(&frame(1, &message(47), FrameKind::Last));
    assert_eq!(received_texts(&c.events()), [(message(47), true, true)]);
    c.link.accept_message(c.now);
    assert_eq!(c.out(), [ACK]);
    assert_eq!(c.feed(&frame(2, &message(48), FrameKind::Last)), [NAK]);
    let events = c.events();
    assert!(events.contains(&LinkEvent::MessageTooLong {
        text: message(48),
        first_frame_offset: 1 + frame(1, &message(47), FrameKind::Last).len() as u64,
        limit: 64
    }));
    assert!(received_texts(&events).is_empty());
    assert_eq!(c.link.state(), LinkState::Neutral);
}
