//! Link task tests over in-memory pipes and loopback TCP, with the line-based mock machine.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::mock::{LineEvent, LineMachine, Verdict};
use super::*;
use crate::trace::{Direction, Rotation, TraceItem, TraceReader, TraceWriter};
use crate::transport::tcp::{ConnectionPolicy, TcpClientTransport, TcpServerTransport};
use crate::transport::{Backoff, Connection, Retry, Transport};

/// A transport handing out in-memory pipes that the test pushes in.
struct PipeTransport {
    incoming: mpsc::Receiver<DuplexStream>,
}

impl Transport for PipeTransport {
    type Io = DuplexStream;

    fn describe(&self) -> String {
        "pipe".to_owned()
    }

    fn waiting_state(&self) -> LinkState {
        LinkState::Listening
    }

    async fn establish(&mut self) -> std::io::Result<Connection<DuplexStream>> {
        match self.incoming.recv().await {
            Some(io) => Ok(Connection {
                io,
                peer: "pipe".to_owned(),
            }),
            None => std::future::pending().await,
        }
    }

    fn retry_delay(&mut self, _why: Retry) -> Duration {
        Duration::ZERO
    }
}

/// What the test sees of a running link.
struct Harness {
    analyzers: mpsc::Sender<DuplexStream>,
    outbox: mpsc::Sender<String>,
    shutdown: CancellationToken,
    status: LinkStatusHandle,
    stored: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Harness {
    /// Connects a new analyzer and returns its end of the pipe.
    async fn connect(&self) -> DuplexStream {
        let (analyzer, lis) = tokio::io::duplex(1024);
        self.analyzers.send(lis).await.unwrap();
        analyzer
    }
}

/// A store the test controls: each message waits for the test to release it through a oneshot.
type Gate = mpsc::UnboundedReceiver<(String, oneshot::Sender<Verdict>)>;

/// Starts a link whose handler stores each message after `store_delay`, with an optional trace.
fn start(store_delay: Duration, trace: Option<TraceWriter>) -> Harness {
    let stored = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&stored);
    start_with(trace, move |event| match event {
        LineEvent::Message(line) => {
            let sink = Arc::clone(&sink);
            Handling::pending(async move {
                tokio::time::sleep(store_delay).await;
                if line.starts_with("bad") {
                    return Verdict::Reject;
                }
                sink.lock().unwrap().push(line);
                Verdict::Accept
            })
        }
        _ => Handling::Done,
    })
    .with_stored(stored)
}

/// Starts a link whose handler parks each message until the test releases it.
fn start_gated() -> (Harness, Gate) {
    start_gated_with(LinkOptions::default())
}

fn start_gated_with(options: LinkOptions) -> (Harness, Gate) {
    let (gate_tx, gate_rx) = mpsc::unbounded_channel();
    let harness = start_with_options(None, options, move |event| match event {
        LineEvent::Message(line) => {
            let (tx, rx) = oneshot::channel();
            gate_tx.send((line, tx)).unwrap();
            Handling::pending(async move { rx.await.unwrap_or(Verdict::Reject) })
        }
        _ => Handling::Done,
    });
    (harness, gate_rx)
}

impl Harness {
    fn with_stored(mut self, stored: Arc<Mutex<Vec<String>>>) -> Self {
        self.stored = stored;
        self
    }
}

fn start_with(
    trace: Option<TraceWriter>,
    handler: impl FnMut(LineEvent) -> Handling<Verdict> + Send + 'static,
) -> Harness {
    start_with_options(trace, LinkOptions::default(), handler)
}

