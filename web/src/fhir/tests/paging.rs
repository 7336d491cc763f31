//! Paging, versions, the CapabilityStatement and interpretation, each from the clause of FHIR R4
//! it follows.

use axum::http::{header, StatusCode};
use lis_core::model::Actor;
use serde_json::Value;

use super::*;

/// The path and query of an absolute link of ours.
fn local(url: &str) -> String {
    url.strip_prefix("http://lis.test:8080")
        .unwrap_or_else(|| panic!("{url} is not under the request's base"))
        .to_owned()
}

fn link(v: &Value, relation: &str) -> Option<String> {
    v["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == relation)
        .map(|l| l["url"].as_str().unwrap().to_owned())
}

async fn page(lab: &Lab, path: &str) -> Value {
    let (s, _, v) = get(lab, path, Some(FHIR)).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v
}

/// FHIR R4 search §3.1.1.5.6: `Bundle.total` is "the number of matches", not the page size;
/// http.html "Paging": `next` and `previous` links lead through the pages, and (bundle.html
/// §2.36.4) `fullUrl` and the links are absolute URLs. A row stored while a client pages does
/// not shift the pages (the cursor is a keyset on the id).
#[tokio::test]
async fn a_search_is_paged_with_the_total_of_matches_and_absolute_links() {
    let lab = lab();
    let [o1, o2, o3] = lab.orders.map(|id| format!("ServiceRequest/{id}"));
    let first = page(&lab, "/fhir/r4/ServiceRequest?_count=2").await;
    assert_eq!(first["total"], 3, "{first}");
    assert_eq!(entry_ids(&first), [o1.clone(), o2.clone()]);
    assert_eq!(
        link(&first, "self").unwrap(),
        format!("{BASE}/ServiceRequest?_count=2")
    );
    assert_eq!(link(&first, "previous"), None);
    let next = link(&first, "next").expect("a next link while matches remain");
    assert!(
        next.starts_with(&format!("{BASE}/ServiceRequest?")),
        "{next}"
    );
    // An order placed while the client pages comes after the pages it has not read yet.
    let o4 = order(&lab.state.store, "PL-4", "BN002", "S4");
    let second = page(&lab, &local(&next)).await;
    assert_eq!(second["total"], 4, "{second}");
    assert_eq!(entry_ids(&second), [o3, format!("ServiceRequest/{o4}")]);
    assert_eq!(link(&second, "next"), None, "{second}");
    let back = page(&lab, &local(&link(&second, "previous").unwrap())).await;
    assert_eq!(entry_ids(&back), [o1, o2]);
    // The filter stays on every link.
    let filtered = page(
        &lab,
        "/fhir/r4/Observation?patient.identifier=BN001&_count=1",
    )
    .await;
    assert_eq!(filtered["total"], 2);
    let next = link(&filtered, "next").unwrap();
    assert!(next.contains("patient.identifier=BN001"), "{next}");
    let rest = page(&lab, &local(&next)).await;
    assert_eq!(
        entry_ids(&rest),
        [format!("Observation/{}", lab.results[1])]
    );
}

/// FHIR R4 search §3.1.1.5.7 (`_count`): "the server is not bound to return the number
/// requested"; a `_count` above the most served returns fewer entries, not an error, and
/// `_count=0` returns the total only.
#[tokio::test]
async fn a_count_above_the_maximum_returns_fewer_entries() {
    let lab = lab();
    let v = page(&lab, "/fhir/r4/ServiceRequest?_count=5000").await;
    assert_eq!(v["total"], 3);
    assert_eq!(v["entry"].as_array().unwrap().len(), 3);
    assert!(link(&v, "self").unwrap().ends_with("_count=1000"), "{v}");
    let v = page(&lab, "/fhir/r4/Observation?_count=0").await;
    assert_eq!(v["total"], 2);
    assert!(v["entry"].as_array().unwrap().is_empty());
    assert_eq!(link(&v, "next"), None);
}

/// FHIR R4 resource.html §2.1.27.5.5 (Meta: versionId, lastUpdated) and http.html §3.1.0.3.2
/// (read: "the server SHOULD return an ETag header with the versionId") and "Conditional Read"
/// (If-None-Match answered 304 Not Modified).
#[tokio::test]
async fn reads_and_entries_carry_a_version_and_an_etag() {
    let lab = lab();
    for uri in [
        format!("/fhir/r4/Patient/{}", lab.patients[0]),
        format!("/fhir/r4/Observation/{}", lab.results[0]),
        format!("/fhir/r4/DiagnosticReport/{}", lab.orders[0]),
        format!("/fhir/r4/ServiceRequest/{}", lab.orders[0]),
    ] {
        let (s, headers, v) = get_with(&lab, &uri, Some(FHIR), &[]).await;
        assert_eq!(s, StatusCode::OK, "{uri}: {v}");
        let version = v["meta"]["versionId"].as_str().expect("meta.versionId");
        assert!(!version.is_empty());
        let updated = v["meta"]["lastUpdated"].as_str().expect("meta.lastUpdated");
        updated.parse::<jiff::Timestamp>().unwrap();
        let etag = headers[header::ETAG].to_str().unwrap().to_owned();
        assert_eq!(etag, format!("W/\"{version}\""), "{uri}");
        let (s, _, body) = get_with(
            &lab,
            &uri,
            Some(FHIR),
            &[(header::IF_NONE_MATCH, etag.as_str())],
        )
        .await;
        assert_eq!(s, StatusCode::NOT_MODIFIED, "{uri}");
        assert_eq!(body, Value::Null);
        let (s, _, _) = get_with(
            &lab,
            &uri,
            Some(FHIR),
            &[(header::IF_NONE_MATCH, "W/\"0000\"")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{uri}");
    }
    // A search entry is the same version as the read.
    let (_, _, read) = get(
        &lab,
        &format!("/fhir/r4/Observation/{}", lab.results[0]),
        Some(FHIR),
    )
    .await;
    let v = page(&lab, "/fhir/r4/Observation").await;
    assert_eq!(v["entry"][0]["resource"], read);
    // A change of what is served changes the version: a new status of the order.
    let before = read["meta"]["versionId"].clone();
    let (_, _, order_before) = get(
        &lab,
        &format!("/fhir/r4/ServiceRequest/{}", lab.orders[2]),
        Some(FHIR),
    )
    .await;
    lab.state
        .store
        .cancel_order(lab.orders[2], "duplicate", &Actor::System)
        .unwrap();
    let (_, _, order_after) = get(
        &lab,
        &format!("/fhir/r4/ServiceRequest/{}", lab.orders[2]),
        Some(FHIR),
    )
    .await;
    assert_eq!(order_after["status"], "revoked");
    assert_ne!(
        order_after["meta"]["versionId"],
        order_before["meta"]["versionId"]
    );
    assert_eq!(before, read["meta"]["versionId"]);
}

/// FHIR R4 CapabilityStatement invariants cpb-2 ("A Capability Statement SHALL have at least
/// one of description, software, or implementation element") and cpb-14 ("If kind = instance,
/// implementation must be present and software may be present"); `rest.resource.searchParam`
/// lists the search parameters, and each one listed is taken by its search.
#[tokio::test]
async fn the_capability_statement_lists_what_the_searches_take() {
    let lab = lab();
    let (s, _, v) = get(&lab, "/fhir/r4/metadata", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["kind"], "instance");
    assert_eq!(v["implementation"]["url"], BASE);
    assert!(v["implementation"]["description"].is_string());
    assert_eq!(v["software"]["name"], "lis");
    let resources = v["rest"][0]["resource"].as_array().unwrap();
    let listed = |kind: &str| -> Vec<(String, String)> {
        resources.iter().find(|r| r["type"] == kind).unwrap()["searchParam"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert!(p["documentation"].as_str().is_some_and(|d| !d.is_empty()));
                (
                    p["name"].as_str().unwrap().to_owned(),
                    p["type"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    assert_eq!(listed("Patient"), pairs(&[("identifier", "token")]));
    assert_eq!(
        listed("Observation"),
        pairs(&[
            ("patient", "reference"),
            ("subject", "reference"),
            ("code", "token"),
            ("date", "date"),
            ("_lastUpdated", "date"),
        ])
    );
    assert_eq!(
        listed("ServiceRequest"),
        pairs(&[("patient", "reference"), ("subject", "reference")])
    );
    // Every parameter listed is taken by its search.
    for r in resources {
        let kind = r["type"].as_str().unwrap();
        for p in r["searchParam"].as_array().unwrap() {
            let value = match p["type"].as_str().unwrap() {
                "date" => "ge2025-01-01",
                "reference" => "Patient/1",
                _ => "GLU",
            };
            let uri = format!("/fhir/r4/{kind}?{}={value}", p["name"].as_str().unwrap());
            let (s, _, v) = get(&lab, &uri, Some(FHIR)).await;
            assert_eq!(s, StatusCode::OK, "{uri}: {v}");
        }
    }
}

/// FHIR R4 Observation.interpretation with v3 ObservationInterpretation `N` (Normal), as HL7 v2
/// OBX-8 `N`: a text result among the test's normal answers (HIV "Âm tính") is normal.
#[tokio::test]
async fn a_normal_text_result_is_interpreted_normal() {
    let lab = lab();
    let store = &lab.state.store;
    order_of(store, "PL-HIV", "BN003", "SH1", "HIV");
    let id = result_of(
        store,
        "SH1",
        "HIV",
        "Âm tính",
        "2025-03-03T02:00:00Z",
        b"hiv",
    );
    // Immunology is held for a person: verify and release it.
    if store.result(id).unwrap().state == lis_core::lifecycle::ResultState::PendingReview {
        store.verify(id, &Actor::System).unwrap();
    }
    if store.result(id).unwrap().state != lis_core::lifecycle::ResultState::Released {
        store.release(id, &Actor::System).unwrap();
    }
    let (s, _, v) = get(&lab, &format!("/fhir/r4/Observation/{id}"), Some(FHIR)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["valueString"], "Âm tính");
    assert_eq!(
        v["interpretation"][0]["coding"][0]["system"],
        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
    );
    assert_eq!(v["interpretation"][0]["coding"][0]["code"], "N", "{v}");
}

/// bundle.html §2.36.4: `fullUrl` is absolute. Behind a proxy the lab sets `[http]
/// public_base_url` and the links start with it whatever `Host` the request had; without it a
/// request with no usable `Host` is refused with 400 naming it, not answered with relative URLs.
#[tokio::test]
async fn links_use_the_public_base_url_when_set_and_need_a_host_otherwise() {
    let lab = lab();
    let proxied = Lab {
        state: AppState {
            public_base_url: Some("https://lis.hospital.vn/lab".into()),
            ..lab.state.clone()
        },
        orders: lab.orders,
        results: lab.results,
        patients: lab.patients,
    };
    let v = page(&proxied, "/fhir/r4/ServiceRequest?_count=1").await;
    assert_eq!(
        v["entry"][0]["fullUrl"],
        format!(
            "https://lis.hospital.vn/lab/fhir/r4/ServiceRequest/{}",
            lab.orders[0]
        )
    );
    assert!(link(&v, "next")
        .unwrap()
        .starts_with("https://lis.hospital.vn/lab/fhir/r4/ServiceRequest?"));
    for host in ["", "bad host/x"] {
        let (s, _, v) = get_with(
            &lab,
            "/fhir/r4/ServiceRequest",
            Some(FHIR),
            &[(header::HOST, host)],
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{host:?}: {v}");
        assert_eq!(v["resourceType"], "OperationOutcome");
    }
}
