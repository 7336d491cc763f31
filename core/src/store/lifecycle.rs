//! Life-cycle operations on results: verify, release, reject, rerun, correct, choose the
//! reported version, attach an unmatched result. Each is one transaction with its audit entry;
//! releases write the outbox row for the HIS in the same transaction.
//!
//! Every move of a result goes through `apply`, here and in `review` (a person's actions):
//! the acting user's role, the row version the person saw, the legal transition, the separation
//! of duties on release and the critical call-back are all checked before anything is written;
//! the row's `rev` then goes up by one with who changed it and when.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::decode::At;
use super::results::{find_target, store_result, NewResult, NoTarget};
use super::users::{actor_name, authorize, Person};
use super::{audit_log, ms, orders, qc_state, ts, Lab, Store};
use crate::config::{ReviewSection, ReviewSteps};
use crate::error::StoreError;
use crate::lifecycle::{transition, Action, ResultState};
use crate::model::{Actor, OrderId, ResultId, SkipReason, UnmatchedId, UserId};
use crate::permissions::{self, Permission};
use crate::validation::clear::is_critical_flag;
use crate::validation::Flag;

/// A result row as the life-cycle operations read it.
pub(super) struct Current {
    pub(super) state: ResultState,
    pub(super) ordered_test_id: i64,
    pub(super) order_id: OrderId,
    pub(super) reported: bool,
    pub(super) specimen: String,
    pub(super) test_code: String,
    pub(super) value: String,
    pub(super) value_sent: String,
    pub(super) instrument: String,
    pub(super) operator: String,
    /// The analyzer's flags, as stored (JSON).
    pub(super) instrument_flags: String,
    /// The checks' flag codes, as stored (JSON).
    pub(super) flags: String,
    /// The check outcomes, as stored (JSON).
    pub(super) checks: String,
    pub(super) observed_at: Option<i64>,
    pub(super) rev: i64,
    pub(super) verified_by: Option<UserId>,
    changed_by: Option<String>,
    changed_at: Option<i64>,
}

impl Current {
    /// Whether the result is critical: an `LL`/`HH` flag or a failed `critical` check. Stored
    /// JSON that cannot be read is an error, never "not critical".
    pub(super) fn is_critical(&self, id: ResultId) -> Result<bool, StoreError> {
        let damaged =
            |column: &str| StoreError::invalid(format!("result {id}: {column} cannot be read"));
        let codes: Vec<String> = serde_json::from_str(&self.flags).map_err(|_| damaged("flags"))?;
        if codes
            .iter()
            .filter_map(|c| Flag::parse(c))
            .any(is_critical_flag)
        {
            return Ok(true);
        }
        let checks: Vec<Vec<String>> =
            serde_json::from_str(&self.checks).map_err(|_| damaged("checks"))?;
        Ok(checks.iter().any(|c| {
            c.first().map(String::as_str) == Some("critical")
                && c.get(1).map(String::as_str) == Some("failed")
        }))
    }
}

pub(super) fn current(conn: &Connection, id: ResultId) -> Result<Current, StoreError> {
    conn.prepare_cached(
        "SELECT state, ordered_test_id, order_id, reported, specimen_barcode, test_code, value, \
         value_sent, instrument, operator, instrument_flags, flags, checks, \
         coalesce(observed_at, received_at), rev, \
         verified_by, changed_by, changed_at FROM results WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Current {
                state: ResultState::Received,
                ordered_test_id: r.get(1)?,
                order_id: r.get(2)?,
                reported: r.get(3)?,
                specimen: r.get(4)?,
                test_code: r.get(5)?,
                value: r.get(6)?,
                value_sent: r.get(7)?,
                instrument: r.get(8)?,
                operator: r.get(9)?,
                instrument_flags: r.get(10)?,
                flags: r.get(11)?,
                checks: r.get(12)?,
                observed_at: r.get(13)?,
                rev: r.get(14)?,
                verified_by: r.get(15)?,
                changed_by: r.get(16)?,
                changed_at: r.get(17)?,
            },
        ))
    })
    .optional()?
    .ok_or_else(|| StoreError::not_found("result", id))
    .and_then(|(state, c)| {
        let state = ResultState::parse(&state).ok_or_else(|| {
            StoreError::invalid(format!("result {id} has unknown state {state:?}"))
        })?;
        Ok(Current { state, ..c })
    })
}

