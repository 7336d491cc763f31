//! The unmatched queue as a supervisor works it: one keyset page of the open queue, one entry
//! with how it was resolved, the orders it could be attached to (by specimen id, patient id,
//! placer number or name), discarding with a reason, and the day's counts per link for the
//! instruments page. Attaching is [`Store::attach_unmatched`] (in `lifecycle`).

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;

use super::decode::At;
use super::users::{actor_name, authorize};
use super::{audit_log, ms, ts, Store};
use crate::error::StoreError;
use crate::model::{Actor, OrderId, ResultId, Unmatched, UnmatchedId, UnmatchedReason};
use crate::permissions::Permission;

/// The longest discard reason kept, in characters.
pub const MAX_DISCARD_REASON_CHARS: usize = 500;

/// One entry of the unmatched queue with what the queue page shows beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmatchedEntry {
    /// The result as the analyzer sent it and why it matched nothing.
    pub item: Unmatched,
    /// The link its message came in on.
    pub link: String,
    /// When the analyzer says it measured it.
    pub observed_at: Option<Timestamp>,
    /// How it left the queue, if it did.
    pub resolution: Option<UnmatchedResolution>,
}

/// How an unmatched result left the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnmatchedResolution {
    /// Attached to an order: the result it became.
    Attached {
        /// The result's row id.
        result: ResultId,
        /// The specimen it was attached to.
        specimen: String,
    },
    /// Discarded by a person, with the reason.
    Discarded {
        /// When.
        at: Timestamp,
        /// Who, in words (display name).
        by: String,
        /// Why.
        reason: String,
    },
}

/// An order an unmatched result could be attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCandidate {
    /// The order's row id.
    pub order_id: OrderId,
    /// The HIS's order number.
    pub placer_number: String,
    /// The patient's HIS id.
    pub patient_id: String,
    /// The patient's name.
    pub patient_name: String,
    /// The order's specimens (barcodes).
    pub specimens: Vec<String>,
    /// The tests ordered (LIS codes).
    pub tests: Vec<String>,
    /// When it was ordered.
    pub ordered_at: Timestamp,
    /// Whether it was cancelled (nothing can be attached to it).
    pub cancelled: bool,
}

/// What one link and its instrument did since a moment (the start of the lab's day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkDayCounts {
    /// Messages journaled from the link.
    pub messages: u64,
    /// Results stored for the instrument (every version).
    pub results: u64,
    /// Results of the instrument still in the unmatched queue (whenever they came).
    pub unmatched_open: u64,
}

const ENTRY_COLUMNS: &str = "u.id, u.journal_id, u.instrument, u.specimen_id, \
     u.instrument_test_code, u.value, u.units, u.reason, u.received_at, u.attached_result_id, \
     u.patient_hint, j.link, u.observed_at, u.discarded_at, u.discarded_by, u.discard_reason";

/// Reads the unmatched result of a row whose first eleven columns are `id, journal_id,
/// instrument, specimen_id, instrument_test_code, value, units, reason, received_at,
/// attached_result_id, patient_hint` (as [`ENTRY_COLUMNS`] and the open queue's query read them).
pub(super) fn unmatched_row(r: &Row<'_>) -> rusqlite::Result<Unmatched> {
    let id: i64 = r.get(0)?;
    let at = |column| At::new("unmatched", id, column);
    Ok(Unmatched {
        id,
        journal_id: r.get(1)?,
        instrument: r.get(2)?,
        specimen_id: r.get(3)?,
        instrument_test_code: r.get(4)?,
        value: r.get(5)?,
        units: r.get(6)?,
        reason: at("reason").code(&r.get::<_, String>(7)?, UnmatchedReason::parse)?,
        received_at: ts(r.get(8)?),
        attached_result_id: r.get(9)?,
        patient_hint: r
            .get::<_, Option<String>>(10)?
            .map(|h| at("patient_hint").json(&h))
            .transpose()?,
    })
}

/// Reads one row of [`ENTRY_COLUMNS`]; the discard's actor is named afterwards.
fn entry_row(r: &Row<'_>) -> rusqlite::Result<(UnmatchedEntry, Option<String>)> {
    let item = unmatched_row(r)?;
    let discarded_at: Option<i64> = r.get(13)?;
    let discarded_by: Option<String> = r.get(14)?;
    let reason: Option<String> = r.get(15)?;
    let resolution = discarded_at.map(|t| UnmatchedResolution::Discarded {
        at: ts(t),
        by: String::new(),
        reason: reason.unwrap_or_default(),
    });
    Ok((
        UnmatchedEntry {
            item,
            link: r.get(11)?,
            observed_at: r.get::<_, Option<i64>>(12)?.map(ts),
            resolution,
        },
        discarded_by,
    ))
}

