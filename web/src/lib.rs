//! The web layer and the command-line interface of the `lis` binary.
//!
//! Module map:
//! - [`cli`]: the `lis` commands (`parse`, `serve`, `config`, `audit`, `simulate`, `token`, ...),
//!   parsed with clap.
//! - [`serve`]: `lis serve`: config, store, links and the HTTP listener in one process.
//! - [`app`]: the HTTP router ([`app::app`]); [`state`]: what handlers reach ([`state::AppState`]).
//! - `health`: `GET /healthz` and `GET /api/v1/links`.
//! - [`api`]: the HIS-facing HTTP API ([`api::his_routes`]): REST orders and results.
//! - [`fhir`]: FHIR R4 read and search (Patient, ServiceRequest, DiagnosticReport, Observation).
//! - [`auth`]: bearer tokens and scopes. [`error`]: the one HTTP error type.
//! - [`ui`]: the technicians' web UI: templates, embedded assets, the string catalog.
//! - [`openapi`]: the OpenAPI 3 document. [`metrics`]: Prometheus text at `/metrics`.
//!
//! This crate knows HTTP and JSON; it holds no SQL and parses no wire format itself.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod error;
pub mod fhir;
mod health;
pub mod metrics;
pub mod openapi;
pub mod serve;
pub mod state;
pub mod ui;
