//! Storing one result version: unit conversion, checks, autoverification decision, the check
//! outcomes in the result's row, follow-ups (rerun with dilution, reflex tests). Used by ingest and by attaching an unmatched
//! result.

use jiff::civil::Date;
use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use super::decode::At;
use super::{ms, ts, Lab};
use crate::config::{ResultKind, TestDef};
use crate::error::StoreError;
use crate::lifecycle::{transition, Action, ResultState};
use crate::model::{Actor, OrderId, OrderedTestId, PatientId, ResultId, Sex, SpecimenRowId};
use crate::validation::{
    autoverify, follow_ups, ranges, run_checks, CheckInput, Flag, FollowUp, Outcome,
    PreviousResult, QcStatus,
};
use crate::value::ParsedValue;

/// The ordered test a result belongs to, with what the checks need about the patient.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) ordered_test_id: OrderedTestId,
    /// The version a new result gets.
    pub(crate) next_version: i64,
    /// Whether a version of this test is released.
    pub(crate) has_released: bool,
    pub(crate) order_id: OrderId,
    pub(crate) patient_id: PatientId,
    pub(crate) specimen_row_id: SpecimenRowId,
    pub(crate) specimen_barcode: String,
    pub(crate) sex: Sex,
    pub(crate) birth_date: Option<Date>,
    pub(crate) collected_at: Option<Timestamp>,
    pub(crate) specimen_received_at: Option<Timestamp>,
    pub(crate) rejected_reason: Option<String>,
}

/// Why a specimen/test pair has no target.
pub(crate) enum NoTarget {
    NoSpecimen,
    OrderCancelled,
    TestNotOrdered,
}

/// A specimen with its order and patient, looked up once per message.
#[derive(Debug, Clone)]
pub(crate) struct SpecimenContext {
    order_id: OrderId,
    order_cancelled: bool,
    patient_id: PatientId,
    specimen_row_id: SpecimenRowId,
    barcode: String,
    sex: Sex,
    birth_date: Option<Date>,
    collected_at: Option<Timestamp>,
    received_at: Option<Timestamp>,
    rejected_reason: Option<String>,
}

/// Looks up a specimen by barcode.
pub(crate) fn find_specimen(
    conn: &Connection,
    barcode: &str,
) -> Result<Option<SpecimenContext>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT o.id, o.status, p.id, s.id, p.sex, p.birth_date, s.collected_at, \
             s.received_at, s.rejected_reason \
             FROM specimens s JOIN orders o ON o.id = s.order_id \
             JOIN patients p ON p.id = o.patient_id WHERE s.barcode = ?1",
        )?
        .query_row([barcode], |r| {
            let patient_id = r.get(2)?;
            let at = |column| At::new("patients", patient_id, column);
            Ok(SpecimenContext {
                order_id: r.get(0)?,
                order_cancelled: r.get::<_, String>(1)? == "cancelled",
                patient_id,
                specimen_row_id: r.get(3)?,
                barcode: barcode.to_owned(),
                sex: at("sex").exact(&r.get::<_, String>(4)?, Sex::parse, Sex::code)?,
                birth_date: at("birth_date").date(r.get(5)?)?,
                collected_at: r.get::<_, Option<i64>>(6)?.map(ts),
                received_at: r.get::<_, Option<i64>>(7)?.map(ts),
                rejected_reason: r.get(8)?,
            })
        })
        .optional()?)
}

// The lookups made for every result. `+state` keeps SQLite from choosing an index on state
// for them (a partial index, or once a (state, released_at) index that made it scan every
// released result per result); `store::tests::plans` checks the plans.

/// An ordered test of a specimen by test code, with its next version number and whether a
/// version is released.
pub(super) const ORDERED_TEST_SQL: &str = "SELECT ot.id, ot.status, \
     (SELECT COALESCE(MAX(version), 0) + 1 FROM results WHERE ordered_test_id = ot.id), \
     EXISTS (SELECT 1 FROM results WHERE ordered_test_id = ot.id AND +state = 'released') \
     FROM ordered_tests ot WHERE ot.specimen_id = ?1 AND ot.test_code = ?2";

