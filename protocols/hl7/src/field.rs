//! Field, repetition, component and subcomponent views: slices of the message text found lazily by
//! scanning within the field (HL7 v2.5.1 §2.5.3, §2.6). Nothing here allocates except [`Field::text`]
//! and friends when the value holds an escape sequence.
//!
//! Numbering is HL7's: repetitions, components and subcomponents count from 1. Asking for one that is
//! not there gives an empty value, never a panic.

use std::borrow::Cow;

use crate::escape::unescape;
use crate::scan::find_byte;
use crate::separators::Separators;

/// Iterator over the pieces of `raw` between `sep` bytes (one empty piece for an empty `raw`).
#[derive(Debug, Clone)]
pub(crate) struct Pieces<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Pieces<'a> {
    pub(crate) fn new(raw: &'a str, sep: u8) -> Self {
        Self {
            rest: Some(raw),
            sep,
        }
    }
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match find_byte(self.sep, rest.as_bytes()) {
            // The separator is ASCII, so `i` and `i + 1` are char boundaries.
            Some(i) => {
                self.rest = rest.get(i + 1..);
                rest.get(..i)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// The `n`th (1-based) piece of `raw` split on `sep`; empty when absent.
#[inline]
pub(crate) fn nth_piece(raw: &str, sep: u8, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    let bytes = raw.as_bytes();
    let mut start = 0;
    for _ in 1..n {
        match bytes.get(start..).and_then(|b| find_byte(sep, b)) {
            Some(i) => start += i + 1,
            None => return "",
        }
    }
    let rest = raw.get(start..).unwrap_or_default();
    match find_byte(sep, rest.as_bytes()) {
        Some(i) => rest.get(..i).unwrap_or_default(),
        None => rest,
    }
}

macro_rules! value_methods {
    () => {
        /// The value exactly as sent, escape sequences included.
        pub fn as_str(&self) -> &'m str {
            self.raw
        }

        /// The value with escape sequences decoded (borrowed when it holds none).
        pub fn text(&self) -> Cow<'m, str> {
            if self.literal {
                Cow::Borrowed(self.raw)
            } else {
                unescape(self.raw, &self.seps)
            }
        }

        /// True when nothing was sent.
        pub fn is_empty(&self) -> bool {
            self.raw.is_empty()
        }

        /// True for the HL7 null `""`, which means "delete the stored value" (HL7 v2.5.1 §2.5.3).
        pub fn is_null(&self) -> bool {
            self.raw == "\"\""
        }
    };
}

/// One field of a segment (all its repetitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'m> {
    raw: &'m str,
    seps: Separators,
    /// MSH-1 and MSH-2 are read literally: they hold the delimiters themselves.
    literal: bool,
}

impl<'m> Field<'m> {
    pub(crate) fn new(raw: &'m str, seps: Separators, literal: bool) -> Self {
        Self { raw, seps, literal }
    }

    value_methods!();

    /// The repetitions of the field (one, possibly empty, when the field does not repeat).
    pub fn repetitions(&self) -> impl Iterator<Item = Repetition<'m>> + 'm {
        let (seps, literal) = (self.seps, self.literal);
        let sep = if literal { None } else { Some(seps.repetition) };
        let pieces = match sep {
            Some(sep) => Pieces::new(self.raw, sep),
            // A separator that cannot occur in the literal field keeps it whole.
            None => Pieces {
                rest: Some(self.raw),
                sep: b'\r',
            },
        };
        pieces.map(move |raw| Repetition { raw, seps, literal })
    }

    /// Repetition `n` (1-based); empty when absent.
    pub fn repetition(&self, n: usize) -> Repetition<'m> {
        let raw = if self.literal {
            if n == 1 {
                self.raw
            } else {
                ""
            }
        } else {
            nth_piece(self.raw, self.seps.repetition, n)
        };
        Repetition {
            raw,
            seps: self.seps,
            literal: self.literal,
        }
    }

    /// Component `n` (1-based) of the first repetition.
    pub fn component(&self, n: usize) -> Component<'m> {
        self.repetition(1).component(n)
    }

    /// Subcomponent `s` of component `c` of the first repetition (both 1-based).
    pub fn subcomponent(&self, c: usize, s: usize) -> Subcomponent<'m> {
        self.repetition(1).component(c).subcomponent(s)
    }
}

