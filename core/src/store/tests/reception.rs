//! Reception as the bench sees it: a scan receives a tube once, at the server's time; a tube
//! refused with a coded reason holds its results; an order's report reads its tubes; a print
//! is audited.

use super::review::{audit_rows, json, last_audit, results};
use super::*;
use crate::model::{Paper, ReceiveOutcome, RejectionReason, StoredRejection};

#[test]
fn a_scan_receives_once_and_a_second_scan_changes_nothing() {
    let s = store();
    let tech = technician(&s);
    s.place_order(adult("P1", "S1", &["GLU"]), &SYSTEM).unwrap();
    let now = t("2025-03-01T02:30:00Z");
    assert_eq!(
        s.receive_scan("S1", None, now, &tech).unwrap(),
        ReceiveOutcome::Received {
            at: now,
            collected_entered: false
        }
    );
    let seq = s.latest_change().unwrap();
    assert_eq!(
        s.receive_scan("S1", None, t("2025-03-01T02:31:00Z"), &tech)
            .unwrap(),
        ReceiveOutcome::AlreadyReceived { at: now }
    );
    assert_eq!(s.latest_change().unwrap(), seq, "nothing was written");
    let spec = &s
        .specimens_for_order(s.order_by_placer("P1").unwrap().unwrap().id)
        .unwrap()[0];
    assert_eq!(spec.received_at, Some(now));
    // The HIS's collection time is kept.
    assert_eq!(spec.collected_at, Some(t("2025-03-01T01:00:00Z")));
    let rows = audit_rows(&s, "specimen.receive");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].2, "S1");
    assert_eq!(json(&rows[0].4)["received_at"], "2025-03-01T02:30:00Z");
    assert_eq!(
        s.receive_scan("NO-SUCH", None, now, &tech).unwrap(),
        ReceiveOutcome::Unknown
    );
}

