//! QC recognition, each profile its own way: E1394 O-12 `Q` and H-12 `Q`/`QR`, HL7 MSH-11 `Q` and
//! SPM-11 `Q`, with the lot and level where the analyzer sends them. Expected values are read by
//! hand from the corpus bytes and from the hand-written messages below; an E1394 Q record is a
//! host query, never QC.

use lis_core::model::{MessageKind, Observation};

use super::{astm, hl7, Reading};
use crate::tests::{corpus, frames_text, messages, profile};

fn read_astm(profile_name: &str, text: &str) -> Reading {
    let (message, _) = lis_astm::message::Message::parse(text.as_bytes()).unwrap();
    astm::read_message(&message, &profile(profile_name))
}

fn read_hl7(profile_name: &str, text: &str) -> Reading {
    let text = text.replace("\r\n", "\r").replace('\n', "\r");
    let (message, _) = lis_hl7::Message::parse(text.trim_end().as_bytes()).unwrap();
    hl7::read_message(&message, &profile(profile_name))
}

/// (specimen, code, value, is QC, lot, level) of a row.
fn qc_row(o: &Observation) -> (&str, &str, &str, bool, Option<&str>, Option<&str>) {
    (
        o.specimen_id.as_str(),
        o.instrument_test_code.as_str(),
        o.value.as_str(),
        o.is_qc,
        o.qc_lot.as_deref(),
        o.qc_level.as_deref(),
    )
}

#[test]
fn generic_astm_takes_o12_q_and_h12_q_as_qc() {
    // O-12 (action code) `Q`: "quality control specimen" [LIS2-A2 §8.4.12].
    let o12 = "H|\\^&|||DEMO-CHEM|||||||P|LIS2-A2|20261207101500\r\
               P|1\r\
               O|1|QC1-0001||^^^GLU|||||||Q||||||||||||||F\r\
               R|1|^^^GLU|6.25|mmol/L||N||F||||20261207101500\r\
               L|1|N\r";
    let reading = read_astm("generic-astm", o12);
    assert_eq!(reading.message_kind(), MessageKind::Qc);
    assert_eq!(
        reading.observations.iter().map(qc_row).collect::<Vec<_>>(),
        vec![("QC1-0001", "GLU", "6.25", true, None, None)]
    );
    // H-12 (processing id) `Q`: the whole message is quality control [LIS2-A2 §7.1.12].
    let h12 = o12
        .replace("|||||||P|LIS2-A2", "|||||||Q|LIS2-A2")
        .replace("|||||||Q||||", "|||||||N||||");
    let reading = read_astm("generic-astm", &h12);
    assert_eq!(reading.message_kind(), MessageKind::Qc);
    assert!(reading.observations.iter().all(|o| o.is_qc));
    // Neither: a patient result, even with a specimen id that looks like a QC one (that is the
    // instrument's `qc_specimen_pattern`, core's business).
    let patient = o12.replace("|||||||Q||||", "|||||||N||||");
    let reading = read_astm("generic-astm", &patient);
    assert_eq!(reading.message_kind(), MessageKind::Results);
    assert_eq!(
        reading.observations.iter().map(qc_row).collect::<Vec<_>>(),
        vec![("QC1-0001", "GLU", "6.25", false, None, None)]
    );
}

#[test]
fn an_astm_q_record_is_a_host_query_never_qc() {
    // A Q record (request information, LIS2-A2 §11) asking for a QC-looking specimen, sent with
    // processing id Q: still a query, and no row of it is a result or QC.
    let text = "H|\\^&|||DEMO-CHEM|||||||Q|LIS2-A2|20261207101500\r\
                Q|1|^QC1-0001||^^^ALL||||||||O\r\
                L|1|N\r";
    for name in [
        "generic-astm",
        "roche-cobas-c311",
        "sysmex-xn",
        "abbott-architect",
    ] {
        let reading = read_astm(name, text);
        assert_eq!(reading.message_kind(), MessageKind::Query, "{name}");
        assert!(reading.observations.is_empty(), "{name}");
        assert!(reading.query.is_some(), "{name}");
    }
    let reading = read_astm("generic-astm", text);
    assert_eq!(
        reading.query.map(|q| q.specimen_ids),
        Some(vec!["QC1-0001".to_owned()])
    );
}

