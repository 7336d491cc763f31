//! HIS delivery bookkeeping, order changes and released-result pulls as the HIS sees them.

use jiff::Timestamp;

use super::*;
use crate::config::LabConfig;
use crate::model::{
    AnalyzerMessage, IngestOutcome, MessageKind, NewSpecimen, Observation, OrderedTestStatus,
    Priority, Sex, StoredObservation,
};

fn store() -> Store {
    Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap()
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn order(placer: &str, barcode: &str, tests: &[&str]) -> NewOrder {
    NewOrder {
        placer_number: placer.into(),
        patient: crate::model::NewPatient {
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
            his_id: format!("P-{placer}"),
            name: "Lê Thị Hoa".into(),
            sex: Sex::Female,
            birth_date: Some(jiff::civil::date(1985, 1, 1)),
        },
        requesting_doctor: "BS A".into(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: "Nội".into(),
        priority: Priority::Routine,
        ordered_at: t("2025-03-01T01:00:00Z"),
        specimens: vec![NewSpecimen {
            barcode: barcode.into(),
            specimen_type: "serum".into(),
            collected_at: None,
            received_at: None,
            tests: tests.iter().map(|s| (*s).to_owned()).collect(),
        }],
    }
}

/// Places an order with glucose and releases 5.2 mmol/L through autoverification.
fn released(s: &Store, placer: &str, barcode: &str, raw: &str) -> ResultId {
    released_from(s, placer, barcode, raw, "2025-03-01T02:00:00Z")
}

/// As [`released`], from a message that arrived at `received`.
fn released_from(s: &Store, placer: &str, barcode: &str, raw: &str, received: &str) -> ResultId {
    s.place_order(order(placer, barcode, &["GLU"]), &Actor::System)
        .unwrap();
    let out = s
        .ingest(AnalyzerMessage {
            graphs: Vec::new(),
            instrument: "DEMO-CHEM".into(),
            link: "chem".into(),
            received_at: t(received),
            protocol: Protocol::Astm,
            raw: raw.as_bytes().to_vec(),
            kind: MessageKind::Results,
            observations: vec![Observation {
                specimen_id: barcode.into(),
                instrument_test_code: "GLU".into(),
                value: "5.2".into(),
                status: "F".into(),
                ..Default::default()
            }],
            patient_hint: None,
        })
        .unwrap();
    match out {
        IngestOutcome::Stored { observations, .. } => match observations.first() {
            Some(StoredObservation::Result(id)) => *id,
            other => panic!("unexpected {other:?}"),
        },
        other => panic!("unexpected {other:?}"),
    }
}

const NOW: &str = "2030-01-01T00:00:00Z";

#[test]
fn a_result_committed_later_is_never_released_before_one_the_his_has_seen() {
    let s = store();
    // A HIS pulls at 02:00 and sees the first result, released at 02:00; it asks next for
    // results released since 02:00 (inclusive).
    let first = released_from(&s, "R1", "B1", "m1", "2025-03-01T02:00:00Z");
    let seen = s.released_results_since(t("2025-03-01T00:00:00Z")).unwrap();
    assert_eq!(seen.iter().map(|r| r.id).collect::<Vec<_>>(), [first]);
    // A message that arrived at 01:59 (another link's, queued behind) commits only now: it is
    // released at 02:00, not at 01:59, so the HIS's next pull returns it.
    let late = released_from(&s, "R2", "B2", "m2", "2025-03-01T01:59:00Z");
    assert_eq!(
        s.released_at(late).unwrap(),
        Some(t("2025-03-01T02:00:00Z"))
    );
    let next = s.released_results_since(t("2025-03-01T02:00:00Z")).unwrap();
    assert_eq!(next.iter().map(|r| r.id).collect::<Vec<_>>(), [first, late]);
    // A message that arrived later keeps its own time.
    let later = released_from(&s, "R3", "B3", "m3", "2025-03-01T02:05:00Z");
    assert_eq!(
        s.released_at(later).unwrap(),
        Some(t("2025-03-01T02:05:00Z"))
    );
}

fn due_ids(s: &Store, endpoint: &str, now: &str) -> Vec<i64> {
    s.his_due(endpoint, t(now), 10)
        .unwrap()
        .iter()
        .map(|d| d.outbox_id)
        .collect()
}

fn failed(at: &str) -> DeliveryOutcome {
    DeliveryOutcome::Failed {
        error: "connection refused".into(),
        retry_at: t(at),
    }
}

#[test]
fn an_order_waits_behind_its_own_pending_row_but_not_behind_other_orders() {
    let s = store();
    let r1 = released(&s, "A", "SA", "m1");
    s.correct(r1, "6.0", "typo", &Actor::System).unwrap(); // outbox 2, same order
    released(&s, "B", "SB", "m2"); // outbox 3, another order
    let eps = vec![String::from("his")];
    assert_eq!(due_ids(&s, "his", NOW), [1, 3]);
    // Row 1 fails and waits until its retry time; row 2 of the same order still waits behind it.
    s.his_prepare(1, "his", "LIS1", b"msg-1", t(NOW)).unwrap();
    s.his_record_attempt(1, "his", &failed("2030-01-01T00:00:05Z"), t(NOW), &eps)
        .unwrap();
    assert_eq!(due_ids(&s, "his", NOW), [3]);
    assert_eq!(due_ids(&s, "his", "2030-01-01T00:00:05Z"), [1, 3]);
    // Delivered: now the correction is due.
    let accepted = DeliveryOutcome::Accepted {
        ack_code: "AA".into(),
    };
    assert_eq!(
        s.his_record_attempt(1, "his", &accepted, t(NOW), &eps)
            .unwrap(),
        DeliveryState::Delivered
    );
    assert_eq!(due_ids(&s, "his", NOW), [2, 3]);
    let d = s.his_delivery(1, "his").unwrap().unwrap();
    assert_eq!((d.attempts, d.last_error), (2, None));
    assert_eq!(d.delivered_at, Some(t(NOW)));
    assert_eq!(s.outbox_counts().unwrap().sent, 1);
}

#[test]
fn the_first_message_is_kept_for_retries_and_rows_settle_per_endpoint() {
    let s = store();
    released(&s, "A", "SA", "m1");
    let eps = vec![String::from("his"), String::from("archive")];
    let (id, bytes) = s.his_prepare(1, "his", "LIS1", b"first", t(NOW)).unwrap();
    assert_eq!((id.as_str(), bytes.as_slice()), ("LIS1", &b"first"[..]));
    // A rebuilt message must not replace the stored one.
    let (id, bytes) = s.his_prepare(1, "his", "LIS9", b"second", t(NOW)).unwrap();
    assert_eq!((id.as_str(), bytes.as_slice()), ("LIS1", &b"first"[..]));
    let accepted = DeliveryOutcome::Accepted {
        ack_code: "AA".into(),
    };
    s.his_record_attempt(1, "his", &accepted, t(NOW), &eps)
        .unwrap();
    // The other endpoint has not taken it yet: the row stays pending for it.
    assert_eq!(s.outbox_counts().unwrap().pending, 1);
    assert!(due_ids(&s, "his", NOW).is_empty());
    assert_eq!(due_ids(&s, "archive", NOW), [1]);
    s.his_prepare(1, "archive", "LIS1", b"first", t(NOW))
        .unwrap();
    let refused = DeliveryOutcome::Rejected {
        ack_code: "AE".into(),
        reason: "unknown patient".into(),
    };
    s.his_record_attempt(1, "archive", &refused, t(NOW), &eps)
        .unwrap();
    assert_eq!(s.outbox_counts().unwrap().rejected, 1);
    assert_eq!(s.his_problems(10).unwrap()[0].endpoint, "archive");
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn change_order_adds_and_cancels_tests_and_guards_barcodes() {
    let s = store();
    s.place_order(order("A", "SA", &["GLU", "UREA"]), &Actor::System)
        .unwrap();
    s.place_order(order("B", "SB", &["GLU"]), &Actor::System)
        .unwrap();
    let id = s
        .change_order(&order("A", "SA", &["GLU", "CREA"]), &Actor::System)
        .unwrap();
    let tests: Vec<(String, OrderedTestStatus)> = s
        .ordered_tests(id)
        .unwrap()
        .into_iter()
        .map(|t| (t.test_code, t.status))
        .collect();
    assert_eq!(
        tests,
        [
            ("GLU".into(), OrderedTestStatus::Pending),
            ("UREA".into(), OrderedTestStatus::Cancelled),
            ("CREA".into(), OrderedTestStatus::Pending),
        ]
    );
    let stolen = s.change_order(&order("A", "SB", &["GLU"]), &Actor::System);
    assert!(
        matches!(stolen, Err(StoreError::Conflict { .. })),
        "{stolen:?}"
    );
    let missing = s.change_order(&order("Z", "SZ", &["GLU"]), &Actor::System);
    assert!(matches!(missing, Err(StoreError::NotFound { .. })));
    let unknown = s.change_order(&order("A", "SA", &["NOPE"]), &Actor::System);
    assert!(matches!(unknown, Err(StoreError::Invalid { .. })));
}

#[test]
fn released_results_filter_and_tokens() {
    let s = store();
    let r = released(&s, "A", "SA", "m1");
    released(&s, "B", "SB", "m2");
    let all = |f: ReleasedFilter| {
        s.released_results(&ReleasedFilter { limit: 10, ..f })
            .unwrap()
            .iter()
            .map(|x| x.result.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(all(ReleasedFilter::default()).len(), 2);
    assert_eq!(
        all(ReleasedFilter {
            order: Some("A".into()),
            ..Default::default()
        }),
        [r]
    );
    assert_eq!(
        all(ReleasedFilter {
            specimen: Some("SA".into()),
            ..Default::default()
        }),
        [r]
    );
    assert_eq!(
        all(ReleasedFilter {
            patient: Some("P-A".into()),
            ..Default::default()
        }),
        [r]
    );
    assert!(all(ReleasedFilter {
        corrected: Some(true),
        ..Default::default()
    })
    .is_empty());
    assert!(all(ReleasedFilter {
        since: Some(t(NOW)),
        ..Default::default()
    })
    .is_empty());

    let scopes = vec![String::from("results:read")];
    s.create_token("his", "abc", &scopes, &Actor::System)
        .unwrap();
    assert!(s
        .create_token("his", "def", &scopes, &Actor::System)
        .is_err());
    assert_eq!(s.token_by_hash("abc").unwrap().unwrap().scopes, scopes);
    assert!(s.revoke_token("his", &Actor::System).unwrap());
    assert!(s.token_by_hash("abc").unwrap().is_none());
    // The name is free again after revocation.
    s.create_token("his", "def", &scopes, &Actor::System)
        .unwrap();
    assert_eq!(s.tokens().unwrap().len(), 2);
}

#[test]
fn polling_with_the_last_row_as_cursor_never_stalls_on_one_release_time() {
    // Three results released at the same instant (their messages all arrived at 02:00): a HIS
    // that polls two at a time from the inclusive `since` alone would get the first two again
    // and again; with the last row it got as (`since`, `after_id`) it moves on.
    let s = store();
    let ids = [
        released_from(&s, "P1", "Q1", "p1", "2025-03-01T02:00:00Z"),
        released_from(&s, "P2", "Q2", "p2", "2025-03-01T02:00:00Z"),
        released_from(&s, "P3", "Q3", "p3", "2025-03-01T02:00:00Z"),
    ];
    let page = |since: Option<Timestamp>, after_id: Option<ResultId>| {
        s.released_results(&ReleasedFilter {
            since,
            after_id,
            limit: 2,
            ..ReleasedFilter::default()
        })
        .unwrap()
    };
    let first = page(None, None);
    assert_eq!(
        first.iter().map(|r| r.result.id).collect::<Vec<_>>(),
        ids[..2]
    );
    let last = &first[1];
    assert_eq!(last.released_at, first[0].released_at, "one release time");
    // The inclusive `since` alone stalls: the same two rows.
    let again = page(Some(last.released_at), None);
    assert_eq!(
        again.iter().map(|r| r.result.id).collect::<Vec<_>>(),
        ids[..2]
    );
    // With the cursor: the third, then nothing.
    let next = page(Some(last.released_at), Some(last.result.id));
    assert_eq!(
        next.iter().map(|r| r.result.id).collect::<Vec<_>>(),
        ids[2..]
    );
    let end = page(Some(next[0].released_at), Some(next[0].result.id));
    assert!(end.is_empty());
}

/// What one ORU^R01 needs comes from one read: the order, its patient, tube and tests, every
/// result version of the order, and the named results with their checks; a result of another
/// order is refused rather than sent under the wrong patient.
#[test]
fn his_report_reads_an_outbox_row_whole_and_refuses_a_foreign_result() {
    let s = store();
    let first = released(&s, "PL-R1", "SR1", "r1");
    let other = released(&s, "PL-R2", "SR2", "r2");
    let order = s.result(first).unwrap().order_id;
    let report = s.his_report(order, &[first]).unwrap();
    assert_eq!(report.order.placer_number, "PL-R1");
    assert_eq!(report.patient.his_id, "P-PL-R1");
    assert_eq!(report.specimens.len(), 1);
    assert_eq!(report.specimens[0].barcode, "SR1");
    assert_eq!(report.tests.len(), 1);
    assert_eq!(report.tests[0].test_code, "GLU");
    assert_eq!(report.order_results.len(), 1);
    assert_eq!(report.results.len(), 1);
    assert_eq!(report.results[0].result.id, first);
    assert_eq!(report.results[0].result.value, "5.2");
    assert!(
        !report.results[0].checks.is_empty(),
        "its checks come along"
    );
    assert!(matches!(
        s.his_report(order, &[first, other]),
        Err(StoreError::NotFound { .. })
    ));
}

/// FHIR R4 search §3.1.1.5.6 (Bundle.total is the number of matches) and §3.1.1.5.5 (paging):
/// the total counts every match, pages follow one another by id, and a row stored while a
/// client pages lands after the pages it already read.
#[test]
fn search_pages_by_id_with_the_total_of_matches() {
    use crate::store::{Keyset, ObservationSearch};
    let s = store();
    let ids: Vec<ResultId> = (0..5)
        .map(|i| released(&s, &format!("S{i}"), &format!("SB{i}"), &format!("sm{i}")))
        .collect();
    let all = ObservationSearch::default();
    let first = s.search_observations(&all, Keyset::First, 2).unwrap();
    assert_eq!(first.total, 5);
    assert_eq!(
        first.rows.iter().map(|r| r.result.id).collect::<Vec<_>>(),
        ids[..2]
    );
    assert!(!first.more_before && first.more_after);
    let second = s
        .search_observations(&all, Keyset::After(ids[1]), 2)
        .unwrap();
    assert_eq!(
        second.rows.iter().map(|r| r.result.id).collect::<Vec<_>>(),
        ids[2..4]
    );
    assert!(second.more_before && second.more_after);
    // A new release while paging: the next page is still ids[4], then the new one.
    let new = released(&s, "S9", "SB9", "sm9");
    let third = s
        .search_observations(&all, Keyset::After(ids[3]), 2)
        .unwrap();
    assert_eq!(third.total, 6);
    assert_eq!(
        third.rows.iter().map(|r| r.result.id).collect::<Vec<_>>(),
        [ids[4], new]
    );
    assert!(third.more_before && !third.more_after);
    // Back from the third page: the two before it.
    let back = s
        .search_observations(&all, Keyset::Before(ids[4]), 2)
        .unwrap();
    assert_eq!(
        back.rows.iter().map(|r| r.result.id).collect::<Vec<_>>(),
        ids[2..4]
    );
    assert!(back.more_before && back.more_after);
    // A filter counts only its matches: one patient's.
    let one = ObservationSearch {
        patient: Some("P-S3".into()),
        ..ObservationSearch::default()
    };
    let page = s.search_observations(&one, Keyset::First, 10).unwrap();
    assert_eq!((page.total, page.rows.len()), (1, 1));
    // Orders and patients page the same way.
    let orders = s.search_orders(None, Keyset::After(0), 4).unwrap();
    assert_eq!(
        (orders.total, orders.rows.len(), orders.more_after),
        (6, 4, true)
    );
    let reports = s
        .search_reports(&Default::default(), Keyset::First, 10)
        .unwrap();
    assert_eq!((reports.total, reports.rows.len()), (6, 6));
    let patients = s.page_patients(None, Keyset::First, 10).unwrap();
    assert_eq!(patients.total, 6);
    let latest = s
        .latest_change_of(&[("order", first.rows[0].result.order_id.to_string())])
        .unwrap();
    assert!(latest.is_some());
}
