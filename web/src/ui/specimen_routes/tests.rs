//! The specimen page and its actions through the real app (`oneshot`), as a browser sees them:
//! status, `Location`, the page's words, and what the store holds afterwards (the result's
//! state, its row version and its audit entries).
//!
//! In the embedded demo lab TSH and FT4 wait for a person even when normal; FT4 above 22 pmol/L
//! is high (H); TNTHS above 52 ng/L is critical (HH). Users see English pages.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use jiff::Timestamp;
use lis_core::config::{Language, ReviewSteps};
use lis_core::lifecycle::ResultState;
use lis_core::model::{
    Actor, AnalyzerMessage, MessageKind, NewOrder, NewPatient, NewSpecimen, Observation, Priority,
    Protocol, ResultId, Role, Sex,
};
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;
use tower::ServiceExt;

use crate::app::app_with;
use crate::http_settings::HttpSettings;
use crate::state::AppState;

const HOST: &str = "lab.local:8080";
const ORIGIN: &str = "http://lab.local:8080";
const PASSWORD: &str = "correct horse 1";
const BARCODE: &str = "2612070041";

struct Lab {
    store: Arc<Store>,
    app: Router,
    tsh: ResultId,
    ft4: ResultId,
    tnths: ResultId,
}

/// A lab with `tech` (technician), `sup` (supervisor), `sup2` (supervisor) and `admin`, all
/// reading English, and one specimen whose TSH is clear, FT4 high and TNTHS critical.
fn lab(steps: ReviewSteps) -> Lab {
    let mut config = LabConfig::embedded_default().unwrap();
    config.review.steps = steps;
    let store = Arc::new(Store::open_in_memory(config).unwrap());
    for (name, display, role) in [
        ("tech", "Trần Thị B", Role::Technician),
        ("sup", "Lê Văn C", Role::Supervisor),
        ("sup2", "Phạm Thị D", Role::Supervisor),
        ("admin", "Quản trị", Role::Admin),
    ] {
        let id = store
            .create_user(name, display, &[role], &Actor::System)
            .unwrap();
        store
            .set_password(id, PASSWORD, false, &Actor::System)
            .unwrap();
        store
            .set_language(id, Language::En, &Actor::System)
            .unwrap();
    }
    store.place_order(order(), &Actor::System).unwrap();
    store
        .ingest(AnalyzerMessage {
            instrument: "DEMO-CHEM".into(),
            link: "chem-1".into(),
            received_at: "2026-12-07T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: b"H|\\^&|||DEMO\rR|1|^^^TNTHS|60\r\x03".to_vec(),
            kind: MessageKind::Results,
            observations: [("TSH", "2.0"), ("FT4", "30"), ("TNTHS", "60")]
                .iter()
                .map(|(code, value)| Observation {
                    specimen_id: BARCODE.into(),
                    instrument_test_code: (*code).into(),
                    value: (*value).into(),
                    status: "F".into(),
                    ..Default::default()
                })
                .collect(),
            patient_hint: None,
        })
        .unwrap();
    let review = store.specimen_review(BARCODE).unwrap();
    let id = |code: &str| {
        review
            .results
            .iter()
            .find(|r| r.test_code == code)
            .unwrap()
            .id
    };
    let state = AppState::new(Arc::clone(&store), LinkRegistry::new());
    Lab {
        app: app_with(state, &HttpSettings::default()),
        tsh: id("TSH"),
        ft4: id("FT4"),
        tnths: id("TNTHS"),
        store,
    }
}

