//! The checks a result meets as it is stored: dashes, neonate ranges, delta, units, QC state.

use super::*;

#[test]
fn dashes_are_kept_and_flagged_never_zero() {
    let s = store();
    s.place_order(adult("HIS-7", "S7", &["GLU"]), &SYSTEM)
        .unwrap();
    let id = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "m7",
            vec![obs("S7", "GLU", "-----")],
        ))
        .unwrap(),
    )[0];
    let r = s.result(id).unwrap();
    assert_eq!(
        (r.value_sent.as_str(), r.value.as_str(), r.numeric),
        ("-----", "", None)
    );
    assert_eq!(r.value_kind, "missing");
    assert_eq!(r.flags, vec![Flag::Missing]);
    assert_eq!(r.state, ResultState::PendingReview);
}

#[test]
fn neonate_ranges_follow_age_at_collection() {
    let s = store();
    // Born 2025-01-01. Collected 2025-01-28 10:00 in Hanoi: 27 days old, neonate HGB 145–225.
    s.place_order(
        order(
            "N1",
            "B1",
            &["HGB"],
            Sex::Female,
            date(2025, 1, 1),
            "2025-01-28T03:00:00Z",
        ),
        &SYSTEM,
    )
    .unwrap();
    // Collected 2025-01-29 10:00: 28 days old, infant HGB 95–135.
    s.place_order(
        order(
            "N2",
            "B2",
            &["HGB"],
            Sex::Female,
            date(2025, 1, 1),
            "2025-01-29T03:00:00Z",
        ),
        &SYSTEM,
    )
    .unwrap();
    let out = s
        .ingest(message(
            "DEMO-HEMA",
            "hema-1",
            "m8",
            vec![obs("B1", "HGB", "140"), obs("B2", "HGB", "140")],
        ))
        .unwrap();
    let ids = result_ids(&out);
    assert_eq!(s.result(ids[0]).unwrap().flags, vec![Flag::Low]);
    assert_eq!(s.result(ids[1]).unwrap().flags, vec![Flag::High]);
}

#[test]
fn delta_against_the_previous_released_result() {
    let s = store();
    let p = |placer: &str, bc: &str, at: &str| {
        let mut o = order(placer, bc, &["HGB"], Sex::Male, date(1970, 1, 1), at);
        o.patient.his_id = "SAME-PATIENT".into();
        o
    };
    s.place_order(p("D1", "H1", "2025-03-01T01:00:00Z"), &SYSTEM)
        .unwrap();
    s.place_order(p("D2", "H2", "2025-03-02T01:00:00Z"), &SYSTEM)
        .unwrap();
    let mut first = obs("H1", "HGB", "150");
    first.observed_at = Some("2025-03-01T08:00:00".parse().unwrap());
    let a = result_ids(
        &s.ingest(message("DEMO-HEMA", "h", "d1", vec![first]))
            .unwrap(),
    )[0];
    assert_eq!(s.result(a).unwrap().state, ResultState::Released);
    // 150 -> 128 a day later: change 22 > 20 g/L within 48 h.
    let mut second = obs("H2", "HGB", "128");
    second.observed_at = Some("2025-03-02T08:00:00".parse().unwrap());
    let b = result_ids(
        &s.ingest(message("DEMO-HEMA", "h", "d2", vec![second]))
            .unwrap(),
    )[0];
    let r = s.result_with_checks(b).unwrap();
    assert_eq!(r.result.flags, vec![Flag::Low, Flag::Delta]);
    assert!(
        r.reasons
            .contains(&"delta: 150 -> 128: change 22.000 (limit 20 in 48 h)".to_owned()),
        "{:?}",
        r.reasons
    );
}

#[test]
fn unit_conversion_through_the_instrument_map() {
    let text = crate::config::DEFAULT_LAB_TOML.replace(
        "{ code = \"GLU\", test = \"GLU\" }",
        "{ code = \"GLU\", test = \"GLU\" }, { code = \"GLU-MG\", test = \"GLU\", factor = 0.0555, unit = \"mg/dL\" }",
    );
    let s = Store::open_in_memory(LabConfig::from_toml_str(&text, "conv").unwrap()).unwrap();
    s.place_order(adult("C1", "G1", &["GLU"]), &SYSTEM).unwrap();
    let id = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "c",
            "conv",
            vec![obs("G1", "GLU-MG", "100")],
        ))
        .unwrap(),
    )[0];
    let r = s.result(id).unwrap();
    // 100 mg/dL x 0.0555 = 5.55 mmol/L -> 5.6 at one decimal.
    assert_eq!(
        (
            r.value_sent.as_str(),
            r.value.as_str(),
            r.numeric,
            r.unit.as_str()
        ),
        ("100", "5.6", Some(5.6), "mmol/L")
    );
}

