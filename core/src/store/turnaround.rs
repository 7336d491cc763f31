//! The turnaround dashboard's read: for the specimens received in a time range, each ordered
//! test's turnaround from receipt (`specimens.received_at`) to its first release
//! (`results.released_at`), summarised per section and per test, the late ones, and every
//! critical result with the time from its arrival to the first "told" call-back.
//!
//! Bounded: the range is at most [`MAX_TURNAROUND_DAYS`] days, read through the partial index
//! `specimens_received`; a specimen without a recorded receipt time is not counted (it has no
//! start), nor is a rejected specimen or a cancelled test.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use rusqlite::{params, Connection};

use super::decode::At;
use super::users::authorize;
use super::{ms, ts, Lab, Store};
use crate::config::Section;
use crate::error::StoreError;
use crate::model::{Actor, ResultId};
use crate::permissions::Permission;
use crate::turnaround::TurnaroundSummary;

/// The longest range the dashboard reads, in days.
pub const MAX_TURNAROUND_DAYS: i64 = 31;

/// The most late specimens and critical results listed (the counts are always complete).
pub const MAX_LISTED: usize = 200;

/// Turnaround of one section or one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnaroundGroup {
    /// The section.
    pub section: Section,
    /// The test's code, for a test; `None` for a whole section.
    pub test_code: Option<String>,
    /// The target in minutes, for a test (its `tat_minutes`, else the section's default).
    pub target_minutes: Option<u32>,
    /// How many specimens were received (for a section: with at least one of its tests).
    pub specimens: usize,
    /// Turnaround of those released (for a section: when its last test was released).
    pub released: TurnaroundSummary,
    /// How many are late: released after the target, or still not released past it.
    pub late: usize,
}

/// A test of a specimen past its turnaround target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateSpecimen {
    /// The specimen's barcode.
    pub specimen_barcode: String,
    /// The test's code.
    pub test_code: String,
    /// Its section.
    pub section: Section,
    /// When the specimen was received.
    pub received_at: Timestamp,
    /// When the test's result was first released; `None` while it waits.
    pub released_at: Option<Timestamp>,
    /// Minutes from receipt to release, or to now while it waits.
    pub minutes: u32,
    /// The target in minutes.
    pub target_minutes: u32,
}

/// A critical result and its call-back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriticalCallback {
    /// The result's row id.
    pub result_id: ResultId,
    /// The specimen's barcode.
    pub specimen_barcode: String,
    /// The test's code.
    pub test_code: String,
    /// The value as reported, with its unit.
    pub value: String,
    /// The unit.
    pub unit: String,
    /// When the result arrived.
    pub arrived_at: Timestamp,
    /// When the first call-back whose outcome is "told" was recorded; `None` if none yet.
    pub told_at: Option<Timestamp>,
    /// Whom it was told to (that call-back's name and role).
    pub told_to: Option<String>,
    /// Minutes from arrival to that call-back, or to now while there is none.
    pub minutes: u32,
}

/// The dashboard for one range.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnaroundReport {
    /// The range's start (inclusive).
    pub from: Timestamp,
    /// The range's end (exclusive).
    pub to: Timestamp,
    /// When it was computed (what "still waiting" is measured to).
    pub now: Timestamp,
    /// One row per section with specimens, in [`Section::ALL`] order.
    pub sections: Vec<TurnaroundGroup>,
    /// One row per test with specimens, in catalog order (codes not in the catalog last).
    pub tests: Vec<TurnaroundGroup>,
    /// Late tests, longest over target first, at most [`MAX_LISTED`].
    pub late: Vec<LateSpecimen>,
    /// How many tests are late in all (the list may be cut).
    pub late_total: usize,
    /// Critical results of the range's specimens, oldest first, at most [`MAX_LISTED`].
    pub criticals: Vec<CriticalCallback>,
    /// Tests released before their specimen's recorded receipt (a wrong receipt time); left
    /// out of the figures.
    pub released_before_receipt: usize,
}

/// One ordered test of a specimen received in the range.
struct Row {
    specimen_id: i64,
    barcode: String,
    received: Timestamp,
    test_code: String,
    released: Option<Timestamp>,
}

/// A specimen's tests of one section: when it was received, when its last test was released
/// (`None` while one waits), whether one is late, whether one was released before receipt.
struct SectionSpecimen {
    received: Timestamp,
    last: Option<Timestamp>,
    late: bool,
    odd: bool,
}

