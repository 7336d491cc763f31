//! The stream-decoded vendor links' answers, byte by byte.

use std::time::Instant;

use lis_vendor::{advia, vidas};

use super::*;

fn machine(framing: Framing) -> StreamMachine {
    StreamMachine::for_framing(framing).unwrap()
}

fn drain(m: &mut StreamMachine) -> (Vec<u8>, Vec<VendorEvent>) {
    let mut out = Vec::new();
    while let Some(b) = m.poll_transmit() {
        out.extend_from_slice(&b);
    }
    (out, std::iter::from_fn(|| m.poll_event()).collect())
}

/// `STX '0' 'R' … CR LF BCC ETX`, a small result block.
fn result_block(toggle: u8) -> Vec<u8> {
    advia::encode_block(toggle, b"R 00000000000042\r\n  1 7.47 \r\n")
}

#[test]
fn advia_acknowledges_a_stored_block_with_its_toggle_only_after_the_verdict() {
    let now = Instant::now();
    let mut m = machine(Framing::Advia);
    m.handle_input(now, &result_block(b'E'));
    let (out, events) = drain(&mut m);
    assert!(out.is_empty(), "nothing before the verdict: {out:?}");
    assert!(matches!(&events[..], [VendorEvent::Message { .. }]));
    m.handle_verdict(now, VendorVerdict::stored(true));
    // The toggle `E` (0x45) is the acknowledgement.
    assert_eq!(drain(&mut m).0, vec![0x45]);
    // A store failure: NAK (0x15), the analyzer sends the block again.
    m.handle_input(now, &result_block(b'F'));
    drain(&mut m);
    m.handle_verdict(now, VendorVerdict::stored(false));
    let (out, events) = drain(&mut m);
    assert_eq!(out, vec![0x15]);
    assert_eq!(events, vec![VendorEvent::NakSent]);
}

