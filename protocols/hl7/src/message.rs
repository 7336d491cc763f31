//! One HL7 v2 message: the decoded text plus a compact index of segment and field boundaries.
//!
//! Design: parsing makes one pass over the text (8 bytes at a time, SWAR) for the field separator, CR
//! and LF and
//! records where each segment and each field starts as `u32` offsets. Field access is then an index
//! lookup returning `&str`; repetitions, components and subcomponents are found lazily by scanning the
//! field. nom reads the grammar (MSH header, escape sequences, timestamps); the tokenizer is a plain
//! loop because it is the hot path.

use std::borrow::Cow;

use memchr::{memchr, memmem};

use crate::charset::{self, DeclaredCharset, TextEncoding};
use crate::error::{Diagnostic, DiagnosticKind, ParseError};
use crate::escape::classify;
use crate::header::{self, CR, LF};
use crate::mllp::END_BLOCK;
use crate::segment::{Segment, SegmentSpan};
use crate::segments::{Msh, SegmentView};
use crate::separators::Separators;

/// The UTF-8 byte order mark (U+FEFF).
const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// A parsed HL7 v2 message. Cheap to query: see the module doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    text: Cow<'a, str>,
    separators: Separators,
    encoding: TextEncoding,
    segments: Vec<SegmentSpan>,
    /// Start offset of every piece (segment id, then each field) of every segment.
    pieces: Vec<u32>,
}

impl<'a> Message<'a> {
    /// Parses ONE message (no MLLP framing; see [`crate::mllp`] and [`crate::split`]).
    ///
    /// Segments may end in CR, LF or CRLF; empty lines are skipped. Oddities come back as diagnostics;
    /// `Err` only when no `MSH` segment is found or its delimiters are unusable.
    pub fn parse(bytes: &'a [u8]) -> Result<(Self, Vec<Diagnostic>), ParseError> {
        if u32::try_from(bytes.len()).is_err() {
            return Err(ParseError::TooLarge { len: bytes.len() });
        }
        // A UTF-8 byte order mark, as Windows tools write at the start of exported files, is not part of
        // the message text.
        let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        let mut diagnostics = Vec::new();
        let start = header::find_header(bytes).ok_or(ParseError::NoHeader {
            searched: bytes.len(),
        })?;
        // The header lies before a trailing end block, so cutting it off leaves `start` valid.
        let (bytes, end_block) = strip_end_block(bytes);
        let separators = header::separators(bytes, start, &mut diagnostics)?;
        let declared_text = header::msh18(bytes, start, &separators);
        let declared = DeclaredCharset::from_msh18(declared_text);

        let replaced = replace_literal_cr(bytes, separators.field, &mut diagnostics);
        let (text, encoding) = match &replaced {
            Some(owned) => {
                let (t, e) = charset::decode(owned, declared, declared_text, &mut diagnostics);
                (Cow::Owned(t.into_owned()), e)
            }
            None => charset::decode(bytes, declared, declared_text, &mut diagnostics),
        };
        // Latin-1 decoding or `<13>` replacement can move the header: find it again in the text.
        let start = header::find_header(text.as_bytes()).unwrap_or(0);
        if text
            .as_bytes()
            .get(..start)
            .is_some_and(|j| j.iter().any(|b| !b.is_ascii_whitespace()))
        {
            diagnostics.insert(
                0,
                Diagnostic {
                    offset: 0,
                    kind: DiagnosticKind::LeadingJunk { len: start },
                },
            );
        }
        let mut message = Self {
            text,
            separators,
            encoding,
            segments: Vec::new(),
            pieces: Vec::new(),
        };
        message.index(start, &mut diagnostics);
        message.check_escapes(&mut diagnostics);
        message.check_message_type(&mut diagnostics);
        if let Some(offset) = end_block {
            diagnostics.push(Diagnostic {
                offset,
                kind: DiagnosticKind::UnframedEndBlock,
            });
        }
        Ok((message, diagnostics))
    }

