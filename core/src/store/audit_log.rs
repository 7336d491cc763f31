//! Appending to the audit hash chain and reading it back for verification.
//!
//! A person's request may name the client's address ([`ClientAddress::scope`]): every entry
//! appended on that thread while the scope runs records it in `audit.client_address`, inside
//! the chained hash.

use std::cell::RefCell;
use std::fmt::Display;

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use super::ms;
use crate::audit::{self, AuditEntry, AuditReport, GENESIS};
use crate::error::StoreError;
use crate::model::Actor;

thread_local! {
    /// The address of the client whose request this thread is serving, if any.
    static CLIENT_ADDRESS: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The network address of the client a change comes from (a UI request), recorded in every
/// audit entry written while [`ClientAddress::scope`] runs.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress;

impl ClientAddress {
    /// Runs `f` with `address` recorded in the audit entries it writes on this thread (store
    /// calls run on the caller's thread); the previous address is put back afterwards, even
    /// when `f` panics.
    pub fn scope<T>(address: Option<String>, f: impl FnOnce() -> T) -> T {
        struct Restore(Option<String>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                CLIENT_ADDRESS.with(|a| *a.borrow_mut() = previous);
            }
        }
        let previous = CLIENT_ADDRESS.with(|a| std::mem::replace(&mut *a.borrow_mut(), address));
        let _restore = Restore(previous);
        f()
    }

    /// The address recorded on this thread now.
    pub fn current() -> Option<String> {
        CLIENT_ADDRESS.with(|a| a.borrow().clone())
    }
}

/// Appends one entry, chained to the last, in the caller's transaction.
#[allow(clippy::too_many_arguments)] // The audit row's columns.
pub(crate) fn append(
    conn: &Connection,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: impl Display,
    old: Option<&serde_json::Value>,
    new: Option<&serde_json::Value>,
    reason: Option<&str>,
) -> Result<i64, StoreError> {
    let old = old.map(|v| v.to_string());
    let new = new.map(|v| v.to_string());
    append_text(
        conn,
        actor,
        action,
        entity,
        entity_id,
        old.as_deref(),
        new.as_deref(),
        reason,
    )
}

/// Appends one entry whose old and new values are already JSON text.
#[allow(clippy::too_many_arguments)] // The audit row's columns.
pub(crate) fn append_text(
    conn: &Connection,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: impl Display,
    old: Option<&str>,
    new: Option<&str>,
    reason: Option<&str>,
) -> Result<i64, StoreError> {
    let last: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, to_hash(&hash)),
        None => (1, GENESIS),
    };
    let at = ms(Timestamp::now());
    let actor = actor.to_string();
    let entity_id = entity_id.to_string();
    let client = ClientAddress::current();
    let hash = audit::chain_hash_from(
        &prev,
        seq,
        at,
        &actor,
        action,
        entity,
        &entity_id,
        old,
        new,
        reason,
        client.as_deref(),
    );
    conn.prepare_cached(
        "INSERT INTO audit (seq, at, actor, action, entity, entity_id, old, new, reason, \
         prev_hash, hash, client_address) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        seq,
        at,
        actor,
        action,
        entity,
        entity_id,
        old,
        new,
        reason,
        &prev[..],
        &hash[..],
        client
    ])?;
    Ok(seq)
}

fn to_hash(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if bytes.len() == 32 {
        out.copy_from_slice(bytes);
    } else {
        // A stored hash of the wrong length cannot match anything; keep it visibly wrong by
        // hashing what is there.
        out = audit::chain_hash(&GENESIS, -1, 0, "", "", "", "", None, None, None);
        for (o, b) in out.iter_mut().zip(bytes) {
            *o ^= *b;
        }
    }
    out
}

/// Reads the whole chain in `seq` order and verifies it.
pub(crate) fn verify(conn: &Connection) -> Result<AuditReport, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, entity, entity_id, old, new, reason, prev_hash, hash, \
         client_address FROM audit ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(AuditEntry {
            seq: r.get(0)?,
            at_ms: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            entity: r.get(4)?,
            entity_id: r.get(5)?,
            old: r.get(6)?,
            new: r.get(7)?,
            reason: r.get(8)?,
            prev_hash: to_hash(&r.get::<_, Vec<u8>>(9)?),
            hash: to_hash(&r.get::<_, Vec<u8>>(10)?),
            client_address: r.get(11)?,
        })
    })?;
    let entries = rows.collect::<Result<Vec<_>, _>>()?;
    Ok(audit::verify_entries(entries))
}
