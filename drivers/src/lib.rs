//! Analyzer links: the only crate that opens ports and sockets.
//!
//! Each analyzer link is one async task ([`link::Link`]) that gets byte streams from a
//! [`transport`] (TCP server, TCP client with backoff, RS-232), drives a sans-IO protocol machine
//! ([`link::LinkMachine`]) with the bytes it reads and with tokio's timers, writes what the machine
//! transmits, and hands the machine's events to a [`link::LinkHandler`]. A received message is
//! acknowledged only after the handler reports it stored (see "Durable acknowledgement" in [`link`]).
//! Every byte in and out is recorded in a crash-safe [`trace`], which `lis replay` feeds back through
//! the same machine ([`link::replay()`]). Each link's state and counters are in a
//! [`link::LinkRegistry`] that core and web read.
//!
//! # Module map
//!
//! - [`config`]: an instrument's `[instruments.connection]` table read into a [`config::LinkConfig`].
//! - [`transport`]: the [`transport::Transport`] trait and its constructors: [`transport::tcp`],
//!   [`transport::serial`], and [`transport::any`] (the one chosen by the config).
//! - [`link`]: the machine and handler traits, the link task, the status registry, trace replay.
//! - [`trace`]: the trace file format, [`trace::TraceWriter`] and [`trace::TraceReader`].
//! - [`machine`]: the ASTM (E1381 framed, raw) and MLLP machines behind [`link::LinkMachine`].
//! - [`profile`]: analyzer profiles (TOML data): where the specimen and test code are, QC rules,
//!   flag maps, host query form; the embedded ones and the lab's own.
//! - [`ingest`]: a message read through its profile into core's `AnalyzerMessage`, and the link
//!   handlers that store it and answer.
//! - [`query`]: host query answers and order downloads.
//! - [`download`]: downloads on their way to an analyzer, marked sent only once it accepted them.
//! - [`runner`]: [`runner::start_links`], every configured link started (what `lis serve` calls).
//! - [`simulator`]: an analyzer simulator per profile (what `lis simulate` calls).
//! - [`his`]: the hospital information system over HL7 v2 / MLLP: the ORM^O01/OML^O21 orders
//!   listener and the ORU^R01 results sender ([`his::start_his`], what `lis serve` calls).
//!
//! # What this crate does not do
//!
//! - No protocol rules: framing, checksums, ENQ/ACK/NAK, E1381 timers and MLLP are in `protocols/`
//!   (`lis-astm`, `lis-hl7`), behind [`link::LinkMachine`]. This crate only feeds them bytes and time.
//! - No lab decisions: what a message means, whether to store, reject or answer it is core's, behind
//!   [`link::LinkHandler`].
//! - No HTTP, no CLI: `lis serve` and `lis replay` (in `web/`) wire these pieces together.
#![warn(missing_docs)]

pub mod config;
pub mod dimension_orders;
pub mod download;
pub mod his;
pub mod ingest;
pub mod link;
pub mod machine;
pub mod profile;
pub mod query;
pub mod runner;
pub mod simulator;
pub mod trace;
pub mod transport;

#[cfg(test)]
mod tests;
