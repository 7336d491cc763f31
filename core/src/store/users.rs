//! Users and roles.

use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};
use serde_json::json;

use super::decode::At;
use super::{audit_log, ms, Store};
use crate::error::StoreError;
use crate::model::{Actor, Role, User, UserId};

impl Store {
    /// Creates a user (audited). Usernames are unique.
    pub fn create_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        actor: &Actor,
    ) -> Result<UserId, StoreError> {
        if username.trim().is_empty() {
            return Err(StoreError::invalid("username is empty"));
        }
        self.write(|conn, _| {
            let taken: Option<i64> = conn
                .query_row("SELECT id FROM users WHERE username = ?1", [username], |r| r.get(0))
                .optional()?;
            if taken.is_some() {
                return Err(StoreError::conflict(format!("username {username:?} is taken")));
            }
            conn.execute(
                "INSERT INTO users (username, display_name, role, active, created_at) \
                 VALUES (?1, ?2, ?3, 1, ?4)",
                params![username, display_name, role.as_str(), ms(Timestamp::now())],
            )?;
            let id = conn.last_insert_rowid();
            audit_log::append(
                conn,
                actor,
                "user.create",
                "user",
                id,
                None,
                Some(&json!({ "username": username, "display_name": display_name, "role": role.as_str() })),
                None,
            )?;
            Ok(id)
        })
    }

    /// A user by id.
    pub fn user(&self, id: UserId) -> Result<User, StoreError> {
        self.read(|conn, _| {
            conn.query_row(
                "SELECT id, username, display_name, role, active FROM users WHERE id = ?1",
                [id],
                |r| {
                    Ok(User {
                        id: r.get(0)?,
                        username: r.get(1)?,
                        display_name: r.get(2)?,
                        role: At::new("users", id, "role")
                            .code(&r.get::<_, String>(3)?, Role::parse)?,
                        active: r.get(4)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::not_found("user", id))
        })
    }
}