/// Refuses an action on a row version the person no longer sees.
pub(super) fn check_rev(
    conn: &Connection,
    id: ResultId,
    cur: &Current,
    expected_rev: Option<i64>,
) -> Result<(), StoreError> {
    match expected_rev {
        Some(expected) if expected != cur.rev => Err(StoreError::Stale {
            result_id: id,
            expected_rev: expected,
            current_rev: cur.rev,
            changed_by: cur
                .changed_by
                .as_deref()
                .map(|a| actor_name(conn, a))
                .transpose()?,
            changed_at: cur.changed_at.map(ts),
            state: cur.state.as_str().to_owned(),
        }),
        _ => Ok(()),
    }
}

/// The permission a life-cycle action needs when a person takes it. Holding and autoverifying
/// are the system's own decisions.
pub(super) fn permission_for(action: Action) -> Permission {
    match action {
        Action::Verify | Action::Hold | Action::Autoverify => Permission::Verify,
        Action::Release => Permission::Release,
        Action::Correct => Permission::Correct,
        Action::Reject => Permission::Reject,
        Action::RequestRerun => Permission::Rerun,
    }
}

/// One life-cycle step as asked for.
pub(super) struct Step<'a> {
    pub(super) action: Action,
    pub(super) actor: &'a Actor,
    pub(super) reason: Option<&'a str>,
    /// The row version the person saw; none on the command line's and the HIS's paths.
    pub(super) expected_rev: Option<i64>,
    /// The permission it needs from a person ([`permission_for`] unless the action is part of
    /// another, such as an edit).
    pub(super) permission: Permission,
    /// The audit action (`result.<action>` unless part of another).
    pub(super) audit_action: &'a str,
}

impl<'a> Step<'a> {
    /// A plain step: its own permission and audit action name.
    pub(super) fn new(action: Action, actor: &'a Actor, expected_rev: Option<i64>) -> Self {
        Self {
            action,
            actor,
            reason: None,
            expected_rev,
            permission: permission_for(action),
            audit_action: "",
        }
    }

    pub(super) fn reason(self, reason: Option<&'a str>) -> Self {
        Self { reason, ..self }
    }
}

/// Why `person` may not release a result that `verified_by` verified, under the lab's review
/// policy (separation of duties): in a two-step lab with `release_by_other_user`, not what they
/// verified themselves; what another person verified needs
/// [`Permission::ReleaseOthersVerification`]. A result the system verified is anyone's to
/// release who may release.
pub(super) fn release_refusal(
    review: &ReviewSection,
    person: &Person,
    verified_by: Option<UserId>,
) -> Option<SkipReason> {
    match verified_by {
        Some(v) if v == person.id => (review.steps == ReviewSteps::Two
            && review.release_by_other_user)
            .then_some(SkipReason::VerifiedBySelf),
        Some(_) => {
            (!permissions::allowed(&person.roles, Permission::ReleaseOthersVerification, review))
                .then_some(SkipReason::VerifiedByOther)
        }
        None => None,
    }
}

/// Whether a "told" call-back is recorded for the result.
pub(super) fn has_told_callback(conn: &Connection, id: ResultId) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM callbacks WHERE result_id = ?1 \
             AND outcome IN ('told_read_back', 'told_no_read_back'))",
        )?
        .query_row([id], |r| r.get(0))?)
}

