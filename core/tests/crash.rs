//! Crash test: a child process ingesting analyzer messages is killed with SIGKILL at random
//! points; after each kill the database reopens, and at the end every message whose ingest call
//! had returned is present exactly once (journal entry and its 20 results) and the audit chain
//! verifies.
//!
//! The child is this same test binary running this same test, started with the environment
//! variable `LIS_CRASH_CHILD_DIR`: then the test is the child ([`child_ingest_loop`], not a test
//! of its own, so nothing passes without doing anything in a normal run); it prints
//! `ACK <message id>` after each ingest returned. Even rounds ingest one message per durable commit through `Store::ingest`, odd
//! rounds through the group-commit `Ingestor` from four threads. Each round first re-sends
//! messages of the previous round, which must be recognised as duplicates.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jiff::civil::date;
use jiff::Timestamp;
use lis_core::model::{
    Actor, AnalyzerMessage, IngestOutcome, MessageKind, NewOrder, NewPatient, NewSpecimen,
    Observation, Priority, Protocol, Sex,
};
use lis_core::{Ingestor, LabConfig, Store};

const CHILD_ENV: &str = "LIS_CRASH_CHILD_DIR";
const ROUND_ENV: &str = "LIS_CRASH_ROUND";
const ROUNDS: u64 = 6;
const TESTS: [&str; 20] = [
    "GLU", "UREA", "CREA", "AST", "ALT", "GGT", "TBIL", "DBIL", "CHOL", "TG", "HDL", "LDL", "UA",
    "NA", "K", "CL", "CA", "CRP", "ALB", "TP",
];

fn message(id: u64) -> AnalyzerMessage {
    let observations = TESTS
        .iter()
        .enumerate()
        .map(|(i, code)| Observation {
            specimen_id: "CRASH-1".into(),
            instrument_test_code: (*code).into(),
            value: format!("{}.{}", 3 + i, id % 10),
            status: "F".into(),
            ..Default::default()
        })
        .collect();
    AnalyzerMessage {
        graphs: Vec::new(),
        instrument: "DEMO-CHEM".into(),
        link: "crash-link".into(),
        received_at: Timestamp::from_second(1_740_000_000).unwrap(),
        protocol: Protocol::Astm,
        raw: format!("crash-message-{id}").into_bytes(),
        kind: MessageKind::Results,
        observations,
        patient_hint: None,
    }
}

/// The ids a round sends: the last 10 of the previous round again, then its own.
fn ids_for_round(round: u64, thread: u64) -> impl Iterator<Item = u64> {
    let resend = if round > 0 && thread == 0 {
        let prev = (round - 1) * 100_000;
        prev..prev + 10
    } else {
        0..0
    };
    let own = round * 100_000 + thread * 10_000;
    resend.chain(own..own + 10_000)
}

fn ack(id: u64) {
    let mut out = std::io::stdout().lock();
    // A failed write means the parent is gone; the child is about to be killed anyway.
    let _ = writeln!(out, "ACK {id}");
    let _ = out.flush();
}

