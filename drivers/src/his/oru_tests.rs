//! What the ORU^R01 says, field by field, against the text of HL7 v2.5.1: orders come in as the
//! HIS sends them (ORM^O01 / OML^O21 through the listener's handler), results are stored, checked
//! and released through core, and each outbox row is built into its message as the sender
//! builds it. No sockets: the delivery itself is tested in `tests.rs`.

use jiff::Timestamp;
use lis_core::model::{
    Actor, AnalyzerMessage, IngestOutcome, MessageKind, NewOrder, NewPatient, NewSpecimen,
    Observation, Priority, Protocol, ResultId, Sex, StoredObservation,
};
use lis_core::store::DeliveryOutcome;
use lis_core::{LabConfig, Store};
use lis_hl7::Message;

use super::config::{HisConfig, ResultsEndpoint};
use super::listener::handle_message;
use super::metrics::HisMetrics;
use super::sender::{build_oru, control_id};

pub(super) fn store() -> Store {
    Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap()
}

fn his() -> HisConfig {
    HisConfig {
        results: vec![ResultsEndpoint {
            name: String::from("his"),
            address: String::from("127.0.0.1:1"),
            receiving_application: String::from("HIS"),
            receiving_facility: String::from("BV"),
        }],
        ..HisConfig::default()
    }
}

/// Sends an order message as the HIS would and checks it was accepted.
pub(super) fn order_in(s: &Store, hl7: &str) {
    let answer = handle_message(
        s,
        &his(),
        &HisMetrics::new(),
        hl7.as_bytes(),
        Timestamp::now(),
    );
    let (m, _) = Message::parse(&answer.bytes).unwrap();
    assert_eq!(m.first("MSA").unwrap().field(1).as_str(), "AA", "{hl7}");
}

/// Results from the demo chemistry analyzer for one specimen: (test code, value).
fn results_in(s: &Store, specimen: &str, values: &[(&str, &str)], raw: &[u8]) -> Vec<ResultId> {
    let out = s
        .ingest(AnalyzerMessage {
            graphs: Vec::new(),
            instrument: String::from("DEMO-CHEM"),
            link: String::from("chem"),
            received_at: "2025-03-01T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: raw.to_vec(),
            kind: MessageKind::Results,
            observations: values
                .iter()
                .map(|(code, value)| Observation {
                    specimen_id: specimen.to_owned(),
                    instrument_test_code: (*code).to_owned(),
                    value: (*value).to_owned(),
                    status: String::from("F"),
                    // 08:45 in Hanoi, the analyzer's local time.
                    observed_at: Some(jiff::civil::datetime(2025, 3, 1, 8, 45, 0, 0)),
                    ..Default::default()
                })
                .collect(),
            patient_hint: None,
        })
        .unwrap();
    let IngestOutcome::Stored { observations, .. } = out else {
        panic!("not stored: {out:?}")
    };
    observations
        .iter()
        .map(|o| match o {
            StoredObservation::Result(id) => *id,
            other => panic!("not a result: {other:?}"),
        })
        .collect()
}

/// Verifies and releases a result held for review, as a person would.
pub(super) fn release(s: &Store, id: ResultId) {
    s.verify(id, &Actor::System).unwrap();
    s.release(id, &Actor::System).unwrap();
}

/// The next ORU^R01 the sender would send, as the sender builds it; the row is then marked
/// delivered so the order's next row comes due.
pub(super) fn next_oru(s: &Store) -> Vec<u8> {
    let far = Timestamp::now() + jiff::SignedDuration::from_hours(24 * 365);
    let due = s.his_due("his", far, 1).unwrap();
    let d = due.first().expect("an outbox row is due");
    let control = control_id(d.outbox_id);
    let config = his();
    let bytes = build_oru(
        s,
        &config,
        &config.results[0],
        d,
        &control,
        Timestamp::now(),
    )
    .unwrap();
    s.his_prepare(d.outbox_id, "his", &control, &bytes, Timestamp::now())
        .unwrap();
    s.his_record_attempt(
        d.outbox_id,
        "his",
        &DeliveryOutcome::Accepted {
            ack_code: String::from("AA"),
        },
        Timestamp::now(),
        &[String::from("his")],
    )
    .unwrap();
    bytes
}

