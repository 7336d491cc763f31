use proptest::prelude::*;

use super::*;
use crate::corpus::{corpus, wire_bytes};

const LOG: &str = "astm/siemens-advia2120/advia2120_native_hostspec79_results_log.txt";

/// The blocks the host logged as "RESULT FROM INSTRUMENT:", as they were on the wire: the log
/// writes STX, CR, LF and ETX as `<STX>` `<CR>` `<LF>` `<ETX>` and the BCC byte raw.
fn captured_blocks() -> Vec<Vec<u8>> {
    let log = corpus(LOG);
    log.split(|&b| b == b'\n')
        .filter_map(|line| line.strip_prefix(b"RESULT FROM INSTRUMENT: "))
        .map(wire_bytes)
        .collect()
}

fn decode_all(bytes: &[u8]) -> Vec<BlockEvent> {
    let mut d = BlockDecoder::new();
    d.push(bytes);
    std::iter::from_fn(|| d.next_event()).collect()
}

fn block(event: &BlockEvent) -> &Block {
    match event {
        BlockEvent::Message(b) => b,
        other => panic!("not a block: {other:?}"),
    }
}

#[test]
fn the_captured_er_block_reads_as_the_host_logged_it() {
    let blocks = captured_blocks();
    assert_eq!(blocks.len(), 2);
    let events = decode_all(&blocks[0]);
    assert_eq!(events.len(), 1);
    let b = block(&events[0]);
    // `<STX>ER 0000…`: MT is `E` (0x45 = 69, the "MT 69" the host sent back), ID `R`.
    assert_eq!(b.toggle(), b'E');
    assert_eq!(b.id_code(), b'R');
    // The byte before ETX in the capture is 0x17 (the raw ^W the log shows), and it was taken.
    assert_eq!(b.raw()[b.raw().len() - 2], 0x17);
    let r = ResultBlock::parse(b.text()).unwrap();
    // Columns 3-16: `00000009208100`; without the zero padding, `9208100`.
    assert_eq!(r.sid, "00000009208100");
    assert_eq!(r.specimen_id, "9208100");
    assert_eq!(r.rack_position, "");
    // Columns 35-51: `09/29/14 15:23:16`.
    assert_eq!(r.aspirated_at, LocalTime::new(2014, 9, 29, 15, 23, 16));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    // Line 2, cell by cell (3 columns number, 5 value, 1 blank), read off the bytes:
    // `  1 7.47 ` `  2 4.24 ` `  3 11.6 ` `  4 34.0 ` `  5 80.2 ` `  6 27.4 ` `  7 34.2 `
    // ` 51 33.4 ` `  8 14.8 ` `  9 2.05 ` ` 10  204 ` ` 11  6.8 ` ` 20 59.4 ` ` 21 23.7 `
    // ` 22 10.7 ` ` 23  1.8 ` ` 24  0.1 ` ` 25  4.4 ` ` 50 6.58 ` `19154.24 ` `19271.89 `.
    let expected = [
        ("1", "7.47"),
        ("2", "4.24"),
        ("3", "11.6"),
        ("4", "34.0"),
        ("5", "80.2"),
        ("6", "27.4"),
        ("7", "34.2"),
        ("51", "33.4"),
        ("8", "14.8"),
        ("9", "2.05"),
        ("10", "204"),
        ("11", "6.8"),
        ("20", "59.4"),
        ("21", "23.7"),
        ("22", "10.7"),
        ("23", "1.8"),
        ("24", "0.1"),
        ("25", "4.4"),
        ("50", "6.58"),
        ("191", "54.24"),
        ("192", "71.89"),
    ];
    let got: Vec<(&str, &str)> = r
        .values
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(got, expected);
    let m = r.measurements();
    assert_eq!(m[0].specimen_id, "9208100");
    assert_eq!((m[0].test.as_str(), m[0].value.as_str()), ("1", "7.47"));
    assert!(m.iter().all(|m| m.units.is_empty() && m.flags.is_empty()));
}