#[test]
fn advia_bad_bcc_is_kept_then_naked() {
    let now = Instant::now();
    let mut m = machine(Framing::Advia);
    let mut block = result_block(b'E');
    let n = block.len();
    block[n - 2] ^= 0x01; // the BCC byte, off by one bit
    m.handle_input(now, &block);
    let (out, events) = drain(&mut m);
    // Nothing is written until the bytes are journaled (the verdict).
    assert!(out.is_empty(), "{out:?}");
    match &events[..] {
        [VendorEvent::Unreadable {
            raw,
            error,
            checksum: true,
        }] => {
            assert_eq!(raw, &block);
            assert!(
                error.starts_with("ADVIA block at stream offset 0: BCC"),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Journaled or not, the block is NAKed (0x15): the analyzer sends it again.
    m.handle_verdict(now, VendorVerdict::stored(true));
    let (out, events) = drain(&mut m);
    assert_eq!(out, vec![0x15]);
    assert_eq!(events, vec![VendorEvent::NakSent]);
}

#[test]
fn a_nak_waits_for_its_journal_and_the_next_answer_for_the_nak() {
    let now = Instant::now();
    let mut m = machine(Framing::Vidas);
    // A message with a wrong checksum, then a good one, in one read.
    let good = vidas::encode_packet(&[("mt", "rsl"), ("ci", "S1"), ("rt", "TSH"), ("qn", "1.2")]);
    let mut bad = good.clone();
    let n = bad.len();
    // The checksum's last hex digit (before the LF), made another digit.
    bad[n - 2] = if bad[n - 2] == b'0' { b'1' } else { b'0' };
    let mut input = bad.clone();
    input.extend_from_slice(&good);
    m.handle_input(now, &input);
    let (out, events) = drain(&mut m);
    assert!(out.is_empty(), "{out:?}");
    assert!(
        matches!(
            &events[..],
            [VendorEvent::Unreadable { .. }, VendorEvent::Message { .. }]
        ),
        "{events:?}"
    );
    // The good message's verdict cannot jump the queue: each answer goes out in turn.
    m.handle_verdict(now, VendorVerdict::stored(true));
    assert_eq!(drain(&mut m).0, vec![0x15]); // NAK, once the bad one is journaled
    m.handle_verdict(now, VendorVerdict::stored(true));
    assert_eq!(drain(&mut m).0, vec![0x06]); // ACK, once the good one is stored
}

#[test]
fn advia_token_transfer_is_answered_and_handed_back() {
    let now = Instant::now();
    let mut m = machine(Framing::Advia);
    m.handle_input(now, &advia::token_transfer(b'G'));
    let (out, events) = drain(&mut m);
    // The toggle `G`, then the LIS's own `S` block with its first toggle `0`.
    let mut expected = vec![b'G'];
    expected.extend_from_slice(&advia::token_transfer(b'0'));
    assert_eq!(out, expected);
    assert!(events.is_empty(), "{events:?}");
    // The analyzer NAKs it: sent again; then echoes `0`: nothing more, nothing stray.
    m.handle_input(now, &[0x15]);
    let (out, events) = drain(&mut m);
    assert_eq!(out, advia::token_transfer(b'0'));
    assert_eq!(events, vec![VendorEvent::NakReceived]);
    m.handle_input(now, b"0");
    assert_eq!(drain(&mut m), (Vec::new(), Vec::new()));
    // Another byte is stray: at stream offset 19, after the 17-byte `S` block (STX, `G`, `S`,
    // ten blanks, CR, LF, BCC, ETX), the NAK and the `0`.
    m.handle_input(now, b"?");
    assert_eq!(
        drain(&mut m).1,
        vec![VendorEvent::Stray {
            offset: 19,
            bytes: b"?".to_vec()
        }]
    );
}

#[test]
fn answers_keep_the_order_of_what_they_answer() {
    let now = Instant::now();
    let mut m = machine(Framing::Advia);
    // A result block, then a token transfer before the result's verdict.
    let mut input = result_block(b'E');
    input.extend_from_slice(&advia::token_transfer(b'F'));
    m.handle_input(now, &input);
    assert!(drain(&mut m).0.is_empty());
    m.handle_verdict(now, VendorVerdict::stored(true));
    let mut expected = vec![b'E', b'F'];
    expected.extend_from_slice(&advia::token_transfer(b'0'));
    assert_eq!(drain(&mut m).0, expected);
}

#[test]
fn vidas_session_enq_message_eot() {
    let now = Instant::now();
    let mut m = machine(Framing::Vidas);
    m.handle_input(now, &[0x05]); // ENQ
    assert_eq!(drain(&mut m).0, vec![0x06]); // ACK at once
    let packet = vidas::encode_packet(&[("mt", "rsl"), ("ci", "S1"), ("rt", "TSH"), ("qn", "1.2")]);
    m.handle_input(now, &packet);
    assert!(drain(&mut m).0.is_empty());
    m.handle_verdict(now, VendorVerdict::stored(true));
    assert_eq!(drain(&mut m).0, vec![0x06]);
    m.handle_input(now, &[0x04]); // EOT: no answer
    assert_eq!(drain(&mut m), (Vec::new(), Vec::new()));
}

#[test]
fn spotchem_is_never_answered_and_an_unfinished_printout_is_kept() {
    let now = Instant::now();
    let mut m = machine(Framing::Spotchem);
    m.handle_input(now, b"\x0224/10/29 13:08 ID# 1 [B] Na 131 mmol/L\x03\n");
    let (out, events) = drain(&mut m);
    assert!(out.is_empty());
    assert!(matches!(&events[..], [VendorEvent::Message { .. }]));
    m.handle_verdict(now, VendorVerdict::stored(true));
    assert!(drain(&mut m).0.is_empty());
    m.handle_input(now, b"\x0224/10/29");
    assert_eq!(m.poll_timeout(), Some(now + RECEIVE_TIMEOUT));
    m.handle_timeout(now + RECEIVE_TIMEOUT);
    let (out, events) = drain(&mut m);
    assert!(out.is_empty());
    m.handle_verdict(now, VendorVerdict::stored(true));
    assert!(
        drain(&mut m).0.is_empty(),
        "a printer port is never answered"
    );
    assert_eq!(events[0], VendorEvent::Timeout);
    assert!(matches!(
        &events[1],
        VendorEvent::Unreadable { raw, checksum: false, .. } if raw == b"\x0224/10/29"
    ));
    assert_eq!(m.poll_timeout(), None);
}

#[test]
fn only_vendor_framings_have_this_machine() {
    assert!(StreamMachine::for_framing(Framing::E1381).is_none());
    assert!(StreamMachine::for_framing(Framing::Mllp).is_none());
}
