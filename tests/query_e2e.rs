//! Host query and rerun end to end: the analyzer (the real `lis simulate --query`, generic-astm
//! profile over E1381) asks for a specimen's tests, gets the ordered ones, runs only those; a
//! technician asks for a rerun (`lis rerun`, a second process on the same database while
//! `lis serve` runs); the next query answers only the rerun. The same for Mindray CL's legacy
//! HL7 query (QRY^Q02 answered QCK^Q02 + DSR^Q03).

use std::path::Path;
use std::process::Command;

use lis_tests::lis_binary;
use lis_tests::run_lis;
use lis_tests::server::Lis;
use serde_json::Value;

use crate::serve_e2e::{add_order, results, write_lab};

/// CHOL from the analyzer is mapped to a test held for review (no autoverification), so it can be
/// rerun; GLU and UREA are the default catalog's.
const CHEM: &str = r#"
[[tests]]
code = "CHOL-HOLD"
name_vi = "Cholesterol (held)"
name_en = "Cholesterol (held)"
unit = "mmol/L"
decimals = 2
specimen = "serum"
section = "biochemistry"
ranges = [{ sex = "any", low = 3.0, high = 7.0 }]

[[instruments]]
id = "CHEM"
name = "Chemistry over E1381"
profile = "generic-astm"
test_map = [
  { code = "GLU", test = "GLU" }, { code = "UREA", test = "UREA" },
  { code = "CHOL", test = "CHOL-HOLD" },
]
[instruments.connection]
kind = "tcp-server"
address = "127.0.0.1"
port = 0
protocol = "astm-e1381"
"#;

fn simulate(addr: &str, specimen: &str, seed: &str) -> (i32, Vec<String>, Value) {
    let output = Command::new(lis_binary())
        .args([
            "simulate",
            "--profile",
            "generic-astm",
            "--connect",
            addr,
            "--query",
        ])
        .args(["--specimen-id", specimen, "--seed", seed, "--json"])
        .output()
        .expect("lis simulate");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut lines = stdout.lines();
    let report = lines.next().unwrap_or_default().to_owned();
    let detail = lines
        .next()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .unwrap_or(Value::Null);
    (
        output.status.code().unwrap_or(-1),
        vec![report, String::from_utf8_lossy(&output.stderr).into_owned()],
        detail,
    )
}

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

