//! A whole message (H..L): the decoded text plus a compact index of records and fields
//! (LIS2-A2 §4, §5).
//!
//! [`parse_message`] decodes the charset, reads the delimiters from the H record
//! ([`crate::delimiters`]), splits records on CR, LF or CRLF and fields on the field delimiter,
//! and checks the record order of LIS2-A2 §4.1 into [`Diagnostic`]s. The index is one `Vec<u32>`
//! per message; accessors return `&str` borrowed from the text and never allocate.

mod diagnostic;
mod tree;

use std::borrow::Cow;

pub use self::diagnostic::{Diagnostic, DiagnosticKind};
pub use self::tree::{OrderGroup, PatientGroup, ResultGroup};

use crate::delimiters::{read_header_delimiters, Delimiters, CR, LF};
use crate::error::ParseError;
use crate::record::{Record, RecordType};

/// How the message bytes were decoded (LIS2-A2 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Valid UTF-8 (covers plain ASCII); the text borrows the input.
    Utf8,
    /// Not valid UTF-8: each byte read as ISO 8859-1, the charset LIS2-A2 §5.1 names.
    Latin1,
}

/// Entries per record in the index table: start, end, first field slot, field count.
const ENTRY: usize = 4;

/// One parsed message. Borrows the input when it is UTF-8 and needed no repair.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    text: Cow<'a, str>,
    charset: Charset,
    delimiters: Delimiters,
    /// `[start, end, field_slot, field_count]` per record for `record_count` records (in a table
    /// sized for the maximum possible), then the end offset of every field.
    index: Vec<u32>,
    table_len: usize,
    record_count: usize,
}

/// Parses one complete message (H..L). Shorthand for [`Message::parse`].
///
/// # Errors
/// See [`Message::parse`].
pub fn parse_message(bytes: &[u8]) -> Result<(Message<'_>, Vec<Diagnostic>), ParseError> {
    Message::parse(bytes)
}

