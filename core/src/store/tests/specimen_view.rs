//! The specimen review page: patient, order, tube, results in catalog order with ranges,
//! checks, reasons, people, delta and versions; the patient's earlier results.

use jiff::civil::date;

use super::worklist::tube;
use super::*;
use crate::config::{RangeSex, Section};
use crate::model::{Age, ReasonCode};

/// Patient H1's earlier tube P0 (GLU 5.0 and K 4.0, autoverified and released on
/// 2025-02-28 at 02:00), and today's tube S1 (TSH, K, GLU sent in that order at 02:00).
fn two_visits(s: &Store) -> (Vec<i64>, Vec<i64>) {
    let mut earlier = tube("P0", "S0", &["GLU", "K"], Priority::Routine, None, "H1");
    earlier.specimens[0].collected_at = Some(t("2025-02-28T01:00:00Z"));
    s.place_order(earlier, &SYSTEM).unwrap();
    let mut m = message(
        "DEMO-CHEM",
        "c",
        "m0",
        vec![obs("S0", "GLU", "5.0"), obs("S0", "K", "4.0")],
    );
    m.received_at = t("2025-02-28T02:00:00Z");
    let first = result_ids(&s.ingest(m).unwrap());
    let mut today = tube(
        "P1",
        "S1",
        &["GLU", "K", "TSH"],
        Priority::Stat,
        Some("2025-03-01T01:30:00Z"),
        "H1",
    );
    today.requesting_doctor = "BS. Lê".into();
    s.place_order(today, &SYSTEM).unwrap();
    let second = result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "c",
            "m1",
            vec![
                obs("S1", "TSH", "2.0"),
                obs("S1", "K", "4.2"),
                obs("S1", "GLU", "7.0"),
            ],
        ))
        .unwrap(),
    );
    (first, second)
}

#[test]
fn results_read_like_the_printout_with_what_they_were_checked_against() {
    let s = store();
    let (_, ids) = two_visits(&s);
    let (tsh, k, glu) = (ids[0], ids[1], ids[2]);
    let v = s.specimen_review("S1").unwrap();
    assert_eq!(v.patient.his_id, "H1");
    assert_eq!(v.patient.name, "Patient H1");
    assert_eq!(v.patient.birth_date, Some(date(1980, 5, 1)));
    // Collected 2025-03-01T01:00Z: 44 years 10 months (16,375 days).
    assert_eq!(
        v.patient.age_at_collection,
        Some(Age {
            total_days: 16_375,
            years: 44,
            months: 10,
            days: 0
        })
    );
    assert_eq!(v.order.placer_number, "P1");
    assert_eq!(v.order.requesting_doctor, "BS. Lê");
    assert_eq!(v.order.priority, Priority::Stat);
    assert!(v.order.accession.starts_with('L'), "{}", v.order.accession);
    assert_eq!(v.specimen.barcode, "S1");
    assert_eq!(v.specimen.specimen_type, "serum");
    assert_eq!(v.specimen.received_at, Some(t("2025-03-01T01:30:00Z")));
    // Catalog order: GLU, then K, then TSH (the lab file's order), not the message's.
    let codes: Vec<&str> = v.results.iter().map(|r| r.test_code.as_str()).collect();
    assert_eq!(codes, ["GLU", "K", "TSH"]);
    assert!(v.tests_without_result.is_empty());

    let g = &v.results[0];
    assert_eq!(g.id, glu);
    assert_eq!(
        (g.name_vi.as_str(), g.name_en.as_str()),
        ("Glucose", "Glucose")
    );
    assert_eq!(g.section, Some(Section::Biochemistry));
    assert_eq!((g.value.as_str(), g.unit.as_str()), ("7.0", "mmol/L"));
    assert_eq!(g.state, ResultState::PendingReview);
    assert_eq!(g.flags, [Flag::High]);
    assert!(!g.critical);
    assert_eq!(g.rev, 1);
    assert_eq!(g.instrument, "DEMO-CHEM");
    assert!(g.journal_id.is_some());
    // The adult range 3.9–6.4 (any sex, from 28 days), as the check named it.
    let range = g.range.as_ref().unwrap();
    assert_eq!((range.low, range.high), (Some(3.9), Some(6.4)));
    assert_eq!(range.text, "3.9-6.4");
    assert_eq!(
        (range.sex, range.age_min_days, range.age_max_days),
        (RangeSex::Any, 28, None)
    );
    assert!(range.as_checked);
    let reasons: Vec<ReasonCode> = g.reasons.iter().map(|r| r.code).collect();
    assert_eq!(reasons, [ReasonCode::ReferenceRange]);
    let rr = g
        .checks
        .iter()
        .find(|c| c.rule == "reference_range")
        .unwrap();
    assert_eq!(rr.outcome, Outcome::Failed);
    assert_eq!(rr.detail, "7.0 above 3.9–6.4 (any sex, 28+ days)");
    // Delta: from 5.0 a day earlier, +2.0 (+40 %), within GLU's 100 % in 24 h.
    let d = g.delta.as_ref().unwrap();
    assert_eq!(d.previous_value, "5.0");
    assert_eq!(d.previous_at, t("2025-02-28T02:00:00Z"));
    assert!((d.change - 2.0).abs() < 1e-9, "{}", d.change);
    assert!((d.change_percent.unwrap() - 40.0).abs() < 1e-9);
    assert_eq!(
        g.checks.iter().find(|c| c.rule == "delta").unwrap().outcome,
        Outcome::Passed
    );
    assert_eq!(g.versions.len(), 1);

    // K 4.2 after 4.0: autoverified and released, shown as released by the system.
    let kr = &v.results[1];
    assert_eq!(kr.id, k);
    assert_eq!(kr.state, ResultState::Released);
    assert!(kr.reasons.is_empty());
    assert!(kr.released_at.is_some() && kr.released_by.is_none());
    assert!((kr.delta.as_ref().unwrap().change - 0.2).abs() < 1e-9);

    // TSH: held because autoverification is off for it; within 0.27–4.2; no delta rule, but
    // no earlier TSH either.
    let tr = &v.results[2];
    assert_eq!(tr.id, tsh);
    assert_eq!(tr.value, "2.000");
    assert_eq!(tr.range.as_ref().unwrap().text, "0.27-4.2");
    assert_eq!(tr.reasons[0].code, ReasonCode::AutoverificationOff);
    assert_eq!(tr.delta, None);
}

