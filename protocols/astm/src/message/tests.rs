use super::*;

fn parse(s: &str) -> (Message<'_>, Vec<Diagnostic>) {
    Message::parse(s.as_bytes()).unwrap()
}

fn kinds(d: &[Diagnostic]) -> Vec<DiagnosticKind> {
    d.iter().map(|d| d.kind).collect()
}

const SMALL: &str = "H|\\^&|||XN-550^00-22\rP|1||PID1||Nguyễn^Văn^A\rO|1|SPEC1||^^^WBC\rR|1|^^^WBC|7.5|10^3/uL||N||F\rC|1|I|note|G\rL|1|N\r";

#[test]
fn happy_path_has_no_diagnostics_and_borrows() {
    let (m, d) = parse(SMALL);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(
        d.capacity(),
        0,
        "no allocation for diagnostics on the happy path"
    );
    assert_eq!(m.charset(), Charset::Utf8);
    assert!(matches!(m.text, Cow::Borrowed(_)));
    assert_eq!(m.record_count(), 6);
    let letters: String = m.records().map(|r| r.kind().letter()).collect();
    assert_eq!(letters, "HPORCL");
}

#[test]
fn standard_field_numbering() {
    let (m, _) = parse(SMALL);
    let h = m.record(0).unwrap();
    assert_eq!(h.field(2).raw(), "\\^&");
    assert_eq!(h.field(5).component(1), "XN-550");
    let o = m.record(2).unwrap();
    assert_eq!(o.field(3).raw(), "SPEC1");
    assert_eq!(o.field(5).component(4), "WBC");
    let r = m.record(3).unwrap();
    assert_eq!(r.field(4).raw(), "7.5");
    assert_eq!(r.field(5).raw(), "10^3/uL");
    // Beyond the last field sent: empty, never a panic.
    assert!(r.field(40).is_empty());
    assert_eq!(m.record(2).unwrap().field(1).raw(), "O");
    assert!(m.record(6).is_none());
}

#[test]
fn vietnamese_utf8_survives() {
    let (m, _) = parse(SMALL);
    let p = m.record(1).unwrap();
    assert_eq!(p.field(6).component(1), "Nguyễn");
    assert_eq!(p.field(6).component(2), "Văn");
}

#[test]
fn latin1_fallback() {
    // 0xB5 is µ in ISO 8859-1 and invalid as UTF-8 on its own.
    let bytes = b"H|\\^&\rR|1|^^^IBIL|5|\xB5mol/L\rL|1\r";
    let (m, _) = Message::parse(bytes).unwrap();
    assert_eq!(m.charset(), Charset::Latin1);
    assert_eq!(m.record(1).unwrap().field(5).raw(), "µmol/L");
}

