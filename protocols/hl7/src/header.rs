//! The MSH header grammar: finding the `MSH` segment and reading MSH-1/MSH-2 (HL7 v2.5.1 §2.14.9.1-2).

use memchr::memmem;
use nom::{
    bytes::complete::{tag, take, take_till},
    IResult, Parser,
};

use crate::error::{Diagnostic, DiagnosticKind, ParseError};
use crate::separators::Separators;

/// Carriage return, the HL7 segment terminator (HL7 v2.5.1 §2.5.1).
pub(crate) const CR: u8 = 0x0D;
/// Line feed, accepted as a segment terminator as seen in the corpus (PROTOCOLS.md §3).
pub(crate) const LF: u8 = 0x0A;

/// Where the `MSH` segment starts: at the start after whitespace, else at the first line start.
pub(crate) fn find_header(bytes: &[u8]) -> Option<usize> {
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    if bytes.get(first..)?.starts_with(b"MSH") {
        return Some(first);
    }
    memmem::find_iter(bytes, b"MSH")
        .find(|&i| i > 0 && matches!(bytes.get(i - 1), Some(&CR) | Some(&LF)))
}

fn header_start(input: &[u8]) -> IResult<&[u8], (&[u8], &[u8])> {
    let (rest, _) = tag(&b"MSH"[..]).parse(input)?;
    let (rest, fs) = take(1usize).parse(rest)?;
    let sep = fs.first().copied().unwrap_or(b'|');
    let (rest, enc) = take_till(move |b| b == sep || b == CR || b == LF).parse(rest)?;
    Ok((rest, (fs, enc)))
}

fn usable(b: u8) -> bool {
    b.is_ascii_graphic() && !b.is_ascii_alphanumeric()
}

/// Reads the separators from the `MSH` segment starting at `start`.
pub(crate) fn separators(
    bytes: &[u8],
    start: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Separators, ParseError> {
    let input = bytes.get(start..).unwrap_or_default();
    let fs_offset = start + 3;
    let Ok((_, (fs, enc))) = header_start(input) else {
        return Err(ParseError::BadFieldSeparator {
            offset: fs_offset,
            got: None,
        });
    };
    let field = fs.first().copied().unwrap_or_default();
    if !usable(field) {
        return Err(ParseError::BadFieldSeparator {
            offset: fs_offset,
            got: Some(field),
        });
    }
    let enc_offset = start + 4;
    let bad = |reason| ParseError::BadEncodingCharacters {
        offset: enc_offset,
        reason,
        got: String::from_utf8_lossy(enc).into_owned(),
    };
    if enc.len() > 5 {
        return Err(bad("more than 5 characters"));
    }
    if !enc.iter().all(|&b| usable(b)) {
        return Err(bad("not printable ASCII punctuation"));
    }
    let defaults = Separators::default();
    let get = |i: usize, default: u8| enc.get(i).copied().unwrap_or(default);
    let seps = Separators {
        field,
        component: get(0, defaults.component),
        repetition: get(1, defaults.repetition),
        escape: get(2, defaults.escape),
        subcomponent: get(3, defaults.subcomponent),
        truncation: enc.get(4).copied(),
    };
    let all = [
        Some(seps.field),
        Some(seps.component),
        Some(seps.repetition),
        Some(seps.escape),
        Some(seps.subcomponent),
        seps.truncation,
    ];
    for (i, a) in all.iter().enumerate() {
        if a.is_some() && all.iter().skip(i + 1).any(|b| b == a) {
            return Err(bad("the same character is used for two delimiters"));
        }
    }
    if enc.len() < 4 {
        diagnostics.push(Diagnostic {
            offset: enc_offset,
            kind: DiagnosticKind::ShortEncodingCharacters {
                got: String::from_utf8_lossy(enc).into_owned(),
            },
        });
    }
    Ok(seps)
}

/// MSH-18 (first repetition) as raw bytes, read from the first segment before decoding.
pub(crate) fn msh18<'b>(bytes: &'b [u8], start: usize, seps: &Separators) -> &'b [u8] {
    let seg = bytes.get(start..).unwrap_or_default();
    let end = seg
        .iter()
        .position(|&b| b == CR || b == LF)
        .unwrap_or(seg.len());
    let mut seg = seg.get(..end).unwrap_or_default();
    // The `<13>` log artefact can stand where the first CR should be.
    if let Some(i) = memmem::find(seg, b"<13>") {
        seg = seg.get(..i).unwrap_or_default();
    }
    // Piece 0 is "MSH", piece 1 is MSH-2, so MSH-18 is piece 17.
    let piece = seg.split(|&b| b == seps.field).nth(17).unwrap_or_default();
    piece
        .split(|&b| b == seps.repetition)
        .next()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_header_after_whitespace_or_at_a_line_start() {
        assert_eq!(find_header(b"MSH|^~\\&|"), Some(0));
        assert_eq!(find_header(b"\r\n MSH|"), Some(3));
        assert_eq!(find_header(b"Incorect payload\n\nMSH|^~\\&|"), Some(18));
        assert_eq!(find_header(b"XMSH|"), None);
        assert_eq!(find_header(b""), None);
    }

    #[test]
    fn reads_standard_and_custom_separators() {
        let mut d = Vec::new();
        let s = separators(b"MSH|^~\\&|A", 0, &mut d).unwrap();
        assert_eq!(s, Separators::default());
        let s = separators(b"MSH|^~\\&#|A", 0, &mut d).unwrap();
        assert_eq!(s.truncation, Some(b'#'));
        let s = separators(b"MSH*@!%$*A", 0, &mut d).unwrap();
        assert_eq!(
            (s.field, s.component, s.repetition, s.escape, s.subcomponent),
            (b'*', b'@', b'!', b'%', b'$')
        );
        assert!(d.is_empty());
    }

    #[test]
    fn short_encoding_characters_take_defaults_with_diagnostic() {
        let mut d = Vec::new();
        let s = separators(b"MSH|^~|A", 0, &mut d).unwrap();
        assert_eq!(s.escape, b'\\');
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn unusable_separators_are_errors_with_offsets() {
        let mut d = Vec::new();
        assert_eq!(
            separators(b"MSHA^~\\&", 0, &mut d),
            Err(ParseError::BadFieldSeparator {
                offset: 3,
                got: Some(b'A')
            })
        );
        assert!(matches!(
            separators(b"xxMSH|^^\\&|", 2, &mut d),
            Err(ParseError::BadEncodingCharacters { offset: 6, .. })
        ));
        assert!(matches!(
            separators(b"MSH", 0, &mut d),
            Err(ParseError::BadFieldSeparator {
                offset: 3,
                got: None
            })
        ));
    }
}