fn start_with_options(
    trace: Option<TraceWriter>,
    options: LinkOptions,
    handler: impl FnMut(LineEvent) -> Handling<Verdict> + Send + 'static,
) -> Harness {
    let (analyzers, incoming) = mpsc::channel(4);
    let (outbox, outbox_rx) = mpsc::channel(16);
    let shutdown = CancellationToken::new();
    let status = LinkStatusHandle::detached("c311");
    let mut link = Link::new(
        "c311",
        PipeTransport { incoming },
        LineMachine::default,
        handler,
        status.clone(),
        outbox_rx,
        shutdown.clone(),
    )
    .with_options(options);
    if let Some(trace) = trace {
        link = link.with_trace(trace);
    }
    Harness {
        analyzers,
        outbox,
        shutdown,
        status,
        stored: Arc::new(Mutex::new(Vec::new())),
        task: tokio::spawn(link.run()),
    }
}

/// Reads exactly `n` bytes, failing the test after 60 s of (paused or real) time.
async fn read_n(io: &mut (impl AsyncReadExt + Unpin), n: usize) -> String {
    let mut buf = vec![0u8; n];
    tokio::time::timeout(Duration::from_secs(60), io.read_exact(&mut buf))
        .await
        .expect("the link answers within 60 s")
        .unwrap();
    String::from_utf8(buf).unwrap()
}

