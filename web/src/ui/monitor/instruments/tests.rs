//! The instruments page through the whole app: guards, one row per link with the day's counts
//! from the store, the last error in words, the live stream that moves when a link changes, the
//! trace with control characters named, and the silence alarm.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::http::{header, StatusCode};
use http_body_util::BodyExt;
use jiff::Timestamp;
use lis_core::store::LinkDayCounts;
use lis_drivers::link::LinkState;
use lis_drivers::trace::Direction;
use tower::ServiceExt;

use super::{alarm_banner, row, state_view};
use crate::state::AppState;
use crate::ui::i18n::Lang;
use crate::ui::monitor::test_lab::{get, lab, lab_with, send, signed_in};
use crate::ui::testing::browser::get_events;

#[tokio::test]
async fn without_a_session_pages_go_to_sign_in_and_the_stream_is_401() {
    let lab = lab();
    for uri in [
        "/instruments",
        "/instruments/rows",
        "/instruments/DEMO-CHEM/trace",
    ] {
        let a = send(&lab.app, get(uri, "")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(a.location().starts_with("/login?next="), "{uri}");
    }
    let events = get_events("/instruments/events", "", None);
    assert_eq!(
        send(&lab.app, events).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_administrator_without_a_lab_role_is_refused() {
    let lab = lab();
    let (cookie, _) = signed_in(&lab.app, "admin").await;
    for uri in [
        "/instruments",
        "/instruments/rows",
        "/instruments/DEMO-CHEM/trace",
    ] {
        assert_eq!(
            send(&lab.app, get(uri, &cookie)).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
}

#[tokio::test]
async fn one_row_per_link_with_the_days_counts_and_the_last_error() {
    let lab = lab();
    let chem = lab
        .links
        .register("DEMO-CHEM", "DEMO-CHEM", "tcp-server 127.0.0.1:5001");
    lab.links
        .register("DEMO-HEMA", "DEMO-HEMA", "tcp-server 0.0.0.0:5002");
    chem.report_error("message 12: no L record before the connection closed");
    let (cookie, _) = signed_in(&lab.app, "tech").await;
    let page = send(&lab.app, get("/instruments", &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    crate::ui::testing::assert_no_inline_code(&page.body);
    let chem_row = row_of(&page.body, "DEMO-CHEM");
    // The ingest of the lab: one message today, no result stored, three unmatched.
    assert!(
        chem_row.contains("<td class=\"num\">1</td>\n<td class=\"num\">0</td>"),
        "{chem_row}"
    );
    assert!(
        chem_row.contains("<a href=\"/unmatched\">3</a>"),
        "{chem_row}"
    );
    assert!(chem_row.contains("✕</span> Disconnected"), "{chem_row}");
    assert!(chem_row.contains("no L record before the connection closed"));
    // The error counted once; no NAK either way.
    assert!(
        chem_row.contains("<td class=\"num\">0 / 0</td>\n<td class=\"num\">1</td>"),
        "{chem_row}"
    );
    assert!(
        chem_row.contains("Demo chemistry and immunoassay analyzer · tcp-server 127.0.0.1:5001")
    );
    let hema_row = row_of(&page.body, "DEMO-HEMA");
    assert!(hema_row.contains("Nothing yet"));
    // The rows fragment is the same rows.
    let rows = send(&lab.app, get("/instruments/rows", &cookie)).await;
    assert_eq!(rows.status, StatusCode::OK);
    assert_eq!(row_of(&rows.body, "DEMO-CHEM"), chem_row);
    assert!(!rows.body.contains("<html"));
}

#[tokio::test]
async fn the_stream_sends_at_once_and_again_when_a_link_changes() {
    let lab = lab();
    let chem = lab
        .links
        .register("DEMO-CHEM", "DEMO-CHEM", "tcp-server 127.0.0.1:5001");
    let (cookie, _) = signed_in(&lab.app, "tech").await;
    let request = get_events("/instruments/events", &cookie, None);
    let response = lab.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut body = response.into_body();
    let first = tokio::time::timeout(Duration::from_secs(3), body.frame())
        .await
        .expect("a first event at once")
        .unwrap()
        .unwrap();
    let first = String::from_utf8(first.into_data().unwrap().to_vec()).unwrap();
    assert!(first.contains("id: 1"), "{first}");
    // Nothing changes: no event within two polls.
    assert!(
        tokio::time::timeout(Duration::from_millis(2300), body.frame())
            .await
            .is_err()
    );
    chem.report_error("read failed: connection reset by peer");
    let next = tokio::time::timeout(Duration::from_secs(3), body.frame())
        .await
        .expect("an event after the change")
        .unwrap()
        .unwrap();
    let next = String::from_utf8(next.into_data().unwrap().to_vec()).unwrap();
    assert!(next.contains("id: 2"), "{next}");
}

#[tokio::test]
async fn the_trace_names_control_characters() {
    let lab = lab();
    let chem = lab
        .links
        .register("DEMO-CHEM", "DEMO-CHEM", "tcp-server 127.0.0.1:5001");
    chem.remember(Direction::Event, b"connected 127.0.0.1:40000");
    chem.remember(Direction::In, b"\x05");
    chem.remember(Direction::Out, b"\x06");
    chem.remember(Direction::In, b"\x021H|\\^&\r\x0330\r\n");
    let (cookie, _) = signed_in(&lab.app, "tech").await;
    let page = send(&lab.app, get("/instruments/DEMO-CHEM/trace", &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    let enq = body.find("&#60;ENQ&#62;").expect("ENQ named");
    let ack = body.find("&#60;ACK&#62;").expect("ACK named");
    let frame = body
        .find("&#60;STX&#62;1H|\\^&#38;&#60;CR&#62;")
        .expect("the frame");
    assert!(enq < ack && ack < frame, "in order");
    assert!(body.contains("&#60;ETX&#62;30&#60;CR&#62;"));
    assert!(body.contains("Analyzer → LIS") && body.contains("LIS → analyzer"));
    assert!(body.contains("connected 127.0.0.1:40000"));
    let unknown = send(&lab.app, get("/instruments/NOPE/trace", &cookie)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("There is no link of this name."));
}

#[test]
fn a_link_silent_past_its_alarm_shows_it_and_others_do_not() {
    let config = lis_core::DEFAULT_LAB_TOML.replace(
        "port = 5001\nprotocol = \"astm-e1381\"",
        "port = 5001\nprotocol = \"astm-e1381\"\nsilence_alarm_minutes = 30",
    );
    assert_ne!(config, lis_core::DEFAULT_LAB_TOML);
    let lab = lab_with(Some(&config));
    let state = AppState::new(Arc::clone(&lab.store), lab.links.clone());
    let now = Timestamp::now();
    let tz = state.config.time_zone().clone();
    let mut chem = lab
        .links
        .register("DEMO-CHEM", "DEMO-CHEM", "tcp-server 127.0.0.1:5001")
        .snapshot();
    let hour_ago = SystemTime::from(now) - Duration::from_secs(3600);
    chem.started_at = hour_ago;
    chem.last_message_at = Some(hour_ago + Duration::from_secs(60 * 10));
    let r = row(&state, &chem, LinkDayCounts::default(), now, &tz, Lang::En);
    assert_eq!(
        r.alarm.as_deref(),
        Some("Silent for 50 minutes (alarm after 30)")
    );
    assert_eq!(
        alarm_banner(std::slice::from_ref(&r), Lang::En).as_deref(),
        Some("Silence alarm: DEMO-CHEM")
    );
    // A message 29 minutes ago: no alarm.
    chem.last_message_at = Some(SystemTime::from(now) - Duration::from_secs(29 * 60));
    let quiet = row(&state, &chem, LinkDayCounts::default(), now, &tz, Lang::En);
    assert_eq!(quiet.alarm, None);
    // A link without the setting never alarms.
    let mut hema = lab
        .links
        .register("DEMO-HEMA", "DEMO-HEMA", "tcp-server 0.0.0.0:5002")
        .snapshot();
    hema.started_at = hour_ago;
    let r = row(&state, &hema, LinkDayCounts::default(), now, &tz, Lang::En);
    assert_eq!(r.alarm, None);
    assert_eq!(alarm_banner(&[r], Lang::En), None);
}

#[test]
fn every_state_has_a_symbol_and_a_word() {
    let mut link = lis_drivers::link::LinkRegistry::new()
        .register("CHEM", "CHEM", "tcp-server 0.0.0.0:5001")
        .snapshot();
    for (state, symbol, word) in [
        (LinkState::Connected, "●", "Đã kết nối"),
        (LinkState::Listening, "◌", "Đang chờ máy kết nối"),
        (LinkState::Connecting, "…", "Đang kết nối"),
        (LinkState::Disconnected, "✕", "Mất kết nối"),
        (LinkState::Error("refused".into()), "!", "Lỗi"),
    ] {
        link.state = state;
        let v = state_view(&link, Lang::Vi);
        assert_eq!((v.symbol, v.word), (symbol, word));
    }
    // Listening again after the analyzer went away: disconnected.
    link.state = LinkState::Listening;
    link.disconnected_at = Some(SystemTime::now());
    let v = state_view(&link, Lang::En);
    assert_eq!(
        (v.symbol, v.word, v.class),
        (
            "✕",
            "Disconnected (waiting for the analyzer to connect again)",
            "link-down"
        )
    );
}

/// The `<tr>` of one link.
fn row_of(body: &str, link: &str) -> String {
    let start = body
        .find(&format!("<tr data-id=\"{link}\""))
        .unwrap_or_else(|| panic!("a row for {link}"));
    let end = start + body[start..].find("</tr>").unwrap();
    body[start..end].to_owned()
}

#[test]
fn a_row_shows_the_naks_and_errors_of_today_not_of_earlier_days() {
    let lab = lab();
    let state = AppState::new(Arc::clone(&lab.store), lab.links.clone());
    let now = Timestamp::now();
    let tz = state.config.time_zone().clone();
    let today = now.to_zoned(state.links.time_zone().clone()).date();
    let mut chem = lab
        .links
        .register("DEMO-CHEM", "DEMO-CHEM", "tcp-server 127.0.0.1:5001")
        .snapshot();
    // Seven NAKs sent and three errors since the start, all of them yesterday.
    chem.counters.naks_sent = 7;
    chem.counters.errors = 3;
    chem.today.date = today.yesterday().ok();
    chem.today.counters = chem.counters;
    let r = row(&state, &chem, LinkDayCounts::default(), now, &tz, Lang::En);
    assert_eq!((r.naks.as_str(), r.errors), ("0 / 0", 0));
    // Two NAKs received and one checksum error today.
    chem.today.date = Some(today);
    chem.today.counters = lis_drivers::link::LinkCounters {
        naks_received: 2,
        checksum_errors: 1,
        ..Default::default()
    };
    let r = row(&state, &chem, LinkDayCounts::default(), now, &tz, Lang::En);
    assert_eq!((r.naks.as_str(), r.errors), ("0 / 2", 1));
}
