use super::*;

#[test]
fn every_embedded_profile_loads_and_covers_the_disciplines() {
    let set = ProfileSet::embedded().unwrap();
    let names: Vec<&str> = set.names().collect();
    assert_eq!(
        names,
        vec![
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
        ]
    );
    let p = set.get("abbott-architect").unwrap();
    assert_eq!(p.keep[0].field.to_string(), "R-3.11");
    assert_eq!(p.cut_code("580"), "580");
    let c311 = set.get("roche-cobas-c311").unwrap();
    assert_eq!(c311.cut_code("685/"), "685");
    let e411 = set.get("roche-cobas-e411").unwrap();
    assert_eq!(e411.cut_code("140/1/not"), "140");
    assert_eq!(e411.map_flag("LL"), "L");
    assert_eq!(e411.map_flag("N"), "N");
    for d in [
        "hematology",
        "chemistry",
        "immunoassay",
        "molecular",
        "blood bank",
        "microbiology",
        "coagulation",
        "urinalysis",
    ] {
        assert!(
            names.iter().any(|n| set.get(n).unwrap().discipline == d),
            "{d}"
        );
    }
}

const MINIMAL: &str = r#"
name = "mine"
protocol = "astm"
framing = "e1381"
specimen = "O-3"
test_code = "R-3.4"
"#;

#[test]
fn a_lab_profile_needs_only_the_locations() {
    let p = Profile::from_toml(MINIMAL, "mine.toml").unwrap();
    assert_eq!(p.max_frame_len, 247);
    assert_eq!(p.value_at().first().unwrap().to_string(), "R-4.1");
    assert!(!p.query.supported);
}

#[test]
fn invalid_profiles_say_what_and_where() {
    let err = Profile::from_toml(&MINIMAL.replace("e1381", "mllp"), "a.toml").unwrap_err();
    assert!(
        matches!(&err, ProfileError::Invalid { field, .. } if field == "framing"),
        "{err}"
    );

    let err = Profile::from_toml(&MINIMAL.replace("R-3.4", "OBX-3.1"), "b.toml").unwrap_err();
    assert!(
        matches!(&err, ProfileError::Invalid { field, .. } if field == "test_code"),
        "{err}"
    );

    let err = Profile::from_toml(&MINIMAL.replace("R-3.4", "R3"), "c.toml").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("c.toml") && text.contains("R3"), "{text}");

    let err =
        Profile::from_toml(&format!("{MINIMAL}\nspecimen_at = \"O-3\"\n"), "d.toml").unwrap_err();
    assert!(err.to_string().contains("specimen_at"), "{err}");

    let query = format!("{MINIMAL}\n[query]\nsupported = true\n");
    let err = Profile::from_toml(&query, "e.toml").unwrap_err();
    assert!(
        matches!(&err, ProfileError::Invalid { field, .. } if field == "query.specimen"),
        "{err}"
    );
}

#[test]
fn lab_profiles_in_a_directory_replace_embedded_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mine = MINIMAL
        .replace("\"mine\"", "\"sysmex-xn\"")
        .replace("R-3.4", "R-3.6");
    std::fs::write(dir.path().join("sysmex.toml"), mine).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a profile").unwrap();
    let mut set = ProfileSet::embedded().unwrap();
    set.load_dir(dir.path()).unwrap();
    let p = set.get("sysmex-xn").unwrap();
    assert_eq!(p.test_code.first().unwrap().to_string(), "R-3.6");
}

