//! Every E1394 file of the shared corpus, parsed end to end. Expected values were read off the
//! corpus bytes by hand (grep / cat -v), not produced by this crate.

mod common;

use common::{corpus, deframe, derender_angle_rows, derender_brackets, split_messages};
use lis_astm::error::ParseError;
use lis_astm::extract::{results, summary_lengths, ExtractedResult};
use lis_astm::message::{parse_message, Charset, Diagnostic, DiagnosticKind, Message};
use lis_astm::record::RecordType;
use lis_astm::views::{ReportType, TerminationCode};

fn parse(bytes: &[u8]) -> (Message<'_>, Vec<Diagnostic>) {
    parse_message(bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn r_count(m: &Message<'_>) -> usize {
    m.records_of(RecordType::Result).count()
}

fn kinds(d: &[Diagnostic]) -> Vec<DiagnosticKind> {
    d.iter().map(|d| d.kind).collect()
}

/// Asserts one extracted row: specimen, code, value, units, flags, status, observed_at (ISO).
#[allow(clippy::too_many_arguments)]
fn check(
    r: &ExtractedResult<'_>,
    specimen: &str,
    code: &str,
    value: &str,
    units: &str,
    flags: &[&str],
    status: &str,
    observed: Option<&str>,
) {
    assert_eq!(r.specimen_id, specimen, "specimen {r:?}");
    assert_eq!(r.test_code, code, "code {r:?}");
    assert_eq!(r.value, value, "value {r:?}");
    assert_eq!(r.units, units, "units {r:?}");
    assert_eq!(r.flags.iter().collect::<Vec<_>>(), flags, "flags {r:?}");
    assert_eq!(r.status, status, "status {r:?}");
    assert_eq!(
        r.observed_at.map(|t| t.to_string()).as_deref(),
        observed,
        "time {r:?}"
    );
}

#[test]
fn sysmex_xn550_specimen_in_o4_and_code_in_component_5() {
    let text = deframe(&corpus("sysmex-xn550/xn550_cbc.astm"), true);
    let (m, d) = parse(&text);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(r_count(&m), 41);
    let h = m.header_record().unwrap().as_header().unwrap();
    assert_eq!(h.sender_name(), "XN-550");
    assert_eq!(h.version(), "E1394-97");
    let p = m
        .records_of(RecordType::Patient)
        .next()
        .unwrap()
        .as_patient()
        .unwrap();
    // `P|1|||37182|^Jim^Brown`: the ID is P-5, the name has an empty last name.
    assert_eq!(p.laboratory_patient_id(), "");
    assert_eq!(p.patient_id_3(), "37182");
    assert_eq!(p.last_name(), "");
    assert_eq!(p.first_name(), "Jim");
    assert_eq!(p.middle_name(), "Brown");
    assert_eq!(p.birth_date().unwrap().to_string(), "1987-06-26");
    assert_eq!(p.sex(), "M");
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    assert_eq!(o.tests().next().unwrap().code(), "WBC");
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "27",
        "WBC",
        "8.13",
        "10*3/uL",
        &["N"],
        "F",
        Some("2024-06-27T13:54:07"),
    );
    check(
        &rows[3],
        "27",
        "HCT",
        "22.7",
        "%",
        &["L"],
        "F",
        Some("2024-06-27T13:54:07"),
    );
    check(
        &rows[16],
        "27",
        "EO#",
        "1.80",
        "10*3/uL",
        &["H"],
        "F",
        Some("2024-06-27T13:54:07"),
    );
}

#[test]
fn sysmex_xp100_padded_values_trimmed() {
    let text = deframe(&corpus("sysmex-xp100/xp100_cbc.astm"), true);
    let (m, _) = parse(&text);
    assert_eq!(r_count(&m), 20);
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "113",
        "WBC",
        "5.5",
        "10*3/uL",
        &["N"],
        "",
        Some("2024-07-23T17:24:52"),
    );
    check(
        &rows[7],
        "113",
        "PLT",
        "170",
        "10*3/uL",
        &["N"],
        "",
        Some("2024-07-23T17:24:52"),
    );
    check(
        &rows[19],
        "113",
        "PCT",
        "0.17",
        "%",
        &["N"],
        "",
        Some("2024-07-23T17:24:52"),
    );
    // The view keeps R-4 as sent.
    let r = m
        .records_of(RecordType::Result)
        .next()
        .unwrap()
        .as_result()
        .unwrap();
    assert_eq!(r.value().raw(), "  5.5");
}

