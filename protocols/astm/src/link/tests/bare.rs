//! Bare frames (one frame per message, no frame number, no checksum: Snibe MAGLUMI) and the
//! message size limit.

use super::*;

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
