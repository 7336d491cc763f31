//! Faults end to end, with the hand-written analyzer: a connection dropped in the middle of a
//! message and the message sent again in full (stored once), the same message sent twice (stored
//! once), garbage on the line between messages, a silent analyzer that must not hold up another
//! link, and SIGTERM during traffic (every message whose last frame the analyzer saw acknowledged is
//! stored exactly once).

use std::io::Write;
use std::sync::{Arc, Mutex};

use lis_tests::analyzer::{connect, e1381_send, frame, mllp_send, read_byte, ACK, ENQ};
use lis_tests::json_lines;
use lis_tests::lab::Lab;
use lis_tests::lab_config::{chemistry, hematology, LabConfig};
use lis_tests::server::{wait_for, TIMEOUT};

/// CHEM (GLU, UREA) over E1381 and HEMA (WBC) over MLLP, written to `dir`.
fn write_lab(dir: &std::path::Path) -> Lab {
    LabConfig::default_catalog()
        .link(&chemistry(&["GLU", "UREA"]))
        .link(&hematology().maps_in_unit("WBC", "WBC", "10*9/L"))
        .write(dir)
}

fn message(specimen: &str, glu: &str) -> Vec<String> {
    vec![
        r"H|\^&|||DEMO-CHEM|||||||P|LIS2-A2|20261123083000".to_owned(),
        "P|1||PID006".to_owned(),
        format!("O|1|{specimen}||^^^GLU|R"),
        format!("R|1|^^^GLU|{glu}|mmol/L||N||F||||20261123082950"),
        "L|1|N".to_owned(),
    ]
}

fn refs(records: &[String]) -> Vec<&str> {
    records.iter().map(String::as_str).collect()
}

#[test]
fn a_message_cut_by_a_dropped_connection_then_sent_again_and_again_is_stored_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = write_lab(dir.path());
    lab.add_order("S5001", "GLU", "PID006");
    let lis = lab.serve();
    let addr = lis.link_addr("CHEM");
    let records = message("S5001", "5.1");

    // First attempt: ENQ and the first three frames acknowledged, then the cable is pulled.
    {
        let mut line = connect(addr);
        line.write_all(&[ENQ]).expect("ENQ");
        assert_eq!(read_byte(&mut line).expect("answer to ENQ"), ACK);
        for (i, r) in records.iter().take(3).enumerate() {
            let mut text = r.as_bytes().to_vec();
            text.push(b'\r');
            line.write_all(&frame(u8::try_from(i + 1).unwrap_or(0), &text))
                .expect("frame");
            assert_eq!(read_byte(&mut line).expect("answer to frame"), ACK);
        }
    }
    // The analyzer reconnects and sends the whole message; then, not sure it got through, sends
    // it once more.
    let mut line = connect(addr);
    e1381_send(&mut line, &refs(&records)).unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    e1381_send(&mut line, &refs(&records)).unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    lis.wait_counter("CHEM", "messages_in", 2);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");

    let stored = lab.results("S5001");
    assert_eq!(stored.len(), 1, "{stored:#?}");
    assert_eq!(
        (stored[0]["test_code"].as_str(), stored[0]["value"].as_str()),
        (Some("GLU"), Some("5.1"))
    );
    assert_eq!(stored[0]["version"], 1);
    let (_, unmatched, _) = lab.run(&["results", "--unmatched"]);
    assert_eq!(unmatched, "", "nothing went to the unmatched queue");
}

#[test]
fn garbage_between_messages_is_skipped_on_both_protocols() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = write_lab(dir.path());
    lab.add_order("S5101", "GLU", "PID006");
    lab.add_order("S5102", "GLU", "PID006");
    lab.add_order("S5103", "WBC", "PID006");
    let lis = lab.serve();

    let mut line = connect(lis.link_addr("CHEM"));
    // Line noise while the link is neutral: NUL, a stray ETX, text, 0xFF.
    line.write_all(b"\x00\x03noise\xff\r\n").expect("noise");
    e1381_send(&mut line, &refs(&message("S5101", "4.4")))
        .unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    line.write_all(b"\x7f\x7fGARBAGE|||\r").expect("noise");
    e1381_send(&mut line, &refs(&message("S5102", "4.6")))
        .unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));

    let mut hl7 = connect(lis.link_addr("HEMA"));
    hl7.write_all(b"junk before the start block\r\n")
        .expect("junk");
    let ack = mllp_send(
        &mut hl7,
        &[
            r"MSH|^~\&|DEMO-HEMA|LAB|LIS|LAB|20261123083000||ORU^R01^ORU_R01|MSG77|P|2.5.1",
            "PID|1||PID006",
            "OBR|1||S5103|CBC",
            "OBX|1|NM|WBC^WBC||6.20|10*9/L|||||F",
        ],
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    assert!(ack.contains("MSA|AA|MSG77"), "{ack}");
    lis.wait_counter("CHEM", "messages_in", 2);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");

    for (specimen, test, value) in [
        ("S5101", "GLU", "4.4"),
        ("S5102", "GLU", "4.6"),
        ("S5103", "WBC", "6.20"),
    ] {
        let stored = lab.results(specimen);
        assert_eq!(stored.len(), 1, "{specimen}: {stored:#?}");
        assert_eq!(stored[0]["test_code"], test);
        assert_eq!(stored[0]["value"], value);
    }
}