/// Field `field` of the `n`th (1-based) segment `id`, as written (escaped).
pub(super) fn field(msg: &[u8], id: &str, n: usize, field: usize) -> String {
    let (m, d) = Message::parse(msg).unwrap();
    assert!(d.is_empty(), "{d:?}");
    let segment = m
        .segments()
        .filter(|s| s.id() == id)
        .nth(n - 1)
        .unwrap_or_else(|| panic!("no {id} #{n}"));
    let text = segment.field(field).as_str().to_owned();
    text
}

/// A glucose order for a patient whose birth date the HIS did not send.
fn glucose_order_without_birth_date(s: &Store) {
    s.place_order(
        NewOrder {
            placer_number: String::from("PL-9"),
            patient: NewPatient {
                his_id_authority: Default::default(),
                his_id_type: String::new(),
                name_parts: None,
                his_id: String::from("BN009"),
                name: String::from("Đỗ Hoa"),
                sex: Sex::Female,
                birth_date: None,
            },
            requesting_doctor: String::new(),
            requesting_doctor_id: String::new(),
            requesting_doctor_name: None,
            department: String::new(),
            priority: Priority::Routine,
            ordered_at: "2025-03-01T01:00:00Z".parse().unwrap(),
            specimens: vec![NewSpecimen {
                barcode: String::from("S9"),
                specimen_type: String::from("serum"),
                collected_at: None,
                received_at: None,
                tests: vec![String::from("GLU")],
            }],
        },
        &Actor::His(String::from("his")),
    )
    .unwrap();
}

/// HL7 v2.5.1 table 0078: `N` is "Normal"; an empty OBX-8 ("null") is "No range defined, or
/// normal ranges don't apply". A result nobody judged normal must not be sent as `N`.
#[test]
fn obx_8_is_empty_when_no_range_applied_and_n_only_when_judged_normal() {
    let s = store();
    // Glucose's default ranges are by age; a patient of unknown age matches none, so the range
    // check cannot judge 5.2 mmol/L: it is held, then a person verifies and releases it.
    glucose_order_without_birth_date(&s);
    let ids = results_in(&s, "S9", &[("GLU", "5.2")], b"unknown age");
    release(&s, ids[0]);
    let msg = next_oru(&s);
    assert_eq!(field(&msg, "OBX", 1, 5), "5.2");
    assert_eq!(
        field(&msg, "OBX", 1, 4),
        "",
        "no supplementary values: no sub-ID"
    );
    assert_eq!(field(&msg, "OBX", 1, 7), "", "no range applies");
    assert_eq!(field(&msg, "OBX", 1, 8), "", "not judged normal: no N");

    // An adult's 5.2 mmol/L is within 3.9-6.4: judged normal, N.
    order_in(&s, ORM_ADULT);
    let ids = results_in(&s, "BC200", &[("GLU", "5.2")], b"adult");
    assert!(
        s.result(ids[0]).unwrap().state == lis_core::lifecycle::ResultState::Released,
        "autoverified and released"
    );
    let msg = next_oru(&s);
    assert_eq!(field(&msg, "OBX", 1, 7), "3.9-6.4");
    assert_eq!(field(&msg, "OBX", 1, 8), "N");
}

/// An adult's glucose order by ORM^O01.
const ORM_ADULT: &str =
    "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|A1|P|2.5.1|||||||UNICODE UTF-8\r\
PID|1||BN200||Phạm^Dũng^Quốc||19800101|M\r\
ORC|NW|PL-200||||||||||BS02^Võ^Lan\r\
OBR|1|PL-200|BC200|GLU^Glucose^L\r";

/// An ORM^O01 for glucose on tube `barcode`, with the PID and ORC-12 given.
fn orm(control: &str, pid: &str, placer: &str, barcode: &str, doctor: &str) -> String {
    format!(
        "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|{control}|P|2.5.1|||||||UNICODE UTF-8\r\
         {pid}\r\
         ORC|NW|{placer}||||||||||{doctor}\r\
         OBR|1|{placer}|{barcode}|GLU^Glucose^L\r"
    )
}

