//! Quality control end to end, as a lab lives it: the demo chemistry analyzer (the real
//! `lis simulate`, generic-astm over E1381, connected as DEMO-CHEM with the demo lab's QC: lot
//! DC-2026, glucose level 1 mean 5.50 SD 0.20 mmol/L, level 2 mean 16.00 SD 0.50) runs its
//! controls, then patients.
//!
//! 1. A QC run with level 1 at 6.25: z = (6.25 − 5.50) / 0.20 = +3.75, beyond 3 SD: 1-3s, the
//!    run is rejected (level 2 at 16.0 is z = 0).
//! 2. A patient's glucose (5.2 mmol/L, inside 3.9–6.4, so it would autoverify) stays pending,
//!    held for QC, and its release through the REST API is refused with the QC reason.
//! 3. A QC run at 5.55 and 16.10: z = (5.55 − 5.50) / 0.20 = +0.25 and (16.10 − 16.00) / 0.50 =
//!    +0.20, accepted. A new patient's glucose autoverifies and is released again.
//! 4. Another rejected run, then a supervisor's override with a reason: the override is in the
//!    audit trail, and the next patient's glucose is released.

use std::net::SocketAddr;

use jiff::Timestamp;
use lis_tests::json_lines;
use lis_tests::lab::Lab;
use lis_tests::lab_config::{LabConfig, Link, Protocol};
use lis_tests::simulation::Simulation;
use serde_json::Value;

/// The analyzer's clock is set to the lab's time, as the lab's own analyzers are.
const LAB_ZONE: &str = "Asia/Ho_Chi_Minh";

/// The default lab's catalog and its QC section (the demo QC of DEMO-CHEM), with DEMO-CHEM
/// measuring glucose and creatinine over E1381 on a TCP server link, its QC specimens known by their ids
/// (`QC1-…` level 1, `QC2-…` level 2) as in the demo lab.
fn qc_lab() -> LabConfig {
    let default = lis_core::DEFAULT_LAB_TOML;
    let qc_start = default
        .find("\n[qc]\n")
        .expect("the default lab has a [qc] section");
    let qc_end = default[qc_start..]
        .find("\n# [his]")
        .map_or(default.len(), |at| qc_start + at);
    let link = Link::tcp_server(
        "DEMO-CHEM",
        "Demo chemistry analyzer",
        "generic-astm",
        Protocol::AstmE1381,
    )
    .maps("GLU", "GLU")
    .maps("CREA", "CREA")
    .toml()
    .replace(
        "]\n[instruments.connection]",
        "]\nqc_specimen_pattern = \"QC{level}-*\"\n[instruments.connection]",
    );
    LabConfig::default_catalog()
        .section(&link)
        .section(&default[qc_start..qc_end])
}

/// `lis simulate --qc`: one control sample per level, `values` as `GLU:LEVEL=VALUE`, measured
/// `minutes_ago` minutes ago by the analyzer's clock (runs more than the lab's 30-minute run
/// window apart are separate runs).
fn qc_run(addr: SocketAddr, ids: &str, values: &[&str], minutes_ago: i64) -> Simulation {
    let addr = addr.to_string();
    let start = Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_mins(minutes_ago))
        .expect("a time")
        .to_zoned(jiff::tz::TimeZone::get(LAB_ZONE).expect("zone"))
        .datetime()
        .to_string();
    let mut args = vec![
        "--profile",
        "generic-astm",
        "--connect",
        &addr,
        "--qc",
        "--specimen-id",
        ids,
        "--time-zone",
        LAB_ZONE,
        "--clock-start",
        &start,
    ];
    for v in values {
        args.extend(["--qc-value", v]);
    }
    let run = Simulation::run(&args);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.report(),
        format!(
            "sent={n} acknowledged={n} rejected=0 timed_out=0 queries=0 answered=0",
            n = ids.split(',').count()
        )
    );
    run
}

/// `lis simulate --query`: the analyzer asks for the specimen's tests and sends glucose `value`.
fn patient(addr: SocketAddr, specimen: &str, value: &str) -> Simulation {
    let glu = format!("GLU={value}");
    let run = Simulation::run(&[
        "--profile",
        "generic-astm",
        "--connect",
        &addr.to_string(),
        "--query",
        "--specimen-id",
        specimen,
        "--value",
        &glu,
        "--time-zone",
        LAB_ZONE,
    ]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.report(),
        "sent=1 acknowledged=1 rejected=0 timed_out=0 queries=1 answered=1"
    );
    run
}

/// The one glucose result of the order placed for `specimen`.
fn glucose(lab: &Lab, specimen: &str) -> Value {
    let results = lab.results(specimen);
    let glu: Vec<&Value> = results.iter().filter(|r| r["test_code"] == "GLU").collect();
    assert_eq!(glu.len(), 1, "{results:#?}");
    glu[0].clone()
}

