//! The whole path in one process over loopback TCP: a simulated HIS sends an order over MLLP,
//! the simulated analyzer (generic ASTM profile) asks for the tube's tests and sends its result,
//! the LIS autoverifies and releases it, and the simulated HIS receives the ORU^R01 and
//! acknowledges it.

use std::sync::Arc;

use bytes::BytesMut;
use lis_core::store::DeliveryState;
use lis_core::{Ingestor, LabConfig, Store, DEFAULT_LAB_TOML};
use lis_hl7::mllp::{self, MllpDecoder, MllpEvent};
use lis_hl7::segments::{Msa, Obx, SegmentView};
use lis_hl7::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::tests::{fake_his, until, Received, Reply};
use super::*;
use crate::link::LinkRegistry;
use crate::profile::ProfileSet;
use crate::runner::start_links;
use crate::simulator::{self, SimOptions, SimTarget};

const ORDER: &str =
    "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|E2E-1|P|2.5.1||||||UNICODE UTF-8\r\
PID|1||BN500^^^BV^PI||Hoàng^Minh^Đức||19750310|M\r\
ORC|NW|PL-E2E||||||||||BS01^Lê^Minh\r\
OBR|1|PL-E2E|SIM0001|14749-6^Glucose^LN\r";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn his_order_to_analyzer_to_released_oru_r01() {
    // The demo links on OS-chosen ports; the adult glucose range widened to cover everything the
    // generic ASTM simulator sends (3.5 to 9.0 mmol/L), so its result is autoverified.
    let text = DEFAULT_LAB_TOML
        .replace("port = 5001", "port = 0")
        .replace("port = 5002", "port = 0")
        .replace(
            "{ sex = \"any\", age_min_days = 28, low = 3.9, high = 6.4 }",
            "{ sex = \"any\", age_min_days = 28, low = 3.0, high = 10.0 }",
        );
    let config = LabConfig::from_toml_str(&text, "e2e-lab").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), config.clone()).unwrap());
    let ingestor = Ingestor::start(&store).unwrap();
    let profiles = ProfileSet::embedded().unwrap();
    let shutdown = CancellationToken::new();
    let links = start_links(
        &config,
        store.clone(),
        Some(ingestor),
        &profiles,
        &LinkRegistry::new(),
        shutdown.clone(),
    )
    .await
    .unwrap();
    let chem = links.links["DEMO-CHEM"].local_addr.unwrap();

    let his_results = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let his_addr = his_results.local_addr().unwrap().to_string();
    let received = Received::default();
    tokio::spawn(fake_his(
        his_results,
        vec![Reply::Code("AA")],
        received.clone(),
    ));
    let mut his_config = HisConfig::from_table(config.his.as_ref()).unwrap();
    his_config.orders_listen = String::from("127.0.0.1:0");
    his_config.results[0].address = his_addr;
    his_config.poll_ms = 10;
    let his = start_his(
        his_config,
        store.clone(),
        Arc::new(HisMetrics::new()),
        shutdown.clone(),
    )
    .await
    .unwrap();

    // 1. The HIS places the order.
    let mut stream = TcpStream::connect(his.orders_addr.unwrap()).await.unwrap();
    stream
        .write_all(&mllp::encode(ORDER.as_bytes()))
        .await
        .unwrap();
    let (mut dec, mut buf) = (MllpDecoder::default(), BytesMut::new());
    let ack = loop {
        if let Some(MllpEvent::Message { payload, .. }) = dec.decode(&mut buf).unwrap() {
            break payload;
        }
        assert!(stream.read_buf(&mut buf).await.unwrap() > 0);
    };
    let (m, _) = Message::parse(&ack).unwrap();
    let msa = m.first_of::<Msa<'_>>().unwrap();
    assert_eq!(msa.ack_code_field().as_str(), "AA");
    assert_eq!(msa.control_id().as_str(), "E2E-1");

    // 2. The analyzer asks for tube SIM0001's tests and sends its result.
    let report = simulator::run(
        &profiles.get("generic-astm").unwrap(),
        SimTarget::Connect(chem.to_string()),
        SimOptions {
            query: true,
            specimen_ids: Some(vec![String::from("SIM0001")]),
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        report.ordered,
        [(String::from("SIM0001"), vec![String::from("GLU")])]
    );
    assert_eq!((report.sent, report.acknowledged), (1, 1));
    let sent_value = report.results[0].1[0].value.clone();

    // 3. Released and delivered to the HIS as ORU^R01, acknowledged.
    until(|| received.all().len() == 1).await;
    until(|| {
        store
            .his_delivery(1, "his")
            .unwrap()
            .is_some_and(|d| d.state == DeliveryState::Delivered)
    })
    .await;
    let oru = &received.all()[0];
    let (m, _) = Message::parse(oru).unwrap();
    assert_eq!(m.header().message_type().code, "ORU");
    // CX with its assigning authority (PID-3.4) as the HIS sent it.
    assert_eq!(m.first("PID").unwrap().field(3).as_str(), "BN500^^^BV^PI");
    // XPN family^given^middle, as the HIS sent it (stored as "Hoàng Đức Minh").
    assert_eq!(m.first("PID").unwrap().field(5).as_str(), "Hoàng^Minh^Đức");
    assert_eq!(m.first("OBR").unwrap().field(2).as_str(), "PL-E2E");
    let obx = m.first_of::<Obx<'_>>().unwrap();
    assert_eq!(obx.field(3).as_str(), "14749-6^Glucose^LN^GLU^Glucose^L");
    assert_eq!(obx.value().as_str(), sent_value);
    assert_eq!(obx.status().as_str(), "F");
    assert_eq!(obx.reference_range().as_str(), "3-10");
    assert_eq!(m.first("SPM").unwrap().field(2).as_str(), "SIM0001");
    shutdown.cancel();
    his.join().await;
    links.join().await;
}
