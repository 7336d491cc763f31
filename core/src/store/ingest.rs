//! Ingesting one analyzer message: journal, match each observation to an ordered test (or the
//! unmatched queue), store and check it, release what autoverification allows, and audit, all in
//! the caller's transaction.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::json;

use super::graphs;
use super::isolates;
use super::results::{
    self, find_specimen, ordered_tests_of, store_result, target_from, target_on, NewResult,
    NoTarget, OrderedTestRow, SpecimenContext,
};
use super::supplements::{self, Owner};
use super::{audit_log, journal, ms, orders, qc_ingest, Lab};
use crate::error::StoreError;
use crate::model::{
    Actor, AnalyzerMessage, IngestOutcome, Observation, OrderId, ResultId, StoredObservation,
    UnmatchedReason,
};
use crate::validation::FollowUp;

/// A specimen with its ordered tests by LIS code, as read for one message.
type SpecimenTests = (SpecimenContext, HashMap<String, OrderedTestRow>);

/// Ingests one message in the caller's transaction (or savepoint).
pub(crate) fn ingest(
    conn: &Connection,
    lab: &Lab,
    msg: &AnalyzerMessage,
) -> Result<IngestOutcome, StoreError> {
    let entry = journal::NewEntry {
        link: &msg.link,
        instrument: &msg.instrument,
        protocol: msg.protocol,
        kind: msg.kind.as_str(),
        received_at: msg.received_at,
        raw: &msg.raw,
        parse_error: None,
    };
    let journal_id = match journal::insert(conn, &entry)? {
        journal::Inserted::Duplicate(id) => {
            return Ok(IngestOutcome::Duplicate { journal_id: id });
        }
        journal::Inserted::New(id) => id,
    };
    let actor = Actor::Instrument(msg.instrument.clone());
    let mut stored = Vec::with_capacity(msg.observations.len());
    let mut summary = Vec::with_capacity(msg.observations.len());
    let mut released: BTreeMap<OrderId, Vec<ResultId>> = BTreeMap::new();
    let mut touched: Vec<OrderId> = Vec::new();
    let known_instrument = lab.config.instrument(&msg.instrument).is_some();
    // One release time for every result this message releases.
    let release_at = results::release_time(conn, msg.received_at)?;
    // Each specimen with its ordered tests, read once per message; a test's row is taken out
    // when used, so a second result for it in the same message reads the database again.
    let mut specimens: HashMap<String, Option<SpecimenTests>> = HashMap::new();
    for obs in &msg.observations {
        // QC (marked by the driver, or a specimen id matching the instrument's QC pattern) is
        // stored as QC, evaluated in its run, never as a patient result or unmatched.
        if let Some(hint) = qc_ingest::qc_mark(lab, msg, obs) {
            let qc = qc_ingest::store_observation(conn, lab, msg, journal_id, obs, hint)?;
            summary.push(SummaryEntry::Qc {
                code: &obs.instrument_test_code,
                qc: qc.point_id,
                value: &obs.value,
                resolution: qc.resolution.as_str(),
                run: qc.run_id,
                verdict: qc.verdict.map(|v| v.as_str()),
            });
            stored.push(StoredObservation::Qc(qc.point_id));
            continue;
        }
        let mapped = lab
            .config
            .instrument_mapping(&msg.instrument, &obs.instrument_test_code);
        let barcode = obs.specimen_id.trim();
        let target = match mapped {
            _ if !known_instrument => Err(UnmatchedReason::UnknownInstrument),
            None => Err(UnmatchedReason::UnknownTestCode),
            Some(_) if barcode.is_empty() => Err(UnmatchedReason::NoSpecimenId),
            Some((test, entry)) => {
                if !specimens.contains_key(barcode) {
                    let found = match find_specimen(conn, barcode)? {
                        Some(specimen) => {
                            let tests = ordered_tests_of(conn, &specimen)?;
                            Some((specimen, tests))
                        }
                        None => None,
                    };
                    specimens.insert(barcode.to_owned(), found);
                }
                match specimens.get_mut(barcode).and_then(Option::as_mut) {
                    None => Err(UnmatchedReason::NoOrder),
                    Some((specimen, tests)) => {
                        let found = match tests.remove(test.code.as_str()) {
                            // Read with the specimen and not used yet in this message.
                            Some(row) => target_from(specimen, Some(&row)),
                            // Already given a result in this message (its next version
                            // changed), added by a reflex rule, or not ordered: ask the database.
                            None => target_on(conn, specimen, &test.code)?,
                        };
                        match found {
                            Ok(t) => Ok((t, test, entry)),
                            Err(NoTarget::NoSpecimen) => Err(UnmatchedReason::NoOrder),
                            Err(NoTarget::OrderCancelled) => Err(UnmatchedReason::OrderCancelled),
                            Err(NoTarget::TestNotOrdered) => Err(UnmatchedReason::TestNotOrdered),
                        }
                    }
                }
            }
        };
        match target {
            Ok((target, test, entry)) => {
                let observed_at = obs.observed_at.and_then(|dt| {
                    dt.to_zoned(lab.config.time_zone().clone())
                        .ok()
                        .map(|z| z.timestamp())
                });
                let new = NewResult {
                    value_sent: &obs.value,
                    instrument_flags: &obs.flags,
                    instrument: &msg.instrument,
                    operator: &obs.operator,
                    observed_at,
                    received_at: msg.received_at,
                    journal_id: Some(journal_id),
                    factor: entry.factor.unwrap_or(1.0),
                    sent_unit: &obs.units,
                    expected_unit: entry.expected_unit(test),
                    corrects: None,
                    release_at,
                    manual: false,
                    actor: &actor,
                };
                let s = store_result(conn, lab, &target, test, &new)?;
                supplements::insert(conn, Owner::Result(s.result_id), &obs.supplementary)?;
                isolates::insert(conn, Owner::Result(s.result_id), obs.isolate.as_ref())?;
                if s.released {
                    released
                        .entry(target.order_id)
                        .or_default()
                        .push(s.result_id);
                }
                if !touched.contains(&target.order_id) {
                    touched.push(target.order_id);
                }
                // The reasons and every check outcome are in the result's row; the audit keeps
                // what was decided.
                stored.push(StoredObservation::Result(s.result_id));
                summary.push(SummaryEntry::Result {
                    flags: s.flags.iter().map(|f| f.code()).collect(),
                    follow_ups: s.follow_ups.iter().map(describe).collect(),
                    result: s.result_id,
                    specimen: target.specimen_barcode,
                    state: s.state.as_str(),
                    test: &test.code,
                    value: s.value,
                });
            }
            Err(reason) => {
                let id = store_unmatched(conn, lab, msg, journal_id, obs, reason)?;
                supplements::insert(conn, Owner::Unmatched(id), &obs.supplementary)?;
                isolates::insert(conn, Owner::Unmatched(id), obs.isolate.as_ref())?;
                summary.push(SummaryEntry::Unmatched {
                    code: &obs.instrument_test_code,
                    reason: reason.as_str(),
                    specimen: &obs.specimen_id,
                    unmatched: id,
                    value: &obs.value,
                });
                stored.push(StoredObservation::Unmatched(id));
            }
        }
    }
    graphs::insert(conn, msg, journal_id)?;
    for (order_id, ids) in &released {
        orders::add_outbox(conn, *order_id, "results_released", ids, msg.received_at)?;
    }
    for order_id in &touched {
        orders::refresh_status(conn, *order_id, &actor)?;
    }
    let new = serde_json::to_string(&MessageSummary {
        link: &msg.link,
        kind: msg.kind.as_str(),
        bytes: msg.raw.len(),
        observations: summary,
        graphs: msg
            .graphs
            .iter()
            .map(|g| (g.name.as_str(), g.content.kind()))
            .collect(),
    })
    .map_err(|e| StoreError::invalid(format!("audit entry: {e}")))?;
    audit_log::append_text(
        conn,
        &actor,
        "message.ingest",
        "journal",
        journal_id,
        None,
        Some(&new),
        None,
    )?;
    Ok(IngestOutcome::Stored {
        journal_id,
        observations: stored,
    })
}

