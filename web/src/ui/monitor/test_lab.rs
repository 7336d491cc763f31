//! What the monitoring pages' handler tests share: a lab with a technician, a supervisor and an
//! administrator, an order S1 (GLU), three unmatched results of DEMO-CHEM, and requests sent
//! through the whole app (`oneshot`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use lis_core::config::Language;
use lis_core::model::{
    Actor, AnalyzerMessage, MessageKind, NewOrder, NewPatient, NewSpecimen, Observation, Priority,
    Protocol, Role, Sex,
};
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;
use tower::ServiceExt;

use crate::app::app;
use crate::state::AppState;

pub(crate) const HOST: &str = "lab.local:8080";
pub(crate) const ORIGIN: &str = "http://lab.local:8080";
pub(crate) const PASSWORD: &str = "correct horse 1";
/// The client address the requests come from.
pub(crate) const CLIENT: &str = "192.168.5.21";

pub(crate) struct Lab {
    pub(crate) store: Arc<Store>,
    #[allow(dead_code)] // The instruments' tests register links in it.
    pub(crate) links: LinkRegistry,
    pub(crate) app: Router,
}

/// The lab; `config` is the lab config's text (the embedded default when `None`).
pub(crate) fn lab_with(config: Option<&str>) -> Lab {
    let config = match config {
        Some(text) => LabConfig::from_toml_str(text, "test").unwrap(),
        None => LabConfig::embedded_default().unwrap(),
    };
    let store = Arc::new(Store::open_in_memory(config).unwrap());
    for (name, role) in [
        ("tech", Role::Technician),
        ("boss", Role::Supervisor),
        ("admin", Role::Admin),
    ] {
        let id = store
            .create_user(name, &format!("{name} name"), &[role], &Actor::System)
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
            NewOrder {
                placer_number: "PL-1".into(),
                patient: NewPatient {
                    his_id_authority: Default::default(),
                    his_id_type: String::new(),
                    name_parts: None,
                    his_id: "BN-1".into(),
                    name: "NGUYỄN VĂN AN".into(),
                    sex: Sex::Male,
                    birth_date: Some(jiff::civil::date(1980, 5, 1)),
                },
                requesting_doctor: "BS Trần".into(),
                requesting_doctor_id: String::new(),
                requesting_doctor_name: None,
                department: "Nội".into(),
                priority: Priority::Routine,
                ordered_at: "2025-03-01T01:00:00Z".parse().unwrap(),
                specimens: vec![NewSpecimen {
                    barcode: "S1".into(),
                    specimen_type: "serum".into(),
                    collected_at: None,
                    received_at: None,
                    tests: vec!["GLU".into()],
                }],
            },
            &Actor::System,
        )
        .unwrap();
    let obs = |specimen: &str, code: &str, value: &str| Observation {
        specimen_id: specimen.into(),
        instrument_test_code: code.into(),
        value: value.into(),
        units: "mmol/L".into(),
        status: "F".into(),
        ..Default::default()
    };
    store
        .ingest(AnalyzerMessage {
            instrument: "DEMO-CHEM".into(),
            link: "DEMO-CHEM".into(),
            received_at: jiff::Timestamp::now(),
            protocol: Protocol::Astm,
            raw: b"\x02H|\\^&\r\x03A1".to_vec(),
            kind: MessageKind::Results,
            observations: vec![
                obs("S9", "GLU", "12.0"),
                obs("S1", "ZZZ", "1"),
                obs("S1", "UREA", "5.0"),
            ],
            patient_hint: None,
        })
        .unwrap();
    let links = LinkRegistry::new();
    let state = AppState::new(Arc::clone(&store), links.clone());
    Lab {
        store,
        links,
        app: app(state),
    }
}

/// The lab with the embedded config.
pub(crate) fn lab() -> Lab {
    lab_with(None)
}

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) location: String,
    pub(crate) content_type: String,
    pub(crate) disposition: String,
    pub(crate) cookies: Vec<String>,
    pub(crate) bytes: Vec<u8>,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn csrf_input(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a csrf input") + marker.len();
        let end = start + self.body[start..].find('"').unwrap();
        self.body[start..end].to_owned()
    }
}

pub(crate) async fn send(app: &Router, mut request: Request<Body>) -> Answer {
    request.extensions_mut().insert(ConnectInfo(SocketAddr::new(
        CLIENT.parse().unwrap(),
        50_000,
    )));
    let response = app.clone().oneshot(request).await.unwrap();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map_or(String::new(), |v| v.to_str().unwrap().to_owned())
    };
    let location = header(header::LOCATION);
    let content_type = header(header::CONTENT_TYPE);
    let disposition = header(header::CONTENT_DISPOSITION);
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        location,
        content_type,
        disposition,
        cookies,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
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
    Request::post(uri)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap()
}

/// Signs in through the form; the session's `Cookie` header value and its form token.
pub(crate) async fn signed_in(app: &Router, username: &str) -> (String, String) {
    let form = send(app, get("/login?lang=en", "")).await;
    let token = form.csrf_input();
    let cookie = format!("lis_login_csrf={token}");
    let fields = [
        ("username", username),
        ("password", PASSWORD),
        ("csrf", token.as_str()),
        ("next", ""),
        ("lang", "en"),
    ];
    let response = send(app, post("/login", &cookie, &fields)).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    let session = response
        .cookies
        .iter()
        .find(|c| c.starts_with("lis_session="))
        .expect("a session cookie");
    let cookie = session.split(';').next().unwrap().to_owned();
    let page = send(app, get("/instruments", &cookie)).await;
    let csrf = if page.status == StatusCode::OK {
        page.csrf_input()
    } else {
        send(app, get("/audit", &cookie)).await.csrf_input()
    };
    (cookie, csrf)
}