/// Completes an entry read by [`entry_row`]: the attached result's specimen, the discarding
/// person's name.
fn complete(
    conn: &Connection,
    (mut entry, discarded_by): (UnmatchedEntry, Option<String>),
) -> Result<UnmatchedEntry, StoreError> {
    if let Some(result) = entry.item.attached_result_id {
        let specimen: String = conn
            .prepare_cached("SELECT specimen_barcode FROM results WHERE id = ?1")?
            .query_row([result], |r| r.get(0))
            .optional()?
            .unwrap_or_default();
        entry.resolution = Some(UnmatchedResolution::Attached { result, specimen });
    } else if let Some(UnmatchedResolution::Discarded { by, .. }) = &mut entry.resolution {
        *by = match discarded_by {
            Some(actor) => actor_name(conn, &actor)?,
            None => String::new(),
        };
    }
    Ok(entry)
}

/// An unmatched row's attachment, discard time, specimen, instrument and code.
type OpenState = (Option<i64>, Option<i64>, String, String, String);

/// Refuses to attach a result someone discarded.
pub(super) fn refuse_discarded(conn: &Connection, id: UnmatchedId) -> Result<(), StoreError> {
    let discarded: Option<i64> = conn
        .query_row(
            "SELECT discarded_at FROM unmatched WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    match discarded {
        Some(_) => Err(StoreError::conflict(format!(
            "unmatched result {id} was discarded"
        ))),
        None => Ok(()),
    }
}