/// Moves a result through one step, with its audit entry. Every refusal (role, stale version,
/// illegal transition, separation of duties, critical without call-back) comes before the
/// first write, so a caller may skip a refused result and carry on in the same transaction.
pub(super) fn apply(
    conn: &Connection,
    lab: &Lab,
    id: ResultId,
    step: &Step<'_>,
) -> Result<(Current, ResultState, i64), StoreError> {
    if matches!(step.action, Action::Hold | Action::Autoverify)
        && matches!(step.actor, Actor::User(_))
    {
        return Err(StoreError::forbidden(
            step.permission,
            format!("{} is the system's decision", step.action),
        ));
    }
    let person = authorize(conn, lab, step.actor, step.permission)?;
    let cur = current(conn, id)?;
    check_rev(conn, id, &cur, step.expected_rev)?;
    if step.action == Action::Release && !cur.reported {
        return Err(StoreError::invalid(format!(
            "result {id} is not the reported version; select it first"
        )));
    }
    let next = transition(cur.state, step.action)?;
    // The QC override a release happens under, recorded with it.
    let mut qc_override = None;
    if next == ResultState::Released {
        if let Some(p) = &person {
            match release_refusal(&lab.config.review, p, cur.verified_by) {
                Some(SkipReason::VerifiedBySelf) => {
                    return Err(StoreError::forbidden(
                        Permission::Release,
                        format!(
                            "{} verified result {id}; in this lab another person releases it \
                             ([review] release_by_other_user)",
                            p.display_name
                        ),
                    ))
                }
                Some(_) => {
                    return Err(StoreError::forbidden(
                        Permission::ReleaseOthersVerification,
                        format!(
                            "another person verified result {id}; {} may release only what \
                             they verified",
                            p.display_name
                        ),
                    ))
                }
                None => {}
            }
        }
        // A rejected specimen's results are held: a person rejects them or asks for a new tube.
        if specimen_rejected(conn, &cur.specimen)? {
            return Err(StoreError::invalid(format!(
                "specimen {} was rejected at reception: its results are held, not released",
                cur.specimen
            )));
        }
        if cur.is_critical(id)? && !has_told_callback(conn, id)? {
            return Err(StoreError::CallbackRequired { result_id: id });
        }
        // While the QC of its instrument and test is rejected a result is held, unless a
        // supervisor overrode the rejection ([`StoreError::QcRejected`]).
        qc_override = qc_state::release_allowed(conn, id, &cur.instrument, &cur.test_code)?;
    }
    let now = Timestamp::now();
    let released_at = if next == ResultState::Released {
        Some(super::results::release_time(conn, now)?)
    } else {
        None
    };
    let user = person.as_ref().map(|p| p.id);
    let verifying = step.action == Action::Verify;
    let releasing = next == ResultState::Released;
    conn.prepare_cached(
        "UPDATE results SET state = ?2, released_at = COALESCE(?3, released_at), rev = rev + 1, \
         changed_by = ?4, changed_at = ?5, \
         verified_by = CASE WHEN ?6 THEN ?7 ELSE verified_by END, \
         verified_at = CASE WHEN ?6 THEN ?5 ELSE verified_at END, \
         released_by = CASE WHEN ?8 THEN ?7 ELSE released_by END WHERE id = ?1",
    )?
    .execute(params![
        id,
        next.as_str(),
        released_at,
        step.actor.to_string(),
        ms(now),
        verifying,
        user,
        releasing
    ])?;
    let rev = cur.rev + 1;
    let mut after = json!({ "state": next.as_str(), "value": cur.value, "rev": rev });
    if let Some(o) = qc_override {
        qc_state::record_override_release(conn, id, o)?;
        after["qc_override"] = json!(o);
    }
    let audit_action = if step.audit_action.is_empty() {
        format!("result.{}", step.action.as_str())
    } else {
        step.audit_action.to_owned()
    };
    audit_log::append(
        conn,
        step.actor,
        &audit_action,
        "result",
        id,
        Some(&json!({ "state": cur.state.as_str(), "value": cur.value, "rev": cur.rev })),
        Some(&after),
        step.reason,
    )?;
    Ok((cur, next, rev))
}

