//! Quality control as the lab sees it: QC results recognized and kept as QC, grouped into runs,
//! judged; a rejected run holds the patient results of its instrument and test, flags those
//! that came since the last accepted run, and is lifted by an accepted run or a supervisor's
//! documented override.
//!
//! The demo lab (embedded default) runs "Demo Chemistry Control" lot DC-2026 on DEMO-CHEM:
//! GLU level 1 mean 5.50 SD 0.20 mmol/L, level 2 mean 16.00 SD 0.50 mmol/L; QC specimen ids
//! `QC1-…` (level 1) and `QC2-…` (level 2). Every z below is (value − mean) / SD by hand.

use super::*;
use crate::model::{NewQcEntry, QcResolution, QcTargetEdit, QcVerdict, ResultId};
use crate::store::AuditFilter;

/// A message of DEMO-CHEM received at `at` (UTC) with these observations.
fn at_message(raw: &str, at: &str, observations: Vec<Observation>) -> AnalyzerMessage {
    AnalyzerMessage {
        graphs: Vec::new(),
        received_at: t(at),
        ..message("DEMO-CHEM", "c", raw, observations)
    }
}

/// A GLU QC run of both levels, in one message.
fn glu_run(s: &Store, raw: &str, at: &str, level1: &str, level2: &str) -> IngestOutcome {
    s.ingest(at_message(
        raw,
        at,
        vec![
            obs(&format!("QC1-{raw}"), "GLU", level1),
            obs(&format!("QC2-{raw}"), "GLU", level2),
        ],
    ))
    .unwrap()
}

fn qc_ids(out: &IngestOutcome) -> Vec<i64> {
    match out {
        IngestOutcome::Stored { observations, .. } => observations
            .iter()
            .filter_map(|o| match o {
                StoredObservation::Qc(id) => Some(*id),
                _ => None,
            })
            .collect(),
        IngestOutcome::Duplicate { .. } => Vec::new(),
    }
}

/// A patient's GLU result on DEMO-CHEM received at `at`.
fn patient_glu(s: &Store, n: u32, at: &str, value: &str) -> ResultId {
    let (placer, barcode) = (format!("QP{n}"), format!("QS{n}"));
    s.place_order(adult(&placer, &barcode, &["GLU", "UREA"]), &SYSTEM)
        .unwrap();
    result_ids(
        &s.ingest(at_message(
            &format!("patient-{n}"),
            at,
            vec![obs(&barcode, "GLU", value)],
        ))
        .unwrap(),
    )[0]
}

/// (run, level, lot, material, z, resolution) of a stored point.
type PointRow = (
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<f64>,
    String,
);

