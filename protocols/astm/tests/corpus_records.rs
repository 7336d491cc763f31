//! Corpus files holding E1394 records only (CR or LF separated), parsed end to end. Expected values were read off the
//! corpus bytes by hand (grep / cat -v), not produced by this crate.

mod common;

use common::{check, corpus, deframe, kinds, parse, r_count, split_messages};
use lis_astm::extract::results;
use lis_astm::message::DiagnosticKind;
use lis_astm::record::RecordType;
use lis_astm::views::{AbnormalFlag, ReportType, ResultStatus, TerminationCode};

#[test]
fn beckman_dxh_bang_component_and_loinc() {
    let b1 = corpus("beckman-dxh/dxh_cbc_result_1.astm");
    let (m, d) = parse(&b1);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(m.delimiters().component, b'!');
    assert_eq!(r_count(&m), 28);
    let rows: Vec<_> = results(&m).collect();
    // DxH sends one field more than LIS2-A2 after R-5:
    // `R|1|!!!WBC!33256-9|7.4|10^9/L||3.8 to 11.8|||F||SYSTEM||20211028082826|AY52686`
    // puts the range in R-7, the status in R-10 and the time in R-14. The generic rule reads
    // the standard positions, so it yields the range as a "flag", no status and no time.
    check(
        &rows[0],
        "000004287888",
        "WBC",
        "7.4",
        "10^9/L",
        &["3.8 to 11.8"],
        "",
        None,
    );
    // R|4|!!!HGB!718-7|146!  H |g/L||109 to 143|A||F
    check(
        &rows[3],
        "000004287888",
        "HGB",
        "146!  H",
        "g/L",
        &["109 to 143"],
        "",
        None,
    );
    assert_eq!(rows[3].reference_range, "");
    let r4 = m
        .records_of(RecordType::Result)
        .nth(3)
        .unwrap()
        .as_result()
        .unwrap();
    assert_eq!(r4.test_id().component(5), "718-7");
    assert_eq!(r4.value().component(1), "146");
    assert_eq!(r4.value().component(2), "  H ");
    assert_eq!(r4.record().field(15).raw(), "AY52686");
    check(
        &rows[12],
        "000004287888",
        "@PCT",
        "0.312",
        "%",
        &[],
        "",
        None,
    );
}

#[test]
fn beckman_dxh_query_and_reply() {
    let b2 = corpus("beckman-dxh/dxh_query_request_1.astm");
    let (q, d) = parse(&b2);
    assert!(d.is_empty(), "{d:?}");
    let h = q.header_record().unwrap().as_header().unwrap();
    assert_eq!(h.control_id(), "(0:0-144795890#123476669, 571)");
    let query = q.queries().next().unwrap().as_query().unwrap();
    assert_eq!(query.specimen_id(), "000004287888");
    assert!(query.all_tests());
    assert_eq!(query.request_status().and_then(|s| s.code()), Some("O"));
    let b3 = corpus("beckman-dxh/dxh_host_order_reply_1.astm");
    let (r, _) = parse(&b3);
    let o = r
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    assert_eq!(o.specimen_id().raw(), "000004287888");
    assert_eq!(o.tests().next().unwrap().code(), "CD");
    assert_eq!(o.specimen_descriptor().raw(), "Whole blood");
    let p = r
        .records_of(RecordType::Patient)
        .next()
        .unwrap()
        .as_patient()
        .unwrap();
    assert_eq!(p.birth_date().unwrap().to_string(), "1977-06-24");
}

