//! A person's review actions on results: verify, release, verify-and-release (one-step labs),
//! reject, rerun, edit a value not yet released, enter a result by hand, and the bulk "verify
//! (or release) all clear".
//!
//! Each is one transaction with its audit entries. The acting user's roles and active flag are
//! read in that transaction and checked against `[review]` ([`crate::permissions`]); each action
//! names the row version (`rev`) the person saw and is refused as [`StoreError::Stale`] when the
//! row has changed since. The command line's and the system's operations without a version are
//! in `lifecycle`.
//!
//! Decisions:
//! - **Verify-and-release** is one action only in one-step labs (`[review] steps = 1`). In a
//!   two-step lab it is refused ([`StoreError::Forbidden`]) for everyone, supervisors included:
//!   the policy is that a result passes two steps, and the page offers verify, then release.
//!   On an autoverified or verified result it is a release.
//! - **Editing a value** not yet released creates a new version, checked and decided like any
//!   result (a rerun or reflex follows as at ingest). The old version is kept, `rejected` with
//!   the reason (audit action `result.edit`), and no longer reported; the history shows both.
//! - **A value typed by a person** (an edit or a manual entry, instrument `manual`) is checked
//!   and may be autoverified, but is never released at once: a person releases it.
//! - **Bulk** actions recompute their set from the database in their own transaction, act on
//!   every clear result ([`crate::validation::clear`]) the person may act on, and report the
//!   others with the reason. A version that is not the reported one of its test is left for a
//!   person. In one-step labs "release all clear" also verifies the clear results waiting for
//!   review. One outbox row per order carries the results it released.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

use super::lifecycle::{
    apply, check_rev, correct_in, current, reject_in, release_in, release_refusal, rerun_in,
    store_new_version, verify_in, Replacing, Step,
};
use super::queries::results_with_checks_where;
use super::results::{find_target, store_result, NewResult, NoTarget};
use super::users::authorize;
use super::{audit_log, orders, Lab, Store};
use crate::config::ReviewSteps;
use crate::error::StoreError;
use crate::lifecycle::{Action, ResultState};
use crate::model::{
    Acted, Actor, BulkOutcome, OrderId, ResultId, ResultWithChecks, ReviewScope, SkipReason,
    Skipped,
};
use crate::permissions::Permission;
use crate::validation::clear;

/// The instrument name of a result typed by a person.
pub const MANUAL_INSTRUMENT: &str = "manual";

/// The row version of a result, in the caller's transaction.
fn rev_of(conn: &Connection, id: ResultId) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("SELECT rev FROM results WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?)
}

fn acted(result_id: ResultId, (state, rev): (ResultState, i64)) -> Acted {
    Acted {
        result_id,
        state,
        rev,
        new_version: None,
    }
}

impl Store {
    /// A person verifies a result waiting for review, as they saw it at `expected_rev`.
    /// Records who verified it and when.
    pub fn verify_result(
        &self,
        result_id: ResultId,
        expected_rev: i64,
        actor: &Actor,
    ) -> Result<Acted, StoreError> {
        self.write(|conn, lab| {
            verify_in(conn, lab, result_id, actor, Some(expected_rev)).map(|d| acted(result_id, d))
        })
    }

    /// A person releases a verified or autoverified result to the HIS (the outbox row is written
    /// in the same transaction). Needs the release permission; in a two-step lab with
    /// `release_by_other_user`, not what the same person verified; a result another person
    /// verified needs a supervisor; a critical result needs a "told" call-back first.
    pub fn release_result(
        &self,
        result_id: ResultId,
        expected_rev: i64,
        actor: &Actor,
    ) -> Result<Acted, StoreError> {
        self.write(|conn, lab| {
            release_in(conn, lab, result_id, actor, Some(expected_rev)).map(|d| acted(result_id, d))
        })
    }

