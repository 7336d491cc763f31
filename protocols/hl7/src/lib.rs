//! HL7 version 2 messages (v2.3 to v2.8) and their MLLP framing, for a laboratory information system.
//!
//! What it does:
//! - [`Message::parse`] reads ONE message into a zero-copy index (text plus `u32` segment and field
//!   offsets). Delimiters come from MSH-1/MSH-2, segments may end in CR, LF or CRLF, and MSH-18 decides
//!   the character set (UTF-8 first, Latin-1 fallback). Oddities are [`Diagnostic`]s, not errors.
//! - [`segments`] gives typed views (MSH, PID, PV1, ORC, OBR, OBX, SPM, SAC, NTE, QPD, RCP, QAK, MSA,
//!   ERR, QRD, QRF, DSP) with HL7 v2.5.1 field numbers; [`extract`] turns a result message into rows.
//! - [`build`] writes messages: a generic [`build::MessageBuilder`] and builders for ORU^R01, OUL^R21/R22,
//!   ORM^O01, OML^O21/O33, QBP^Q11, RSP^K11, QRY^Q02, QCK^Q02, DSR^Q03 and ACK (original and enhanced).
//! - [`mllp`] frames and unframes messages on a byte stream; [`split`] cuts a file of unframed messages.
//!
//! What it deliberately does not do: no IO, no async, no clock reads, no domain model (patients, orders
//! and results as the lab sees them live in `lis-core`), no conversation state (drivers decide when to
//! acknowledge).
//!
//! Module map:
//! - [`message`], [`segment`], [`field`]: the parsed message and its views.
//! - [`separators`], [`escape`], [`charset`]: delimiters, escape sequences, character sets.
//! - [`segments`], [`datatypes`], [`timestamp`]: typed segment views, composite types, DTM values.
//! - [`extract`]: normalised result rows and the benchmark summary.
//! - [`groups`]: which SPM gives the specimen of each segment (ORU^R01 after its OBX, OUL^R22 before).
//! - [`build`]: message builders. [`mllp`]: framing. [`split`]: unframed files.
//! - [`error`]: [`ParseError`] and [`Diagnostic`].
#![warn(missing_docs)]

pub mod build;
pub mod charset;
pub mod datatypes;
pub mod error;
pub mod escape;
pub mod extract;
pub mod field;
pub mod groups;
mod header;
pub mod message;
pub mod mllp;
mod scan;
pub mod segment;
pub mod segments;
pub mod separators;
pub mod split;
pub mod timestamp;

pub use charset::TextEncoding;
pub use error::{Diagnostic, DiagnosticKind, ParseError};
pub use field::{Component, Field, Repetition, Subcomponent};
pub use message::Message;
pub use segment::Segment;
pub use segments::SegmentView;
pub use separators::Separators;
pub use timestamp::Timestamp;

/// A file of the shared corpus, for tests. The corpus sits at `../../../shared` from this crate in the
/// main checkout and one level further up from a worktree under `wt/`.
#[cfg(test)]
pub(crate) fn corpus_path(relative: &str) -> std::path::PathBuf {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../../../shared/corpus", "../../../../shared/corpus"]
        .iter()
        .map(|dir| base.join(dir))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| base.join("../../../shared/corpus"))
        .join(relative)
}