/// Verifies a result, in the caller's transaction. Returns the new state and row version.
pub(super) fn verify_in(
    conn: &Connection,
    lab: &Lab,
    id: ResultId,
    actor: &Actor,
    expected_rev: Option<i64>,
) -> Result<(ResultState, i64), StoreError> {
    let (cur, next, rev) = apply(
        conn,
        lab,
        id,
        &Step::new(Action::Verify, actor, expected_rev),
    )?;
    orders::refresh_status(conn, cur.order_id, actor)?;
    Ok((next, rev))
}

/// Releases a result with its outbox row, in the caller's transaction.
pub(super) fn release_in(
    conn: &Connection,
    lab: &Lab,
    id: ResultId,
    actor: &Actor,
    expected_rev: Option<i64>,
) -> Result<(ResultState, i64), StoreError> {
    let (cur, next, rev) = apply(
        conn,
        lab,
        id,
        &Step::new(Action::Release, actor, expected_rev),
    )?;
    orders::add_outbox(
        conn,
        cur.order_id,
        "results_released",
        &[id],
        Timestamp::now(),
    )?;
    orders::refresh_status(conn, cur.order_id, actor)?;
    Ok((next, rev))
}

/// Rejects a result with the reason, in the caller's transaction.
pub(super) fn reject_in(
    conn: &Connection,
    lab: &Lab,
    id: ResultId,
    reason: &str,
    actor: &Actor,
    expected_rev: Option<i64>,
) -> Result<(ResultState, i64), StoreError> {
    let step = Step::new(Action::Reject, actor, expected_rev).reason(Some(reason));
    let (cur, next, rev) = apply(conn, lab, id, &step)?;
    orders::refresh_status(conn, cur.order_id, actor)?;
    Ok((next, rev))
}

/// Asks for a rerun, in the caller's transaction: the test goes back on the analyzer's work
/// list (with the dilution, if any).
pub(super) fn rerun_in(
    conn: &Connection,
    lab: &Lab,
    id: ResultId,
    reason: &str,
    dilution: Option<u32>,
    actor: &Actor,
    expected_rev: Option<i64>,
) -> Result<(ResultState, i64), StoreError> {
    let reason = Some(reason).filter(|r| !r.trim().is_empty());
    let step = Step::new(Action::RequestRerun, actor, expected_rev).reason(reason);
    let (cur, next, rev) = apply(conn, lab, id, &step)?;
    conn.execute(
        "UPDATE ordered_tests SET status = 'pending', rerun = 1, dilution = ?2 WHERE id = ?1",
        params![cur.ordered_test_id, dilution],
    )?;
    Ok((next, rev))
}

/// The command line's and the system's life-cycle operations: they act on the result as it is
/// now, without a row version. A person's actions in the UI go through the operations of
/// `review` (`Store::verify_result`...), which name the version the person saw. When the actor
/// is a user, both check the user's roles in the transaction.
impl Store {
    /// Verifies a result waiting for review.
    pub fn verify(&self, result_id: ResultId, actor: &Actor) -> Result<ResultState, StoreError> {
        self.write(|conn, lab| Ok(verify_in(conn, lab, result_id, actor, None)?.0))
    }

    /// Releases a verified (or autoverified) result to the HIS: writes the outbox row in the
    /// same transaction. Only the reported version of a test can be released, and a critical
    /// one only after a "told" call-back ([`StoreError::CallbackRequired`]).
    pub fn release(&self, result_id: ResultId, actor: &Actor) -> Result<ResultState, StoreError> {
        self.write(|conn, lab| Ok(release_in(conn, lab, result_id, actor, None)?.0))
    }

