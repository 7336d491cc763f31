//! Every file of the shared HL7 corpus (`shared/corpus/hl7/`), with expectations written by hand from
//! the files themselves (values read off the bytes with a text viewer, counts with grep).

use std::path::{Path, PathBuf};

use bytes::BytesMut;
use lis_hl7::extract::{results, summary_lengths};
use lis_hl7::mllp::{MllpDecoder, MllpEvent};
use lis_hl7::segments::{
    Dsp, Msa, Obr, Obx, Orc, OrderControl, Pid, Pv1, Qak, Qpd, Qrd, Rcp, Sac, SegmentView, Spm,
};
use lis_hl7::{split, Diagnostic, DiagnosticKind, Message, TextEncoding};

/// The corpus sits at `../../../shared` from this crate in the main checkout, one level further up from a
/// worktree under `wt/`.
fn corpus_dir() -> PathBuf {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        "../../../shared/corpus/hl7",
        "../../../../shared/corpus/hl7",
    ]
    .iter()
    .map(|d| base.join(d))
    .find(|d| d.is_dir())
    .expect("shared/corpus/hl7 not found next to the checkout")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Files this test covers; `every_corpus_file_is_covered` fails when one is added without a test.
const COVERED: &[&str] = &[
    "biosystems-ba400/ba400_host_rsp_k11_replies_lf_2023.hl7",
    "biosystems-ba400/ba400_oul_r22_lab29_results_2023_from_b64_log.hl7",
    "biosystems-ba400/ba400_qbp_q11_lab27_host_queries_2023.hl7",
    "erba-elite580/elite580_oru_ack_monitor_log.txt",
    "mindray-bc5380/bc5380_manual_c33_oru_r01_patient_lf.hl7",
    "mindray-bc5380/bc5380_manual_c33_xr_qc_oru_r01_lf.hl7",
    "mindray-cl-series/cl_manual_oru_r01_polish_site.hl7",
    "mindray-cl-series/cl_manual_qry_q02_qck_dsr_q03_ack_mllp.bin",
    "roche-cobas-6800-8800/cobas6800_oul_r22_hiv_law_annotated.hl7",
    "roche-cobas-8000-citm/citm_oru_r01_v23_decimal_comma.hl7",
    "roche-cobas-8000-citm/citm_oul_r21_2022_lt13gt_artifact.hl7",
    "roche-cobas-8000-citm/citm_oul_r21_2024_hiv_escapes_zsegs.hl7",
    "roche-cobas-8000-citm/swisslab_orm_o01_order_utf8.hl7",
    "roche-cobas-pro/cobas_pro_c503_oul_r22_result_middot_lf.hl7",
    "roche-cobas-pro/cobas_pro_e801_oul_r22_raw_supplemental_cr.hl7",
    "roche-cobas-pro/cobas_pro_qbp_q11_host_query_registered_sign_lf.hl7",
];

