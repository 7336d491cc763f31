//! Errors for E1394 / LIS2-A2 record parsing: raised only when a message cannot be read at all.
//!
//! Everything a receiver can live with (missing L, unknown record types, odd delimiters) is a
//! [`Diagnostic`](crate::message::Diagnostic) returned beside the message instead.

/// Why a message could not be read at all.
///
/// Offsets are byte offsets into the message text (after charset decoding, see
/// [`Message::text`](crate::message::Message::text)); they equal input byte offsets for the ASCII
/// header bytes where these errors arise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The input holds no record at all (empty, or only whitespace).
    #[error("empty message: no record found")]
    Empty,
    /// The first record is not an H (header) record; LIS2-A2 §6 requires H first.
    #[error("no H record at offset {offset}: message starts with {got:?}")]
    NoHeader {
        /// Byte offset of the first non-blank record.
        offset: usize,
        /// Up to the first 16 characters of that record.
        got: String,
    },
    /// The message is too long for the index's 32-bit offsets (4 GiB; LIS1-A frames carry at
    /// most 64,000 characters, so no real message comes close).
    #[error("message of {len} bytes is longer than 4 GiB")]
    TooLong {
        /// Length of the decoded message text in bytes.
        len: usize,
    },
    /// The H record does not define a usable set of delimiters (LIS2-A2 §5.4.2-§5.4.6).
    #[error("invalid delimiters at offset {offset}: {reason}")]
    InvalidDelimiters {
        /// Byte offset of the offending delimiter byte (1 = field delimiter, 2-4 = H-2).
        offset: usize,
        /// What is wrong, e.g. "repeat and component delimiters are the same".
        reason: String,
    },
}