#[test]
fn people_versions_callbacks_and_comments() {
    let s = store();
    let (_, ids) = two_visits(&s);
    let (tsh, glu) = (ids[0], ids[2]);
    let tech = s
        .create_user("lan", "KTV Lan", &[Role::Technician], &SYSTEM)
        .unwrap();
    // A rerun of GLU answers 6.0: version 2, reported; version 1 is kept, rerun_requested.
    s.request_rerun(glu, "check", None, &Actor::User(tech))
        .unwrap();
    let mut m = message("DEMO-CHEM", "c", "m2", vec![obs("S1", "GLU", "6.0")]);
    m.received_at = t("2025-03-01T03:00:00Z");
    let glu2 = result_ids(&s.ingest(m).unwrap())[0];
    // Who verified TSH (written here as the review actions will write it), a call-back and
    // comments.
    s.write(|conn, _| {
        conn.execute(
            "UPDATE results SET state = 'verified', verified_by = ?1, verified_at = ?2 WHERE id = ?3",
            rusqlite::params![tech, t("2025-03-01T04:00:00Z").as_millisecond(), tsh],
        )?;
        conn.execute(
            "INSERT INTO callbacks (result_id, told_name, told_role, location, read_back, outcome, \
             recorded_at, recorded_by) VALUES (?1, 'BS. Hà', 'doctor', 'Khoa Nội', 1, \
             'told_read_back', 0, ?2)",
            rusqlite::params![tsh, tech],
        )?;
        conn.execute(
            "INSERT INTO comments (specimen_id, result_id, text, created_at, created_by) \
             SELECT id, NULL, 'tube slightly hemolysed', 0, ?1 FROM specimens WHERE barcode = 'S1'",
            [tech],
        )?;
        conn.execute(
            "INSERT INTO comments (specimen_id, result_id, text, created_at, created_by) \
             SELECT id, ?2, 'patient on levothyroxine', 0, ?1 FROM specimens WHERE barcode = 'S1'",
            rusqlite::params![tech, tsh],
        )?;
        Ok(())
    })
    .unwrap();
    let v = s.specimen_review("S1").unwrap();
    let g: Vec<_> = v.results.iter().filter(|r| r.test_code == "GLU").collect();
    // Only the reported version is current; both versions are listed with it.
    assert_eq!(g.len(), 1);
    assert_eq!(
        (g[0].id, g[0].version, g[0].value.as_str()),
        (glu2, 2, "6.0")
    );
    let versions: Vec<(i64, &str, ResultState, bool)> = g[0]
        .versions
        .iter()
        .map(|x| (x.version, x.value.as_str(), x.state, x.reported))
        .collect();
    // 6.0 is within 3.9–6.4 and 20 % from 5.0: autoverified and released.
    assert_eq!(
        versions,
        [
            (1, "7.0", ResultState::RerunRequested, false),
            (2, "6.0", ResultState::Released, true)
        ]
    );
    // The rerun's delta compares with the earlier tube's 5.0, not with version 1 of its own test.
    assert_eq!(g[0].delta.as_ref().unwrap().previous_value, "5.0");
    let tr = v.results.iter().find(|r| r.id == tsh).unwrap();
    assert_eq!(tr.state, ResultState::Verified);
    assert_eq!(
        tr.verified_by.as_ref().map(|u| u.display_name.as_str()),
        Some("KTV Lan")
    );
    assert_eq!(tr.verified_at, Some(t("2025-03-01T04:00:00Z")));
    assert_eq!(tr.callbacks.len(), 1);
    assert_eq!(
        (
            tr.callbacks[0].told_name.as_str(),
            tr.callbacks[0].read_back,
            tr.callbacks[0].recorded_by.display_name.as_str()
        ),
        ("BS. Hà", true, "KTV Lan")
    );
    assert_eq!(tr.comments.len(), 1);
    assert_eq!(tr.comments[0].text, "patient on levothyroxine");
    assert_eq!(v.comments.len(), 1);
    assert_eq!(v.comments[0].text, "tube slightly hemolysed");
}