#[test]
fn genexpert_non_default_delimiters() {
    let text = deframe(&corpus("cepheid-genexpert/genexpert_mtb_rif.astm"), true);
    let (m, _) = parse(&text);
    let d = m.delimiters();
    assert_eq!(
        (d.field, d.repeat, d.component, d.escape),
        (b'|', b'@', b'^', b'\\')
    );
    assert_eq!(m.records().count(), m.record_count());
    assert_eq!(r_count(&m), 84);
    let h = m.header_record().unwrap().as_header().unwrap();
    assert_eq!(h.control_id(), "URM-8lT4abZA-06");
    assert_eq!(h.version(), "1394-97");
    let rows: Vec<_> = results(&m).collect();
    // R|1|^MTB-RIF^^Xpert^Xpert MTB-RIF Ultra^4^MTB^|NOT DETECTED^|||||F||John Doe|...|20250514132103
    check(
        &rows[0],
        "PR25A137",
        "Xpert",
        "NOT DETECTED^",
        "",
        &[],
        "F",
        Some("2025-05-14T13:21:03"),
    );
    let r1 = m
        .records_of(RecordType::Result)
        .next()
        .unwrap()
        .as_result()
        .unwrap();
    assert_eq!(r1.value().component(1), "NOT DETECTED");
    assert_eq!(r1.test_id().component(2), "MTB-RIF");
    // R|3|^MTB-RIF^^Xpert^^^rpoB1^Ct|^0.0
    let r3 = m.records_of(RecordType::Result).nth(2).unwrap();
    assert_eq!(r3.field(4).component(2), "0.0");
    // The first C record follows R 1 and carries a note.
    let groups: Vec<_> = m
        .patients()
        .flat_map(|p| p.orders().collect::<Vec<_>>())
        .collect();
    let first = groups[0].results().next().unwrap();
    let note = first.comments().next().unwrap().as_comment().unwrap();
    assert_eq!(
        note.text().component(3),
        "Id# 118176 Sardani P Lantion CDU/Dr. A Marcil cp"
    );
}

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
    // Time in R-12, R-13 empty (as the H500).
    check(&rows[0], "PX449L", "MCV", "78.4", "um3", &["N"], "F", None);
    assert_eq!(rows[0].reference_range, "73.5-83.5^REFERENCE_RANGE");
}

#[test]
fn yumizen_h500_etb_frames_join_records() {
    let text = deframe(
        &corpus("horiba-yumizen-h500/yumizen_h500_wire_frames_etb.astm"),
        true,
    );
    let (m, d) = parse(&text);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(r_count(&m), 20);
    let rows: Vec<_> = results(&m).collect();
    // `...|N||W||NNEMT^^USER|20230324134947||`: the time is R-12 (started); R-13 is empty.
    check(
        &rows[0],
        "CL-BL-23-0003",
        "NEU#",
        "2.03",
        "10E3/uL",
        &["N"],
        "W",
        None,
    );
    check(
        &rows[2],
        "CL-BL-23-0003",
        "NEU%",
        "28.8",
        "%",
        &["L"],
        "W",
        None,
    );
    let r = m
        .records_of(RecordType::Result)
        .next()
        .unwrap()
        .as_result()
        .unwrap();
    assert_eq!(r.started_at().unwrap().to_string(), "2023-03-24T13:49:47");
    let text = deframe(
        &corpus("horiba-yumizen-h500/yumizen_h500_qc_histograms.astm"),
        true,
    );
    let (m, _) = parse(&text);
    assert_eq!(r_count(&m), 21);
    assert_eq!(
        m.header_record()
            .unwrap()
            .as_header()
            .unwrap()
            .processing_id(),
        "Q"
    );
}

#[test]
fn cobas_c311_padded_o3_and_comments() {
    let text = deframe(
        &corpus("roche-cobas-c311/c311_multi_result_single_frame.astm"),
        true,
    );
    let (m, d) = parse(&text);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(r_count(&m), 7);
    let rows: Vec<_> = results(&m).collect();
    check(&rows[0], "11625", "685/", "22.4", "U/l", &["A"], "F", None);
    check(
        &rows[2],
        "11625",
        "712/",
        "4.1",
        "umol/l",
        &["L"],
        "F",
        None,
    );
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    assert_eq!(o.specimen_id().component(2), "CL-PL-24-0370         ");
    assert_eq!(o.tests().count(), 7);
    let order = m.patients().next().unwrap().orders().next().unwrap();
    let codes: Vec<String> = order
        .results()
        .map(|r| {
            r.comments()
                .next()
                .unwrap()
                .as_comment()
                .unwrap()
                .text()
                .raw()
                .to_owned()
        })
        .collect();
    assert_eq!(codes, ["43", "0", "0", "0", "0", "0", "43"]);
}