/// The child: ingests into `dir` until killed.
fn child_ingest_loop(dir: &str) {
    let round: u64 = std::env::var(ROUND_ENV).unwrap().parse().unwrap();
    let store = Store::open(Path::new(&dir), LabConfig::embedded_default().unwrap()).unwrap();
    if round.is_multiple_of(2) {
        for id in ids_for_round(round, 0) {
            store.ingest(message(id)).unwrap();
            ack(id);
        }
    } else {
        let ingestor = Ingestor::start(&store).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let ingestor = ingestor.clone();
                std::thread::spawn(move || {
                    for id in ids_for_round(round, t) {
                        ingestor.ingest(message(id)).unwrap();
                        ack(id);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }
}

/// A small deterministic generator for kill delays (no clock, no OS randomness).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
#[allow(clippy::disallowed_methods)] // Real time: the child must run before it is killed.
fn killed_ingest_loses_no_acknowledged_message() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        child_ingest_loop(&dir);
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let config = LabConfig::embedded_default().unwrap();
    {
        let store = Store::open(dir.path(), config.clone()).unwrap();
        store
            .place_order(
                NewOrder {
                    placer_number: "CRASH-ORDER".into(),
                    patient: NewPatient {
                        his_id_authority: Default::default(),
                        his_id_type: String::new(),
                        name_parts: None,
                        his_id: "CRASH-PATIENT".into(),
                        name: "Crash Test".into(),
                        sex: Sex::Female,
                        birth_date: Some(date(1990, 1, 1)),
                    },
                    requesting_doctor: "Dr".into(),
                    requesting_doctor_id: String::new(),
                    requesting_doctor_name: None,
                    department: "ICU".into(),
                    priority: Priority::Stat,
                    ordered_at: Timestamp::from_second(1_739_990_000).unwrap(),
                    specimens: vec![NewSpecimen {
                        barcode: "CRASH-1".into(),
                        specimen_type: "serum".into(),
                        collected_at: None,
                        received_at: None,
                        tests: TESTS.iter().map(|s| (*s).to_owned()).collect(),
                    }],
                },
                &Actor::System,
            )
            .unwrap();
    }
    let mut rng = Lcg(0x5EED_1A85);
    let mut acked: BTreeSet<u64> = BTreeSet::new();
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "killed_ingest_loses_no_acknowledged_message",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .env(ROUND_ENV, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (first_ack, first_ack_seen) = std::sync::mpsc::channel::<()>();
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            for id in BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("ACK ").and_then(|id| id.parse::<u64>().ok()))
            {
                if acks.is_empty() {
                    let _ = first_ack.send(());
                }
                acks.push(id);
            }
            acks
        });
        // The kill comes at a random moment after the child has started acknowledging, however
        // slowly a loaded machine opened its store: the test is about a kill under traffic.
        first_ack_seen
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("round {round}: the child acknowledged nothing in 60 s"));
        let delay = 50 + rng.next() % 450;
        std::thread::sleep(Duration::from_millis(delay));
        // Child::kill sends SIGKILL on Unix: no destructor, no flush, no clean shutdown.
        child.kill().unwrap();
        child.wait().unwrap();
        let round_acks = reader.join().unwrap();
        assert!(
            !round_acks.is_empty(),
            "round {round}: the child acknowledged nothing in {delay} ms"
        );
        acked.extend(round_acks);
        // The database opens after every kill.
        let store = Store::open(dir.path(), config.clone()).unwrap();
        assert!(
            store.verify_audit().unwrap().is_intact(),
            "audit chain after round {round}"
        );
    }
    let store = Store::open(dir.path(), config).unwrap();
    let journal: Vec<_> = store
        .journal_since(0, usize::MAX >> 1)
        .unwrap()
        .into_iter()
        .map(|e| e.unwrap())
        .collect();
    let mut by_raw: BTreeMap<Vec<u8>, Vec<i64>> = BTreeMap::new();
    for e in &journal {
        by_raw.entry(e.raw.clone()).or_default().push(e.id);
    }
    let order = store.order_by_placer("CRASH-ORDER").unwrap().unwrap();
    let mut results_per_journal: BTreeMap<i64, usize> = BTreeMap::new();
    for r in store.results_for_order(order.id).unwrap() {
        *results_per_journal
            .entry(r.journal_id.unwrap())
            .or_default() += 1;
    }
    for id in &acked {
        let raw = message(*id).raw;
        let entries = by_raw.get(&raw).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            entries.len(),
            1,
            "message {id} must be journaled exactly once"
        );
        assert_eq!(
            results_per_journal.get(&entries[0]),
            Some(&20),
            "message {id} results"
        );
        // Ingesting it again is recognised as a duplicate.
        assert_eq!(
            store.ingest(message(*id)).unwrap(),
            IngestOutcome::Duplicate {
                journal_id: entries[0]
            }
        );
    }
    // Nothing unacknowledged was stored half: every journal entry has all its results.
    for e in &journal {
        assert!(by_raw[&e.raw].len() == 1);
        assert_eq!(results_per_journal.get(&e.id), Some(&20));
    }
    assert!(store.verify_audit().unwrap().is_intact());
    assert!(store.verify_journal().unwrap().damaged.is_empty());
    assert!(acked.len() >= ROUNDS as usize);
    eprintln!(
        "{} messages acknowledged over {ROUNDS} killed rounds, {} journaled",
        acked.len(),
        journal.len()
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}
