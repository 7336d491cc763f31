//! Escape sequences (HL7 v2.5.1 §2.7): decoding for reading, encoding for building.
//!
//! Decoded: `\F\` field, `\S\` component, `\T\` subcomponent, `\R\` repetition, `\E\` escape, `\P\`
//! truncation (v2.7), and `\Xhh..\` hexadecimal data (bytes read as UTF-8 when valid, else ISO 8859-1).
//! Passed through unchanged, delimiters included: the formatting sequences `\H\`, `\N\`, `\.br\`, `\.sp\`,
//! `\.in\`, `\.ti\`, `\.sk\`, `\.ce\`, `\.fi\`, `\.nf\` (§2.7.6), the character-set switches `\Cxxyy\` and
//! `\Mxxyyzz\` (§2.7.3), locally defined `\Z..\` sequences (§2.7.4), and anything unknown or unterminated
//! (which [`crate::Message::parse`] also reports as a diagnostic).

use std::borrow::Cow;

use memchr::memchr;
use nom::{
    branch::alt,
    bytes::complete::{tag, take_while_m_n},
    character::complete::{anychar, digit0},
    combinator::{all_consuming, map, map_res, rest, value},
    multi::many1,
    sequence::preceded,
    IResult, Parser,
};

use crate::mllp::{END_BLOCK, START_BLOCK};
use crate::separators::Separators;

/// What one escape sequence (the text between two escape characters) means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EscapeSequence {
    /// Stands for one of the message's delimiters.
    Delimiter(Delimiter),
    /// `\Xhh..\`: these bytes.
    Hex(Vec<u8>),
    /// Formatting or character-set sequence, kept as sent.
    PassThrough,
}

/// The delimiter an escape sequence stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delimiter {
    Field,
    Component,
    Subcomponent,
    Repetition,
    Escape,
    Truncation,
}

fn hex_byte(input: &str) -> IResult<&str, u8> {
    map_res(
        take_while_m_n(2, 2, |c: char| c.is_ascii_hexdigit()),
        |h: &str| u8::from_str_radix(h, 16),
    )
    .parse(input)
}

fn hex4(input: &str) -> IResult<&str, &str> {
    take_while_m_n(4, 4, |c: char| c.is_ascii_hexdigit()).parse(input)
}

fn sequence(input: &str) -> IResult<&str, EscapeSequence> {
    let delimiter = alt((
        value(Delimiter::Field, tag("F")),
        value(Delimiter::Component, tag("S")),
        value(Delimiter::Subcomponent, tag("T")),
        value(Delimiter::Repetition, tag("R")),
        value(Delimiter::Escape, tag("E")),
        value(Delimiter::Truncation, tag("P")),
    ));
    let formatting = alt((
        tag("H"),
        tag("N"),
        preceded(
            alt((
                tag(".br"),
                tag(".sp"),
                tag(".in"),
                tag(".ti"),
                tag(".sk"),
                tag(".ce"),
                tag(".fi"),
                tag(".nf"),
            )),
            // Optional signed count: `.sp3`, `.in-2`.
            preceded(nom::combinator::opt(alt((tag("+"), tag("-")))), digit0),
        ),
        preceded(tag("C"), hex4),
        preceded(
            tag("M"),
            alt((
                preceded(hex4, take_while_m_n(2, 2, |c: char| c.is_ascii_hexdigit())),
                hex4,
            )),
        ),
        preceded(tag("Z"), rest),
    ));
    all_consuming(alt((
        map(delimiter, EscapeSequence::Delimiter),
        map(preceded(tag("X"), many1(hex_byte)), EscapeSequence::Hex),
        value(EscapeSequence::PassThrough, formatting),
    )))
    .parse(input)
}

