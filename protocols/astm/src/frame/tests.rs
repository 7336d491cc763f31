use bytes::BytesMut;

use super::*;

/// Decodes everything from one buffer (not at end of stream).
fn tokens(bytes: &[u8]) -> Vec<Result<Decoded, FrameError>> {
    let mut decoder = FrameDecoder::new();
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(t)) => out.push(Ok(t)),
            Ok(None) => break,
            Err(e) => out.push(Err(e)),
        }
    }
    out
}

fn frame_of(token: &Result<Decoded, FrameError>) -> &ReceivedFrame {
    match token {
        Ok(Decoded::Frame(f)) => f,
        other => panic!("expected a frame, got {other:?}"),
    }
}

#[test]
fn checksum_is_sum_mod_256_as_two_uppercase_hex() {
    // The standard's example: 122 is sent as 7A [LIS1-A §6.3.3.3].
    assert_eq!(checksum_hex(122), *b"7A");
    assert_eq!(checksum_hex(0x05), *b"05");
    assert_eq!(checksum_hex(0xFF), *b"FF");
    // '2' 'P' '|' '1' ETB = 0x32 + 0x50 + 0x7C + 0x31 + 0x17 = 0x146 -> 0x46.
    assert_eq!(checksum(b"2P|1\x17"), 0x46);
    assert_eq!(parse_checksum_hex(b'7', b'A'), Some(0x7A));
    assert_eq!(
        parse_checksum_hex(b'7', b'a'),
        Some(0x7A),
        "lowercase accepted on input"
    );
    assert_eq!(parse_checksum_hex(b'G', b'0'), None);
}

#[test]
fn encode_last_frame_byte_by_byte() {
    let frame = Frame::new(1, b"H\r".to_vec(), FrameKind::Last);
    assert_eq!(
        frame.encode(),
        vec![
            0x02, // STX
            b'1', // FN 1 (0x31)
            b'H', // text (0x48)
            0x0D, // CR ending the record, part of the text
            0x03, // ETX
            b'8', // C1: 0x31 + 0x48 + 0x0D + 0x03 = 0x89
            b'9', // C2
            0x0D, // CR
            0x0A, // LF
        ]
    );
}

#[test]
fn encode_intermediate_frame_uses_etb() {
    let frame = Frame::new(2, b"P|1".to_vec(), FrameKind::Intermediate);
    assert_eq!(
        frame.encode(),
        vec![
            0x02, // STX
            b'2', // FN
            b'P', b'|', b'1', // text
            0x17, // ETB
            b'4', // C1 (0x146 mod 256 = 0x46)
            b'6', // C2
            0x0D, // CR
            0x0A, // LF
        ]
    );
}

#[test]
fn frame_number_is_modulo_8() {
    assert_eq!(Frame::new(8, vec![], FrameKind::Last).number, 0);
    assert_eq!(Frame::new(15, vec![], FrameKind::Last).number_digit(), b'7');
}

#[test]
fn split_message_counts_overhead_and_wraps_fn() {
    // 247 - 7 = 240 text characters per frame.
    let text = vec![b'A'; 240 * 2 + 10];
    let frames = split_message(&text, 1, DEFAULT_MAX_FRAME_LEN);
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[0].text.len(), 240);
    assert_eq!(frames[1].text.len(), 240);
    assert_eq!(frames[2].text.len(), 10);
    assert_eq!(
        frames.iter().map(|f| f.kind).collect::<Vec<_>>(),
        [
            FrameKind::Intermediate,
            FrameKind::Intermediate,
            FrameKind::Last
        ]
    );
    assert_eq!(
        frames.iter().map(|f| f.number).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    // Encoded length of a full frame is exactly the maximum.
    assert_eq!(frames[0].encode().len(), 247);

    // FN wraps 7 -> 0.
    let frames = split_message(&[b'x'; 5], 6, MIN_FRAME_LEN);
    assert_eq!(
        frames.iter().map(|f| f.number).collect::<Vec<_>>(),
        [6, 7, 0, 1, 2]
    );
    assert!(split_message(b"", 1, 247).is_empty());
    // A silly limit is clamped to one text character per frame, never a panic.
    assert_eq!(split_message(b"ab", 1, 0).len(), 2);
}