/// Asserts that nothing arrives within `wait`.
async fn assert_silent(io: &mut (impl AsyncReadExt + Unpin), wait: Duration) {
    let mut byte = [0u8; 1];
    if let Ok(r) = tokio::time::timeout(wait, io.read(&mut byte)).await {
        panic!("expected silence, got {r:?} {byte:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_message_is_acknowledged_only_after_it_is_stored() {
    let (h, mut gate) = start_gated();
    let mut analyzer = h.connect().await;
    analyzer.write_all(b"R|1|^^^GLU|5.4\n").await.unwrap();
    let (line, release) = gate.recv().await.unwrap();
    assert_eq!(line, "R|1|^^^GLU|5.4");
    // The store has not returned: the analyzer hears nothing, however long it waits.
    assert_silent(&mut analyzer, Duration::from_secs(10)).await;
    assert_eq!(h.status.snapshot().counters.messages_in, 1);
    release.send(Verdict::Accept).unwrap();
    assert_eq!(read_n(&mut analyzer, 4).await, "ACK\n");
}

#[tokio::test(start_paused = true)]
async fn reads_and_timers_are_served_while_a_store_is_pending() {
    let (h, mut gate) = start_gated();
    let mut analyzer = h.connect().await;
    analyzer.write_all(b"first\nsec").await.unwrap();
    let (_, release_first) = gate.recv().await.unwrap();
    // The partial second line times out through the machine although the first store is pending.
    assert_eq!(read_n(&mut analyzer, 4).await, "TMO\n");
    assert_eq!(h.status.snapshot().counters.timeouts, 1);
    // A third message is read and handed to the store while the first is still pending.
    analyzer.write_all(b"third\n").await.unwrap();
    let (line, release_third) = gate.recv().await.unwrap();
    assert_eq!(line, "third");
    // Verdicts reach the machine in message order: the third's verdict waits for the first's.
    release_third.send(Verdict::Reject).unwrap();
    assert_silent(&mut analyzer, Duration::from_secs(5)).await;
    release_first.send(Verdict::Accept).unwrap();
    assert_eq!(read_n(&mut analyzer, 8).await, "ACK\nNAK\n");
    let counters = h.status.snapshot().counters;
    assert_eq!((counters.messages_in, counters.naks_sent), (2, 1));
}

#[tokio::test(start_paused = true)]
async fn reading_stops_while_too_many_stores_are_pending() {
    let options = LinkOptions {
        max_pending: 1,
        ..LinkOptions::default()
    };
    let (h, mut gate) = start_gated_with(options);
    let mut analyzer = h.connect().await;
    analyzer.write_all(b"a\n").await.unwrap();
    let (_, release_a) = gate.recv().await.unwrap();
    analyzer.write_all(b"b\n").await.unwrap();
    // With one store pending the link reads nothing more: "b" waits in the pipe.
    let held = tokio::time::timeout(Duration::from_secs(10), gate.recv()).await;
    assert!(held.is_err(), "b was read while a was pending");
    assert_eq!(h.status.snapshot().counters.bytes_in, 2);
    release_a.send(Verdict::Accept).unwrap();
    let (line, release_b) = gate.recv().await.unwrap();
    assert_eq!(line, "b");
    release_b.send(Verdict::Accept).unwrap();
    assert_eq!(read_n(&mut analyzer, 8).await, "ACK\nACK\n");
}

#[tokio::test(start_paused = true)]
async fn bytes_flow_both_ways_and_status_counts_them() {
    let h = start(Duration::from_millis(50), None);
    let mut analyzer = h.connect().await;
    analyzer.write_all(b"one\ntwo\nbad three\n").await.unwrap();
    assert_eq!(read_n(&mut analyzer, 12).await, "ACK\nACK\nNAK\n");
    h.outbox.send("order 42".to_owned()).await.unwrap();
    assert_eq!(read_n(&mut analyzer, 13).await, "MSG order 42\n");
    assert_eq!(*h.stored.lock().unwrap(), ["one", "two"]);
    let s = h.status.snapshot();
    assert_eq!(s.state, LinkState::Connected);
    assert_eq!(s.peer.as_deref(), Some("pipe"));
    assert!(s.connected_since.is_some() && s.last_message_at.is_some());
    let c = s.counters;
    assert_eq!((c.messages_in, c.messages_out, c.naks_sent), (3, 1, 1));
    assert_eq!((c.bytes_in, c.bytes_out), (18, 25));
}

#[tokio::test(start_paused = true)]
async fn a_silent_analyzer_and_a_stuck_store_do_not_block_another_link() {
    // Link A: its analyzer sends half a line then nothing, and its store never returns.
    let (a, mut gate_a) = start_gated();
    let mut analyzer_a = a.connect().await;
    analyzer_a.write_all(b"stuck\nhal").await.unwrap();
    let (_stuck, _never_released) = gate_a.recv().await.unwrap();
    // Link B works normally meanwhile.
    let b = start(Duration::from_millis(10), None);
    let mut analyzer_b = b.connect().await;
    for i in 0..3 {
        analyzer_b
            .write_all(format!("b{i}\n").as_bytes())
            .await
            .unwrap();
        assert_eq!(read_n(&mut analyzer_b, 4).await, "ACK\n");
    }
    assert_eq!(*b.stored.lock().unwrap(), ["b0", "b1", "b2"]);
    // And A's own timer still fires.
    assert_eq!(read_n(&mut analyzer_a, 4).await, "TMO\n");
}

#[tokio::test(start_paused = true)]
async fn timeouts_fire_through_the_machine_and_reset_with_input() {
    let h = start(Duration::ZERO, None);
    let mut analyzer = h.connect().await;
    analyzer.write_all(b"par").await.unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    analyzer.write_all(b"tial").await.unwrap();
    // 10 s + 14 s: the timer restarted at the second write, so nothing yet.
    assert_silent(&mut analyzer, Duration::from_secs(14)).await;
    assert_eq!(read_n(&mut analyzer, 4).await, "TMO\n");
    // The partial line was dropped: a new line stands alone.
    analyzer.write_all(b"whole\n").await.unwrap();
    assert_eq!(read_n(&mut analyzer, 4).await, "ACK\n");
    assert_eq!(h.status.snapshot().counters.timeouts, 1);
}

#[tokio::test(start_paused = true)]
async fn shutdown_lets_the_store_in_flight_finish_then_acknowledges_and_closes() {
    let h = start(Duration::from_secs(2), None);
    let mut analyzer = h.connect().await;
    analyzer.write_all(b"last\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    h.shutdown.cancel();
    // The ACK still comes (the store took 2 s, within the 5 s grace), then the connection closes.
    assert_eq!(read_n(&mut analyzer, 4).await, "ACK\n");
    let mut rest = Vec::new();
    analyzer.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
    tokio::time::timeout(Duration::from_secs(1), h.task)
        .await
        .expect("the link task ends")
        .unwrap();
    assert_eq!(*h.stored.lock().unwrap(), ["last"]);
    assert_eq!(h.status.snapshot().state, LinkState::Disconnected);
}

#[tokio::test(start_paused = true)]
async fn shutdown_does_not_wait_past_the_grace_for_a_stuck_store() {
    let (h, mut gate) = start_gated();
    let mut analyzer = h.connect().await;
    analyzer.write_all(b"m\n").await.unwrap();
    let (_line, _never) = gate.recv().await.unwrap();
    let cancelled_at = tokio::time::Instant::now();
    h.shutdown.cancel();
    h.task.await.unwrap();
    assert_eq!(
        cancelled_at.elapsed(),
        LinkOptions::default().shutdown_grace
    );
    // No ACK for the message that was not stored.
    let mut rest = Vec::new();
    analyzer.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty(), "{rest:?}");
}

#[tokio::test(start_paused = true)]
async fn shutdown_while_waiting_for_a_connection_ends_the_task() {
    let h = start(Duration::ZERO, None);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(h.status.snapshot().state, LinkState::Listening);
    h.shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(1), h.task)
        .await
        .expect("the link task ends")
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn outbound_messages_wait_for_a_connection_and_survive_a_lost_one() {
    let h = start(Duration::ZERO, None);
    // Queued before any analyzer is connected.
    h.outbox.send("early".to_owned()).await.unwrap();
    let mut analyzer = h.connect().await;
    assert_eq!(read_n(&mut analyzer, 10).await, "MSG early\n");
    drop(analyzer);
    let mut analyzer = h.connect().await;
    h.outbox.send("later".to_owned()).await.unwrap();
    assert_eq!(read_n(&mut analyzer, 10).await, "MSG later\n");
    let s = h.status.snapshot();
    assert_eq!((s.counters.messages_out, s.counters.reconnects), (2, 1));
}

#[tokio::test(start_paused = true)]
async fn the_trace_holds_every_byte_in_both_directions() {
    let dir = tempfile::tempdir().unwrap();
    let trace = TraceWriter::open(dir.path(), "c311", Rotation::default()).unwrap();
    let path = trace.path().to_path_buf();
    let h = start(Duration::from_millis(5), Some(trace));
    let mut analyzer = h.connect().await;
    analyzer.write_all(b"one\n").await.unwrap();
    assert_eq!(read_n(&mut analyzer, 4).await, "ACK\n");
    analyzer.write_all(b"tw").await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    analyzer.write_all(b"o\nbad\n").await.unwrap();
    assert_eq!(read_n(&mut analyzer, 8).await, "ACK\nNAK\n");
    drop(analyzer);
    wait_until_listening(&h.status).await;
    h.shutdown.cancel();
    h.task.await.unwrap();

    let mut inbound = Vec::new();
    let mut outbound = Vec::new();
    let mut events = Vec::new();
    for item in TraceReader::open(&path).unwrap() {
        let TraceItem::Record { record, .. } = item else {
            panic!("damaged trace: {item:?}");
        };
        match record.direction {
            Direction::In => inbound.extend_from_slice(&record.bytes),
            Direction::Out => outbound.extend_from_slice(&record.bytes),
            Direction::Event => events.push(String::from_utf8(record.bytes).unwrap()),
        }
    }
    assert_eq!(inbound, b"one\ntwo\nbad\n");
    assert_eq!(outbound, b"ACK\nACK\nNAK\n");
    assert_eq!(events.first().map(String::as_str), Some("connected pipe"));
    assert!(events.contains(&"message-in".to_owned()), "{events:?}");
    assert!(events.contains(&"nak-sent".to_owned()), "{events:?}");
    assert!(
        events.contains(&"disconnected: closed by the analyzer".to_owned()),
        "{events:?}"
    );
    assert_eq!(events.last().map(String::as_str), Some("link stopped"));
}

async fn wait_until_listening(status: &LinkStatusHandle) {
    while status.snapshot().state != LinkState::Listening {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn the_trace_is_flushed_at_message_boundaries_and_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    let trace = TraceWriter::open(dir.path(), "c311", Rotation::default()).unwrap();
    let path = trace.path().to_path_buf();
    let h = start(Duration::ZERO, Some(trace));
    let mut analyzer = h.connect().await;
    let in_file = |path: &std::path::Path| -> Vec<u8> {
        TraceReader::open(path)
            .unwrap()
            .filter_map(|i| match i {
                TraceItem::Record { record, .. } if record.direction == Direction::In => {
                    Some(record.bytes)
                }
                _ => None,
            })
            .flatten()
            .collect()
    };
    analyzer.write_all(b"one\n").await.unwrap();
    assert_eq!(read_n(&mut analyzer, 4).await, "ACK\n");
    // A message boundary: on disk already, with the task still running.
    assert_eq!(in_file(&path), b"one\n");
    analyzer.write_all(b"part").await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    // No boundary, but a second of quiet: on disk too.
    assert_eq!(in_file(&path), b"one\npart");
}

/// A TCP server link: the analyzer drops the connection mid-message; the partial message is not
/// stored; the next connection is accepted and works.
#[tokio::test]
async fn tcp_server_accepts_again_after_the_analyzer_drops_mid_message() {
    let server = TcpServerTransport::bind("127.0.0.1:0", ConnectionPolicy::Replace)
        .await
        .unwrap();
    let addr = server.local_addr();
    let (h, stored) = start_tcp(server);
    let mut first = tokio::net::TcpStream::connect(addr).await.unwrap();
    first.write_all(b"R|1|half a mess").await.unwrap();
    wait_for(|| h.status.snapshot().counters.bytes_in == 15).await;
    drop(first);
    wait_for(|| h.status.snapshot().state == LinkState::Listening).await;
    let mut second = tokio::net::TcpStream::connect(addr).await.unwrap();
    second.write_all(b"R|1|whole\n").await.unwrap();
    assert_eq!(read_n(&mut second, 4).await, "ACK\n");
    assert_eq!(*stored.lock().unwrap(), ["R|1|whole"]);
    assert_eq!(h.status.snapshot().counters.reconnects, 1);
    h.shutdown.cancel();
    h.task.await.unwrap();
}

#[tokio::test]
async fn tcp_server_a_new_connection_replaces_the_open_one() {
    let server = TcpServerTransport::bind("127.0.0.1:0", ConnectionPolicy::Replace)
        .await
        .unwrap();
    let addr = server.local_addr();
    let (h, _stored) = start_tcp(server);
    let mut old = tokio::net::TcpStream::connect(addr).await.unwrap();
    wait_for(|| h.status.snapshot().state == LinkState::Connected).await;
    let mut new = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The old connection is closed by the LIS...
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), old.read_to_end(&mut rest))
        .await
        .expect("the old connection is closed")
        .unwrap();
    // ...and the new one is served.
    new.write_all(b"x\n").await.unwrap();
    assert_eq!(read_n(&mut new, 4).await, "ACK\n");
    h.shutdown.cancel();
    h.task.await.unwrap();
}

#[tokio::test]
async fn tcp_server_keep_policy_refuses_a_second_connection() {
    let server = TcpServerTransport::bind("127.0.0.1:0", ConnectionPolicy::Keep)
        .await
        .unwrap();
    let addr = server.local_addr();
    let (h, _stored) = start_tcp(server);
    let mut old = tokio::net::TcpStream::connect(addr).await.unwrap();
    wait_for(|| h.status.snapshot().state == LinkState::Connected).await;
    let mut intruder = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), intruder.read_to_end(&mut rest))
        .await
        .expect("the second connection is closed")
        .unwrap();
    old.write_all(b"x\n").await.unwrap();
    assert_eq!(read_n(&mut old, 4).await, "ACK\n");
    h.shutdown.cancel();
    h.task.await.unwrap();
}

