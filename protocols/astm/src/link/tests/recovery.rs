//! Interrupts, deferred acknowledgement, frame-number wrap, long frames, odd replies and what the
//! link keeps when the other side misbehaves.

use super::*;

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
