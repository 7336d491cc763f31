//! Answers to order messages as the HL7 v2.5.1 text defines them: cancels after release
//! (table 0119 `CR`/`UC`, table 0357 206), ORR^O02 (§4.4.2) and ORL^O22 (§4.4.7) application
//! acknowledgements, and the enhanced acknowledgement mode (§2.9.3, MSH-15/MSH-16 table 0155).

use jiff::Timestamp;
use lis_core::model::{
    AnalyzerMessage, IngestOutcome, MessageKind, Observation, OrderStatus, OrderedTestStatus,
    Protocol, StoredObservation,
};
use lis_core::Store;
use lis_hl7::Message;

use super::listener::handle_message;
use super::tests::{config, released_glucose, store};
use super::*;

/// The segments `id` of a message, each as its fields 1..=n as written.
fn segments(bytes: &[u8], id: &str) -> Vec<Vec<String>> {
    let (m, d) = Message::parse(bytes).unwrap();
    assert!(d.is_empty(), "{d:?}");
    m.segments()
        .filter(|s| s.id() == id)
        .map(|s| (1..=6).map(|n| s.field(n).as_str().to_owned()).collect())
        .collect()
}

fn field(bytes: &[u8], id: &str, n: usize) -> String {
    let (m, _) = Message::parse(bytes).unwrap();
    m.first(id)
        .map_or_else(String::new, |s| s.field(n).as_str().to_owned())
}

fn orr() -> HisConfig {
    HisConfig {
        order_ack: OrderAckForm::Orr,
        ..config("127.0.0.1:1")
    }
}

const NW_TWO_TESTS: &str =
    "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|N-7|P|2.5.1||||||UNICODE UTF-8\r\
PID|1||BN700^^^BV^PI||NGUYỄN^VĂN AN||19800501|M\r\
ORC|NW|PL-7\r\
OBR|1|PL-7|S7|GLU^Glucose^L\r\
ORC|NW|PL-7\r\
OBR|2|PL-7|S7|UREA^Urea^L\r";

/// Per-OBR cancel of both tests of PL-7 (GLU released, UREA without result).
const CA_PER_TEST: &str = "MSH|^~\\&|HIS|BV|LIS|LAB|20250301090000||ORM^O01|C-7|P|2.5.1\r\
PID|1||BN700^^^BV^PI||NGUYỄN^VĂN AN\r\
ORC|CA|PL-7\r\
OBR|1|PL-7|S7|GLU^Glucose^L\r\
ORC|CA|PL-7\r\
OBR|2|PL-7|S7|UREA^Urea^L\r";

/// PL-7 placed over HL7 with GLU and UREA on tube S7; GLU 5.2 mmol/L is autoverified and
/// released (adult range 3.9-6.4), UREA has no result.
fn pl7_with_glucose_released(s: &Store, c: &HisConfig) {
    let a = handle_message(
        s,
        c,
        &HisMetrics::new(),
        NW_TWO_TESTS.as_bytes(),
        Timestamp::now(),
    );
    assert_eq!(a.ack.code(), "AA", "{:?}", a.refusal);
    let out = s
        .ingest(AnalyzerMessage {
            graphs: Vec::new(),
            instrument: String::from("DEMO-CHEM"),
            link: String::from("chem"),
            received_at: "2025-03-01T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: b"glu-s7".to_vec(),
            kind: MessageKind::Results,
            observations: vec![Observation {
                specimen_id: String::from("S7"),
                instrument_test_code: String::from("GLU"),
                value: String::from("5.2"),
                status: String::from("F"),
                ..Default::default()
            }],
            patient_hint: None,
        })
        .unwrap();
    let IngestOutcome::Stored { observations, .. } = out else {
        panic!("not stored")
    };
    let Some(StoredObservation::Result(id)) = observations.first() else {
        panic!("no result")
    };
    assert_eq!(
        s.result(*id).unwrap().state,
        lis_core::lifecycle::ResultState::Released
    );
}

fn statuses(s: &Store, placer: &str) -> Vec<(String, OrderedTestStatus)> {
    let o = s.order_by_placer(placer).unwrap().unwrap();
    s.ordered_tests(o.id)
        .unwrap()
        .into_iter()
        .map(|t| (t.test_code, t.status))
        .collect()
}