#[test]
fn a_value_in_another_unit_is_held_not_misread() {
    let s = store();
    s.place_order(adult("U1", "SU", &["GLU"]), &SYSTEM).unwrap();
    let mut glu = obs("SU", "GLU", "100");
    glu.units = "mg/dL".into();
    let id = result_ids(
        &s.ingest(message("DEMO-CHEM", "c", "u1", vec![glu]))
            .unwrap(),
    )[0];
    let r = s.result_with_checks(id).unwrap();
    assert_eq!(r.result.state, ResultState::PendingReview);
    // 100 read as mmol/L would be above the measurement range; no rerun is asked for it.
    assert!(s
        .pending_tests_for_specimen("DEMO-CHEM", "SU")
        .unwrap()
        .is_empty());
    assert!(
        r.reasons
            .contains(&"unit: unit \"mg/dL\" sent, \"mmol/L\" expected".to_owned()),
        "{:?}",
        r.reasons
    );
}

#[test]
fn qc_out_of_control_holds_results() {
    let s = store();
    // A QC message (the driver's mark) for GLU: level 1 (from its id QC1-…) at 6.20 mmol/L is
    // (6.20 − 5.50) / 0.20 = +3.50 SD from the demo lot's mean: 1-3s rejects the run.
    let mut qc = message(
        "DEMO-CHEM",
        "c",
        "qc-run",
        vec![obs("QC1-1", "GLU", "6.20"), obs("QC2-1", "GLU", "16.00")],
    );
    qc.kind = MessageKind::Qc;
    let out = s.ingest(qc).unwrap();
    let IngestOutcome::Stored { observations, .. } = out else {
        panic!()
    };
    assert!(matches!(observations[0], StoredObservation::Qc(_)));
    s.place_order(adult("Q1", "SQ", &["GLU", "UREA"]), &SYSTEM)
        .unwrap();
    let ids = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "c",
            "q",
            vec![obs("SQ", "GLU", "5.0"), obs("SQ", "UREA", "5.0")],
        ))
        .unwrap(),
    );
    let glu = s.result_with_checks(ids[0]).unwrap();
    assert_eq!(
        glu.reasons,
        vec!["qc: QC out of control: 1-3s on level 1 (GLU z = +3.50) in run 1".to_owned()]
    );
    // UREA has no QC defined: "no QC recorded" does not hold it (qc_unknown_blocks = false).
    assert_eq!(s.result(ids[1]).unwrap().state, ResultState::Released);
}

#[test]
fn with_no_qc_recorded_the_lab_setting_decides_whether_a_result_waits() {
    // No QC module is installed: the store knows no QC for any test. GLU 5.0 mmol/L is within
    // the default lab's 3.9–6.4 and its measurement range, so the QC rule alone decides.
    let qc_of = |s: &Store, id| {
        let r = s.result_with_checks(id).unwrap();
        let qc = r.checks.iter().find(|c| c.rule == "qc").cloned().unwrap();
        (r.result.state, qc.outcome, qc.detail, r.reasons)
    };
    let s = store();
    s.place_order(adult("Q0", "SQ0", &["GLU"]), &SYSTEM)
        .unwrap();
    let out = s
        .ingest(message(
            "DEMO-CHEM",
            "c",
            "q0",
            vec![obs("SQ0", "GLU", "5.0")],
        ))
        .unwrap();
    assert_eq!(
        qc_of(&s, result_ids(&out)[0]),
        (
            ResultState::Released,
            Outcome::NotApplicable,
            "no QC recorded".to_owned(),
            vec![]
        )
    );

    let mut config = lab();
    config.autoverification.qc_unknown_blocks = true;
    let s = Store::open_in_memory(config).unwrap();
    s.place_order(adult("Q0", "SQ0", &["GLU"]), &SYSTEM)
        .unwrap();
    let out = s
        .ingest(message(
            "DEMO-CHEM",
            "c",
            "q0",
            vec![obs("SQ0", "GLU", "5.0")],
        ))
        .unwrap();
    assert_eq!(
        qc_of(&s, result_ids(&out)[0]),
        (
            ResultState::PendingReview,
            Outcome::Failed,
            "no QC recorded".to_owned(),
            vec!["qc: no QC recorded".to_owned()]
        )
    );
}
