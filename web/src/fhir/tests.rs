//! The four searches through the router: the token check, which entries each returns and in
//! what order, `_count`, the Bundle's self link and the errors, on a lab with two patients and
//! three orders.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use lis_core::model::{
    Actor, AnalyzerMessage, IngestOutcome, MessageKind, NewOrder, NewPatient, NewSpecimen,
    Observation, Priority, Protocol, Sex, StoredObservation,
};
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;
use serde_json::Value;
use tower::ServiceExt;

use crate::app::app;
use crate::auth::token_hash;
use crate::state::AppState;

mod paging;

const FHIR: &str = "lis_fhir";
const RESULTS: &str = "lis_results";

/// Two patients, three orders of glucose and two released results:
/// order 1 (BN001, result r1 received 2025-03-01 09:00 in Hanoi), order 2 (BN001, r2 received
/// 2025-03-02 09:00), order 3 (BN002, no result yet).
struct Lab {
    state: AppState,
    orders: [i64; 3],
    results: [i64; 2],
    patients: [i64; 2],
}

fn order(store: &Store, placer: &str, his_id: &str, barcode: &str) -> i64 {
    order_of(store, placer, his_id, barcode, "GLU")
}

/// Places an order of one `test` for the patient `his_id` in the tube `barcode`.
fn order_of(store: &Store, placer: &str, his_id: &str, barcode: &str, test: &str) -> i64 {
    store
        .place_order(
            NewOrder {
                placer_number: placer.to_owned(),
                patient: NewPatient {
                    his_id_authority: Default::default(),
                    his_id_type: String::new(),
                    name_parts: None,
                    his_id: his_id.to_owned(),
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
                    barcode: barcode.to_owned(),
                    specimen_type: String::from("serum"),
                    collected_at: None,
                    received_at: None,
                    tests: vec![test.to_owned()],
                }],
            },
            &Actor::System,
        )
        .unwrap()
}

/// Ingests one glucose for `barcode` and returns its result id.
fn glucose(store: &Store, barcode: &str, received_at: &str, raw: &[u8]) -> i64 {
    result_of(store, barcode, "GLU", "5.2", received_at, raw)
}

/// Ingests one result of `test` (DEMO-CHEM's code is the LIS code) and returns its id.
fn result_of(
    store: &Store,
    barcode: &str,
    test: &str,
    value: &str,
    received_at: &str,
    raw: &[u8],
) -> i64 {
    let out = store
        .ingest(AnalyzerMessage {
            graphs: Vec::new(),
            instrument: String::from("DEMO-CHEM"),
            link: String::from("chem"),
            received_at: received_at.parse().unwrap(),
            protocol: Protocol::Astm,
            raw: raw.to_vec(),
            kind: MessageKind::Results,
            observations: vec![Observation {
                specimen_id: barcode.to_owned(),
                instrument_test_code: test.to_owned(),
                value: value.to_owned(),
                status: String::from("F"),
                ..Default::default()
            }],
            patient_hint: None,
        })
        .unwrap();
    let IngestOutcome::Stored { observations, .. } = out else {
        panic!("not stored")
    };
    match observations.as_slice() {
        [StoredObservation::Result(id)] => *id,
        other => panic!("{other:?}"),
    }
}

fn lab() -> Lab {
    let store = Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
    for (secret, name, scope) in [
        (FHIR, "fhir", "fhir:read"),
        (RESULTS, "results", "results:read"),
    ] {
        store
            .create_token(
                name,
                &token_hash(secret),
                &[scope.to_owned()],
                &Actor::System,
            )
            .unwrap();
    }
    let orders = [
        order(&store, "PL-1", "BN001", "S1"),
        order(&store, "PL-2", "BN001", "S2"),
        order(&store, "PL-3", "BN002", "S3"),
    ];
    let results = [
        glucose(&store, "S1", "2025-03-01T02:00:00Z", b"m1"),
        glucose(&store, "S2", "2025-03-02T02:00:00Z", b"m2"),
    ];
    for id in results {
        assert_eq!(
            store.result(id).unwrap().state,
            lis_core::lifecycle::ResultState::Released
        );
    }
    let patients = ["BN001", "BN002"].map(|his| store.patient_by_his_id(his).unwrap().unwrap().id);
    Lab {
        state: AppState::new(store, LinkRegistry::new()),
        orders,
        results,
        patients,
    }
}

