//! What an administrator does to other accounts from the users page: create one with a
//! one-time password, reset a password to a one-time one, change the roles; and the lab
//! configuration as the read-only configuration page reads it. Each is one
//! transaction that checks the administrator's [`Permission::ManageUsers`] and writes its audit
//! entry; a one-time password is returned once to be shown, and stored only as its hash.

use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};
use serde_json::json;

use super::users::{authorize, check_username, insert_user, store_password};
use super::{audit_log, Store};
use crate::config::Language;
use crate::error::StoreError;
use crate::model::{Actor, Role, UserId};
use crate::password;
use crate::permissions::Permission;

/// A user just created, or a password just reset: the one-time password to show once (it must
/// be changed at the first sign-in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimePassword {
    /// The user's row id.
    pub user_id: UserId,
    /// The password, in clear: shown to the administrator once, never stored.
    pub password: String,
}

/// The longest display name accepted, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 120;

fn check_display_name(name: &str) -> Result<(), StoreError> {
    if name.trim().is_empty() {
        return Err(StoreError::invalid("display name is empty"));
    }
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(StoreError::invalid(format!(
            "display name is longer than {MAX_DISPLAY_NAME_CHARS} characters or has control \
             characters"
        )));
    }
    Ok(())
}

impl Store {
    /// The lab configuration in force, for the read-only configuration page: the actor needs
    /// [`Permission::ReadConfig`] (checked against the user's row, so a disabled account reads
    /// nothing).
    pub fn lab_config_for(&self, actor: &Actor) -> Result<crate::config::LabConfig, StoreError> {
        self.read(|conn, lab| {
            authorize(conn, lab, actor, Permission::ReadConfig)?;
            Ok(lab.config.clone())
        })
    }

