//! A slow store never stalls the runtime (issue 11 item 4): every store call of the HIS sender
//! and listener runs on the blocking pool, so while a HIS write waits on the database an
//! analyzer on another link still gets its E1381 ACK at once and timers still fire.
//!
//! The store is made slow on purpose (`Store::slow_writes`, core's `test-hooks` feature): each
//! write sleeps 1.5 s before it commits, holding the connection. A commit listener counts the
//! writes that got that far. The runtime is `current_thread`: one blocked worker would stall
//! everything.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lis_core::{LabConfig, Store, DEFAULT_LAB_TOML};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use super::tests::{config, free_port, released_glucose, start_fake_his, until, Reply};
use super::*;
use crate::link::LinkRegistry;
use crate::profile::ProfileSet;
use crate::runner::{start_links, RunningLinks};

/// How long each slow commit sleeps.
const SLOW: Duration = Duration::from_millis(1500);
/// How soon an ACK to ENQ must come (LIS1-A §6.2.5 allows up to 15 s; the link answers at once).
const PROMPT: Duration = Duration::from_millis(500);

/// An in-memory store whose writes can be made slow, and the demo links on OS-chosen ports.
struct Lab {
    store: Arc<Store>,
    links: RunningLinks,
    shutdown: CancellationToken,
}

async fn lab() -> Lab {
    let text = DEFAULT_LAB_TOML
        .replace("port = 5001", "port = 0")
        .replace("port = 5002", "port = 0");
    let config = LabConfig::from_toml_str(&text, "slow-lab").unwrap();
    let store = Arc::new(Store::open_in_memory(config.clone()).unwrap());
    let shutdown = CancellationToken::new();
    let links = start_links(
        &config,
        store.clone(),
        None,
        &ProfileSet::embedded().unwrap(),
        &LinkRegistry::new(),
        shutdown.clone(),
    )
    .await
    .unwrap();
    Lab {
        store,
        links,
        shutdown,
    }
}

impl Lab {
    /// From now on every write sleeps [`SLOW`] before it commits.
    fn slow(&self) {
        self.store.slow_writes(SLOW);
    }
}

/// An analyzer on its own OS thread (so the runtime under test cannot hold it up): connected to
/// the DEMO-CHEM E1381 port, it waits until a store write is sleeping, bids with ENQ and times
/// the LIS's answer.
fn analyzer_bids_during_a_slow_write(lab: &Lab) -> std::thread::JoinHandle<(u8, Duration)> {
    let chem = lab.links.links["DEMO-CHEM"].local_addr.unwrap();
    let store = lab.store.clone();
    std::thread::spawn(move || {
        let mut tcp = std::net::TcpStream::connect(chem).unwrap();
        let waited = Instant::now();
        while store.slowed_writes() == 0 {
            assert!(
                waited.elapsed() < Duration::from_secs(10),
                "no slow write began"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        let start = Instant::now();
        tcp.write_all(&[0x05 /* ENQ */]).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut answer = [0u8; 1];
        tcp.read_exact(&mut answer).unwrap();
        (answer[0], start.elapsed())
    })
}

async fn ack_came_promptly(analyzer: std::thread::JoinHandle<(u8, Duration)>, lab: &Lab) {
    // A timer started while the store is slow fires on time.
    let t = Instant::now();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let timer = t.elapsed();
    until(|| analyzer.is_finished()).await;
    let (answer, took) = analyzer.join().unwrap();
    assert_eq!(answer, 0x06, "ACK to ENQ (LIS1-A §6.2.5)");
    assert!(
        took < PROMPT,
        "the ACK took {took:?} while a HIS store write slept {SLOW:?}"
    );
    assert!(lab.store.slowed_writes() >= 1, "a slow write happened");
    assert!(timer < PROMPT, "a 100 ms timer took {timer:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn the_results_sender_on_a_slow_store_delays_no_analyzer_ack() {
    let lab = lab().await;
    released_glucose(&lab.store);
    let addr = free_port().await;
    let received = start_fake_his(&addr, vec![Reply::Code("AA")]).await;
    lab.slow();
    let analyzer = analyzer_bids_during_a_slow_write(&lab);
    // The sender's first delivery writes (his_prepare, his_record_attempt): each sleeps.
    let shutdown = lab.shutdown.clone();
    let _his = start_his(
        config(&addr),
        lab.store.clone(),
        Arc::new(HisMetrics::new()),
        shutdown,
    )
    .await
    .unwrap();
    ack_came_promptly(analyzer, &lab).await;
    until(|| !received.all().is_empty()).await;
    lab.shutdown.cancel();
}

#[tokio::test(flavor = "current_thread")]
async fn the_orders_listener_on_a_slow_store_delays_no_analyzer_ack() {
    let lab = lab().await;
    let his = start_his(
        HisConfig {
            results: Vec::new(),
            ..config("127.0.0.1:1")
        },
        lab.store.clone(),
        Arc::new(HisMetrics::new()),
        lab.shutdown.clone(),
    )
    .await
    .unwrap();
    let orders = his.orders_addr.unwrap();
    lab.slow();
    let analyzer = analyzer_bids_during_a_slow_write(&lab);
    // Bytes outside an MLLP frame are journaled (a slow write) and answered AR.
    let mut tcp = TcpStream::connect(orders).await.unwrap();
    tcp.write_all(b"not hl7 at all\r\x0b").await.unwrap();
    ack_came_promptly(analyzer, &lab).await;
    lab.shutdown.cancel();
}
