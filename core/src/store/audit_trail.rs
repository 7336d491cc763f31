//! The audit trail as supervisors and admins read it: newest first, filtered by who, what,
//! which object and when, paged by `seq` (a keyset: the next page starts below the last
//! entry shown), with the client address each UI change was made from.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::types::Value;

use super::changes::{history, HISTORY_COLUMNS};
use super::{ms, Store};
use crate::error::StoreError;
use crate::model::HistoryEntry;

/// Which audit entries to read; every field given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Who, as stored (`user:3`, `system`, `instrument:X`, `his:Y`).
    pub actor: Option<String>,
    /// What (`result.verify`, `unmatched.discard`...).
    pub action: Option<String>,
    /// The kind of object (`result`, `specimen`, `order`, `unmatched`...).
    pub entity: Option<String>,
    /// The object's id (with or without `entity`).
    pub entity_id: Option<String>,
    /// Entries at or after this moment.
    pub from: Option<Timestamp>,
    /// Entries before this moment.
    pub until: Option<Timestamp>,
}

/// One audit entry with the address of the client whose request made it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// The entry, with the user named.
    pub entry: HistoryEntry,
    /// The client's address, for UI changes made since it is recorded.
    pub client_address: Option<String>,
}

impl Store {
    /// The entries matching `filter` with `seq` below `before` (all when `None`), newest first,
    /// at most `limit`; the next page is `before` = the last entry's `seq`.
    pub fn audit_trail(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut clauses = vec!["a.seq < ?"];
        let mut values = vec![Value::Integer(before.unwrap_or(i64::MAX))];
        let mut text = |clause: &'static str, value: &Option<String>| {
            if let Some(v) = value {
                clauses.push(clause);
                values.push(Value::Text(v.clone()));
            }
        };
        text("a.actor = ?", &filter.actor);
        text("a.action = ?", &filter.action);
        text("a.entity = ?", &filter.entity);
        text("a.entity_id = ?", &filter.entity_id);
        if let Some(from) = filter.from {
            clauses.push("a.at >= ?");
            values.push(Value::Integer(ms(from)));
        }
        if let Some(until) = filter.until {
            clauses.push("a.at < ?");
            values.push(Value::Integer(ms(until)));
        }
        values.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        let sql = format!(
            "SELECT {HISTORY_COLUMNS} FROM audit a WHERE {} ORDER BY a.seq DESC LIMIT ?",
            clauses.join(" AND ")
        );
        self.read(|conn, _| {
            let entries = history(conn, &sql, rusqlite::params_from_iter(values))?;
            with_addresses(conn, entries)
        })
    }

    /// The client addresses recorded for these audit entries (those without one are absent).
    pub fn audit_addresses(&self, seqs: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
        self.read(|conn, _| addresses(conn, seqs))
    }

    /// The distinct actions in the trail, for the filter's choices.
    pub fn audit_actions(&self) -> Result<Vec<String>, StoreError> {
        self.read(|conn, _| {
            // Through the audit_action index: one step per distinct action.
            let mut stmt =
                conn.prepare_cached("SELECT DISTINCT action FROM audit ORDER BY action")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

fn addresses(
    conn: &rusqlite::Connection,
    seqs: &[i64],
) -> Result<HashMap<i64, String>, StoreError> {
    let mut out = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT client_address FROM audit WHERE seq = ?1 AND client_address IS NOT NULL",
    )?;
    for &seq in seqs {
        let mut rows = stmt.query([seq])?;
        if let Some(r) = rows.next()? {
            out.insert(seq, r.get(0)?);
        }
    }
    Ok(out)
}

fn with_addresses(
    conn: &rusqlite::Connection,
    entries: Vec<HistoryEntry>,
) -> Result<Vec<AuditRecord>, StoreError> {
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let mut found = addresses(conn, &seqs)?;
    Ok(entries
        .into_iter()
        .map(|entry| AuditRecord {
            client_address: found.remove(&entry.seq),
            entry,
        })
        .collect())
}