    /// One-step labs: verifies and releases in one action (two audit entries, one transaction).
    /// Refused in two-step labs (see the module doc).
    pub fn verify_and_release(
        &self,
        result_id: ResultId,
        expected_rev: i64,
        actor: &Actor,
    ) -> Result<Acted, StoreError> {
        self.write(|conn, lab| {
            if lab.config.review.steps == ReviewSteps::Two {
                return Err(StoreError::forbidden(
                    Permission::Release,
                    "verify-and-release is one action only in one-step labs ([review] steps = 1); \
                     in this lab a result is verified, then released by another step",
                ));
            }
            authorize(conn, lab, actor, Permission::Verify)?;
            authorize(conn, lab, actor, Permission::Release)?;
            let cur = current(conn, result_id)?;
            check_rev(conn, result_id, &cur, Some(expected_rev))?;
            let mut rev = expected_rev;
            if cur.state == ResultState::PendingReview {
                rev = verify_in(conn, lab, result_id, actor, Some(rev))?.1;
            }
            release_in(conn, lab, result_id, actor, Some(rev)).map(|d| acted(result_id, d))
        })
    }

    /// A person rejects a result; the reason is required.
    pub fn reject_result(
        &self,
        result_id: ResultId,
        expected_rev: i64,
        reason: &str,
        actor: &Actor,
    ) -> Result<Acted, StoreError> {
        if reason.trim().is_empty() {
            return Err(StoreError::invalid("a rejection needs a reason"));
        }
        self.write(|conn, lab| {
            reject_in(
                conn,
                lab,
                result_id,
                reason.trim(),
                actor,
                Some(expected_rev),
            )
            .map(|d| acted(result_id, d))
        })
    }

    /// A person asks for a rerun, optionally diluted: the test goes back on the analyzer's work
    /// list (its next host query or download) and the rerun's result is a new version. The
    /// reason may be empty; a dilution factor is 2 or more.
    pub fn rerun_result(
        &self,
        result_id: ResultId,
        expected_rev: i64,
        reason: &str,
        dilution: Option<u32>,
        actor: &Actor,
    ) -> Result<Acted, StoreError> {
        if let Some(d @ (0 | 1)) = dilution {
            return Err(StoreError::invalid(format!(
                "a dilution factor is 2 or more, got {d}"
            )));
        }
        self.write(|conn, lab| {
            rerun_in(
                conn,
                lab,
                result_id,
                reason.trim(),
                dilution,
                actor,
                Some(expected_rev),
            )
            .map(|d| acted(result_id, d))
        })
    }

    /// A person changes the value of a result not yet released, with a reason: a new version
    /// with `new_value` (checked like any result, never released at once); the old version is
    /// kept as `rejected`. Returns the old version's state and row version, and the new
    /// version's id.
    pub fn edit_value(
        &self,
        result_id: ResultId,
        expected_rev: i64,
        new_value: &str,
        reason: &str,
        actor: &Actor,
    ) -> Result<Acted, StoreError> {
        typed_with_reason(new_value, reason, "an edit")?;
        self.write(|conn, lab| {
            edit_in(
                conn,
                lab,
                result_id,
                expected_rev,
                new_value.trim(),
                reason.trim(),
                actor,
            )
        })
    }

    /// A person enters the result of an ordered test that has none (no analyzer link, or the
    /// analyzer failed): a result from instrument [`MANUAL_INSTRUMENT`], checked and decided like
    /// any result, never released at once. Refused when the test already has a live version
    /// (edit that one instead).
    pub fn enter_result(
        &self,
        specimen: &str,
        test_code: &str,
        value: &str,
        actor: &Actor,
    ) -> Result<Acted, StoreError> {
        if value.trim().is_empty() {
            return Err(StoreError::invalid("the value is empty"));
        }
        self.write(|conn, lab| enter_in(conn, lab, specimen, test_code, value.trim(), actor))
    }

    /// A supervisor corrects a released result, as they saw it at `expected_rev`, with a reason:
    /// through the one correction path ([`Store::correct`]), so the released version is kept as
    /// `corrected`, the new value is checked like any result and released at once, and the HIS
    /// is sent the correction (OBX-11 `C`). Returns the corrected version's state and row
    /// version, and the new version's id.
    pub fn correct_result(
        &self,
        result_id: ResultId,
        expected_rev: i64,
        new_value: &str,
        reason: &str,
        actor: &Actor,
    ) -> Result<Acted, StoreError> {
        typed_with_reason(new_value, reason, "a correction")?;
        self.write(|conn, lab| {
            let new = correct_in(
                conn,
                lab,
                result_id,
                Some(expected_rev),
                new_value.trim(),
                reason.trim(),
                actor,
            )?;
            Ok(Acted {
                result_id,
                state: ResultState::Corrected,
                rev: rev_of(conn, result_id)?,
                new_version: Some(new),
            })
        })
    }

