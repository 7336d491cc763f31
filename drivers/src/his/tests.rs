//! The HIS side over loopback TCP with a fake HIS: results delivered as ORU^R01 until ACK AA,
//! retried while the HIS is down, refused ones surfaced; orders in over MLLP answered AA/AE/AR.
//!
//! Waiting is on observable conditions with a deadline (real sockets, small configured delays);
//! expected bytes and fields are written from HL7 v2.5.1 and the default lab catalog.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use jiff::Timestamp;
use lis_core::model::{
    Actor, AnalyzerMessage, IngestOutcome, MessageKind, NewOrder, NewPatient, NewSpecimen,
    Observation, OrderStatus, Priority, Protocol, Sex, StoredObservation,
};
use lis_core::store::DeliveryState;
use lis_core::{LabConfig, Store};
use lis_hl7::mllp::{self, MllpDecoder, MllpEvent};
use lis_hl7::segments::{ErrorSegment, Msa, Obr, Obx, Pid, SegmentView};
use lis_hl7::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::listener::handle_message;
use super::*;
use crate::transport::allow::AllowFrom;

pub(super) fn store() -> Arc<Store> {
    Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap())
}

pub(super) fn config(results: &str) -> HisConfig {
    HisConfig {
        orders_listen: String::from("127.0.0.1:0"),
        ack_timeout_ms: 300,
        retry_initial_ms: 30,
        retry_max_ms: 100,
        poll_ms: 10,
        results: vec![ResultsEndpoint {
            name: String::from("his"),
            address: results.to_owned(),
            receiving_application: String::from("HIS"),
            receiving_facility: String::from("BV"),
        }],
        ..HisConfig::default()
    }
}

