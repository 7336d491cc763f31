//! The administration commands on real files: `lis config check` and `lis serve` on a bad config
//! (every problem with its line and key path, nothing started), `lis config example` round trip,
//! `lis audit verify` and `lis journal verify` before and after tampering with the SQLite file.

use lis_tests::analyzer::{connect, e1381_send};
use lis_tests::lab::Lab;
use lis_tests::lab_config::{chemistry, LabConfig};
use lis_tests::{path_arg, run_lis};

/// A config with four problems; the line numbers in the test below are counted by hand.
const BAD: &str = r#"[lab]
name = "Test lab"
timezone = "Asia/Ho_Chi_Minh"

[[tests]]
code = "GLU"
name_vi = "Glucose"
name_en = "Glucose"
unit = "mmol/L"
decimals = 1
specimen = "serum"
section = "biochemistry"
ranges = [{ sex = "any", low = 6.4, high = 3.9 }]

[[instruments]]
id = "CHEM"
name = "Chem"
profile = "generic-astm"
test_map = [{ code = "XYZ", test = "NOPE" }]
[instruments.connection]
kind = "tcp-server"
port = "5001"
protocol = "astm-e1381"

[[instruments]]
id = "HEMA"
name = "Hema"
profile = "no-such-profile"
[instruments.connection]
kind = "tcp-server"
port = 5002
protocol = "hl7-mllp"
"#;

#[test]
fn config_check_lists_every_problem_with_line_and_key_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, BAD).expect("write");
    let (code, out, _) = run_lis(&["config", "check", path_arg(&file)]);
    assert_eq!(code, 1, "{out}");
    let f = path_arg(&file);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[0].starts_with(&format!("{f}:13: tests[0].ranges[0].high: ")),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&format!("{f}:19: instruments[0].test_map[0].test: ")),
        "{out}"
    );
    assert!(lines[1].contains("NOPE"), "{out}");
    assert!(
        lines[2].starts_with(&format!("{f}:22: instruments[0].connection.port: ")),
        "{out}"
    );
    assert!(lines[2].contains("\"5001\""), "{out}");
    assert!(
        lines[3].starts_with(&format!(
            "{f}:28: instruments[1].profile: unknown profile `no-such-profile`"
        )),
        "{out}"
    );
    assert_eq!(lines[4], "4 problem(s)");
}

#[test]
fn serve_with_a_bad_config_exits_2_and_starts_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, BAD).expect("write");
    let data = dir.path().join("data");
    let (code, _, err) = Lab::new(&file, &data).run(&["serve", "--http", "127.0.0.1:0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("4 problem(s) in lab config"), "{err}");
    assert!(err.contains(":22: instruments[0].connection.port"), "{err}");
    assert!(err.contains("nothing was started"), "{err}");
    assert!(!err.contains("http listening"), "{err}");
    assert!(!data.exists(), "the data directory was created");
}

#[test]
fn config_example_is_a_config_that_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, example, _) = run_lis(&["config", "example"]);
    assert_eq!(code, 0);
    assert_eq!(example, lis_core::DEFAULT_LAB_TOML);
    let file = dir.path().join("lab.toml");
    std::fs::write(&file, &example).expect("write");
    let (code, out, _) = run_lis(&["config", "check", path_arg(&file)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("links)\n") && out.contains(": OK ("), "{out}");
}

#[test]
fn audit_and_journal_verify_pass_after_traffic_and_fail_after_tampering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog()
        .link(&chemistry(&["GLU"]))
        .write(dir.path());
    lab.add_order("S4001", "GLU", "PID005");
    let lis = lab.serve();
    let mut analyzer = connect(lis.link_addr("CHEM"));
    e1381_send(
        &mut analyzer,
        &[
            r"H|\^&|||DEMO-CHEM|||||||P|LIS2-A2|20261123083000",
            "P|1||PID005",
            "O|1|S4001||^^^GLU|R",
            "R|1|^^^GLU|5.0|mmol/L||N||F||||20261123082950",
            "L|1|N",
        ],
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    lis.wait_counter("CHEM", "messages_in", 1);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");

    let (code, out, err) = lab.run(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("OK: audit chain intact, "), "{out}");
    let entries: u64 = out
        .split(", ")
        .nth(1)
        .and_then(|s| s.strip_suffix(" entries").or_else(|| s.split(' ').next()))
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    // At least: the config load, the patient, the order, and the stored result.
    assert!(entries >= 4, "{out}");
    let (code, out, _) = lab.run(&["journal", "verify"]);
    assert_eq!((code, out.as_str()), (0, "OK: journal intact, 1 entries\n"));

    // Someone edits an audit entry and a stored message behind the LIS's back.
    let db = rusqlite::Connection::open(lab.data().join("lis.sqlite3")).expect("open sqlite");
    let changed = db
        .execute(
            "UPDATE audit SET reason = 'nothing happened' WHERE seq = 2",
            [],
        )
        .expect("tamper audit");
    assert_eq!(changed, 1);
    db.execute(
        "UPDATE journal SET raw = CAST('H|forged' AS BLOB) WHERE id = 1",
        [],
    )
    .expect("tamper journal");
    drop(db);

    let (code, out, _) = lab.run(&["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("breaks at entry 2"), "{out}");
    assert!(
        out.contains("entry 2: content does not match its hash (edited)"),
        "{out}"
    );
    let (code, out, _) = lab.run(&["journal", "verify"]);
    assert_eq!(
        (code, out.as_str()),
        (1, "DAMAGED: 1 of 1 journal entries fail their CRC-32: 1\n")
    );
}

#[test]
fn serve_reports_a_port_in_use_and_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let lab = LabConfig::default_catalog()
        .link(&chemistry(&["GLU"]).on_port(port))
        .write(dir.path());
    let (code, _, err) = lab.run(&["serve", "--http", "127.0.0.1:0"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("cannot open tcp-server 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!err.contains("http listening"), "{err}");
}
