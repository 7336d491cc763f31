//! A microbiology isolate to the HIS with the real binary: the HIS orders the culture (ORM^O01,
//! `ORG-A`), the ID/AST system sends the isolate over E1381 (the records of `ui_micro_e2e`), the
//! LIS releases it, and the simulated HIS receives the ORU^R01 with the organism OBX and the
//! susceptibility panel as a child order; the FHIR Observation serves the organism with one
//! component per antibiotic. Both are captured for the CI validators (hl7apy strict,
//! fhir.resources) when `LIS_CAPTURE_DIR` is set. In this test lab the culture test counts E. coli
//! as a result that needs no person (so it is released at once); the demo lab holds it.

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use lis_tests::analyzer::{connect, e1381_send, mllp_block, mllp_read};
use lis_tests::http::get_with_token;
use lis_tests::lab_config::{LabConfig, Link, Protocol};
use lis_tests::server::{wait_for, TIMEOUT};

use crate::ui_micro_e2e::RECORDS;

fn field(segment: &str, n: usize) -> &str {
    segment.split('|').nth(n).unwrap_or_default()
}

#[test]
fn an_isolate_reaches_the_his_as_organism_and_child_susceptibility_order() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let results = listener.local_addr().unwrap();
    let micro = Link::tcp_server(
        "MICRO",
        "ID/AST system",
        "microbiology-mic",
        Protocol::AstmE1381,
    )
    .maps("ISOLATE-A", "ORG-A");
    let lab = LabConfig::default_catalog()
        .edit_test(
            "ORG-A",
            "kind = \"text\"",
            "kind = \"text\"\nnormal_text = [\"Escherichia coli\"]\nautoverify = true\nauto_release = true",
        )
        .link(&micro)
        .section(&format!(
            "[his]\norders_listen = \"127.0.0.1:0\"\nack_timeout_ms = 2000\nretry_initial_ms = 100\n\
             retry_max_ms = 400\npoll_ms = 50\n\n[[his.results]]\nname = \"his\"\naddress = \"{results}\"\n"
        ))
        .write(dir.path());
    // The HIS's results endpoint: keeps every message and answers AA.
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let keep = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            while let Ok(message) = mllp_read(&mut stream) {
                let control = message
                    .split('\r')
                    .next()
                    .and_then(|msh| msh.split('|').nth(9))
                    .unwrap_or_default()
                    .to_owned();
                keep.lock().unwrap().push(message);
                let ack = format!(
                    "MSH|^~\\&|HIS|BV|LIS|LAB|20250301100000||ACK^R01^ACK|A1|P|2.5.1\rMSA|AA|{control}\r"
                );
                if stream.write_all(&mllp_block(&ack)).is_err() {
                    return;
                }
            }
        }
    });
    let token = lab.create_token("his", "results:read,fhir:read");
    let lis = lab.serve();
    let orders = wait_for("the HIS orders listener", TIMEOUT, || {
        lis.log()
            .lines()
            .find_map(|l| l.strip_prefix("lis: his orders listening on "))
            .and_then(|a| a.trim().parse::<std::net::SocketAddr>().ok())
    });
    let mut his = std::net::TcpStream::connect(orders).unwrap();
    his.set_read_timeout(Some(TIMEOUT)).unwrap();
    let orm = "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|M401|P|2.5.1||||||UNICODE UTF-8\r\
PID|1||BN401^^^BV^PI||Lê^Mai^Thị||19620402|F\r\
ORC|NW|PL-401||||||||||BS01^Lê^Minh\r\
OBR|1|PL-401|S-401|ORG-A^Culture^L\r";
    his.write_all(&mllp_block(orm)).unwrap();
    let ack = mllp_read(&mut his).unwrap();
    assert!(ack.contains("MSA|AA|M401"), "{ack}");

    let mut line = connect(lis.link_addr("MICRO"));
    e1381_send(&mut line, &RECORDS).unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    let oru = wait_for("the ORU^R01 at the HIS", TIMEOUT, || {
        seen.lock().unwrap().first().cloned()
    });
    let segments: Vec<&str> = oru.split('\r').filter(|s| !s.is_empty()).collect();
    let ids: Vec<&str> = segments.iter().map(|s| &s[..3]).collect();
    assert_eq!(
        ids,
        [
            "MSH", "PID", "ORC", "OBR", "OBX", "OBX", "OBX", "SPM", "ORC", "OBR", "OBX", "OBX",
            "OBX", "OBX", "OBX", "OBX", "OBX", "SPM"
        ],
        "{oru}"
    );
    // The organism, its sub-ID the isolate letter; then the ID candidates as its sub-values.
    assert_eq!(field(segments[4], 2), "CWE");
    assert_eq!(field(segments[4], 4), "A");
    assert_eq!(field(segments[4], 5), "E.COL^Escherichia coli^L");
    assert_eq!(field(segments[5], 4), "A.1");
    // The child order names its parent result and order.
    let child = segments[9];
    assert_eq!(field(child, 4), "29576-6^Bacterial susceptibility panel^LN");
    assert!(field(child, 26).ends_with("^A^Escherichia coli"), "{child}");
    assert!(field(child, 29).starts_with("PL-401^"), "{child}");
    // Ciprofloxacin: its MIC as an SN in µg/mL, resistant (table 0078 `R`).
    let cipro = segments[12];
    let fields: Vec<&str> = [1, 2, 3, 4, 5, 6, 8, 11, 18]
        .iter()
        .map(|&n| field(cipro, n))
        .collect();
    assert_eq!(
        fields,
        [
            "3",
            "SN",
            "CIPROF^Ciprofloxacin^L",
            "A",
            ">^2.0000",
            "ug/mL^ug/mL^UCUM",
            "R",
            "F",
            "MICRO"
        ],
        "{cipro}"
    );
    assert_eq!(field(segments[16], 3), "TIGECY^Tigecycline^L");
    assert_eq!(field(segments[16], 8), "");

    // FHIR: the organism with one component per antibiotic.
    let (status, bundle) = get_with_token(lis.http(), "/fhir/r4/Observation", &token);
    assert_eq!(status, 200, "{bundle}");
    let observation = &bundle["entry"][0]["resource"];
    assert_eq!(
        observation["valueCodeableConcept"]["coding"][0]["code"],
        "E.COL"
    );
    let components = observation["component"].as_array().unwrap();
    // Seven antibiotics, then the two ID candidates.
    assert_eq!(components.len(), 9, "{observation}");
    assert_eq!(components[2]["code"]["coding"][0]["code"], "CIPROF");
    assert_eq!(components[2]["valueQuantity"]["comparator"], ">");
    assert_eq!(components[2]["interpretation"][0]["coding"][0]["code"], "R");
    let (status, read) = get_with_token(
        lis.http(),
        &format!(
            "/fhir/r4/Observation/{}",
            observation["id"].as_str().unwrap()
        ),
        &token,
    );
    assert_eq!(status, 200);
    assert_eq!(read, *observation);
}
