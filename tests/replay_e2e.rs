//! `lis replay` on the trace a real link wrote: the same decoding path gives the observations that
//! were stored, nothing is written to the database, and a torn tail (a crash mid-write) is
//! reported as a damaged region while the records before it still decode.

use lis_tests::analyzer::{connect, e1381_send};
use lis_tests::lab_config::{chemistry, LabConfig};
use lis_tests::{json_lines, path_arg, run_lis};
use serde_json::Value;

#[test]
fn replay_decodes_the_trace_of_a_live_link_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog()
        .link(&chemistry(&["GLU", "UREA"]))
        .write(dir.path());
    let lis = lab.serve();
    let mut analyzer = connect(lis.link_addr("CHEM"));
    e1381_send(
        &mut analyzer,
        &[
            r"H|\^&|||DEMO-CHEM|||||||P|LIS2-A2|20261123083000",
            "P|1||PID007",
            r"O|1|S6001||^^^GLU\^^^UREA|R",
            "R|1|^^^GLU|5.4|mmol/L|3.9 to 6.4|N||F||||20261123082950",
            "R|2|^^^UREA|12.5|mmol/L|2.5 to 7.5|H||F||||20261123082950",
            "L|1|N",
        ],
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));
    lis.wait_counter("CHEM", "messages_in", 1);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");

    let trace = lab.data().join("traces").join("CHEM.trace");
    let (_, journal_before, _) = lab.run(&["journal", "verify"]);

    let (code, out, err) = run_lis(&[
        "replay",
        path_arg(&trace),
        "--config",
        path_arg(lab.config()),
    ]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let messages: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "message").collect();
    assert_eq!(messages.len(), 1, "{out}");
    let m = messages[0];
    assert_eq!(m["complete"], true);
    assert_eq!(m["message_kind"], "results");
    assert_eq!(m["session"], 1);
    let obs: Vec<(String, String, String, String)> = m["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .map(|o| {
            let f = |k: &str| o[k].as_str().unwrap_or_default().to_owned();
            (
                f("specimen_id"),
                f("instrument_test_code"),
                f("value"),
                f("units"),
            )
        })
        .collect();
    let o = |a: &str, b: &str, c: &str, d: &str| {
        (a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned())
    };
    assert_eq!(
        obs,
        vec![
            o("S6001", "GLU", "5.4", "mmol/L"),
            o("S6001", "UREA", "12.5", "mmol/L")
        ]
    );
    let summary = lines.last().expect("summary");
    assert_eq!(summary["kind"], "summary");
    assert_eq!(
        (
            summary["messages"].as_u64(),
            summary["observations"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(summary["damaged"], 0);

    // The same with --profile, and the database untouched.
    let (code, again, _) = run_lis(&["replay", path_arg(&trace), "--profile", "generic-astm"]);
    assert_eq!(code, 0);
    assert_eq!(again.lines().count(), out.lines().count());
    let (_, journal_after, _) = lab.run(&["journal", "verify"]);
    assert_eq!(journal_before, journal_after);
    assert_eq!(journal_after, "OK: journal intact, 1 entries\n");

    // A crash in the middle of writing a record leaves a torn tail: reported, the rest decodes.
    let mut bytes = std::fs::read(&trace).expect("read trace");
    bytes.extend_from_slice(&[0xD1, 0x40, 0x00]);
    std::fs::write(&trace, &bytes).expect("write trace");
    let (code, out, err) = run_lis(&["replay", path_arg(&trace), "--profile", "generic-astm"]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let damaged: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "damaged").collect();
    assert_eq!(damaged.len(), 1, "{out}");
    assert_eq!(damaged[0]["torn_tail"], true);
    assert_eq!(
        damaged[0]["offset"].as_u64(),
        u64::try_from(bytes.len() - 3).ok()
    );
    assert_eq!(lines.iter().filter(|l| l["kind"] == "message").count(), 1);
}

/// A vendor text link (the Spotchem EL printer port) replays through the same decoder: the
/// capture's printout gives its three results, and a printout that does not read gives its error.
#[test]
fn replay_decodes_a_spotchem_printer_trace() {
    use std::io::Write;

    use lis_tests::lab_config::{Link, Protocol};

    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog()
        .link(&Link::tcp_server(
            "SPOT",
            "Spotchem EL",
            "arkray-spotchem-el",
            Protocol::Spotchem,
        ))
        .write(dir.path());
    let lis = lab.serve();
    let mut analyzer = connect(lis.link_addr("SPOT"));
    let capture = std::fs::read(lis_tests::corpus(
        "astm/arkray-spotchem-el/spotchem_el_native_nonastm.raw",
    ))
    .expect("the corpus capture");
    analyzer.write_all(&capture).expect("write");
    // No `ID#` where the third word should be (byte 16).
    analyzer
        .write_all(b"\x0224/10/29 13:09 XX 2 [B] Na 140 mmol/L\x03\n")
        .expect("write");
    lis.wait_counter("SPOT", "messages_in", 2);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");

    let trace = lab.data().join("traces").join("SPOT.trace");
    let (code, out, err) = run_lis(&[
        "replay",
        path_arg(&trace),
        "--profile",
        "arkray-spotchem-el",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let messages: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "message").collect();
    assert_eq!(messages.len(), 2, "{out}");
    // Read off the capture: `ID# 1DC042FP`, `Na 131 mmol/L`, `K 9.7 mmol/L`, `Cl 96 mmol/L`.
    let obs: Vec<(String, String, String)> = messages[0]["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .map(|o| {
            let f = |k: &str| o[k].as_str().unwrap_or_default().to_owned();
            assert_eq!(f("specimen_id"), "1DC042FP");
            (f("instrument_test_code"), f("value"), f("units"))
        })
        .collect();
    let o = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        obs,
        vec![
            o("Na", "131", "mmol/L"),
            o("K", "9.7", "mmol/L"),
            o("Cl", "96", "mmol/L")
        ]
    );
    let error = messages[1]["error"].as_str().unwrap_or_default();
    assert!(error.contains("byte 16: expected `ID#`"), "{error}");
}

/// The urine strip reader's link replays through the one vendor path: the corpus printout gives
/// one observation per pad, a graded pad's grade with its concentration beside it, and a
/// printout that does not read gives the line where reading stopped.
#[test]
fn replay_decodes_a_urine_strip_printer_trace() {
    use std::io::Write;

    use lis_tests::lab_config::{Link, Protocol};

    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog()
        .link(&Link::tcp_server(
            "STRIP",
            "BioMaxima urine strip reader",
            "biomaxima-urine-strip",
            Protocol::UrineStrip,
        ))
        .write(dir.path());
    let lis = lab.serve();
    let mut analyzer = connect(lis.link_addr("STRIP"));
    let capture = std::fs::read(lis_tests::testdata(
        "corpus/biomaxima-urine/urine_strip_printout_2024-10-29.raw",
    ))
    .expect("the corpus capture");
    analyzer.write_all(&capture).expect("write");
    // The `ID:` line lost: the printout starts at `NO.` (line 1, byte 4 after STX DC1 CR LF).
    analyzer
        .write_all(b"\x02\x11\r\nNO.006069  2024-10-29\r\n             15:56:02\r\n\x03")
        .expect("write");
    lis.wait_counter("STRIP", "messages_in", 2);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");

    let trace = lab.data().join("traces").join("STRIP.trace");
    let (code, out, err) = run_lis(&[
        "replay",
        path_arg(&trace),
        "--profile",
        "biomaxima-urine-strip",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let messages: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "message").collect();
    assert_eq!(messages.len(), 2, "{out}");
    let obs = messages[0]["observations"]
        .as_array()
        .expect("observations");
    // Read off the printout: `ID:1210009192`, fifteen pads, `Color:` and `Clarity:` empty.
    assert_eq!(obs.len(), 15, "{out}");
    assert!(obs.iter().all(|o| o["specimen_id"] == "1210009192"));
    let pad = |code: &str| {
        obs.iter()
            .find(|o| o["instrument_test_code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {out}"))
    };
    // `*BIL +2     33 umol/L`: the grade, abnormal, its concentration beside it.
    let bil = pad("BIL");
    assert_eq!(
        (bil["value"].as_str(), bil["units"].as_str()),
        (Some("+2"), Some(""))
    );
    assert_eq!(bil["flags"], serde_json::json!(["A"]));
    assert_eq!(
        bil["supplementary"],
        serde_json::json!([{
            "name": "concentration", "value": "33", "units": "umol/L", "flags": ["A"],
        }])
    );
    // ` SG        1.015`: no grade, the value itself, nothing beside it.
    let sg = pad("SG");
    assert_eq!(sg["value"], "1.015");
    assert_eq!(sg["supplementary"], serde_json::json!([]));
    let error = messages[1]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("line 1 (byte 4): expected `ID:` and the sample id"),
        "{error}"
    );
}

/// A Sysmex class A link replays through the same decoder: the first sample of the XS-500i
/// capture (its `D1U` then its `D2U`), sent to a live `sysmex-text` link, reads back from the
/// trace with the values the capture holds.
#[test]
fn replay_decodes_an_xs500i_class_a_trace() {
    use std::io::Write;

    use lis_tests::lab_config::{Link, Protocol};

    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog()
        .link(&Link::tcp_server(
            "XS",
            "Sysmex XS-500i",
            "sysmex-xs500i-text",
            Protocol::SysmexText,
        ))
        .write(dir.path());
    let lis = lab.serve();
    let mut analyzer = connect(lis.link_addr("XS"));
    let capture = std::fs::read(lis_tests::corpus(
        "astm/sysmex-xs500i/xs500i_native_class_a_d1u_d2u_host_log_2018-07-26_extract.txt",
    ))
    .expect("the corpus capture");
    // The capture's first two texts, STX to ETX, without the log's lines around them.
    let mut texts = Vec::new();
    let mut rest = capture.as_slice();
    for _ in 0..2 {
        let start = rest.iter().position(|&b| b == 0x02).expect("an STX");
        let end = start
            + rest[start..]
                .iter()
                .position(|&b| b == 0x03)
                .expect("an ETX");
        texts.extend_from_slice(&rest[start..=end]);
        rest = &rest[end + 1..];
    }
    assert!(
        texts.starts_with(b"\x02D1U"),
        "the capture starts with a D1U"
    );
    analyzer.write_all(&texts).expect("write");
    lis.wait_counter("XS", "messages_in", 2);
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");

    let trace = lab.data().join("traces").join("XS.trace");
    let (code, out, err) = run_lis(&[
        "replay",
        path_arg(&trace),
        "--profile",
        "sysmex-xs500i-text",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let messages: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "message").collect();
    assert_eq!(messages.len(), 2, "{out}");
    // The D1U holds no results: sample 00109558, analysed `20180726145900`.
    assert_eq!(messages[0]["message_kind"], "other", "{out}");
    // The D2U after it: `011170` WBC 11.17, `003860` RBC 3.86, ..., `000982` LYMPH% 9.8 with flag
    // digit 2 (low); 24 parameters kept and the six reticulocyte places left out.
    let obs = messages[1]["observations"]
        .as_array()
        .expect("observations");
    assert_eq!(obs.len(), 24, "{out}");
    let find = |code: &str| {
        obs.iter()
            .find(|o| o["instrument_test_code"] == code)
            .unwrap_or_else(|| panic!("no {code}: {out}"))
    };
    for (code, value, flags) in [
        ("WBC", "11.17", serde_json::json!([])),
        ("RBC", "3.86", serde_json::json!([])),
        ("LYMPH%", "9.8", serde_json::json!(["L"])),
    ] {
        let o = find(code);
        assert_eq!(o["specimen_id"], "00109558", "{o}");
        assert_eq!(o["value"], value, "{o}");
        assert_eq!(o["flags"], flags, "{o}");
    }
    assert_eq!(
        messages[1]["skipped"].as_array().map(Vec::len),
        Some(6),
        "{out}"
    );
}
