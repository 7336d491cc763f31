//! The turnaround dashboard through the whole app (`oneshot`): guards, figures calculated by
//! hand, and bad dates.

use axum::http::StatusCode;
use lis_core::model::Actor;

use crate::ui::page_tests::{get, ingest, lab, order, send, signed_in, Lab};
use crate::ui::testing::assert_no_inline_code;

/// Three specimens received 1 March 2025 at 08:00 in Ho Chi Minh City (01:00 UTC): glucose
/// released after 30, 50 and 150 minutes (the last past the 2 h target); S-4's glucose 30 is
/// critical and waits.
fn dashboard() -> Lab {
    let lab = lab();
    for n in 1..=4 {
        let o = order(
            &format!("BN-{n}"),
            "Lê Văn An",
            &format!("PL-{n}"),
            &format!("S-{n}"),
            Some("2025-03-01T01:00:00Z"),
            &["GLU"],
        );
        lab.store.place_order(o, &Actor::System).unwrap();
    }
    ingest(&lab.store, "S-1", "2025-03-01T01:30:00Z", &[("GLU", "5.0")]);
    ingest(&lab.store, "S-2", "2025-03-01T01:50:00Z", &[("GLU", "5.1")]);
    ingest(&lab.store, "S-3", "2025-03-01T03:30:00Z", &[("GLU", "5.2")]);
    ingest(
        &lab.store,
        "S-4",
        "2025-03-01T03:40:00Z",
        &[("GLU", "30.0")],
    );
    lab
}

const DAY: &str = "/turnaround?from=2025-03-01&to=01/03/2025";

#[tokio::test]
async fn guards_sign_in_and_roles() {
    let lab = dashboard();
    let answer = send(&lab.app, get(DAY, "")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(answer.location().starts_with("/login?next="));
    for user in ["tech", "admin"] {
        let cookie = signed_in(&lab.app, user).await;
        let answer = send(&lab.app, get(DAY, &cookie)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{user}");
        assert!(!answer.body.contains("S-3"));
    }
}

#[tokio::test]
async fn a_supervisor_sees_medians_late_specimens_and_critical_waits() {
    let lab = dashboard();
    let boss = signed_in(&lab.app, "boss").await;
    let page = send(&lab.app, get(DAY, &boss)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_no_inline_code(&page.body);
    assert!(page.body.contains("Specimens received on 01/03/2025"));
    // The form writes dates as the lab does, and the headline gives the counts in words.
    assert!(page.body.contains("name=\"from\" value=\"01/03/2025\""));
    assert!(page.body.contains("⏱</span> Tests past their target: 2"));
    assert!(page
        .body
        .contains("‼</span> Critical results not yet told: 1"));
    // Released 30, 50, 150 min: median rank ⌈1.5⌉ = 2 → 50 min; P90 rank ⌈2.7⌉ = 3 → 2 h 30.
    // Four specimens, two late: S-3 (150 > 120) and S-4 (still waiting, hours past).
    let tests = &page.body[page.body.find("id=\"tat-tests\"").unwrap()..];
    let glu = &tests[tests.find("GLU · Glucose").unwrap()..];
    let glu = &glu[..glu.find("</tr>").unwrap()];
    let cells: Vec<&str> = glu
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| c.split("</td>").next().unwrap())
        .collect();
    assert_eq!(
        cells[..5],
        ["2 h 00 min", "4", "3", "50 min", "2 h 30 min"],
        "{glu}"
    );
    assert!(cells[5].contains("2 late"), "{glu}");
    let sections = &page.body[page.body.find("id=\"tat-sections\"").unwrap()..];
    assert!(sections.contains("<th scope=\"row\">Biochemistry</th>"));
    // The late list: S-4 (waiting) first, then S-3 (2 h 30 min, 30 min over).
    let late = &page.body[page.body.find("id=\"tat-late\"").unwrap()..];
    let (s4, s3) = (late.find(">S-4<").unwrap(), late.find(">S-3<").unwrap());
    assert!(s4 < s3);
    assert!(late[s3..].contains("+30 min"), "{late}");
    assert!(late[s4..s3].contains("not released"));
    // The critical glucose has no call-back: said in words, with a symbol.
    let critical = &page.body[page.body.find("id=\"tat-critical\"").unwrap()..];
    assert!(
        critical.contains(">S-4<") && critical.contains("30.0 mmol/L"),
        "{critical}"
    );
    assert!(critical.contains("‼</span> no call-back yet"), "{critical}");
    assert!(critical.contains("still waiting"));
}

#[tokio::test]
async fn another_day_is_empty_and_bad_dates_are_400() {
    let lab = dashboard();
    let boss = signed_in(&lab.app, "boss").await;
    let page = send(
        &lab.app,
        get("/turnaround?from=2025-03-02&to=2025-03-02", &boss),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("No specimen was received in this range."));
    let page = send(&lab.app, get("/turnaround?from=31/02/2025", &boss)).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("from = ") && page.body.contains("31/02/2025"),
        "{}",
        page.body
    );
    for uri in [
        "/turnaround?from=2025-01-01&to=2025-03-01",
        "/turnaround?from=2025-03-02&to=2025-03-01",
    ] {
        let page = send(&lab.app, get(uri, &boss)).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(page.body.contains("at most 31 days"), "{uri}");
    }
}
