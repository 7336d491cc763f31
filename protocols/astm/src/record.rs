//! Records: one line of a message, split into fields by the field delimiter (LIS2-A2 §5.5).
//!
//! Fields are numbered as in the standard: field 1 is the record type, so `O|1|SPEC` has
//! O-2 = `1` and O-3 = `SPEC`; for H, field 2 is the delimiter definition (LIS2-A2 §6.2, §6.3).

use crate::delimiters::Delimiters;
use crate::field::Field;

/// The record type ID, field 1 of every record (LIS2-A2 §5.5); case-insensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// `H` message header, level 0 (LIS2-A2 §6).
    Header,
    /// `P` patient information, level 1 (LIS2-A2 §7).
    Patient,
    /// `O` test order, level 2 (LIS2-A2 §8).
    Order,
    /// `R` result, level 3 (LIS2-A2 §9).
    Result,
    /// `C` comment; applies to the preceding non-comment record (LIS2-A2 §10).
    Comment,
    /// `Q` request information (host query), level 1 (LIS2-A2 §11).
    Query,
    /// `L` message terminator, level 0 (LIS2-A2 §12).
    Terminator,
    /// `S` scientific, level 1 (LIS2-A2 §13).
    Scientific,
    /// `M` manufacturer information; fields are manufacturer-defined (LIS2-A2 §14).
    Manufacturer,
    /// Any other single letter, kept as sent (reported by a diagnostic).
    Unknown(char),
}

impl RecordType {
    /// The record type for a type letter, case-insensitive (LIS2-A2 §5.5).
    pub fn from_letter(letter: u8) -> Self {
        match letter.to_ascii_uppercase() {
            b'H' => Self::Header,
            b'P' => Self::Patient,
            b'O' => Self::Order,
            b'R' => Self::Result,
            b'C' => Self::Comment,
            b'Q' => Self::Query,
            b'L' => Self::Terminator,
            b'S' => Self::Scientific,
            b'M' => Self::Manufacturer,
            _ => Self::Unknown(char::from(letter)),
        }
    }

    /// The upper-case letter written for this type (an unknown type keeps its letter).
    pub fn letter(self) -> char {
        match self {
            Self::Header => 'H',
            Self::Patient => 'P',
            Self::Order => 'O',
            Self::Result => 'R',
            Self::Comment => 'C',
            Self::Query => 'Q',
            Self::Terminator => 'L',
            Self::Scientific => 'S',
            Self::Manufacturer => 'M',
            Self::Unknown(c) => c,
        }
    }
}

/// One record of a parsed message, borrowed from it. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Record<'m> {
    text: &'m str,
    start: u32,
    end: u32,
    /// End offset of each field (absolute in `text`); field k starts after field k-1's end.
    ends: &'m [u32],
    delimiters: Delimiters,
    index: usize,
}

impl<'m> Record<'m> {
    pub(crate) fn new(
        text: &'m str,
        start: u32,
        end: u32,
        ends: &'m [u32],
        delimiters: Delimiters,
        index: usize,
    ) -> Self {
        Self {
            text,
            start,
            end,
            ends,
            delimiters,
            index,
        }
    }

    /// The record type from field 1 (LIS2-A2 §5.5).
    pub fn kind(&self) -> RecordType {
        let letter = self
            .text
            .as_bytes()
            .get(self.start as usize)
            .copied()
            .unwrap_or(b'?');
        RecordType::from_letter(letter)
    }

    /// Position of this record in the message's flat record list (0 = the H record).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Byte offset of the record in [`Message::text`](crate::message::Message::text).
    pub fn offset(&self) -> usize {
        self.start as usize
    }

    /// The whole record as sent, without its terminator.
    pub fn raw(&self) -> &'m str {
        self.text
            .get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }

    /// How many fields were sent, including field 1 (the type).
    pub fn field_count(&self) -> usize {
        self.ends.len()
    }

    /// The delimiters of the message.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// Field `n` in standard numbering (1 = record type). A field beyond the end of the record,
    /// or field 0, is empty (LIS2-A2 §5.4.7).
    pub fn field(&self, n: usize) -> Field<'m> {
        let raw = match n
            .checked_sub(1)
            .and_then(|k| self.ends.get(k).map(|&e| (k, e)))
        {
            Some((0, end)) => self.text.get(self.start as usize..end as usize),
            Some((k, end)) => self
                .ends
                .get(k - 1)
                .and_then(|&prev| self.text.get(prev as usize + 1..end as usize)),
            None => None,
        };
        Field::new(raw.unwrap_or(""), self.delimiters)
    }

    /// The fields in order, starting with field 1 (the type).
    pub fn fields(&self) -> impl Iterator<Item = Field<'m>> + '_ {
        (1..=self.ends.len()).map(|n| self.field(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_letters_case_insensitive() {
        assert_eq!(RecordType::from_letter(b'r'), RecordType::Result);
        assert_eq!(RecordType::from_letter(b'H'), RecordType::Header);
        assert_eq!(RecordType::from_letter(b'l'), RecordType::Terminator);
        assert_eq!(RecordType::from_letter(b'X'), RecordType::Unknown('X'));
        assert_eq!(RecordType::Manufacturer.letter(), 'M');
    }

    #[test]
    fn fields_by_standard_number() {
        let text = "O|1|SPEC||^^^GLU";
        // Field ends at each `|` and at the end of the record.
        let ends = [1u32, 3, 8, 9, 16];
        let r = Record::new(text, 0, 16, &ends, Delimiters::default(), 2);
        assert_eq!(r.kind(), RecordType::Order);
        assert_eq!(r.field(1).raw(), "O");
        assert_eq!(r.field(2).raw(), "1");
        assert_eq!(r.field(3).raw(), "SPEC");
        assert!(r.field(4).is_empty());
        assert_eq!(r.field(5).component(4), "GLU");
        assert!(r.field(6).is_empty());
        assert!(r.field(0).is_empty());
        assert!(r.field(usize::MAX).is_empty());
        assert_eq!(r.fields().count(), 5);
    }
}