impl Store {
    /// One page of the open unmatched queue (neither attached nor discarded), oldest first,
    /// after the entry `after` (keyset on the row id), at most `limit`.
    pub fn unmatched_page(
        &self,
        after: Option<UnmatchedId>,
        limit: usize,
    ) -> Result<Vec<UnmatchedEntry>, StoreError> {
        self.read(|conn, _| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM unmatched u JOIN journal j ON j.id = u.journal_id \
                 WHERE u.attached_result_id IS NULL AND u.discarded_at IS NULL AND u.id > ?1 \
                 ORDER BY u.id LIMIT ?2"
            ))?;
            let rows = stmt
                .query_map(
                    params![after.unwrap_or(0), i64::try_from(limit).unwrap_or(i64::MAX)],
                    entry_row,
                )?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(|row| complete(conn, row)).collect()
        })
    }

    /// How many results wait in the unmatched queue.
    pub fn unmatched_open_count(&self) -> Result<u64, StoreError> {
        self.read(|conn, _| {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM unmatched \
                 WHERE attached_result_id IS NULL AND discarded_at IS NULL",
                [],
                |r| r.get(0),
            )?;
            Ok(count(n))
        })
    }

    /// One unmatched result, open or resolved.
    pub fn unmatched_entry(&self, id: UnmatchedId) -> Result<UnmatchedEntry, StoreError> {
        self.read(|conn, _| {
            let row = conn
                .prepare_cached(&format!(
                    "SELECT {ENTRY_COLUMNS} FROM unmatched u \
                     JOIN journal j ON j.id = u.journal_id WHERE u.id = ?1"
                ))?
                .query_row([id], entry_row)
                .optional()?
                .ok_or_else(|| StoreError::not_found("unmatched result", id))?;
            complete(conn, row)
        })
    }

    /// Orders whose specimen id, placer number or patient id is `query` exactly, or whose
    /// patient's name contains it (ignoring case in the ASCII letters), newest first, at most
    /// `limit`. An empty query finds nothing.
    pub fn order_candidates(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<OrderCandidate>, StoreError> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        self.read(|conn, _| {
            let escaped = query
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let mut stmt = conn.prepare_cached(
                "SELECT o.id, o.placer_number, p.his_id, p.name, o.ordered_at, \
                 o.cancelled_at IS NOT NULL FROM orders o JOIN patients p ON p.id = o.patient_id \
                 WHERE o.id IN ( \
                   SELECT order_id FROM specimens WHERE barcode = ?1 \
                   UNION SELECT id FROM orders WHERE placer_number = ?1 \
                   UNION SELECT o2.id FROM orders o2 JOIN patients p2 ON p2.id = o2.patient_id \
                     WHERE p2.his_id = ?1 OR p2.name LIKE '%' || ?2 || '%' ESCAPE '\\') \
                 ORDER BY o.ordered_at DESC, o.id DESC LIMIT ?3",
            )?;
            let rows = stmt
                .query_map(
                    params![query, escaped, i64::try_from(limit).unwrap_or(i64::MAX)],
                    |r| {
                        Ok(OrderCandidate {
                            order_id: r.get(0)?,
                            placer_number: r.get(1)?,
                            patient_id: r.get(2)?,
                            patient_name: r.get(3)?,
                            specimens: Vec::new(),
                            tests: Vec::new(),
                            ordered_at: ts(r.get(4)?),
                            cancelled: r.get(5)?,
                        })
                    },
                )?
                .collect::<Result<Vec<_>, _>>()?;
            let mut out = Vec::with_capacity(rows.len());
            let mut specimens =
                conn.prepare_cached("SELECT barcode FROM specimens WHERE order_id = ?1 ORDER BY id")?;
            let mut tests = conn.prepare_cached(
                "SELECT DISTINCT test_code FROM ordered_tests WHERE order_id = ?1 ORDER BY test_code",
            )?;
            for mut c in rows {
                c.specimens = specimens
                    .query_map([c.order_id], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                c.tests = tests
                    .query_map([c.order_id], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                out.push(c);
            }
            Ok(out)
        })
    }

    /// Takes an unmatched result out of the queue without attaching it, with the reason
    /// (required), in one transaction with its audit entry (`unmatched.discard`). A user needs
    /// [`Permission::ResolveUnmatched`]. An attached or already discarded result is a conflict.
    pub fn discard_unmatched(
        &self,
        id: UnmatchedId,
        reason: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid(
                "a reason is required to discard a result",
            ));
        }
        if reason.chars().count() > MAX_DISCARD_REASON_CHARS {
            return Err(StoreError::invalid(format!(
                "the reason is longer than {MAX_DISCARD_REASON_CHARS} characters"
            )));
        }
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::ResolveUnmatched)?;
            let state: Option<OpenState> = conn
                .query_row(
                    "SELECT attached_result_id, discarded_at, specimen_id, instrument, \
                     instrument_test_code FROM unmatched WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((attached, discarded, specimen, instrument, code)) = state else {
                return Err(StoreError::not_found("unmatched result", id));
            };
            if let Some(r) = attached {
                return Err(StoreError::conflict(format!(
                    "unmatched result {id} is already attached as result {r}"
                )));
            }
            if discarded.is_some() {
                return Err(StoreError::conflict(format!(
                    "unmatched result {id} is already discarded"
                )));
            }
            conn.execute(
                "UPDATE unmatched SET discarded_at = ?2, discarded_by = ?3, discard_reason = ?4 \
                 WHERE id = ?1",
                params![id, ms(now), actor.to_string(), reason],
            )?;
            audit_log::append(
                conn,
                actor,
                "unmatched.discard",
                "unmatched",
                id,
                Some(&json!({ "state": "open", "specimen": specimen, "instrument": instrument, "code": code })),
                Some(&json!({ "state": "discarded" })),
                Some(reason),
            )?;
            Ok(())
        })
    }

    /// What each link and its instrument did since `since`: messages journaled per link,
    /// results stored per instrument, and the instrument's open unmatched results. Keys are
    /// `(link, instrument)` pairs as asked.
    pub fn link_day_counts(
        &self,
        links: &[(String, String)],
        since: Timestamp,
    ) -> Result<Vec<LinkDayCounts>, StoreError> {
        self.read(|conn, _| {
            let mut messages = conn.prepare_cached(
                "SELECT COUNT(*) FROM journal WHERE received_at >= ?1 AND link = ?2",
            )?;
            let mut results = conn.prepare_cached(
                "SELECT COUNT(*) FROM results WHERE received_at >= ?1 AND instrument = ?2",
            )?;
            let mut unmatched = conn.prepare_cached(
                "SELECT COUNT(*) FROM unmatched WHERE attached_result_id IS NULL \
                 AND discarded_at IS NULL AND instrument = ?1",
            )?;
            let mut out = Vec::with_capacity(links.len());
            for (link, instrument) in links {
                out.push(LinkDayCounts {
                    messages: count(messages.query_row(params![ms(since), link], |r| r.get(0))?),
                    results: count(
                        results.query_row(params![ms(since), instrument], |r| r.get(0))?,
                    ),
                    unmatched_open: count(unmatched.query_row([instrument], |r| r.get(0))?),
                });
            }
            Ok(out)
        })
    }
}

/// A COUNT(*), never negative.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