#[test]
fn mindray_bs240_qc_comes_in_o_records_with_lot_and_level_in_o12() {
    let log = String::from_utf8_lossy(&corpus("astm/mindray-bs240/bs240_astm_monitor_log.txt"))
        .into_owned();
    let msgs = messages(&frames_text(&log));
    let qc: Vec<&String> = msgs
        .iter()
        .filter(|m| m.contains("|||||||QR|1394-97|"))
        .collect();
    // SOURCES.md: 157 transmissions, 43 of them QC (`QR`).
    assert_eq!(qc.len(), 43);
    // Log line 212: `O|517|||P^P||20250701110003|||||1^MLT cntrl1^059325001^20270201^4.220000^M^
    // 0.220000^4.926913|`: phosphorus on control 1, lot 059325001, measured 4.926913.
    let first = read_astm("mindray-bs240", qc[0]);
    assert_eq!(first.message_kind(), MessageKind::Qc);
    assert_eq!(
        first.observations.iter().map(qc_row).collect::<Vec<_>>(),
        vec![("", "P", "4.926913", true, Some("059325001"), Some("1"))]
    );
    let observed = first.observations[0].observed_at.map(|t| t.to_string());
    assert_eq!(observed.as_deref(), Some("2025-07-01T11:00:03"));
    // Log line 228: ALT (`SGPT^ALT`) on the same control, 53.662656.
    let alt = read_astm("mindray-bs240", qc[4]);
    assert_eq!(
        alt.observations.iter().map(qc_row).collect::<Vec<_>>(),
        vec![("", "SGPT", "53.662656", true, Some("059325001"), Some("1"))]
    );
    // Every QC transmission gives QC rows and nothing else; no patient message gives any.
    for m in &qc {
        let r = read_astm("mindray-bs240", m);
        assert!(!r.observations.is_empty() && r.observations.iter().all(|o| o.is_qc));
    }
    let patient = read_astm("mindray-bs240", &msgs[0]);
    assert_eq!(patient.message_kind(), MessageKind::Results);
    assert!(patient
        .observations
        .iter()
        .all(|o| !o.is_qc && o.qc_lot.is_none() && o.qc_level.is_none()));
}

#[test]
fn mindray_bc5380_xr_qc_by_msh11_with_the_lot_in_pid3_and_the_level_row() {
    let text = String::from_utf8_lossy(&corpus(
        "hl7/mindray-bc5380/bc5380_manual_c33_xr_qc_oru_r01_lf.hl7",
    ))
    .into_owned();
    let reading = read_hl7("mindray-bc5380", &text);
    assert_eq!(reading.message_kind(), MessageKind::Qc);
    // Three PID/OBR groups of 27 NM rows each (OBX 4-30, 45-71, 83-109); the IS settings, the
    // level row, histogram lines and ED images are not results.
    assert_eq!(reading.observations.len(), 81);
    let rows: Vec<_> = reading.observations.iter().map(qc_row).collect();
    // OBX|4|NM|6690-2^WBC^LN||0.00, under `PID|1||6666666` and `OBX|1|IS|05001^Qc Level^99MRC||M`
    // (M, the normal control, is level 2 of the BC-5380's L, M, H).
    assert_eq!(
        rows[0],
        ("6", "6690-2", "0.00", true, Some("6666666"), Some("2"))
    );
    // OBX|30|NM|10006^WBC-MCV^99MRC||83, the first group's last row.
    assert_eq!(
        rows[26],
        ("6", "10006", "83", true, Some("6666666"), Some("2"))
    );
    // OBX|71|NM|10006^WBC-MCV^99MRC||60 in the second group, level row OBX|42 `M` (2).
    assert_eq!(
        rows[53],
        ("6", "10006", "60", true, Some("6666666"), Some("2"))
    );
    // The third group (OBR-4 `00008^XR QCR Mean`) has no level row: no level, never another
    // group's. OBX|90 WBC 0.00, OBX|109 WBC-MCV 72.
    assert_eq!(
        rows[54],
        ("6", "6690-2", "0.00", true, Some("6666666"), None)
    );
    assert_eq!(rows[80], ("6", "10006", "72", true, Some("6666666"), None));
    // The patient example: MSH-11 `P`, PID-3 a patient id that is no lot.
    let patient = String::from_utf8_lossy(&corpus(
        "hl7/mindray-bc5380/bc5380_manual_c33_oru_r01_patient_lf.hl7",
    ))
    .into_owned();
    let reading = read_hl7("mindray-bc5380", &patient);
    assert_eq!(reading.message_kind(), MessageKind::Results);
    assert!(reading
        .observations
        .iter()
        .all(|o| !o.is_qc && o.qc_lot.is_none() && o.qc_level.is_none()));
}