/// A TCP server link with `allow_from`: a peer outside it (127.0.0.2, loopback too on Linux) is
/// closed and counted; the analyzer's own address is served.
#[tokio::test]
async fn tcp_server_allow_from_refuses_other_peers() {
    let allow =
        crate::transport::allow::AllowFrom::try_from(vec!["127.0.0.1/32".to_owned()]).unwrap();
    let server = TcpServerTransport::bind("127.0.0.1:0", ConnectionPolicy::Replace)
        .await
        .unwrap()
        .with_allow_from(allow);
    let addr = server.local_addr();
    let status_of_refusals = LinkStatusHandle::detached("c311");
    let mut server = server;
    server.report_refusals_to(status_of_refusals.clone());
    let (h, stored) = start_tcp(server);
    let connect_from = |from: &'static str| async move {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
        socket.connect(addr).await.unwrap()
    };
    let mut intruder = connect_from("127.0.0.2").await;
    let _ = intruder.write_all(b"R|1|intruder\n").await;
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), intruder.read_to_end(&mut rest))
        .await
        .expect("the refused connection is closed");
    assert!(read.is_err() || rest.is_empty(), "{rest:?}");
    wait_for(|| status_of_refusals.snapshot().counters.errors == 1).await;
    let (_, error) = status_of_refusals.snapshot().last_error.unwrap();
    assert!(
        error.starts_with("connection from 127.0.0.2:")
            && error.ends_with("refused: not in allow_from (127.0.0.1/32)"),
        "{error}"
    );
    // The link never saw the intruder: still listening, nothing read or stored.
    assert_eq!(h.status.snapshot().state, LinkState::Listening);
    assert_eq!(h.status.snapshot().counters.bytes_in, 0);
    let mut analyzer = connect_from("127.0.0.1").await;
    analyzer.write_all(b"R|1|whole\n").await.unwrap();
    assert_eq!(read_n(&mut analyzer, 4).await, "ACK\n");
    assert_eq!(*stored.lock().unwrap(), ["R|1|whole"]);
    h.shutdown.cancel();
    h.task.await.unwrap();
}