#[test]
fn every_corpus_file_is_covered() {
    let mut found = Vec::new();
    for vendor in std::fs::read_dir(corpus_dir()).unwrap() {
        let vendor = vendor.unwrap().path();
        for file in std::fs::read_dir(&vendor).unwrap() {
            let file = file.unwrap().path();
            let rel = file
                .strip_prefix(corpus_dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            found.push(rel);
        }
    }
    found.sort();
    assert_eq!(found, COVERED);
}

fn msg_type(m: &Message<'_>) -> String {
    let t = m.header().message_type();
    format!("{}^{}", t.code, t.event)
}

#[test]
fn citm_oru_r01_decimal_comma() {
    let bytes = read("roche-cobas-8000-citm/citm_oru_r01_v23_decimal_comma.hl7");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert_eq!(msg_type(&m), "ORU^R01");
    assert_eq!(m.header().control_id().as_str(), "68516");
    assert_eq!(m.header().accept_ack_type().as_str(), "NE");
    // MSH-18 says 8859/1 but the middle dots are UTF-8 (C2 B7): read as UTF-8, with a diagnostic.
    assert_eq!(m.text_encoding(), TextEncoding::Utf8);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        matches!(&d[0].kind, DiagnosticKind::CharsetMismatch { declared, .. } if declared == "8859/1")
    );
    assert_eq!(
        m.first("NTE").unwrap().field(3).as_str(),
        "1st·comment·on·patient·/·sample·20020604101"
    );
    let pid = m.first_of::<Pid<'_>>().unwrap();
    assert_eq!(pid.name().family().as_str(), "Smith");
    assert_eq!(pid.birth_date().unwrap().to_iso8601(), "1963-01-01");
    let rows = results(&m);
    assert_eq!(rows.len(), 3);
    // OBR-3 is empty, so the specimen comes from OBR-2.
    assert!(rows
        .iter()
        .all(|r| r.specimen_id.as_deref() == Some("20020604101")));
    let got: Vec<(&str, &str, &str, Vec<&str>)> = rows
        .iter()
        .map(|r| {
            (
                &*r.test_code,
                &*r.value,
                &*r.units,
                r.flags.iter().map(|f| &**f).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("21", "101,0", "mmol/L", vec!["N"]),
            ("82", "5,7", "mmol/L", vec!["H"]),
            ("89", "162,0", "mmol/L", vec!["H"])
        ]
    );
    assert_eq!(
        rows[0].observed_at.unwrap().to_iso8601(),
        "2011-09-27T15:47:23"
    );
    assert_eq!(
        m.first_of::<Obx<'_>>()
            .unwrap()
            .field(13)
            .repetition(2)
            .as_str(),
        "N"
    );
}

#[test]
fn citm_oul_r21_with_literal_13_artifact() {
    let bytes = read("roche-cobas-8000-citm/citm_oul_r21_2022_lt13gt_artifact.hl7");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert_eq!(
        d.iter().map(|d| d.kind.clone()).collect::<Vec<_>>(),
        [DiagnosticKind::LiteralCr]
    );
    assert_eq!(msg_type(&m), "OUL^R21");
    assert_eq!(m.header().control_id().as_str(), "107737129");
    assert_eq!(m.header().charset().as_str(), "UNICODE UTF-8");
    let ids: Vec<&str> = m.segments().map(|s| s.id()).collect();
    assert_eq!(ids, ["MSH", "PID", "SAC", "ORC", "OBR", "OBX", "TCD"]);
    let rows = results(&m);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].specimen_id.as_deref(), Some("AA4F1A1A6J"));
    assert_eq!(rows[0].test_code, "AHBC2-R");
    assert_eq!(rows[0].value, "-1^2.14");
    assert_eq!(rows[0].flags, ["N"]);
    assert_eq!(
        rows[0].observed_at.unwrap().to_iso8601(),
        "2022-07-11T12:27:49"
    );
    let obx = m.first_of::<Obx<'_>>().unwrap();
    assert_eq!(
        obx.responsible_observer().component(1).text(),
        "bmserv^SYSTEM"
    );
}

#[test]
fn citm_oul_r21_hiv_escapes_and_z_segments() {
    let bytes = read("roche-cobas-8000-citm/citm_oul_r21_2024_hiv_escapes_zsegs.hl7");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(msg_type(&m), "OUL^R21");
    assert_eq!(m.header().control_id().as_str(), "248627524");
    assert_eq!(m.header().version().as_str(), "2.4");
    assert_eq!(m.first("ZRI").unwrap().field(1).as_str(), "ASY");
    let sac = m.first_of::<Sac<'_>>().unwrap();
    assert_eq!(sac.container_id().entity_id().as_str(), "AA5OEB6WYN");
    assert_eq!(
        m.first_of::<Orc<'_>>().unwrap().order_control(),
        Some(OrderControl::ResultsFollow)
    );
    let rows = results(&m);
    assert_eq!(rows.len(), 16);
    assert!(rows
        .iter()
        .all(|r| r.specimen_id.as_deref() == Some("AA5OEB6WYN")));
    assert_eq!((&*rows[0].test_code, &*rows[0].value), ("HIVDUO-R", "34^"));
    assert_eq!(
        (&*rows[1].test_code, &*rows[1].value),
        ("HIVAG_01", "1^2.14")
    );
    assert_eq!(
        (&*rows[3].test_code, &*rows[3].value),
        ("HIVAG-3", "???^???")
    );
    assert_eq!(
        (&*rows[7].test_code, &*rows[7].value),
        ("AHIV_02", "-1^0.0515")
    );
    assert_eq!(rows[14].test_code, "HIVAG-!");
    // As sent, OBX-5 of OBX 2 is `1\S\2.14`.
    let obx2 = m.all::<Obx<'_>>().nth(1).unwrap();
    assert_eq!(obx2.value().as_str(), "1\\S\\2.14");
    assert_eq!(obx2.value().component(1).as_str(), "1\\S\\2.14");
}