#[test]
fn a_silent_analyzer_does_not_hold_up_another_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = write_lab(dir.path());
    lab.add_order("S5201", "WBC", "PID006");
    lab.add_order("S5202", "GLU", "PID006");
    let lis = lab.serve();

    // The ASTM analyzer bids for the line and then says nothing (the LIS waits up to 30 s for a
    // frame [LIS1-A §6.5.2.4]).
    let mut silent = connect(lis.link_addr("CHEM"));
    silent.write_all(&[ENQ]).expect("ENQ");
    assert_eq!(read_byte(&mut silent).expect("ACK"), ACK);

    // Meanwhile the HL7 analyzer is served at once.
    let mut hl7 = connect(lis.link_addr("HEMA"));
    let ack = mllp_send(
        &mut hl7,
        &[
            r"MSH|^~\&|DEMO-HEMA|LAB|LIS|LAB|20261123083000||ORU^R01^ORU_R01|MSG78|P|2.5.1",
            "PID|1||PID006",
            "OBR|1||S5201|CBC",
            "OBX|1|NM|WBC^WBC||5.10|10*9/L|||||F",
        ],
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    assert!(ack.contains("MSA|AA|MSG78"), "{ack}");
    // The silent link is still connected, waiting: the other link was not held up by it.
    assert_eq!(lis.link("CHEM")["state"], "connected");
    assert_eq!(lis.link("CHEM")["counters"]["messages_in"], 0);

    // A second ASTM connection replaces the silent one (on_new_connection = "replace").
    let mut line = connect(lis.link_addr("CHEM"));
    e1381_send(&mut line, &refs(&message("S5202", "5.5")))
        .unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    lis.wait_counter("CHEM", "messages_in", 1);
    drop(silent);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(lab.results("S5201").len(), 1);
    assert_eq!(lab.results("S5202").len(), 1);
}

#[test]
fn sigterm_during_traffic_loses_nothing_that_was_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = write_lab(dir.path());
    let lis = lab.serve();
    let addr = lis.link_addr("CHEM");

    // The analyzer sends message after message (no orders: the results go to the unmatched queue,
    // one row per message) and notes which ones were fully acknowledged.
    let acked: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let attempted: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let sender = {
        let (acked, attempted) = (Arc::clone(&acked), Arc::clone(&attempted));
        std::thread::spawn(move || {
            let mut line = connect(addr);
            for n in 0..10_000 {
                let specimen = format!("T{n:05}");
                attempted
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(specimen.clone());
                if e1381_send(&mut line, &refs(&message(&specimen, "5.0"))).is_err() {
                    break;
                }
                acked
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(specimen);
            }
        })
    };
    wait_for("20 acknowledged messages", TIMEOUT, || {
        (acked.lock().unwrap_or_else(|p| p.into_inner()).len() >= 20).then_some(())
    });
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    wait_for("the analyzer to notice the LIS is gone", TIMEOUT, || {
        sender.is_finished().then_some(())
    });
    let _ = sender.join();

    let (code, out, err) = lab.run(&["results", "--unmatched"]);
    assert_eq!(code, 0, "{err}");
    let stored: Vec<String> = json_lines(&out)
        .iter()
        .map(|v| v["specimen_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let acked = acked.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let attempted = attempted.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert!(acked.len() >= 20);
    for s in &acked {
        assert_eq!(
            stored.iter().filter(|x| *x == s).count(),
            1,
            "acknowledged {s} stored once"
        );
    }
    // Nothing stored that was never sent, and nothing twice; at most the one message in flight
    // at the signal is stored without its acknowledgement having arrived.
    for s in &stored {
        assert!(attempted.contains(s), "{s} was never sent");
        assert_eq!(
            stored.iter().filter(|x| *x == s).count(),
            1,
            "{s} stored twice"
        );
    }
    assert!(
        stored.len() <= acked.len() + 1,
        "stored {} acked {}",
        stored.len(),
        acked.len()
    );
}
