//! The patient pages through the whole app (`oneshot`): sign-in and role guards, the search by
//! a name without marks and by identifiers, the cumulative report with its trend chart.

use axum::http::StatusCode;

use crate::ui::page_tests::{get, ingest, lab, order, send, signed_in, Lab};
use crate::ui::testing::assert_no_inline_code;

/// Two patients; NGUYỄN VĂN AN has glucose 5.0 then 7.2 (above 6.4) on two specimens.
fn patients() -> Lab {
    let lab = lab();
    let system = lis_core::model::Actor::System;
    for (his, name, placer, barcode) in [
        ("BN-1", "NGUYỄN VĂN AN", "PL-1", "S-1"),
        ("BN-2", "Trần Thị Bích Ngọc", "PL-2", "S-2"),
        ("BN-1", "NGUYỄN VĂN AN", "PL-3", "S-3"),
    ] {
        lab.store
            .place_order(order(his, name, placer, barcode, None, &["GLU"]), &system)
            .unwrap();
    }
    ingest(&lab.store, "S-1", "2025-03-01T02:00:00Z", &[("GLU", "5.0")]);
    // Held for review (high), then verified and released by the system.
    let high = ingest(&lab.store, "S-3", "2025-03-04T02:00:00Z", &[("GLU", "7.2")])[0];
    lab.store.verify(high, &system).unwrap();
    lab.store.release(high, &system).unwrap();
    lab
}

#[tokio::test]
async fn without_a_session_both_pages_go_to_sign_in() {
    let lab = patients();
    for uri in ["/patients?q=an", "/patients/1"] {
        let answer = send(&lab.app, get(uri, "")).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(answer.location().starts_with("/login?next="), "{uri}");
    }
}

#[tokio::test]
async fn an_administrator_without_a_lab_role_gets_403() {
    let lab = patients();
    let admin = signed_in(&lab.app, "admin").await;
    for uri in ["/patients", "/patients?q=an", "/patients/1"] {
        let answer = send(&lab.app, get(uri, &admin)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(!answer.body.contains("NGUYỄN"), "{uri}");
    }
}

#[tokio::test]
async fn a_name_without_marks_finds_the_patient() {
    let lab = patients();
    let tech = signed_in(&lab.app, "tech").await;
    let page = send(&lab.app, get("/patients?q=nguyen+van+an", &tech)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("1 patients match"), "{}", page.body);
    assert!(page
        .body
        .contains("<a href=\"/patients/1\">NGUYỄN VĂN AN</a>"));
    assert!(!page.body.contains("Bích Ngọc"));
    assert!(page.body.contains("value=\"nguyen van an\""));
    assert_no_inline_code(&page.body);
    // With marks, lower case, by the given name.
    let page = send(&lab.app, get("/patients?q=b%C3%ADch+ng%E1%BB%8Dc", &tech)).await;
    assert!(page.body.contains("Trần Thị Bích Ngọc"), "{}", page.body);
    // By specimen id and placer number, exactly.
    let page = send(&lab.app, get("/patients?q=S-2", &tech)).await;
    assert!(page.body.contains("Trần Thị Bích Ngọc") && page.body.contains("specimen id"));
    let page = send(&lab.app, get("/patients?q=PL-3", &tech)).await;
    assert!(page.body.contains("NGUYỄN VĂN AN") && page.body.contains("placer number"));
    let page = send(&lab.app, get("/patients?q=le+thi", &tech)).await;
    assert!(page.body.contains("No patient found for"), "{}", page.body);
    // No query: the form alone.
    let page = send(&lab.app, get("/patients", &tech)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("search-summary"));
    // Too long: 400 saying so.
    let long = format!("/patients?q={}", "a".repeat(201));
    let page = send(&lab.app, get(&long, &tech)).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("longer than 200 characters"));
}

#[tokio::test]
async fn the_cumulative_report_has_the_table_and_a_trend_chart() {
    let lab = patients();
    let boss = signed_in(&lab.app, "boss").await;
    let page = send(&lab.app, get("/patients/1", &boss)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_no_inline_code(&page.body);
    assert!(page.body.contains("BN-1") && page.body.contains("Cumulative report"));
    // Newest specimen first: S-3 (04/03/2025 09:00 in Ho Chi Minh City) before S-1.
    let (s3, s1) = (
        page.body.find(">S-3</a>").unwrap(),
        page.body.find(">S-1</a>").unwrap(),
    );
    assert!(s3 < s1);
    assert!(page.body.contains("04/03/2025 09:00"));
    // 7.2 is above the adult range 3.9–6.4: flagged high, in words.
    let row = &page.body[page.body.find("<th scope=\"row\">Glucose</th>").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("3.9-6.4"), "{row}");
    assert!(row.contains(">7.2<") && row.contains("High"), "{row}");
    assert!(row.contains(">5.0<"), "{row}");
    // The chart: two marks, the high one a square, the band drawn, the latest value written.
    assert!(page.body.contains("<svg viewBox=\"0 0 420 150\""));
    assert!(page.body.contains("class=\"trend-band\""));
    assert_eq!(
        page.body.matches("class=\"trend-mark trend-out\"").count(),
        1
    );
    assert_eq!(page.body.matches("<circle class=\"trend-mark\"").count(), 1);
    assert!(page
        .body
        .contains("Glucose: 2 results from 01/03/2025 to 04/03/2025"));
    assert!(page.body.contains("Shaded band: reference range 3.9-6.4"));
}

#[tokio::test]
async fn an_unknown_patient_is_404() {
    let lab = patients();
    let tech = signed_in(&lab.app, "tech").await;
    for uri in ["/patients/99", "/patients/x"] {
        assert_eq!(
            send(&lab.app, get(uri, &tech)).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
}