#[test]
fn swisslab_orm_o01_order_download() {
    let bytes = read("roche-cobas-8000-citm/swisslab_orm_o01_order_utf8.hl7");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(msg_type(&m), "ORM^O01");
    assert_eq!(m.header().control_id().as_str(), "o3057937.000001");
    assert_eq!(m.header().sending_application().as_str(), "SWISSLAB");
    assert_eq!(
        m.first_of::<Pid<'_>>().unwrap().patient_id().id().as_str(),
        "01077843"
    );
    assert_eq!(
        m.first_of::<Pv1<'_>>()
            .unwrap()
            .visit_number()
            .id()
            .as_str(),
        "S01077843"
    );
    let orcs: Vec<_> = m.all::<Orc<'_>>().collect();
    assert_eq!(orcs.len(), 3);
    assert!(orcs
        .iter()
        .all(|o| o.order_control() == Some(OrderControl::New)));
    assert_eq!(
        orcs[0].filler_order_number().entity_id().as_str(),
        "23071012"
    );
    assert_eq!(
        orcs[0].transaction_at().unwrap().to_iso8601(),
        "2023-02-03T08:08:00"
    );
    let obr: Vec<_> = m.all::<Obr<'_>>().collect();
    assert_eq!(obr[0].service().identifier().as_str(), "HINAET");
    assert_eq!(
        obr[0].service().description().text(),
        "HIV-1/2 PCR mit erhöhter Sensitivität"
    );
    assert_eq!(
        obr[2].filler_order_number().entity_id().as_str(),
        "23071014"
    );
    assert!(results(&m).is_empty());
}

#[test]
fn cobas_pro_c503_oul_r22() {
    let bytes = read("roche-cobas-pro/cobas_pro_c503_oul_r22_result_middot_lf.hl7");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    let t = m.header().message_type();
    assert_eq!((t.code, t.event, t.structure), ("OUL", "R22", "OUL_R22"));
    assert_eq!(m.header().control_id().as_str(), "97");
    assert_eq!(
        m.header().timestamp().unwrap().to_iso8601(),
        "2018-02-22T15:08:42+01:00"
    );
    assert_eq!(m.header().application_ack_type().as_str(), "AL");
    let spm = m.first_of::<Spm<'_>>().unwrap();
    assert_eq!(spm.specimen_id().placer().as_str(), "022");
    assert_eq!(spm.specimen_id().placer_namespace().as_str(), "BARCODE");
    assert_eq!(spm.role().identifier().as_str(), "P");
    assert_eq!(spm.specimen_type().coding_system().as_str(), "99ROC");
    let sac = m.first_of::<Sac<'_>>().unwrap();
    assert_eq!(
        (sac.carrier_id().as_str(), sac.position().as_str()),
        ("50120", "2")
    );
    assert!(m
        .first_of::<Obr<'_>>()
        .unwrap()
        .placer_order_number()
        .repetition()
        .is_null());
    assert_eq!(
        m.first_of::<Orc<'_>>().unwrap().order_control(),
        Some(OrderControl::StatusChanged)
    );
    let rows = results(&m);
    assert_eq!(rows.len(), 9);
    assert!(rows.iter().all(|r| r.specimen_id.as_deref() == Some("022")));
    assert_eq!(
        (&*rows[0].test_code, &*rows[0].value, &*rows[0].units),
        ("20490", "32.2", "mg/L")
    );
    assert_eq!(rows[0].flags, ["N"]);
    assert_eq!(rows[0].status, "F");
    // OBX-14 is empty: the time comes from OBX-19.
    assert_eq!(
        rows[0].observed_at.unwrap().to_iso8601(),
        "2018-02-22T15:08:42"
    );
    assert_eq!(rows[4].value, "62~67");
    assert_eq!(rows[6].value, "0.300·-·350");
    let obx = m.first_of::<Obx<'_>>().unwrap();
    let equipment: Vec<&str> = obx.equipment().map(|e| e.entity_id().as_str()).collect();
    assert_eq!(equipment, ["c503", "", "1"]);
    assert_eq!(
        obx.observation_id().alternate_coding_system().as_str(),
        "IHELAW"
    );
    let qc = m.all::<Obx<'_>>().nth(4).unwrap();
    assert_eq!(
        qc.values().map(|v| v.as_str()).collect::<Vec<_>>(),
        ["62", "67"]
    );
}