    /// Builds the segment and piece index in one pass of `memchr3_iter` over the text.
    fn index(&mut self, start: usize, diagnostics: &mut Vec<Diagnostic>) {
        let text: &str = &self.text;
        let bytes = text.as_bytes();
        let fs = self.separators.field;
        let len = bytes.len();
        let mut segments = Vec::with_capacity(len / 48 + 1);
        let mut pieces = Vec::with_capacity(len / 5 + 1);
        // Offsets fit in u32: `parse` rejected longer input; decoding Latin-1 can at most double it, so
        // saturate rather than wrap in that extreme case.
        let off = |p: usize| u32::try_from(p).unwrap_or(u32::MAX);
        // Start of the current line, and the index of its first piece once a field separator was seen.
        let mut line_start = start;
        let mut open: Option<usize> = None;
        let haystack = bytes.get(start..).unwrap_or_default();
        for_each_delimiter(haystack, fs, |i, b| {
            let p = i + start;
            if b == fs {
                if open.is_none() {
                    open = Some(pieces.len());
                    pieces.push(off(line_start));
                }
                pieces.push(off(p + 1));
            } else {
                let first_piece = match open.take() {
                    Some(first) => Some(first),
                    // A line without any field separator (`PID`, a stray text line) is still a segment.
                    None if p > line_start => {
                        pieces.push(off(line_start));
                        Some(pieces.len() - 1)
                    }
                    None => None,
                };
                if let Some(first) = first_piece {
                    close_segment(
                        text,
                        &mut segments,
                        &pieces,
                        first,
                        line_start,
                        p,
                        diagnostics,
                    );
                }
                line_start = p + 1;
            }
        });
        let first_piece = match open {
            Some(first) => Some(first),
            None if len > line_start => {
                pieces.push(off(line_start));
                Some(pieces.len() - 1)
            }
            None => None,
        };
        if let Some(first) = first_piece {
            close_segment(
                text,
                &mut segments,
                &pieces,
                first,
                line_start,
                len,
                diagnostics,
            );
        }
        self.segments = segments;
        self.pieces = pieces;
    }

    /// Reports unterminated or unknown escape sequences (they are passed through when read).
    fn check_escapes(&self, diagnostics: &mut Vec<Diagnostic>) {
        let seps = self.separators;
        let bytes = self.text.as_bytes();
        if memchr(
            seps.escape,
            bytes
                .get(self.pieces.get(2).map_or(0, |&p| p as usize)..)
                .unwrap_or_default(),
        )
        .is_none()
        {
            return;
        }
        for seg in self.segments() {
            // MSH-1 and MSH-2 hold the escape character itself.
            let first_field = if seg.id() == "MSH" { 3 } else { 1 };
            let Some(start) = seg.field_start(first_field) else {
                continue;
            };
            let end = seg.offset() + seg.as_str().len();
            let seg_bytes = bytes.get(..end).unwrap_or_default();
            let mut pos = start;
            while let Some(i) = seg_bytes.get(pos..).and_then(|b| memchr(seps.escape, b)) {
                let open = pos + i;
                let after = open + 1;
                let stop = seg_bytes
                    .get(after..)
                    .and_then(|b| {
                        b.iter()
                            .position(|&b| b == seps.escape || seps.is_special(b))
                    })
                    .map_or(end, |j| after + j);
                if seg_bytes.get(stop) == Some(&seps.escape) {
                    let content = self.text.get(after..stop).unwrap_or_default();
                    if classify(content).is_none() {
                        let sequence: String = self
                            .text
                            .get(open..=stop)
                            .unwrap_or_default()
                            .chars()
                            .take(32)
                            .collect();
                        diagnostics.push(Diagnostic {
                            offset: open,
                            kind: DiagnosticKind::BadEscape { sequence },
                        });
                    }
                    pos = stop + 1;
                } else {
                    let sequence: String = self
                        .text
                        .get(open..stop)
                        .unwrap_or_default()
                        .chars()
                        .take(32)
                        .collect();
                    diagnostics.push(Diagnostic {
                        offset: open,
                        kind: DiagnosticKind::BadEscape { sequence },
                    });
                    pos = after;
                }
            }
        }
    }