#[test]
fn a_collection_time_typed_at_reception_fills_only_what_the_order_lacks() {
    let s = store();
    let tech = technician(&s);
    let mut o = adult("P2", "S2", &["GLU"]);
    o.specimens[0].collected_at = None;
    s.place_order(o, &SYSTEM).unwrap();
    let now = t("2025-03-01T02:30:00Z");
    assert!(matches!(
        s.receive_scan("S2", Some(t("2025-03-01T03:00:00Z")), now, &tech),
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(
        s.receive_scan("S2", Some(t("2025-03-01T01:45:00Z")), now, &tech)
            .unwrap(),
        ReceiveOutcome::Received {
            at: now,
            collected_entered: true
        }
    );
    let review = s.specimen_review("S2").unwrap();
    assert_eq!(
        review.specimen.collected_at,
        Some(t("2025-03-01T01:45:00Z"))
    );
    assert_eq!(review.specimen.received_at, Some(now));
}

#[test]
fn receiving_needs_a_lab_role_checked_in_the_transaction() {
    let s = store();
    let admin = person(&s, "quantri", &[Role::Admin]);
    s.place_order(adult("P3", "S3", &["GLU"]), &SYSTEM).unwrap();
    assert!(matches!(
        s.receive_scan("S3", None, t("2025-03-01T02:30:00Z"), &admin),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(s
        .specimen_review("S3")
        .unwrap()
        .specimen
        .received_at
        .is_none());
    assert!(matches!(
        s.reject_specimen_coded(
            "S3",
            &StoredRejection {
                reason: RejectionReason::Clotted,
                text: String::new()
            },
            t("2025-03-01T02:30:00Z"),
            &admin
        ),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(audit_rows(&s, "specimen.reject").is_empty());
}

#[test]
fn a_rejected_specimen_holds_its_results() {
    let s = store();
    let tech = technician(&s);
    let sup = supervisor(&s);
    // TSH waits for review in the default lab.
    let ids = results(&s, "S4", &[("TSH", "2.0")]);
    let r = s.result_with_checks(ids[0]).unwrap().result;
    let verified = s.verify_result(ids[0], r.rev, &tech).unwrap();
    let held = s
        .reject_specimen_coded(
            "S4",
            &StoredRejection {
                reason: RejectionReason::Haemolysed,
                text: String::new(),
            },
            t("2025-03-01T02:40:00Z"),
            &tech,
        )
        .unwrap();
    assert_eq!(held, 1);
    let refused = s.release_result(ids[0], verified.rev, &sup).unwrap_err();
    assert!(
        refused.to_string().contains("rejected at reception"),
        "{refused}"
    );
    let (actor, _, entity, _, new, reason) = last_audit(&s, "specimen.reject");
    assert_eq!(actor, tech.to_string());
    assert_eq!(entity, "S4");
    assert_eq!(json(&new)["reason"], "haemolysed");
    assert_eq!(reason.as_deref(), Some("haemolysed"));
    let review = s.specimen_review("S4").unwrap();
    assert_eq!(
        review.specimen.rejected_reason.as_deref(),
        Some("haemolysed")
    );
    // A second rejection is refused and keeps the first reason.
    assert!(matches!(
        s.reject_specimen_coded(
            "S4",
            &StoredRejection {
                reason: RejectionReason::Other,
                text: String::from("again")
            },
            t("2025-03-01T02:41:00Z"),
            &tech
        ),
        Err(StoreError::Invalid { .. })
    ));
    // Results arriving later fail the specimen rule and wait.
    s.place_order(adult("P5", "S5", &["GLU"]), &SYSTEM).unwrap();
    s.reject_specimen_coded(
        "S5",
        &StoredRejection {
            reason: RejectionReason::Other,
            text: String::from("tube cracked"),
        },
        t("2025-03-01T01:30:00Z"),
        &tech,
    )
    .unwrap();
    let later = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "c",
            "r5",
            vec![obs("S5", "GLU", "5.0")],
        ))
        .unwrap(),
    );
    let r = s.result_with_checks(later[0]).unwrap();
    assert_eq!(r.result.state, ResultState::PendingReview);
    assert_eq!(
        r.reasons,
        vec!["specimen_acceptable: specimen rejected: other: tube cracked".to_owned()]
    );
}

#[test]
fn another_reason_must_be_written_out() {
    let s = store();
    let tech = technician(&s);
    s.place_order(adult("P6", "S6", &["GLU"]), &SYSTEM).unwrap();
    assert!(matches!(
        s.reject_specimen_coded(
            "S6",
            &StoredRejection {
                reason: RejectionReason::Other,
                text: String::from("  ")
            },
            t("2025-03-01T02:40:00Z"),
            &tech
        ),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        s.reject_specimen_coded(
            "NOPE",
            &StoredRejection {
                reason: RejectionReason::Clotted,
                text: String::new()
            },
            t("2025-03-01T02:40:00Z"),
            &tech
        ),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn the_report_reads_every_tube_and_a_print_is_audited() {
    let s = store();
    let tech = technician(&s);
    let ids = results(&s, "S7", &[("GLU", "5.0")]);
    let report = s.order_report("P-S7").unwrap().unwrap();
    assert_eq!(report.order.placer_number, "P-S7");
    assert_eq!(report.specimens.len(), 1);
    assert_eq!(report.specimens[0].results[0].id, ids[0]);
    assert!(s.order_report("NOPE").unwrap().is_none());
    s.record_report_print("P-S7", Paper::A5, "final", &tech)
        .unwrap();
    let (actor, _, entity, _, new, _) = last_audit(&s, "report.print");
    assert_eq!(actor, tech.to_string());
    assert_eq!(entity, "P-S7");
    assert_eq!(json(&new)["paper"], "a5");
    assert!(matches!(
        s.record_report_print("NOPE", Paper::A4, "final", &tech),
        Err(StoreError::NotFound { .. })
    ));
    let admin = person(&s, "quantri", &[Role::Admin]);
    assert!(matches!(
        s.record_report_print("P-S7", Paper::A4, "final", &admin),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(s.verify_audit().unwrap().is_intact());
}