#[test]
fn generic_hl7_takes_msh11_q_and_spm11_q_as_qc() {
    let oul = "MSH|^~\\&|DEMO-HEMA||LIS||20261207101500||OUL^R22|M1|P|2.5.1\r\
               PID|1||P1\r\
               SPM|1|QCH-0001|||||||||P\r\
               OBR|1|||ALL\r\
               OBX|1|NM|WBC^WBC||7.20|10*9/L||N|||F\r";
    let reading = read_hl7("generic-hl7", oul);
    assert_eq!(reading.message_kind(), MessageKind::Results);
    // MSH-11 `Q`: not in HL7 table 0103 (D, P, T), but how Mindray BC and others mark QC;
    // SPM-11 `Q`: specimen role "control specimen" [HL7 v2.5.1 table 0369].
    let msh11 = oul.replace("|M1|P|2.5.1", "|M1|Q|2.5.1");
    let spm11 = oul.replace("|||||||||P\r", "|||||||||Q\r");
    for text in [msh11, spm11] {
        let reading = read_hl7("generic-hl7", &text);
        assert_eq!(reading.message_kind(), MessageKind::Qc, "{text}");
        assert_eq!(
            reading.observations.iter().map(qc_row).collect::<Vec<_>>(),
            vec![("QCH-0001", "WBC", "7.20", true, None, None)]
        );
    }
}

#[test]
fn qc_locations_and_order_rows_are_checked_when_the_profile_loads() {
    use crate::profile::{Profile, ProfileError};
    let astm = "name = \"mine\"\nprotocol = \"astm\"\nframing = \"e1381\"\nspecimen = \"O-3\"\n\
                test_code = \"R-3.4\"\n";
    let field_of = |text: &str| match Profile::from_toml(text, "mine.toml") {
        Err(ProfileError::Invalid { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    // A lot in an HL7 segment id is no ASTM location.
    assert_eq!(field_of(&format!("{astm}qc_lot = \"PID-3\"\n")), "qc_lot");
    // Only result rows are named by their code.
    assert_eq!(
        field_of(&format!("{astm}qc_level = \"O[1]-12\"\n")),
        "qc_level"
    );
    assert!(Profile::from_toml(&format!("{astm}qc_level = \"R[LEVEL]-4\"\n"), "m").is_ok());
    // An O record as a row needs a rule saying when.
    let order = "\n[order_result]\ntest_code = \"O-5.1\"\nvalue = \"O-12.8\"\n";
    assert_eq!(
        field_of(&format!(
            "{astm}{}",
            order.replace("\n[order_result]\n", "\n[order_result]\nwhen = []\n")
        )),
        "order_result.when"
    );
    let hl7 = "name = \"mine\"\nprotocol = \"hl7\"\nframing = \"mllp\"\nspecimen = \"OBR-3\"\n\
               test_code = \"OBX-3.1\"\n";
    assert_eq!(
        field_of(&format!(
            "{hl7}{}",
            order.replace(
                "\n[order_result]\n",
                "\n[order_result]\nwhen = [{ field = \"MSH-11\", equals = [\"Q\"] }]\n"
            )
        )),
        "order_result"
    );
}