#[test]
fn cobas_c111_both_captures() {
    let text = deframe(
        &corpus("roche-cobas-c111/c111_result_with_M_record.astm"),
        true,
    );
    let (m, d) = parse(&text);
    assert!(d.is_empty(), "{d:?}");
    let rows: Vec<_> = results(&m).collect();
    assert_eq!(rows.len(), 1);
    check(
        &rows[0],
        "T20 10134GA D28",
        "413",
        "40.13",
        "g/L",
        &["N"],
        "F",
        Some("2023-08-03T13:17:00"),
    );
    assert_eq!(m.records_of(RecordType::Manufacturer).count(), 1);
    let text = deframe(
        &corpus("roche-cobas-c111/c111_wire_frames_from_test.astm"),
        true,
    );
    let (m, d) = parse(&text);
    assert!(d.is_empty(), "{d:?}");
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "T20-10143GA D07",
        "550",
        "95.2",
        "U/L",
        &["N"],
        "F",
        Some("2023-07-27T16:20:28"),
    );
}

#[test]
fn pentra_xlr_one_record_per_frame() {
    let text = deframe(&corpus("horiba-pentra-xlr/pentra_xlr_cbc_flags.astm"), true);
    let (m, _) = parse(&text);
    assert_eq!(r_count(&m), 21);
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "S1234",
        "WBC",
        "8.5",
        "1",
        &[],
        "W",
        Some("2022-07-27T12:15:50"),
    );
    let r = m
        .records_of(RecordType::Result)
        .next()
        .unwrap()
        .as_result()
        .unwrap();
    assert_eq!(r.test_id().component(5), "804-5");
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
fn maglumi_log_without_frame_numbers() {
    let text = deframe(
        &derender_brackets(&corpus(
            "snibe-maglumi/maglumi_thyroid_serial_monitor_log.txt",
        )),
        false,
    );
    let messages = split_messages(&text);
    assert_eq!(messages.len(), 26);
    let (m, d) = parse(messages[0]);
    assert!(d.is_empty(), "{d:?}");
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    let tests: Vec<&str> = o.tests().map(|t| t.code()).collect();
    assert_eq!(tests, ["TT3 II", "TT4 II", "TSH II"]);
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "25059232",
        "TT3 II",
        "1.171",
        "ng/mL",
        &["N"],
        "",
        Some("2025-06-30T15:11:57"),
    );
    assert_eq!(rows[0].reference_range, "0.75 to 2.1");
    assert_eq!(
        m.header_record()
            .unwrap()
            .as_header()
            .unwrap()
            .timestamp()
            .unwrap()
            .to_string(),
        "2025-07-01"
    );
}

#[test]
fn mindray_bs240_running_counters() {
    let text = deframe(
        &derender_brackets(&corpus("mindray-bs240/bs240_astm_monitor_log.txt")),
        true,
    );
    let messages = split_messages(&text);
    assert_eq!(messages.len(), 157);
    let processing: Vec<String> = messages
        .iter()
        .map(|b| {
            parse(b)
                .0
                .header_record()
                .unwrap()
                .as_header()
                .unwrap()
                .processing_id()
                .to_owned()
        })
        .collect();
    assert_eq!(processing.iter().filter(|p| *p == "PR").count(), 114);
    assert_eq!(processing.iter().filter(|p| *p == "QR").count(), 43);
    let (m, d) = parse(messages[0]);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(r_count(&m), 21);
    let p = m
        .records_of(RecordType::Patient)
        .next()
        .unwrap()
        .as_patient()
        .unwrap();
    assert_eq!(p.sequence(), "475");
    let rows: Vec<_> = results(&m).collect();
    // Test ID `P^Phosphorus^^F`: component 4 is `F`, so the generic rule yields `F`.
    // `|F|2.837141^^^^|0|20250701172002||Mindry^`: the time is R-12, R-13 is empty.
    check(
        &rows[0],
        "7",
        "F",
        "2.837141^^^^",
        "mg/dL",
        &["N"],
        "F",
        None,
    );
}

