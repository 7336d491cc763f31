use proptest::prelude::*;

use super::*;
use crate::corpus::corpus;

const CAPTURE: &str = "astm/biomerieux-mini-vidas/mini_vidas_native_nonastm.raw";

fn decode_all(bytes: &[u8]) -> Vec<PacketEvent> {
    let mut d = PacketDecoder::new();
    d.push(bytes);
    std::iter::from_fn(|| d.next_event()).collect()
}

#[test]
fn the_captured_message_reads_field_by_field() {
    let bytes = corpus(CAPTURE);
    let events = decode_all(&bytes);
    assert_eq!(events.len(), 1, "{events:?}");
    let PacketEvent::Message(p) = &events[0] else {
        panic!("{:?}", events[0]);
    };
    // The whole capture (106 bytes) is one message: STX … GS `b0` LF.
    assert_eq!(p.raw(), bytes.as_slice());
    let m = VidasMessage::parse(p.raw());
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    // Read off the bytes: RS `mtrsl|` RS `pi|` RS `pn|` RS `si|` RS `ciZ1G021SCR|` RS `rtHBCT|`
    // RS `rnAnti-HBc Total II|` RS `tt18:35|` RS `td10/25/24|` RS `qlPositif|` RS `qn0.05|`.
    let names: Vec<&str> = m.fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["mt", "pi", "pn", "si", "ci", "rt", "rn", "tt", "td", "ql", "qn"]
    );
    assert!(m.is_result());
    assert_eq!(m.field("rn"), Some("Anti-HBc Total II"));
    assert_eq!(m.field("pi"), Some(""));
    // `td10/25/24` `tt18:35`: 25 October 2024, 18:35.
    assert_eq!(m.completed_at(), LocalTime::new(2024, 10, 25, 18, 35, 0));
    assert_eq!(
        m.measurements(),
        vec![Measurement {
            specimen_id: "Z1G021SCR".into(),
            test: "HBCT".into(),
            value: "0.05".into(),
            units: String::new(),
            flags: vec!["Positif".into()],
        }]
    );
}

