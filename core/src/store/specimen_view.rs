//! The specimen review page's read: the patient, order and tube, every current result with its
//! checks, range, reasons, people, delta and versions, in one read transaction; and a patient's
//! earlier released results of the same tests.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use super::{review_decode, supplements, ts, Lab, Store};
use crate::config::{LabConfig, TestDef};
use crate::error::StoreError;
use crate::lifecycle::ResultState;
use crate::model::{
    Age, AppliedRange, CallbackRecord, CommentRecord, DeltaInfo, OrderStatus, PatientId,
    PriorResult, PriorResults, Priority, ResultId, ResultVersion, ReviewOrder, ReviewPatient,
    ReviewResult, ReviewSpecimen, Sex, SpecimenReview, UserName,
};
use crate::validation::ranges::{self, Described};
use crate::validation::Flag;

/// The tube, its order and its patient, by barcode.
pub(super) const HEADER_SQL: &str = "SELECT s.id, s.barcode, s.specimen_type, s.collected_at, \
     s.received_at, s.rejected_reason, o.id, o.placer_number, o.accession, o.requesting_doctor, \
     o.department, o.priority, o.status, o.ordered_at, p.id, p.his_id, p.name, p.sex, \
     p.birth_date \
     FROM specimens s JOIN orders o ON o.id = s.order_id JOIN patients p ON p.id = o.patient_id \
     WHERE s.barcode = ?1";

/// Every result version of a tube, by its ordered tests, with the names of who verified and
/// released it.
pub(super) const RESULTS_SQL: &str = "SELECT r.id, r.rev, r.ordered_test_id, r.version, \
     r.test_code, r.value, r.value_sent, r.value_kind, r.numeric, r.unit, r.flags, \
     r.instrument_flags, r.checks, r.reasons, r.state, r.reported, r.corrects, r.verified_by, \
     uv.display_name, r.verified_at, r.released_by, ur.display_name, r.released_at, \
     r.instrument, r.operator, r.journal_id, r.observed_at, r.received_at \
     FROM ordered_tests ot JOIN results r ON r.ordered_test_id = ot.id \
     LEFT JOIN users uv ON uv.id = r.verified_by LEFT JOIN users ur ON ur.id = r.released_by \
     WHERE ot.specimen_id = ?1 ORDER BY r.ordered_test_id, r.version";

/// The patient's latest verified numeric result of a test stored before this one on another
/// ordered test: what the delta check compared with.
pub(super) const DELTA_SQL: &str = "SELECT id, value, numeric, COALESCE(observed_at, received_at) \
     FROM results WHERE patient_id = ?1 AND test_code = ?2 AND id < ?3 \
     AND ordered_test_id != ?4 AND value_kind = 'numeric' \
     AND +state IN ('autoverified', 'verified', 'released') ORDER BY id DESC LIMIT 1";

/// A patient's released results of a test stored before `?3`, newest first.
pub(super) const PRIOR_SQL: &str = "SELECT id, specimen_barcode, \
     COALESCE(observed_at, received_at), value, unit, flags FROM results \
     WHERE patient_id = ?1 AND test_code = ?2 AND id < ?3 AND +state = 'released' \
     ORDER BY id DESC LIMIT ?4";

/// The call-backs of a tube's results.
const CALLBACKS_SQL: &str = "SELECT c.id, c.result_id, c.told_name, c.told_role, c.location, \
     c.read_back, c.outcome, c.recorded_at, c.recorded_by, u.display_name \
     FROM ordered_tests ot JOIN results r ON r.ordered_test_id = ot.id \
     JOIN callbacks c ON c.result_id = r.id JOIN users u ON u.id = c.recorded_by \
     WHERE ot.specimen_id = ?1 ORDER BY c.id";

/// The comments on a tube and its results.
const COMMENTS_SQL: &str = "SELECT c.id, c.result_id, c.text, c.created_at, c.created_by, \
     u.display_name FROM comments c JOIN users u ON u.id = c.created_by \
     WHERE c.specimen_id = ?1 ORDER BY c.id";

/// One stored result version of the tube, read whole.
struct Row {
    result: ReviewResult,
    numeric: Option<f64>,
}

fn user(id: Option<i64>, name: Option<String>) -> Option<UserName> {
    id.map(|id| UserName {
        id,
        display_name: name.unwrap_or_default(),
    })
}