#[test]
fn a_query_gets_the_ordered_tests_and_after_a_rerun_only_the_rerun() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = write_lab(dir.path(), CHEM);
    // The simulator measures GLU, UREA, CREA, AST, ALT and CHOL; only GLU and CHOL are ordered.
    add_order(&config, &data, "S3001", "GLU,CHOL-HOLD", "PID003");
    let lis = Lis::start(&config, &data);
    let addr = lis.link_addr("CHEM").to_string();

    let (code, out, detail) = simulate(&addr, "S3001", "7");
    assert_eq!(code, 0, "{out:?}\n{}", lis.log());
    assert_eq!(
        out[0],
        "sent=1 acknowledged=1 rejected=0 timed_out=0 queries=1 answered=1"
    );
    // The answer carries the instrument's codes of the ordered tests, in order.
    assert_eq!(
        detail["ordered"],
        serde_json::json!(["GLU", "CHOL"]),
        "{detail}"
    );
    let sent: Vec<&str> = detail["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert_eq!(sent, ["GLU", "CHOL"]);

    lis.wait_counter("CHEM", "messages_in", 2);
    let first = results(&config, &data, "S3001");
    assert_eq!(first.len(), 2, "{first:#?}");
    let chol = first
        .iter()
        .find(|r| r["test_code"] == "CHOL-HOLD")
        .expect("CHOL-HOLD stored");
    // No autoverification for this test: it waits for a person.
    assert_eq!(chol["state"], "pending_review", "{chol}");
    let id = chol["id"].as_i64().expect("id").to_string();

    let (code, out, err) = run_lis(&[
        "rerun",
        "--config",
        p(&config),
        "--data",
        p(&data),
        "--result",
        &id,
        "--reason",
        "lipaemic sample",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("\"state\":\"rerun_requested\""), "{out}");

    let (code, out, detail) = simulate(&addr, "S3001", "8");
    assert_eq!(code, 0, "{out:?}\n{}", lis.log());
    assert_eq!(detail["ordered"], serde_json::json!(["CHOL"]), "{detail}");
    let rerun_value = detail["results"][0]["value"]
        .as_str()
        .expect("value")
        .to_owned();

    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    let all = results(&config, &data, "S3001");
    let versions: Vec<(i64, String, String)> = all
        .iter()
        .filter(|r| r["test_code"] == "CHOL-HOLD")
        .map(|r| {
            (
                r["version"].as_i64().unwrap_or(0),
                r["state"].as_str().unwrap_or_default().to_owned(),
                r["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(versions.len(), 2, "{all:#?}");
    assert_eq!(
        (versions[0].0, versions[0].1.as_str()),
        (1, "rerun_requested")
    );
    assert_eq!(
        (
            versions[1].0,
            versions[1].1.as_str(),
            versions[1].2.as_str()
        ),
        (2, "pending_review", rerun_value.as_str())
    );
    // GLU was not rerun: still one version.
    assert_eq!(all.iter().filter(|r| r["test_code"] == "GLU").count(), 1);
}

const HEMA: &str = r#"
[[instruments]]
id = "HEMA"
name = "Hematology over MLLP"
profile = "generic-hl7"
test_map = [
  { code = "WBC", test = "WBC", unit = "10*9/L" }, { code = "RBC", test = "RBC", unit = "10*12/L" },
  { code = "HGB", test = "HGB" }, { code = "HCT", test = "HCT" },
  { code = "PLT", test = "PLT", unit = "10*9/L" },
]
[instruments.connection]
kind = "tcp-server"
address = "127.0.0.1"
port = 0
protocol = "hl7-mllp"
"#;

#[test]
fn an_hl7_query_gets_the_ordered_tests_and_an_unknown_specimen_gets_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = write_lab(dir.path(), HEMA);
    add_order(&config, &data, "S3101", "HGB,PLT", "PID008");
    let lis = Lis::start(&config, &data);
    let addr = lis.link_addr("HEMA").to_string();
    let run = |specimen: &str| {
        let output = Command::new(lis_binary())
            .args([
                "simulate",
                "--profile",
                "generic-hl7",
                "--connect",
                &addr,
                "--query",
            ])
            .args(["--specimen-id", specimen, "--json"])
            .output()
            .expect("lis simulate");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    // QBP^Q11 answered by RSP^K11 with the ordered tests only; then ORU^R01 with those results.
    let (code, out) = run("S3101");
    assert_eq!(code, Some(0), "{out}\n{}", lis.log());
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("sent=1 acknowledged=1 rejected=0 timed_out=0 queries=1 answered=1")
    );
    let detail: Value = serde_json::from_str(lines.next().unwrap_or_default()).expect("JSON");
    assert_eq!(
        detail["ordered"],
        serde_json::json!(["HGB", "PLT"]),
        "{detail}"
    );
    // A specimen the LIS does not know: nothing to run, nothing sent.
    let (code, out) = run("NOSUCH");
    assert!(
        out.starts_with("sent=0 acknowledged=0 rejected=0 timed_out=0 queries=1 "),
        "{out}"
    );
    let (stop, log) = lis.stop();
    assert_eq!(stop, Some(0), "{log}");
    let stored = results(&config, &data, "S3101");
    let tests: Vec<&str> = stored
        .iter()
        .filter_map(|r| r["test_code"].as_str())
        .collect();
    assert_eq!(tests, ["HGB", "PLT"]);
    // Exit code for a specimen with no order follows the report: every query was answered.
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn the_lis_as_tcp_client_reaches_a_listening_analyzer() {
    // The one place a port is chosen before use: the simulated analyzer must listen on a port the
    // LIS's config names. Bind port 0, note the port, release it for the simulator.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = write_lab(
        dir.path(),
        &format!(
            r#"
[[instruments]]
id = "CHEM"
name = "Chemistry, LIS connects"
profile = "generic-astm"
test_map = [{{ code = "GLU", test = "GLU" }}, {{ code = "UREA", test = "UREA" }}]
[instruments.connection]
kind = "tcp-client"
address = "127.0.0.1"
port = {port}
reconnect_min_ms = 100
reconnect_max_ms = 500
protocol = "astm-e1381"
"#
        ),
    );
    add_order(&config, &data, "S3201", "GLU,UREA", "PID009");
    let simulator = Command::new(lis_binary())
        .args(["simulate", "--profile", "generic-astm", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--specimen-id", "S3201", "--query"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("lis simulate");
    let mut simulator = lis_tests::server::ChildGuard::new(simulator);
    let lis = Lis::start(&config, &data);
    let status = simulator
        .wait_timeout(lis_tests::server::TIMEOUT)
        .unwrap_or_else(|| panic!("the simulator did not finish\n{}", lis.log()));
    let mut report = String::new();
    if let Some(mut out) = simulator.take_stdout() {
        std::io::Read::read_to_string(&mut out, &mut report).expect("report");
    }
    assert_eq!(status.code(), Some(0), "{report}\n{}", lis.log());
    assert_eq!(
        report.lines().next(),
        Some("sent=1 acknowledged=1 rejected=0 timed_out=0 queries=1 answered=1")
    );
    assert!(lis.link("CHEM")["transport"]
        .as_str()
        .is_some_and(|t| t == format!("tcp-client 127.0.0.1:{port}")));
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    let stored = results(&config, &data, "S3201");
    let tests: Vec<&str> = stored
        .iter()
        .filter_map(|r| r["test_code"].as_str())
        .collect();
    assert_eq!(tests, ["GLU", "UREA"]);
}

/// A Mindray CL immunoassay link: its legacy dialect asks with QRY^Q02 (QRD-8 the sample) and
/// is answered QCK^Q02 + DSR^Q03. Both tests are held for review so one can be rerun.
const CL: &str = r#"
[[tests]]
code = "CL-25"
name_vi = "CL test 25"
name_en = "CL test 25"
unit = "mg/dL"
decimals = 2
specimen = "serum"
section = "immunology"
ranges = [{ sex = "any", low = 30.0, high = 90.0 }]

[[tests]]
code = "CL-1"
name_vi = "CL test 1"
name_en = "CL test 1"
unit = "uIU/mL"
decimals = 2
specimen = "serum"
section = "immunology"
ranges = [{ sex = "any", low = 0.3, high = 5.0 }]

[[instruments]]
id = "CL"
name = "Mindray CL over MLLP"
profile = "mindray-cl"
test_map = [{ code = "25", test = "CL-25" }, { code = "1", test = "CL-1" }]
[instruments.connection]
kind = "tcp-server"
address = "127.0.0.1"
port = 0
protocol = "hl7-mllp"
"#;

#[test]
fn a_legacy_hl7_query_qry_q02_gets_the_ordered_tests_and_after_a_rerun_only_the_rerun() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = write_lab(dir.path(), CL);
    add_order(&config, &data, "S3301", "CL-25,CL-1", "PID033");
    let lis = Lis::start(&config, &data);
    let addr = lis.link_addr("CL").to_string();
    let run = |seed: &str| {
        let output = Command::new(lis_binary())
            .args(["simulate", "--profile", "mindray-cl", "--connect", &addr])
            .args([
                "--query",
                "--specimen-id",
                "S3301",
                "--seed",
                seed,
                "--json",
            ])
            .output()
            .expect("lis simulate");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let mut lines = stdout.lines();
        let report = lines.next().unwrap_or_default().to_owned();
        let detail: Value = lines
            .next()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .unwrap_or(Value::Null);
        (output.status.code(), report, detail)
    };
    let (code, report, detail) = run("5");
    assert_eq!(code, Some(0), "{report}\n{}", lis.log());
    assert_eq!(
        report,
        "sent=1 acknowledged=1 rejected=0 timed_out=0 queries=1 answered=1"
    );
    assert_eq!(
        detail["ordered"],
        serde_json::json!(["25", "1"]),
        "{detail}"
    );
    lis.wait_counter("CL", "messages_in", 2);
    let first = results(&config, &data, "S3301");
    let cl25 = first
        .iter()
        .find(|r| r["test_code"] == "CL-25")
        .unwrap_or_else(|| panic!("CL-25 stored: {first:#?}"));
    assert_eq!(cl25["state"], "pending_review", "{cl25}");
    let id = cl25["id"].as_i64().expect("id").to_string();
    let (code, out, err) = run_lis(&[
        "rerun",
        "--config",
        p(&config),
        "--data",
        p(&data),
        "--result",
        &id,
        "--reason",
        "haemolysed",
    ]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, report, detail) = run("6");
    assert_eq!(code, Some(0), "{report}\n{}", lis.log());
    assert_eq!(detail["ordered"], serde_json::json!(["25"]), "{detail}");
    let sent: Vec<&str> = detail["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert_eq!(sent, ["25"]);
    lis.wait_counter("CL", "messages_in", 4);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    let all = results(&config, &data, "S3301");
    let versions: Vec<(&str, i64, &str)> = all
        .iter()
        .map(|r| {
            (
                r["test_code"].as_str().unwrap_or_default(),
                r["version"].as_i64().unwrap_or(0),
                r["state"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let mut versions = versions;
    versions.sort_unstable();
    assert_eq!(
        versions,
        [
            ("CL-1", 1, "pending_review"),
            ("CL-25", 1, "rerun_requested"),
            ("CL-25", 2, "pending_review"),
        ],
        "{all:#?}"
    );
}