/// Every ordered test of a specimen, as [`ORDERED_TEST_SQL`] reads one. A test without a
/// reported result has no result at all (a test's first result is always its reported one, and
/// nothing clears the mark): its next version is 1 and nothing is released, with no look into
/// `results` (most tests of a message's specimen are in that case).
pub(super) const ORDERED_TESTS_OF_SPECIMEN_SQL: &str = "SELECT ot.test_code, ot.id, ot.status, \
     CASE WHEN ot.reported_result_id IS NULL THEN 1 ELSE \
     (SELECT COALESCE(MAX(version), 0) + 1 FROM results WHERE ordered_test_id = ot.id) END, \
     CASE WHEN ot.reported_result_id IS NULL THEN 0 ELSE \
     EXISTS (SELECT 1 FROM results WHERE ordered_test_id = ot.id AND +state = 'released') END \
     FROM ordered_tests ot WHERE ot.specimen_id = ?1";

/// The patient's latest verified numeric result of a test on another ordered test.
pub(super) const PREVIOUS_RESULT_SQL: &str =
    "SELECT id, numeric, COALESCE(observed_at, received_at) FROM results \
     WHERE patient_id = ?1 AND test_code = ?2 AND ordered_test_id != ?3 \
     AND value_kind = 'numeric' \
     AND +state IN ('autoverified', 'verified', 'released') \
     ORDER BY id DESC LIMIT 1";

/// The latest release time of any released result (served by the `results_released` partial
/// index's last entry).
pub(super) const LATEST_RELEASE_SQL: &str =
    "SELECT max(released_at) FROM results WHERE state = 'released'";

/// The release time to stamp on a result released now, in the writer's transaction: `at`, or the
/// latest release time already stored if that is later. Release times therefore never go
/// backwards in commit order (writers are serialized), so a HIS that asks for results released
/// since the latest release time it has seen (inclusive) never misses one, even when a message
/// stamped with an earlier arrival time commits after a later one, or the clock steps back.
pub(super) fn release_time(conn: &Connection, at: Timestamp) -> Result<i64, StoreError> {
    let latest: Option<i64> = conn
        .prepare_cached(LATEST_RELEASE_SQL)?
        .query_row([], |r| r.get(0))?;
    let at = ms(at);
    Ok(latest.map_or(at, |l| l.max(at)))
}

/// The ordered test for a test code on a specimen.
pub(crate) fn target_on(
    conn: &Connection,
    specimen: &SpecimenContext,
    test_code: &str,
) -> Result<Result<Target, NoTarget>, StoreError> {
    if specimen.order_cancelled {
        return Ok(Err(NoTarget::OrderCancelled));
    }
    // The ordered test, with the next version number and whether a version is released, in
    // one statement (this runs for every result).
    let ordered: Option<(i64, String, i64, bool)> = conn
        .prepare_cached(ORDERED_TEST_SQL)?
        .query_row(params![specimen.specimen_row_id, test_code], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((ordered_test_id, _, next_version, has_released)) =
        ordered.filter(|(_, status, _, _)| status != "cancelled")
    else {
        return Ok(Err(NoTarget::TestNotOrdered));
    };
    Ok(Ok(Target {
        ordered_test_id,
        next_version,
        has_released,
        order_id: specimen.order_id,
        patient_id: specimen.patient_id,
        specimen_row_id: specimen.specimen_row_id,
        specimen_barcode: specimen.barcode.clone(),
        sex: specimen.sex,
        birth_date: specimen.birth_date,
        collected_at: specimen.collected_at,
        specimen_received_at: specimen.received_at,
        rejected_reason: specimen.rejected_reason.clone(),
    }))
}

/// An ordered test of a specimen as [`target_on`] reads it: id, whether cancelled, the next
/// version number and whether a version is released.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrderedTestRow {
    id: OrderedTestId,
    cancelled: bool,
    next_version: i64,
    has_released: bool,
}

