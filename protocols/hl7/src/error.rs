//! Errors (the message cannot be read at all) and diagnostics (oddities a reader can live with).

/// How the message bytes were turned into text (`charset` decodes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// The bytes were valid UTF-8 (ASCII included) and are used as they are.
    Utf8,
    /// The bytes were read as ISO 8859-1 (Latin-1) and converted to UTF-8.
    Latin1,
}

/// Why a byte string could not be read as an HL7 v2 message at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No `MSH` segment starts the message (nor any line of it).
    #[error("no MSH segment found (searched {searched} bytes from offset 0)")]
    NoHeader {
        /// How many bytes were searched.
        searched: usize,
    },
    /// MSH-1, the field separator, is missing or not a printable ASCII character.
    #[error("MSH-1 field separator at offset {offset} is unusable: got {got:?}")]
    BadFieldSeparator {
        /// Byte offset of MSH-1.
        offset: usize,
        /// The byte found there, if any.
        got: Option<u8>,
    },
    /// MSH-2, the encoding characters, cannot be used to split the message.
    #[error("MSH-2 encoding characters at offset {offset} are unusable: {reason} (got {got:?})")]
    BadEncodingCharacters {
        /// Byte offset of MSH-2.
        offset: usize,
        /// What is wrong with them.
        reason: &'static str,
        /// The characters found (lossy).
        got: String,
    },
    /// The message is longer than the 4 GiB the compact index can address.
    #[error("message of {len} bytes is too large to index (limit u32::MAX)")]
    TooLarge {
        /// Length of the input in bytes.
        len: usize,
    },
}

/// Something odd in a message that was nevertheless read; returned beside the [`crate::Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Byte offset in the message text (equal to the input offset unless the text was decoded from Latin-1
    /// or had `<13>` artefacts replaced).
    pub offset: usize,
    /// What was seen.
    pub kind: DiagnosticKind,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.kind)
    }
}

/// The kinds of [`Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiagnosticKind {
    /// Bytes before the `MSH` segment were skipped (for example a log heading).
    #[error("{len} bytes of text before the MSH segment were skipped")]
    LeadingJunk {
        /// Number of skipped bytes.
        len: usize,
    },
    /// MSH-18 names a character set this crate does not know; the text was decoded as `decoded_as`.
    #[error("unknown character set {declared:?} in MSH-18; decoded as {decoded_as:?}")]
    UnknownCharset {
        /// MSH-18 as sent.
        declared: String,
        /// What was used instead.
        decoded_as: TextEncoding,
    },
    /// The bytes do not match the character set declared in MSH-18 (or none was declared and the bytes are
    /// not UTF-8); the text was decoded as `decoded_as`.
    #[error("bytes do not match MSH-18 {declared:?}; decoded as {decoded_as:?}")]
    CharsetMismatch {
        /// MSH-18 as sent (empty when absent).
        declared: String,
        /// What was used instead.
        decoded_as: TextEncoding,
    },
    /// An escape sequence that is unterminated or unknown; it is passed through unchanged.
    #[error("bad escape sequence {sequence:?} passed through unchanged")]
    BadEscape {
        /// The sequence as sent (possibly cut short).
        sequence: String,
    },
    /// A segment id that is not three ASCII letters or digits; the segment is kept.
    #[error("segment id {id:?} is not 3 letters or digits; segment kept")]
    BadSegmentId {
        /// The id as sent (at most 16 characters kept).
        id: String,
    },
    /// A literal `<13>` left by a log renderer in place of a CR was read as a segment terminator.
    #[error("literal `<13>` read as a CR segment terminator")]
    LiteralCr,
    /// MSH-2 is shorter than the 4 standard encoding characters; the missing ones take their defaults.
    #[error("MSH-2 {got:?} has fewer than 4 encoding characters; defaults used for the rest")]
    ShortEncodingCharacters {
        /// MSH-2 as sent.
        got: String,
    },
    /// A second `MSH` segment inside one message (probably two messages run together); it is kept as a
    /// plain segment.
    #[error("a second MSH segment inside one message")]
    RepeatedHeader,
    /// MSH-9 is not empty but its first component is not a 3-character message code (`ORU`, `RSP`; HL7
    /// table 0076): typically a sender left out or added a header field, so MSH-9 onwards hold their
    /// neighbours' values. The fields are read where they stand.
    #[error("MSH-9 {got:?} does not start with a 3-character message code; header fields may be shifted")]
    BadMessageType {
        /// MSH-9 as sent (at most 64 characters kept).
        got: String,
    },
    /// The message ends with the MLLP end block (`<FS>`, 0x1C, and the CR after it) but had no start
    /// block: a middleware log kept the trailer when it took the start byte off. The end block is not
    /// part of the message text; the offset is where it stood.
    #[error("MLLP end block <FS> ends a message that had no start block; not read as a segment")]
    UnframedEndBlock,
}
