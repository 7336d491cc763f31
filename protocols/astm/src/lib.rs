//! ASTM for laboratory instruments: the E1381 (CLSI LIS1-A) low-level link and E1394 (CLSI LIS2-A2) records.
//!
//! This crate does no IO, spawns nothing and never reads a clock: bytes and an injected `now` go in,
//! bytes to write, decoded messages and the next deadline come out.
#![warn(missing_docs)]

pub mod delimiters;
pub mod encode;

pub mod error;
pub mod escape;
pub mod extract;

pub mod field;
pub mod message;
pub mod record;
pub mod timestamp;
pub mod views;
