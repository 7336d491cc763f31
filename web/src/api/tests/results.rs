//! Results out: the pull, FHIR read and search (released results only), the OpenAPI document and
//! metrics, and order downloads to a running link.

use super::*;

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
    // The analyzer's supplementary values, as sent (the fixture's RLU and index).
    assert_eq!(
        r["supplementary"],
        json!([
            {"name": "RLU", "value": "611793", "units": "", "flags": []},
            {"name": "INDX", "value": "<0.10", "units": "Index", "flags": ["N"]}
        ])
    );
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
    // Its supplementary values are components: a plain number as a quantity with the unit as
    // sent (none here), anything else as text.
    let (_, _, o) = call(&lab, Method::GET, &released, Some(FHIR), None).await;
    assert_eq!(
        o["component"],
        json!([
            {"code": {"text": "RLU"}, "valueQuantity": {"value": 611793.0}},
            {"code": {"text": "INDX"}, "valueString": "<0.10"}
        ])
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
