use std::collections::BTreeSet;

use jiff::civil::date;

use super::super::LabConfig;
use crate::qc::{QcRuleSet, TargetSource, WestgardRule};

#[test]
fn the_demo_lab_ships_qc_for_demo_chem() {
    let lab = LabConfig::embedded_default().unwrap();
    let qc = &lab.qc;
    assert_eq!(qc.run_window_minutes, 30);
    assert!(!qc.screen_12s);
    let m = &qc.materials[0];
    assert_eq!(m.name, "Demo Chemistry Control");
    assert_eq!(m.instruments, ["DEMO-CHEM"]);
    let lot = &m.lots[0];
    assert_eq!(lot.lot, "DC-2026");
    assert_eq!(lot.expiry, date(2027, 12, 31));
    // The issue's targets, as written in the demo lab.
    for (test, level, mean, sd, unit) in [
        ("GLU", 1, 5.50, 0.20, "mmol/L"),
        ("CREA", 1, 90.0, 4.0, "umol/L"),
        ("GLU", 2, 16.00, 0.50, "mmol/L"),
        ("CREA", 2, 450.0, 15.0, "umol/L"),
    ] {
        let t = qc.target("DEMO-CHEM", test, "DC-2026", level).unwrap();
        assert_eq!(
            (t.target.mean, t.target.sd, t.units.as_str()),
            (mean, sd, unit),
            "{test} level {level}"
        );
        assert_eq!(t.target.source, TargetSource::Manufacturer);
        // The catalog's unit for the test is the QC unit.
        assert_eq!(lab.test(test).unwrap().unit, unit);
    }
    assert!(qc.target("DEMO-CHEM", "GLU", "DC-2026", 3).is_none());
    assert!(qc.target("DEMO-HEMA", "GLU", "DC-2026", 1).is_none());
    assert!(qc.target("DEMO-CHEM", "UREA", "DC-2026", 1).is_none());
    let rules = qc.rules_for("GLU");
    assert_eq!(
        rules.rules.iter().map(|r| r.name()).collect::<Vec<_>>(),
        ["1-2s", "1-3s", "2-2s", "R-4s", "4-1s", "10-x"]
    );
    assert!(!rules.screen_12s);
    assert_eq!(qc.rules_for("CREA"), QcRuleSet::two_levels());
    let glu = qc.test_settings("GLU").unwrap();
    assert_eq!((glu.tea_percent, glu.bias_percent), (Some(8.0), Some(1.0)));
    // QC1-... is level 1, QC2-... level 2, a patient's id is not QC.
    let pattern = qc.specimen_pattern("DEMO-CHEM").unwrap();
    assert_eq!(pattern.matches("QC1-20261207"), Some(1));
    assert_eq!(pattern.matches("QC2-20261207"), Some(2));
    assert_eq!(pattern.matches("20261207001"), None);
    assert!(qc.specimen_pattern("DEMO-HEMA").is_none());
    assert!(qc.has_qc("DEMO-CHEM", "GLU") && qc.has_qc("DEMO-CHEM", "CREA"));
    assert!(!qc.has_qc("DEMO-CHEM", "UREA") && !qc.has_qc("DEMO-HEMA", "GLU"));
    assert_eq!(
        qc.instrument_tests(),
        [("DEMO-CHEM", "CREA"), ("DEMO-CHEM", "GLU")]
    );
    // The lot is in use up to its expiry day, not after.
    let in_use = |day| {
        qc.lot_in_use("DEMO-CHEM", "GLU", 2, day)
            .map(|(_, l)| l.lot.as_str())
    };
    assert_eq!(in_use(date(2026, 12, 7)), Some("DC-2026"));
    assert_eq!(in_use(date(2027, 12, 31)), Some("DC-2026"));
    assert_eq!(in_use(date(2028, 1, 1)), None);
    assert_eq!(qc.lot("DEMO-CHEM", "DC-2026").unwrap().0.name, m.name);
    assert!(qc.lot("DEMO-HEMA", "DC-2026").is_none());
}

#[test]
fn a_lab_without_qc_has_none_and_the_default_window() {
    let lab = LabConfig::from_toml_str("[lab]\nname = \"x\"\n", "min.toml").unwrap();
    assert!(lab.qc.materials.is_empty());
    assert_eq!(lab.qc.run_window_minutes, 30);
    assert_eq!(lab.qc, super::QcConfig::default());
}

