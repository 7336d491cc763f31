//! Escape sequences inside field data (LIS2-A2 §5.4.5.1), with the message's own escape delimiter
//! (written `&` below).
//!
//! Decoding ([`unescape`]):
//! - `&F&` field, `&S&` component, `&R&` repeat, `&E&` escape delimiter;
//! - `&Xhhhh&` hex data, any number of hex digits (`&XA&` is LF); bytes that are not UTF-8 are
//!   read as ISO 8859-1 (LIS2-A2 §5.1);
//! - `&H&`, `&N&` (highlighting), `&Z..&` (local) and any other sequence are passed through as-is;
//! - an escape delimiter without a closing one is kept literally.
//!
//! Encoding ([`escape`]) escapes the four delimiters and CR/LF (as `&X0D&`/`&X0A&`, since CR ends
//! a record, LIS2-A2 §5.4.1), so `unescape(escape(s)) == s` for every string.
//!
//! Neither function allocates when there is nothing to do.

use std::borrow::Cow;

use nom::bytes::complete::take_while1;
use nom::character::complete::char as one_char;
use nom::combinator::all_consuming;
use nom::{IResult, Parser};

use crate::delimiters::{Delimiters, CR, LF};
use crate::scan::find_byte;

/// Decodes the escape sequences of one field, repeat or component.
///
/// Returns the input borrowed when it holds no escape delimiter.
pub fn unescape<'t>(raw: &'t str, d: &Delimiters) -> Cow<'t, str> {
    let bytes = raw.as_bytes();
    let Some(first) = find_byte(d.escape, bytes) else {
        return Cow::Borrowed(raw);
    };
    // Slicing invariant: every index below is the position of the (ASCII) escape delimiter found
    // in `bytes`, or one past it, so it is in bounds and on a UTF-8 character boundary.
    let mut out = String::with_capacity(raw.len());
    out.push_str(&raw[..first]);
    let mut pos = first;
    while pos < bytes.len() {
        // `pos` is at an escape delimiter (ASCII, so a char boundary).
        let body_start = pos + 1;
        let Some(len) = memchr::memchr(d.escape, &bytes[body_start..]) else {
            // A lone escape delimiter: kept literally with the rest.
            out.push_str(&raw[pos..]);
            return Cow::Owned(out);
        };
        let body = &raw[body_start..body_start + len];
        let end = body_start + len + 1;
        match body {
            "F" => out.push(char::from(d.field)),
            "S" => out.push(char::from(d.component)),
            "R" => out.push(char::from(d.repeat)),
            "E" => out.push(char::from(d.escape)),
            _ => match hex_data(body) {
                Some(()) => push_hex(&mut out, &body[1..]),
                None => out.push_str(&raw[pos..end]),
            },
        }
        pos = end;
        match memchr::memchr(d.escape, &bytes[pos..]) {
            Some(next) => {
                out.push_str(&raw[pos..pos + next]);
                pos += next;
            }
            None => {
                out.push_str(&raw[pos..]);
                break;
            }
        }
    }
    Cow::Owned(out)
}

/// `X` followed by one or more hex digits, nothing else (LIS2-A2 §5.4.5.1).
fn hex_data(body: &str) -> Option<()> {
    fn parser(i: &str) -> IResult<&str, ()> {
        let (i, _) = one_char('X').parse(i)?;
        let (i, _) = take_while1(|c: char| c.is_ascii_hexdigit()).parse(i)?;
        Ok((i, ()))
    }
    all_consuming(parser).parse(body).ok().map(|_| ())
}

/// Appends the bytes of hex digits `hex` (odd count: a leading 0 is implied): UTF-8 if they form
/// valid UTF-8, else one ISO 8859-1 character per byte.
fn push_hex(out: &mut String, hex: &str) {
    let digits = hex.as_bytes();
    let mut bytes = Vec::with_capacity(digits.len() / 2 + 1);
    let (head, tail) = digits.split_at(digits.len() % 2);
    if let [h] = head {
        bytes.push(nibble(*h));
    }
    for pair in tail.chunks_exact(2) {
        bytes.push(nibble(pair[0]) << 4 | nibble(pair[1]));
    }
    match std::str::from_utf8(&bytes) {
        Ok(s) => out.push_str(s),
        Err(_) => out.extend(bytes.iter().map(|&b| char::from(b))),
    }
}

