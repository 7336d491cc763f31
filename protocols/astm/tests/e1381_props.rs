//! Property tests for the E1381 layer: round trips through frames and the link, chunking does not
//! change results, and no input makes anything panic.

use std::time::{Duration, Instant};

use bytes::BytesMut;
use lis_astm::assemble::RecordAssembler;
use lis_astm::frame::{
    self, is_restricted_text_byte, split_message, Decoded, FrameDecoder, FrameError, FrameKind, CR,
    FRAME_OVERHEAD, MIN_FRAME_LEN,
};
use lis_astm::link::{Link, LinkConfig, LinkEvent, Role};
use proptest::prelude::*;

#[allow(clippy::disallowed_methods)]
fn t0() -> Instant {
    Instant::now()
}

/// Text bytes a frame may carry [LIS1-A §6.6.2] (CR included).
fn text_byte() -> impl Strategy<Value = u8> {
    any::<u8>().prop_filter("restricted", |b| !is_restricted_text_byte(*b))
}

/// A record body: no CR, and not starting with H or L so that it never changes message boundaries.
fn record() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(text_byte().prop_filter("no CR", |b| *b != CR), 1..80).prop_map(
        |mut r| {
            if matches!(r[0], b'H' | b'h' | b'L' | b'l') {
                r[0] = b'R';
            }
            r
        },
    )
}

fn decode_chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Result<Decoded, FrameError>> {
    let mut decoder = FrameDecoder::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut start = 0;
    let mut ends: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    ends.sort_unstable();
    ends.push(bytes.len());
    for end in ends {
        if end < start {
            continue;
        }
        buf.extend_from_slice(&bytes[start..end]);
        start = end;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(t)) => out.push(Ok(t)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
    }
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(t)) => out.push(Ok(t)),
            Ok(None) => break,
            Err(e) => out.push(Err(e)),
        }
    }
    out
}

