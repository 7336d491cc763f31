//! Every shipped analyzer profile end to end: one `lis serve` with one link per profile (the
//! profile's own framing: E1381, raw or MLLP), an order placed for a specimen before the start, the
//! real `lis simulate --profile NAME` sending that specimen's results, then, after SIGTERM, the
//! stored results read back with `lis results`.
//!
//! The lab config is built from each profile's `[simulator]` table: one catalog test per simulated
//! code, with the simulator's unit and decimals, and a reference range equal to the simulator's
//! value range `[low, high]`. So every value the simulator draws is inside its range, and by the
//! catalog's own rules each result must be stored exactly as sent (same decimals), with no flag,
//! and be verified and released by the system (autoverify and auto_release on).
//!
//! Host query: every profile whose file says `[query] supported = true` runs with `--query`
//! against an order for a subset of its simulator's tests, and must be told exactly that subset
//! and send results only for it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use lis_tests::server::{lab_without_instruments, Lis};
use lis_tests::{lis_binary, repo_root, run_lis};
use serde_json::Value;

use crate::serve_e2e::results;

/// The profiles shipped in drivers/profiles/, listed by hand.
const PROFILES: [&str; 9] = [
    "abbott-architect",
    "generic-astm",
    "generic-hl7",
    "mindray-bc5380",
    "mindray-bs240",
    "mindray-cl",
    "roche-cobas-c311",
    "roche-cobas-e411",
    "sysmex-xn",
];

struct SimTest {
    code: String,
    units: String,
    low: f64,
    high: f64,
    decimals: u64,
}

struct ProfileInfo {
    name: String,
    /// `[query] supported` in the profile file.
    query: bool,
    connection_protocol: &'static str,
    tests: Vec<SimTest>,
}

fn read_profile(name: &str) -> ProfileInfo {
    let path = repo_root()
        .join("drivers/profiles")
        .join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let table: toml::Table = toml::from_str(&text).expect("profile TOML");
    let connection_protocol = match table["framing"].as_str() {
        Some("e1381") => "astm-e1381",
        Some("raw") => "astm-raw",
        Some("mllp") => "hl7-mllp",
        other => panic!("{name}: framing {other:?}"),
    };
    let tests = table["simulator"]["tests"]
        .as_array()
        .expect("simulator tests")
        .iter()
        .map(|t| SimTest {
            code: t["code"].as_str().unwrap_or_default().to_owned(),
            units: t
                .get("units")
                .and_then(|u| u.as_str())
                .unwrap_or_default()
                .to_owned(),
            low: t["low"].as_float().unwrap_or_default(),
            high: t["high"].as_float().unwrap_or_default(),
            decimals: t.get("decimals").and_then(|d| d.as_integer()).unwrap_or(0) as u64,
        })
        .collect();
    let query = table
        .get("query")
        .and_then(|q| q.get("supported"))
        .and_then(toml::Value::as_bool)
        .unwrap_or(false);
    ProfileInfo {
        name: name.to_owned(),
        query,
        connection_protocol,
        tests,
    }
}

/// The catalog code for a profile's instrument code: `P3-6690-2`.
fn catalog_code(index: usize, code: &str) -> String {
    let clean: String = code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("P{index}-{clean}")
}

fn lab_config(profiles: &[ProfileInfo]) -> String {
    let mut text = lab_without_instruments();
    for (i, p) in profiles.iter().enumerate() {
        for t in &p.tests {
            text.push_str(&format!(
                "\n[[tests]]\ncode = {:?}\nname_vi = {:?}\nname_en = {:?}\nunit = {:?}\ndecimals = {}\n\
                 specimen = \"serum\"\nsection = \"biochemistry\"\nautoverify = true\nauto_release = true\n\
                 ranges = [{{ sex = \"any\", low = {:?}, high = {:?} }}]\n",
                catalog_code(i, &t.code),
                format!("{} {}", p.name, t.code),
                format!("{} {}", p.name, t.code),
                t.units,
                t.decimals,
                t.low,
                t.high
            ));
        }
    }
    for (i, p) in profiles.iter().enumerate() {
        let map: Vec<String> = p
            .tests
            .iter()
            .map(|t| {
                format!(
                    "{{ code = {:?}, test = {:?} }}",
                    t.code,
                    catalog_code(i, &t.code)
                )
            })
            .collect();
        text.push_str(&format!(
            "\n[[instruments]]\nid = \"LINK{i}\"\nname = {:?}\nprofile = {:?}\ntest_map = [{}]\n\
             [instruments.connection]\nkind = \"tcp-server\"\naddress = \"127.0.0.1\"\nport = 0\nprotocol = {:?}\n",
            p.name,
            p.name,
            map.join(", "),
            p.connection_protocol
        ));
    }
    text
}

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