#[test]
fn euroimmun_decimal_comma_and_specimen_in_p3() {
    let b4 = corpus("euroimmun-analyzer-i/euroimmun_sarscov2_decimal_comma.astm");
    let (m, d) = parse(&b4);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(m.records_of(RecordType::Patient).count(), 20);
    assert_eq!(r_count(&m), 20);
    let rows: Vec<_> = results(&m).collect();
    // O-3 and O-4 are empty: the generic rule gives an empty specimen ID. The ID is in the P
    // record: `P|2||TEST-27-077-5-1` is P-4 by the standard's count (SOURCES.md says P-3).
    check(&rows[0], "", "SARSCOV2IGA", ">8", "Ratio", &[], "", None);
    check(&rows[1], "", "SARSCOV2IGA", "7,41", "Ratio", &[], "", None);
    check(&rows[19], "", "SARSCOV2IGA", "5,64", "Ratio", &[], "", None);
    let p2 = m
        .patients()
        .nth(1)
        .unwrap()
        .patient()
        .unwrap()
        .as_patient()
        .unwrap();
    assert_eq!(p2.practice_patient_id(), "");
    assert_eq!(p2.laboratory_patient_id(), "TEST-27-077-5-1");
}

#[test]
fn architect_five_messages() {
    let bytes = corpus("abbott-architect-i1000sr/architect_5_messages_lf.astm");
    let messages = split_messages(&bytes);
    assert_eq!(messages.len(), 5);
    let counts: Vec<usize> = messages.iter().map(|b| r_count(&parse(b).0)).collect();
    assert_eq!(counts, [3, 3, 3, 2, 3]);
    let (m, d) = parse(messages[0]);
    assert!(d.is_empty(), "{d:?}");
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "276056250158121",
        "580",
        "0.15",
        "S/CO",
        &[],
        "R",
        Some("2025-06-13T10:18:44"),
    );
    check(
        &rows[1],
        "276056250158121",
        "580",
        "Nonreactive",
        "",
        &[],
        "R",
        Some("2025-06-13T10:18:44"),
    );
    // `^^^580^Anti-HBcII^UNDILUTED^P^73294BE00^02130^^I`: the F/I/P marker is component 11.
    assert_eq!(
        m.records_of(RecordType::Result)
            .nth(1)
            .unwrap()
            .field(3)
            .component(11),
        "I"
    );
    let l = m.terminator_record().unwrap().as_terminator().unwrap();
    assert_eq!(l.termination_code(), None);
    let h = m.header_record().unwrap().as_header().unwrap();
    assert_eq!(h.sender().component(4), "H1P1O1R1C1Q1L1");
}

#[test]
fn microbiology_sequence_numbers_reset() {
    let b5 = corpus("microbiology-mic-system/lis2a_micro_id_ast.astm");
    let (m, d) = parse(&b5);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(r_count(&m), 258);
    assert_eq!(m.records_of(RecordType::Order).count(), 14);
    assert_eq!(m.patients().count(), 4);
    let first_patient = m.patients().next().unwrap();
    let orders: Vec<_> = first_patient.orders().collect();
    // O|3 holds AMIKAC R|1, R|2, then AMPICI R|1 again.
    let seqs: Vec<&str> = orders[2]
        .results()
        .take(4)
        .map(|r| r.result().as_result().unwrap().sequence())
        .collect();
    assert_eq!(seqs, ["1", "2", "1", "2"]);
    let rows: Vec<_> = results(&m).collect();
    // `R|1|^^^ID^ORG1|...`: component 4 is `ID`, the organism slot is component 5.
    check(
        &rows[0],
        "XID00126147-01",
        "ID",
        "P.STUT^Pseudomonas stutzeri^P.stutzeri",
        "",
        &[],
        "",
        None,
    );
    let amikac = rows.iter().find(|r| r.test_code == "AMIKAC").unwrap();
    assert_eq!(amikac.value, "<=8.0000^1");
    assert_eq!(first_patient.comments().count(), 9);
}

