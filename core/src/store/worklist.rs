//! The review worklist: one row per specimen with results waiting for a person, STAT first and
//! then oldest received first, paged with a keyset cursor.
//!
//! Two steps. The keys: the specimens with a waiting result are found through the partial
//! indexes of waiting results (`results_pending_review`, and `results_verified` in two-step
//! labs), never a scan of all results; each gets its sort key (priority rank, received time,
//! row id) and the page is the next `limit` keys after the cursor. The rows: only for the
//! page's specimens, their waiting results are read (by ordered test, one statement for the page)
//! and summed up.

use std::collections::{BTreeMap, HashMap};

use jiff::SignedDuration;
use rusqlite::types::Value;
use rusqlite::Connection;

use super::{review_decode, ts, Lab, Store};
use crate::config::{LabConfig, ReviewSteps, Section};
use crate::error::StoreError;
use crate::model::{
    Age, Priority, ReasonCode, Sex, WaitingState, WorklistFilter, WorklistPage, WorklistQuery,
    WorklistReason, WorklistRow,
};
use crate::validation::Flag;

/// The waiting states a lab's worklist shows: verified results wait for release only where a
/// second person releases.
fn states_shown(config: &LabConfig, filter: &WorklistFilter) -> Vec<WaitingState> {
    let mut states = vec![WaitingState::PendingReview];
    if config.review.steps == ReviewSteps::Two {
        states.push(WaitingState::Verified);
    }
    states.retain(|s| filter.state.is_none_or(|f| f == *s));
    states
}

/// The filter's conditions on one result (`prefix` names the results table), with their
/// parameters appended to `params`.
fn result_conditions(
    config: &LabConfig,
    filter: &WorklistFilter,
    prefix: &str,
    params: &mut Vec<Value>,
) -> String {
    let mut sql = String::new();
    if let Some(section) = filter.section {
        let codes: Vec<&str> = config
            .tests
            .iter()
            .filter(|t| t.section == section)
            .map(|t| t.code.as_str())
            .collect();
        if codes.is_empty() {
            sql.push_str(" AND 0");
        } else {
            sql.push_str(&format!(" AND {prefix}test_code IN ("));
            for (i, code) in codes.iter().enumerate() {
                sql.push_str(if i == 0 { "?" } else { ", ?" });
                params.push(Value::Text((*code).to_owned()));
            }
            sql.push(')');
        }
    }
    if let Some(instrument) = &filter.instrument {
        sql.push_str(&format!(" AND {prefix}instrument = ?"));
        params.push(Value::Text(instrument.clone()));
    }
    sql
}

/// The statement that finds one page of worklist keys, with its parameters: per specimen its
/// row id, barcode, priority rank, received time (ms), collection time, placer number,
/// department, patient row id, name, sex and birth date.
///
/// Each waiting state is read through its own partial index (`state = '...'` is what makes
/// SQLite use it); `store::tests::plans` checks that no step reads all results.
pub(super) fn keys_sql(
    config: &LabConfig,
    query: &WorklistQuery,
    limit: usize,
) -> (String, Vec<Value>) {
    let filter = &query.filter;
    let mut params = Vec::new();
    let states = states_shown(config, filter);
    let arms: Vec<String> = states
        .iter()
        .map(|state| {
            let conditions = result_conditions(config, filter, "", &mut params);
            format!(
                "SELECT DISTINCT specimen_barcode FROM results WHERE state = '{}'{conditions}",
                state.as_str()
            )
        })
        .collect();
    let waiting = if arms.is_empty() {
        // No state is shown (verified asked for in a one-step lab): an empty list.
        String::from("SELECT specimen_barcode FROM results WHERE 0")
    } else {
        arms.join(" UNION ")
    };
    let mut priority = String::new();
    match filter.priority {
        Some(Priority::Stat) => priority.push_str(" WHERE lower(o.priority) = 'stat'"),
        Some(Priority::Routine) => priority.push_str(" WHERE lower(o.priority) <> 'stat'"),
        None => {}
    }
    let mut page = String::new();
    if let Some(after) = query.after {
        page.push_str(" AND (k.rank, k.recv, k.sid) > (?, ?, ?)");
        params.push(Value::Integer(i64::from(after.priority_rank)));
        params.push(Value::Integer(after.received_ms));
        params.push(Value::Integer(after.specimen));
    }
    if let Some(from) = filter.received_from {
        page.push_str(" AND k.recv >= ?");
        params.push(Value::Integer(from.as_millisecond()));
    }
    if let Some(to) = filter.received_to {
        page.push_str(" AND k.recv < ?");
        params.push(Value::Integer(to.as_millisecond()));
    }
    params.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let sql = format!(
        "WITH waiting(barcode) AS ({waiting}), \
         keyed AS MATERIALIZED (SELECT s.id AS sid, s.barcode AS barcode, s.collected_at AS collected, \
           o.id AS oid, CASE WHEN lower(o.priority) = 'stat' THEN 0 ELSE 1 END AS rank, \
           COALESCE(s.received_at, (SELECT first.received_at FROM results first \
             WHERE first.id = (SELECT MIN(r.id) FROM ordered_tests ot \
             JOIN results r ON r.ordered_test_id = ot.id WHERE ot.specimen_id = s.id))) AS recv \
           FROM waiting w JOIN specimens s ON s.barcode = w.barcode \
           JOIN orders o ON o.id = s.order_id{priority}) \
         SELECT k.sid, k.barcode, k.rank, k.recv, k.collected, o.placer_number, o.department, \
           p.id, p.name, p.sex, p.birth_date \
         FROM keyed k JOIN orders o ON o.id = k.oid JOIN patients p ON p.id = o.patient_id \
         WHERE 1{page} ORDER BY k.rank, k.recv, k.sid LIMIT ?"
    );
    (sql, params)
}

