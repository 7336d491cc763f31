//! Durable ingestion into SQLite on this machine (a real directory on disk, WAL,
//! `synchronous=FULL`).
//!
//! - `ingest/grouped`: messages of 20 results submitted concurrently by 32 links through the
//!   group-commit `Ingestor`, each link waiting for its acknowledgement before sending the next
//!   (as an analyzer does); throughput in results/s. It also prints results per CPU second,
//!   which does not depend on what else runs on the machine.
//! - `ingest/one_commit_per_message`: messages of 20 results, each its own durable commit via
//!   `Store::ingest`, sequential; throughput in messages/s.
//!
//! Run: `cargo bench -p lis-core --bench ingest`.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jiff::civil::date;
use jiff::Timestamp;
use lis_core::model::{
    Actor, AnalyzerMessage, MessageKind, NewOrder, NewPatient, NewSpecimen, Observation, Priority,
    Protocol, Sex,
};
use lis_core::{Ingestor, LabConfig, Store};

const TESTS: [&str; 20] = [
    "GLU", "UREA", "CREA", "AST", "ALT", "GGT", "TBIL", "DBIL", "CHOL", "TG", "HDL", "LDL", "UA",
    "NA", "K", "CL", "CA", "CRP", "ALB", "TP",
];
/// Distinct specimens ordered before the run (a district lab's few months); messages go to them
/// in turn, and both benchmarks together send fewer messages than this on this machine, so every
/// result is the first for its ordered test, as in a real lab (not a rerun's second version).
const SPECIMENS: u64 = 60_000;
const LINKS: u64 = 32;

// The allocator the `lis` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

static NEXT: AtomicU64 = AtomicU64::new(0);

fn message(link: u64) -> AnalyzerMessage {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    // Different bytes every time (no duplicates); specimens are reused only after a full cycle.
    let specimen = format!("B{}", id % SPECIMENS);
    let observations = TESTS
        .iter()
        .enumerate()
        .map(|(i, code)| Observation {
            specimen_id: specimen.clone(),
            instrument_test_code: (*code).into(),
            value: format!("{}.{}", 3 + i, id % 10),
            status: "F".into(),
            ..Default::default()
        })
        .collect();
    AnalyzerMessage {
        graphs: Vec::new(),
        instrument: "DEMO-CHEM".into(),
        link: format!("link-{link}"),
        received_at: Timestamp::from_second(1_740_000_000).unwrap(),
        protocol: Protocol::Astm,
        raw: format!("bench message {id} with some bytes to hash and journal").into_bytes(),
        kind: MessageKind::Results,
        observations,
        patient_hint: None,
    }
}

fn setup() -> (tempfile::TempDir, Store) {
    // CARGO_TARGET_TMPDIR is under target/, on the real disk (not a tmpfs).
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = Store::open(dir.path(), LabConfig::embedded_default().unwrap()).unwrap();
    let start = Instant::now();
    add_orders(&store);
    eprintln!(
        "setup: {SPECIMENS} orders placed in {:.1?}",
        start.elapsed()
    );
    (dir, store)
}

fn add_orders(store: &Store) {
    let orders: Vec<NewOrder> = (0..SPECIMENS)
        .map(|i| NewOrder {
            placer_number: format!("O{i}"),
            patient: NewPatient {
                his_id_authority: Default::default(),
                his_id_type: String::new(),
                name_parts: None,
                his_id: format!("P{}", i % 5_000),
                name: "Bench".into(),
                sex: if i % 2 == 0 { Sex::Male } else { Sex::Female },
                birth_date: Some(date(1970, 1, 1)),
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
                tests: TESTS.iter().map(|s| (*s).to_owned()).collect(),
            }],
        })
        .collect();
    for chunk in orders.chunks(2_000) {
        store.place_orders(chunk, &Actor::System).unwrap();
    }
}

/// CPU seconds used by this process so far (user + system), from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // USER_HZ is 100 on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// Prints messages and CPU time used by one benchmark, so the figure can be read without the
/// other processes competing for the machine's cores.
fn report_cpu(name: &str, messages_before: u64, cpu_before: f64) {
    let messages = NEXT.load(Ordering::Relaxed) - messages_before;
    let cpu = cpu_seconds() - cpu_before;
    if cpu > 0.0 {
        eprintln!(
            "{name}: {messages} messages, {cpu:.1} CPU s: {:.0} messages per CPU second, {:.0} results per CPU second",
            messages as f64 / cpu,
            messages as f64 * TESTS.len() as f64 / cpu
        );
    }
    let sent = NEXT.load(Ordering::Relaxed);
    if sent > SPECIMENS {
        eprintln!(
            "note: {} messages went to specimens that already had results (second versions); \
             the figures above are not first results only",
            sent - SPECIMENS
        );
    }
}

fn bench(c: &mut Criterion) {
    let (_dir, store) = setup();
    let ingestor = Ingestor::start(&store).unwrap();
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));

    group.throughput(Throughput::Elements(TESTS.len() as u64));
    let (m0, c0) = (NEXT.load(Ordering::Relaxed), cpu_seconds());
    group.bench_function("grouped", |b| {
        b.iter_custom(|iters| {
            let per_link = iters.div_ceil(LINKS);
            let start = Instant::now();
            let threads: Vec<_> = (0..LINKS)
                .map(|link| {
                    let ingestor = ingestor.clone();
                    std::thread::spawn(move || {
                        for _ in 0..per_link {
                            black_box(ingestor.ingest(message(link)).unwrap());
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            // Report per message actually sent.
            start
                .elapsed()
                .mul_f64(iters as f64 / (per_link * LINKS) as f64)
        });
    });

    report_cpu("grouped", m0, c0);
    let store = Arc::new(store);
    group.throughput(Throughput::Elements(1));
    let (m0, c0) = (NEXT.load(Ordering::Relaxed), cpu_seconds());
    group.bench_function("one_commit_per_message", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(store.ingest(message(99)).unwrap());
            }
            start.elapsed()
        });
    });

    report_cpu("one_commit_per_message", m0, c0);
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
