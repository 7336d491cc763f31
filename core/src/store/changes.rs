//! The change feed and the audit trail as people read it.
//!
//! Every committed change writes an audit entry, so the audit trail's `seq` numbers every
//! commit: [`Store::latest_change`] is where a live page starts, [`Store::changes_since`] is
//! what a reconnecting client missed (SSE `Last-Event-ID`), and the commit listeners
//! ([`Store::on_commit`]) are told after each commit of [`Store`]'s writer or the group-commit
//! [`super::Ingestor`], outside the connection lock.

use std::any::Any;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, RwLock};

use rusqlite::{params, Connection, OptionalExtension};

use super::{review_decode, ts, Store};
use crate::error::StoreError;
use crate::model::{ActorName, Change, CommitNotice, HistoryEntry, ResultId};

/// A function told of each commit.
pub type CommitListener = Arc<dyn Fn(CommitNotice) + Send + Sync>;

/// The listeners of one database, shared by the store and its ingest writer.
#[derive(Default)]
pub(crate) struct Listeners {
    listeners: RwLock<Vec<CommitListener>>,
    /// The values fed by a listener of their own, one per type ([`Store::commit_feed`]).
    feeds: Mutex<Vec<Arc<dyn Any + Send + Sync>>>,
    /// The latest sequence told, held while telling: listeners are called one commit at a time
    /// and never see the sequence go backwards, whichever writer committed first.
    told: Mutex<i64>,
}

impl Listeners {
    pub(crate) fn add(&self, listener: CommitListener) {
        self.listeners
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(listener);
    }

    /// Whether any listener is registered: without one a writer reads no [`Mark`].
    pub(crate) fn watched(&self) -> bool {
        !self
            .listeners
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Tells every listener of a commit (call only after it committed, with no lock held).
    pub(crate) fn tell(&self, notice: CommitNotice) {
        let listeners = self
            .listeners
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if listeners.is_empty() {
            return;
        }
        let mut told = self.told.lock().unwrap_or_else(|p| p.into_inner());
        *told = (*told).max(notice.seq);
        let notice = CommitNotice {
            seq: *told,
            ..notice
        };
        for listener in &listeners {
            listener(notice);
        }
    }
}

/// Where the audit trail and the outbox stand, read in a writer's transaction before and after
/// its work: whether it wrote anything, and whether it queued results for the HIS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    seq: i64,
    outbox: i64,
}

