//! Dimension messages from the corpus host logs, byte for byte; expected values are read from
//! the bytes and checksums summed by hand in the comments.

use super::analyzer::{self, AnalyzerMessage, RunTime, TestResult};
use super::host::{self, HostMessage, SampleRequest};
use super::*;
use crate::corpus::corpus;
use crate::stx_frame::{Piece, StxFrameDecoder};

const DIR: &str = "astm/siemens-dimension/";

/// Every STX…ETX block of a host log, in order (the log's own text comes out as junk).
fn blocks(file: &str) -> Vec<Vec<u8>> {
    let mut d = StxFrameDecoder::new(64 * 1024);
    d.push(&corpus(&format!("{DIR}{file}")));
    std::iter::from_fn(|| d.next_piece())
        .filter_map(|p| match p {
            Piece::Block { body, .. } => Some(body),
            _ => None,
        })
        .collect()
}

/// The host's bytes as the log writes them: `toAnalyzer=2+78+28+54+65+3+`.
fn logged_bytes(decimal: &str) -> Vec<u8> {
    decimal
        .split('+')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

#[test]
fn the_poll_checksum_is_the_byte_sum_through_the_last_fs() {
    // P(80) FS(28) DIM1(68+73+77+49=267) FS 1(49) FS 1(49) FS 0(48) FS: 633 = 2*256 + 121 = 0x79.
    let body = b"P\x1cDIM1\x1c1\x1c1\x1c0\x1c79";
    let Ok(AnalyzerMessage::Poll(p)) = analyzer::decode(body) else {
        panic!("not a poll")
    };
    assert_eq!(p.instrument, "DIM1");
    assert!(p.first);
    // The conversational poll has field 2 `0`: one less, 0x78.
    let Ok(AnalyzerMessage::Poll(p)) = analyzer::decode(b"P\x1cDIM1\x1c0\x1c1\x1c0\x1c78") else {
        panic!("not a poll")
    };
    assert!(!p.first);
    assert_eq!(
        analyzer::encode_poll("DIM1", true).unwrap(),
        b"\x02P\x1cDIM1\x1c1\x1c1\x1c0\x1c79\x03"
    );
}

#[test]
fn a_wrong_checksum_or_a_missing_one_is_an_error_naming_it() {
    assert_eq!(
        decode_frame(b"P\x1cDIM1\x1c1\x1c1\x1c0\x1c7A"),
        Err(DecodeError::ChecksumMismatch {
            sent: 0x7A,
            computed: 0x79
        })
    );
    assert_eq!(decode_frame(b"PDIM1"), Err(DecodeError::NoSeparator));
    assert_eq!(
        decode_frame(b"N\x1c6"),
        Err(DecodeError::BadChecksumText {
            found: "6".into(),
            offset: 2
        })
    );
    // The corpus's bad host answer `<STX>0<ETX>` (2+48+3) has no FS at all.
    assert_eq!(decode_frame(b"0"), Err(DecodeError::NoSeparator));
    assert_eq!(decode_frame(b""), Err(DecodeError::Empty));
}

#[test]
fn the_host_answers_are_the_bytes_the_corpus_host_wrote() {
    // N(78) FS(28) = 106 = 0x6A: `2+78+28+54+65+3` ('6' = 54, 'A' = 65).
    assert_eq!(encode_no_request_bytes(), logged_bytes("2+78+28+54+65+3+"));
    // M(77) FS A(65) FS FS = 226 = 0xE2: `2+77+28+65+28+28+69+50+3` ('E' = 69, '2' = 50).
    assert_eq!(
        host::encode_result_acceptance(true),
        logged_bytes("2+77+28+65+28+28+69+50+3+")
    );
    assert_eq!(
        host::decode(b"M\x1cA\x1c\x1cE2"),
        Ok(HostMessage::ResultAcceptance { accepted: true })
    );
    // Rejection: M FS R(82) FS 1(49) FS = 77+28+82+28+49+28 = 292 = 256 + 36 = 0x24.
    assert_eq!(
        host::encode_result_acceptance(false),
        b"\x02M\x1cR\x1c1\x1c24\x03"
    );
}

fn encode_no_request_bytes() -> Vec<u8> {
    host::encode_no_request()
}

#[test]
fn the_order_for_the_queried_sample_is_the_corpus_hosts_d_message() {
    let file = "dimension_host_log_2018-07-26_query_I_host_D_order_extract.txt";
    let b = blocks(file);
    // The query: I(73) FS 00109320(48+48+49+48+57+51+50+48 = 399) FS = 528 = 2*256 + 16 = 0x10.
    let query = b.iter().find(|b| b.first() == Some(&b'I')).unwrap();
    assert_eq!(query.as_slice(), b"I\x1c00109320\x1c10");
    assert_eq!(
        analyzer::decode(query),
        Ok(AnalyzerMessage::Query(analyzer::SampleQuery {
            sample_id: "00109320".into()
        }))
    );
    // The host's D as logged (line 16). Sum: D 68, 14 FS 392, 0 48, 0 48, A 65,
    // `G.D.AYESHA` 674 + 15 spaces 480, 00109320 399, 2 50, 0 48, 1 49, ** 84, 1 49, 1 49,
    // GLUC 299: 2802 = 10*256 + 242 = 0xF2 ('F' = 70, '2' = 50).
    let logged = logged_bytes(
        "2+68+28+48+28+48+28+65+28+71+46+68+46+65+89+69+83+72+65+32+32+32+32+32+32+32+32+32+32+32+32+32+32+32+28+48+48+49+48+57+51+50+48+28+50+28+28+48+28+49+28+42+42+28+49+28+49+28+71+76+85+67+28+70+50+3+",
    );
    let request = SampleRequest {
        delete: false,
        patient: format!("{:<25}", "G.D.AYESHA"),
        sample_id: "00109320".into(),
        sample_type: "2".into(),
        priority: "0".into(),
        dilution: "1".into(),
        tests: vec!["GLUC".into()],
    };
    assert_eq!(host::encode_sample_request(&request).unwrap(), logged);
    let Ok(HostMessage::SampleRequest(read)) = host::decode(&logged[1..logged.len() - 1]) else {
        panic!("not a sample request")
    };
    assert_eq!(read.sample_id, "00109320");
    assert_eq!(read.patient, "G.D.AYESHA");
    assert_eq!(read.tests, vec!["GLUC".to_owned()]);
    // The analyzer's acceptance: M A "" A 1 42 -> 77+28+65+28+28+65+28+49+28+52+50+28 = 526 =
    // 2*256 + 14 = 0x0E.
    let m = b.iter().find(|b| b.first() == Some(&b'M')).unwrap();
    let Ok(AnalyzerMessage::RequestAcceptance(a)) = analyzer::decode(m) else {
        panic!("not an acceptance")
    };
    assert!(a.accepted);
    assert_eq!(a.frame.field(5), "42");
    assert_eq!(
        analyzer::encode_request_acceptance(true, "", "42").unwrap()[1..m.len() + 1],
        m[..]
    );
    // Its result later: GLUC 121 mg/dL, run 002114260718 = 14:21:00 on 26/07/18.
    let r = b.iter().find(|b| b.first() == Some(&b'R')).unwrap();
    let Ok(AnalyzerMessage::Result(r)) = analyzer::decode(r) else {
        panic!("not a result")
    };
    assert_eq!(r.sample_id, "00109320");
    assert_eq!(r.patient, "G.D.AYESHA");
    assert_eq!(
        r.tests,
        vec![TestResult {
            name: "GLUC".into(),
            value: "121".into(),
            units: "mg/dL".into(),
            error_code: String::new()
        }]
    );
    assert_eq!(
        RunTime::parse(&r.run_at),
        Some(RunTime {
            year: 2018,
            month: 7,
            day: 26,
            hour: 14,
            minute: 21,
            second: 0
        })
    );
}

#[test]
fn the_resent_result_is_fourteen_identical_messages() {
    let file = "dimension_host_log_2018-07-20_bad_accept_nak_retransmit_extract.txt";
    let results: Vec<Vec<u8>> = blocks(file)
        .into_iter()
        .filter(|b| b.first() == Some(&b'R'))
        .collect();
    assert_eq!(results.len(), 14);
    assert!(results.iter().all(|r| *r == results[0]));
    assert!(results[0].ends_with(b"\x1c63"));
    let Ok(AnalyzerMessage::Result(r)) = analyzer::decode(&results[0]) else {
        panic!("not a result")
    };
    // R * DINARI Dimension 1 "" 0 441021170718 1 1 4, then NA 139, K 4.1, CL 101, CRE2 1.02.
    assert_eq!(r.patient, "DINARI");
    assert_eq!(r.sample_id, "Dimension");
    assert_eq!(r.priority, "0");
    let got: Vec<(&str, &str, &str)> = r
        .tests
        .iter()
        .map(|t| (t.name.as_str(), t.value.as_str(), t.units.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("NA", "139", "mmol/L"),
            ("K", "4.1", "mmol/L"),
            ("CL", "101", "mmol/L"),
            ("CRE2", "1.02", "mg/dL")
        ]
    );
    // 441021170718: 44 s, 10 min, 21 h, 17/07/18.
    assert_eq!(
        RunTime::parse(&r.run_at).map(|t| (t.day, t.hour, t.minute, t.second)),
        Some((17, 21, 10, 44))
    );
}

#[test]
fn every_message_of_the_results_log_reads_with_its_error_codes_and_controls() {
    let file = "dimension_host_log_2018-07-21_results_qc_cal_extract.txt";
    let all = blocks(file);
    let decoded: Vec<AnalyzerMessage> = all.iter().map(|b| analyzer::decode(b).unwrap()).collect();
    let count = |f: fn(&AnalyzerMessage) -> bool| decoded.iter().filter(|m| f(m)).count();
    // SOURCES.md: 207 R messages, 22 calibration messages; 34 polls.
    assert_eq!(count(|m| matches!(m, AnalyzerMessage::Result(_))), 207);
    assert_eq!(count(|m| matches!(m, AnalyzerMessage::Calibration(_))), 22);
    assert_eq!(count(|m| matches!(m, AnalyzerMessage::Poll(_))), 34);
    // A control: `R * HORMON 1 HORMON 1 5 "" 3 463411180718 1 1 2 HCG -8 mIU/mL 14 FERR 3 ng/mL 14`.
    let hormon = decoded
        .iter()
        .find_map(|m| match m {
            AnalyzerMessage::Result(r) if r.patient == "HORMON 1" => Some(r),
            _ => None,
        })
        .unwrap();
    assert_eq!(hormon.sample_id, "HORMON 1");
    assert_eq!(hormon.sample_type, "5");
    assert_eq!(hormon.priority, "3");
    assert_eq!(hormon.tests[0].value, "-8");
    assert_eq!(hormon.tests[0].error_code, "14");
    assert_eq!(hormon.tests[1].name, "FERR");
}

#[test]
fn a_result_announcing_more_tests_than_it_carries_is_refused() {
    let fields = [
        "*",
        "X",
        "S1",
        "1",
        "",
        "0",
        "000000010118",
        "1",
        "1",
        "2",
        "GLUC",
        "98",
        "mg/dL",
        "",
    ];
    let bytes = encode_frame('R', &fields).unwrap();
    assert_eq!(
        analyzer::decode(&bytes[1..bytes.len() - 1]),
        Err(DecodeError::TestsMissing {
            announced: 2,
            found: 1
        })
    );
    let bytes = encode_frame('R', &["*", "X", "S1", "1", "", "0", "t", "1", "1", "two"]).unwrap();
    assert!(matches!(
        analyzer::decode(&bytes[1..bytes.len() - 1]),
        Err(DecodeError::BadNumber { field: 10, .. })
    ));
}

#[test]
fn control_bytes_are_refused_in_fields() {
    assert_eq!(
        encode_frame('D', &["0", "a\x1cb"]),
        Err(EncodeError::ControlByte {
            field: 2,
            byte: 0x1C
        })
    );
}

#[test]
fn results_written_by_the_simulator_read_back() {
    let tests = [TestResult {
        name: "GLUC".into(),
        value: "98".into(),
        units: "mg/dL".into(),
        error_code: String::new(),
    }];
    let bytes = analyzer::encode_result(&analyzer::ResultToSend {
        patient: "AN",
        sample_id: "S1",
        sample_type: "1",
        priority: "0",
        run_at: "360419180718",
        tests: &tests,
    })
    .unwrap();
    let Ok(AnalyzerMessage::Result(r)) = analyzer::decode(&bytes[1..bytes.len() - 1]) else {
        panic!("not a result")
    };
    assert_eq!(r.sample_id, "S1");
    assert_eq!(r.tests, tests);
}

proptest::proptest! {
    #[test]
    fn decoding_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        let _ = analyzer::decode(&bytes);
        let _ = host::decode(&bytes);
    }

    #[test]
    fn any_fields_without_controls_round_trip(
        kind in proptest::char::range('A', 'Z'),
        fields in proptest::collection::vec("[ -~]{0,12}", 0..8),
    ) {
        let bytes = encode_frame(kind, &fields).unwrap();
        let frame = decode_frame(&bytes[1..bytes.len() - 1]).unwrap();
        proptest::prop_assert_eq!(frame.kind, kind);
        proptest::prop_assert_eq!(frame.fields, fields);
    }
}