/// `lis user add` with a password on standard input; returns the user's id.
fn add_user(lab: &Lab, username: &str, role: &str) -> String {
    let (code, out, err) = lab.run_with_input(
        &[
            "user",
            "add",
            "--username",
            username,
            "--name",
            username,
            "--role",
            role,
            "--password-stdin",
        ],
        "correct horse battery",
    );
    assert_eq!(code, 0, "lis user add: {out}{err}");
    let user: Value = serde_json::from_str(out.trim()).expect("user JSON");
    user["id"].as_i64().expect("user id").to_string()
}

/// `lis qc state` for glucose on DEMO-CHEM.
fn glucose_qc(lab: &Lab) -> Value {
    let (code, out, err) = lab.run(&["qc", "state"]);
    assert_eq!(code, 0, "lis qc state: {err}");
    json_lines(&out)
        .into_iter()
        .find(|s| s["instrument"] == "DEMO-CHEM" && s["test"] == "GLU")
        .unwrap_or_else(|| panic!("no GLU state: {out}"))
}

#[test]
fn a_rejected_qc_run_holds_patient_glucose_until_an_accepted_run_or_an_override() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = qc_lab().write(dir.path());
    for (specimen, patient) in [("QC-S1", "PQC01"), ("QC-S2", "PQC02"), ("QC-S3", "PQC03")] {
        lab.add_order(specimen, "GLU", patient);
    }
    let tech = add_user(&lab, "tech", "technician");
    let boss = add_user(&lab, "boss", "supervisor");
    let lis = lab.serve();
    let addr = lis.link_addr("DEMO-CHEM");

    // 1. Two hours ago, level 1 at 6.25 (z = +3.75): 1-3s, the run is rejected.
    qc_run(
        addr,
        "QC1-0001,QC2-0001",
        &["GLU:1=6.25", "GLU:2=16.0"],
        120,
    );
    lis.wait_counter("DEMO-CHEM", "messages_in", 2);
    let state = glucose_qc(&lab);
    assert_eq!(state["verdict"], "rejected", "{state}\n{}", lis.log());
    assert!(
        state["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("1-3s"),
        "{state}"
    );

    // 2. A patient's glucose, sent (and stamped by the analyzer's clock) between these instants.
    let before = Timestamp::from_second(Timestamp::now().as_second()).expect("now");
    patient(addr, "QC-S1", "5.2");
    let after = Timestamp::now();
    let held = glucose(&lab, "QC-S1");
    assert_eq!(held["value"], "5.2", "{held}");
    assert_eq!(held["state"], "pending_review", "{held}\n{}", lis.log());
    let observed: Timestamp = held["observed_at"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("observed_at: {held}"));
    assert!(
        before <= observed && observed <= after,
        "stamped {observed}, sent between {before} and {after}"
    );
    let why = held["held_because"].to_string();
    assert!(why.contains("QC") && why.contains("1-3s"), "{held}");

    // It can be verified, but not released: the release is refused with the QC reason.
    let id = held["id"].as_i64().expect("id").to_string();
    let (code, out, err) = lab.run(&["verify", "--result", &id, "--user", &tech]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = lab.run(&["release", "--result", &id, "--user", &boss]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("QC of GLU on DEMO-CHEM is rejected") && err.contains("1-3s"),
        "{err}"
    );
    assert_eq!(glucose(&lab, "QC-S1")["state"], "verified");

    // 3. An hour ago, 5.55 and 16.10 (z = +0.25, +0.20): accepted. A new glucose autoverifies
    // and is released again.
    qc_run(
        addr,
        "QC1-0002,QC2-0002",
        &["GLU:1=5.55", "GLU:2=16.10"],
        60,
    );
    lis.wait_counter("DEMO-CHEM", "messages_in", 6);
    assert_eq!(glucose_qc(&lab)["verdict"], "accepted");
    patient(addr, "QC-S2", "5.3");
    let released = glucose(&lab, "QC-S2");
    assert_eq!(released["state"], "released", "{released}\n{}", lis.log());

    // 4. Now level 1 at 6.25 again: rejected. A supervisor overrides it with a reason.
    qc_run(addr, "QC1-0003,QC2-0003", &["GLU:1=6.25", "GLU:2=16.0"], 0);
    lis.wait_counter("DEMO-CHEM", "messages_in", 10);
    let state = glucose_qc(&lab);
    assert_eq!(state["verdict"], "rejected", "{state}");
    let run = state["run"].as_i64().expect("run").to_string();
    let reason = "Control vial left open; fresh vial in range on the bench";
    let (code, out, err) = lab.run(&[
        "qc",
        "override",
        "--instrument",
        "DEMO-CHEM",
        "--test",
        "GLU",
        "--run",
        &run,
        "--reason",
        reason,
        "--user",
        &boss,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = lab.run(&["audit", "list", "--action", "qc.override"]);
    assert_eq!(code, 0, "{err}");
    let entries = json_lines(&out);
    assert_eq!(entries.len(), 1, "{out}");
    assert_eq!(entries[0]["reason"], reason);
    assert_eq!(entries[0]["actor"], format!("user:{boss}"));
    assert_eq!(entries[0]["id"], "DEMO-CHEM/GLU");
    // Under the override a person may release the held glucose.
    let (code, out, err) = lab.run(&["release", "--result", &id, "--user", &boss]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(glucose(&lab, "QC-S1")["state"], "released");

    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
}
