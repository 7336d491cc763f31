//! Order download: a technician (or a script) asks the running LIS to send an analyzer its
//! pending orders as one work list, and the analyzer receives them over E1381.

use std::io::Write;

use lis_tests::analyzer::{connect, read_byte, ACK, ENQ, EOT, ETX, STX};
use lis_tests::http::post_with_token;
use lis_tests::lab_config::{chemistry, LabConfig};

/// Reads one E1381 transfer as the receiving analyzer: answers ENQ and every frame with ACK and
/// returns the frames' text, up to EOT.
fn receive_transfer(stream: &mut std::net::TcpStream) -> String {
    assert_eq!(read_byte(stream).expect("ENQ from the LIS"), ENQ);
    stream.write_all(&[ACK]).expect("ACK the ENQ");
    let mut text = Vec::new();
    loop {
        match read_byte(stream).expect("a frame or EOT") {
            EOT => break,
            STX => {
                let _frame_number = read_byte(stream).expect("FN");
                loop {
                    let b = read_byte(stream).expect("frame text");
                    if b == ETX || b == 0x17 {
                        break;
                    }
                    text.push(b);
                }
                // C1 C2 CR LF.
                for _ in 0..4 {
                    read_byte(stream).expect("checksum and CR LF");
                }
                stream.write_all(&[ACK]).expect("ACK the frame");
            }
            other => panic!("unexpected byte {other:#04x} from the LIS"),
        }
    }
    String::from_utf8(text).expect("ASCII work list")
}

#[test]
fn pending_orders_are_downloaded_to_the_analyzer_once() {
    let dir = tempfile::tempdir().unwrap();
    let lab = LabConfig::default_catalog()
        .link(&chemistry(&["GLU", "UREA"]))
        .write(dir.path());
    lab.add_order("S-DL-1", "GLU,UREA", "P-DL");
    let token = lab.create_token("worklist", "orders:write");

    let lis = lab.serve();
    let mut analyzer = connect(lis.link_addr("CHEM"));
    let uri = "/api/v1/instruments/CHEM/orders/download";
    let (status, body) = post_with_token(lis.http(), uri, &token, "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["queued_tests"], 2);

    let text = receive_transfer(&mut analyzer);
    let records: Vec<&str> = text.split('\r').filter(|r| !r.is_empty()).collect();
    assert!(records[0].starts_with("H|"), "{text:?}");
    let order = records
        .iter()
        .find(|r| r.starts_with("O|"))
        .unwrap_or_else(|| panic!("no O record in {text:?}"));
    assert!(order.contains("S-DL-1"), "{order}");
    assert!(
        order.contains("^^^GLU") && order.contains("^^^UREA"),
        "{order}"
    );
    assert!(
        records.last().is_some_and(|r| r.starts_with("L|")),
        "{text:?}"
    );

    // The tests were marked as sent: nothing is pending any more.
    let (status, body) = post_with_token(lis.http(), uri, &token, "");
    assert_eq!(
        (status, &body["queued_tests"]),
        (200, &serde_json::json!(0))
    );
    // An instrument with no link is named in a 404.
    let (status, _) = post_with_token(
        lis.http(),
        "/api/v1/instruments/NOPE/orders/download",
        &token,
        "",
    );
    assert_eq!(status, 404);
    let _ = lis.stop();
}
