//! Oddities a receiver can live with, reported beside the parsed message.

/// What was odd about a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// H-2 held a doubled repeat delimiter (`H|\\^&`, Yumizen H550 stored file); every doubled
    /// repeat delimiter in the message was collapsed to one (offsets refer to the result).
    DelimitersNormalised,
    /// H-2 held only component and escape delimiters (`H|^&`, cobas e411 log); the repeat
    /// delimiter defaulted to `\` (LIS2-A2 §5.4 example).
    RepeatDelimiterMissing,
    /// A non-blank line whose first field is not a single letter; skipped (not a record).
    NotARecord,
    /// A record type letter that LIS2-A2 §5.5 does not define; kept as
    /// [`RecordType::Unknown`](crate::record::RecordType::Unknown).
    UnknownRecordType,
    /// A second H record inside the message (H is only first, LIS2-A2 §6); kept.
    UnexpectedHeader,
    /// A record after the L record (L is last, LIS2-A2 §12); kept.
    RecordAfterTerminator,
    /// The message has no L record (LIS2-A2 §12).
    MissingTerminator,
    /// An O record with no preceding P record (LIS2-A2 §4.1).
    OrderWithoutPatient,
    /// An R record with no preceding O record (LIS2-A2 §4.1).
    ResultWithoutOrder,
}

/// One oddity: what, where (record, line, byte) and a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What was odd.
    pub kind: DiagnosticKind,
    /// Index in [`Message::records`](crate::message::Message::records), when it concerns a
    /// record that was kept.
    pub record_index: Option<usize>,
    /// 1-based line (CR, LF or CRLF each end one line).
    pub line: usize,
    /// Byte offset in [`Message::text`](crate::message::Message::text).
    pub byte_offset: usize,
    /// Details for a human, e.g. the unknown letter.
    pub detail: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, byte {}: {:?}",
            self.line, self.byte_offset, self.kind
        )?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}