impl Mark {
    /// Both are the last entry of a primary key: one step each.
    pub(crate) fn read(conn: &Connection) -> Result<Self, StoreError> {
        Ok(conn
            .prepare_cached(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM audit), \
                 (SELECT COALESCE(MAX(id), 0) FROM outbox)",
            )?
            .query_row([], |r| {
                Ok(Self {
                    seq: r.get(0)?,
                    outbox: r.get(1)?,
                })
            })?)
    }

    /// The mark before a writer's work, read only when a listener is registered: a store nobody
    /// listens to (a command, a bench) pays nothing for the change feed.
    pub(crate) fn before(
        conn: &Connection,
        listeners: &Listeners,
    ) -> Result<Option<Self>, StoreError> {
        if listeners.watched() {
            Self::read(conn).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The notice for the work since `before` (read in the same transaction, before the
    /// commit). Without a mark before, a listener registered during the work still hears of it:
    /// the latest sequence, with results possibly released (a wake too many is harmless, a
    /// missed one is not).
    pub(crate) fn after(
        conn: &Connection,
        before: Option<Self>,
        listeners: &Listeners,
    ) -> Result<Option<CommitNotice>, StoreError> {
        match before {
            Some(before) => Ok(before.notice(Self::read(conn)?)),
            None if listeners.watched() => Ok(Some(CommitNotice {
                seq: Self::read(conn)?.seq,
                results_released: true,
            })),
            None => Ok(None),
        }
    }

    /// The notice for a transaction that went from `self` to `after`, none if it changed
    /// nothing worth telling.
    fn notice(self, after: Self) -> Option<CommitNotice> {
        (after != self).then_some(CommitNotice {
            seq: after.seq,
            results_released: after.outbox > self.outbox,
        })
    }
}

/// The audit entries after a sequence number, by the primary key.
pub(super) const CHANGES_SQL: &str =
    "SELECT seq, entity, entity_id, action, new FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2";

pub(super) const HISTORY_COLUMNS: &str =
    "a.seq, a.at, a.actor, a.action, a.entity, a.entity_id, a.old, a.new, a.reason";

/// Reads history rows, naming the users.
pub(super) fn history(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |r| {
        let seq: i64 = r.get(0)?;
        let json =
            |i: usize, column: &'static str| -> rusqlite::Result<Option<serde_json::Value>> {
                r.get::<_, Option<String>>(i)?
                    .map(|t| {
                        serde_json::from_str(&t)
                            .map_err(|e| review_decode::damaged("audit", seq, column, e))
                    })
                    .transpose()
            };
        Ok(HistoryEntry {
            seq,
            at: ts(r.get(1)?),
            actor: ActorName {
                stored: r.get(2)?,
                user_id: None,
                display_name: None,
            },
            action: r.get(3)?,
            entity: r.get(4)?,
            entity_id: r.get(5)?,
            old: json(6, "old")?,
            new: json(7, "new")?,
            reason: r.get(8)?,
        })
    })?;
    let mut entries: Vec<HistoryEntry> = rows.collect::<Result<_, _>>()?;
    let mut names = conn.prepare_cached("SELECT display_name FROM users WHERE id = ?1")?;
    for e in &mut entries {
        if let Some(id) = e
            .actor
            .stored
            .strip_prefix("user:")
            .and_then(|id| id.parse::<i64>().ok())
        {
            e.actor.user_id = Some(id);
            e.actor.display_name = names.query_row([id], |r| r.get(0)).optional()?;
        }
    }
    Ok(entries)
}

/// Every version of a result's test on its specimen, and the journal entries they came in.
fn versions_of(
    conn: &Connection,
    result_id: ResultId,
) -> Result<(i64, Vec<ResultId>, Vec<i64>), StoreError> {
    let ordered_test: i64 = conn
        .query_row(
            "SELECT ordered_test_id FROM results WHERE id = ?1",
            [result_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::not_found("result", result_id))?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, journal_id FROM results WHERE ordered_test_id = ?1 ORDER BY version",
    )?;
    let mut ids = Vec::new();
    let mut journals = Vec::new();
    let mut q = stmt.query([ordered_test])?;
    while let Some(r) = q.next()? {
        ids.push(r.get(0)?);
        if let Some(j) = r.get::<_, Option<i64>>(1)? {
            journals.push(j);
        }
    }
    Ok((ordered_test, ids, journals))
}

/// Audit entries about these entities (kind and ids), in chain order, through the
/// `audit_entity` index (migration 9).
fn entries_about(
    conn: &Connection,
    wanted: &[(&str, Vec<String>)],
) -> Result<Vec<HistoryEntry>, StoreError> {
    let wanted: Vec<&(&str, Vec<String>)> =
        wanted.iter().filter(|(_, ids)| !ids.is_empty()).collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let counts: Vec<usize> = wanted.iter().map(|(_, ids)| ids.len()).collect();
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    for (entity, ids) in wanted {
        values.push(rusqlite::types::Value::Text((*entity).to_owned()));
        values.extend(ids.iter().cloned().map(rusqlite::types::Value::Text));
    }
    history(
        conn,
        &about_sql(&counts),
        rusqlite::params_from_iter(values),
    )
}