/// The statement reading the waiting results that match the filter of a page's specimens (by
/// their ordered tests), with its parameters after the specimens' row ids (`?1`, a JSON array):
/// one statement for the whole page.
pub(super) fn waiting_results_sql(
    config: &LabConfig,
    filter: &WorklistFilter,
) -> (String, Vec<Value>) {
    let mut params = Vec::new();
    let states: Vec<String> = states_shown(config, filter)
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let states = if states.is_empty() {
        String::from("NULL")
    } else {
        states.join(", ")
    };
    let conditions = result_conditions(config, filter, "r.", &mut params);
    // `+r.state`: the results come by ordered test, not through a state index.
    let sql = format!(
        "SELECT ot.specimen_id, r.id, r.state, r.test_code, r.instrument, r.flags, r.reasons, \
         r.received_at FROM ordered_tests ot JOIN results r ON r.ordered_test_id = ot.id \
         WHERE ot.specimen_id IN (SELECT value FROM json_each(?)) \
         AND +r.state IN ({states}){conditions}"
    );
    (sql, params)
}

/// One specimen's key and details from the keys statement.
struct Key {
    specimen_id: i64,
    barcode: String,
    rank: i64,
    received_ms: i64,
    collected_ms: Option<i64>,
    placer_number: String,
    department: String,
    patient_id: i64,
    patient_name: String,
    sex: String,
    birth_date: Option<String>,
}

/// One waiting result of a page's specimen.
struct Waiting {
    state: WaitingState,
    test_code: String,
    instrument: String,
    flags: Vec<Flag>,
    reasons: Vec<crate::model::WaitReason>,
    received_ms: i64,
}

