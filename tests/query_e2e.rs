//! Host query and rerun end to end: the analyzer (the real `lis simulate --query`, generic-astm
//! profile over E1381) asks for a specimen's tests, gets the ordered ones, runs only those; a
//! technician asks for a rerun (`lis rerun`, a second process on the same database while
//! `lis serve` runs); the next query answers only the rerun. The same for Mindray CL's legacy
//! HL7 query (QRY^Q02 answered QCK^Q02 + DSR^Q03).

use std::net::SocketAddr;
use std::process::Command;

use lis_tests::lab::test_codes;
use lis_tests::lab_config::{chemistry, hematology, CatalogTest, LabConfig, Link, Protocol};
use lis_tests::lis_binary;
use lis_tests::simulation::{sent_codes, Simulation};
use serde_json::Value;

/// CHOL from the analyzer is mapped to a test held for review (no autoverification), so it can be
/// rerun; GLU and UREA are the default catalog's.
fn chem_lab() -> LabConfig {
    LabConfig::default_catalog()
        .test(&CatalogTest {
            code: "CHOL-HOLD",
            name: "Cholesterol (held)",
            unit: "mmol/L",
            decimals: 2,
            section: "biochemistry",
            low: 3.0,
            high: 7.0,
            autoverify: false,
        })
        .link(&chemistry(&["GLU", "UREA"]).maps("CHOL", "CHOL-HOLD"))
}

fn simulate(addr: SocketAddr, specimen: &str, seed: &str) -> (i32, Vec<String>, Value) {
    let run = Simulation::query("generic-astm", addr, specimen, seed);
    (
        run.code.unwrap_or(-1),
        vec![run.report().to_owned(), run.stderr.clone()],
        run.detail(),
    )
}

