//! Reception at the lab's bench and the printed report: a scanned tube marked received (at the
//! server's time), a tube refused with a coded reason, one order's report read in one
//! transaction, and a print of it written to the audit trail.
//!
//! Receiving and printing need [`Permission::Review`] (the people who handle specimens and
//! results: technicians and supervisors); refusing a tube needs [`Permission::Reject`]. Both are
//! checked inside the write's transaction, like every person's action.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::lifecycle::{apply, Step};
use super::specimen_view::specimen_review;
use super::users::authorize;
use super::{audit_log, ms, orders, ts, Lab, Store};
use crate::error::StoreError;
use crate::lifecycle::{Action, ResultState};
use crate::model::{
    Actor, OrderReport, Paper, ReceiveOutcome, ResultId, SpecimenReview, StoredRejection,
};
use crate::permissions::Permission;

impl Store {
    /// Marks a scanned specimen received at `now` (the server's clock). The collection time the
    /// HIS sent is kept; `collected_at` (typed at reception) is stored only when the order has
    /// none, and must not be after `now`. A specimen received before, or an id no specimen
    /// has, changes nothing: a repeated scan is harmless.
    pub fn receive_scan(
        &self,
        barcode: &str,
        collected_at: Option<Timestamp>,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<ReceiveOutcome, StoreError> {
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::Review)?;
            let Some((received, collected)) = reception_times(conn, barcode)? else {
                return Ok(ReceiveOutcome::Unknown);
            };
            if let Some(at) = received {
                return Ok(ReceiveOutcome::AlreadyReceived { at });
            }
            let entered = match (collected, collected_at) {
                (None, Some(at)) if at > now => {
                    return Err(StoreError::invalid(format!(
                        "collection time {at} is after the receipt at {now}"
                    )))
                }
                (None, Some(at)) => Some(at),
                _ => None,
            };
            conn.execute(
                "UPDATE specimens SET received_at = ?2, collected_at = COALESCE(collected_at, ?3) \
                 WHERE barcode = ?1",
                params![barcode, ms(now), entered.map(ms)],
            )?;
            audit_log::append(
                conn,
                actor,
                "specimen.receive",
                "specimen",
                barcode,
                Some(&json!({
                    "received_at": null,
                    "collected_at": collected.map(|t| t.to_string()),
                })),
                Some(&json!({
                    "received_at": now.to_string(),
                    "collected_at": collected.or(entered).map(|t| t.to_string()),
                })),
                None,
            )?;
            Ok(ReceiveOutcome::Received {
                at: now,
                collected_entered: entered.is_some(),
            })
        })
    }

    /// Refuses a specimen with a coded reason at `now`. Its results not yet released are held:
    /// a result still `received` goes to review with the reason, and none of them can be
    /// released while the specimen stays rejected (results that arrive later fail the specimen
    /// rule and wait too). Returns how many results are held. A specimen rejected before is
    /// refused ([`StoreError::Invalid`]), so its first reason stays.
    pub fn reject_specimen_coded(
        &self,
        barcode: &str,
        rejection: &StoredRejection,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<usize, StoreError> {
        if rejection.reason == crate::model::RejectionReason::Other
            && rejection.text.trim().is_empty()
        {
            return Err(StoreError::invalid(
                "a rejection for another reason needs the reason written out",
            ));
        }
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::Reject)?;
            let before: Option<Option<String>> = conn
                .query_row(
                    "SELECT rejected_reason FROM specimens WHERE barcode = ?1",
                    [barcode],
                    |r| r.get(0),
                )
                .optional()?;
            match before {
                None => return Err(StoreError::not_found("specimen", barcode)),
                Some(Some(earlier)) => {
                    return Err(StoreError::invalid(format!(
                        "specimen {barcode} was already rejected ({})",
                        StoredRejection::read(&earlier).words()
                    )))
                }
                Some(None) => {}
            }
            conn.execute(
                "UPDATE specimens SET rejected_at = ?2, rejected_reason = ?3 WHERE barcode = ?1",
                params![barcode, ms(now), rejection.stored()],
            )?;
            let words = rejection.words();
            audit_log::append(
                conn,
                actor,
                "specimen.reject",
                "specimen",
                barcode,
                Some(&json!({ "rejected": false })),
                Some(&json!({ "rejected": true, "reason": rejection.reason.as_str() })),
                Some(&words),
            )?;
            hold_results(conn, lab, barcode, &words)
        })
    }

    /// One order's report: the order and each of its tubes as the specimen page reads them
    /// (patient, results with versions, call-backs and comments), in one transaction. `None`
    /// when no order has this placer number.
    pub fn order_report(&self, placer_number: &str) -> Result<Option<OrderReport>, StoreError> {
        self.read(|conn, lab| {
            let Some(order) = orders::order_by_placer_in(conn, placer_number)? else {
                return Ok(None);
            };
            let barcodes: Vec<String> = conn
                .prepare_cached("SELECT barcode FROM specimens WHERE order_id = ?1 ORDER BY id")?
                .query_map([order.id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let specimens = barcodes
                .iter()
                .map(|b| specimen_review(conn, lab, b))
                .collect::<Result<Vec<SpecimenReview>, _>>()?;
            Ok(Some(OrderReport { order, specimens }))
        })
    }

    /// Writes to the audit trail that `actor` printed the report of an order on `paper`.
    /// Refused for a user without [`Permission::Review`]; an unknown order is `NotFound`.
    pub fn record_report_print(
        &self,
        placer_number: &str,
        paper: Paper,
        report_status: &str,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::Review)?;
            if orders::order_by_placer_in(conn, placer_number)?.is_none() {
                return Err(StoreError::not_found("order", placer_number));
            }
            audit_log::append(
                conn,
                actor,
                "report.print",
                "order",
                placer_number,
                None,
                Some(&json!({ "paper": paper.as_str(), "status": report_status })),
                None,
            )?;
            Ok(())
        })
    }
}

/// A specimen's receipt and collection times, each `None` when not recorded.
type ReceptionTimes = (Option<Timestamp>, Option<Timestamp>);

/// A specimen's receipt and collection times; `None` when no specimen has the barcode.
fn reception_times(conn: &Connection, barcode: &str) -> Result<Option<ReceptionTimes>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT received_at, collected_at FROM specimens WHERE barcode = ?1",
            [barcode],
            |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?.map(ts),
                    r.get::<_, Option<i64>>(1)?.map(ts),
                ))
            },
        )
        .optional()?)
}

/// Holds a rejected specimen's results: those still `received` go to review (the system's
/// step, with the reason); counts every result not yet released, which release now refuses.
fn hold_results(
    conn: &Connection,
    lab: &Lab,
    barcode: &str,
    words: &str,
) -> Result<usize, StoreError> {
    let waiting: Vec<(ResultId, String)> = conn
        .prepare_cached(
            "SELECT id, state FROM results WHERE specimen_barcode = ?1 AND state IN \
             ('received', 'pending_review', 'autoverified', 'verified') ORDER BY id",
        )?
        .query_map([barcode], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let reason = format!("specimen rejected: {words}");
    for (id, state) in &waiting {
        if state == ResultState::Received.as_str() {
            let step = Step::new(Action::Hold, &Actor::System, None).reason(Some(&reason));
            apply(conn, lab, *id, &step)?;
        }
    }
    Ok(waiting.len())
}
