//! What the HIS integration needs from the database: per-endpoint delivery of outbox rows (the
//! ORU^R01 sender's durable state), the message journal for HIS messages, and reads of released
//! results, orders and patients for the REST and FHIR pulls.
//!
//! Delivery model: every outbox row is delivered to every configured HIS endpoint. A row in
//! `his_deliveries` per (outbox row, endpoint) keeps the message bytes built at the first
//! attempt (so a retry resends the very same bytes, MSH-10 included), the attempts, the last
//! error, the HIS's acknowledgement code and when to try again. Rows of one order are delivered
//! to an endpoint in outbox order: a later row waits while an earlier one is still pending.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::decode::At;
use super::orders::{patient_row, upsert_patient, PATIENT_COLUMNS};
use super::queries::{checks_column, result_row, RESULT_COLUMNS};
use super::{audit_log, journal, ms, ts, Store};
use crate::error::StoreError;
use crate::model::{Actor, JournalId, LabResult, NewOrder, OrderId, Patient, Protocol, ResultId};
use crate::presentation::judged_normal;

/// Where a delivery of one outbox row to one endpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not yet acknowledged with AA: (re)sent when due.
    Pending,
    /// The HIS answered AA.
    Delivered,
    /// The HIS answered AE or AR: not retried, shown to a person.
    Rejected,
}

impl DeliveryState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Rejected]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// One outbox row as seen by one endpoint's sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HisDelivery {
    /// The outbox row.
    pub outbox_id: i64,
    /// The endpoint's name.
    pub endpoint: String,
    /// The order.
    pub order_id: OrderId,
    /// `results_released` or `correction`.
    pub kind: String,
    /// The results to send.
    pub result_ids: Vec<ResultId>,
    /// When the row was queued.
    pub created_at: Timestamp,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts so far.
    pub attempts: i64,
    /// The message built at the first attempt (none before it).
    pub message: Option<Vec<u8>>,
    /// MSH-10 of that message.
    pub control_id: Option<String>,
    /// The last error (connection, timeout, or the HIS's AE/AR text).
    pub last_error: Option<String>,
    /// MSA-1 of the last acknowledgement.
    pub ack_code: Option<String>,
    /// When the first attempt was made.
    pub first_attempt_at: Option<Timestamp>,
    /// When to try again.
    pub next_attempt_at: Option<Timestamp>,
    /// When the HIS accepted it.
    pub delivered_at: Option<Timestamp>,
}

/// The result of one send attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// MSA-1 `AA` (or `CA`).
    Accepted {
        /// MSA-1 as received.
        ack_code: String,
    },
    /// MSA-1 `AE`/`AR`: final, surfaced to a person.
    Rejected {
        /// MSA-1 as received.
        ack_code: String,
        /// MSA-3 / ERR text.
        reason: String,
    },
    /// No acknowledgement (connection refused, timeout, garbage): retried at `retry_at`.
    Failed {
        /// What went wrong.
        error: String,
        /// When to try again.
        retry_at: Timestamp,
    },
}

/// Filters of the released-results pull (`GET /api/v1/results`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleasedFilter {
    /// Placer number or accession of the order.
    pub order: Option<String>,
    /// Specimen barcode.
    pub specimen: Option<String>,
    /// The patient's HIS id.
    pub patient: Option<String>,
    /// LIS test code.
    pub test_code: Option<String>,
    /// Only corrections (`Some(true)`) or only first releases (`Some(false)`).
    pub corrected: Option<bool>,
    /// Released at or after.
    pub since: Option<Timestamp>,
    /// With `since`: only results after this one in release order, i.e. released after `since`,
    /// or at `since` with a larger id. A poller passes the last row it got as (`since`,
    /// `after_id`), so rows sharing one release time never make it read the same page again.
    pub after_id: Option<ResultId>,
    /// At most this many rows.
    pub limit: usize,
}

/// A released result with what a HIS needs to file it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleasedResult {
    /// The result version.
    pub result: LabResult,
    /// When it was released.
    pub released_at: Timestamp,
    /// The order's placer number.
    pub placer_number: String,
    /// The order's accession number.
    pub accession: String,
    /// The patient.
    pub patient: Patient,
    /// Whether its reference-range check passed ([`crate::presentation::judged_normal`]): only
    /// then may an unflagged result be called normal.
    pub judged_normal: bool,
    /// The analyzer's supplementary values of this version (RLU, cut-off, Ct...), in the order
    /// sent.
    pub supplements: Vec<crate::model::Supplement>,
    /// The microbiology isolate of this version with its susceptibility panel.
    pub isolate: Option<crate::model::Isolate>,
}

