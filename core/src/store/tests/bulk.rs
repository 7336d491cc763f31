//! Bulk "verify (or release) all clear": the server's own choice of results, what it skips and
//! why, separation of duties, one outbox row per order.

use super::review::{audit_rows, json, last_audit, outbox_results, results, store_with};
use super::*;
use crate::config::{ReviewSteps, Section};
use crate::model::{ResultId, ReviewScope, SkipReason};
use crate::validation::clear::NotClear;

/// Three specimens of normal and abnormal immunology results (all wait for review):
/// - S1: TSH 2.0 (clear), FT4 15.0 (clear), TNTHS 60 (critical, high);
/// - S2: TSH 5.0 (high), FT4 16.0 (clear);
/// - S3, a patient without a birth date: TSH 2.0 (no range for an unknown age: every TSH range
///   has an age band, and the range check fails), FT4 14.0 (clear: its range has no band).
fn worklist(s: &Store) -> [Vec<ResultId>; 3] {
    let s1 = results(s, "S1", &[("TSH", "2.0"), ("FT4", "15.0"), ("TNTHS", "60")]);
    let s2 = results(s, "S2", &[("TSH", "5.0"), ("FT4", "16.0")]);
    let mut no_birth = adult("P-S3", "S3", &["TSH", "FT4"]);
    no_birth.patient.birth_date = None;
    s.place_order(no_birth, &SYSTEM).unwrap();
    let s3 = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "msg S3",
            vec![obs("S3", "TSH", "2.0"), obs("S3", "FT4", "14.0")],
        ))
        .unwrap(),
    );
    [s1, s2, s3]
}

