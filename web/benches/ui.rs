//! The technicians' pages rendered server-side, through the real router (session cookie, store
//! reads on the blocking pool, askama rendering, security headers), on a durable store holding
//! 500 specimens with 20 results each, every one waiting for review (10,000 results).
//!
//! - `ui/worklist_first_page`: `GET /`, the first page (STAT first, oldest first).
//! - `ui/worklist_500_one_page`: `GET /?per_page=500`, all 500 specimens read and rendered in one
//!   request (the target).
//! - `ui/worklist_all_500`: every page of the worklist in turn (50 rows each), following the
//!   next-page cursor, so all 500 specimens are rendered once.
//! - `ui/specimen_page`: `GET /specimens/{id}` for a 20-result chemistry panel.
//!
//! Targets (issue "Technicians' web UI, part 1"): the worklist of 500 specimens under 50 ms,
//! a specimen page under 10 ms. Run: `cargo bench -p lis-web --bench ui`.

use std::hint::black_box;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use criterion::{criterion_group, criterion_main, Criterion};
use http_body_util::BodyExt;
use jiff::civil::date;
use jiff::Timestamp;
use lis_core::model::{
    Actor, AnalyzerMessage, MessageKind, NewOrder, NewPatient, NewSpecimen, Observation, Priority,
    Protocol, Role, Sex,
};
use lis_core::store::SignInOutcome;
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;
use lis_web::app::app;
use lis_web::state::AppState;
use tower::ServiceExt;

/// A chemistry panel of 20 tests of the demo analyzer, values inside the adult ranges.
const PANEL: [(&str, &str); 20] = [
    ("GLU", "5.0"),
    ("UREA", "5.0"),
    ("CREA", "80"),
    ("AST", "20"),
    ("ALT", "20"),
    ("GGT", "30"),
    ("TBIL", "10"),
    ("DBIL", "3"),
    ("CHOL", "4.5"),
    ("TG", "1.0"),
    ("HDL", "1.2"),
    ("LDL", "2.5"),
    ("UA", "300"),
    ("NA", "140"),
    ("K", "4.0"),
    ("CL", "100"),
    ("CA", "2.3"),
    ("CRP", "2.0"),
    ("ALB", "40"),
    ("TP", "70"),
];
const SPECIMENS: usize = 500;
const PASSWORD: &str = "bench-password-1";

fn order(i: usize) -> NewOrder {
    NewOrder {
        placer_number: format!("O{i}"),
        patient: NewPatient {
            his_id: format!("P{i}"),
            name: format!("NGUYỄN VĂN {i}"),
            sex: if i.is_multiple_of(2) {
                Sex::Male
            } else {
                Sex::Female
            },
            birth_date: Some(date(1970, 1, 1)),
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
        },
        requesting_doctor: "BS Lê".into(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: "Khoa Nội".into(),
        priority: if i.is_multiple_of(10) {
            Priority::Stat
        } else {
            Priority::Routine
        },
        ordered_at: Timestamp::from_second(1_739_990_000).unwrap(),
        specimens: vec![NewSpecimen {
            barcode: format!("B{i:04}"),
            specimen_type: "serum".into(),
            collected_at: None,
            received_at: None,
            tests: PANEL.iter().map(|(t, _)| (*t).to_owned()).collect(),
        }],
    }
}

fn message(i: usize) -> AnalyzerMessage {
    AnalyzerMessage {
        graphs: Vec::new(),
        instrument: "DEMO-CHEM".into(),
        link: "chem".into(),
        received_at: Timestamp::from_second(1_740_000_000 + i as i64).unwrap(),
        protocol: Protocol::Astm,
        raw: format!("bench panel {i}").into_bytes(),
        kind: MessageKind::Results,
        observations: PANEL
            .iter()
            .map(|(t, v)| Observation {
                specimen_id: format!("B{i:04}"),
                instrument_test_code: (*t).into(),
                value: (*v).into(),
                status: "F".into(),
                ..Default::default()
            })
            .collect(),
        patient_hint: None,
    }
}

/// An on-disk store with 10,000 results waiting for review (autoverification off for every
/// test), a technician signed in, and the app over it. Returns the session cookie.
fn setup() -> (tempfile::TempDir, axum::Router, String) {
    let mut config = LabConfig::embedded_default().unwrap();
    for t in &mut config.tests {
        t.autoverify = false;
    }
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = Store::open(dir.path(), config).unwrap();
    let orders: Vec<NewOrder> = (0..SPECIMENS).map(order).collect();
    store.place_orders(&orders, &Actor::System).unwrap();
    for i in 0..SPECIMENS {
        store.ingest(message(i)).unwrap();
    }
    let lan = store
        .create_user("lan", "KTV Lan", &[Role::Technician], &Actor::System)
        .unwrap();
    store
        .set_password(lan, PASSWORD, false, &Actor::System)
        .unwrap();
    let SignInOutcome::SignedIn(session) =
        store.sign_in("lan", PASSWORD, Timestamp::now()).unwrap()
    else {
        panic!("the bench user signs in");
    };
    let state = AppState::new(Arc::new(store), LinkRegistry::new());
    (dir, app(state), format!("lis_session={}", session.secret))
}

/// One GET through the router; the body is read whole (the rendering is the point).
async fn get(app: &axum::Router, cookie: &str, path: &str) -> String {
    let response = app
        .clone()
        .oneshot(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The next page's link on a worklist page, if any (`href` of the element marked `rel="next"`).
fn next_page(html: &str) -> Option<String> {
    let at = html.find("rel=\"next\"")?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..html[at..].find('>')? + at];
    let href = tag.split("href=\"").nth(1)?.split('"').next()?;
    Some(href.replace("&amp;", "&"))
}

fn pages(c: &mut Criterion) {
    let (_dir, app, cookie) = setup();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Every specimen is on some page exactly once.
    let all = runtime.block_on(async {
        let mut html = get(&app, &cookie, "/").await;
        let mut seen = 0;
        loop {
            seen += html.matches("data-href=\"/specimens/").count();
            match next_page(&html) {
                Some(next) => html = get(&app, &cookie, &next).await,
                None => break seen,
            }
        }
    });
    assert_eq!(all, SPECIMENS, "every waiting specimen is listed once");
    let one_page = runtime.block_on(get(&app, &cookie, "/?per_page=500"));
    assert_eq!(
        one_page.matches("data-href=\"/specimens/").count(),
        SPECIMENS,
        "one page of 500 lists every waiting specimen"
    );

    let mut group = c.benchmark_group("ui");
    group.sample_size(30);
    group.bench_function("worklist_first_page", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(get(&app, &cookie, "/").await) });
    });
    group.bench_function("worklist_500_one_page", |b| {
        b.to_async(&runtime).iter(|| async {
            let html = get(&app, &cookie, "/?per_page=500").await;
            debug_assert_eq!(html.matches("data-href=\"/specimens/").count(), SPECIMENS);
            black_box(html)
        });
    });
    group.bench_function("worklist_all_500", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut html = get(&app, &cookie, "/").await;
            while let Some(next) = next_page(&html) {
                html = get(&app, &cookie, &next).await;
            }
            black_box(html)
        });
    });
    group.bench_function("specimen_page", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(get(&app, &cookie, "/specimens/B0123").await) });
    });
    group.finish();
}

criterion_group!(benches, pages);
criterion_main!(benches);
