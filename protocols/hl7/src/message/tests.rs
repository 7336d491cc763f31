use super::*;
use crate::segments::{Obx, Pid};

fn parse(s: &str) -> (Message<'_>, Vec<Diagnostic>) {
    Message::parse(s.as_bytes()).unwrap()
}

const ORU: &str = "MSH|^~\\&|LAB|HOSP|LIS|FAC|20240206081727||ORU^R01^ORU_R01|MSG001|P|2.5.1|||NE|NE||UNICODE UTF-8\r\
PID|1||12345^^^HOSP^MR~999^^^X^PI||NGUYỄN^VĂN^AN||19800102|M\r\
OBR|1|PL1|FL1|CBC^Complete blood count^LN\r\
OBX|1|NM|6690-2^WBC^LN||7.5|10*3/uL^10*3/uL^UCUM|4.00-10.00|H~A|||F\r";

#[test]
fn msh_field_numbering_counts_the_separator_as_field_1() {
    let (m, d) = parse(ORU);
    assert!(d.is_empty(), "{d:?}");
    let msh = m.segment(0).unwrap();
    assert_eq!(msh.id(), "MSH");
    assert_eq!(msh.field(1).as_str(), "|");
    assert_eq!(msh.field(2).as_str(), "^~\\&");
    assert_eq!(msh.field(3).as_str(), "LAB");
    assert_eq!(msh.field(9).as_str(), "ORU^R01^ORU_R01");
    assert_eq!(msh.field(10).as_str(), "MSG001");
    assert_eq!(msh.field(18).as_str(), "UNICODE UTF-8");
    assert_eq!(msh.field(19).as_str(), "");
    assert_eq!(msh.field(1000).as_str(), "");
}

#[test]
fn ordinary_segments_number_fields_from_1() {
    let (m, _) = parse(ORU);
    let pid = m.first("PID").unwrap();
    assert_eq!(pid.field(1).as_str(), "1");
    assert_eq!(pid.field(3).repetition(2).component(1).as_str(), "999");
    assert_eq!(pid.field(5).component(1).as_str(), "NGUYỄN");
    assert_eq!(pid.field(5).component(2).as_str(), "VĂN");
    assert_eq!(pid.field(0).as_str(), "");
    assert_eq!(pid.field(99).as_str(), "");
    assert_eq!(pid.field_count(), 8);
    assert_eq!(m.segment_count(), 4);
    assert!(m.segment(4).is_none());
}

#[test]
fn cr_lf_and_crlf_terminators_give_the_same_segments() {
    for term in ["\r", "\n", "\r\n"] {
        let text = ORU.replace('\r', term);
        let (m, d) = parse(&text);
        assert!(d.is_empty(), "{term:?}: {d:?}");
        let ids: Vec<&str> = m.segments().map(|s| s.id()).collect();
        assert_eq!(ids, ["MSH", "PID", "OBR", "OBX"], "{term:?}");
        let obx = m.first_of::<Obx<'_>>().unwrap();
        assert_eq!(obx.status().as_str(), "F", "{term:?}");
    }
}

#[test]
fn trailing_empty_segments_and_blank_lines_are_tolerated() {
    let (m, d) = parse("MSH|^~\\&|A\r\r\n\nPID|1\r\n\r\n");
    assert!(d.is_empty());
    assert_eq!(m.segment_count(), 2);
}

#[test]
fn no_trailing_terminator() {
    let (m, _) = parse("MSH|^~\\&|A|B\rPID|1|2");
    assert_eq!(m.first("PID").unwrap().field(2).as_str(), "2");
}

#[test]
fn custom_separators_with_truncation_character() {
    let text = "MSH|^~\\&#|APP\rOBX|1|ST|X^Y||a\\P\\b^c#d|";
    let (m, d) = parse(text);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(m.separators().truncation, Some(b'#'));
    assert_eq!(m.header().encoding_characters().as_str(), "^~\\&#");
    let obx = m.first("OBX").unwrap();
    assert_eq!(obx.field(5).component(1).text(), "a#b");
    assert_eq!(obx.field(5).component(2).as_str(), "c#d");
}