#[test]
fn yumizen_h550_doubled_backslashes() {
    let b6 = corpus("horiba-yumizen-h550/yumizen_h550_qc_m_records.astm");
    let (m, d) = parse(&b6);
    assert_eq!(kinds(&d), [DiagnosticKind::DelimitersNormalised]);
    assert_eq!(m.delimiters().repeat, b'\\');
    assert_eq!(r_count(&m), 20);
    let h = m.header_record().unwrap().as_header().unwrap();
    assert_eq!(h.processing_id(), "Q");
    let reagent = m.records_of(RecordType::Manufacturer).nth(2).unwrap();
    let reps: Vec<&str> = reagent.field(4).repeats().map(|f| f.raw()).collect();
    assert_eq!(reps, ["CLEANER", "DILUENT", "LYSE"]);
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    assert_eq!(o.specimen_descriptor().component(3), "CTRLLOW");
    let rows: Vec<_> = results(&m).collect();
    // Time in empty (as the H500).
    check(&rows[0], "PX449L", "MCV", "78.4", "um3", &["N"], "F", None);
    assert_eq!(rows[0].reference_range, "73.5-83.5^REFERENCE_RANGE");
}

#[test]
fn afinion_dca_esr_galileo_biorad() {
    let b7 = deframe(&corpus("abbott-afinion2/afinion2_hba1c.astm"), true);
    let (m, _) = parse(&b7);
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "5",
        "HbA1c",
        "5.9",
        "%",
        &[],
        "F",
        Some("2024-12-06T14:06:15"),
    );

    let b8 = deframe(&corpus("siemens-dca-vantage/dca_vantage_acr.astm"), true);

    let (m, _) = parse(&b8);
    let rows: Vec<_> = results(&m).collect();
    assert_eq!(rows.len(), 3);
    check(&rows[2], "660", "Ratio", "27.6", "mg/g", &[], "F", None);

    let b9 = corpus("esr-analyzer-unknown/esr_result.astm");

    let (m, d) = parse(&b9);
    assert!(d.is_empty(), "{d:?}");
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "231",
        "ESR",
        "11",
        "mm/h",
        &[],
        "P",
        Some("2023-07-11T14:16:27"),
    );
    assert_eq!(
        m.header_record().unwrap().as_header().unwrap().version(),
        "E 1394-97"
    );

    let b10 = corpus("immucor-galileo/galileo_order_download.astm");

    let (m, d) = parse(&b10);
    assert!(d.is_empty(), "{d:?}");
    let l = m.terminator_record().unwrap().as_terminator().unwrap();
    assert_eq!(l.termination_code(), Some(TerminationCode::Normal));
    assert_eq!(l.termination_code_raw(), "N ");
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    assert_eq!(o.action_code().and_then(|a| a.code()), Some("N"));

    let b11 = corpus("immucor-galileo/galileo_result_abo.astm");

    let (m, _) = parse(&b11);
    assert_eq!(r_count(&m), 14);
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[2],
        "0651439A",
        "Anti-B",
        "3+^3+^45",
        "",
        &[],
        "F",
        Some("2006-03-06T16:44:29"),
    );

    let b12 = corpus("biorad-ih1000-ihcom/ihcom52_bloodtype.astm");

    let (m, _) = parse(&b12);
    assert_eq!(r_count(&m), 4);
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    assert_eq!(o.instrument_specimen_id().repeats().count(), 2);
    let rows: Vec<_> = results(&m).collect();
    assert_eq!(rows[0].specimen_id, "1122206642");
    assert_eq!(rows[0].test_code, "AntiA");
}

