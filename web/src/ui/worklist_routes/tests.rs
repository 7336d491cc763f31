//! The worklist's routes through the whole app (`oneshot`): sign-in and role guards, what a
//! technician sees (reasons in words, critical waiting, STAT first), filters, the rows
//! fragment, "all clear" with and without the form token, and the live change stream.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use lis_core::lifecycle::ResultState;
use lis_core::model::{Actor, NewOrder, Priority, ResultId, Role};
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;
use tower::ServiceExt;

use crate::ui::testing::browser::{get_events, get_page, post_form, send, signed_in, Answer};
use crate::ui::testing::lab::{app_over, ingest, patient_order, store_with};

struct Lab {
    store: Arc<Store>,
    app: Router,
    /// S1 (routine): TSH 2.0 and FT4 15.0 (clear), TNTHS 60 (critical: above 52).
    s1: Vec<ResultId>,
    /// S2 (STAT): TSH 5.0 (high: above 4.2 for an adult), FT4 16.0 (clear).
    s2: Vec<ResultId>,
}

/// Order `placer` of patient `BN-{barcode}` ("Patient {barcode}") for `barcode`, `priority`.
fn order(placer: &str, barcode: &str, priority: Priority, tests: &[&str]) -> NewOrder {
    let his_id = format!("BN-{barcode}");
    let name = format!("Patient {barcode}");
    NewOrder {
        priority,
        ..patient_order(placer, &his_id, &name, barcode, tests)
    }
}

/// A two-step lab (the default) with a technician `tech`, a supervisor `boss` and an
/// administrator `admin`, all
/// in English, and the two specimens of [`Lab`].
fn lab() -> Lab {
    let store = store_with(
        LabConfig::embedded_default().unwrap(),
        &[
            ("tech", "tech", Role::Technician),
            ("boss", "boss", Role::Supervisor),
            ("admin", "admin", Role::Admin),
        ],
    );
    let routine = order("PL-1", "S1", Priority::Routine, &["TSH", "FT4", "TNTHS"]);
    store.place_order(routine, &Actor::System).unwrap();
    let stat = order("PL-2", "S2", Priority::Stat, &["TSH", "FT4"]);
    store.place_order(stat, &Actor::System).unwrap();
    let s1 = ingest(
        &store,
        "S1",
        "2025-03-01T02:00:00Z",
        &[("TSH", "2.0"), ("FT4", "15.0"), ("TNTHS", "60")],
    );
    let s2 = ingest(
        &store,
        "S2",
        "2025-03-01T03:00:00Z",
        &[("TSH", "5.0"), ("FT4", "16.0")],
    );
    Lab {
        app: app_over(&store, &LinkRegistry::new()),
        store,
        s1,
        s2,
    }
}

/// The table body's rows, as the page renders them.
fn rows(page: &Answer) -> &str {
    let start = page
        .body
        .find("<tbody id=\"worklist-rows\"")
        .expect("the rows");
    let start = start + page.body[start..].find('>').unwrap() + 1;
    let end = start + page.body[start..].find("</tbody>").unwrap();
    page.body[start..end].trim()
}

/// Where the specimen's row is on the page, if it is there.
fn position(page: &Answer, specimen: &str) -> Option<usize> {
    page.body.find(&format!("data-id=\"{specimen}\""))
}

fn states(store: &Store, ids: &[ResultId]) -> Vec<ResultState> {
    ids.iter()
        .map(|id| store.result(*id).unwrap().state)
        .collect()
}

