//! ASTM for laboratory instruments: the E1381 (CLSI LIS1-A) low-level link and E1394 (CLSI LIS2-A2)
//! records.
//!
//! This crate does no IO, spawns nothing and never reads a clock: bytes and an injected `now` go in,
//! bytes to write, decoded messages and the next deadline come out. It knows nothing of the lab
//! (orders, patients' results, validation): that is `lis-core`'s business.
//!
//! Module map, from the wire up:
//! - [`frame`]: E1381 frames (`<STX> FN text <ETB|ETX> C1 C2 <CR><LF>`), checksums, splitting a
//!   message into frames and the incremental [`frame::FrameDecoder`].
//! - [`link`]: the sans-IO E1381 link state machine for both roles (establishment, contention,
//!   transfer, retries, timers, receiver interrupt), with a durable-acknowledgement hook.
//! - [`assemble`]: groups records from reassembled frames or a raw TCP stream into H…L messages.
//! - [`capture`]: decodes a recorded E1381 conversation offline (for `lis parse` and replay).
//! - [`rendered`]: serial-monitor logs that show control bytes as `[STX]`/`<CR>` tokens, back to
//!   bytes.
//! - [`delimiters`], [`escape`], [`field`], [`record`], [`message`]: the E1394 parser: delimiters
//!   from the H record, escape sequences, zero-copy fields and records, the message and its tree.
//! - [`views`]: typed views of the H, P, O, R, C, Q and L records, with the standard's code sets.
//! - [`timestamp`]: E1394 date-times.
//! - [`encode`]: what the LIS writes: order downloads, host-query answers, host queries.
//! - [`extract`]: the generic, normalised result rows (analyzer profiles may override the rules).
//! - [`error`]: errors for messages that cannot be read at all.
#![warn(missing_docs)]

pub mod assemble;
pub mod capture;
pub mod delimiters;
pub mod encode;
pub mod error;
pub mod escape;
pub mod extract;
pub mod field;
pub mod frame;
pub mod link;
pub mod message;
pub mod record;
pub mod rendered;
mod scan;
pub mod timestamp;
pub mod views;