fn result_row(config: &LabConfig, r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let id: ResultId = r.get(0)?;
    let test_code: String = r.get(4)?;
    let test = config.test(&test_code);
    let flags = review_decode::flags(id, &r.get::<_, String>(10)?)?;
    let result = ReviewResult {
        id,
        rev: r.get(1)?,
        ordered_test_id: r.get(2)?,
        version: r.get(3)?,
        name_vi: test.map_or_else(|| test_code.clone(), |t| t.name_vi.clone()),
        name_en: test.map_or_else(|| test_code.clone(), |t| t.name_en.clone()),
        section: test.map(|t| t.section),
        test_code,
        value: r.get(5)?,
        value_sent: r.get(6)?,
        value_kind: r.get(7)?,
        unit: r.get(9)?,
        range: None,
        critical: flags
            .iter()
            .any(|f| matches!(f, Flag::CriticalLow | Flag::CriticalHigh)),
        flags,
        instrument_flags: review_decode::strings(id, "instrument_flags", &r.get::<_, String>(11)?)?,
        checks: review_decode::checks(id, &r.get::<_, String>(12)?)?,
        reasons: review_decode::reasons(id, &r.get::<_, String>(13)?)?,
        state: review_decode::state(id, &r.get::<_, String>(14)?)?,
        reported: r.get(15)?,
        corrects: r.get(16)?,
        verified_by: user(r.get(17)?, r.get(18)?),
        verified_at: r.get::<_, Option<i64>>(19)?.map(ts),
        released_by: user(r.get(20)?, r.get(21)?),
        released_at: r.get::<_, Option<i64>>(22)?.map(ts),
        instrument: r.get(23)?,
        operator: r.get(24)?,
        journal_id: r.get(25)?,
        observed_at: r.get::<_, Option<i64>>(26)?.map(ts),
        received_at: ts(r.get(27)?),
        delta: None,
        versions: Vec::new(),
        callbacks: Vec::new(),
        comments: Vec::new(),
        supplements: Vec::new(),
        isolate: None,
    };
    Ok(Row {
        result,
        numeric: r.get(8)?,
    })
}

/// The range of `test` for the patient at `at` (collection, else receipt), with whether the
/// stored reference-range check names it.
fn applied_range(
    config: &LabConfig,
    test: &TestDef,
    sex: Sex,
    birth_date: Option<jiff::civil::Date>,
    at: Timestamp,
    checked: Option<&str>,
) -> Option<AppliedRange> {
    let age =
        birth_date.map(|b| ranges::age_days(b, at.to_zoned(config.time_zone().clone()).date()));
    let r = ranges::select_range(test, sex, age)?;
    let text = match (r.low, r.high) {
        (Some(l), Some(h)) => format!("{l}-{h}"),
        (Some(l), None) => format!(">{l}"),
        (None, Some(h)) => format!("<{h}"),
        (None, None) => return None,
    };
    let described = Described(r).to_string();
    Some(AppliedRange {
        low: r.low,
        high: r.high,
        text,
        sex: r.sex,
        age_min_days: r.age_min_days,
        age_max_days: r.age_max_days,
        as_checked: checked.is_some_and(|d| d.ends_with(&described)),
    })
}

