//! The web layer and the command-line interface of the `lis` binary.
//!
//! Module map:
//! - [`cli`]: the `lis` commands (`parse`, `serve`, `config`, `audit`, `simulate`, `token`, ...),
//!   parsed with clap.
//! - [`serve`]: `lis serve`: config, store, links and the HTTP listener in one process.
//! - [`lab`]: the lab config with every instrument's connection section and profile, checked.
//! - [`app`]: the one HTTP router with every route ([`app::app`]); [`state`]: the one state every
//!   handler reaches ([`state::AppState`]).
//! - `health`: `GET /healthz` and `GET /api/v1/links`.
//! - [`api`]: the HIS-facing REST API: orders, results, deliveries, work-list downloads.
//! - [`fhir`]: FHIR R4 read and search (Patient, ServiceRequest, DiagnosticReport, Observation).
//! - [`ui`]: the technicians' web UI: templates, embedded assets, the string catalog.
//! - [`openapi`]: the OpenAPI 3 document. [`metrics`]: Prometheus text at `/metrics`.
//! - [`auth`]: bearer tokens, scopes and the [`auth::RequireScope`] extractor.
//! - [`request`]: reading bodies and query strings; [`error`]: the one HTTP error type.
//! - [`security_headers`]: the CSP and friends on every response.
//! - [`http_settings`]: the `[http]` table (TLS files, timeouts, limits); [`listener`]: accepting
//!   connections, plain or TLS.
//!
//! This crate knows HTTP and JSON; it holds no SQL and parses no wire format itself.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod error;
pub mod fhir;
mod health;
pub mod http_settings;
pub mod lab;
pub mod listener;
pub mod metrics;
pub mod openapi;
pub mod request;
pub mod security_headers;
pub mod serve;
pub mod state;
pub mod ui;
