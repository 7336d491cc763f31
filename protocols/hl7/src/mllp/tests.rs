use super::*;

/// Two messages, each `<VT> MSH... <FS><CR>`.
fn two_messages() -> Vec<u8> {
    let mut s = Vec::new();
    s.push(0x0B); // VT
    s.extend_from_slice(b"MSH|^~\\&|A\rPID|1\r");
    s.push(0x1C); // FS
    s.push(0x0D); // CR
    s.push(0x0B); // VT
    s.extend_from_slice(b"MSH|^~\\&|B\r");
    s.push(0x1C); // FS
    s.push(0x0D); // CR
    s
}

fn drain(
    decoder: &mut MllpDecoder,
    buf: &mut BytesMut,
    out: &mut Vec<Result<MllpEvent, MllpError>>,
) {
    loop {
        match decoder.decode(buf) {
            Ok(Some(e)) => out.push(Ok(e)),
            Ok(None) => return,
            Err(e) => out.push(Err(e)),
        }
    }
}

fn run_chunks(chunks: &[&[u8]], max: usize) -> Vec<Result<MllpEvent, MllpError>> {
    let mut d = MllpDecoder::new(max);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for c in chunks {
        buf.extend_from_slice(c);
        drain(&mut d, &mut buf, &mut out);
    }
    if let Ok(Some(e)) = d.decode_eof(&mut buf) {
        out.push(Ok(e));
    }
    out
}

fn msg(offset: u64, payload: &[u8]) -> Result<MllpEvent, MllpError> {
    Ok(MllpEvent::Message {
        offset,
        payload: Bytes::copy_from_slice(payload),
    })
}

fn junk(offset: u64, bytes: &[u8]) -> Result<MllpEvent, MllpError> {
    Ok(MllpEvent::Junk {
        offset,
        bytes: Bytes::copy_from_slice(bytes),
    })
}

#[test]
fn every_split_point_of_a_two_message_stream() {
    let stream = two_messages();
    let expected = [msg(0, b"MSH|^~\\&|A\rPID|1\r"), msg(20, b"MSH|^~\\&|B\r")];
    for i in 0..=stream.len() {
        let (a, b) = stream.split_at(i);
        assert_eq!(run_chunks(&[a, b], 1000), expected, "split at {i}");
    }
    for i in 0..=stream.len() {
        for j in i..=stream.len() {
            let out = run_chunks(&[&stream[..i], &stream[i..j], &stream[j..]], 1000);
            assert_eq!(out, expected, "split at {i}, {j}");
        }
    }
    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(run_chunks(&bytes, 1000), expected, "byte by byte");
}

#[test]
fn junk_before_vt_is_reported_not_eaten() {
    let mut s = b"garbage\r\n".to_vec();
    s.extend_from_slice(&two_messages());
    let out = run_chunks(&[&s], 1000);
    assert_eq!(
        out,
        [
            junk(0, b"garbage\r\n"),
            msg(9, b"MSH|^~\\&|A\rPID|1\r"),
            msg(29, b"MSH|^~\\&|B\r")
        ]
    );
}

#[test]
fn junk_without_any_vt_is_reported_at_once() {
    assert_eq!(
        run_chunks(&[b"abc", b"def"], 10),
        [junk(0, b"abc"), junk(3, b"def")]
    );
}

#[test]
fn missing_final_cr_is_tolerated() {
    // VT "A" FS VT "B" FS: no CR after either end block.
    let s = [0x0B, b'A', 0x1C, 0x0B, b'B', 0x1C];
    assert_eq!(run_chunks(&[&s], 10), [msg(0, b"A"), msg(3, b"B")]);
}

#[test]
fn cr_after_fs_in_the_next_chunk_is_consumed() {
    // VT "A" FS | CR VT "B" FS CR
    let out = run_chunks(&[&[0x0B, b'A', 0x1C], &[0x0D, 0x0B, b'B', 0x1C, 0x0D]], 10);
    assert_eq!(out, [msg(0, b"A"), msg(4, b"B")]);
}

#[test]
fn a_new_vt_inside_a_frame_reports_the_cut_frame_as_junk() {
    // VT "AB" VT "C" FS CR
    let s = [0x0B, b'A', b'B', 0x0B, b'C', 0x1C, 0x0D];
    assert_eq!(
        run_chunks(&[&s], 10),
        [junk(0, &[0x0B, b'A', b'B']), msg(3, b"C")]
    );
}

