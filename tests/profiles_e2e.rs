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

use lis_tests::lab::{test_codes, Lab};
use lis_tests::lab_config::{CatalogTest, LabConfig, Link, Protocol};
use lis_tests::simulation::{sent_codes, Simulation};
use lis_tests::{path_arg, repo_root, run_lis};

/// The profiles shipped in drivers/profiles/, listed by hand.
const PROFILES: [&str; 12] = [
    "abbott-architect",
    "generic-astm",
    "generic-hl7",
    "mindray-bc5380",
    "mindray-bs240",
    "mindray-cl",
    "roche-cobas-c311",
    "roche-cobas-e411",
    "siemens-dimension",
    "snibe-maglumi",
    "sysmex-xn",
    "sysmex-xs500i-text",
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
    protocol: Protocol,
    tests: Vec<SimTest>,
}

fn read_profile(name: &str) -> ProfileInfo {
    let path = repo_root()
        .join("drivers/profiles")
        .join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let table: toml::Table = toml::from_str(&text).expect("profile TOML");
    let protocol = match table["framing"].as_str() {
        Some("e1381") => Protocol::AstmE1381,
        Some("raw") => Protocol::AstmRaw,
        Some("mllp") => Protocol::Hl7Mllp,
        Some("dimension") => Protocol::Dimension,
        Some("sysmex-text") => Protocol::SysmexText,
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
        protocol,
        tests,
    }
}

/// The catalog code for a profile's instrument code: `P3-6690-2`; `%` and `#` are spelled out
/// (`LYMPH%` is `LYMPH-PCT`, `LYMPH#` is `LYMPH-ABS`), so the two stay apart.
fn catalog_code(index: usize, code: &str) -> String {
    let clean: String = code
        .chars()
        .map(|c| match c {
            '%' => "-PCT".to_owned(),
            '#' => "-ABS".to_owned(),
            c if c.is_ascii_alphanumeric() => c.to_ascii_uppercase().to_string(),
            _ => "-".to_owned(),
        })
        .collect();
    format!("P{index}-{clean}")
}

/// One catalog test per simulated code (autoverified and released, its range the simulator's),
/// and one TCP server link `LINK{i}` per profile; written to `dir`.
/// The UCUM spelling of a unit an analyzer sends (the catalog must be UCUM; analyzers often are
/// not): international units are `[IU]` with a prefix, a signal-to-cutoff ratio is an annotation.
fn ucum(sent: &str) -> &str {
    match sent {
        "uIU/mL" => "u[IU]/mL",
        "mIU/ml" => "m[IU]/mL",
        "S/CO" => "{s_co_ratio}",
        other => other,
    }
}

fn write_lab(dir: &Path, profiles: &[ProfileInfo]) -> Lab {
    let mut lab = LabConfig::default_catalog();
    for (i, p) in profiles.iter().enumerate() {
        for t in &p.tests {
            let code = catalog_code(i, &t.code);
            let name = format!("{} {}", p.name, t.code);
            lab = lab.test(&CatalogTest {
                code: &code,
                name: &name,
                unit: ucum(&t.units),
                decimals: t.decimals,
                section: "biochemistry",
                low: t.low,
                high: t.high,
                autoverify: true,
            });
        }
    }
    for (i, p) in profiles.iter().enumerate() {
        let link = Link::tcp_server(&format!("LINK{i}"), &p.name, &p.name, p.protocol);
        let link = p.tests.iter().fold(link, |link, t| {
            if ucum(&t.units) == t.units {
                link.maps(&t.code, &catalog_code(i, &t.code))
            } else {
                link.maps_in_unit(&t.code, &catalog_code(i, &t.code), &t.units)
            }
        });
        lab = lab.link(&link);
    }
    lab.write(dir)
}

/// `lis order add` of `tests` for `specimen`, for a patient with no name.
fn add_order(lab: &Lab, specimen: &str, tests: &[String], patient: &str, sex: &str, birth: &str) {
    let (code, out, err) = lab.run(&[
        "order",
        "add",
        "--specimen",
        specimen,
        "--tests",
        &tests.join(","),
        "--patient",
        patient,
        "--sex",
        sex,
        "--birth",
        birth,
    ]);
    assert_eq!(code, 0, "{out}{err}");
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
    let lab = write_lab(dir.path(), &profiles);
    let (code, out, _) = run_lis(&["config", "check", path_arg(lab.config())]);
    assert_eq!(code, 0, "{out}");

    for (i, prof) in profiles.iter().enumerate() {
        let tests: Vec<String> = prof
            .tests
            .iter()
            .map(|t| catalog_code(i, &t.code))
            .collect();
        add_order(
            &lab,
            &format!("SPEC{i}"),
            &tests,
            &format!("PAT{i}"),
            "F",
            "1990-05-06",
        );
    }

    let lis = lab.serve();
    let mut sent: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for (i, prof) in profiles.iter().enumerate() {
        let addr = lis.link_addr(&format!("LINK{i}"));
        let run = Simulation::run(&[
            "--profile",
            &prof.name,
            "--connect",
            &addr.to_string(),
            "--specimen-id",
            &format!("SPEC{i}"),
            "--seed",
            "7",
            "--json",
        ]);
        let stdout = &run.stdout;
        assert_eq!(
            run.code,
            Some(0),
            "{}: {stdout}{}\n{}",
            prof.name,
            run.stderr,
            lis.log()
        );
        let mut lines = stdout.lines();
        assert_eq!(
            lines.next(),
            Some("sent=1 acknowledged=1 rejected=0 timed_out=0 queries=0 answered=0"),
            "{}",
            prof.name
        );
        let detail = run.detail();
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
        let stored = lab.results(&format!("SPEC{i}"));
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
            // Stored in the catalog's UCUM spelling of the unit the analyzer sent.
            assert_eq!(r["unit"], ucum(&t.units), "{what}");
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
            "siemens-dimension",
            "sysmex-xn",
        ]
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = write_lab(dir.path(), &profiles);
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
        add_order(
            &lab,
            &format!("Q{i}"),
            &tests,
            &format!("QPAT{i}"),
            "M",
            "1975-11-02",
        );
    }

    let lis = lab.serve();
    let mut messages = 0;
    for (i, prof) in profiles.iter().enumerate().filter(|(_, p)| p.query) {
        let addr = lis.link_addr(&format!("LINK{i}"));
        let run = Simulation::query(&prof.name, addr, &format!("Q{i}"), "11");
        let stdout = &run.stdout;
        let what = format!("{}: {stdout}{}\n{}", prof.name, run.stderr, lis.log());
        assert_eq!(run.code, Some(0), "{what}");
        let mut lines = stdout.lines();
        assert_eq!(
            lines.next(),
            Some("sent=1 acknowledged=1 rejected=0 timed_out=0 queries=1 answered=1"),
            "{what}"
        );
        let detail = run.detail();
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
        let sent = sent_codes(&detail);
        assert_eq!(sent, expected, "{}: results only for those", prof.name);
        // The query and the results message.
        messages += 2;
        lis.wait_counter(&format!("LINK{i}"), "messages_in", 2);
    }
    assert_eq!(messages, 16);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    for (i, prof) in profiles.iter().enumerate().filter(|(_, p)| p.query) {
        let stored = lab.results(&format!("Q{i}"));
        let tests = test_codes(&stored);
        let expected: Vec<String> = query_subset(&prof.tests)
            .iter()
            .map(|t| catalog_code(i, &t.code))
            .collect();
        assert_eq!(tests, expected, "{}: {stored:#?}", prof.name);
    }
}