    /// Verifies every clear result waiting for review in `scope`, as the server decides at this
    /// moment; the others are reported with the reason. One transaction.
    pub fn verify_all_clear(
        &self,
        scope: &ReviewScope,
        actor: &Actor,
    ) -> Result<BulkOutcome, StoreError> {
        self.write(|conn, lab| bulk(conn, lab, scope, actor, Bulk::Verify))
    }

    /// Releases every clear result in `scope` the person may release (verified or autoverified;
    /// in one-step labs also the clear ones waiting for review, verified and released at once),
    /// as the server decides at this moment; the others are reported with the reason. One
    /// transaction; one outbox row per order.
    pub fn release_all_clear(
        &self,
        scope: &ReviewScope,
        actor: &Actor,
    ) -> Result<BulkOutcome, StoreError> {
        self.write(|conn, lab| bulk(conn, lab, scope, actor, Bulk::Release))
    }
}

/// Refuses a new value that is empty or comes without a reason (`what` names the action).
fn typed_with_reason(new_value: &str, reason: &str, what: &str) -> Result<(), StoreError> {
    if reason.trim().is_empty() {
        return Err(StoreError::invalid(format!("{what} needs a reason")));
    }
    if new_value.trim().is_empty() {
        return Err(StoreError::invalid("the new value is empty"));
    }
    Ok(())
}

fn edit_in(
    conn: &Connection,
    lab: &Lab,
    result_id: ResultId,
    expected_rev: i64,
    new_value: &str,
    reason: &str,
    actor: &Actor,
) -> Result<Acted, StoreError> {
    authorize(conn, lab, actor, Permission::EnterResult)?;
    let cur = current(conn, result_id)?;
    check_rev(conn, result_id, &cur, Some(expected_rev))?;
    if cur.state == ResultState::Released {
        return Err(StoreError::invalid(format!(
            "result {result_id} is already released: a change needs a correction"
        )));
    }
    if !cur.reported {
        return Err(StoreError::invalid(format!(
            "result {result_id} is not the reported version of its test; edit that one"
        )));
    }
    let step = Step {
        reason: Some(reason),
        permission: Permission::EnterResult,
        audit_action: "result.edit",
        ..Step::new(Action::Reject, actor, Some(expected_rev))
    };
    let (cur, _, _) = apply(conn, lab, result_id, &step)?;
    let new = store_new_version(
        conn,
        lab,
        result_id,
        &cur,
        new_value,
        reason,
        actor,
        Replacing::Edit,
    )?;
    orders::refresh_status(conn, cur.order_id, actor)?;
    Ok(Acted {
        result_id,
        state: ResultState::Rejected,
        rev: rev_of(conn, result_id)?,
        new_version: Some(new),
    })
}

