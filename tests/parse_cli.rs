//! `lis parse` on captures and messages. Every expected value below was read off the input file by
//! hand (the files' builders are described in testdata/README.md).

use lis_tests::{corpus, json_lines, path_arg, run_lis, testdata};

#[test]
fn e1381_capture_gives_one_message_with_every_result() {
    let file = testdata("astm/demo/cbc_e1381_capture.astm");
    let (code, stdout, stderr) = run_lis(&["parse", path_arg(&file)]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let messages = json_lines(&stdout);
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["protocol"], "astm");
    assert_eq!(m["framing"], "e1381");
    // ENQ is byte 0; the first frame's STX is byte 1.
    assert_eq!(m["offset"], 1);
    let records = m["records"].as_array().expect("records");
    assert_eq!(records.len(), 9, "H P O 5xR L");
    assert_eq!(records[0][0], "H");
    assert_eq!(records[1][5], "NGUYEN^VAN AN");
    let results = m["results"].as_array().expect("results");
    assert_eq!(results.len(), 5);
    assert_eq!(
        results[0],
        serde_json::json!({
            "specimen_id": "2611230001", "test_code": "WBC", "value": "7.45", "units": "10^9/L",
            "reference_range": "4.0 to 10.0", "flags": ["N"], "status": "F",
            "observed_at": "2026-11-23T08:29:50"
        })
    );
    // The second frame ends inside the HCT record's timestamp ("2026" | "1123082950"): the ETB
    // continuation must be rejoined.
    assert_eq!(results[3]["test_code"], "HCT");
    assert_eq!(results[3]["observed_at"], "2026-11-23T08:29:50");
    assert_eq!(results[4]["test_code"], "PLT");
    assert_eq!(results[4]["value"], "95");
    assert_eq!(results[4]["flags"], serde_json::json!(["L"]));
}

#[test]
fn bad_checksum_is_reported_and_fails_the_run() {
    let file = testdata("astm/demo/glu_bad_checksum_capture.astm");
    let (code, stdout, _) = run_lis(&["parse", path_arg(&file)]);
    assert_eq!(
        code, 1,
        "a frame with a bad checksum must not pass silently"
    );
    let messages = json_lines(&stdout);
    assert_eq!(messages.len(), 1);
    let diagnostics = messages[0]["diagnostics"].to_string();
    // The frame says A6; FN + text + ETX sum to 0xA5 (computed by hand with the builder).
    assert!(diagnostics.contains("checksum"), "{diagnostics}");
    assert!(
        diagnostics.contains("A5") && diagnostics.contains("A6"),
        "{diagnostics}"
    );
    // The text is still shown, so the technician sees what arrived.
    assert_eq!(messages[0]["results"][0]["value"], "5.4");
}

