//! `lis serve` end to end: a hand-written analyzer (tests/src/analyzer.rs, independent of the LIS's
//! protocol code) sends results for ordered specimens over TCP; after SIGTERM the stored results are
//! read back with `lis results`. Expected values, flags and states are worked out by hand from the
//! message and the default lab's catalog (core/src/config/default_lab.toml): adult ranges GLU
//! 3.9-6.4 mmol/L, UREA 2.5-7.5 mmol/L, WBC 4.0-10.0 10^9/L, PLT 150-400 10^9/L; every rule
//! passing verifies and (auto_release) releases, a value out of range waits for a person.

use lis_tests::analyzer::{connect, e1381_send, mllp_send};
use lis_tests::http;
use lis_tests::lab_config::{chemistry, hematology, LabConfig, Link};
use serde_json::Value;

/// The (test, value, unit, flags, state) of each result, in order.
fn summary(results: &[Value]) -> Vec<(String, String, String, Vec<String>, String)> {
    results
        .iter()
        .map(|r| {
            (
                r["test_code"].as_str().unwrap_or_default().to_owned(),
                r["value"].as_str().unwrap_or_default().to_owned(),
                r["unit"].as_str().unwrap_or_default().to_owned(),
                r["flags"]
                    .as_array()
                    .map(|f| {
                        f.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                r["state"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn s(
    test: &str,
    value: &str,
    unit: &str,
    flags: &[&str],
    state: &str,
) -> (String, String, String, Vec<String>, String) {
    (
        test.to_owned(),
        value.to_owned(),
        unit.to_owned(),
        flags.iter().map(|f| (*f).to_owned()).collect(),
        state.to_owned(),
    )
}

/// CHEM with GLU and UREA.
fn chem() -> Link {
    chemistry(&["GLU", "UREA"])
}

/// HEMA with WBC and PLT, both sent in 10*9/L.
fn hema() -> Link {
    hematology()
        .maps_in_unit("WBC", "WBC", "10*9/L")
        .maps_in_unit("PLT", "PLT", "10*9/L")
}

#[test]
fn healthz_and_links_then_sigterm_exits_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog()
        .link(&chem())
        .link(&hema())
        .write(dir.path());
    let lis = lab.serve();
    let health = lis.get_json("/healthz");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], "0.1.0");
    assert!(
        health["schema_version"].as_u64().is_some_and(|v| v >= 1),
        "{health}"
    );
    assert_eq!(health["links"]["total"], 2);
    assert_eq!(health["links"]["listening"], 2);
    // Port 0 was asked for: the links report the ports they really got.
    assert_ne!(lis.link_addr("CHEM").port(), 0);
    assert_ne!(lis.link_addr("HEMA").port(), 0);
    let http = lis.http();
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("store closed"), "{log}");
    assert!(
        http::get(http, "/healthz").is_err(),
        "still answering after exit"
    );
}

#[test]
fn astm_e1381_results_for_an_ordered_specimen_are_stored_checked_and_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog().link(&chem()).write(dir.path());
    lab.add_order("S1001", "GLU,UREA", "PID001");
    let lis = lab.serve();
    let mut analyzer = connect(lis.link_addr("CHEM"));
    e1381_send(
        &mut analyzer,
        &[
            r"H|\^&|||DEMO-CHEM|||||||P|LIS2-A2|20261123083000",
            "P|1||PID001||NGUYEN^VAN AN||19700102|M",
            r"O|1|S1001||^^^GLU\^^^UREA|R||||||N||||serum",
            "R|1|^^^GLU|5.4|mmol/L|3.9 to 6.4|N||F||||20261123082950",
            "R|2|^^^UREA|12.5|mmol/L|2.5 to 7.5|H||F||||20261123082950",
            "L|1|N",
        ],
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    // The last ACK comes only after the commit; the counter confirms the message arrived whole.
    lis.wait_counter("CHEM", "messages_in", 1);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");

    let stored = lab.results("S1001");
    assert_eq!(
        summary(&stored),
        vec![
            // 5.4 is inside 3.9-6.4: every rule passes, GLU auto-releases.
            s("GLU", "5.4", "mmol/L", &[], "released"),
            // 12.5 is above 7.5: flagged H, and I because the analyzer flagged it (R-7 `H`); held
            // for a person.
            s("UREA", "12.5", "mmol/L", &["H", "I"], "pending_review"),
        ],
        "{stored:#?}"
    );
    assert_eq!(stored[1]["instrument_flags"], serde_json::json!(["H"]));
    assert_eq!(stored[0]["specimen_id"], "S1001");
    assert_eq!(stored[0]["instrument"], "CHEM");
    assert_eq!(
        stored[0]["observed_at"], "2026-11-23T01:29:50Z",
        "08:29:50 in Asia/Ho_Chi_Minh (UTC+7)"
    );
}

#[test]
fn hl7_mllp_results_are_stored_and_answered_with_aa() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog().link(&hema()).write(dir.path());
    lab.add_order("S2001", "WBC,PLT", "PID002");
    let lis = lab.serve();
    let mut analyzer = connect(lis.link_addr("HEMA"));
    let ack = mllp_send(
        &mut analyzer,
        &[
            r"MSH|^~\&|DEMO-HEMA|LAB|LIS|LAB|20261123083000||ORU^R01^ORU_R01|MSG0001|P|2.5.1",
            "PID|1||PID002||NGUYEN^VAN AN||19700102|M",
            "OBR|1||S2001|CBC^Complete blood count",
            "OBX|1|NM|WBC^WBC||7.45|10*9/L|4.0-10.0|N|||F|||20261123082950",
            "OBX|2|NM|PLT^PLT||95|10*9/L|150-400|L|||F|||20261123082950",
        ],
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    assert!(ack.contains("MSA|AA|MSG0001"), "{ack}");
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    let stored = lab.results("S2001");
    assert_eq!(
        summary(&stored),
        vec![
            s("WBC", "7.45", "10^9/L", &[], "released"),
            // 95 is below 150 (and above the critical 20): L, and I for the analyzer's OBX-8 `L`;
            // held for a person.
            s("PLT", "95", "10^9/L", &["L", "I"], "pending_review"),
        ],
        "{stored:#?}"
    );
}
