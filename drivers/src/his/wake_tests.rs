//! Released results reach the HIS at once: a commit that queues results wakes the senders, long
//! before their poll interval (here one minute) would have.

use std::time::Duration;

use lis_core::model::{
    Actor, AnalyzerMessage, IngestOutcome, MessageKind, NewOrder, NewPatient, NewSpecimen,
    Observation, Priority, Protocol, Role, Sex, StoredObservation,
};
use lis_core::store::DeliveryState;
use lis_core::Store;

use super::tests::{
    config, delivery, free_port, released_glucose, start, start_fake_his, store, Reply,
};

/// Longer than the test may take: a delivery within it was woken, not polled.
const POLL_MS: u64 = 60_000;

/// Waits at most `limit` for `f` to hold.
async fn within(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while !f() {
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

/// An order for TSH on tube S2, and TSH 2.0 from the analyzer: autoverification is off for TSH
/// in the default lab, so the result waits for a person. Returns the result.
fn tsh_held_for_review(s: &Store) -> i64 {
    s.place_order(
        NewOrder {
            placer_number: String::from("PL-2"),
            patient: NewPatient {
                his_id: String::from("BN002"),
                name: String::from("Trần Thị Bình"),
                sex: Sex::Female,
                birth_date: None,
                his_id_authority: Default::default(),
                his_id_type: String::new(),
                name_parts: None,
            },
            requesting_doctor: String::from("BS Lê"),
            requesting_doctor_id: String::new(),
            requesting_doctor_name: None,
            department: String::from("Nội"),
            priority: Priority::Routine,
            ordered_at: "2025-03-01T01:00:00Z".parse().unwrap(),
            specimens: vec![NewSpecimen {
                barcode: String::from("S2"),
                specimen_type: String::from("serum"),
                collected_at: None,
                received_at: None,
                tests: vec![String::from("TSH")],
            }],
        },
        &Actor::System,
    )
    .unwrap();
    let out = s
        .ingest(AnalyzerMessage {
            graphs: Vec::new(),
            instrument: String::from("DEMO-CHEM"),
            link: String::from("chem"),
            received_at: "2025-03-01T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: b"msg-tsh".to_vec(),
            kind: MessageKind::Results,
            observations: vec![Observation {
                specimen_id: String::from("S2"),
                instrument_test_code: String::from("TSH"),
                value: String::from("2.0"),
                status: String::from("F"),
                ..Default::default()
            }],
            patient_hint: None,
        })
        .unwrap();
    match out {
        IngestOutcome::Stored { observations, .. } => match observations.first() {
            Some(StoredObservation::Result(id)) => *id,
            other => panic!("no result: {other:?}"),
        },
        other => panic!("not stored: {other:?}"),
    }
}

#[tokio::test]
async fn a_release_wakes_the_sender_before_its_poll() {
    let s = store();
    let addr = free_port().await;
    let received = start_fake_his(&addr, vec![Reply::Code("AA")]).await;
    let mut his = config(&addr);
    his.poll_ms = POLL_MS;
    let (running, shutdown) = start(his, &s).await;
    // The sender has found nothing to send and sleeps for its poll.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(received.all().is_empty());

    // An autoverified glucose is released by the ingest's commit.
    released_glucose(&s);
    assert!(
        within(Duration::from_secs(5), || delivery(&s, 1)
            .is_some_and(|d| d.state == DeliveryState::Delivered))
        .await,
        "the release did not wake the sender"
    );
    assert_eq!(received.all().len(), 1);

    // A result held for review, and its verification, queue nothing; a person's release does.
    let tech = Actor::User(
        s.create_user("lan", "KTV Lan", &[Role::Technician], &Actor::System)
            .unwrap(),
    );
    let boss = Actor::User(
        s.create_user("ha", "Trưởng khoa Hà", &[Role::Supervisor], &Actor::System)
            .unwrap(),
    );
    let held = tsh_held_for_review(&s);
    s.verify(held, &tech).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(received.all().len(), 1, "nothing released, nothing sent");
    s.release(held, &boss).unwrap();
    assert!(
        within(Duration::from_secs(5), || received.all().len() == 2).await,
        "the release did not wake the sender"
    );
    shutdown.cancel();
    running.join().await;
}