#[test]
fn cobas_pro_e801_oul_r22_cr_without_final_terminator() {
    let bytes = read("roche-cobas-pro/cobas_pro_e801_oul_r22_raw_supplemental_cr.hl7");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(msg_type(&m), "OUL^R22");
    assert_eq!(m.header().control_id().as_str(), "2019");
    let rows = results(&m);
    assert_eq!(rows.len(), 13);
    assert!(rows
        .iter()
        .all(|r| r.specimen_id.as_deref() == Some("140799")));
    assert_eq!(rows[7].value, "-9999900 -");
    assert_eq!(
        (&*rows[9].test_code, &*rows[9].value, &*rows[9].units),
        ("10020_EFS", "42399.210", "COUNT")
    );
    assert_eq!(
        (&*rows[12].test_code, &*rows[12].value),
        ("10020_PMT", "13773")
    );
}

#[test]
fn cobas_pro_qbp_q11_host_query() {
    let bytes = read("roche-cobas-pro/cobas_pro_qbp_q11_host_query_registered_sign_lf.hl7");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(msg_type(&m), "QBP^Q11");
    assert_eq!(m.header().control_id().as_str(), "1233");
    assert_eq!(m.header().sending_application().as_str(), "cobas® pro");
    assert_eq!(
        m.header().timestamp().unwrap().to_iso8601(),
        "2016-07-24T08:06:00+02:00"
    );
    let qpd = m.first_of::<Qpd<'_>>().unwrap();
    assert_eq!(qpd.query_name().identifier().as_str(), "INISEQ");
    assert_eq!(qpd.query_tag().as_str(), "query1233");
    assert_eq!(qpd.specimen_id().as_str(), "123");
    assert_eq!(
        (qpd.parameter(4).as_str(), qpd.parameter(5).as_str()),
        ("50001", "1")
    );
    let rcp = m.first_of::<Rcp<'_>>().unwrap();
    assert_eq!(
        (
            rcp.priority().as_str(),
            rcp.response_modality().component(1).as_str()
        ),
        ("I", "R")
    );
}

#[test]
fn mindray_cl_oru_r01_polish_site() {
    let bytes = read("mindray-cl-series/cl_manual_oru_r01_polish_site.hl7");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(msg_type(&m), "ORU^R01");
    assert_eq!(m.header().control_id().as_str(), "1410");
    assert_eq!(m.header().application_ack_type().as_str(), "0");
    assert_eq!(m.header().charset().as_str(), "ASCII");
    assert_eq!(
        m.first_of::<Pid<'_>>().unwrap().name().family().as_str(),
        "Pietrusza Tadeusz"
    );
    let rows = results(&m);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.specimen_id.as_deref(), Some("32"));
    assert_eq!(
        (&*r.test_code, &*r.value, &*r.units, &*r.reference_range),
        ("25", "57.000000", "mg/dL", "40.000000-")
    );
    assert_eq!(r.flags, ["Normale"]);
    assert_eq!(r.observed_at.unwrap().to_iso8601(), "2010-02-17T12:04:12");
    assert_eq!(m.first_of::<Obx<'_>>().unwrap().sub_id().as_str(), "HDL C");
}

