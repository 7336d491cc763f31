//! The unmatched queue through the whole app: sign-in and role guards, the queue in words with
//! the raw message's link, the order search, attaching (the result is checked and reaches the
//! worklist) and discarding with the form token, the audit entries with the client address.

use axum::http::StatusCode;
use lis_core::store::AuditFilter;

use crate::ui::monitor::test_lab::{get, lab, post, send, signed_in, Lab, CLIENT};
use crate::ui::testing::browser::Answer;

fn open_ids(lab: &Lab) -> Vec<i64> {
    lab.store
        .unmatched_page(None, 100)
        .unwrap()
        .iter()
        .map(|e| e.item.id)
        .collect()
}

fn audit_of(lab: &Lab, action: &str) -> Vec<lis_core::store::AuditRecord> {
    lab.store
        .audit_trail(
            &AuditFilter {
                action: Some(action.into()),
                ..AuditFilter::default()
            },
            None,
            100,
        )
        .unwrap()
}

/// The id of S1's order, as the attach form sends it.
fn s1_order(lab: &Lab) -> String {
    lab.store.order_candidates("S1", 1).unwrap()[0]
        .order_id
        .to_string()
}

/// Posts `form` to the entry's `action` (`attach` or `discard`) with the session `cookie`.
async fn act(lab: &Lab, id: i64, action: &str, cookie: &str, form: &[(&str, &str)]) -> Answer {
    send(
        &lab.app,
        post(&format!("/unmatched/{id}/{action}"), cookie, form),
    )
    .await
}

