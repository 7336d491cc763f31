//! The change feed and history: commit listeners told after each commit of the store's writer
//! and of the group-commit ingestor, the changes a reconnecting client missed, and the history
//! of a result and of a specimen.

use std::sync::{Arc, Mutex, Weak};

use super::worklist::tube;
use super::*;
use crate::model::CommitNotice;

/// What a listener saw: each notice, and the latest change the store showed when it was told
/// (read through the store: the connection lock is free, and the commit is visible).
type Seen = Arc<Mutex<Vec<(CommitNotice, i64)>>>;

fn listen(store: &Arc<Store>) -> Seen {
    let seen: Seen = Arc::default();
    let weak: Weak<Store> = Arc::downgrade(store);
    let log = seen.clone();
    store.on_commit(Arc::new(move |notice| {
        let visible = weak.upgrade().map_or(-1, |s| s.latest_change().unwrap());
        log.lock().unwrap().push((notice, visible));
    }));
    seen
}

fn taken(seen: &Seen) -> Vec<(CommitNotice, i64)> {
    std::mem::take(&mut *seen.lock().unwrap())
}

#[test]
fn a_commit_feed_is_made_and_fed_once_per_store_however_often_asked() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    let s = Store::open_in_memory(lab()).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let made = Arc::new(AtomicUsize::new(0));
    let feed = || {
        let calls = Arc::clone(&calls);
        let made = Arc::clone(&made);
        s.commit_feed(move || {
            made.fetch_add(1, Ordering::SeqCst);
            let listener: CommitListener = Arc::new(move |_| {
                calls.fetch_add(1, Ordering::SeqCst);
            });
            (Arc::new(Mutex::new(0_i64)), listener)
        })
    };
    let first = feed();
    let second = feed();
    assert!(Arc::ptr_eq(&first, &second), "the same value both times");
    assert_eq!(made.load(Ordering::SeqCst), 1);
    s.place_order(adult("P1", "S1", &["GLU"]), &SYSTEM).unwrap();
    // One commit, told to one listener once.
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Another type is another feed.
    let other = s.commit_feed(|| {
        let listener: CommitListener = Arc::new(|_| {});
        (Arc::new(String::from("other")), listener)
    });
    assert_eq!(*other, "other");
}

#[test]
fn listeners_are_told_after_each_commit_of_either_writer() {
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(Store::open(dir.path(), lab()).unwrap());
    let seen = listen(&s);
    let ingestor = Ingestor::start(&s).unwrap();
    let tech = Actor::User(
        s.create_user("lan", "KTV Lan", &[Role::Technician], &SYSTEM)
            .unwrap(),
    );
    let boss = Actor::User(
        s.create_user("ha", "Trưởng khoa Hà", &[Role::Supervisor], &SYSTEM)
            .unwrap(),
    );
    s.place_order(adult("P1", "S1", &["GLU", "TSH"]), &SYSTEM)
        .unwrap();
    let after_setup = taken(&seen);
    // Two users and an order: three commits, each told once, nothing released.
    assert_eq!(after_setup.len(), 3);
    assert!(after_setup.iter().all(|(n, _)| !n.results_released));

    // Through the group commit: GLU 5.0 is autoverified and released (outbox row), TSH waits.
    let ids = result_ids(
        &ingestor
            .ingest(message(
                "DEMO-CHEM",
                "c",
                "m1",
                vec![obs("S1", "GLU", "5.0"), obs("S1", "TSH", "2.0")],
            ))
            .unwrap(),
    );
    // The ingest writer tells after answering the ticket: wait for it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while seen.lock().unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no notice of the ingest"
        );
        std::thread::yield_now();
    }
    let ingest = taken(&seen);
    assert_eq!(ingest.len(), 1);
    assert!(ingest[0].0.results_released);
    let tsh = ids[1];
    s.verify(tsh, &tech).unwrap();
    let verify = taken(&seen);
    assert_eq!(verify.len(), 1);
    assert!(!verify[0].0.results_released);
    s.release(tsh, &boss).unwrap();
    let release = taken(&seen);
    assert!(release[0].0.results_released);

    // A refused action rolls back and tells nothing.
    assert!(s.verify(tsh, &tech).is_err());
    assert!(s.release(tsh, &boss).is_err());
    assert!(taken(&seen).is_empty());

    // Sequence numbers grow, each is the latest change when told, and the store had it
    // committed by then.
    let all: Vec<(CommitNotice, i64)> = after_setup
        .into_iter()
        .chain(ingest)
        .chain(verify)
        .chain(release)
        .collect();
    for pair in all.windows(2) {
        assert!(pair[1].0.seq > pair[0].0.seq, "{all:?}");
    }
    for (notice, visible) in &all {
        assert!(
            *visible >= notice.seq,
            "{notice:?} told before {visible} was visible"
        );
    }
    assert_eq!(all.last().unwrap().0.seq, s.latest_change().unwrap());
    drop(ingestor);
}

