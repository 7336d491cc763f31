//! Order downloads through `start_links`, as `lis serve` runs them, over real TCP on loopback: the
//! tests are marked sent only once the analyzer accepted the download, a connection that ends
//! before that leaves them pending, and the next connection gets the download again.

use std::sync::Arc;
use std::time::Duration;

use lis_core::{Ingestor, LabConfig, Store, DEFAULT_LAB_TOML};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::link::LinkRegistry;
use crate::profile::ProfileSet;
use crate::runner::{start_links, Download, RunningLinks};
use crate::simulator::session::{AstmInstrument, MllpAnalyzer};

const ENQ: u8 = 0x05;
const ACK: u8 = 0x06;
const LIMIT: Duration = Duration::from_secs(20);

struct Lab {
    store: Arc<Store>,
    running: RunningLinks,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Lab {
    /// The default lab's two demo links on ports chosen by the OS, an on-disk store.
    async fn start() -> Self {
        let text = DEFAULT_LAB_TOML
            .replace("port = 5001", "port = 0")
            .replace("port = 5002", "port = 0");
        let config = LabConfig::from_toml_str(&text, "default-lab").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path(), config.clone()).unwrap());
        let ingestor = Ingestor::start(&store).unwrap();
        let shutdown = CancellationToken::new();
        let running = start_links(
            &config,
            Arc::clone(&store),
            Some(ingestor),
            &ProfileSet::embedded().unwrap(),
            &LinkRegistry::new(),
            shutdown.clone(),
        )
        .await
        .unwrap();
        Self {
            store,
            running,
            shutdown,
            _dir: dir,
        }
    }

    async fn connect(&self, instrument: &str) -> TcpStream {
        let addr = self.running.links[instrument].local_addr.unwrap();
        TcpStream::connect(addr).await.unwrap()
    }

    /// How many of the instrument's ordered tests are still pending (not marked sent) in core.
    fn pending(&self, instrument: &str) -> usize {
        self.store
            .pending_orders_for_instrument(instrument)
            .unwrap()
            .len()
    }

    /// Waits (at most `LIMIT`) until `pending` is `n`; the count it ended with.
    async fn pending_becomes(&self, instrument: &str, n: usize) -> usize {
        let deadline = tokio::time::Instant::now() + LIMIT;
        while self.pending(instrument) != n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.pending(instrument)
    }

    async fn stop(self) {
        self.shutdown.cancel();
        self.running.join().await;
    }
}

/// Reads one byte.
async fn byte(io: &mut TcpStream) -> u8 {
    tokio::time::timeout(LIMIT, io.read_u8())
        .await
        .unwrap()
        .unwrap()
}

