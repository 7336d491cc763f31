//! `start_links` as `lis serve` calls it: the default lab's two demo links over real TCP on
//! loopback (ports chosen by the OS), an on-disk store with the group-commit ingestor, the
//! simulator of each demo profile, and an order download.

use std::sync::Arc;
use std::time::Duration;

use lis_core::{Ingestor, LabConfig, Store, DEFAULT_LAB_TOML};
use tokio_util::sync::CancellationToken;

use crate::link::LinkRegistry;
use crate::profile::ProfileSet;
use crate::runner::{start_links, Download};
use crate::simulator::session::{AstmInstrument, MllpAnalyzer};
use crate::simulator::{self, SimOptions, SimTarget};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_lab_links_take_simulated_results_and_download_orders() {
    let text = DEFAULT_LAB_TOML
        .replace("port = 5001", "port = 0")
        .replace("port = 5002", "port = 0");
    assert_ne!(text, DEFAULT_LAB_TOML, "the default lab has the demo links");
    let config = LabConfig::from_toml_str(&text, "default-lab").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), config.clone()).unwrap());
    let ingestor = Ingestor::start(&store).unwrap();
    let profiles = ProfileSet::embedded().unwrap();
    let registry = LinkRegistry::new();
    let shutdown = CancellationToken::new();
    let running = start_links(
        &config,
        Arc::clone(&store),
        Some(ingestor),
        &profiles,
        &registry,
        shutdown.clone(),
    )
    .await
    .unwrap();
    let mut names: Vec<&String> = running.links.keys().collect();
    names.sort();
    assert_eq!(names, vec!["DEMO-CHEM", "DEMO-HEMA"]);
    let chem = running.links["DEMO-CHEM"].local_addr.unwrap();
    let hema = running.links["DEMO-HEMA"].local_addr.unwrap();
    assert!(chem.ip().is_loopback() && hema.ip().is_loopback());

    for (addr, profile) in [(chem, "generic-astm"), (hema, "generic-hl7")] {
        let report = simulator::run(
            &profiles.get(profile).unwrap(),
            SimTarget::Connect(addr.to_string()),
            SimOptions {
                specimens: 3,
                ..SimOptions::default()
            },
        )
        .await
        .unwrap();
        assert_eq!((report.sent, report.acknowledged), (3, 3), "{profile}");
    }
    assert_eq!(store.unmatched().unwrap().len(), 3 * 6 + 3 * 5);
    let status = registry.snapshot();
    assert_eq!(status.len(), 2);
    assert!(
        status.iter().all(|s| s.counters.messages_in == 3),
        "{status:?}"
    );

    // Order download: queued while no analyzer is connected, sent when one connects.
    let order = super::Lis::order_on(&store, "D1", &["GLU", "CREA"]);
    assert!(order > 0);
    assert_eq!(
        running.download_orders("DEMO-CHEM").await.unwrap(),
        Download::Queued(2)
    );
    assert_eq!(
        running.download_orders("DEMO-CHEM").await.unwrap(),
        Download::NothingPending
    );
    let stream = tokio::net::TcpStream::connect(chem).await.unwrap();
    let mut analyzer = AstmInstrument::framed(stream, 247);
    let text = analyzer
        .receive(Duration::from_secs(20))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("\rO|1|D1||^^^GLU\\^^^CREA|"), "{text}");
    analyzer.settle(Duration::from_secs(20)).await.unwrap();

    super::Lis::order_on(&store, "D2", &["WBC"]);
    assert_eq!(
        running.download_orders("DEMO-HEMA").await.unwrap(),
        Download::Queued(1)
    );
    let stream = tokio::net::TcpStream::connect(hema).await.unwrap();
    let mut analyzer = MllpAnalyzer::new(stream);
    let oml = String::from_utf8(
        analyzer
            .receive(Duration::from_secs(20))
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert!(oml.contains("|OML^O33^OML_O33|"), "{oml}");
    assert!(oml.contains("|WBC"), "{oml}");

    shutdown.cancel();
    running.join().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tcp_client_link_reaches_a_listening_analyzer() {
    // Find a free port, then let the simulator listen on it and the LIS connect as a client.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = format!(
        "{DEFAULT_LAB_TOML}\n[[instruments]]\nid = \"XN\"\nname = \"XN-550\"\nprofile = \"sysmex-xn\"\ntest_map = [{{ code = \"WBC\", test = \"WBC\", unit = \"10*3/uL\" }}]\n[instruments.connection]\nkind = \"tcp-client\"\naddress = \"127.0.0.1\"\nport = {port}\nprotocol = \"astm-e1381\"\nreconnect_min_ms = 20\nreconnect_max_ms = 100\n"
    )
    .replace("port = 5001", "port = 0")
    .replace("port = 5002", "port = 0");
    let config = LabConfig::from_toml_str(&text, "lab").unwrap();
    let store = Arc::new(Store::open_in_memory(config.clone()).unwrap());
    let profiles = ProfileSet::embedded().unwrap();
    let registry = LinkRegistry::new();
    let shutdown = CancellationToken::new();
    let xn = profiles.get("sysmex-xn").unwrap();
    let simulated = tokio::spawn(async move {
        simulator::run(
            &xn,
            SimTarget::Listen(format!("127.0.0.1:{port}")),
            SimOptions {
                specimens: 2,
                ..SimOptions::default()
            },
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let running = start_links(
        &config,
        Arc::clone(&store),
        None,
        &profiles,
        &registry,
        shutdown.clone(),
    )
    .await
    .unwrap();
    let report = simulated.await.unwrap().unwrap();
    assert_eq!((report.sent, report.acknowledged), (2, 2));
    assert_eq!(store.unmatched().unwrap().len(), 12);
    shutdown.cancel();
    running.join().await;
}