#[test]
fn decode_one_frame_with_crlf() {
    let bytes = [
        0x02, // STX
        b'1', // FN
        b'H', // text
        0x0D, // CR (text)
        0x03, // ETX
        b'8', b'9', // checksum 0x89
        0x0D, 0x0A, // CR LF trailer: not reported as outside bytes
    ];
    let out = tokens(&bytes);
    assert_eq!(out.len(), 1);
    let f = frame_of(&out[0]);
    assert_eq!(f.frame, Frame::new(1, b"H\r".to_vec(), FrameKind::Last));
    assert_eq!(f.offset, 0);
    assert!(f.is_valid());
}

#[test]
fn decode_accepts_lowercase_checksum_and_missing_lf() {
    let bytes = [
        0x02, // STX
        b'1', // FN
        b'Z', // text 0x5A
        0x03, // ETX; sum 0x31 + 0x5A + 0x03 = 0x8E
        b'8', b'e', // lowercase checksum
        0x0D, // CR without LF (Afinion 2 file)
        0x05, // ENQ: a control byte right after
    ];
    let out = tokens(&bytes);
    assert_eq!(out.len(), 2);
    assert!(frame_of(&out[0]).is_valid());
    assert_eq!(
        out[1],
        Ok(Decoded::Control {
            control: Control::Enq,
            offset: 7
        })
    );
}

#[test]
fn decode_lf_only_trailer() {
    let bytes = [
        0x02, b'1', b'Z', 0x03, b'8', b'E', // frame
        0x0A, // LF only (Pentra XLR file)
        0x02, b'2', b'Z', 0x03, b'8', b'F', // next frame: 0x32 + 0x5A + 0x03 = 0x8F
        0x0D, 0x0A, // CR LF
    ];
    let out = tokens(&bytes);
    assert_eq!(out.len(), 2);
    assert!(frame_of(&out[0]).is_valid());
    assert_eq!(frame_of(&out[1]).offset, 7);
    assert!(frame_of(&out[1]).is_valid());
}

#[test]
fn bad_checksum_is_an_outcome_not_an_error() {
    let bytes = [
        0x02, // STX
        b'1', // FN
        b'Z', // text
        0x03, // ETX
        b'0', b'0', // wrong checksum (expected 8E)
        0x0D, 0x0A, // CR LF
    ];
    let out = tokens(&bytes);
    let f = frame_of(&out[0]);
    assert_eq!(
        f.checksum,
        ChecksumCheck::Mismatch {
            expected: 0x8E,
            got: 0x00
        }
    );
    assert_eq!(f.frame.text, b"Z", "text kept for diagnostics");
}

#[test]
fn incomplete_frame_returns_none_and_resumes() {
    let mut decoder = FrameDecoder::new();
    let mut buf = BytesMut::new();
    let bytes: &[u8] = &[0x02, b'1', b'Z', 0x03, b'8', b'E', 0x0D, 0x0A];
    for (i, &b) in bytes.iter().enumerate() {
        buf.extend_from_slice(&[b]);
        let got = decoder.decode(&mut buf).unwrap();
        if i == 5 {
            // Complete after C2: the receiver need not wait for CR LF.
            assert!(
                matches!(got, Some(Decoded::Frame(ref f)) if f.is_valid()),
                "{got:?}"
            );
        } else {
            assert_eq!(got, None, "byte {i}");
        }
    }
    assert!(buf.is_empty());
    assert_eq!(decoder.offset(), 8);
}

