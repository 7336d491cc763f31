//! Grouping E1394 records into messages (H … L), from reassembled frame text or from a raw stream of
//! bare records (devices that send records over TCP without the E1381 low-level protocol).
//!
//! A message runs from an H record to an L record [LIS2-A2 §6, §12]; several may follow each other in
//! one transfer [LIS1-A §6.3]. Message boundaries come from the records, never from ETX: some devices
//! end every record with ETX (Pentra XLR) and others send a whole message in one frame (Sysmex).
//!
//! Records end with CR [LIS2-A2 §5.4.1]; LF and CR LF are accepted too. **In the output every record
//! ends with exactly one CR** (LF and CR LF are normalised, empty lines are dropped); all other bytes
//! are kept as received.
//!
//! Nothing is dropped: a new H while a message is open ends the open message (flagged incomplete),
//! and [`RecordAssembler::finish`] returns whatever is left at the end of the stream or at EOT.

use std::collections::VecDeque;
use std::mem;

use crate::frame::{CR, LF};

/// Why an assembled message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageEnd {
    /// An L record (message terminator, [LIS2-A2 §12]) ended it.
    Terminator,
    /// An H record started a new message before any L record.
    NextHeader,
    /// The stream ended (end of data, EOT, or [`RecordAssembler::finish`]) before any L record.
    EndOfInput,
}

/// One message out of the [`RecordAssembler`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssembledMessage {
    /// The records, each ended by one CR.
    pub text: Vec<u8>,
    /// Offset in the assembler's input of the first byte of the first record.
    pub offset: u64,
    /// Number of records in `text`.
    pub records: usize,
    /// Why the message ended.
    pub end: MessageEnd,
    /// True when the message begins with an H record.
    pub has_header: bool,
}

impl AssembledMessage {
    /// True for a whole message: it begins with H and ends with L.
    pub fn is_complete(&self) -> bool {
        self.has_header && self.end == MessageEnd::Terminator
    }
}

/// Incremental record grouper. Feed bytes with [`RecordAssembler::push`], take messages with
/// [`RecordAssembler::next_message`], and call [`RecordAssembler::finish`] at the end of the stream.
///
/// The L record is recognised as `L` or `l` followed by the field delimiter learned from byte 1 of the
/// open message's H record [LIS2-A2 §5.4, §5.5], or a bare `L`. Records seen before any H are kept as
/// a message without header, ended by the next H or by `finish`.
#[derive(Debug, Clone, Default)]
pub struct RecordAssembler {
    /// The open message's text, including the current unterminated record.
    msg: Vec<u8>,
    /// Where the current (unterminated) record starts in `msg`.
    record_start: usize,
    /// Terminated records in `msg`.
    records: usize,
    /// Field delimiter from the open message's H record.
    delimiter: Option<u8>,
    has_header: bool,
    msg_offset: u64,
    record_offset: u64,
    /// Offset of the next input byte.
    offset: u64,
    ready: VecDeque<AssembledMessage>,
}

/// A cheap snapshot of the assembler's state, taken before feeding one frame, so the frame can be
/// taken back when its message could not be stored (the link then NAKs the frame).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    msg_len: usize,
    record_start: usize,
    records: usize,
    delimiter: Option<u8>,
    has_header: bool,
    msg_offset: u64,
    record_offset: u64,
    offset: u64,
    ready_len: usize,
}

impl Mark {
    /// Length of the open message's text at the mark.
    pub(crate) fn msg_len(&self) -> usize {
        self.msg_len
    }

    /// Stream offset at the mark.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }
}

impl RecordAssembler {
    /// An empty assembler at stream offset 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Offset of the next byte to be pushed (total bytes pushed so far).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes held for the open (not yet finished) message.
    pub fn pending_len(&self) -> usize {
        self.msg.len()
    }

    /// The open message's text so far (records ended by CR, then the current unterminated record).
    pub(crate) fn pending_text(&self) -> &[u8] {
        &self.msg
    }

    /// Terminated records held for the open message.
    pub fn pending_records(&self) -> usize {
        self.records
    }