    /// Rejects a result (not reported), with the reason.
    pub fn reject(
        &self,
        result_id: ResultId,
        reason: &str,
        actor: &Actor,
    ) -> Result<ResultState, StoreError> {
        self.write(|conn, lab| Ok(reject_in(conn, lab, result_id, reason, actor, None)?.0))
    }

    /// Asks for a rerun: the test goes back on the analyzer's work list; the rerun's result will
    /// be a new version.
    pub fn request_rerun(
        &self,
        result_id: ResultId,
        reason: &str,
        dilution: Option<u32>,
        actor: &Actor,
    ) -> Result<ResultState, StoreError> {
        self.write(|conn, lab| Ok(rerun_in(conn, lab, result_id, reason, dilution, actor, None)?.0))
    }

    /// Corrects a released result: the released version becomes `corrected` (kept), and a new
    /// version with `new_value` is created released at once (HL7 result status C), with an
    /// outbox row of kind `correction`. Returns the new version.
    pub fn correct(
        &self,
        result_id: ResultId,
        new_value: &str,
        reason: &str,
        actor: &Actor,
    ) -> Result<ResultId, StoreError> {
        if reason.trim().is_empty() {
            return Err(StoreError::invalid("a correction needs a reason"));
        }
        self.write(|conn, lab| correct_in(conn, lab, result_id, None, new_value, reason, actor))
    }