#[test]
fn mindray_cl_legacy_query_dialogue_over_mllp() {
    let bytes = read("mindray-cl-series/cl_manual_qry_q02_qck_dsr_q03_ack_mllp.bin");
    let mut buf = BytesMut::from(&bytes[..]);
    let mut decoder = MllpDecoder::default();
    let mut payloads = Vec::new();
    while let Some(event) = decoder.decode(&mut buf).unwrap() {
        match event {
            MllpEvent::Message { payload, .. } => payloads.push(payload),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(decoder.decode_eof(&mut buf), Ok(None));
    let types: Vec<String> = payloads
        .iter()
        .map(|p| msg_type(&Message::parse(p).unwrap().0))
        .collect();
    assert_eq!(
        types,
        ["QRY^Q02", "QCK^Q02", "QCK^Q02", "DSR^Q03", "ACK^Q03"]
    );
    for p in &payloads {
        let (m, d) = Message::parse(p).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(m.header().control_id().as_str(), "4");
        assert_eq!(m.header().version().as_str(), "2.3.1");
    }
    let (qry, _) = Message::parse(&payloads[0]).unwrap();
    assert_eq!(
        qry.first_of::<Qrd<'_>>().unwrap().specimen_id().as_str(),
        "0019"
    );
    let status = |i: usize| {
        let (m, _) = Message::parse(&payloads[i]).unwrap();
        m.first_of::<Qak<'_>>()
            .unwrap()
            .response_status()
            .as_str()
            .to_owned()
    };
    assert_eq!(
        (status(1), status(2), status(3)),
        ("OK".into(), "NF".into(), "OK".into())
    );
    let (dsr, _) = Message::parse(&payloads[3]).unwrap();
    let dsp: Vec<_> = dsr.all::<Dsp<'_>>().collect();
    assert_eq!(dsp.len(), 31);
    assert_eq!(dsp[20].data_line().as_str(), "0019");
    assert_eq!(dsp[25].data_line().as_str(), "serum");
    let (ack, _) = Message::parse(&payloads[4]).unwrap();
    let msa = ack.first_of::<Msa<'_>>().unwrap();
    assert_eq!(msa.ack_code_field().as_str(), "AA");
    assert_eq!(msa.control_id().as_str(), "4");
    assert_eq!(msa.text_message().as_str(), "Message accepted");
    assert_eq!(msa.error_condition().as_str(), "0");
    assert_eq!(ack.first("ERR").unwrap().field(1).as_str(), "0");
}

#[test]
fn cobas6800_file_of_three_messages_with_annotations() {
    let bytes = read("roche-cobas-6800-8800/cobas6800_oul_r22_hiv_law_annotated.hl7");
    let items: Vec<(usize, &[u8])> = split::messages(&bytes).collect();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].0, 0);
    let parsed: Vec<_> = items
        .iter()
        .map(|(_, b)| Message::parse(b).unwrap())
        .collect();
    let ids: Vec<&str> = parsed
        .iter()
        .map(|(m, _)| m.header().control_id().as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "13968052-baa9-474c-91bb-f7cf19d988fe",
            "a4140045-5f6b-4500-bc9d-610b3bfe50c4",
            "07e5e62c-ae19-4e53-9c1d-b3b4f6667ba3"
        ]
    );
    // "Incorect payload" before the first MSH, "Correct payload" after the second message.
    assert_eq!(parsed[0].1.len(), 1);
    assert_eq!(parsed[0].1[0].kind, DiagnosticKind::LeadingJunk { len: 18 });
    assert_eq!(parsed[1].1.len(), 1);
    assert_eq!(
        parsed[1].1[0].kind,
        DiagnosticKind::BadSegmentId {
            id: "Correct payload".into()
        }
    );
    assert!(parsed[2].1.is_empty());
    let specimens = ["BP23-04444", "BP23-04466", "BP23-02424"];
    for ((m, _), specimen) in parsed.iter().zip(specimens) {
        assert_eq!(msg_type(m), "OUL^R22");
        assert_eq!(m.header().charset().as_str(), "ASCII");
        let rows = results(m);
        assert_eq!(rows.len(), 4);
        assert!(rows
            .iter()
            .all(|r| r.specimen_id.as_deref() == Some(specimen)));
    }
    let first = results(&parsed[0].0);
    assert_eq!(
        (&*first[0].value, first[0].flags.clone()),
        ("ValueNotSet", vec!["BT".into()])
    );
    assert_eq!(first[3].value, "< Titer min");
    let third = results(&parsed[2].0);
    assert_eq!(
        (&*third[0].value, &*third[0].units),
        ("894", "10*-1.{Copies}/mL")
    );
    assert_eq!(third[1].value, "36.39^^37.71");
    // OBX-8 `""` (HL7 null) is not a flag.
    assert_eq!((&*third[3].value, third[3].flags.len()), ("Titer", 0));
    assert_eq!(
        parsed[2]
            .0
            .all::<Obx<'_>>()
            .nth(3)
            .unwrap()
            .sub_id()
            .as_str(),
        "1/2"
    );
}