    /// Feeds bytes; finished messages are queued for [`RecordAssembler::next_message`].
    pub fn push(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.record_start == self.msg.len() {
                self.record_offset = self.offset;
            }
            match memchr::memchr2(CR, LF, rest) {
                Some(i) => {
                    self.msg.extend_from_slice(&rest[..i]);
                    self.offset += i as u64 + 1;
                    rest = &rest[i + 1..];
                    self.end_record();
                }
                None => {
                    self.msg.extend_from_slice(rest);
                    self.offset += rest.len() as u64;
                    rest = &[];
                }
            }
        }
    }

    /// Treats the bytes since the last separator as a complete record. The link calls this at ETX,
    /// which ends a record even when the device sent no CR before it.
    pub fn close_record(&mut self) {
        self.end_record();
    }

    /// The next finished message, oldest first.
    pub fn next_message(&mut self) -> Option<AssembledMessage> {
        self.ready.pop_front()
    }

    /// Ends the stream (end of data, or EOT on the link): closes the current record and returns every
    /// message still held, the last one flagged [`MessageEnd::EndOfInput`] when no L ended it. The
    /// assembler is then empty and can be fed again (offsets continue).
    pub fn finish(&mut self) -> Vec<AssembledMessage> {
        self.end_record();
        if self.records > 0 {
            self.emit(MessageEnd::EndOfInput);
        }
        self.msg.clear();
        self.record_start = 0;
        self.ready.drain(..).collect()
    }

    /// Splits a whole byte slice (a file of bare records) into messages, lazily.
    pub fn split_all(bytes: &[u8]) -> SplitAll<'_> {
        SplitAll {
            assembler: Self::new(),
            input: bytes,
            finished: false,
        }
    }

    fn end_record(&mut self) {
        let Some(&kind) = self.msg.get(self.record_start) else {
            // Empty line (the LF of a CR LF pair, or a blank line): nothing to keep.
            return;
        };
        let second = self.msg.get(self.record_start + 1).copied();
        if matches!(kind, b'H' | b'h') {
            if self.record_start > 0 {
                // A new header while a message is open: the open one ends here, incomplete.
                let header = self.msg.split_off(self.record_start);
                self.record_start = self.msg.len();
                self.emit(MessageEnd::NextHeader);
                self.msg = header;
            }
            self.has_header = true;
            self.delimiter = second;
            self.msg_offset = self.record_offset;
            self.msg.push(CR);
            self.records = 1;
            self.record_start = self.msg.len();
            return;
        }
        if self.records == 0 {
            self.msg_offset = self.record_offset;
        }
        self.msg.push(CR);
        self.records += 1;
        self.record_start = self.msg.len();
        let is_terminator = matches!(kind, b'L' | b'l')
            && (second.is_none() || (self.has_header && second == self.delimiter));
        if is_terminator {
            self.emit(MessageEnd::Terminator);
        }
    }

    /// Moves the terminated records of the open message to the ready queue.
    fn emit(&mut self, end: MessageEnd) {
        let capacity = self.msg.capacity();
        let mut text = mem::replace(&mut self.msg, Vec::with_capacity(capacity.min(64 * 1024)));
        // Anything after the last terminated record belongs to the next message.
        let partial = text.split_off(self.record_start.min(text.len()));
        self.msg.extend_from_slice(&partial);
        self.ready.push_back(AssembledMessage {
            text,
            offset: self.msg_offset,
            records: self.records,
            end,
            has_header: self.has_header,
        });
        self.record_start = 0;
        self.records = 0;
        self.has_header = false;
        self.delimiter = None;
    }

    pub(crate) fn mark(&self) -> Mark {
        Mark {
            msg_len: self.msg.len(),
            record_start: self.record_start,
            records: self.records,
            delimiter: self.delimiter,
            has_header: self.has_header,
            msg_offset: self.msg_offset,
            record_offset: self.record_offset,
            offset: self.offset,
            ready_len: self.ready.len(),
        }
    }

    /// Returns to `mark`. When messages were finished (and taken) since the mark, pass the text of the
    /// first one: the open message at the mark was a prefix of it.
    pub(crate) fn rollback(&mut self, mark: Mark, first_taken: Option<&[u8]>) {
        match first_taken.and_then(|t| t.get(..mark.msg_len)) {
            Some(prefix) => {
                self.msg.clear();
                self.msg.extend_from_slice(prefix);
            }
            None => self.msg.truncate(mark.msg_len),
        }
        self.record_start = mark.record_start;
        self.records = mark.records;
        self.delimiter = mark.delimiter;
        self.has_header = mark.has_header;
        self.msg_offset = mark.msg_offset;
        self.record_offset = mark.record_offset;
        self.offset = mark.offset;
        self.ready.truncate(mark.ready_len);
    }
}

/// Iterator returned by [`RecordAssembler::split_all`]. Feeds the input in 64 KiB pieces so memory
/// stays bounded by the largest message.
#[derive(Debug, Clone)]
pub struct SplitAll<'a> {
    assembler: RecordAssembler,
    input: &'a [u8],
    finished: bool,
}

