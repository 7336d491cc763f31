//! The laboratory's domain and storage: what a lab knows and decides.
//!
//! This crate holds the lab configuration (test catalog, ranges, rules, instruments), the data
//! model (patients, orders, specimens, results), their storage in SQLite (WAL, durable commits),
//! matching analyzer results to orders, validating them, the result life cycle and the
//! hash-chained audit trail.
//!
//! It deliberately does **no** network IO (no HTTP, no sockets, no async runtime) and knows no
//! wire protocol: drivers parse ASTM or HL7 and hand over an [`model::AnalyzerMessage`]; the web
//! layer calls the life-cycle and order APIs on [`store::Store`]. Dependencies point one way:
//! drivers and web call into core, never the other way.
//!
//! Module map:
//! - [`config`]: the lab TOML file, its validation with key paths and line numbers, and the
//!   embedded default lab.
//! - [`model`]: plain data (patients, orders, specimens, results, messages, users, actors), and
//!   the review read models (worklist rows and cursor, specimen view, history, change feed).
//! - [`value`]: reading values as analyzers send them (decimal comma, censored, text, `-----`).
//! - [`validation`]: pure checks (ranges, critical, measurement range, delta, flags, QC) and
//!   autoverification.
//! - [`lifecycle`]: the result state machine.
//! - [`permissions`]: the roles and what each may do, under the `[review]` policy.
//! - [`password`]: argon2id password hashes (PHC strings), the length rule, random secrets.
//! - [`presentation`]: how results, flags, ranges, units, values and names are written for
//!   people and other systems (the ORU^R01, REST, FHIR and the web UI format through it).
//! - [`name_search`]: patient names folded for search (Vietnamese without marks, `đ` as `d`).
//! - [`qc`]: quality control, pure: Westgard multirules across levels and runs, QC statistics,
//!   sigma advice, QC specimen-id patterns.
//! - [`turnaround`]: median and 90th percentile turnaround by the nearest-rank method.
//! - [`audit`]: the SHA-256 hash chain and its verification.
//! - [`store`]: everything SQL: migrations, the raw message journal, durable ingest and matching,
//!   orders, the life-cycle operations, queries, the review reads (worklist, specimen view,
//!   histories), the change feed with its commit listeners, and the group-commit
//!   [`store::Ingestor`].
//! - [`error`]: the store's error type.

pub mod audit;
pub mod config;
pub mod error;
pub mod lifecycle;
pub mod model;
pub mod name_search;
pub mod password;
pub mod permissions;
pub mod presentation;
pub mod qc;
pub mod store;
pub mod turnaround;
pub mod validation;
pub mod value;

pub use config::{LabConfig, DEFAULT_LAB_TOML};
pub use error::{DatabaseError, IngestError, StoreError};
pub use store::{IngestTicket, Ingestor, Store};