/// An order with glucose, released at once by autoverification when 5.2 mmol/L comes in.
pub(super) fn released_glucose(s: &Store) -> (i64, i64) {
    let order_id = s
        .place_order(
            NewOrder {
                placer_number: String::from("PL-1"),
                patient: NewPatient {
                    his_id_authority: Default::default(),
                    his_id_type: String::new(),
                    name_parts: None,
                    his_id: String::from("BN001"),
                    name: String::from("Nguyễn Văn An"),
                    sex: Sex::Male,
                    birth_date: Some(jiff::civil::date(1980, 5, 1)),
                },
                requesting_doctor: String::from("BS Trần"),
                requesting_doctor_id: String::new(),
                requesting_doctor_name: None,
                department: String::from("Nội"),
                priority: Priority::Routine,
                ordered_at: "2025-03-01T01:00:00Z".parse().unwrap(),
                specimens: vec![NewSpecimen {
                    barcode: String::from("S1"),
                    specimen_type: String::from("serum"),
                    collected_at: None,
                    received_at: None,
                    tests: vec![String::from("GLU")],
                }],
            },
            &Actor::His(String::from("his")),
        )
        .unwrap();
    let out = s
        .ingest(AnalyzerMessage {
            graphs: Vec::new(),
            instrument: String::from("DEMO-CHEM"),
            link: String::from("chem"),
            received_at: "2025-03-01T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: b"msg-1".to_vec(),
            kind: MessageKind::Results,
            observations: vec![Observation {
                specimen_id: String::from("S1"),
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
    (order_id, *id)
}

/// What the fake HIS does with each message, in turn (the last one repeats).
#[derive(Clone, Copy, Debug)]
pub(super) enum Reply {
    Code(&'static str),
    Hangup,
}

#[derive(Clone, Default)]
pub(super) struct Received(Arc<Mutex<Vec<Vec<u8>>>>);

impl Received {
    pub(super) fn all(&self) -> Vec<Vec<u8>> {
        self.0.lock().unwrap().clone()
    }
}

/// A fake HIS: accepts connections, records each message, answers per `replies`.
pub(super) async fn fake_his(listener: TcpListener, replies: Vec<Reply>, received: Received) {
    let replies = Arc::new(replies);
    let count = Arc::new(Mutex::new(0usize));
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let (replies, count, received) = (replies.clone(), count.clone(), received.clone());
        tokio::spawn(async move {
            let mut dec = MllpDecoder::default();
            let mut buf = BytesMut::new();
            loop {
                while let Ok(Some(ev)) = dec.decode(&mut buf) {
                    let MllpEvent::Message { payload, .. } = ev else {
                        continue;
                    };
                    received.0.lock().unwrap().push(payload.to_vec());
                    let n = {
                        let mut c = count.lock().unwrap();
                        *c += 1;
                        *c
                    };
                    let reply = replies
                        .get(n - 1)
                        .or_else(|| replies.last())
                        .copied()
                        .unwrap_or(Reply::Code("AA"));
                    let Reply::Code(code) = reply else {
                        return;
                    };
                    let (m, _) = Message::parse(&payload).unwrap();
                    let control = m.header().control_id().as_str().to_owned();
                    let text = if code == "AA" {
                        ""
                    } else {
                        "Unknown patient BN001"
                    };
                    let ack = format!(
                        "MSH|^~\\&|HIS|BV|LIS|LAB|20250301100000||ACK^R01^ACK|A{n}|P|2.5.1\rMSA|{code}|{control}|{text}\r"
                    );
                    if stream
                        .write_all(&mllp::encode(ack.as_bytes()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                match stream.read_buf(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        });
    }
}

pub(super) async fn start_fake_his(addr: &str, replies: Vec<Reply>) -> Received {
    let listener = TcpListener::bind(addr).await.unwrap();
    let received = Received::default();
    tokio::spawn(fake_his(listener, replies, received.clone()));
    received
}

/// Waits (at most 10 s) until `f` holds.
pub(super) async fn until(mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached in time"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn segment_field(msg: &[u8], seg: &str, field: usize) -> String {
    let (m, _) = Message::parse(msg).unwrap();
    m.first(seg).unwrap().field(field).as_str().to_owned()
}

pub(super) async fn free_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().to_string()
}

pub(super) async fn start(config: HisConfig, s: &Arc<Store>) -> (HisRunning, CancellationToken) {
    let shutdown = CancellationToken::new();
    let running = start_his(
        config,
        s.clone(),
        Arc::new(HisMetrics::new()),
        shutdown.clone(),
    )
    .await
    .unwrap();
    (running, shutdown)
}

pub(super) fn delivery(s: &Store, outbox: i64) -> Option<lis_core::store::HisDelivery> {
    s.his_delivery(outbox, "his").unwrap()
}

#[tokio::test]
async fn released_result_is_delivered_as_oru_r01_and_acknowledged() {
    let s = store();
    let (_, result_id) = released_glucose(&s);
    let addr = free_port().await;
    let received = start_fake_his(&addr, vec![Reply::Code("AA")]).await;
    let (_running, shutdown) = start(config(&addr), &s).await;
    until(|| delivery(&s, 1).is_some_and(|d| d.state == DeliveryState::Delivered)).await;
    let msgs = received.all();
    assert_eq!(msgs.len(), 1);
    let msg = &msgs[0];
    let (m, _) = Message::parse(msg).unwrap();
    let t = m.header().message_type();
    assert_eq!((t.code, t.event, t.structure), ("ORU", "R01", "ORU_R01"));
    assert_eq!(m.header().control_id().as_str(), "LIS0000000001");
    assert_eq!(m.header().version().as_str(), "2.5.1");
    let pid = m.first_of::<Pid<'_>>().unwrap();
    assert_eq!(pid.patient_id().id().as_str(), "BN001");
    assert_eq!(pid.field(5).as_str(), "Nguyễn^An^Văn");
    assert_eq!(pid.field(7).as_str(), "19800501");
    assert_eq!(segment_field(msg, "ORC", 1), "RE");
    assert_eq!(segment_field(msg, "ORC", 2), "PL-1");
    let obr = m.first_of::<Obr<'_>>().unwrap();
    assert_eq!(obr.field(4).as_str(), "14749-6^Glucose^LN^GLU^Glucose^L");
    assert_eq!(obr.field(25).as_str(), "F");
    let obx = m.first_of::<Obx<'_>>().unwrap();
    assert_eq!(obx.value_type().as_str(), "NM");
    assert_eq!(obx.field(3).as_str(), "14749-6^Glucose^LN^GLU^Glucose^L");
    assert_eq!(obx.value().as_str(), "5.2");
    assert_eq!(obx.field(6).as_str(), "mmol/L^mmol/L^UCUM");
    // Adult range from the catalog: 3.9-6.4 mmol/L; 5.2 is normal.
    assert_eq!(obx.reference_range().as_str(), "3.9-6.4");
    assert_eq!(obx.abnormal_flags_field().as_str(), "N");
    assert_eq!(obx.status().as_str(), "F");
    assert_eq!(segment_field(msg, "SPM", 2), "S1");
    let d = delivery(&s, 1).unwrap();
    assert_eq!(d.attempts, 1);
    assert_eq!(d.ack_code.as_deref(), Some("AA"));
    assert_eq!(d.control_id.as_deref(), Some("LIS0000000001"));
    assert!(s.outbox_pending(10).unwrap().is_empty());
    assert_eq!(s.outbox_counts().unwrap().sent, 1);

    // A correction after release is sent with status C, under a new control id.
    s.correct(result_id, "6.0", "wrong tube", &Actor::System)
        .unwrap();
    until(|| received.all().len() == 2).await;
    let msg = &received.all()[1];
    assert_eq!(segment_field(msg, "MSH", 10), "LIS0000000002");
    assert_eq!(segment_field(msg, "OBX", 5), "6.0");
    assert_eq!(segment_field(msg, "OBX", 11), "C");
    assert_eq!(segment_field(msg, "OBR", 25), "C");
    until(|| delivery(&s, 2).is_some_and(|d| d.state == DeliveryState::Delivered)).await;
    shutdown.cancel();
}

#[tokio::test]
async fn his_down_then_up_gets_the_result_once_in_order_with_the_same_control_id() {
    let s = store();
    let (_, result_id) = released_glucose(&s);
    // A correction queued behind the first release of the same order.
    s.correct(result_id, "6.0", "wrong tube", &Actor::System)
        .unwrap();
    let addr = free_port().await;
    let (_running, shutdown) = start(config(&addr), &s).await;
    // Nobody listens: attempts fail and are retried; the correction waits behind the release.
    until(|| delivery(&s, 1).is_some_and(|d| d.attempts >= 2)).await;
    let down = delivery(&s, 1).unwrap();
    assert_eq!(down.state, DeliveryState::Pending);
    assert!(down.last_error.unwrap().contains("cannot connect"));
    assert!(
        delivery(&s, 2).unwrap().attempts == 0,
        "the correction must wait"
    );
    let received = start_fake_his(&addr, vec![Reply::Code("AA")]).await;
    until(|| delivery(&s, 2).is_some_and(|d| d.state == DeliveryState::Delivered)).await;
    let msgs = received.all();
    assert_eq!(msgs.len(), 2, "each message delivered once");
    assert_eq!(segment_field(&msgs[0], "MSH", 10), "LIS0000000001");
    assert_eq!(segment_field(&msgs[0], "OBX", 11), "F");
    assert_eq!(segment_field(&msgs[1], "MSH", 10), "LIS0000000002");
    assert_eq!(segment_field(&msgs[1], "OBX", 11), "C");
    shutdown.cancel();
}

#[tokio::test]
async fn unacknowledged_message_is_resent_with_identical_bytes() {
    let s = store();
    released_glucose(&s);
    let addr = free_port().await;
    let received = start_fake_his(&addr, vec![Reply::Hangup, Reply::Code("AA")]).await;
    let (_running, shutdown) = start(config(&addr), &s).await;
    until(|| delivery(&s, 1).is_some_and(|d| d.state == DeliveryState::Delivered)).await;
    let msgs = received.all();
    assert_eq!(msgs.len(), 2);
    assert_eq!(
        msgs[0], msgs[1],
        "a retry resends the same bytes, MSH-10 and MSH-7 included"
    );
    assert_eq!(delivery(&s, 1).unwrap().attempts, 2);
    shutdown.cancel();
}

#[tokio::test]
async fn application_error_from_the_his_is_surfaced_and_not_retried() {
    let s = store();
    released_glucose(&s);
    let addr = free_port().await;
    let received = start_fake_his(&addr, vec![Reply::Code("AE")]).await;
    let (_running, shutdown) = start(config(&addr), &s).await;
    until(|| delivery(&s, 1).is_some_and(|d| d.state == DeliveryState::Rejected)).await;
    let d = delivery(&s, 1).unwrap();
    assert_eq!(d.ack_code.as_deref(), Some("AE"));
    assert_eq!(d.last_error.as_deref(), Some("Unknown patient BN001"));
    let problems = s.his_problems(10).unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].outbox_id, 1);
    assert_eq!(s.outbox_counts().unwrap().rejected, 1);
    assert!(s.outbox_pending(10).unwrap().is_empty());
    assert_eq!(received.all().len(), 1);
    // A person requeues it; the same message goes again.
    s.his_requeue(1, "his", &Actor::User(1)).unwrap();
    until(|| received.all().len() == 2).await;
    assert_eq!(received.all()[0], received.all()[1]);
    shutdown.cancel();
}

// ------------------------------------------------------------------ orders in

const ORM_NW: &str =
    "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|M1|P|2.5.1||||||UNICODE UTF-8\r\
PID|1||BN100^^^BV^PI||Trần^Bình^Thị||19900215|F\r\
PV1|1|O|KHOA NOI\r\
ORC|NW|PL-100||||||||||BS01^Lê^Minh|||||NOI^Khoa Nội\r\
OBR|1|PL-100|BC100|GLU^Glucose^L|S\r\
ORC|NW|PL-100||||||||||BS01^Lê^Minh\r\
OBR|2|PL-100|BC100|14682-9^Creatinine^LN\r";

fn hl7(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn ack_parts(bytes: &[u8]) -> (String, String, String, Option<(String, String)>) {
    let (m, _) = Message::parse(bytes).unwrap();
    let msa = m.first_of::<Msa<'_>>().unwrap();
    let err = m.first_of::<ErrorSegment<'_>>().map(|e| {
        (
            e.field(2).as_str().to_owned(),
            e.field(3).as_str().to_owned(),
        )
    });
    (
        msa.ack_code_field().as_str().to_owned(),
        msa.control_id().as_str().to_owned(),
        msa.text_message().text().into_owned(),
        err,
    )
}

fn answer(
    s: &Store,
    c: &HisConfig,
    raw: &[u8],
) -> (String, String, String, Option<(String, String)>) {
    let a = handle_message(s, c, &HisMetrics::new(), raw, Timestamp::now());
    ack_parts(&a.bytes)
}

#[test]
fn orm_new_order_is_stored_with_patient_tests_barcode_and_priority() {
    let s = store();
    let c = config("127.0.0.1:1");
    let (code, control, _, err) = answer(&s, &c, &hl7(ORM_NW));
    assert_eq!((code.as_str(), control.as_str(), err), ("AA", "M1", None));
    let o = s.order_by_placer("PL-100").unwrap().unwrap();
    assert_eq!(o.requesting_doctor, "Lê Minh");
    assert_eq!(o.department, "Khoa Nội");
    assert_eq!(o.priority, Priority::Stat, "OBR-5 S");
    let p = s.patient(o.patient_id).unwrap();
    assert_eq!(p.his_id, "BN100");
    assert_eq!(p.name, "Trần Thị Bình");
    assert_eq!(p.sex, Sex::Female);
    assert_eq!(p.birth_date, Some(jiff::civil::date(1990, 2, 15)));
    let specimens = s.specimens_for_order(o.id).unwrap();
    assert_eq!(specimens.len(), 1);
    assert_eq!(specimens[0].barcode, "BC100", "OBR-3 by default");
    let tests: Vec<String> = s
        .ordered_tests(o.id)
        .unwrap()
        .into_iter()
        .map(|t| t.test_code)
        .collect();
    // CREA by its LOINC 14682-9 (moles per volume, serum or plasma).
    assert_eq!(tests, ["GLU", "CREA"]);
    // The same bytes again (the HIS lost our ACK): AA, still one order.
    let (code, _, _, _) = answer(&s, &c, &hl7(ORM_NW));
    assert_eq!(code, "AA");
    assert_eq!(s.order_ids(None, 10).unwrap().len(), 1);
    // Resent with a new control id (other bytes): still the same order, AA.
    let (code, control, _, _) = answer(&s, &c, ORM_NW.replace("|M1|", "|M1b|").as_bytes());
    assert_eq!((code.as_str(), control.as_str()), ("AA", "M1b"));
    assert_eq!(s.order_ids(None, 10).unwrap().len(), 1);
    // The same placer number for other tests is a conflict: AE, duplicate key.
    let other = ORM_NW
        .replace("|M1|", "|M1c|")
        .replace("GLU^Glucose^L", "UREA");
    let (code, _, _, err) = answer(&s, &c, other.as_bytes());
    assert_eq!(code, "AE");
    assert_eq!(err.unwrap().1, "205^Duplicate key identifier^HL70357");
    // Journaled.
    assert_eq!(s.journal_entry(1).unwrap().raw, hl7(ORM_NW));
}

#[test]
fn orm_cancel_and_change() {
    let s = store();
    let c = config("127.0.0.1:1");
    answer(&s, &c, &hl7(ORM_NW));
    let xo = "MSH|^~\\&|HIS|BV|LIS|LAB|20250301081000||ORM^O01|M2|P|2.5.1\r\
PID|1||BN100||Trần^Bình^Thị||19900215|F\r\
ORC|XO|PL-100\r\
OBR|1|PL-100|BC100|UREA\r";
    let (code, _, text, _) = answer(&s, &c, &hl7(xo));
    assert_eq!(code, "AA", "{text}");
    let o = s.order_by_placer("PL-100").unwrap().unwrap();
    let active: Vec<String> = s
        .ordered_tests(o.id)
        .unwrap()
        .into_iter()
        .filter(|t| t.status != lis_core::model::OrderedTestStatus::Cancelled)
        .map(|t| t.test_code)
        .collect();
    assert_eq!(active, ["UREA"]);
    let ca = "MSH|^~\\&|HIS|BV|LIS|LAB|20250301082000||ORM^O01|M3|P|2.5.1\r\
PID|1||BN100||Trần^Bình^Thị\r\
ORC|CA|PL-100||||||||||||||^Bệnh nhân xuất viện\r\
OBR|1|PL-100\r";
    let (code, control, _, _) = answer(&s, &c, &hl7(ca));
    assert_eq!((code.as_str(), control.as_str()), ("AA", "M3"));
    let o = s.order_by_placer("PL-100").unwrap().unwrap();
    assert_eq!(o.status, OrderStatus::Cancelled);
    assert_eq!(o.cancel_reason.as_deref(), Some("Bệnh nhân xuất viện"));
    // Cancelling an order that does not exist: AE, unknown key.
    let unknown = ca.replace("PL-100", "PL-999").replace("M3", "M4");
    let (code, _, text, err) = answer(&s, &c, unknown.as_bytes());
    assert_eq!(code, "AE");
    assert!(text.contains("PL-999"), "{text}");
    assert_eq!(err.unwrap().1, "204^Unknown key identifier^HL70357");
}

#[test]
fn oml_o21_reads_the_barcode_from_spm2_and_loinc_codes() {
    let s = store();
    let c = config("127.0.0.1:1");
    let oml = "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000+0700||OML^O21^OML_O21|X9|P|2.5.1||||||UNICODE UTF-8\r\
PID|1||BN200||Phạm^Dũng^Quốc||20100101|M\r\
ORC|NW|PL-200\r\
OBR|1|PL-200||6690-2^Leukocytes^LN\r\
SPM|1|TUBE-77&BV||WB^Whole blood|||||||P||||||20250301073000+0700\r";
    let (code, control, text, _) = answer(&s, &c, &hl7(oml));
    assert_eq!((code.as_str(), control.as_str()), ("AA", "X9"), "{text}");
    let o = s.order_by_placer("PL-200").unwrap().unwrap();
    let sp = s.specimens_for_order(o.id).unwrap();
    assert_eq!(sp[0].barcode, "TUBE-77");
    assert_eq!(sp[0].specimen_type, "WB");
    assert_eq!(
        sp[0].collected_at,
        Some("2025-03-01T00:30:00Z".parse().unwrap())
    );
    assert_eq!(s.ordered_tests(o.id).unwrap()[0].test_code, "WBC");
    assert_eq!(s.patient(o.patient_id).unwrap().name, "Phạm Quốc Dũng");
}

#[test]
fn unknown_test_is_ae_with_err_location_and_is_journaled() {
    let s = store();
    let c = config("127.0.0.1:1");
    let bad = ORM_NW.replace("14682-9^Creatinine^LN", "99999-9^Nothing^LN");
    let (code, control, text, err) = answer(&s, &c, bad.as_bytes());
    assert_eq!((code.as_str(), control.as_str()), ("AE", "M1"));
    assert!(text.contains("99999-9"), "{text}");
    let (location, coded) = err.unwrap();
    assert_eq!(location, "OBR^2^4");
    assert_eq!(coded, "103^Table value not found^HL70357");
    assert!(s.order_by_placer("PL-100").unwrap().is_none());
    let j = s.journal_entry(1).unwrap();
    assert_eq!(j.raw, bad.as_bytes());
    assert!(j.parse_error.unwrap().contains("99999-9"));
}

#[test]
fn invalid_utf8_under_unicode_utf8_is_ae_102_at_its_field_and_stores_nothing() {
    // HL7 v2.5.1 §2.15.9.18 / table 0211: MSH-18 `UNICODE UTF-8` declares the message's bytes
    // UTF-8. "NGUYỄN" written in a single-byte code page arrives as NGUY 0xC5 N: 0xC5 starts a
    // two-byte UTF-8 sequence that 'N' cannot continue. Table 0357 code 102: data type error.
    let s = store();
    let c = config("127.0.0.1:1");
    let mut bad = ORM_NW.replace("Trần^Bình^Thị", "NGUY@N^VAN").into_bytes();
    let at = bad.iter().position(|&b| b == b'@').unwrap();
    bad[at] = 0xC5;
    let (code, control, text, err) = answer(&s, &c, &bad);
    assert_eq!((code.as_str(), control.as_str()), ("AE", "M1"));
    let (location, coded) = err.unwrap();
    assert_eq!(location, "PID^1^5");
    assert_eq!(coded, "102^Data type error^HL70357");
    assert!(text.contains("UTF-8"), "{text}");
    // Nothing garbled was stored; the raw bytes are in the journal with the reason.
    assert!(s.order_by_placer("PL-100").unwrap().is_none());
    assert!(s.patient_by_his_id("BN100").unwrap().is_none());
    let j = s.journal_entry(1).unwrap();
    assert_eq!(j.raw, bad);
    assert!(j.parse_error.unwrap().contains("UTF-8"));
    // The same bytes under MSH-18 8859/1 are Latin-1 by declaration, not an error of this kind.
    let latin = String::from_utf8_lossy(ORM_NW.as_bytes()).replace("UNICODE UTF-8", "8859/1");
    let (code, _, _, _) = answer(&s, &c, latin.as_bytes());
    assert_eq!(code, "AA");
}

#[test]
fn missing_pid_bad_birth_date_and_other_message_types_are_refused() {
    let s = store();
    let c = config("127.0.0.1:1");
    let no_pid = "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|M5|P|2.5.1\rORC|NW|PL-5\rOBR|1|PL-5||GLU\r";
    let (code, _, text, err) = answer(&s, &c, &hl7(no_pid));
    assert_eq!(code, "AE");
    assert!(text.contains("PID"), "{text}");
    assert_eq!(err.unwrap().1, "100^Segment sequence error^HL70357");
    let bad_birth = ORM_NW.replace("19900215", "1990-02-15");
    let (code, _, _, err) = answer(&s, &c, bad_birth.as_bytes());
    assert_eq!(code, "AE");
    assert_eq!(err.unwrap().0, "PID^1^7");
    let oru = "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORU^R01|M6|P|2.5.1\rPID|1||X\r";
    let (code, control, _, err) = answer(&s, &c, &hl7(oru));
    assert_eq!((code.as_str(), control.as_str()), ("AR", "M6"));
    assert_eq!(err.unwrap().1, "200^Unsupported message type^HL70357");
    let (code, control, text, _) = answer(&s, &c, b"hello, not HL7");
    // HL7 v2.5.1 §2.15.8.2: MSA-2 is required; with no MSH-10 to echo, it says so.
    assert_eq!((code.as_str(), control.as_str()), ("AR", "UNREADABLE"));
    assert!(text.contains("not a readable HL7 message"), "{text}");
    // Every one journaled.
    assert_eq!(s.verify_journal().unwrap().entries, 4);
}

async fn read_ack(stream: &mut TcpStream, dec: &mut MllpDecoder, buf: &mut BytesMut) -> Vec<u8> {
    loop {
        if let Some(MllpEvent::Message { payload, .. }) = dec.decode(buf).unwrap() {
            return payload.to_vec();
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read_buf(buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "the listener closed the connection");
    }
}

#[tokio::test]
async fn mllp_listener_answers_garbage_and_oversized_then_still_takes_orders() {
    let s = store();
    let mut c = config("127.0.0.1:1");
    c.results.clear();
    c.max_message_bytes = 600;
    let (running, shutdown) = start(c, &s).await;
    let addr = running.orders_addr.unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (mut dec, mut buf) = (MllpDecoder::default(), BytesMut::new());
    // Garbage inside a frame.
    stream
        .write_all(&mllp::encode(b"\x00\x01garbage"))
        .await
        .unwrap();
    let (code, control, _, _) = ack_parts(&read_ack(&mut stream, &mut dec, &mut buf).await);
    assert_eq!((code.as_str(), control.as_str()), ("AR", "UNREADABLE"));
    // Bytes outside any frame.
    stream.write_all(b"PLAIN TEXT").await.unwrap();
    stream.write_all(&mllp::encode(b"x")).await.unwrap();
    let (code, _, text, _) = ack_parts(&read_ack(&mut stream, &mut dec, &mut buf).await);
    assert_eq!(code, "AR");
    assert!(text.contains("outside an MLLP frame"), "{text}");
    let (code, _, _, _) = ack_parts(&read_ack(&mut stream, &mut dec, &mut buf).await);
    assert_eq!(code, "AR", "the one-byte frame is not HL7");
    // Oversized.
    let big = format!(
        "MSH|^~\\&|HIS|BV|LIS|LAB|||ORM^O01|BIG|P|2.5.1\r{}",
        "NTE|1||x\r".repeat(200)
    );
    stream
        .write_all(&mllp::encode(big.as_bytes()))
        .await
        .unwrap();
    let (code, control, text, _) = ack_parts(&read_ack(&mut stream, &mut dec, &mut buf).await);
    assert_eq!(code, "AR");
    assert!(text.contains("600 bytes"), "{text}");
    // MSA-2 echoes the MSH-10 still readable in the refused bytes (HL7 v2.5.1 §2.15.8.2).
    assert_eq!(control, "BIG");
    // Then a good order on the same connection.
    stream
        .write_all(&mllp::encode(ORM_NW.as_bytes()))
        .await
        .unwrap();
    let (code, control, _, _) = ack_parts(&read_ack(&mut stream, &mut dec, &mut buf).await);
    assert_eq!((code.as_str(), control.as_str()), ("AA", "M1"));
    assert!(s.order_by_placer("PL-100").unwrap().is_some());
    // Nothing lost: five entries journaled (garbage, junk, the one-byte frame, oversized, order).
    assert_eq!(s.verify_journal().unwrap().entries, 5);
    shutdown.cancel();
    running.join().await;
}

#[test]
fn config_defaults_and_the_embedded_his_section() {
    let lab = LabConfig::embedded_default().unwrap();
    let c = HisConfig::from_table(lab.his.as_ref()).unwrap();
    assert_eq!(c.orders_listen, "127.0.0.1:2575");
    assert_eq!(c.results[0].address, "127.0.0.1:2576");
    assert_eq!(
        c,
        HisConfig {
            results: c.results.clone(),
            ..HisConfig::default()
        }
    );
    assert_eq!(HisConfig::from_table(None).unwrap(), HisConfig::default());
    let mut t = toml::Table::new();
    t.insert("orders_listn".into(), toml::Value::String("x".into()));
    assert!(HisConfig::from_table(Some(&t)).is_err());
    // allow_from: addresses or CIDR ranges; a bad entry names the key.
    let mut t = toml::Table::new();
    t.insert(
        "allow_from".into(),
        toml::Value::Array(vec!["10.0.5.0/24".into()]),
    );
    let c = HisConfig::from_table(Some(&t)).unwrap();
    assert!(c.allow_from.allows("10.0.5.9".parse().unwrap()));
    assert!(!c.allow_from.allows("10.0.6.9".parse().unwrap()));
    t.insert("allow_from".into(), toml::Value::Array(vec!["his".into()]));
    let err = HisConfig::from_table(Some(&t)).unwrap_err().to_string();
    assert!(
        err.starts_with("[his] allow_from: \"his\" is not an IP address or CIDR range"),
        "{err}"
    );
    // Backoff doubles from the initial delay up to the maximum.
    let c = config("x");
    assert_eq!(c.backoff(1), Duration::from_millis(30));
    assert_eq!(c.backoff(2), Duration::from_millis(60));
    assert_eq!(c.backoff(3), Duration::from_millis(100));
    assert_eq!(c.backoff(60), Duration::from_millis(100));
}

/// Connects to `addr` from the local address `from` (127.0.0.2 is loopback too on Linux).
async fn connect_from(from: &str, addr: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

#[tokio::test]
async fn the_orders_listener_serves_allowed_peers_only() {
    let s = store();
    let mut config = config("127.0.0.1:9");
    config.allow_from = AllowFrom::try_from(vec!["127.0.0.1".to_owned()]).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let metrics = Arc::new(HisMetrics::new());
    let shutdown = CancellationToken::new();
    tokio::spawn(listener::serve_orders(
        listener,
        s.clone(),
        Arc::new(config),
        metrics.clone(),
        shutdown.clone(),
    ));
    // From 127.0.0.2: closed before a byte is read, counted, nothing journaled.
    let mut intruder = connect_from("127.0.0.2", addr).await;
    let _ = intruder.write_all(&mllp::encode(b"MSH|^~\\&|X")).await;
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), intruder.read_to_end(&mut rest))
        .await
        .expect("the refused connection is closed");
    assert!(read.is_err() || rest.is_empty(), "{rest:?}");
    until(|| {
        metrics
            .connections_refused
            .load(std::sync::atomic::Ordering::Relaxed)
            == 1
    })
    .await;
    // From 127.0.0.1: served (bytes that are no HL7 message are journaled and answered).
    let mut his = connect_from("127.0.0.1", addr).await;
    his.write_all(&mllp::encode(b"not hl7")).await.unwrap();
    let mut buf = BytesMut::new();
    let mut decoder = MllpDecoder::new(1 << 20);
    let answer = loop {
        if let Ok(Some(MllpEvent::Message { payload, .. })) = decoder.decode(&mut buf) {
            break payload;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), his.read_buf(&mut buf))
            .await
            .expect("the allowed peer is answered")
            .unwrap();
        assert!(n > 0, "closed without an answer");
    };
    assert!(segment_field(&answer, "MSA", 1).starts_with('A'));
    assert_eq!(
        metrics
            .connections_refused
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    shutdown.cancel();
}
