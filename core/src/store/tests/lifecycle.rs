//! Life cycle, orders, users, audit and journal integrity, group commit.

use super::*;

#[test]
fn life_cycle_through_the_store() {
    let s = store();
    let tech = Actor::User(
        s.create_user("tech1", "KTV Lan", &[Role::Technician], &SYSTEM)
            .unwrap(),
    );
    let boss = supervisor(&s);
    let oid = s
        .place_order(adult("L1", "S9", &["TSH", "GLU"]), &SYSTEM)
        .unwrap();
    let ids = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "c",
            "l1",
            vec![obs("S9", "TSH", "2.0"), obs("S9", "GLU", "5.0")],
        ))
        .unwrap(),
    );
    let (tsh, glu) = (ids[0], ids[1]);
    assert_eq!(s.result(tsh).unwrap().state, ResultState::PendingReview);
    // Releasing before verifying is illegal, with a typed error.
    match s.release(tsh, &boss) {
        Err(StoreError::IllegalTransition(IllegalTransition {
            from: ResultState::PendingReview,
            action: Action::Release,
        })) => {}
        other => panic!("expected an illegal transition, got {other:?}"),
    }
    assert_eq!(s.verify(tsh, &tech).unwrap(), ResultState::Verified);
    assert_eq!(s.release(tsh, &boss).unwrap(), ResultState::Released);
    assert_eq!(s.order(oid).unwrap().status, OrderStatus::Released);
    // A correction after release keeps the released version and releases a new one.
    let corrected = s.correct(tsh, "2.5", "wrong aliquot", &boss).unwrap();
    assert_eq!(s.result(tsh).unwrap().state, ResultState::Corrected);
    let c = s.result(corrected).unwrap();
    assert_eq!(
        (c.state, c.version, c.value.as_str(), c.corrects, c.reported),
        (ResultState::Released, 2, "2.500", Some(tsh), true)
    );
    let kinds: Vec<String> = s
        .outbox_pending(10)
        .unwrap()
        .into_iter()
        .map(|o| o.kind)
        .collect();
    assert_eq!(
        kinds,
        vec!["results_released", "results_released", "correction"]
    );
    assert!(s.correct(glu, "5.1", "", &boss).is_err());
    assert!(matches!(
        s.reject(glu, "lipemic", &tech),
        Err(StoreError::IllegalTransition(_))
    ));
    assert!(matches!(
        s.verify(999, &tech),
        Err(StoreError::NotFound { .. })
    ));
    let audit = s.verify_audit().unwrap();
    assert!(audit.is_intact());
    assert!(audit.entries >= 8);
}

#[test]
fn rejected_specimen_and_cancelled_order() {
    let s = store();
    s.place_order(adult("R1", "SR", &["GLU"]), &SYSTEM).unwrap();
    s.reject_specimen("SR", "hemolysed", &Actor::User(1))
        .unwrap();
    assert!(s
        .pending_tests_for_specimen("DEMO-CHEM", "SR")
        .unwrap()
        .is_empty());
    let id = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "c",
            "r1",
            vec![obs("SR", "GLU", "5.0")],
        ))
        .unwrap(),
    )[0];
    let r = s.result_with_checks(id).unwrap();
    assert_eq!(r.result.state, ResultState::PendingReview);
    assert_eq!(
        r.reasons,
        vec!["specimen_acceptable: specimen rejected: hemolysed".to_owned()]
    );
    let oid = s.place_order(adult("R2", "SC", &["GLU"]), &SYSTEM).unwrap();
    s.cancel_order(oid, "duplicate order", &Actor::His("his".into()))
        .unwrap();
    assert!(s.cancel_order(oid, "again", &SYSTEM).is_err());
    assert!(s
        .pending_tests_for_specimen("DEMO-CHEM", "SC")
        .unwrap()
        .is_empty());
    s.ingest(message(
        "DEMO-CHEM",
        "c",
        "r2",
        vec![obs("SC", "GLU", "5.0")],
    ))
    .unwrap();
    assert_eq!(
        s.unmatched().unwrap()[0].reason,
        UnmatchedReason::OrderCancelled
    );
}

#[test]
fn orders_are_validated() {
    let s = store();
    assert!(s
        .place_order(adult("V1", "X1", &["NOT-A-TEST"]), &SYSTEM)
        .is_err());
    s.place_order(adult("V2", "X2", &["GLU"]), &SYSTEM).unwrap();
    assert!(
        s.place_order(adult("V2", "X3", &["GLU"]), &SYSTEM).is_err(),
        "duplicate placer number"
    );
    assert!(
        s.place_order(adult("V3", "X2", &["GLU"]), &SYSTEM).is_err(),
        "duplicate barcode"
    );
    // Nothing half-written: the failed orders left no rows.
    assert!(s.order_by_placer("V3").unwrap().is_none());
    let o = s.order_by_placer("V2").unwrap().unwrap();
    assert_eq!(o.accession, format!("L{:08}", o.id));
}

#[test]
fn users_are_unique_and_audited() {
    let s = store();
    let id = s
        .create_user("admin", "Quản trị", &[Role::Admin], &SYSTEM)
        .unwrap();
    assert_eq!(s.user(id).unwrap().roles, vec![Role::Admin]);
    assert!(s
        .create_user("admin", "again", &[Role::Admin], &SYSTEM)
        .is_err());
}

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path(), lab()).unwrap();
    (dir, s)
}

