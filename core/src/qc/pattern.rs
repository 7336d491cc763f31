//! QC specimen-id patterns: how an instrument's QC specimens are told from patients' by their id,
//! and which level each one is.
//!
//! A pattern is plain text with two marks and no regular expressions, so a lab can write it
//! without knowing any:
//! - `{level}` (exactly once) matches the level, one digit 1 to 9;
//! - `*` matches any characters, none included;
//! - everything else matches itself, case included.
//!
//! `QC{level}-*` matches `QC1-20261207` (level 1) and `QC2-A` (level 2), not `QC12-A` (after
//! the one-digit level comes `-`, not `2`), not `QC0-A` (no level 0) and not `qc1-A`.

use std::fmt;

use super::model::MAX_LEVEL;

/// A parsed QC specimen-id pattern ([module docs](self) for the syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QcSpecimenPattern {
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Level,
    Any,
}

/// Why a QC specimen pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The pattern is empty or only spaces.
    #[error("the pattern is empty")]
    Empty,
    /// The pattern has no `{level}`: the level of a QC specimen could not be known.
    #[error(
        "the pattern has no {{level}}: write where the level digit is, e.g. \"QC{{level}}-*\""
    )]
    NoLevel,
    /// The pattern has `{level}` more than once.
    #[error("the pattern has {{level}} more than once")]
    TwoLevels,
    /// A `{` that does not start `{level}`, or a lone `}`.
    #[error("unknown mark at character {at}: only {{level}} and * are marks")]
    UnknownMark {
        /// 1-based character position of the mark.
        at: usize,
    },
}

impl QcSpecimenPattern {
    /// Reads a pattern such as `QC{level}-*`.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        if text.trim().is_empty() {
            return Err(PatternError::Empty);
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut levels = 0;
        let mut rest = text;
        let mut position = 1;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("{level}") {
                flush(&mut literal, &mut parts);
                parts.push(Part::Level);
                levels += 1;
                rest = after;
                position += "{level}".len();
                continue;
            }
            match c {
                '{' | '}' => return Err(PatternError::UnknownMark { at: position }),
                '*' => {
                    flush(&mut literal, &mut parts);
                    // `**` means the same as `*`.
                    if parts.last() != Some(&Part::Any) {
                        parts.push(Part::Any);
                    }
                }
                other => literal.push(other),
            }
            rest = rest.get(c.len_utf8()..).unwrap_or("");
            position += 1;
        }
        flush(&mut literal, &mut parts);
        match levels {
            0 => Err(PatternError::NoLevel),
            1 => Ok(Self {
                text: text.to_owned(),
                parts,
            }),
            _ => Err(PatternError::TwoLevels),
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The level of a QC specimen id, or `None` when the id does not match (a patient's).
    pub fn matches(&self, specimen_id: &str) -> Option<u8> {
        match_parts(&self.parts, specimen_id.as_bytes())
    }
}

impl fmt::Display for QcSpecimenPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn flush(literal: &mut String, parts: &mut Vec<Part>) {
    if !literal.is_empty() {
        parts.push(Part::Literal(std::mem::take(literal)));
    }
}

/// Matches `parts` against the whole of `id`, answering the level; `*` backtracks (ids are
/// short and a pattern has few stars, so the search stays small).
fn match_parts(parts: &[Part], id: &[u8]) -> Option<u8> {
    let Some((first, rest)) = parts.split_first() else {
        // The level was matched earlier on this path; 0 says "matched, no level here".
        return id.is_empty().then_some(0);
    };
    match first {
        Part::Literal(text) => {
            let tail = id.strip_prefix(text.as_bytes())?;
            match_parts(rest, tail)
        }
        Part::Level => {
            let (&digit, tail) = id.split_first()?;
            let level = digit.checked_sub(b'0')?;
            if !(1..=MAX_LEVEL).contains(&level) {
                return None;
            }
            match_parts(rest, tail).map(|_| level)
        }
        Part::Any => (0..=id.len()).find_map(|skip| {
            let tail = id.get(skip..)?;
            match_parts(rest, tail)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_pattern_reads_the_level() {
        let p = QcSpecimenPattern::parse("QC{level}-*").unwrap();
        assert_eq!(p.matches("QC1-20261207"), Some(1));
        assert_eq!(p.matches("QC2-A"), Some(2));
        assert_eq!(p.matches("QC2-"), Some(2));
        // Not QC: a patient's id, a two-digit level, level 0, lower case, no dash.
        assert_eq!(p.matches("S123456"), None);
        assert_eq!(p.matches("QC12-A"), None);
        assert_eq!(p.matches("QC0-A"), None);
        assert_eq!(p.matches("qc1-A"), None);
        assert_eq!(p.matches("QC1"), None);
        assert_eq!(p.matches("XQC1-A"), None);
        assert_eq!(p.as_str(), "QC{level}-*");
    }

    #[test]
    fn stars_anywhere_and_the_level_at_the_end() {
        let p = QcSpecimenPattern::parse("*-CTRL-L{level}").unwrap();
        assert_eq!(p.matches("LOT42-CTRL-L3"), Some(3));
        assert_eq!(p.matches("-CTRL-L3"), Some(3));
        assert_eq!(p.matches("LOT42-CTRL-L3x"), None);
        // A star backtracks: the last "-CTRL-L" is the one followed by the level.
        let p = QcSpecimenPattern::parse("Q*{level}*").unwrap();
        assert_eq!(p.matches("QABC7Z"), Some(7));
        assert_eq!(p.matches("QABC"), None);
        // Non-ASCII literals match themselves.
        let p = QcSpecimenPattern::parse("NộiKiểm{level}").unwrap();
        assert_eq!(p.matches("NộiKiểm2"), Some(2));
    }

    #[test]
    fn bad_patterns_say_why() {
        assert_eq!(QcSpecimenPattern::parse("QC-*"), Err(PatternError::NoLevel));
        assert_eq!(QcSpecimenPattern::parse("  "), Err(PatternError::Empty));
        assert_eq!(
            QcSpecimenPattern::parse("{level}{level}"),
            Err(PatternError::TwoLevels)
        );
        assert_eq!(
            QcSpecimenPattern::parse("QC{lvl}-*"),
            Err(PatternError::UnknownMark { at: 3 })
        );
        assert_eq!(
            QcSpecimenPattern::parse("QC{level}}"),
            Err(PatternError::UnknownMark { at: 10 })
        );
    }
}
