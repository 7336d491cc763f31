//! The web layer and the command-line interface of the `lis` binary.
//!
//! Module map:
//! - [`cli`]: the `lis` commands (`parse`, `serve`, `config`, `audit`, `simulate`, ...), parsed
//!   with clap.
//! - [`serve`]: `lis serve`: config, store, links and the HTTP listener in one process.
//! - [`app`]: the HTTP router ([`app::app`]); [`state`]: what handlers reach ([`state::AppState`]).
//! - `health`: `GET /healthz` and `GET /api/v1/links`.
//!
//! This crate knows HTTP and JSON; it holds no SQL and parses no wire format itself.

pub mod app;
pub mod cli;
mod health;
pub mod serve;
pub mod state;