#[test]
fn fully_non_standard_separators() {
    let text = "MSH*@!%$*APP*FAC\rPID*1**ID1@@@AUTH$X!ID2**DOE@JOHN\rOBX*1*ST*C**a%S%b";
    let (m, d) = parse(text);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(m.header().sending_application().as_str(), "APP");
    assert_eq!(m.header().field(1).as_str(), "*");
    assert_eq!(m.header().field(2).as_str(), "@!%$");
    let pid = m.first_of::<Pid<'_>>().unwrap();
    assert_eq!(pid.patient_ids().count(), 2);
    assert_eq!(
        pid.patient_id()
            .assigning_authority()
            .subcomponent(2)
            .as_str(),
        "X"
    );
    assert_eq!(pid.name().family().as_str(), "DOE");
    assert_eq!(m.first("OBX").unwrap().field(5).text(), "a@b");
}

#[test]
fn vietnamese_utf8_survives() {
    let (m, d) = parse(ORU);
    assert!(d.is_empty());
    assert_eq!(m.text_encoding(), TextEncoding::Utf8);
    let pid = m.first_of::<Pid<'_>>().unwrap();
    assert_eq!(pid.name().family().text(), "NGUYỄN");
    assert_eq!(pid.name().given().text(), "VĂN");
    assert_eq!(pid.name().middle().text(), "AN");
}

#[test]
fn vietnamese_utf8_under_a_latin1_label_is_read_as_utf8_with_diagnostic() {
    let text = ORU.replace("UNICODE UTF-8", "8859/1");
    let (m, d) = parse(&text);
    assert_eq!(
        m.first_of::<Pid<'_>>().unwrap().name().family().text(),
        "NGUYỄN"
    );
    assert_eq!(d.len(), 1);
    assert!(
        matches!(&d[0].kind, DiagnosticKind::CharsetMismatch { declared, decoded_as: TextEncoding::Utf8 } if declared == "8859/1")
    );
}

#[test]
fn latin1_bytes_are_decoded() {
    let mut bytes = b"MSH|^~\\&|A||||||ORU^R01|1|P|2.3||||||8859/1\rPID|1||X||M".to_vec();
    bytes.extend_from_slice(b"\xFCller^J\xF6rg");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(m.text_encoding(), TextEncoding::Latin1);
    assert_eq!(
        m.first_of::<Pid<'_>>().unwrap().name().family().as_str(),
        "Müller"
    );
    assert_eq!(
        m.first_of::<Pid<'_>>().unwrap().name().given().as_str(),
        "Jörg"
    );
}

#[test]
fn latin1_bytes_under_utf8_label_fall_back_with_diagnostic() {
    let bytes = b"MSH|^~\\&|A||||||ORU^R01|1|P|2.3||||||UNICODE UTF-8\rNTE|1||Gr\xFC\xDFe";
    let (m, d) = Message::parse(bytes).unwrap();
    assert_eq!(m.first("NTE").unwrap().field(3).as_str(), "Grüße");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].offset, 60);
}

#[test]
fn unknown_charset_is_a_diagnostic() {
    let (_, d) = parse("MSH|^~\\&|A||||||ORU^R01|1|P|2.3||||||8859/2\r");
    assert!(
        matches!(&d[0].kind, DiagnosticKind::UnknownCharset { declared, .. } if declared == "8859/2")
    );
}

#[test]
fn bad_escapes_are_diagnostics_and_pass_through() {
    let (m, d) = parse("MSH|^~\\&|A\rOBX|1|ST|X||a\\Q\\b|c\\S|\\S\\ok");
    let kinds: Vec<_> = d.iter().map(|d| (d.offset, d.kind.clone())).collect();
    assert_eq!(
        kinds,
        [
            (
                24,
                DiagnosticKind::BadEscape {
                    sequence: "\\Q\\".into()
                }
            ),
            (
                30,
                DiagnosticKind::BadEscape {
                    sequence: "\\S".into()
                }
            ),
        ]
    );
    let obx = m.first("OBX").unwrap();
    assert_eq!(obx.field(5).text(), "a\\Q\\b");
    assert_eq!(obx.field(6).text(), "c\\S");
    assert_eq!(obx.field(7).text(), "^ok");
}