/// Value of one ASCII hex digit (callers have checked it is one).
fn nibble(h: u8) -> u8 {
    match h {
        b'0'..=b'9' => h - b'0',
        b'a'..=b'f' => h - b'a' + 10,
        b'A'..=b'F' => h - b'A' + 10,
        _ => 0,
    }
}

/// Escapes data for one field, repeat or component so that none of the four delimiters nor CR/LF
/// appears raw (LIS2-A2 §5.4.5.1).
///
/// Returns the input borrowed when nothing needs escaping.
pub fn escape<'t>(text: &'t str, d: &Delimiters) -> Cow<'t, str> {
    let needs = |b: u8| {
        b == d.field || b == d.repeat || b == d.component || b == d.escape || b == CR || b == LF
    };
    let Some(first) = text.bytes().position(needs) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    let e = char::from(d.escape);
    out.push_str(&text[..first]);
    let mut run = first;
    for (i, b) in text.bytes().enumerate().skip(first) {
        if !needs(b) {
            continue;
        }
        out.push_str(&text[run..i]);
        run = i + 1;
        out.push(e);
        out.push_str(match b {
            _ if b == d.field => "F",
            _ if b == d.repeat => "R",
            _ if b == d.component => "S",
            _ if b == d.escape => "E",
            CR => "X0D",
            _ => "X0A",
        });
        out.push(e);
    }
    out.push_str(&text[run..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn std() -> Delimiters {
        Delimiters::default()
    }

    #[test]
    fn no_escape_borrows() {
        assert!(matches!(unescape("8.13", &std()), Cow::Borrowed("8.13")));
        assert!(matches!(escape("8.13", &std()), Cow::Borrowed("8.13")));
    }

    #[test]
    fn delimiter_escapes_decode() {
        assert_eq!(unescape("a&F&b&S&c&R&d&E&e", &std()), "a|b^c\\d&e");
    }

    #[test]
    fn sysmex_png_reference_repeat_escape() {
        // Sysmex XS-500i R-4: `PNG&R&20210414&R&file.PNG`.
        assert_eq!(
            unescape("PNG&R&20210414&R&file.PNG", &std()),
            "PNG\\20210414\\file.PNG"
        );
    }

    #[test]
    fn hex_escapes() {
        assert_eq!(unescape("a&XA&b", &std()), "a\nb");
        assert_eq!(unescape("&X0D0A&", &std()), "\r\n");
        assert_eq!(unescape("&X41&&x41&", &std()), "A&x41&");
        // UTF-8 bytes of "ệ" (U+1EC7): E1 BB 87.
        assert_eq!(unescape("&XE1BB87&", &std()), "ệ");
        // Not UTF-8: ISO 8859-1 "µ".
        assert_eq!(unescape("&XB5&mol/L", &std()), "µmol/L");
    }

    #[test]
    fn highlight_and_local_pass_through() {
        assert_eq!(unescape("&H&bold&N& &Zfoo&", &std()), "&H&bold&N& &Zfoo&");
        assert_eq!(unescape("&XZZ&", &std()), "&XZZ&");
        assert_eq!(unescape("&&", &std()), "&&");
    }

    #[test]
    fn lone_escape_is_literal() {
        assert_eq!(unescape("Smith & Sons", &std()), "Smith & Sons");
        assert_eq!(unescape("a&F&b & c", &std()), "a|b & c");
        assert_eq!(unescape("&", &std()), "&");
    }

    #[test]
    fn other_escape_char() {
        // GeneXpert escape is `\`, repeat `@`.
        let d = Delimiters::new(b'|', b'@', b'^', b'\\').unwrap();
        assert_eq!(unescape("a\\R\\b\\E\\c", &d), "a@b\\c");
        assert_eq!(escape("a@b\\c", &d), "a\\R\\b\\E\\c");
    }

    #[test]
    fn escape_all_specials() {
        assert_eq!(
            escape("a|b^c\\d&e\rf\ng", &std()),
            "a&F&b&S&c&R&d&E&e&X0D&f&X0A&g"
        );
    }

    #[test]
    fn round_trip_vietnamese() {
        let s = "Nguyễn Văn A | 5 µmol/L ^ &E&";
        assert_eq!(unescape(&escape(s, &std()), &std()), s);
    }
}