/// Classifies the text between two escape characters; `None` when it is not a known sequence.
pub(crate) fn classify(content: &str) -> Option<EscapeSequence> {
    // Fast path for the one-letter sequences, by far the most common.
    match content.as_bytes() {
        [b'F'] => return Some(EscapeSequence::Delimiter(Delimiter::Field)),
        [b'S'] => return Some(EscapeSequence::Delimiter(Delimiter::Component)),
        [b'T'] => return Some(EscapeSequence::Delimiter(Delimiter::Subcomponent)),
        [b'R'] => return Some(EscapeSequence::Delimiter(Delimiter::Repetition)),
        [b'E'] => return Some(EscapeSequence::Delimiter(Delimiter::Escape)),
        [b'H'] | [b'N'] => return Some(EscapeSequence::PassThrough),
        _ => {}
    }
    // `anychar` keeps nom from matching an empty sequence as `Z`-less text.
    if anychar::<_, nom::error::Error<&str>>(content).is_err() {
        return None;
    }
    sequence(content).ok().map(|(_, s)| s)
}

fn delimiter_byte(d: Delimiter, seps: &Separators) -> Option<u8> {
    match d {
        Delimiter::Field => Some(seps.field),
        Delimiter::Component => Some(seps.component),
        Delimiter::Subcomponent => Some(seps.subcomponent),
        Delimiter::Repetition => Some(seps.repetition),
        Delimiter::Escape => Some(seps.escape),
        // Before v2.7 there is no truncation character; `#` is what v2.7 recommends.
        Delimiter::Truncation => Some(seps.truncation.unwrap_or(b'#')),
    }
}

/// Decodes the escape sequences of `raw`; borrowed when `raw` holds no escape character.
pub fn unescape<'a>(raw: &'a str, seps: &Separators) -> Cow<'a, str> {
    let bytes = raw.as_bytes();
    let Some(mut next) = crate::scan::find_byte(seps.escape, bytes) else {
        return Cow::Borrowed(raw);
    };
    let mut out = String::with_capacity(raw.len());
    let mut pos = 0;
    loop {
        out.push_str(raw.get(pos..next).unwrap_or_default());
        let after = next + 1;
        let Some(len) = bytes.get(after..).and_then(|b| memchr(seps.escape, b)) else {
            // Unterminated: keep the rest as sent.
            out.push_str(raw.get(next..).unwrap_or_default());
            return Cow::Owned(out);
        };
        let end = after + len + 1;
        let content = raw.get(after..after + len).unwrap_or_default();
        match classify(content) {
            Some(EscapeSequence::Delimiter(d)) => {
                if let Some(b) = delimiter_byte(d, seps) {
                    out.push(char::from(b));
                }
            }
            Some(EscapeSequence::Hex(data)) => match String::from_utf8(data) {
                Ok(s) => out.push_str(&s),
                Err(e) => out.push_str(&crate::charset::latin1_to_string(e.as_bytes())),
            },
            Some(EscapeSequence::PassThrough) | None => {
                out.push_str(raw.get(next..end).unwrap_or_default());
            }
        }
        pos = end;
        match bytes.get(pos..).and_then(|b| memchr(seps.escape, b)) {
            Some(i) => next = pos + i,
            None => {
                out.push_str(raw.get(pos..).unwrap_or_default());
                return Cow::Owned(out);
            }
        }
    }
}

