//! HL7 version 2 messages and their MLLP framing.
//!
//! This crate does no IO, spawns nothing and never reads a clock.
#![warn(missing_docs)]