#[test]
fn empty_and_single_byte_inputs() {
    assert!(tokens(&[]).is_empty());
    assert_eq!(
        tokens(&[0x04]),
        vec![Ok(Decoded::Control {
            control: Control::Eot,
            offset: 0
        })]
    );
    assert_eq!(
        tokens(&[0x06]),
        vec![Ok(Decoded::Control {
            control: Control::Ack,
            offset: 0
        })]
    );
    assert_eq!(
        tokens(&[0x15]),
        vec![Ok(Decoded::Control {
            control: Control::Nak,
            offset: 0
        })]
    );
    assert_eq!(
        tokens(b"x"),
        vec![Ok(Decoded::Outside {
            offset: 0,
            bytes: vec![b'x']
        })]
    );
    assert!(tokens(&[0x02]).is_empty(), "lone STX waits for more");
}

#[test]
fn garbage_between_frames_is_reported_with_offsets() {
    let bytes = [
        b'n', b'o', // noise before the frame
        0x02, b'1', b'Z', 0x03, b'8', b'E', 0x0D, 0x0A, // frame at offset 2
        0xFF, 0x00, // noise after the trailer
        0x04, // EOT at offset 12
    ];
    let out = tokens(&bytes);
    assert_eq!(
        out[0],
        Ok(Decoded::Outside {
            offset: 0,
            bytes: b"no".to_vec()
        })
    );
    assert_eq!(frame_of(&out[1]).offset, 2);
    assert_eq!(
        out[2],
        Ok(Decoded::Outside {
            offset: 10,
            bytes: vec![0xFF, 0x00]
        })
    );
    assert_eq!(
        out[3],
        Ok(Decoded::Control {
            control: Control::Eot,
            offset: 12
        })
    );
}

#[test]
fn frame_cut_by_stx_resynchronises() {
    let bytes = [
        0x02, b'1', b'A', b'B', // frame cut short
        0x02, b'1', b'Z', 0x03, b'8', b'E', 0x0D, 0x0A, // a whole frame
    ];
    let out = tokens(&bytes);
    assert_eq!(
        out[0],
        Err(FrameError::Unterminated {
            offset: 0,
            len: 4,
            by: Some(STX)
        })
    );
    assert_eq!(frame_of(&out[1]).offset, 4);
}

#[test]
fn missing_checksum_at_end_of_data() {
    let bytes = [
        0x02, b'2', b'x', 0x03, // no checksum, then the data ends (Spotchem EL file)
    ];
    let out = decode_all(&bytes);
    assert_eq!(frame_of(&out[0]).checksum, ChecksumCheck::Missing);
    // Without end of stream it waits.
    assert!(tokens(&bytes).is_empty());
}

#[test]
fn missing_checksum_before_eot() {
    let bytes = [
        0x02, b'1', b'x', 0x03, // ETX
        0x04, // EOT where C1 should be
    ];
    let out = tokens(&bytes);
    assert_eq!(frame_of(&out[0]).checksum, ChecksumCheck::Missing);
    assert_eq!(
        out[1],
        Ok(Decoded::Control {
            control: Control::Eot,
            offset: 4
        })
    );
}

#[test]
fn bad_frame_number_is_an_error_and_skipped() {
    let bytes = [
        0x02, b'H', b'|', 0x03, b'0', b'0', 0x0D,
        0x0A, // STX followed by 'H' (no FN, as Maglumi)
        0x04, // EOT
    ];
    let out = tokens(&bytes);
    assert_eq!(
        out[0],
        Err(FrameError::BadFrameNumber {
            offset: 0,
            got: Some(b'H')
        })
    );
    assert_eq!(
        out[1],
        Ok(Decoded::Control {
            control: Control::Eot,
            offset: 8
        })
    );
    assert_eq!(out.len(), 2);
}

