//! Bounds on the HIS sockets (issue 11 item 9, issue 10 item 18): the orders listener's
//! connection cap and idle timeout, its write timeout against a HIS that stops reading, and a
//! sender that waits for an ACK not holding up shutdown. Each test checks that another
//! connection keeps working.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use lis_hl7::mllp::{self, MllpDecoder, MllpEvent};
use lis_hl7::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::tests::{config, released_glucose, store};
use super::*;

fn orders_config() -> HisConfig {
    HisConfig {
        results: Vec::new(),
        ..config("127.0.0.1:1")
    }
}

async fn start_orders(
    config: HisConfig,
) -> (HisRunning, Arc<HisMetrics>, CancellationToken, SocketAddr) {
    let shutdown = CancellationToken::new();
    let metrics = Arc::new(HisMetrics::new());
    let running = start_his(config, store(), metrics.clone(), shutdown.clone())
        .await
        .unwrap();
    let addr = running.orders_addr.unwrap();
    (running, metrics, shutdown, addr)
}

fn order(control: &str, placer: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|{control}|P|2.5.1\r\
PID|1||BN-{placer}||LÊ^AN\r\
ORC|NW|{placer}\r\
OBR|1|{placer}|T-{placer}|GLU^Glucose^L\r"
    )
    .into_bytes()
}

/// Sends one order and reads the answer's MSA-1 (within 5 s).
async fn order_answered(tcp: &mut TcpStream, control: &str, placer: &str) -> String {
    tcp.write_all(&mllp::encode(&order(control, placer)))
        .await
        .unwrap();
    let mut decoder = MllpDecoder::default();
    let mut buf = BytesMut::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(MllpEvent::Message { payload, .. }) = decoder.decode(&mut buf).unwrap() {
            let (m, _) = Message::parse(&payload).unwrap();
            return m.first("MSA").unwrap().field(1).as_str().to_owned();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let n = tokio::time::timeout(left, tcp.read_buf(&mut buf))
            .await
            .expect("an answer within 5 s")
            .unwrap();
        assert!(n > 0, "closed before answering");
    }
}

/// Whether the peer closed the connection within `limit` (a read returns 0 or fails).
async fn closed_within(tcp: &mut TcpStream, limit: Duration) -> bool {
    let mut byte = [0u8; 64];
    matches!(
        tokio::time::timeout(limit, tcp.read(&mut byte)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test]
async fn connections_past_max_connections_are_closed_and_counted() {
    let (_running, metrics, shutdown, addr) = start_orders(HisConfig {
        max_connections: 2,
        ..orders_config()
    })
    .await;
    let mut first = TcpStream::connect(addr).await.unwrap();
    let mut second = TcpStream::connect(addr).await.unwrap();
    // Both are served.
    assert_eq!(order_answered(&mut first, "C-1", "PL-C1").await, "AA");
    assert_eq!(order_answered(&mut second, "C-2", "PL-C2").await, "AA");
    // A third is closed before a byte is read, and counted.
    let mut third = TcpStream::connect(addr).await.unwrap();
    assert!(closed_within(&mut third, Duration::from_secs(2)).await);
    assert_eq!(metrics.connections_refused.load(Ordering::Relaxed), 1);
    // The two keep working; when one goes, its place is free again.
    assert_eq!(order_answered(&mut first, "C-3", "PL-C3").await, "AA");
    drop(second);
    let mut fourth = None;
    for _ in 0..50 {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        if !closed_within(&mut tcp, Duration::from_millis(100)).await {
            fourth = Some(tcp);
            break;
        }
    }
    let mut fourth = fourth.expect("a place freed by a closed connection");
    assert_eq!(order_answered(&mut fourth, "C-4", "PL-C4").await, "AA");
    shutdown.cancel();
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let (_running, _metrics, shutdown, addr) = start_orders(HisConfig {
        idle_timeout_secs: 1,
        ..orders_config()
    })
    .await;
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut busy = TcpStream::connect(addr).await.unwrap();
    let start = Instant::now();
    // The busy one sends every 400 ms: it is never idle for a second.
    for n in 0..4 {
        let control = format!("B-{n}");
        let placer = format!("PL-B{n}");
        assert_eq!(order_answered(&mut busy, &control, &placer).await, "AA");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    assert!(
        closed_within(&mut silent, Duration::from_millis(100)).await,
        "the silent connection is closed after 1 s (waited {:?})",
        start.elapsed()
    );
    assert_eq!(order_answered(&mut busy, "B-9", "PL-B9").await, "AA");
    shutdown.cancel();
}

#[tokio::test]
async fn a_his_that_stops_reading_is_disconnected_by_the_write_timeout() {
    let (_running, _metrics, shutdown, addr) = start_orders(HisConfig {
        write_timeout_ms: 300,
        max_message_bytes: 4 << 20,
        ..orders_config()
    })
    .await;
    // A message type the LIS does not take is refused AR with its type named in MSA-3 and
    // ERR-8: a 1 MB type makes a 2 MB answer, which a HIS that never reads cannot take.
    let big_type = "X".repeat(1 << 20);
    let refused = format!(
        "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||{big_type}^A01|R-1|P|2.5.1\rPID|1||BN1\r"
    );
    let mut stuck = TcpStream::connect(addr).await.unwrap();
    let framed = mllp::encode(refused.as_bytes());
    let writer = tokio::spawn(async move {
        // Keep sending until the LIS hangs up; never read.
        for _ in 0..64 {
            if stuck.write_all(&framed).await.is_err() {
                return true;
            }
        }
        false
    });
    let hung_up = tokio::time::timeout(Duration::from_secs(20), writer)
        .await
        .expect("the LIS hangs up on a HIS that does not read")
        .unwrap();
    assert!(hung_up, "the connection was closed");
    // Another connection is served meanwhile.
    let mut other = TcpStream::connect(addr).await.unwrap();
    assert_eq!(order_answered(&mut other, "W-1", "PL-W1").await, "AA");
    shutdown.cancel();
}

#[tokio::test]
async fn a_sender_waiting_for_an_ack_does_not_hold_up_shutdown() {
    let s = store();
    released_glucose(&s);
    // A HIS that takes the message and never answers.
    let results = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = results.local_addr().unwrap().to_string();
    let accepted = Arc::new(Notify::new());
    let seen = accepted.clone();
    tokio::spawn(async move {
        let (mut tcp, _) = results.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let _ = tcp.read(&mut buf).await;
        seen.notify_one();
        tokio::time::sleep(Duration::from_secs(120)).await;
        drop(tcp);
    });
    let shutdown = CancellationToken::new();
    let running = start_his(
        HisConfig {
            orders_listen: String::new(),
            ack_timeout_ms: 120_000,
            ..config(&addr)
        },
        s.clone(),
        Arc::new(HisMetrics::new()),
        shutdown.clone(),
    )
    .await
    .unwrap();
    accepted.notified().await;
    let start = Instant::now();
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(2), running.join())
        .await
        .expect("shutdown within 2 s although the ACK timeout is 120 s");
    assert!(start.elapsed() < Duration::from_secs(2));
    // The attempt was not recorded as failed: it is made again after a restart.
    let d = s.his_delivery(1, "his").unwrap().unwrap();
    assert_eq!(d.attempts, 0);
}