/// HL7 v2.5.1 §3.4.2.5 PID-5 is an XPN whose components are family name, given name, "second
/// and further given names or initials thereof": the LIS sends back the parts it received, not
/// a re-split of the full name. §3.4.2.3 PID-3 is a CX whose fourth component is the assigning
/// authority (an HD: namespace id & universal id & its type) and fifth the identifier type code.
#[test]
fn pid_3_and_pid_5_go_out_as_the_his_sent_them() {
    let s = store();
    let cases = [
        (
            "PID|1||BN300^^^BV^MR||NGUYỄN^VĂN AN||19800101|M",
            "BN300^^^BV^MR",
            "NGUYỄN^VĂN AN",
            "NGUYỄN VĂN AN",
        ),
        (
            "PID|1||BN301^^^BV&2.16.840.1.113883.3.1&ISO^PI||LÊ^THỊ HỒNG NHUNG||19750610|F",
            "BN301^^^BV&2.16.840.1.113883.3.1&ISO^PI",
            "LÊ^THỊ HỒNG NHUNG",
            "LÊ THỊ HỒNG NHUNG",
        ),
        (
            "PID|1||BN302||Trần^Bình^Thị||19900215|F",
            // No authority and no type sent: the LIS says its id is a patient internal id.
            "BN302^^^^PI",
            "Trần^Bình^Thị",
            "Trần Thị Bình",
        ),
    ];
    for (i, (pid, pid_3, pid_5, full)) in cases.iter().enumerate() {
        let (placer, tube) = (format!("PL-3{i}"), format!("BC3{i}"));
        order_in(&s, &orm(&format!("P{i}"), pid, &placer, &tube, ""));
        results_in(&s, &tube, &[("GLU", "5.2")], tube.as_bytes());
        let msg = next_oru(&s);
        assert_eq!(field(&msg, "PID", 1, 3), *pid_3);
        assert_eq!(field(&msg, "PID", 1, 5), *pid_5);
        // The full name people see is in Vietnamese order.
        let order = s.order_by_placer(&placer).unwrap().unwrap();
        assert_eq!(s.patient(order.patient_id).unwrap().name, *full);
    }
}

/// HL7 v2.5.1 §4.5.1.12 ORC-12 and §4.5.3.16 OBR-16 "Ordering Provider" are XCNs (§2A.86):
/// ID number ^ family name ^ given name ^ second and further given names. The doctor goes back
/// with the id and the name in its own components, in both fields.
#[test]
fn the_ordering_doctor_goes_out_as_an_xcn_in_orc_12_and_obr_16() {
    let s = store();
    order_in(
        &s,
        &orm(
            "D1",
            "PID|1||BN400||Phạm^Dũng^Quốc||19800101|M",
            "PL-40",
            "BC40",
            "BS01^TRẦN^THỊ BÌNH",
        ),
    );
    let order = s.order_by_placer("PL-40").unwrap().unwrap();
    assert_eq!(order.requesting_doctor, "TRẦN THỊ BÌNH", "shown to people");
    results_in(&s, "BC40", &[("GLU", "5.2")], b"d1");
    let msg = next_oru(&s);
    assert_eq!(field(&msg, "ORC", 1, 12), "BS01^TRẦN^THỊ BÌNH");
    assert_eq!(field(&msg, "OBR", 1, 16), "BS01^TRẦN^THỊ BÌNH");

    // With a middle name, and only an id.
    for (i, (sent, out)) in [("BS02^Lê^Minh^Văn", "BS02^Lê^Minh^Văn"), ("BS03", "BS03")]
        .iter()
        .enumerate()
    {
        let (placer, tube) = (format!("PL-4{}", i + 1), format!("BC4{}", i + 1));
        order_in(
            &s,
            &orm(
                &format!("D{}", i + 2),
                "PID|1||BN400||Phạm^Dũng^Quốc||19800101|M",
                &placer,
                &tube,
                sent,
            ),
        );
        results_in(&s, &tube, &[("GLU", "5.2")], tube.as_bytes());
        let msg = next_oru(&s);
        assert_eq!(field(&msg, "ORC", 1, 12), *out);
        assert_eq!(field(&msg, "OBR", 1, 16), *out);
    }
}

