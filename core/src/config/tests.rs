use super::*;

#[test]
fn embedded_default_loads() {
    let lab = LabConfig::embedded_default().unwrap();
    assert_eq!(lab.lab.timezone, "Asia/Ho_Chi_Minh");
    for code in [
        "WBC", "RBC", "HGB", "HCT", "PLT", "GLU", "UREA", "CREA", "AST", "ALT", "CRP", "TSH",
    ] {
        assert!(
            lab.test(code).is_some(),
            "{code} missing from the default catalog"
        );
    }
    let count = |s: Section| lab.tests.iter().filter(|t| t.section == s).count();
    assert!(count(Section::Hematology) >= 20, "CBC needs 20+ parameters");
    assert!(
        count(Section::Biochemistry) >= 20,
        "chemistry needs 20+ tests"
    );
    for code in ["TSH", "FT4", "HBSAG", "HIV", "TNTHS"] {
        assert_eq!(lab.test(code).unwrap().section, Section::Immunology);
    }
    assert!(count(Section::Urinalysis) >= 5);
    // Every test has a LOINC code (check digits are verified by loading).
    assert!(lab.tests.iter().all(|t| t.loinc.is_some()));
    // Chemistry and hematology autoverify and auto-release; immunology waits for a person.
    for t in &lab.tests {
        let auto = matches!(t.section, Section::Hematology | Section::Biochemistry);
        assert_eq!(t.autoverify && t.auto_release, auto, "{}", t.code);
    }
    // Demo analyzers map their codes to equal LIS codes.
    for id in ["DEMO-HEMA", "DEMO-CHEM"] {
        let inst = lab.instrument(id).unwrap();
        assert!(inst.test_map.iter().all(|m| m.code == m.test));
    }
    assert_eq!(
        lab.map_instrument_code("DEMO-CHEM", "GLU").unwrap().0.code,
        "GLU"
    );
    assert_eq!(lab.instrument_code_for("DEMO-HEMA", "PLT"), Some("PLT"));
    // Every catalog test is performed by some analyzer.
    for t in &lab.tests {
        assert!(
            lab.instruments
                .iter()
                .any(|i| i.test_map.iter().any(|m| m.test == t.code)),
            "{} has no analyzer",
            t.code
        );
    }
}

#[test]
fn known_loinc_check_digits() {
    use super::validate::check_loinc;
    // Codes from the LOINC table: glucose in serum (mass or moles) and hemoglobin in blood.
    assert!(check_loinc("2345-7").is_ok());
    assert!(check_loinc("718-7").is_ok());
    assert!(check_loinc("6690-2").is_ok());
    assert_eq!(
        check_loinc("2345-8").unwrap_err(),
        "LOINC \"2345-8\" has check digit 8, expected 7"
    );
    assert!(check_loinc("2345").is_err());
    assert!(check_loinc("ab-1").is_err());
}

const MINIMAL: &str = r#"
[lab]
name = "Test lab"

[[tests]]
code = "GLU"
name_vi = "Glucose"
name_en = "Glucose"
unit = "mmol/L"
decimals = 1
specimen = "serum"
section = "biochemistry"
ranges = [{ low = 3.9, high = 6.4 }]

[[instruments]]
id = "C311"
name = "Chemistry"
test_map = [{ code = "GLUC", test = "GLU", factor = 0.0555 }]

[instruments.connection]
kind = "tcp"
port = 5000
"#;

#[test]
fn minimal_config_with_conversion_and_opaque_connection() {
    let lab = LabConfig::from_toml_str(MINIMAL, "minimal.toml").unwrap();
    let (test, factor) = lab.map_instrument_code("C311", "GLUC").unwrap();
    assert_eq!((test.code.as_str(), factor), ("GLU", 0.0555));
    assert_eq!(lab.lab.timezone, "Asia/Ho_Chi_Minh");
    let conn = &lab.instrument("C311").unwrap().connection;
    assert_eq!(conn.get("port").and_then(|v| v.as_integer()), Some(5000));
    assert!(lab.map_instrument_code("C311", "GLU").is_none());
    assert!(lab.map_instrument_code("NOPE", "GLUC").is_none());
}

fn errors(text: &str) -> Vec<(String, Option<usize>)> {
    LabConfig::from_toml_str(text, "bad.toml")
        .unwrap_err()
        .errors
        .into_iter()
        .map(|e| (e.path, e.line))
        .collect()
}

