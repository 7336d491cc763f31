//! One segment of a parsed message.

use crate::field::Field;
use crate::separators::Separators;

/// Where a segment lies in the message text and where its pieces are in the piece index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SegmentSpan {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) first_piece: u32,
    pub(crate) piece_count: u32,
}

/// A segment: its id and its fields, numbered as in HL7 (for MSH, field 1 is the field separator itself
/// and field 2 the encoding characters, so `field(3)` is MSH-3 sending application).
#[derive(Debug, Clone, Copy)]
pub struct Segment<'m> {
    text: &'m str,
    span: SegmentSpan,
    /// Start offsets of the id (piece 0) and of each field.
    pieces: &'m [u32],
    seps: Separators,
    is_header: bool,
}

impl<'m> Segment<'m> {
    pub(crate) fn new(
        text: &'m str,
        span: SegmentSpan,
        pieces: &'m [u32],
        seps: Separators,
        is_header: bool,
    ) -> Self {
        Self {
            text,
            span,
            pieces,
            seps,
            is_header,
        }
    }

    fn piece(&self, i: usize) -> &'m str {
        let Some(&start) = self.pieces.get(i) else {
            return "";
        };
        let end = match self.pieces.get(i + 1) {
            Some(&next) => next as usize - 1,
            None => self.span.end as usize,
        };
        self.text.get(start as usize..end).unwrap_or_default()
    }

    /// Byte offset in the message text where field `n` starts (`None` when absent; MSH-1 not supported).
    pub(crate) fn field_start(&self, n: usize) -> Option<usize> {
        let i = if self.is_header { n.checked_sub(1)? } else { n };
        self.pieces.get(i).map(|&p| p as usize)
    }

    /// The segment id (`MSH`, `OBX`, `ZRI`...).
    pub fn id(&self) -> &'m str {
        self.piece(0)
    }

    /// Byte offset of the segment in the message text.
    pub fn offset(&self) -> usize {
        self.span.start as usize
    }

    /// The whole segment as sent, without its terminator.
    pub fn as_str(&self) -> &'m str {
        self.text
            .get(self.span.start as usize..self.span.end as usize)
            .unwrap_or_default()
    }

    /// The separators of the message.
    pub fn separators(&self) -> Separators {
        self.seps
    }

    /// Number of fields present (trailing empty fields that were not sent are not counted).
    pub fn field_count(&self) -> usize {
        let n = self.pieces.len().saturating_sub(1);
        if self.is_header {
            n + 1
        } else {
            n
        }
    }

    /// Field `n` (1-based, HL7 numbering); empty when absent, never a panic.
    #[inline]
    pub fn field(&self, n: usize) -> Field<'m> {
        if self.is_header {
            match n {
                0 => Field::new("", self.seps, true),
                1 => {
                    let s = self.span.start as usize + 3;
                    Field::new(self.text.get(s..s + 1).unwrap_or_default(), self.seps, true)
                }
                2 => Field::new(self.piece(1), self.seps, true),
                _ => Field::new(self.piece(n - 1), self.seps, false),
            }
        } else if n == 0 {
            Field::new("", self.seps, false)
        } else {
            Field::new(self.piece(n), self.seps, false)
        }
    }

    /// All fields from 1 on.
    pub fn fields(&self) -> impl Iterator<Item = Field<'m>> + '_ {
        (1..=self.field_count()).map(move |n| self.field(n))
    }
}