/// Merges adjacent `Outside` tokens, whose split depends on how the input arrived.
fn merge_outside(tokens: Vec<Result<Decoded, FrameError>>) -> Vec<Result<Decoded, FrameError>> {
    let mut out: Vec<Result<Decoded, FrameError>> = Vec::new();
    for token in tokens {
        if let (
            Some(Ok(Decoded::Outside { bytes: prev, .. })),
            Ok(Decoded::Outside { bytes, .. }),
        ) = (out.last_mut(), &token)
        {
            prev.extend_from_slice(bytes);
            continue;
        }
        out.push(token);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn split_encode_decode_round_trip(
        text in prop::collection::vec(text_byte(), 0..2000),
        first_fn in 0u8..8,
        max_frame_len in MIN_FRAME_LEN..600,
    ) {
        let frames = split_message(&text, first_fn, max_frame_len);
        let mut wire = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            prop_assert_eq!(f.number, (first_fn as usize + i) as u8 % 8);
            prop_assert_eq!(f.kind == FrameKind::Last, i + 1 == frames.len());
            let encoded = f.encode();
            prop_assert!(encoded.len() <= max_frame_len);
            prop_assert_eq!(encoded.len(), f.text.len() + FRAME_OVERHEAD);
            wire.extend(encoded);
        }
        let mut joined = Vec::new();
        for token in frame::decode_all(&wire) {
            match token {
                Ok(Decoded::Frame(f)) => {
                    prop_assert!(f.is_valid());
                    joined.extend(f.frame.text);
                }
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        prop_assert_eq!(joined, text);
    }

    #[test]
    fn message_through_instrument_and_computer_links(
        records in prop::collection::vec(record(), 0..20),
        max_frame_len in MIN_FRAME_LEN..300,
    ) {
        let mut text = b"H|\\^&\r".to_vec();
        for r in &records {
            text.extend_from_slice(r);
            text.push(CR);
        }
        text.extend_from_slice(b"L|1|N\r");
        let now = t0();
        let mut inst = Link::new(Role::Instrument, LinkConfig { max_frame_len, ..LinkConfig::default() });
        let mut comp = Link::new(Role::Computer, LinkConfig::default());
        inst.send(now, text.clone()).unwrap();
        let mut received = Vec::new();
        let mut sent = 0;
        for _ in 0..10_000 {
            let mut moved = false;
            while let Some(b) = inst.poll_transmit() { moved = true; comp.handle_input(now, &b); }
            while let Some(b) = comp.poll_transmit() { moved = true; inst.handle_input(now, &b); }
            while let Some(e) = comp.poll_event() {
                moved = true;
                if let LinkEvent::MessageReceived(m) = e {
                    prop_assert!(comp.accept_message(now));
                    received.push(m.text);
                }
            }
            while let Some(e) = inst.poll_event() {
                moved = true;
                if matches!(e, LinkEvent::MessageSent { .. }) { sent += 1; }
            }
            if !moved { break; }
        }
        prop_assert_eq!(received, vec![text]);
        prop_assert_eq!(sent, 1);
    }

    #[test]
    fn decoder_chunking_does_not_change_tokens(
        bytes in prop::collection::vec(
            prop_oneof![Just(0x02u8), Just(0x03), Just(0x04), Just(0x05), Just(0x06), Just(0x15), Just(0x17),
                        Just(b'\r'), Just(b'\n'), Just(b'1'), Just(b'A'), any::<u8>()],
            0..400),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let whole = merge_outside(decode_chunks(&bytes, &[]));
        let split = merge_outside(decode_chunks(&bytes, &cuts));
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn assembler_chunking_does_not_change_messages(
        bytes in prop::collection::vec(
            prop_oneof![Just(b'H'), Just(b'L'), Just(b'|'), Just(b'\r'), Just(b'\n'), Just(b'x')], 0..300),
        cut in any::<usize>(),
    ) {
        let whole: Vec<_> = RecordAssembler::split_all(&bytes).collect();
        let cut = cut % (bytes.len() + 1);
        let mut a = RecordAssembler::new();
        a.push(&bytes[..cut]);
        a.push(&bytes[cut..]);
        let mut split: Vec<_> = std::iter::from_fn(|| a.next_message()).collect();
        split.extend(a.finish());
        prop_assert_eq!(whole, split);
    }

}

proptest! {
    // Generating the nested inputs is the slow part in debug builds; 64 cases keep this test short.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_input_never_panics_either_role(
        chunks in prop::collection::vec(
            (prop::collection::vec(
                prop_oneof![Just(0x02u8), Just(0x03), Just(0x04), Just(0x05), Just(0x06), Just(0x15),
                            Just(0x17), Just(b'1'), Just(b'H'), Just(b'L'), Just(b'|'), Just(b'\r'), any::<u8>()],
                0..64),
             0u64..40_000, any::<u8>()),
            0..40),
    ) {
        let start = t0();
        for role in [Role::Computer, Role::Instrument] {
            let mut link = Link::new(role, LinkConfig::default());
            let mut now = start;
            for (bytes, step_ms, action) in &chunks {
                now += Duration::from_millis(*step_ms);
                match action % 8 {
                    0 => { let _ = link.send(now, b"H|\\^&\rL|1\r".to_vec()); }
                    1 => { link.accept_message(now); }
                    2 => { link.reject_message(now); }
                    3 => link.request_interrupt(),
                    4 => link.set_busy(action % 16 == 4),
                    _ => {}
                }
                link.handle_input(now, bytes);
                if link.poll_timeout().is_some_and(|t| t <= now) {
                    link.handle_timeout(now);
                }
                while link.poll_transmit().is_some() {}
                while link.poll_event().is_some() {}
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever the computer's storage does (accept, or reject a few times in a row), the messages
    /// it accepts are exactly the messages the instrument sent, in order, each once.
    #[test]
    fn accepted_messages_equal_sent_messages_despite_rejections(
        messages in prop::collection::vec(prop::collection::vec(record(), 0..6), 1..5),
        max_frame_len in MIN_FRAME_LEN..120,
        rejections in prop::collection::vec(any::<bool>(), 0..64),
    ) {
        let texts: Vec<Vec<u8>> = messages
            .iter()
            .map(|records| {
                let mut text = b"H|\\^&\r".to_vec();
                for r in records {
                    text.extend_from_slice(r);
                    text.push(CR);
                }
                text.extend_from_slice(b"L|1|N\r");
                text
            })
            .collect();
        let mut now = t0();
        let mut inst = Link::new(Role::Instrument, LinkConfig { max_frame_len, ..LinkConfig::default() });
        let mut comp = Link::new(Role::Computer, LinkConfig::default());
        for t in &texts {
            inst.send(now, t.clone()).unwrap();
        }
        let mut decisions = rejections.into_iter();
        let mut in_a_row = 0;
        let mut accepted = Vec::new();
        for _ in 0..100_000 {
            let mut moved = false;
            while let Some(b) = inst.poll_transmit() { moved = true; comp.handle_input(now, &b); }
            while let Some(b) = comp.poll_transmit() { moved = true; inst.handle_input(now, &b); }
            while let Some(e) = comp.poll_event() {
                moved = true;
                if let LinkEvent::MessageReceived(m) = e {
                    prop_assert!(m.reply_pending && m.complete);
                    let reject = decisions.next().unwrap_or(false) && in_a_row < 3;
                    if reject {
                        in_a_row += 1;
                        prop_assert!(comp.reject_message(now));
                    } else {
                        in_a_row = 0;
                        prop_assert!(comp.accept_message(now));
                        accepted.push(m.text);
                    }
                }
            }
            while let Some(e) = inst.poll_event() {
                moved = true;
                let failed = matches!(e, LinkEvent::SendFailed { .. });
                prop_assert!(!failed, "a message was given up");
            }
            if !moved {
                match [inst.poll_timeout(), comp.poll_timeout()].into_iter().flatten().min() {
                    Some(t) if inst.queued_messages() > 0 => {
                        now = now.max(t);
                        inst.handle_timeout(now);
                        comp.handle_timeout(now);
                    }
                    _ => break,
                }
            }
        }
        prop_assert_eq!(accepted, texts);
    }
}
