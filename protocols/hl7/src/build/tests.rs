use super::ack::{ack, Acknowledgement, ErrorDetail};
use super::orders::{oml_o21, oml_o33, orm_o01, Order, OrderMessage};
use super::query::{
    dsr_q03, qbp_q11, qck_q02, qry_q02, rsp_k11, HostQuery, LegacyDisplay, LegacyQuery,
    LegacyQueryAck, QueryResponse,
};
use super::results::{
    oul_r21, oul_r22, Observation, Patient, PatientId, ResultGroup, ResultMessage, Specimen,
};
use super::*;
use crate::mllp::{MllpDecoder, MllpEvent};
use crate::segments::{AckCode, Msa, Obx, Orc, OrderControl, Pid, Qak, Qpd, Qrd, SegmentView, Spm};
use crate::Message;

fn header(control_id: &str) -> MessageHeader {
    MessageHeader {
        sending_application: "LIS".into(),
        sending_facility: "BV".into(),
        receiving_application: "ANALYZER".into(),
        datetime: "20240206081727".into(),
        control_id: control_id.into(),
        ..MessageHeader::default()
    }
}

#[test]
fn builder_escapes_delimiters_and_ends_segments_with_cr() {
    let mut b = MessageBuilder::new(
        &header("1"),
        MessageType {
            code: "ORU",
            event: "R01",
            structure: "ORU_R01",
        },
    );
    b.push(
        SegmentBuilder::new("NTE")
            .field(1, "1")
            .field(3, "a|b^c~d\\e&f")
            .field(5, FieldValue::components(["x", "y"]))
            .field(6, FieldValue::repeated(["H", "A"]))
            .field(7, FieldValue::subcomponents(["022", "BARCODE"])),
    );
    let bytes = b.build();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "MSH|^~\\&|LIS|BV|ANALYZER||20240206081727||ORU^R01^ORU_R01|1|P|2.5.1||||||UNICODE UTF-8\r\
NTE|1||a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f||x^y|H~A|022&BARCODE\r"
    );
}

#[test]
fn builder_uses_custom_separators_and_truncation() {
    let h = MessageHeader {
        separators: Separators {
            field: b'*',
            truncation: Some(b'#'),
            ..Separators::default()
        },
        charset: String::new(),
        ..header("7")
    };
    let mut b = MessageBuilder::new(
        &h,
        MessageType {
            code: "ACK",
            event: "R01",
            structure: "",
        },
    );
    b.push(SegmentBuilder::new("NTE").field(1, "a*b#c"));
    assert_eq!(
        String::from_utf8(b.build()).unwrap(),
        "MSH*^~\\&#*LIS*BV*ANALYZER**20240206081727**ACK^R01*7*P*2.5.1\rNTE*a\\F\\b\\P\\c\r"
    );
}

fn sample_result() -> ResultMessage {
    ResultMessage {
        header: header("MSG42"),
        patient: Some(Patient {
            ids: vec![PatientId {
                id: "BN123".into(),
                authority: "BVT".into(),
                id_type: "MR".into(),
            }],
            family: "NGUYỄN".into(),
            given: "VĂN".into(),
            middle: "AN".into(),
            birth_date: "19800102".into(),
            sex: "M".into(),
        }),
        visit: None,
        orders: vec![ResultGroup {
            placer_order_number: "ORD1".into(),
            filler_order_number: "2402060001".into(),
            service: CodedValue::new("CBC", "Complete blood count", "L"),
            observed_at: "20240206080000".into(),
            result_status: "F".into(),
            observations: vec![Observation {
                value_type: "NM".into(),
                code: CodedValue::new("6690-2", "WBC", "LN"),
                values: vec!["7.5".into()],
                units: "10*3/uL".into(),
                reference_range: "4.00-10.00".into(),
                flags: vec!["H".into(), "A".into()],
                status: "F".into(),
                observed_at: "20240206081500".into(),
                notes: vec!["re-run 1^2".into()],
                ..Observation::default()
            }],
            ..ResultGroup::default()
        }],
    }
}

#[test]
fn oul_r21_bytes_are_as_written_by_hand() {
    let bytes = oul_r21(&sample_result());
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "MSH|^~\\&|LIS|BV|ANALYZER||20240206081727||OUL^R21^OUL_R21|MSG42|P|2.5.1||||||UNICODE UTF-8\r\
PID|1||BN123^^^BVT^MR||NGUYỄN^VĂN^AN||19800102|M\r\
ORC|RE|ORD1|2402060001\r\
OBR|1|ORD1|2402060001|CBC^Complete blood count^L|||20240206080000||||||||||||||||||F\r\
OBX|1|NM|6690-2^WBC^LN||7.5|10*3/uL|4.00-10.00|H~A|||F|||20240206081500\r\
NTE|1|L|re-run 1\\S\\2\r"
    );
}

