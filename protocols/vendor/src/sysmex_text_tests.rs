//! XS-500i class A texts from the corpus host log, byte for byte. Every expected value is read by
//! hand from the bytes with the layout in the module documentation (derivations in comments).

use super::*;
use crate::corpus::corpus;
use crate::stx_frame::{Piece, StxFrameDecoder};

const FILE: &str =
    "astm/sysmex-xs500i/xs500i_native_class_a_d1u_d2u_host_log_2018-07-26_extract.txt";

fn pieces() -> Vec<Piece> {
    let mut d = StxFrameDecoder::new(4096);
    d.push(&corpus(FILE));
    std::iter::from_fn(|| d.next_piece()).collect()
}

fn blocks() -> Vec<Vec<u8>> {
    pieces()
        .into_iter()
        .filter_map(|p| match p {
            Piece::Block { body, .. } => Some(body),
            _ => None,
        })
        .collect()
}

#[test]
fn the_log_holds_six_samples_of_two_texts_each() {
    let b = blocks();
    assert_eq!(b.len(), 12);
    for (i, text) in b.iter().enumerate() {
        let code: &[u8] = if i % 2 == 0 { b"D1U" } else { b"D2U" };
        assert_eq!(&text[..3], code);
        // D1U texts are 189 characters, D2U 253 (the 191 and 255 bytes of hmislk's checks,
        // less STX and ETX).
        assert_eq!(text.len(), if i % 2 == 0 { 189 } else { 253 });
    }
}

#[test]
fn the_first_sample_header() {
    let b = blocks();
    // `D1U` + `   XS-500i^19045` + `0000000007000` + `       00109558` + `20180726145900` + ...
    let Ok(Text::SampleHeader(h)) = decode(&b[0]) else {
        panic!("not a D1U")
    };
    assert_eq!(h.common.instrument, "XS-500i^19045");
    assert_eq!(h.common.sequence, "0000000007000");
    assert_eq!(h.common.sample_no, "00109558");
    assert_eq!(
        h.analysed_at,
        AnalysedAt {
            year: 2018,
            month: 7,
            day: 26,
            hour: 14,
            minute: 59,
            second: 0
        }
    );
    assert!(h.rest.ends_with("XS-500i^CH642457^19045"));
}

#[test]
fn the_first_samples_values_with_their_decimals_and_flags() {
    let b = blocks();
    let Ok(Text::Results(r)) = decode(&b[1]) else {
        panic!("not a D2U")
    };
    assert_eq!(r.common.sample_no, "00109558");
    // From character 47: 011170 03860 01190 03650 09460 03080 03260 02020 | 00982 00900 08071
    // 00020 00030 | 001100 001011 009011 000020 000030 | 01490 04890 01230 01070 03040 |
    // 00000 x6 | 00220. Each: digits then the flag digit.
    // WBC 01117 x10/uL = 11.17 10*3/uL; RBC 0386 x10^4/uL = 3.86 10*6/uL; HGB 0119 g/L = 11.9
    // g/dL; HCT 36.5 %; MCV 94.6 fL; MCH 30.8 pg; MCHC 0326 g/L = 32.6 g/dL; PLT 202 10*3/uL;
    // LYMPH% 9.8 flag 2; MONO% 9.0; NEUT% 80.7 flag 1; EO% 0.2; BASO% 0.3 (sum 100.0);
    // LYMPH# 00110 = 1.10 (9.8 % of 11.17 is 1.09); MONO# 1.01 flag 1; NEUT# 9.01 flag 1;
    // EO# 0.02; BASO# 0.03; RDW-CV 14.9; RDW-SD 48.9; PDW 12.3; MPV 10.7; P-LCR 30.4;
    // RET% .. HFR zeros; PCT 0022 = 0.22 % (202 x 10.7 / 10000 = 0.216).
    let expected: [(&str, &str, char); 30] = [
        ("WBC", "11.17", '0'),
        ("RBC", "3.86", '0'),
        ("HGB", "11.9", '0'),
        ("HCT", "36.5", '0'),
        ("MCV", "94.6", '0'),
        ("MCH", "30.8", '0'),
        ("MCHC", "32.6", '0'),
        ("PLT", "202", '0'),
        ("LYMPH%", "9.8", '2'),
        ("MONO%", "9.0", '0'),
        ("NEUT%", "80.7", '1'),
        ("EO%", "0.2", '0'),
        ("BASO%", "0.3", '0'),
        ("LYMPH#", "1.10", '0'),
        ("MONO#", "1.01", '1'),
        ("NEUT#", "9.01", '1'),
        ("EO#", "0.02", '0'),
        ("BASO#", "0.03", '0'),
        ("RDW-CV", "14.9", '0'),
        ("RDW-SD", "48.9", '0'),
        ("PDW", "12.3", '0'),
        ("MPV", "10.7", '0'),
        ("P-LCR", "30.4", '0'),
        ("RET%", "0.00", '0'),
        ("RET#", "0.0000", '0'),
        ("IRF", "0.0", '0'),
        ("LFR", "0.0", '0'),
        ("MFR", "0.0", '0'),
        ("HFR", "0.0", '0'),
        ("PCT", "0.22", '0'),
    ];
    let got: Vec<(&str, &str, char)> = r
        .values
        .iter()
        .map(|v| (v.parameter.code, v.value.as_str(), v.flag))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        r.trailer,
        "000000000000           00000XS-500i^CH642457^19045"
    );
    assert_eq!(r.values[0].parameter.units, "10*3/uL");
}

