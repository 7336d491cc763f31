//! A person's review actions as the lab sees them: who may do what under `[review]`, row
//! versions, the audit entry of each action, critical call-backs, manual entry and edits.
//!
//! In the embedded default lab, TSH and FT4 (immunology, DEMO-CHEM) are not autoverified, so a
//! normal value waits for a person; TNTHS above 52 ng/L is critical (and above 14 high); GLU is
//! autoverified and released at once when normal.

use super::*;
use crate::config::{ReviewSteps, RuleName};
use crate::model::{CallbackOutcome, NewCallback, ResultId};

/// A store with the given review policy.
pub(super) fn store_with(steps: ReviewSteps, release_by_other_user: bool) -> Store {
    let mut config = lab();
    config.review.steps = steps;
    config.review.release_by_other_user = release_by_other_user;
    Store::open_in_memory(config).unwrap()
}

/// Places an adult's order on `barcode` and sends `values` from DEMO-CHEM; returns the result
/// ids in the order sent.
pub(super) fn results(s: &Store, barcode: &str, values: &[(&str, &str)]) -> Vec<ResultId> {
    let tests: Vec<&str> = values.iter().map(|(t, _)| *t).collect();
    s.place_order(adult(&format!("P-{barcode}"), barcode, &tests), &SYSTEM)
        .unwrap();
    result_ids(
        &s.ingest(message(
            "DEMO-CHEM",
            "chem-1",
            &format!("msg {barcode}"),
            values.iter().map(|(t, v)| obs(barcode, t, v)).collect(),
        ))
        .unwrap(),
    )
}