#[test]
fn a_vendor_profile_names_its_value_and_fits_its_framing() {
    let vendor = r#"
name = "v"
protocol = "vendor"
framing = "dimension"
specimen = "R-3"
test_code = "T-1"
value = "T-2"
"#;
    let p = Profile::from_toml(vendor, "v.toml").unwrap();
    assert_eq!(
        p.framing.link_protocol(),
        crate::config::Protocol::Dimension
    );
    let no_value = vendor.replace("value = \"T-2\"\n", "");
    assert!(matches!(
        Profile::from_toml(&no_value, "v.toml"),
        Err(ProfileError::Invalid { field, .. }) if field == "value"
    ));
    let astm_framing = vendor.replace("\"dimension\"", "\"e1381\"");
    assert!(matches!(
        Profile::from_toml(&astm_framing, "v.toml"),
        Err(ProfileError::Invalid { field, .. }) if field == "framing"
    ));
    // A sample request answers only on a Dimension link.
    let query = format!(
        "{vendor}[query]\nsupported = true\nspecimen = \"I-1\"\nanswer = \"sample-request\"\n"
    );
    assert!(Profile::from_toml(&query, "v.toml").is_ok());
    let text = query.replace("\"dimension\"", "\"sysmex-text\"");
    assert!(matches!(
        Profile::from_toml(&text, "v.toml"),
        Err(ProfileError::Invalid { field, .. }) if field == "query.answer"
    ));
    // Orders go only to a Dimension.
    let download = format!("{vendor}[query]\ndownload = true\n");
    assert!(Profile::from_toml(&download, "v.toml").is_ok());
    let text = download.replace("\"dimension\"", "\"sysmex-text\"");
    assert!(matches!(
        Profile::from_toml(&text, "v.toml"),
        Err(ProfileError::Invalid { field, .. }) if field == "query.download"
    ));
}

#[test]
fn value_before_cuts_an_escaped_component_and_digit_grouping_removes_thousands() {
    let p = Profile::from_toml(
        &format!("{MINIMAL}value_before = \"^\"\ndigit_grouping = \",\"\n"),
        "v.toml",
    )
    .unwrap();
    // cobas IT middleware: `34\S\` and `1\S\2.14` read as `34^` and `1^2.14`.
    assert_eq!(p.clean_value("34^".to_owned()), "34");
    assert_eq!(p.clean_value("1^2.14".to_owned()), "1");
    assert_eq!(p.clean_value("???^???".to_owned()), "???");
    // Abbott m2000: `90,410` copies/mL is ninety thousand four hundred and ten.
    assert_eq!(p.clean_value("90,410".to_owned()), "90410");
    assert_eq!(p.clean_value("1,234,567.5".to_owned()), "1234567.5");
    assert_eq!(p.clean_value(">10,000,000".to_owned()), ">10000000");
    // Not digit groups of three: kept as sent (a decimal comma stays one).
    for kept in [
        "7,41",
        "1,2345",
        "12,34,567",
        "Not detected",
        "96",
        ",410",
        "1,000.",
        "",
    ] {
        assert_eq!(p.clean_value(kept.to_owned()), kept, "{kept}");
    }
    let plain = Profile::from_toml(MINIMAL, "plain.toml").unwrap();
    assert_eq!(plain.clean_value("90,410".to_owned()), "90,410");
    assert_eq!(plain.clean_value("1^2.14".to_owned()), "1^2.14");

    let err =
        Profile::from_toml(&format!("{MINIMAL}digit_grouping = \".\"\n"), "g.toml").unwrap_err();
    assert!(
        matches!(&err, ProfileError::Invalid { field, .. } if field == "digit_grouping"),
        "{err}"
    );
}

#[test]
fn ends_with_matches_a_suffix() {
    let p = Profile::from_toml(
        &format!("{MINIMAL}keep = [{{ field = \"R-3.4\", ends_with = [\"Interp\"] }}]\n"),
        "e.toml",
    )
    .unwrap();
    let rule = &p.keep[0];
    assert!(rule.matches("ABOD Full Interp"));
    assert!(rule.matches("Screen Interp"));
    assert!(!rule.matches("Anti-A"));
    assert!(!rule.matches("Interpretation"));
}

