//! The web layer and the command-line interface of the `lis` binary.
//!
//! Module map:
//! - [`cli`]: the `lis` commands (`parse`, `token`...), parsed with clap.
//! - [`api`]: the HIS-facing HTTP API ([`api::his_routes`]): REST orders and results.
//! - [`fhir`]: FHIR R4 read and search (Patient, ServiceRequest, DiagnosticReport, Observation).
//! - [`auth`]: bearer tokens and scopes. [`error`]: the one HTTP error type.
//! - [`openapi`]: the OpenAPI 3 document. [`metrics`]: Prometheus text at `/metrics`.
//!
//! This crate knows HTTP and JSON; it holds no SQL and parses no wire format itself.

pub mod api;
pub mod auth;
pub mod cli;
pub mod error;
pub mod fhir;
pub mod metrics;
pub mod openapi;
