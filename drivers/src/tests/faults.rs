//! Fault tests at the link level over in-memory pipes, with tokio's paused clock where timers
//! matter: a connection dropped mid-message, corrupted bytes, a silent analyzer, contention, garbage
//! between messages, an analyzer that never sends EOT; malformed HL7 and MLLP.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::{profile, rows, Lis};
use crate::profile::Framing;
use crate::simulator::session::{AstmInstrument, MllpAnalyzer};
use crate::simulator::Delivery;

pub(super) const ENQ: u8 = 0x05;
pub(super) const ACK: u8 = 0x06;
pub(super) const NAK: u8 = 0x15;
pub(super) const EOT: u8 = 0x04;
const STX: u8 = 0x02;
const ETX: u8 = 0x03;
const ETB: u8 = 0x17;

/// One E1381 frame: STX, frame number, text, ETX or ETB, checksum (sum of the bytes from the frame
/// number through ETX/ETB, modulo 256, two upper-case hex digits), CR LF [LIS1-A §6.3.1, §6.3.3].
pub(super) fn frame(n: u8, text: &str, last: bool) -> Vec<u8> {
    let mut body = vec![b'0' + n % 8];
    body.extend_from_slice(text.as_bytes());
    body.push(if last { ETX } else { ETB });
    let sum = body.iter().fold(0u8, |s, &b| s.wrapping_add(b));
    let mut out = vec![STX];
    out.extend_from_slice(&body);
    out.extend_from_slice(format!("{sum:02X}\r\n").as_bytes());
    out
}

pub(super) const MESSAGE: &str = "H|\\^&|||DEMO\rP|1\rO|1|F100\rR|1|^^^GLU|5.4|mmol/L||N||F\rR|2|^^^CREA|88|umol/L||N||F\rL|1|N\r";
const FIRST_HALF: &str = "H|\\^&|||DEMO\rP|1\rO|1|F100\r";
const SECOND_HALF: &str = "R|1|^^^GLU|5.4|mmol/L||N||F\rR|2|^^^CREA|88|umol/L||N||F\rL|1|N\r";

/// The stored rows of MESSAGE.
pub(super) fn expected() -> Vec<(String, String, String, String)> {
    vec![
        ("F100".into(), "CREA".into(), "88".into(), "umol/L".into()),
        ("F100".into(), "GLU".into(), "5.4".into(), "mmol/L".into()),
    ]
}

pub(super) async fn read_byte(io: &mut DuplexStream) -> u8 {
    let mut b = [0u8; 1];
    tokio::time::timeout(Duration::from_secs(600), io.read_exact(&mut b))
        .await
        .expect("the LIS answered")
        .unwrap();
    b[0]
}

pub(super) async fn write(io: &mut DuplexStream, bytes: &[u8]) {
    io.write_all(bytes).await.unwrap();
}

/// Sends MESSAGE in two frames and EOT, expecting ACK for each.
pub(super) async fn send_whole(io: &mut DuplexStream) {
    write(io, &[ENQ]).await;
    assert_eq!(read_byte(io).await, ACK);
    write(io, &frame(1, FIRST_HALF, false)).await;
    assert_eq!(read_byte(io).await, ACK);
    write(io, &frame(2, SECOND_HALF, true)).await;
    assert_eq!(read_byte(io).await, ACK);
    write(io, &[EOT]).await;
}

/// Waits until the store holds `n` unmatched rows (stores run on the blocking pool).
pub(super) async fn wait_rows(lis: &Lis, n: usize) {
    for _ in 0..200 {
        if lis.unmatched().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn dropped_mid_message_stores_nothing_then_the_retransmission_once() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let mut io = lis.connect().await;
    write(&mut io, &[ENQ]).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    write(&mut io, &frame(1, FIRST_HALF, false)).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    drop(io);
    let mut io = lis.connect().await;
    send_whole(&mut io).await;
    wait_rows(&lis, 2).await;
    // The analyzer's ACK was lost: it sends the whole message again; stored once.
    send_whole(&mut io).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rows(&lis.unmatched()), expected());
    let kinds: Vec<String> = lis.journal().into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, vec!["results"]);
    lis.stop().await;
}

