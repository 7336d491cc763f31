//! Bounds on what an analyzer can make the LIS hold, over in-memory pipes: an E1381 message that
//! never ends, input piling up while a store is in flight, an oversized HL7 message. Each test sends
//! the hostile input, checks what is kept (the journal row with its reason) and that the link then
//! serves the analyzer as before.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::faults::{
    expected, frame, read_byte, send_whole, wait_rows, write, ACK, ENQ, EOT, MESSAGE, NAK, ORU,
};
use super::{profile, rows, Lis, PipeTransport};
use crate::link::{Handling, Link, LinkOptions, LinkStatusHandle};
use crate::machine::{AstmEvent, AstmFramedMachine, AstmVerdict};
use crate::simulator::session::MllpAnalyzer;

/// `n` bytes of record text: one R record of `n - 1` bytes and its CR.
fn record(n: usize) -> String {
    let mut r = String::from("R|");
    while r.len() < n - 1 {
        r.push('7');
    }
    r.push('\r');
    r
}

/// Waits until the journal has `n` rows (journaling runs on the blocking pool).
async fn wait_journal(lis: &Lis, n: usize) {
    for _ in 0..300 {
        if lis.journal().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn an_endless_e1381_message_is_cut_at_the_limit_journaled_and_the_link_goes_on() {
    const LIMIT: usize = 4096;
    let lis = Lis::start_limited("DEMO-CHEM", profile("generic-astm"), LIMIT);
    let mut io = lis.connect().await;
    write(&mut io, &[ENQ]).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    // 1000 bytes of text per intermediate frame: frames 1-4 make 4000 bytes (within 4096), ACKed;
    // frame 5 makes 5000: NAKed, the message given up.
    let mut text = format!("H|\\^&|||DEMO\r{}", record(1000 - 13));
    for n in 1..=4u8 {
        write(&mut io, &frame(n, &text, false)).await;
        assert_eq!(read_byte(&mut io).await, ACK, "frame {n}");
        text = record(1000);
    }
    write(&mut io, &frame(5, &text, false)).await;
    assert_eq!(read_byte(&mut io).await, NAK);
    // The analyzer streams on regardless (60 more frames, 60,000 bytes): nothing answers them and
    // nothing keeps them.
    for n in 6..66u8 {
        write(&mut io, &frame(n, &text, false)).await;
    }
    write(&mut io, &[EOT]).await;
    wait_journal(&lis, 1).await;
    let entries: Vec<_> = lis
        .store
        .journal_since(0, 10)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(entries.len(), 1);
    // What arrived up to the limit: the five frames' text, 5000 bytes, at most the limit plus one
    // frame.
    assert_eq!(entries[0].raw.len(), 5000);
    assert!(entries[0].raw.starts_with(b"H|\\^&|||DEMO\rR|77"));
    let reason = entries[0].parse_error.clone().unwrap_or_default();
    assert!(
        reason.starts_with("message longer than the link's max_message_len of 4096 bytes"),
        "{reason}"
    );
    assert!(lis.unmatched().is_empty());
    let status = lis.status.snapshot();
    assert!(status
        .last_error
        .is_some_and(|(_, e)| e.contains("max_message_len")));
    // The line is free: the next message is stored and acknowledged as usual.
    send_whole(&mut io).await;
    wait_rows(&lis, 2).await;
    assert_eq!(rows(&lis.unmatched()), expected());
    io.shutdown().await.unwrap();
    lis.stop().await;
}

#[tokio::test(start_paused = true)]
async fn input_held_during_a_store_is_bounded_and_flow_control_pushes_back() {
    const MAX_HELD: usize = 8192;
    // A store the test controls: each message waits until the test gives its verdict.
    let (gate_tx, mut gate) = mpsc::unbounded_channel::<(Vec<u8>, oneshot::Sender<AstmVerdict>)>();
    let handler = move |event: AstmEvent| match event {
        AstmEvent::Message { text, .. } => {
            let (tx, rx) = oneshot::channel();
            let _ = gate_tx.send((text, tx));
            Handling::pending(async move { rx.await.unwrap_or_else(|_| AstmVerdict::reject()) })
        }
        _ => Handling::Done,
    };
    let (pipes, incoming) = mpsc::channel(1);
    let (_outbox, outbox_rx) = mpsc::channel::<crate::download::Outgoing<String>>(1);
    let status = LinkStatusHandle::detached("DEMO-CHEM");
    let shutdown = CancellationToken::new();
    let options = LinkOptions {
        max_held_input: MAX_HELD,
        ..LinkOptions::default()
    };
    let task = tokio::spawn(
        Link::new(
            "DEMO-CHEM",
            PipeTransport { incoming },
            || AstmFramedMachine::new(247, 64_000),
            handler,
            status.clone(),
            outbox_rx,
            shutdown.clone(),
        )
        .with_options(options.clone())
        .run(),
    );
    let (analyzer, lis) = tokio::io::duplex(1 << 16);
    pipes.send(lis).await.unwrap();
    let (mut from_lis, mut to_lis) = tokio::io::split(analyzer);

    // An analyzer that does not wait for replies: a whole message in frame 1, then a second message
    // of 100 frames of 1000 bytes of text (1007 bytes each on the line) and its last frame, all at
    // once.
    let first = frame(1, MESSAGE, true);
    let mut second = Vec::new();
    let mut text = format!("H|\\^&|||DEMO\rP|1\rO|1|F200\r{}", record(1000 - 26));
    for n in 2..=101u8 {
        second.extend(frame(n, &text, false));
        text = record(1000);
    }
    second.extend(frame(102, "L|1|N\r", true));
    let total = 1 + first.len() + second.len();
    let writer = tokio::spawn(async move {
        to_lis.write_all(&[ENQ]).await.unwrap();
        to_lis.write_all(&first).await.unwrap();
        to_lis.write_all(&second).await.unwrap();
        to_lis
    });
    let (text, verdict) = gate.recv().await.unwrap();
    assert_eq!(text, MESSAGE.as_bytes());
    // The first store is in flight. However long it takes, the link reads at most the held bound
    // plus one read buffer plus one partial frame; the rest waits in the pipe and then in the
    // analyzer's writer (the pipe holds 64 KiB).
    tokio::time::sleep(Duration::from_secs(10)).await;
    let read = usize::try_from(status.snapshot().counters.bytes_in).unwrap();
    let bound = 1 + MESSAGE.len() + 7 + MAX_HELD + options.read_buffer + 1007;
    assert!(
        read <= bound,
        "{read} bytes read while the store was pending, bound {bound}"
    );
    assert!(read < total);
    assert!(
        !writer.is_finished(),
        "flow control pushes back on the analyzer"
    );

    // The store returns: the held frames are handled, reading resumes, nothing was lost.
    verdict.send(AstmVerdict::accept()).unwrap();
    let (text, verdict) = gate.recv().await.unwrap();
    assert!(text.starts_with(b"H|\\^&|||DEMO\rP|1\rO|1|F200\r"));
    // 100 frames of 1000 bytes of text (the first: H, P and O records, 13 + 4 + 9 bytes, and an R
    // record of 974), then the L record (6 bytes).
    assert_eq!(text.len(), 1000 * 100 + 6);
    verdict.send(AstmVerdict::accept()).unwrap();
    let mut to_lis = writer.await.unwrap();
    // ACK to the ENQ, to frame 1, to frames 2-101 and to frame 102.
    let mut acks = vec![0u8; 103];
    from_lis.read_exact(&mut acks).await.unwrap();
    assert!(acks.iter().all(|&b| b == ACK), "{acks:?}");
    assert_eq!(
        usize::try_from(status.snapshot().counters.bytes_in).unwrap(),
        total
    );
    to_lis.write_all(&[EOT]).await.unwrap();
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn an_oversized_hl7_message_is_journaled_and_answered_ae_then_the_link_goes_on() {
    const LIMIT: usize = 2048;
    let lis = Lis::start_limited("DEMO-HEMA", profile("generic-hl7"), LIMIT);
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    // An ORU whose OBX carries a 10,000-byte value: 10,000 + the header segments, past 2048 bytes.
    let header = "MSH|^~\\&|ANALYZER||LIS||20250301080000||ORU^R01^ORU_R01|BIG-7|P|2.5.1\r";
    let big = format!(
        "{header}PID|1||P1\rOBR|1||H300|ALL\rOBX|1|ED|IMG^Histogram||{}|||N|||F\r",
        "A".repeat(10_000)
    );
    analyzer.write(big.as_bytes()).await.unwrap();
    let ack = receive(&mut analyzer).await;
    assert!(ack.contains("\rMSA|AE|BIG-7"), "{ack}");
    assert!(ack.contains("\rERR|"), "{ack}");
    // Journaled: the first 2048 bytes, with the reason; no result stored.
    let entries: Vec<_> = lis
        .store
        .journal_since(0, 10)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].raw, big.as_bytes()[..LIMIT]);
    assert_eq!(
        entries[0].parse_error.as_deref(),
        Some(
            "HL7 message at stream offset 0 longer than the link's max_message_len of 2048 bytes: \
             not read; its first 2048 bytes are journaled, the rest was skipped"
        )
    );
    assert!(lis.unmatched().is_empty());
    // The next message is read and stored as usual.
    analyzer.write(ORU.as_bytes()).await.unwrap();
    let ack = receive(&mut analyzer).await;
    assert!(ack.contains("\rMSA|AA|M1"), "{ack}");
    assert_eq!(lis.unmatched().len(), 1);
    lis.stop().await;
}

async fn receive(analyzer: &mut MllpAnalyzer<tokio::io::DuplexStream>) -> String {
    let reply = analyzer
        .receive(Duration::from_secs(20))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8(reply).unwrap()
}
