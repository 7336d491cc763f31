use std::path::PathBuf;

use proptest::prelude::*;

use super::*;

/// The BioMaxima capture of this repository's `testdata/corpus` (see its SOURCES.md).
fn capture() -> Vec<u8> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/corpus/biomaxima-urine/urine_strip_printout_2024-10-29.raw");
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The five pieces the printout arrived in (the source wrote them one second apart): cut inside
/// the `KET`, `PRO`, `Vc` and `Color` lines.
fn pieces(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    for len in [133, 104, 104, 102] {
        let (piece, tail) = rest.split_at(len);
        out.push(piece);
        rest = tail;
    }
    out.push(rest);
    out
}

fn pad(abnormal: bool, name: &str, grade: Option<&str>, value: &str, unit: &str) -> PadLine {
    PadLine {
        abnormal,
        name: name.to_owned(),
        grade: grade.map(str::to_owned),
        value: value.to_owned(),
        unit: unit.to_owned(),
    }
}

#[test]
fn the_capture_is_one_printout_however_it_is_cut() {
    let bytes = capture();
    // STX DC1 CR LF; the `ID:`, `NO.`, time and blank lines, 15 pads and `Clarity:`, 21
    // columns each, and `Color:` in 20, each with CR LF; ETX.
    assert_eq!(bytes.len(), 4 + 20 * 23 + 22 + 1);
    let mut d = PrintoutDecoder::new();
    let mut events = Vec::new();
    for piece in pieces(&bytes) {
        d.push(piece);
        events.extend(std::iter::from_fn(|| d.next_event()));
    }
    assert_eq!(events, vec![PrintoutEvent::Message(bytes.clone())]);
}

#[test]
fn the_captured_printout_reads_pad_by_pad() {
    let p = StripPrintout::parse(&capture()).unwrap();
    assert_eq!(p.specimen_id, "1210009192");
    assert_eq!(p.sequence, "006068");
    assert_eq!(
        p.measured_at,
        LocalTime::new(2024, 10, 29, 15, 54, 27).unwrap()
    );
    assert_eq!(
        p.pads,
        vec![
            pad(false, "LEU", Some("-"), "0", "CELL/uL"),
            pad(false, "KET", Some("-"), "0", "mmol/L"),
            pad(false, "NIT", Some("-"), "", ""),
            pad(false, "URO", None, "Normal", ""),
            pad(true, "BIL", Some("+2"), "33", "umol/L"),
            pad(false, "GLU", Some("-"), "0", "mmol/L"),
            pad(true, "PRO", Some("+-"), "0.15", "g/L"),
            pad(false, "SG", None, "1.015", ""),
            pad(false, "pH", None, "6.5", ""),
            pad(false, "BLD", Some("-"), "0", "CELL/uL"),
            pad(false, "Vc", Some("-"), "0", "mmol/L"),
            pad(true, "MA", None, ">=150", "mg/L"),
            pad(false, "Ca", None, "5.0", "mmol/L"),
            pad(true, "CR", None, ">=26.4", "mmol/L"),
            pad(true, "ACR", None, "3.4~33.9", "mg/mmol"),
        ]
    );
    // `Color:` and `Clarity:` were printed with nothing after them: no pad.
    assert_eq!(p.pads[4].reading(), "+2");
    assert_eq!(p.pads[4].concentration(), Some(("33", "umol/L")));
    assert_eq!(p.pads[2].concentration(), None);
    assert_eq!(p.pads[7].reading(), "1.015");
}

#[test]
fn measurements_report_the_grade_or_the_value() {
    let m = StripPrintout::parse(&capture()).unwrap().measurements();
    let rows: Vec<(&str, &str, &str, &[String])> = m
        .iter()
        .map(|m| {
            assert_eq!(m.specimen_id, "1210009192");
            (
                m.test.as_str(),
                m.value.as_str(),
                m.units.as_str(),
                m.flags.as_slice(),
            )
        })
        .collect();
    let star = ["*".to_owned()];
    assert_eq!(rows[0], ("LEU", "-", "", &[][..]));
    assert_eq!(rows[4], ("BIL", "+2", "", &star[..]));
    assert_eq!(rows[6], ("PRO", "+-", "", &star[..]));
    assert_eq!(rows[7], ("SG", "1.015", "", &[][..]));
    assert_eq!(rows[11], ("MA", ">=150", "mg/L", &star[..]));
    assert_eq!(rows[14], ("ACR", "3.4~33.9", "mg/mmol", &star[..]));
    assert_eq!(rows.len(), 15);
}

