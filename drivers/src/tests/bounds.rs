//! Bounds on what an analyzer can make the LIS hold, over in-memory pipes: an E1381 message that
//! never ends, input piling up while a store is in flight, an oversized HL7 message. Each test sends
//! the hostile input, checks what is kept (the journal row with its reason) and that the link then
//! serves the analyzer as before.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::faults::{expected, frame, read_byte, send_whole, wait_rows, write, ACK, ENQ, EOT, NAK};
use super::{profile, rows, Lis};

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