    /// Reports a non-empty MSH-9 whose first component is not a message code of 3 capitals or digits.
    fn check_message_type(&self, diagnostics: &mut Vec<Diagnostic>) {
        let Some(header) = self.segment(0) else {
            return;
        };
        let field = header.field(9);
        let code = field.component(1).as_str();
        let is_code = code.len() == 3
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if field.as_str().is_empty() || is_code {
            return;
        }
        diagnostics.push(Diagnostic {
            offset: header.field_start(9).unwrap_or_else(|| header.offset()),
            kind: DiagnosticKind::BadMessageType {
                got: field.as_str().chars().take(64).collect(),
            },
        });
    }

    /// The whole message text, decoded to UTF-8 (segment terminators as received).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The delimiters read from MSH-1 and MSH-2.
    pub fn separators(&self) -> Separators {
        self.separators
    }

    /// How the bytes were decoded (see [`crate::charset`]).
    pub fn text_encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// Number of segments (MSH included).
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// Segment `i` (0-based: 0 is MSH).
    pub fn segment(&self, i: usize) -> Option<Segment<'_>> {
        let span = *self.segments.get(i)?;
        let first = span.first_piece as usize;
        let pieces = self.pieces.get(first..first + span.piece_count as usize)?;
        let start = span.start as usize;
        let is_header = self.text.get(start..start + 3) == Some("MSH")
            && pieces.get(1).is_none_or(|&p| p as usize == start + 4);
        Some(Segment::new(
            &self.text,
            span,
            pieces,
            self.separators,
            is_header,
        ))
    }

    /// All segments in order.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'_>> + '_ {
        (0..self.segments.len()).filter_map(move |i| self.segment(i))
    }

    /// The first segment with this id.
    pub fn first(&self, id: &str) -> Option<Segment<'_>> {
        self.segments().find(|s| s.id() == id)
    }

    /// The message header (always present: parsing fails without it).
    pub fn header(&self) -> Msh<'_> {
        match self.segment(0) {
            Some(seg) => Msh::wrap(seg),
            // Unreachable in practice: `parse` always indexes the MSH segment it found.
            None => Msh::wrap(Segment::new(
                &self.text,
                SegmentSpan::default(),
                &[],
                self.separators,
                true,
            )),
        }
    }

    /// All segments of one typed view, in order (e.g. `message.all::<Obx>()`).
    pub fn all<'s, V: SegmentView<'s> + 's>(&'s self) -> impl Iterator<Item = V> + 's {
        self.segments().filter(|s| s.id() == V::ID).map(V::wrap)
    }

    /// The first segment of one typed view.
    pub fn first_of<'s, V: SegmentView<'s>>(&'s self) -> Option<V> {
        self.first(V::ID).map(V::wrap)
    }

    /// Detaches the message from the input buffer.
    pub fn into_owned(self) -> Message<'static> {
        Message {
            text: Cow::Owned(self.text.into_owned()),
            separators: self.separators,
            encoding: self.encoding,
            segments: self.segments,
            pieces: self.pieces,
        }
    }
}

/// Cuts a trailing MLLP end block (`<FS>`, then any CR, LF or spaces) off `bytes`, returning the rest
/// and the end block's offset. 0x1C may not occur in message text (MLLP reserves it), so a final one
/// is read as the trailer of a frame whose start block was taken off, as middleware logs store them.
fn strip_end_block(bytes: &[u8]) -> (&[u8], Option<usize>) {
    let content = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    match content.checked_sub(1) {
        Some(at) if bytes.get(at) == Some(&END_BLOCK) => {
            (bytes.get(..at).unwrap_or_default(), Some(at))
        }
        _ => (bytes, None),
    }
}

