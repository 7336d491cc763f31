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
//! RS-232: every profile whose file says `connection = "serial"` (the model is normally on a
//! serial line) is also run over a socat pseudo-terminal pair, a `kind = "serial"` link `SER<i>`
//! on one end and `lis simulate --serial` on the other, with its own order and specimen.
//!
//! A qualitative test (the simulator's `texts`) is a text test of the catalog whose normal words
//! are those texts, so its result too must be stored as sent, with no flag, and released.
//!
//! Host query: every profile whose file says `[query] supported = true` runs with `--query`
//! against an order for a subset of its simulator's tests, and must be told exactly that subset
//! and send results only for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lis_tests::lab::{test_codes, Lab};
use lis_tests::lab_config::{CatalogTest, LabConfig, Link, Protocol};
use lis_tests::server::{pty_pair, wait_for, ChildGuard, Lis, TIMEOUT};
use lis_tests::simulation::{sent_codes, Simulation};
use lis_tests::{path_arg, repo_root, run_lis};

/// The profiles shipped in drivers/profiles/, listed by hand.
const PROFILES: [&str; 41] = [
    "abbott-afinion2",
    "abbott-architect",
    "abbott-m2000",
    "arkray-spotchem-el",
    "beckman-access2",
    "beckman-dxh",
    "biomaxima-urine-strip",
    "biomerieux-mini-vidas",
    "biorad-ih1000",
    "biosystems-ba400",
    "cepheid-genexpert",
    "erba-elite580",
    "esr-analyzer",
    "euroimmun-analyzer-i",
    "generic-astm",
    "generic-hl7",
    "horiba-pentra-xlr",
    "horiba-yumizen-h500",
    "horiba-yumizen-h550",
    "immucor-galileo",
    "microbiology-mic",
    "mindray-bc5380",
    "mindray-bs240",
    "mindray-cl",
    "radiometer-abl90-flex",
    "roche-cobas-6800",
    "roche-cobas-8000-citm",
    "roche-cobas-c111",
    "roche-cobas-c311",
    "roche-cobas-e411",
    "roche-cobas-pro",
    "siemens-advia-centaur-xp",
    "siemens-advia2120",
    "siemens-dca-vantage",
    "siemens-dimension",
    "snibe-maglumi",
    "sysmex-cs",
    "sysmex-xn",
    "sysmex-xp100",
    "sysmex-xs500i",
    "sysmex-xs500i-text",
];

struct SimTest {
    code: String,
    units: String,
    low: f64,
    high: f64,
    decimals: u64,
    /// A qualitative test's words (`[simulator] tests` `texts`); empty for a numeric test.
    texts: Vec<String>,
}

