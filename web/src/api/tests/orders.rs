//! Orders in: token and scope, the body named field by field, cancel and status; the HIS's
//! refused deliveries listed.

use super::*;

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