#[test]
fn unterminated_frame_at_eof_is_junk() {
    let s = [0x0B, b'A', b'B'];
    assert_eq!(run_chunks(&[&s], 10), [junk(0, &s)]);
}

#[test]
fn oversize_message_is_an_error_then_resyncs_on_the_next_vt() {
    // VT + 6 bytes + FS CR (too long for max 5), then VT "ok" FS CR.
    let mut s = vec![0x0B];
    s.extend_from_slice(b"123456");
    s.extend_from_slice(&[0x1C, 0x0D, 0x0B, b'o', b'k', 0x1C, 0x0D]);
    let expected = [
        Err(MllpError::MessageTooLong {
            offset: 0,
            max_len: 5,
            head: Bytes::from_static(b"12345"),
        }),
        Ok(MllpEvent::Skipped { offset: 0, len: 9 }),
        msg(9, b"ok"),
    ];
    assert_eq!(run_chunks(&[&s], 5), expected);
    for i in 0..=s.len() {
        let out = run_chunks(&[&s[..i], &s[i..]], 5);
        assert_eq!(out, expected, "split at {i}");
    }
}

#[test]
fn oversize_without_end_block_is_detected_before_the_end() {
    let mut d = MllpDecoder::new(4);
    let mut buf = BytesMut::from(&[0x0B, b'1', b'2', b'3', b'4', b'5', b'6'][..]);
    assert_eq!(
        d.decode(&mut buf),
        Err(MllpError::MessageTooLong {
            offset: 0,
            max_len: 4,
            head: Bytes::from_static(b"1234"),
        })
    );
    assert!(buf.is_empty());
    buf.extend_from_slice(b"78");
    assert_eq!(d.decode(&mut buf), Ok(None));
    assert_eq!(
        d.decode_eof(&mut buf),
        Ok(Some(MllpEvent::Skipped { offset: 0, len: 9 }))
    );
}

#[test]
fn message_of_exactly_max_len_is_accepted() {
    assert_eq!(
        run_chunks(&[&[0x0B, b'1', b'2', b'3', 0x1C, 0x0D]], 3),
        [msg(0, b"123")]
    );
}

#[test]
fn encode_frames_with_vt_fs_cr() {
    assert_eq!(encode(b"MSH|"), [0x0B, b'M', b'S', b'H', b'|', 0x1C, 0x0D]);
    let framed = encode(b"X");
    assert_eq!(run_chunks(&[&framed], 10), [msg(0, b"X")]);
}

#[test]
fn oversize_cut_frame_is_reported_the_same_in_any_split() {
    // Found by fuzzing: VT 11 40 VT 11 60 00 with a maximum of 0 bytes. The first frame is cut by a new VT
    // but is already too long: an error, not junk, however the stream is split.
    let s = [0x0B, 0x11, 0x40, 0x0B, 0x11, 0x60, 0x00];
    let expected = [
        Err(MllpError::MessageTooLong {
            offset: 0,
            max_len: 0,
            head: Bytes::new(),
        }),
        Ok(MllpEvent::Skipped { offset: 0, len: 3 }),
        Err(MllpError::MessageTooLong {
            offset: 3,
            max_len: 0,
            head: Bytes::new(),
        }),
        Ok(MllpEvent::Skipped { offset: 3, len: 4 }),
    ];
    assert_eq!(run_chunks(&[&s], 0), expected);
    for i in 0..=s.len() {
        assert_eq!(
            run_chunks(&[&s[..i], &s[i..]], 0)
                .iter()
                .filter(|e| e.is_err())
                .count(),
            2,
            "split at {i}"
        );
    }
}

#[test]
fn a_caller_that_empties_the_buffer_mid_frame_gets_no_panic() {
    let mut d = MllpDecoder::new(10);
    let mut buf = BytesMut::from(&[0x0B, b'A'][..]);
    assert_eq!(d.decode(&mut buf), Ok(None));
    buf.clear();
    assert_eq!(d.decode(&mut buf), Ok(None));
    assert_eq!(d.decode_eof(&mut buf), Ok(None));
}