#[test]
fn centaur_and_m2000_and_mindray_manual() {
    let b13 = corpus("siemens-advia-centaur-xp/centaurxp_result_vitd_rlu_coff_dose_1.astm");
    let (m, _) = parse(&b13);
    let rows: Vec<_> = results(&m).collect();
    assert_eq!(rows.len(), 3);
    check(
        &rows[2],
        "000004300798",
        "VitD",
        "25.22",
        "ng/mL",
        &[],
        "F",
        Some("2021-11-01T08:51:16"),
    );
    let b14 = corpus("siemens-advia-centaur-xp/centaurxp_result_syph_comments_5.astm");
    let (m, _) = parse(&b14);
    assert_eq!(r_count(&m), 4);
    let first = m
        .patients()
        .next()
        .unwrap()
        .orders()
        .next()
        .unwrap()
        .results()
        .next()
        .unwrap();
    assert_eq!(first.comments().count(), 2);
    let b15 = corpus("siemens-advia-centaur-xp/centaurxp_host_order_reply_1.astm");
    let (m, _) = parse(&b15);
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    let types: Vec<_> = o.report_types().collect();
    assert_eq!(
        types,
        [Some(ReportType::Order), Some(ReportType::QueryResponse)]
    );
    let b16 = corpus("siemens-advia-centaur-xp/centaurxp_query_request_1.astm");
    let (m, _) = parse(&b16);
    let q = m.queries().next().unwrap().as_query().unwrap();
    assert_eq!(q.specimen_id(), "K403911");
    assert_eq!(q.ending_range().component(3), "0024");

    let bytes = corpus("abbott-m2000/m2000_hiv_vl_results_lf.astm");
    let messages = split_messages(&bytes);
    assert_eq!(messages.len(), 7);
    let counts: Vec<usize> = messages.iter().map(|b| r_count(&parse(b).0)).collect();
    // The last message is followed by a developer's annotation (`Relevant clinical information - `
    // starts with R but is not a record).
    assert_eq!(counts, [3, 3, 3, 2, 2, 2, 2]);
    let (m, _) = parse(messages[0]);
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "BP23-07117",
        "HIV0.6ml",
        "Not detected",
        "Copies / mL",
        &[],
        "R",
        Some("2023-02-02T22:11:15"),
    );

    let bytes = corpus("mindray-cl-series/cl_manual_query_RQ_QA_SA_records.astm");
    let messages = split_messages(&bytes);
    assert_eq!(messages.len(), 3);
    let (qa, _) = parse(messages[1]);
    let l = qa.terminator_record().unwrap().as_terminator().unwrap();
    assert_eq!(l.termination_code(), Some(TerminationCode::NoInformation));
    let (sa, _) = parse(messages[2]);
    let o = sa
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    assert_eq!(o.tests().count(), 4);
    assert_eq!(o.tests().next().unwrap().universal_id(), "1");
}