/// Every ordered test of a specimen by LIS test code, in one statement (a message usually
/// carries all of a specimen's results, so this replaces one lookup per result).
pub(crate) fn ordered_tests_of(
    conn: &Connection,
    specimen: &SpecimenContext,
) -> Result<std::collections::HashMap<String, OrderedTestRow>, StoreError> {
    let mut stmt = conn.prepare_cached(ORDERED_TESTS_OF_SPECIMEN_SQL)?;
    let rows = stmt.query_map([specimen.specimen_row_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            OrderedTestRow {
                id: r.get(1)?,
                cancelled: r.get::<_, String>(2)? == "cancelled",
                next_version: r.get(3)?,
                has_released: r.get(4)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The target for `row` on `specimen`: the same answer as [`target_on`] gives for the row's
/// test code, from a row read by [`ordered_tests_of`] in the same transaction (and not used
/// since: storing a result changes its next version).
pub(crate) fn target_from(
    specimen: &SpecimenContext,
    row: Option<&OrderedTestRow>,
) -> Result<Target, NoTarget> {
    if specimen.order_cancelled {
        return Err(NoTarget::OrderCancelled);
    }
    match row {
        Some(row) if !row.cancelled => Ok(Target {
            ordered_test_id: row.id,
            next_version: row.next_version,
            has_released: row.has_released,
            order_id: specimen.order_id,
            patient_id: specimen.patient_id,
            specimen_row_id: specimen.specimen_row_id,
            specimen_barcode: specimen.barcode.clone(),
            sex: specimen.sex,
            birth_date: specimen.birth_date,
            collected_at: specimen.collected_at,
            specimen_received_at: specimen.received_at,
            rejected_reason: specimen.rejected_reason.clone(),
        }),
        _ => Err(NoTarget::TestNotOrdered),
    }
}

/// Finds the ordered test for a specimen barcode and LIS test code.
pub(crate) fn find_target(
    conn: &Connection,
    barcode: &str,
    test_code: &str,
) -> Result<Result<Target, NoTarget>, StoreError> {
    match find_specimen(conn, barcode)? {
        Some(specimen) => target_on(conn, &specimen, test_code),
        None => Ok(Err(NoTarget::NoSpecimen)),
    }
}

/// A result value to store.
pub(crate) struct NewResult<'a> {
    pub(crate) value_sent: &'a str,
    pub(crate) instrument_flags: &'a [String],
    pub(crate) instrument: &'a str,
    pub(crate) operator: &'a str,
    pub(crate) observed_at: Option<Timestamp>,
    pub(crate) received_at: Timestamp,
    pub(crate) journal_id: Option<i64>,
    pub(crate) factor: f64,
    /// The unit the analyzer sent.
    pub(crate) sent_unit: &'a str,
    /// The unit the test map expects, if known.
    pub(crate) expected_unit: Option<&'a str>,
    /// The released version this one corrects: the new version is created released, without
    /// autoverification (a person decided it).
    pub(crate) corrects: Option<ResultId>,
    /// The release time it gets if it is released now ([`release_time`], read by the caller once
    /// per message or action).
    pub(crate) release_at: i64,
    /// Entered or edited by a person: checked and decided like any result, but never released
    /// at once (a person releases it).
    pub(crate) manual: bool,
    /// Who stores it (recorded as the changer of the version it replaces as reported).
    pub(crate) actor: &'a Actor,
}

/// What storing did.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) result_id: ResultId,
    pub(crate) state: ResultState,
    pub(crate) value: String,
    pub(crate) flags: Vec<Flag>,
    pub(crate) released: bool,
    pub(crate) follow_ups: Vec<FollowUp>,
}

/// Stores a new version for `target`, runs every check and applies the decision.
pub(crate) fn store_result(
    conn: &Connection,
    lab: &Lab,
    target: &Target,
    test: &TestDef,
    new: &NewResult<'_>,
) -> Result<Stored, StoreError> {
    let config = &lab.config;
    let value = match test.kind {
        ResultKind::Numeric => ParsedValue::parse(new.value_sent),
        ResultKind::Text => ParsedValue::parse_qualitative(new.value_sent),
    }
    .converted(new.factor, test.decimals);
    let (version, has_released) = (target.next_version, target.has_released);
    let at = new.observed_at.unwrap_or(new.received_at);
    let previous = if test.delta.is_some() && matches!(value, ParsedValue::Numeric { .. }) {
        previous_result(conn, target, &test.code)?
    } else {
        None
    };
    // Age at collection; without a collection time, at the specimen's receipt, else the
    // message's arrival.
    let age_at = target
        .collected_at
        .or(target.specimen_received_at)
        .unwrap_or(new.received_at);
    let age_days = target.birth_date.map(|b| {
        let day = age_at.to_zoned(config.time_zone().clone()).date();
        ranges::age_days(b, day)
    });
    // The QC state as this transaction sees it (a run evaluated in the same group commit
    // counts).
    let qc = super::qc_state::status(conn, new.instrument, &test.code)?;
    let qc_held = match &qc {
        QcStatus::OutOfControl(why) => Some(format!("QC out of control: {why}")),
        _ => None,
    };
    let input = CheckInput {
        test,
        value: &value,
        sex: target.sex,
        age_days,
        at,
        previous,
        instrument_flags: new.instrument_flags,
        sent_unit: new.sent_unit,
        expected_unit: new.expected_unit,
        qc,
        qc_unknown_blocks: config.autoverification.qc_unknown_blocks,
        specimen_rejected: target.rejected_reason.as_deref(),
    };
    let checks = run_checks(&input);
    let mut decision = autoverify::decide(test, &config.autoverification, &checks);
    if new.corrects.is_none() && has_released && decision.autoverified {
        decision.autoverified = false;
        decision.release = false;
        decision.reasons.push(String::from(
            "a released version exists: a change needs a correction",
        ));
    }
    if new.manual {
        decision.release = false;
    }
    // Rejected QC holds a result even when the lab left `qc` out of its rules: the hold
    // cannot be switched off for a test with QC.
    if let Some(why) = qc_held.filter(|_| decision.autoverified) {
        decision.autoverified = false;
        decision.release = false;
        decision.reasons.push(format!("qc: {why}"));
    }
    // A critical value is never released without a person: the release needs a call-back
    // recorded first. (With the `critical` rule in the lab's set it is held anyway; without it,
    // it is held here.)
    if decision.autoverified && flags_critical(&checks) {
        decision.autoverified = false;
        decision.release = false;
        decision.reasons.push(String::from(
            "critical value: record the call-back before release",
        ));
    }
    let actions = if new.corrects.is_some() {
        Vec::new()
    } else {
        follow_ups(test, &checks)
    };
    let mut state = transition(
        ResultState::Received,
        if decision.autoverified {
            Action::Autoverify
        } else {
            Action::Hold
        },
    )?;
    if decision.release {
        state = transition(state, Action::Release)?;
    }
    if new.corrects.is_some() {
        state = ResultState::Released;
    }
    let rerun = actions.iter().find_map(|a| match a {
        FollowUp::Rerun { dilution } => Some(*dilution),
        FollowUp::Reflex { .. } => None,
    });
    if rerun.is_some() {
        // The analyzer could not measure it: the system asks for a diluted rerun at once.
        state = transition(state, Action::RequestRerun).unwrap_or(state);
    }
    let flags: Vec<Flag> = checks.iter().filter_map(|c| c.flag).collect();
    let flag_codes: Vec<&str> = flags.iter().map(|f| f.code()).collect();
    let reported = !has_released || new.corrects.is_some();
    let shown = value.display();
    let now = ms(new.received_at);
    if reported && version > 1 {
        conn.prepare_cached(
            "UPDATE results SET reported = 0, rev = rev + 1, changed_by = ?2, changed_at = ?3 \
             WHERE ordered_test_id = ?1 AND reported = 1",
        )?
        .execute(params![target.ordered_test_id, new.actor.to_string(), now])?;
    }
    conn.prepare_cached(
        "INSERT INTO results (ordered_test_id, order_id, patient_id, specimen_barcode, test_code, \
         version, value_sent, value, numeric, value_kind, unit, flags, instrument_flags, \
         instrument, operator, observed_at, received_at, state, reported, journal_id, reasons, \
         released_at, corrects, checks) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, \
         ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
    )?
    .execute(params![
        target.ordered_test_id,
        target.order_id,
        target.patient_id,
        target.specimen_barcode,
        test.code,
        version,
        new.value_sent,
        shown,
        value.number(),
        value.kind_name(),
        test.unit,
        serde_json::to_string(&flag_codes).unwrap_or_default(),
        serde_json::to_string(new.instrument_flags).unwrap_or_default(),
        new.instrument,
        new.operator,
        new.observed_at.map(ms),
        now,
        state.as_str(),
        reported,
        new.journal_id,
        serde_json::to_string(&decision.reasons).unwrap_or_default(),
        (state == ResultState::Released).then_some(new.release_at),
        new.corrects,
        checks_json(&checks, &decision),
    ])?;
    let result_id = conn.last_insert_rowid();
    match rerun {
        Some(dilution) => {
            conn.prepare_cached(
                "UPDATE ordered_tests SET status = 'pending', rerun = 1, dilution = ?2, \
                 reported_result_id = CASE WHEN ?3 THEN ?4 ELSE reported_result_id END \
                 WHERE id = ?1",
            )?
            .execute(params![
                target.ordered_test_id,
                dilution,
                reported,
                result_id
            ])?;
        }
        None => {
            conn.prepare_cached(
                "UPDATE ordered_tests SET status = 'resulted', rerun = 0, dilution = NULL, \
                 reported_result_id = CASE WHEN ?2 THEN ?3 ELSE reported_result_id END \
                 WHERE id = ?1",
            )?
            .execute(params![target.ordered_test_id, reported, result_id])?;
        }
    }
    for a in &actions {
        if let FollowUp::Reflex { add } = a {
            for code in add {
                if config.test(code).is_some() {
                    conn.prepare_cached(
                        "INSERT OR IGNORE INTO ordered_tests (order_id, specimen_id, test_code, \
                         origin, status) VALUES (?1, ?2, ?3, 'reflex', 'pending')",
                    )?
                    .execute(params![
                        target.order_id,
                        target.specimen_row_id,
                        code
                    ])?;
                }
            }
        }
    }
    Ok(Stored {
        result_id,
        state,
        value: shown,
        flags,
        released: state == ResultState::Released,
        follow_ups: actions,
    })
}

/// Whether a check raised a critical flag (`LL`/`HH`).
fn flags_critical(checks: &[crate::validation::CheckOutcome]) -> bool {
    checks
        .iter()
        .filter_map(|c| c.flag)
        .any(crate::validation::clear::is_critical_flag)
}

/// Every check outcome and the decision, in the order the rules ran, as the JSON array kept in
/// `results.checks` (migration 6): `[rule, outcome, detail]`, or `[rule, outcome]` when the
/// detail is the rule's standard sentence for that outcome
/// ([`crate::validation::standard_detail`]), which reading puts back.
fn checks_json(
    checks: &[crate::validation::CheckOutcome],
    decision: &autoverify::Decision,
) -> String {
    let decision_detail = if decision.autoverified {
        String::from(crate::validation::EVERY_RULE_PASSED)
    } else {
        decision.reasons.join("; ")
    };
    let decision_outcome = if decision.autoverified {
        Outcome::Passed
    } else {
        Outcome::Failed
    };
    let rows: Vec<StoredCheck<'_>> = checks
        .iter()
        .map(|c| (c.rule.as_str(), c.outcome, c.detail.as_str()))
        .chain(std::iter::once((
            "autoverification",
            decision_outcome,
            decision_detail.as_str(),
        )))
        .map(|(rule, outcome, detail)| {
            if crate::validation::standard_detail(rule, outcome) == Some(detail) {
                StoredCheck::Standard([rule, outcome.as_str()])
            } else {
                StoredCheck::Particular([rule, outcome.as_str(), detail])
            }
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| String::from("[]"))
}

/// One stored check outcome.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum StoredCheck<'a> {
    Standard([&'a str; 2]),
    Particular([&'a str; 3]),
}

/// The patient's latest stored verified numeric result of `test_code` on another ordered test
/// (by storage order, which the index serves without sorting; the delta rule then checks that
/// its measurement time is within the window).
fn previous_result(
    conn: &Connection,
    target: &Target,
    test_code: &str,
) -> Result<Option<PreviousResult>, StoreError> {
    Ok(conn
        .prepare_cached(PREVIOUS_RESULT_SQL)?
        .query_row(
            params![target.patient_id, test_code, target.ordered_test_id],
            |r| {
                Ok(PreviousResult {
                    result_id: r.get(0)?,
                    value: r.get(1)?,
                    at: ts(r.get(2)?),
                })
            },
        )
        .optional()?)
}
