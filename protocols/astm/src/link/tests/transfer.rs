//! A message's way across the link: exact wire bytes, frames, checksums, retransmission, the
//! LIS1-A timers and contention.

use super::*;

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