#[test]
fn a_cancel_of_an_order_with_a_released_result_is_refused_ae_with_err_206() {
    let s = store();
    released_glucose(&s);
    // An ORC without OBR cancels the whole order (HL7 v2.5.1 §4.4.1: the detail segment is
    // optional).
    let ca = "MSH|^~\\&|HIS|BV|LIS|LAB|20250301090000||ORM^O01|C-1|P|2.5.1\r\
PID|1||BN001||Nguyễn^An^Văn\r\
ORC|CA|PL-1\r";
    let a = handle_message(
        &s,
        &config("127.0.0.1:1"),
        &HisMetrics::new(),
        ca.as_bytes(),
        Timestamp::now(),
    );
    assert_eq!(field(&a.bytes, "MSH", 9), "ACK^O01^ACK");
    assert_eq!(field(&a.bytes, "MSA", 1), "AE");
    assert_eq!(field(&a.bytes, "MSA", 2), "C-1");
    // Table 0357 206 "Application record locked", at ORC-1; ERR-4 severity E; the words name
    // the released test.
    assert_eq!(field(&a.bytes, "ERR", 2), "ORC^1^1");
    assert_eq!(
        field(&a.bytes, "ERR", 3),
        "206^Application record locked^HL70357"
    );
    assert_eq!(field(&a.bytes, "ERR", 4), "E");
    assert!(
        field(&a.bytes, "ERR", 8).contains("GLU"),
        "{}",
        field(&a.bytes, "ERR", 8)
    );
    let o = s.order_by_placer("PL-1").unwrap().unwrap();
    assert_eq!(
        o.status,
        OrderStatus::Released,
        "the order is not cancelled"
    );

    // In ORR^O02 form the order control answer is table 0119 `UC` "unable to cancel", and
    // ORC-5 (table 0038) stays `CM`: every test of the order is released.
    let a = handle_message(
        &s,
        &orr(),
        &HisMetrics::new(),
        ca.replace("C-1", "C-2").as_bytes(),
        Timestamp::now(),
    );
    assert_eq!(field(&a.bytes, "MSH", 9), "ORR^O02^ORR_O02");
    assert_eq!(field(&a.bytes, "MSA", 1), "AE");
    let orc = segments(&a.bytes, "ORC");
    assert_eq!(orc.len(), 1);
    assert_eq!((orc[0][0].as_str(), orc[0][1].as_str()), ("UC", "PL-1"));
    assert_eq!(orc[0][4], "CM");
}

#[test]
fn a_per_obr_cancel_cancels_the_tests_without_results_and_answers_each_line() {
    let s = store();
    let c = orr();
    pl7_with_glucose_released(&s, &c);
    assert_eq!(field(&next_oru(&s, &c), "ORC", 5), "A");
    let a = handle_message(
        &s,
        &c,
        &HisMetrics::new(),
        CA_PER_TEST.as_bytes(),
        Timestamp::now(),
    );
    assert_eq!(field(&a.bytes, "MSH", 9), "ORR^O02^ORR_O02");
    assert_eq!(field(&a.bytes, "MSA", 1), "AE");
    assert_eq!(field(&a.bytes, "MSA", 2), "C-7");
    assert_eq!(
        field(&a.bytes, "ERR", 3),
        "206^Application record locked^HL70357"
    );
    // One ORC per ORC sent, in order: GLU `UC` (released), UREA `CR` (cancelled as requested).
    // What is left of PL-7 is GLU, released: ORC-5 `CM`.
    let orc = segments(&a.bytes, "ORC");
    let answers: Vec<(&str, &str, &str)> = orc
        .iter()
        .map(|f| (f[0].as_str(), f[1].as_str(), f[4].as_str()))
        .collect();
    assert_eq!(answers, [("UC", "PL-7", "CM"), ("CR", "PL-7", "CM")]);
    let obr = segments(&a.bytes, "OBR");
    assert_eq!(obr[0][3], "GLU^Glucose^L");
    assert_eq!(obr[1][3], "UREA^Urea^L");
    // ORC-3 / OBR-3: the LIS's accession of order 1.
    assert_eq!(orc[0][2], "L00000001");
    assert_eq!(obr[0][2], "L00000001");
    // ORR^O02's patient group echoes PID-3 and PID-5 as sent.
    assert_eq!(field(&a.bytes, "PID", 3), "BN700^^^BV^PI");
    assert_eq!(field(&a.bytes, "PID", 5), "NGUYỄN^VĂN AN");
    assert_eq!(
        statuses(&s, "PL-7"),
        [
            (String::from("GLU"), OrderedTestStatus::Resulted),
            (String::from("UREA"), OrderedTestStatus::Cancelled),
        ]
    );
    let o = s.order_by_placer("PL-7").unwrap().unwrap();
    assert_eq!(o.status, OrderStatus::Released);
    // The ORU^R01 of GLU's release, built now, says the same: ORC-5 `CM` (table 0038, order
    // completed), where before the cancel UREA still waited (`A`, some results available).
    assert_eq!(field(&next_oru(&s, &c), "ORC", 5), "CM");
}

