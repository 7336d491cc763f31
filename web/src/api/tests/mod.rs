//! Every HIS route through `tower::ServiceExt::oneshot`: 401 without a valid token, 403 without
//! the scope, 400/422 for bad input naming the field, 200/201 with what a HIS expects, and never
//! an unreleased result.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use lis_core::model::{
    Actor, AnalyzerMessage, MessageKind, NewOrder, NewPatient, NewSpecimen, Observation, Priority,
    Protocol, Sex,
};
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::app::app;
use crate::auth::token_hash;
use crate::state::AppState;

const ALL: &str = "lis_all";
const ORDERS: &str = "lis_orders";
const RESULTS: &str = "lis_results";
const FHIR: &str = "lis_fhir";

struct Lab {
    state: AppState,
    /// Result released by autoverification (glucose 5.2).
    released: i64,
    /// Result held for review (sodium with an analyzer flag).
    held: i64,
    order_id: i64,
    patient_id: i64,
}

fn lab() -> Lab {
    let store = Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
    for (secret, name, scopes) in [
        (
            ALL,
            "all",
            vec!["orders:write", "results:read", "fhir:read"],
        ),
        (ORDERS, "orders", vec!["orders:write"]),
        (RESULTS, "results", vec!["results:read"]),
        (FHIR, "fhir", vec!["fhir:read"]),
    ] {
        let scopes: Vec<String> = scopes.into_iter().map(String::from).collect();
        store
            .create_token(name, &token_hash(secret), &scopes, &Actor::System)
            .unwrap();
    }
    let order_id = store
        .place_order(
            NewOrder {
                placer_number: String::from("PL-1"),
                patient: NewPatient {
                    his_id_authority: Default::default(),
                    his_id_type: String::new(),
                    name_parts: None,
                    his_id: String::from("BN001"),
                    name: String::from("Nguyễn Văn An"),
                    sex: Sex::Male,
                    birth_date: Some(jiff::civil::date(1980, 5, 1)),
                },
                requesting_doctor: String::from("BS Trần"),
                requesting_doctor_id: String::new(),
                requesting_doctor_name: None,
                department: String::from("Nội"),
                priority: Priority::Routine,
                ordered_at: "2025-03-01T01:00:00Z".parse().unwrap(),
                specimens: vec![NewSpecimen {
                    barcode: String::from("S1"),
                    specimen_type: String::from("serum"),
                    collected_at: None,
                    received_at: None,
                    tests: vec![String::from("GLU"), String::from("NA")],
                }],
            },
            &Actor::System,
        )
        .unwrap();
    let obs = |code: &str, value: &str, flags: Vec<String>| Observation {
        specimen_id: String::from("S1"),
        instrument_test_code: code.to_owned(),
        value: value.to_owned(),
        flags,
        status: String::from("F"),
        ..Default::default()
    };
    let out = store
        .ingest(AnalyzerMessage {
            graphs: Vec::new(),
            instrument: String::from("DEMO-CHEM"),
            link: String::from("chem"),
            received_at: "2025-03-01T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: b"m1".to_vec(),
            kind: MessageKind::Results,
            observations: vec![
                // The glucose carries two supplementary values, as an immunoassay's RLU and
                // index would come.
                Observation {
                    supplementary: vec![
                        lis_core::model::Supplement {
                            name: String::from("RLU"),
                            value: String::from("611793"),
                            units: String::new(),
                            flags: vec![],
                        },
                        lis_core::model::Supplement {
                            name: String::from("INDX"),
                            value: String::from("<0.10"),
                            units: String::from("Index"),
                            flags: vec![String::from("N")],
                        },
                    ],
                    ..obs("GLU", "5.2", vec![])
                },
                obs("NA", "140", vec![String::from("H")]),
            ],
            patient_hint: None,
        })
        .unwrap();
    let lis_core::model::IngestOutcome::Stored { observations, .. } = out else {
        panic!("not stored")
    };
    let ids: Vec<i64> = observations
        .iter()
        .filter_map(|o| match o {
            lis_core::model::StoredObservation::Result(id) => Some(*id),
            _ => None,
        })
        .collect();
    let (released, held) = (ids[0], ids[1]);
    assert_eq!(
        store.result(released).unwrap().state,
        lis_core::lifecycle::ResultState::Released
    );
    assert_ne!(
        store.result(held).unwrap().state,
        lis_core::lifecycle::ResultState::Released
    );
    let patient_id = store.order(order_id).unwrap().patient_id;
    Lab {
        state: AppState::new(store, LinkRegistry::new()),
        released,
        held,
        order_id,
        patient_id,
    }
}

async fn call(
    lab: &Lab,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, String, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = req
        .header(header::HOST, "lis.test")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let response = app(lab.state.clone()).oneshot(req).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, content_type, value)
}

async fn status(
    lab: &Lab,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> StatusCode {
    call(lab, method, uri, token, body).await.0
}

async fn post(lab: &Lab, token: Option<&str>, body: Option<&str>) -> (StatusCode, String, Value) {
    call(lab, Method::POST, "/api/v1/orders", token, body).await
}

const ORDER: &str = r#"{
  "placer_number": "PL-2",
  "patient": {"id": "BN002", "name": "Trần Thị Bình", "sex": "F", "birth_date": "1990-02-15"},
  "requesting_doctor": "BS Lê Minh",
  "department": "Khoa Nội",
  "priority": "stat",
  "specimens": [{"barcode": "S2", "tests": ["GLU", "14682-9"]}]
}"#;

mod microbiology;
mod orders;
mod results;