#[test]
fn a_changed_byte_fails_the_checksum() {
    let mut bytes = corpus(CAPTURE);
    // `P` (0x50) of `Positif` becomes `Q` (0x51): the sum moves from 0xB0 to 0xB1.
    let at = bytes.windows(7).position(|w| w == b"Positif").unwrap();
    bytes[at] = b'Q';
    match &decode_all(&bytes)[0] {
        PacketEvent::Bad {
            offset: 0, error, ..
        } => assert_eq!(
            *error,
            PacketError::Checksum {
                expected: 0xB1,
                got: "b0".into()
            }
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_session_byte_by_byte() {
    let mut stream = vec![ENQ];
    stream.extend_from_slice(&corpus(CAPTURE));
    stream.push(EOT);
    let mut d = PacketDecoder::new();
    let mut events = Vec::new();
    for b in &stream {
        d.push(std::slice::from_ref(b));
        events.extend(std::iter::from_fn(|| d.next_event()));
    }
    // The LF after `b0` came on its own and was taken as the line end it is.
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0], PacketEvent::Control(ENQ));
    assert!(matches!(events[1], PacketEvent::Message(_)));
    assert_eq!(events[2], PacketEvent::Control(EOT));
    assert_eq!(d.pending_len(), 0);
}

#[test]
fn edge_cases_byte_by_byte() {
    // STX RS `mtx|` GS: 0x1E + 0x6D = 0x8B; + 0x74 = 0xFF; + 0x78 = 0x177; + 0x7C = 0x1F3;
    // + 0x1D = 0x210, modulo 256 0x10 → `10`.
    let ok = [0x02, 0x1E, b'm', b't', b'x', b'|', 0x1D, b'1', b'0'];
    assert!(matches!(decode_all(&ok)[0], PacketEvent::Message(_)));
    // The capture's `b0` written `B0` is taken too.
    let mut upper = corpus(CAPTURE);
    let gs = upper.iter().position(|&b| b == GS).unwrap();
    upper[gs + 1] = b'B';
    assert!(matches!(decode_all(&upper)[0], PacketEvent::Message(_)));
    // Not hexadecimal.
    let bad = [0x02, 0x1E, b'm', b't', b'x', b'|', 0x1D, b'+', b'0'];
    assert!(matches!(
        decode_all(&bad)[0],
        PacketEvent::Bad {
            error: PacketError::Checksum { .. },
            ..
        }
    ));
    // GS with one checksum character so far: wait, then give up when the line goes quiet.
    let mut d = PacketDecoder::new();
    d.push(&ok[..8]);
    assert!(d.next_event().is_none());
    d.finish();
    assert!(matches!(
        d.next_event(),
        Some(PacketEvent::Bad {
            error: PacketError::Unfinished { len: 8 },
            ..
        })
    ));
    // An ENQ inside a message cuts it; the ENQ is still seen.
    let cut = [0x02, 0x1E, b'm', 0x05];
    assert_eq!(
        decode_all(&cut),
        vec![
            PacketEvent::Bad {
                offset: 0,
                raw: vec![0x02, 0x1E, b'm'],
                error: PacketError::Cut { byte: 0x05, len: 3 },
            },
            PacketEvent::Control(ENQ),
        ]
    );
    // Noise outside a message.
    assert_eq!(
        decode_all(b"ab\r\n"),
        vec![PacketEvent::Stray {
            offset: 0,
            bytes: b"ab".to_vec()
        }]
    );
    // Too long without GS.
    let mut long = vec![0x02];
    long.resize(MAX_PACKET_LEN + 2, b'x');
    assert!(matches!(
        decode_all(&long)[0],
        PacketEvent::Bad {
            error: PacketError::TooLong { .. },
            ..
        }
    ));
}

#[test]
fn odd_fields_are_problems() {
    let m = VidasMessage::parse(b"\x02junk\x1emtrsl|\x1eciAB\x1d00");
    assert_eq!(m.field("mt"), Some("rsl"));
    assert_eq!(m.field("ci"), Some("AB"));
    assert_eq!(m.problems.len(), 2, "{:?}", m.problems);
    assert!(m.problems[0].starts_with("byte 1:"), "{}", m.problems[0]);
    // A message that is not a result has no measurement.
    assert!(VidasMessage::parse(b"\x02\x1emtqry|\x1d00")
        .measurements()
        .is_empty());
}

#[test]
fn a_quantitative_result_carries_its_unit() {
    let raw = encode_packet(&[
        ("mt", "rsl"),
        ("ci", "S1"),
        ("rt", "TSH"),
        ("qn", "1.23"),
        ("y3", "uIU/mL"),
    ]);
    let PacketEvent::Message(p) = &decode_all(&raw)[0] else {
        panic!()
    };
    let m = VidasMessage::parse(p.raw()).measurements();
    assert_eq!(m[0].value, "1.23");
    assert_eq!(m[0].units, "uIU/mL");
    assert!(m[0].flags.is_empty());
}

#[test]
fn the_encoder_writes_the_capture_again() {
    let raw = encode_packet(&[
        ("mt", "rsl"),
        ("pi", ""),
        ("pn", ""),
        ("si", ""),
        ("ci", "Z1G021SCR"),
        ("rt", "HBCT"),
        ("rn", "Anti-HBc Total II"),
        ("tt", "18:35"),
        ("td", "10/25/24"),
        ("ql", "Positif"),
        ("qn", "0.05"),
    ]);
    assert_eq!(raw, corpus(CAPTURE));
}

proptest! {
    #[test]
    fn any_bytes_are_accounted_for(chunks in proptest::collection::vec(
        proptest::collection::vec(prop_oneof![Just(STX), Just(RS), Just(GS), Just(ENQ), Just(EOT), Just(b'\n'), any::<u8>()], 0..64),
        0..16,
    )) {
        let mut d = PacketDecoder::new();
        let (mut total, mut seen) = (0usize, 0usize);
        for c in &chunks {
            total += c.len();
            d.push(c);
            while let Some(e) = d.next_event() {
                seen += match e {
                    PacketEvent::Control(_) => 1,
                    PacketEvent::Message(p) => {
                        let _ = VidasMessage::parse(p.raw()).measurements();
                        p.raw().len()
                    }
                    PacketEvent::Bad { raw, .. } => raw.len(),
                    PacketEvent::Stray { bytes, .. } => bytes.len(),
                };
            }
        }
        prop_assert_eq!(seen + d.pending_len() + d.line_ends() as usize, total);
    }

    #[test]
    fn any_message_parses(raw in proptest::collection::vec(any::<u8>(), 0..300)) {
        let m = VidasMessage::parse(&raw);
        let _ = (m.measurements(), m.completed_at());
    }
}