impl Iterator for SplitAll<'_> {
    type Item = AssembledMessage;

    fn next(&mut self) -> Option<AssembledMessage> {
        loop {
            if let Some(message) = self.assembler.next_message() {
                return Some(message);
            }
            if !self.input.is_empty() {
                let (piece, rest) = self.input.split_at(self.input.len().min(64 * 1024));
                self.assembler.push(piece);
                self.input = rest;
            } else if !self.finished {
                self.finished = true;
                let rest = self.assembler.finish();
                self.assembler.ready.extend(rest);
            } else {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &[u8]) -> Vec<(Vec<u8>, u64, bool, MessageEnd)> {
        RecordAssembler::split_all(input)
            .map(|m| (m.text.clone(), m.offset, m.is_complete(), m.end))
            .collect()
    }

    #[test]
    fn one_message_cr() {
        let out = texts(b"H|\\^&\rP|1\rL|1|N\r");
        assert_eq!(
            out,
            vec![(
                b"H|\\^&\rP|1\rL|1|N\r".to_vec(),
                0,
                true,
                MessageEnd::Terminator
            )]
        );
    }

    #[test]
    fn lf_and_crlf_are_normalised_to_cr() {
        let out = texts(b"H|\\^&\r\nP|1\nL|1|N\r\n\r\nH|\\^&\nL|1\n");
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0, b"H|\\^&\rP|1\rL|1|N\r");
        assert_eq!(out[1].0, b"H|\\^&\rL|1\r");
        // "H|\^&" CR LF (7) + "P|1" LF (4) + "L|1|N" CR LF (7) + CR LF (2) = 20.
        assert_eq!(out[1].1, 20);
    }

    #[test]
    fn delimiter_comes_from_the_header() {
        // GeneXpert-like header with '|' but a record starting "L" then '!' is not a terminator when
        // the field delimiter is '!'.
        let out = texts(b"H!\\^&\rL|1\rR!1\rl!1\r");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, b"H!\\^&\rL|1\rR!1\rl!1\r");
        assert!(out[0].2, "lowercase l with the header's delimiter ends it");
    }

    #[test]
    fn new_header_ends_open_message_incomplete() {
        let out = texts(b"H|\\^&\rP|1\rH|\\^&\rL|1\r");
        assert_eq!(
            out[0],
            (b"H|\\^&\rP|1\r".to_vec(), 0, false, MessageEnd::NextHeader)
        );
        assert_eq!(
            out[1],
            (b"H|\\^&\rL|1\r".to_vec(), 10, true, MessageEnd::Terminator)
        );
    }

    #[test]
    fn finish_returns_remainder_flagged() {
        let mut a = RecordAssembler::new();
        a.push(b"H|\\^&\rP|1\rO|1|SPEC");
        assert_eq!(a.next_message(), None);
        let rest = a.finish();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].text, b"H|\\^&\rP|1\rO|1|SPEC\r");
        assert_eq!(rest[0].records, 3);
        assert_eq!(rest[0].end, MessageEnd::EndOfInput);
        assert!(!rest[0].is_complete());
        assert!(a.finish().is_empty(), "nothing twice");
    }

    #[test]
    fn l_without_final_separator_at_end_of_file() {
        // Galileo file ends "L|1|N " with no newline.
        let out = texts(b"H|\\^&\nL|1|N ");
        assert_eq!(
            out,
            vec![(
                b"H|\\^&\rL|1|N \r".to_vec(),
                0,
                true,
                MessageEnd::Terminator
            )]
        );
    }

    #[test]
    fn records_before_any_header_are_kept() {
        let out = texts(b"R|1|x\rH|\\^&\rL|1\r");
        assert_eq!(
            out[0],
            (b"R|1|x\r".to_vec(), 0, false, MessageEnd::NextHeader)
        );
        assert!(out[1].2);
    }

    #[test]
    fn byte_by_byte_equals_whole() {
        let input = b"H|\\^&\r\nP|1\r\nL|1\r\nH|@^\\\rL|1\r";
        let mut a = RecordAssembler::new();
        let mut got = Vec::new();
        for b in input {
            a.push(&[*b]);
            got.extend(std::iter::from_fn(|| a.next_message()));
        }
        got.extend(a.finish());
        let whole: Vec<_> = RecordAssembler::split_all(input).collect();
        assert_eq!(got, whole);
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[1].offset, 17);
        assert!(whole[1].is_complete());
    }

    #[test]
    fn close_record_ends_a_record_without_cr() {
        let mut a = RecordAssembler::new();
        a.push(b"H|\\^&\rL|1|N");
        assert_eq!(a.next_message(), None);
        a.close_record();
        let m = a.next_message().expect("message");
        assert_eq!(m.text, b"H|\\^&\rL|1|N\r");
    }

    #[test]
    fn rollback_restores_the_open_message() {
        let mut a = RecordAssembler::new();
        a.push(b"H|\\^&\rP|1|");
        let mark = a.mark();
        a.push(b"x\rL|1\r");
        let m = a.next_message().expect("message");
        a.rollback(mark, Some(&m.text));
        a.push(b"y\rL|1\r");
        let m = a.next_message().expect("message");
        assert_eq!(m.text, b"H|\\^&\rP|1|y\rL|1\r");
    }
}