/// Escapes every delimiter in `text` (CR/LF as `\X0D\`/`\X0A\`, and the `<` of `<13>` as `\X3C\`) so it
/// can be written as data; the MLLP block characters too (`\X0B\`, `\X1C\`), which would otherwise
/// cut the frame on the wire. Borrowed when nothing needs escaping.
pub fn escape<'a>(text: &'a str, seps: &Separators) -> Cow<'a, str> {
    let artefact = text.contains("<13>");
    if !artefact
        && !text
            .bytes()
            .any(|b| seps.is_special(b) || matches!(b, b'\r' | b'\n' | START_BLOCK | END_BLOCK))
    {
        return Cow::Borrowed(text);
    }
    let e = char::from(seps.escape);
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        let code = match u8::try_from(c) {
            // `<13>` is read back as a log artefact for a CR (see `Message::parse`): write `<` in hex.
            Ok(b'<') if artefact && text.get(i..).is_some_and(|t| t.starts_with("<13>")) => {
                Some("X3C")
            }
            Ok(b) if b == seps.field => Some("F"),
            Ok(b) if b == seps.component => Some("S"),
            Ok(b) if b == seps.subcomponent => Some("T"),
            Ok(b) if b == seps.repetition => Some("R"),
            Ok(b) if b == seps.escape => Some("E"),
            Ok(b) if Some(b) == seps.truncation => Some("P"),
            Ok(b'\r') => Some("X0D"),
            Ok(b'\n') => Some("X0A"),
            Ok(START_BLOCK) => Some("X0B"),
            Ok(END_BLOCK) => Some("X1C"),
            _ => None,
        };
        match code {
            Some(code) => {
                out.push(e);
                out.push_str(code);
                out.push(e);
            }
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn un(s: &str) -> String {
        unescape(s, &Separators::default()).into_owned()
    }

    #[test]
    fn delimiter_escapes_decode() {
        assert_eq!(un(r"1\S\2.14"), "1^2.14");
        assert_eq!(un(r"a\F\b\R\c\T\d\E\e"), r"a|b~c&d\e");
        assert_eq!(un(r"\P\"), "#");
    }

    #[test]
    fn no_escape_char_borrows() {
        assert!(matches!(
            unescape("plain", &Separators::default()),
            Cow::Borrowed("plain")
        ));
    }

    #[test]
    fn hex_decodes_ascii_utf8_and_latin1() {
        assert_eq!(un(r"\X41\"), "A");
        assert_eq!(un(r"A\X0D0A\B"), "A\r\nB");
        // U+1EC4 (Ễ) in UTF-8 is E1 BB 84.
        assert_eq!(un(r"NGUY\XE1BB84\N"), "NGUYỄN");
        // 0xFC alone is not UTF-8: read as ISO 8859-1 ü.
        assert_eq!(un(r"M\XFC\ller"), "Müller");
    }

    #[test]
    fn formatting_passes_through() {
        for s in [
            r"a\.br\b",
            r"\H\bold\N\",
            r"\.sp2\",
            r"\C2842\",
            r"\M244F42\",
            r"\Zvendor\",
            r"\.in-2\",
        ] {
            assert_eq!(un(s), s, "{s}");
        }
    }

    #[test]
    fn unknown_and_unterminated_pass_through() {
        assert_eq!(un(r"C:\dir\x"), r"C:\dir\x");
        assert_eq!(un(r"tail\S"), r"tail\S");
        assert_eq!(un(r"\\"), r"\\");
        assert_eq!(un(r"\XZZ\"), r"\XZZ\");
        assert_eq!(un(r"\X4\"), r"\X4\");
    }

    #[test]
    fn custom_escape_character() {
        let seps = Separators {
            escape: b'!',
            component: b'@',
            ..Separators::default()
        };
        assert_eq!(unescape("1!S!2", &seps), "1@2");
    }

    #[test]
    fn escape_round_trips() {
        let seps = Separators {
            truncation: Some(b'#'),
            ..Separators::default()
        };
        let data = "a|b^c~d\\e&f#g\rh\ni";
        let escaped = escape(data, &seps);
        assert_eq!(escaped, r"a\F\b\S\c\R\d\E\e\T\f\P\g\X0D\h\X0A\i");
        assert_eq!(unescape(&escaped, &seps), data);
        assert!(matches!(escape("plain", &seps), Cow::Borrowed(_)));
        assert_eq!(escape("a<13>PID", &seps), r"a\X3C\13>PID");
        // MLLP block characters as data would end or restart a frame on the wire.
        assert_eq!(escape("a\x0Bb\x1C", &seps), r"a\X0B\b\X1C\");
        assert_eq!(unescape(r"a\X0B\b\X1C\", &seps), "a\x0Bb\x1C");
        assert_eq!(unescape(r"a\X3C\13>PID", &seps), "a<13>PID");
    }
}
