//! The delimiters of one message, read from MSH-1 and MSH-2 (HL7 v2.5.1 §2.5.4, §2.7).

/// The separators of one message. HL7 defines them per message in MSH-1 (field separator) and MSH-2
/// (component, repetition, escape, subcomponent, and since v2.7 the truncation character). They are
/// ASCII bytes; this crate rejects anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Separators {
    /// MSH-1, normally `|` (HL7 v2.5.1 §2.5.4).
    pub field: u8,
    /// MSH-2 character 1, normally `^`.
    pub component: u8,
    /// MSH-2 character 2, normally `~`.
    pub repetition: u8,
    /// MSH-2 character 3, normally `\`.
    pub escape: u8,
    /// MSH-2 character 4, normally `&`.
    pub subcomponent: u8,
    /// MSH-2 character 5, `#` when present (HL7 v2.7 §2.5.5.2 truncation character).
    pub truncation: Option<u8>,
}

impl Default for Separators {
    /// `|^~\&`, the values HL7 recommends.
    fn default() -> Self {
        Self {
            field: b'|',
            component: b'^',
            repetition: b'~',
            escape: b'\\',
            subcomponent: b'&',
            truncation: None,
        }
    }
}

impl Separators {
    /// The MSH-2 text for these separators (`^~\&` or `^~\&#`).
    pub fn encoding_characters(&self) -> String {
        let mut s = String::with_capacity(5);
        for b in [
            self.component,
            self.repetition,
            self.escape,
            self.subcomponent,
        ] {
            s.push(char::from(b));
        }
        if let Some(t) = self.truncation {
            s.push(char::from(t));
        }
        s
    }

    /// True when `b` is one of the delimiters that must be escaped inside data.
    pub(crate) fn is_special(&self, b: u8) -> bool {
        b == self.field
            || b == self.component
            || b == self.repetition
            || b == self.escape
            || b == self.subcomponent
            || Some(b) == self.truncation
    }
}
