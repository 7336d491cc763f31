//! The QC state of each instrument and test and what it does to patient results: the `qc`
//! check of a new result (read in the result's own transaction), the hold on release while a
//! run is rejected, a supervisor's documented override, and the record of every result
//! released under an override.
//!
//! The state row (`qc_state`) is written only by a run's evaluation (`qc_runs`) and by an
//! override; each change is audited (`qc.state`, `qc.override`).

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::decode::At;
use super::users::authorize;
use super::{audit_log, ms, ts, Store};
use crate::error::StoreError;
use crate::model::{Actor, QcOverrideRecord, QcRunId, QcStanding, QcVerdict, ResultId, UserName};
use crate::permissions::Permission;
use crate::validation::QcStatus;

/// The longest override reason kept.
pub const MAX_OVERRIDE_REASON_CHARS: usize = 2_000;

/// The columns and joins of a state with its override.
macro_rules! standing_select {
    () => {
        "SELECT s.instrument, s.test_code, s.verdict, s.run_id, s.reason, s.since, o.id, \
         o.run_id, o.reason, o.overridden_by, u.display_name, o.overridden_at \
         FROM qc_state s LEFT JOIN qc_overrides o ON o.id = s.override_id \
         LEFT JOIN users u ON u.id = o.overridden_by"
    };
}

/// The state of one instrument and test: read for every patient result stored and released,
/// by the state's primary key.
pub(super) const STANDING_SQL: &str = concat!(
    standing_select!(),
    " WHERE s.instrument = ?1 AND s.test_code = ?2"
);

/// Every state.
const STANDINGS_SQL: &str = concat!(standing_select!(), " ORDER BY s.instrument, s.test_code");

fn standing_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QcStanding> {
    let run_id: QcRunId = r.get(3)?;
    let verdict: String = r.get(2)?;
    let override_id: Option<i64> = r.get(6)?;
    let override_record = match override_id {
        Some(id) => Some(QcOverrideRecord {
            id,
            run_id: r.get(7)?,
            reason: r.get(8)?,
            by: UserName {
                id: r.get(9)?,
                display_name: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
            },
            at: ts(r.get(11)?),
        }),
        None => None,
    };
    Ok(QcStanding {
        instrument: r.get(0)?,
        test_code: r.get(1)?,
        verdict: At::new("qc_state", run_id, "verdict").code(&verdict, QcVerdict::parse)?,
        run_id,
        reason: r.get(4)?,
        since: ts(r.get(5)?),
        override_record,
    })
}

/// The QC state of an instrument and test, in the caller's transaction; none when no run has
/// been recorded.
pub(super) fn standing(
    conn: &Connection,
    instrument: &str,
    test_code: &str,
) -> Result<Option<QcStanding>, StoreError> {
    Ok(conn
        .prepare_cached(STANDING_SQL)?
        .query_row(params![instrument, test_code], standing_row)
        .optional()?)
}