/// One repetition of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repetition<'m> {
    raw: &'m str,
    seps: Separators,
    literal: bool,
}

impl<'m> Repetition<'m> {
    value_methods!();

    /// Component `n` (1-based); empty when absent.
    pub fn component(&self, n: usize) -> Component<'m> {
        let raw = if self.literal {
            if n == 1 {
                self.raw
            } else {
                ""
            }
        } else {
            nth_piece(self.raw, self.seps.component, n)
        };
        Component {
            raw,
            seps: self.seps,
            literal: self.literal,
        }
    }

    /// All components in order.
    pub fn components(&self) -> impl Iterator<Item = Component<'m>> + 'm {
        let (seps, literal) = (self.seps, self.literal);
        let sep = if literal { b'\r' } else { seps.component };
        Pieces::new(self.raw, sep).map(move |raw| Component { raw, seps, literal })
    }
}

/// One component of a repetition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component<'m> {
    raw: &'m str,
    seps: Separators,
    literal: bool,
}

impl<'m> Component<'m> {
    value_methods!();

    /// Subcomponent `n` (1-based); empty when absent.
    pub fn subcomponent(&self, n: usize) -> Subcomponent<'m> {
        let raw = if self.literal {
            if n == 1 {
                self.raw
            } else {
                ""
            }
        } else {
            nth_piece(self.raw, self.seps.subcomponent, n)
        };
        Subcomponent {
            raw,
            seps: self.seps,
            literal: self.literal,
        }
    }

    /// All subcomponents in order.
    pub fn subcomponents(&self) -> impl Iterator<Item = Subcomponent<'m>> + 'm {
        let (seps, literal) = (self.seps, self.literal);
        let sep = if literal { b'\r' } else { seps.subcomponent };
        Pieces::new(self.raw, sep).map(move |raw| Subcomponent { raw, seps, literal })
    }
}

/// One subcomponent of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subcomponent<'m> {
    raw: &'m str,
    seps: Separators,
    literal: bool,
}

impl<'m> Subcomponent<'m> {
    value_methods!();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(raw: &str) -> Field<'_> {
        Field::new(raw, Separators::default(), false)
    }

    #[test]
    fn nth_piece_counts_from_one_and_is_empty_beyond_the_end() {
        assert_eq!(nth_piece("a^b^c", b'^', 1), "a");
        assert_eq!(nth_piece("a^b^c", b'^', 3), "c");
        assert_eq!(nth_piece("a^b^c", b'^', 4), "");
        assert_eq!(nth_piece("a^b^c", b'^', 0), "");
        assert_eq!(nth_piece("", b'^', 1), "");
        assert_eq!(nth_piece("a^^", b'^', 3), "");
    }

    #[test]
    fn repetitions_components_subcomponents() {
        let f = field("id1^^^AUTH&1.2&ISO^MR~id2^^^X^PI");
        assert_eq!(f.repetitions().count(), 2);
        assert_eq!(f.repetition(2).component(1).as_str(), "id2");
        assert_eq!(f.component(4).as_str(), "AUTH&1.2&ISO");
        assert_eq!(f.subcomponent(4, 2).as_str(), "1.2");
        assert_eq!(f.subcomponent(4, 9).as_str(), "");
        assert_eq!(f.repetition(3).as_str(), "");
        assert_eq!(f.component(5).as_str(), "MR");
    }

    #[test]
    fn flags_with_empty_first_repetition() {
        let f = field("~N");
        let reps: Vec<&str> = f.repetitions().map(|r| r.as_str()).collect();
        assert_eq!(reps, ["", "N"]);
    }

    #[test]
    fn null_and_empty() {
        assert!(field("\"\"").is_null());
        assert!(field("").is_empty());
        assert!(!field("x").is_empty());
    }

    #[test]
    fn literal_fields_are_not_split_or_unescaped() {
        let f = Field::new(r"^~\&", Separators::default(), true);
        assert_eq!(f.text(), r"^~\&");
        assert_eq!(f.component(1).as_str(), r"^~\&");
        assert_eq!(f.component(2).as_str(), "");
        assert_eq!(f.repetitions().count(), 1);
    }

    #[test]
    fn text_unescapes_per_level() {
        let f = field(r"a\S\b^c\T\d");
        assert_eq!(f.text(), "a^b^c&d");
        assert_eq!(f.component(1).text(), "a^b");
        assert_eq!(f.component(2).text(), "c&d");
    }
}
