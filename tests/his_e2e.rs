//! The HIS end to end with the real binary: a simulated HIS sends an order over MLLP
//! (ORM^O01), `lis simulate --query` asks for the tube's tests and sends its result, the LIS
//! autoverifies and releases it, and the simulated HIS receives the ORU^R01 and acknowledges it;
//! the REST and FHIR pulls serve it to a token holder. Also: the HIS down for a while (delivered
//! once after it comes back), an AE from the HIS surfaced (in `GET /api/v1/his/deliveries` and
//! requeued with `lis his requeue`), a correction with `lis correct` re-sent as a correction
//! (OBX-11 `C`), and bad input on every HIS entry point (MLLP and REST) answered and journaled.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use lis_tests::analyzer::{mllp_block, mllp_read};
use lis_tests::http::{self, get_with_token, post_with_token};
use lis_tests::json_lines;
use lis_tests::lab::Lab;
use lis_tests::lab_config::{chemistry, LabConfig};
use lis_tests::server::{wait_for, Lis, TIMEOUT};
use lis_tests::simulation::Simulation;
use serde_json::Value;

/// A lab whose adult glucose range covers all the generic ASTM simulator sends (3.5 to
/// 9.0 mmol/L), so the result is autoverified and released at once; one chemistry link; the HIS
/// section pointing at `results`.
fn write_lab(dir: &Path, results: SocketAddr) -> Lab {
    LabConfig::default_catalog()
        .edit(
            "{ sex = \"any\", age_min_days = 28, low = 3.9, high = 6.4 }",
            "{ sex = \"any\", age_min_days = 28, low = 3.0, high = 10.0 }",
        )
        .link(&chemistry(&["GLU"]))
        .section(&format!(
            r#"[his]
orders_listen = "127.0.0.1:0"
ack_timeout_ms = 2000
max_message_bytes = 4096
retry_initial_ms = 100
retry_max_ms = 400
poll_ms = 50

[[his.results]]
name = "his"
address = "{results}"
"#
        ))
        .write(dir)
}

fn order(placer: &str, barcode: &str, control: &str) -> String {
    format!(
        "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|{control}|P|2.5.1||||||UNICODE UTF-8\r\
PID|1||BN900^^^BV^PI||Võ^Lan^Thị||19880808|F\r\
ORC|NW|{placer}||||||||||BS01^Lê^Minh\r\
OBR|1|{placer}|{barcode}|14749-6^Glucose^LN\r"
    )
}

/// Reads one MLLP block's content; `None` once the connection is closed.
fn read_frame(stream: &mut TcpStream) -> Option<String> {
    mllp_read(stream).ok()
}

fn field(message: &str, segment: &str, n: usize) -> String {
    message
        .split('\r')
        .find(|s| s.starts_with(segment))
        .and_then(|s| s.split('|').nth(n))
        .unwrap_or_default()
        .to_owned()
}

/// A simulated HIS results endpoint: records every ORU and answers with `code`.
#[derive(Clone, Default)]
struct FakeHis(Arc<Mutex<Vec<String>>>);

