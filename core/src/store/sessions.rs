//! Signing in and out: password checks with lockout, and the sessions of the web UI.
//!
//! A session is a row of `sessions` found by the SHA-256 of its cookie secret; the secret is
//! handed to the caller once and never stored. It ends when the user signs out, after
//! `[ui] session_idle_minutes` without use, `[ui] session_max_hours` after sign-in, when the
//! account is disabled, or when the password is set (`end_reason`: `sign_out`, `idle`,
//! `max_age`, `disabled`, `password`).
//!
//! Lockout: every attempt is a `sign_in_attempts` row, keyed by the name typed. The
//! [`LOCKOUT_FAILURES`]th failure within [`LOCKOUT_MINUTES`] minutes locks that name for
//! [`LOCKOUT_MINUTES`] minutes; failures made while locked, and those before the last success or
//! the last lock's end, do not count. A name that belongs to nobody locks the same way, so the
//! answers never reveal whether an account exists. Time is passed in (`now`), never read here.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::user_rows::{user_row, USER_COLUMNS};
use super::{audit_log, ms, ts, Store};
use crate::error::StoreError;
use crate::model::{Actor, User, UserId};
use crate::password;

/// How many failed attempts within [`LOCKOUT_MINUTES`] lock a username.
pub const LOCKOUT_FAILURES: i64 = 5;

/// The window in which failures are counted, and how long a lock lasts, in minutes.
pub const LOCKOUT_MINUTES: i64 = 15;

const LOCKOUT_MS: i64 = LOCKOUT_MINUTES * 60_000;

/// A session's `last_seen_at` is written at most this often (milliseconds): a page load every
/// few seconds then costs no write. So the idle time is counted from the last recorded use,
/// and a session may end up to one minute before `session_idle_minutes` after its very last
/// request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The longest typed username kept in `sign_in_attempts` (a longer name matches no account).
const MAX_ATTEMPT_NAME_CHARS: usize = 128;

/// A session just opened by a good sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The session secret: the cookie value. Shown once; only its SHA-256 is stored.
    pub secret: String,
    /// The synchronizer token the session's forms carry (CSRF).
    pub csrf_token: String,
    /// Who signed in.
    pub user: User,
    /// Whether the user must choose a new password before anything else.
    pub must_change_password: bool,
}

/// The answer to a sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInOutcome {
    /// The name and password are right and the account is active and not locked.
    SignedIn(NewSession),
    /// Refused: an unknown name, a wrong password and a disabled account all give this same
    /// answer, so it does not tell which.
    Refused,
    /// The name is locked after too many failures (known or unknown names alike); even the
    /// right password is refused until `until`.
    Locked {
        /// When the lock ends.
        until: Timestamp,
    },
}

/// A live session and its user, as [`Store::session`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveSession {
    /// Row id of the session.
    pub id: i64,
    /// The signed-in user (active).
    pub user: User,
    /// The synchronizer token the session's forms must carry (CSRF).
    pub csrf_token: String,
    /// When the user signed in.
    pub created_at: Timestamp,
    /// Whether the user must choose a new password before anything else.
    pub must_change_password: bool,
}

/// The answer to a password change by its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange {
    /// The new password is stored; the user's other sessions have ended.
    Changed,
    /// The current password given is wrong (counted as a failed attempt, like a sign-in).
    WrongPassword,
    /// The account is locked after too many failures until `until`.
    Locked {
        /// When the lock ends.
        until: Timestamp,
    },
}

/// The SHA-256 (hex) of a session secret: what `sessions.token_sha256` holds.
fn secret_sha256(secret: &str) -> String {
    crate::audit::hex(&Sha256::digest(secret.as_bytes()))
}

/// The name as kept in `sign_in_attempts` (a prefix of at most [`MAX_ATTEMPT_NAME_CHARS`]).
fn attempt_key(username: &str) -> &str {
    match username.char_indices().nth(MAX_ATTEMPT_NAME_CHARS) {
        Some((cut, _)) => &username[..cut],
        None => username,
    }
}

/// An account as sign-in needs it.
struct Account {
    user: User,
    hash: Option<String>,
}

