//! Helpers for the `oneshot` tests of the patient, turnaround and administration pages: a lab
//! with a technician `tech`, a supervisor `boss` and an administrator `admin` (all in English),
//! requests through the whole app, and sign-in through the form.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use jiff::Timestamp;
use lis_core::config::Language;
use lis_core::model::{
    Actor, AnalyzerMessage, HistoryEntry, IngestOutcome, MessageKind, NewOrder, NewPatient,
    NewSpecimen, Observation, Priority, Protocol, ResultId, Role, Sex, StoredObservation,
};
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;
use tower::ServiceExt;

use crate::app::app;
use crate::state::AppState;

pub(crate) const HOST: &str = "lab.local:8080";
pub(crate) const ORIGIN: &str = "http://lab.local:8080";
pub(crate) const PASSWORD: &str = "correct horse 1";

/// The store and the app over it.
pub(crate) struct Lab {
    pub(crate) store: Arc<Store>,
    pub(crate) app: Router,
}

/// A lab with the three users and no orders.
pub(crate) fn lab() -> Lab {
    let store = Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
    for (name, role) in [
        ("tech", Role::Technician),
        ("boss", Role::Supervisor),
        ("admin", Role::Admin),
    ] {
        let id = store
            .create_user(name, &format!("{name} (display)"), &[role], &Actor::System)
            .unwrap();
        store
            .set_password(id, PASSWORD, false, &Actor::System)
            .unwrap();
        store
            .set_language(id, Language::En, &Actor::System)
            .unwrap();
    }
    let state = AppState::new(Arc::clone(&store), LinkRegistry::new());
    Lab {
        app: app(state),
        store,
    }
}

/// An order for one specimen of a patient (born 1 May 1980, male), received at `received`.
pub(crate) fn order(
    his_id: &str,
    name: &str,
    placer: &str,
    barcode: &str,
    received: Option<&str>,
    tests: &[&str],
) -> NewOrder {
    NewOrder {
        placer_number: placer.into(),
        patient: NewPatient {
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
            his_id: his_id.into(),
            name: name.into(),
            sex: Sex::Male,
            birth_date: Some(jiff::civil::date(1980, 5, 1)),
        },
        requesting_doctor: "BS Trần".into(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: "Nội".into(),
        priority: Priority::Routine,
        ordered_at: "2025-03-01T00:30:00Z".parse().unwrap(),
        specimens: vec![NewSpecimen {
            barcode: barcode.into(),
            specimen_type: "serum".into(),
            collected_at: None,
            received_at: received.map(|r| r.parse().unwrap()),
            tests: tests.iter().map(|t| (*t).to_owned()).collect(),
        }],
    }
}

/// Results of one specimen from the demo chemistry analyzer, arriving at `at`.
pub(crate) fn ingest(
    store: &Store,
    barcode: &str,
    at: &str,
    values: &[(&str, &str)],
) -> Vec<ResultId> {
    let observations = values
        .iter()
        .map(|(code, value)| Observation {
            specimen_id: barcode.into(),
            instrument_test_code: (*code).into(),
            value: (*value).into(),
            status: "F".into(),
            ..Default::default()
        })
        .collect();
    let out = store
        .ingest(AnalyzerMessage {
            instrument: "DEMO-CHEM".into(),
            link: "chem".into(),
            received_at: at.parse::<Timestamp>().unwrap(),
            protocol: Protocol::Astm,
            raw: format!("msg {barcode} {at}").into_bytes(),
            kind: MessageKind::Results,
            observations,
            patient_hint: None,
        })
        .unwrap();
    let IngestOutcome::Stored { observations, .. } = out else {
        panic!("not stored: {out:?}")
    };
    observations
        .iter()
        .filter_map(|o| match o {
            StoredObservation::Result(id) => Some(*id),
            _ => None,
        })
        .collect()
}

/// An answer: status, `Location` and body.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) location: String,
    pub(crate) body: String,
}

impl Answer {
    /// The first form token on the page.
    pub(crate) fn csrf_input(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a csrf input") + marker.len();
        let end = start + self.body[start..].find('"').unwrap();
        self.body[start..end].to_owned()
    }
}

pub(crate) async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map_or(String::new(), |v| v.to_str().unwrap().to_owned());
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        location,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

pub(crate) fn get(uri: &str, cookie: &str) -> Request<Body> {
    let mut builder = Request::get(uri).header(header::HOST, HOST);
    if !cookie.is_empty() {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder.body(Body::empty()).unwrap()
}

pub(crate) fn post(uri: &str, cookie: &str, form: &[(&str, &str)]) -> Request<Body> {
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

/// Signs in through the form and returns the session's `Cookie` header value.
pub(crate) async fn signed_in(app: &Router, username: &str) -> String {
    signed_in_with(app, username, PASSWORD).await
}

/// Signs in with this password.
pub(crate) async fn signed_in_with(app: &Router, username: &str, password: &str) -> String {
    let form = send(app, get("/login?lang=en", "")).await;
    let token = form.csrf_input();
    let cookie = format!("lis_login_csrf={token}");
    let fields = [
        ("username", username),
        ("password", password),
        ("csrf", token.as_str()),
        ("next", ""),
        ("lang", "en"),
    ];
    let response = app
        .clone()
        .oneshot(post("/login", &cookie, &fields))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("lis_session="))
        .expect("a session cookie");
    session.split(';').next().unwrap().to_owned()
}

/// The form token of a signed-in user's page.
pub(crate) async fn token(app: &Router, cookie: &str, page: &str) -> String {
    send(app, get(page, cookie)).await.csrf_input()
}

/// Every audit entry.
pub(crate) fn audit(store: &Store) -> Vec<HistoryEntry> {
    store.audit_page(0, 100_000).unwrap()
}