struct ProfileInfo {
    name: String,
    /// `[query] supported` in the profile file.
    query: bool,
    /// `connection = "serial"` in the profile file.
    serial: bool,
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
        Some("advia") => Protocol::Advia,
        Some("vidas") => Protocol::Vidas,
        Some("spotchem") => Protocol::Spotchem,
        Some("urine-strip") => Protocol::UrineStrip,
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
            low: t.get("low").and_then(|x| x.as_float()).unwrap_or_default(),
            high: t.get("high").and_then(|x| x.as_float()).unwrap_or_default(),
            decimals: t.get("decimals").and_then(|d| d.as_integer()).unwrap_or(0) as u64,
            texts: t
                .get("texts")
                .and_then(|x| x.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|w| w.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let query = table
        .get("query")
        .and_then(|q| q.get("supported"))
        .and_then(toml::Value::as_bool)
        .unwrap_or(false);
    let serial = table.get("connection").and_then(toml::Value::as_str) == Some("serial");
    ProfileInfo {
        name: name.to_owned(),
        query,
        serial,
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
        "mIU/mL" => "m[IU]/mL",
        "Ratio" => "{ratio}",
        "Copies / mL" => "{copies}/mL",
        "10E3/uL" => "10*3/uL",
        "10E6/uL" => "10*6/uL",
        "mmol/l" => "mmol/L",
        "mmHg" => "mm[Hg]",
        "sec" => "s",
        // A ratio sent without a unit (the Sysmex CS's INR) is dimensionless.
        "" => "1",
        other => other,
    }
}

fn write_lab(dir: &Path, profiles: &[ProfileInfo], serial: &BTreeMap<usize, PathBuf>) -> Lab {
    let mut lab = LabConfig::default_catalog();
    for (i, p) in profiles.iter().enumerate() {
        for t in &p.tests {
            let code = catalog_code(i, &t.code);
            let name = format!("{} {}", p.name, t.code);
            if !t.texts.is_empty() {
                // A qualitative test: every word the simulator sends counts as normal.
                let words: Vec<String> = t.texts.iter().map(|w| format!("{w:?}")).collect();
                lab = lab.section(&format!(
                    "[[tests]]\ncode = {code:?}\nname_vi = {name:?}\nname_en = {name:?}\n\
                     specimen = \"serum\"\nsection = \"biochemistry\"\nkind = \"text\"\n\
                     normal_text = [{}]\nautoverify = true\nauto_release = true\n",
                    words.join(", ")
                ));
                continue;
            }
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
        let tcp = Link::tcp_server(&format!("LINK{i}"), &p.name, &p.name, p.protocol);
        let on_serial = serial.get(&i).map(|path| {
            let name = format!("{} on a serial line", p.name);
            Link::serial(&format!("SER{i}"), &name, &p.name, p.protocol, path)
        });
        for link in std::iter::once(tcp).chain(on_serial) {
            let link = p.tests.iter().fold(link, |link, t| {
                if ucum(&t.units) == t.units {
                    link.maps(&t.code, &catalog_code(i, &t.code))
                } else {
                    link.maps_in_unit(&t.code, &catalog_code(i, &t.code), &t.units)
                }
            });
            lab = lab.link(&link);
        }
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

/// One simulated delivery: `lis simulate --profile NAME <line...> --specimen-id SPECIMEN --seed 7
/// --json`, which must send one message and have it acknowledged; returns the (code, value) pairs
/// it sent.
fn simulate(prof: &ProfileInfo, line: &[&str], specimen: &str, lis: &Lis) -> Vec<(String, String)> {
    let mut args = vec!["--profile", prof.name.as_str()];
    args.extend_from_slice(line);
    args.extend_from_slice(&["--specimen-id", specimen, "--seed", "7", "--json"]);
    let run = Simulation::run(&args);
    let stdout = &run.stdout;
    assert_eq!(
        run.code,
        Some(0),
        "{} {line:?}: {stdout}{}\n{}",
        prof.name,
        run.stderr,
        lis.log()
    );
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("sent=1 acknowledged=1 rejected=0 timed_out=0 queries=0 answered=0"),
        "{} {line:?}",
        prof.name
    );
    let detail = run.detail();
    assert_eq!(detail["specimen"], specimen);
    detail["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap_or_default().to_owned(),
                r["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The results stored for `specimen` are exactly what the simulator sent on `link`, each in the
/// catalog's unit, unflagged, released, first version.
fn assert_stored_as_sent(
    lab: &Lab,
    prof: &ProfileInfo,
    i: usize,
    specimen: &str,
    link: &str,
    sent: &[(String, String)],
) {
    let stored = lab.results(specimen);
    assert_eq!(
        sent.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        prof.tests
            .iter()
            .map(|t| t.code.as_str())
            .collect::<Vec<_>>(),
        "{} on {link}: the simulator sends every test of its profile",
        prof.name
    );
    assert_eq!(stored.len(), prof.tests.len(), "{}: {stored:#?}", prof.name);
    for (t, (code, value)) in prof.tests.iter().zip(sent) {
        let r = stored
            .iter()
            .find(|r| r["test_code"] == catalog_code(i, code))
            .unwrap_or_else(|| panic!("{}: no result for {code}: {stored:#?}", prof.name));
        let what = format!("{} {code} on {link}: {r}", prof.name);
        assert_eq!(r["specimen_id"], specimen, "{what}");
        assert_eq!(r["value_sent"], value.as_str(), "{what}");
        assert_eq!(r["value"], value.as_str(), "{what}");
        if t.texts.is_empty() {
            // Stored in the catalog's UCUM spelling of the unit the analyzer sent.
            assert_eq!(r["unit"], ucum(&t.units), "{what}");
            let v: f64 = value.parse().expect("numeric");
            assert!(t.low <= v && v <= t.high, "{what}");
        } else {
            assert!(t.texts.contains(value), "{what}");
        }
        assert_eq!(r["flags"], serde_json::json!([]), "{what}");
        assert_eq!(r["state"], "released", "{what}");
        assert_eq!(r["instrument"], link, "{what}");
        assert_eq!(r["version"], 1, "{what}");
    }
}

#[test]
fn every_profile_delivers_ordered_results_that_are_stored_as_sent() {
    let profiles: Vec<ProfileInfo> = PROFILES.iter().map(|n| read_profile(n)).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    // A pseudo-terminal pair for each model normally on RS-232: the LIS's end and the analyzer's.
    let mut ptys: Vec<ChildGuard> = Vec::new();
    let mut lis_ends: BTreeMap<usize, PathBuf> = BTreeMap::new();
    let mut analyzer_ends: BTreeMap<usize, PathBuf> = BTreeMap::new();
    for (i, _) in profiles.iter().enumerate().filter(|(_, p)| p.serial) {
        let (socat, lis_end, analyzer_end) = pty_pair(dir.path(), &format!("pty{i}"));
        ptys.push(socat);
        lis_ends.insert(i, lis_end);
        analyzer_ends.insert(i, analyzer_end);
    }
    let lab = write_lab(dir.path(), &profiles, &lis_ends);
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
        if prof.serial {
            add_order(
                &lab,
                &format!("SER{i}"),
                &tests,
                &format!("SPAT{i}"),
                "M",
                "1984-02-03",
            );
        }
    }

    let lis = lab.serve();
    let mut sent: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    let mut sent_serial: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for (i, prof) in profiles.iter().enumerate() {
        let addr = lis.link_addr(&format!("LINK{i}")).to_string();
        sent.insert(
            i,
            simulate(prof, &["--connect", &addr], &format!("SPEC{i}"), &lis),
        );
        if let Some(analyzer_end) = analyzer_ends.get(&i) {
            let link = format!("SER{i}");
            wait_for(&format!("{link} to open its serial line"), TIMEOUT, || {
                (lis.link(&link)["state"] == "connected").then_some(())
            });
            sent_serial.insert(
                i,
                simulate(
                    prof,
                    &["--serial", path_arg(analyzer_end)],
                    &format!("SER{i}"),
                    &lis,
                ),
            );
        }
    }
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    drop(ptys);

    for (i, prof) in profiles.iter().enumerate() {
        assert_stored_as_sent(
            &lab,
            prof,
            i,
            &format!("SPEC{i}"),
            &format!("LINK{i}"),
            &sent[&i],
        );
    }
    // The models normally on RS-232, listed by hand to catch a profile changing its connection.
    let serial: Vec<&str> = profiles
        .iter()
        .filter(|p| p.serial)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        serial,
        [
            "abbott-architect",
            "arkray-spotchem-el",
            "beckman-access2",
            "beckman-dxh",
            "biomaxima-urine-strip",
            "biomerieux-mini-vidas",
            "esr-analyzer",
            "horiba-pentra-xlr",
            "horiba-yumizen-h500",
            "immucor-galileo",
            "roche-cobas-c111",
            "roche-cobas-e411",
            "siemens-advia-centaur-xp",
            "siemens-advia2120",
            "siemens-dca-vantage",
            "siemens-dimension",
            "snibe-maglumi",
            "sysmex-xn",
            "sysmex-xp100",
            "sysmex-xs500i",
            "sysmex-xs500i-text",
        ]
    );
    for (i, sent) in &sent_serial {
        let prof = &profiles[*i];
        assert_stored_as_sent(&lab, prof, *i, &format!("SER{i}"), &format!("SER{i}"), sent);
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
            "beckman-dxh",
            "biosystems-ba400",
            "generic-astm",
            "generic-hl7",
            "mindray-cl",
            "roche-cobas-c311",
            "roche-cobas-e411",
            "roche-cobas-pro",
            "siemens-advia-centaur-xp",
            "siemens-dimension",
            "sysmex-xn",
        ]
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = write_lab(dir.path(), &profiles, &BTreeMap::new());
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
    assert_eq!(messages, 24);
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