#[test]
fn every_semantic_problem_with_path_and_line() {
    let text = r#"[lab]
name = "Bad lab"
timezone = "Mars/Olympus"

[[tests]]
code = "GLU"
name_vi = "Glucose"
name_en = "Glucose"
loinc = "2345-8"
unit = "mmol/L"
specimen = "serum"
section = "biochemistry"
ranges = [
  { low = 3.9, high = 6.4 },
  { age_min_days = 28, age_max_days = 28, low = 6.4, high = 3.9 },
]

[[tests]]
code = "GLU"
name_vi = "Glucose again"
name_en = "Glucose again"
unit = "mmol/L"
specimen = "serum"
section = "biochemistry"
reflex = [{ when = "high", add = ["HBA1C"] }]

[[instruments]]
id = "C311"
name = "Chemistry"
test_map = [{ code = "X", test = "NOPE", factor = -1.0 }]
"#;
    let got = errors(text);
    let want: Vec<(String, Option<usize>)> = vec![
        ("lab.timezone".into(), Some(3)),
        ("tests[0].loinc".into(), Some(9)),
        ("tests[0].ranges[1].age_max_days".into(), Some(15)),
        ("tests[0].ranges[1].high".into(), Some(15)),
        ("tests[1].code".into(), Some(19)),
        ("tests[1].reflex[0].add[0]".into(), Some(25)),
        ("instruments[0].test_map[0].test".into(), Some(30)),
        ("instruments[0].test_map[0].factor".into(), Some(30)),
    ];
    assert_eq!(got, want);
}

#[test]
fn type_errors_in_several_tests_are_all_reported() {
    let text = r#"[lab]
name = "Bad lab"

[[tests]]
code = "A"
name_vi = "A"
name_en = "A"
unit = "g/L"
specimen = "serum"
section = "chemistry"

[[tests]]
code = "B"
name_vi = "B"
name_en = "B"
unit = "g/L"
specimen = "serum"
section = "hematology"
decimal = 2
"#;
    let err = LabConfig::from_toml_str(text, "bad.toml").unwrap_err();
    assert_eq!(err.errors.len(), 2, "{err}");
    assert_eq!(err.errors[0].path, "tests[0]");
    assert_eq!(err.errors[0].line, Some(4));
    assert!(
        err.errors[0].message.contains("chemistry"),
        "{}",
        err.errors[0].message
    );
    assert_eq!(err.errors[1].path, "tests[1].decimal");
    assert_eq!(err.errors[1].line, Some(19));
    assert!(
        err.to_string().contains("bad.toml: line 4: tests[0]"),
        "{err}"
    );
}

#[test]
fn syntax_error_has_its_line() {
    let text = "[lab]\nname = \"x\"\n\n[[tests]]\ncode = \n";
    let err = LabConfig::from_toml_str(text, "bad.toml").unwrap_err();
    assert_eq!(err.errors.len(), 1);
    assert_eq!(err.errors[0].line, Some(5));
}

#[test]
fn missing_lab_section_and_unknown_section() {
    let err = LabConfig::from_toml_str("[labb]\nname = \"x\"\n", "bad.toml").unwrap_err();
    let paths: Vec<&str> = err.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, vec!["labb", ""]);
    assert_eq!(err.errors[0].line, Some(1));
}

#[test]
fn review_and_ui_sections_default_to_two_steps_and_thirty_minutes() {
    let config = LabConfig::from_toml_str("[lab]\nname = \"x\"\n", "min.toml").unwrap();
    assert_eq!(config.review.steps, ReviewSteps::Two);
    assert!(config.review.release_by_other_user);
    assert_eq!(config.ui.session_idle_minutes, 30);
    assert_eq!(config.ui.session_max_hours, 12);
    assert_eq!(config.lab.language, Language::Vi);
    assert!(config.http.is_none());
}