fn account(conn: &Connection, username: &str) -> Result<Option<Account>, StoreError> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = ?1"
        ))?
        .query_row([username], |r| {
            Ok((user_row(r, 0)?, r.get::<_, Option<String>>(7)?))
        })
        .optional()?;
    row.map(|(user, hash)| {
        Ok(Account {
            user: user.into_user()?,
            hash,
        })
    })
    .transpose()
}

/// When the lock on `key` ends, if it is locked at `now`.
fn locked_until(
    conn: &Connection,
    key: &str,
    now: Timestamp,
) -> Result<Option<Timestamp>, StoreError> {
    let until: Option<i64> = conn
        .prepare_cached("SELECT MAX(locked_until) FROM sign_in_attempts WHERE username = ?1")?
        .query_row([key], |r| r.get(0))?;
    Ok(until.filter(|&u| u > ms(now)).map(ts))
}

/// Records one attempt.
fn record_attempt(
    conn: &Connection,
    key: &str,
    user_id: Option<UserId>,
    now: Timestamp,
    ok: bool,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO sign_in_attempts (username, user_id, at, ok) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![key, user_id, ms(now), ok])?;
    Ok(conn.last_insert_rowid())
}

/// Records a failed attempt and, when it is the [`LOCKOUT_FAILURES`]th that counts, locks the
/// name (and the account, if there is one; audited as `user.locked`). Returns the lock's end
/// when this failure locked it.
fn record_failure(
    conn: &Connection,
    key: &str,
    user_id: Option<UserId>,
    now: Timestamp,
) -> Result<Option<Timestamp>, StoreError> {
    let attempt = record_attempt(conn, key, user_id, now, false)?;
    // Failures count inside the window (one exactly 15 minutes old no longer does), after the
    // last success, and from the last lock's end (so those made while locked do not count).
    let failures: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM sign_in_attempts \
             WHERE username = ?1 AND NOT ok AND at > ?2 \
             AND at > COALESCE((SELECT MAX(at) FROM sign_in_attempts \
                                WHERE username = ?1 AND ok), ?2) \
             AND at >= COALESCE((SELECT MAX(locked_until) FROM sign_in_attempts \
                                 WHERE username = ?1), ?2)",
        )?
        .query_row(params![key, ms(now) - LOCKOUT_MS], |r| r.get(0))?;
    if failures < LOCKOUT_FAILURES {
        return Ok(None);
    }
    let until = ts(ms(now) + LOCKOUT_MS);
    conn.execute(
        "UPDATE sign_in_attempts SET locked_until = ?2 WHERE id = ?1",
        params![attempt, ms(until)],
    )?;
    match user_id {
        Some(id) => {
            conn.execute(
                "UPDATE users SET locked_until = ?2 WHERE id = ?1",
                params![id, ms(until)],
            )?;
            audit_log::append(
                conn,
                &Actor::System,
                "user.locked",
                "user",
                id,
                None,
                Some(&json!({ "failures": failures, "locked_until": until.to_string() })),
                Some("too many failed sign-in attempts"),
            )?;
        }
        None => {
            audit_log::append(
                conn,
                &Actor::System,
                "sign_in.locked",
                "username",
                key,
                None,
                Some(&json!({ "failures": failures, "locked_until": until.to_string() })),
                Some("too many failed sign-in attempts for a name that is no account"),
            )?;
        }
    }
    Ok(Some(until))
}

/// Ends the user's live sessions but `except`, with `reason`; returns how many.
pub(super) fn end_all(
    conn: &Connection,
    user_id: UserId,
    except: Option<i64>,
    now: Timestamp,
    reason: &str,
) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE sessions SET ended_at = ?3, end_reason = ?4 \
         WHERE user_id = ?1 AND ended_at IS NULL AND id IS NOT ?2",
        params![user_id, except, ms(now), reason],
    )?)
}

/// Ends one session with `reason` if it is still live.
fn end_one(conn: &Connection, id: i64, now: Timestamp, reason: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE sessions SET ended_at = ?2, end_reason = ?3 WHERE id = ?1 AND ended_at IS NULL",
        params![id, ms(now), reason],
    )? > 0)
}

