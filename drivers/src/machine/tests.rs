//! Sans-IO tests of the machines' outbound side: a download counts as sent only once the
//! analyzer accepted it (E1381: the last frame ACKed; HL7: the AA naming its MSH-10; raw records:
//! all its bytes written), and whatever was not accepted when the connection ends is handed back.

use std::time::Instant;

use lis_hl7::mllp;

use super::{AstmEvent, AstmFramedMachine, AstmRawMachine, MllpEvent, MllpMachine};
use crate::download::Outgoing;
use crate::link::LinkMachine;

const STX: u8 = 0x02;
const EOT: u8 = 0x04;
const ENQ: u8 = 0x05;
const ACK: u8 = 0x06;
const NAK: u8 = 0x15;

const ORDERS: &str = "H|\\^&\rP|1\rO|1|D1||^^^GLU\rL|1|N\r";

fn download() -> Outgoing<String> {
    Outgoing {
        message: ORDERS.to_owned(),
        tests: vec![7, 8],
    }
}

fn events<M: LinkMachine>(m: &mut M) -> Vec<M::Event> {
    std::iter::from_fn(|| m.poll_event()).collect()
}

#[test]
fn e1381_download_is_sent_at_the_last_frames_ack() {
    let now = Instant::now();
    let mut m = AstmFramedMachine::new(247, 64_000);
    m.queue_outbound(now, download());
    assert_eq!(m.poll_transmit().as_deref(), Some(&[ENQ][..]));
    m.handle_input(now, &[ACK]);
    let frame = m.poll_transmit().unwrap();
    assert_eq!(frame.first(), Some(&STX));
    assert_eq!(
        frame.get(frame.len() - 5),
        Some(&0x03),
        "one frame, ended by ETX"
    );
    // The frame is written, not yet acknowledged: nothing is sent.
    assert!(!events(&mut m)
        .iter()
        .any(|e| matches!(e, AstmEvent::Sent { .. })),);
    m.handle_input(now, &[ACK]);
    assert_eq!(m.poll_transmit().as_deref(), Some(&[EOT][..]));
    assert_eq!(events(&mut m), vec![AstmEvent::Sent { tests: vec![7, 8] }]);
    assert_eq!(m.take_unsent(), Vec::<Outgoing<String>>::new());
}

#[test]
fn e1381_download_cut_off_before_the_last_ack_is_handed_back() {
    let now = Instant::now();
    let mut m = AstmFramedMachine::new(247, 64_000);
    m.queue_outbound(now, download());
    assert_eq!(m.poll_transmit().as_deref(), Some(&[ENQ][..]));
    m.handle_input(now, &[ACK]);
    assert!(m.poll_transmit().is_some());
    // The connection ends here.
    assert_eq!(m.take_unsent(), vec![download()]);
}

#[test]
fn e1381_download_given_up_after_the_retries_names_its_tests_and_is_not_kept() {
    let mut now = Instant::now();
    let mut m = AstmFramedMachine::new(247, 64_000);
    m.queue_outbound(now, download());
    let mut failed = Vec::new();
    // The analyzer takes the line and NAKs every frame: each attempt ends after six
    // transmissions [LIS1-A §6.5.1.2], the next one comes after the retry delay, and the
    // message is given up after the link's last attempt.
    for _ in 0..1_000 {
        let mut last = None;
        while let Some(bytes) = m.poll_transmit() {
            last = bytes.first().copied();
        }
        failed.extend(
            events(&mut m)
                .into_iter()
                .filter(|e| matches!(e, AstmEvent::SendFailed { .. })),
        );
        if !failed.is_empty() {
            break;
        }
        match last {
            Some(ENQ) => m.handle_input(now, &[ACK]),
            Some(STX) => m.handle_input(now, &[NAK]),
            _ => {
                now = m
                    .poll_timeout()
                    .expect("a timer runs while the message waits");
                m.handle_timeout(now);
            }
        }
    }
    match failed.as_slice() {
        [AstmEvent::SendFailed { attempts, tests }] => {
            assert!(*attempts > 1, "{attempts}");
            assert_eq!(tests, &vec![7, 8]);
        }
        other => panic!("{other:?}"),
    }
    // Given up: not handed to the next connection; its tests stay pending for a new download.
    assert_eq!(m.take_unsent(), Vec::<Outgoing<String>>::new());
}