/// A TCP client link: the analyzer is not listening yet; the link retries with backoff, connects
/// when it is, and connects again after the analyzer closes the connection.
#[tokio::test]
async fn tcp_client_reconnects_with_backoff() {
    // Find a free port, then free it: nothing listens there at first.
    let addr = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let client = TcpClientTransport::new(addr.to_string()).with_backoff(Backoff::new(
        Duration::from_millis(10),
        Duration::from_millis(40),
    ));
    let (h, stored) = start_tcp(client);
    wait_for(|| h.status.snapshot().counters.errors >= 3).await;
    assert!(matches!(
        h.status.snapshot().state,
        LinkState::Error(_) | LinkState::Connecting
    ));
    let analyzer = tokio::net::TcpListener::bind(addr).await.unwrap();
    let (mut conn, _) = analyzer.accept().await.unwrap();
    conn.write_all(b"first\n").await.unwrap();
    assert_eq!(read_n(&mut conn, 4).await, "ACK\n");
    drop(conn);
    let (mut conn, _) = tokio::time::timeout(Duration::from_secs(10), analyzer.accept())
        .await
        .expect("the link connects again")
        .unwrap();
    conn.write_all(b"second\n").await.unwrap();
    assert_eq!(read_n(&mut conn, 4).await, "ACK\n");
    assert_eq!(*stored.lock().unwrap(), ["first", "second"]);
    assert_eq!(h.status.snapshot().counters.reconnects, 1);
    h.shutdown.cancel();
    h.task.await.unwrap();
}