#[test]
fn mindray_bc5380_patient_cbc() {
    let bytes = read("mindray-bc5380/bc5380_manual_c33_oru_r01_patient_lf.hl7");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(msg_type(&m), "ORU^R01");
    assert_eq!(m.header().control_id().as_str(), "1");
    assert_eq!(m.header().sending_application().as_str(), "BC-5380");
    assert_eq!(m.header().sending_facility().as_str(), "Mindray");
    assert_eq!(m.header().charset().as_str(), "UNICODE");
    let pid = m.first_of::<Pid<'_>>().unwrap();
    assert_eq!(pid.sex().as_str(), "Female");
    assert_eq!(
        (pid.name().family().as_str(), pid.name().given().as_str()),
        ("Joan", "JIang")
    );
    assert_eq!(pid.patient_id().id().as_str(), "7393670");
    assert_eq!(pid.patient_id().id_type().as_str(), "MR");
    assert_eq!(
        pid.birth_date().unwrap().to_iso8601(),
        "1990-08-04T00:00:00"
    );
    let pv1 = m.first_of::<Pv1<'_>>().unwrap();
    assert_eq!(
        (
            pv1.location().point_of_care().as_str(),
            pv1.location().bed().as_str()
        ),
        ("nk", "001")
    );
    let obr: Vec<_> = m.all::<Obr<'_>>().collect();
    assert_eq!(obr.len(), 2);
    assert_eq!(obr[1].service().description().as_str(), "Manual Count");
    assert_eq!(obr[1].specimen_source().as_str(), "BLDV");
    let rows = results(&m);
    assert_eq!(rows.len(), 64);
    assert!(rows
        .iter()
        .all(|r| r.specimen_id.as_deref() == Some("20071207011")));
    let wbc = &rows[5];
    assert_eq!(
        (
            &*wbc.test_code,
            &*wbc.value,
            &*wbc.units,
            &*wbc.reference_range
        ),
        ("6690-2", "9.81", "10*9/L", "4.00-10.00")
    );
    assert_eq!(wbc.flags, ["N"]);
    assert_eq!(
        (
            &*rows[21].test_code,
            &*rows[21].value,
            rows[21].flags.clone()
        ),
        ("718-7", "65", vec!["L".into()])
    );
    assert_eq!(rows[6].value, "");
    assert!(rows[37].value.contains("WBC Histogram bmp data…"));
}

