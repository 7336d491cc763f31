//! Regression inputs in testdata/astm/<vendor-model>/<case>.astm, named after their quirk.
//! Expected values are read off the files by hand.

mod common;

use common::testdata;
use lis_astm::error::ParseError;
use lis_astm::extract::results;
use lis_astm::message::{parse_message, DiagnosticKind};
use lis_astm::record::RecordType;

#[test]
fn yumizen_h550_doubled_backslash_delimiters() {
    let bytes = testdata("horiba-yumizen-h550/doubled-backslash-delimiters.astm");
    let (m, d) = parse_message(&bytes).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].kind, DiagnosticKind::DelimitersNormalised);
    assert_eq!((d[0].line, d[0].byte_offset), (1, 2));
    let reagent = m.records_of(RecordType::Manufacturer).next().unwrap();
    assert_eq!(reagent.field(4).repeats().count(), 3);
    let r = results(&m).next().unwrap();
    assert_eq!(
        (
            r.specimen_id.as_ref(),
            r.test_code.as_ref(),
            r.value.as_ref()
        ),
        ("PX449L", "MCV", "78.4")
    );
}

#[test]
fn cobas_e411_missing_repeat_delimiter() {
    let bytes = testdata("roche-cobas-e411/missing-repeat-delimiter.astm");
    let (m, d) = parse_message(&bytes).unwrap();
    assert_eq!(
        d.iter().map(|d| d.kind).collect::<Vec<_>>(),
        [DiagnosticKind::RepeatDelimiterMissing]
    );
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    let codes: Vec<&str> = o.tests().map(|t| t.code()).collect();
    assert_eq!(codes, ["140", "9"]);
    let r = results(&m).next().unwrap();
    assert_eq!(r.specimen_id, "51");
    assert_eq!(r.value, "<0.100");
    assert_eq!(r.flags.iter().collect::<Vec<_>>(), ["LL"]);
}

#[test]
fn sysmex_xn550_specimen_right_aligned_in_o4() {
    let bytes = testdata("sysmex-xn550/specimen-right-aligned-in-o4.astm");
    let (m, d) = parse_message(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    let rows: Vec<_> = results(&m).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].specimen_id, "27");
    assert_eq!(rows[0].test_code, "WBC");
    assert_eq!(rows[1].test_code, "RBC");
    assert_eq!(rows[1].value, "2.60");
}

#[test]
fn dxh_bang_component_delimiter() {
    let bytes = testdata("beckman-dxh/bang-component-delimiter.astm");
    let (m, _) = parse_message(&bytes).unwrap();
    let r = m
        .records_of(RecordType::Result)
        .next()
        .unwrap()
        .as_result()
        .unwrap();
    assert_eq!(r.test_id().code(), "HGB");
    assert_eq!(r.test_id().component(5), "718-7");
    assert_eq!(r.units().raw(), "g/L");
    let p = m
        .records_of(RecordType::Patient)
        .next()
        .unwrap()
        .as_patient()
        .unwrap();
    assert_eq!(p.birth_date_raw().component(2), "44");
}

#[test]
fn genexpert_at_repeat_backslash_escape() {
    let bytes = testdata("cepheid-genexpert/at-repeat-backslash-escape.astm");
    let (m, d) = parse_message(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    assert_eq!(
        o.tests().map(|t| t.code()).collect::<Vec<_>>(),
        ["MTB-RIF", "RIF"]
    );
    let c = m
        .records_of(RecordType::Comment)
        .next()
        .unwrap()
        .as_comment()
        .unwrap();
    // `\R\` is the repeat delimiter `@`, `\E\` the escape `\`.
    assert_eq!(c.text().text(), "Notes @ 2\\3");
}

#[test]
fn bs240_running_sequence_numbers_are_not_checked() {
    let bytes = testdata("mindray-bs240/running-sequence-numbers.astm");
    let (m, d) = parse_message(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    let seqs: Vec<&str> = m
        .records_of(RecordType::Result)
        .map(|r| r.as_result().unwrap().sequence())
        .collect();
    assert_eq!(seqs, ["141", "141"]);
    assert_eq!(results(&m).count(), 2);
}

#[test]
fn xs500i_escaped_repeat_in_value() {
    let bytes = testdata("sysmex-xs500i/escaped-repeat-in-value.astm");
    let (m, d) = parse_message(&bytes).unwrap();
    assert_eq!(
        d.iter().map(|d| d.kind).collect::<Vec<_>>(),
        [
            DiagnosticKind::ResultWithoutOrder,
            DiagnosticKind::MissingTerminator
        ]
    );
    let r = results(&m).next().unwrap();
    assert_eq!(r.value, "PNG\\20210414\\2021_04_14_14_56_85098_DIFF.PNG");
    assert_eq!(r.test_code, "SCAT_DIFF");
}

#[test]
fn invalid_inputs_are_errors() {
    assert!(matches!(
        parse_message(&testdata("invalid/no-header.astm")),
        Err(ParseError::NoHeader { offset: 0, .. })
    ));
    assert!(matches!(
        parse_message(&testdata("invalid/duplicate-delimiters.astm")),
        Err(ParseError::InvalidDelimiters { offset: 3, .. })
    ));
    assert!(matches!(
        parse_message(&testdata("invalid/not-astm-fixed-columns.astm")),
        Err(ParseError::NoHeader { offset: 0, .. })
    ));
}
