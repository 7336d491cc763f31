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
use lis_tests::lab::Lab;
use lis_tests::lab_config::{LabConfig, Link, Protocol};
use lis_tests::server::Lis;
use lis_tests::simulation::Simulation;
use serde_json::Value;

/// The analyzer's clock is set to the lab's time, as the lab's own analyzers are.
const LAB_ZONE: &str = "Asia/Ho_Chi_Minh";

/// The default lab's catalog with DEMO-CHEM measuring glucose over E1381 on a TCP server link.
fn qc_lab() -> LabConfig {
    LabConfig::default_catalog().link(
        &Link::tcp_server(
            "DEMO-CHEM",
            "Demo chemistry analyzer",
            "generic-astm",
            Protocol::AstmE1381,
        )
        .maps("GLU", "GLU"),
    )
}

/// `lis simulate --qc`: one control sample per level, `values` as `GLU:LEVEL=VALUE`.
fn qc_run(addr: SocketAddr, ids: &str, values: &[&str]) -> Simulation {
    let mut args = vec![
        "--profile",
        "generic-astm",
        "--connect",
        "",
        "--qc",
        "--specimen-id",
        ids,
        "--time-zone",
        LAB_ZONE,
    ];
    let addr = addr.to_string();
    args[3] = &addr;
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

#[test]
fn a_rejected_qc_run_holds_patient_glucose_until_an_accepted_run_or_an_override() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = qc_lab().write(dir.path());
    for (specimen, patient) in [("QC-S1", "PQC01"), ("QC-S2", "PQC02"), ("QC-S3", "PQC03")] {
        lab.add_order(specimen, "GLU", patient);
    }
    let lis = lab.serve();
    let addr = lis.link_addr("DEMO-CHEM");

    // 1. Level 1 at 6.25 (z = +3.75): 1-3s.
    qc_run(addr, "QC1-0001,QC2-0001", &["GLU:1=6.25", "GLU:2=16.0"]);
    lis.wait_counter("DEMO-CHEM", "messages_in", 2);

    // 2. A patient's glucose: sent (and stamped by the analyzer's clock) between these instants.
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
    let _ = lis;
}