#[test]
fn lf_crlf_and_blank_lines_accepted() {
    for sep in ["\n", "\r\n", "\r"] {
        let text = SMALL.replace('\r', sep);
        let (m, d) = Message::parse(text.as_bytes()).unwrap();
        assert_eq!(m.record_count(), 6, "{sep:?}");
        assert!(d.is_empty(), "{sep:?} {d:?}");
        assert_eq!(m.record(3).unwrap().field(4).raw(), "7.5");
    }
    let (m, d) = parse("\r\n  H|\\^&\r\n\r\nL|1|N\r\n\r\n  \n");
    assert_eq!(m.record_count(), 2);
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn lowercase_record_types() {
    let (m, d) = parse("h|\\^&\rp|1\ro|1|S\rr|1|^^^A|1\rl|1|N");
    assert!(d.is_empty(), "{d:?}");
    let letters: String = m.records().map(|r| r.kind().letter()).collect();
    assert_eq!(letters, "HPORL");
}

#[test]
fn missing_terminator_is_a_diagnostic() {
    let (m, d) = parse("H|\\^&\rP|1\rO|1|S\rR|1|^^^A|1\r");
    assert_eq!(m.record_count(), 4);
    assert_eq!(kinds(&d), [DiagnosticKind::MissingTerminator]);
}

#[test]
fn order_before_patient_and_result_before_order() {
    let (_, d) = parse("H|\\^&\rO|1|S\rR|1|^^^A|1\rP|1\rR|1|^^^B|2\rL|1");
    assert_eq!(
        kinds(&d),
        [
            DiagnosticKind::OrderWithoutPatient,
            DiagnosticKind::ResultWithoutOrder
        ]
    );
    assert_eq!(d[0].record_index, Some(1));
    assert_eq!(d[0].line, 2);
    assert_eq!(d[1].record_index, Some(4));
    assert_eq!(d[1].line, 5);
    assert_eq!(d[1].byte_offset, "H|\\^&\rO|1|S\rR|1|^^^A|1\rP|1\r".len());
}

#[test]
fn unknown_type_kept_with_diagnostic() {
    let (m, d) = parse("H|\\^&\rX|1|foo\rL|1");
    assert_eq!(m.record(1).unwrap().kind(), RecordType::Unknown('X'));
    assert_eq!(kinds(&d), [DiagnosticKind::UnknownRecordType]);
}

#[test]
fn junk_lines_skipped_with_diagnostic() {
    let (m, d) = parse("H|\\^&\rhttps://example\rL|1|N\r\x04");
    assert_eq!(m.record_count(), 2);
    assert_eq!(
        kinds(&d),
        [DiagnosticKind::NotARecord, DiagnosticKind::NotARecord]
    );
    assert_eq!(d[0].line, 2);
}

#[test]
fn record_after_terminator_and_second_header() {
    let (m, d) = parse("H|\\^&\rL|1|N\rH|\\^&\rL|1|N");
    assert_eq!(m.record_count(), 4);
    assert_eq!(
        kinds(&d),
        [
            DiagnosticKind::RecordAfterTerminator,
            DiagnosticKind::UnexpectedHeader,
            DiagnosticKind::RecordAfterTerminator
        ]
    );
}

#[test]
fn doubled_backslash_normalised() {
    let (m, d) = parse("H|\\\\^&|||H550\nM|3|REAGENT|CLEANER\\\\DILUENT\\\\LYSE\nL|1|N");
    assert_eq!(kinds(&d), [DiagnosticKind::DelimitersNormalised]);
    assert_eq!(m.delimiters(), Delimiters::default());
    let reps: Vec<&str> = m
        .record(1)
        .unwrap()
        .field(4)
        .repeats()
        .map(|f| f.raw())
        .collect();
    assert_eq!(reps, ["CLEANER", "DILUENT", "LYSE"]);
}

#[test]
fn missing_repeat_delimiter_handled() {
    let (m, d) = parse("H|^&|||cobas-e411^1\rO|1|51||^^^21^1\\^^^9^1\rL|1|N");
    assert_eq!(
        kinds(&d),
        [
            DiagnosticKind::RepeatDelimiterMissing,
            DiagnosticKind::OrderWithoutPatient
        ]
    );
    assert_eq!(m.record(1).unwrap().field(5).repeats().count(), 2);
}

#[test]
fn errors_when_unreadable() {
    assert_eq!(Message::parse(b"").unwrap_err(), ParseError::Empty);
    assert_eq!(Message::parse(b" \r\n ").unwrap_err(), ParseError::Empty);
    assert!(matches!(
        Message::parse(b"\r\nP|1|x").unwrap_err(),
        ParseError::NoHeader { offset: 2, .. }
    ));
    assert!(matches!(
        Message::parse(b"H|^^&").unwrap_err(),
        ParseError::InvalidDelimiters { offset: 3, .. }
    ));
}

#[test]
fn tree_groups_patients_orders_results_comments() {
    let text = "H|\\^&\rC|1|I|header note\rP|1\rC|1|P|pc\rO|1|A\rC|1|L|oc\rR|1|^^^X|1\rC|1|I|r1\rM|1|x\rC|2|I|r1b\rR|2|^^^Y|2\rO|2|B\rR|1|^^^Z|3\rP|2\rO|1|C\rQ|1|^S\rL|1|N";
    let (m, d) = parse(text);
    assert!(d.is_empty(), "{d:?}");
    let patients: Vec<_> = m.patients().collect();
    assert_eq!(patients.len(), 2);
    let p1 = &patients[0];
    assert_eq!(p1.patient().unwrap().index(), 2);
    let pc: Vec<&str> = p1.comments().map(|c| c.field(4).raw()).collect();
    assert_eq!(pc, ["pc"]);
    let orders: Vec<_> = p1.orders().collect();
    assert_eq!(orders.len(), 2);
    assert_eq!(orders[0].order().unwrap().field(3).raw(), "A");
    let oc: Vec<&str> = orders[0].comments().map(|c| c.field(4).raw()).collect();
    assert_eq!(oc, ["oc"]);
    let results: Vec<_> = orders[0].results().collect();
    assert_eq!(results.len(), 2);
    let rc: Vec<&str> = results[0].comments().map(|c| c.field(4).raw()).collect();
    assert_eq!(rc, ["r1", "r1b"]);
    assert_eq!(results[1].comments().count(), 0);
    assert_eq!(orders[1].results().count(), 1);
    let p2_orders: Vec<_> = patients[1].orders().collect();
    assert_eq!(p2_orders.len(), 1);
    assert_eq!(p2_orders[0].results().count(), 0);
    assert_eq!(m.queries().count(), 1);
}

#[test]
fn tree_keeps_orphans() {
    let (m, _) = parse("H|\\^&\rR|1|^^^A|1\rO|1|S\rR|1|^^^B|2\rL|1");
    let patients: Vec<_> = m.patients().collect();
    assert_eq!(patients.len(), 1);
    assert!(patients[0].patient().is_none());
    let orders: Vec<_> = patients[0].orders().collect();
    assert_eq!(orders.len(), 2);
    assert!(orders[0].order().is_none());
    assert_eq!(orders[0].results().count(), 1);
    assert_eq!(orders[1].results().count(), 1);
}

#[test]
fn into_owned_outlives_input() {
    let owned = {
        let bytes = SMALL.as_bytes().to_vec();
        Message::parse(&bytes).unwrap().0.into_owned()
    };
    assert_eq!(owned.record(3).unwrap().field(4).raw(), "7.5");
}