#[test]
fn audit_tampering_is_detected_on_disk() {
    let (dir, s) = temp_store();
    s.place_order(adult("A1", "SA", &["GLU"]), &SYSTEM).unwrap();
    s.ingest(message(
        "DEMO-CHEM",
        "c",
        "a1",
        vec![obs("SA", "GLU", "5.0")],
    ))
    .unwrap();
    s.create_user("u", "U", &[Role::Technician], &SYSTEM)
        .unwrap();
    let report = s.verify_audit().unwrap();
    assert!(report.is_intact());
    let n = i64::try_from(report.entries).unwrap();
    drop(s);
    let raw = Connection::open(dir.path().join(DB_FILE)).unwrap();
    raw.execute(
        "UPDATE audit SET reason = 'nothing to see' WHERE seq = 2",
        [],
    )
    .unwrap();
    drop(raw);
    let s = Store::open(dir.path(), lab()).unwrap();
    assert_eq!(
        s.verify_audit().unwrap().problems,
        vec![AuditProblem::Edited { seq: 2 }]
    );
    drop(s);
    let raw = Connection::open(dir.path().join(DB_FILE)).unwrap();
    raw.execute("UPDATE audit SET reason = NULL WHERE seq = 2", [])
        .unwrap();
    raw.execute("DELETE FROM audit WHERE seq = 3", []).unwrap();
    drop(raw);
    let s = Store::open(dir.path(), lab()).unwrap();
    let r = s.verify_audit().unwrap();
    assert_eq!(
        r.problems,
        vec![
            AuditProblem::Gap {
                expected: 3,
                found: 4
            },
            AuditProblem::BrokenLink { seq: 4 }
        ]
    );
    assert_eq!(r.entries, u64::try_from(n - 1).unwrap());
}

#[test]
fn damaged_journal_record_is_reported_not_used() {
    let (dir, s) = temp_store();
    let out = s
        .ingest(message("DEMO-CHEM", "c", "journal-me", vec![]))
        .unwrap();
    let id = out.journal_id();
    assert_eq!(s.journal_entry(id).unwrap().raw, b"journal-me");
    drop(s);
    let raw = Connection::open(dir.path().join(DB_FILE)).unwrap();
    raw.execute(
        "UPDATE journal SET raw = X'6A6F75726E616C2D6D66' WHERE id = ?1",
        [id],
    )
    .unwrap();
    drop(raw);
    let s = Store::open(dir.path(), lab()).unwrap();
    assert!(
        matches!(s.journal_entry(id), Err(StoreError::JournalCorrupt { journal_id, .. }) if journal_id == id)
    );
    assert_eq!(s.verify_journal().unwrap().damaged, vec![id]);
    let replay = s.journal_since(0, 10).unwrap();
    assert!(replay[0].is_err());
}

#[test]
fn config_change_is_audited_at_start() {
    let (dir, s) = temp_store();
    let before = s.verify_audit().unwrap().entries;
    drop(s);
    // Same config: nothing new.
    let s = Store::open(dir.path(), lab()).unwrap();
    assert_eq!(s.verify_audit().unwrap().entries, before);
    drop(s);
    let changed = LabConfig::from_toml_str(
        &crate::config::DEFAULT_LAB_TOML.replace("(demo)", "(changed)"),
        "lab.toml",
    )
    .unwrap();
    let s = Store::open(dir.path(), changed).unwrap();
    let r = s.verify_audit().unwrap();
    assert_eq!(r.entries, before + 1);
    assert!(r.is_intact());
}

#[test]
fn ingestor_groups_commits_and_answers_every_ticket() {
    let (_dir, s) = temp_store();
    for i in 0..8 {
        s.place_order(
            adult(&format!("G{i}"), &format!("GS{i}"), &["GLU", "UREA"]),
            &SYSTEM,
        )
        .unwrap();
    }
    let ing = Ingestor::start(&s).unwrap();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let ing = ing.clone();
            std::thread::spawn(move || {
                let m = message(
                    "DEMO-CHEM",
                    &format!("link-{i}"),
                    &format!("grouped-{i}"),
                    vec![
                        obs(&format!("GS{i}"), "GLU", "5.0"),
                        obs(&format!("GS{i}"), "UREA", "4.0"),
                    ],
                );
                let a = ing.submit(m.clone());
                let b = ing.submit(m);
                (a.wait().unwrap(), b.wait().unwrap())
            })
        })
        .collect();
    for h in handles {
        let (a, b) = h.join().unwrap();
        assert!(matches!(a, IngestOutcome::Stored { .. }));
        assert_eq!(
            b,
            IngestOutcome::Duplicate {
                journal_id: a.journal_id()
            }
        );
    }
    assert_eq!(s.counts().unwrap(), (8, 16, 0));
    assert!(s.verify_audit().unwrap().is_intact());
    // A polled ticket answers once the commit is done.
    let polled = ing.submit(message("DEMO-CHEM", "poll", "polled", vec![]));
    let answer = loop {
        if let Some(a) = polled.try_wait() {
            break a;
        }
        std::thread::yield_now();
    };
    assert!(matches!(answer, Ok(IngestOutcome::Stored { .. })));
    assert!(
        Ingestor::start(&store()).is_err(),
        "in-memory stores have no writer thread"
    );
}

#[test]
fn store_and_ingestor_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    fn sent<T: Send>() {}
    shared::<Store>();
    shared::<Ingestor>();
    sent::<IngestTicket>();
    sent::<StoreError>();
}