#[test]
fn a_query_gets_the_ordered_tests_and_after_a_rerun_only_the_rerun() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = chem_lab().write(dir.path());
    // The simulator measures GLU, UREA, CREA, AST, ALT and CHOL; only GLU and CHOL are ordered.
    lab.add_order("S3001", "GLU,CHOL-HOLD", "PID003");
    let lis = lab.serve();
    let addr = lis.link_addr("CHEM");

    let (code, out, detail) = simulate(addr, "S3001", "7");
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
    let sent = sent_codes(&detail);
    assert_eq!(sent, ["GLU", "CHOL"]);

    lis.wait_counter("CHEM", "messages_in", 2);
    let first = lab.results("S3001");
    assert_eq!(first.len(), 2, "{first:#?}");
    let chol = first
        .iter()
        .find(|r| r["test_code"] == "CHOL-HOLD")
        .expect("CHOL-HOLD stored");
    // No autoverification for this test: it waits for a person.
    assert_eq!(chol["state"], "pending_review", "{chol}");
    let id = chol["id"].as_i64().expect("id").to_string();

    let (code, out, err) = lab.run(&["rerun", "--result", &id, "--reason", "lipaemic sample"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("\"state\":\"rerun_requested\""), "{out}");

    let (code, out, detail) = simulate(addr, "S3001", "8");
    assert_eq!(code, 0, "{out:?}\n{}", lis.log());
    assert_eq!(detail["ordered"], serde_json::json!(["CHOL"]), "{detail}");
    let rerun_value = detail["results"][0]["value"]
        .as_str()
        .expect("value")
        .to_owned();

    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    let all = lab.results("S3001");
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

#[test]
fn an_hl7_query_gets_the_ordered_tests_and_an_unknown_specimen_gets_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog()
        .link(
            &hematology()
                .maps_in_unit("WBC", "WBC", "10*9/L")
                .maps_in_unit("RBC", "RBC", "10*12/L")
                .maps("HGB", "HGB")
                .maps("HCT", "HCT")
                .maps_in_unit("PLT", "PLT", "10*9/L"),
        )
        .write(dir.path());
    lab.add_order("S3101", "HGB,PLT", "PID008");
    let lis = lab.serve();
    let addr = lis.link_addr("HEMA").to_string();
    let run = |specimen: &str| {
        let run = Simulation::run(&[
            "--profile",
            "generic-hl7",
            "--connect",
            &addr,
            "--query",
            "--specimen-id",
            specimen,
            "--json",
        ]);
        (run.code, run.stdout)
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
    let stored = lab.results("S3101");
    let tests = test_codes(&stored);
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
    let lab = LabConfig::default_catalog()
        .link(
            &Link::tcp_client(
                "CHEM",
                "Chemistry, LIS connects",
                "generic-astm",
                Protocol::AstmE1381,
                port,
            )
            .maps("GLU", "GLU")
            .maps("UREA", "UREA"),
        )
        .write(dir.path());
    lab.add_order("S3201", "GLU,UREA", "PID009");
    let simulator = Command::new(lis_binary())
        .args(["simulate", "--profile", "generic-astm", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--specimen-id", "S3201", "--query"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("lis simulate");
    let mut simulator = lis_tests::server::ChildGuard::new(simulator);
    let lis = lab.serve();
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
    let stored = lab.results("S3201");
    let tests = test_codes(&stored);
    assert_eq!(tests, ["GLU", "UREA"]);
}

/// A Mindray CL immunoassay link: its legacy dialect asks with QRY^Q02 (QRD-8 the sample) and
/// is answered QCK^Q02 + DSR^Q03. Both tests are held for review so one can be rerun.
fn cl_lab() -> LabConfig {
    let test = |code, name, unit, low, high| CatalogTest {
        code,
        name,
        unit,
        decimals: 2,
        section: "immunology",
        low,
        high,
        autoverify: false,
    };
    LabConfig::default_catalog()
        .test(&test("CL-25", "CL test 25", "mg/dL", 30.0, 90.0))
        .test(&test("CL-1", "CL test 1", "u[IU]/mL", 0.3, 5.0))
        .link(
            &Link::tcp_server(
                "CL",
                "Mindray CL over MLLP",
                "mindray-cl",
                Protocol::Hl7Mllp,
            )
            .maps("25", "CL-25")
            .maps_in_unit("1", "CL-1", "uIU/mL"),
        )
}

#[test]
fn a_legacy_hl7_query_qry_q02_gets_the_ordered_tests_and_after_a_rerun_only_the_rerun() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = cl_lab().write(dir.path());
    lab.add_order("S3301", "CL-25,CL-1", "PID033");
    let lis = lab.serve();
    let addr = lis.link_addr("CL");
    let run = |seed: &str| {
        let run = Simulation::query("mindray-cl", addr, "S3301", seed);
        (run.code, run.report().to_owned(), run.detail())
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
    let first = lab.results("S3301");
    let cl25 = first
        .iter()
        .find(|r| r["test_code"] == "CL-25")
        .unwrap_or_else(|| panic!("CL-25 stored: {first:#?}"));
    assert_eq!(cl25["state"], "pending_review", "{cl25}");
    let id = cl25["id"].as_i64().expect("id").to_string();
    let (code, out, err) = lab.run(&["rerun", "--result", &id, "--reason", "haemolysed"]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, report, detail) = run("6");
    assert_eq!(code, Some(0), "{report}\n{}", lis.log());
    assert_eq!(detail["ordered"], serde_json::json!(["25"]), "{detail}");
    let sent = sent_codes(&detail);
    assert_eq!(sent, ["25"]);
    lis.wait_counter("CL", "messages_in", 4);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    let all = lab.results("S3301");
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

#[test]
fn a_query_for_immunoassays_gets_them_all_and_a_test_the_analyzer_lacks_is_named() {
    // The demo chemistry analyzer's menu includes TSH, HBsAg and hs-troponin T (asked for by
    // host query only); this link also maps WBC, which no chemistry analyzer measures.
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog()
        .link(&chemistry(&["GLU", "TSH", "HBSAG", "TNTHS", "WBC"]))
        .write(dir.path());
    lab.add_order("S3401", "GLU,TSH,HBSAG,TNTHS", "PID034");
    lab.add_order("S3402", "TSH,WBC", "PID035");
    let lis = lab.serve();
    let addr = lis.link_addr("CHEM");

    let (code, out, detail) = simulate(addr, "S3401", "11");
    assert_eq!(code, 0, "{out:?}\n{}", lis.log());
    assert_eq!(
        sent_codes(&detail),
        ["GLU", "TSH", "HBSAG", "TNTHS"],
        "{detail}"
    );
    assert_eq!(detail["not_performed"], serde_json::json!([]), "{detail}");
    lis.wait_counter("CHEM", "messages_in", 2);
    let stored = lab.results("S3401");
    let mut codes = test_codes(&stored);
    codes.sort_unstable();
    assert_eq!(codes, ["GLU", "HBSAG", "TNTHS", "TSH"], "{stored:#?}");
    let tsh = stored
        .iter()
        .find(|r| r["test_code"] == "TSH")
        .expect("TSH");
    // Sent in the catalog's UCUM unit, so the unit check passes.
    assert_eq!(tsh["unit"], "m[IU]/L", "{tsh}");

    // WBC was asked for but this analyzer cannot do it: TSH is sent, WBC named, exit 1.
    let run = Simulation::query("generic-astm", addr, "S3402", "12");
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert_eq!(sent_codes(&run.detail()), ["TSH"]);
    assert_eq!(run.detail()["not_performed"], serde_json::json!(["WBC"]));
    assert!(
        run.stderr
            .contains("asked for WBC but profile generic-astm does not perform it"),
        "{}",
        run.stderr
    );
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
}