impl<'a> Message<'a> {
    /// Parses one complete message: H first, then any records, normally ending with L.
    ///
    /// Records may be separated by CR, LF or CRLF; blank lines and trailing whitespace are
    /// ignored. The returned `Vec<Diagnostic>` does not allocate when there is nothing to report.
    ///
    /// # Errors
    /// [`ParseError::Empty`] for blank input, [`ParseError::NoHeader`] when the first record is
    /// not H, [`ParseError::InvalidDelimiters`] when H does not define usable delimiters.
    pub fn parse(bytes: &'a [u8]) -> Result<(Self, Vec<Diagnostic>), ParseError> {
        let (text, charset) = match std::str::from_utf8(bytes) {
            Ok(s) => (Cow::Borrowed(s), Charset::Utf8),
            Err(_) => (
                Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect::<String>()),
                Charset::Latin1,
            ),
        };
        if text.len() > u32::MAX as usize - 1 {
            return Err(ParseError::TooLong { len: text.len() });
        }
        Self::from_text(text, charset)
    }

    fn from_text(
        mut text: Cow<'a, str>,
        charset: Charset,
    ) -> Result<(Self, Vec<Diagnostic>), ParseError> {
        let mut diagnostics = Vec::new();
        let start = text
            .bytes()
            .position(|b| !is_blank(b))
            .ok_or(ParseError::Empty)?;
        let header = read_header_delimiters(&text.as_bytes()[start..], start)?;
        let delimiters = header.delimiters;
        if header.doubled_repeat {
            let r = char::from(delimiters.repeat);
            let doubled: String = [r, r].iter().collect();
            text = Cow::Owned(text.replace(&doubled, r.encode_utf8(&mut [0; 4])));
            diagnostics.push(Diagnostic {
                kind: DiagnosticKind::DelimitersNormalised,
                record_index: Some(0),
                line: line_of(&text, start),
                byte_offset: start + 2,
                detail: format!("doubled repeat delimiter {r}{r} read as {r}"),
            });
        }
        if header.repeat_missing {
            diagnostics.push(Diagnostic {
                kind: DiagnosticKind::RepeatDelimiterMissing,
                record_index: Some(0),
                line: line_of(&text, start),
                byte_offset: start + 2,
                detail: "H-2 gives only component and escape; repeat taken as \\".to_owned(),
            });
        }
        let mut msg = Self {
            text,
            charset,
            delimiters,
            index: Vec::new(),
            table_len: 0,
            record_count: 0,
        };
        msg.build_index(start, &mut diagnostics);
        msg.check_structure(&mut diagnostics);
        Ok((msg, diagnostics))
    }

    /// Splits records and fields into the index with memchr; skips blank and non-record lines.
    /// `first` is the offset of the H record: leading blanks are not a record.
    fn build_index(&mut self, first: usize, diagnostics: &mut Vec<Diagnostic>) {
        let all = self.text.as_bytes();
        let bytes = all.get(first..).unwrap_or_default();
        let field = self.delimiters.field;
        let max_records = memchr::memchr2_iter(CR, LF, bytes).count() + 1;
        let field_delims = memchr::memchr_iter(field, bytes).count();
        let table_len = ENTRY * max_records;
        let mut index = Vec::with_capacity(table_len + field_delims + max_records);
        index.resize(table_len, 0u32);
        let mut count = 0usize;
        let mut rec_start = first;
        let mut slot = table_len;
        // Offsets fit in u32: checked in `parse`. Records are sparse (memchr2 finds their ends);
        // field delimiters are dense (every few bytes), where a plain loop beats memchr.
        let push_fields = |index: &mut Vec<u32>, from: usize, to: usize| {
            if let Some(rec) = all.get(from..to) {
                for (i, &b) in rec.iter().enumerate() {
                    if b == field {
                        index.push((from + i) as u32);
                    }
                }
            }
        };
        for hit in memchr::memchr2_iter(CR, LF, bytes) {
            let at = first + hit;
            push_fields(&mut index, rec_start, at);
            self.finish_record(
                &mut index,
                &mut count,
                &mut slot,
                rec_start,
                at,
                diagnostics,
            );
            rec_start = at + 1;
        }
        push_fields(&mut index, rec_start, all.len());
        self.finish_record(
            &mut index,
            &mut count,
            &mut slot,
            rec_start,
            all.len(),
            diagnostics,
        );
        self.index = index;
        self.table_len = table_len;
        self.record_count = count;
    }

    /// Closes the record `start..end` whose field ends from `slot` on are already in `index`.
    fn finish_record(
        &self,
        index: &mut Vec<u32>,
        count: &mut usize,
        slot: &mut usize,
        start: usize,
        end: usize,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let bytes = self.text.as_bytes();
        let record = bytes.get(start..end).unwrap_or_default();
        let type_len = index
            .get(*slot)
            .map_or(end, |&e| e as usize)
            .saturating_sub(start);
        let is_record = type_len == 1 && record.first().is_some_and(u8::is_ascii_alphabetic);
        if !is_record {
            index.truncate(*slot);
            if !record.iter().all(|&b| is_blank(b)) {
                diagnostics.push(Diagnostic {
                    kind: DiagnosticKind::NotARecord,
                    record_index: None,
                    line: line_of(&self.text, start),
                    byte_offset: start,
                    detail: format!(
                        "line skipped: {:?}",
                        self.text
                            .get(start..end)
                            .unwrap_or("")
                            .chars()
                            .take(24)
                            .collect::<String>()
                    ),
                });
            }
            return;
        }
        index.push(end as u32);
        let fields = index.len() - *slot;
        let entry = [start as u32, end as u32, (*slot) as u32, fields as u32];
        if let Some(t) = index.get_mut(*count * ENTRY..(*count + 1) * ENTRY) {
            t.copy_from_slice(&entry);
            *count += 1;
        }
        *slot = index.len();
    }

    /// Checks the record order of LIS2-A2 §4.1 and reports deviations.
    fn check_structure(&self, diagnostics: &mut Vec<Diagnostic>) {
        let mut in_patient = false;
        let mut in_order = false;
        let mut terminated = false;
        for r in self.records() {
            let report = |kind, detail: String, diagnostics: &mut Vec<Diagnostic>| {
                diagnostics.push(Diagnostic {
                    kind,
                    record_index: Some(r.index()),
                    line: line_of(&self.text, r.offset()),
                    byte_offset: r.offset(),
                    detail,
                });
            };
            if terminated {
                report(
                    DiagnosticKind::RecordAfterTerminator,
                    String::new(),
                    diagnostics,
                );
            }
            match r.kind() {
                RecordType::Header if r.index() > 0 => {
                    report(DiagnosticKind::UnexpectedHeader, String::new(), diagnostics);
                    in_patient = false;
                    in_order = false;
                }
                RecordType::Patient => {
                    in_patient = true;
                    in_order = false;
                }
                RecordType::Order => {
                    if !in_patient {
                        report(
                            DiagnosticKind::OrderWithoutPatient,
                            String::new(),
                            diagnostics,
                        );
                    }
                    in_order = true;
                }
                RecordType::Result if !in_order => {
                    report(
                        DiagnosticKind::ResultWithoutOrder,
                        String::new(),
                        diagnostics,
                    );
                }
                RecordType::Query | RecordType::Scientific => {
                    in_patient = false;
                    in_order = false;
                }
                RecordType::Terminator => {
                    terminated = true;
                    in_patient = false;
                    in_order = false;
                }
                RecordType::Unknown(c) => report(
                    DiagnosticKind::UnknownRecordType,
                    format!("record type {c:?}"),
                    diagnostics,
                ),
                _ => {}
            }
        }
        if !terminated {
            diagnostics.push(Diagnostic {
                kind: DiagnosticKind::MissingTerminator,
                record_index: None,
                line: line_of(&self.text, self.text.len()),
                byte_offset: self.text.len(),
                detail: String::new(),
            });
        }
    }

    /// An owned copy that outlives the input bytes (copies the text only if it was borrowed).
    pub fn into_owned(self) -> Message<'static> {
        Message {
            text: Cow::Owned(self.text.into_owned()),
            charset: self.charset,
            delimiters: self.delimiters,
            index: self.index,
            table_len: self.table_len,
            record_count: self.record_count,
        }
    }

    /// The message text, decoded (see [`Message::charset`]); all offsets refer to it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// How the bytes were decoded: UTF-8 when valid, else ISO 8859-1 (LIS2-A2 §5.1).
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// The delimiters read from the H record (LIS2-A2 §6.2).
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// Number of records kept (blank and non-record lines are not counted).
    pub fn record_count(&self) -> usize {
        self.record_count
    }

    /// Record `i` of the flat record list (0 is the H record).
    pub fn record(&self, i: usize) -> Option<Record<'_>> {
        (i < self.record_count).then(|| self.record_at(i))
    }

    /// Record `i`, which the caller has checked is below `record_count`.
    fn record_at(&self, i: usize) -> Record<'_> {
        let entry = self
            .index
            .get(i * ENTRY..(i + 1) * ENTRY)
            .unwrap_or(&[0; ENTRY]);
        let (start, end, slot, fields) = (entry[0], entry[1], entry[2] as usize, entry[3] as usize);
        let ends = self.index.get(slot..slot + fields).unwrap_or_default();
        Record::new(&self.text, start, end, ends, self.delimiters, i)
    }

    /// Every record in order, H first.
    pub fn records(
        &self,
    ) -> impl DoubleEndedIterator<Item = Record<'_>> + ExactSizeIterator + Clone + '_ {
        (0..self.record_count).map(move |i| self.record_at(i))
    }

    /// The H record (always present in a parsed message).
    pub fn header_record(&self) -> Option<Record<'_>> {
        self.record(0)
    }

    /// The first L record, if any (LIS2-A2 §12).
    pub fn terminator_record(&self) -> Option<Record<'_>> {
        self.records().find(|r| r.kind() == RecordType::Terminator)
    }

    /// Every record of one type, in order.
    pub fn records_of(&self, kind: RecordType) -> impl Iterator<Item = Record<'_>> + '_ {
        self.records().filter(move |r| r.kind() == kind)
    }
}

/// Whitespace and separators that may pad a message or a blank line.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | CR | LF)
}

/// 1-based line of `offset`: counts LF, and CR not followed by LF, before it.
fn line_of(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let upto = bytes.get(..offset).unwrap_or(bytes);
    1 + memchr::memchr2_iter(CR, LF, upto)
        .filter(|&i| !(upto[i] == CR && bytes.get(i + 1) == Some(&LF)))
        .count()
}

#[cfg(test)]
mod tests;