/// The latest audit entry: actor, action, entity id, old, new, reason.
pub(super) type AuditRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(super) fn audit_rows(s: &Store, action: &str) -> Vec<AuditRow> {
    s.read(|conn, _| {
        let mut stmt = conn.prepare(
            "SELECT actor, action, entity_id, old, new, reason FROM audit WHERE action = ?1 \
             ORDER BY seq",
        )?;
        let rows = stmt.query_map([action], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .unwrap()
}

pub(super) fn last_audit(s: &Store, action: &str) -> AuditRow {
    audit_rows(s, action).pop().unwrap()
}

pub(super) fn json(text: &Option<String>) -> serde_json::Value {
    serde_json::from_str(text.as_deref().unwrap()).unwrap()
}

pub(super) fn outbox_results(s: &Store) -> Vec<Vec<ResultId>> {
    s.outbox_pending(100)
        .unwrap()
        .into_iter()
        .map(|o| o.result_ids)
        .collect()
}

fn told() -> NewCallback {
    NewCallback {
        told_name: "BS. Phạm Minh".into(),
        told_role: "doctor".into(),
        location: "Khoa Cấp cứu, 0912 345 678".into(),
        read_back: true,
        outcome: CallbackOutcome::ToldReadBack,
    }
}

#[test]
fn verify_records_who_and_when_and_its_audit_entry() {
    let s = store();
    let tech = technician(&s);
    let tsh = results(&s, "S1", &[("TSH", "2.0")])[0];
    let before = s.result(tsh).unwrap();
    assert_eq!((before.state, before.rev), (ResultState::PendingReview, 1));
    let done = s.verify_result(tsh, 1, &tech).unwrap();
    assert_eq!(
        (done.result_id, done.state, done.rev, done.new_version),
        (tsh, ResultState::Verified, 2, None)
    );
    let r = s.result(tsh).unwrap();
    let Actor::User(tech_id) = tech else {
        unreachable!()
    };
    assert_eq!(
        (r.state, r.rev, r.verified_by, r.released_by),
        (ResultState::Verified, 2, Some(tech_id), None)
    );
    assert!(r.verified_at.is_some());
    let (actor, action, entity, old, new, reason) = last_audit(&s, "result.verify");
    assert_eq!(
        (actor.as_str(), action.as_str(), entity),
        (
            format!("user:{tech_id}").as_str(),
            "result.verify",
            tsh.to_string()
        )
    );
    assert_eq!(json(&old)["state"], "pending_review");
    assert_eq!(json(&old)["rev"], 1);
    assert_eq!(json(&new)["state"], "verified");
    assert_eq!(json(&new)["rev"], 2);
    assert_eq!(reason, None);
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn two_step_lab_technician_verifies_supervisor_releases() {
    let s = store();
    let (tech, boss) = (technician(&s), supervisor(&s));
    let tsh = results(&s, "S1", &[("TSH", "2.0")])[0];
    s.verify_result(tsh, 1, &tech).unwrap();
    // The technician may not release in a two-step lab.
    match s.release_result(tsh, 2, &tech) {
        Err(StoreError::Forbidden { permission, .. }) => assert_eq!(permission, "release"),
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert_eq!(s.result(tsh).unwrap().rev, 2, "a refusal changes nothing");
    let done = s.release_result(tsh, 2, &boss).unwrap();
    assert_eq!((done.state, done.rev), (ResultState::Released, 3));
    let r = s.result(tsh).unwrap();
    let Actor::User(boss_id) = boss else {
        unreachable!()
    };
    assert_eq!(r.released_by, Some(boss_id));
    assert_eq!(outbox_results(&s), vec![vec![tsh]]);
    let (actor, _, _, old, new, _) = last_audit(&s, "result.release");
    assert_eq!(actor, format!("user:{boss_id}"));
    assert_eq!(
        (json(&old)["state"].clone(), json(&new)["state"].clone()),
        (serde_json::json!("verified"), serde_json::json!("released"))
    );
    // Verify-and-release is refused in a two-step lab, for a supervisor too.
    let ft4 = results(&s, "S2", &[("FT4", "15.0")])[0];
    match s.verify_and_release(ft4, 1, &boss) {
        Err(StoreError::Forbidden { detail, .. }) => {
            assert!(detail.contains("one-step"), "{detail}")
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[test]
fn one_step_lab_technician_releases_what_they_verified() {
    let s = store_with(ReviewSteps::One, true);
    let tech = technician(&s);
    let ids = results(&s, "S1", &[("TSH", "2.0"), ("FT4", "15.0")]);
    s.verify_result(ids[0], 1, &tech).unwrap();
    assert_eq!(
        s.release_result(ids[0], 2, &tech).unwrap().state,
        ResultState::Released
    );
    // Verify-and-release: one action, two audit entries, verified and released by the same
    // person.
    let done = s.verify_and_release(ids[1], 1, &tech).unwrap();
    assert_eq!((done.state, done.rev), (ResultState::Released, 3));
    let r = s.result(ids[1]).unwrap();
    assert_eq!(r.verified_by, r.released_by);
    assert!(r.verified_by.is_some());
    assert_eq!(audit_rows(&s, "result.verify").len(), 2);
    assert_eq!(audit_rows(&s, "result.release").len(), 2);
    assert_eq!(outbox_results(&s), vec![vec![ids[0]], vec![ids[1]]]);
    // A technician may not release what another technician verified.
    let other = person(&s, "ktv2", &[Role::Technician]);
    let glu_free = results(&s, "S2", &[("TSH", "1.0")])[0];
    s.verify_result(glu_free, 1, &other).unwrap();
    match s.release_result(glu_free, 2, &tech) {
        Err(StoreError::Forbidden { permission, .. }) => {
            assert_eq!(permission, "release_others_verification")
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[test]
fn separation_of_duties_follows_release_by_other_user() {
    let strict = store_with(ReviewSteps::Two, true);
    let boss = supervisor(&strict);
    let tsh = results(&strict, "S1", &[("TSH", "2.0")])[0];
    strict.verify_result(tsh, 1, &boss).unwrap();
    match strict.release_result(tsh, 2, &boss) {
        Err(StoreError::Forbidden { permission, detail }) => {
            assert_eq!(permission, "release");
            assert!(detail.contains("release_by_other_user"), "{detail}");
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    // Another supervisor may.
    let boss2 = person(&strict, "pho_khoa", &[Role::Supervisor]);
    strict.release_result(tsh, 2, &boss2).unwrap();

    let relaxed = store_with(ReviewSteps::Two, false);
    let boss = supervisor(&relaxed);
    let tsh = results(&relaxed, "S1", &[("TSH", "2.0")])[0];
    relaxed.verify_result(tsh, 1, &boss).unwrap();
    assert_eq!(
        relaxed.release_result(tsh, 2, &boss).unwrap().state,
        ResultState::Released
    );
}

#[test]
fn admin_only_disabled_and_unknown_users_are_refused() {
    let s = store();
    let admin = person(&s, "quantri", &[Role::Admin]);
    let ids = results(&s, "S1", &[("TSH", "2.0"), ("FT4", "15.0")]);
    match s.verify_result(ids[0], 1, &admin) {
        Err(StoreError::Forbidden { permission, .. }) => assert_eq!(permission, "verify"),
        other => panic!("expected Forbidden, got {other:?}"),
    }
    // An admin who is also a supervisor may.
    let both = person(&s, "quantri2", &[Role::Admin, Role::Supervisor]);
    s.verify_result(ids[0], 1, &both).unwrap();

    let tech = technician(&s);
    let Actor::User(tech_id) = tech else {
        unreachable!()
    };
    s.write(|conn, _| Ok(conn.execute("UPDATE users SET active = 0 WHERE id = ?1", [tech_id])?))
        .unwrap();
    match s.verify_result(ids[1], 1, &tech) {
        Err(StoreError::Forbidden { detail, .. }) => {
            assert!(detail.contains("disabled"), "{detail}")
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    match s.verify_result(ids[1], 1, &Actor::User(9_999)) {
        Err(StoreError::Forbidden { detail, .. }) => {
            assert!(detail.contains("does not exist"), "{detail}")
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    let r = s.result(ids[1]).unwrap();
    assert_eq!((r.state, r.rev), (ResultState::PendingReview, 1));
    // The system (the command line) acts as before, without a role.
    assert_eq!(s.verify(ids[1], &SYSTEM).unwrap(), ResultState::Verified);
    assert_eq!(s.result(ids[1]).unwrap().verified_by, None);
}

#[test]
fn stale_version_says_who_changed_it_and_illegal_transitions_are_typed() {
    let s = store();
    let tech = Actor::User(
        s.create_user("lan", "KTV Lan", &[Role::Technician], &SYSTEM)
            .unwrap(),
    );
    let boss = supervisor(&s);
    let tsh = results(&s, "S1", &[("TSH", "2.0")])[0];
    // Both opened the page at version 1; the technician verifies first.
    s.verify_result(tsh, 1, &tech).unwrap();
    match s.reject_result(tsh, 1, "haemolysed", &boss) {
        Err(StoreError::Stale {
            result_id,
            expected_rev,
            current_rev,
            changed_by,
            changed_at,
            state,
        }) => {
            assert_eq!((result_id, expected_rev, current_rev), (tsh, 1, 2));
            assert_eq!(changed_by.as_deref(), Some("KTV Lan"));
            assert!(changed_at.is_some());
            assert_eq!(state, "verified");
        }
        other => panic!("expected Stale, got {other:?}"),
    }
    assert_eq!(s.result(tsh).unwrap().state, ResultState::Verified);
    // Verifying again at the current version is an illegal transition, not a panic.
    match s.verify_result(tsh, 2, &tech) {
        Err(StoreError::IllegalTransition(IllegalTransition {
            from: ResultState::Verified,
            action: Action::Verify,
        })) => {}
        other => panic!("expected IllegalTransition, got {other:?}"),
    }
    assert!(matches!(
        s.verify_result(123_456, 1, &tech),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn reject_and_rerun_with_their_reasons() {
    let s = store();
    let tech = technician(&s);
    let ids = results(&s, "S1", &[("TSH", "2.0"), ("FT4", "15.0")]);
    assert!(matches!(
        s.reject_result(ids[0], 1, "  ", &tech),
        Err(StoreError::Invalid { .. })
    ));
    let done = s.reject_result(ids[0], 1, "clotted", &tech).unwrap();
    assert_eq!((done.state, done.rev), (ResultState::Rejected, 2));
    let (_, _, entity, old, new, reason) = last_audit(&s, "result.reject");
    assert_eq!(entity, ids[0].to_string());
    assert_eq!(json(&old)["state"], "pending_review");
    assert_eq!(json(&new)["state"], "rejected");
    assert_eq!(reason.as_deref(), Some("clotted"));

    assert!(matches!(
        s.rerun_result(ids[1], 1, "check", Some(1), &tech),
        Err(StoreError::Invalid { .. })
    ));
    let done = s
        .rerun_result(ids[1], 1, "suspect bubble", Some(5), &tech)
        .unwrap();
    assert_eq!((done.state, done.rev), (ResultState::RerunRequested, 2));
    // The test is back on the analyzer's work list, with the dilution.
    let pending = s.pending_tests_for_specimen("DEMO-CHEM", "S1").unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (
            pending[0].instrument_test_code.as_str(),
            pending[0].rerun,
            pending[0].dilution
        ),
        ("FT4", true, Some(5))
    );
    let (_, _, _, _, new, reason) = last_audit(&s, "result.request_rerun");
    assert_eq!(json(&new)["state"], "rerun_requested");
    assert_eq!(reason.as_deref(), Some("suspect bubble"));
}

#[test]
fn critical_result_needs_a_told_call_back_before_release() {
    let s = store();
    let (tech, boss) = (technician(&s), supervisor(&s));
    let trop = results(&s, "S1", &[("TNTHS", "60")])[0];
    let r = s.result(trop).unwrap();
    assert!(r.flags.contains(&Flag::CriticalHigh), "{:?}", r.flags);
    s.verify_result(trop, 1, &tech).unwrap();
    assert!(matches!(
        s.release_result(trop, 2, &boss),
        Err(StoreError::CallbackRequired { result_id }) if result_id == trop
    ));
    // Could not reach anyone: still refused. The call-back does not change the result's version.
    let not_reached = NewCallback {
        read_back: false,
        outcome: CallbackOutcome::NotReached,
        ..told()
    };
    let first = s.record_callback(trop, &not_reached, &tech).unwrap();
    assert_eq!(first.outcome, CallbackOutcome::NotReached);
    assert_eq!(s.result(trop).unwrap().rev, 2);
    assert!(matches!(
        s.release_result(trop, 2, &boss),
        Err(StoreError::CallbackRequired { .. })
    ));
    // The command line's release without a version obeys the same rule.
    assert!(matches!(
        s.release(trop, &SYSTEM),
        Err(StoreError::CallbackRequired { .. })
    ));
    let second = s.record_callback(trop, &told(), &tech).unwrap();
    assert_eq!(
        s.release_result(trop, 2, &boss).unwrap().state,
        ResultState::Released
    );
    let callbacks = s.callbacks(trop).unwrap();
    assert_eq!(callbacks, vec![first, second.clone()]);
    assert_eq!(second.told_name, "BS. Phạm Minh");
    assert_eq!(second.recorded_by_name, "ktv (display)");
    assert!(second.read_back);
    let (_, _, entity, _, new, _) = last_audit(&s, "result.callback");
    assert_eq!(entity, trop.to_string());
    assert_eq!(json(&new)["outcome"], "told_read_back");
    assert_eq!(json(&new)["location"], "Khoa Cấp cứu, 0912 345 678");
}

#[test]
fn call_backs_are_checked_and_need_a_person() {
    let s = store();
    let tech = technician(&s);
    let trop = results(&s, "S1", &[("TNTHS", "60")])[0];
    let contradictory = NewCallback {
        read_back: false,
        ..told()
    };
    assert!(matches!(
        s.record_callback(trop, &contradictory, &tech),
        Err(StoreError::Invalid { .. })
    ));
    let nameless = NewCallback {
        told_name: " ".into(),
        ..told()
    };
    match s.record_callback(trop, &nameless, &tech) {
        Err(StoreError::Invalid { what }) => assert!(what.contains("told_name"), "{what}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(matches!(
        s.record_callback(trop, &told(), &SYSTEM),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(matches!(
        s.record_callback(99_999, &told(), &tech),
        Err(StoreError::NotFound { .. })
    ));
    assert!(s.callbacks(trop).unwrap().is_empty());
}

#[test]
fn one_step_verify_and_release_of_a_critical_result_changes_nothing_without_call_back() {
    let s = store_with(ReviewSteps::One, true);
    let tech = technician(&s);
    let trop = results(&s, "S1", &[("TNTHS", "60")])[0];
    assert!(matches!(
        s.verify_and_release(trop, 1, &tech),
        Err(StoreError::CallbackRequired { .. })
    ));
    // The verify step was rolled back with the refused release.
    let r = s.result(trop).unwrap();
    assert_eq!(
        (r.state, r.rev, r.verified_by),
        (ResultState::PendingReview, 1, None)
    );
    assert!(audit_rows(&s, "result.verify").is_empty());
    s.record_callback(trop, &told(), &tech).unwrap();
    assert_eq!(
        s.verify_and_release(trop, 1, &tech).unwrap().state,
        ResultState::Released
    );
}

#[test]
fn a_critical_value_is_never_released_at_ingest_even_without_the_critical_rule() {
    let mut config = lab();
    // A lab that dropped the range and critical rules from autoverification.
    config
        .autoverification
        .rules
        .retain(|r| !matches!(r, RuleName::Critical | RuleName::ReferenceRange));
    let s = Store::open_in_memory(config).unwrap();
    let ids = results(&s, "S1", &[("GLU", "30.0"), ("UREA", "5.0")]);
    let glu = s.result_with_checks(ids[0]).unwrap();
    assert_eq!(glu.result.state, ResultState::PendingReview);
    assert_eq!(
        glu.reasons,
        vec!["critical value: record the call-back before release".to_owned()]
    );
    // The normal urea is released at once as before.
    assert_eq!(s.result(ids[1]).unwrap().state, ResultState::Released);
}

#[test]
fn editing_a_value_makes_a_new_version_and_keeps_the_old() {
    let s = store();
    let tech = technician(&s);
    let tsh = results(&s, "S1", &[("TSH", "2.0")])[0];
    assert!(matches!(
        s.edit_value(tsh, 1, "2.5", "", &tech),
        Err(StoreError::Invalid { .. })
    ));
    let done = s
        .edit_value(tsh, 1, "2.5", "typed from the printout", &tech)
        .unwrap();
    let new = done.new_version.unwrap();
    // The old version: rejected (2), then no longer reported (3).
    assert_eq!(
        (done.result_id, done.state, done.rev),
        (tsh, ResultState::Rejected, 3)
    );
    let old = s.result(tsh).unwrap();
    assert_eq!(
        (old.state, old.reported, old.value.as_str()),
        (ResultState::Rejected, false, "2.000")
    );
    let v2 = s.result(new).unwrap();
    // Checked like any result: TSH is not autoverified in this lab, so it waits for review;
    // three decimals as the catalog says.
    assert_eq!(
        (v2.version, v2.value.as_str(), v2.state, v2.reported, v2.rev),
        (2, "2.500", ResultState::PendingReview, true, 1)
    );
    // The history shows both versions.
    let history: Vec<(i64, String)> = s
        .results_for_order(v2.order_id)
        .unwrap()
        .into_iter()
        .map(|r| (r.version, r.value))
        .collect();
    assert_eq!(history, vec![(1, "2.000".into()), (2, "2.500".into())]);
    let (_, _, entity, old_json, new_json, reason) = last_audit(&s, "result.edit");
    assert_eq!(entity, tsh.to_string());
    assert_eq!(json(&old_json)["state"], "pending_review");
    assert_eq!(json(&new_json)["state"], "rejected");
    assert_eq!(reason.as_deref(), Some("typed from the printout"));
    let (_, _, entity, old_json, new_json, _) = last_audit(&s, "result.edit_version");
    assert_eq!(entity, new.to_string());
    assert_eq!(json(&old_json)["value"], "2.000");
    assert_eq!(json(&new_json)["value"], "2.500");
    // A released result is corrected, not edited.
    let boss = supervisor(&s);
    s.verify_result(new, 1, &tech).unwrap();
    s.release_result(new, 2, &boss).unwrap();
    match s.edit_value(new, 3, "3.0", "late change", &tech) {
        Err(StoreError::Invalid { what }) => assert!(what.contains("correction"), "{what}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn manual_entry_is_checked_but_never_released_at_once() {
    let s = store();
    let tech = technician(&s);
    s.place_order(adult("M1", "SM", &["GLU", "TSH"]), &SYSTEM)
        .unwrap();
    // A normal glucose from an analyzer would be autoverified and released; typed by hand it
    // is autoverified and waits for a person's release.
    let glu = s.enter_result("SM", "GLU", "5.0", &tech).unwrap();
    let r = s.result(glu.result_id).unwrap();
    assert_eq!(
        (r.state, r.instrument.as_str(), r.value.as_str(), r.rev),
        (ResultState::AutoVerified, MANUAL_INSTRUMENT, "5.0", 1)
    );
    assert!(outbox_results(&s).is_empty());
    let (_, _, entity, _, new, _) = last_audit(&s, "result.enter");
    assert_eq!(entity, glu.result_id.to_string());
    assert_eq!(json(&new)["state"], "autoverified");
    // A second entry for the same test is refused; so are tests not ordered and unknown
    // specimens.
    match s.enter_result("SM", "GLU", "5.5", &tech) {
        Err(StoreError::Invalid { what }) => assert!(what.contains("already"), "{what}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(matches!(
        s.enter_result("SM", "K", "4.0", &tech),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        s.enter_result("NOPE", "GLU", "5.0", &tech),
        Err(StoreError::NotFound { .. })
    ));
    let admin = person(&s, "quantri", &[Role::Admin]);
    assert!(matches!(
        s.enter_result("SM", "TSH", "1.0", &admin),
        Err(StoreError::Forbidden { .. })
    ));
}

#[test]
fn comments_on_a_specimen_and_on_a_result() {
    let s = store();
    let tech = technician(&s);
    let ids = results(&s, "S1", &[("TSH", "2.0")]);
    results(&s, "S2", &[("FT4", "15.0")]);
    let c1 = s
        .add_comment("S1", None, "Mẫu hơi vỡ hồng cầu", &tech)
        .unwrap();
    let c2 = s
        .add_comment("S1", Some(ids[0]), "  called the ward  ", &tech)
        .unwrap();
    assert_eq!(c2.text, "called the ward");
    assert_eq!(s.comments_for_specimen("S1").unwrap(), vec![c1, c2]);
    assert!(s.comments_for_specimen("S2").unwrap().is_empty());
    // A result of another specimen, an empty text, the system, an admin: refused.
    assert!(matches!(
        s.add_comment("S2", Some(ids[0]), "x", &tech),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        s.add_comment("S1", None, " ", &tech),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        s.add_comment("S1", None, "x", &SYSTEM),
        Err(StoreError::Forbidden { .. })
    ));
    let admin = person(&s, "quantri", &[Role::Admin]);
    assert!(matches!(
        s.add_comment("S1", None, "x", &admin),
        Err(StoreError::Forbidden { .. })
    ));
    let (_, _, entity, _, new, _) = last_audit(&s, "specimen.comment");
    assert_eq!(entity, "S1");
    assert_eq!(json(&new)["result"], ids[0]);
}

#[test]
fn correction_and_ingest_changes_raise_the_row_version() {
    let s = store();
    let boss = supervisor(&s);
    let glu = results(&s, "S1", &[("GLU", "5.0")])[0];
    // Autoverified and released at ingest: stored as version 1 of the row.
    let r = s.result(glu).unwrap();
    assert_eq!((r.state, r.rev), (ResultState::Released, 1));
    let technician = technician(&s);
    assert!(matches!(
        s.correct(glu, "5.5", "wrong tube", &technician),
        Err(StoreError::Forbidden { .. })
    ));
    let new = s.correct(glu, "5.5", "wrong tube", &boss).unwrap();
    // Corrected (2), and no longer the reported version (3).
    let old = s.result(glu).unwrap();
    assert_eq!(
        (old.state, old.rev, old.reported),
        (ResultState::Corrected, 3, false)
    );
    assert_eq!(s.result(new).unwrap().rev, 1);
}

#[test]
fn a_correction_by_a_person_names_the_version_they_saw() {
    let s = store();
    let boss = supervisor(&s);
    let tech = technician(&s);
    let glu = results(&s, "S1", &[("GLU", "5.0")])[0];
    // Released at ingest, row version 1.
    assert!(matches!(
        s.correct_result(glu, 1, "5.5", "wrong tube", &tech),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(matches!(
        s.correct_result(glu, 1, "5.5", " ", &boss),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        s.correct_result(glu, 7, "5.5", "wrong tube", &boss),
        Err(StoreError::Stale {
            expected_rev: 7,
            current_rev: 1,
            ..
        })
    ));
    assert_eq!(s.result(glu).unwrap().state, ResultState::Released);
    let done = s
        .correct_result(glu, 1, "5.5", "wrong tube", &boss)
        .unwrap();
    assert_eq!(done.state, ResultState::Corrected);
    let new = done.new_version.unwrap();
    let r = s.result(new).unwrap();
    assert_eq!((r.state, r.value.as_str()), (ResultState::Released, "5.5"));
    assert_eq!(outbox_results(&s).last().unwrap(), &vec![new]);
    let (_, _, _, old, _, reason) = last_audit(&s, "result.correction_version");
    assert_eq!(json(&old)["value"], "5.0");
    assert_eq!(reason.as_deref(), Some("wrong tube"));
    // A corrected result cannot be corrected again: only its new version can.
    assert!(matches!(
        s.correct_result(glu, done.rev, "5.6", "again", &boss),
        Err(StoreError::IllegalTransition(_))
    ));
}
