//! Reception, labels (and, through the same harness, the report) through the real app
//! (`oneshot`), as a browser sees them: status, `Location`, the page's words, and what the store
//! holds afterwards (the tube's receipt, its rejection, the audit entries).
//!
//! In the embedded demo lab TSH waits for a person even when normal; FT4 above 22 pmol/L is
//! high (H). Users read English pages.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use jiff::Timestamp;
use lis_core::config::Language;
use lis_core::model::{
    Actor, AnalyzerMessage, MessageKind, NewOrder, NewPatient, NewSpecimen, Observation, Priority,
    Protocol, Role, Sex,
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
/// A tube with results (TSH waiting, FT4 high), on order `HIS-88`.
pub(crate) const BARCODE: &str = "2612070051";
/// A tube not yet received, without results, on order `HIS-89`, with no collection time.
pub(crate) const NEW_TUBE: &str = "2612070052";

pub(crate) struct Lab {
    pub(crate) store: Arc<Store>,
    pub(crate) app: Router,
}

/// A lab with `tech`, `sup` and `admin` reading English, a tube with results and a new tube.
pub(crate) fn lab() -> Lab {
    let config = LabConfig::embedded_default().unwrap();
    let store = Arc::new(Store::open_in_memory(config).unwrap());
    for (name, display, role) in [
        ("tech", "Trần Thị B", Role::Technician),
        ("sup", "Lê Văn C", Role::Supervisor),
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
    store
        .place_order(
            order("HIS-88", BARCODE, true, &["TSH", "FT4"]),
            &Actor::System,
        )
        .unwrap();
    store
        .place_order(order("HIS-89", NEW_TUBE, false, &["GLU"]), &Actor::System)
        .unwrap();
    store
        .ingest(AnalyzerMessage {
            instrument: "DEMO-CHEM".into(),
            link: "chem-1".into(),
            received_at: "2026-12-07T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: b"H|\\^&|||DEMO\rL|1\r".to_vec(),
            kind: MessageKind::Results,
            observations: [("TSH", "2.0"), ("FT4", "30")]
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
    let state = AppState::new(Arc::clone(&store), LinkRegistry::new());
    Lab {
        app: app_with(state, &HttpSettings::default()),
        store,
    }
}

fn order(placer: &str, barcode: &str, collected: bool, tests: &[&str]) -> NewOrder {
    let at: Timestamp = "2026-12-07T01:00:00Z".parse().unwrap();
    NewOrder {
        placer_number: placer.into(),
        patient: NewPatient {
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
            his_id: format!("P-{placer}"),
            name: "Nguyễn Văn An".into(),
            sex: Sex::Male,
            birth_date: Some(jiff::civil::date(1980, 5, 1)),
        },
        requesting_doctor: "BS. Trần".into(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: "Nội tổng hợp".into(),
        priority: Priority::Routine,
        ordered_at: at,
        specimens: vec![NewSpecimen {
            barcode: barcode.into(),
            specimen_type: "serum".into(),
            collected_at: collected.then_some(at),
            received_at: None,
            tests: tests.iter().map(|t| (*t).to_owned()).collect(),
        }],
    }
}

impl Lab {
    /// How many audit entries have `action`.
    pub(crate) fn audits(&self, action: &str) -> usize {
        let mut n = 0;
        let mut after = 0;
        loop {
            let page = self.store.changes_since(after, 500).unwrap();
            if page.is_empty() {
                break;
            }
            for c in &page {
                after = c.seq;
                if c.action == action {
                    n += 1;
                }
            }
        }
        n
    }
}

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map_or("", |v| v.to_str().unwrap())
    }
}

pub(crate) async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

pub(crate) fn get_page(uri: &str, cookie: &str) -> Request<Body> {
    let mut builder = Request::get(uri).header(header::HOST, HOST);
    if !cookie.is_empty() {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder.body(Body::empty()).unwrap()
}

pub(crate) fn post_form(uri: &str, cookie: &str, form: &[(&str, &str)]) -> Request<Body> {
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
pub(crate) struct Browser {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) async fn sign_in(app: &Router, username: &str) -> Browser {
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
    pub(crate) async fn post(&self, app: &Router, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        send(app, post_form(uri, &self.cookie, &form)).await
    }

    pub(crate) async fn get(&self, app: &Router, uri: &str) -> Answer {
        send(app, get_page(uri, &self.cookie)).await
    }
}

fn received_at(lab: &Lab, barcode: &str) -> Option<Timestamp> {
    lab.store
        .specimen_review(barcode)
        .unwrap()
        .specimen
        .received_at
}

#[tokio::test]
async fn without_a_session_every_route_sends_to_sign_in() {
    let lab = lab();
    for uri in ["/reception", "/specimens/2612070051/label"] {
        let a = send(&lab.app, get_page(uri, "")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(a.location().starts_with("/login?next="), "{uri}");
    }
    for uri in ["/reception/scan", "/reception/reject"] {
        let a = send(
            &lab.app,
            post_form(uri, "", &[("specimen_id", NEW_TUBE), ("reason", "clotted")]),
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(a.location().starts_with("/login"), "{uri}");
    }
    assert_eq!(received_at(&lab, NEW_TUBE), None);
}

#[tokio::test]
async fn a_scan_receives_the_tube_once_and_says_so() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    let page = tech.get(&lab.app, "/reception").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("autofocus"));
    crate::ui::testing::assert_no_inline_code(&page.body);

    let before = Timestamp::now();
    let a = tech
        .post(
            &lab.app,
            "/reception/scan",
            &[
                ("specimen_id", " 2612070052 "),
                ("collected", "07/12/2026 07:30"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert!(a
        .location()
        .starts_with("/reception?scan=2612070052&outcome=received"));
    let at = received_at(&lab, NEW_TUBE).expect("received");
    assert!(
        at.as_millisecond() >= before.as_millisecond() && at <= Timestamp::now(),
        "the server's time"
    );
    // 07:30 in Ho Chi Minh City (UTC+7) is 00:30 UTC.
    assert_eq!(
        lab.store
            .specimen_review(NEW_TUBE)
            .unwrap()
            .specimen
            .collected_at,
        Some("2026-12-07T00:30:00Z".parse().unwrap())
    );
    assert_eq!(lab.audits("specimen.receive"), 1);
    let shown = tech.get(&lab.app, a.location()).await;
    assert!(
        shown.body.contains("RECEIVED specimen 2612070052"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Nguyễn Văn An"));
    assert!(shown.body.contains("/specimens/2612070052/label"));

    // The second scan changes nothing and says so.
    let again = tech
        .post(&lab.app, "/reception/scan", &[("specimen_id", NEW_TUBE)])
        .await;
    assert!(again.location().contains("outcome=already"));
    assert_eq!(received_at(&lab, NEW_TUBE), Some(at));
    assert_eq!(lab.audits("specimen.receive"), 1);
    let shown = tech.get(&lab.app, again.location()).await;
    assert!(shown.body.contains("ALREADY RECEIVED"));

    let unknown = tech
        .post(&lab.app, "/reception/scan", &[("specimen_id", "NO-SUCH-1")])
        .await;
    assert!(unknown.location().contains("outcome=unknown"));
    let shown = tech.get(&lab.app, unknown.location()).await;
    assert!(shown.body.contains("UNKNOWN specimen NO-SUCH-1"));
}

#[tokio::test]
async fn a_collection_time_that_cannot_be_read_changes_nothing() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    let a = tech
        .post(
            &lab.app,
            "/reception/scan",
            &[("specimen_id", NEW_TUBE), ("collected", "yesterday")],
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.body.contains("yesterday") && a.body.contains("cannot be read"),
        "{}",
        a.body
    );
    let a = tech
        .post(
            &lab.app,
            "/reception/scan",
            &[("specimen_id", NEW_TUBE), ("collected", "01/01/2099 07:30")],
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(received_at(&lab, NEW_TUBE), None);
    assert_eq!(lab.audits("specimen.receive"), 0);
}

#[tokio::test]
async fn an_admin_may_not_receive_reject_or_print_labels() {
    let lab = lab();
    let admin = sign_in(&lab.app, "admin").await;
    assert_eq!(
        admin.get(&lab.app, "/reception").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin
            .get(&lab.app, "/specimens/2612070051/label")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let a = admin
        .post(&lab.app, "/reception/scan", &[("specimen_id", NEW_TUBE)])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = admin
        .post(
            &lab.app,
            "/reception/reject",
            &[("specimen_id", NEW_TUBE), ("reason", "clotted")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(received_at(&lab, NEW_TUBE), None);
    assert!(lab
        .store
        .specimen_review(NEW_TUBE)
        .unwrap()
        .specimen
        .rejected_reason
        .is_none());
}

#[tokio::test]
async fn a_form_without_the_session_s_token_changes_nothing() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    for (uri, fields) in [
        ("/reception/scan", vec![("specimen_id", NEW_TUBE)]),
        (
            "/reception/reject",
            vec![("specimen_id", NEW_TUBE), ("reason", "clotted")],
        ),
    ] {
        let mut wrong = vec![("csrf", "0000")];
        wrong.extend(fields.iter().copied());
        let a = send(&lab.app, post_form(uri, &tech.cookie, &wrong)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{uri}");
        let a = send(&lab.app, post_form(uri, &tech.cookie, &fields)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{uri} without a token");
    }
    assert_eq!(received_at(&lab, NEW_TUBE), None);
    assert!(lab
        .store
        .specimen_review(NEW_TUBE)
        .unwrap()
        .specimen
        .rejected_reason
        .is_none());
    assert_eq!(
        lab.audits("specimen.receive") + lab.audits("specimen.reject"),
        0
    );
}

#[tokio::test]
async fn a_rejected_tube_holds_its_results_and_the_page_says_why() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    let a = tech
        .post(
            &lab.app,
            "/reception/reject",
            &[("specimen_id", BARCODE), ("reason", "haemolysed")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert!(
        a.location().contains("outcome=rejected&held=2"),
        "{}",
        a.location()
    );
    let shown = tech.get(&lab.app, a.location()).await;
    assert!(
        shown
            .body
            .contains("REJECTED specimen 2612070051: Haemolysed. 2 results are held."),
        "{}",
        shown.body
    );
    assert_eq!(lab.audits("specimen.reject"), 1);
    // A second rejection is refused and keeps the first reason.
    let again = tech
        .post(
            &lab.app,
            "/reception/reject",
            &[("specimen_id", BARCODE), ("reason", "clotted")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        lab.store
            .specimen_review(BARCODE)
            .unwrap()
            .specimen
            .rejected_reason
            .as_deref(),
        Some("haemolysed")
    );
    // An unknown reason, and "other" without words, change nothing.
    let bad = tech
        .post(
            &lab.app,
            "/reception/reject",
            &[("specimen_id", NEW_TUBE), ("reason", "dropped")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let empty = tech
        .post(
            &lab.app,
            "/reception/reject",
            &[
                ("specimen_id", NEW_TUBE),
                ("reason", "other"),
                ("other", " "),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::CONFLICT);
    let other = tech
        .post(
            &lab.app,
            "/reception/reject",
            &[
                ("specimen_id", NEW_TUBE),
                ("reason", "other"),
                ("other", "tube cracked"),
            ],
        )
        .await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
    assert_eq!(
        lab.store
            .specimen_review(NEW_TUBE)
            .unwrap()
            .specimen
            .rejected_reason
            .as_deref(),
        Some("other: tube cracked")
    );
    assert_eq!(lab.audits("specimen.reject"), 2);
}

#[tokio::test]
async fn the_label_page_draws_the_tube_s_label() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    let a = tech.get(&lab.app, "/specimens/2612070051/label").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("width=\"50mm\" height=\"25mm\""));
    assert!(a.body.contains(">2612070051</text>"));
    assert!(a.body.contains(">Nguyễn Văn An</text>"));
    assert!(
        a.body.contains("Male, 46 y · Serum · 07/12/2026"),
        "{}",
        a.body
    );
    crate::ui::testing::assert_no_inline_code(&a.body);
    let missing = tech.get(&lab.app, "/specimens/NOPE/label").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
