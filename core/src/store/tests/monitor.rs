//! The monitoring reads and actions: the unmatched queue paged, discarded with a reason,
//! searched orders; the audit trail filtered with client addresses; the day's counts per link.

use super::*;
use crate::model::OrderId;
use crate::store::{AuditFilter, ClientAddress, LinkDayCounts, UnmatchedResolution};

/// A store with one order (S1: GLU) and three unmatched results of DEMO-CHEM (an unknown
/// specimen, an unknown code, a test not ordered), received 2025-03-01 02:00 UTC.
fn with_queue() -> (Store, OrderId) {
    let s = store();
    let oid = s
        .place_order(adult("HIS-1", "S1", &["GLU"]), &SYSTEM)
        .unwrap();
    s.ingest(message(
        "DEMO-CHEM",
        "chem-1",
        "msg-1",
        vec![
            obs("NOPE", "GLU", "5.0"),
            obs("S1", "ZZZ", "1"),
            obs("S1", "UREA", "5.0"),
            obs("S1", "GLU", "5.5"),
        ],
    ))
    .unwrap();
    (s, oid)
}

#[test]
fn the_open_queue_pages_by_id_and_names_the_link() {
    let (s, _) = with_queue();
    let first = s.unmatched_page(None, 2).unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].item.specimen_id, "NOPE");
    assert_eq!(first[0].link, "chem-1");
    assert_eq!(first[0].item.reason, UnmatchedReason::NoOrder);
    let rest = s.unmatched_page(Some(first[1].item.id), 2).unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].item.reason, UnmatchedReason::TestNotOrdered);
    assert_eq!(s.unmatched_open_count().unwrap(), 3);
}

#[test]
fn a_discard_needs_a_reason_and_a_supervisor_and_is_audited_once() {
    let (s, _) = with_queue();
    let id = s.unmatched_page(None, 1).unwrap()[0].item.id;
    let now = t("2025-03-01T03:00:00Z");
    assert!(matches!(
        s.discard_unmatched(id, "  ", &supervisor(&s), now),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        s.discard_unmatched(id, "QC tube", &technician(&s), now),
        Err(StoreError::Forbidden { .. })
    ));
    let before = s.latest_change().unwrap();
    s.discard_unmatched(id, "QC tube run as a patient", &supervisor(&s), now)
        .unwrap();
    assert_eq!(s.unmatched_open_count().unwrap(), 2);
    let entry = s.unmatched_entry(id).unwrap();
    assert_eq!(
        entry.resolution,
        Some(UnmatchedResolution::Discarded {
            at: now,
            by: "truongkhoa (display)".into(),
            reason: "QC tube run as a patient".into(),
        })
    );
    let trail = s
        .audit_trail(
            &AuditFilter {
                action: Some("unmatched.discard".into()),
                ..AuditFilter::default()
            },
            None,
            10,
        )
        .unwrap();
    assert_eq!(trail.len(), 1);
    assert!(trail[0].entry.seq > before);
    assert_eq!(trail[0].entry.entity_id, id.to_string());
    assert_eq!(
        trail[0].entry.reason.as_deref(),
        Some("QC tube run as a patient")
    );
    // Neither a second discard nor an attach takes it again.
    assert!(matches!(
        s.discard_unmatched(id, "again", &supervisor(&s), now),
        Err(StoreError::Conflict { .. })
    ));
    let oid = s.order_candidates("S1", 5).unwrap()[0].order_id;
    assert!(matches!(
        s.attach_unmatched(id, oid, "GLU", &supervisor(&s)),
        Err(StoreError::Conflict { .. })
    ));
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn orders_are_found_by_specimen_placer_patient_id_or_name() {
    let (s, oid) = with_queue();
    for query in ["S1", "HIS-1", "P-HIS-1", "văn", "Nguyễn Văn A"] {
        let found = s.order_candidates(query, 5).unwrap();
        assert_eq!(
            found.iter().map(|c| c.order_id).collect::<Vec<_>>(),
            vec![oid],
            "{query}"
        );
        assert_eq!(found[0].specimens, vec!["S1".to_owned()]);
        assert_eq!(found[0].tests, vec!["GLU".to_owned()]);
    }
    assert!(s.order_candidates("", 5).unwrap().is_empty());
    assert!(s.order_candidates("%", 5).unwrap().is_empty());
    assert!(s.order_candidates("S", 5).unwrap().is_empty());
}

#[test]
fn a_ui_change_records_the_client_address_in_the_chain() {
    let (s, _) = with_queue();
    let id = s.unmatched_page(None, 1).unwrap()[0].item.id;
    let actor = supervisor(&s);
    ClientAddress::scope(Some("192.168.10.7".into()), || {
        s.discard_unmatched(id, "duplicate tube", &actor, t("2025-03-01T03:00:00Z"))
    })
    .unwrap();
    // Outside the scope nothing is recorded.
    assert_eq!(ClientAddress::current(), None);
    let trail = s.audit_trail(&AuditFilter::default(), None, 100).unwrap();
    assert_eq!(trail[0].entry.action, "unmatched.discard");
    assert_eq!(trail[0].client_address.as_deref(), Some("192.168.10.7"));
    assert!(trail[1..].iter().all(|r| r.client_address.is_none()));
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn the_trail_filters_and_pages_newest_first() {
    let (s, _) = with_queue();
    let all = s.audit_trail(&AuditFilter::default(), None, 1000).unwrap();
    assert!(all.windows(2).all(|w| w[0].entry.seq > w[1].entry.seq));
    let page = s.audit_trail(&AuditFilter::default(), None, 2).unwrap();
    let next = s
        .audit_trail(&AuditFilter::default(), Some(page[1].entry.seq), 2)
        .unwrap();
    assert_eq!(next[0].entry.seq, all[2].entry.seq);
    let by_instrument = s
        .audit_trail(
            &AuditFilter {
                actor: Some("instrument:DEMO-CHEM".into()),
                ..AuditFilter::default()
            },
            None,
            1000,
        )
        .unwrap();
    assert!(!by_instrument.is_empty());
    assert!(by_instrument
        .iter()
        .all(|r| r.entry.actor.stored == "instrument:DEMO-CHEM"));
    // A window that ends before anything happened is empty.
    let none = s
        .audit_trail(
            &AuditFilter {
                until: Some(t("2000-01-01T00:00:00Z")),
                ..AuditFilter::default()
            },
            None,
            10,
        )
        .unwrap();
    assert!(none.is_empty());
    assert!(s
        .audit_actions()
        .unwrap()
        .contains(&"order.place".to_owned()));
}

#[test]
fn the_day_counts_per_link() {
    let (s, _) = with_queue();
    let links = [
        ("chem-1".to_owned(), "DEMO-CHEM".to_owned()),
        ("other".to_owned(), "OTHER".to_owned()),
    ];
    let counts = s
        .link_day_counts(&links, t("2025-03-01T00:00:00Z"))
        .unwrap();
    assert_eq!(
        (
            counts[0].messages,
            counts[0].results,
            counts[0].unmatched_open
        ),
        (1, 1, 3)
    );
    assert_eq!(counts[1], LinkDayCounts::default());
    let later = s
        .link_day_counts(&links, t("2025-03-02T00:00:00Z"))
        .unwrap();
    assert_eq!((later[0].messages, later[0].results), (0, 0));
}