#[test]
fn bad_segment_ids_are_kept_with_diagnostic() {
    let (m, d) = parse("MSH|^~\\&|A\rob|1\rZRI|ASY\rCorrect payload\r");
    assert_eq!(m.segment_count(), 4);
    assert_eq!(m.segment(1).unwrap().id(), "ob");
    assert_eq!(m.segment(2).unwrap().id(), "ZRI");
    assert_eq!(d.len(), 2);
    assert_eq!(
        d[0],
        Diagnostic {
            offset: 11,
            kind: DiagnosticKind::BadSegmentId { id: "ob".into() }
        }
    );
    assert_eq!(
        d[1].kind,
        DiagnosticKind::BadSegmentId {
            id: "Correct payload".into()
        }
    );
}

#[test]
fn literal_13_artifact_is_a_segment_terminator() {
    let (m, d) =
        parse("MSH|^~\\&|A||||||OUL^R21|1|P|2.4||||||UNICODE UTF-8<13>PID|1|?<13>SAC|||BAR<13>\r");
    assert_eq!(m.header().charset().as_str(), "UNICODE UTF-8");
    let ids: Vec<&str> = m.segments().map(|s| s.id()).collect();
    assert_eq!(ids, ["MSH", "PID", "SAC"]);
    // `<13>` before the real CR is not followed by a segment: kept as data.
    assert_eq!(m.first("SAC").unwrap().field(3).as_str(), "BAR<13>");
    assert_eq!(
        d.iter()
            .filter(|d| d.kind == DiagnosticKind::LiteralCr)
            .count(),
        2
    );
    assert_eq!(d[0].offset, 50);
}

#[test]
fn literal_13_inside_data_is_kept() {
    let (m, d) = parse("MSH|^~\\&|A\rOBX|1|ST|X||<13>|<13>ABC\\F\\|<13>\r");
    assert!(d.is_empty());
    let obx = m.first("OBX").unwrap();
    assert_eq!(obx.field(5).as_str(), "<13>");
    assert_eq!(obx.field(6).text(), "<13>ABC|");
    assert_eq!(obx.field(7).as_str(), "<13>");
}

#[test]
fn leading_junk_is_skipped_with_diagnostic() {
    let (m, d) = parse("Incorect payload\n\nMSH|^~\\&|COBAS\n");
    assert_eq!(m.header().sending_application().as_str(), "COBAS");
    assert_eq!(
        d,
        [Diagnostic {
            offset: 0,
            kind: DiagnosticKind::LeadingJunk { len: 18 }
        }]
    );
    let (_, d) = parse("\r\n  MSH|^~\\&|X");
    assert!(d.is_empty());
}

#[test]
fn errors_carry_offsets() {
    assert_eq!(
        Message::parse(b"PID|1\r").unwrap_err(),
        ParseError::NoHeader { searched: 6 }
    );
    assert_eq!(
        Message::parse(b"").unwrap_err(),
        ParseError::NoHeader { searched: 0 }
    );
    assert_eq!(
        Message::parse(b"  MSH").unwrap_err(),
        ParseError::BadFieldSeparator {
            offset: 5,
            got: None
        }
    );
    assert!(matches!(
        Message::parse(b"MSH|^^\\&|").unwrap_err(),
        ParseError::BadEncodingCharacters { offset: 4, .. }
    ));
}

#[test]
fn repeated_header_is_a_diagnostic() {
    let (m, d) = parse("MSH|^~\\&|A\rPID|1\rMSH|^~\\&|B\r");
    assert_eq!(
        d,
        [Diagnostic {
            offset: 17,
            kind: DiagnosticKind::RepeatedHeader
        }]
    );
    assert_eq!(m.segment(2).unwrap().field(3).as_str(), "B");
}

