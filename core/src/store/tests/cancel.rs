//! Cancels after release (issue 10 item 2): a test whose result was released cannot be
//! cancelled; tests without a released result can; the order's status follows what is left.

use super::*;
use crate::model::{OrderId, ResultId};
use crate::presentation::{release_progress, ReleaseProgress};

/// An order of ALT, AST and GLU on tube SX: ALT 25 U/L is autoverified and released, AST
/// 90 U/L (above the adult 40 U/L) is held for review, GLU has no result yet.
fn mixed(s: &Store) -> (OrderId, ResultId, ResultId) {
    let order = s
        .place_order(adult("HIS-X", "SX", &["ALT", "AST", "GLU"]), &SYSTEM)
        .unwrap();
    let ids = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "msg-x",
            vec![obs("SX", "ALT", "25"), obs("SX", "AST", "90")],
        ))
        .unwrap(),
    );
    let (alt, ast) = (ids[0], ids[1]);
    assert_eq!(s.result(alt).unwrap().state, ResultState::Released);
    assert_eq!(s.result(ast).unwrap().state, ResultState::PendingReview);
    (order, alt, ast)
}

fn statuses(s: &Store, order: OrderId) -> Vec<(String, OrderedTestStatus)> {
    s.ordered_tests(order)
        .unwrap()
        .into_iter()
        .map(|t| (t.test_code, t.status))
        .collect()
}

#[test]
fn a_whole_order_with_a_released_result_is_not_cancelled() {
    let s = store();
    let (order, _, ast) = mixed(&s);
    let before = s.order(order).unwrap().status;
    match s.cancel_order(order, "duplicate", &Actor::His("his".into())) {
        Err(StoreError::ReleasedTests {
            placer_number,
            tests,
        }) => {
            assert_eq!(placer_number, "HIS-X");
            assert_eq!(tests, vec![String::from("ALT")]);
        }
        other => panic!("expected ReleasedTests, got {other:?}"),
    }
    let e = s.cancel_order(order, "duplicate", &SYSTEM).unwrap_err();
    assert_eq!(
        e.to_string(),
        "order \"HIS-X\" cannot be cancelled: the result of ALT was already released \
         (correct a wrong result instead)"
    );
    // Nothing changed: the order, its tests and the held AST result are as they were.
    assert_eq!(s.order(order).unwrap().status, before);
    assert_eq!(before, OrderStatus::InProgress);
    assert!(statuses(&s, order)
        .iter()
        .all(|(_, st)| *st != OrderedTestStatus::Cancelled));
    assert_eq!(s.result(ast).unwrap().state, ResultState::PendingReview);
}

#[test]
fn named_tests_without_a_released_result_are_cancelled_and_their_held_results_rejected() {
    let s = store();
    let (order, alt, ast) = mixed(&s);
    let his = Actor::His("his".into());
    let done = s
        .cancel_tests(
            order,
            &["ALT".into(), "AST".into(), "GLU".into()],
            "patient discharged",
            &his,
        )
        .unwrap();
    assert_eq!(
        done.cancelled,
        vec![String::from("AST"), String::from("GLU")]
    );
    assert_eq!(done.released, vec![String::from("ALT")]);
    assert_eq!(done.rejected_results, vec![ast]);
    // ALT alone is left and its result is released: the order is released, not cancelled.
    assert_eq!(done.status, OrderStatus::Released);
    let stored = s.order(order).unwrap();
    assert_eq!(stored.status, OrderStatus::Released);
    assert_eq!(
        statuses(&s, order),
        vec![
            ("ALT".into(), OrderedTestStatus::Resulted),
            ("AST".into(), OrderedTestStatus::Cancelled),
            ("GLU".into(), OrderedTestStatus::Cancelled),
        ]
    );
    // The held AST result can never be released now.
    assert_eq!(s.result(ast).unwrap().state, ResultState::Rejected);
    assert!(s.release(ast, &SYSTEM).is_err());
    assert_eq!(s.result(alt).unwrap().state, ResultState::Released);
    // ORC-5 and FHIR read the same: every live test released is table 0038 `CM`.
    let progress = release_progress(
        &stored,
        &s.ordered_tests(order).unwrap(),
        &s.results_for_order(order).unwrap(),
    );
    assert_eq!(progress, ReleaseProgress::AllReleased);
    assert_eq!(progress.order_status_0038(), "CM");
}

#[test]
fn cancelling_every_test_cancels_the_order_once() {
    let s = store();
    let order = s
        .place_order(adult("HIS-Y", "SY", &["ALT", "GLU"]), &SYSTEM)
        .unwrap();
    let done = s
        .cancel_tests(order, &["GLU".into()], "wrong test", &SYSTEM)
        .unwrap();
    assert_eq!(done.cancelled, vec![String::from("GLU")]);
    assert_eq!(done.status, OrderStatus::Ordered);
    // A test already cancelled, or never ordered, is named as such; nothing changes.
    assert!(matches!(
        s.cancel_tests(order, &["GLU".into()], "again", &SYSTEM),
        Err(StoreError::Invalid { .. })
    ));
    let done = s.cancel_order(order, "duplicate", &SYSTEM).unwrap();
    assert_eq!(done.cancelled, vec![String::from("ALT")]);
    assert_eq!(done.status, OrderStatus::Cancelled);
    assert_eq!(s.order(order).unwrap().status, OrderStatus::Cancelled);
    assert!(matches!(
        s.cancel_order(order, "again", &SYSTEM),
        Err(StoreError::Conflict { .. })
    ));
}