/// HL7 v2.5.1 §4.5.1.5 ORC-5 "Order Status" (table 0038): `A` "Some, but not all, results
/// available", `CM` "Order is completed". While a test of the order still waits for review the
/// order is not complete.
#[test]
fn orc_5_is_the_order_status_from_what_is_released() {
    let s = store();
    order_in(
        &s,
        "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|S1|P|2.5.1|||||||UNICODE UTF-8\r\
         PID|1||BN500||Phạm^Dũng^Quốc||19800101|M\r\
         ORC|NW|PL-50\r\
         OBR|1|PL-50|BC50|GLU^Glucose^L\r\
         ORC|NW|PL-50\r\
         OBR|2|PL-50|BC50|UREA^Urê^L\r",
    );
    // Glucose 5.2 is released at once; urea 9.0 is above the adult 2.5-7.5 and waits.
    let ids = results_in(&s, "BC50", &[("GLU", "5.2"), ("UREA", "9.0")], b"s1");
    let msg = next_oru(&s);
    assert_eq!(field(&msg, "OBX", 1, 3).split('^').nth(3), Some("GLU"));
    assert_eq!(field(&msg, "ORC", 1, 5), "A");
    // A person releases the urea: now every test is released.
    release(&s, ids[1]);
    let msg = next_oru(&s);
    assert_eq!(field(&msg, "OBX", 1, 8), "H");
    assert_eq!(field(&msg, "ORC", 1, 5), "CM");
}

/// HL7 v2.5.1 §2A.71 SN "Structured Numeric": comparator ^ num1, e.g. `<^0.5`; OBX-2 names
/// the type (§7.4.2.2). A censored value is a number with a comparator, not a string.
#[test]
fn a_censored_value_goes_out_as_sn_with_its_comparator() {
    let s = store();
    order_in(
        &s,
        "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|C1|P|2.5.1|||||||UNICODE UTF-8\r\
         PID|1||BN600||Phạm^Dũng^Quốc||19800101|M\r\
         ORC|NW|PL-60\r\
         OBR|1|PL-60|BC60|CRP^CRP^L\r\
         ORC|NW|PL-60\r\
         OBR|2|PL-60|BC60|GLU^Glucose^L\r",
    );
    // CRP below what the method measures waits for a person (measurement range), who releases
    // it; glucose 5.2 goes at once.
    let ids = results_in(&s, "BC60", &[("CRP", "<0.5"), ("GLU", "5.2")], b"c1");
    let msg = next_oru(&s);
    assert_eq!(field(&msg, "OBX", 1, 2), "NM");
    assert_eq!(field(&msg, "OBX", 1, 5), "5.2");
    release(&s, ids[0]);
    let msg = next_oru(&s);
    assert_eq!(field(&msg, "OBX", 1, 2), "SN");
    assert_eq!(field(&msg, "OBX", 1, 5), "<^0.5");
}

/// HL7 v2.5.1 §7.4.2.14 OBX-14 "Date/Time of the Observation" and §4.5.3.7 OBR-7 "Observation
/// Date/Time" are when the specimen was observed; a correction does not move them. The time of
/// the corrected result goes in §7.4.2.19 OBX-19 "Date/Time of the Analysis".
#[test]
fn a_correction_keeps_the_observation_time_and_carries_its_own_in_obx_19() {
    let s = store();
    order_in(&s, ORM_ADULT);
    let ids = results_in(&s, "BC200", &[("GLU", "5.2")], b"t1");
    let first = next_oru(&s);
    // Measured at 08:45 in Hanoi (UTC+7).
    assert_eq!(field(&first, "OBR", 1, 7), "20250301084500+0700");
    assert_eq!(field(&first, "OBX", 1, 14), "20250301084500+0700");
    assert_eq!(field(&first, "OBX", 1, 19), "", "no correction");
    let before = Timestamp::now();
    s.correct(ids[0], "5.8", "transcription", &Actor::System)
        .unwrap();
    let corrected = next_oru(&s);
    assert_eq!(field(&corrected, "OBX", 1, 11), "C");
    assert_eq!(field(&corrected, "OBX", 1, 5), "5.8");
    assert_eq!(field(&corrected, "OBR", 1, 7), "20250301084500+0700");
    assert_eq!(field(&corrected, "OBX", 1, 14), "20250301084500+0700");
    let analysis = field(&corrected, "OBX", 1, 19);
    let at = jiff::fmt::strtime::parse("%Y%m%d%H%M%S%z", &analysis)
        .and_then(|t| t.to_timestamp())
        .unwrap_or_else(|e| panic!("OBX-19 {analysis:?} is not a DTM: {e}"));
    // DTM has whole seconds.
    assert!(
        at.as_second() >= before.as_second(),
        "{analysis} is the correction's time"
    );
}

