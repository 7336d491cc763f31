//! Critical call-backs and comments: what people record about a result or a specimen besides
//! its life cycle. Each record is one transaction with its audit entry, stamped with the
//! server's clock and the signed-in user (the system records neither).
//!
//! Recording a call-back does not change the result's row (nor its version): a person who
//! records the call-back and then releases acts on the version they saw.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::users::authorize;
use super::{audit_log, ms, ts, Store};
use crate::error::StoreError;
use crate::model::{Actor, Callback, CallbackOutcome, Comment, NewCallback, ResultId};
use crate::permissions::Permission;

/// The longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;

/// The longest name, role or place of a call-back, in characters.
const MAX_CALLBACK_FIELD_CHARS: usize = 200;

/// Checks a call-back's fields, naming the one at fault.
fn check_callback(c: &NewCallback) -> Result<(), StoreError> {
    for (field, value) in [
        ("told_name", &c.told_name),
        ("told_role", &c.told_role),
        ("location", &c.location),
    ] {
        if value.trim().is_empty() {
            return Err(StoreError::invalid(format!("call-back: {field} is empty")));
        }
        if value.chars().count() > MAX_CALLBACK_FIELD_CHARS {
            return Err(StoreError::invalid(format!(
                "call-back: {field} is longer than {MAX_CALLBACK_FIELD_CHARS} characters"
            )));
        }
    }
    let consistent = match c.outcome {
        CallbackOutcome::ToldReadBack => c.read_back,
        CallbackOutcome::ToldNoReadBack | CallbackOutcome::NotReached => !c.read_back,
    };
    if !consistent {
        return Err(StoreError::invalid(format!(
            "call-back: read_back = {} contradicts the outcome {}",
            c.read_back,
            c.outcome.as_str()
        )));
    }
    Ok(())
}

/// The signed-in user behind a record; the system, an analyzer or the HIS records none.
fn recording_user(
    conn: &Connection,
    lab: &super::Lab,
    actor: &Actor,
    permission: Permission,
) -> Result<i64, StoreError> {
    match authorize(conn, lab, actor, permission)? {
        Some(p) => Ok(p.id),
        None => Err(StoreError::forbidden(
            permission,
            format!("{actor} is not a person; a signed-in user records this"),
        )),
    }
}

fn callback_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Callback> {
    let outcome: String = r.get(6)?;
    Ok(Callback {
        id: r.get(0)?,
        result_id: r.get(1)?,
        told_name: r.get(2)?,
        told_role: r.get(3)?,
        location: r.get(4)?,
        read_back: r.get(5)?,
        // A stored outcome this version does not know reads as "not reached": it never lets a
        // critical result look told.
        outcome: CallbackOutcome::parse(&outcome).unwrap_or(CallbackOutcome::NotReached),
        recorded_at: ts(r.get(7)?),
        recorded_by: r.get(8)?,
        recorded_by_name: r.get(9)?,
    })
}

const CALLBACK_COLUMNS: &str = "c.id, c.result_id, c.told_name, c.told_role, c.location, \
    c.read_back, c.outcome, c.recorded_at, c.recorded_by, u.display_name";

fn comment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Comment> {
    Ok(Comment {
        id: r.get(0)?,
        specimen_id: r.get(1)?,
        result_id: r.get(2)?,
        text: r.get(3)?,
        created_at: ts(r.get(4)?),
        created_by: r.get(5)?,
        created_by_name: r.get(6)?,
    })
}

const COMMENT_COLUMNS: &str = "c.id, s.barcode, c.result_id, c.text, c.created_at, \
    c.created_by, u.display_name";

