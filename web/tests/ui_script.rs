//! The page script (`web/assets/app.js`) in a real browser: Debian's Chromium, headless, loads
//! pages rendered from the UI's templates under the UI's Content-Security-Policy from a small
//! server, and a probe script presses keys the way a technician would and reports what it saw.
//!
//! What a technician would notice is asserted: j/k move the selection over the worklist rows,
//! `?` shows the help, keys typed in a field are text, a result arriving on the live stream
//! brings its row without a reload and keeps the selected row, a tab shown again resumes the
//! stream from the last event id, `x`/`c` put the cursor in the reason, `v` sends the review
//! form, and the page after an action (its redirect's `#fragment`) has the focus there.
//!
//! Chromium must be installed (`apt-get install chromium`; `.ci/run` does it); `LIS_CHROMIUM`
//! names another binary.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use lis_core::lifecycle::ResultState;
use lis_core::model::Role;
use lis_core::validation::QcStatus;
use lis_web::ui::layout::{Nav, SignedInUser};
use lis_web::ui::specimen::{Allowed, ResultLine, SpecimenFacts, SpecimenPage};
use lis_web::ui::worklist::{
    WorklistFilters, WorklistPage, WorklistRow, WorklistRowsFragment, WorklistTable,
};
use lis_web::ui::{statics_router, Lang, Layout, CONTENT_SECURITY_POLICY};

/// What the server saw, in order.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn push(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }

    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