    /// Makes this version the one reported for its test (after a rerun). Refused when another
    /// version is already released: that needs a correction.
    pub fn select_version(&self, result_id: ResultId, actor: &Actor) -> Result<(), StoreError> {
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::Verify)?;
            let cur = current(conn, result_id)?;
            let previous: Option<(i64, String)> = conn
                .query_row(
                    "SELECT id, state FROM results WHERE ordered_test_id = ?1 AND reported = 1",
                    [cur.ordered_test_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((prev, state)) = &previous {
                if *prev == result_id {
                    return Ok(());
                }
                if state == ResultState::Released.as_str() {
                    return Err(StoreError::invalid(format!(
                        "version {prev} is released; correct it instead of selecting another"
                    )));
                }
            }
            if matches!(cur.state, ResultState::Rejected | ResultState::Corrected) {
                return Err(StoreError::invalid(format!(
                    "result {result_id} is {}; it cannot be reported",
                    cur.state
                )));
            }
            conn.execute(
                "UPDATE results SET reported = (id = ?2), rev = rev + 1, changed_by = ?3, \
                 changed_at = ?4 WHERE ordered_test_id = ?1 AND reported != (id = ?2)",
                params![
                    cur.ordered_test_id,
                    result_id,
                    actor.to_string(),
                    ms(Timestamp::now())
                ],
            )?;
            conn.execute(
                "UPDATE ordered_tests SET reported_result_id = ?2 WHERE id = ?1",
                params![cur.ordered_test_id, result_id],
            )?;
            audit_log::append(
                conn,
                actor,
                "result.select_version",
                "ordered_test",
                cur.ordered_test_id,
                Some(&json!({ "reported": previous.map(|p| p.0) })),
                Some(&json!({ "reported": result_id })),
                None,
            )?;
            orders::refresh_status(conn, cur.order_id, actor)?;
            Ok(())
        })
    }

    /// Attaches an unmatched result to a test of an order (added to the order if absent, on its
    /// first specimen); the result is then checked like any other. A user needs
    /// [`Permission::ResolveUnmatched`] (a supervisor).
    pub fn attach_unmatched(
        &self,
        unmatched_id: UnmatchedId,
        order_id: OrderId,
        test_code: &str,
        actor: &Actor,
    ) -> Result<ResultId, StoreError> {
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::ResolveUnmatched)?;
            type Row = (i64, String, String, String, String, String, Option<i64>, i64, Option<i64>, String);
            let u: Row = conn
                .query_row(
                    "SELECT journal_id, instrument, instrument_test_code, value, flags, operator, \
                     observed_at, received_at, attached_result_id, units FROM unmatched WHERE id = ?1",
                    [unmatched_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)),
                )
                .optional()?
                .ok_or_else(|| StoreError::not_found("unmatched result", unmatched_id))?;
            let (journal_id, instrument, code, value, flags, operator, observed_at, received_at, attached, units) = u;
            if let Some(r) = attached {
                return Err(StoreError::conflict(format!("already attached as result {r}")));
            }
            super::unmatched_queue::refuse_discarded(conn, unmatched_id)?;
            let test = lab
                .config
                .test(test_code)
                .ok_or_else(|| StoreError::invalid(format!("test {test_code:?} is not in the catalog")))?;
            let entry = lab
                .config
                .instrument_mapping(&instrument, &code)
                .filter(|(t, _)| t.code == test.code)
                .map(|(_, e)| e);
            let factor = entry.and_then(|e| e.factor).unwrap_or(1.0);
            let expected_unit = entry.and_then(|e| e.expected_unit(test));
            let barcode: Option<String> = conn
                .query_row(
                    "SELECT s.barcode FROM ordered_tests ot JOIN specimens s ON s.id = ot.specimen_id \
                     WHERE ot.order_id = ?1 AND ot.test_code = ?2",
                    params![order_id, test_code],
                    |r| r.get(0),
                )
                .optional()?;
            let barcode = match barcode {
                Some(b) => b,
                None => {
                    let (sid, b): (i64, String) = conn
                        .query_row(
                            "SELECT id, barcode FROM specimens WHERE order_id = ?1 ORDER BY id LIMIT 1",
                            [order_id],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()?
                        .ok_or_else(|| StoreError::not_found("order with a specimen", order_id))?;
                    conn.execute(
                        "INSERT INTO ordered_tests (order_id, specimen_id, test_code, origin, status) \
                         VALUES (?1, ?2, ?3, 'attached', 'pending')",
                        params![order_id, sid, test_code],
                    )?;
                    b
                }
            };
            let target = match find_target(conn, &barcode, test_code)? {
                Ok(t) => t,
                Err(NoTarget::OrderCancelled) => return Err(StoreError::invalid(format!("order {order_id} is cancelled"))),
                Err(_) => return Err(StoreError::not_found("ordered test", test_code)),
            };
            let flags: Vec<String> = At::new("unmatched", unmatched_id, "flags").json(&flags)?;
            let new = NewResult {
                value_sent: &value,
                instrument_flags: &flags,
                instrument: &instrument,
                operator: &operator,
                observed_at: observed_at.map(ts),
                received_at: ts(received_at),
                journal_id: Some(journal_id),
                factor,
                sent_unit: &units,
                expected_unit,
                corrects: None,
                release_at: super::results::release_time(conn, Timestamp::now())?,
                manual: false,
                actor,
            };
            let stored = store_result(conn, lab, &target, test, &new)?;
            conn.execute(
                "UPDATE unmatched SET attached_result_id = ?2 WHERE id = ?1",
                params![unmatched_id, stored.result_id],
            )?;
            super::supplements::attach(conn, unmatched_id, stored.result_id)?;
            super::isolates::attach(conn, unmatched_id, stored.result_id)?;
            if stored.released {
                orders::add_outbox(conn, order_id, "results_released", &[stored.result_id], Timestamp::now())?;
            }
            audit_log::append(
                conn,
                actor,
                "unmatched.attach",
                "unmatched",
                unmatched_id,
                None,
                Some(&json!({ "order": order_id, "test": test_code, "result": stored.result_id, "state": stored.state.as_str() })),
                None,
            )?;
            orders::refresh_status(conn, order_id, actor)?;
            Ok(stored.result_id)
        })
    }
}

