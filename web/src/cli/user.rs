//! `lis user add|passwd|disable|list`: the people who sign in to the web UI.
//!
//! Passwords are read from standard input only (`--password-stdin`; one trailing newline is
//! dropped), never from the command line where `ps` and the shell history would show them, and
//! are stored as argon2id hashes by core. Every change is audited (actor `system`). `list`
//! prints one JSON object per user and never a hash.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use lis_core::config::Language;
use lis_core::model::{Actor, Role, User};
use lis_core::Store;
use serde_json::json;

/// Arguments of `lis user`.
#[derive(Debug, Args)]
pub struct UserArgs {
    /// The data directory of `lis serve`.
    #[arg(long, value_name = "DIR", global = true, default_value = "lis-data")]
    pub data: PathBuf,
    /// The lab config file (the embedded default when absent).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: UserCommand,
}

/// `lis user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Creates a user with a password read from standard input; prints the user as JSON.
    Add {
        /// The sign-in name (unique).
        #[arg(long)]
        username: String,
        /// The name shown on pages and reports.
        #[arg(long)]
        name: String,
        /// Roles, comma-separated: technician, supervisor, admin.
        #[arg(long)]
        role: String,
        /// The user's UI language (the lab's `[lab] language` when absent).
        #[arg(long, value_parser = parse_language)]
        lang: Option<Language>,
        /// Read the password (at least 10 characters) from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Make the user choose a new password at the first sign-in.
        #[arg(long)]
        must_change: bool,
    },
    /// Sets a user's password, read from standard input; ends the user's sessions.
    Passwd {
        /// The sign-in name.
        #[arg(long)]
        username: String,
        /// Read the password (at least 10 characters) from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Make the user choose a new password at the next sign-in.
        #[arg(long)]
        must_change: bool,
    },
    /// Disables a user: no more sign-in, and their sessions end.
    Disable {
        /// The sign-in name.
        #[arg(long)]
        username: String,
    },
    /// Lists users as JSON lines: id, username, name, roles, active, language.
    List,
}

fn parse_language(s: &str) -> Result<Language, String> {
    Language::parse(s).ok_or_else(|| format!("unknown language {s:?}; languages are vi, en"))
}

fn open_store(data: &Path, config: Option<&Path>) -> anyhow::Result<Store> {
    let lab = crate::lab::load(config).map_err(|p| anyhow::anyhow!("{p}"))?;
    Store::open(data, lab.config)
        .with_context(|| format!("cannot open the store in {}", data.display()))
}

/// Reads the password from `input`: all of it, less one trailing newline (`\n` or `\r\n`).
fn read_password(input: &mut dyn Read) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .context("cannot read the password from standard input")?;
    let mut password = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("the password on standard input is not UTF-8"))?;
    if password.ends_with('\n') {
        password.pop();
        if password.ends_with('\r') {
            password.pop();
        }
    }
    if password.is_empty() {
        anyhow::bail!("no password on standard input (--password-stdin)");
    }
    lis_core::password::check_new(&password)?;
    Ok(password)
}

/// A user as `lis user list` prints it (never a password hash).
fn user_json(user: &User) -> serde_json::Value {
    json!({
        "id": user.id,
        "username": user.username,
        "name": user.display_name,
        "roles": user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "active": user.active,
        "language": user.language.map(Language::code),
    })
}

fn existing(store: &Store, username: &str) -> anyhow::Result<User> {
    store
        .user_by_username(username)?
        .ok_or_else(|| anyhow::anyhow!("no user named {username:?}"))
}