#[tokio::test]
async fn corrupted_frame_is_naked_and_the_retransmission_succeeds() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let mut io = lis.connect().await;
    write(&mut io, &[ENQ]).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    write(&mut io, &frame(1, FIRST_HALF, false)).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    let mut bad = frame(2, SECOND_HALF, true);
    bad[10] ^= 0x01; // one bit flipped on the line
    write(&mut io, &bad).await;
    assert_eq!(read_byte(&mut io).await, NAK);
    write(&mut io, &frame(2, SECOND_HALF, true)).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    write(&mut io, &[EOT]).await;
    wait_rows(&lis, 2).await;
    assert_eq!(rows(&lis.unmatched()), expected());
    let c = lis.status.snapshot().counters;
    assert_eq!((c.checksum_errors, c.naks_sent, c.messages_in), (1, 1, 1));
    lis.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_silent_analyzer_is_timed_out_and_the_link_serves_again() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let mut io = lis.connect().await;
    write(&mut io, &[ENQ]).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    write(&mut io, &frame(1, FIRST_HALF, false)).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    // Silence: after the 30 s receive timeout [LIS1-A §6.5.2.4] the partial message is discarded
    // and the line is neutral again.
    tokio::time::sleep(Duration::from_secs(31)).await;
    let status = lis.status.snapshot();
    assert_eq!(status.counters.timeouts, 1);
    assert!(status.last_error.is_some());
    send_whole(&mut io).await;
    wait_rows(&lis, 2).await;
    assert_eq!(rows(&lis.unmatched()), expected());
    lis.stop().await;
}

#[tokio::test(start_paused = true)]
async fn an_analyzer_that_never_sends_eot_is_stored_and_the_line_freed() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let mut io = lis.connect().await;
    write(&mut io, &[ENQ]).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    write(&mut io, &frame(1, MESSAGE, true)).await;
    // ACK only once stored.
    assert_eq!(read_byte(&mut io).await, ACK);
    assert_eq!(rows(&lis.unmatched()), expected());
    // No EOT. The LIS has an order to send: once the receive timer frees the line, it bids.
    lis.astm_outbox
        .as_ref()
        .unwrap()
        .send(crate::download::Outgoing::message(
            "H|\\^&\rP|1\rO|1|F200||^^^GLU\rL|1|N\r".to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(read_byte(&mut io).await, ENQ);
    assert!(lis.status.snapshot().counters.timeouts >= 1);
    lis.stop().await;
}

#[tokio::test(start_paused = true)]
async fn contention_the_analyzer_wins_and_the_lis_sends_afterwards() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let mut io = lis.connect().await;
    // The LIS bids first (an order download): its ENQ is on the line before the analyzer bids.
    lis.astm_outbox
        .as_ref()
        .unwrap()
        .send(crate::download::Outgoing::message(
            "H|\\^&\rP|1\rO|1|F300||^^^GLU\rL|1|N\r".to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(read_byte(&mut io).await, ENQ);
    // The analyzer bids for its results at the same time: its ENQ crosses the LIS's, which is
    // contention. The computer yields and answers nothing [LIS1-A §6.2.7.1]; the paused clock
    // only moves once the LIS has read the ENQ and gone idle, so the silence is its decision.
    write(&mut io, &[ENQ]).await;
    assert!(
        tokio::time::timeout(Duration::from_secs(1), read_byte(&mut io))
            .await
            .is_err(),
        "the LIS answered an ENQ that contended with its own"
    );
    // The instrument bids again after its 1 s wait; now the LIS answers it.
    let mut analyzer = AstmInstrument::framed(io, 247);
    let limit = Duration::from_secs(60);
    assert_eq!(
        analyzer.send(MESSAGE, limit).await.unwrap(),
        Delivery::Acknowledged
    );
    let download = String::from_utf8(analyzer.receive(limit).await.unwrap().unwrap()).unwrap();
    assert!(download.contains("O|1|F300||^^^GLU"), "{download}");
    analyzer.settle(limit).await.unwrap();
    wait_rows(&lis, 2).await;
    assert_eq!(rows(&lis.unmatched()), expected());
    for _ in 0..200 {
        if lis.status.snapshot().counters.messages_out == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(lis.status.snapshot().counters.messages_out, 1);
    lis.stop().await;
}

#[tokio::test]
async fn garbage_between_messages_is_ignored() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let mut io = lis.connect().await;
    write(&mut io, b"\r\n\xff\x00line noise").await;
    write(&mut io, &[ENQ]).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    write(&mut io, &frame(1, MESSAGE, true)).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    write(&mut io, &[EOT]).await;
    write(&mut io, b"#### printer output ####\r\n").await;
    let second = MESSAGE.replace("F100", "F101");
    write(&mut io, &[ENQ]).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    write(&mut io, &frame(1, &second, true)).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    write(&mut io, &[EOT]).await;
    wait_rows(&lis, 4).await;
    assert_eq!(lis.unmatched().len(), 4);
    lis.stop().await;
}

#[tokio::test]
async fn an_unreadable_astm_message_is_journaled_acknowledged_and_reported() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let mut io = lis.connect().await;
    write(&mut io, &[ENQ]).await;
    assert_eq!(read_byte(&mut io).await, ACK);
    // Records with no H: the frames are valid, the message is not.
    write(&mut io, &frame(1, "R|1|^^^GLU|5.4\rL|1|N\r", true)).await;
    write(&mut io, &[EOT]).await;
    for _ in 0..200 {
        if !lis.journal().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let journal = lis.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].0, "unparsed");
    assert!(lis.unmatched().is_empty());
    assert!(lis.status.snapshot().last_error.is_some());
    // The link goes on.
    send_whole(&mut io).await;
    wait_rows(&lis, 2).await;
    assert_eq!(rows(&lis.unmatched()), expected());
    lis.stop().await;
}