#[test]
fn oul_r21_parses_back() {
    let bytes = oul_r21(&sample_result());
    let (m, d) = Message::parse(&bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    let pid = m.first_of::<Pid<'_>>().unwrap();
    assert_eq!(pid.name().family().text(), "NGUYỄN");
    assert_eq!(pid.patient_id().id_type().as_str(), "MR");
    let obx = m.first_of::<Obx<'_>>().unwrap();
    assert_eq!(obx.abnormal_flags().collect::<Vec<_>>(), ["H", "A"]);
    assert_eq!(m.first("NTE").unwrap().field(3).text(), "re-run 1^2");
    let rows = crate::extract::results(&m);
    assert_eq!(rows[0].specimen_id.as_deref(), Some("2402060001"));
}

#[test]
fn orm_o01_new_and_cancel() {
    let mut m = OrderMessage {
        header: MessageHeader {
            version: "2.3".into(),
            charset: String::new(),
            ..header("o1")
        },
        patient: Some(Patient {
            family: "PHAN".into(),
            given: "HỮU YẾN".into(),
            ..Patient::default()
        }),
        visit: None,
        orders: vec![
            Order {
                placer_order_number: "23071012".into(),
                service: CodedValue::new("HINAET", "HIV PCR", ""),
                ..Order::default()
            },
            Order {
                placer_order_number: "23071013".into(),
                service: CodedValue::new("HCNAET", "", ""),
                ..Order::default()
            },
        ],
    };
    assert_eq!(
        String::from_utf8(orm_o01(&m)).unwrap(),
        "MSH|^~\\&|LIS|BV|ANALYZER||20240206081727||ORM^O01^ORM_O01|o1|P|2.3\r\
PID|1||||PHAN^HỮU YẾN\r\
ORC|NW|23071012\r\
OBR|1|23071012||HINAET^HIV PCR\r\
ORC|NW|23071013\r\
OBR|2|23071013||HCNAET\r"
    );
    m.orders
        .iter_mut()
        .for_each(|o| o.control = OrderControl::Cancel);
    let bytes = orm_o01(&m);
    let (parsed, _) = Message::parse(&bytes).unwrap();
    let controls: Vec<_> = parsed.all::<Orc<'_>>().map(|o| o.order_control()).collect();
    assert_eq!(
        controls,
        [Some(OrderControl::Cancel), Some(OrderControl::Cancel)]
    );
}

fn specimen(id: &str) -> Specimen {
    Specimen {
        id: id.into(),
        specimen_type: CodedValue::new("SER", "Serum", "HL70487"),
        role: "P".into(),
        ..Specimen::default()
    }
}

#[test]
fn oml_o21_and_o33_carry_spm() {
    let m = OrderMessage {
        header: header("o2"),
        patient: None,
        visit: None,
        orders: vec![
            Order {
                placer_order_number: "P1".into(),
                service: CodedValue::new("GLU", "", "99LIS"),
                specimen: Some(specimen("S1")),
                container_id: "S1".into(),
                ..Order::default()
            },
            Order {
                placer_order_number: "P2".into(),
                service: CodedValue::new("CRE", "", "99LIS"),
                specimen: Some(specimen("S1")),
                container_id: "S1".into(),
                ..Order::default()
            },
        ],
    };
    let o21 = oml_o21(&m);
    let (p, _) = Message::parse(&o21).unwrap();
    let ids: Vec<&str> = p.segments().map(|s| s.id()).collect();
    assert_eq!(
        ids,
        ["MSH", "ORC", "OBR", "SPM", "SAC", "ORC", "OBR", "SPM", "SAC"]
    );
    assert_eq!(p.header().message_type().structure, "OML_O21");
    let o33 = oml_o33(&m);
    let (p, _) = Message::parse(&o33).unwrap();
    let ids: Vec<&str> = p.segments().map(|s| s.id()).collect();
    assert_eq!(ids, ["MSH", "SPM", "SAC", "ORC", "OBR", "ORC", "OBR"]);
    let spm = p.first_of::<Spm<'_>>().unwrap();
    assert_eq!(spm.specimen_id().placer().as_str(), "S1");
    assert_eq!(spm.specimen_type().identifier().as_str(), "SER");
    assert_eq!(spm.role().identifier().as_str(), "P");
}

#[test]
fn qbp_q11_and_rsp_k11() {
    let q = HostQuery {
        header: header("1233"),
        query_name: CodedValue::new("INISEQ", "", "99ROC"),
        query_tag: "query1233".into(),
        specimen_id: "123".into(),
        carrier: "50001".into(),
        position: "1".into(),
    };
    let bytes = qbp_q11(&q);
    assert!(String::from_utf8_lossy(&bytes)
        .ends_with("QPD|INISEQ^^99ROC|query1233|123|50001|1\rRCP|I|1|R^^HL70394\r"));
    let (m, _) = Message::parse(&bytes).unwrap();
    assert_eq!(
        m.first_of::<Qpd<'_>>().unwrap().specimen_id().as_str(),
        "123"
    );

    let mut r = QueryResponse {
        header: header("r1"),
        acknowledged_control_id: "1233".into(),
        query: q,
        patient: None,
        orders: vec![],
    };
    let nf = rsp_k11(&r);
    let (m, _) = Message::parse(&nf).unwrap();
    assert_eq!(
        m.first_of::<Qak<'_>>().unwrap().response_status().as_str(),
        "NF"
    );
    assert_eq!(
        m.first_of::<Msa<'_>>().unwrap().control_id().as_str(),
        "1233"
    );
    r.orders.push(Order {
        placer_order_number: "123".into(),
        service: CodedValue::new("20490", "", "99ROC"),
        specimen: Some(specimen("123")),
        ..Order::default()
    });
    let bytes = rsp_k11(&r);
    let (m, _) = Message::parse(&bytes).unwrap();
    assert_eq!(
        m.first_of::<Qak<'_>>().unwrap().response_status().as_str(),
        "OK"
    );
    let ids: Vec<&str> = m.segments().map(|s| s.id()).collect();
    assert_eq!(ids, ["MSH", "MSA", "QAK", "QPD", "SPM", "ORC", "OBR"]);
}

#[test]
fn ack_original_mode_with_v25_err() {
    let a = Acknowledgement {
        header: MessageHeader {
            charset: String::new(),
            ..header("A1")
        },
        event: "R01".into(),
        structure: "ACK".into(),
        code: AckCode::ApplicationError,
        acknowledged_control_id: "MSG42".into(),
        text: "Unknown specimen".into(),
        error_condition: String::new(),
        error: Some(ErrorDetail::Standard {
            code: CodedValue::new("204", "Unknown key identifier", "HL70357"),
            severity: "E".into(),
            user_message: "Specimen 0019 not found".into(),
        }),
    };
    assert_eq!(
        String::from_utf8(ack(&a)).unwrap(),
        "MSH|^~\\&|LIS|BV|ANALYZER||20240206081727||ACK^R01^ACK|A1|P|2.5.1\r\
MSA|AE|MSG42|Unknown specimen\r\
ERR|||204^Unknown key identifier^HL70357|E||||Specimen 0019 not found\r"
    );
    let bytes = ack(&a);
    let (m, _) = Message::parse(&bytes).unwrap();
    let msa = m.first_of::<Msa<'_>>().unwrap();
    assert_eq!(msa.ack_code(), Some(AckCode::ApplicationError));
    let err = m.first_of::<crate::segments::ErrorSegment<'_>>().unwrap();
    assert_eq!(err.error_code().identifier().as_str(), "204");
    assert_eq!(err.user_message().as_str(), "Specimen 0019 not found");
}

#[test]
fn ack_enhanced_mode_commit_codes() {
    for code in [
        AckCode::CommitAccept,
        AckCode::CommitError,
        AckCode::CommitReject,
    ] {
        let a = Acknowledgement {
            header: header("C1"),
            event: "R22".into(),
            structure: "ACK".into(),
            code,
            acknowledged_control_id: "97".into(),
            text: String::new(),
            error_condition: String::new(),
            error: Some(ErrorDetail::Location(FieldValue::components([
                "OBX", "1", "5",
            ]))),
        };
        let bytes = ack(&a);
        let (m, _) = Message::parse(&bytes).unwrap();
        let msa = m.first_of::<Msa<'_>>().unwrap();
        assert_eq!(msa.ack_code(), Some(code));
        assert!(code.is_commit());
        assert_eq!(msa.control_id().as_str(), "97");
        assert_eq!(m.first("ERR").unwrap().as_str(), "ERR|OBX^1^5");
    }
}

/// The five messages of the Mindray CL manual's host-query dialogue, unframed.
fn mindray_messages() -> Vec<Vec<u8>> {
    let path =
        crate::corpus_path("hl7/mindray-cl-series/cl_manual_qry_q02_qck_dsr_q03_ack_mllp.bin");
    let bytes = std::fs::read(path).unwrap();
    let mut buf = bytes::BytesMut::from(&bytes[..]);
    let mut d = MllpDecoder::default();
    let mut out = Vec::new();
    while let Some(e) = d.decode(&mut buf).unwrap() {
        match e {
            MllpEvent::Message { payload, .. } => out.push(payload.to_vec()),
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

#[test]
fn mindray_legacy_query_dialogue_is_reproduced_byte_for_byte() {
    let sample = mindray_messages();
    assert_eq!(sample.len(), 5);
    let qry = qry_q02(&LegacyQuery {
        header: MessageHeader::mindray("20120508104700", "4"),
        query_at: "20120508104700".into(),
        query_id: "1".into(),
        specimen_id: "0019".into(),
    });
    assert_eq!(
        String::from_utf8_lossy(&qry),
        String::from_utf8_lossy(&sample[0])
    );
    let qck = |found| {
        qck_q02(&LegacyQueryAck {
            header: MessageHeader::mindray("20120508104700", "4"),
            acknowledged_control_id: "4".into(),
            found,
        })
    };
    assert_eq!(
        String::from_utf8_lossy(&qck(true)),
        String::from_utf8_lossy(&sample[1])
    );
    assert_eq!(
        String::from_utf8_lossy(&qck(false)),
        String::from_utf8_lossy(&sample[2])
    );
    let mut lines: Vec<FieldValue> = [
        "1212",
        "27",
        "Tommy",
        "19620824000000",
        "M",
        "O",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "outpatient",
        "",
        "own",
        "",
        "",
        "",
        "0019",
        "3",
        "20070301183500",
        "N",
        "1",
        "serum",
        "",
        "",
    ]
    .iter()
    .map(|s| FieldValue::text(*s))
    .collect();
    for test in ["1", "2", "5"] {
        lines.push(FieldValue::components([test, "", "", ""]));
    }
    let dsr = dsr_q03(&LegacyDisplay {
        header: MessageHeader::mindray("20120508110131", "4"),
        acknowledged_control_id: "4".into(),
        query_at: "20120508110131".into(),
        query_id: "2".into(),
        specimen_id: String::new(),
        lines,
    });
    assert_eq!(
        String::from_utf8_lossy(&dsr),
        String::from_utf8_lossy(&sample[3])
    );
    let ack_q03 = ack(&Acknowledgement {
        header: MessageHeader::mindray("20120508110131", "4"),
        event: "Q03".into(),
        structure: String::new(),
        code: AckCode::ApplicationAccept,
        acknowledged_control_id: "4".into(),
        text: "Message accepted".into(),
        error_condition: "0".into(),
        error: Some(ErrorDetail::Location(FieldValue::text("0"))),
    });
    assert_eq!(
        String::from_utf8_lossy(&ack_q03),
        String::from_utf8_lossy(&sample[4])
    );
}

#[test]
fn mindray_query_parses_to_the_specimen_id() {
    let sample = mindray_messages();
    let (m, d) = Message::parse(&sample[0]).unwrap();
    assert!(d.is_empty());
    assert_eq!(
        m.first_of::<Qrd<'_>>().unwrap().specimen_id().as_str(),
        "0019"
    );
    let (m, _) = Message::parse(&sample[2]).unwrap();
    assert_eq!(
        m.first_of::<Qak<'_>>().unwrap().response_status().as_str(),
        "NF"
    );
    let (m, _) = Message::parse(&sample[3]).unwrap();
    let dsp: Vec<_> = m.all::<crate::segments::Dsp<'_>>().collect();
    assert_eq!(dsp.len(), 31);
    assert_eq!(dsp[2].data_line().as_str(), "Tommy");
    assert_eq!(dsp[30].data_line().component(1).as_str(), "5");
    assert!(Orc::from_segment(m.segment(0).unwrap()).is_none());
}

#[test]
fn oul_r21_and_r22_carry_the_specimen_where_each_layout_puts_it() {
    let mut m = sample_result();
    m.orders[0].container_id = "AA5OEB6WYN".into();
    m.orders[0].specimen = Some(specimen("022"));
    let r21 = oul_r21(&m);
    let (p, d) = Message::parse(&r21).unwrap();
    assert!(d.is_empty(), "{d:?}");
    let ids: Vec<&str> = p.segments().map(|s| s.id()).collect();
    assert_eq!(ids, ["MSH", "PID", "SAC", "ORC", "OBR", "OBX", "NTE"]);
    assert_eq!(p.header().message_type().structure, "OUL_R21");
    // SAC-3 is in scope before OBR-3.
    assert_eq!(
        crate::extract::results(&p)[0].specimen_id.as_deref(),
        Some("AA5OEB6WYN")
    );
    let r22 = oul_r22(&m);
    let (p, _) = Message::parse(&r22).unwrap();
    let ids: Vec<&str> = p.segments().map(|s| s.id()).collect();
    assert_eq!(
        ids,
        ["MSH", "PID", "SPM", "SAC", "OBR", "ORC", "OBX", "NTE"]
    );
    // SPM-2 comes first.
    assert_eq!(
        crate::extract::results(&p)[0].specimen_id.as_deref(),
        Some("022")
    );
}
