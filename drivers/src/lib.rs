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
pub mod his;
pub mod link;
pub mod trace;
pub mod transport;
