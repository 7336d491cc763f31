//! The web layer and the command-line interface of the `lis` binary.
//!
//! Module map:
//! - [`cli`]: the `lis` commands (`parse`, ...), parsed with clap.
//!
//! This crate knows HTTP and JSON; it holds no SQL and parses no wire format itself.

pub mod cli;