/// Opens a session for `user` and audits the sign-in.
fn open_session(conn: &Connection, user: User, now: Timestamp) -> Result<NewSession, StoreError> {
    let secret = password::random_hex(32)?;
    let csrf_token = password::random_hex(32)?;
    conn.prepare_cached(
        "INSERT INTO sessions (token_sha256, user_id, csrf_token, created_at, last_seen_at) \
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![
        secret_sha256(&secret),
        user.id,
        csrf_token,
        ms(now)
    ])?;
    let session = conn.last_insert_rowid();
    audit_log::append(
        conn,
        &Actor::User(user.id),
        "user.sign_in",
        "user",
        user.id,
        None,
        Some(&json!({ "session": session })),
        None,
    )?;
    Ok(NewSession {
        secret,
        csrf_token,
        must_change_password: user.must_change_password,
        user,
    })
}

/// A session row with its user, as stored.
struct SessionRow {
    id: i64,
    created_at: i64,
    last_seen_at: i64,
    ended: bool,
    csrf_token: String,
    user: User,
}

fn session_row(conn: &Connection, secret: &str) -> Result<Option<SessionRow>, StoreError> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT s.id, s.created_at, s.last_seen_at, s.ended_at IS NOT NULL, s.csrf_token, \
             {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_sha256 = ?1"
        ))?
        .query_row([secret_sha256(secret)], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                user_row(r, 5)?,
            ))
        })
        .optional()?;
    row.map(|(id, created_at, last_seen_at, ended, csrf_token, user)| {
        Ok(SessionRow {
            id,
            created_at,
            last_seen_at,
            ended,
            csrf_token,
            user: user.into_user()?,
        })
    })
    .transpose()
}

