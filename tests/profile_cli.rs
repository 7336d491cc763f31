//! `lis profile list | check | try` with a profile the binary was not built with: a lab's own
//! profile in the directory its config names (`[analyzers] profiles_dir`); and `lis profile try`
//! with the embedded vendor profiles on their corpus captures. Every expected value is read off
//! the capture (written below, or quoted from the corpus file in the test).

use std::path::Path;

use lis_tests::{corpus, json_lines, path_arg, run_lis};

/// A lab's own ASTM profile: the specimen id in O-3 component 2, the test code in R-3 component 5,
/// histogram rows (`HIST`) left out.
const LAB_PROFILE: &str = r#"# A bench analyzer of our lab, written from its capture.
name = "lab-chem"
model = "Bench chemistry analyzer"
discipline = "chemistry"
protocol = "astm"
framing = "e1381"
specimen = ["O-3.2"]
test_code = ["R-3.5"]
skip = [{ field = "R-3.5", equals = ["HIST"] }]
qc = [{ field = "O-12", equals = ["Q"] }]
"#;

/// Records as the analyzer's manual shows them (no link layer): one patient specimen with a
/// glucose and a histogram row, then one QC specimen (O-12 `Q`).
const CAPTURE: &str = "H|\\^&|||Bench^1|||||||P|1\r\
P|1\r\
O|1|RACK7^S-0042||^^^^GLU\r\
R|1|^^^^GLU|5.6|mmol/L|3.9-6.1|H||F\r\
R|2|^^^^HIST|AAECAwQ=|||||F\r\
O|2|RACK7^QC-L1||^^^^GLU|||||||Q\r\
R|1|^^^^GLU|5.41|mmol/L||N||F\r\
L|1|N\r";

fn write_lab(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("profiles")).expect("profiles dir");
    std::fs::write(dir.join("profiles/lab-chem.toml"), LAB_PROFILE).expect("profile");
    let (code, example, _) = run_lis(&["config", "example"]);
    assert_eq!(code, 0);
    // DEMO-CHEM's link now uses the lab's own profile.
    let chem = "id = \"DEMO-CHEM\"\nname = \"Demo chemistry and immunoassay analyzer\"\nprofile = \"generic-astm\"";
    assert!(example.contains(chem), "the example config changed");
    let config = example.replace(chem, &chem.replace("generic-astm", "lab-chem"))
        + "\n[analyzers]\nprofiles_dir = \"profiles\"\n";
    let path = dir.join("lab.toml");
    std::fs::write(&path, config).expect("config");
    path
}