#[test]
fn a_reconnecting_client_gets_what_it_missed_with_the_specimens() {
    let s = store();
    let start = s.latest_change().unwrap();
    s.place_order(
        tube("P1", "S1", &["GLU"], Priority::Routine, None, "H1"),
        &SYSTEM,
    )
    .unwrap();
    s.place_order(
        tube("P2", "S2", &["TSH"], Priority::Routine, None, "H2"),
        &SYSTEM,
    )
    .unwrap();
    // One message with both tubes: one change naming both.
    s.ingest(message(
        "DEMO-CHEM",
        "c",
        "m",
        vec![obs("S1", "GLU", "7.0"), obs("S2", "TSH", "2.0")],
    ))
    .unwrap();
    s.receive_specimen("S2", t("2025-03-01T03:00:00Z"), &SYSTEM)
        .unwrap();
    let changes = s.changes_since(start, 100).unwrap();
    let got: Vec<(&str, Vec<&str>)> = changes
        .iter()
        .map(|c| {
            (
                c.action.as_str(),
                c.specimens.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("patient.create", vec![]),
            ("order.place", vec!["S1"]),
            ("patient.create", vec![]),
            ("order.place", vec!["S2"]),
            ("order.status", vec!["S1"]),
            ("order.status", vec!["S2"]),
            ("message.ingest", vec!["S1", "S2"]),
            ("specimen.receive", vec!["S2"]),
        ]
    );
    for pair in changes.windows(2) {
        assert_eq!(pair[1].seq, pair[0].seq + 1);
    }
    assert_eq!(changes.last().unwrap().seq, s.latest_change().unwrap());
    // Resuming from the middle gives the rest; a limit bounds it.
    let rest = s.changes_since(changes[5].seq, 100).unwrap();
    assert_eq!(rest, changes[6..]);
    assert_eq!(s.changes_since(start, 2).unwrap(), changes[..2]);
    assert!(s
        .changes_since(s.latest_change().unwrap(), 10)
        .unwrap()
        .is_empty());
}

#[test]
fn histories_of_a_result_and_a_specimen() {
    let s = store();
    let tech_id = s
        .create_user("lan", "KTV Lan", &[Role::Technician], &SYSTEM)
        .unwrap();
    let tech = Actor::User(tech_id);
    s.place_order(adult("P1", "S1", &["GLU", "TSH"]), &SYSTEM)
        .unwrap();
    let ids = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "c",
            "m1",
            vec![obs("S1", "GLU", "7.0"), obs("S1", "TSH", "2.0")],
        ))
        .unwrap(),
    );
    let glu = ids[0];
    s.request_rerun(glu, "looks odd", None, &tech).unwrap();
    let glu2 = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "c",
            "m2",
            vec![obs("S1", "GLU", "7.1")],
        ))
        .unwrap(),
    )[0];
    s.verify(glu2, &tech).unwrap();
    s.verify(ids[1], &tech).unwrap();

    // GLU's history: both messages, the rerun request, the verify of version 2; not TSH's
    // verify.
    let h = s.result_history(glu2).unwrap();
    let actions: Vec<&str> = h.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "message.ingest",
            "result.request_rerun",
            "message.ingest",
            "result.verify"
        ]
    );
    assert_eq!(s.result_history(glu).unwrap(), h);
    let rerun = &h[1];
    assert_eq!(rerun.actor.stored, format!("user:{tech_id}"));
    assert_eq!(rerun.actor.user_id, Some(tech_id));
    assert_eq!(rerun.actor.display_name.as_deref(), Some("KTV Lan"));
    assert_eq!(rerun.reason.as_deref(), Some("looks odd"));
    assert_eq!(rerun.entity_id, glu.to_string());
    assert_eq!(
        rerun
            .new
            .as_ref()
            .and_then(|n| n.get("state"))
            .and_then(|v| v.as_str()),
        Some("rerun_requested")
    );
    assert_eq!(h[0].actor.stored, "instrument:DEMO-CHEM");
    assert_eq!(h[0].actor.display_name, None);
    for pair in h.windows(2) {
        assert!(pair[1].seq > pair[0].seq);
    }

    // The specimen's history: the order, both messages, every result action, the order's
    // status changes; not the user's creation.
    let h = s.specimen_history("S1").unwrap();
    let actions: Vec<&str> = h.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "order.place",
            "order.status",
            "message.ingest",
            "result.request_rerun",
            "message.ingest",
            "result.verify",
            "result.verify",
        ]
    );
    assert!(matches!(
        s.specimen_history("NOPE"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.result_history(999_999),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn the_audit_trail_in_pages() {
    let s = store();
    for i in 0..5 {
        s.create_user(
            &format!("u{i}"),
            &format!("User {i}"),
            &[Role::Technician],
            &SYSTEM,
        )
        .unwrap();
    }
    let all = s.audit_page(0, 100).unwrap();
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = s.audit_page(after, 2).unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        assert!(page.len() <= 2);
        paged.extend(page);
    }
    assert_eq!(paged, all);
    // The config load at opening, then the five users.
    let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "config.load",
            "user.create",
            "user.create",
            "user.create",
            "user.create",
            "user.create"
        ]
    );
    assert_eq!(all[1].actor.stored, "system");
    assert_eq!(
        all[1]
            .new
            .as_ref()
            .and_then(|n| n.get("display_name"))
            .and_then(|v| v.as_str()),
        Some("User 0")
    );
}
