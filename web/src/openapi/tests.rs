//! The document says exactly what the server takes (issue 10 item 15), from the OpenAPI 3.1
//! specification's text: "The id MUST be unique among all operations described in the API"
//! (Operation Object, operationId); a parameter's `schema` "defines the type used for the
//! parameter" (Parameter Object), and JSON Schema validation §6.1.2 `enum`: "An instance
//! validates successfully against this keyword if its value is equal to one of the elements".
//! So every documented enum value is accepted, and a value outside is refused.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use lis_core::model::Actor;
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::app::app;
use crate::auth::token_hash;
use crate::state::AppState;

const TOKEN: &str = "lis_openapi";

fn state() -> AppState {
    let store = Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
    let scopes = ["orders:write", "results:read"].map(String::from);
    store
        .create_token("all", &token_hash(TOKEN), &scopes, &Actor::System)
        .unwrap();
    AppState::new(store, LinkRegistry::new())
}

async fn call(
    state: &AppState,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "lis.test")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let response = app(state.clone()).oneshot(req).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("{v} is not an array"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// A parameter's schema by operation path and method.
fn param<'a>(doc: &'a Value, path: &str, method: &str, name: &str) -> &'a Value {
    doc["paths"][path][method]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not a parameter of {method} {path}"))
}

/// The enum of a schema that may be `T`, `oneOf [null, $ref T]` or a `$ref`.
fn enum_of(doc: &Value, schema: &Value) -> Vec<String> {
    let found = enum_in(doc, schema);
    assert!(!found.is_empty(), "no enum in {schema}");
    found
}

fn enum_in(doc: &Value, schema: &Value) -> Vec<String> {
    if schema["enum"].is_array() {
        return strings(&schema["enum"]);
    }
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return enum_in(doc, &doc["components"]["schemas"][name]);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alts) = schema[key].as_array() {
            let found: Vec<String> = alts.iter().flat_map(|a| enum_in(doc, a)).collect();
            if !found.is_empty() {
                return found;
            }
        }
    }
    Vec::new()
}

fn order(placer: &str, patient: Value, priority: Value, tests: Value) -> Value {
    json!({
        "placer_number": placer,
        "patient": patient,
        "priority": priority,
        "specimens": [{"barcode": format!("B-{placer}"), "tests": tests}],
    })
}

#[tokio::test]
async fn operation_ids_are_unique_and_parameters_are_typed() {
    let state = state();
    let (s, doc) = call(&state, Method::GET, "/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let mut ids = Vec::new();
    for (_, item) in doc["paths"].as_object().unwrap() {
        for (_, op) in item.as_object().unwrap() {
            if let Some(id) = op["operationId"].as_str() {
                assert!(!ids.contains(&id.to_owned()), "operationId {id} twice");
                ids.push(id.to_owned());
            }
        }
    }
    assert!(
        ids.contains(&"list_results".to_owned()) && ids.contains(&"list_deliveries".to_owned())
    );
    for path in ["/api/v1/results", "/api/v1/his/deliveries"] {
        let limit = &param(&doc, path, "get", "limit")["schema"];
        let text = limit.to_string();
        assert!(text.contains("\"integer\""), "{path} limit: {limit}");
        assert!(text.contains("\"minimum\":1"), "{path} limit: {limit}");
        assert!(text.contains("\"maximum\":1000"), "{path} limit: {limit}");
    }
    let since = param(&doc, "/api/v1/results", "get", "since")["schema"].to_string();
    assert!(since.contains("\"format\":\"date-time\""), "{since}");
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("OrderIn", "placer_number"),
        ("CancelIn", "reason"),
        ("PatientIn", "id"),
        ("SpecimenIn", "barcode"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["minLength"], 1,
            "{schema}.{field}"
        );
    }
    // The catalog's codes are the tests an order takes.
    let tests = strings(&schemas["SpecimenIn"]["properties"]["tests"]["items"]["enum"]);
    assert!(tests.contains(&"GLU".to_owned()) && tests.contains(&"14749-6".to_owned()));
}