fn enter_in(
    conn: &Connection,
    lab: &Lab,
    specimen: &str,
    test_code: &str,
    value: &str,
    actor: &Actor,
) -> Result<Acted, StoreError> {
    authorize(conn, lab, actor, Permission::EnterResult)?;
    let test = lab
        .config
        .test(test_code)
        .ok_or_else(|| StoreError::invalid(format!("test {test_code:?} is not in the catalog")))?;
    let target = match find_target(conn, specimen, test_code)? {
        Ok(t) => t,
        Err(NoTarget::NoSpecimen) => return Err(StoreError::not_found("specimen", specimen)),
        Err(NoTarget::OrderCancelled) => {
            return Err(StoreError::invalid(format!(
                "the order of specimen {specimen} is cancelled"
            )))
        }
        Err(NoTarget::TestNotOrdered) => {
            return Err(StoreError::invalid(format!(
                "test {test_code} is not ordered on specimen {specimen}"
            )))
        }
    };
    let live: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT id, state FROM results WHERE ordered_test_id = ?1 AND +state IN \
             ('received', 'pending_review', 'autoverified', 'verified', 'released') \
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([target.ordered_test_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((id, state)) = live {
        return Err(StoreError::invalid(format!(
            "test {test_code} of specimen {specimen} already has result {id} ({state}); \
             edit or reject that one"
        )));
    }
    let now = Timestamp::now();
    let new = NewResult {
        value_sent: value,
        instrument_flags: &[],
        instrument: MANUAL_INSTRUMENT,
        operator: "",
        observed_at: Some(now),
        received_at: now,
        journal_id: None,
        factor: 1.0,
        sent_unit: "",
        expected_unit: None,
        corrects: None,
        release_at: super::results::release_time(conn, now)?,
        manual: true,
        actor,
    };
    let stored = store_result(conn, lab, &target, test, &new)?;
    audit_log::append(
        conn,
        actor,
        "result.enter",
        "result",
        stored.result_id,
        None,
        Some(&json!({
            "specimen": specimen,
            "test": test_code,
            "value": stored.value,
            "state": stored.state.as_str(),
            "rev": 1,
        })),
        None,
    )?;
    orders::refresh_status(conn, target.order_id, actor)?;
    Ok(Acted {
        result_id: stored.result_id,
        state: stored.state,
        rev: 1,
        new_version: None,
    })
}

/// Which bulk action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bulk {
    Verify,
    Release,
}

/// The results of a specimen (`?1`, its barcode) in one of `states`, through the specimen's
/// ordered tests (never an index on state).
pub(super) fn specimen_clause(states: &[ResultState]) -> String {
    let list: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!(
        "ordered_test_id IN (SELECT ot.id FROM ordered_tests ot JOIN specimens s \
         ON s.id = ot.specimen_id WHERE s.barcode = ?1) AND +state IN ({}) ORDER BY id",
        list.join(", ")
    )
}

/// The results in `state`, oldest first: through the state's partial index
/// (`results_pending_review`, `results_verified`, `results_autoverified`), which SQLite uses only
/// when the state is written in the query.
pub(super) fn state_clause(state: ResultState) -> String {
    format!("state = '{}' ORDER BY id", state.as_str())
}

/// The results a bulk action looks at, in id order: the states it can act on, within the scope.
fn candidates(
    conn: &Connection,
    lab: &Lab,
    scope: &ReviewScope,
    states: &[ResultState],
) -> Result<Vec<ResultWithChecks>, StoreError> {
    let mut out = Vec::new();
    match scope {
        ReviewScope::Specimen(barcode) => {
            let exists = conn
                .prepare_cached("SELECT 1 FROM specimens WHERE barcode = ?1")?
                .exists([barcode])?;
            if !exists {
                return Err(StoreError::not_found("specimen", barcode));
            }
            out = results_with_checks_where(conn, &specimen_clause(states), [barcode])?;
        }
        ReviewScope::Worklist { section } => {
            // One query per state, each through its partial index.
            for state in states {
                out.extend(results_with_checks_where(conn, &state_clause(*state), [])?);
            }
            if let Some(section) = section {
                out.retain(|r| {
                    lab.config
                        .test(&r.result.test_code)
                        .is_some_and(|t| t.section == *section)
                });
            }
            out.sort_by_key(|r| r.result.id);
        }
    }
    Ok(out)
}

/// Runs `f` in a savepoint: a refusal (a store error a person can cause: role, state, stale
/// version, call-back) rolls back what `f` wrote and is returned as the reason to skip; any
/// other error ends the whole action.
fn attempt<T>(
    conn: &Connection,
    f: impl FnOnce() -> Result<T, StoreError>,
) -> Result<Result<T, SkipReason>, StoreError> {
    conn.execute_batch("SAVEPOINT bulk_one")?;
    match f() {
        Ok(v) => {
            conn.execute_batch("RELEASE bulk_one")?;
            Ok(Ok(v))
        }
        Err(e) => {
            conn.execute_batch("ROLLBACK TO bulk_one; RELEASE bulk_one")?;
            match e {
                StoreError::CallbackRequired { .. } => Ok(Err(SkipReason::CallbackRequired)),
                StoreError::Forbidden { .. }
                | StoreError::IllegalTransition(_)
                | StoreError::Stale { .. }
                | StoreError::QcRejected { .. }
                | StoreError::Invalid { .. } => Ok(Err(SkipReason::Refused(e.to_string()))),
                other => Err(other),
            }
        }
    }
}

fn bulk(
    conn: &Connection,
    lab: &Lab,
    scope: &ReviewScope,
    actor: &Actor,
    kind: Bulk,
) -> Result<BulkOutcome, StoreError> {
    let one_step = lab.config.review.steps == ReviewSteps::One;
    let (permission, states): (Permission, &[ResultState]) = match kind {
        Bulk::Verify => (Permission::Verify, &[ResultState::PendingReview]),
        Bulk::Release if one_step => (
            Permission::Release,
            &[
                ResultState::PendingReview,
                ResultState::Verified,
                ResultState::AutoVerified,
            ],
        ),
        Bulk::Release => (
            Permission::Release,
            &[ResultState::Verified, ResultState::AutoVerified],
        ),
    };
    let person = authorize(conn, lab, actor, permission)?;
    let mut outcome = BulkOutcome::default();
    let mut released: BTreeMap<OrderId, Vec<ResultId>> = BTreeMap::new();
    let mut touched: BTreeSet<OrderId> = BTreeSet::new();
    for r in candidates(conn, lab, scope, states)? {
        let id = r.result.id;
        let skip = |reason: SkipReason| Skipped {
            result_id: id,
            specimen_id: r.result.specimen_id.clone(),
            test_code: r.result.test_code.clone(),
            reason,
        };
        if let Err(why) = clear::assess(&r, &lab.config.autoverification) {
            outcome.skipped.push(skip(SkipReason::NotClear(why)));
            continue;
        }
        // A version that is not reported (a rerun's answer beside a released version) waits for
        // a person's choice, never for a bulk action.
        if !r.result.reported {
            outcome.skipped.push(skip(SkipReason::NotReported));
            continue;
        }
        if kind == Bulk::Release {
            let refusal = person
                .as_ref()
                .and_then(|p| release_refusal(&lab.config.review, p, r.result.verified_by));
            if let Some(why) = refusal {
                outcome.skipped.push(skip(why));
                continue;
            }
        }
        let rev = r.result.rev;
        let done = attempt(conn, || {
            let mut rev = rev;
            if r.result.state == ResultState::PendingReview {
                rev = apply(conn, lab, id, &Step::new(Action::Verify, actor, Some(rev)))?.2;
            }
            if kind == Bulk::Release {
                apply(conn, lab, id, &Step::new(Action::Release, actor, Some(rev)))?;
            }
            Ok(())
        })?;
        match done {
            Ok(()) => {
                outcome.acted.push(id);
                touched.insert(r.result.order_id);
                if kind == Bulk::Release {
                    released.entry(r.result.order_id).or_default().push(id);
                }
            }
            Err(why) => outcome.skipped.push(skip(why)),
        }
    }
    let now = Timestamp::now();
    for (order_id, ids) in &released {
        orders::add_outbox(conn, *order_id, "results_released", ids, now)?;
    }
    for order_id in &touched {
        orders::refresh_status(conn, *order_id, actor)?;
    }
    let (entity, entity_id) = match scope {
        ReviewScope::Specimen(barcode) => ("specimen", barcode.clone()),
        ReviewScope::Worklist { section } => (
            "worklist",
            section.map_or_else(|| String::from("all"), |s| s.as_str().to_owned()),
        ),
    };
    audit_log::append(
        conn,
        actor,
        match kind {
            Bulk::Verify => "result.verify_all_clear",
            Bulk::Release => "result.release_all_clear",
        },
        entity,
        entity_id,
        None,
        Some(&json!({
            "acted": outcome.acted,
            "skipped": outcome.skipped.iter().map(|s| s.result_id).collect::<Vec<_>>(),
        })),
        None,
    )?;
    Ok(outcome)
}