#[test]
fn review_ui_and_http_sections_are_read() {
    let text = "[lab]\nname = \"x\"\nlanguage = \"en\"\n\n[review]\nsteps = 1\n\
                release_by_other_user = false\n\n[ui]\nsession_idle_minutes = 10\n\
                session_max_hours = 8\n\n[http]\ntls_cert = \"a.pem\"\n";
    let config = LabConfig::from_toml_str(text, "lab.toml").unwrap();
    assert_eq!(config.review.steps, ReviewSteps::One);
    assert!(!config.review.release_by_other_user);
    assert_eq!(config.ui.session_idle_minutes, 10);
    assert_eq!(config.ui.session_max_hours, 8);
    assert_eq!(config.lab.language, Language::En);
    let http = config.http.unwrap();
    assert_eq!(http.get("tls_cert").and_then(|v| v.as_str()), Some("a.pem"));
}

#[test]
fn bad_review_and_ui_values_name_their_key_and_line() {
    let text = "[lab]\nname = \"x\"\n\n[review]\nsteps = 3\n";
    let err = LabConfig::from_toml_str(text, "lab.toml").unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    assert!(err.errors[0].path.starts_with("review"), "{err}");
    assert!(err.errors[0].message.contains("1 or 2"), "{err}");

    let text = "[lab]\nname = \"x\"\n\n[ui]\nsession_idle_minutes = 900\nsession_max_hours = 12\n";
    let found = errors(text);
    assert_eq!(
        found,
        vec![(String::from("ui.session_idle_minutes"), Some(5))]
    );
}

#[test]
fn turnaround_target_falls_back_to_the_section() {
    let config = LabConfig::embedded_default().unwrap();
    // The demo catalog sets none: a blood count's target is its section's hour, chemistry's two.
    assert_eq!(config.test("WBC").unwrap().tat_minutes(), 60);
    assert_eq!(config.test("GLU").unwrap().tat_minutes(), 120);
    let text = "[lab]\nname = \"x\"\n\n[[tests]]\ncode = \"K\"\nname_vi = \"Kali\"\nname_en = \"Potassium\"\n\
                unit = \"mmol/L\"\nspecimen = \"serum\"\nsection = \"biochemistry\"\ntat_minutes = 45\n";
    let config = LabConfig::from_toml_str(text, "lab.toml").unwrap();
    assert_eq!(config.test("K").unwrap().tat_minutes(), 45);
}

/// A catalog with one test in `unit`.
fn with_unit(unit: &str) -> String {
    format!(
        "[lab]\nname = \"x\"\n\n[[tests]]\ncode = \"T\"\nname_vi = \"T\"\nname_en = \"T\"\n\
         unit = \"{unit}\"\nspecimen = \"serum\"\nsection = \"biochemistry\"\n"
    )
}

#[test]
fn catalog_units_are_ucum() {
    // Units as the UCUM specification writes them (c/s): prefixes on metric atoms (§2.1), the
    // bracketed international unit that takes a prefix (m[IU]), powers of ten (10*9), the
    // enzyme unit U, unity 1, arbitrary [pH], annotations ({cells}) and division.
    for unit in [
        "mmol/L",
        "umol/L",
        "mg/dL",
        "g/L",
        "U/L",
        "m[IU]/L",
        "10*9/L",
        "10^9/L",
        "10*12/L",
        "fL",
        "pg",
        "%",
        "1",
        "[pH]",
        "mm[Hg]",
        "/uL",
        "{cells}/uL",
        "mL/min/{1.73_m2}",
    ] {
        assert!(
            LabConfig::from_toml_str(&with_unit(unit), "lab.toml").is_ok(),
            "{unit} is UCUM"
        );
    }
}

#[test]
fn a_unit_that_is_not_ucum_is_named_with_its_line() {
    // mIU/L: IU is no UCUM atom (the international unit is [IU]); S/CO: CO is no atom;
    // "mmol / L": UCUM has no blanks (§2.1); µmol/L: the micro prefix is u, not µ.
    for unit in ["mIU/L", "S/CO", "mmol / L", "µmol/L"] {
        let err = LabConfig::from_toml_str(&with_unit(unit), "lab.toml").unwrap_err();
        assert_eq!(err.errors.len(), 1, "{unit}: {err}");
        assert_eq!(err.errors[0].path, "tests[0].unit", "{unit}");
        assert_eq!(err.errors[0].line, Some(8), "{unit}");
        assert!(
            err.errors[0].message.contains("not a UCUM unit"),
            "{unit}: {err}"
        );
    }
}

#[test]
fn the_demo_catalog_sends_tsh_in_ucum() {
    let config = LabConfig::embedded_default().unwrap();
    assert_eq!(config.test("TSH").unwrap().unit, "m[IU]/L");
}