/// Runs `lis user`, reading a password from `input` and writing to `out`.
pub fn run_to(
    args: &UserArgs,
    input: &mut dyn Read,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let actor = Actor::System;
    match &args.command {
        UserCommand::Add {
            username,
            name,
            role,
            lang,
            password_stdin: _,
            must_change,
        } => {
            let roles = Role::parse_list(role).map_err(anyhow::Error::msg)?;
            // The password is checked before anything is written: no user without one.
            let password = read_password(input)?;
            let store = open_store(&args.data, args.config.as_deref())?;
            let id = store.create_user(username, name, &roles, &actor)?;
            store.set_password(id, &password, *must_change, &actor)?;
            if let Some(lang) = lang {
                store.set_language(id, *lang, &actor)?;
            }
            writeln!(out, "{}", user_json(&store.user(id)?))?;
        }
        UserCommand::Passwd {
            username,
            password_stdin: _,
            must_change,
        } => {
            let password = read_password(input)?;
            let store = open_store(&args.data, args.config.as_deref())?;
            let user = existing(&store, username)?;
            store.set_password(user.id, &password, *must_change, &actor)?;
            writeln!(out, "password of {username:?} set")?;
        }
        UserCommand::Disable { username } => {
            let store = open_store(&args.data, args.config.as_deref())?;
            let user = existing(&store, username)?;
            store.disable_user(username, &actor)?;
            if user.active {
                writeln!(out, "disabled {username:?}")?;
            } else {
                writeln!(out, "{username:?} was already disabled")?;
            }
        }
        UserCommand::List => {
            let store = open_store(&args.data, args.config.as_deref())?;
            for user in store.list_users()? {
                writeln!(out, "{}", user_json(&user))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `lis user` on standard input and output.
pub fn run(args: &UserArgs) -> anyhow::Result<ExitCode> {
    run_to(
        args,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
    )
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use lis_core::store::SignInOutcome;

    use super::*;

    fn run_in(dir: &Path, command: UserCommand, stdin: &str) -> anyhow::Result<String> {
        let args = UserArgs {
            data: dir.to_path_buf(),
            config: None,
            command,
        };
        let mut out = Vec::new();
        run_to(&args, &mut stdin.as_bytes(), &mut out)?;
        Ok(String::from_utf8(out)?)
    }

    fn add(username: &str, role: &str) -> UserCommand {
        UserCommand::Add {
            username: username.into(),
            name: String::from("KTV Lan"),
            role: role.into(),
            lang: Some(Language::En),
            password_stdin: true,
            must_change: false,
        }
    }

    #[test]
    fn add_reads_the_password_without_its_newline_and_prints_the_user() {
        let dir = tempfile::tempdir().unwrap();
        let out = run_in(
            dir.path(),
            add("lan", "technician,supervisor"),
            "Xet-nghiem-2025\r\n",
        )
        .unwrap();
        let user: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(
            user,
            json!({"id": 1, "username": "lan", "name": "KTV Lan",
                   "roles": ["technician", "supervisor"], "active": true, "language": "en"})
        );
        let store = open_store(dir.path(), None).unwrap();
        assert!(matches!(
            store
                .sign_in("lan", "Xet-nghiem-2025", Timestamp::now())
                .unwrap(),
            SignInOutcome::SignedIn(_)
        ));
    }

    #[test]
    fn a_short_password_or_an_unknown_role_creates_no_user() {
        let dir = tempfile::tempdir().unwrap();
        let err = run_in(dir.path(), add("lan", "technician"), "short\n").unwrap_err();
        assert!(
            err.to_string().contains("at least 10 characters"),
            "{err:#}"
        );
        let err = run_in(dir.path(), add("lan", "nurse"), "long enough pass\n").unwrap_err();
        assert!(err.to_string().contains("\"nurse\""), "{err:#}");
        let err = run_in(dir.path(), add("lan", "technician"), "").unwrap_err();
        assert!(err.to_string().contains("no password"), "{err:#}");
        assert_eq!(run_in(dir.path(), UserCommand::List, "").unwrap(), "");
    }

    #[test]
    fn passwd_and_disable_name_an_unknown_user() {
        let dir = tempfile::tempdir().unwrap();
        let passwd = UserCommand::Passwd {
            username: String::from("ghost"),
            password_stdin: true,
            must_change: false,
        };
        let err = run_in(dir.path(), passwd, "long enough pass").unwrap_err();
        assert_eq!(err.to_string(), "no user named \"ghost\"");
        let disable = UserCommand::Disable {
            username: String::from("ghost"),
        };
        let err = run_in(dir.path(), disable, "").unwrap_err();
        assert_eq!(err.to_string(), "no user named \"ghost\"");
    }
}