/// Every recorded state, by instrument and test.
pub(super) fn standings(conn: &Connection) -> Result<Vec<QcStanding>, StoreError> {
    let mut stmt = conn.prepare_cached(STANDINGS_SQL)?;
    let rows = stmt.query_map([], standing_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What the `qc` check of a new patient result of `test_code` on `instrument` sees, read in the
/// result's own transaction: in control after an accepted run (or one with a warning), out of
/// control with the reason while the latest run is rejected (an override lets people release,
/// never the system autoverify), unknown ("no QC recorded") when no run was ever recorded.
pub(super) fn status(
    conn: &Connection,
    instrument: &str,
    test_code: &str,
) -> Result<QcStatus, StoreError> {
    Ok(match standing(conn, instrument, test_code)? {
        None => QcStatus::Unknown,
        Some(s) if s.verdict.is_accepted() => QcStatus::InControl,
        Some(s) => QcStatus::OutOfControl(held_words(&s)),
    })
}

/// The reason a rejected state gives, with its override when there is one.
fn held_words(s: &QcStanding) -> String {
    match &s.override_record {
        None => s.reason.clone(),
        Some(o) => format!(
            "{}; overridden by {} ({})",
            s.reason, o.by.display_name, o.reason
        ),
    }
}

/// Whether a patient result of `test_code` on `instrument` may be released now, in the
/// release's transaction: refused ([`StoreError::QcRejected`]) while the test's QC is rejected
/// and not overridden; when rejected but overridden, the override the release happens under
/// (the caller records it with [`record_override_release`]).
pub(super) fn release_allowed(
    conn: &Connection,
    result_id: ResultId,
    instrument: &str,
    test_code: &str,
) -> Result<Option<i64>, StoreError> {
    match standing(conn, instrument, test_code)? {
        Some(s) if s.verdict == QcVerdict::Rejected => match &s.override_record {
            Some(o) => Ok(Some(o.id)),
            None => Err(StoreError::QcRejected {
                result_id,
                instrument: instrument.to_owned(),
                test_code: test_code.to_owned(),
                run_id: s.run_id,
                reason: s.reason,
            }),
        },
        _ => Ok(None),
    }
}

/// Records that a result was released under an override.
pub(super) fn record_override_release(
    conn: &Connection,
    result_id: ResultId,
    override_id: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO qc_override_releases (result_id, override_id) VALUES (?1, ?2)",
    )?
    .execute(params![result_id, override_id])?;
    Ok(())
}

/// A run's verdict, as it sets its instrument and test's state.
pub(super) struct RunVerdict<'a> {
    pub(super) instrument: &'a str,
    pub(super) test_code: &'a str,
    pub(super) run_id: QcRunId,
    pub(super) verdict: QcVerdict,
    pub(super) reason: &'a str,
    /// The time of the run's latest point.
    pub(super) since: Timestamp,
}

/// Sets the state of an instrument and test to a run's verdict (in the caller's transaction),
/// auditing a change of verdict, run or reason. A new run's verdict ends any override (an
/// override is of one rejected run).
pub(super) fn set(conn: &Connection, actor: &Actor, v: &RunVerdict<'_>) -> Result<(), StoreError> {
    let RunVerdict {
        instrument,
        test_code,
        run_id,
        verdict,
        reason,
        since,
    } = *v;
    let before = standing(conn, instrument, test_code)?;
    let same = before
        .as_ref()
        .is_some_and(|b| b.run_id == run_id && b.verdict == verdict && b.reason == reason);
    if same {
        return Ok(());
    }
    // The override stays only while the same run stays rejected.
    let keep_override = before
        .as_ref()
        .filter(|b| b.run_id == run_id && verdict == QcVerdict::Rejected)
        .and_then(|b| b.override_record.as_ref().map(|o| o.id));
    conn.prepare_cached(
        "INSERT INTO qc_state (instrument, test_code, verdict, run_id, reason, since, override_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (instrument, test_code) DO UPDATE SET \
         verdict = excluded.verdict, run_id = excluded.run_id, reason = excluded.reason, \
         since = excluded.since, override_id = excluded.override_id",
    )?
    .execute(params![
        instrument,
        test_code,
        verdict.as_str(),
        run_id,
        reason,
        ms(since),
        keep_override
    ])?;
    audit_log::append(
        conn,
        actor,
        "qc.state",
        "qc",
        format!("{instrument}/{test_code}"),
        before
            .as_ref()
            .map(|b| json!({ "verdict": b.verdict.as_str(), "run": b.run_id, "reason": b.reason }))
            .as_ref(),
        Some(&json!({ "verdict": verdict.as_str(), "run": run_id, "reason": reason })),
        None,
    )?;
    Ok(())
}

/// The override a result was released under, if any (the latest).
pub(super) fn override_of(
    conn: &Connection,
    result_id: ResultId,
) -> Result<Option<QcOverrideRecord>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT o.id, o.run_id, o.reason, o.overridden_by, u.display_name, o.overridden_at \
             FROM qc_override_releases r JOIN qc_overrides o ON o.id = r.override_id \
             LEFT JOIN users u ON u.id = o.overridden_by WHERE r.result_id = ?1 \
             ORDER BY o.id DESC LIMIT 1",
        )?
        .query_row([result_id], |r| {
            Ok(QcOverrideRecord {
                id: r.get(0)?,
                run_id: r.get(1)?,
                reason: r.get(2)?,
                by: UserName {
                    id: r.get(3)?,
                    display_name: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                },
                at: ts(r.get(5)?),
            })
        })
        .optional()?)
}

