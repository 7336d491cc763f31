//! Users: accounts, roles, passwords (stored as argon2id PHC strings, never in clear), language,
//! disabling, and the first administrator of a new database. Every change is audited; no audit
//! entry holds a password or its hash.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::user_rows::{user_row, UserRow, USER_COLUMNS};
use super::{audit_log, ms, sessions, Lab, Store};
use crate::config::Language;
use crate::error::StoreError;
use crate::model::{Actor, Role, User, UserId};
use crate::password;
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
        Permission::ReadTurnaround => "read the turnaround dashboard",
        Permission::ReadConfig => "read the lab configuration",
        Permission::ResolveUnmatched => "attach or discard unmatched results",
        Permission::VerifyAudit => "verify the audit chain",
        Permission::EnterQc => "enter QC values",
        Permission::ReadQc => "read QC states and charts",
        Permission::ManageQc => "manage QC targets or override rejected QC",
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

/// The longest username accepted (characters).
pub const MAX_USERNAME_CHARS: usize = 64;

/// The username of the administrator created on a new database.
pub const FIRST_ADMIN_USERNAME: &str = "admin";

/// The user with this username, if any.
pub(super) fn by_username(conn: &Connection, username: &str) -> Result<Option<User>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.username = ?1"
    ))?
    .query_row([username], |r| user_row(r, 0))
    .optional()?
    .map(UserRow::into_user)
    .transpose()
}

pub(super) fn check_username(username: &str) -> Result<(), StoreError> {
    if username.trim().is_empty() {
        return Err(StoreError::invalid("username is empty"));
    }
    if username.trim() != username || username.chars().any(char::is_control) {
        return Err(StoreError::invalid(format!(
            "username {username:?} has spaces around it or control characters"
        )));
    }
    if username.chars().count() > MAX_USERNAME_CHARS {
        return Err(StoreError::invalid(format!(
            "username is longer than {MAX_USERNAME_CHARS} characters"
        )));
    }
    Ok(())
}

/// Inserts a user and audits it; the caller's transaction.
pub(super) fn insert_user(
    conn: &Connection,
    username: &str,
    display_name: &str,
    roles: &[Role],
    created_at: Timestamp,
    actor: &Actor,
) -> Result<UserId, StoreError> {
    let taken: Option<i64> = conn
        .query_row(
            "SELECT id FROM users WHERE username = ?1",
            [username],
            |r| r.get(0),
        )
        .optional()?;
    if taken.is_some() {
        return Err(StoreError::conflict(format!(
            "username {username:?} is taken"
        )));
    }
    conn.execute(
        "INSERT INTO users (username, display_name, role, active, created_at) \
         VALUES (?1, ?2, ?3, 1, ?4)",
        params![username, display_name, Role::join(roles), ms(created_at)],
    )?;
    let id = conn.last_insert_rowid();
    audit_log::append(
        conn,
        actor,
        "user.create",
        "user",
        id,
        None,
        Some(
            &json!({ "username": username, "display_name": display_name, "roles": Role::join(roles) }),
        ),
        None,
    )?;
    Ok(id)
}

/// Stores a password hash and audits it (without the hash); the caller's transaction. Ends
/// every session of the user (`end_reason = 'password'`) and returns how many.
pub(super) fn store_password(
    conn: &Connection,
    user_id: UserId,
    hash: &str,
    must_change: bool,
    now: Timestamp,
    actor: &Actor,
) -> Result<usize, StoreError> {
    let n = conn.execute(
        "UPDATE users SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1",
        params![user_id, hash, must_change],
    )?;
    if n == 0 {
        return Err(StoreError::not_found("user", user_id));
    }
    let ended = sessions::end_all(conn, user_id, None, now, "password")?;
    audit_log::append(
        conn,
        actor,
        "user.password",
        "user",
        user_id,
        None,
        Some(&json!({ "must_change_password": must_change, "sessions_ended": ended })),
        None,
    )?;
    Ok(ended)
}