#[test]
fn the_encoder_writes_the_capture_s_header_and_graded_lines() {
    let at = LocalTime::new(2024, 10, 29, 15, 54, 27).unwrap();
    let pads = [
        pad(false, "LEU", Some("-"), "0", "CELL/uL"),
        pad(true, "BIL", Some("+2"), "33", "umol/L"),
        pad(true, "PRO", Some("+-"), "0.15", "g/L"),
    ];
    let out = encode_printout(at, "1210009192", 6068, &pads);
    let capture = capture();
    // Up to the blank line the capture's bytes; each graded line is one of the capture's.
    let header = 4 + 4 * 23;
    assert_eq!(out[..header], capture[..header]);
    let text = String::from_utf8(out.clone()).unwrap();
    let captured = String::from_utf8(capture).unwrap();
    for line in text.split("\r\n").skip(5).filter(|l| l.len() == 21) {
        assert!(captured.contains(&format!("\r\n{line}\r\n")), "{line:?}");
    }
    assert_eq!(StripPrintout::parse(&out).unwrap().pads, pads);
}

#[test]
fn layout_errors_say_which_line() {
    // No `ID:` line.
    assert_eq!(
        StripPrintout::parse(b"\x02\x11\r\nNO.1  2024-10-29\r\n  15:54:27\r\n\x03"),
        Err(ReadError::Unexpected {
            line: 1,
            offset: 4,
            expected: "`ID:` and the sample id",
            found: "NO.1  2024-10-29".into(),
        })
    );
    // Month 13: reported on the time line (3), where date and time are complete.
    assert!(matches!(
        StripPrintout::parse(b"\x02\x11\r\nID:7\r\nNO.1  2024-13-29\r\n 15:54:27\r\n\x03"),
        Err(ReadError::Unexpected { line: 3, .. })
    ));
    // A pad line whose name is a number.
    assert!(matches!(
        StripPrintout::parse(
            b"\x02\x11\r\nID:7\r\nNO.1  2024-10-29\r\n 15:54:27\r\n 12 -  0\r\n\x03"
        ),
        Err(ReadError::Unexpected {
            line: 4,
            expected: "a pad name after the mark column",
            ..
        })
    ));
    // A pad with neither grade nor value.
    assert!(matches!(
        StripPrintout::parse(b"\x02\x11\r\nID:7\r\nNO.1  2024-10-29\r\n 15:54:27\r\n LEU\r\n\x03"),
        Err(ReadError::Unexpected { line: 4, .. })
    ));
    // Without DC1 and with a colour entered.
    let p =
        StripPrintout::parse(b"\x02ID:7\r\nNO.1  2024-10-29\r\n15:54:27\r\n Color: Yellow\r\n\x03")
            .unwrap();
    assert_eq!(p.pads, vec![pad(false, "Color", None, "Yellow", "")]);
}

proptest! {
    #[test]
    fn any_text_parses_or_says_where(raw in proptest::collection::vec(
        prop_oneof![Just(b'\r'), Just(b'\n'), Just(b' '), Just(b'*'), Just(b'-'), Just(b'+'), any::<u8>()],
        0..300,
    )) {
        if let Err(ReadError::Unexpected { offset, .. }) = StripPrintout::parse(&raw) {
            prop_assert!(offset <= raw.len());
        }
    }

    #[test]
    fn written_printouts_read_back(
        id in "[0-9]{1,12}",
        seq in 0u32..1_000_000,
        pads in proptest::collection::vec(
            (any::<bool>(), "[A-Z][A-Za-z]{1,2}", prop_oneof![Just(None), Just(Some("-")), Just(Some("+-")), Just(Some("+2"))],
             "[0-9]{1,3}(\\.[0-9]{1,2})?", prop_oneof![Just(""), Just("mmol/L"), Just("g/L")]),
            0..12,
        ),
    ) {
        let at = LocalTime::new(2026, 12, 7, 9, 41, 5).unwrap();
        let pads: Vec<PadLine> = pads
            .into_iter()
            .map(|(abnormal, name, grade, value, unit)| pad(abnormal, &name, grade, &value, unit))
            .collect();
        let out = encode_printout(at, &id, seq, &pads);
        let mut d = PrintoutDecoder::new();
        d.push(&out);
        let Some(PrintoutEvent::Message(raw)) = d.next_event() else { panic!("one printout") };
        let p = StripPrintout::parse(&raw).unwrap();
        prop_assert_eq!(p.measured_at, at);
        prop_assert_eq!(p.specimen_id, id);
        prop_assert_eq!(p.sequence, format!("{seq:06}"));
        prop_assert_eq!(p.pads, pads);
    }
}