#[test]
fn simulator_delimiters_keep_the_component_caret() {
    let with = |d: &str| {
        Profile::from_toml(
            &format!("{MINIMAL}\n[simulator]\ndelimiters = {d:?}\n"),
            "d.toml",
        )
    };
    // GeneXpert's `@^\`: repeat `@`, component `^`, escape `\`.
    assert!(with("@^\\").is_ok());
    assert!(with("\\^&").is_ok());
    for bad in ["\\!~", "@^@", "|^\\", "@^", "ab^"] {
        let err = with(bad).unwrap_err();
        assert!(
            matches!(&err, ProfileError::Invalid { field, .. } if field == "simulator.delimiters"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn a_vendor_framing_takes_no_locations_and_only_the_vendor_protocol() {
    let vendor = "name = \"v\"\nprotocol = \"vendor\"\nframing = \"advia\"\n";
    let p = Profile::from_toml(vendor, "v.toml").unwrap();
    assert_eq!(p.framing.link_protocol(), crate::config::Protocol::Advia);
    let located = format!("{vendor}specimen = [\"O-3\"]\n");
    match Profile::from_toml(&located, "v.toml") {
        Err(ProfileError::Invalid { field, reason, .. }) => {
            assert_eq!(field, "specimen");
            assert!(reason.contains("fixed by lis-vendor"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let astm = "name = \"v\"\nprotocol = \"astm\"\nframing = \"vidas\"\nspecimen = [\"O-3\"]\ntest_code = [\"R-3\"]\n";
    assert!(matches!(
        Profile::from_toml(astm, "v.toml"),
        Err(ProfileError::Invalid { field, .. }) if field == "framing"
    ));
}

/// The README's profile table: one row per shipped profile, naming its discipline, its protocol
/// family and its usual connection as the profile itself says them.
#[test]
fn the_readme_table_has_a_row_for_every_profile_as_it_is() {
    let readme = include_str!("../../../README.md");
    let header = "| profile | analyzer | discipline | protocol | usual connection |";
    let table = readme
        .split_once(header)
        .expect("the README's profile table")
        .1;
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let set = ProfileSet::embedded().unwrap();
    let mut named: Vec<&str> = rows.iter().map(|r| r[0].trim_matches('`')).collect();
    named.sort_unstable();
    assert_eq!(named, set.names().collect::<Vec<_>>());
    for row in &rows {
        let [name, _, discipline, protocol, connection] = row[..] else {
            panic!("README row with other than five cells: {row:?}");
        };
        let profile = set.get(name.trim_matches('`')).unwrap();
        assert_eq!(discipline, profile.discipline, "{name}: discipline");
        let family_ok = match profile.protocol {
            MessageProtocol::Astm => protocol.starts_with("ASTM"),
            MessageProtocol::Hl7 => protocol.starts_with("HL7"),
            MessageProtocol::Vendor => protocol.contains("not ASTM"),
        };
        assert!(family_ok, "{name}: protocol {protocol:?}");
        let connection_ok = match profile.connection {
            UsualConnection::Serial => connection == "RS-232",
            UsualConnection::Tcp => connection.starts_with("TCP"),
        };
        assert!(connection_ok, "{name}: usual connection {connection:?}");
    }
}

#[test]
fn vendor_profiles_take_supplementary_rules_on_their_records_or_measurements() {
    let embedded = |name: &str| {
        EMBEDDED
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, text)| (*text).to_owned())
            .unwrap()
    };
    // The Dimension's reader reads its records through the profile, supplementary rows too.
    let rule =
        "\n[[supplementary]]\nwhen = [{ field = \"T-1\", equals = [\"RISK\"] }]\nname = \"x\"\n";
    assert!(check::check(&format!("{}{rule}", embedded("siemens-dimension.toml"))).is_ok());
    // A fixed layout reads each measurement as the `M` record.
    let advia = embedded("siemens-advia2120.toml");
    let (head, tail) = advia.split_at(advia.find("quirks").unwrap());
    let with = |extra: &str| format!("{head}{extra}\n{tail}");
    let skip = "skip = [{ field = \"M-2\", equals = [\"9\"] }]";
    let rule = "\n[[supplementary]]\nwhen = [{ field = \"M-2\", equals = [\"9\"] }]\nname = \"HDW\"\ntest = \"3\"\n";
    assert!(check::check(&format!("{}{rule}", with(skip))).is_ok());
    // Without `keep` or `skip` the rule would never apply; a record that is not `M` is no
    // measurement's.
    let keys = |text: String| -> Vec<String> {
        check::check(&text)
            .unwrap_err()
            .into_iter()
            .map(|p| p.key)
            .collect()
    };
    assert_eq!(keys(format!("{advia}{rule}")), ["supplementary"]);
    assert_eq!(
        keys(format!(
            "{}{rule}",
            with("skip = [{ field = \"T-2\", equals = [\"9\"] }]")
        )),
        ["skip"]
    );
}

#[test]
fn graph_rules_are_checked_with_their_key_and_line() {
    let text = r#"name = "graphs"
protocol = "astm"
framing = "e1381"
specimen = ["O-3"]
test_code = ["R-3"]

[[graph]]
when = [{ field = "M-3", equals = ["HISTOGRAM"] }]
name_from = "M-5"
encoding = "float-stream"
data = ["M-7"]

[[graph]]
when = [{ field = "O-3", equals = ["X"] }]
encoding = "hl7-ed"
kind = "histogram"

[[graph]]
when = [{ field = "M-3", equals = ["MATRIX"] }]
name = "LMNE"
encoding = "bitmap"
"#;
    let problems = check::check(text).unwrap_err();
    let said: Vec<(String, Option<usize>)> =
        problems.iter().map(|p| (p.key.clone(), p.line)).collect();
    // The unknown encoding is a TOML problem of `graph` (its table); the rest are the rules'.
    assert!(
        problems
            .iter()
            .any(|p| p.key.starts_with("graph") && p.message.contains("bitmap")),
        "{problems:?}"
    );
    let text = text.replace("\"bitmap\"", "\"float-stream\"");
    let problems = check::check(&text).unwrap_err();
    let said2: Vec<String> = problems.iter().map(ToString::to_string).collect();
    for expected in [
        // One data field where the markers and the curve are two.
        "graph[0].data: `float-stream` needs two locations",
        "graph[0].kind: `float-stream` needs `kind",
        // An O record is not a row; no name; an HL7 encoding in ASTM; `kind` without
        // `float-stream`.
        "graph[1].when: graphs are rows: the rules name R or M, not `O`",
        "graph[1]: give `name_from`",
        "graph[1].encoding: `hl7-ed` reads HL7 messages",
        "graph[1].kind: `kind` is for `float-stream`",
        "graph[2].data: `float-stream` needs two locations",
    ] {
        assert!(
            said2.iter().any(|s| s.contains(expected)),
            "{expected:?} not in {said2:#?} ({said:?})"
        );
    }
    // Each with the line of its key.
    let data = problems.iter().find(|p| p.key == "graph[0].data").unwrap();
    assert_eq!(data.line, Some(11));
    let kind = problems.iter().find(|p| p.key == "graph[1].kind").unwrap();
    assert_eq!(kind.line, Some(16));
}

#[test]
fn a_rule_for_the_result_before_takes_no_test_of_its_own() {
    let pro = EMBEDDED
        .iter()
        .find(|(file, _)| *file == "roche-cobas-pro.toml")
        .map(|(_, text)| (*text).to_owned())
        .unwrap();
    assert!(check::check(&pro).is_ok());
    // The shipped rule names its result by place; naming a test too is a contradiction.
    let both = pro.replace(
        "of_result_before = true",
        "of_result_before = true\ntest_code = \"OBX-3.1\"",
    );
    let problems = check::check(&both).unwrap_err();
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["supplementary[0].of_result_before"]);
}