#[test]
fn the_captured_sr_block_keeps_signs_and_words() {
    let blocks = captured_blocks();
    let events = decode_all(&blocks[1]);
    let b = block(&events[0]);
    // `<STX>SR 000000KALACHEV`: MT `S`, ID `R`; its BCC is the blank (0x20) before ETX.
    assert_eq!((b.toggle(), b.id_code()), (b'S', b'R'));
    assert_eq!(b.raw()[b.raw().len() - 2], 0x20);
    let r = ResultBlock::parse(b.text()).unwrap();
    assert_eq!(r.specimen_id, "KALACHEV");
    assert_eq!(r.aspirated_at, LocalTime::new(2015, 1, 22, 16, 2, 52));
    let value = |n: &str| {
        r.values
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    // `  112.83 `: parameter 1 is 12.83 (the number and the value touch).
    assert_eq!(value("1"), Some("12.83"));
    // ` 28    0 `, ` 42    + `, ` 27-11.0 `, ` 5013.38 `: a zero, a sign word, a negative value.
    assert_eq!(value("28"), Some("0"));
    assert_eq!(value("42"), Some("+"));
    assert_eq!(value("27"), Some("-11.0"));
    assert_eq!(value("50"), Some("13.38"));
    // The last cell before CR LF: ` 65 0.25 `.
    assert_eq!(
        r.values.last().map(|(n, v)| (n.as_str(), v.as_str())),
        Some(("65", "0.25"))
    );
    // The line is 468 columns before CR LF: 52 cells of 9, none blank.
    assert_eq!(r.values.len(), 52);
}

#[test]
fn both_captured_blocks_back_to_back_with_noise_between() {
    let blocks = captured_blocks();
    let mut stream = blocks[0].clone();
    stream.push(b'\n'); // the log's own line end, outside any block
    stream.extend_from_slice(&blocks[1]);
    let events = decode_all(&stream);
    assert_eq!(events.len(), 3);
    assert_eq!(block(&events[0]).toggle(), b'E');
    assert_eq!(
        events[1],
        BlockEvent::Stray {
            offset: blocks[0].len() as u64,
            bytes: vec![b'\n'],
        }
    );
    assert_eq!(block(&events[2]).toggle(), b'S');
}

#[test]
fn one_byte_at_a_time_gives_the_same_block() {
    let blocks = captured_blocks();
    let mut d = BlockDecoder::new();
    for &b in &blocks[0] {
        d.push(&[b]);
    }
    assert_eq!(d.pending_len(), 0);
    assert_eq!(block(&d.next_event().unwrap()).raw(), blocks[0].as_slice());
}

#[test]
fn a_changed_byte_fails_the_bcc_with_both_values() {
    let mut bytes = captured_blocks()[0].clone();
    // Column 11 of the SID, `9` (0x39), becomes `8` (0x38): the exclusive OR moves by 0x01, so
    // the bytes now add up to 0x17 ^ 0x01 = 0x16 while the block still carries 0x17.
    assert_eq!(bytes[11], b'9');
    bytes[11] = b'8';
    match &decode_all(&bytes)[0] {
        BlockEvent::Bad {
            offset: 0, error, ..
        } => assert_eq!(
            *error,
            BlockError::Checksum {
                expected: 0x16,
                got: 0x17
            }
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn edge_cases_byte_by_byte() {
    // A block whose exclusive OR is ETX sends DEL: 0x56 ^ 0x52 ^ 0x0D ^ 0x0A = 0x03.
    let del = [
        0x02, // STX
        0x56, // MT `V`
        0x52, // ID `R`
        0x0D, 0x0A, // CR LF
        0x7F, // BCC: 0x03 sent as DEL
        0x03, // ETX
    ];
    assert!(matches!(decode_all(&del)[0], BlockEvent::Message(_)));
    assert_eq!(bcc(&del[1..5]), 0x7F);

    // Unfinished: nothing yet, then given up when the line goes quiet.
    let mut d = BlockDecoder::new();
    d.push(&[0x02, 0x30, 0x52]);
    assert!(d.next_event().is_none());
    assert_eq!(d.pending_len(), 3);
    d.finish();
    assert_eq!(
        d.next_event(),
        Some(BlockEvent::Bad {
            offset: 0,
            raw: vec![0x02, 0x30, 0x52],
            error: BlockError::Unfinished { len: 3 },
        })
    );

    // A new STX cuts the first block; the second is read.
    let mut cut = vec![0x02, 0x30, 0x52, b'x'];
    cut.extend_from_slice(&del);
    let events = decode_all(&cut);
    assert_eq!(
        events[0],
        BlockEvent::Bad {
            offset: 0,
            raw: vec![0x02, 0x30, 0x52, b'x'],
            error: BlockError::Cut { len: 4 },
        }
    );
    assert!(matches!(events[1], BlockEvent::Message(_)));

    // A toggle outside `0`..`Z` (here `a`, 0x61) is refused before the BCC.
    let bad_toggle = [
        0x02,
        0x61,
        0x52,
        0x0D,
        0x0A,
        0x61 ^ 0x52 ^ 0x0D ^ 0x0A,
        0x03,
    ];
    assert!(matches!(
        decode_all(&bad_toggle)[0],
        BlockEvent::Bad {
            error: BlockError::Toggle(0x61),
            ..
        }
    ));

    // No CR LF before the BCC.
    let no_crlf = [0x02, 0x30, 0x52, 0x30 ^ 0x52, 0x03];
    assert!(matches!(
        decode_all(&no_crlf)[0],
        BlockEvent::Bad {
            error: BlockError::NoLineEnd,
            ..
        }
    ));

    // Past the maximum without ETX: given up, bounded.
    let mut long = vec![0x02];
    long.resize(MAX_BLOCK_LEN + 2, b'7');
    let events = decode_all(&long);
    assert!(matches!(
        events[0],
        BlockEvent::Bad {
            error: BlockError::TooLong { .. },
            ..
        }
    ));
}

#[test]
fn the_token_transfer_block() {
    // `1` S, ten blanks, CR LF: 0x31 ^ 0x53 = 0x62; ten blanks cancel out; ^ 0x0D = 0x6F;
    // ^ 0x0A = 0x65.
    let t = token_transfer(b'1');
    let mut expected = vec![0x02, b'1', b'S'];
    expected.extend_from_slice(&[b' '; 10]);
    expected.extend_from_slice(&[0x0D, 0x0A, 0x65, 0x03]);
    assert_eq!(t, expected);
    assert_eq!(next_toggle(b'0'), b'1');
    assert_eq!(next_toggle(b'Z'), b'0');
    assert_eq!(next_toggle(0x00), b'0');
}

#[test]
fn a_result_body_has_the_captured_columns() {
    let at = LocalTime::new(2014, 9, 29, 15, 23, 16).unwrap();
    let body = result_body("9208100", at, &[(1, "7.47".into()), (191, "54.24".into())]);
    let block = encode_block(b'E', &body);
    // The first line is the capture's, column for column.
    let captured = &captured_blocks()[0];
    let first_line_end = captured.iter().position(|&b| b == b'\n').unwrap();
    assert_eq!(&block[..=first_line_end], &captured[..=first_line_end]);
    assert_eq!(
        &block[first_line_end + 1..block.len() - 2],
        b"  1 7.47 19154.24 \r\n"
    );
    let r = ResultBlock::parse(block_text(&block)).unwrap();
    assert_eq!(
        r.values,
        vec![("1".into(), "7.47".into()), ("191".into(), "54.24".into())]
    );
}

fn block_text(raw: &[u8]) -> &[u8] {
    &raw[1..raw.len() - 2]
}

#[test]
fn bad_cells_are_problems_not_failures() {
    let mut text = b"0R 00000000000042".to_vec();
    text.extend_from_slice(b"\r\n  1 7.47  x2 4.24 \r\n");
    let r = ResultBlock::parse(&text).unwrap();
    assert_eq!(r.specimen_id, "42");
    assert_eq!(r.values, vec![("1".into(), "7.47".into())]);
    // The date columns are missing, and cell 2 (columns 10-18) has `x2` for a number.
    assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
    assert!(
        r.problems[1].contains("line 2, column 10"),
        "{}",
        r.problems[1]
    );
    assert_eq!(
        ResultBlock::parse(b"0S          \r\n"),
        Err(ReadError::NotResults('S'))
    );
    assert_eq!(
        ResultBlock::parse(b"0R 0001\r\n"),
        Err(ReadError::ShortHeader { len: 7 })
    );
}

proptest! {
    #[test]
    fn any_bytes_are_accounted_for(chunks in proptest::collection::vec(
        proptest::collection::vec(prop_oneof![Just(0x02u8), Just(0x03u8), Just(b'\r'), Just(b'\n'), any::<u8>()], 0..64),
        0..16,
    )) {
        let mut d = BlockDecoder::new();
        let mut total = 0usize;
        let mut seen = 0usize;
        for c in &chunks {
            total += c.len();
            d.push(c);
            while let Some(e) = d.next_event() {
                seen += match e {
                    BlockEvent::Message(b) => {
                        let _ = ResultBlock::parse(b.text());
                        b.raw().len()
                    }
                    BlockEvent::Bad { raw, .. } => raw.len(),
                    BlockEvent::Stray { bytes, .. } => bytes.len(),
                    // A control is its one byte.
                    BlockEvent::Control(_) => 1,
                };
            }
        }
        prop_assert_eq!(seen + d.pending_len(), total);
    }

    #[test]
    fn any_text_parses_or_says_why(text in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = ResultBlock::parse(&text);
    }

    #[test]
    fn written_results_read_back(
        sid in "[A-Z0-9]{1,14}",
        values in proptest::collection::vec((1u16..999, "[0-9]{1,2}\\.[0-9]{1,2}"), 0..40),
    ) {
        let at = LocalTime::new(2026, 12, 7, 10, 11, 12).unwrap();
        let raw = encode_block(b'K', &result_body(&sid, at, &values));
        let events = decode_all(&raw);
        prop_assert_eq!(events.len(), 1);
        let BlockEvent::Message(b) = &events[0] else { panic!("{:?}", events[0]) };
        let r = ResultBlock::parse(b.text()).unwrap();
        prop_assert_eq!(r.aspirated_at, Some(at));
        prop_assert_eq!(r.specimen_id, sid.trim_start_matches('0'));
        let expected: Vec<(String, String)> =
            values.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
        prop_assert_eq!(r.values, expected);
    }
}