#[tokio::test]
async fn raw_records_without_e1381_are_stored() {
    let mut raw = (*profile("generic-astm")).clone();
    raw.framing = Framing::Raw;
    let lis = Lis::start_with("DEMO-CHEM", Arc::new(raw));
    let mut io = lis.connect().await;
    write(&mut io, MESSAGE.replace('\r', "\r\n").as_bytes()).await;
    wait_rows(&lis, 2).await;
    assert_eq!(rows(&lis.unmatched()), expected());
    // No acknowledgement at all in this mode.
    let mut b = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(200), io.read(&mut b))
            .await
            .is_err()
    );
    lis.stop().await;
}

pub(super) const ORU: &str = "MSH|^~\\&|ANALYZER||LIS||20250301080000||ORU^R01^ORU_R01|M1|P|2.5.1\rPID|1||P1\rOBR|1||H200|ALL\rOBX|1|NM|WBC^WBC||7.2|10*9/L||N|||F\r";

#[tokio::test]
async fn mllp_junk_is_reported_and_bad_hl7_gets_ae_with_the_bytes_kept() {
    let lis = Lis::start("DEMO-HEMA", "generic-hl7");
    let mut io = lis.connect().await;
    // Junk before the start block, then a good message.
    write(&mut io, b"noise before VT").await;
    let mut analyzer = MllpAnalyzer::new(io);
    analyzer.write(ORU.as_bytes()).await.unwrap();
    let ack = String::from_utf8(
        analyzer
            .receive(Duration::from_secs(20))
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert!(ack.contains("\rMSA|AA|M1"), "{ack}");
    assert!(lis
        .status
        .snapshot()
        .last_error
        .unwrap()
        .1
        .contains("outside any MLLP block"));
    // Not HL7 at all: AE with an ERR segment, the bytes journaled.
    analyzer.write(b"this is not an HL7 message").await.unwrap();
    let ack = String::from_utf8(
        analyzer
            .receive(Duration::from_secs(20))
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    // MSA-2 stays empty: a message with no MSH has no control id to echo.
    assert!(ack.contains("\rMSA|AE"), "{ack}");
    assert!(ack.contains("\rERR|"), "{ack}");
    // A message type the LIS does not process: AR.
    analyzer
        .write(b"MSH|^~\\&|ANALYZER||LIS||20250301080000||ADT^A01|M3|P|2.5.1\rPID|1||P1\r")
        .await
        .unwrap();
    let ack = String::from_utf8(
        analyzer
            .receive(Duration::from_secs(20))
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert!(ack.contains("\rMSA|AR|M3"), "{ack}");
    let kinds: Vec<String> = lis.journal().into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, vec!["results", "unparsed", "other"]);
    assert_eq!(
        rows(&lis.unmatched()),
        vec![("H200".into(), "WBC".into(), "7.2".into(), "10*9/L".into())]
    );
    lis.stop().await;
}

#[tokio::test]
async fn mllp_dropped_mid_block_stores_nothing_then_the_resend_once() {
    let lis = Lis::start("DEMO-HEMA", "generic-hl7");
    let mut io = lis.connect().await;
    let framed = lis_hl7::mllp::encode(ORU.as_bytes());
    write(&mut io, &framed[..framed.len() / 2]).await;
    drop(io);
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    for _ in 0..2 {
        analyzer.write(ORU.as_bytes()).await.unwrap();
        let ack = String::from_utf8(
            analyzer
                .receive(Duration::from_secs(20))
                .await
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        assert!(ack.contains("\rMSA|AA|M1"), "{ack}");
    }
    assert_eq!(lis.unmatched().len(), 1);
    let kinds: Vec<String> = lis.journal().into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, vec!["results"]);
    lis.stop().await;
}
