//! Corpus files that are logs of a link (`[STX]`/`<STX>` renderings) or not ASTM at all. Expected values were read off the
//! corpus bytes by hand (grep / cat -v), not produced by this crate.

mod common;

use common::{
    check, corpus, deframe, derender_angle_rows, derender_brackets, kinds, parse, r_count,
    split_messages,
};
use lis_astm::error::ParseError;
use lis_astm::extract::results;
use lis_astm::message::{parse_message, DiagnosticKind};
use lis_astm::record::RecordType;

#[test]
fn maglumi_log_without_frame_numbers() {
    let text = deframe(
        &derender_brackets(&corpus(
            "snibe-maglumi/maglumi_thyroid_serial_monitor_log.txt",
        )),
        false,
    );
    let messages = split_messages(&text);
    assert_eq!(messages.len(), 26);
    let (m, d) = parse(messages[0]);
    assert!(d.is_empty(), "{d:?}");
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    let tests: Vec<&str> = o.tests().map(|t| t.code()).collect();
    assert_eq!(tests, ["TT3 II", "TT4 II", "TSH II"]);
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "25059232",
        "TT3 II",
        "1.171",
        "ng/mL",
        &["N"],
        "",
        Some("2025-06-30T15:11:57"),
    );
    assert_eq!(rows[0].reference_range, "0.75 to 2.1");
    assert_eq!(
        m.header_record()
            .unwrap()
            .as_header()
            .unwrap()
            .timestamp()
            .unwrap()
            .to_string(),
        "2025-07-01"
    );
}

#[test]
fn mindray_bs240_running_counters() {
    let text = deframe(
        &derender_brackets(&corpus("mindray-bs240/bs240_astm_monitor_log.txt")),
        true,
    );
    let messages = split_messages(&text);
    assert_eq!(messages.len(), 157);
    let processing: Vec<String> = messages
        .iter()
        .map(|b| {
            parse(b)
                .0
                .header_record()
                .unwrap()
                .as_header()
                .unwrap()
                .processing_id()
                .to_owned()
        })
        .collect();
    assert_eq!(processing.iter().filter(|p| *p == "PR").count(), 114);
    assert_eq!(processing.iter().filter(|p| *p == "QR").count(), 43);
    let (m, d) = parse(messages[0]);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(r_count(&m), 21);
    let p = m
        .records_of(RecordType::Patient)
        .next()
        .unwrap()
        .as_patient()
        .unwrap();
    assert_eq!(p.sequence(), "475");
    let rows: Vec<_> = results(&m).collect();
    // Test ID `P^Phosphorus^^F`: component 4 is `F`, so the generic rule yields `F`.
    // `|F|2.837141^^^^|0|20250701172002||Mindry^`: the time is R-12, R-13 is empty.
    check(
        &rows[0],
        "7",
        "F",
        "2.837141^^^^",
        "mg/dL",
        &["N"],
        "F",
        None,
    );
}

#[test]
fn cobas_e411_host_log() {
    let text = deframe(
        &derender_angle_rows(&corpus(
            "roche-cobas-e411/e411_host_log_2015_query_download_results.log",
        )),
        true,
    );
    let messages = split_messages(&text);
    assert_eq!(messages.len(), 358);
    let (m, d) = parse(messages[0]);
    assert_eq!(kinds(&d), [DiagnosticKind::RepeatDelimiterMissing]);
    let rows: Vec<_> = results(&m).collect();
    check(
        &rows[0],
        "51",
        "140/1/not",
        "55.16",
        "mIU/ml",
        &["N"],
        "F",
        None,
    );
    let mut all = Vec::new();
    for b in &messages {
        let (m, _) = parse(b);
        all.extend(results(&m).map(|r| (r.value.into_owned(), r.flags.raw().to_owned())));
    }
    assert!(all.contains(&("<0.100".to_owned(), "LL".to_owned())));
    assert!(all.contains(&("-1^0.101".to_owned(), "N".to_owned())));
}

#[test]
fn beckman_access2_log() {
    let text = deframe(
        &derender_brackets(&corpus(
            "beckman-access2/access2_serial_monitor_log_frames.txt",
        )),
        true,
    );
    let messages = split_messages(&text);
    assert_eq!(messages.len(), 10);
    // The monitor interleaved its read chunks, so several records (and two H records) are
    // scrambled in the log; those give diagnostics or a delimiter error, never a panic.
    let readable = messages.iter().filter(|b| parse_message(b).is_ok()).count();
    assert_eq!(readable, 8);
    // The second message's frames are intact.
    let (m, _) = parse(messages[1]);
    let rows: Vec<_> = results(&m).collect();
    assert_eq!(rows.len(), 1);
    check(
        &rows[0],
        "25020053",
        "HCG5",
        "108.66",
        "mIU/mL",
        &["N"],
        "F",
        Some("2025-07-01T18:26:26"),
    );
    let o = m
        .records_of(RecordType::Order)
        .next()
        .unwrap()
        .as_order()
        .unwrap();
    assert_eq!(o.instrument_specimen_id().component(2), "1316");
}

#[test]
fn sysmex_xs500i_fragment_without_header() {
    let text = deframe(
        &derender_angle_rows(&corpus(
            "sysmex-xs500i/xs500i_host_log_frames_acks_2021.log",
        )),
        true,
    );
    assert!(matches!(
        parse_message(&text),
        Err(ParseError::NoHeader { offset: 0, .. })
    ));
    // With a header in front the records parse and `&R&` decodes to the repeat delimiter.
    let mut with_h = b"H|\\^&\r".to_vec();
    with_h.extend_from_slice(&text);
    let (m, _) = parse(&with_h);
    assert_eq!(r_count(&m), 39);
    let png = results(&m).find(|r| r.test_code == "SCAT_DIFF").unwrap();
    assert_eq!(png.value, "PNG\\20210414\\2021_04_14_14_56_85098_DIFF.PNG");
}

#[test]
fn non_astm_files_are_rejected() {
    for (file, framed) in [
        ("biomerieux-mini-vidas/mini_vidas_native_nonastm.raw", false),
        ("arkray-spotchem-el/spotchem_el_native_nonastm.raw", false),
        (
            "siemens-advia2120/advia2120_native_hostspec79_results_log.txt",
            false,
        ),
    ] {
        let raw = corpus(file);
        let bytes = if framed { deframe(&raw, true) } else { raw };
        // ADVIA 2120's log starts `H<-M from server:`, read as an H with `<` as field
        // delimiter and then rejected for its letter delimiters.
        assert!(
            matches!(
                parse_message(&bytes),
                Err(ParseError::NoHeader { .. } | ParseError::InvalidDelimiters { .. })
            ),
            "{file}"
        );
        let inner = deframe(&bytes, false);
        assert!(parse_message(&inner).is_err(), "{file} (deframed)");
    }
}
