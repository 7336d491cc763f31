//! The four E1394 delimiters, read from the H record of every message (LIS2-A2 §5.4, §6.2).
//!
//! Byte 0 of the H record is `H`; byte 1 is the field delimiter; bytes 2, 3 and 4 are the repeat,
//! component and escape delimiters, followed by a field delimiter. Nothing here is hard-coded: the
//! standard's examples use `H|\^&` but it defines no mandatory default (LIS2-A2 §5.4).
//!
//! Two damaged forms seen in the field are repaired with a diagnostic instead of rejected:
//! - `H|\\^&` (Horiba Yumizen H550 stored file): the repeat delimiter doubled, see
//!   [`HeaderDelimiters::doubled_repeat`].
//! - `H|^&` (Roche cobas e411 host log): only component and escape given; the repeat delimiter is
//!   taken as `\` (the standard's example) when that byte is free, see
//!   [`HeaderDelimiters::repeat_missing`].

use nom::bytes::complete::{tag_no_case, take_till};
use nom::combinator::rest;
use nom::number::complete::u8 as any_byte;
use nom::{IResult, Parser};

use crate::error::ParseError;

/// Carriage return, the record terminator (LIS2-A2 §5.4.1).
pub(crate) const CR: u8 = 0x0D;
/// Line feed; accepted as a record separator as well (PROTOCOLS.md §4, stored files use LF).
pub(crate) const LF: u8 = 0x0A;

/// The field, repeat, component and escape delimiters of one message (LIS2-A2 §5.4.2-§5.4.5).
///
/// Every delimiter is a distinct printable, non-alphanumeric ASCII byte other than CR/LF, which
/// keeps every split point on a UTF-8 character boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Delimiters {
    /// Field delimiter, byte 1 of the H record (`|` in the standard's examples).
    pub field: u8,
    /// Repeat delimiter, byte 2 (`\`).
    pub repeat: u8,
    /// Component delimiter, byte 3 (`^`; Beckman DxH uses `!`).
    pub component: u8,
    /// Escape delimiter, byte 4 (`&`; GeneXpert uses `\`, DxH `~`).
    pub escape: u8,
}

impl Default for Delimiters {
    /// The delimiters of the standard's examples, `|\^&` (LIS2-A2 §5.4): for messages the LIS
    /// originates itself. A received message always uses the set from its own H record.
    fn default() -> Self {
        Self {
            field: b'|',
            repeat: b'\\',
            component: b'^',
            escape: b'&',
        }
    }
}

impl Delimiters {
    /// Builds and validates a delimiter set.
    ///
    /// # Errors
    /// [`ParseError::InvalidDelimiters`] (offset 0) when two are equal or one is not allowed.
    pub fn new(field: u8, repeat: u8, component: u8, escape: u8) -> Result<Self, ParseError> {
        let d = Self {
            field,
            repeat,
            component,
            escape,
        };
        d.validate(0)?;
        Ok(d)
    }

    /// The four bytes in H-record order: field, repeat, component, escape.
    pub fn as_bytes(&self) -> [u8; 4] {
        [self.field, self.repeat, self.component, self.escape]
    }