impl FakeHis {
    fn serve(listener: TcpListener, code: &'static str) -> Self {
        let his = Self::default();
        let seen = his.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let seen = seen.clone();
                std::thread::spawn(move || {
                    while let Some(message) = read_frame(&mut stream) {
                        let control = field(&message, "MSH", 9);
                        seen.0.lock().unwrap().push(message);
                        let ack = format!(
                            "MSH|^~\\&|HIS|BV|LIS|LAB|20250301100000||ACK^R01^ACK|A1|P|2.5.1\rMSA|{code}|{control}|Bệnh nhân không có trong HIS\r"
                        );
                        if stream.write_all(&mllp_block(&ack)).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        his
    }

    fn messages(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A lab in `dir` whose HIS is up and answers every result message with `ack_code`, a token with
/// the HIS's scopes (created before `lis serve` starts), and `lis serve` running.
fn start_with_his(dir: &Path, ack_code: &'static str) -> (Lab, FakeHis, String, Lis) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let lab = write_lab(dir, listener.local_addr().unwrap());
    let his = FakeHis::serve(listener, ack_code);
    let token = lab.create_token("his", "orders:write,results:read,fhir:read");
    let lis = lab.serve();
    (lab, his, token, lis)
}

fn orders_addr(lis: &Lis) -> SocketAddr {
    wait_for("the HIS orders listener", TIMEOUT, || {
        lis.log()
            .lines()
            .find_map(|l| l.strip_prefix("lis: his orders listening on "))
            .and_then(|a| a.trim().parse().ok())
    })
}

fn send_order(lis: &Lis, message: &str) -> String {
    let mut stream = TcpStream::connect(orders_addr(lis)).expect("connect to the orders listener");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.write_all(&mllp_block(message)).unwrap();
    read_frame(&mut stream).expect("an ACK")
}

fn simulate(lis: &Lis, specimen: &str) {
    let run = Simulation::query("generic-astm", lis.link_addr("CHEM"), specimen, "3");
    let stdout = &run.stdout;
    assert!(
        stdout.contains("sent=1 acknowledged=1"),
        "{stdout}\n{}",
        lis.log()
    );
}

fn metric(lis: &Lis, line_start: &str) -> f64 {
    let (_, text) = http::get(lis.http(), "/metrics").unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(line_start))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1.0)
}

#[test]
fn his_order_analyzer_result_oru_acknowledged_and_pulled() {
    let dir = tempfile::tempdir().unwrap();
    let (_lab, his, token, lis) = start_with_his(dir.path(), "AA");

    let ack = send_order(&lis, &order("PL-900", "E2E900", "ORD1"));
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");
    assert_eq!(field(&ack, "MSA", 2), "ORD1");
    simulate(&lis, "E2E900");

    wait_for("the ORU^R01 at the HIS", TIMEOUT, || {
        (his.messages().len() == 1).then_some(())
    });
    let oru = &his.messages()[0];
    assert_eq!(field(oru, "MSH", 8), "ORU^R01^ORU_R01");
    assert_eq!(field(oru, "MSH", 9), "LIS0000000001");
    // PID-3.4, the assigning authority the HIS sent, goes back with the id.
    assert_eq!(field(oru, "PID", 3), "BN900^^^BV^PI");
    assert_eq!(field(oru, "OBR", 2), "PL-900");
    assert_eq!(field(oru, "OBX", 3), "14749-6^Glucose^LN^GLU^Glucose^L");
    assert_eq!(field(oru, "OBX", 6), "mmol/L^mmol/L^UCUM");
    assert_eq!(field(oru, "OBX", 11), "F");
    let value = field(oru, "OBX", 5);
    wait_for("the delivery to be counted", TIMEOUT, || {
        (metric(&lis, "lis_his_results_delivered_total ") == 1.0).then_some(())
    });

    // REST and FHIR pulls serve the released result to the token holder, and nothing without it.
    let (status, body) = get_with_token(lis.http(), "/api/v1/results?order=PL-900", &token);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["value"].as_str(), Some(value.as_str()));
    assert_eq!(body["results"][0]["specimen"], "E2E900");
    assert_eq!(http::get(lis.http(), "/api/v1/results").unwrap().0, 401);
    let (status, bundle) = get_with_token(
        lis.http(),
        "/fhir/r4/Observation?patient.identifier=BN900",
        &token,
    );
    assert_eq!(status, 200);
    assert_eq!(bundle["total"], 1, "{bundle}");
    assert_eq!(
        bundle["entry"][0]["resource"]["code"]["coding"][0]["code"],
        "14749-6"
    );
    let (status, doc) = get_with_token(lis.http(), "/api/openapi.json", &token);
    assert_eq!(status, 200);
    assert!(doc["paths"]["/api/v1/orders"].is_object());
    fhir_walk(&lis, &token);
    let (code, _) = lis.stop();
    assert_eq!(code, Some(0));
    assert_eq!(his.messages().len(), 1, "delivered once");
}

/// Every FHIR type through the real server as a HIS pages it (FHIR R4 http.html "Paging",
/// bundle.html §2.36.4 absolute `fullUrl`): each search one entry a page, following the `next`
/// links (absolute, from the request's `Host`) until none is left, with `total` the number of
/// entries seen, and each entry read again at its `fullUrl`.
fn fhir_walk(lis: &Lis, token: &str) {
    let origin = format!("http://{}", lis.http());
    let local = |url: &str| -> String {
        url.strip_prefix(&origin)
            .unwrap_or_else(|| panic!("{url} is not an absolute URL of {origin}"))
            .to_owned()
    };
    let (status, capability) = get_with_token(lis.http(), "/fhir/r4/metadata", token);
    assert_eq!(status, 200, "{capability}");
    assert_eq!(
        capability["implementation"]["url"],
        format!("{origin}/fhir/r4")
    );
    for kind in [
        "Patient",
        "Observation",
        "DiagnosticReport",
        "ServiceRequest",
    ] {
        let mut path = format!("/fhir/r4/{kind}?_count=1");
        let mut seen = 0;
        loop {
            let (status, page) = get_with_token(lis.http(), &path, token);
            assert_eq!(status, 200, "{path}: {page}");
            for entry in page["entry"].as_array().unwrap() {
                let (status, read) = get_with_token(
                    lis.http(),
                    &local(entry["fullUrl"].as_str().unwrap()),
                    token,
                );
                assert_eq!(status, 200, "{entry}");
                assert_eq!(read, entry["resource"]);
                seen += 1;
            }
            let next = page["link"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["relation"] == "next");
            match next {
                Some(link) => path = local(link["url"].as_str().unwrap()),
                None => {
                    assert_eq!(page["total"], seen, "{kind}: {page}");
                    break;
                }
            }
        }
        assert!(seen >= 1, "{kind}: nothing served");
    }
    // Errors are OperationOutcomes (http.html): a type not served, a parameter not taken.
    for (path, status) in [
        ("/fhir/r4/Specimen", 404),
        ("/fhir/r4/Observation?colour=red", 400),
        ("/fhir/r4/Observation/999999", 404),
    ] {
        let (got, outcome) = get_with_token(lis.http(), path, token);
        assert_eq!(got, status, "{path}: {outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome", "{path}");
    }
}

#[test]
fn his_down_for_a_while_gets_the_result_once_after_it_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    // Reserve a port for the HIS, then leave it closed: the HIS is down.
    let his_addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let lab = write_lab(dir.path(), his_addr);
    let lis = lab.serve();
    let ack = send_order(&lis, &order("PL-901", "E2E901", "ORD2"));
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");
    simulate(&lis, "E2E901");
    wait_for("failed attempts while the HIS is down", TIMEOUT, || {
        (metric(&lis, "lis_his_results_failed_total ") >= 2.0).then_some(())
    });
    assert_eq!(metric(&lis, "lis_outbox_rows{state=\"pending\"} "), 1.0);
    let his = FakeHis::serve(TcpListener::bind(his_addr).unwrap(), "AA");
    wait_for("the delivery after the HIS came back", TIMEOUT, || {
        (metric(&lis, "lis_his_results_delivered_total ") == 1.0).then_some(())
    });
    assert_eq!(metric(&lis, "lis_outbox_rows{state=\"sent\"} "), 1.0);
    let (code, _) = lis.stop();
    assert_eq!(code, Some(0));
    let messages = his.messages();
    assert_eq!(messages.len(), 1, "delivered once");
    assert_eq!(field(&messages[0], "MSH", 9), "LIS0000000001");
}

#[test]
fn application_error_from_the_his_is_surfaced() {
    let dir = tempfile::tempdir().unwrap();
    let (lab, his, token, lis) = start_with_his(dir.path(), "AE");
    // An unknown test from the HIS is refused with AE and a reason.
    let bad = order("PL-902", "E2E902", "ORD3").replace("14749-6^Glucose^LN", "NOPE^Nothing^L");
    let ack = send_order(&lis, &bad);
    assert_eq!(field(&ack, "MSA", 1), "AE", "{ack}");
    assert!(field(&ack, "MSA", 3).contains("NOPE"), "{ack}");
    assert_eq!(field(&ack, "ERR", 2), "OBR^1^4");
    // Garbage on the orders port: AR, and the listener carries on.
    let mut stream = TcpStream::connect(orders_addr(&lis)).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.write_all(&mllp_block("garbage")).unwrap();
    assert_eq!(field(&read_frame(&mut stream).unwrap(), "MSA", 1), "AR");
    let ack = send_order(&lis, &order("PL-903", "E2E903", "ORD4"));
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");
    simulate(&lis, "E2E903");
    wait_for("the HIS's AE to be recorded", TIMEOUT, || {
        (metric(&lis, "lis_his_results_rejected_total ") == 1.0).then_some(())
    });
    assert_eq!(metric(&lis, "lis_outbox_rows{state=\"rejected\"} "), 1.0);
    assert!(
        lis.log().contains("the HIS refused a result message"),
        "{}",
        lis.log()
    );
    // Visible outside the logs: the failed delivery with the HIS's own words.
    let (status, body) = get_with_token(lis.http(), "/api/v1/his/deliveries?state=failed", &token);
    assert_eq!(status, 200, "{body}");
    let deliveries = body["deliveries"].as_array().expect("deliveries");
    assert_eq!(deliveries.len(), 1, "{body}");
    let d = &deliveries[0];
    assert_eq!(d["endpoint"], "his");
    assert_eq!(d["kind"], "results_released");
    assert_eq!(d["state"], "rejected");
    assert_eq!(d["ack_code"], "AE");
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["control_id"], "LIS0000000001");
    assert!(
        d["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("Bệnh nhân không có trong HIS")),
        "{body}"
    );
    assert_eq!(his.messages().len(), 1, "not retried after AE");
    // A person fixed the cause and requeues it: the very same message (same MSH-10) is sent again.
    let outbox = d["outbox_id"].as_i64().expect("outbox_id").to_string();
    let (code, out, err) = lab.run(&["his", "requeue", "--outbox", &outbox, "--endpoint", "his"]);
    assert_eq!(code, 0, "{err}");
    let out: Value = serde_json::from_str(out.trim()).expect("requeue prints JSON");
    assert_eq!(out["state"], "pending");
    wait_for("the requeued delivery at the HIS", TIMEOUT, || {
        (his.messages().len() == 2).then_some(())
    });
    wait_for("the second AE to be recorded", TIMEOUT, || {
        (metric(&lis, "lis_his_results_rejected_total ") == 2.0).then_some(())
    });
    let messages = his.messages();
    assert_eq!(messages[1], messages[0], "the same bytes, MSH-10 included");
    let (code, _) = lis.stop();
    assert_eq!(code, Some(0));
    assert_eq!(his.messages().len(), 2, "not retried after the second AE");
}

#[test]
fn correction_is_resent_to_the_his_as_a_correction() {
    let dir = tempfile::tempdir().unwrap();
    let (lab, his, token, lis) = start_with_his(dir.path(), "AA");

    let ack = send_order(&lis, &order("PL-904", "E2E904", "ORD5"));
    assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}");
    simulate(&lis, "E2E904");
    wait_for("the first ORU^R01 at the HIS", TIMEOUT, || {
        (his.messages().len() == 1).then_some(())
    });
    let first = his.messages()[0].clone();
    assert_eq!(field(&first, "OBX", 11), "F");
    assert_eq!(field(&first, "MSH", 9), "LIS0000000001");
    wait_for("the first delivery to be counted", TIMEOUT, || {
        (metric(&lis, "lis_his_results_delivered_total ") == 1.0).then_some(())
    });
    let (status, body) = get_with_token(lis.http(), "/api/v1/results?order=PL-904", &token);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["status"], "final");
    let released = body["results"][0]["id"].as_i64().expect("result id");
    // The generic ASTM simulator sends 3.5 to 9.0 mmol/L; 12.3 is none of those.
    assert_ne!(field(&first, "OBX", 5), "12.3");

    // `lis correct` while `lis serve` runs.
    let (code, out, err) = lab.run(&[
        "correct",
        "--result",
        &released.to_string(),
        "--value",
        "12.3",
        "--reason",
        "transcription error on the analyzer",
    ]);
    assert_eq!(code, 0, "{err}");
    let out: Value = serde_json::from_str(out.trim()).expect("lis correct prints JSON");
    let corrected = out["result_id"].as_i64().expect("result_id");
    assert_ne!(corrected, released);
    assert_eq!(out["corrects"], released);
    assert_eq!(out["value"], "12.3");
    assert_eq!(out["state"], "released");

    wait_for("the correction at the HIS", TIMEOUT, || {
        (his.messages().len() == 2).then_some(())
    });
    let second = his.messages()[1].clone();
    assert_eq!(field(&second, "MSH", 8), "ORU^R01^ORU_R01");
    assert_eq!(
        field(&second, "MSH", 9),
        "LIS0000000002",
        "a new control id"
    );
    assert_eq!(field(&second, "OBR", 2), "PL-904", "the same order");
    assert_eq!(field(&second, "OBR", 25), "C");
    assert_eq!(field(&second, "OBX", 3), "14749-6^Glucose^LN^GLU^Glucose^L");
    assert_eq!(field(&second, "OBX", 5), "12.3");
    assert_eq!(field(&second, "OBX", 11), "C");
    wait_for("the correction's delivery to be counted", TIMEOUT, || {
        (metric(&lis, "lis_his_results_delivered_total ") == 2.0).then_some(())
    });

    let (status, body) = get_with_token(lis.http(), "/api/v1/results?order=PL-904", &token);
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "only the correction is served: {body}");
    assert_eq!(results[0]["id"], corrected);
    assert_eq!(results[0]["value"], "12.3");
    assert_eq!(results[0]["status"], "corrected");
    assert_eq!(results[0]["corrects"], released);
    let (code, _) = lis.stop();
    assert_eq!(code, Some(0));
    assert_eq!(his.messages().len(), 2, "each delivered once");
}