#[tokio::test]
async fn every_documented_value_is_accepted_and_others_are_refused() {
    let state = state();
    let (_, doc) = call(&state, Method::GET, "/api/openapi.json", None).await;
    let schemas = &doc["components"]["schemas"];
    let patient = |sex: Value| json!({"id": "BN1", "name": "Lê Văn Tám", "sex": sex});
    let sexes = enum_of(&doc, &schemas["PatientIn"]["properties"]["sex"]);
    assert_eq!(
        sexes,
        ["M", "F", "U", "male", "female", "unknown", "Nam", "Nữ"]
    );
    for (i, sex) in sexes.iter().enumerate() {
        let body = order(
            &format!("S{i}"),
            patient(json!(sex)),
            json!("routine"),
            json!(["GLU"]),
        );
        let (s, v) = call(&state, Method::POST, "/api/v1/orders", Some(body)).await;
        assert_eq!(s, StatusCode::CREATED, "sex {sex}: {v}");
    }
    for sex in ["X", "m", " M", ""] {
        let body = order("SX", patient(json!(sex)), json!("routine"), json!(["GLU"]));
        let (s, v) = call(&state, Method::POST, "/api/v1/orders", Some(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "sex {sex:?}: {v}");
        assert_eq!(v["field"], "patient.sex");
    }
    let priorities = enum_of(&doc, &schemas["OrderIn"]["properties"]["priority"]);
    assert_eq!(priorities, ["routine", "stat"]);
    for (i, p) in priorities.iter().enumerate() {
        let body = order(
            &format!("P{i}"),
            patient(json!("F")),
            json!(p),
            json!(["GLU"]),
        );
        assert_eq!(
            call(&state, Method::POST, "/api/v1/orders", Some(body))
                .await
                .0,
            StatusCode::CREATED
        );
    }
    for p in ["STAT", "", "urgent"] {
        let body = order("PX", patient(json!("F")), json!(p), json!(["GLU"]));
        let (s, v) = call(&state, Method::POST, "/api/v1/orders", Some(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "priority {p:?}: {v}");
    }
    // A test outside the catalog's enum, or with a space, is refused.
    for t in ["NOPE", " GLU"] {
        let body = order("TX", patient(json!("F")), json!("stat"), json!([t]));
        let (s, _) = call(&state, Method::POST, "/api/v1/orders", Some(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "test {t:?}");
    }
    // Query enums and ranges.
    let statuses = enum_of(
        &doc,
        &param(&doc, "/api/v1/results", "get", "status")["schema"],
    );
    assert_eq!(statuses, ["final", "corrected"]);
    for v in &statuses {
        let (s, _) = call(
            &state,
            Method::GET,
            &format!("/api/v1/results?status={v}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "status={v}");
    }
    let states = enum_of(
        &doc,
        &param(&doc, "/api/v1/his/deliveries", "get", "state")["schema"],
    );
    assert_eq!(states, ["failed"]);
    let (s, _) = call(
        &state,
        Method::GET,
        "/api/v1/his/deliveries?state=failed",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    for uri in [
        "/api/v1/results?status=FINAL",
        "/api/v1/results?status=",
        "/api/v1/his/deliveries?state=Failed",
        "/api/v1/his/deliveries",
        "/api/v1/results?limit=0",
        "/api/v1/results?limit=1001",
        "/api/v1/results?limit=%205",
        "/api/v1/results?after_id=",
        "/api/v1/results?since=yesterday",
    ] {
        let (s, v) = call(&state, Method::GET, uri, None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {v}");
    }
    for uri in [
        "/api/v1/results?limit=1",
        "/api/v1/results?limit=1000",
        "/api/v1/his/deliveries?state=failed&limit=1000",
    ] {
        assert_eq!(
            call(&state, Method::GET, uri, None).await.0,
            StatusCode::OK,
            "{uri}"
        );
    }
    // Not blank, as the pattern says: a reason of spaces is refused.
    let (s, _) = call(
        &state,
        Method::POST,
        "/api/v1/orders/S0/cancel",
        Some(json!({"reason": "  "})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}