const WORKLIST_PROBE: &str = r#""use strict";
(function () {
  var out = [];
  function key(k, t) {
    (t || document.activeElement || document.body).dispatchEvent(
      new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
  }
  function sel() { var r = document.querySelector("tr.selected"); return r ? r.dataset.id : "none"; }
  function report() { fetch("/report", { method: "POST", body: out.join("\n") }); }
  document.addEventListener("DOMContentLoaded", function () {
    key("j"); out.push("j=" + sel());
    key("j"); out.push("jj=" + sel());
    key("k"); out.push("jjk=" + sel());
    key("k"); out.push("top=" + sel());
    key("j");
    key("?"); out.push("help-shown=" + !document.getElementById("keyboard-help").hidden);
    key("Escape"); out.push("help-after-esc=" + !document.getElementById("keyboard-help").hidden);
    var input = document.querySelector("input[name=date]");
    input.focus(); key("j", input); out.push("typing=" + sel()); input.blur();
    var t0 = Date.now();
    (function wait() {
      if (document.querySelector('tr[data-id="NEW-1"]')) {
        out.push("live-row=arrived");
        out.push("kept=" + sel());
        Object.defineProperty(document, "hidden", { value: true, configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
        Object.defineProperty(document, "hidden", { value: false, configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
        report();
      } else if (Date.now() - t0 > 4000) {
        out.push("live-row=missing"); report();
      } else setTimeout(wait, 50);
    })();
  });
})();
"#;

const SPECIMEN_PROBE: &str = r#""use strict";
document.addEventListener("DOMContentLoaded", function () {
  var out = [];
  function key(k) {
    document.activeElement.dispatchEvent(
      new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
  }
  var a = document.activeElement;
  key("x"); a = document.activeElement;
  out.push("x=" + a.id + " open=" + a.closest("details").open);
  key("Escape"); out.push("esc=" + document.activeElement.tagName);
  key("c"); a = document.activeElement; out.push("c=" + a.id);
  a.value = "hemolysed"; a.blur();
  fetch("/report", { method: "POST", body: out.join("\n") }).then(function () { key("v"); });
});
"#;

const AFTER_PROBE: &str = r#""use strict";
document.addEventListener("DOMContentLoaded", function () {
  fetch("/report", { method: "POST", body: "after-focus=" + document.activeElement.id });
});
"#;

fn row(id: &str) -> WorklistRow {
    WorklistRow {
        specimen_id: id.into(),
        patient_name: "Nguyễn Văn An".into(),
        sex_age: "Nam, 45 tuổi".into(),
        department: "Nội".into(),
        stat: false,
        waiting: 1,
        reasons: vec![],
        held: false,
        qc_held: vec![],
        critical_waiting: None,
        received: "07/12/2026 08:30".into(),
        since_received: "5 phút".into(),
        overdue: false,
    }
}

fn layout() -> Layout {
    Layout::signed_in(
        Lang::Vi,
        "Lab",
        SignedInUser {
            display_name: "Trần Thị B".into(),
            role: Role::Technician,
        },
        "tok",
        "/",
        Nav::Worklist,
    )
}

fn table(rows: Vec<WorklistRow>) -> WorklistTable {
    WorklistTable {
        lang: Lang::Vi,
        rows,
        filtered: false,
    }
}

/// A page with a probe script added last (from the origin, so the CSP allows it).
fn probed(html: String, probe: &str) -> Html<String> {
    Html(html.replace(
        "</body>",
        &format!("<script src=\"/probe/{probe}.js\" defer></script>\n</body>"),
    ))
}

fn specimen_page() -> SpecimenPage {
    SpecimenPage {
        layout: layout(),
        specimen: SpecimenFacts {
            specimen_id: "S1".into(),
            ..SpecimenFacts::default()
        },
        results: vec![ResultLine {
            id: 1,
            version: 3,
            test_name: "Kali".into(),
            test_code: "K".into(),
            value: "4.2".into(),
            unit: "mmol/L".into(),
            range: Some("3.5–5.1".into()),
            flags: vec![],
            delta: None,
            state: ResultState::PendingReview,
            reasons: vec![],
            qc: QcStatus::InControl,
            qc_marker: None,
            qc_notes: vec![],
            instrument: "AU480".into(),
            critical: false,
            callbacks: vec![],
            actionable: true,
            checked: true,
            raw_message_url: None,
            editable: false,
            correctable: false,
            supplements: vec![],
            antibiogram: None,
        }],
        allowed: Allowed {
            verify: true,
            rerun: true,
            reject: true,
            comment: true,
            ..Allowed::default()
        },
        dilutions: vec![],
        tests_without_result: vec![],
        previous: vec![],
        history: vec![],
        comments: vec![],
        graphs: Default::default(),
    }
}

fn server(seen: Seen) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async {
                let page = WorklistPage {
                    layout: layout(),
                    filters: WorklistFilters::default(),
                    table: table(vec![row("S-A"), row("S-B"), row("S-C")]),
                    filter_query: String::new(),
                    next_page: None,
                    can_verify: true,
                    can_release: false,
                };
                probed(page.render().unwrap(), "worklist")
            }),
        )
        .route(
            "/worklist/rows",
            get(|| async {
                let rows = vec![row("NEW-1"), row("S-A"), row("S-B"), row("S-C")];
                Html(
                    WorklistRowsFragment { table: table(rows) }
                        .render()
                        .unwrap(),
                )
            }),
        )
        .route(
            "/worklist/events",
            get(
                |State(seen): State<Seen>, RawQuery(q): RawQuery| async move {
                    seen.push(format!("events?{}", q.unwrap_or_default()));
                    // One change, then the stream ends; a long retry keeps the browser from
                    // reconnecting on its own during the test.
                    (
                        [(header::CONTENT_TYPE, "text/event-stream")],
                        "retry: 600000\nid: 42\nevent: change\ndata: {}\n\n",
                    )
                },
            ),
        )
        .route(
            "/specimens/S1",
            get(|| async { probed(specimen_page().render().unwrap(), "specimen") }),
        )
        .route(
            "/specimens/S1/verify",
            post(|State(seen): State<Seen>, body: String| async move {
                seen.push(format!("verify:{body}"));
                Redirect::to("/after#result-1")
            }),
        )
        .route(
            "/after",
            get(|| async { probed(specimen_page().render().unwrap(), "after") }),
        )
        .route(
            "/report",
            post(|State(seen): State<Seen>, body: String| async move {
                for line in body.lines() {
                    seen.push(line.to_owned());
                }
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/probe/{name}",
            get(
                |axum::extract::Path(name): axum::extract::Path<String>| async move {
                    let text = match name.as_str() {
                        "worklist.js" => WORKLIST_PROBE,
                        "specimen.js" => SPECIMEN_PROBE,
                        "after.js" => AFTER_PROBE,
                        _ => return StatusCode::NOT_FOUND.into_response(),
                    };
                    ([(header::CONTENT_TYPE, "text/javascript")], text).into_response()
                },
            ),
        )
        .merge(statics_router())
        .layer(axum::middleware::map_response(
            |mut resp: Response| async move {
                resp.headers_mut().insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(CONTENT_SECURITY_POLICY),
                );
                resp
            },
        ))
        .with_state(seen)
}

/// Headless Chromium on one page, ended when the test has seen what it needs.
struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens `url`; virtual time runs the page's timers without waiting for them.
    fn open(url: &str) -> Self {
        let chromium = std::env::var("LIS_CHROMIUM").unwrap_or_else(|_| "chromium".into());
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                &format!("--user-data-dir={}", profile.path().display()),
                "--virtual-time-budget=20000",
                "--dump-dom",
                url,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {chromium} (apt-get install chromium): {e}"));
        Self {
            child,
            _profile: profile,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start() -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = server(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, seen)
}

/// Waits up to 30 s for the server to see a line starting with `line`.
async fn wait_for(seen: &Seen, line: &str) {
    for _ in 0..600 {
        if seen.lines().iter().any(|l| l.starts_with(line)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never saw {line:?}; saw {:#?}", seen.lines());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worklist_keys_and_live_rows_in_chromium() {
    let (addr, seen) = start().await;
    let _browser = Browser::open(&format!("http://{addr}/"));
    wait_for(&seen, "live-row=").await;
    let lines = seen.lines();
    let reported: Vec<&str> = lines
        .iter()
        .filter(|l| !l.starts_with("events?"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        reported,
        [
            "j=S-A",
            "jj=S-B",
            "jjk=S-A",
            "top=S-A",
            "help-shown=true",
            "help-after-esc=false",
            "typing=S-B",
            "live-row=arrived",
            "kept=S-B",
        ]
    );
    // The first stream had no cursor; the tab shown again resumed from the last event's id.
    let streams: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("events?"))
        .map(String::as_str)
        .collect();
    assert_eq!(streams.first(), Some(&"events?"));
    assert!(streams.contains(&"events?last_event_id=42"), "{streams:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn specimen_keys_focus_the_reason_and_send_the_review_form() {
    let (addr, seen) = start().await;
    let _browser = Browser::open(&format!("http://{addr}/specimens/S1"));
    wait_for(&seen, "verify:").await;
    let lines = seen.lines();
    assert_eq!(
        lines[..3],
        ["x=reject_reason open=true", "esc=BODY", "c=comment"]
    );
    // `v` pressed the Verify button: the form went to its own URL with the result's version,
    // the token and what was typed.
    let verify = lines.iter().find(|l| l.starts_with("verify:")).unwrap();
    assert!(verify.contains("csrf=tok"), "{verify}");
    assert!(verify.contains("result=1%3A3"), "{verify}");
    assert!(verify.contains("comment=hemolysed"), "{verify}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_action_the_focus_is_where_the_server_said() {
    // An action's redirect names the element to go on from (`#result-1`).
    let (addr, seen) = start().await;
    let _browser = Browser::open(&format!("http://{addr}/after#result-1"));
    wait_for(&seen, "after-focus=").await;
    assert_eq!(seen.lines(), ["after-focus=result-1"]);
}