/// Corrects a released result, in the caller's transaction: the released version becomes
/// `corrected` (kept) and a new version with `new_value` is stored released at once, with an
/// outbox row of kind `correction` (the HIS gets OBX-11 `C`). `expected_rev` is the row version
/// the person saw (none on the command line's path). Returns the new version.
pub(super) fn correct_in(
    conn: &Connection,
    lab: &Lab,
    result_id: ResultId,
    expected_rev: Option<i64>,
    new_value: &str,
    reason: &str,
    actor: &Actor,
) -> Result<ResultId, StoreError> {
    let step = Step::new(Action::Correct, actor, expected_rev).reason(Some(reason));
    let (cur, _, _) = apply(conn, lab, result_id, &step)?;
    let new = store_new_version(
        conn,
        lab,
        result_id,
        &cur,
        new_value,
        reason,
        actor,
        Replacing::Correction,
    )?;
    orders::refresh_status(conn, cur.order_id, actor)?;
    Ok(new)
}

/// What a new version of a result replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Replacing {
    /// A value not yet released, edited by a person (`manual`, never released at once).
    Edit,
    /// A released value, corrected (released at once, with an outbox row of kind
    /// `correction`).
    Correction,
}

/// Stores `new_value` as the next version of result `result_id` (read as `cur`, already moved by
/// `apply`), checked like any result, and writes its audit entry with the reason. The
/// analyzer's flags, instrument, operator and observation time are kept: they were about the
/// measurement, which a new value does not change (OBR-7, OBX-14 and FHIR effectiveDateTime
/// keep the analyzer's time; this version's received_at is OBX-19). Returns the new version.
#[allow(clippy::too_many_arguments)] // One new version: each argument is a different fact of it.
pub(super) fn store_new_version(
    conn: &Connection,
    lab: &Lab,
    result_id: ResultId,
    cur: &Current,
    new_value: &str,
    reason: &str,
    actor: &Actor,
    replacing: Replacing,
) -> Result<ResultId, StoreError> {
    let test = lab
        .config
        .test(&cur.test_code)
        .ok_or_else(|| StoreError::invalid(format!("test {} left the catalog", cur.test_code)))?;
    let Ok(target) = find_target(conn, &cur.specimen, &cur.test_code)? else {
        return Err(StoreError::invalid(
            "the order of this result is no longer active",
        ));
    };
    // A stored value that cannot be read is an error, never "no flags" (the new version would
    // lose the analyzer's flags).
    let flags: Vec<String> =
        At::new("results", result_id, "instrument_flags").json(&cur.instrument_flags)?;
    let now = Timestamp::now();
    let correction = replacing == Replacing::Correction;
    let new = NewResult {
        value_sent: new_value,
        instrument_flags: &flags,
        instrument: &cur.instrument,
        operator: &cur.operator,
        observed_at: cur.observed_at.map(ts),
        received_at: now,
        journal_id: None,
        factor: 1.0,
        sent_unit: "",
        expected_unit: None,
        corrects: correction.then_some(result_id),
        release_at: super::results::release_time(conn, now)?,
        manual: !correction,
        actor,
    };
    let stored = store_result(conn, lab, &target, test, &new)?;
    super::isolates::carry_to_new_version(conn, result_id, stored.result_id, &stored.value)?;
    if correction {
        orders::add_outbox(conn, cur.order_id, "correction", &[stored.result_id], now)?;
    }
    audit_log::append(
        conn,
        actor,
        if correction {
            "result.correction_version"
        } else {
            "result.edit_version"
        },
        "result",
        stored.result_id,
        Some(&json!({ "result": result_id, "value": cur.value, "value_sent": cur.value_sent })),
        Some(
            &json!({ "result": stored.result_id, "value": stored.value, "state": stored.state.as_str() }),
        ),
        Some(reason),
    )?;
    Ok(stored.result_id)
}

/// Whether the specimen with this barcode was rejected at reception.
pub(super) fn specimen_rejected(conn: &Connection, barcode: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM specimens WHERE barcode = ?1 AND rejected_at IS NOT NULL)",
        )?
        .query_row([barcode], |r| r.get(0))?)
}
