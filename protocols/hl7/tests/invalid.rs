//! Malformed inputs under `testdata/hl7/invalid/` (repository root): each still parses, and each
//! produces the diagnostic written here by hand.

use std::path::Path;

use lis_hl7::{DiagnosticKind, Message, TextEncoding};

fn testdata() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/hl7/invalid")
}

/// The expected diagnostics for each file; a file without an entry fails the test.
fn expected(name: &str) -> Option<Vec<DiagnosticKind>> {
    Some(match name {
        "unterminated-escape.hl7" => vec![DiagnosticKind::BadEscape {
            sequence: "\\S".into(),
        }],
        "latin1-bytes-under-utf8-label.hl7" => vec![DiagnosticKind::CharsetMismatch {
            declared: "UNICODE UTF-8".into(),
            decoded_as: TextEncoding::Latin1,
        }],
        "short-encoding-characters.hl7" => {
            vec![DiagnosticKind::ShortEncodingCharacters { got: "^~".into() }]
        }
        "four-letter-segment-id.hl7" => vec![DiagnosticKind::BadSegmentId { id: "OBXX".into() }],
        "unknown-charset-latin2.hl7" => vec![DiagnosticKind::UnknownCharset {
            declared: "8859/2".into(),
            decoded_as: TextEncoding::Latin1,
        }],
        "leading-log-heading.hl7" => vec![DiagnosticKind::LeadingJunk { len: 18 }],
        "literal-13-log-artefact.hl7" => vec![DiagnosticKind::LiteralCr],
        // Found by fuzzing: no MSH-18 but 0xFF bytes (read as Latin-1), a segment id that only
        // starts with MSH, and two ids prefixed with four 0xFF bytes (`ÿÿÿÿOBX`).
        "fuzz-msh-prefixed-segment-id.hl7" => vec![
            DiagnosticKind::CharsetMismatch {
                declared: "".into(),
                decoded_as: TextEncoding::Latin1,
            },
            DiagnosticKind::BadSegmentId {
                id: "MSHOBR".into(),
            },
            DiagnosticKind::BadSegmentId {
                id: "\u{ff}\u{ff}\u{ff}\u{ff}OBX".into(),
            },
            DiagnosticKind::BadSegmentId {
                id: "\u{ff}\u{ff}\u{ff}\u{ff}OBX".into(),
            },
        ],
        _ => return None,
    })
}

#[test]
fn every_invalid_input_parses_with_its_diagnostics() {
    let mut seen = 0;
    for entry in std::fs::read_dir(testdata()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let (message, diagnostics) =
            Message::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(message.segment_count() >= 2, "{name}");
        let kinds: Vec<DiagnosticKind> = diagnostics.into_iter().map(|d| d.kind).collect();
        assert_eq!(Some(kinds), expected(&name), "{name}");
        seen += 1;
    }
    assert_eq!(seen, 8);
}

#[test]
fn latin1_and_latin2_bytes_are_not_lost() {
    let bytes = std::fs::read(testdata().join("latin1-bytes-under-utf8-label.hl7")).unwrap();
    let (m, _) = Message::parse(&bytes).unwrap();
    assert_eq!(
        m.first("PID").unwrap().field(5).component(1).as_str(),
        "Grüße"
    );
    assert_eq!(
        m.first("PID").unwrap().field(5).component(2).as_str(),
        "Jörg"
    );
    // 8859/2 is not decoded (no tables here): Latin-1 keeps every byte, `ł` (0xB3) reads as `³`.
    let bytes = std::fs::read(testdata().join("unknown-charset-latin2.hl7")).unwrap();
    let (m, _) = Message::parse(&bytes).unwrap();
    assert_eq!(
        m.first("PID").unwrap().field(5).component(1).as_str(),
        "W³odarczyk"
    );
}

#[test]
fn unterminated_escape_is_kept_as_sent() {
    let bytes = std::fs::read(testdata().join("unterminated-escape.hl7")).unwrap();
    let (m, _) = Message::parse(&bytes).unwrap();
    assert_eq!(m.first("OBX").unwrap().field(5).text(), "5\\S");
    assert_eq!(m.first("OBX").unwrap().field(6).as_str(), "mmol/L");
}