#[test]
fn hl7_over_mllp_keeps_vietnamese_names_and_finds_specimens() {
    let file = testdata("hl7/demo/oru_r01_mllp_vietnamese.hl7");
    let (code, stdout, stderr) = run_lis(&["parse", path_arg(&file)]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let messages = json_lines(&stdout);
    assert_eq!(messages.len(), 2);
    let first = &messages[0];
    assert_eq!(first["protocol"], "hl7");
    assert_eq!(first["framing"], "mllp");
    assert_eq!(first["offset"], 0);
    let pid = first["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .find(|s| s[0] == "PID")
        .expect("PID");
    assert_eq!(pid[5], "NGUYỄN^VĂN AN");
    let results = first["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    // No SPM or SAC: the specimen is OBR-3.
    assert_eq!(
        results[0],
        serde_json::json!({
            "specimen_id": "2611230003", "test_code": "GLU", "value": "6,2", "units": "mmol/L",
            "reference_range": "3.9-6.4", "flags": ["N"], "status": "F",
            "observed_at": "2026-11-23T09:12:00"
        })
    );
    assert_eq!(results[1]["flags"], serde_json::json!(["H"]));
    assert_eq!(results[2]["value"], "Negative");
    assert_eq!(results[2]["flags"], serde_json::json!([]));

    let second = &messages[1];
    // VT (byte 0), the first message's 436 UTF-8 bytes (1..=436), FS (437) and CR (438).
    assert_eq!(second["offset"], 439);
    let results = second["results"].as_array().expect("results");
    assert_eq!(results[0]["specimen_id"], "2611230004", "SPM-2 wins");
    assert_eq!(results[0]["value"], "2.15", "surrounding spaces trimmed");
    assert_eq!(
        results[0]["flags"],
        serde_json::json!(["N"]),
        "empty repetition dropped"
    );
}

#[test]
fn summary_counts_results_and_the_bench_checksum() {
    let file = testdata("astm/demo/cbc_e1381_capture.astm");
    let (code, stdout, _) = run_lis(&["parse", "--summary", path_arg(&file)]);
    assert_eq!(code, 0);
    // Per result: len(R-3 comp 4) + len(R-4) + len(R-5 whole) + len(R-7):
    // WBC 3+4+6+1=14, RBC 3+4+7+1=15, HGB 3+3+3+1=10, HCT 3+4+3+1=11, PLT 3+2+6+1=12 -> 62.
    let first = stdout.lines().next().unwrap_or_default();
    assert_eq!(first, "results=5 checksum=62");
    assert!(stdout
        .lines()
        .nth(1)
        .unwrap_or_default()
        .starts_with("parse_s="));
}

#[test]
fn garbage_gives_an_error_line_and_exit_status_1() {
    let file = corpus("astm/arkray-spotchem-el/spotchem_el_native_nonastm.raw");
    let (code, stdout, _) = run_lis(&["parse", "--format", "astm", path_arg(&file)]);
    assert_eq!(code, 1);
    let messages = json_lines(&stdout);
    assert!(!messages.is_empty());
    assert!(
        messages.iter().any(|m| m.get("error").is_some()),
        "{stdout}"
    );
    assert!(messages.iter().all(|m| m.get("offset").is_some()));
}

#[test]
fn every_corpus_message_parses_or_fails_cleanly() {
    // Real analyzer files that are ASTM or HL7 must parse without an error line.
    for file in [
        "astm/sysmex-xn550/xn550_cbc.astm",
        "astm/roche-cobas-c311/c311_multi_result_single_frame.astm",
        "astm/horiba-pentra-xlr/pentra_xlr_cbc_flags.astm",
        "astm/horiba-yumizen-h500/yumizen_h500_wire_frames_etb.astm",
        "astm/cepheid-genexpert/genexpert_mtb_rif.astm",
        "astm/abbott-architect-i1000sr/architect_5_messages_lf.astm",
        "astm/beckman-dxh/dxh_cbc_result_1.astm",
        "hl7/roche-cobas-pro/cobas_pro_c503_oul_r22_result_middot_lf.hl7",
        "hl7/mindray-bc5380/bc5380_manual_c33_oru_r01_patient_lf.hl7",
        "hl7/roche-cobas-8000-citm/citm_oul_r21_2024_hiv_escapes_zsegs.hl7",
    ] {
        let p = corpus(file);
        let (code, stdout, stderr) = run_lis(&["parse", path_arg(&p)]);
        assert_eq!(code, 0, "{file}: {stdout} {stderr}");
        assert!(!stdout.is_empty(), "{file}");
    }
    // Sysmex puts its sample number right-aligned in O-4 and the code in R-3 component 5.
    let (_, stdout, _) = run_lis(&[
        "parse",
        path_arg(&corpus("astm/sysmex-xn550/xn550_cbc.astm")),
    ]);
    let m = &json_lines(&stdout)[0];
    assert_eq!(m["results"][0]["specimen_id"], "27");
    assert_eq!(m["results"][0]["test_code"], "WBC");
    assert_eq!(m["results"][0]["value"], "8.13");
    // Architect: five H..L messages back to back, LF separated.
    let (_, stdout, _) = run_lis(&[
        "parse",
        path_arg(&corpus(
            "astm/abbott-architect-i1000sr/architect_5_messages_lf.astm",
        )),
    ]);
    assert_eq!(json_lines(&stdout).len(), 5);
}

#[test]
fn a_rendered_maglumi_monitor_log_reads_as_bare_frames() {
    // The log shows control bytes as `[STX]`, `[CR]`... tokens, splits records over the monitor's
    // read chunks and has MAGLUMI's frames without frame number or checksum.
    let file = corpus("astm/snibe-maglumi/maglumi_thyroid_serial_monitor_log.txt");
    let (code, stdout, stderr) = run_lis(&["parse", path_arg(&file)]);
    assert_eq!(code, 0, "stdout: {stdout} stderr: {stderr}");
    let lines = json_lines(&stdout);
    assert!(lines[0]["notice"]
        .as_str()
        .is_some_and(|n| n.starts_with("a rendered monitor log")));
    let messages: Vec<_> = lines
        .iter()
        .filter(|l| l.get("records").is_some())
        .collect();
    // 26 transmissions, each H P O R R R L.
    assert_eq!(messages.len(), 26);
    assert!(messages.iter().all(|m| m["framing"] == "e1381-bare"));
    let first = &messages[0]["results"];
    assert_eq!(first.as_array().map(Vec::len), Some(3));
    assert_eq!(
        first[0],
        serde_json::json!({
            "specimen_id": "25059232", "test_code": "TT3 II", "value": "1.171",
            "units": "ng/mL", "reference_range": "0.75 to 2.1", "flags": ["N"], "status": "",
            "observed_at": "2025-06-30T15:11:57"
        })
    );
    // The second message's TSH record is split over two monitor lines inside R-13.
    assert_eq!(messages[1]["results"][2]["value"], "3.53");
    assert_eq!(
        messages[1]["results"][2]["observed_at"],
        "2025-06-30T18:58:14"
    );
}

#[test]
fn oru_r01_with_the_spm_after_its_observations_takes_the_specimen_from_spm_2() {
    // HL7 v2.5.1 §7.3.1: ORDER_OBSERVATION ends with its SPECIMEN group (SPM after the OBX).
    // Two orders, each with its own SPM after its OBX; OBR-3 holds the filler numbers F1, F2.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("oru_spm_after.hl7");
    std::fs::write(
        &file,
        "MSH|^~\\&|AN||LIS||20261207080000||ORU^R01|1|P|2.5.1\rPID|1\r\
ORC|RE\rOBR|1||F1\rOBX|1|NM|GLU||5.5|mmol/L\rSPM|1|S-001\r\
ORC|RE\rOBR|2||F2\rOBX|1|NM|HBA1C||6.1|%\rSPM|1|S-002\r",
    )
    .expect("write");
    let (code, stdout, stderr) = run_lis(&["parse", path_arg(&file)]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let messages = json_lines(&stdout);
    let results = messages[0]["results"].as_array().expect("results");
    let specimens: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["specimen_id"].as_str().unwrap_or("-"),
                r["test_code"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(specimens, [("S-001", "GLU"), ("S-002", "HBA1C")]);
}