fn order() -> NewOrder {
    let at: Timestamp = "2026-12-07T01:00:00Z".parse().unwrap();
    NewOrder {
        placer_number: "HIS-77".into(),
        patient: NewPatient {
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
            his_id: "P-77".into(),
            name: "Nguyễn Văn A".into(),
            sex: Sex::Male,
            birth_date: Some(jiff::civil::date(1980, 5, 1)),
        },
        requesting_doctor: "BS. Trần".into(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: "Nội tổng hợp".into(),
        priority: Priority::Stat,
        ordered_at: at,
        specimens: vec![NewSpecimen {
            barcode: BARCODE.into(),
            specimen_type: "serum".into(),
            collected_at: Some(at),
            received_at: None,
            tests: vec!["TSH".into(), "FT4".into(), "TNTHS".into()],
        }],
    }
}

impl Lab {
    /// The result's state and row version now.
    fn result(&self, id: ResultId) -> (ResultState, i64) {
        let review = self.store.specimen_review(BARCODE).unwrap();
        let r = review.results.iter().find(|r| r.id == id).unwrap();
        (r.state, r.rev)
    }

    /// The result's audit actions, oldest first.
    fn actions(&self, id: ResultId) -> Vec<String> {
        self.store
            .result_history(id)
            .unwrap()
            .into_iter()
            .filter(|h| h.entity == "result")
            .map(|h| h.action)
            .collect()
    }

    /// The `result` field for the result as stored now.
    fn key(&self, id: ResultId) -> String {
        format!("{id}:{}", self.result(id).1)
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map_or("", |v| v.to_str().unwrap())
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn get_page(uri: &str, cookie: &str) -> Request<Body> {
    let mut builder = Request::get(uri).header(header::HOST, HOST);
    if !cookie.is_empty() {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder.body(Body::empty()).unwrap()
}

fn post_form(uri: &str, cookie: &str, form: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::post(uri)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookie.is_empty() {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap()
}

fn set_cookie(answer: &Answer, name: &str) -> String {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find_map(|c| {
            let pair = c.split(';').next()?;
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
        .unwrap()
}

fn csrf_input(body: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).expect("a csrf input") + marker.len();
    let end = start + body[start..].find('"').unwrap();
    body[start..end].to_owned()
}

/// A signed-in browser: its session cookie and form token.
struct Browser {
    cookie: String,
    csrf: String,
}

async fn sign_in(app: &Router, username: &str) -> Browser {
    let page = send(app, get_page("/login?lang=en", "")).await;
    let token = set_cookie(&page, "lis_login_csrf");
    let form = [
        ("username", username),
        ("password", PASSWORD),
        ("csrf", token.as_str()),
        ("next", ""),
        ("lang", "en"),
    ];
    let answer = send(
        app,
        post_form("/login", &format!("lis_login_csrf={token}"), &form),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let cookie = format!("lis_session={}", set_cookie(&answer, "lis_session"));
    let page = send(app, get_page("/password", &cookie)).await;
    Browser {
        csrf: csrf_input(&page.body),
        cookie,
    }
}

impl Browser {
    async fn post(&self, app: &Router, action: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        send(
            app,
            post_form(
                &format!("/specimens/{BARCODE}/{action}"),
                &self.cookie,
                &form,
            ),
        )
        .await
    }
}

const ACTIONS: [&str; 7] = [
    "verify",
    "release",
    "verify-release",
    "rerun",
    "reject",
    "comment",
    "callback",
];

#[tokio::test]
async fn without_a_session_every_route_goes_to_sign_in() {
    let lab = lab(ReviewSteps::Two);
    let page = send(&lab.app, get_page(&format!("/specimens/{BARCODE}"), "")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=%2Fspecimens%2F2612070041");
    let journal = send(&lab.app, get_page("/journal/1", "")).await;
    assert_eq!(journal.location(), "/login?next=%2Fjournal%2F1");
    let key = lab.key(lab.tsh);
    for action in ACTIONS {
        let answer = send(
            &lab.app,
            post_form(
                &format!("/specimens/{BARCODE}/{action}"),
                "",
                &[("csrf", "x"), ("result", &key)],
            ),
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{action}");
        assert_eq!(answer.location(), "/login", "{action}");
    }
    assert_eq!(lab.result(lab.tsh).0, ResultState::PendingReview);
}

#[tokio::test]
async fn the_page_shows_flags_in_words_reasons_and_the_raw_message() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let page = send(
        &lab.app,
        get_page(&format!("/specimens/{BARCODE}"), &tech.cookie),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    assert!(html.contains("Nguyễn Văn A"));
    assert!(html.contains("Free T4") || html.contains("FT4"));
    // FT4 30 is high and TNTHS 60 critically high: symbol, code and word, not colour alone.
    let row = |id: ResultId| {
        let at = html.find(&format!("id=\"result-{id}\"")).unwrap();
        &html[at..at + html[at..].find("</tr>").unwrap()]
    };
    assert!(row(lab.ft4).contains("▲"), "{}", row(lab.ft4));
    assert!(row(lab.ft4).contains("High"), "{}", row(lab.ft4));
    assert!(row(lab.tnths).contains("▲▲"), "{}", row(lab.tnths));
    assert!(
        row(lab.tnths).contains("Critically high"),
        "{}",
        row(lab.tnths)
    );
    assert!(
        row(lab.tnths).contains("Not told yet"),
        "{}",
        row(lab.tnths)
    );
    // Each held result says why in words: the failed rule's words and the check's sentence.
    assert!(
        row(lab.ft4).contains("Failed: Within the reference range (reference_range:"),
        "{}",
        row(lab.ft4)
    );
    assert!(
        row(lab.tsh).contains("This test always needs a person&#39;s review"),
        "{}",
        row(lab.tsh)
    );
    // The clear TSH starts checked; the flagged ones do not.
    let (_, tsh_rev) = lab.result(lab.tsh);
    assert!(row(lab.tsh).contains(&format!("value=\"{}:{tsh_rev}\" aria-label", lab.tsh)));
    assert!(row(lab.tsh).contains(" checked>"), "{}", row(lab.tsh));
    assert!(!row(lab.ft4).contains(" checked>"), "{}", row(lab.ft4));
    // A technician in a two-step lab is offered verify, never release.
    assert!(html.contains(&format!("formaction=\"/specimens/{BARCODE}/verify\"")));
    assert!(!html.contains(&format!("/specimens/{BARCODE}/release\"")));
    // The raw message link opens the bytes with control characters named.
    let journal = lab.store.specimen_review(BARCODE).unwrap().results[0]
        .journal_id
        .unwrap();
    assert!(html.contains(&format!("href=\"/journal/{journal}\"")));
    let raw = send(
        &lab.app,
        get_page(&format!("/journal/{journal}"), &tech.cookie),
    )
    .await;
    assert_eq!(raw.status, StatusCode::OK);
    assert!(
        raw.body.contains("R|1|^^^TNTHS|60&#60;CR&#62;"),
        "{}",
        raw.body
    );
    assert!(raw.body.contains("&#60;ETX&#62;"), "{}", raw.body);
    let missing = send(&lab.app, get_page("/journal/999999", &tech.cookie)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let unknown = send(&lab.app, get_page("/specimens/NO-SUCH", &tech.cookie)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_without_a_lab_role_cannot_view_or_act() {
    let lab = lab(ReviewSteps::Two);
    let admin = sign_in(&lab.app, "admin").await;
    let page = send(
        &lab.app,
        get_page(&format!("/specimens/{BARCODE}"), &admin.cookie),
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let journal = send(&lab.app, get_page("/journal/1", &admin.cookie)).await;
    assert_eq!(journal.status, StatusCode::FORBIDDEN);
    let key = lab.key(lab.tsh);
    for action in ACTIONS {
        let answer = admin
            .post(
                &lab.app,
                action,
                &[
                    ("result", &key),
                    ("reject_reason", "x"),
                    ("rerun_reason", "x"),
                    ("comment", "x"),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(lab.result(lab.tsh).0, ResultState::PendingReview);
    assert_eq!(lab.key(lab.tsh), key);
}

#[tokio::test]
async fn verify_then_release_by_another_supervisor_with_audit_entries() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let key = lab.key(lab.tsh);
    // A technician may not release in a two-step lab, nor verify-and-release.
    for action in ["release", "verify-release"] {
        let refused = tech.post(&lab.app, action, &[("result", &key)]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(lab.key(lab.tsh), key);
    let verified = tech.post(&lab.app, "verify", &[("result", &key)]).await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER, "{}", verified.body);
    assert_eq!(
        verified.location(),
        format!("/specimens/{BARCODE}#result-{}", lab.tsh)
    );
    assert_eq!(lab.result(lab.tsh).0, ResultState::Verified);
    assert_eq!(lab.actions(lab.tsh).last().unwrap(), "result.verify");
    let sup = sign_in(&lab.app, "sup").await;
    let released = sup
        .post(&lab.app, "release", &[("result", &lab.key(lab.tsh))])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
    assert_eq!(lab.result(lab.tsh).0, ResultState::Released);
    assert_eq!(lab.actions(lab.tsh).last().unwrap(), "result.release");
    // A released result cannot be rejected: 409 with the reason, nothing changed.
    let key = lab.key(lab.tsh);
    let rejected = sup
        .post(
            &lab.app,
            "reject",
            &[("result", &key), ("reject_reason", "haemolysed")],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::CONFLICT, "{}", rejected.body);
    assert!(rejected.body.contains("Not possible"), "{}", rejected.body);
    assert_eq!(lab.key(lab.tsh), key);
}

#[tokio::test]
async fn a_supervisor_cannot_release_what_they_verified() {
    let lab = lab(ReviewSteps::Two);
    let sup = sign_in(&lab.app, "sup").await;
    let verified = sup
        .post(&lab.app, "verify", &[("result", &lab.key(lab.tsh))])
        .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER);
    let key = lab.key(lab.tsh);
    let refused = sup.post(&lab.app, "release", &[("result", &key)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(lab.result(lab.tsh).0, ResultState::Verified);
    assert_eq!(lab.key(lab.tsh), key);
}

#[tokio::test]
async fn a_missing_or_wrong_form_token_changes_nothing() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let key = lab.key(lab.tsh);
    for action in ACTIONS {
        let uri = format!("/specimens/{BARCODE}/{action}");
        let fields = [
            ("result", key.as_str()),
            ("reject_reason", "x"),
            ("rerun_reason", "x"),
            ("comment", "x"),
        ];
        let missing = send(&lab.app, post_form(&uri, &tech.cookie, &fields)).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{action}");
        let mut wrong = vec![("csrf", "not-the-token")];
        wrong.extend_from_slice(&fields);
        let wrong = send(&lab.app, post_form(&uri, &tech.cookie, &wrong)).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(lab.result(lab.tsh).0, ResultState::PendingReview);
    assert_eq!(lab.key(lab.tsh), key);
    assert!(lab
        .actions(lab.tsh)
        .iter()
        .all(|a| a != "result.verify" && a != "result.reject"));
    assert!(lab
        .store
        .specimen_review(BARCODE)
        .unwrap()
        .comments
        .is_empty());
}

#[tokio::test]
async fn a_stale_version_is_409_naming_who_changed_it() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let seen = lab.key(lab.tsh);
    let commented = tech
        .post(
            &lab.app,
            "rerun",
            &[("result", &lab.key(lab.ft4)), ("rerun_reason", "clotted")],
        )
        .await;
    assert_eq!(commented.status, StatusCode::SEE_OTHER);
    let verified = tech.post(&lab.app, "verify", &[("result", &seen)]).await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER);
    let sup = sign_in(&lab.app, "sup").await;
    // The supervisor's page was read before the technician verified: its version is stale.
    let stale = sup
        .post(
            &lab.app,
            "reject",
            &[("result", &seen), ("reject_reason", "x")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(
        stale.body.contains("Trần Thị B changed this result at"),
        "{}",
        stale.body
    );
    assert_eq!(lab.result(lab.tsh).0, ResultState::Verified);
}

#[tokio::test]
async fn rerun_reject_and_comment_record_their_reasons() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let ft4 = lab.key(lab.ft4);
    // Reasons are required, pairs must be id:version.
    let no_reason = tech
        .post(
            &lab.app,
            "reject",
            &[("result", &ft4), ("reject_reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(no_reason.body.contains("Please give a reason."));
    let no_reason = tech.post(&lab.app, "rerun", &[("result", &ft4)]).await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let bad_pair = tech.post(&lab.app, "verify", &[("result", "12-x")]).await;
    assert_eq!(bad_pair.status, StatusCode::BAD_REQUEST);
    assert!(bad_pair.body.contains("12-x"), "{}", bad_pair.body);
    let none = tech.post(&lab.app, "verify", &[]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(lab.key(lab.ft4), ft4);

    let rerun = tech
        .post(
            &lab.app,
            "rerun",
            &[
                ("result", &ft4),
                ("rerun_reason", "lipaemic"),
                ("dilution", ""),
            ],
        )
        .await;
    assert_eq!(rerun.status, StatusCode::SEE_OTHER, "{}", rerun.body);
    assert_eq!(lab.result(lab.ft4).0, ResultState::RerunRequested);
    let history = lab.store.result_history(lab.ft4).unwrap();
    let last = history.iter().rev().find(|h| h.entity == "result").unwrap();
    assert_eq!(last.action, "result.request_rerun");
    assert_eq!(last.reason.as_deref(), Some("lipaemic"));

    let tsh = lab.key(lab.tsh);
    let rejected = tech
        .post(
            &lab.app,
            "reject",
            &[("result", &tsh), ("reject_reason", "haemolysed")],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER, "{}", rejected.body);
    assert_eq!(lab.result(lab.tsh).0, ResultState::Rejected);
    let history = lab.store.result_history(lab.tsh).unwrap();
    let last = history.iter().rev().find(|h| h.entity == "result").unwrap();
    assert_eq!(
        (last.action.as_str(), last.reason.as_deref()),
        ("result.reject", Some("haemolysed"))
    );

    let empty = tech.post(&lab.app, "comment", &[("comment", "  ")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let commented = tech
        .post(&lab.app, "comment", &[("comment", "Mẫu đến muộn")])
        .await;
    assert_eq!(commented.status, StatusCode::SEE_OTHER);
    assert_eq!(commented.location(), format!("/specimens/{BARCODE}"));
    let on_result = tech
        .post(
            &lab.app,
            "comment",
            &[
                ("result", &lab.key(lab.tnths)),
                ("comment", "Báo bác sĩ trực"),
            ],
        )
        .await;
    assert_eq!(on_result.status, StatusCode::SEE_OTHER);
    let page = send(
        &lab.app,
        get_page(&format!("/specimens/{BARCODE}"), &tech.cookie),
    )
    .await;
    assert!(page.body.contains("Mẫu đến muộn"));
    assert!(page.body.contains("Báo bác sĩ trực"));
}

#[tokio::test]
async fn a_critical_result_is_released_only_after_a_told_call_back() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let verified = tech
        .post(&lab.app, "verify", &[("result", &lab.key(lab.tnths))])
        .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER, "{}", verified.body);
    let sup = sign_in(&lab.app, "sup").await;
    let key = lab.key(lab.tnths);
    let refused = sup.post(&lab.app, "release", &[("result", &key)]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused
        .body
        .contains("Record the call-back before you release"));
    assert_eq!(lab.key(lab.tnths), key);
    // A bad outcome is refused; "could not reach" is recorded but does not allow release.
    let callback = |outcome: &'static str| {
        let key = key.clone();
        let sup = &sup;
        let app = &lab.app;
        async move {
            sup.post(
                app,
                "callback",
                &[
                    ("result", &key),
                    ("who", "BS. Phạm Minh"),
                    ("role", "doctor"),
                    ("ward_or_phone", "Cấp cứu 0912"),
                    ("outcome", outcome),
                ],
            )
            .await
        }
    };
    assert_eq!(callback("maybe").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(callback("not_reached").await.status, StatusCode::SEE_OTHER);
    let refused = sup
        .post(&lab.app, "release", &[("result", &lab.key(lab.tnths))])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let told = callback("told_read_back").await;
    assert_eq!(told.status, StatusCode::SEE_OTHER, "{}", told.body);
    assert_eq!(
        told.location(),
        format!("/specimens/{BARCODE}#result-{}", lab.tnths)
    );
    let review = lab.store.specimen_review(BARCODE).unwrap();
    let r = review.results.iter().find(|r| r.id == lab.tnths).unwrap();
    let last = r.callbacks.last().unwrap();
    assert_eq!(
        (
            last.told_name.as_str(),
            last.read_back,
            last.outcome.as_str()
        ),
        ("BS. Phạm Minh", true, "told_read_back")
    );
    let released = sup
        .post(&lab.app, "release", &[("result", &lab.key(lab.tnths))])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
    assert_eq!(lab.result(lab.tnths).0, ResultState::Released);
    assert_eq!(lab.actions(lab.tnths).last().unwrap(), "result.release");
}

#[tokio::test]
async fn verify_and_release_is_one_action_only_in_one_step_labs() {
    let lab = lab(ReviewSteps::One);
    let tech = sign_in(&lab.app, "tech").await;
    let key = lab.key(lab.tsh);
    // In a one-step lab the technician's verification is the release: one action, and the
    // page offers no separate verify or release.
    let page = send(
        &lab.app,
        get_page(&format!("/specimens/{BARCODE}"), &tech.cookie),
    )
    .await;
    assert!(page.body.contains(&format!(
        "formaction=\"/specimens/{BARCODE}/verify-release\""
    )));
    assert!(!page
        .body
        .contains(&format!("formaction=\"/specimens/{BARCODE}/verify\"")));
    let done = tech
        .post(&lab.app, "verify-release", &[("result", &key)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(lab.result(lab.tsh).0, ResultState::Released);
    let actions = lab.actions(lab.tsh);
    assert_eq!(
        &actions[actions.len() - 2..],
        ["result.verify", "result.release"]
    );
}
