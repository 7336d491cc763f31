use proptest::prelude::*;

use super::*;
use crate::corpus::corpus;

const CAPTURE: &str = "astm/arkray-spotchem-el/spotchem_el_native_nonastm.raw";

fn decode_all(bytes: &[u8]) -> Vec<PrintoutEvent> {
    let mut d = PrintoutDecoder::new();
    d.push(bytes);
    std::iter::from_fn(|| d.next_event()).collect()
}

#[test]
fn the_captured_printout_reads_word_by_word() {
    let bytes = corpus(CAPTURE);
    let events = decode_all(&bytes);
    // STX … ETX (120 bytes), then the LF: a line end, passed over.
    assert_eq!(events, vec![PrintoutEvent::Message(bytes[..120].to_vec())]);
    let p = Printout::parse(&bytes[..120]).unwrap();
    // `24/10/29 13:08`: 29 October 2024, 13:08 (YY/MM/DD).
    assert_eq!(
        p.measured_at,
        LocalTime::new(2024, 10, 29, 13, 8, 0).unwrap()
    );
    assert_eq!(p.specimen_id, "1DC042FP");
    assert_eq!(p.sample_type, "B. Plasma");
    let row = |a: &str, v: &str, u: &str| (a.to_owned(), v.to_owned(), u.to_owned());
    assert_eq!(
        p.results,
        vec![
            row("Na", "131", "mmol/L"),
            row("K", "9.7", "mmol/L"),
            row("Cl", "96", "mmol/L"),
        ]
    );
    let m = p.measurements();
    assert_eq!(m.len(), 3);
    assert_eq!(m[1].specimen_id, "1DC042FP");
    assert_eq!(
        (m[1].test.as_str(), m[1].value.as_str(), m[1].units.as_str()),
        ("K", "9.7", "mmol/L")
    );
}

#[test]
fn the_encoder_writes_the_capture_again() {
    let at = LocalTime::new(2024, 10, 29, 13, 8, 0).unwrap();
    let out = encode_printout(
        at,
        "1DC042FP",
        "B. Plasma",
        &[
            ("Na", "131", "mmol/L"),
            ("K", "9.7", "mmol/L"),
            ("Cl", "96", "mmol/L"),
        ],
    );
    assert_eq!(out, corpus(CAPTURE));
}

#[test]
fn layout_errors_say_where() {
    // `ID#` missing: the third word (byte 16) is `XX`.
    assert_eq!(
        Printout::parse(b"\x0224/10/29 13:08 XX 1 [B] Na 1 u\x03"),
        Err(ReadError::Unexpected {
            offset: 16,
            expected: "`ID#`",
            found: "XX".into()
        })
    );
    // A value with no unit after it: the end (byte 35, before ETX).
    assert_eq!(
        Printout::parse(b"\x0224/10/29 13:08 ID# 1 [B] Na 131\x03"),
        Err(ReadError::Unexpected {
            offset: 32,
            expected: "a unit after the value",
            found: String::new()
        })
    );
    // Month 13.
    assert!(matches!(
        Printout::parse(b"\x0224/13/29 13:08 ID# 1 [B]\x03"),
        Err(ReadError::Unexpected { offset: 1, .. })
    ));
    // `ID#1` written together is read too.
    let p = Printout::parse(b"\x0224/10/29 13:08 ID#A1 [Serum]\x03").unwrap();
    assert_eq!((p.specimen_id.as_str(), p.results.len()), ("A1", 0));
}

#[test]
fn edge_cases_byte_by_byte() {
    let mut d = PrintoutDecoder::new();
    d.push(&[0x02, b'2', b'4']); // STX `24`: unfinished
    assert!(d.next_event().is_none());
    d.finish();
    assert_eq!(
        d.next_event(),
        Some(PrintoutEvent::Bad {
            offset: 0,
            raw: vec![0x02, b'2', b'4'],
            error: BlockError::Unfinished { len: 3 },
        })
    );
    // A second STX cuts the first printout.
    assert_eq!(
        decode_all(&[0x02, b'x', 0x02, b'y', 0x03]),
        vec![
            PrintoutEvent::Bad {
                offset: 0,
                raw: vec![0x02, b'x'],
                error: BlockError::Cut { len: 2 },
            },
            PrintoutEvent::Message(vec![0x02, b'y', 0x03]),
        ]
    );
    // Text outside STX…ETX.
    assert_eq!(
        decode_all(b"Na 131\r\n"),
        vec![PrintoutEvent::Stray {
            offset: 0,
            bytes: b"Na 131".to_vec()
        }]
    );
    let mut long = vec![0x02];
    long.resize(MAX_PRINTOUT_LEN + 2, b' ');
    assert!(matches!(
        decode_all(&long)[0],
        PrintoutEvent::Bad {
            error: BlockError::TooLong { .. },
            ..
        }
    ));
}

proptest! {
    #[test]
    fn any_bytes_are_accounted_for(chunks in proptest::collection::vec(
        proptest::collection::vec(prop_oneof![Just(STX), Just(ETX), Just(b'\n'), Just(b' '), any::<u8>()], 0..64),
        0..16,
    )) {
        let mut d = PrintoutDecoder::new();
        let (mut total, mut seen) = (0usize, 0usize);
        for c in &chunks {
            total += c.len();
            d.push(c);
            while let Some(e) = d.next_event() {
                seen += match e {
                    PrintoutEvent::Message(raw) => {
                        let _ = Printout::parse(&raw);
                        raw.len()
                    }
                    PrintoutEvent::Bad { raw, .. } => raw.len(),
                    PrintoutEvent::Stray { bytes, .. } => bytes.len(),
                    // A control is its one byte.
                    PrintoutEvent::Control(_) => 1,
                };
            }
        }
        prop_assert_eq!(seen + d.pending_len() + d.line_ends() as usize, total);
    }

    #[test]
    fn any_text_parses_or_says_where(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Err(ReadError::Unexpected { offset, .. }) = Printout::parse(&raw) {
            prop_assert!(offset <= raw.len());
        }
    }

    #[test]
    fn written_printouts_read_back(
        id in "[A-Z0-9]{1,11}",
        results in proptest::collection::vec(("[A-Z][a-z]?", "[0-9]{1,3}(\\.[0-9])?", "[a-z]{1,4}/L"), 0..6),
    ) {
        let at = LocalTime::new(2026, 12, 7, 9, 41, 0).unwrap();
        let borrowed: Vec<(&str, &str, &str)> =
            results.iter().map(|(a, v, u)| (a.as_str(), v.as_str(), u.as_str())).collect();
        let out = encode_printout(at, &id, "Serum", &borrowed);
        let events = decode_all(&out);
        prop_assert_eq!(events.len(), 1);
        let PrintoutEvent::Message(raw) = &events[0] else { panic!() };
        let p = Printout::parse(raw).unwrap();
        prop_assert_eq!(p.measured_at, at);
        prop_assert_eq!(p.specimen_id, id);
        prop_assert_eq!(p.results, results);
    }
}