/// The base the links start with: `http://` (no TLS) and the request's `Host`.
const BASE: &str = "http://lis.test:8080/fhir/r4";

async fn get(lab: &Lab, uri: &str, token: Option<&str>) -> (StatusCode, Option<String>, Value) {
    let (status, headers, value) = get_with(lab, uri, token, &[]).await;
    let challenge = headers
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, challenge, value)
}

/// A GET with `Host: lis.test:8080` and the extra headers; the status, headers and JSON body
/// (`Null` when empty).
async fn get_with(
    lab: &Lab,
    uri: &str,
    token: Option<&str>,
    extra: &[(header::HeaderName, &str)],
) -> (StatusCode, header::HeaderMap, Value) {
    let mut req = Request::builder().uri(uri);
    if !extra.iter().any(|(name, _)| name == header::HOST) {
        req = req.header(header::HOST, "lis.test:8080");
    }
    for (name, value) in extra {
        req = req.header(name, *value);
    }
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let response = app(lab.state.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, headers, value)
}

/// The entries' `Type/id` of a search that fits one page, after checking the Bundle's shape:
/// the total is the number of entries, the self link is absolute, each `fullUrl` is the
/// absolute URL of its resource, and there is no next or previous page.
async fn search(lab: &Lab, query: &str) -> (String, Vec<String>) {
    let v = bundle(lab, query).await;
    let entries = v["entry"].as_array().unwrap();
    assert_eq!(v["total"], entries.len(), "{query}: {v}");
    assert_eq!(v["link"].as_array().unwrap().len(), 1, "{query}: {v}");
    let urls = entry_ids(&v);
    let link = &v["link"][0];
    assert_eq!(link["relation"], "self");
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(BASE), "{url}");
    (query.to_owned(), urls)
}

/// A searchset Bundle, its shape checked.
async fn bundle(lab: &Lab, query: &str) -> Value {
    let (s, _, v) = get(lab, &format!("/fhir/r4/{query}"), Some(FHIR)).await;
    assert_eq!(s, StatusCode::OK, "{query}: {v}");
    assert_eq!(v["resourceType"], "Bundle");
    assert_eq!(v["type"], "searchset");
    v
}

/// The `Type/id` of each entry, after checking `fullUrl` is `{BASE}/Type/id`.
fn entry_ids(v: &Value) -> Vec<String> {
    let mut urls = Vec::new();
    for e in v["entry"].as_array().unwrap() {
        assert_eq!(e["search"]["mode"], "match");
        let url = e["fullUrl"].as_str().unwrap();
        let resource = &e["resource"];
        let (kind, id) = (&resource["resourceType"], &resource["id"]);
        let local = format!("{}/{}", kind.as_str().unwrap(), id.as_str().unwrap());
        assert_eq!(url, format!("{BASE}/{local}"));
        urls.push(local);
    }
    urls
}