/// The ORU^R01 the sender would build now for the first due outbox row.
fn next_oru(s: &Store, c: &HisConfig) -> Vec<u8> {
    let far = Timestamp::now() + jiff::SignedDuration::from_hours(24);
    let due = s.his_due("his", far, 1).unwrap();
    sender::build_oru(s, c, &c.results[0], &due[0], "LIS1", Timestamp::now()).unwrap()
}

#[test]
fn a_new_order_is_answered_orr_o02_ok_and_an_oml_orl_o22_ok() {
    let s = store();
    let c = orr();
    let a = handle_message(
        &s,
        &c,
        &HisMetrics::new(),
        NW_TWO_TESTS.as_bytes(),
        Timestamp::now(),
    );
    assert_eq!(field(&a.bytes, "MSH", 9), "ORR^O02^ORR_O02");
    assert_eq!(field(&a.bytes, "MSH", 12), "2.5.1");
    assert_eq!(field(&a.bytes, "MSA", 1), "AA");
    assert_eq!(field(&a.bytes, "MSA", 2), "N-7");
    assert!(segments(&a.bytes, "ERR").is_empty());
    let orc = segments(&a.bytes, "ORC");
    // Table 0119 `OK` "order accepted"; table 0038 `IP` "in process": nothing released yet.
    assert_eq!(orc.len(), 2);
    assert!(orc
        .iter()
        .all(|f| f[0] == "OK" && f[1] == "PL-7" && f[2] == "L00000001" && f[4] == "IP"));

    let oml =
        "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||OML^O21^OML_O21|L-8|P|2.5.1||||||UNICODE UTF-8\r\
PID|1||BN800^^^BV^PI||TRẦN^THỊ^BÌNH||19900101|F\r\
ORC|NW|PL-8\r\
OBR|1|PL-8||GLU^Glucose^L\r\
SPM|1|S8||SER^Serum^HL70487\r";
    let a = handle_message(&s, &c, &HisMetrics::new(), oml.as_bytes(), Timestamp::now());
    assert_eq!(field(&a.bytes, "MSH", 9), "ORL^O22^ORL_O22");
    assert_eq!(field(&a.bytes, "MSA", 1), "AA");
    assert_eq!(field(&a.bytes, "MSA", 2), "L-8");
    // ORL^O22: MSH MSA [PID {ORC [OBR]}]: the order group sits inside the patient group.
    let (m, _) = Message::parse(&a.bytes).unwrap();
    let order: Vec<&str> = m.segments().map(|s| s.id()).collect();
    assert_eq!(order, ["MSH", "MSA", "PID", "ORC", "OBR"]);
    assert_eq!(field(&a.bytes, "PID", 5), "TRẦN^THỊ^BÌNH");
    let orc = segments(&a.bytes, "ORC");
    assert_eq!(
        (
            orc[0][0].as_str(),
            orc[0][1].as_str(),
            orc[0][2].as_str(),
            orc[0][4].as_str()
        ),
        ("OK", "PL-8", "L00000002", "IP")
    );

    // An unknown test: `AE` and `UA` "unable to accept order".
    let bad = oml
        .replace("PL-8", "PL-9")
        .replace("GLU^Glucose^L", "NOPE^Nope^L")
        .replace("S8", "S9");
    let a = handle_message(&s, &c, &HisMetrics::new(), bad.as_bytes(), Timestamp::now());
    assert_eq!(field(&a.bytes, "MSA", 1), "AE");
    assert_eq!(
        field(&a.bytes, "ERR", 3),
        "103^Table value not found^HL70357"
    );
}