/// What the delta check compared a numeric result with.
fn delta(
    conn: &Connection,
    patient: PatientId,
    result: &ReviewResult,
    numeric: f64,
) -> Result<Option<DeltaInfo>, StoreError> {
    let previous: Option<(ResultId, String, Option<f64>, i64)> = conn
        .prepare_cached(DELTA_SQL)?
        .query_row(
            params![patient, result.test_code, result.id, result.ordered_test_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(previous.and_then(|(id, value, prev, at)| {
        let prev = prev?;
        let change = numeric - prev;
        Some(DeltaInfo {
            previous_result_id: id,
            previous_value: value,
            previous_at: ts(at),
            change,
            change_percent: (prev != 0.0).then(|| change / prev.abs() * 100.0),
        })
    }))
}

pub(super) fn specimen_review(
    conn: &Connection,
    lab: &Lab,
    barcode: &str,
) -> Result<SpecimenReview, StoreError> {
    let config = &lab.config;
    let (specimen, order, mut patient) = conn
        .prepare_cached(HEADER_SQL)?
        .query_row([barcode], |r| {
            let order_id: i64 = r.get(6)?;
            let status: String = r.get(12)?;
            let patient_id: i64 = r.get(14)?;
            Ok((
                ReviewSpecimen {
                    id: r.get(0)?,
                    barcode: r.get(1)?,
                    specimen_type: r.get(2)?,
                    collected_at: r.get::<_, Option<i64>>(3)?.map(ts),
                    received_at: r.get::<_, Option<i64>>(4)?.map(ts),
                    rejected_reason: r.get(5)?,
                },
                ReviewOrder {
                    id: order_id,
                    placer_number: r.get(7)?,
                    accession: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                    requesting_doctor: r.get(9)?,
                    department: r.get(10)?,
                    priority: Priority::parse(&r.get::<_, String>(11)?),
                    status: OrderStatus::parse(&status).ok_or_else(|| {
                        review_decode::damaged(
                            "orders",
                            order_id,
                            "status",
                            format!("unknown status {status:?}"),
                        )
                    })?,
                    ordered_at: ts(r.get(13)?),
                },
                ReviewPatient {
                    id: patient_id,
                    his_id: r.get(15)?,
                    name: r.get(16)?,
                    sex: Sex::parse(&r.get::<_, String>(17)?),
                    birth_date: review_decode::birth_date(patient_id, r.get(18)?)?,
                    age_at_collection: None,
                },
            ))
        })
        .optional()?
        .ok_or_else(|| StoreError::not_found("specimen", barcode))?;
    let rows: Vec<Row> = conn
        .prepare_cached(RESULTS_SQL)?
        .query_map([specimen.id], |r| result_row(config, r))?
        .collect::<Result<_, _>>()?;
    // Age at collection; without a collection time, at receipt, else at the first result (as
    // the checks counted it).
    let first_result = rows.iter().map(|r| r.result.received_at).min();
    let age_at = specimen.collected_at.or(specimen.received_at);
    patient.age_at_collection = patient
        .birth_date
        .zip(age_at.or(first_result))
        .and_then(|(b, at)| Age::at(b, at, config.time_zone()));
    let mut versions: HashMap<i64, Vec<ResultVersion>> = HashMap::new();
    for row in &rows {
        let r = &row.result;
        versions
            .entry(r.ordered_test_id)
            .or_default()
            .push(ResultVersion {
                id: r.id,
                version: r.version,
                value: r.value.clone(),
                state: r.state,
                received_at: r.received_at,
                released_at: r.released_at,
                reported: r.reported,
                corrects: r.corrects,
            });
    }
    let mut callbacks: HashMap<ResultId, Vec<CallbackRecord>> = HashMap::new();
    let mut stmt = conn.prepare_cached(CALLBACKS_SQL)?;
    let mut q = stmt.query([specimen.id])?;
    while let Some(r) = q.next()? {
        callbacks
            .entry(r.get(1)?)
            .or_default()
            .push(CallbackRecord {
                id: r.get(0)?,
                told_name: r.get(2)?,
                told_role: r.get(3)?,
                location: r.get(4)?,
                read_back: r.get(5)?,
                outcome: r.get(6)?,
                recorded_at: ts(r.get(7)?),
                recorded_by: UserName {
                    id: r.get(8)?,
                    display_name: r.get(9)?,
                },
            });
    }
    let mut comments: HashMap<Option<ResultId>, Vec<CommentRecord>> = HashMap::new();
    let mut stmt = conn.prepare_cached(COMMENTS_SQL)?;
    let mut q = stmt.query([specimen.id])?;
    while let Some(r) = q.next()? {
        let result_id: Option<ResultId> = r.get(1)?;
        comments.entry(result_id).or_default().push(CommentRecord {
            id: r.get(0)?,
            result_id,
            text: r.get(2)?,
            created_at: ts(r.get(3)?),
            created_by: UserName {
                id: r.get(4)?,
                display_name: r.get(5)?,
            },
        });
    }
    let catalog: HashMap<&str, usize> = config
        .tests
        .iter()
        .enumerate()
        .map(|(i, t)| (t.code.as_str(), i))
        .collect();
    let mut results = Vec::new();
    for row in rows {
        let mut r = row.result;
        let waiting = matches!(r.state, ResultState::PendingReview | ResultState::Verified);
        if !r.reported && !waiting {
            continue;
        }
        if let Some(test) = config.test(&r.test_code) {
            let checked = r
                .checks
                .iter()
                .find(|c| c.rule == "reference_range")
                .map(|c| c.detail.as_str());
            let at = age_at.unwrap_or(r.received_at);
            r.range = applied_range(config, test, patient.sex, patient.birth_date, at, checked);
        }
        if r.value_kind == "numeric" {
            if let Some(n) = row.numeric {
                r.delta = delta(conn, patient.id, &r, n)?;
            }
        }
        r.versions = versions
            .get(&r.ordered_test_id)
            .cloned()
            .unwrap_or_default();
        r.callbacks = callbacks.remove(&r.id).unwrap_or_default();
        r.comments = comments.remove(&Some(r.id)).unwrap_or_default();
        r.supplements = supplements::of(conn, supplements::Owner::Result(r.id))?;
        r.isolate = super::isolates::of(conn, supplements::Owner::Result(r.id))?;
        results.push(r);
    }
    let rank = |code: &str| catalog.get(code).copied().unwrap_or(usize::MAX);
    results.sort_by(|a, b| {
        (rank(&a.test_code), &a.test_code, a.version).cmp(&(
            rank(&b.test_code),
            &b.test_code,
            b.version,
        ))
    });
    let mut tests_without_result: Vec<String> = conn
        .prepare_cached(
            "SELECT test_code FROM ordered_tests WHERE specimen_id = ?1 \
             AND reported_result_id IS NULL AND status <> 'cancelled'",
        )?
        .query_map([specimen.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    tests_without_result.sort_by(|a, b| (rank(a), a).cmp(&(rank(b), b)));
    Ok(SpecimenReview {
        patient,
        order,
        specimen,
        results,
        tests_without_result,
        comments: comments.remove(&None).unwrap_or_default(),
    })
}

pub(super) fn prior_results(
    conn: &Connection,
    patient: PatientId,
    test_codes: &[String],
    before_specimen: Option<&str>,
    limit_per_test: usize,
) -> Result<Vec<PriorResults>, StoreError> {
    // Results stored before the tube's first result (all of them for a tube without results
    // yet, or when no tube is named).
    let before: i64 = match before_specimen {
        Some(barcode) => conn
            .query_row(
                "SELECT MIN(r.id) FROM specimens s JOIN ordered_tests ot ON ot.specimen_id = s.id \
                 JOIN results r ON r.ordered_test_id = ot.id WHERE s.barcode = ?1",
                [barcode],
                |r| r.get::<_, Option<i64>>(0),
            )?
            .unwrap_or(i64::MAX),
        None => i64::MAX,
    };
    let limit = i64::try_from(limit_per_test).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(PRIOR_SQL)?;
    let mut out = Vec::with_capacity(test_codes.len());
    for code in test_codes {
        let results = stmt
            .query_map(params![patient, code, before, limit], |r| {
                let id: ResultId = r.get(0)?;
                Ok(PriorResult {
                    id,
                    barcode: r.get(1)?,
                    at: ts(r.get(2)?),
                    value: r.get(3)?,
                    unit: r.get(4)?,
                    flags: review_decode::flags(id, &r.get::<_, String>(5)?)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        out.push(PriorResults {
            test_code: code.clone(),
            results,
        });
    }
    Ok(out)
}

impl Store {
    /// Everything the review page shows for one tube, by barcode: patient (with age at
    /// collection), order, specimen, and every current result (each test's reported version,
    /// and versions waiting for a person) in catalog order. Unknown barcode:
    /// [`StoreError::NotFound`]; a stored value that cannot be read is an error naming its row,
    /// never a default.
    pub fn specimen_review(&self, barcode: &str) -> Result<SpecimenReview, StoreError> {
        self.read(|conn, lab| specimen_review(conn, lab, barcode))
    }

    /// The patient's earlier released results of each test, newest first, at most
    /// `limit_per_test` per test. With `before_specimen`, only results stored before that
    /// tube's first result (its own and later ones are left out).
    pub fn previous_results(
        &self,
        patient: PatientId,
        test_codes: &[String],
        before_specimen: Option<&str>,
        limit_per_test: usize,
    ) -> Result<Vec<PriorResults>, StoreError> {
        self.read(|conn, _| {
            prior_results(conn, patient, test_codes, before_specimen, limit_per_test)
        })
    }
}
