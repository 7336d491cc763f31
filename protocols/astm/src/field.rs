//! Fields, repeats and components: borrowed slices of the message text (LIS2-A2 §5.4).
//!
//! A [`Field`] is the text between two field delimiters. It splits on the repeat delimiter into
//! repeats, each itself a `Field`, and a repeat splits on the component delimiter into
//! components. Nothing here allocates except [`Field::text`] when escapes are present.

use std::borrow::Cow;

use crate::delimiters::Delimiters;
use crate::escape::unescape;
use crate::scan::find_byte;

/// One field (or one repeat of a field), borrowed from the message.
///
/// A field past the end of a record is empty: trailing empty fields may be left off
/// (LIS2-A2 §5.4.7), so asking for them is never an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'m> {
    raw: &'m str,
    delimiters: Delimiters,
}

impl<'m> Field<'m> {
    /// Wraps raw field text with the delimiters of its message.
    pub fn new(raw: &'m str, delimiters: Delimiters) -> Self {
        Self { raw, delimiters }
    }

    /// The field as sent: escapes not decoded, repeat and component delimiters included.
    pub fn raw(&self) -> &'m str {
        self.raw
    }

    /// The delimiters of the message this field belongs to.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// True when the field is empty: "unknown / no change" (LIS2-A2 §5.4.9).
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// True when the field is exactly `""`: "delete the stored value" (LIS2-A2 §5.4.9).
    pub fn is_delete(&self) -> bool {
        self.raw == "\"\""
    }

    /// The whole field with escape sequences decoded (LIS2-A2 §5.4.5.1); raw delimiters stay.
    pub fn text(&self) -> Cow<'m, str> {
        unescape(self.raw, &self.delimiters)
    }

    /// The repeats of the field (LIS2-A2 §5.4.3); an empty field has one empty repeat.
    pub fn repeats(&self) -> impl Iterator<Item = Field<'m>> + 'm {
        let d = self.delimiters;
        self.raw
            .split(char::from(d.repeat))
            .map(move |raw| Field::new(raw, d))
    }

    /// The first repeat: the whole field when it is not repeated.
    pub fn first_repeat(&self) -> Self {
        let raw = match find_byte(self.delimiters.repeat, self.raw.as_bytes()) {
            Some(end) => self.raw.get(..end).unwrap_or(self.raw),
            None => self.raw,
        };
        Self::new(raw, self.delimiters)
    }

    /// The raw components of the first repeat (LIS2-A2 §5.4.4).
    pub fn components(&self) -> impl Iterator<Item = &'m str> + 'm {
        self.first_repeat()
            .raw
            .split(char::from(self.delimiters.component))
    }

    /// Component `n` (1-based) of the first repeat, raw; empty when absent or `n` is 0.
    pub fn component(&self, n: usize) -> &'m str {
        if n == 0 {
            return "";
        }
        // One pass over the first repeat: stop at the first repeat delimiter.
        let raw = self.raw;
        let (component, repeat) = (self.delimiters.component, self.delimiters.repeat);
        let mut start = 0;
        let mut seen = 1;
        let mut end = raw.len();
        for (pos, &b) in raw.as_bytes().iter().enumerate() {
            if b == component {
                if seen == n {
                    return raw.get(start..pos).unwrap_or("");
                }
                seen += 1;
                start = pos + 1;
            } else if b == repeat {
                end = pos;
                break;
            }
        }
        if seen == n {
            raw.get(start..end).unwrap_or("")
        } else {
            ""
        }
    }

    /// Component `n` (1-based) of the first repeat with escapes decoded.
    pub fn component_text(&self, n: usize) -> Cow<'m, str> {
        unescape(self.component(n), &self.delimiters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(raw: &str) -> Field<'_> {
        Field::new(raw, Delimiters::default())
    }

    #[test]
    fn components_are_one_based() {
        let t = f("^^^WBC^804-5^1");
        assert_eq!(t.component(1), "");
        assert_eq!(t.component(4), "WBC");
        assert_eq!(t.component(5), "804-5");
        assert_eq!(t.component(6), "1");
        assert_eq!(t.component(7), "");
        assert_eq!(t.component(0), "");
        assert_eq!(t.components().count(), 6);
    }

    #[test]
    fn repeats_split_and_components_take_first_repeat() {
        // Bio-Rad IH-1000 O-4: `1122206642^^^\1122206642^^^`.
        let o4 = f("1122206642^^^\\1122206642^^^");
        let reps: Vec<&str> = o4.repeats().map(|r| r.raw()).collect();
        assert_eq!(reps, ["1122206642^^^", "1122206642^^^"]);
        assert_eq!(o4.component(1), "1122206642");
        assert_eq!(o4.component(2), "");
        assert_eq!(o4.component(5), "");
    }

    #[test]
    fn empty_and_delete() {
        assert!(f("").is_empty());
        assert!(!f("").is_delete());
        assert!(f("\"\"").is_delete());
        assert_eq!(f("").repeats().count(), 1);
        assert_eq!(f("").component(1), "");
    }

    #[test]
    fn text_decodes_escapes_and_component_text() {
        let t = f("a&S&b^c&F&d");
        assert_eq!(t.text(), "a^b^c|d");
        assert_eq!(t.component_text(1), "a^b");
        assert_eq!(t.component_text(2), "c|d");
    }

    #[test]
    fn dxh_bang_components() {
        let d = Delimiters::new(b'|', b'\\', b'!', b'~').unwrap();
        let t = Field::new("!!!WBC!33256-9", d);
        assert_eq!(t.component(4), "WBC");
        assert_eq!(t.component(5), "33256-9");
    }
}