#[test]
fn raw_download_is_sent_only_once_written() {
    let now = Instant::now();
    let mut m = AstmRawMachine::new(1 << 20);
    m.queue_outbound(now, download());
    assert!(events(&mut m).is_empty(), "queued is not sent");
    assert_eq!(m.poll_transmit().as_deref(), Some(ORDERS.as_bytes()));
    assert!(events(&mut m).is_empty(), "handed out is not written");
    m.handle_written(now);
    assert_eq!(events(&mut m), vec![AstmEvent::Sent { tests: vec![7, 8] }]);
    assert_eq!(m.take_unsent(), Vec::<Outgoing<String>>::new());
}

#[test]
fn raw_download_not_written_when_the_connection_ends_is_handed_back() {
    let now = Instant::now();
    let mut m = AstmRawMachine::new(1 << 20);
    let second = Outgoing {
        message: ORDERS.replace("D1", "D2"),
        tests: vec![9],
    };
    m.queue_outbound(now, download());
    m.queue_outbound(now, second.clone());
    // The first was handed to the task, whose write failed; the second never left the machine.
    assert!(m.poll_transmit().is_some());
    assert_eq!(m.take_unsent(), vec![download(), second]);
    assert!(events(&mut m).is_empty());
}

const OML: &str = "MSH|^~\\&|LIS|LAB|BC-5380|Mindray|20250101120000||OML^O33^OML_O33|C-1|P|2.5.1\r\
                   PID|1\rSPM|1|D1\rORC|NW\rOBR|1|D1||WBC\r";

fn hl7_download() -> Outgoing<Vec<u8>> {
    Outgoing {
        message: OML.as_bytes().to_vec(),
        tests: vec![5],
    }
}

fn ack(code: &str, control_id: &str) -> Vec<u8> {
    mllp::encode(
        format!(
            "MSH|^~\\&|BC-5380|Mindray|LIS|LAB|20250101120001||ACK^O33^ACK|A-1|P|2.5.1\r\
             MSA|{code}|{control_id}\r"
        )
        .as_bytes(),
    )
}

#[test]
fn hl7_download_is_sent_on_the_aa_naming_its_control_id() {
    let now = Instant::now();
    let mut m = MllpMachine::new(1 << 20);
    m.queue_outbound(now, hl7_download());
    assert_eq!(
        m.poll_transmit().as_deref(),
        Some(&mllp::encode(OML.as_bytes())[..])
    );
    // An AA for another message names no download.
    m.handle_input(now, &ack("AA", "C-0"));
    assert_eq!(
        events(&mut m),
        vec![MllpEvent::Acknowledged {
            code: "AA".into(),
            control_id: "C-0".into(),
            tests: vec![],
        }]
    );
    m.handle_input(now, &ack("AA", "C-1"));
    assert_eq!(
        events(&mut m),
        vec![MllpEvent::Acknowledged {
            code: "AA".into(),
            control_id: "C-1".into(),
            tests: vec![5],
        }]
    );
    assert_eq!(m.take_unsent(), Vec::<Outgoing<Vec<u8>>>::new());
}

#[test]
fn hl7_download_without_an_ack_when_the_connection_ends_is_handed_back() {
    let now = Instant::now();
    let mut m = MllpMachine::new(1 << 20);
    m.queue_outbound(now, hl7_download());
    assert!(m.poll_transmit().is_some());
    m.handle_written(now);
    assert!(events(&mut m).is_empty(), "written is not accepted");
    assert_eq!(m.take_unsent(), vec![hl7_download()]);
}

#[test]
fn hl7_download_refused_is_done_with_its_tests_named() {
    let now = Instant::now();
    let mut m = MllpMachine::new(1 << 20);
    m.queue_outbound(now, hl7_download());
    assert!(m.poll_transmit().is_some());
    m.handle_input(now, &ack("AE", "C-1"));
    assert_eq!(
        events(&mut m),
        vec![MllpEvent::Acknowledged {
            code: "AE".into(),
            control_id: "C-1".into(),
            tests: vec![5],
        }]
    );
    // Refused downloads are not sent again by the link; their tests stay pending in core.
    assert_eq!(m.take_unsent(), Vec::<Outgoing<Vec<u8>>>::new());
}
