//! `lis token create|revoke|list`: bearer tokens for machine clients (the HIS, FHIR clients).
//!
//! `create` prints the secret once; only its SHA-256 is stored. Scopes: `orders:write`,
//! `results:read`, `fhir:read` (see [`crate::auth`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use lis_core::model::Actor;
use lis_core::Store;

use crate::auth::{generate_token, token_hash, Scope};

/// Arguments of `lis token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The data directory of `lis serve`.
    #[arg(long, value_name = "DIR", global = true, default_value = "lis-data")]
    pub data: PathBuf,
    /// The lab config file (the embedded default when absent).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: TokenCommand,
}

/// `lis token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Creates a token and prints it once.
    Create {
        /// Who the token is for (unique among active tokens).
        #[arg(long)]
        name: String,
        /// Comma-separated scopes: orders:write, results:read, fhir:read.
        #[arg(long)]
        scope: String,
    },
    /// Revokes the active token with this name.
    Revoke {
        /// The token's name.
        #[arg(long)]
        name: String,
    },
    /// Lists tokens (names, scopes, dates; never secrets).
    List,
}

fn open_store(data: &Path, config: Option<&Path>) -> anyhow::Result<Store> {
    let lab = crate::lab::load(config).map_err(|p| anyhow::anyhow!("{p}"))?;
    Store::open(data, lab.config)
        .with_context(|| format!("cannot open the store in {}", data.display()))
}

/// Runs `lis token`, writing to `out`.
pub fn run_to(args: &TokenArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.data, args.config.as_deref())?;
    let actor = Actor::System;
    match &args.command {
        TokenCommand::Create { name, scope } => {
            let scopes = Scope::parse_list(scope).map_err(anyhow::Error::msg)?;
            let secret = generate_token().map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let names: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
            store.create_token(name.trim(), &token_hash(&secret), &names, &actor)?;
            // The secret alone on standard output (for scripts); the note on standard error.
            writeln!(out, "{secret}")?;
            let _ = writeln!(
                std::io::stderr(),
                "token {:?} with scopes {} created; it is shown once, store it now",
                name.trim(),
                names.join(",")
            );
        }
        TokenCommand::Revoke { name } => {
            if store.revoke_token(name, &actor)? {
                writeln!(out, "revoked {name:?}")?;
            } else {
                anyhow::bail!("no active token named {name:?}");
            }
        }
        TokenCommand::List => {
            for t in store.tokens()? {
                writeln!(
                    out,
                    "{}\t{}\tcreated {}\t{}",
                    t.name,
                    t.scopes.join(","),
                    t.created_at,
                    t.revoked_at
                        .map_or_else(|| String::from("active"), |r| format!("revoked {r}"))
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `lis token` on standard output.
pub fn run(args: &TokenArgs) -> anyhow::Result<ExitCode> {
    run_to(args, &mut std::io::stdout().lock())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(data: &Path, command: TokenCommand) -> TokenArgs {
        TokenArgs {
            data: data.to_path_buf(),
            config: None,
            command,
        }
    }

    #[test]
    fn create_stores_only_the_hash_and_revoke_ends_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        let create = TokenCommand::Create {
            name: String::from("his"),
            scope: String::from("orders:write,results:read"),
        };
        run_to(&args(dir.path(), create), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let secret = text.lines().next().unwrap();
        assert!(
            secret.starts_with("lis_") && secret.len() == 4 + 64,
            "{secret}"
        );
        let store = open_store(dir.path(), None).unwrap();
        let token = store.token_by_hash(&token_hash(secret)).unwrap().unwrap();
        assert_eq!(token.name, "his");
        assert_eq!(token.scopes, ["orders:write", "results:read"]);
        // The secret itself is nowhere in the database file.
        drop(store);
        let db = std::fs::read(dir.path().join(lis_core::store::DB_FILE)).unwrap();
        assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()));
        let mut out = Vec::new();
        run_to(
            &args(
                dir.path(),
                TokenCommand::Revoke {
                    name: String::from("his"),
                },
            ),
            &mut out,
        )
        .unwrap();
        let store = open_store(dir.path(), None).unwrap();
        assert!(store.token_by_hash(&token_hash(secret)).unwrap().is_none());
        // Revoking again: nothing to revoke.
        drop(store);
        assert!(run_to(
            &args(
                dir.path(),
                TokenCommand::Revoke {
                    name: String::from("his")
                }
            ),
            &mut Vec::new()
        )
        .is_err());
    }

    #[test]
    fn unknown_scope_is_refused_with_the_known_ones() {
        let dir = tempfile::tempdir().unwrap();
        let create = TokenCommand::Create {
            name: String::from("x"),
            scope: String::from("results:write"),
        };
        let err = run_to(&args(dir.path(), create), &mut Vec::new()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("results:write") && msg.contains("fhir:read"),
            "{msg}"
        );
    }
}