#[test]
fn verify_all_clear_skips_high_critical_and_no_range() {
    // A lab that gave HIV no normal text: its range check does not apply.
    let mut config = lab();
    for t in &mut config.tests {
        if t.code == "HIV" {
            t.normal_text.clear();
        }
    }
    let s = Store::open_in_memory(config).unwrap();
    let tech = technician(&s);
    let [s1, s2, s3] = worklist(&s);
    let s4 = results(&s, "S4", &[("HIV", "Negative")]);
    // One specimen first: 2 of its 3 results are clear.
    let out = s
        .verify_all_clear(&ReviewScope::Specimen("S1".into()), &tech)
        .unwrap();
    assert_eq!(out.acted, vec![s1[0], s1[1]]);
    assert_eq!(out.skipped.len(), 1);
    assert_eq!(out.skipped[0].result_id, s1[2]);
    assert_eq!(
        out.skipped[0].reason,
        SkipReason::NotClear(NotClear::Critical)
    );
    // Then the whole worklist: of the 5 still waiting, S2's FT4 and S3's FT4 are clear.
    let out = s
        .verify_all_clear(&ReviewScope::Worklist { section: None }, &tech)
        .unwrap();
    assert_eq!(out.acted, vec![s2[1], s3[1]]);
    assert_eq!((out.acted_count(), out.skipped_count()), (2, 4));
    let reasons: Vec<(ResultId, SkipReason)> = out
        .skipped
        .iter()
        .map(|k| (k.result_id, k.reason.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (s1[2], SkipReason::NotClear(NotClear::Critical)),
            (
                s2[0],
                SkipReason::NotClear(NotClear::Flagged(vec![Flag::High]))
            ),
            (
                s3[0],
                SkipReason::NotClear(NotClear::CheckFailed("reference_range".into()))
            ),
            (
                s4[0],
                SkipReason::NotClear(NotClear::CheckNotApplicable("reference_range".into()))
            ),
        ]
    );
    for id in [s1[0], s1[1], s2[1], s3[1]] {
        let r = s.result(id).unwrap();
        assert_eq!((r.state, r.rev), (ResultState::Verified, 2), "result {id}");
    }
    for id in [s1[2], s2[0], s3[0], s4[0]] {
        assert_eq!(s.result(id).unwrap().state, ResultState::PendingReview);
    }
    // Each verified result has its own audit entry, and the bulk action one more.
    assert_eq!(audit_rows(&s, "result.verify").len(), 4);
    let (_, _, entity, _, new, _) = last_audit(&s, "result.verify_all_clear");
    assert_eq!(entity, "all");
    assert_eq!(json(&new)["acted"], serde_json::json!([s2[1], s3[1]]));
    // A section with nothing waiting: nothing done.
    let out = s
        .verify_all_clear(
            &ReviewScope::Worklist {
                section: Some(Section::Biochemistry),
            },
            &tech,
        )
        .unwrap();
    assert_eq!((out.acted_count(), out.skipped_count()), (0, 0));
    assert!(matches!(
        s.verify_all_clear(&ReviewScope::Specimen("NOPE".into()), &tech),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn release_all_clear_follows_separation_of_duties_and_groups_the_outbox() {
    let s = store();
    let (tech, boss) = (technician(&s), supervisor(&s));
    let [s1, s2, s3] = worklist(&s);
    // The technician may not release in a two-step lab, in bulk either.
    assert!(matches!(
        s.release_all_clear(&ReviewScope::Worklist { section: None }, &tech),
        Err(StoreError::Forbidden { .. })
    ));
    s.verify_all_clear(&ReviewScope::Specimen("S1".into()), &tech)
        .unwrap();
    s.verify_all_clear(&ReviewScope::Specimen("S2".into()), &tech)
        .unwrap();
    // The supervisor verifies S3's FT4 itself: it may not release it too.
    s.verify_result(s3[1], 1, &boss).unwrap();
    // The critical troponin, verified by the technician, waits for its call-back.
    s.verify_result(s1[2], 1, &tech).unwrap();
    let out = s
        .release_all_clear(&ReviewScope::Worklist { section: None }, &boss)
        .unwrap();
    assert_eq!(out.acted, vec![s1[0], s1[1], s2[1]]);
    let reasons: Vec<(ResultId, SkipReason)> = out
        .skipped
        .iter()
        .map(|k| (k.result_id, k.reason.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (s1[2], SkipReason::NotClear(NotClear::Critical)),
            (s3[1], SkipReason::VerifiedBySelf),
        ]
    );
    // One outbox row per order.
    assert_eq!(outbox_results(&s), vec![vec![s1[0], s1[1]], vec![s2[1]]]);
    for id in [s1[0], s1[1], s2[1]] {
        let r = s.result(id).unwrap();
        assert_eq!((r.state, r.rev), (ResultState::Released, 3), "result {id}");
    }
    assert_eq!(s.result(s3[1]).unwrap().state, ResultState::Verified);
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn one_step_release_all_clear_verifies_and_releases() {
    let s = store_with(ReviewSteps::One, true);
    let tech = technician(&s);
    let [s1, _, _] = worklist(&s);
    let out = s
        .release_all_clear(&ReviewScope::Specimen("S1".into()), &tech)
        .unwrap();
    assert_eq!(out.acted, vec![s1[0], s1[1]]);
    assert_eq!(out.skipped_count(), 1);
    for id in [s1[0], s1[1]] {
        let r = s.result(id).unwrap();
        assert_eq!((r.state, r.rev), (ResultState::Released, 3));
        assert_eq!(r.verified_by, r.released_by);
    }
    assert_eq!(outbox_results(&s), vec![vec![s1[0], s1[1]]]);
}

/// Releasing all clear results of ten 20-test chemistry panels (autoverified, waiting for a
/// person's release): all 200 in one action. Prints the time it took (in memory; the benchmark
/// `cargo bench -p lis-core --bench review` measures it on disk); tests assert no timings.
#[test]
fn release_all_clear_of_200_results() {
    let mut config = lab();
    for t in &mut config.tests {
        t.auto_release = false;
    }
    let s = Store::open_in_memory(config).unwrap();
    let boss = supervisor(&s);
    const CHEM: [(&str, &str); 20] = [
        ("GLU", "5.0"),
        ("UREA", "5.0"),
        ("CREA", "80"),
        ("AST", "20"),
        ("ALT", "20"),
        ("GGT", "30"),
        ("TBIL", "10"),
        ("DBIL", "3"),
        ("CHOL", "4.5"),
        ("TG", "1.0"),
        ("HDL", "1.2"),
        ("LDL", "2.5"),
        ("UA", "300"),
        ("NA", "140"),
        ("K", "4.0"),
        ("CL", "100"),
        ("CA", "2.3"),
        ("CRP", "2.0"),
        ("ALB", "40"),
        ("TP", "70"),
    ];
    for i in 0..10 {
        results(&s, &format!("B{i}"), &CHEM);
    }
    let start = std::time::Instant::now();
    let out = s
        .release_all_clear(&ReviewScope::Worklist { section: None }, &boss)
        .unwrap();
    eprintln!(
        "release_all_clear: {} released, {} skipped in {:?}",
        out.acted_count(),
        out.skipped_count(),
        start.elapsed()
    );
    assert_eq!((out.acted_count(), out.skipped_count()), (200, 0));
    // One outbox row per order, each with its 20 results.
    let rows = outbox_results(&s);
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r.len() == 20));
}

#[test]
fn a_version_beside_a_released_one_is_left_for_a_person() {
    let s = store();
    let tech = technician(&s);
    // A normal glucose is autoverified and released; the analyzer then sends it again.
    let first = results(&s, "S1", &[("GLU", "5.0")])[0];
    let again = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "again",
            vec![obs("S1", "GLU", "5.1")],
        ))
        .unwrap(),
    )[0];
    let r = s.result(again).unwrap();
    assert_eq!(
        (r.state, r.reported, s.result(first).unwrap().reported),
        (ResultState::PendingReview, false, true)
    );
    let out = s
        .verify_all_clear(&ReviewScope::Specimen("S1".into()), &tech)
        .unwrap();
    assert!(out.acted.is_empty());
    assert_eq!(out.skipped.len(), 1);
    assert_eq!(
        (out.skipped[0].result_id, &out.skipped[0].reason),
        (again, &SkipReason::NotReported)
    );
}