pub(super) fn worklist(
    conn: &Connection,
    lab: &Lab,
    query: &WorklistQuery,
) -> Result<WorklistPage, StoreError> {
    if query.limit == 0 || query.limit > WorklistQuery::MAX_LIMIT {
        return Err(StoreError::invalid(format!(
            "a worklist page holds 1 to {} rows, not {}",
            WorklistQuery::MAX_LIMIT,
            query.limit
        )));
    }
    let config = &lab.config;
    // One more than the page, to know whether another page follows.
    let (sql, params) = keys_sql(config, query, query.limit + 1);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut keys: Vec<Key> = stmt
        .query_map(rusqlite::params_from_iter(params), |r| {
            Ok(Key {
                specimen_id: r.get(0)?,
                barcode: r.get(1)?,
                rank: r.get(2)?,
                received_ms: r.get(3)?,
                collected_ms: r.get(4)?,
                placer_number: r.get(5)?,
                department: r.get(6)?,
                patient_id: r.get(7)?,
                patient_name: r.get(8)?,
                sex: r.get(9)?,
                birth_date: r.get(10)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let more = keys.len() > query.limit;
    keys.truncate(query.limit);
    let (sql, filter_params) = waiting_results_sql(config, &query.filter);
    let mut waiting_stmt = conn.prepare_cached(&sql)?;
    let catalog: HashMap<&str, usize> = config
        .tests
        .iter()
        .enumerate()
        .map(|(i, t)| (t.code.as_str(), i))
        .collect();
    // The page's waiting results in one statement, grouped by specimen.
    let ids = format!(
        "[{}]",
        keys.iter()
            .map(|k| k.specimen_id.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let params = std::iter::once(Value::Text(ids)).chain(filter_params);
    let mut by_specimen: HashMap<i64, Vec<Waiting>> = HashMap::with_capacity(keys.len());
    let mut read = waiting_stmt.query(rusqlite::params_from_iter(params))?;
    while let Some(r) = read.next()? {
        let specimen: i64 = r.get(0)?;
        let id: i64 = r.get(1)?;
        let state: String = r.get(2)?;
        let waiting = Waiting {
            state: WaitingState::parse(&state).ok_or_else(|| {
                review_decode::damaged("results", id, "state", format!("{state:?} does not wait"))
            })?,
            test_code: r.get(3)?,
            instrument: r.get(4)?,
            flags: review_decode::flags(id, &r.get::<_, String>(5)?)?,
            reasons: review_decode::reasons(id, &r.get::<_, String>(6)?)?,
            received_ms: r.get(7)?,
        };
        by_specimen.entry(specimen).or_default().push(waiting);
    }
    let mut rows = Vec::with_capacity(keys.len());
    for key in keys {
        let mut waiting = by_specimen.remove(&key.specimen_id).unwrap_or_default();
        waiting.sort_by_key(|w| {
            catalog
                .get(w.test_code.as_str())
                .copied()
                .unwrap_or(usize::MAX)
        });
        rows.push(row(config, key, &waiting)?);
    }
    let next = if more {
        rows.last().map(WorklistRow::cursor)
    } else {
        None
    };
    Ok(WorklistPage { rows, next })
}

/// Sums up one specimen's waiting results into its row.
fn row(config: &LabConfig, key: Key, waiting: &[Waiting]) -> Result<WorklistRow, StoreError> {
    let count = |s: WaitingState| {
        u32::try_from(waiting.iter().filter(|w| w.state == s).count()).unwrap_or(u32::MAX)
    };
    let mut reasons: BTreeMap<ReasonCode, WorklistReason> = BTreeMap::new();
    for w in waiting {
        // A code counts once per result even if the result gives it twice.
        let mut seen: Vec<ReasonCode> = Vec::new();
        for reason in &w.reasons {
            if seen.contains(&reason.code) {
                continue;
            }
            seen.push(reason.code);
            reasons
                .entry(reason.code)
                .and_modify(|r| r.results += 1)
                .or_insert_with(|| WorklistReason {
                    code: reason.code,
                    results: 1,
                    example: reason.text.clone(),
                });
        }
    }
    let critical_since = waiting
        .iter()
        .filter(|w| {
            w.flags
                .iter()
                .any(|f| matches!(f, Flag::CriticalLow | Flag::CriticalHigh))
        })
        .map(|w| w.received_ms)
        .min();
    let mut instruments: Vec<String> = waiting
        .iter()
        .filter(|w| !w.instrument.is_empty())
        .map(|w| w.instrument.clone())
        .collect();
    instruments.sort();
    instruments.dedup();
    let tests: Vec<_> = waiting
        .iter()
        .filter_map(|w| config.test(&w.test_code))
        .collect();
    let sections: Vec<Section> = Section::ALL
        .into_iter()
        .filter(|s| tests.iter().any(|t| t.section == *s))
        .collect();
    let tat_minutes = tests.iter().map(|t| t.tat_minutes()).min();
    let received_at = ts(key.received_ms);
    let birth_date = review_decode::birth_date(key.patient_id, key.birth_date)?;
    let age_at = key.collected_ms.map_or(received_at, ts);
    Ok(WorklistRow {
        specimen_id: key.specimen_id,
        barcode: key.barcode,
        patient_name: key.patient_name,
        sex: Sex::parse(&key.sex),
        birth_date,
        age: birth_date.and_then(|b| Age::at(b, age_at, config.time_zone())),
        department: key.department,
        priority: if key.rank == 0 {
            Priority::Stat
        } else {
            Priority::Routine
        },
        placer_number: key.placer_number,
        pending_review: count(WaitingState::PendingReview),
        verified: count(WaitingState::Verified),
        reasons: reasons.into_values().collect(),
        critical: critical_since.is_some(),
        critical_since: critical_since.map(ts),
        instruments,
        sections,
        received_at,
        tat_minutes,
        due_at: tat_minutes.and_then(|m| {
            received_at
                .checked_add(SignedDuration::from_mins(i64::from(m)))
                .ok()
        }),
    })
}

impl Store {
    /// One page of the review worklist: specimens with results waiting for a person's next
    /// action (pending review; verified and waiting for release in two-step labs), STAT first,
    /// then oldest received first. A limit of 0 or above [`WorklistQuery::MAX_LIMIT`] is
    /// [`StoreError::Invalid`].
    pub fn worklist(&self, query: &WorklistQuery) -> Result<WorklistPage, StoreError> {
        self.read(|conn, lab| worklist(conn, lab, query))
    }
}