#[test]
fn a_lab_directory_profile_decodes_a_capture_without_a_rebuild() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_lab(dir.path());
    let capture = dir.path().join("bench.astm");
    std::fs::write(&capture, CAPTURE).expect("capture");

    // The config is valid only if the lab's profile was loaded (DEMO-CHEM names it).
    let (code, out, _) = run_lis(&["config", "check", path_arg(&config)]);
    assert_eq!(code, 0, "{out}");

    let (code, out, err) = run_lis(&["profile", "list", "--config", path_arg(&config)]);
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("lab-chem "))
        .unwrap_or_else(|| panic!("lab-chem not listed:\n{out}"));
    assert!(line.ends_with(" lab"), "{line}");
    assert!(out
        .lines()
        .any(|l| l.starts_with("generic-astm ") && l.ends_with("embedded")));
    // A framing is named as a profile file writes it.
    let xs: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("sysmex-xs500i-text "))
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default();
    assert_eq!(
        xs,
        [
            "sysmex-xs500i-text",
            "hematology",
            "vendor",
            "sysmex-text",
            "serial",
            "embedded"
        ],
        "{out}"
    );

    let (code, out, err) = run_lis(&[
        "profile",
        "try",
        "--config",
        path_arg(&config),
        "--profile",
        "lab-chem",
        path_arg(&capture),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let lines = json_lines(&out);
    let rows: Vec<_> = lines
        .iter()
        .filter(|l| l.get("stored_as").is_some())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert_eq!(rows[0]["specimen_id"], "S-0042");
    assert_eq!(rows[0]["test_code"], "GLU");
    assert_eq!(rows[0]["value"], "5.6");
    assert_eq!(rows[0]["units"], "mmol/L");
    assert_eq!(rows[0]["flags"], serde_json::json!(["H"]));
    assert_eq!(rows[0]["stored_as"], "patient");
    assert_eq!(rows[1]["specimen_id"], "QC-L1");
    assert_eq!(rows[1]["value"], "5.41");
    assert_eq!(rows[1]["stored_as"], "qc");
    let skipped: Vec<_> = lines
        .iter()
        .filter(|l| l.get("skipped").is_some())
        .collect();
    assert_eq!(skipped.len(), 1, "{out}");
    assert_eq!(skipped[0]["skipped"], "record 5 (R)");
    assert_eq!(skipped[0]["test_code"], "HIST");
    assert_eq!(skipped[0]["reason"], "skip rule matched: R-3.5 equals HIST");
    let summary = &lines.last().expect("summary")["summary"];
    assert_eq!(summary["rows"], 2);
    assert_eq!(summary["skipped"], 1);

    // The same through the file, without a config.
    let file = dir.path().join("profiles/lab-chem.toml");
    let (code, out, _) = run_lis(&[
        "profile",
        "try",
        "--profile",
        path_arg(&file),
        path_arg(&capture),
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        json_lines(&out).last().expect("summary")["summary"]["rows"],
        2
    );

    // Without the lab's config the binary does not know it.
    let (code, _, err) = run_lis(&[
        "profile",
        "try",
        "--profile",
        "lab-chem",
        path_arg(&capture),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown profile `lab-chem`"), "{err}");
}

#[test]
fn profile_check_names_every_problem_with_its_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    // Line 3: an unknown framing; line 4: a misspelt key; line 5: an HL7 location in an ASTM
    // profile would only show once the rest reads, so it is not expected here.
    std::fs::write(
        &file,
        "name = \"bad\"\nprotocol = \"astm\"\nframing = \"e1382\"\nspecimen_id = [\"O-3\"]\ntest_code = [\"R-3\"]\n",
    )
    .expect("write");
    let (code, out, _) = run_lis(&["profile", "check", path_arg(&file)]);
    assert_eq!(code, 1, "{out}");
    let shown = path_arg(&file);
    assert!(out.contains(&format!("{shown}:3: framing: ")), "{out}");
    assert!(out.contains("e1382"), "{out}");
    assert!(out.contains(&format!("{shown}:4: specimen_id: ")), "{out}");
    assert!(out.contains("missing key `specimen`"), "{out}");
    assert!(out.contains("3 problem(s)"), "{out}");

    // A lab config whose profiles_dir holds it is refused with the profile's problems.
    std::fs::create_dir_all(dir.path().join("profiles")).expect("dir");
    std::fs::rename(&file, dir.path().join("profiles/bad.toml")).expect("move");
    let (_, example, _) = run_lis(&["config", "example"]);
    let config = dir.path().join("lab.toml");
    std::fs::write(
        &config,
        example + "\n[analyzers]\nprofiles_dir = \"profiles\"\n",
    )
    .expect("config");
    let (code, out, _) = run_lis(&["config", "check", path_arg(&config)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("analyzers.profiles_dir"), "{out}");
    assert!(out.contains("bad.toml"), "{out}");
}

/// The lines of `lis profile try`'s output that are rows it would store (`stored_as`).
fn stored_rows(lines: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    lines
        .iter()
        .filter(|l| l.get("stored_as").is_some())
        .collect()
}

#[test]
fn profile_try_reads_a_dimension_host_log_with_its_queries_and_results() {
    // A host's log of a Dimension on 2018-07-26: 101 messages between STX and ETX (polls `P`,
    // two sample queries `I`, request acceptances `M`, two results `R`), the log's own text
    // around them.
    let capture = corpus(
        "astm/siemens-dimension/dimension_host_log_2018-07-26_query_I_host_D_order_extract.txt",
    );
    let (code, out, err) = run_lis(&[
        "profile",
        "try",
        "--profile",
        "siemens-dimension",
        path_arg(&capture),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let lines = json_lines(&out);
    // `I<FS>00109320<FS>10` and `I<FS>00108832<FS>17`.
    let queried: Vec<_> = lines
        .iter()
        .filter_map(|l| l.get("specimens_queried"))
        .collect();
    assert_eq!(
        queried,
        [
            &serde_json::json!(["00109320"]),
            &serde_json::json!(["00108832"])
        ],
        "{out}"
    );
    // `R<FS>0<FS>G.D.AYESHA ...<FS>00109320<FS>2<FS><FS>0<FS>002114260718<FS>1<FS>1<FS>1<FS>GLUC<FS>121<FS>mg/dL<FS><FS>FE`:
    // run at 14:21:00 on 26/07/18 (ssmmhhDDMMYY), no error code; then 00108832's GLUC 134 at
    // 14:27:02.
    let rows = stored_rows(&lines);
    assert_eq!(rows.len(), 2, "{out}");
    for (row, (specimen, value, at)) in rows.iter().zip([
        ("00109320", "121", "2018-07-26T14:21:00"),
        ("00108832", "134", "2018-07-26T14:27:02"),
    ]) {
        assert_eq!(row["specimen_id"], specimen, "{row}");
        assert_eq!(row["test_code"], "GLUC", "{row}");
        assert_eq!(row["value"], value, "{row}");
        assert_eq!(row["units"], "mg/dL", "{row}");
        assert_eq!(row["flags"], serde_json::json!([]), "{row}");
        assert_eq!(row["observed_at"], at, "{row}");
        assert_eq!(row["stored_as"], "patient", "{row}");
    }
    let summary = &lines.last().expect("summary")["summary"];
    assert_eq!(summary["messages"], 101, "{summary}");
    assert_eq!(summary["rows"], 2, "{summary}");
    assert_eq!(summary["unreadable"], 0, "{summary}");
}

#[test]
fn profile_try_reads_xs500i_class_a_texts_with_implied_decimals_and_flag_digits() {
    // Six samples, each a `D1U` (sample number, analysis time) then a `D2U` (the values, six
    // characters each: five digits with implied decimals and a flag digit), line noise
    // (`???????`, `??`) before two of the D1U texts.
    let capture =
        corpus("astm/sysmex-xs500i/xs500i_native_class_a_d1u_d2u_host_log_2018-07-26_extract.txt");
    let (code, out, err) = run_lis(&[
        "profile",
        "try",
        "--profile",
        "sysmex-xs500i-text",
        path_arg(&capture),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let lines = json_lines(&out);
    let rows = stored_rows(&lines);
    // The first sample, 00109558, analysed 2018-07-26 14:59:00 (D1U `20180726145900`); its D2U
    // begins `011170 003860 001190 003650 ...`: WBC 11.17, RBC 3.86, HGB 11.9, HCT 36.5; PLT
    // `002020` is 202; LYMPH% `000982` is 9.8 with flag digit 2 (low), NEUT% `008071` is 80.7
    // with flag digit 1 (high).
    let first = |code: &str| {
        rows.iter()
            .find(|r| r["specimen_id"] == "00109558" && r["test_code"] == code)
            .unwrap_or_else(|| panic!("no {code} for 00109558:\n{out}"))
    };
    for (code, value, units, flags) in [
        ("WBC", "11.17", "10*3/uL", serde_json::json!([])),
        ("RBC", "3.86", "10*6/uL", serde_json::json!([])),
        ("HGB", "11.9", "g/dL", serde_json::json!([])),
        ("HCT", "36.5", "%", serde_json::json!([])),
        ("PLT", "202", "10*3/uL", serde_json::json!([])),
        ("LYMPH%", "9.8", "%", serde_json::json!(["L"])),
        ("NEUT%", "80.7", "%", serde_json::json!(["H"])),
    ] {
        let row = first(code);
        assert_eq!(row["value"], value, "{row}");
        assert_eq!(row["units"], units, "{row}");
        assert_eq!(row["flags"], flags, "{row}");
        assert_eq!(row["observed_at"], "2018-07-26T14:59:00", "{row}");
        assert_eq!(row["stored_as"], "patient", "{row}");
    }
    // The reticulocyte places (always zeros on an XS-500i) are left out by the profile's rule.
    let skipped: Vec<_> = lines
        .iter()
        .filter(|l| l.get("skipped").is_some() && l["test_code"] == "RET%")
        .collect();
    assert_eq!(skipped.len(), 6, "{out}");
    let summary = &lines.last().expect("summary")["summary"];
    // Twelve texts; 24 parameters stored and 6 left out per sample.
    assert_eq!(summary["messages"], 12, "{summary}");
    assert_eq!(summary["rows"], 6 * 24, "{summary}");
    assert_eq!(summary["skipped"], 6 * 6, "{summary}");
    assert_eq!(summary["unreadable"], 0, "{summary}");
}

#[test]
fn profile_try_prints_the_graphs_of_a_yumizen_cbc() {
    // The patient CBC whose M records span ETB frames: two histograms and the LMNE matrix
    // (counts computed with python3's zlib and struct from the joined frames, written by hand).
    let capture = corpus("astm/horiba-yumizen-h500/yumizen_h500_wire_frames_etb.astm");
    let (code, out, err) = run_lis(&[
        "profile",
        "try",
        "--profile",
        "horiba-yumizen-h500",
        path_arg(&capture),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let lines = json_lines(&out);
    let graphs: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l.get("graph").is_some()).collect();
    let seen: Vec<(String, String, String)> = graphs
        .iter()
        .map(|g| {
            (
                g["graph"].as_str().unwrap_or_default().to_owned(),
                g["kind"].as_str().unwrap_or_default().to_owned(),
                g["specimen_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let s = "CL-BL-23-0003".to_owned();
    assert_eq!(
        seen,
        [
            ("RbcAlongRes".to_owned(), "histogram".to_owned(), s.clone()),
            ("PltAlongRes".to_owned(), "histogram".to_owned(), s.clone()),
            ("LMNEResAbs".to_owned(), "scattergram".to_owned(), s),
        ],
        "{out}"
    );
    assert_eq!(graphs[0]["points"], 254);
    assert_eq!(graphs[1]["points"], 255);
    // python: 3.2875001430511475, 24.32750129699707, 11.309000015258789 (float32).
    let markers: Vec<f64> =
        serde_json::from_value(graphs[1]["markers"].clone()).unwrap_or_default();
    assert_eq!(markers.len(), 3, "{}", graphs[1]);
    for (got, want) in markers.iter().zip([3.2875, 24.3275, 11.309]) {
        assert!((got - want).abs() < 1e-5, "{got} for {want}");
    }
    assert_eq!(graphs[2]["events"], 4680);
    assert_eq!(graphs[0]["row"], "record 5 (M)");
    let summary = &lines.last().expect("summary")["summary"];
    assert_eq!(summary["graphs"], 3, "{summary}");
    assert_eq!(summary["rows"], 20, "{summary}");
}

#[test]
fn profile_try_prints_each_microbiology_isolate_with_its_panel() {
    let capture = corpus("astm/microbiology-mic-system/lis2a_micro_id_ast.astm");
    let (code, out, err) = run_lis(&[
        "profile",
        "try",
        "--profile",
        "microbiology-mic",
        path_arg(&capture),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let lines = json_lines(&out);
    let rows = stored_rows(&lines);
    // Four patients, one isolate (A) each: four rows, not one per antibiotic.
    assert_eq!(rows.len(), 4, "{out}");
    let pae = rows
        .iter()
        .find(|r| r["specimen_id"] == "XID00126147-01")
        .expect("the P. aeruginosa isolate");
    assert_eq!(pae["test_code"], "ISOLATE-A");
    assert_eq!(pae["value"], "Pseudomonas aeruginosa");
    assert_eq!(pae["isolate"]["label"], "A");
    assert_eq!(pae["isolate"]["organism_code"], "P.AER");
    let panel = pae["isolate"]["susceptibilities"]
        .as_array()
        .expect("panel");
    assert_eq!(panel.len(), 24);
    let ampicillin = panel
        .iter()
        .find(|s| s["antibiotic_code"] == "AMPICI")
        .expect("ampicillin");
    assert_eq!(ampicillin["mic"], ">16.0000");
    assert_eq!(ampicillin["interpretation"], "Resistant");
    let nitro = panel
        .iter()
        .find(|s| s["antibiotic_code"] == "NITRO")
        .expect("nitrofurantoin");
    assert_eq!(nitro["interpretation"], serde_json::Value::Null);
    assert_eq!(nitro["interpretation_sent"], "NOINTP");
    // The growth controls are left out with the rule that says so.
    assert!(lines.iter().any(|l| l["test_code"] == "POSCTL"
        && l["reason"] == "skip rule matched: R-3.4 equals POSCTL, NEGCTL"));
}

#[test]
fn profile_check_names_microbiology_problems_with_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("micro.toml");
    // Line 7: a test code without `{isolate}`; line 11: an interpretation that is not S/I/R.
    std::fs::write(
        &file,
        "name = \"micro\"\nprotocol = \"astm\"\nframing = \"e1381\"\nspecimen = [\"O-3.1\"]\n\
test_code = [\"R-3.4\"]\n[microbiology]\ntest_code = \"CULTURE\"\nisolate = \"O-3.2\"\n\
organism_comment = \"FINALID\"\nantibiotic = \"R-3.4\"\ninterpretations = { SUSC = \"Sensitive\" }\n\
mic_rows = [{ field = \"R-3.7\", equals = [\"MIC-BP\"] }]\n\
interpretation_rows = [{ field = \"R-3.7\", equals = [\"INTERP\"] }]\n",
    )
    .expect("write");
    let (code, out, _) = run_lis(&["profile", "check", path_arg(&file)]);
    assert_eq!(code, 1, "{out}");
    let shown = path_arg(&file);
    assert!(
        out.contains(&format!(
            "{shown}:7: microbiology.test_code: must hold `{{isolate}}`"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{shown}:11: microbiology.interpretations: `SUSC` maps to `Sensitive`"
        )),
        "{out}"
    );
    assert!(out.contains("2 problem(s)"), "{out}");
}