/// The audit entry of one ingested message (written directly, without building a JSON tree per
/// observation). Fields are in the order the entry has always had.
#[derive(Serialize)]
struct MessageSummary<'a> {
    link: &'a str,
    kind: &'a str,
    bytes: usize,
    observations: Vec<SummaryEntry<'a>>,
    /// Each graph's name and kind; absent when the message has none (as before graphs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    graphs: Vec<(&'a str, &'static str)>,
}

/// What happened to one observation, in the message's audit entry.
#[derive(Serialize)]
#[serde(untagged)]
enum SummaryEntry<'a> {
    Qc {
        qc: i64,
        code: &'a str,
        value: &'a str,
        resolution: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        run: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        verdict: Option<&'static str>,
    },
    Result {
        result: ResultId,
        test: &'a str,
        specimen: String,
        value: String,
        state: &'static str,
        flags: Vec<&'static str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        follow_ups: Vec<serde_json::Value>,
    },
    Unmatched {
        unmatched: i64,
        specimen: &'a str,
        code: &'a str,
        value: &'a str,
        reason: &'static str,
    },
}

fn describe(f: &FollowUp) -> serde_json::Value {
    match f {
        FollowUp::Rerun { dilution } => json!({ "rerun": { "dilution": dilution } }),
        FollowUp::Reflex { add } => json!({ "reflex": add }),
    }
}

fn observed_ms(lab: &Lab, obs: &Observation) -> Option<i64> {
    obs.observed_at.and_then(|dt| {
        dt.to_zoned(lab.config.time_zone().clone())
            .ok()
            .map(|z| ms(z.timestamp()))
    })
}

fn store_unmatched(
    conn: &Connection,
    lab: &Lab,
    msg: &AnalyzerMessage,
    journal_id: i64,
    obs: &Observation,
    reason: UnmatchedReason,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO unmatched (journal_id, instrument, specimen_id, instrument_test_code, value, \
         units, flags, observed_at, operator, reason, received_at, patient_hint) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        journal_id,
        msg.instrument,
        obs.specimen_id,
        obs.instrument_test_code,
        obs.value,
        obs.units,
        serde_json::to_string(&obs.flags).unwrap_or_default(),
        observed_ms(lab, obs),
        obs.operator,
        reason.as_str(),
        ms(msg.received_at),
        msg.patient_hint
            .as_ref()
            .and_then(|h| serde_json::to_string(h).ok()),
    ])?;
    Ok(conn.last_insert_rowid())
}