    /// Checks LIS2-A2 §5.4.2-§5.4.5: each delimiter distinct and allowed. `base` is the offset
    /// of the field delimiter, used in the error.
    fn validate(&self, base: usize) -> Result<(), ParseError> {
        let names = ["field", "repeat", "component", "escape"];
        let bytes = self.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if !is_allowed_delimiter(b) {
                return Err(ParseError::InvalidDelimiters {
                    offset: base + i,
                    reason: format!(
                        "{} delimiter 0x{b:02X} is not a printable, non-alphanumeric ASCII character",
                        names[i]
                    ),
                });
            }
            for j in 0..i {
                if bytes[j] == b {
                    return Err(ParseError::InvalidDelimiters {
                        offset: base + i,
                        reason: format!(
                            "{} and {} delimiters are both {:?}",
                            names[j], names[i], b as char
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Printable ASCII punctuation only: never CR/LF (LIS2-A2 §5.4.1), never a letter or digit (which
/// would make the record type ambiguous), never a byte >= 0x80 (which could split a UTF-8 char).
fn is_allowed_delimiter(b: u8) -> bool {
    b.is_ascii_graphic() && !b.is_ascii_alphanumeric()
}

/// The delimiters read from an H record, with what had to be repaired to get them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderDelimiters {
    /// The delimiters to parse this message with.
    pub delimiters: Delimiters,
    /// The H-2 field held the repeat delimiter twice (`H|\\^&`, Yumizen H550 stored file): every
    /// doubled repeat delimiter in the message is an artefact and is collapsed to one.
    pub doubled_repeat: bool,
    /// H-2 held only two characters (`H|^&`, cobas e411 log): they were read as component and
    /// escape, and the repeat delimiter defaulted to `\`.
    pub repeat_missing: bool,
}

/// Reads the delimiters from the start of an H record (`record` begins with `H` or `h`).
///
/// `base` is the byte offset of the record in the message, used for error offsets.
///
/// # Errors
/// [`ParseError::NoHeader`] if the record does not start with `H`, and
/// [`ParseError::InvalidDelimiters`] if H-2 does not define four distinct allowed delimiters.
pub fn read_header_delimiters(record: &[u8], base: usize) -> Result<HeaderDelimiters, ParseError> {
    let Ok((_, (field, definition))) = header_start(record) else {
        return Err(
            if record
                .first()
                .is_some_and(|b| b.eq_ignore_ascii_case(&b'H'))
            {
                ParseError::InvalidDelimiters {
                    offset: base + 1,
                    reason: "H record has no field delimiter".to_owned(),
                }
            } else {
                ParseError::NoHeader {
                    offset: base,
                    got: String::from_utf8_lossy(&record[..record.len().min(16)]).into_owned(),
                }
            },
        );
    };
    if !is_allowed_delimiter(field) {
        return Err(ParseError::InvalidDelimiters {
            offset: base + 1,
            reason: format!(
                "field delimiter 0x{field:02X} is not a printable, non-alphanumeric ASCII character"
            ),
        });
    }
    let mut out = HeaderDelimiters {
        delimiters: Delimiters::default(),
        doubled_repeat: false,
        repeat_missing: false,
    };
    let d = match *definition {
        [repeat, component, escape] => Delimiters {
            field,
            repeat,
            component,
            escape,
        },
        [r1, r2, component, escape] if r1 == r2 => {
            out.doubled_repeat = true;
            Delimiters {
                field,
                repeat: r1,
                component,
                escape,
            }
        }
        [component, escape] if ![field, component, escape].contains(&b'\\') => {
            out.repeat_missing = true;
            Delimiters {
                field,
                repeat: b'\\',
                component,
                escape,
            }
        }
        _ => {
            return Err(ParseError::InvalidDelimiters {
                offset: base + 2,
                reason: format!(
                    "H-2 must hold repeat, component and escape delimiters, got {:?}",
                    String::from_utf8_lossy(definition)
                ),
            })
        }
    };
    d.validate(base + 1)?;
    out.delimiters = d;
    Ok(out)
}

/// `H` + field delimiter + the delimiter definition (up to the next field delimiter or the end).
fn header_start(input: &[u8]) -> IResult<&[u8], (u8, &[u8])> {
    let (input, _) = tag_no_case(&b"H"[..]).parse(input)?;
    let (input, field) = any_byte(input)?;
    let (input, definition) = take_till(|b| b == field || b == CR || b == LF).parse(input)?;
    let (input, _) = rest.parse(input)?;
    Ok((input, (field, definition)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(h: &str) -> Result<HeaderDelimiters, ParseError> {
        read_header_delimiters(h.as_bytes(), 0)
    }

    #[test]
    fn standard_example_delimiters() {
        let h = read("H|\\^&|||ARCHITECT").unwrap();
        assert_eq!(
            h.delimiters,
            Delimiters::new(b'|', b'\\', b'^', b'&').unwrap()
        );
        assert!(!h.doubled_repeat && !h.repeat_missing);
    }

    #[test]
    fn genexpert_at_repeat_backslash_escape() {
        let d = read("H|@^\\|URM-8lT4abZA-06||").unwrap().delimiters;
        assert_eq!(
            (d.field, d.repeat, d.component, d.escape),
            (b'|', b'@', b'^', b'\\')
        );
    }

    #[test]
    fn beckman_dxh_bang_component() {
        let d = read("H|\\!~|(0:0-144795890#123476669, 571)||DxH")
            .unwrap()
            .delimiters;
        assert_eq!((d.repeat, d.component, d.escape), (b'\\', b'!', b'~'));
    }

    #[test]
    fn lowercase_h_is_a_header() {
        assert!(read("h|\\^&").is_ok());
    }

    #[test]
    fn header_without_further_fields() {
        let d = read("H|\\^&").unwrap().delimiters;
        assert_eq!(d, Delimiters::default());
    }

    #[test]
    fn yumizen_doubled_backslash_is_normalised() {
        let h = read("H|\\\\^&|||H550").unwrap();
        assert!(h.doubled_repeat);
        assert_eq!(h.delimiters, Delimiters::default());
    }

    #[test]
    fn cobas_e411_missing_repeat_defaults_to_backslash() {
        let h = read("H|^&|||cobas-e411^1").unwrap();
        assert!(h.repeat_missing);
        assert_eq!(h.delimiters, Delimiters::default());
    }

    #[test]
    fn duplicate_delimiters_rejected_with_offset() {
        let e = read("H|^^&|").unwrap_err();
        assert!(
            matches!(e, ParseError::InvalidDelimiters { offset: 3, .. }),
            "{e:?}"
        );
    }

    #[test]
    fn field_delimiter_reused_in_definition_is_rejected() {
        // `H||^&`: the definition is empty (next byte is the field delimiter again).
        assert!(matches!(
            read("H||^&"),
            Err(ParseError::InvalidDelimiters { offset: 2, .. })
        ));
    }

    #[test]
    fn letters_and_cr_are_not_delimiters() {
        assert!(matches!(
            read("HELLO"),
            Err(ParseError::InvalidDelimiters { .. })
        ));
        assert!(matches!(
            read("H\r"),
            Err(ParseError::InvalidDelimiters { offset: 1, .. })
        ));
        assert!(matches!(
            read("H"),
            Err(ParseError::InvalidDelimiters { offset: 1, .. })
        ));
    }

    #[test]
    fn non_header_is_no_header() {
        assert!(matches!(
            read("P|1"),
            Err(ParseError::NoHeader { offset: 0, .. })
        ));
    }

    #[test]
    fn non_ascii_delimiter_rejected() {
        assert!(matches!(
            read_header_delimiters(b"H|\xC3^&|", 0),
            Err(ParseError::InvalidDelimiters { offset: 2, .. })
        ));
    }
}