    /// Creates a user with `roles` and a one-time password (must be changed at the first
    /// sign-in), and the UI language when given; one transaction, audited (`user.create`,
    /// `user.password`, `user.language`). The actor needs [`Permission::ManageUsers`].
    pub fn create_user_with_one_time_password(
        &self,
        username: &str,
        display_name: &str,
        roles: &[Role],
        language: Option<Language>,
        actor: &Actor,
    ) -> Result<OneTimePassword, StoreError> {
        check_username(username)?;
        check_display_name(display_name)?;
        if roles.is_empty() {
            return Err(StoreError::invalid("a user needs at least one role"));
        }
        let one_time = password::one_time_password()?;
        // Hashing takes tens of milliseconds: done before the store is locked.
        let hash = password::hash(&one_time)?;
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::ManageUsers)?;
            let now = Timestamp::now();
            let id = insert_user(conn, username, display_name.trim(), roles, now, actor)?;
            store_password(conn, id, &hash, true, now, actor)?;
            if let Some(language) = language {
                conn.execute(
                    "UPDATE users SET language = ?2 WHERE id = ?1",
                    params![id, language.code()],
                )?;
                audit_log::append(
                    conn,
                    actor,
                    "user.language",
                    "user",
                    id,
                    Some(&json!({ "language": null })),
                    Some(&json!({ "language": language.code() })),
                    None,
                )?;
            }
            Ok(OneTimePassword {
                user_id: id,
                password: one_time.clone(),
            })
        })
    }

    /// Gives the user a new one-time password that must be changed at the next sign-in, and
    /// ends their sessions; audited as `user.password` (without the password). The actor needs
    /// [`Permission::ManageUsers`].
    pub fn reset_password(
        &self,
        user_id: UserId,
        actor: &Actor,
    ) -> Result<OneTimePassword, StoreError> {
        let one_time = password::one_time_password()?;
        let hash = password::hash(&one_time)?;
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::ManageUsers)?;
            store_password(conn, user_id, &hash, true, Timestamp::now(), actor)?;
            Ok(OneTimePassword {
                user_id,
                password: one_time.clone(),
            })
        })
    }

    /// Replaces the user's roles (at least one), audited as `user.roles` with the old and new
    /// lists; the same list changes nothing. An administrator may not take the admin role from
    /// themselves (the lab would risk having no administrator). The actor needs
    /// [`Permission::ManageUsers`].
    pub fn set_roles(
        &self,
        user_id: UserId,
        roles: &[Role],
        actor: &Actor,
    ) -> Result<(), StoreError> {
        if roles.is_empty() {
            return Err(StoreError::invalid("a user needs at least one role"));
        }
        self.write(|conn, lab| {
            authorize(conn, lab, actor, Permission::ManageUsers)?;
            let old: String = conn
                .query_row("SELECT role FROM users WHERE id = ?1", [user_id], |r| {
                    r.get(0)
                })
                .optional()?
                .ok_or_else(|| StoreError::not_found("user", user_id))?;
            let new = Role::join(roles);
            if old == new {
                return Ok(());
            }
            if *actor == Actor::User(user_id) && !roles.contains(&Role::Admin) {
                return Err(StoreError::invalid(
                    "an administrator may not take the admin role from themselves",
                ));
            }
            conn.execute(
                "UPDATE users SET role = ?2 WHERE id = ?1",
                params![user_id, new],
            )?;
            audit_log::append(
                conn,
                actor,
                "user.roles",
                "user",
                user_id,
                Some(&json!({ "roles": old })),
                Some(&json!({ "roles": new })),
                None,
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LabConfig;
    use crate::store::SignInOutcome;

    fn store() -> Store {
        Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap()
    }

    fn user(store: &Store, name: &str, role: Role) -> UserId {
        let id = store
            .create_user(name, name, &[role], &Actor::System)
            .unwrap();
        store
            .set_password(id, "long enough 1", false, &Actor::System)
            .unwrap();
        id
    }

    fn actions(store: &Store) -> Vec<String> {
        store
            .read(|conn, _| {
                let mut stmt = conn.prepare("SELECT action FROM audit ORDER BY seq")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<Vec<String>, _>>()?)
            })
            .unwrap()
    }

    #[test]
    fn an_administrator_creates_a_user_who_signs_in_with_the_one_time_password() {
        let s = store();
        let admin = user(&s, "admin1", Role::Admin);
        let created = s
            .create_user_with_one_time_password(
                "lan",
                "KTV Lan",
                &[Role::Technician],
                Some(Language::Vi),
                &Actor::User(admin),
            )
            .unwrap();
        assert_eq!(created.password.chars().count(), 16);
        let user = s.user(created.user_id).unwrap();
        assert_eq!(user.roles, [Role::Technician]);
        assert_eq!(user.language, Some(Language::Vi));
        assert!(user.must_change_password);
        match s
            .sign_in("lan", &created.password, Timestamp::now())
            .unwrap()
        {
            SignInOutcome::SignedIn(session) => assert!(session.must_change_password),
            other => panic!("not signed in: {other:?}"),
        }
        let audit = actions(&s);
        let tail: Vec<&str> = audit
            .iter()
            .rev()
            .take(4)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            [
                "user.create",
                "user.password",
                "user.language",
                "user.sign_in"
            ]
        );
    }

    #[test]
    fn a_technician_or_supervisor_is_refused_and_nothing_changes() {
        let s = store();
        let tech = user(&s, "tech", Role::Technician);
        let boss = user(&s, "boss", Role::Supervisor);
        let before = actions(&s).len();
        for actor in [Actor::User(tech), Actor::User(boss)] {
            let e = s
                .create_user_with_one_time_password("x", "X", &[Role::Admin], None, &actor)
                .unwrap_err();
            assert!(matches!(e, StoreError::Forbidden { .. }), "{e:?}");
            assert!(matches!(
                s.reset_password(tech, &actor).unwrap_err(),
                StoreError::Forbidden { .. }
            ));
            assert!(matches!(
                s.set_roles(tech, &[Role::Supervisor], &actor).unwrap_err(),
                StoreError::Forbidden { .. }
            ));
            assert!(matches!(
                s.disable_user("tech", &actor).unwrap_err(),
                StoreError::Forbidden { .. }
            ));
        }
        // A user may still choose their own language, not another's.
        s.set_language(tech, Language::En, &Actor::User(tech))
            .unwrap();
        assert!(matches!(
            s.set_language(boss, Language::En, &Actor::User(tech))
                .unwrap_err(),
            StoreError::Forbidden { .. }
        ));
        assert!(s.user_by_username("x").unwrap().is_none());
        assert_eq!(
            actions(&s).len(),
            before + 1,
            "only the own language change"
        );
    }

    #[test]
    fn reset_and_roles_are_audited_and_an_admin_keeps_their_own_admin_role() {
        let s = store();
        let admin = user(&s, "admin1", Role::Admin);
        let tech = user(&s, "tech", Role::Technician);
        let by = Actor::User(admin);
        let reset = s.reset_password(tech, &by).unwrap();
        assert!(s.user(tech).unwrap().must_change_password);
        assert!(matches!(
            s.sign_in("tech", "long enough 1", Timestamp::now())
                .unwrap(),
            SignInOutcome::Refused
        ));
        assert!(matches!(
            s.sign_in("tech", &reset.password, Timestamp::now())
                .unwrap(),
            SignInOutcome::SignedIn(_)
        ));
        s.set_roles(tech, &[Role::Technician, Role::Supervisor], &by)
            .unwrap();
        assert_eq!(
            s.user(tech).unwrap().roles,
            [Role::Technician, Role::Supervisor]
        );
        assert!(matches!(
            s.set_roles(admin, &[Role::Supervisor], &by).unwrap_err(),
            StoreError::Invalid { .. }
        ));
        assert!(matches!(
            s.disable_user("admin1", &by).unwrap_err(),
            StoreError::Invalid { .. }
        ));
        s.disable_user("tech", &by).unwrap();
        let audit = actions(&s);
        for action in ["user.password", "user.roles", "user.disable"] {
            assert!(audit.iter().any(|a| a == action), "{action} in {audit:?}");
        }
        assert!(!s.user(tech).unwrap().active);
    }
}