/// Whole minutes from `a` to `b` (0 when `b` is not later).
fn minutes(a: Timestamp, b: Timestamp) -> u32 {
    let d: SignedDuration = b.duration_since(a);
    u32::try_from(d.as_secs().max(0) / 60).unwrap_or(u32::MAX)
}

pub(super) const ROWS_SQL: &str = "SELECT s.id, s.barcode, s.received_at, ot.test_code, \
     (SELECT MIN(r.released_at) FROM results r WHERE r.ordered_test_id = ot.id) \
     FROM specimens s JOIN ordered_tests ot ON ot.specimen_id = s.id \
     WHERE s.received_at >= ?1 AND s.received_at < ?2 AND s.received_at IS NOT NULL \
     AND s.rejected_at IS NULL AND ot.status != 'cancelled' \
     ORDER BY s.received_at, s.id, ot.id";

const CRITICALS_SQL: &str = "SELECT r.id, s.barcode, r.test_code, r.value, r.unit, r.flags, \
     r.received_at, \
     (SELECT c.recorded_at FROM callbacks c WHERE c.result_id = r.id \
      AND c.outcome IN ('told_read_back', 'told_no_read_back') ORDER BY c.id LIMIT 1), \
     (SELECT c.told_name || ' (' || c.told_role || ')' FROM callbacks c WHERE c.result_id = r.id \
      AND c.outcome IN ('told_read_back', 'told_no_read_back') ORDER BY c.id LIMIT 1) \
     FROM specimens s JOIN ordered_tests ot ON ot.specimen_id = s.id \
     JOIN results r ON r.ordered_test_id = ot.id \
     WHERE s.received_at >= ?1 AND s.received_at < ?2 AND s.received_at IS NOT NULL \
     AND (EXISTS (SELECT 1 FROM json_each(r.flags) f WHERE f.value IN ('LL', 'HH')) \
      OR EXISTS (SELECT 1 FROM json_each(r.checks) c \
                 WHERE c.value ->> 0 = 'critical' AND c.value ->> 1 = 'failed')) \
     ORDER BY r.received_at, r.id LIMIT ?3";