impl Store {
    /// Records a call-back about a result (usually a critical one): who was told, their role,
    /// the ward or phone, whether they read it back, and the outcome; stamped with the server's
    /// clock and the user. Repeatable: a "not reached" is followed by another try. A critical
    /// result is released only after a call-back whose outcome is "told".
    pub fn record_callback(
        &self,
        result_id: ResultId,
        callback: &NewCallback,
        actor: &Actor,
    ) -> Result<Callback, StoreError> {
        check_callback(callback)?;
        self.write(|conn, lab| {
            let user = recording_user(conn, lab, actor, Permission::RecordCallback)?;
            let exists = conn
                .prepare_cached("SELECT 1 FROM results WHERE id = ?1")?
                .exists([result_id])?;
            if !exists {
                return Err(StoreError::not_found("result", result_id));
            }
            let now = Timestamp::now();
            conn.prepare_cached(
                "INSERT INTO callbacks (result_id, told_name, told_role, location, read_back, \
                 outcome, recorded_at, recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                result_id,
                callback.told_name.trim(),
                callback.told_role.trim(),
                callback.location.trim(),
                callback.read_back,
                callback.outcome.as_str(),
                ms(now),
                user
            ])?;
            let id = conn.last_insert_rowid();
            audit_log::append(
                conn,
                actor,
                "result.callback",
                "result",
                result_id,
                None,
                Some(&json!({
                    "callback": id,
                    "told_name": callback.told_name.trim(),
                    "told_role": callback.told_role.trim(),
                    "location": callback.location.trim(),
                    "read_back": callback.read_back,
                    "outcome": callback.outcome.as_str(),
                })),
                None,
            )?;
            conn.prepare_cached(&format!(
                "SELECT {CALLBACK_COLUMNS} FROM callbacks c JOIN users u ON u.id = c.recorded_by \
                 WHERE c.id = ?1"
            ))?
            .query_row([id], callback_row)
            .map_err(StoreError::from)
        })
    }

    /// Every call-back recorded for a result, oldest first.
    pub fn callbacks(&self, result_id: ResultId) -> Result<Vec<Callback>, StoreError> {
        self.read(|conn, _| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {CALLBACK_COLUMNS} FROM callbacks c JOIN users u ON u.id = c.recorded_by \
                 WHERE c.result_id = ?1 ORDER BY c.id"
            ))?;
            let rows = stmt.query_map([result_id], callback_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Comments on a specimen (by barcode), or on one of its results when `result_id` is given
    /// (it must be a result of that specimen). At most [`MAX_COMMENT_CHARS`] characters.
    pub fn add_comment(
        &self,
        specimen: &str,
        result_id: Option<ResultId>,
        text: &str,
        actor: &Actor,
    ) -> Result<Comment, StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::invalid("the comment is empty"));
        }
        if text.chars().count() > MAX_COMMENT_CHARS {
            return Err(StoreError::invalid(format!(
                "the comment is longer than {MAX_COMMENT_CHARS} characters"
            )));
        }
        self.write(|conn, lab| {
            let user = recording_user(conn, lab, actor, Permission::Comment)?;
            let specimen_row: i64 = conn
                .prepare_cached("SELECT id FROM specimens WHERE barcode = ?1")?
                .query_row([specimen], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::not_found("specimen", specimen))?;
            if let Some(rid) = result_id {
                let of: String = conn
                    .prepare_cached("SELECT specimen_barcode FROM results WHERE id = ?1")?
                    .query_row([rid], |r| r.get(0))
                    .optional()?
                    .ok_or_else(|| StoreError::not_found("result", rid))?;
                if of != specimen {
                    return Err(StoreError::invalid(format!(
                        "result {rid} belongs to specimen {of}, not {specimen}"
                    )));
                }
            }
            let now = Timestamp::now();
            conn.prepare_cached(
                "INSERT INTO comments (specimen_id, result_id, text, created_at, created_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![specimen_row, result_id, text, ms(now), user])?;
            let id = conn.last_insert_rowid();
            audit_log::append(
                conn,
                actor,
                "specimen.comment",
                "specimen",
                specimen,
                None,
                Some(&json!({ "comment": id, "result": result_id, "text": text })),
                None,
            )?;
            conn.prepare_cached(&format!(
                "SELECT {COMMENT_COLUMNS} FROM comments c JOIN specimens s ON s.id = c.specimen_id \
                 JOIN users u ON u.id = c.created_by WHERE c.id = ?1"
            ))?
            .query_row([id], comment_row)
            .map_err(StoreError::from)
        })
    }

    /// Every comment on a specimen and its results, oldest first.
    pub fn comments_for_specimen(&self, specimen: &str) -> Result<Vec<Comment>, StoreError> {
        self.read(|conn, _| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COMMENT_COLUMNS} FROM comments c JOIN specimens s ON s.id = c.specimen_id \
                 JOIN users u ON u.id = c.created_by WHERE s.barcode = ?1 ORDER BY c.id"
            ))?;
            let rows = stmt.query_map([specimen], comment_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
