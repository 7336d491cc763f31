//! Corpus files carrying E1381 frames (STX FN .. ETX/ETB C1 C2), parsed end to end. Expected values were read off the
//! corpus bytes by hand (grep / cat -v), not produced by this crate.

mod common;

use common::{check, corpus, deframe, parse, r_count};
use lis_astm::extract::{results, summary_lengths};
use lis_astm::message::Charset;
use lis_astm::record::RecordType;

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
