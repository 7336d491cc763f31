//! Life-cycle operations on results: verify, release, reject, rerun, correct, choose the
//! reported version, attach an unmatched result. Each is one transaction with its audit entry;
//! releases write the outbox row for the HIS in the same transaction.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::results::{find_target, store_result, NewResult, NoTarget};
use super::{audit_log, orders, ts, Store};
use crate::error::StoreError;
use crate::lifecycle::{transition, Action, ResultState};
use crate::model::{Actor, OrderId, ResultId, UnmatchedId};

struct Current {
    state: ResultState,
    ordered_test_id: i64,
    order_id: OrderId,
    reported: bool,
    specimen: String,
    test_code: String,
    value: String,
    value_sent: String,
    instrument: String,
    operator: String,
    flags: String,
    /// When this version was measured, else stored: a correction keeps it.
    observed_at: Timestamp,
}

fn current(conn: &Connection, id: ResultId) -> Result<Current, StoreError> {
    conn.prepare_cached(
        "SELECT state, ordered_test_id, order_id, reported, specimen_barcode, test_code, value, \
         value_sent, instrument, operator, instrument_flags, \
         coalesce(observed_at, received_at) FROM results WHERE id = ?1",
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
                flags: r.get(10)?,
                observed_at: ts(r.get(11)?),
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

/// Moves a result through one action, with its audit entry.
fn apply(
    conn: &Connection,
    id: ResultId,
    action: Action,
    actor: &Actor,
    reason: Option<&str>,
) -> Result<(Current, ResultState), StoreError> {
    let cur = current(conn, id)?;
    let next = transition(cur.state, action)?;
    let released_at = if next == ResultState::Released {
        Some(super::results::release_time(conn, Timestamp::now())?)
    } else {
        None
    };
    conn.execute(
        "UPDATE results SET state = ?2, released_at = COALESCE(?3, released_at) WHERE id = ?1",
        params![id, next.as_str(), released_at],
    )?;
    audit_log::append(
        conn,
        actor,
        &format!("result.{}", action.as_str()),
        "result",
        id,
        Some(&json!({ "state": cur.state.as_str(), "value": cur.value })),
        Some(&json!({ "state": next.as_str(), "value": cur.value })),
        reason,
    )?;
    Ok((cur, next))
}

impl Store {
    /// A person verifies a result waiting for review.
    pub fn verify(&self, result_id: ResultId, actor: &Actor) -> Result<ResultState, StoreError> {
        self.write(|conn, _| {
            let (cur, next) = apply(conn, result_id, Action::Verify, actor, None)?;
            orders::refresh_status(conn, cur.order_id, actor)?;
            Ok(next)
        })
    }

    /// Releases a verified (or autoverified) result to the HIS: writes the outbox row in the
    /// same transaction. Only the reported version of a test can be released.
    pub fn release(&self, result_id: ResultId, actor: &Actor) -> Result<ResultState, StoreError> {
        self.write(|conn, _| {
            let cur = current(conn, result_id)?;
            if !cur.reported {
                return Err(StoreError::invalid(format!(
                    "result {result_id} is not the reported version; select it first"
                )));
            }
            let (cur, next) = apply(conn, result_id, Action::Release, actor, None)?;
            orders::add_outbox(
                conn,
                cur.order_id,
                "results_released",
                &[result_id],
                Timestamp::now(),
            )?;
            orders::refresh_status(conn, cur.order_id, actor)?;
            Ok(next)
        })
    }

    /// Rejects a result (not reported), with the reason.
    pub fn reject(
        &self,
        result_id: ResultId,
        reason: &str,
        actor: &Actor,
    ) -> Result<ResultState, StoreError> {
        self.write(|conn, _| {
            let (cur, next) = apply(conn, result_id, Action::Reject, actor, Some(reason))?;
            orders::refresh_status(conn, cur.order_id, actor)?;
            Ok(next)
        })
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
        self.write(|conn, _| {
            let (cur, next) = apply(conn, result_id, Action::RequestRerun, actor, Some(reason))?;
            conn.execute(
                "UPDATE ordered_tests SET status = 'pending', rerun = 1, dilution = ?2 WHERE id = ?1",
                params![cur.ordered_test_id, dilution],
            )?;
            Ok(next)
        })
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
        self.write(|conn, lab| {
            let (cur, _) = apply(conn, result_id, Action::Correct, actor, Some(reason))?;
            let test = lab
                .config
                .test(&cur.test_code)
                .ok_or_else(|| StoreError::invalid(format!("test {} left the catalog", cur.test_code)))?;
            let Ok(target) = find_target(conn, &cur.specimen, &cur.test_code)? else {
                return Err(StoreError::invalid("the order of this result is no longer active"));
            };
            let flags: Vec<String> = serde_json::from_str(&cur.flags).unwrap_or_default();
            let now = Timestamp::now();
            let new = NewResult {
                value_sent: new_value,
                instrument_flags: &flags,
                instrument: &cur.instrument,
                operator: &cur.operator,
                // The observation is the analyzer's, not the correction's: OBR-7, OBX-14 and
                // FHIR effectiveDateTime keep it; the correction's time is this version's
                // received_at (OBX-19) and its release time (FHIR issued).
                observed_at: Some(cur.observed_at),
                received_at: now,
                journal_id: None,
                factor: 1.0,
                sent_unit: "",
                expected_unit: None,
                corrects: Some(result_id),
                release_at: super::results::release_time(conn, now)?,
            };
            let stored = store_result(conn, lab, &target, test, &new)?;
            orders::add_outbox(conn, cur.order_id, "correction", &[stored.result_id], now)?;
            audit_log::append(
                conn,
                actor,
                "result.correction_version",
                "result",
                stored.result_id,
                Some(&json!({ "result": result_id, "value": cur.value, "value_sent": cur.value_sent })),
                Some(&json!({ "result": stored.result_id, "value": stored.value, "state": stored.state.as_str() })),
                Some(reason),
            )?;
            orders::refresh_status(conn, cur.order_id, actor)?;
            Ok(stored.result_id)
        })
    }

    /// Makes this version the one reported for its test (after a rerun). Refused when another
    /// version is already released: that needs a correction.
    pub fn select_version(&self, result_id: ResultId, actor: &Actor) -> Result<(), StoreError> {
        self.write(|conn, _| {
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
                "UPDATE results SET reported = (id = ?2) WHERE ordered_test_id = ?1",
                params![cur.ordered_test_id, result_id],
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
    /// first specimen); the result is then checked like any other.
    pub fn attach_unmatched(
        &self,
        unmatched_id: UnmatchedId,
        order_id: OrderId,
        test_code: &str,
        actor: &Actor,
    ) -> Result<ResultId, StoreError> {
        self.write(|conn, lab| {
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
                return Err(StoreError::invalid(format!("already attached as result {r}")));
            }
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
            let flags: Vec<String> = serde_json::from_str(&flags).unwrap_or_default();
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
            };
            let stored = store_result(conn, lab, &target, test, &new)?;
            conn.execute(
                "UPDATE unmatched SET attached_result_id = ?2 WHERE id = ?1",
                params![unmatched_id, stored.result_id],
            )?;
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