impl Store {
    /// Checks a username and password at `now`. Every attempt is recorded; see the module doc
    /// for the lockout. An unknown name, a wrong password, an account without a password and a
    /// disabled account all answer [`SignInOutcome::Refused`] after the same argon2 work (a
    /// name that belongs to nobody is checked against a fixed dummy hash).
    pub fn sign_in(
        &self,
        username: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<SignInOutcome, StoreError> {
        let key = attempt_key(username);
        // Read first, then hash with the store unlocked (tens of milliseconds), then decide and
        // record in one transaction that reads everything again.
        let (locked, found) =
            self.read(|conn, _| Ok((locked_until(conn, key, now)?, account(conn, username)?)))?;
        if locked.is_some() {
            return self.write(|conn, _| {
                let user_id = account(conn, username)?.map(|a| a.user.id);
                record_attempt(conn, key, user_id, now, false)?;
                Ok(match locked_until(conn, key, now)? {
                    Some(until) => SignInOutcome::Locked { until },
                    None => SignInOutcome::Refused,
                })
            });
        }
        let checked_hash = found.as_ref().and_then(|a| a.hash.clone());
        let password_right = match &checked_hash {
            Some(hash) => password::verify(password, hash)?,
            None => {
                password::verify_dummy(password);
                false
            }
        };
        self.write(|conn, _| {
            let found = account(conn, username)?;
            let user_id = found.as_ref().map(|a| a.user.id);
            if let Some(until) = locked_until(conn, key, now)? {
                record_attempt(conn, key, user_id, now, false)?;
                return Ok(SignInOutcome::Locked { until });
            }
            // The hash checked must still be the stored one (a password set meanwhile wins).
            let good = password_right
                && found
                    .as_ref()
                    .is_some_and(|a| a.user.active && a.hash.is_some() && a.hash == checked_hash);
            match found {
                Some(account) if good => {
                    record_attempt(conn, key, user_id, now, true)?;
                    Ok(SignInOutcome::SignedIn(open_session(
                        conn,
                        account.user,
                        now,
                    )?))
                }
                _ => Ok(match record_failure(conn, key, user_id, now)? {
                    Some(until) => SignInOutcome::Locked { until },
                    None => SignInOutcome::Refused,
                }),
            }
        })
    }

    /// The live session whose cookie secret is `secret`, with its user, at `now`; `None` when
    /// there is none, it has ended, or it has just expired. A session lives while its user is
    /// active, `now - last_seen_at` is under `[ui] session_idle_minutes` and `now - created_at`
    /// under `[ui] session_max_hours`; one found expired is ended with its reason (`idle`,
    /// `max_age`, `disabled`). A live one's `last_seen_at` is set to `now`, at most once a
    /// minute to spare writes, so idle time counts from the last recorded use.
    pub fn session(
        &self,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<ActiveSession>, StoreError> {
        let Some(row) = self.read(|conn, _| session_row(conn, secret))? else {
            return Ok(None);
        };
        if row.ended {
            return Ok(None);
        }
        let ui = &self.config().ui;
        let idle_ms = i64::from(ui.session_idle_minutes) * 60_000;
        let max_ms = i64::from(ui.session_max_hours) * 3_600_000;
        let now_ms = ms(now);
        let expired = if !row.user.active {
            Some("disabled")
        } else if now_ms.saturating_sub(row.created_at) >= max_ms {
            Some("max_age")
        } else if now_ms.saturating_sub(row.last_seen_at) >= idle_ms {
            Some("idle")
        } else {
            None
        };
        if let Some(reason) = expired {
            self.write(|conn, _| end_one(conn, row.id, now, reason))?;
            return Ok(None);
        }
        if now_ms.saturating_sub(row.last_seen_at) >= TOUCH_EVERY_MS {
            self.write(|conn, _| {
                Ok(conn
                    .prepare_cached(
                        "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1 AND ended_at IS NULL",
                    )?
                    .execute(params![row.id, now_ms])?)
            })?;
        }
        Ok(Some(ActiveSession {
            id: row.id,
            must_change_password: row.user.must_change_password,
            user: row.user,
            csrf_token: row.csrf_token,
            created_at: ts(row.created_at),
        }))
    }

    /// Ends the session whose cookie secret is `secret` (`end_reason = 'sign_out'`, audited as
    /// `user.sign_out`); false when there was no live session with that secret.
    pub fn sign_out(&self, secret: &str, now: Timestamp) -> Result<bool, StoreError> {
        self.write(|conn, _| {
            let Some(row) = session_row(conn, secret)? else {
                return Ok(false);
            };
            if !end_one(conn, row.id, now, "sign_out")? {
                return Ok(false);
            }
            audit_log::append(
                conn,
                &Actor::User(row.user.id),
                "user.sign_out",
                "user",
                row.user.id,
                None,
                Some(&json!({ "session": row.id })),
                None,
            )?;
            Ok(true)
        })
    }

    /// The signed-in user changes their own password: `current` must be right (a wrong one
    /// counts as a failed attempt toward the lockout), `new` must pass the length rule
    /// ([`StoreError::Invalid`] otherwise) and differ from `current`. Clears
    /// `must_change_password` and ends the user's other sessions (`end_reason = 'password'`),
    /// keeping `session_id`, the one the change was made in. Audited as `user.password`.
    pub fn change_password(
        &self,
        user_id: UserId,
        session_id: i64,
        current: &str,
        new: &str,
        now: Timestamp,
    ) -> Result<PasswordChange, StoreError> {
        password::check_new(new)?;
        if new == current {
            return Err(StoreError::invalid(
                "the new password must differ from the current one",
            ));
        }
        let (username, hash) = self.read(|conn, _| {
            conn.query_row(
                "SELECT username, password_hash FROM users WHERE id = ?1",
                [user_id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::not_found("user", user_id))
        })?;
        let key = attempt_key(&username).to_owned();
        if let Some(until) = self.read(|conn, _| locked_until(conn, &key, now))? {
            return Ok(PasswordChange::Locked { until });
        }
        let right = match &hash {
            Some(h) => password::verify(current, h)?,
            None => false,
        };
        if !right {
            return self.write(|conn, _| {
                Ok(match record_failure(conn, &key, Some(user_id), now)? {
                    Some(until) => PasswordChange::Locked { until },
                    None => PasswordChange::WrongPassword,
                })
            });
        }
        let new_hash = password::hash(new)?;
        self.write(|conn, _| {
            let stored: Option<String> = conn.query_row(
                "SELECT password_hash FROM users WHERE id = ?1",
                [user_id],
                |r| r.get(0),
            )?;
            if stored != hash {
                // The password was set by someone else meanwhile: the current one is no more.
                return Ok(PasswordChange::WrongPassword);
            }
            conn.execute(
                "UPDATE users SET password_hash = ?2, must_change_password = 0 WHERE id = ?1",
                params![user_id, new_hash],
            )?;
            let ended = end_all(conn, user_id, Some(session_id), now, "password")?;
            audit_log::append(
                conn,
                &Actor::User(user_id),
                "user.password",
                "user",
                user_id,
                None,
                Some(&json!({ "must_change_password": false, "sessions_ended": ended })),
                None,
            )?;
            Ok(PasswordChange::Changed)
        })
    }
}