#[test]
fn radiometer_abl90_flex_blood_gas_qc() {
    let bytes = corpus("radiometer-abl90-flex/abl90_flex_qc_2017-02-16_records_cr_rebuilt.astm");
    // CR only (37 of them: one per record), two H records.
    assert!(!bytes.contains(&b'\n'));
    let messages = split_messages(&bytes);
    assert_eq!(messages.len(), 2);
    // (H-14, O-4 component 2 run number, O-15 level^lot, R count) read off the file.
    let runs = [
        ("2017-02-16T19:59:18", "139", "S9050", "638472", 17),
        ("2017-02-17T03:58:48", "140", "S9030", "638472", 12),
    ];
    for (bytes, (sent, run, level, lot, count)) in messages.iter().zip(runs) {
        let (m, d) = parse(bytes);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(r_count(&m), count);
        let h = m.header_record().unwrap().as_header().unwrap();
        assert_eq!(
            (h.sender().component(1), h.sender().component(2)),
            ("ABL90", "LAB")
        );
        // H-12 (processing id) is empty although these are QC runs; H-13 is `1`.
        assert_eq!((h.processing_id(), h.version()), ("", "1"));
        assert_eq!(h.timestamp().unwrap().to_string(), sent);
        let o = m
            .records_of(RecordType::Order)
            .next()
            .unwrap()
            .as_order()
            .unwrap();
        // `O|1||QC #^139||||20170502|||||||S9050^638472|^^`: by the standard's count O-3 is empty, the
        // QC run is O-4 (SOURCES.md says O-3), the lot expiry date stands in O-8, collection time
        // (SOURCES.md says O-7), and level^lot in O-15, specimen received time.
        assert_eq!(o.specimen_id().raw(), "");
        assert_eq!(o.instrument_specimen_id().component(1), "QC #");
        assert_eq!(o.instrument_specimen_id().component(2), run);
        assert_eq!(o.collected_at().unwrap().to_string(), "2017-05-02");
        assert_eq!(o.requested_at(), None);
        let o15 = o.record().field(15);
        assert_eq!((o15.component(1), o15.component(2)), (level, lot));
        assert_eq!(o.specimen_descriptor().raw(), "^");
        let l = m.terminator_record().unwrap().as_terminator().unwrap();
        assert_eq!(l.termination_code(), Some(TerminationCode::Normal));
        // R-3 component 5 says how each value came about: M measured, I entered (the temperature),
        // C calculated at that temperature.
        let origin: String = m
            .records_of(RecordType::Result)
            .map(|r| r.as_result().unwrap().test_id().component(5))
            .collect();
        let expected_origin = if count == 17 {
            "MMMMMMMMMMMMMICCC"
        } else {
            "MMMMMMMMICCC"
        };
        assert_eq!(origin, expected_origin);
        // Only R|1 has a time, in R-12 (test started; SOURCES.md says R-13): the rows' R-13 is empty.
        let starts: Vec<Option<String>> = m
            .records_of(RecordType::Result)
            .map(|r| r.as_result().unwrap().started_at().map(|t| t.to_string()))
            .collect();
        assert!(starts[0].is_some());
        assert!(starts[1..].iter().all(Option::is_none));
        assert!(results(&m).all(|r| r.observed_at.is_none()));
    }

    // The generic specimen rule falls back from the empty O-3 to the first non-empty component of
    // O-4: both runs come out as specimen `QC #`; the run number, level and lot must be read from
    // O-4 component 2 and O-15 by whoever files QC.
    let (m, _) = parse(messages[0]);
    let r1 = m
        .records_of(RecordType::Result)
        .next()
        .unwrap()
        .as_result()
        .unwrap();
    assert_eq!(r1.started_at().unwrap().to_string(), "2017-02-17T20:01:38");
    assert_eq!(r1.status(), Some(ResultStatus::Final));
    assert_eq!(
        r1.abnormal_flags().collect::<Vec<_>>(),
        [AbnormalFlag::Normal]
    );
    let rows: Vec<_> = results(&m).collect();
    assert_eq!(rows.len(), 17);
    check(&rows[0], "QC #", "K+", "1.7", "mmol/l", &["N"], "F", None);
    check(&rows[2], "QC #", "Ca++", "1.27", "mg/dL", &["N"], "F", None);
    check(&rows[7], "QC #", "O2Hb", "49.1", "%", &["N"], "F", None);
    check(&rows[11], "QC #", "HbF", "50", "%", &["N"], "F", None);
    // The temperature is entered, in `C`, with no flag.
    check(&rows[13], "QC #", "T", "25.0", "C", &[], "F", None);
    // pH has no unit.
    check(&rows[14], "QC #", "pH(T)", "7.499", "", &["N"], "F", None);
    check(
        &rows[16],
        "QC #",
        "pO2(T)",
        "12.3",
        "mmHg",
        &["N"],
        "F",
        None,
    );

    let (m, _) = parse(messages[1]);
    let rows: Vec<_> = results(&m).collect();
    assert_eq!(rows.len(), 12);
    check(&rows[4], "QC #", "Glu", "0", "mg/dL", &["N"], "F", None);
    check(&rows[5], "QC #", "Lac", "0.0", "mmol/l", &["N"], "F", None);
    // Negative measured values pass as sent, still flagged `N`.
    check(&rows[6], "QC #", "tHb", "-0.01", "g/dL", &["N"], "F", None);
    check(&rows[7], "QC #", "tBil", "-0.1", "mg/dL", &["N"], "F", None);
    check(&rows[9], "QC #", "pH(T)", "7.164", "", &["N"], "F", None);
    check(
        &rows[11],
        "QC #",
        "pO2(T)",
        "177",
        "mmHg",
        &["N"],
        "F",
        None,
    );
    let r1 = m
        .records_of(RecordType::Result)
        .next()
        .unwrap()
        .as_result()
        .unwrap();
    assert_eq!(r1.started_at().unwrap().to_string(), "2017-02-18T04:01:13");
}
