//! Users and roles.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::{audit_log, ms, Lab, Store};
use crate::error::StoreError;
use crate::model::{Actor, Role, User, UserId};
use crate::permissions::{self, Permission};

/// The person behind an action, read in the action's own transaction.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) id: UserId,
    pub(crate) display_name: String,
    pub(crate) roles: Vec<Role>,
}

/// The acting user, read in the caller's transaction: none for the system, an analyzer or the
/// HIS. An unknown or disabled user is refused ([`StoreError::Forbidden`] naming `permission`),
/// so a session that outlives its account changes nothing.
pub(crate) fn acting_person(
    conn: &Connection,
    actor: &Actor,
    permission: Permission,
) -> Result<Option<Person>, StoreError> {
    let Actor::User(id) = actor else {
        return Ok(None);
    };
    let row: Option<(String, String, bool)> = conn
        .prepare_cached("SELECT display_name, role, active FROM users WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((display_name, roles, active)) = row else {
        return Err(StoreError::forbidden(
            permission,
            format!("user {id} does not exist"),
        ));
    };
    if !active {
        return Err(StoreError::forbidden(
            permission,
            format!("user {display_name} is disabled"),
        ));
    }
    // A stored role that cannot be read is an error, never a guessed role.
    let roles = Role::parse_list(&roles)
        .map_err(|e| StoreError::invalid(format!("users row {id}, column role: {e}")))?;
    Ok(Some(Person {
        id: *id,
        display_name,
        roles,
    }))
}

/// Refuses the action unless the actor is not a user (the system, an analyzer, the HIS act as
/// before), or an active user whose roles allow `permission` under the lab's `[review]` policy.
/// Runs in the action's transaction, so the check and the change see the same user row.
pub(crate) fn authorize(
    conn: &Connection,
    lab: &Lab,
    actor: &Actor,
    permission: Permission,
) -> Result<Option<Person>, StoreError> {
    let person = acting_person(conn, actor, permission)?;
    if let Some(p) = &person {
        if !permissions::allowed(&p.roles, permission, &lab.config.review) {
            return Err(StoreError::forbidden(
                permission,
                format!(
                    "{} ({}) may not {}",
                    p.display_name,
                    Role::join(&p.roles),
                    permission_words(permission)
                ),
            ));
        }
    }
    Ok(person)
}

/// What a permission allows, in words, for refusals.
fn permission_words(permission: Permission) -> &'static str {
    match permission {
        Permission::Review => "review results",
        Permission::Verify => "verify results",
        Permission::Rerun => "ask for reruns",
        Permission::Reject => "reject results",
        Permission::EnterResult => "enter or edit result values",
        Permission::Comment => "comment",
        Permission::RecordCallback => "record call-backs",
        Permission::Release => "release results in this lab",
        Permission::ReleaseOthersVerification => "release a result another person verified",
        Permission::Correct => "correct released results",
        Permission::ManageUsers => "manage users",
        Permission::ReadAudit => "read the audit trail",
    }
}

/// Who an actor is in words: a user's display name (the stored actor text if the user is
/// gone), else the actor text itself (`system`, `instrument:X`, `his:Y`).
pub(crate) fn actor_name(conn: &Connection, actor: &str) -> Result<String, StoreError> {
    let Some(id) = actor
        .strip_prefix("user:")
        .and_then(|id| id.parse::<UserId>().ok())
    else {
        return Ok(actor.to_owned());
    };
    Ok(conn
        .prepare_cached("SELECT display_name FROM users WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| actor.to_owned()))
}

impl Store {
    /// Creates a user (audited). Usernames are unique.
    pub fn create_user(
        &self,
        username: &str,
        display_name: &str,
        roles: &[Role],
        actor: &Actor,
    ) -> Result<UserId, StoreError> {
        if username.trim().is_empty() {
            return Err(StoreError::invalid("username is empty"));
        }
        if roles.is_empty() {
            return Err(StoreError::invalid("a user needs at least one role"));
        }
        self.write(|conn, _| {
            let taken: Option<i64> = conn
                .query_row("SELECT id FROM users WHERE username = ?1", [username], |r| r.get(0))
                .optional()?;
            if taken.is_some() {
                return Err(StoreError::invalid(format!("username {username:?} is taken")));
            }
            conn.execute(
                "INSERT INTO users (username, display_name, role, active, created_at) \
                 VALUES (?1, ?2, ?3, 1, ?4)",
                params![username, display_name, Role::join(roles), ms(Timestamp::now())],
            )?;
            let id = conn.last_insert_rowid();
            audit_log::append(
                conn,
                actor,
                "user.create",
                "user",
                id,
                None,
                Some(&json!({ "username": username, "display_name": display_name, "roles": Role::join(roles) })),
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
                    Ok((
                        User {
                            id: r.get(0)?,
                            username: r.get(1)?,
                            display_name: r.get(2)?,
                            roles: Vec::new(),
                            active: r.get(4)?,
                        },
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::not_found("user", id))
            .and_then(|(user, roles)| {
                // A stored role that cannot be read is an error, never a guessed role.
                let roles = Role::parse_list(&roles).map_err(|e| {
                    StoreError::invalid(format!("users row {id}, column role: {e}"))
                })?;
                Ok(User { roles, ..user })
            })
        })
    }
}