/// A serial link over a pseudo-terminal: the link opens the slave side by its path, the test plays
/// the analyzer on the master side.
#[tokio::test]
async fn a_serial_link_acknowledges_over_a_pseudo_terminal() {
    use std::io::{Read, Write};

    use crate::transport::serial::{SerialSettings, SerialTransport};

    let pty = nix::pty::openpty(None, None).unwrap();
    let path = nix::unistd::ttyname(&pty.slave).unwrap();
    let transport = SerialTransport::new(SerialSettings::new(path.to_string_lossy()));
    assert_eq!(
        transport.describe(),
        format!("serial {} 9600 8N1", path.display())
    );
    let (h, stored) = start_tcp(transport);
    wait_for(|| h.status.snapshot().state == LinkState::Connected).await;
    let mut master = std::fs::File::from(pty.master);
    master.write_all(b"R|1|^^^K|4.1\n").unwrap();
    let answer = tokio::task::spawn_blocking(move || {
        let mut buf = [0u8; 4];
        master.read_exact(&mut buf).map(|()| buf)
    });
    let answer = tokio::time::timeout(Duration::from_secs(10), answer)
        .await
        .expect("the serial link answers")
        .unwrap()
        .unwrap();
    assert_eq!(&answer, b"ACK\n");
    assert_eq!(*stored.lock().unwrap(), ["R|1|^^^K|4.1"]);
    h.shutdown.cancel();
    h.task.await.unwrap();
    drop(pty.slave);
}

