//! What the text-framing decoders ([`crate::advia`], [`crate::vidas`], [`crate::spotchem`],
//! [`crate::urine_strip`]) hand out: one measured value of one specimen, every field as the
//! analyzer sent it.

/// One result an analyzer message carries, fields as sent (trimmed of the padding of their
/// columns).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Measurement {
    /// The specimen id (bar code) the analyzer read.
    pub specimen_id: String,
    /// The analyzer's test code (ADVIA: the parameter number; mini VIDAS: the short assay
    /// name; Spotchem: the analyte name as printed).
    pub test: String,
    /// The value as sent.
    pub value: String,
    /// The units as sent (empty when the format carries none).
    pub units: String,
    /// The analyzer's flags or interpretation words, as sent.
    pub flags: Vec<String>,
}

/// A date and time as the analyzer's clock wrote it (no time zone: the lab's local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime {
    /// Four-digit year (two-digit years are read as 20YY).
    pub year: u16,
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
    /// 0 to 23.
    pub hour: u8,
    /// 0 to 59.
    pub minute: u8,
    /// 0 to 59 (0 when the format has no seconds).
    pub second: u8,
}

impl LocalTime {
    /// A time from its parts when each is in its range (the day is not checked against the
    /// month's length; the caller's calendar does that).
    pub fn new(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Option<Self> {
        let ok = (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60;
        ok.then_some(Self {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }
}

/// Reads exactly two ASCII digits at `text[at..at + 2]`.
pub(crate) fn two_digits(text: &[u8], at: usize) -> Option<u8> {
    match text.get(at..at + 2)? {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Some((a - b'0') * 10 + (b - b'0')),
        _ => None,
    }
}

/// Text as the analyzer sent it: UTF-8 when valid, else each byte as its Latin-1 character.
pub(crate) fn text_of(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_out_of_range_are_refused() {
        assert!(LocalTime::new(2014, 9, 29, 15, 23, 16).is_some());
        assert!(LocalTime::new(2014, 13, 29, 15, 23, 16).is_none());
        assert!(LocalTime::new(2014, 9, 0, 15, 23, 16).is_none());
        assert!(LocalTime::new(2014, 9, 29, 24, 0, 0).is_none());
    }

    #[test]
    fn two_digits_reads_only_digits() {
        assert_eq!(two_digits(b"x09/", 1), Some(9));
        assert_eq!(two_digits(b"9/", 0), None);
        assert_eq!(two_digits(b"9", 0), None);
    }

    #[test]
    fn latin1_bytes_are_kept_as_characters() {
        // 0xB5 is MICRO SIGN in ISO 8859-1 and not valid UTF-8 on its own.
        assert_eq!(text_of(b"\xb5IU/mL"), "\u{b5}IU/mL");
        assert_eq!(text_of("µIU/mL".as_bytes()), "µIU/mL");
    }
}