impl Store {
    /// Creates a user (audited), without a password: one that has none cannot sign in until
    /// [`Store::set_password`] gives it one. A user actor needs [`Permission::ManageUsers`]
    /// (checked in the transaction, as in every user operation here but a user's own language). Usernames are unique, at most
    /// [`MAX_USERNAME_CHARS`] characters, without surrounding spaces or control characters.
    pub fn create_user(
        &self,
        username: &str,
        display_name: &str,
        roles: &[Role],
        actor: &Actor,
    ) -> Result<UserId, StoreError> {
        check_username(username)?;
        if roles.is_empty() {
            return Err(StoreError::invalid("a user needs at least one role"));
        }
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::ManageUsers)?;
            insert_user(conn, username, display_name, roles, Timestamp::now(), actor)
        })
    }

    /// Sets a user's password (at least [`password::MIN_PASSWORD_CHARS`] characters, else
    /// [`StoreError::Invalid`] saying so), stored as an argon2id PHC string; `must_change` makes
    /// the user choose a new one at the next sign-in. Ends every session of the user
    /// (`end_reason = 'password'`). Audited as `user.password`, without the password or its hash.
    pub fn set_password(
        &self,
        user_id: UserId,
        password: &str,
        must_change: bool,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        password::check_new(password)?;
        // Hashing takes tens of milliseconds: done before the store is locked.
        let hash = password::hash(password)?;
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::ManageUsers)?;
            store_password(conn, user_id, &hash, must_change, Timestamp::now(), actor).map(|_| ())
        })
    }

    /// A user by id.
    pub fn user(&self, id: UserId) -> Result<User, StoreError> {
        self.read(|conn, _| {
            conn.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"
            ))?
            .query_row([id], |r| user_row(r, 0))
            .optional()?
            .ok_or_else(|| StoreError::not_found("user", id))?
            .into_user()
        })
    }

    /// The user with this username, if there is one.
    pub fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.read(|conn, _| by_username(conn, username))
    }

    /// Every user, active or not, in the order they were created.
    pub fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.read(|conn, _| {
            let mut stmt =
                conn.prepare(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id"))?;
            let rows = stmt.query_map([], |r| user_row(r, 0))?;
            rows.map(|row| row?.into_user()).collect()
        })
    }

    /// Disables the account named `username`: it can no longer sign in, and its sessions end
    /// (`end_reason = 'disabled'`). Audited as `user.disable` when it was active; disabling a
    /// disabled account changes nothing. [`StoreError::NotFound`] when there is no such user;
    /// an administrator may not disable their own account.
    pub fn disable_user(&self, username: &str, actor: &Actor) -> Result<UserId, StoreError> {
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::ManageUsers)?;
            let user = by_username(conn, username)?
                .ok_or_else(|| StoreError::not_found("user", username))?;
            if *actor == Actor::User(user.id) {
                return Err(StoreError::invalid(
                    "an administrator may not disable their own account",
                ));
            }
            if user.active {
                conn.execute("UPDATE users SET active = 0 WHERE id = ?1", [user.id])?;
                let ended = sessions::end_all(conn, user.id, None, Timestamp::now(), "disabled")?;
                audit_log::append(
                    conn,
                    actor,
                    "user.disable",
                    "user",
                    user.id,
                    Some(&json!({ "active": true })),
                    Some(&json!({ "active": false, "sessions_ended": ended })),
                    None,
                )?;
            }
            Ok(user.id)
        })
    }

    /// Sets the user's UI language (audited as `user.language`): a user's own, or any user's
    /// by an actor with [`Permission::ManageUsers`].
    pub fn set_language(
        &self,
        user_id: UserId,
        language: Language,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.write(|conn, lab| {
            // Users choose their own language; another user's is an administrator's change.
            if *actor != Actor::User(user_id) {
                authorize(conn, lab, actor, Permission::ManageUsers)?;
            }
            let old: Option<Option<String>> = conn
                .query_row("SELECT language FROM users WHERE id = ?1", [user_id], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(old) = old else {
                return Err(StoreError::not_found("user", user_id));
            };
            conn.execute(
                "UPDATE users SET language = ?2 WHERE id = ?1",
                params![user_id, language.code()],
            )?;
            audit_log::append(
                conn,
                actor,
                "user.language",
                "user",
                user_id,
                Some(&json!({ "language": old })),
                Some(&json!({ "language": language.code() })),
                None,
            )?;
            Ok(())
        })
    }

    /// On a database without any user, creates [`FIRST_ADMIN_USERNAME`] (role admin) with a
    /// random one-time password of [`password::ONE_TIME_PASSWORD_CHARS`] characters that must be
    /// changed at the first sign-in, and returns that password: the caller shows it once (it is
    /// stored only as its hash). Returns `None` when there is a user already, so this runs on
    /// every start and acts on the first only.
    pub fn ensure_first_admin(&self, now: Timestamp) -> Result<Option<String>, StoreError> {
        let any: bool = self.read(|conn, _| {
            Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0))?)
        })?;
        if any {
            return Ok(None);
        }
        let one_time = password::one_time_password()?;
        let hash = password::hash(&one_time)?;
        self.write(|conn, _| {
            // Checked again in the transaction: another process may have added a user meanwhile.
            let any: bool =
                conn.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0))?;
            if any {
                return Ok(None);
            }
            let id = insert_user(
                conn,
                FIRST_ADMIN_USERNAME,
                "Administrator",
                &[Role::Admin],
                now,
                &Actor::System,
            )?;
            store_password(conn, id, &hash, true, now, &Actor::System)?;
            Ok(Some(one_time))
        })
    }
}