/// The statement reading the audit entries about entities of several kinds, `counts[i]` ids of
/// the i-th kind (parameters: each kind followed by its ids).
pub(super) fn about_sql(counts: &[usize]) -> String {
    let clauses: Vec<String> = counts
        .iter()
        .map(|n| {
            format!(
                "(a.entity = ? AND a.entity_id IN ({}))",
                vec!["?"; *n].join(", ")
            )
        })
        .collect();
    format!(
        "SELECT {HISTORY_COLUMNS} FROM audit a WHERE {} ORDER BY a.seq",
        clauses.join(" OR ")
    )
}

fn texts<T: ToString>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

/// The specimens a change touched.
fn specimens_of(
    conn: &Connection,
    change: &mut Change,
    new: Option<&str>,
) -> Result<(), StoreError> {
    let mut found: BTreeSet<String> = BTreeSet::new();
    let by = |sql: &str, found: &mut BTreeSet<String>| -> Result<(), StoreError> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([&change.entity_id], |r| r.get::<_, String>(0))?;
        for b in rows {
            found.insert(b?);
        }
        Ok(())
    };
    match change.entity.as_str() {
        "result" => by(
            "SELECT specimen_barcode FROM results WHERE id = ?1",
            &mut found,
        )?,
        "specimen" => {
            found.insert(change.entity_id.clone());
        }
        "order" => by(
            "SELECT barcode FROM specimens WHERE order_id = ?1",
            &mut found,
        )?,
        "ordered_test" => by(
            "SELECT s.barcode FROM ordered_tests ot JOIN specimens s ON s.id = ot.specimen_id \
             WHERE ot.id = ?1",
            &mut found,
        )?,
        _ => {}
    }
    // An analyzer message names the tube of each result it stored; an attached result, its
    // result; anything else may name a specimen or a result in its new value.
    if let Some(value) = new.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()) {
        if let Some(observations) = value.get("observations").and_then(|o| o.as_array()) {
            for o in observations {
                if o.get("result").is_some() {
                    if let Some(s) = o.get("specimen").and_then(|s| s.as_str()) {
                        found.insert(s.to_owned());
                    }
                }
            }
        }
        if let Some(s) = value.get("specimen").and_then(|s| s.as_str()) {
            found.insert(s.to_owned());
        }
        if change.entity != "result" {
            if let Some(id) = value.get("result").and_then(serde_json::Value::as_i64) {
                let b: Option<String> = conn
                    .prepare_cached("SELECT specimen_barcode FROM results WHERE id = ?1")?
                    .query_row([id], |r| r.get(0))
                    .optional()?;
                found.extend(b);
            }
        }
    }
    change.specimens = found.into_iter().collect();
    Ok(())
}

impl Store {
    /// Registers a function told after every commit that wrote something, by this store's
    /// writer and by every [`super::Ingestor`] of this database (started before or after). It
    /// runs on the committing thread after the commit, with no database lock held; it must be
    /// quick (send on a channel) and must not write to the store. Listeners see the sequence
    /// numbers in order and never going back; commits close together may be told once, with
    /// the latest number.
    pub fn on_commit(&self, listener: CommitListener) {
        self.listeners.add(listener);
    }

    /// A value kept with this store and fed by its own commit listener: the first call for a
    /// type `T` calls `make` and registers the listener it returns (as [`Store::on_commit`]);
    /// every later call returns the same value and registers nothing. So a change feed made
    /// wherever a store is wrapped (each web state over it) has one listener per store, however
    /// often it is asked for.
    pub fn commit_feed<T: Any + Send + Sync>(
        &self,
        make: impl FnOnce() -> (Arc<T>, CommitListener),
    ) -> Arc<T> {
        let mut feeds = self
            .listeners
            .feeds
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(value) = feeds
            .iter()
            .find_map(|f| Arc::clone(f).downcast::<T>().ok())
        {
            return value;
        }
        let (value, listener) = make();
        self.listeners.add(listener);
        feeds.push(Arc::clone(&value) as Arc<dyn Any + Send + Sync>);
        value
    }

