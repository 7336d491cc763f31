//! Matching, checks and actions on ingest.

use super::*;

#[test]
fn normal_chemistry_is_autoverified_released_and_queued_for_the_his() {
    let s = store();
    let oid = s
        .place_order(
            adult("HIS-1", "S1", &["GLU", "CREA", "ALT"]),
            &Actor::His("his".into()),
        )
        .unwrap();
    let out = s
        .ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "msg-1",
            vec![
                obs("S1", "GLU", "5.2"),
                obs("S1", "CREA", "80"),
                obs("S1", "ALT", "25"),
            ],
        ))
        .unwrap();
    let ids = result_ids(&out);
    assert_eq!(ids.len(), 3);
    for id in &ids {
        let r = s.result(*id).unwrap();
        assert_eq!(r.state, ResultState::Released, "{}", r.test_code);
        assert!(r.flags.is_empty());
    }
    assert_eq!(s.order(oid).unwrap().status, OrderStatus::Released);
    let outbox = s.outbox_pending(10).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].kind, "results_released");
    assert_eq!(outbox[0].result_ids, ids);
    assert_eq!(
        s.released_results_since(t("2025-03-01T00:00:00Z"))
            .unwrap()
            .len(),
        3
    );
    s.mark_outbox(outbox[0].id, None).unwrap();
    assert!(s.outbox_pending(10).unwrap().is_empty());
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn standard_check_sentences_are_stored_once_and_read_back_whole() {
    let s = store();
    s.place_order(adult("HIS-C", "SC", &["ALT"]), &SYSTEM)
        .unwrap();
    let out = s
        .ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "msg-c",
            vec![obs("SC", "ALT", "25")],
        ))
        .unwrap();
    let id = result_ids(&out)[0];
    // ALT in the default lab: measurement range 4-1000 U/L, adult male range <= 41 U/L, no
    // critical limits, no delta rule; the observation carries no unit; no QC is recorded (the QC
    // rule does not apply, `qc_unknown_blocks = false`). Only the two outcomes that compared the
    // value keep a sentence of their own.
    let stored: String = s
        .read(|conn, _| {
            Ok(
                conn.query_row("SELECT checks FROM results WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(
        stored,
        concat!(
            r#"[["value_present","passed"],["unit","not_applicable"],"#,
            r#"["specimen_acceptable","passed"],"#,
            r#"["measurement_range","passed","25 within the measurement range"],"#,
            r#"["reference_range","passed","25 within ≤41 (M, 6570+ days)"],"#,
            r#"["critical","not_applicable"],["delta","not_applicable"],"#,
            r#"["instrument_flags","passed"],["qc","not_applicable"],["autoverification","passed"]]"#
        )
    );
    let read: Vec<(String, Outcome, String)> = s
        .result_with_checks(id)
        .unwrap()
        .checks
        .into_iter()
        .map(|c| (c.rule, c.outcome, c.detail))
        .collect();
    let expected = [
        ("value_present", Outcome::Passed, "value present"),
        ("unit", Outcome::NotApplicable, "the analyzer sent no unit"),
        ("specimen_acceptable", Outcome::Passed, "specimen accepted"),
        (
            "measurement_range",
            Outcome::Passed,
            "25 within the measurement range",
        ),
        (
            "reference_range",
            Outcome::Passed,
            "25 within ≤41 (M, 6570+ days)",
        ),
        (
            "critical",
            Outcome::NotApplicable,
            "no critical limits configured",
        ),
        ("delta", Outcome::NotApplicable, "no delta rule configured"),
        ("instrument_flags", Outcome::Passed, "no instrument flag"),
        ("qc", Outcome::NotApplicable, "no QC recorded"),
        ("autoverification", Outcome::Passed, "every rule passed"),
    ];
    assert_eq!(
        read,
        expected
            .map(|(rule, outcome, detail)| (rule.to_owned(), outcome, detail.to_owned()))
            .to_vec()
    );
}

#[test]
fn checks_stored_before_the_compact_form_read_the_same() {
    let s = store();
    s.place_order(adult("HIS-D", "SD", &["ALT"]), &SYSTEM)
        .unwrap();
    let out = s
        .ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "msg-d",
            vec![obs("SD", "ALT", "25")],
        ))
        .unwrap();
    let id = result_ids(&out)[0];
    let compact = s.result_with_checks(id).unwrap().checks;
    // The same outcomes as migration 6 wrote them, every sentence spelled out, plus an outcome
    // name this version does not know (read as failed, never as passed).
    s.write(|conn, _| {
        conn.execute(
            "UPDATE results SET checks = ?2 WHERE id = ?1",
            rusqlite::params![
                id,
                concat!(
                    r#"[["value_present","passed","value present"],"#,
                    r#"["unit","not_applicable","the analyzer sent no unit"],"#,
                    r#"["specimen_acceptable","passed","specimen accepted"],"#,
                    r#"["measurement_range","passed","25 within the measurement range"],"#,
                    r#"["reference_range","passed","25 within ≤41 (M, 6570+ days)"],"#,
                    r#"["critical","not_applicable","no critical limits configured"],"#,
                    r#"["delta","not_applicable","no delta rule configured"],"#,
                    r#"["instrument_flags","passed","no instrument flag"],"#,
                    r#"["qc","not_applicable","no QC recorded"],"#,
                    r#"["autoverification","passed","every rule passed"],"#,
                    r#"["future_rule","postponed"]]"#
                )
            ],
        )?;
        Ok(())
    })
    .unwrap();
    let full = s.result_with_checks(id).unwrap().checks;
    assert_eq!(full[..10], compact[..]);
    assert_eq!(full[10].rule, "future_rule");
    assert_eq!(full[10].outcome, Outcome::Failed);
    assert_eq!(full[10].detail, "");
}