#[test]
fn the_third_sample_is_microcytic_and_the_fifth_has_an_unreliable_differential() {
    let b = blocks();
    // Sample 109738: MCV 07482 -> 74.8 flag 2, MCH 02382 -> 23.8 flag 2, RDW-CV 01771 -> 17.7
    // flag 1, PCT 00361 -> 0.36 flag 1.
    let Ok(Text::Results(r)) = decode(&b[5]) else {
        panic!("not a D2U")
    };
    let find = |r: &Results, code: &str| {
        r.values
            .iter()
            .find(|v| v.parameter.code == code)
            .map(|v| (v.value.clone(), v.flag))
            .unwrap()
    };
    assert_eq!(r.common.sample_no, "00109738");
    assert_eq!(find(&r, "MCV"), ("74.8".into(), '2'));
    assert_eq!(find(&r, "MCH"), ("23.8".into(), '2'));
    assert_eq!(find(&r, "RDW-CV"), ("17.7".into(), '1'));
    assert_eq!(find(&r, "PCT"), ("0.36".into(), '1'));
    // Sample 110098: NEUT% 06574 -> 65.7 flag 4, EO% 00124 -> 1.2 flag 4.
    let Ok(Text::Results(r)) = decode(&b[9]) else {
        panic!("not a D2U")
    };
    assert_eq!(find(&r, "NEUT%"), ("65.7".into(), '4'));
    assert_eq!(find(&r, "EO%"), ("1.2".into(), '4'));
}

#[test]
fn line_noise_before_a_header_is_junk_and_the_header_still_reads() {
    let p = pieces();
    let at = p
        .iter()
        .position(|p| matches!(p, Piece::Junk { bytes, .. } if bytes.ends_with(b"???????")))
        .unwrap();
    let Piece::Block { body, .. } = &p[at + 1] else {
        panic!("no block after the noise")
    };
    let Ok(Text::SampleHeader(h)) = decode(body) else {
        panic!("not a D1U")
    };
    assert_eq!(h.common.sample_no, "00109653");
}

#[test]
fn short_or_broken_texts_are_errors_naming_the_field() {
    let b = blocks();
    assert_eq!(
        decode(&b[1][..100]),
        Err(DecodeError::Truncated {
            text: "D2U".into(),
            len: 100,
            field: "NEUT%",
            // WBC 47..53, then RBC to MONO% five each (9 x 5 = 45): NEUT% runs 98..103.
            at: 98,
            end: 103,
        })
    );
    let mut broken = b[1].clone();
    broken[50] = b'x';
    assert!(matches!(
        decode(&broken),
        Err(DecodeError::NotDigits {
            code: "WBC",
            at: 47,
            end: 53,
            ..
        })
    ));
    assert!(matches!(
        decode(b"\x01\x02"),
        Err(DecodeError::NoTextCode { .. })
    ));
    assert_eq!(
        decode(b"D3U...").unwrap(),
        Text::Other { code: "D3U".into() }
    );
}

#[test]
fn texts_written_for_the_simulator_are_the_analyzers_bytes() {
    let b = blocks();
    let Ok(Text::SampleHeader(h)) = decode(&b[0]) else {
        panic!("not a D1U")
    };
    assert_eq!(encode_sample_header(&h).unwrap()[1..190], b[0][..]);
    let Ok(Text::Results(r)) = decode(&b[1]) else {
        panic!("not a D2U")
    };
    let values: Vec<(&str, &str, char)> = r
        .values
        .iter()
        .map(|v| (v.parameter.code, v.value.as_str(), v.flag))
        .collect();
    assert_eq!(
        encode_results(&r.common, &values, &r.trailer).unwrap()[1..254],
        b[1][..]
    );
    assert!(matches!(
        encode_results(&r.common, &[("PLT", "12345", '0')], ""),
        Err(EncodeError::DoesNotFit { code: "PLT", .. })
    ));
}

proptest::proptest! {
    #[test]
    fn decoding_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn a_d2u_with_any_digits_reads(digits in "[0-9]{156}") {
        let text = format!("D2U{:>16}{:13}{:>15}{digits}", "XS-500i^1", "0000000001000", "S1");
        let Ok(Text::Results(r)) = decode(text.as_bytes()) else {
            return Err(proptest::test_runner::TestCaseError::fail("not read"));
        };
        proptest::prop_assert_eq!(r.values.len(), D2U_PARAMETERS.len());
    }
}
