//! API tokens for machine clients: stored by the SHA-256 of the secret (never the secret),
//! with a name and scopes, revocable; every change audited.

use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::decode::At;
use super::{audit_log, ms, ts, Store};
use crate::error::StoreError;
use crate::model::Actor;

/// A stored API token (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Row id.
    pub id: i64,
    /// Who it is for.
    pub name: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// When created.
    pub created_at: Timestamp,
    /// When revoked, if it is.
    pub revoked_at: Option<Timestamp>,
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiToken> {
    let id = r.get(0)?;
    Ok(ApiToken {
        id,
        name: r.get(1)?,
        scopes: At::new("api_tokens", id, "scopes").json(&r.get::<_, String>(2)?)?,
        created_at: ts(r.get(3)?),
        revoked_at: r.get::<_, Option<i64>>(4)?.map(ts),
    })
}

impl Store {
    /// Stores a new API token by the SHA-256 (hex) of its secret. The secret itself is never
    /// stored. A name already held by an active token is refused.
    pub fn create_token(
        &self,
        name: &str,
        sha256_hex: &str,
        scopes: &[String],
        actor: &Actor,
    ) -> Result<i64, StoreError> {
        if name.trim().is_empty() {
            return Err(StoreError::invalid("a token needs a name"));
        }
        self.write(|conn, _| {
            let active: Option<i64> = conn
                .query_row(
                    "SELECT id FROM api_tokens WHERE name = ?1 AND revoked_at IS NULL",
                    [name],
                    |r| r.get(0),
                )
                .optional()?;
            if active.is_some() {
                return Err(StoreError::conflict(format!(
                    "an active token named {name:?} exists; revoke it first"
                )));
            }
            conn.execute(
                "INSERT INTO api_tokens (name, sha256, scopes, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    name,
                    sha256_hex,
                    serde_json::to_string(scopes).unwrap_or_default(),
                    ms(Timestamp::now())
                ],
            )?;
            let id = conn.last_insert_rowid();
            audit_log::append(
                conn,
                actor,
                "token.create",
                "api_token",
                id,
                None,
                Some(&json!({ "name": name, "scopes": scopes })),
                None,
            )?;
            Ok(id)
        })
    }

    /// The active (not revoked) token with this secret hash.
    pub fn token_by_hash(&self, sha256_hex: &str) -> Result<Option<ApiToken>, StoreError> {
        self.read(|conn, _| {
            Ok(conn
                .prepare_cached(
                    "SELECT id, name, scopes, created_at, revoked_at FROM api_tokens \
                     WHERE sha256 = ?1 AND revoked_at IS NULL",
                )?
                .query_row([sha256_hex], token_row)
                .optional()?)
        })
    }

    /// Revokes the active token named `name`; false when there is none.
    pub fn revoke_token(&self, name: &str, actor: &Actor) -> Result<bool, StoreError> {
        self.write(|conn, _| {
            let n = conn.execute(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                params![name, ms(Timestamp::now())],
            )?;
            if n > 0 {
                audit_log::append(
                    conn,
                    actor,
                    "token.revoke",
                    "api_token",
                    name,
                    None,
                    Some(&json!({ "revoked": true })),
                    None,
                )?;
            }
            Ok(n > 0)
        })
    }

    /// Every token, newest first.
    pub fn tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        self.read(|conn, _| {
            let mut stmt = conn.prepare(
                "SELECT id, name, scopes, created_at, revoked_at FROM api_tokens ORDER BY id DESC",
            )?;
            let rows = stmt.query_map([], token_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