#[test]
fn flagged_result_waits_with_every_reason_and_check_rows() {
    let s = store();
    s.place_order(adult("HIS-2", "S2", &["GLU", "K"]), &SYSTEM)
        .unwrap();
    let mut glu_sent = obs("S2", "GLU", "30,5");
    glu_sent.units = "mmol/L".into();
    let mut k = obs("S2", "K", "6.5");
    k.flags = vec!["H".into()];
    let out = s
        .ingest(message("DEMO-CHEM", "chem-1", "msg-2", vec![glu_sent, k]))
        .unwrap();
    let ids = result_ids(&out);
    let glu = s.result_with_checks(ids[0]).unwrap();
    assert_eq!(glu.result.state, ResultState::PendingReview);
    assert_eq!(glu.result.value, "30.5");
    assert_eq!(glu.result.flags, vec![Flag::High, Flag::CriticalHigh]);
    assert_eq!(
        glu.reasons,
        vec![
            "reference_range: 30.5 above 3.9–6.4 (any sex, 28+ days)".to_owned(),
            "critical: 30.5 above critical high 25".to_owned(),
        ]
    );
    let rules: Vec<(&str, Outcome)> = glu
        .checks
        .iter()
        .map(|c| (c.rule.as_str(), c.outcome))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("value_present", Outcome::Passed),
            ("unit", Outcome::Passed),
            ("specimen_acceptable", Outcome::Passed),
            ("measurement_range", Outcome::Passed),
            ("reference_range", Outcome::Failed),
            ("critical", Outcome::Failed),
            ("delta", Outcome::NotApplicable),
            ("instrument_flags", Outcome::Passed),
            ("qc", Outcome::NotApplicable),
            ("autoverification", Outcome::Failed),
        ]
    );
    let k = s.result_with_checks(ids[1]).unwrap();
    assert_eq!(
        k.result.flags,
        vec![Flag::High, Flag::CriticalHigh, Flag::InstrumentFlag]
    );
    assert!(k
        .reasons
        .contains(&"instrument_flags: instrument flagged H".to_owned()));
    assert_eq!(s.pending_review().unwrap().len(), 2);
    assert!(s.outbox_pending(10).unwrap().is_empty());
}