/// Counts of the outbox for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutboxCounts {
    /// Rows not yet delivered everywhere.
    pub pending: i64,
    /// Rows delivered to every endpoint.
    pub sent: i64,
    /// Rows an endpoint rejected.
    pub rejected: i64,
}

fn delivery_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HisDelivery> {
    let outbox_id: i64 = r.get(0)?;
    Ok(HisDelivery {
        outbox_id,
        endpoint: r.get(1)?,
        order_id: r.get(2)?,
        kind: r.get(3)?,
        result_ids: At::new("outbox", outbox_id, "result_ids").json(&r.get::<_, String>(4)?)?,
        created_at: ts(r.get(5)?),
        // No delivery row yet (the LEFT JOIN found none): pending for this endpoint.
        state: match r.get::<_, Option<String>>(6)? {
            None => DeliveryState::Pending,
            Some(s) => {
                At::new("his_deliveries", outbox_id, "state").code(&s, DeliveryState::parse)?
            }
        },
        attempts: r.get::<_, Option<i64>>(7)?.unwrap_or(0),
        message: r.get(8)?,
        control_id: r.get(9)?,
        last_error: r.get(10)?,
        ack_code: r.get(11)?,
        first_attempt_at: r.get::<_, Option<i64>>(12)?.map(ts),
        next_attempt_at: r.get::<_, Option<i64>>(13)?.map(ts),
        delivered_at: r.get::<_, Option<i64>>(14)?.map(ts),
    })
}

const DELIVERY_SELECT: &str = "SELECT o.id, ?1, o.order_id, o.kind, o.result_ids, o.created_at, \
    d.state, d.attempts, d.message, d.control_id, d.last_error, d.ack_code, d.first_attempt_at, \
    d.next_attempt_at, d.delivered_at \
    FROM outbox o LEFT JOIN his_deliveries d ON d.outbox_id = o.id AND d.endpoint = ?1";

/// Marks the outbox row finished once every endpoint has a final delivery.
fn settle_outbox(
    conn: &Connection,
    outbox_id: i64,
    endpoints: &[String],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut any_rejected = false;
    for e in endpoints {
        let state: Option<String> = conn
            .prepare_cached(
                "SELECT state FROM his_deliveries WHERE outbox_id = ?1 AND endpoint = ?2",
            )?
            .query_row(params![outbox_id, e], |r| r.get(0))
            .optional()?;
        let state = match state {
            None => DeliveryState::Pending,
            Some(s) => {
                At::new("his_deliveries", outbox_id, "state").code(&s, DeliveryState::parse)?
            }
        };
        match state {
            DeliveryState::Delivered => {}
            DeliveryState::Rejected => any_rejected = true,
            DeliveryState::Pending => return Ok(()),
        }
    }
    conn.execute(
        "UPDATE outbox SET state = ?2, delivered_at = ?3 WHERE id = ?1",
        params![
            outbox_id,
            if any_rejected { "rejected" } else { "sent" },
            ms(now)
        ],
    )?;
    Ok(())
}

/// The released results matching a [`ReleasedFilter`] (`?1` order, `?2` specimen, `?3`
/// patient, `?4` since, `?5` corrected, `?6` test code; each NULL when not asked), in release
/// order, at most `?7`.
pub(super) const RELEASED_RESULTS_WHERE: &str = "WHERE state = 'released' \
     AND (?1 IS NULL OR order_id IN (SELECT id FROM orders WHERE placer_number = ?1 OR accession = ?1)) \
     AND (?2 IS NULL OR specimen_barcode = ?2) \
     AND (?3 IS NULL OR patient_id IN (SELECT id FROM patients WHERE his_id = ?3)) \
     AND (?4 IS NULL OR released_at > ?4 OR (released_at = ?4 AND id > coalesce(?8, 0))) \
     AND (?5 IS NULL OR (corrects IS NOT NULL) = ?5) \
     AND (?6 IS NULL OR test_code = ?6) \
     ORDER BY released_at, id LIMIT ?7";

