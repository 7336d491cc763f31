//! How a `users` row is read: the columns, the row as stored and its checked decoding. Shared by
//! the user operations and the sessions that join `users`.

use rusqlite::Row;

use crate::config::Language;
use crate::error::StoreError;
use crate::model::{Role, User};

/// The columns [`user_row`] reads, from the `users` table aliased `u`.
pub(super) const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.role, u.active, u.language, u.must_change_password";

/// A `users` row as stored, before its role list and language are read.
pub(super) struct UserRow {
    user: User,
    roles: String,
    language: Option<String>,
}

/// Reads the [`USER_COLUMNS`], starting at column `first`.
pub(super) fn user_row(r: &Row<'_>, first: usize) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        user: User {
            id: r.get(first)?,
            username: r.get(first + 1)?,
            display_name: r.get(first + 2)?,
            roles: Vec::new(),
            active: r.get(first + 4)?,
            language: None,
            must_change_password: r.get(first + 6)?,
        },
        roles: r.get(first + 3)?,
        language: r.get(first + 5)?,
    })
}

impl UserRow {
    /// The user, its stored role list and language read; a value that cannot be read is an
    /// error naming the row and column, never a guess.
    pub(super) fn into_user(self) -> Result<User, StoreError> {
        let id = self.user.id;
        let roles = Role::parse_list(&self.roles)
            .map_err(|e| StoreError::invalid(format!("users row {id}, column role: {e}")))?;
        let language = match self.language.as_deref() {
            None => None,
            Some(code) => Some(Language::parse(code).ok_or_else(|| {
                StoreError::invalid(format!(
                    "users row {id}, column language: {code:?} is neither vi nor en"
                ))
            })?),
        };
        Ok(User {
            roles,
            language,
            ..self.user
        })
    }
}
