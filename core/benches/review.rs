//! A supervisor's "release all clear" on a durable store (a real directory on disk, WAL,
//! `synchronous=FULL`).
//!
//! - `review/release_all_clear_200`: 10 chemistry panels of 20 normal results each, autoverified
//!   and waiting for a person's release (the lab's tests have `auto_release = false`), released
//!   by one `Store::release_all_clear` over the whole worklist: 200 results, their audit entries
//!   and 10 outbox rows in one durable transaction. The set-up of each iteration (orders and
//!   ingest) is not measured.
//!
//! Run: `cargo bench -p lis-core --bench review`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use jiff::civil::date;
use jiff::Timestamp;
use lis_core::model::{
    Actor, AnalyzerMessage, MessageKind, NewOrder, NewPatient, NewSpecimen, Observation, Priority,
    Protocol, ReviewScope, Role, Sex,
};
use lis_core::{LabConfig, Store};

/// A normal adult chemistry panel (every value inside the default lab's adult ranges).
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
const PANELS: usize = 10;

fn order(i: usize) -> NewOrder {
    NewOrder {
        placer_number: format!("O{i}"),
        patient: NewPatient {
            his_id: format!("P{i}"),
            name: "Bench".into(),
            sex: Sex::Male,
            birth_date: Some(date(1970, 1, 1)),
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
        },
        requesting_doctor: "Dr".into(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: "Ward".into(),
        priority: Priority::Routine,
        ordered_at: Timestamp::from_second(1_739_990_000).unwrap(),
        specimens: vec![NewSpecimen {
            barcode: format!("B{i}"),
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
        received_at: Timestamp::from_second(1_740_000_000).unwrap(),
        protocol: Protocol::Astm,
        raw: format!("bench panel {i}").into_bytes(),
        kind: MessageKind::Results,
        observations: PANEL
            .iter()
            .map(|(t, v)| Observation {
                specimen_id: format!("B{i}"),
                instrument_test_code: (*t).into(),
                value: (*v).into(),
                status: "F".into(),
                ..Default::default()
            })
            .collect(),
        patient_hint: None,
    }
}

/// A fresh on-disk store with 200 autoverified results waiting for release, and a supervisor.
fn setup() -> (tempfile::TempDir, Store, Actor) {
    let mut config = LabConfig::embedded_default().unwrap();
    for t in &mut config.tests {
        t.auto_release = false;
    }
    // CARGO_TARGET_TMPDIR is under target/, on the real disk (not a tmpfs).
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = Store::open(dir.path(), config).unwrap();
    let orders: Vec<NewOrder> = (0..PANELS).map(order).collect();
    store.place_orders(&orders, &Actor::System).unwrap();
    for i in 0..PANELS {
        store.ingest(message(i)).unwrap();
    }
    let boss = store
        .create_user("boss", "Supervisor", &[Role::Supervisor], &Actor::System)
        .unwrap();
    (dir, store, Actor::User(boss))
}

fn release_all_clear(c: &mut Criterion) {
    let mut group = c.benchmark_group("review");
    group.sample_size(20);
    group.bench_function("release_all_clear_200", |b| {
        b.iter_batched(
            setup,
            |(dir, store, boss)| {
                let out = store
                    .release_all_clear(&ReviewScope::Worklist { section: None }, &boss)
                    .unwrap();
                assert_eq!(out.acted_count(), PANELS * PANEL.len());
                black_box(out);
                (dir, store)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, release_all_clear);
criterion_main!(benches);