/// The columns of a released result: [`RESULT_COLUMNS`], then `released_at`, `patient_id` and
/// `checks`, read by [`released_columns`].
/// (`store::tests` checks that it starts with [`RESULT_COLUMNS`].)
pub(super) const RELEASED_SELECT: &str =
    "id, ordered_test_id, order_id, specimen_barcode, test_code, \
    version, value_sent, value, numeric, value_kind, unit, flags, instrument_flags, instrument, \
    operator, observed_at, received_at, state, reported, corrects, journal_id, rev, verified_by, \
    verified_at, released_by, released_at, patient_id, checks";

/// One row of [`RELEASED_SELECT`]: the result, its release time, patient row id and whether it
/// was judged normal.
pub(super) type ReleasedRow = (LabResult, Option<i64>, i64, bool);

/// Reads one row of [`RELEASED_SELECT`].
pub(super) fn released_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReleasedRow> {
    let result = result_row(r)?;
    let n = RESULT_COLUMNS.split(',').count();
    let released: Option<i64> = r.get(n)?;
    let patient_id: i64 = r.get(n + 1)?;
    let checks = checks_column(r, n + 2)?;
    Ok((result, released, patient_id, judged_normal(&checks)))
}

/// Completes rows of [`RELEASED_SELECT`] with their order's numbers and their patient.
pub(super) fn released_rows(
    conn: &Connection,
    rows: Vec<ReleasedRow>,
) -> Result<Vec<ReleasedResult>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for (result, released, patient_id, judged_normal) in rows {
        let (placer_number, accession): (String, Option<String>) = conn
            .prepare_cached("SELECT placer_number, accession FROM orders WHERE id = ?1")?
            .query_row([result.order_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let patient = conn
            .prepare_cached(&format!(
                "SELECT {PATIENT_COLUMNS} FROM patients WHERE id = ?1"
            ))?
            .query_row([patient_id], |r| patient_row(r, 0))?;
        let supplements =
            super::supplements::of(conn, super::supplements::Owner::Result(result.id))?;
        let isolate = super::isolates::of(conn, super::supplements::Owner::Result(result.id))?;
        out.push(ReleasedResult {
            result,
            released_at: released.map_or(Timestamp::UNIX_EPOCH, ts),
            placer_number,
            accession: accession.unwrap_or_default(),
            patient,
            judged_normal,
            supplements,
            isolate,
        });
    }
    Ok(out)
}

impl Store {
    /// The outbox rows due for `endpoint` at `now`: per order only the oldest row not yet
    /// finished for this endpoint (so an order's messages arrive in order), and only when its
    /// retry time has come. Oldest first.
    pub fn his_due(
        &self,
        endpoint: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<HisDelivery>, StoreError> {
        self.read(|conn, _| {
            let sql = format!(
                "{DELIVERY_SELECT} WHERE o.state = 'pending' AND COALESCE(d.state, 'pending') = 'pending' \
                 AND o.id = (SELECT MIN(o2.id) FROM outbox o2 LEFT JOIN his_deliveries d2 \
                   ON d2.outbox_id = o2.id AND d2.endpoint = ?1 \
                   WHERE o2.order_id = o.order_id AND o2.state = 'pending' \
                   AND COALESCE(d2.state, 'pending') = 'pending') \
                 AND COALESCE(d.next_attempt_at, 0) <= ?2 ORDER BY o.id LIMIT ?3"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                params![
                    endpoint,
                    ms(now),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                delivery_row,
            )?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Every delivery row of an outbox row for `endpoint` (none before the first attempt).
    pub fn his_delivery(
        &self,
        outbox_id: i64,
        endpoint: &str,
    ) -> Result<Option<HisDelivery>, StoreError> {
        self.read(|conn, _| {
            Ok(conn
                .query_row(
                    &format!("{DELIVERY_SELECT} WHERE o.id = ?2"),
                    params![endpoint, outbox_id],
                    delivery_row,
                )
                .optional()?)
        })
    }

    /// Deliveries an endpoint rejected (AE/AR) or that keep failing, newest first, for the UI.
    pub fn his_problems(&self, limit: usize) -> Result<Vec<HisDelivery>, StoreError> {
        self.read(|conn, _| {
            let mut stmt = conn.prepare(
                "SELECT o.id, d.endpoint, o.order_id, o.kind, o.result_ids, o.created_at, \
                 d.state, d.attempts, d.message, d.control_id, d.last_error, d.ack_code, \
                 d.first_attempt_at, d.next_attempt_at, d.delivered_at \
                 FROM his_deliveries d JOIN outbox o ON o.id = d.outbox_id \
                 WHERE d.state = 'rejected' OR (d.state = 'pending' AND d.last_error IS NOT NULL) \
                 ORDER BY o.id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], delivery_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Keeps the message built for the first attempt of an outbox row to an endpoint. When one
    /// is already stored it is kept and returned (with its control id): a retry must resend the
    /// same bytes.
    pub fn his_prepare(
        &self,
        outbox_id: i64,
        endpoint: &str,
        control_id: &str,
        message: &[u8],
        now: Timestamp,
    ) -> Result<(String, Vec<u8>), StoreError> {
        self.write(|conn, _| {
            conn.execute(
                "INSERT OR IGNORE INTO his_deliveries (outbox_id, endpoint, control_id, state, \
                 message, first_attempt_at) VALUES (?1, ?2, ?3, 'pending', ?4, ?5)",
                params![outbox_id, endpoint, control_id, message, ms(now)],
            )?;
            let (id, msg): (String, Option<Vec<u8>>) = conn.query_row(
                "SELECT control_id, message FROM his_deliveries WHERE outbox_id = ?1 AND endpoint = ?2",
                params![outbox_id, endpoint],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok((id, msg.unwrap_or_else(|| message.to_vec())))
        })
    }

    /// Records one send attempt of an outbox row to an endpoint. `endpoints` is every
    /// configured endpoint: when each has a final answer the outbox row is finished.
    pub fn his_record_attempt(
        &self,
        outbox_id: i64,
        endpoint: &str,
        outcome: &DeliveryOutcome,
        now: Timestamp,
        endpoints: &[String],
    ) -> Result<DeliveryState, StoreError> {
        self.write(|conn, _| {
            let (state, ack, error, next, delivered) = match outcome {
                DeliveryOutcome::Accepted { ack_code } => (
                    DeliveryState::Delivered,
                    Some(ack_code.as_str()),
                    None,
                    None,
                    Some(ms(now)),
                ),
                DeliveryOutcome::Rejected { ack_code, reason } => (
                    DeliveryState::Rejected,
                    Some(ack_code.as_str()),
                    Some(reason.as_str()),
                    None,
                    None,
                ),
                DeliveryOutcome::Failed { error, retry_at } => (
                    DeliveryState::Pending,
                    None,
                    Some(error.as_str()),
                    Some(ms(*retry_at)),
                    None,
                ),
            };
            let n = conn.execute(
                "UPDATE his_deliveries SET state = ?3, attempts = attempts + 1, \
                 ack_code = COALESCE(?4, ack_code), last_error = ?5, next_attempt_at = ?6, \
                 delivered_at = ?7 WHERE outbox_id = ?1 AND endpoint = ?2",
                params![
                    outbox_id,
                    endpoint,
                    state.as_str(),
                    ack,
                    error,
                    next,
                    delivered
                ],
            )?;
            if n == 0 {
                return Err(StoreError::not_found("HIS delivery", outbox_id));
            }
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                params![outbox_id, error],
            )?;
            if state != DeliveryState::Pending {
                if state == DeliveryState::Rejected {
                    audit_log::append(
                        conn,
                        &Actor::His(endpoint.to_owned()),
                        "outbox.rejected",
                        "outbox",
                        outbox_id,
                        None,
                        Some(&json!({ "endpoint": endpoint, "ack": ack, "reason": error })),
                        error,
                    )?;
                }
                settle_outbox(conn, outbox_id, endpoints, now)?;
            }
            Ok(state)
        })
    }

    /// Puts a rejected delivery back in the queue (a person fixed the cause), keeping its bytes
    /// and control id.
    pub fn his_requeue(
        &self,
        outbox_id: i64,
        endpoint: &str,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.write(|conn, _| {
            let n = conn.execute(
                "UPDATE his_deliveries SET state = 'pending', next_attempt_at = NULL \
                 WHERE outbox_id = ?1 AND endpoint = ?2 AND state = 'rejected'",
                params![outbox_id, endpoint],
            )?;
            if n == 0 {
                return Err(StoreError::not_found("rejected HIS delivery", outbox_id));
            }
            conn.execute(
                "UPDATE outbox SET state = 'pending', delivered_at = NULL WHERE id = ?1",
                [outbox_id],
            )?;
            audit_log::append(
                conn,
                actor,
                "outbox.requeue",
                "outbox",
                outbox_id,
                None,
                Some(&json!({ "endpoint": endpoint })),
                None,
            )?;
            Ok(())
        })
    }

    /// Outbox totals by state, for metrics.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        self.read(|conn, _| {
            let mut c = OutboxCounts::default();
            let mut stmt = conn.prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (state, n) = row?;
                match state.as_str() {
                    "sent" => c.sent += n,
                    "rejected" => c.rejected += n,
                    _ => c.pending += n,
                }
            }
            Ok(c)
        })
    }

    /// Journals a message from (or about) the HIS on link `link` with a kind (`orm`, `oml`,
    /// `unparsed`...) and the reason it was refused, if it was. Returns the journal id and
    /// whether the same bytes were journaled on this link before.
    pub fn journal_his(
        &self,
        link: &str,
        received_at: Timestamp,
        kind: &str,
        raw: &[u8],
        error: Option<&str>,
    ) -> Result<(JournalId, bool), StoreError> {
        self.write(|conn, _| {
            let entry = journal::NewEntry {
                link,
                instrument: "",
                protocol: Protocol::Hl7,
                kind,
                received_at,
                raw,
                parse_error: error,
            };
            Ok(match journal::insert(conn, &entry)? {
                journal::Inserted::New(id) => {
                    audit_log::append(
                        conn,
                        &Actor::His(link.to_owned()),
                        "journal.his",
                        "journal",
                        id,
                        None,
                        Some(&json!({ "kind": kind, "bytes": raw.len(), "error": error })),
                        None,
                    )?;
                    (id, false)
                }
                journal::Inserted::Duplicate(id) => (id, true),
            })
        })
    }

    /// Released results (state `released`) matching the filter, in release order.
    pub fn released_results(
        &self,
        filter: &ReleasedFilter,
    ) -> Result<Vec<ReleasedResult>, StoreError> {
        self.read(|conn, _| {
            let sql = format!("SELECT {RELEASED_SELECT} FROM results {RELEASED_RESULTS_WHERE}");
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                params![
                    filter.order,
                    filter.specimen,
                    filter.patient,
                    filter.since.map(ms),
                    filter.corrected,
                    filter.test_code,
                    i64::try_from(filter.limit).unwrap_or(i64::MAX),
                    filter.after_id
                ],
                released_columns,
            )?;
            released_rows(conn, rows.collect::<Result<_, _>>()?)
        })
    }

    /// A patient by the HIS's id.
    pub fn patient_by_his_id(&self, his_id: &str) -> Result<Option<Patient>, StoreError> {
        self.read(|conn, _| {
            Ok(conn
                .query_row(
                    &format!("SELECT {PATIENT_COLUMNS} FROM patients WHERE his_id = ?1"),
                    [his_id],
                    |r| patient_row(r, 0),
                )
                .optional()?)
        })
    }

    /// Order ids, newest first, optionally of one patient (HIS id), at most `limit`.
    pub fn order_ids(
        &self,
        patient_his_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<OrderId>, StoreError> {
        self.read(|conn, _| {
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM orders WHERE (?1 IS NULL OR patient_id IN \
                 (SELECT id FROM patients WHERE his_id = ?1)) ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(
                params![patient_his_id, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// When a result was released (none if never).
    pub fn released_at(&self, result_id: ResultId) -> Result<Option<Timestamp>, StoreError> {
        self.read(|conn, _| {
            let at: Option<Option<i64>> = conn
                .query_row(
                    "SELECT released_at FROM results WHERE id = ?1",
                    [result_id],
                    |r| r.get(0),
                )
                .optional()?;
            at.map(|a| a.map(ts))
                .ok_or_else(|| StoreError::not_found("result", result_id))
        })
    }

    /// Changes an order the HIS placed before (HL7 ORC-1 `XO`), by placer number: patient,
    /// doctor, department and priority are updated, new tubes and tests are added, and pending
    /// tests no longer asked for are cancelled (tests with results are kept). A cancelled order
    /// cannot be changed.
    pub fn change_order(&self, order: &NewOrder, actor: &Actor) -> Result<OrderId, StoreError> {
        self.write(|conn, lab| {
            for s in &order.specimens {
                for t in &s.tests {
                    if lab.config.test(t).is_none() {
                        return Err(StoreError::invalid(format!("test {t:?} is not in the catalog")));
                    }
                }
            }
            let (order_id, status): (OrderId, String) = conn
                .query_row(
                    "SELECT id, status FROM orders WHERE placer_number = ?1",
                    [&order.placer_number],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or_else(|| StoreError::not_found("order", &order.placer_number))?;
            if status == "cancelled" {
                return Err(StoreError::invalid(format!(
                    "order {:?} is cancelled; it cannot be changed",
                    order.placer_number
                )));
            }
            let patient_id = upsert_patient(conn, &order.patient, actor)?;
            conn.execute(
                "UPDATE orders SET patient_id = ?2, requesting_doctor = ?3, department = ?4, \
                 priority = ?5, requesting_doctor_id = ?6, requesting_doctor_family = ?7, \
                 requesting_doctor_given = ?8, requesting_doctor_middle = ?9 WHERE id = ?1",
                params![
                    order_id,
                    patient_id,
                    order.requesting_doctor,
                    order.department,
                    order.priority.as_str(),
                    order.requesting_doctor_id,
                    order.requesting_doctor_name.as_ref().map(|n| n.family.as_str()),
                    order.requesting_doctor_name.as_ref().map(|n| n.given.as_str()),
                    order.requesting_doctor_name.as_ref().map(|n| n.middle.as_str()),
                ],
            )?;
            let mut wanted: Vec<(i64, String)> = Vec::new();
            for s in &order.specimens {
                let found: Option<(i64, OrderId)> = conn
                    .query_row(
                        "SELECT id, order_id FROM specimens WHERE barcode = ?1",
                        [&s.barcode],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let specimen_id = match found {
                    Some((id, o)) if o == order_id => id,
                    Some(_) => {
                        return Err(StoreError::conflict(format!(
                            "specimen barcode {:?} belongs to another order",
                            s.barcode
                        )))
                    }
                    None => {
                        conn.execute(
                            "INSERT INTO specimens (barcode, order_id, specimen_type, collected_at, \
                             received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![
                                s.barcode,
                                order_id,
                                s.specimen_type,
                                s.collected_at.map(ms),
                                s.received_at.map(ms)
                            ],
                        )?;
                        conn.last_insert_rowid()
                    }
                };
                for t in &s.tests {
                    conn.execute(
                        "INSERT OR IGNORE INTO ordered_tests (order_id, specimen_id, test_code, \
                         origin, status) VALUES (?1, ?2, ?3, 'ordered', 'pending')",
                        params![order_id, specimen_id, t],
                    )?;
                    conn.execute(
                        "UPDATE ordered_tests SET status = 'pending' WHERE specimen_id = ?1 \
                         AND test_code = ?2 AND status = 'cancelled' AND reported_result_id IS NULL",
                        params![specimen_id, t],
                    )?;
                    wanted.push((specimen_id, t.clone()));
                }
            }
            let mut stmt = conn.prepare(
                "SELECT id, specimen_id, test_code FROM ordered_tests WHERE order_id = ?1 \
                 AND status IN ('pending', 'sent') AND reported_result_id IS NULL",
            )?;
            let existing = stmt
                .query_map([order_id], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut dropped = Vec::new();
            for (id, specimen_id, code) in existing {
                if !wanted.iter().any(|(s, t)| *s == specimen_id && *t == code) {
                    conn.execute(
                        "UPDATE ordered_tests SET status = 'cancelled' WHERE id = ?1",
                        [id],
                    )?;
                    dropped.push(code);
                }
            }
            audit_log::append(
                conn,
                actor,
                "order.change",
                "order",
                order_id,
                None,
                Some(&json!({ "order": serde_json::to_value(order).unwrap_or_default(), "cancelled_tests": dropped })),
                None,
            )?;
            super::orders::refresh_status(conn, order_id, actor)?;
            Ok(order_id)
        })
    }
}

#[cfg(test)]
#[path = "his_tests.rs"]
mod tests;