/// A lab with GLU and CREA (numeric) and HBSAG (text), the C311 performing GLU, CREA and
/// HBSAG and the XN performing none of them; `qc` is appended as written.
fn lab_with(qc: &str) -> String {
    format!(
        r#"[lab]
name = "QC lab"

[[tests]]
code = "GLU"
name_vi = "Glucose"
name_en = "Glucose"
unit = "mmol/L"
specimen = "serum"
section = "biochemistry"

[[tests]]
code = "CREA"
name_vi = "Creatinin"
name_en = "Creatinine"
unit = "umol/L"
specimen = "serum"
section = "biochemistry"

[[tests]]
code = "HBSAG"
name_vi = "HBsAg"
name_en = "HBsAg"
specimen = "serum"
section = "immunology"
kind = "text"

[[instruments]]
id = "C311"
name = "Chemistry"
test_map = [{{ code = "GLU", test = "GLU" }}, {{ code = "CREA", test = "CREA" }}, {{ code = "HBS", test = "HBSAG" }}]

[[instruments]]
id = "XN"
name = "Hematology"
test_map = []
{qc}"#
    )
}

/// The line of `lab_with`'s text where `qc` starts (1-based): the catalog above takes 36 lines.
const QC_LINE: usize = 37;

/// Problems as (path, line relative to the QC text's first line, 1-based).
fn problems(qc: &str) -> Vec<(String, Option<usize>, String)> {
    let err = LabConfig::from_toml_str(&lab_with(qc), "qc.toml").unwrap_err();
    err.errors
        .into_iter()
        .map(|e| (e.path, e.line.map(|l| l + 1 - QC_LINE), e.message))
        .collect()
}

const GOOD: &str = r#"[qc]
run_window_minutes = 45
screen_12s = true

[[qc.materials]]
name = "Chem control"
instruments = ["C311"]

[[qc.materials.lots]]
lot = "L1"
expiry = "2027-06-30"

[[qc.materials.lots.levels]]
level = 2
targets = [{ test = "GLU", mean = 16, sd = 0.5 }, { test = "CREA", mean = 450, sd = 15, source = "lab" }]

[[qc.materials.lots.levels]]
level = 1
targets = [{ test = "GLU", mean = 5.5, sd = 0.2, units = "mmol/L" }, { test = "CREA", mean = 90, sd = 4 }]

[[qc.tests]]
test = "CREA"
rules = ["1-3s", "2of3-2s", "R-4s", "3-1s", "6-x", "9-x", "8-x", "12-x"]
screen_12s = false
"#;

#[test]
fn a_good_qc_section_is_read() {
    let lab = LabConfig::from_toml_str(&lab_with(GOOD), "qc.toml").unwrap();
    let qc = &lab.qc;
    assert_eq!(qc.run_window_minutes, 45);
    // Levels are kept in level order whatever the file's order; integers read as numbers; the
    // unit defaults to the catalog's.
    let lot = &qc.materials[0].lots[0];
    assert_eq!(
        lot.levels.iter().map(|l| l.level).collect::<Vec<_>>(),
        [1, 2]
    );
    let t = qc.target("C311", "CREA", "L1", 2).unwrap();
    assert_eq!((t.target.mean, t.target.sd), (450.0, 15.0));
    assert_eq!(t.target.source, TargetSource::Lab);
    assert_eq!(t.units, "umol/L");
    // GLU has no own rules: the two-level multirule with the lab's screen; CREA its own, no
    // screen.
    let glu = qc.rules_for("GLU");
    assert_eq!(glu.rules, QcRuleSet::two_levels().rules);
    assert!(glu.screen_12s);
    let crea = qc.rules_for("CREA");
    assert_eq!(crea.rules.len(), 8);
    assert_eq!(crea.rules[1], WestgardRule::R2of32s);
    assert!(!crea.screen_12s);
}

#[test]
fn three_levels_default_to_the_three_level_multirule() {
    let qc = r#"[qc]
[[qc.materials]]
name = "Tri"
instruments = ["C311"]
[[qc.materials.lots]]
lot = "T1"
expiry = 2027-01-31
[[qc.materials.lots.levels]]
level = 1
targets = [{ test = "GLU", mean = 3, sd = 0.1 }]
[[qc.materials.lots.levels]]
level = 2
targets = [{ test = "GLU", mean = 6, sd = 0.2 }]
[[qc.materials.lots.levels]]
level = 3
targets = [{ test = "GLU", mean = 20, sd = 0.6 }]
"#;
    let lab = LabConfig::from_toml_str(&lab_with(qc), "qc.toml").unwrap();
    assert_eq!(lab.qc.rules_for("GLU"), QcRuleSet::three_levels());
}