#[test]
fn cobas_e411_host_log() {
    let text = deframe(
        &derender_angle_rows(&corpus(
            "roche-cobas-e411/e411_host_log_2015_query_download_results.log",
        )),
        true,
    );
    let messages = split_messages(&text);
    assert_eq!(messages.len(), 358);
    let (m, d) = parse(messages[0]);
    assert_eq!(kinds(&d), [DiagnosticKind::RepeatDelimiterMissing]);
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "51",
        "140/1/not",
        "55.16",
        "mIU/ml",
        &["N"],
        "F",
        None,
    );
    let mut all = Vec::new();
    for b in &messages {
        let (m, _) = parse(b);
        all.extend(results(&m).map(|r| (r.value.into_owned(), r.flags.raw().to_owned())));
    }
    assert!(all.contains(&("<0.100".to_owned(), "LL".to_owned())));
    assert!(all.contains(&("-1^0.101".to_owned(), "N".to_owned())));
}

#[test]
fn beckman_access2_log() {
    let text = deframe(
        &derender_brackets(&corpus(
            "beckman-access2/access2_serial_monitor_log_frames.txt",
        )),
        true,
    );
    let messages = split_messages(&text);
    assert_eq!(messages.len(), 10);
    // The monitor interleaved its read chunks, so several records (and two H records) are
    // scrambled in the log; those give diagnostics or a delimiter error, never a panic.
    let readable = messages.iter().filter(|b| parse_message(b).is_ok()).count();
    assert_eq!(readable, 8);
    // The second message's frames are intact.
    let (m, _) = parse(messages[1]);
    let rows: Vec<_> = results(&m).collect();
    assert_eq!(rows.len(), 1);
    check(
        &rows[0],
        "25020053",
        "HCG5",
        "108.66",
        "mIU/mL",
        &["N"],
        "F",
        Some("2025-07-01T18:26:26"),
    );
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    assert_eq!(o.instrument_specimen_id().component(2), "1316");
}

#[test]
fn sysmex_xs500i_fragment_without_header() {
    let text = deframe(
        &derender_angle_rows(&corpus(
            "sysmex-xs500i/xs500i_host_log_frames_acks_2021.log",
        )),
        true,
    );
    assert!(matches!(
        parse_message(&text),
        Err(ParseError::NoHeader { offset: 0, .. })
    ));
    // With a header in front the records parse and `&R&` decodes to the repeat delimiter.
    let mut with_h = b"H|\\^&\r".to_vec();
    with_h.extend_from_slice(&text);
    let (m, _) = parse(&with_h);
    assert_eq!(r_count(&m), 39);
    let png = results(&m).find(|r| r.test_code == "SCAT_DIFF").unwrap();
    assert_eq!(png.value, "PNG\\20210414\\2021_04_14_14_56_85098_DIFF.PNG");
}

#[test]
fn non_astm_files_are_rejected() {
    for (file, framed) in [
        ("biomerieux-mini-vidas/mini_vidas_native_nonastm.raw", false),
        ("arkray-spotchem-el/spotchem_el_native_nonastm.raw", false),
        (
            "siemens-advia2120/advia2120_native_hostspec79_results_log.txt",
            false,
        ),
    ] {
        let raw = corpus(file);
        let bytes = if framed { deframe(&raw, true) } else { raw };
        // ADVIA 2120's log starts `H<-M from server:`, read as an H with `<` as field
        // delimiter and then rejected for its letter delimiters.
        assert!(
            matches!(
                parse_message(&bytes),
                Err(ParseError::NoHeader { .. } | ParseError::InvalidDelimiters { .. })
            ),
            "{file}"
        );
        let inner = deframe(&bytes, false);
        assert!(parse_message(&inner).is_err(), "{file} (deframed)");
    }
}

#[test]
fn summary_lengths_by_hand() {
    // c311: sum of len(R-3 comp 4) + len(R-4) + len(R-5) + len(R-7), by hand:
    // 685/ 22.4 U/l A = 4+4+3+1 = 12; 687/ 15.0 U/l N = 12; 712/ 4.1 umol/l L = 4+3+6+1 = 14;
    // 158/ 301 U/l N = 4+3+3+1 = 11; 735/ 1.6 umol/l N = 14; 717/ 5.85 mmol/l N = 4+4+6+1 = 15;
    // 690/ 34 umol/l A = 4+2+6+1 = 13. Total 91.
    let text = deframe(
        &corpus("roche-cobas-c311/c311_multi_result_single_frame.astm"),
        true,
    );
    let (m, _) = parse(&text);
    assert_eq!(summary_lengths(&m), (7, 91));
    assert_eq!(m.charset(), Charset::Utf8);
}