#[tokio::test]
async fn without_a_session_every_route_goes_to_sign_in() {
    let lab = lab();
    let id = open_ids(&lab)[0];
    for uri in ["/unmatched".to_owned(), format!("/unmatched/{id}")] {
        let a = send(&lab.app, get(&uri, "")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(
            a.location().starts_with("/login?next="),
            "{uri}: {}",
            a.location()
        );
    }
    for action in ["attach", "discard"] {
        let a = act(&lab, id, action, "", &[("reason", "x")]).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        assert!(a.location().starts_with("/login"));
    }
    assert_eq!(open_ids(&lab).len(), 3);
}

#[tokio::test]
async fn the_queue_says_why_in_words_and_links_the_raw_message() {
    let lab = lab();
    let (cookie, _) = signed_in(&lab.app, "tech").await;
    let page = send(&lab.app, get("/unmatched", &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Waiting: 3"), "{}", page.body);
    assert!(page.body.contains("No specimen has this id"));
    assert!(page.body.contains("test code is not mapped"));
    assert!(page
        .body
        .contains("The specimen exists but this test was not ordered"));
    let journal = lab.store.unmatched_page(None, 1).unwrap()[0]
        .item
        .journal_id;
    assert!(page.body.contains(&format!("href=\"/journal/{journal}\"")));
    // A technician sees the queue but not the supervisor's actions.
    assert!(page
        .body
        .contains("Only a supervisor may attach or discard"));
    let id = open_ids(&lab)[0];
    let entry = send(&lab.app, get(&format!("/unmatched/{id}?q=S1"), &cookie)).await;
    assert_eq!(entry.status, StatusCode::OK);
    assert!(!entry.body.contains("/attach\""));
    assert!(!entry.body.contains("/discard\""));
    crate::ui::testing::assert_no_inline_code(&page.body);
    crate::ui::testing::assert_no_inline_code(&entry.body);
}

#[tokio::test]
async fn roles_that_may_not_resolve_get_403_and_nothing_changes() {
    let lab = lab();
    let id = open_ids(&lab)[0];
    let order = s1_order(&lab);
    for user in ["tech", "admin"] {
        let (cookie, csrf) = signed_in(&lab.app, user).await;
        let attach = act(
            &lab,
            id,
            "attach",
            &cookie,
            &[("csrf", &csrf), ("order", &order), ("test", "GLU")],
        )
        .await;
        assert_eq!(attach.status, StatusCode::FORBIDDEN, "{user}");
        let discard = act(
            &lab,
            id,
            "discard",
            &cookie,
            &[("csrf", &csrf), ("reason", "not ours")],
        )
        .await;
        assert_eq!(discard.status, StatusCode::FORBIDDEN, "{user}");
    }
    // An administrator has no lab role: not even the queue.
    let (cookie, _) = signed_in(&lab.app, "admin").await;
    assert_eq!(
        send(&lab.app, get("/unmatched", &cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(open_ids(&lab).len(), 3);
    assert!(audit_of(&lab, "unmatched.attach").is_empty());
    assert!(audit_of(&lab, "unmatched.discard").is_empty());
}

#[tokio::test]
async fn a_missing_or_wrong_form_token_is_403_and_changes_nothing() {
    let lab = lab();
    let id = open_ids(&lab)[0];
    let (cookie, _) = signed_in(&lab.app, "boss").await;
    let order = s1_order(&lab);
    for token in [None, Some("wrong-token")] {
        let mut form = vec![("order", order.as_str()), ("test", "GLU"), ("reason", "x")];
        if let Some(t) = token {
            form.push(("csrf", t));
        }
        for action in ["attach", "discard"] {
            let a = act(&lab, id, action, &cookie, &form).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{action} {token:?}");
        }
    }
    assert_eq!(open_ids(&lab).len(), 3);
    assert!(audit_of(&lab, "unmatched.attach").is_empty());
    assert!(audit_of(&lab, "unmatched.discard").is_empty());
}

#[tokio::test]
async fn a_supervisor_finds_the_order_and_attaches_the_result_which_reaches_the_worklist() {
    let lab = lab();
    let entry = lab.store.unmatched_page(None, 1).unwrap().remove(0);
    assert_eq!(entry.item.specimen_id, "S9");
    let id = entry.item.id;
    let (cookie, csrf) = signed_in(&lab.app, "boss").await;
    // The patient's name without its diacritics in capitals would need the patients search;
    // the name as stored, the patient id, the specimen and the order number all find it.
    for q in ["S1", "BN-1", "PL-1", "VĂN"] {
        let page = send(
            &lab.app,
            get(&format!("/unmatched/{id}?q={}", urlencode(q)), &cookie),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("NGUYỄN VĂN AN"), "{q}");
        assert!(
            page.body.contains("<option value=\"GLU\" selected>"),
            "{q}: the mapped test is preselected"
        );
    }
    let nothing = send(&lab.app, get(&format!("/unmatched/{id}?q=ZZ-404"), &cookie)).await;
    assert!(nothing.body.contains("No order matches “ZZ-404”."));
    let order = s1_order(&lab);
    let attach = [("csrf", csrf.as_str()), ("order", &order), ("test", "GLU")];
    let done = act(&lab, id, "attach", &cookie, &attach).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/unmatched?done=attached&specimen=S1");
    let queue = send(&lab.app, get(done.location(), &cookie)).await;
    assert!(queue.body.contains("Attached to specimen S1"));
    assert!(queue.body.contains("Waiting: 2"));
    // Checked like a new arrival: S1 GLU now has a result waiting on the worklist (12.0
    // mmol/L is above the adult range of the embedded catalog, so it is held for a person).
    let worklist = send(&lab.app, get("/", &cookie)).await;
    assert!(
        worklist.body.contains("data-id=\"S1\""),
        "{}",
        worklist.body
    );
    let glucose = lab.store.results_for_order(order.parse().unwrap()).unwrap();
    assert_eq!(
        (glucose[0].test_code.as_str(), glucose[0].value.as_str()),
        ("GLU", "12.0")
    );
    assert_eq!(
        glucose[0].state,
        lis_core::lifecycle::ResultState::PendingReview
    );
    let audit = audit_of(&lab, "unmatched.attach");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].entry.entity_id, id.to_string());
    assert_eq!(audit[0].client_address.as_deref(), Some(CLIENT));
    // Attaching again is a conflict.
    let again = act(&lab, id, "attach", &cookie, &attach).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let page = send(&lab.app, get(&format!("/unmatched/{id}"), &cookie)).await;
    assert!(page.body.contains("Attached to specimen S1"));
    assert!(lab.store.verify_audit().unwrap().is_intact());
}

#[tokio::test]
async fn discarding_needs_a_reason_and_is_audited_with_it() {
    let lab = lab();
    let id = open_ids(&lab)[1];
    let (cookie, csrf) = signed_in(&lab.app, "boss").await;
    let empty = act(
        &lab,
        id,
        "discard",
        &cookie,
        &[("csrf", &csrf), ("reason", " ")],
    )
    .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("Please give a reason."));
    assert_eq!(open_ids(&lab).len(), 3);
    let done = act(
        &lab,
        id,
        "discard",
        &cookie,
        &[
            ("csrf", &csrf),
            ("reason", "calibrator run under a patient id"),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        done.location(),
        format!("/unmatched?done=discarded&id={id}")
    );
    assert_eq!(open_ids(&lab).len(), 2);
    let audit = audit_of(&lab, "unmatched.discard");
    assert_eq!(audit.len(), 1);
    assert_eq!(
        audit[0].entry.reason.as_deref(),
        Some("calibrator run under a patient id")
    );
    assert_eq!(
        audit[0].entry.actor.display_name.as_deref(),
        Some("boss name")
    );
    assert_eq!(audit[0].client_address.as_deref(), Some(CLIENT));
    let page = send(&lab.app, get(&format!("/unmatched/{id}"), &cookie)).await;
    assert!(page
        .body
        .contains("by boss name. Reason: calibrator run under a patient id"));
}

#[tokio::test]
async fn a_bad_id_is_404_and_a_bad_cursor_is_400() {
    let lab = lab();
    let (cookie, _) = signed_in(&lab.app, "boss").await;
    assert_eq!(
        send(&lab.app, get("/unmatched/x", &cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&lab.app, get("/unmatched/999", &cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    let bad = send(&lab.app, get("/unmatched?after=x", &cookie)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("after"));
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap()[1..].to_owned()
}