#[test]
fn enhanced_mode_answers_commit_accept_then_the_application_ack_as_msh15_msh16_ask() {
    let s = store();
    let c = orr();
    let nw = |control: &str, placer: &str, accept: &str, application: &str| {
        format!(
            "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|{control}|P|2.5.1|||{accept}|{application}\r\
PID|1||BN900^^^BV^PI||LÊ^AN\r\
ORC|NW|{placer}\r\
OBR|1|{placer}|T-{placer}|GLU^Glucose^L\r"
        )
    };
    // AL/AL: the accept acknowledgement `CA` (MSH-9 ACK), then ORR^O02 `AA`, which asks for no
    // acknowledgement of itself (MSH-15/16 `NE`).
    let a = handle_message(
        &s,
        &c,
        &HisMetrics::new(),
        nw("E-1", "PL-E1", "AL", "AL").as_bytes(),
        Timestamp::now(),
    );
    let replies = a.replies();
    assert_eq!(replies.len(), 2);
    assert_eq!(field(replies[0], "MSH", 9), "ACK^O01^ACK");
    assert_eq!(field(replies[0], "MSA", 1), "CA");
    assert_eq!(field(replies[0], "MSA", 2), "E-1");
    assert_eq!(field(replies[1], "MSH", 9), "ORR^O02^ORR_O02");
    assert_eq!(field(replies[1], "MSA", 1), "AA");
    assert_eq!(field(replies[1], "MSH", 15), "NE");
    assert_eq!(field(replies[1], "MSH", 16), "NE");

    // AL/NE: the accept acknowledgement only.
    let a = handle_message(
        &s,
        &c,
        &HisMetrics::new(),
        nw("E-2", "PL-E2", "AL", "NE").as_bytes(),
        Timestamp::now(),
    );
    let replies = a.replies();
    assert_eq!(replies.len(), 1);
    assert_eq!(field(replies[0], "MSA", 1), "CA");

    // ER/ER on success: nothing at all.
    let a = handle_message(
        &s,
        &c,
        &HisMetrics::new(),
        nw("E-3", "PL-E3", "ER", "ER").as_bytes(),
        Timestamp::now(),
    );
    assert!(a.replies().is_empty());
    assert!(
        s.order_by_placer("PL-E3").unwrap().is_some(),
        "stored all the same"
    );

    // NE/ER with an application error (an unknown test): no accept acknowledgement, the
    // application acknowledgement `AE`.
    let unknown = nw("E-4", "PL-E4", "NE", "ER").replace("GLU^Glucose^L", "NOPE^Nope^L");
    let a = handle_message(
        &s,
        &c,
        &HisMetrics::new(),
        unknown.as_bytes(),
        Timestamp::now(),
    );
    let replies = a.replies();
    assert_eq!(replies.len(), 1);
    assert_eq!(field(replies[0], "MSH", 9), "ORR^O02^ORR_O02");
    assert_eq!(field(replies[0], "MSA", 1), "AE");
    // A message type the LIS does not take is a commit reject `CR` (§2.9.3.1) and gets no
    // application acknowledgement.
    let adt =
        "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ADT^A01|E-5|P|2.5.1|||AL|AL\rPID|1||BN900\r";
    let a = handle_message(&s, &c, &HisMetrics::new(), adt.as_bytes(), Timestamp::now());
    let replies = a.replies();
    assert_eq!(replies.len(), 1);
    assert_eq!(field(replies[0], "MSA", 1), "CR");
    assert_eq!(
        field(replies[0], "ERR", 3),
        "200^Unsupported message type^HL70357"
    );
}

#[test]
fn an_acknowledgement_from_the_his_is_journaled_and_never_answered() {
    let s = store();
    let ack = "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ACK^O02^ACK|H-1|P|2.5.1\rMSA|CA|ACK1\r";
    let a = handle_message(
        &s,
        &orr(),
        &HisMetrics::new(),
        ack.as_bytes(),
        Timestamp::now(),
    );
    assert!(a.replies().is_empty());
}