#[tokio::test]
async fn without_a_session_the_page_goes_to_sign_in_and_the_stream_is_401() {
    let lab = lab();
    let page = send(&lab.app, get_page("/?priority=stat", "")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        page.location().starts_with("/login?next="),
        "{}",
        page.location()
    );
    let events = events("", None);
    assert_eq!(
        send(&lab.app, events).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_administrator_without_a_lab_role_is_sent_to_the_users_page_and_refused_rows() {
    let lab = lab();
    let admin = signed_in(&lab.app, "admin").await;
    // The home page of an administrator is the users page, not a 403.
    let home = send(&lab.app, get_page("/", &admin)).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/admin/users");
    assert_eq!(
        send(&lab.app, get_page("/worklist/rows", &admin))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_worklist_shows_stat_first_with_reasons_in_words_and_the_critical_wait() {
    let lab = lab();
    let tech = signed_in(&lab.app, "tech").await;
    let page = send(&lab.app, get_page("/", &tech)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (s1, s2) = (
        position(&page, "S1").unwrap(),
        position(&page, "S2").unwrap(),
    );
    assert!(s2 < s1, "the STAT specimen comes first");
    let s1_row = &page.body[s1..];
    let s2_row = &page.body[s2..s1];
    // S2's TSH 5.0 is above the adult range 0.27–4.2: held, and the reason says so in words.
    assert!(s2_row.contains("Held"), "{s2_row}");
    assert!(s2_row.contains("Outside the reference range, or none applies"));
    assert!(s2_row.contains("This test always needs a person&#39;s review"));
    // S1's troponin 60 is above its critical limit 52.
    assert!(s1_row.contains("badge-critical"), "{s1_row}");
    assert!(s1_row.contains("Critical value waiting for"));
    assert!(
        s1_row.contains("Male, 44 y"),
        "age at 2025-03-01 of a man born 1980-05-01"
    );
    // Received 2025-03-01 03:00 UTC is 10:00 in Ho Chi Minh City.
    assert!(s2_row.contains("01/03/2025 10:00"), "{s2_row}");
    assert!(s2_row.contains("Overdue"));
    assert!(page.body.contains("Verify all clear"));
    assert!(
        !page.body.contains("Release all clear"),
        "a technician may not release"
    );
}

#[tokio::test]
async fn filters_in_the_url_narrow_the_list_and_bad_ones_are_400() {
    let lab = lab();
    let tech = signed_in(&lab.app, "tech").await;
    let stat = send(&lab.app, get_page("/?priority=stat", &tech)).await;
    assert!(position(&stat, "S2").is_some() && position(&stat, "S1").is_none());
    assert!(stat.body.contains("verify-clear?priority=stat"));
    let day = send(&lab.app, get_page("/?date=01/03/2025", &tech)).await;
    assert!(position(&day, "S1").is_some() && position(&day, "S2").is_some());
    let other_day = send(&lab.app, get_page("/?date=2025-03-02", &tech)).await;
    assert!(position(&other_day, "S1").is_none() && position(&other_day, "S2").is_none());
    let chem = send(&lab.app, get_page("/?section=hematology", &tech)).await;
    assert!(position(&chem, "S1").is_none());
    // The section filter names each section in the user's language.
    assert!(
        chem.body
            .contains("<option value=\"hematology\" selected>Hematology</option>"),
        "{}",
        chem.body
    );
    assert!(chem
        .body
        .contains("<option value=\"biochemistry\">Biochemistry</option>"));
    for bad in [
        "/?priority=soon",
        "/?section=cooking",
        "/?date=31/02/2025",
        "/?after=x",
        "/?per_page=0",
        "/?per_page=501",
        "/?per_page=all",
    ] {
        let answer = send(&lab.app, get_page(bad, &tech)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(answer.body.contains("Invalid request"), "{bad}");
    }
    // One row per page: the STAT specimen, and a next page link that keeps the page size.
    let one = send(&lab.app, get_page("/?per_page=1", &tech)).await;
    assert!(position(&one, "S2").is_some() && position(&one, "S1").is_none());
    let next = one.body.split("rel=\"next\"").next().unwrap();
    let href = next.rsplit("href=\"").next().unwrap();
    assert!(href.starts_with("/?per_page=1&#38;after="), "{href}");
}

#[tokio::test]
async fn the_rows_fragment_is_the_pages_rows() {
    let lab = lab();
    let tech = signed_in(&lab.app, "tech").await;
    let page = send(&lab.app, get_page("/?priority=stat", &tech)).await;
    let fragment = send(&lab.app, get_page("/worklist/rows?priority=stat", &tech)).await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert_eq!(fragment.body.trim(), rows(&page));
    assert!(fragment.body.contains("data-id=\"S2\""));
}

#[tokio::test]
async fn verify_all_clear_needs_the_token_and_leaves_the_held_ones() {
    let lab = lab();
    let tech = signed_in(&lab.app, "tech").await;
    let before = [states(&lab.store, &lab.s1), states(&lab.store, &lab.s2)];
    let refused = send(&lab.app, post_form("/worklist/verify-clear", &tech, &[])).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let wrong = send(
        &lab.app,
        post_form("/worklist/verify-clear", &tech, &[("csrf", "nope")]),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        [states(&lab.store, &lab.s1), states(&lab.store, &lab.s2)],
        before
    );
    let token = send(&lab.app, get_page("/", &tech)).await.csrf_input();
    let done = send(
        &lab.app,
        post_form("/worklist/verify-clear", &tech, &[("csrf", token.as_str())]),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/?done=verified&acted=3&skipped=2");
    use ResultState::{PendingReview, Verified};
    assert_eq!(
        states(&lab.store, &lab.s1),
        [Verified, Verified, PendingReview]
    );
    assert_eq!(states(&lab.store, &lab.s2), [PendingReview, Verified]);
    let page = send(&lab.app, get_page(done.location(), &tech)).await;
    assert!(
        page.body
            .contains("Results verified: 3. Left for a person&#39;s review: 2."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_technician_may_not_release_all_clear_in_a_two_step_lab() {
    let lab = lab();
    let tech = signed_in(&lab.app, "tech").await;
    let token = send(&lab.app, get_page("/", &tech)).await.csrf_input();
    let before = states(&lab.store, &lab.s1);
    let answer = send(
        &lab.app,
        post_form(
            "/worklist/release-clear",
            &tech,
            &[("csrf", token.as_str())],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(states(&lab.store, &lab.s1), before);
}

/// Reads the stream until an event with `id: want` arrives, or `wait` passes.
async fn read_event(body: &mut Body, want: i64, wait: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut text = String::new();
    while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, body.frame()).await {
        if let Ok(data) = frame.unwrap().into_data() {
            text.push_str(std::str::from_utf8(&data).unwrap());
            if text.lines().any(|l| l == format!("id: {want}")) {
                return Some(text);
            }
        }
    }
    None
}

/// A request for the worklist's live stream.
fn events(cookie: &str, last_event_id: Option<i64>) -> Request<Body> {
    get_events("/worklist/events", cookie, last_event_id)
}

#[tokio::test]
async fn the_stream_sends_each_new_change_and_a_reconnect_catches_up() {
    let lab = lab();
    let tech = signed_in(&lab.app, "tech").await;
    let response = lab.app.clone().oneshot(events(&tech, None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    // A new result arrives while the page is open.
    let place = order("PL-3", "S3", Priority::Routine, &["FT4"]);
    lab.store.place_order(place, &Actor::System).unwrap();
    ingest(&lab.store, "S3", "2025-03-01T04:00:00Z", &[("FT4", "14.0")]);
    let latest = lab.store.latest_change().unwrap();
    let seen = read_event(&mut body, latest, Duration::from_secs(2)).await;
    assert!(seen.is_some(), "no event with id {latest}");
    assert!(seen.unwrap().contains(&format!("data: {latest}")));
    // A reconnect from an older change gets the latest at once; from the latest, nothing.
    let again = lab
        .app
        .clone()
        .oneshot(events(&tech, Some(latest - 1)))
        .await
        .unwrap();
    let mut again = again.into_body();
    assert!(read_event(&mut again, latest, Duration::from_secs(1))
        .await
        .is_some());
    let current = lab
        .app
        .clone()
        .oneshot(events(&tech, Some(latest)))
        .await
        .unwrap();
    let mut current = current.into_body();
    assert!(read_event(&mut current, latest, Duration::from_millis(300))
        .await
        .is_none());
    let by_query = lab
        .app
        .clone()
        .oneshot(get_page(
            &format!("/worklist/events?last_event_id={}", latest - 1),
            &tech,
        ))
        .await
        .unwrap();
    assert!(by_query.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut by_query = by_query.into_body();
    assert!(read_event(&mut by_query, latest, Duration::from_secs(1))
        .await
        .is_some());
}

#[tokio::test]
async fn a_supervisor_releases_what_the_technician_verified_and_clear_only() {
    let lab = lab();
    let tech = signed_in(&lab.app, "tech").await;
    let token = send(&lab.app, get_page("/", &tech)).await.csrf_input();
    let verify = [("csrf", token.as_str())];
    let verified = send(
        &lab.app,
        post_form("/worklist/verify-clear", &tech, &verify),
    )
    .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER);
    let boss = signed_in(&lab.app, "boss").await;
    let page = send(&lab.app, get_page("/?state=verified", &boss)).await;
    assert!(page.body.contains("Release all clear"));
    let token = page.csrf_input();
    let release = [("csrf", token.as_str())];
    let done = send(
        &lab.app,
        post_form(
            "/worklist/release-clear?section=immunology",
            &boss,
            &release,
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(
        done.location()
            .starts_with("/?section=immunology&done=released&acted=3&"),
        "{}",
        done.location()
    );
    use ResultState::{PendingReview, Released};
    assert_eq!(
        states(&lab.store, &lab.s1),
        [Released, Released, PendingReview]
    );
    assert_eq!(states(&lab.store, &lab.s2), [PendingReview, Released]);
}