#[test]
fn earlier_released_results_per_test_bounded() {
    let s = store();
    let (first, _) = two_visits(&s);
    let patient = s.specimen_review("S1").unwrap().patient.id;
    let codes = vec![String::from("GLU"), String::from("K"), String::from("TSH")];
    // Before S1: only S0's released GLU and K.
    let prior = s.previous_results(patient, &codes, Some("S1"), 5).unwrap();
    let got: Vec<(&str, Vec<(&str, &str)>)> = prior
        .iter()
        .map(|p| {
            (
                p.test_code.as_str(),
                p.results
                    .iter()
                    .map(|r| (r.barcode.as_str(), r.value.as_str()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("GLU", vec![("S0", "5.0")]),
            ("K", vec![("S0", "4.0")]),
            ("TSH", vec![])
        ]
    );
    assert_eq!(prior[0].results[0].id, first[0]);
    assert_eq!(prior[0].results[0].at, t("2025-02-28T02:00:00Z"));
    assert!(prior[0].results[0].flags.is_empty());
    // Without a tube: every released result, newest first (S1's K 4.2 is released too), at
    // most one per test when asked.
    let all = s.previous_results(patient, &codes, None, 1).unwrap();
    assert_eq!(all[1].results.len(), 1);
    assert_eq!(all[1].results[0].value, "4.2");
    assert!(all[0].results.len() == 1 && all[0].results[0].value == "5.0");
}

#[test]
fn an_unknown_tube_is_not_found_and_a_damaged_row_is_an_error() {
    let s = store();
    assert!(matches!(
        s.specimen_review("NOPE"),
        Err(StoreError::NotFound {
            entity: "specimen",
            ..
        })
    ));
    two_visits(&s);
    s.write(|conn, _| {
        conn.execute(
            "UPDATE results SET state = 'approved' WHERE specimen_barcode = 'S1' AND test_code = 'K'",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    let e = s.specimen_review("S1").unwrap_err().to_string();
    assert!(
        e.contains("column state: unknown state \"approved\""),
        "{e}"
    );
}

#[test]
fn a_test_without_result_is_listed_apart() {
    let s = store();
    s.place_order(adult("P9", "S9", &["TSH", "GLU"]), &SYSTEM)
        .unwrap();
    s.ingest(message(
        "DEMO-CHEM",
        "c",
        "x",
        vec![obs("S9", "GLU", "5.0")],
    ))
    .unwrap();
    let v = s.specimen_review("S9").unwrap();
    assert_eq!(v.results.len(), 1);
    assert_eq!(v.tests_without_result, ["TSH"]);
}

#[test]
fn a_new_value_after_release_waits_beside_the_released_version() {
    let s = store();
    let (first, _) = two_visits(&s);
    // S0's GLU 5.0 is released; the analyzer sends GLU 5.3 for S0 again: version 2 waits (a
    // change needs a correction) and is not the reported version.
    let mut m = message("DEMO-CHEM", "c", "again", vec![obs("S0", "GLU", "5.3")]);
    m.received_at = t("2025-02-28T05:00:00Z");
    let v2 = result_ids(&s.ingest(m).unwrap())[0];
    let v = s.specimen_review("S0").unwrap();
    let glu: Vec<(i64, i64, ResultState, bool)> = v
        .results
        .iter()
        .filter(|r| r.test_code == "GLU")
        .map(|r| (r.id, r.version, r.state, r.reported))
        .collect();
    assert_eq!(
        glu,
        [
            (first[0], 1, ResultState::Released, true),
            (v2, 2, ResultState::PendingReview, false)
        ]
    );
    let waiting = &v.results[1];
    assert_eq!(waiting.reasons.len(), 1);
    assert_eq!(waiting.reasons[0].code, ReasonCode::ReleasedVersionExists);
    assert_eq!(
        waiting.reasons[0].text,
        "a released version exists: a change needs a correction"
    );
    // Both list the same two versions.
    assert_eq!(v.results[0].versions, waiting.versions);
    assert_eq!(waiting.versions.len(), 2);
}