/// Reads one whole E1381 frame (STX ... ETX/ETB, checksum, CR LF).
async fn frame(io: &mut TcpStream) -> Vec<u8> {
    let mut frame = Vec::new();
    loop {
        let b = byte(io).await;
        frame.push(b);
        if b == b'\n' {
            return frame;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_e1381_download_cut_off_before_its_last_ack_stays_pending_and_goes_again() {
    let lab = Lab::start().await;
    super::Lis::order_on(&lab.store, "D1", &["GLU", "CREA"]);
    assert_eq!(lab.pending("DEMO-CHEM"), 2);
    assert_eq!(
        lab.running.download_orders("DEMO-CHEM").await.unwrap(),
        Download::Queued(2)
    );
    // Queued is not sent: the tests stay pending in core, but a second download does not queue
    // them twice.
    assert_eq!(lab.pending("DEMO-CHEM"), 2);
    assert_eq!(
        lab.running.download_orders("DEMO-CHEM").await.unwrap(),
        Download::NothingPending
    );

    // The analyzer takes the line, receives the frame and goes away without acknowledging it.
    let mut io = lab.connect("DEMO-CHEM").await;
    assert_eq!(byte(&mut io).await, ENQ);
    io.write_all(&[ACK]).await.unwrap();
    let first = frame(&mut io).await;
    assert!(
        String::from_utf8_lossy(&first).contains("O|1|D1||^^^GLU\\^^^CREA|"),
        "{first:?}"
    );
    drop(io);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(lab.pending("DEMO-CHEM"), 2, "not acknowledged: not sent");

    // The next connection gets the whole download again; the last ACK marks the tests sent.
    let mut analyzer = AstmInstrument::framed(lab.connect("DEMO-CHEM").await, 247);
    let text = String::from_utf8(analyzer.receive(LIMIT).await.unwrap().unwrap()).unwrap();
    assert!(text.contains("\rO|1|D1||^^^GLU\\^^^CREA|"), "{text}");
    analyzer.settle(LIMIT).await.unwrap();
    assert_eq!(lab.pending_becomes("DEMO-CHEM", 0).await, 0);
    // Sent, and no longer in flight: nothing is left to download.
    assert_eq!(
        lab.running.download_orders("DEMO-CHEM").await.unwrap(),
        Download::NothingPending
    );
    lab.stop().await;
}

/// MSH-10 of an HL7 message.
fn control_id(message: &[u8]) -> String {
    let text = String::from_utf8_lossy(message);
    let msh = text.split('\r').next().unwrap_or_default();
    msh.split('|').nth(9).unwrap_or_default().to_owned()
}

fn ack(code: &str, control_id: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|BC-5380|Mindray|LIS|LAB|20250101120000||ACK^O33^ACK|A-{control_id}|P|2.5.1\r\
         MSA|{code}|{control_id}\r"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hl7_download_is_sent_only_on_the_aa_naming_its_control_id() {
    let lab = Lab::start().await;
    super::Lis::order_on(&lab.store, "D2", &["WBC"]);
    assert_eq!(
        lab.running.download_orders("DEMO-HEMA").await.unwrap(),
        Download::Queued(1)
    );

    // Received, then the connection drops before any ACK: still pending.
    let mut analyzer = MllpAnalyzer::new(lab.connect("DEMO-HEMA").await);
    let oml = analyzer.receive(LIMIT).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&oml).contains("|OML^O33^OML_O33|"));
    drop(analyzer);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(lab.pending("DEMO-HEMA"), 1);

    // Sent again on the next connection. An AA for another message does not count.
    let mut analyzer = MllpAnalyzer::new(lab.connect("DEMO-HEMA").await);
    let again = analyzer.receive(LIMIT).await.unwrap().unwrap();
    assert_eq!(again, oml, "the same download goes again");
    let id = control_id(&again);
    assert!(!id.is_empty());
    analyzer.write(&ack("AA", "SOMETHING-ELSE")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(lab.pending("DEMO-HEMA"), 1);
    // The AA naming it marks it sent.
    analyzer.write(&ack("AA", &id)).await.unwrap();
    assert_eq!(lab.pending_becomes("DEMO-HEMA", 0).await, 0);
    lab.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hl7_download_refused_with_ae_stays_pending_for_the_next_download() {
    let lab = Lab::start().await;
    super::Lis::order_on(&lab.store, "D3", &["WBC"]);
    assert_eq!(
        lab.running.download_orders("DEMO-HEMA").await.unwrap(),
        Download::Queued(1)
    );
    let mut analyzer = MllpAnalyzer::new(lab.connect("DEMO-HEMA").await);
    let oml = analyzer.receive(LIMIT).await.unwrap().unwrap();
    analyzer.write(&ack("AE", &control_id(&oml))).await.unwrap();
    // Refused: not sent, and no longer in flight, so the next download carries it again.
    let deadline = tokio::time::Instant::now() + LIMIT;
    let mut again = Download::NothingPending;
    while again == Download::NothingPending && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        again = lab.running.download_orders("DEMO-HEMA").await.unwrap();
    }
    assert_eq!(again, Download::Queued(1));
    assert_eq!(lab.pending("DEMO-HEMA"), 1);
    lab.stop().await;
}
