//! What the monitoring pages' handler tests share: a lab with a technician, a supervisor and an
//! administrator, an order S1 (GLU), three unmatched results of DEMO-CHEM, and requests sent
//! through the whole app from [`CLIENT`] with [`crate::ui::testing`]'s browser.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use lis_core::model::{Actor, AnalyzerMessage, MessageKind, Observation, Protocol, Role};
use lis_core::LabConfig;

pub(crate) use crate::ui::testing::browser::{get_page as get, post_form as post};
use crate::ui::testing::browser::{Answer, Browser};
pub(crate) use crate::ui::testing::lab::Lab;
use crate::ui::testing::lab::{patient_order, store_with};

/// The client address the requests come from.
pub(crate) const CLIENT: &str = "192.168.5.21";

/// The lab; `config` is the lab config's text (the embedded default when `None`).
pub(crate) fn lab_with(config: Option<&str>) -> Lab {
    let config = match config {
        Some(text) => LabConfig::from_toml_str(text, "test").unwrap(),
        None => LabConfig::embedded_default().unwrap(),
    };
    let store = store_with(
        config,
        &[
            ("tech", "tech name", Role::Technician),
            ("boss", "boss name", Role::Supervisor),
            ("admin", "admin name", Role::Admin),
        ],
    );
    let order = patient_order("PL-1", "BN-1", "NGUYỄN VĂN AN", "S1", &["GLU"]);
    store.place_order(order, &Actor::System).unwrap();
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
            graphs: Vec::new(),
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
    Lab::over(store)
}

/// The lab with the embedded config.
pub(crate) fn lab() -> Lab {
    lab_with(None)
}

/// Sends `request` from [`CLIENT`] through `app` and reads the whole answer.
pub(crate) async fn send(app: &Router, mut request: Request<Body>) -> Answer {
    request.extensions_mut().insert(ConnectInfo(SocketAddr::new(
        CLIENT.parse().unwrap(),
        50_000,
    )));
    crate::ui::testing::browser::send(app, request).await
}

/// Signs in through the form; the session's `Cookie` header value and its form token.
pub(crate) async fn signed_in(app: &Router, username: &str) -> (String, String) {
    let browser = Browser::sign_in(app, username).await;
    (browser.cookie, browser.csrf)
}