#[test]
fn the_hand_list_is_every_shipped_profile() {
    let (code, _, err) = run_lis(&[
        "simulate",
        "--profile",
        "no-such-profile",
        "--connect",
        "127.0.0.1:9",
    ]);
    assert_eq!(code, 2);
    let known = err.split("known: ").nth(1).unwrap_or_default();
    let mut known: Vec<&str> = known.trim().trim_end_matches(')').split(", ").collect();
    known.sort_unstable();
    assert_eq!(known, PROFILES, "{err}");
}

#[test]
fn every_profile_delivers_ordered_results_that_are_stored_as_sent() {
    let profiles: Vec<ProfileInfo> = PROFILES.iter().map(|n| read_profile(n)).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = dir.path().join("lab.toml");
    std::fs::write(&config, lab_config(&profiles)).expect("write config");
    let (code, out, _) = run_lis(&["config", "check", p(&config)]);
    assert_eq!(code, 0, "{out}");

    for (i, prof) in profiles.iter().enumerate() {
        let tests: Vec<String> = prof
            .tests
            .iter()
            .map(|t| catalog_code(i, &t.code))
            .collect();
        let (code, out, err) = run_lis(&[
            "order",
            "add",
            "--config",
            p(&config),
            "--data",
            p(&data),
            "--specimen",
            &format!("SPEC{i}"),
            "--tests",
            &tests.join(","),
            "--patient",
            &format!("PAT{i}"),
            "--sex",
            "F",
            "--birth",
            "1990-05-06",
        ]);
        assert_eq!(code, 0, "{out}{err}");
    }

    let lis = Lis::start(&config, &data);
    let mut sent: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for (i, prof) in profiles.iter().enumerate() {
        let addr = lis.link_addr(&format!("LINK{i}"));
        let output = Command::new(lis_binary())
            .args([
                "simulate",
                "--profile",
                &prof.name,
                "--connect",
                &addr.to_string(),
            ])
            .args([
                "--specimen-id",
                &format!("SPEC{i}"),
                "--seed",
                "7",
                "--json",
            ])
            .output()
            .expect("lis simulate");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {stdout}{}\n{}",
            prof.name,
            String::from_utf8_lossy(&output.stderr),
            lis.log()
        );
        let mut lines = stdout.lines();
        assert_eq!(
            lines.next(),
            Some("sent=1 acknowledged=1 rejected=0 timed_out=0 queries=0 answered=0"),
            "{}",
            prof.name
        );
        let detail: Value =
            serde_json::from_str(lines.next().unwrap_or_default()).expect("JSON line");
        assert_eq!(detail["specimen"], format!("SPEC{i}"));
        let results = detail["results"].as_array().expect("results");
        sent.insert(
            i,
            results
                .iter()
                .map(|r| {
                    (
                        r["code"].as_str().unwrap_or_default().to_owned(),
                        r["value"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
        );
    }
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");

    for (i, prof) in profiles.iter().enumerate() {
        let stored = results(&config, &data, &format!("SPEC{i}"));
        let sent = &sent[&i];
        assert_eq!(
            sent.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
            prof.tests
                .iter()
                .map(|t| t.code.as_str())
                .collect::<Vec<_>>(),
            "{}: the simulator sends every test of its profile",
            prof.name
        );
        assert_eq!(stored.len(), prof.tests.len(), "{}: {stored:#?}", prof.name);
        for (t, (code, value)) in prof.tests.iter().zip(sent) {
            let r = stored
                .iter()
                .find(|r| r["test_code"] == catalog_code(i, code))
                .unwrap_or_else(|| panic!("{}: no result for {code}: {stored:#?}", prof.name));
            let what = format!("{} {code}: {r}", prof.name);
            assert_eq!(r["specimen_id"], format!("SPEC{i}"), "{what}");
            assert_eq!(r["value_sent"], value.as_str(), "{what}");
            assert_eq!(r["value"], value.as_str(), "{what}");
            assert_eq!(r["unit"], t.units.as_str(), "{what}");
            let v: f64 = value.parse().expect("numeric");
            assert!(t.low <= v && v <= t.high, "{what}");
            assert_eq!(r["flags"], serde_json::json!([]), "{what}");
            assert_eq!(r["state"], "released", "{what}");
            assert_eq!(r["instrument"], format!("LINK{i}"), "{what}");
            assert_eq!(r["version"], 1, "{what}");
        }
    }
}

/// The subset of a profile's simulator tests the query test orders: the 1st and 3rd (or only the
/// 1st when there are fewer than three), so the answer must leave some out.
fn query_subset(tests: &[SimTest]) -> Vec<&SimTest> {
    tests
        .iter()
        .enumerate()
        .filter(|(k, _)| *k == 0 || (*k == 2 && tests.len() > 2))
        .map(|(_, t)| t)
        .collect()
}

#[test]
fn every_query_profile_is_told_the_ordered_tests_and_sends_only_those() {
    let profiles: Vec<ProfileInfo> = PROFILES.iter().map(|n| read_profile(n)).collect();
    // The profile files say which of them ask the host; listed by hand to catch a change.
    let asking: Vec<&str> = profiles
        .iter()
        .filter(|p| p.query)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        asking,
        [
            "abbott-architect",
            "generic-astm",
            "generic-hl7",
            "mindray-cl",
            "roche-cobas-c311",
            "roche-cobas-e411",
            "sysmex-xn",
        ]
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = dir.path().join("lab.toml");
    std::fs::write(&config, lab_config(&profiles)).expect("write config");
    for (i, prof) in profiles.iter().enumerate().filter(|(_, p)| p.query) {
        let tests: Vec<String> = query_subset(&prof.tests)
            .iter()
            .map(|t| catalog_code(i, &t.code))
            .collect();
        assert!(
            tests.len() < prof.tests.len(),
            "{}: a strict subset",
            prof.name
        );
        let (code, out, err) = run_lis(&[
            "order",
            "add",
            "--config",
            p(&config),
            "--data",
            p(&data),
            "--specimen",
            &format!("Q{i}"),
            "--tests",
            &tests.join(","),
            "--patient",
            &format!("QPAT{i}"),
            "--sex",
            "M",
            "--birth",
            "1975-11-02",
        ]);
        assert_eq!(code, 0, "{out}{err}");
    }

    let lis = Lis::start(&config, &data);
    let mut messages = 0;
    for (i, prof) in profiles.iter().enumerate().filter(|(_, p)| p.query) {
        let addr = lis.link_addr(&format!("LINK{i}"));
        let output = Command::new(lis_binary())
            .args([
                "simulate",
                "--profile",
                &prof.name,
                "--connect",
                &addr.to_string(),
                "--query",
            ])
            .args(["--specimen-id", &format!("Q{i}"), "--seed", "11", "--json"])
            .output()
            .expect("lis simulate");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let what = format!(
            "{}: {stdout}{}\n{}",
            prof.name,
            String::from_utf8_lossy(&output.stderr),
            lis.log()
        );
        assert_eq!(output.status.code(), Some(0), "{what}");
        let mut lines = stdout.lines();
        assert_eq!(
            lines.next(),
            Some("sent=1 acknowledged=1 rejected=0 timed_out=0 queries=1 answered=1"),
            "{what}"
        );
        let detail: Value =
            serde_json::from_str(lines.next().unwrap_or_default()).expect("JSON line");
        let expected: Vec<&str> = query_subset(&prof.tests)
            .iter()
            .map(|t| t.code.as_str())
            .collect();
        assert_eq!(
            detail["ordered"],
            serde_json::json!(expected),
            "{}: told the ordered tests: {detail}",
            prof.name
        );
        let sent: Vec<&str> = detail["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter_map(|r| r["code"].as_str())
            .collect();
        assert_eq!(sent, expected, "{}: results only for those", prof.name);
        // The query and the results message.
        messages += 2;
        lis.wait_counter(&format!("LINK{i}"), "messages_in", 2);
    }
    assert_eq!(messages, 14);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    for (i, prof) in profiles.iter().enumerate().filter(|(_, p)| p.query) {
        let stored = results(&config, &data, &format!("Q{i}"));
        let tests: Vec<&str> = stored
            .iter()
            .filter_map(|r| r["test_code"].as_str())
            .collect();
        let expected: Vec<String> = query_subset(&prof.tests)
            .iter()
            .map(|t| catalog_code(i, &t.code))
            .collect();
        assert_eq!(tests, expected, "{}: {stored:#?}", prof.name);
    }
}