/// Calls `f(index, byte)` for every field separator, CR and LF in `hay`, in order.
///
/// Delimiters are dense (one every few bytes), so restarting a SIMD search after each costs more than it
/// saves; this scans 8 bytes at a time as one `u64` (SWAR): a byte equal to a needle becomes zero after
/// XOR, and the exact zero-byte test below sets bit 7 of exactly those bytes.
#[inline]
fn for_each_delimiter(hay: &[u8], fs: u8, mut f: impl FnMut(usize, u8)) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    #[inline(always)]
    fn zero_bytes(x: u64) -> u64 {
        !((x & LOW7).wrapping_add(LOW7) | x | LOW7)
    }
    let (wfs, wcr, wlf) = (
        ONES * u64::from(fs),
        ONES * u64::from(CR),
        ONES * u64::from(LF),
    );
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        // `chunks_exact(8)` yields 8-byte slices; the fallback word holds no delimiter.
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let mut mask = zero_bytes(word ^ wfs) | zero_bytes(word ^ wcr) | zero_bytes(word ^ wlf);
        while mask != 0 {
            let i = (mask.trailing_zeros() / 8) as usize;
            f(base + i, chunk.get(i).copied().unwrap_or_default());
            mask &= mask - 1;
        }
        base += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == fs || b == CR || b == LF {
            f(base + i, b);
        }
    }
}

/// Records one segment and checks its id.
fn close_segment(
    text: &str,
    segments: &mut Vec<SegmentSpan>,
    pieces: &[u32],
    first_piece: usize,
    start: usize,
    end: usize,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let off = |p: usize| u32::try_from(p).unwrap_or(u32::MAX);
    let id_end = pieces.get(first_piece + 1).map_or(end, |&p| p as usize - 1);
    let id = text.get(start..id_end).unwrap_or_default();
    if !is_segment_id(id) {
        let id: String = id.chars().take(16).collect();
        diagnostics.push(Diagnostic {
            offset: start,
            kind: DiagnosticKind::BadSegmentId { id },
        });
    } else if id == "MSH" && !segments.is_empty() {
        diagnostics.push(Diagnostic {
            offset: start,
            kind: DiagnosticKind::RepeatedHeader,
        });
    }
    segments.push(SegmentSpan {
        start: off(start),
        end: off(end),
        first_piece: off(first_piece),
        piece_count: off(pieces.len() - first_piece),
    });
}

fn is_segment_id(id: &str) -> bool {
    id.len() == 3
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Replaces each literal `<13>` that stands before a segment id and the field separator (`<13>PID|`)
/// with a CR. Builders escape `<` in such text, so data written by [`crate::build`] never matches.
fn replace_literal_cr(
    bytes: &[u8],
    field_separator: u8,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<u8>> {
    const ARTEFACT: &[u8] = b"<13>";
    let hits: Vec<usize> = memmem::find_iter(bytes, ARTEFACT)
        .filter(|&i| {
            let next = bytes.get(i + ARTEFACT.len()..).unwrap_or_default();
            next.len() >= 4
                && next
                    .iter()
                    .take(3)
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && next.get(3) == Some(&field_separator)
        })
        .collect();
    if hits.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0;
    for (n, &i) in hits.iter().enumerate() {
        out.extend_from_slice(bytes.get(pos..i).unwrap_or_default());
        out.push(CR);
        pos = i + ARTEFACT.len();
        // Offsets after each replacement shrink by 3 bytes.
        diagnostics.push(Diagnostic {
            offset: i - 3 * n,
            kind: DiagnosticKind::LiteralCr,
        });
    }
    out.extend_from_slice(bytes.get(pos..).unwrap_or_default());
    Some(out)
}

#[cfg(test)]
mod tests;