impl Store {
    /// The QC state of `test_code` on `instrument` now; none when no QC run is recorded.
    pub fn qc_standing(
        &self,
        instrument: &str,
        test_code: &str,
    ) -> Result<Option<QcStanding>, StoreError> {
        self.read(|conn, _| standing(conn, instrument, test_code))
    }

    /// Every instrument and test whose QC is rejected now (overridden or not), for the
    /// worklist's and the specimen page's warnings: a result of such an instrument and test is
    /// held unless [`QcStanding::holds`] is false (overridden).
    pub fn qc_rejections(&self) -> Result<Vec<QcStanding>, StoreError> {
        self.read(|conn, _| {
            Ok(standings(conn)?
                .into_iter()
                .filter(|s| s.verdict == QcVerdict::Rejected)
                .collect())
        })
    }

    /// A supervisor overrides the rejected QC of `test_code` on `instrument` (run `run_id`,
    /// as the supervisor saw it), with a reason: its patient results may be released by a
    /// person until the next run's verdict (they are still not autoverified, and each release
    /// is recorded as made under this override). Needs [`Permission::ManageQc`]; audited
    /// (`qc.override`). Refused when the state is not rejected or another run set it since.
    pub fn override_qc(
        &self,
        instrument: &str,
        test_code: &str,
        run_id: QcRunId,
        reason: &str,
        actor: &Actor,
    ) -> Result<QcOverrideRecord, StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid(
                "an override of rejected QC needs a reason",
            ));
        }
        if reason.chars().count() > MAX_OVERRIDE_REASON_CHARS {
            return Err(StoreError::invalid(format!(
                "an override reason has at most {MAX_OVERRIDE_REASON_CHARS} characters"
            )));
        }
        self.write(|conn, lab| {
            let person = authorize(conn, lab, actor, Permission::ManageQc)?;
            let Some(person) = person else {
                return Err(StoreError::forbidden(
                    Permission::ManageQc,
                    "an override of rejected QC is a supervisor's documented decision",
                ));
            };
            let now = ts(ms(Timestamp::now()));
            let current = standing(conn, instrument, test_code)?
                .ok_or_else(|| StoreError::not_found("QC state", format!("{instrument}/{test_code}")))?;
            if current.verdict != QcVerdict::Rejected {
                return Err(StoreError::conflict(format!(
                    "QC of {test_code} on {instrument} is {} (run {}): there is nothing to override",
                    current.verdict.as_str(),
                    current.run_id
                )));
            }
            if current.run_id != run_id {
                return Err(StoreError::conflict(format!(
                    "QC of {test_code} on {instrument} is now set by run {}, not run {run_id}; \
                     reload to see it",
                    current.run_id
                )));
            }
            if let Some(o) = &current.override_record {
                return Err(StoreError::conflict(format!(
                    "run {run_id} was already overridden by {} at {}",
                    o.by.display_name, o.at
                )));
            }
            conn.prepare_cached(
                "INSERT INTO qc_overrides (instrument, test_code, run_id, reason, overridden_by, \
                 overridden_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![instrument, test_code, run_id, reason, person.id, ms(now)])?;
            let id = conn.last_insert_rowid();
            conn.prepare_cached(
                "UPDATE qc_state SET override_id = ?3 WHERE instrument = ?1 AND test_code = ?2",
            )?
            .execute(params![instrument, test_code, id])?;
            audit_log::append(
                conn,
                actor,
                "qc.override",
                "qc",
                format!("{instrument}/{test_code}"),
                Some(&json!({ "verdict": "rejected", "run": run_id, "reason": current.reason })),
                Some(&json!({ "override": id, "run": run_id })),
                Some(reason),
            )?;
            Ok(QcOverrideRecord {
                id,
                run_id,
                reason: reason.to_owned(),
                by: UserName {
                    id: person.id,
                    display_name: person.display_name,
                },
                at: now,
            })
        })
    }
}