fn read(
    conn: &Connection,
    lab: &Lab,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
) -> Result<TurnaroundReport, StoreError> {
    if to <= from {
        return Err(StoreError::invalid(
            "turnaround: the range ends before it starts",
        ));
    }
    if to.duration_since(from) > SignedDuration::from_hours(24 * MAX_TURNAROUND_DAYS) {
        return Err(StoreError::invalid(format!(
            "turnaround: the range is longer than {MAX_TURNAROUND_DAYS} days"
        )));
    }
    let config = &lab.config;
    let mut stmt = conn.prepare_cached(ROWS_SQL)?;
    let rows = stmt.query_map(params![ms(from), ms(to)], |r| {
        Ok(Row {
            specimen_id: r.get(0)?,
            barcode: r.get(1)?,
            received: ts(r.get(2)?),
            test_code: r.get(3)?,
            released: r.get::<_, Option<i64>>(4)?.map(ts),
        })
    })?;
    let rows: Vec<Row> = rows.collect::<Result<_, _>>()?;

    // Per test: specimens, turnaround minutes, late count. Per section and specimen: the
    // latest release (None while a test waits) and whether any test is late.
    struct Acc {
        section: Section,
        target: u32,
        specimens: usize,
        minutes: Vec<u32>,
        late: usize,
    }
    let mut tests: BTreeMap<String, Acc> = BTreeMap::new();
    let mut by_section: BTreeMap<(usize, i64), SectionSpecimen> = BTreeMap::new();
    let mut late = Vec::new();
    let mut released_before_receipt = 0;
    for row in &rows {
        let (section, target) = match config.test(&row.test_code) {
            Some(t) => (t.section, t.tat_minutes()),
            None => (Section::Other, Section::Other.default_tat_minutes()),
        };
        let acc = tests.entry(row.test_code.clone()).or_insert(Acc {
            section,
            target,
            specimens: 0,
            minutes: Vec::new(),
            late: 0,
        });
        acc.specimens += 1;
        // Section::ALL lists every section, so the position is always found.
        let section_index = Section::ALL.iter().position(|s| *s == section).unwrap_or(0);
        let entry = by_section
            .entry((section_index, row.specimen_id))
            .or_insert(SectionSpecimen {
                received: row.received,
                last: Some(row.received),
                late: false,
                odd: false,
            });
        let (took, end) = match row.released {
            Some(at) if at < row.received => {
                released_before_receipt += 1;
                entry.odd = true;
                continue;
            }
            Some(at) => {
                let m = minutes(row.received, at);
                acc.minutes.push(m);
                entry.last = entry.last.map(|latest| latest.max(at));
                (m, Some(at))
            }
            None => {
                entry.last = None;
                (minutes(row.received, now), None)
            }
        };
        if took > target {
            acc.late += 1;
            entry.late = true;
            late.push(LateSpecimen {
                specimen_barcode: row.barcode.clone(),
                test_code: row.test_code.clone(),
                section,
                received_at: row.received,
                released_at: end,
                minutes: took,
                target_minutes: target,
            });
        }
    }

    let mut sections = Vec::new();
    for (index, section) in Section::ALL.iter().enumerate() {
        let mut specimens = 0;
        let mut took = Vec::new();
        let mut late_count = 0;
        for ((i, _), sp) in &by_section {
            if *i != index {
                continue;
            }
            specimens += 1;
            if let (Some(last), false) = (sp.last, sp.odd) {
                took.push(minutes(sp.received, last));
            }
            late_count += usize::from(sp.late);
        }
        if specimens > 0 {
            sections.push(TurnaroundGroup {
                section: *section,
                test_code: None,
                target_minutes: None,
                specimens,
                released: TurnaroundSummary::of(&took),
                late: late_count,
            });
        }
    }

    let catalog_rank = |code: &str| {
        config
            .tests
            .iter()
            .position(|t| t.code == code)
            .unwrap_or(usize::MAX)
    };
    let mut test_rows: Vec<TurnaroundGroup> = tests
        .into_iter()
        .map(|(code, acc)| TurnaroundGroup {
            section: acc.section,
            target_minutes: Some(acc.target),
            specimens: acc.specimens,
            released: TurnaroundSummary::of(&acc.minutes),
            late: acc.late,
            test_code: Some(code),
        })
        .collect();
    test_rows.sort_by_key(|g| {
        let code = g.test_code.as_deref().unwrap_or("");
        (catalog_rank(code), code.to_owned())
    });

    late.sort_by_key(|l| {
        (
            std::cmp::Reverse(l.minutes.saturating_sub(l.target_minutes)),
            l.received_at,
        )
    });
    let late_total = late.len();
    late.truncate(MAX_LISTED);

    let mut stmt = conn.prepare_cached(CRITICALS_SQL)?;
    let criticals = stmt.query_map(params![ms(from), ms(to), MAX_LISTED as i64], |r| {
        let id: ResultId = r.get(0)?;
        // The flags are read strictly: a damaged column is an error, never "not critical".
        let _flags = At::new("results", id, "flags").flags(&r.get::<_, String>(5)?)?;
        let arrived_at = ts(r.get(6)?);
        let told_at = r.get::<_, Option<i64>>(7)?.map(ts);
        Ok(CriticalCallback {
            result_id: id,
            specimen_barcode: r.get(1)?,
            test_code: r.get(2)?,
            value: r.get(3)?,
            unit: r.get(4)?,
            arrived_at,
            told_at,
            told_to: r.get(8)?,
            minutes: minutes(arrived_at, told_at.unwrap_or(now)),
        })
    })?;
    let criticals = criticals.collect::<Result<_, _>>()?;

    Ok(TurnaroundReport {
        from,
        to,
        now,
        sections,
        tests: test_rows,
        late,
        late_total,
        criticals,
        released_before_receipt,
    })
}

impl Store {
    /// The turnaround dashboard for the specimens received in `[from, to)` (at most
    /// [`MAX_TURNAROUND_DAYS`] days), measured at `now`: per section and per test the number
    /// of specimens and the median and 90th percentile (nearest rank,
    /// [`crate::turnaround`]) of receipt → first release in whole minutes, the late tests,
    /// and each critical result with the minutes from its arrival to the first call-back
    /// whose outcome is "told". The actor needs [`Permission::ReadTurnaround`], checked in the
    /// read.
    pub fn turnaround(
        &self,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<TurnaroundReport, StoreError> {
        self.read(|conn, lab| {
            authorize(conn, lab, actor, Permission::ReadTurnaround)?;
            read(conn, lab, from, to, now)
        })
    }
}