/// Reads MLLP frames until `n` are read.
fn read_frames(stream: &mut TcpStream, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| read_frame(stream).unwrap_or_else(|| panic!("ACK {} of {n}", i + 1)))
        .collect()
}

#[test]
fn bad_input_on_every_his_entry_point_is_answered_and_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let (lab, _his, token, lis) = start_with_his(dir.path(), "AA");
    let mut stream = TcpStream::connect(orders_addr(&lis)).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();

    // 1. Bytes outside any MLLP frame, then a valid order on the same connection: the bytes
    // are refused (AR), the order accepted (AA).
    let mut bytes = b"\x00\xff\xfeNOT HL7 AT ALL\r\n".to_vec();
    bytes.extend(mllp_block(&order("PL-910", "E2E910", "BAD1")));
    stream.write_all(&bytes).unwrap();
    let acks = read_frames(&mut stream, 2);
    assert_eq!(field(&acks[0], "MSA", 1), "AR", "{acks:?}");
    assert_eq!(field(&acks[1], "MSA", 1), "AA", "{acks:?}");
    assert_eq!(field(&acks[1], "MSA", 2), "BAD1");

    // 2. A message over max_message_bytes (4096): AR; then a valid order on the same connection.
    let huge = format!(
        "{}NTE|1||{}\r",
        order("PL-911", "E2E911", "BAD2"),
        "x".repeat(5000)
    );
    let mut bytes = mllp_block(&huge);
    bytes.extend(mllp_block(&order("PL-912", "E2E912", "BAD3")));
    stream.write_all(&bytes).unwrap();
    let acks = read_frames(&mut stream, 2);
    assert_eq!(field(&acks[0], "MSA", 1), "AR", "{acks:?}");
    assert!(field(&acks[0], "MSA", 3).contains("4096"), "{acks:?}");
    assert_eq!(field(&acks[1], "MSA", 1), "AA", "{acks:?}");
    assert_eq!(field(&acks[1], "MSA", 2), "BAD3");

    // 3. An unknown test: AE, ERR-2 pointing at OBR-4.
    let unknown = order("PL-913", "E2E913", "BAD4").replace("14749-6^Glucose^LN", "ZZZ^Unknown^L");
    stream.write_all(&mllp_block(&unknown)).unwrap();
    let ack = read_frame(&mut stream).expect("ACK");
    assert_eq!(field(&ack, "MSA", 1), "AE", "{ack}");
    assert_eq!(field(&ack, "MSA", 2), "BAD4");
    assert_eq!(field(&ack, "ERR", 2), "OBR^1^4", "{ack}");
    assert!(field(&ack, "MSA", 3).contains("ZZZ"), "{ack}");

    // 4. No PID: AE.
    let no_pid: String = order("PL-914", "E2E914", "BAD5")
        .split_inclusive('\r')
        .filter(|s| !s.starts_with("PID"))
        .collect();
    stream.write_all(&mllp_block(&no_pid)).unwrap();
    let ack = read_frame(&mut stream).expect("ACK");
    assert_eq!(field(&ack, "MSA", 1), "AE", "{ack}");
    assert_eq!(field(&ack, "MSA", 2), "BAD5");
    assert!(field(&ack, "MSA", 3).contains("PID"), "{ack}");
    drop(stream);

    // 5. REST: invalid JSON is 400 saying so; an unknown test is 422 naming the field.
    let (status, body) =
        post_with_token(lis.http(), "/api/v1/orders", &token, "{\"placer_number\": ");
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("invalid JSON")),
        "{body}"
    );
    let json_order = r#"{"placer_number": "PL-915", "patient": {"id": "BN915", "name": "Phạm Thu", "sex": "F"}, "priority": "routine", "specimens": [{"barcode": "E2E915", "tests": ["GLU", "NOPE"]}]}"#;
    let (status, body) = post_with_token(lis.http(), "/api/v1/orders", &token, json_order);
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "specimens[0].tests[1]", "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("NOPE")),
        "{body}"
    );
    // Nothing refused was stored; the two valid orders were.
    for (placer, expected) in [
        ("PL-910", 200),
        ("PL-912", 200),
        ("PL-911", 404),
        ("PL-913", 404),
        ("PL-914", 404),
        ("PL-915", 404),
    ] {
        let (status, body) =
            get_with_token(lis.http(), &format!("/api/v1/orders/{placer}"), &token);
        assert_eq!(status, expected, "{placer}: {body}");
    }

    // Every HL7 message (and the bytes around them) journaled on the HIS link, refusals with
    // their reason: junk, PL-910, the oversized one, PL-912, PL-913, PL-914.
    let (code, out, err) = lab.run(&["journal", "list"]);
    assert_eq!(code, 0, "{err}");
    let entries: Vec<Value> = json_lines(&out)
        .into_iter()
        .filter(|e| e["link"] == "his")
        .collect();
    let summary: Vec<(String, bool)> = entries
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default().to_owned(),
                e["error"].is_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("junk".to_owned(), true),
            ("orm".to_owned(), false),
            ("oversized".to_owned(), true),
            ("orm".to_owned(), false),
            ("orm".to_owned(), true),
            ("orm".to_owned(), true),
        ],
        "{out}"
    );
    let valid = order("PL-910", "E2E910", "BAD1");
    assert_eq!(entries[1]["bytes"], valid.len(), "{out}");
    let (code, out, _) = lab.run(&["journal", "verify"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("OK: journal intact, 6 entries"), "{out}");
    let (code, _) = lis.stop();
    assert_eq!(code, Some(0));
}