#[test]
fn nothing_is_dropped_unmatched_queue_and_attach() {
    let s = store();
    let oid = s
        .place_order(adult("HIS-3", "S3", &["GLU"]), &SYSTEM)
        .unwrap();
    let out = s
        .ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "msg-3",
            vec![
                obs("NOPE", "GLU", "5.0"),
                obs("S3", "ZZZ", "1"),
                obs("S3", "UREA", "5.0"),
                obs("", "GLU", "5.0"),
                obs("S3", "GLU", "5.0"),
            ],
        ))
        .unwrap();
    let IngestOutcome::Stored { observations, .. } = out else {
        panic!("not stored")
    };
    assert!(matches!(observations[4], StoredObservation::Result(_)));
    let queue = s.unmatched().unwrap();
    let reasons: Vec<UnmatchedReason> = queue.iter().map(|u| u.reason).collect();
    assert_eq!(
        reasons,
        vec![
            UnmatchedReason::NoOrder,
            UnmatchedReason::UnknownTestCode,
            UnmatchedReason::TestNotOrdered,
            UnmatchedReason::NoSpecimenId,
        ]
    );
    let mut unknown = message(
        "UNKNOWN-ANALYZER",
        "x",
        "msg-3b",
        vec![obs("S3", "GLU", "5")],
    );
    unknown.patient_hint = Some(crate::model::PatientHint {
        patient_id: "BN-123".into(),
        name: "TRAN THI B".into(),
        sex: Some(Sex::Female),
    });
    s.ingest(unknown).unwrap();
    let hint = s.unmatched().unwrap().pop().unwrap().patient_hint.unwrap();
    assert_eq!(
        (hint.patient_id.as_str(), hint.sex),
        ("BN-123", Some(Sex::Female))
    );
    assert_eq!(
        s.unmatched().unwrap().last().unwrap().reason,
        UnmatchedReason::UnknownInstrument
    );
    // A supervisor attaches the urea result to the order: it is added and checked. A
    // technician may not.
    let urea = queue
        .iter()
        .find(|u| u.reason == UnmatchedReason::TestNotOrdered)
        .unwrap();
    assert!(matches!(
        s.attach_unmatched(urea.id, oid, "UREA", &technician(&s)),
        Err(StoreError::Forbidden { .. })
    ));
    let rid = s
        .attach_unmatched(urea.id, oid, "UREA", &supervisor(&s))
        .unwrap();
    let r = s.result(rid).unwrap();
    assert_eq!(
        (r.test_code.as_str(), r.value.as_str(), r.state),
        ("UREA", "5.0", ResultState::Released)
    );
    assert_eq!(s.unmatched().unwrap().len(), 4);
    assert!(s
        .attach_unmatched(urea.id, oid, "UREA", &supervisor(&s))
        .is_err());
}

#[test]
fn same_message_twice_is_stored_once_per_link() {
    let s = store();
    s.place_order(adult("HIS-4", "S4", &["GLU"]), &SYSTEM)
        .unwrap();
    let m = message(
        "DEMO-CHEM",
        "chem-1",
        "msg-4",
        vec![obs("S4", "GLU", "5.0")],
    );
    let first = s.ingest(m.clone()).unwrap();
    let second = s.ingest(m.clone()).unwrap();
    assert_eq!(
        second,
        IngestOutcome::Duplicate {
            journal_id: first.journal_id()
        }
    );
    assert_eq!(s.counts().unwrap(), (1, 1, 0));
    // The same bytes on another link are another message.
    let other = s
        .ingest(AnalyzerMessage {
            graphs: Vec::new(),
            link: "chem-2".into(),
            ..m
        })
        .unwrap();
    assert!(matches!(other, IngestOutcome::Stored { .. }));
    assert_eq!(s.counts().unwrap(), (2, 2, 0));
}

#[test]
fn unparsed_bytes_are_journaled_with_their_error() {
    let s = store();
    let out = s
        .journal_raw(
            "chem-1",
            t("2025-03-01T02:00:00Z"),
            Protocol::Hl7,
            b"\x0bgarbage\x1c\r",
            Some("no MSH".into()),
        )
        .unwrap();
    let e = s.journal_entry(out.journal_id()).unwrap();
    assert_eq!(e.raw, b"\x0bgarbage\x1c\r");
    assert_eq!(e.parse_error.as_deref(), Some("no MSH"));
    assert!(matches!(
        s.journal_raw(
            "chem-1",
            t("2025-03-01T02:00:00Z"),
            Protocol::Hl7,
            b"\x0bgarbage\x1c\r",
            None
        )
        .unwrap(),
        IngestOutcome::Duplicate { .. }
    ));
}

