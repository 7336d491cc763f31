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
            instrument: String::from("DEMO-CHEM"),
            link: String::from("chem"),
            received_at: "2025-03-01T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: b"m1".to_vec(),
            kind: MessageKind::Results,
            observations: vec![
                obs("GLU", "5.2", vec![]),
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

#[tokio::test]
async fn post_orders_checks_token_scope_and_body() {
    let lab = lab();
    // No token: 401 even with a bad body, and the answer says how to authenticate.
    let (s, _, v) = post(&lab, None, Some("{not json")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["code"], "unauthorized");
    assert_eq!(
        post(&lab, Some("lis_wrong"), Some(ORDER)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (s, _, v) = post(&lab, Some(RESULTS), Some(ORDER)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["message"], "this token lacks the scope orders:write");
    // Bad JSON: 400 naming the field.
    let (s, _, v) = post(&lab, Some(ORDERS), Some("{not json")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().starts_with("invalid JSON"));
    let (s, _, v) = post(
        &lab,
        Some(ORDERS),
        Some(&ORDER.replace(r#""tests": ["GLU", "14682-9"]"#, r#""tests": "GLU""#)),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "specimens[0].tests");
    let (s, _, v) = post(
        &lab,
        Some(ORDERS),
        Some(&ORDER.replace("\"priority\"", "\"prio\"")),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["message"].as_str().unwrap().contains("prio"));
    assert_eq!(
        post(&lab, Some(ORDERS), None).await.0,
        StatusCode::BAD_REQUEST
    );
    // Oversized: 413 with the JSON error body.
    let huge = format!("{{\"placer_number\": \"{}\"}}", "x".repeat(2 << 20));
    let (s, _, v) = post(&lab, Some(ORDERS), Some(&huge)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large"))
    );
    // Unknown test: 422 naming it.
    let (s, _, v) = post(&lab, Some(ORDERS), Some(&ORDER.replace("14682-9", "XYZ"))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "specimens[0].tests[1]");
    assert!(v["message"].as_str().unwrap().contains("XYZ"));
    let (s, _, v) = post(&lab, Some(ORDERS), Some(&ORDER.replace("BN002", " "))).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("patient.id"))
    );
    // A sex outside the documented values is refused, not stored as unknown (ranges by sex
    // would silently stop applying).
    let (s, _, v) = post(
        &lab,
        Some(ORDERS),
        Some(&ORDER.replace("\"sex\": \"F\"", "\"sex\": \"X\"")),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("patient.sex")),
        "{v}"
    );
    assert!(lab.state.store.order_by_placer("PL-2").unwrap().is_none());
    // Stored.
    let (s, _, v) = post(&lab, Some(ORDERS), Some(ORDER)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["placer_number"], "PL-2");
    assert_eq!(v["status"], "ordered");
    assert_eq!(
        v["tests"],
        json!([
            {"code": "GLU", "specimen": "S2", "status": "pending"},
            {"code": "CREA", "specimen": "S2", "status": "pending"},
        ])
    );
    let o = lab.state.store.order_by_placer("PL-2").unwrap().unwrap();
    assert_eq!(o.priority, Priority::Stat);
    assert_eq!(
        lab.state.store.patient(o.patient_id).unwrap().name,
        "Trần Thị Bình"
    );
    // The same placer number again: 409.
    let (s, _, v) = post(&lab, Some(ORDERS), Some(ORDER)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
}

#[tokio::test]
async fn cancel_and_order_status() {
    let lab = lab();
    let body = Some(r#"{"reason": "Bệnh nhân chuyển viện"}"#);
    let url = "/api/v1/orders/PL-1/cancel";
    assert_eq!(
        status(&lab, Method::POST, url, None, body).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&lab, Method::POST, url, Some(FHIR), body).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&lab, Method::POST, url, Some(ORDERS), Some("[]")).await,
        StatusCode::BAD_REQUEST
    );
    let (s, _, v) = call(
        &lab,
        Method::POST,
        url,
        Some(ORDERS),
        Some(r#"{"reason": ""}"#),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    assert_eq!(
        status(
            &lab,
            Method::POST,
            "/api/v1/orders/NOPE/cancel",
            Some(ORDERS),
            body
        )
        .await,
        StatusCode::NOT_FOUND
    );
    // PL-1's glucose result is released (the HIS may have filed it): its order cannot be
    // cancelled. 409 names the released test, and nothing changes.
    let (s, _, v) = call(&lab, Method::POST, url, Some(ORDERS), body).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "conflict");
    assert_eq!(
        v["message"],
        "order \"PL-1\" cannot be cancelled: the result of GLU was already released \
         (correct a wrong result instead)"
    );
    let (_, _, v) = call(
        &lab,
        Method::GET,
        "/api/v1/orders/PL-1",
        Some(RESULTS),
        None,
    )
    .await;
    // Both tests have results, one released: `resulted`, as before the refused cancel.
    assert_eq!(v["status"], "resulted", "{v}");
    // PL-2 has no result: it is cancelled, once.
    assert_eq!(
        post(&lab, Some(ORDERS), Some(ORDER)).await.0,
        StatusCode::CREATED
    );
    let url2 = "/api/v1/orders/PL-2/cancel";
    let (s, _, v) = call(&lab, Method::POST, url2, Some(ORDERS), body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "cancelled");
    assert_eq!(
        status(&lab, Method::POST, url2, Some(ORDERS), body).await,
        StatusCode::CONFLICT
    );

    let get = "/api/v1/orders/PL-1";
    assert_eq!(
        status(&lab, Method::GET, get, None, None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&lab, Method::GET, get, Some(ORDERS), None).await,
        StatusCode::FORBIDDEN
    );
    let (s, _, v) = call(&lab, Method::GET, get, Some(RESULTS), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["accession"], format!("L{:08}", lab.order_id));
    assert_eq!(
        status(
            &lab,
            Method::GET,
            "/api/v1/orders/NOPE",
            Some(RESULTS),
            None
        )
        .await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn results_pull_returns_released_results_only() {
    let lab = lab();
    let get = |uri: &'static str, token| call(&lab, Method::GET, uri, token, None);
    assert_eq!(
        get("/api/v1/results", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get("/api/v1/results", Some(ORDERS)).await.0,
        StatusCode::FORBIDDEN
    );
    // The token is checked before the query is read: 401 and 403 even for a bad parameter.
    let (s, _, v) = get("/api/v1/results?since=yesterday", None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (s, _, v) = get("/api/v1/results?colour=red", Some(ORDERS)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    // A parameter given twice is refused, naming it, rather than one of the two being dropped.
    let (s, _, v) = get(
        "/api/v1/results?status=final&status=corrected",
        Some(RESULTS),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("status"))
    );
    let (s, _, v) = get("/api/v1/results?since=yesterday", Some(RESULTS)).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("since"))
    );
    let (s, _, v) = get("/api/v1/results?status=preliminary", Some(RESULTS)).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("status"))
    );
    let (s, _, v) = get("/api/v1/results?limit=0", Some(RESULTS)).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
    assert_eq!(
        get("/api/v1/results?colour=red", Some(RESULTS)).await.0,
        StatusCode::BAD_REQUEST
    );

    let (s, _, v) = get("/api/v1/results?patient=BN001", Some(RESULTS)).await;
    assert_eq!(s, StatusCode::OK);
    let results = v["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        1,
        "only the released glucose, not the held sodium: {v}"
    );
    let r = &results[0];
    assert_eq!(r["id"], lab.released);
    assert_eq!(r["order"], "PL-1");
    assert_eq!(r["specimen"], "S1");
    assert_eq!(
        r["test"],
        json!({"code": "GLU", "loinc": "14749-6", "name": "Glucose"})
    );
    assert_eq!(r["value"], "5.2");
    assert_eq!(r["unit"], "mmol/L");
    assert_eq!(
        r["reference_range"],
        json!({"low": 3.9, "high": 6.4, "text": "3.9-6.4"})
    );
    assert_eq!(r["flags"], json!(["N"]));
    assert_eq!(r["status"], "final");
    for uri in [
        "/api/v1/results?order=PL-1",
        "/api/v1/results?specimen=S1",
        "/api/v1/results?since=2000-01-01T00:00:00Z&status=final",
    ] {
        let (_, _, v) = get(uri, Some(RESULTS)).await;
        assert_eq!(v["results"].as_array().unwrap().len(), 1, "{uri}");
    }
    for uri in [
        "/api/v1/results?order=PL-9",
        "/api/v1/results?patient=BN999",
        "/api/v1/results?status=corrected",
        "/api/v1/results?since=2999-01-01T00:00:00Z",
    ] {
        let (_, _, v) = get(uri, Some(RESULTS)).await;
        assert_eq!(v["results"], json!([]), "{uri}");
    }
    // Polling page by page: a full page says where the next starts (its last row's release time
    // and id), and that page does not repeat it, however many rows share one release time.
    let (_, _, v) = get("/api/v1/results?patient=BN001&limit=1", Some(RESULTS)).await;
    assert_eq!(v["results"][0]["id"], lab.released);
    let next = v["next"]
        .as_str()
        .expect("a full page has a next link")
        .to_owned();
    assert!(
        next.starts_with("/api/v1/results?patient=BN001&since="),
        "{next}"
    );
    assert!(
        next.contains(&format!("&after_id={}&limit=1", lab.released)),
        "{next}"
    );
    // The request helper takes static paths; one leaked string in a test is fine.
    let next: &'static str = Box::leak(next.into_boxed_str());
    let (s, _, v) = get(next, Some(RESULTS)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["results"], json!([]), "{next}");
    assert!(v.get("next").is_none(), "the last page has no next: {v}");
    // after_id alone: after that result in release order; a result not released is a 404.
    let after: &'static str =
        Box::leak(format!("/api/v1/results?after_id={}", lab.released).into_boxed_str());
    let (s, _, v) = get(after, Some(RESULTS)).await;
    assert_eq!((s, &v["results"]), (StatusCode::OK, &json!([])), "{v}");
    let (s, _, v) = get("/api/v1/results?after_id=999", Some(RESULTS)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // A correction: the corrected version is served with status corrected, the old one no more.
    let new = lab
        .state
        .store
        .correct(lab.released, "6.0", "typo", &Actor::System)
        .unwrap();
    let (_, _, v) = get("/api/v1/results?patient=BN001", Some(RESULTS)).await;
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    assert_eq!(v["results"][0]["id"], new);
    assert_eq!(v["results"][0]["status"], "corrected");
    assert_eq!(v["results"][0]["corrects"], lab.released);
}

#[tokio::test]
async fn failed_his_deliveries_are_listed_with_the_his_reason() {
    let lab = lab();
    let get = |uri: &'static str, token| call(&lab, Method::GET, uri, token, None);
    let uri = "/api/v1/his/deliveries?state=failed";
    assert_eq!(get(uri, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(get(uri, Some(ORDERS)).await.0, StatusCode::FORBIDDEN);
    let (s, _, v) = get("/api/v1/his/deliveries", Some(RESULTS)).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("state"))
    );
    let (s, _, v) = get("/api/v1/his/deliveries?state=sent", Some(RESULTS)).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("state"))
    );
    let (s, _, v) = get(uri, Some(RESULTS)).await;
    assert_eq!((s, &v), (StatusCode::OK, &json!({"deliveries": []})));

    // The release of the glucose queued one outbox row; the HIS answers it with AE.
    let store = &lab.state.store;
    let now: jiff::Timestamp = "2025-03-01T03:00:00Z".parse().unwrap();
    let due = store.his_due("his", now, 10).unwrap();
    assert_eq!(due.len(), 1);
    let outbox = due[0].outbox_id;
    store
        .his_prepare(outbox, "his", "LIS0000000001", b"MSH|...", now)
        .unwrap();
    let endpoints = vec![String::from("his")];
    store
        .his_record_attempt(
            outbox,
            "his",
            &lis_core::store::DeliveryOutcome::Rejected {
                ack_code: String::from("AE"),
                reason: String::from("unknown patient"),
            },
            now,
            &endpoints,
        )
        .unwrap();
    let (s, _, v) = get(uri, Some(RESULTS)).await;
    assert_eq!(s, StatusCode::OK);
    let d = &v["deliveries"][0];
    assert_eq!(v["deliveries"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(d["outbox_id"], outbox);
    assert_eq!(d["endpoint"], "his");
    assert_eq!(d["order_id"], lab.order_id);
    assert_eq!(d["result_ids"], json!([lab.released]));
    assert_eq!(d["state"], "rejected");
    assert_eq!(d["ack_code"], "AE");
    assert_eq!(d["control_id"], "LIS0000000001");
    assert_eq!(d["last_error"], "unknown patient");
    assert_eq!(d["attempts"], 1);

    // Requeued by a person: pending again (listed until the HIS accepts it, with the last
    // error kept for the person watching).
    store.his_requeue(outbox, "his", &Actor::User(1)).unwrap();
    let (_, _, v) = get(uri, Some(RESULTS)).await;
    assert_eq!(v["deliveries"][0]["state"], "pending", "{v}");
}

#[tokio::test]
async fn fhir_read_and_search_serve_released_results_only() {
    let lab = lab();
    let p = lab.patient_id;
    let obs_search = format!("/fhir/r4/Observation?patient=Patient/{p}");
    assert_eq!(
        status(&lab, Method::GET, &obs_search, None, None).await,
        StatusCode::UNAUTHORIZED
    );
    let (s, ct, v) = call(&lab, Method::GET, &obs_search, Some(RESULTS), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(ct.starts_with("application/fhir+json"));
    assert_eq!(v["resourceType"], "OperationOutcome");
    let (s, _, v) = call(&lab, Method::GET, &obs_search, Some(FHIR), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["resourceType"], "Bundle");
    assert_eq!(v["type"], "searchset");
    assert_eq!(v["total"], 1, "the held result is not served: {v}");
    let o = &v["entry"][0]["resource"];
    assert_eq!(o["resourceType"], "Observation");
    assert_eq!(o["id"], lab.released.to_string());
    assert_eq!(o["status"], "final");
    assert_eq!(
        o["code"]["coding"][0],
        json!({"system": "http://loinc.org", "code": "14749-6", "display": "Glucose"})
    );
    assert_eq!(o["subject"]["reference"], format!("Patient/{p}"));
    assert_eq!(
        o["valueQuantity"],
        json!({"value": 5.2, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"})
    );
    assert_eq!(o["referenceRange"][0]["low"]["value"], 3.9);
    assert_eq!(o["referenceRange"][0]["high"]["value"], 6.4);
    assert_eq!(o["interpretation"][0]["coding"][0]["code"], "N");
    assert_eq!(o["category"][0]["coding"][0]["code"], "laboratory");
    assert!(o["effectiveDateTime"].is_string());
    // Other searches.
    for (uri, total) in [
        (
            "/fhir/r4/Observation?patient.identifier=BN001&code=http://loinc.org|14749-6"
                .to_owned(),
            1,
        ),
        (
            "/fhir/r4/Observation?subject:identifier=BN001&code=NA".to_owned(),
            0,
        ),
        ("/fhir/r4/Observation?patient=999".to_owned(), 0),
        (
            "/fhir/r4/Observation?date=ge2025-03-01&date=lt2025-03-02".to_owned(),
            1,
        ),
        ("/fhir/r4/Observation?date=2025-02-28".to_owned(), 0),
        (
            "/fhir/r4/Observation?_lastUpdated=ge2000-01-01T00:00:00Z".to_owned(),
            1,
        ),
        (format!("/fhir/r4/DiagnosticReport?patient={p}"), 1),
        (format!("/fhir/r4/ServiceRequest?subject=Patient/{p}"), 1),
        ("/fhir/r4/Patient?identifier=BN001".to_owned(), 1),
    ] {
        let (s, _, v) = call(&lab, Method::GET, &uri, Some(FHIR), None).await;
        assert_eq!(
            (s, &v["total"]),
            (StatusCode::OK, &json!(total)),
            "{uri}: {v}"
        );
    }
    let (s, _, v) = call(
        &lab,
        Method::GET,
        "/fhir/r4/Observation?date=yesterday",
        Some(FHIR),
        None,
    )
    .await;
    assert_eq!(
        (s, v["resourceType"].as_str()),
        (StatusCode::BAD_REQUEST, Some("OperationOutcome"))
    );
    assert_eq!(
        status(
            &lab,
            Method::GET,
            "/fhir/r4/Observation?colour=red",
            Some(FHIR),
            None
        )
        .await,
        StatusCode::BAD_REQUEST
    );
    // Reads.
    let held = format!("/fhir/r4/Observation/{}", lab.held);
    assert_eq!(
        status(&lab, Method::GET, &held, Some(FHIR), None).await,
        StatusCode::NOT_FOUND
    );
    let released = format!("/fhir/r4/Observation/{}", lab.released);
    assert_eq!(
        status(&lab, Method::GET, &released, None, None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&lab, Method::GET, &released, Some(FHIR), None).await,
        StatusCode::OK
    );
    assert_eq!(
        status(
            &lab,
            Method::GET,
            "/fhir/r4/Observation/abc",
            Some(FHIR),
            None
        )
        .await,
        StatusCode::NOT_FOUND
    );
    let (s, _, v) = call(
        &lab,
        Method::GET,
        &format!("/fhir/r4/DiagnosticReport/{}", lab.order_id),
        Some(FHIR),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "partial", "sodium is not released yet");
    assert_eq!(v["code"]["coding"][0]["code"], "11502-2");
    assert_eq!(
        v["result"],
        json!([{"reference": format!("Observation/{}", lab.released)}])
    );
    let (s, _, v) = call(
        &lab,
        Method::GET,
        &format!("/fhir/r4/ServiceRequest/{}", lab.order_id),
        Some(FHIR),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["intent"], "order");
    assert_eq!(v["status"], "active");
    assert_eq!(v["identifier"][0]["value"], "PL-1");
    assert_eq!(v["orderDetail"].as_array().unwrap().len(), 2);
    assert_eq!(v["requester"], json!({"display": "BS Trần"}));
    let (s, _, v) = call(
        &lab,
        Method::GET,
        &format!("/fhir/r4/Patient/{p}"),
        Some(FHIR),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["name"][0],
        json!({"text": "Nguyễn Văn An", "family": "Nguyễn", "given": ["Văn", "An"]})
    );
    assert_eq!(v["gender"], "male");
    assert_eq!(v["birthDate"], "1980-05-01");
    assert_eq!(
        status(&lab, Method::GET, "/fhir/r4/Patient/999", Some(FHIR), None).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(&lab, Method::GET, "/fhir/r4/metadata", None, None).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn openapi_document_describes_the_routes_and_metrics_are_prometheus_text() {
    let lab = lab();
    lab.state
        .links
        .register("DEMO-CHEM", "DEMO-CHEM", "tcp-server 127.0.0.1:5001");
    let (s, _, v) = call(&lab, Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/orders",
        "/api/v1/orders/{placer}/cancel",
        "/api/v1/orders/{placer}",
        "/api/v1/results",
    ] {
        assert!(v["paths"][path].is_object(), "{path} missing");
    }
    assert_eq!(
        v["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(
        v["paths"]["/api/v1/orders"]["post"]["security"][0]["bearer"],
        json!(["orders:write"])
    );
    let params: Vec<&str> = v["paths"]["/api/v1/results"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for p in ["order", "specimen", "patient", "status", "since"] {
        assert!(params.contains(&p), "{p} missing from {params:?}");
    }

    let (s, ct, v) = call(&lab, Method::GET, "/metrics", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/plain; version=0.0.4"));
    let text = v.as_str().unwrap();
    // One outbox row (the autoverified glucose), not yet delivered.
    assert!(
        text.contains("lis_outbox_rows{state=\"pending\"} 1\n"),
        "{text}"
    );
    assert!(text.contains("lis_results_stored 2\n"));
    assert!(
        text.contains("lis_link_messages_in_total{link=\"DEMO-CHEM\"} 0\n"),
        "{text}"
    );
    assert!(text.contains("lis_link_state{link=\"DEMO-CHEM\",state=\"disconnected\"} 1\n"));
    assert!(text.contains("lis_link_up{link=\"DEMO-CHEM\"} 0\n"));
    assert!(text.contains("lis_his_delivery_latency_seconds_count 0\n"));
    assert!(text.contains("# TYPE lis_his_orders_received_total counter\n"));
}

#[tokio::test]
async fn order_download_needs_orders_write_and_a_running_link() {
    let lab = lab();
    let uri = "/api/v1/instruments/DEMO-CHEM/orders/download";
    let post = |token| call(&lab, Method::POST, uri, token, None);
    assert_eq!(post(None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(post(Some(RESULTS)).await.0, StatusCode::FORBIDDEN);
    // No link runs in this app: the instrument has nowhere to receive a work list.
    let (s, _, v) = post(Some(ORDERS)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("DEMO-CHEM"),
        "{v}"
    );
}