#[test]
fn mindray_bc5380_xr_qc() {
    let bytes = read("mindray-bc5380/bc5380_manual_c33_xr_qc_oru_r01_lf.hl7");
    let (m, d) = Message::parse(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(m.header().processing_id().as_str(), "Q");
    assert_eq!(m.all::<Pid<'_>>().count(), 3);
    assert!(m
        .all::<Pid<'_>>()
        .all(|p| p.patient_id().id().as_str() == "6666666"));
    let rows = results(&m);
    assert_eq!(rows.len(), 109);
    assert!(rows.iter().all(|r| r.specimen_id.as_deref() == Some("6")));
    assert_eq!((&*rows[0].test_code, &*rows[0].value), ("05001", "M"));
    assert_eq!(rows[4].value, "***.**");
    // OBR-32 `R&D Engineer` holds an unescaped subcomponent separator: it reads as two subcomponents.
    assert_eq!(
        m.first_of::<Obr<'_>>()
            .unwrap()
            .field(32)
            .subcomponent(1, 2)
            .as_str(),
        "D Engineer"
    );
}

/// The Erba monitor log renders device bytes as `[VT]`, `[CR]`, `[FS]` tokens with the monitor's own
/// line breaks; host ACKs are written with real LF and a real 0x1C. Test-only de-rendering.
fn derender_erba(log: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (mut device, mut host) = (Vec::new(), Vec::new());
    for line in log.split(|&b| b == b'\n') {
        let text = String::from_utf8_lossy(line);
        if text.contains("[VT]") || text.contains("[CR]") || text.contains("[FS]") {
            let raw = text
                .replace("[VT]", "\x0B")
                .replace("[CR]", "\r")
                .replace("[FS]", "\x1C");
            device.extend_from_slice(raw.as_bytes());
        } else {
            host.extend_from_slice(line);
            host.push(b'\n');
        }
    }
    (device, host)
}

#[test]
fn erba_elite580_monitor_log() {
    let (device, host) = derender_erba(&read("erba-elite580/elite580_oru_ack_monitor_log.txt"));
    let mut buf = BytesMut::from(&device[..]);
    let mut decoder = MllpDecoder::default();
    let (mut frames, mut junk) = (Vec::new(), Vec::new());
    loop {
        match decoder.decode_eof(&mut buf).unwrap() {
            Some(MllpEvent::Message { payload, .. }) => frames.push(payload),
            Some(MllpEvent::Junk { bytes, .. }) => junk.push(bytes),
            Some(other) => panic!("unexpected {other:?}"),
            None => break,
        }
    }
    // grep: 95 [VT] and 95 [FS]; the monitor shows 12 read chunks of 1024 bytes out of order, which fall
    // between frames and come back as junk.
    assert_eq!(frames.len(), 95);
    assert_eq!(junk.len(), 12);
    assert!(junk.iter().all(|j| j.len() == 1024));
    let mut control_ids = Vec::new();
    let mut invalid = 0;
    for f in &frames {
        let (m, _) = Message::parse(f).unwrap();
        assert_eq!(msg_type(&m), "ORU^R01");
        assert_eq!(m.header().sending_application().as_str(), "ELite 580");
        assert_eq!(m.header().control_id().as_str().len(), 32);
        control_ids.push(m.header().control_id().as_str().to_owned());
        if results(&m)
            .iter()
            .any(|r| r.specimen_id.as_deref() == Some("invalid8"))
        {
            invalid += 1;
        }
    }
    assert_eq!(invalid, 1);
    let (first, _) = Message::parse(&frames[0]).unwrap();
    assert_eq!(
        first.header().control_id().as_str(),
        "031416ea601f4d8fa02c823f6fa42b8e"
    );
    let rows = results(&first);
    let wbc = rows.iter().find(|r| r.test_code == "6690-2").unwrap();
    assert_eq!(
        (&*wbc.value, &*wbc.units, &*wbc.reference_range),
        ("7.13", "10*3/uL", "4.00-10.00")
    );
    assert_eq!(wbc.flags, ["N"]);
    assert_eq!(wbc.specimen_id.as_deref(), Some("25059651"));
    let neu = rows.iter().find(|r| r.test_code == "770-8").unwrap();
    assert_eq!(neu.flags, ["L", "A"]);
    let raw = first
        .all::<Obx<'_>>()
        .find(|o| o.set_id().as_str() == "7")
        .unwrap();
    assert_eq!(raw.abnormal_flags_field().as_str(), "~N");

    // Host ACKs: LF segments, ended by a real 0x1C, no VT.
    let acks: Vec<&[u8]> = host
        .split(|&b| b == 0x1C)
        .filter(|c| c.iter().any(|b| !b.is_ascii_whitespace()))
        .collect();
    assert_eq!(acks.len(), 87);
    for a in acks {
        let (m, d) = Message::parse(a).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(msg_type(&m), "ACK^R01");
        let msa = m.first_of::<Msa<'_>>().unwrap();
        assert_eq!(msa.text_message().as_str(), "Message Accepted");
        assert_eq!(msa.control_id().as_str(), m.header().control_id().as_str());
        assert!(control_ids.iter().any(|c| c == msa.control_id().as_str()));
    }
}

#[test]
fn summary_lengths_over_the_corpus_match_a_hand_count() {
    // OBX of the Polish Mindray example: "25" (2) + "57.000000" (9) + "mg/dL" (5) + "Normale" (7) = 23.
    let bytes = read("mindray-cl-series/cl_manual_oru_r01_polish_site.hl7");
    let (m, _) = Message::parse(&bytes).unwrap();
    assert_eq!(summary_lengths(&m), (1, 23));
    // cITm artefact file: "AHBC2-R" (7) + "-1\S\2.14" (9) + "" + "N" (1) = 17.
    let bytes = read("roche-cobas-8000-citm/citm_oul_r21_2022_lt13gt_artifact.hl7");
    let (m, _) = Message::parse(&bytes).unwrap();
    assert_eq!(summary_lengths(&m), (1, 17));
}

mod ba400;