#[test]
fn above_measurement_range_asks_the_analyzer_for_a_diluted_rerun() {
    let s = store();
    let oid = s
        .place_order(adult("HIS-5", "S5", &["GLU"]), &SYSTEM)
        .unwrap();
    let sent = s.pending_tests_for_specimen("DEMO-CHEM", "S5").unwrap();
    assert_eq!(sent.len(), 1);
    assert!(!sent[0].rerun);
    s.mark_sent_to_instrument(
        "DEMO-CHEM",
        &[sent[0].ordered_test_id],
        t("2025-03-01T01:30:00Z"),
    )
    .unwrap();
    assert!(s
        .pending_orders_for_instrument("DEMO-CHEM")
        .unwrap()
        .is_empty());
    let first = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "m5a",
            vec![obs("S5", "GLU", ">41.6")],
        ))
        .unwrap(),
    )[0];
    let r1 = s.result_with_checks(first).unwrap();
    assert_eq!(r1.result.state, ResultState::RerunRequested);
    assert!(r1.result.flags.contains(&Flag::AboveMeasurementRange));
    // The next host query asks for a rerun diluted 1:2 (the GLU config), in the analyzer's code.
    let rerun = s.pending_tests_for_specimen("DEMO-CHEM", "S5").unwrap();
    assert_eq!(rerun.len(), 1);
    assert_eq!(
        (
            rerun[0].instrument_test_code.as_str(),
            rerun[0].rerun,
            rerun[0].dilution
        ),
        ("GLU", true, Some(2))
    );
    // Other instruments do not perform it.
    assert!(s
        .pending_tests_for_specimen("DEMO-HEMA", "S5")
        .unwrap()
        .is_empty());
    let second = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "m5b",
            vec![obs("S5", "GLU", "45.0")],
        ))
        .unwrap(),
    )[0];
    let versions = s.results_for_order(oid).unwrap();
    assert_eq!(
        versions.iter().map(|r| r.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(versions[1].reported && !versions[0].reported);
    // The technician picks which version is reported.
    s.select_version(first, &technician(&s)).unwrap();
    assert!(s.result(first).unwrap().reported);
    assert!(!s.result(second).unwrap().reported);
    // Every change went up one row version: the first version was stored (1), lost the
    // reported mark when the rerun's answer came (2) and got it back (3); the second was stored
    // (1) and lost it (2).
    assert_eq!(s.result(first).unwrap().rev, 3);
    assert_eq!(s.result(second).unwrap().rev, 2);
    assert!(matches!(
        s.release(second, &SYSTEM),
        Err(StoreError::Invalid { .. })
    ));
}

#[test]
fn tsh_out_of_range_adds_ft4_to_the_order() {
    let s = store();
    let oid = s
        .place_order(adult("HIS-6", "S6", &["TSH"]), &SYSTEM)
        .unwrap();
    let tsh = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "m6",
            vec![obs("S6", "TSH", "8.5")],
        ))
        .unwrap(),
    )[0];
    // Immunology waits for a person in the default lab.
    assert_eq!(s.result(tsh).unwrap().state, ResultState::PendingReview);
    let tests = s.ordered_tests(oid).unwrap();
    assert_eq!(
        tests
            .iter()
            .map(|t| t.test_code.as_str())
            .collect::<Vec<_>>(),
        vec!["TSH", "FT4"]
    );
    assert_eq!(tests[1].status, OrderedTestStatus::Pending);
    let pending = s.pending_tests_for_specimen("DEMO-CHEM", "S6").unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|p| p.instrument_test_code.as_str())
            .collect::<Vec<_>>(),
        vec!["FT4"]
    );
    assert_eq!(s.order(oid).unwrap().status, OrderStatus::InProgress);
}