    /// The latest audit sequence number (0 for an empty trail): where a live page starts.
    pub fn latest_change(&self) -> Result<i64, StoreError> {
        self.read(|conn, _| {
            Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit", [], |r| r.get(0))?)
        })
    }

    /// The changes after `after_seq`, in order, at most `limit`, each with the specimens it
    /// touched: what a client that last saw `after_seq` missed.
    pub fn changes_since(&self, after_seq: i64, limit: usize) -> Result<Vec<Change>, StoreError> {
        self.read(|conn, _| {
            let mut stmt = conn.prepare_cached(CHANGES_SQL)?;
            let rows: Vec<(Change, Option<String>)> = stmt
                .query_map(
                    params![after_seq, i64::try_from(limit).unwrap_or(i64::MAX)],
                    |r| {
                        Ok((
                            Change {
                                seq: r.get(0)?,
                                entity: r.get(1)?,
                                entity_id: r.get(2)?,
                                action: r.get(3)?,
                                specimens: Vec::new(),
                            },
                            r.get(4)?,
                        ))
                    },
                )?
                .collect::<Result<_, _>>()?;
            let mut changes = Vec::with_capacity(rows.len());
            for (mut change, new) in rows {
                specimens_of(conn, &mut change, new.as_deref())?;
                changes.push(change);
            }
            Ok(changes)
        })
    }

    /// The history of a result: every audit entry about any version of its test on its
    /// specimen, the analyzer messages they came in, and the choice of the reported version, in
    /// order.
    pub fn result_history(&self, result_id: ResultId) -> Result<Vec<HistoryEntry>, StoreError> {
        self.read(|conn, _| {
            let (ordered_test, ids, journals) = versions_of(conn, result_id)?;
            entries_about(
                conn,
                &[
                    ("result", texts(&ids)),
                    ("journal", texts(&journals)),
                    ("ordered_test", vec![ordered_test.to_string()]),
                ],
            )
        })
    }

    /// Everything about a specimen: its order, the tube, every result version of it, the
    /// analyzer messages they came in and the choices of reported versions, in order.
    pub fn specimen_history(&self, barcode: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        self.read(|conn, _| {
            let (specimen, order): (i64, i64) = conn
                .query_row(
                    "SELECT id, order_id FROM specimens WHERE barcode = ?1",
                    [barcode],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or_else(|| StoreError::not_found("specimen", barcode))?;
            let mut stmt = conn.prepare_cached(
                "SELECT ot.id, r.id, r.journal_id FROM ordered_tests ot \
                 LEFT JOIN results r ON r.ordered_test_id = ot.id WHERE ot.specimen_id = ?1",
            )?;
            let (mut tests, mut results, mut journals) = (Vec::new(), Vec::new(), Vec::new());
            let mut q = stmt.query([specimen])?;
            while let Some(r) = q.next()? {
                tests.push(r.get::<_, i64>(0)?);
                results.extend(r.get::<_, Option<i64>>(1)?);
                journals.extend(r.get::<_, Option<i64>>(2)?);
            }
            tests.sort_unstable();
            tests.dedup();
            journals.sort_unstable();
            journals.dedup();
            entries_about(
                conn,
                &[
                    ("order", vec![order.to_string()]),
                    ("specimen", vec![barcode.to_owned()]),
                    ("ordered_test", texts(&tests)),
                    ("result", texts(&results)),
                    ("journal", texts(&journals)),
                ],
            )
        })
    }

    /// Audit entries after `after_seq`, in order, at most `limit`: a page of the audit trail
    /// (the next page starts after the last `seq`).
    pub fn audit_page(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        self.read(|conn, _| {
            history(
                conn,
                &format!("SELECT {HISTORY_COLUMNS} FROM audit a WHERE a.seq > ?1 ORDER BY a.seq LIMIT ?2"),
                params![after_seq, i64::try_from(limit).unwrap_or(i64::MAX)],
            )
        })
    }
}