struct TcpHarness {
    shutdown: CancellationToken,
    status: LinkStatusHandle,
    task: tokio::task::JoinHandle<()>,
}

fn start_tcp<T: Transport>(transport: T) -> (TcpHarness, Arc<Mutex<Vec<String>>>) {
    let stored = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&stored);
    let registry = LinkRegistry::new();
    let status = registry.register("c311", "Roche c311", &transport.describe());
    let shutdown = CancellationToken::new();
    let (_outbox, outbox_rx) = mpsc::channel::<String>(1);
    let link = Link::new(
        "c311",
        transport,
        LineMachine::default,
        move |event| match event {
            LineEvent::Message(line) => {
                let sink = Arc::clone(&sink);
                Handling::blocking(
                    move || {
                        sink.lock().unwrap().push(line);
                        Verdict::Accept
                    },
                    Verdict::Reject,
                )
            }
            _ => Handling::Done,
        },
        status.clone(),
        outbox_rx,
        shutdown.clone(),
    );
    let task = tokio::spawn(link.run());
    (
        TcpHarness {
            shutdown,
            status,
            task,
        },
        stored,
    )
}

/// Polls `condition` every 5 ms for up to 10 s of real time.
async fn wait_for(condition: impl Fn() -> bool) {
    for _ in 0..2000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("condition not reached within 10 s");
}

#[test]
fn the_registry_snapshot_lists_every_link_by_name() {
    let registry = LinkRegistry::new();
    let b = registry.register("b-sysmex", "Sysmex XN", "serial /dev/ttyS0 9600 8N1");
    let _a = registry.register("a-c311", "Roche c311", "tcp-server 0.0.0.0:5000");
    b.count(Counter::ChecksumError);
    b.count(Counter::NakReceived);
    let snapshot = registry.snapshot();
    let names: Vec<&str> = snapshot.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a-c311", "b-sysmex"]);
    let sysmex = registry.link("b-sysmex").unwrap();
    assert_eq!(sysmex.instrument, "Sysmex XN");
    assert_eq!(
        (
            sysmex.counters.checksum_errors,
            sysmex.counters.naks_received
        ),
        (1, 1)
    );
    assert_eq!(sysmex.state, LinkState::Disconnected);
    assert!(registry.link("nope").is_none());
}