fn point(s: &Store, id: i64) -> PointRow {
    s.read(|conn, _| {
        Ok(conn.query_row(
            "SELECT run_id, level, lot, material, z, resolution FROM qc_points WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?)
    })
    .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn qc_is_recognized_by_specimen_pattern_and_by_the_drivers_mark() {
    let s = store();
    assert_eq!(s.config().qc.run_window_minutes, 30);
    s.place_order(adult("P1", "S1", &["GLU"]), &SYSTEM).unwrap();
    // One results message: two QC specimens by their ids, one patient's.
    let out = s
        .ingest(at_message(
            "m1",
            "2025-03-01T01:00:00Z",
            vec![
                obs("QC1-20250301", "GLU", "5.60"),
                obs("QC2-20250301", "GLU", "16.20"),
                obs("S1", "GLU", "5.0"),
            ],
        ))
        .unwrap();
    let IngestOutcome::Stored { observations, .. } = &out else {
        panic!("{out:?}")
    };
    assert!(matches!(observations[0], StoredObservation::Qc(_)));
    assert!(matches!(observations[1], StoredObservation::Qc(_)));
    assert!(matches!(observations[2], StoredObservation::Result(_)));
    let ids = qc_ids(&out);
    // z = (5.60 − 5.50) / 0.20 = +0.50; (16.20 − 16.00) / 0.50 = +0.40.
    let (run1, level, lot, material, z, resolution) = point(&s, ids[0]);
    assert_eq!(
        (
            level.as_deref(),
            lot.as_deref(),
            material.as_deref(),
            resolution.as_str()
        ),
        (
            Some("1"),
            Some("DC-2026"),
            Some("Demo Chemistry Control"),
            "resolved"
        )
    );
    assert!(close(z.unwrap(), 0.5));
    let (run2, level, _, _, z, _) = point(&s, ids[1]);
    assert_eq!((level.as_deref(), run2), (Some("2"), run1));
    assert!(close(z.unwrap(), 0.4));
    // Nothing went to the unmatched queue.
    assert!(s.unmatched().unwrap().is_empty());
    let standing = s.qc_standing("DEMO-CHEM", "GLU").unwrap().unwrap();
    assert_eq!(
        (standing.verdict, Some(standing.run_id)),
        (QcVerdict::Accepted, run1)
    );

    // Marked by the driver (an E1394 O-12 `Q`), with the analyzer's own lot and level.
    let marked = Observation {
        is_qc: true,
        qc_lot: Some("DC-2026".into()),
        qc_level: Some("2".into()),
        ..obs("CONTROL-B", "GLU", "15.50")
    };
    let out = s
        .ingest(at_message("m2", "2025-03-02T01:00:00Z", vec![marked]))
        .unwrap();
    let (run, level, lot, _, z, _) = point(&s, qc_ids(&out)[0]);
    assert_eq!(
        (level.as_deref(), lot.as_deref()),
        (Some("2"), Some("DC-2026"))
    );
    assert_ne!(run, run1);
    // (15.50 − 16.00) / 0.50 = −1.00.
    assert!(close(z.unwrap(), -1.0));
}

#[test]
fn qc_of_an_unknown_material_or_lot_is_kept_and_shown_as_such() {
    let s = store();
    let unknown_lot = Observation {
        is_qc: true,
        qc_lot: Some("XYZ-9".into()),
        qc_level: Some("1".into()),
        ..obs("CONTROL-A", "GLU", "5.5")
    };
    let out = s
        .ingest(at_message(
            "u1",
            "2025-03-01T01:00:00Z",
            vec![
                unknown_lot,
                // UREA has no QC material on DEMO-CHEM.
                obs("QC1-U", "UREA", "5.0"),
                // A code DEMO-CHEM's test map does not know.
                obs("QC1-X", "XYZ", "1.0"),
                // A marked QC result with no level anywhere.
                Observation {
                    is_qc: true,
                    ..obs("CONTROL-C", "GLU", "5.5")
                },
            ],
        ))
        .unwrap();
    let ids = qc_ids(&out);
    assert_eq!(ids.len(), 4);
    let listed: Vec<(i64, QcResolution, Option<String>)> = s
        .qc_unresolved()
        .unwrap()
        .into_iter()
        .map(|p| (p.point_id, p.resolution, p.lot))
        .collect();
    assert_eq!(
        listed,
        vec![
            (ids[3], QcResolution::UnknownLevel, None),
            (ids[2], QcResolution::UnknownTest, None),
            (ids[1], QcResolution::UnknownMaterial, None),
            (ids[0], QcResolution::UnknownLot, Some("XYZ-9".into())),
        ]
    );
    // Kept, never in a run, never a patient result or unmatched; no state was set.
    assert!(ids.iter().all(|id| point(&s, *id).0.is_none()));
    assert!(s.unmatched().unwrap().is_empty());
    assert_eq!(s.qc_standing("DEMO-CHEM", "GLU").unwrap(), None);
}

#[test]
fn a_run_is_one_message_or_points_within_the_run_window() {
    let s = store();
    let first = glu_run(&s, "r1", "2025-03-01T01:00:00Z", "5.50", "16.00");
    let run1 = point(&s, qc_ids(&first)[0]).0.unwrap();
    // Level 1 again 20 minutes after the run's first point: within 30 minutes, same run.
    let late = s
        .ingest(at_message(
            "r1b",
            "2025-03-01T01:20:00Z",
            vec![obs("QC1-b", "GLU", "5.40")],
        ))
        .unwrap();
    assert_eq!(point(&s, qc_ids(&late)[0]).0, Some(run1));
    // 31 minutes after it: a new run.
    let next = s
        .ingest(at_message(
            "r2",
            "2025-03-01T01:31:00Z",
            vec![obs("QC2-c", "GLU", "16.00")],
        ))
        .unwrap();
    let run2 = point(&s, qc_ids(&next)[0]).0.unwrap();
    assert_ne!(run2, run1);
    // One message is one run even when its points were measured hours apart.
    let spread = s
        .ingest(at_message(
            "r3",
            "2025-03-01T09:00:00Z",
            vec![
                Observation {
                    observed_at: Some("2025-03-01T08:00:00".parse().unwrap()),
                    ..obs("QC1-d", "GLU", "5.5")
                },
                Observation {
                    observed_at: Some("2025-03-01T14:00:00".parse().unwrap()),
                    ..obs("QC2-d", "GLU", "16.0")
                },
            ],
        ))
        .unwrap();
    let ids = qc_ids(&spread);
    let run3 = point(&s, ids[0]).0.unwrap();
    assert_eq!(point(&s, ids[1]).0, Some(run3));
    assert!(run3 != run1 && run3 != run2);
}

/// Builds the common scene: an accepted run at 01:00, a patient result at 02:00 (released by
/// autoverification), then a run at 03:00 whose level 1 is 6.20 mmol/L: z = (6.20 − 5.50) /
/// 0.20 = +3.50, beyond 3 SD: 1-3s rejects it. Returns the store, the patient result and the
/// rejected run.
fn rejected_scene() -> (Store, ResultId, i64) {
    let s = store();
    glu_run(&s, "a1", "2025-03-01T01:00:00Z", "5.50", "16.00");
    let before = patient_glu(&s, 1, "2025-03-01T02:00:00Z", "5.0");
    assert_eq!(s.result(before).unwrap().state, ResultState::Released);
    let out = glu_run(&s, "x1", "2025-03-01T03:00:00Z", "6.20", "16.00");
    let run = point(&s, qc_ids(&out)[0]).0.unwrap();
    (s, before, run)
}

#[test]
fn a_1_3s_rejection_holds_new_results_and_refuses_their_release_with_the_reason() {
    let (s, _, run) = rejected_scene();
    let reason = format!("1-3s on level 1 (GLU z = +3.50) in run {run}");
    let standing = s.qc_standing("DEMO-CHEM", "GLU").unwrap().unwrap();
    assert_eq!(
        (standing.verdict, standing.run_id, standing.reason.as_str()),
        (QcVerdict::Rejected, run, reason.as_str())
    );
    assert!(standing.holds());
    // The same words in Vietnamese, from the parts the run recorded.
    let parts = s.qc_fired_rules(run).unwrap();
    assert_eq!(
        crate::presentation::qc_reason::reason_words(
            crate::presentation::Language::Vi,
            "GLU",
            run,
            QcVerdict::Rejected,
            &parts
        ),
        format!("1-3s ở mức 1 (GLU z = +3.50) trong lượt {run}")
    );
    // A patient result arriving now is held with the reason in words, not autoverified.
    let held = patient_glu(&s, 2, "2025-03-01T03:30:00Z", "5.0");
    let r = s.result_with_checks(held).unwrap();
    assert_eq!(r.result.state, ResultState::PendingReview);
    assert_eq!(r.reasons, vec![format!("qc: QC out of control: {reason}")]);
    let qc = r.checks.iter().find(|c| c.rule == "qc").unwrap();
    assert_eq!(
        (qc.outcome, qc.detail.as_str()),
        (
            Outcome::Failed,
            format!("QC out of control: {reason}").as_str()
        )
    );
    // A person verifies it; the release is refused with the QC reason.
    s.verify(held, &technician(&s)).unwrap();
    match s.release(held, &supervisor(&s)) {
        Err(StoreError::QcRejected {
            result_id,
            run_id,
            reason: why,
            ..
        }) => assert_eq!((result_id, run_id, why), (held, run, reason)),
        other => panic!("expected the QC hold, got {other:?}"),
    }
    assert_eq!(s.result(held).unwrap().state, ResultState::Verified);
    // A result of a test without QC (UREA) on the same analyzer is not held by it.
    let urea = result_ids(
        &s.ingest(at_message(
            "u",
            "2025-03-01T03:40:00Z",
            vec![obs("QS2", "UREA", "5.0")],
        ))
        .unwrap(),
    )[0];
    assert_eq!(s.result(urea).unwrap().state, ResultState::Released);
}

#[test]
fn results_between_the_last_accepted_run_and_the_rejected_one_are_flagged_for_recheck() {
    let s = store();
    // Before any QC: not flagged by a later rejection after an accepted run.
    let early = patient_glu(&s, 1, "2025-03-01T00:30:00Z", "5.0");
    glu_run(&s, "a1", "2025-03-01T01:00:00Z", "5.50", "16.00");
    let between = patient_glu(&s, 2, "2025-03-01T02:00:00Z", "5.1");
    // UREA of the same time is not flagged (its QC is not the rejected one).
    let urea = result_ids(
        &s.ingest(at_message(
            "u",
            "2025-03-01T02:10:00Z",
            vec![obs("QS2", "UREA", "5.0")],
        ))
        .unwrap(),
    )[0];
    let out = glu_run(&s, "x1", "2025-03-01T03:00:00Z", "6.20", "16.00");
    let run = point(&s, qc_ids(&out)[0]).0.unwrap();
    let after = patient_glu(&s, 3, "2025-03-01T03:30:00Z", "5.2");
    let listed: Vec<(ResultId, i64)> = s
        .qc_recheck(Some("DEMO-CHEM"), Some("GLU"), false)
        .unwrap()
        .into_iter()
        .map(|r| (r.result_id, r.run_id))
        .collect();
    assert_eq!(listed, vec![(between, run)]);
    assert!(![early, urea, after]
        .iter()
        .any(|id| listed.iter().any(|l| l.0 == *id)));
    let notes = s.qc_result_notes(&[between, early]).unwrap();
    assert_eq!(notes[&between].recheck_runs, vec![run]);
    assert!(!notes.contains_key(&early));
    // The supervisor records the check; it leaves the open list, audited.
    let boss = supervisor(&s);
    s.qc_recheck_done(
        between,
        run,
        "repeated on DEMO-CHEM after recalibration: 5.1",
        &boss,
    )
    .unwrap();
    assert!(s.qc_recheck(None, None, false).unwrap().is_empty());
    let all = s.qc_recheck(None, None, true).unwrap();
    assert_eq!(
        all[0].checked.as_ref().unwrap().note,
        "repeated on DEMO-CHEM after recalibration: 5.1"
    );
    assert_eq!(
        s.qc_overview()
            .unwrap()
            .iter()
            .find(|r| r.test_code == "GLU")
            .unwrap()
            .rechecks,
        0
    );
}

#[test]
fn an_accepted_run_lifts_the_hold() {
    let (s, _, _) = rejected_scene();
    let held = patient_glu(&s, 2, "2025-03-01T03:30:00Z", "5.0");
    assert_eq!(s.result(held).unwrap().state, ResultState::PendingReview);
    // Corrective action, then QC again: (5.60 − 5.50) / 0.20 = +0.50, (15.80 − 16) / 0.5 = −0.40.
    let out = glu_run(&s, "a2", "2025-03-01T05:00:00Z", "5.60", "15.80");
    let run = point(&s, qc_ids(&out)[0]).0.unwrap();
    let standing = s.qc_standing("DEMO-CHEM", "GLU").unwrap().unwrap();
    assert_eq!(
        (standing.verdict, standing.run_id),
        (QcVerdict::Accepted, run)
    );
    // The held result may now be released by a person; a new one autoverifies again.
    s.verify(held, &technician(&s)).unwrap();
    assert_eq!(
        s.release(held, &supervisor(&s)).unwrap(),
        ResultState::Released
    );
    let next = patient_glu(&s, 3, "2025-03-01T05:30:00Z", "5.0");
    assert_eq!(s.result(next).unwrap().state, ResultState::Released);
    assert!(s.qc_rejections().unwrap().is_empty());
}

#[test]
fn a_supervisors_override_is_documented_audited_and_shown_on_the_results_it_releases() {
    let (s, _, run) = rejected_scene();
    let held = patient_glu(&s, 2, "2025-03-01T03:30:00Z", "5.0");
    let tech = technician(&s);
    let boss = supervisor(&s);
    // A technician may not override; a supervisor must say why.
    assert!(matches!(
        s.override_qc("DEMO-CHEM", "GLU", run, "control vial warm", &tech),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(matches!(
        s.override_qc("DEMO-CHEM", "GLU", run, "  ", &boss),
        Err(StoreError::Invalid { .. })
    ));
    let o = s
        .override_qc(
            "DEMO-CHEM",
            "GLU",
            run,
            "control vial left warm; fresh vial in range",
            &boss,
        )
        .unwrap();
    let standing = s.qc_standing("DEMO-CHEM", "GLU").unwrap().unwrap();
    assert!(!standing.holds());
    assert_eq!(standing.override_record.as_ref(), Some(&o));
    // The held result can now be released by a person, and shows the override.
    s.verify(held, &tech).unwrap();
    assert_eq!(s.release(held, &boss).unwrap(), ResultState::Released);
    let notes = s.qc_result_notes(&[held]).unwrap();
    assert_eq!(notes[&held].released_under.as_ref(), Some(&o));
    // Audited: the override with its reason, and the release naming it.
    let trail = s
        .audit_trail(
            &AuditFilter {
                action: Some("qc.override".into()),
                ..Default::default()
            },
            None,
            10,
        )
        .unwrap();
    assert_eq!(
        trail[0].entry.reason.as_deref(),
        Some("control vial left warm; fresh vial in range")
    );
    let release = s
        .audit_trail(
            &AuditFilter {
                action: Some("result.release".into()),
                entity_id: Some(held.to_string()),
                ..Default::default()
            },
            None,
            10,
        )
        .unwrap();
    assert_eq!(release[0].entry.new.as_ref().unwrap()["qc_override"], o.id);
    assert!(s.verify_audit().unwrap().is_intact());
    // New results are still not autoverified under an override: a person decides.
    let next = patient_glu(&s, 3, "2025-03-01T04:00:00Z", "5.0");
    assert_eq!(s.result(next).unwrap().state, ResultState::PendingReview);
    // Overriding twice is refused.
    assert!(matches!(
        s.override_qc("DEMO-CHEM", "GLU", run, "again", &boss),
        Err(StoreError::Conflict { .. })
    ));
}

/// Sends a run at once or point by point and returns its verdict, reason and rules fired.
fn run_sent(split: bool) -> (QcVerdict, String, Vec<(String, Vec<String>)>) {
    let s = store();
    // An earlier accepted run: level 1 +0.50 (5.60), level 2 +0.20 (16.10).
    glu_run(&s, "h1", "2025-03-01T01:00:00Z", "5.60", "16.10");
    // The judged run: level 1 (6.00 − 5.50) / 0.20 = +2.50, level 2 (17.10 − 16) / 0.5 = +2.20:
    // 2-2s within the run across levels (and 1-2s on each, a warning).
    let points = [("QC1-j", "6.00"), ("QC2-j", "17.10")];
    let ids: Vec<i64> = if split {
        points
            .iter()
            .enumerate()
            .flat_map(|(i, (id, v))| {
                let at = format!("2025-03-02T01:0{i}:00Z");
                qc_ids(
                    &s.ingest(at_message(id, &at, vec![obs(id, "GLU", v)]))
                        .unwrap(),
                )
            })
            .collect()
    } else {
        qc_ids(
            &s.ingest(at_message(
                "j",
                "2025-03-02T01:00:00Z",
                points.iter().map(|(id, v)| obs(id, "GLU", v)).collect(),
            ))
            .unwrap(),
        )
    };
    let run = point(&s, ids[0]).0.unwrap();
    assert_eq!(point(&s, ids[1]).0, Some(run));
    let standing = s.qc_standing("DEMO-CHEM", "GLU").unwrap().unwrap();
    let chart = s
        .qc_chart("DEMO-CHEM", "GLU", "1", Some("DC-2026"))
        .unwrap();
    let marks = chart
        .points
        .iter()
        .map(|p| (format!("{:+.2}", p.z), p.violations.clone()))
        .collect();
    let reason = standing.reason.replace(&format!("run {run}"), "run N");
    (standing.verdict, reason, marks)
}

#[test]
fn a_run_sent_point_by_point_ends_with_the_verdict_it_has_sent_at_once() {
    let at_once = run_sent(false);
    let by_point = run_sent(true);
    assert_eq!(at_once, by_point);
    assert_eq!(at_once.0, QcVerdict::Rejected);
    assert_eq!(
        at_once.1,
        "2-2s on levels 1 and 2 (GLU z = +2.50, +2.20) in run N"
    );
    assert_eq!(
        at_once.2,
        vec![
            ("+0.50".to_owned(), vec![]),
            (
                "+2.50".to_owned(),
                vec!["1-2s".to_owned(), "2-2s".to_owned()]
            ),
        ]
    );
}

#[test]
fn qc_entered_by_hand_is_evaluated_like_an_analyzers_and_names_who_entered_it() {
    let s = store();
    let tech = technician(&s);
    let entry = NewQcEntry {
        instrument: "DEMO-CHEM".into(),
        test_code: "GLU".into(),
        level: "1".into(),
        lot: None,
        value: "6.20".into(),
        at: t("2025-03-01T01:00:00Z"),
    };
    let admin = person(&s, "quantri", &[Role::Admin]);
    assert!(matches!(
        s.enter_qc(&entry, &admin),
        Err(StoreError::Forbidden { .. })
    ));
    let stored = s.enter_qc(&entry, &tech).unwrap();
    assert_eq!(
        (stored.resolution, stored.verdict),
        (QcResolution::Resolved, Some(QcVerdict::Rejected))
    );
    let chart = s.qc_chart("DEMO-CHEM", "GLU", "1", None).unwrap();
    let p = &chart.points[0];
    assert!(close(p.z, 3.5));
    assert!(
        p.violations.contains(&"1-3s".to_owned()),
        "{:?}",
        p.violations
    );
    assert_eq!(
        p.entered_by.as_ref().map(|u| u.display_name.as_str()),
        Some("ktv (display)")
    );
    let audited = s
        .audit_trail(
            &AuditFilter {
                action: Some("qc.enter".into()),
                ..Default::default()
            },
            None,
            10,
        )
        .unwrap();
    assert_eq!(audited.len(), 1);
    // A level the lab does not have is refused, not stored.
    let bad = NewQcEntry {
        level: "L".into(),
        ..entry
    };
    assert!(matches!(
        s.enter_qc(&bad, &tech),
        Err(StoreError::Invalid { .. })
    ));
}

#[test]
fn a_supervisors_target_is_used_for_later_points_and_audited() {
    let s = store();
    let edit = QcTargetEdit {
        instrument: "DEMO-CHEM".into(),
        test_code: "GLU".into(),
        material: "Demo Chemistry Control".into(),
        lot: "DC-2026".into(),
        level: "1".into(),
        mean: 5.60,
        sd: 0.25,
        reason: "new insert sheet".into(),
    };
    assert!(matches!(
        s.set_qc_target(&edit, &technician(&s)),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(matches!(
        s.set_qc_target(
            &QcTargetEdit {
                sd: 0.0,
                ..edit.clone()
            },
            &supervisor(&s)
        ),
        Err(StoreError::Invalid { .. })
    ));
    s.set_qc_target(&edit, &supervisor(&s)).unwrap();
    let out = glu_run(&s, "t1", "2025-03-01T01:00:00Z", "6.10", "16.00");
    // (6.10 − 5.60) / 0.25 = +2.00 (not beyond 2 SD: no 1-2s).
    assert!(close(point(&s, qc_ids(&out)[0]).4.unwrap(), 2.0));
    let targets = s.qc_targets(Some("DEMO-CHEM"), Some("GLU")).unwrap();
    let level1 = targets.iter().find(|t| t.level == "1").unwrap();
    assert_eq!(
        (level1.mean, level1.sd, level1.accepted_points),
        (5.60, 0.25, 1)
    );
    assert!(matches!(
        level1.source,
        crate::model::QcTargetSource::Edited { .. }
    ));
    assert_eq!(
        s.qc_standing("DEMO-CHEM", "GLU").unwrap().unwrap().verdict,
        QcVerdict::Accepted
    );
}

#[test]
fn the_monthly_summary_counts_accepted_points_by_the_labs_month() {
    let s = store();
    // Level 1: 5.40 and 5.60 in March; 6.20 in March in a rejected run (1-3s: excluded);
    // 5.70 on 1 April at 01:00 in Ho Chi Minh City (31 March 18:00 UTC).
    glu_run(&s, "m1", "2025-03-01T01:00:00Z", "5.40", "16.00");
    glu_run(&s, "m2", "2025-03-10T01:00:00Z", "5.60", "16.00");
    glu_run(&s, "m3", "2025-03-15T01:00:00Z", "6.20", "16.00");
    glu_run(&s, "m4", "2025-03-31T18:00:00Z", "5.70", "16.00");
    let summary = s
        .qc_monthly_summary("DEMO-CHEM", "GLU", "DC-2026", "1")
        .unwrap();
    assert_eq!(
        (summary.target_mean, summary.target_sd),
        (Some(5.5), Some(0.2))
    );
    let months: Vec<String> = summary.months.iter().map(|m| m.month.to_string()).collect();
    assert_eq!(months, vec!["2025-03", "2025-04"]);
    let (march, april) = (&summary.months[0], &summary.months[1]);
    // March: mean (5.40 + 5.60) / 2 = 5.50; SD √((0.1² + 0.1²) / 1) = 0.141421356;
    // CV 0.141421356 / 5.50 = 2.571297 %; bias 0 %, SDI 0.
    assert_eq!(march.this_month.n, 2);
    assert!(close(march.this_month.mean, 5.5));
    assert!((march.this_month.sd.unwrap() - 0.141_421_356).abs() < 1e-9);
    assert!((march.this_month.cv_percent.unwrap() - 2.571_297_4).abs() < 1e-6);
    assert!(close(march.vs_target.unwrap().sdi, 0.0));
    // April: 5.70 alone: bias (5.70 − 5.50) / 5.50 = 3.636364 %, SDI 0.20 / 0.20 = 1.00;
    // cumulative 5.40, 5.60, 5.70: mean 5.566667, SD √(0.046667 / 2) = 0.152753.
    assert_eq!((april.this_month.n, april.this_month.sd), (1, None));
    let vs = april.vs_target.unwrap();
    assert!((vs.bias_percent.unwrap() - 3.636_363_6).abs() < 1e-6);
    assert!(close(vs.sdi, 1.0));
    assert_eq!(april.cumulative.n, 3);
    assert!((april.cumulative.mean - 5.566_666_667).abs() < 1e-8);
    assert!((april.cumulative.sd.unwrap() - 0.152_752_523).abs() < 1e-8);
}

#[test]
fn a_lot_switches_to_the_labs_own_mean_and_sd_after_20_accepted_points() {
    let s = store();
    let boss = supervisor(&s);
    let switch = |s: &Store| {
        s.use_lab_statistics(
            "DEMO-CHEM",
            "GLU",
            "Demo Chemistry Control",
            "DC-2026",
            "1",
            &boss,
        )
    };
    // Level 1 alternates 5.40 and 5.60 (z −0.50, +0.50), one run a day.
    for day in 1..=20 {
        let value = if day % 2 == 1 { "5.40" } else { "5.60" };
        let at = format!("2025-03-{day:02}T01:00:00Z");
        glu_run(&s, &format!("d{day}"), &at, value, "16.00");
        if day == 19 {
            assert!(matches!(switch(&s), Err(StoreError::Invalid { .. })));
        }
    }
    // Mean 5.50; sample SD √(20 × 0.1² / 19) = 0.102597835.
    let target = switch(&s).unwrap();
    assert!(close(target.mean, 5.5));
    assert!((target.sd - 0.102_597_835).abs() < 1e-9);
    assert!(matches!(
        target.source,
        crate::model::QcTargetSource::LabStatistics { points: 20, .. }
    ));
    // The next point is judged against it: (5.80 − 5.50) / 0.102597835 = +2.924.
    let out = glu_run(&s, "d21", "2025-03-21T01:00:00Z", "5.80", "16.00");
    assert!((point(&s, qc_ids(&out)[0]).4.unwrap() - 2.924_038_3).abs() < 1e-6);
    // The chart starts a new segment where the target changed.
    let chart = s.qc_chart("DEMO-CHEM", "GLU", "1", None).unwrap();
    let segments: Vec<(usize, usize)> = chart.segments.iter().map(|g| (g.first, g.len)).collect();
    assert_eq!(segments, vec![(0, 20), (20, 1)]);
    let audited = s
        .audit_trail(
            &AuditFilter {
                action: Some("qc.lab_statistics".into()),
                ..Default::default()
            },
            None,
            10,
        )
        .unwrap();
    assert_eq!(audited.len(), 1);
}

#[test]
fn the_hold_stays_when_the_lab_leaves_qc_out_of_its_autoverification_rules() {
    let mut config = lab();
    config
        .autoverification
        .rules
        .retain(|r| *r != crate::config::RuleName::Qc);
    let s = Store::open_in_memory(config).unwrap();
    // Level 1 at 6.20: z = +3.50, 1-3s.
    let out = glu_run(&s, "x1", "2025-03-01T01:00:00Z", "6.20", "16.00");
    let run = point(&s, qc_ids(&out)[0]).0.unwrap();
    let held = patient_glu(&s, 1, "2025-03-01T01:30:00Z", "5.0");
    let r = s.result_with_checks(held).unwrap();
    assert_eq!(r.result.state, ResultState::PendingReview);
    assert_eq!(
        r.reasons,
        vec![format!(
            "qc: QC out of control: 1-3s on level 1 (GLU z = +3.50) in run {run}"
        )]
    );
}