#[test]
fn frames_up_to_64000_accepted_and_longer_rejected_with_offset() {
    // Exactly 64,000 characters with the overhead: 63,993 text characters.
    let big = Frame::new(
        1,
        vec![b'R'; MAX_FRAME_LEN - FRAME_OVERHEAD],
        FrameKind::Last,
    );
    let bytes = big.encode();
    assert_eq!(bytes.len(), 64_000);
    let out = tokens(&bytes);
    assert_eq!(out.len(), 1);
    assert!(frame_of(&out[0]).is_valid());

    // One more text character is too long.
    let too_big = Frame::new(
        1,
        vec![b'R'; MAX_FRAME_LEN - FRAME_OVERHEAD + 1],
        FrameKind::Last,
    );
    let mut bytes = too_big.encode();
    bytes.push(0x04); // EOT after it
    let out = tokens(&bytes);
    assert_eq!(
        out[0],
        Err(FrameError::TooLong {
            offset: 0,
            exceeded_at: 63_996,
            limit: 64_000
        })
    );
    // The checksum and CR LF of the skipped frame are not reported as outside bytes.
    assert_eq!(
        out[1],
        Ok(Decoded::Control {
            control: Control::Eot,
            offset: 64_001
        })
    );
    assert_eq!(out.len(), 2);
}

#[test]
fn smaller_limit_is_enforced() {
    let mut decoder = FrameDecoder::with_max_frame_len(10);
    // 3 text characters = 10 with overhead: accepted.
    let mut buf = BytesMut::from(&Frame::new(1, b"abc".to_vec(), FrameKind::Last).encode()[..]);
    assert!(matches!(
        decoder.decode(&mut buf),
        Ok(Some(Decoded::Frame(_)))
    ));
    let mut buf = BytesMut::from(&Frame::new(2, b"abcd".to_vec(), FrameKind::Last).encode()[..]);
    assert!(matches!(
        decoder.decode(&mut buf),
        Err(FrameError::TooLong { limit: 10, .. })
    ));
}

#[test]
fn looks_like_e1381_tells_framed_from_other_stx_users() {
    assert!(looks_like_e1381(
        &Frame::new(1, b"H|\\^&\r".to_vec(), FrameKind::Last).encode()
    ));
    assert!(!looks_like_e1381(b"H|\\^&\rL|1\r"), "bare records");
    assert!(!looks_like_e1381(b"\x02ER 0000\r\n"), "ADVIA 2120 style");
    assert!(
        !looks_like_e1381(b"\x0224/10/29 Na 131\x03"),
        "Spotchem EL: no checksum"
    );
    assert!(
        !looks_like_e1381(b"\x02\x1emtrsl|\x1e\x1db0\n"),
        "mini VIDAS: no ETX"
    );
}

#[test]
fn bare_frame_has_no_number_and_no_checksum_to_check() {
    // Snibe MAGLUMI: ENQ, <STX> records <ETX>, EOT.
    let mut decoder = FrameDecoder::with_format(MAX_FRAME_LEN, FrameFormat::Bare);
    let mut buf = BytesMut::from(&b"\x05\x02H|\\^&\rL|1|N\r\x03\x04"[..]);
    let mut tokens = Vec::new();
    while let Some(t) = decoder.decode(&mut buf).unwrap() {
        tokens.push(t);
    }
    assert_eq!(
        tokens,
        vec![
            Decoded::Control {
                control: Control::Enq,
                offset: 0
            },
            Decoded::Frame(ReceivedFrame {
                frame: Frame {
                    number: 0,
                    text: b"H|\\^&\rL|1|N\r".to_vec(),
                    kind: FrameKind::Last,
                },
                offset: 1,
                checksum: ChecksumCheck::NotCarried,
            }),
            Decoded::Control {
                control: Control::Eot,
                offset: 15
            },
        ]
    );
    let Decoded::Frame(f) = &tokens[1] else {
        unreachable!()
    };
    assert!(f.is_valid());
    assert_eq!(
        f.frame.encode_as(FrameFormat::Bare),
        b"\x02H|\\^&\rL|1|N\r\x03".to_vec()
    );
}