/// HL7 v2.5.1 §7.4.3.4 SPM-4 "Specimen Type" is a CWE from table 0487 (`SER` "Serum"), the same
/// whether the order came by ORM^O01 (no SPM: the catalog's specimen) or OML^O21 (SPM-4).
#[test]
fn spm_4_is_a_table_0487_code_for_orm_and_oml_orders() {
    let s = store();
    order_in(&s, ORM_ADULT);
    results_in(&s, "BC200", &[("GLU", "5.2")], b"orm");
    assert_eq!(field(&next_oru(&s), "SPM", 1, 4), "SER^Serum^HL70487");

    order_in(
        &s,
        "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000+0700||OML^O21^OML_O21|O1|P|2.5.1|||||||UNICODE UTF-8\r\
         PID|1||BN200||Phạm^Dũng^Quốc||19800101|M\r\
         ORC|NW|PL-201\r\
         OBR|1|PL-201||14749-6^Glucose^LN\r\
         SPM|1|TUBE-201&BV||SER^Serum^HL70487\r",
    );
    results_in(&s, "TUBE-201", &[("GLU", "5.2")], b"oml");
    assert_eq!(field(&next_oru(&s), "SPM", 1, 4), "SER^Serum^HL70487");
}

/// Supplementary values go out as OBX after their result's, grouped by OBX-4 (HL7 v2.5.1
/// §7.4.2.4, Observation Sub-ID: the result `1`, its values `1.1`, `1.2`...), each with its own
/// local OBX-3, the value and units as sent, the flags in OBX-8, and the result's status, time
/// and equipment. Expected segments written from the standard's field order.
#[test]
fn supplementary_values_follow_their_result_as_obx_grouped_by_sub_id() {
    let s = store();
    order_in(&s, ORM_ADULT);
    let supplement =
        |name: &str, value: &str, units: &str, flags: &[&str]| lis_core::model::Supplement {
            name: name.to_owned(),
            value: value.to_owned(),
            units: units.to_owned(),
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
        };
    let out = s
        .ingest(AnalyzerMessage {
            graphs: Vec::new(),
            instrument: String::from("DEMO-CHEM"),
            link: String::from("chem"),
            received_at: "2025-03-01T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: b"with supplements".to_vec(),
            kind: MessageKind::Results,
            observations: vec![Observation {
                specimen_id: String::from("BC200"),
                instrument_test_code: String::from("GLU"),
                value: String::from("5.2"),
                status: String::from("F"),
                observed_at: Some(jiff::civil::datetime(2025, 3, 1, 8, 45, 0, 0)),
                supplementary: vec![
                    supplement("RLU", "611793", "", &[]),
                    supplement("COFF", "1.00", "mmol/L", &["H"]),
                    supplement("Anti-A", "3+^3+^45", "", &[]),
                ],
                ..Default::default()
            }],
            patient_hint: None,
        })
        .unwrap();
    assert!(matches!(out, IngestOutcome::Stored { .. }), "{out:?}");
    let msg = next_oru(&s);
    let text = String::from_utf8(msg.clone()).unwrap();
    let obx: Vec<&str> = text.split('\r').filter(|s| s.starts_with("OBX|")).collect();
    assert_eq!(obx.len(), 4, "{text}");
    assert_eq!(field(&msg, "OBX", 1, 4), "1", "the result heads its group");
    assert_eq!(field(&msg, "OBX", 1, 5), "5.2");
    assert_eq!(
        obx[1..],
        [
            "OBX|2|NM|GLU.RLU^RLU^L|1.1|611793||||||F|||20250301084500+0700||||DEMO-CHEM",
            "OBX|3|NM|GLU.COFF^COFF^L|1.2|1.00|mmol/L||H|||F|||20250301084500+0700||||DEMO-CHEM",
            "OBX|4|ST|GLU.Anti-A^Anti-A^L|1.3|3+\\S\\3+\\S\\45||||||F|||20250301084500+0700||||DEMO-CHEM",
        ]
    );
    // Still one ORC/OBR/SPM per result; the SPM comes after the group.
    let ids: Vec<&str> = text.split('\r').filter_map(|s| s.get(..3)).collect();
    assert_eq!(
        ids,
        ["MSH", "PID", "ORC", "OBR", "OBX", "OBX", "OBX", "OBX", "SPM"]
    );
}
