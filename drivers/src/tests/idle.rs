//! Idle analyzer connections (issue 10 item 18): by default an analyzer link keeps a silent
//! connection (an analyzer may be quiet for hours); a link with `idle_timeout_secs` closes it
//! after that long without a byte from the analyzer, and the analyzer can connect again.

use std::sync::Arc;
use std::time::Duration;

use lis_core::{LabConfig, Store, DEFAULT_LAB_TOML};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::link::LinkRegistry;
use crate::profile::ProfileSet;
use crate::runner::start_links;

/// The demo links on OS-chosen ports, DEMO-CHEM (E1381) with `extra` in its connection section.
async fn chem_link(extra: &str) -> (std::net::SocketAddr, CancellationToken) {
    let text = DEFAULT_LAB_TOML
        .replace("port = 5001", &format!("port = 0\n{extra}"))
        .replace("port = 5002", "port = 0");
    let config = LabConfig::from_toml_str(&text, "idle-lab").unwrap();
    let store = Arc::new(Store::open_in_memory(config.clone()).unwrap());
    let shutdown = CancellationToken::new();
    let links = start_links(
        &config,
        store,
        None,
        &ProfileSet::embedded().unwrap(),
        &LinkRegistry::new(),
        shutdown.clone(),
    )
    .await
    .unwrap();
    (links.links["DEMO-CHEM"].local_addr.unwrap(), shutdown)
}

/// Whether the LIS closed the connection within `limit`.
async fn closed_within(tcp: &mut TcpStream, limit: Duration) -> bool {
    let mut byte = [0u8; 8];
    matches!(
        tokio::time::timeout(limit, tcp.read(&mut byte)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test]
async fn a_silent_analyzer_keeps_its_connection_by_default() {
    let (addr, shutdown) = chem_link("").await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    assert!(!closed_within(&mut tcp, Duration::from_millis(1500)).await);
    // Still served: ENQ is answered ACK (LIS1-A §6.2.5).
    tcp.write_all(&[0x05]).await.unwrap();
    let mut answer = [0u8; 1];
    tokio::time::timeout(Duration::from_secs(2), tcp.read_exact(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer[0], 0x06);
    shutdown.cancel();
}

#[tokio::test]
async fn idle_timeout_secs_closes_a_silent_connection_and_the_analyzer_reconnects() {
    let (addr, shutdown) = chem_link("idle_timeout_secs = 1").await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    assert!(closed_within(&mut tcp, Duration::from_secs(3)).await);
    let mut again = TcpStream::connect(addr).await.unwrap();
    again.write_all(&[0x05]).await.unwrap();
    let mut answer = [0u8; 1];
    tokio::time::timeout(Duration::from_secs(2), again.read_exact(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer[0], 0x06);
    shutdown.cancel();
}