#[test]
fn an_sd_of_zero_or_below_is_refused_with_its_line() {
    let qc = GOOD
        .replace(
            "{ test = \"GLU\", mean = 16, sd = 0.5 }",
            "{ test = \"GLU\", mean = 16, sd = 0 }",
        )
        .replace(
            "{ test = \"CREA\", mean = 90, sd = 4 }",
            "{ test = \"CREA\", mean = 90, sd = -4 }",
        );
    let got = problems(&qc);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (got[0].0.as_str(), got[0].1),
        ("qc.materials[0].lots[0].levels[0].targets[0].sd", Some(15))
    );
    assert!(
        got[0].2.contains("must be above zero, got 0"),
        "{}",
        got[0].2
    );
    assert_eq!(
        (got[1].0.as_str(), got[1].1),
        ("qc.materials[0].lots[0].levels[1].targets[1].sd", Some(19))
    );
}

#[test]
fn a_missing_target_is_refused() {
    // CREA has a target at level 2 and none at level 1.
    let qc = GOOD.replace(", { test = \"CREA\", mean = 90, sd = 4 }", "");
    let got = problems(&qc);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].0.as_str(), got[0].1),
        ("qc.materials[0].lots[0].levels[1].targets", Some(19))
    );
    assert_eq!(
        got[0].2,
        "missing target: CREA has one at level 2 but none at level 1 (on C311)"
    );
    // Settings for a test no material targets judge nothing.
    let qc = GOOD.replace("test = \"CREA\"\nrules", "test = \"HBSAG\"\nrules");
    let got = problems(&qc);
    assert_eq!(got[0].0, "qc.tests[0].test");
    assert!(got[0].2.contains("no QC target for \"HBSAG\""), "{got:?}");
}

#[test]
fn unknown_rules_tests_and_instruments_are_refused() {
    let qc = GOOD
        .replace("\"2of3-2s\"", "\"2-of-3\"")
        .replace("\"9-x\"", "\"1-3s\"")
        .replace(
            "instruments = [\"C311\"]",
            "instruments = [\"C311\", \"C501\"]",
        )
        .replace(
            "{ test = \"GLU\", mean = 5.5",
            "{ test = \"GLUC\", mean = 5.5",
        );
    let got: Vec<(String, Option<usize>)> =
        problems(&qc).into_iter().map(|(p, l, _)| (p, l)).collect();
    assert_eq!(
        got,
        [
            ("qc.materials[0].instruments[1]".to_owned(), Some(7)),
            // GLUC is not in the catalog; GLU now lacks its level 1 target.
            (
                "qc.materials[0].lots[0].levels[1].targets[0].test".to_owned(),
                Some(19)
            ),
            (
                "qc.materials[0].lots[0].levels[1].targets".to_owned(),
                Some(19)
            ),
            ("qc.tests[0].rules[1]".to_owned(), Some(23)),
            ("qc.tests[0].rules[5]".to_owned(), Some(23)),
        ]
    );
    let messages: Vec<String> = problems(&qc).into_iter().map(|(_, _, m)| m).collect();
    assert!(messages[0].contains("\"C501\" is not in [[instruments]]"));
    assert_eq!(
        messages[2],
        "missing target: GLU has one at level 2 but none at level 1 (on C311, C501)"
    );
    assert!(messages[3].starts_with("unknown Westgard rule \"2-of-3\""));
    assert_eq!(messages[4], "1-3s is listed twice");
}

#[test]
fn a_target_must_fit_its_instrument_and_unit() {
    let qc = GOOD
        .replace(
            "instruments = [\"C311\"]",
            "instruments = [\"C311\", \"XN\"]",
        )
        .replace("units = \"mmol/L\"", "units = \"mg/dL\"");
    let got = problems(&qc);
    let paths: Vec<&str> = got.iter().map(|(p, _, _)| p.as_str()).collect();
    // XN performs neither GLU nor CREA: each target says so; the unit is not the catalog's.
    let want: BTreeSet<&str> = [
        "qc.materials[0].lots[0].levels[1].targets[0].test",
        "qc.materials[0].lots[0].levels[1].targets[1].test",
        "qc.materials[0].lots[0].levels[0].targets[0].test",
        "qc.materials[0].lots[0].levels[0].targets[1].test",
        "qc.materials[0].lots[0].levels[1].targets[0].units",
    ]
    .into();
    assert_eq!(paths.into_iter().collect::<BTreeSet<_>>(), want, "{got:?}");
    assert!(got
        .iter()
        .any(|(_, _, m)| m == "instrument XN does not perform GLU (not in its test_map)"));
}