#[tokio::test]
async fn every_search_needs_a_token_with_fhir_read() {
    let lab = lab();
    for kind in [
        "Patient",
        "Observation",
        "DiagnosticReport",
        "ServiceRequest",
    ] {
        // 401 comes first, even for a parameter the search does not take.
        let uri = format!("/fhir/r4/{kind}?colour=red");
        let (s, challenge, v) = get(&lab, &uri, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{kind}");
        assert_eq!(challenge.as_deref(), Some("Bearer realm=\"lis\""));
        assert_eq!(v["resourceType"], "OperationOutcome");
        assert_eq!(v["issue"][0]["code"], "login");
        let (s, challenge, v) = get(&lab, &uri, Some(RESULTS)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{kind}");
        assert_eq!(challenge, None);
        assert_eq!(v["issue"][0]["code"], "forbidden");
        assert_eq!(
            v["issue"][0]["diagnostics"],
            "this token lacks the scope fhir:read"
        );
    }
}

#[tokio::test]
async fn observation_search_serves_released_results_in_release_order() {
    let lab = lab();
    let [r1, r2] = lab.results.map(|id| format!("Observation/{id}"));
    assert_eq!(
        search(&lab, "Observation").await,
        (String::from("Observation"), vec![r1.clone(), r2.clone()])
    );
    let q = "Observation?patient.identifier=BN001";
    assert_eq!(
        search(&lab, q).await,
        (q.to_owned(), vec![r1.clone(), r2.clone()])
    );
    // r2 was received at 09:00 on 2 March in Hanoi.
    let q = "Observation?date=2025-03-02";
    assert_eq!(search(&lab, q).await, (q.to_owned(), vec![r2]));
    // The code's system must match when given (FHIR R4 search §3.1.1.4.9): GLU is LOINC
    // 14749-6 in the demo catalog and the lab's code GLU, never a SNOMED CT concept.
    let q = "Observation?code=http://loinc.org|14749-6";
    assert_eq!(search(&lab, q).await.1.len(), 2, "{q}");
    let q = "Observation?code=urn:lis:test-code|GLU";
    assert_eq!(search(&lab, q).await.1.len(), 2, "{q}");
    // A code the lab does not have, or a patient it does not know, finds nothing.
    for q in [
        "Observation?code=http://snomed.info/sct|14749-6",
        "Observation?code=urn:lis:test-code|14749-6",
        "Observation?code=|GLU",
        "Observation?code=NOPE",
        "Observation?patient=999",
        "Observation?patient.identifier=BN002",
    ] {
        assert_eq!(search(&lab, q).await, (q.to_owned(), vec![]));
    }
}

#[tokio::test]
async fn report_search_serves_orders_with_released_results_by_id() {
    let lab = lab();
    let [o1, o2, _] = lab.orders.map(|id| format!("DiagnosticReport/{id}"));
    // Order 3 has nothing released: no report.
    assert_eq!(
        search(&lab, "DiagnosticReport").await,
        (
            String::from("DiagnosticReport"),
            vec![o1.clone(), o2.clone()]
        )
    );
    let q = "DiagnosticReport?date=2025-03-01";
    assert_eq!(search(&lab, q).await, (q.to_owned(), vec![o1.clone()]));
    let q = format!("DiagnosticReport?subject=Patient/{}", lab.patients[0]);
    assert_eq!(search(&lab, &q).await, (q.clone(), vec![o1, o2]));
    for q in [
        "DiagnosticReport?patient=999",
        "DiagnosticReport?patient.identifier=BN002",
    ] {
        assert_eq!(search(&lab, q).await, (q.to_owned(), vec![]));
    }
}

#[tokio::test]
async fn request_search_serves_every_order_by_id() {
    let lab = lab();
    let [o1, o2, o3] = lab.orders.map(|id| format!("ServiceRequest/{id}"));
    assert_eq!(
        search(&lab, "ServiceRequest").await,
        (
            String::from("ServiceRequest"),
            vec![o1.clone(), o2.clone(), o3.clone()]
        )
    );
    let q = "ServiceRequest?patient.identifier=BN002";
    assert_eq!(search(&lab, q).await, (q.to_owned(), vec![o3]));
    let q = "ServiceRequest?patient=999";
    assert_eq!(search(&lab, q).await, (q.to_owned(), vec![]));
}

#[tokio::test]
async fn patient_search_finds_the_his_id() {
    let lab = lab();
    let q = "Patient?identifier=urn:lis:his-patient-id|BN002";
    assert_eq!(
        search(&lab, q).await,
        (q.to_owned(), vec![format!("Patient/{}", lab.patients[1])])
    );
    // FHIR R4 search §3.1.1.4.9: `[system]|[code]` matches only identifiers of that system, and
    // `|[code]` only identifiers without a system; ours are all in urn:lis:his-patient-id.
    for q in [
        "Patient?identifier=urn:wrong:system|BN002",
        "Patient?identifier=|BN002",
    ] {
        assert_eq!(search(&lab, q).await, (q.to_owned(), vec![]), "{q}");
    }
    let q = "Patient?identifier=NOPE";
    assert_eq!(search(&lab, q).await, (q.to_owned(), vec![]));
}

/// Issue 10 item 14: `GET /fhir/r4/Patient` without parameters lists like every other type
/// (FHIR R4 http.html §3.1.0.9 search-type: "search all resources of a particular type"),
/// paged: every patient, by id.
#[tokio::test]
async fn patient_search_without_parameters_lists_every_patient() {
    let lab = lab();
    let [p1, p2] = lab.patients.map(|id| format!("Patient/{id}"));
    assert_eq!(
        search(&lab, "Patient").await,
        (String::from("Patient"), vec![p1.clone(), p2.clone()])
    );
    let v = bundle(&lab, "Patient?_count=1").await;
    assert_eq!(v["total"], 2);
    assert_eq!(entry_ids(&v), [p1]);
    assert_eq!(v["link"][1]["relation"], "next");
}

/// FHIR R4 RESTful API (http.html §3.1.0.4): errors are answered with an OperationOutcome; a
/// resource type the server does not have is a 404 that says so, not an empty body.
#[tokio::test]
async fn an_unknown_resource_type_is_a_404_operation_outcome() {
    let lab = lab();
    for uri in ["/fhir/r4/Specimen", "/fhir/r4/Encounter/1"] {
        let (s, _, v) = get(&lab, uri, Some(FHIR)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(v["resourceType"], "OperationOutcome", "{uri}: {v}");
        assert_eq!(v["issue"][0]["severity"], "error", "{v}");
        let text = v["issue"][0]["diagnostics"].as_str().unwrap_or_default();
        assert!(text.contains("Patient, Observation"), "{v}");
    }
}

#[tokio::test]
async fn a_search_refuses_what_it_does_not_take() {
    let lab = lab();
    for (query, diagnostics) in [
        (
            "DiagnosticReport?code=GLU",
            "unsupported search parameter; supported: patient, patient.identifier, subject, \
             subject:identifier, date, _lastUpdated",
        ),
        (
            "ServiceRequest?date=2025-03-01",
            "unsupported search parameter; supported: patient, patient.identifier, subject, \
             subject:identifier",
        ),
        (
            "Patient?patient=1",
            "unsupported search parameter; supported: identifier",
        ),
        (
            "Observation?_count=many",
            "\"many\" is not a whole number (0 gives the total only)",
        ),
        (
            "Observation?_cursor=x1",
            "\"x1\" is not a page cursor from a link of this server (a<id> or b<id>)",
        ),
    ] {
        let (s, _, v) = get(&lab, &format!("/fhir/r4/{query}"), Some(FHIR)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {v}");
        assert_eq!(v["resourceType"], "OperationOutcome");
        assert_eq!(v["issue"][0]["code"], "invalid");
        assert_eq!(v["issue"][0]["diagnostics"], diagnostics, "{query}");
    }
}

/// FHIR R4 Observation: `effective[x]` is "the clinically relevant time/time-period for the
/// observation", `issued` "the date and time this version of the observation was made
/// available to providers". A correction is a new version made available later; the
/// observation itself happened when the analyzer measured it.
#[tokio::test]
async fn a_corrected_observation_keeps_its_effective_time_and_is_issued_at_the_correction() {
    let lab = lab();
    let before = jiff::Timestamp::now();
    let corrected = lab
        .state
        .store
        .correct(lab.results[0], "5.8", "transcription", &Actor::System)
        .unwrap();
    let (s, _, v) = get(
        &lab,
        &format!("/fhir/r4/Observation/{corrected}"),
        Some(FHIR),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "corrected");
    assert_eq!(v["valueQuantity"]["value"], 5.8);
    // r1 was received (and, sending no time of its own, measured) at 2025-03-01 02:00 UTC.
    assert_eq!(v["effectiveDateTime"], "2025-03-01T02:00:00Z");
    let issued: jiff::Timestamp = v["issued"].as_str().unwrap().parse().unwrap();
    // Times are stored to the millisecond: compare at that resolution.
    assert!(
        issued.as_millisecond() >= before.as_millisecond(),
        "issued {issued} is the correction's release (after {before})"
    );
}