#[test]
fn field_access_borrows_from_the_input() {
    let input = ORU.as_bytes();
    let (m, _) = Message::parse(input).unwrap();
    let f = m.first("OBX").unwrap().field(5).as_str();
    let range = input.as_ptr_range();
    assert!(range.contains(&f.as_ptr()));
    assert!(matches!(
        m.first("OBX").unwrap().field(5).text(),
        Cow::Borrowed("7.5")
    ));
}

#[test]
fn into_owned_keeps_everything() {
    let owned = {
        let s = ORU.to_string();
        let (m, _) = Message::parse(s.as_bytes()).unwrap();
        m.into_owned()
    };
    assert_eq!(owned.header().control_id().as_str(), "MSG001");
}

#[test]
fn utf8_byte_order_mark_is_not_part_of_the_message() {
    let (m, d) = Message::parse(b"\xEF\xBB\xBFMSH|^~\\&|APP\rPID|1").unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(m.header().sending_application().as_str(), "APP");
    assert!(m.as_str().starts_with("MSH|"));
}

#[test]
fn trailing_mllp_end_block_without_start_block_is_a_diagnostic_not_a_segment() {
    // A middleware log's payload: the start block taken off, `<FS><CR>` kept (BA400 via limsmw).
    let (m, d) = parse("MSH|^~\\&|BA400\rPID|1\r\x1C\r");
    let ids: Vec<&str> = m.segments().map(|s| s.id()).collect();
    assert_eq!(ids, ["MSH", "PID"]);
    assert_eq!(m.as_str(), "MSH|^~\\&|BA400\rPID|1\r");
    assert_eq!(
        d,
        [Diagnostic {
            offset: 21,
            kind: DiagnosticKind::UnframedEndBlock
        }]
    );
    // Straight after the last field, with no CR before or after: the field keeps its text.
    let (m, d) = parse("MSH|^~\\&|A\rOBX|1|NM|X||7.5\x1C");
    assert_eq!(m.first("OBX").unwrap().field(5).as_str(), "7.5");
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].offset, &d[0].kind),
        (26, &DiagnosticKind::UnframedEndBlock)
    );
    // Only a final end block is the trailer: one inside the message stays a bad segment.
    let (m, d) = parse("MSH|^~\\&|A\r\x1C\rPID|1\r");
    assert_eq!(m.segment_count(), 3);
    assert_eq!(
        d.iter().map(|d| d.kind.clone()).collect::<Vec<_>>(),
        [DiagnosticKind::BadSegmentId { id: "\x1C".into() }]
    );
    // An end block alone is no message.
    assert_eq!(
        Message::parse(b"\x1C\r").unwrap_err(),
        ParseError::NoHeader { searched: 2 }
    );
}

#[test]
fn message_type_that_is_not_a_code_is_a_diagnostic() {
    // A host that left MSH-7 out: the type moved to MSH-8, the control id to MSH-9 (oHIMS to BA400).
    let (m, d) = parse("MSH|^~\\&|oHIMS|OPD|A|B||RSP^K11^RSP_K11|7e3f:20230513092459|P|2.5.1\r");
    assert_eq!(m.header().message_type().code, "7e3f:20230513092459");
    assert_eq!(
        d,
        [Diagnostic {
            offset: 40,
            kind: DiagnosticKind::BadMessageType {
                got: "7e3f:20230513092459".into()
            }
        }]
    );
    for ok in ["ORU^R01", "ACK", "QBP^Q11^QBP_Q11", ""] {
        let text = format!("MSH|^~\\&|A|B|C|D|20240101||{ok}|1|P|2.5.1\r");
        let (_, d) = parse(&text);
        assert!(d.is_empty(), "{ok}: {d:?}");
    }
    for bad in ["oru^R01", "ORUX^R01", "^R01"] {
        let text = format!("MSH|^~\\&|A|B|C|D|20240101||{bad}|1\r");
        let (_, d) = parse(&text);
        assert_eq!(
            d.iter().map(|d| d.kind.clone()).collect::<Vec<_>>(),
            [DiagnosticKind::BadMessageType { got: bad.into() }]
        );
    }
}