#[test]
fn only_1_2s_an_empty_rule_list_and_a_bad_window_are_refused() {
    let qc = GOOD
        .replace("run_window_minutes = 45", "run_window_minutes = 0")
        .replace(
            "rules = [\"1-3s\", \"2of3-2s\", \"R-4s\", \"3-1s\", \"6-x\", \"9-x\", \"8-x\", \"12-x\"]",
            "rules = [\"1-2s\"]",
        );
    let got = problems(&qc);
    assert_eq!(got[0].0, "qc.run_window_minutes");
    assert_eq!(got[0].1, Some(2));
    assert_eq!(got[1].0, "qc.tests[0].rules");
    assert!(got[1].2.contains("could never be rejected"), "{got:?}");
    let qc = GOOD.replace("screen_12s = true", "rules = []");
    let got = problems(&qc);
    assert_eq!(
        (got[0].0.as_str(), got[0].2.as_str()),
        ("qc.rules", "needs at least one rule")
    );
}

#[test]
fn a_bad_expiry_a_bad_level_and_a_text_test_are_refused() {
    let qc = GOOD
        .replace("expiry = \"2027-06-30\"", "expiry = \"30/06/2027\"")
        .replace("level = 2\n", "level = 0\n")
        .replace(
            "{ test = \"GLU\", mean = 5.5, sd = 0.2, units = \"mmol/L\" }",
            "{ test = \"HBSAG\", mean = 1, sd = 0.1 }",
        );
    let got = problems(&qc);
    let paths: Vec<&str> = got.iter().map(|(p, _, _)| p.as_str()).collect();
    assert!(paths.contains(&"qc.materials[0].lots[0].expiry"), "{got:?}");
    assert!(
        paths.contains(&"qc.materials[0].lots[0].levels[0].level"),
        "{got:?}"
    );
    assert!(
        paths.contains(&"qc.materials[0].lots[0].levels[1].targets[0].test"),
        "{got:?}"
    );
    assert!(
        got.iter().any(|(_, _, m)| m.contains("is a text test")),
        "{got:?}"
    );
}

#[test]
fn a_qc_pattern_without_a_level_is_refused_with_its_line() {
    let text = lab_with("").replace(
        "id = \"XN\"\n",
        "id = \"XN\"\nqc_specimen_pattern = \"QC-*\"\n",
    );
    let err = LabConfig::from_toml_str(&text, "qc.toml").unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    assert_eq!(err.errors[0].path, "instruments[1].qc_specimen_pattern");
    assert_eq!(err.errors[0].line, Some(35));
    assert!(err.errors[0].message.contains("has no {level}"), "{err}");
}

#[test]
fn a_type_error_in_a_material_names_the_material() {
    let qc = GOOD.replace(
        "name = \"Chem control\"",
        "name = \"Chem control\"\ncolour = \"red\"",
    );
    let got = problems(&qc);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "qc.materials[0].colour");
}

#[test]
fn the_lot_in_use_is_the_last_unexpired_one_listed_and_lot_numbers_are_unique() {
    let second_lot = r#"
[[qc.materials.lots]]
lot = "L2"
expiry = 2028-01-31

[[qc.materials.lots.levels]]
level = 1
targets = [{ test = "GLU", mean = 5.6, sd = 0.2 }, { test = "CREA", mean = 92, sd = 4 }]

[[qc.materials.lots.levels]]
level = 2
targets = [{ test = "GLU", mean = 16.2, sd = 0.5 }, { test = "CREA", mean = 455, sd = 15 }]
"#;
    let text = GOOD.replace("\n[[qc.tests]]", &format!("{second_lot}\n[[qc.tests]]"));
    let lab = LabConfig::from_toml_str(&lab_with(&text), "qc.toml").unwrap();
    let in_use = |day| {
        lab.qc
            .lot_in_use("C311", "GLU", 1, day)
            .map(|(_, l)| l.lot.as_str())
    };
    // L1 runs to 2027-06-30 and L2 to 2028-01-31: while both are usable the newer listing is in
    // use; after L2's expiry none is.
    assert_eq!(in_use(date(2027, 1, 1)), Some("L2"));
    assert_eq!(in_use(date(2027, 7, 1)), Some("L2"));
    assert_eq!(in_use(date(2028, 2, 1)), None);
    assert_eq!(
        lab.qc.target("C311", "GLU", "L2", 2).unwrap().target.mean,
        16.2
    );
    // A lot number used by two materials on one instrument could not tell a result's material.
    let clash = format!(
        "{GOOD}\n[[qc.materials]]\nname = \"Other control\"\ninstruments = [\"C311\"]\n\n\
         [[qc.materials.lots]]\nlot = \"L1\"\nexpiry = 2027-01-01\n\n\
         [[qc.materials.lots.levels]]\nlevel = 1\ntargets = [{{ test = \"GLU\", mean = 5, sd = 0.2 }}]\n"
    );
    let got = problems(&clash);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "qc.materials[1].lots[0].lot");
    assert!(
        got[0].2.contains("also a lot of \"Chem control\" on C311"),
        "{got:?}"
    );
}