#[test]
fn a_normal_adult_panel_reaches_the_his_with_no_click() {
    // Typical normal values for an adult man, each within the default lab's range, sent with
    // the catalog's units as a demo analyzer would.
    let cbc = [
        ("WBC", "6.50"),
        ("RBC", "4.80"),
        ("HGB", "145"),
        ("HCT", "0.430"),
        ("MCV", "89.0"),
        ("MCH", "30.0"),
        ("MCHC", "340"),
        ("RDW", "13.0"),
        ("PLT", "250"),
        ("MPV", "9.5"),
        ("PDW", "12.0"),
        ("PCT", "0.25"),
        ("NEUT%", "60.0"),
        ("LYMPH%", "30.0"),
        ("MONO%", "6.0"),
        ("EOS%", "3.0"),
        ("BASO%", "1.0"),
        ("NEUT#", "3.90"),
        ("LYMPH#", "1.95"),
        ("MONO#", "0.39"),
        ("EOS#", "0.20"),
        ("BASO#", "0.07"),
    ];
    let chem = [
        ("GLU", "5.2"),
        ("UREA", "5.0"),
        ("CREA", "85"),
        ("AST", "25"),
        ("ALT", "30"),
        ("GGT", "30"),
        ("TBIL", "10.0"),
        ("DBIL", "3.0"),
        ("CHOL", "4.50"),
        ("TG", "1.20"),
        ("HDL", "1.30"),
        ("LDL", "2.50"),
        ("UA", "350"),
        ("NA", "140"),
        ("K", "4.2"),
        ("CL", "102"),
        ("CA", "2.35"),
        ("CRP", "2.0"),
        ("ALB", "42.0"),
        ("TP", "72.0"),
        ("ALP", "80"),
        ("AMY", "60"),
        ("CK", "120"),
        ("HBA1C", "5.2"),
    ];
    let lab = lab();
    let s = store();
    let codes: Vec<&str> = cbc.iter().chain(chem.iter()).map(|(c, _)| *c).collect();
    let oid = s.place_order(adult("FULL", "F1", &codes), &SYSTEM).unwrap();
    for (instrument, panel, raw) in [
        ("DEMO-HEMA", &cbc[..], "cbc"),
        ("DEMO-CHEM", &chem[..], "chem"),
    ] {
        let observations = panel
            .iter()
            .map(|(code, value)| {
                let mut o = obs("F1", code, value);
                o.units = lab.test(code).unwrap().unit.clone();
                o.flags = vec!["N".into()];
                o
            })
            .collect();
        s.ingest(message(instrument, instrument, raw, observations))
            .unwrap();
    }
    let results = s.results_for_order(oid).unwrap();
    assert_eq!(results.len(), 46);
    for r in &results {
        let why = s.result_with_checks(r.id).unwrap().reasons;
        assert_eq!(
            r.state,
            ResultState::Released,
            "{} {}: {why:?}",
            r.test_code,
            r.value
        );
    }
    assert_eq!(s.order(oid).unwrap().status, OrderStatus::Released);
    assert_eq!(s.outbox_pending(10).unwrap().len(), 2);
}

#[test]
fn same_test_twice_in_one_message_gets_versions_one_and_two() {
    let s = store();
    let oid = s
        .place_order(adult("HIS-V", "SV", &["GLU", "CREA"]), &SYSTEM)
        .unwrap();
    let out = s
        .ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "msg-v",
            vec![
                obs("SV", "GLU", "5.2"),
                obs("SV", "CREA", "80"),
                obs("SV", "GLU", "5.3"),
            ],
        ))
        .unwrap();
    let ids = result_ids(&out);
    assert_eq!(ids.len(), 3);
    let (first, second) = (s.result(ids[0]).unwrap(), s.result(ids[2]).unwrap());
    assert_eq!((first.version, second.version), (1, 2));
    // The first is normal and released; the second may not replace it without a person.
    assert_eq!(first.state, ResultState::Released);
    assert_ne!(second.state, ResultState::Released);
    assert!(first.reported && !second.reported);
    let glu: Vec<i64> = s
        .results_for_order(oid)
        .unwrap()
        .iter()
        .filter(|r| r.test_code == "GLU")
        .map(|r| r.version)
        .collect();
    assert_eq!(glu, vec![1, 2]);
    assert!(s.verify_audit().unwrap().is_intact());
}
