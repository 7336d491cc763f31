//! Character sets named in MSH-18 (HL7 v2.5.1 §2.15.9.18, table 0211) and decoding the message to UTF-8.
//!
//! Rules, in order:
//! - Valid UTF-8 is read as UTF-8 whatever MSH-18 says (borrowed, no copy). If MSH-18 declares ASCII or
//!   8859/1 and the text holds non-ASCII characters, a [`DiagnosticKind::CharsetMismatch`] says so: devices
//!   and middleware (cITm) send UTF-8 bytes under an `8859/1` label, and reading those as Latin-1 would
//!   turn `NGUYỄN` into mojibake.
//! - Bytes that are not UTF-8 are read as ISO 8859-1 (every byte is a character, nothing is lost). This
//!   is silent when MSH-18 says `8859/1` and a diagnostic otherwise.

use std::borrow::Cow;

pub use crate::error::TextEncoding;
use crate::error::{Diagnostic, DiagnosticKind};

/// What MSH-18 declares, as far as decoding is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclaredCharset {
    /// MSH-18 empty: HL7 then means 7-bit ASCII, but devices send anything; UTF-8 is tried first.
    Unspecified,
    /// `ASCII`.
    Ascii,
    /// `8859/1`.
    Latin1,
    /// `UNICODE UTF-8`, or plain `UNICODE` as Mindray and Erba send.
    Utf8,
    /// Anything else (`8859/2`, `GB 18030`, `UNICODE UTF-16`, ...).
    Other,
}

impl DeclaredCharset {
    /// Classifies the first repetition of MSH-18 (case-insensitive, surrounding spaces ignored).
    pub fn from_msh18(value: &[u8]) -> Self {
        let v = trim_ascii(value);
        if v.is_empty() {
            Self::Unspecified
        } else if v.eq_ignore_ascii_case(b"ASCII") {
            Self::Ascii
        } else if v.eq_ignore_ascii_case(b"8859/1") {
            Self::Latin1
        } else if v.eq_ignore_ascii_case(b"UNICODE UTF-8")
            || v.eq_ignore_ascii_case(b"UNICODE")
            || v.eq_ignore_ascii_case(b"UTF-8")
        {
            Self::Utf8
        } else {
            Self::Other
        }
    }
}

fn trim_ascii(mut v: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = v {
        if first.is_ascii_whitespace() {
            v = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = v {
        if last.is_ascii_whitespace() {
            v = rest;
        } else {
            break;
        }
    }
    v
}

/// Decodes `bytes` per the rules in the module doc. `declared_text` is MSH-18 as sent, for diagnostics.
pub(crate) fn decode<'a>(
    bytes: &'a [u8],
    declared: DeclaredCharset,
    declared_text: &[u8],
    diagnostics: &mut Vec<Diagnostic>,
) -> (Cow<'a, str>, TextEncoding) {
    let declared_string = || String::from_utf8_lossy(declared_text).into_owned();
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            match declared {
                DeclaredCharset::Other => diagnostics.push(Diagnostic {
                    offset: 0,
                    kind: DiagnosticKind::UnknownCharset {
                        declared: declared_string(),
                        decoded_as: TextEncoding::Utf8,
                    },
                }),
                DeclaredCharset::Ascii | DeclaredCharset::Latin1 if !text.is_ascii() => {
                    diagnostics.push(Diagnostic {
                        offset: first_non_ascii(bytes),
                        kind: DiagnosticKind::CharsetMismatch {
                            declared: declared_string(),
                            decoded_as: TextEncoding::Utf8,
                        },
                    });
                }
                _ => {}
            }
            (Cow::Borrowed(text), TextEncoding::Utf8)
        }
        Err(_) => {
            let kind = match declared {
                DeclaredCharset::Latin1 => None,
                DeclaredCharset::Other => Some(DiagnosticKind::UnknownCharset {
                    declared: declared_string(),
                    decoded_as: TextEncoding::Latin1,
                }),
                _ => Some(DiagnosticKind::CharsetMismatch {
                    declared: declared_string(),
                    decoded_as: TextEncoding::Latin1,
                }),
            };
            if let Some(kind) = kind {
                diagnostics.push(Diagnostic {
                    offset: first_non_ascii(bytes),
                    kind,
                });
            }
            (Cow::Owned(latin1_to_string(bytes)), TextEncoding::Latin1)
        }
    }
}

fn first_non_ascii(bytes: &[u8]) -> usize {
    bytes.iter().position(|b| !b.is_ascii()).unwrap_or(0)
}

/// ISO 8859-1 maps every byte to the Unicode code point of the same value.
pub(crate) fn latin1_to_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_msh18_values_seen_in_the_corpus() {
        assert_eq!(
            DeclaredCharset::from_msh18(b"UNICODE UTF-8"),
            DeclaredCharset::Utf8
        );
        assert_eq!(
            DeclaredCharset::from_msh18(b"UNICODE"),
            DeclaredCharset::Utf8
        );
        assert_eq!(
            DeclaredCharset::from_msh18(b" ascii "),
            DeclaredCharset::Ascii
        );
        assert_eq!(
            DeclaredCharset::from_msh18(b"8859/1"),
            DeclaredCharset::Latin1
        );
        assert_eq!(
            DeclaredCharset::from_msh18(b""),
            DeclaredCharset::Unspecified
        );
        assert_eq!(
            DeclaredCharset::from_msh18(b"8859/2"),
            DeclaredCharset::Other
        );
    }

    #[test]
    fn latin1_bytes_become_utf8() {
        let mut d = Vec::new();
        // "Müller" in ISO 8859-1: ü is the single byte 0xFC.
        let (text, enc) = decode(b"M\xFCller", DeclaredCharset::Latin1, b"8859/1", &mut d);
        assert_eq!(text, "Müller");
        assert_eq!(enc, TextEncoding::Latin1);
        assert!(d.is_empty());
    }

    #[test]
    fn utf8_under_latin1_label_is_kept_as_utf8_with_diagnostic() {
        let mut d = Vec::new();
        let (text, enc) = decode(
            "NGUYỄN VĂN AN".as_bytes(),
            DeclaredCharset::Latin1,
            b"8859/1",
            &mut d,
        );
        assert_eq!(text, "NGUYỄN VĂN AN");
        assert_eq!(enc, TextEncoding::Utf8);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].offset, 4);
    }

    #[test]
    fn invalid_utf8_without_label_falls_back_to_latin1_with_diagnostic() {
        let mut d = Vec::new();
        let (text, enc) = decode(b"Ch\xE8vre", DeclaredCharset::Unspecified, b"", &mut d);
        assert_eq!(text, "Chèvre");
        assert_eq!(enc, TextEncoding::Latin1);
        assert_eq!(d.len(), 1);
    }
}
