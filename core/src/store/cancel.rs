//! Cancelling orders and tests (HL7 ORC-1 `CA`/`DC`, `POST /api/v1/orders/{placer}/cancel`).
//!
//! A test whose result was released cannot be cancelled: the HIS may already have filed the
//! result, and a cancelled order beside a final result would say two things at once. So:
//!
//! - a cancel of the whole order is refused, with nothing changed, when any of its tests has a
//!   released (or corrected) result ([`StoreError::ReleasedTests`], naming them);
//! - a cancel of named tests cancels those without a released result and reports the others as
//!   not cancelled ([`OrderCancel::released`]);
//! - a cancelled test's results that exist but are not released (received, held for review,
//!   autoverified, verified) are rejected in the same transaction with the reason "test
//!   cancelled", so no path can release them later; a result already waiting for a rerun, or
//!   rejected, stays as it is, and nothing is run again for a cancelled test;
//! - the order becomes `cancelled` when none of its tests is left; otherwise its status is
//!   recomputed from what remains (so REST, FHIR and ORC-5 agree with its results).

use jiff::Timestamp;
use rusqlite::{params, Connection};
use serde_json::json;

use super::lifecycle::reject_in;
use super::orders::{order, refresh_status};
use super::{audit_log, ms, Lab, Store};
use crate::error::StoreError;
use crate::model::{Actor, OrderId, OrderStatus, ResultId};

/// What a cancel did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCancel {
    /// The tests cancelled now (LIS codes, in the order's order).
    pub cancelled: Vec<String>,
    /// Named tests left as they were because one of their results is released.
    pub released: Vec<String>,
    /// Results of the cancelled tests that were not released, now rejected.
    pub rejected_results: Vec<ResultId>,
    /// The order's status afterwards.
    pub status: OrderStatus,
}

/// One live (not cancelled) test of the order: its row id, code and whether a result version
/// of it was ever released.
struct LiveTest {
    id: i64,
    code: String,
    released: bool,
}

fn live_tests(conn: &Connection, order_id: OrderId) -> Result<Vec<LiveTest>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT ot.id, ot.test_code, EXISTS (SELECT 1 FROM results r WHERE \
         r.ordered_test_id = ot.id AND r.state IN ('released', 'corrected')) \
         FROM ordered_tests ot WHERE ot.order_id = ?1 AND ot.status != 'cancelled' ORDER BY ot.id",
    )?;
    let rows = stmt.query_map([order_id], |r| {
        Ok(LiveTest {
            id: r.get(0)?,
            code: r.get(1)?,
            released: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Cancels one test in the caller's transaction and rejects its unreleased results.
fn cancel_test(
    conn: &Connection,
    lab: &Lab,
    test: &LiveTest,
    reason: &str,
    actor: &Actor,
    rejected: &mut Vec<ResultId>,
) -> Result<(), StoreError> {
    let waiting: Vec<ResultId> = conn
        .prepare_cached(
            "SELECT id FROM results WHERE ordered_test_id = ?1 AND state IN \
             ('received', 'pending_review', 'autoverified', 'verified') ORDER BY id",
        )?
        .query_map([test.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let why = format!("test cancelled: {reason}");
    for id in waiting {
        reject_in(conn, lab, id, &why, actor, None)?;
        rejected.push(id);
    }
    conn.prepare_cached("UPDATE ordered_tests SET status = 'cancelled' WHERE id = ?1")?
        .execute([test.id])?;
    Ok(())
}

/// Cancels `wanted` (every live test when `None`) of an order, in the caller's transaction.
fn cancel_in(
    conn: &Connection,
    lab: &Lab,
    order_id: OrderId,
    wanted: Option<&[String]>,
    reason: &str,
    actor: &Actor,
) -> Result<OrderCancel, StoreError> {
    let before = order(conn, order_id)?;
    if before.status == OrderStatus::Cancelled {
        return Err(StoreError::conflict(format!(
            "order {order_id} is already cancelled"
        )));
    }
    let live = live_tests(conn, order_id)?;
    let chosen: Vec<&LiveTest> = match wanted {
        None => {
            let released: Vec<String> = live
                .iter()
                .filter(|t| t.released)
                .map(|t| t.code.clone())
                .collect();
            if !released.is_empty() {
                return Err(StoreError::ReleasedTests {
                    placer_number: before.placer_number,
                    tests: released,
                });
            }
            live.iter().collect()
        }
        Some(codes) => {
            for code in codes {
                if !live.iter().any(|t| &t.code == code) {
                    return Err(StoreError::invalid(format!(
                        "test {code:?} is not an ordered test of order {:?} (or is already cancelled)",
                        before.placer_number
                    )));
                }
            }
            live.iter().filter(|t| codes.contains(&t.code)).collect()
        }
    };
    let mut out = OrderCancel {
        cancelled: Vec::new(),
        released: Vec::new(),
        rejected_results: Vec::new(),
        status: before.status,
    };
    for test in chosen {
        if test.released {
            out.released.push(test.code.clone());
        } else {
            cancel_test(conn, lab, test, reason, actor, &mut out.rejected_results)?;
            out.cancelled.push(test.code.clone());
        }
    }
    if out.cancelled.is_empty() && wanted.is_some() {
        return Ok(out);
    }
    let left = live.len() - out.cancelled.len();
    out.status = if left == 0 {
        conn.execute(
            "UPDATE orders SET status = 'cancelled', cancelled_at = ?2, cancel_reason = ?3 \
             WHERE id = ?1",
            params![order_id, ms(Timestamp::now()), reason],
        )?;
        OrderStatus::Cancelled
    } else {
        refresh_status(conn, order_id, actor)?
    };
    audit_log::append(
        conn,
        actor,
        if left == 0 {
            "order.cancel"
        } else {
            "order.cancel_tests"
        },
        "order",
        order_id,
        Some(&json!({ "status": before.status.as_str() })),
        Some(&json!({
            "status": out.status.as_str(),
            "cancelled_tests": out.cancelled,
            "rejected_results": out.rejected_results,
        })),
        Some(reason),
    )?;
    Ok(out)
}

impl Store {
    /// Cancels an order: every test, and with them the order. Refused with
    /// [`StoreError::ReleasedTests`] (nothing changed) when a test has a released result;
    /// results not yet released are rejected.
    pub fn cancel_order(
        &self,
        order_id: OrderId,
        reason: &str,
        actor: &Actor,
    ) -> Result<OrderCancel, StoreError> {
        self.write(|conn, lab| cancel_in(conn, lab, order_id, None, reason, actor))
    }

    /// Cancels the named tests (LIS codes) of an order. Those with a released result are left
    /// as they are and listed in [`OrderCancel::released`]; a code that is not a live test of
    /// the order is `Invalid` (nothing changed). The order is cancelled when no test is left.
    pub fn cancel_tests(
        &self,
        order_id: OrderId,
        tests: &[String],
        reason: &str,
        actor: &Actor,
    ) -> Result<OrderCancel, StoreError> {
        self.write(|conn, lab| cancel_in(conn, lab, order_id, Some(tests), reason, actor))
    }
}
