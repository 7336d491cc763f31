//! A urine test-strip reader's printout, as the BioMaxima reader of
//! `testdata/corpus/biomaxima-urine` sends it to its host port: not ASTM.
//!
//! The reader writes the printout of one strip as one block, `<STX>` text `<ETX>`, with no
//! checksum, no frame number and no acknowledgement (a printer port: nothing is answered), so the
//! blocks are cut by the Spotchem's [`crate::spotchem::PrintoutDecoder`]. The text is lines of
//! 21 columns ended by CR LF, after a DC1 (0x11) and a CR LF:
//!
//! ```text
//! ID:1210009192           the sample id
//! NO.006068  2024-10-29   the reader's sequence number and the date (YYYY-MM-DD)
//!              15:54:27   the time
//!                         (blank)
//!  LEU -       0CELL/uL   one line per pad: column 0 `*` when abnormal, the pad's name,
//! *BIL +2     33 umol/L   the grade from column 5 (`-`, `+-`, `+1` ...), then the value and
//! *PRO +-   0.15    g/L   its unit (the value ends in column 13, the unit fills 14 to 20;
//!  URO        Normal      a word value runs over both)
//!  SG        1.015
//!  Color:                 a label with a colon and its word (empty when not entered)
//! ```
//!
//! The grade is the pad's reading: the reportable result of a graded pad. The value printed
//! beside a grade is the concentration of that grade, kept with it; a pad with no grade (specific
//! gravity, pH, urobilinogen in words, the albumin and creatinine pads) reports its value.

use crate::measurement::{text_of, two_digits, LocalTime, Measurement};

/// Starts the printout.
pub const STX: u8 = 0x02;
/// Ends the printout.
pub const ETX: u8 = 0x03;
/// DC1 (device control 1), written after the STX.
pub const DC1: u8 = 0x11;
/// The column where a pad's grade starts (0-based; column 0 holds the abnormal mark).
const GRADE_COLUMN: usize = 5;

/// Cuts the reader's port into printouts: the Spotchem's printer-port decoder (STX through ETX,
/// line ends between printouts passed over, anything else stray).
pub type PrintoutDecoder = crate::spotchem::PrintoutDecoder;

/// What [`PrintoutDecoder`] found on the line: a whole printout (STX through ETX, to read with
/// [`StripPrintout::parse`]), or a bad or stray run.
pub type PrintoutEvent = crate::scan::Found<Vec<u8>, crate::spotchem::BlockError>;

/// Why a printout's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// A line the layout needs is missing or malformed.
    #[error("line {line} (byte {offset}): expected {expected}, found {found:?}")]
    Unexpected {
        /// Line number in the printout (the first text line after STX and DC1 is 1).
        line: usize,
        /// Byte offset of the line in the printout (STX is 0).
        offset: usize,
        /// What the layout needs there.
        expected: &'static str,
        /// What is there.
        found: String,
    },
}

/// One pad's line (or a labelled line such as `Color:`), fields as printed, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PadLine {
    /// Column 0 held `*`: the reader judged the pad abnormal.
    pub abnormal: bool,
    /// The pad's name as printed (`LEU`, `pH`, `Vc`, `ACR`, `Color`).
    pub name: String,
    /// The grade (`-`, `+-`, `+2`), when the pad has one.
    pub grade: Option<String>,
    /// The value: the concentration of the grade, or the pad's reading when it has no grade
    /// (`1.015`, `Normal`, `>=150`, `3.4~33.9`); empty when none is printed.
    pub value: String,
    /// The value's unit (`CELL/uL`, `umol/L`, `mg/mmol`); empty when none is printed.
    pub unit: String,
}

impl PadLine {
    /// The reportable reading: the grade of a graded pad, else the value.
    pub fn reading(&self) -> &str {
        self.grade.as_deref().unwrap_or(&self.value)
    }

    /// The concentration printed beside a grade, with its unit, when there is one.
    pub fn concentration(&self) -> Option<(&str, &str)> {
        match (&self.grade, self.value.is_empty()) {
            (Some(_), false) => Some((&self.value, &self.unit)),
            _ => None,
        }
    }
}

/// One strip's printout, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripPrintout {
    /// The sample id after `ID:`.
    pub specimen_id: String,
    /// The reader's sequence number after `NO.`.
    pub sequence: String,
    /// Date and time printed.
    pub measured_at: LocalTime,
    /// The pad lines, in the order printed; labelled lines with nothing after the colon are
    /// left out (nothing was entered).
    pub pads: Vec<PadLine>,
}

/// The lines of the printout's text with their byte offsets (STX is 0), without their CR LF.
fn lines(raw: &[u8]) -> Vec<(usize, &[u8])> {
    let mut start = usize::from(raw.first() == Some(&STX));
    if raw.get(start) == Some(&DC1) {
        start += 1;
    }
    let end = if raw.last() == Some(&ETX) && raw.len() > start {
        raw.len() - 1
    } else {
        raw.len()
    };
    let text = raw.get(start..end).unwrap_or_default();
    let mut out = Vec::new();
    let mut at = 0;
    for piece in text.split(|&b| b == b'\n') {
        let line = piece.strip_suffix(b"\r").unwrap_or(piece);
        out.push((start + at, line));
        at += piece.len() + 1;
    }
    // The CR LF after DC1 opens the text: its empty line is not line 1.
    if out.first().is_some_and(|(_, l)| l.is_empty()) {
        out.remove(0);
    }
    out
}

impl StripPrintout {
    /// Reads a printout (STX through ETX, as [`PrintoutEvent::Message`] hands it out).
    pub fn parse(raw: &[u8]) -> Result<Self, ReadError> {
        let lines = lines(raw);
        let mut rest = lines
            .iter()
            .enumerate()
            .map(|(i, (at, l))| (i + 1, *at, *l));
        let err = |(line, offset, found): (usize, usize, &[u8]), expected| ReadError::Unexpected {
            line,
            offset,
            expected,
            found: text_of(found),
        };
        let missing = (lines.len() + 1, raw.len(), &b""[..]);
        let id_line = rest.next().unwrap_or(missing);
        let specimen_id = match id_line.2.strip_prefix(b"ID:") {
            Some(id) if !text_of(id).trim().is_empty() => text_of(id).trim().to_owned(),
            _ => return Err(err(id_line, "`ID:` and the sample id")),
        };
        let no_line = rest.next().unwrap_or(missing);
        let (sequence, date) = no_line
            .2
            .strip_prefix(b"NO.")
            .and_then(|r| {
                let text = text_of(r);
                let mut words = text.split_whitespace();
                Some((words.next()?.to_owned(), words.next()?.to_owned()))
            })
            .ok_or_else(|| err(no_line, "`NO.`, the sequence number and the date"))?;
        let time_line = rest.next().unwrap_or(missing);
        let time = text_of(time_line.2).trim().to_owned();
        let measured_at = when(&date, &time).ok_or_else(|| {
            err(
                time_line,
                "a date YYYY-MM-DD on the `NO.` line and a time HH:MM:SS",
            )
        })?;
        let mut pads = Vec::new();
        for line in rest {
            if line.2.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if let Some(pad) = pad_line(line.2).map_err(|e| err(line, e))? {
                pads.push(pad);
            }
        }
        Ok(Self {
            specimen_id,
            sequence,
            measured_at,
            pads,
        })
    }

    /// One measurement per pad: the reading (grade, else value) and the unit printed with a
    /// value that is the reading; the abnormal mark as the flag `*`. The concentration beside a
    /// grade is not in it: see [`PadLine::concentration`].
    pub fn measurements(&self) -> Vec<Measurement> {
        self.pads
            .iter()
            .map(|p| Measurement {
                specimen_id: self.specimen_id.clone(),
                test: p.name.clone(),
                value: p.reading().to_owned(),
                units: if p.grade.is_some() {
                    String::new()
                } else {
                    p.unit.clone()
                },
                flags: if p.abnormal {
                    vec!["*".to_owned()]
                } else {
                    Vec::new()
                },
            })
            .collect()
    }
}

/// Reads one pad line; `Ok(None)` for a labelled line with nothing after its colon.
fn pad_line(line: &[u8]) -> Result<Option<PadLine>, &'static str> {
    let chars: Vec<char> = text_of(line).chars().collect();
    let abnormal = chars.first() == Some(&'*');
    let blank = |c: &char| c.is_whitespace();
    let mut i = 1.min(chars.len());
    while chars.get(i).is_some_and(blank) {
        i += 1;
    }
    let name_start = i;
    while chars.get(i).is_some_and(|c| !blank(c)) {
        i += 1;
    }
    let word: String = chars
        .get(name_start..i)
        .unwrap_or_default()
        .iter()
        .collect();
    let tail: String = chars.get(i..).unwrap_or_default().iter().collect();
    if !word.chars().next().is_some_and(char::is_alphabetic) {
        return Err("a pad name after the mark column");
    }
    // A labelled line: `Color:` and its word (nothing entered: no line to keep).
    if let Some((label, after)) = word.split_once(':') {
        let value = format!("{after}{tail}").trim().to_owned();
        return Ok((!value.is_empty()).then(|| PadLine {
            abnormal,
            name: label.to_owned(),
            grade: None,
            value,
            unit: String::new(),
        }));
    }
    // The grade starts in column 5 with `+` or `-`; a value never starts there (the `ACR`
    // value starts in column 6).
    let graded = i <= GRADE_COLUMN
        && chars
            .get(GRADE_COLUMN)
            .is_some_and(|c| matches!(c, '+' | '-'))
        && chars
            .get(i..GRADE_COLUMN)
            .unwrap_or_default()
            .iter()
            .all(blank);
    let (grade, rest_start) = if graded {
        let mut end = GRADE_COLUMN;
        while chars.get(end).is_some_and(|c| !blank(c)) {
            end += 1;
        }
        let grade: String = chars
            .get(GRADE_COLUMN..end)
            .unwrap_or_default()
            .iter()
            .collect();
        (Some(grade), end)
    } else {
        (None, i)
    };
    let rest: String = chars.get(rest_start..).unwrap_or_default().iter().collect();
    let rest = rest.trim();
    // The value: a number-like prefix (`0`, `0.15`, `>=150`, `3.4~33.9`) with the unit after it,
    // written together or apart (`0CELL/uL`, `33 umol/L`); else one word (`Normal`).
    let numeric_end = rest
        .find(|c: char| !(c.is_ascii_digit() || ".,~<>=+-".contains(c)))
        .unwrap_or(rest.len());
    let value_end = if numeric_end > 0 {
        numeric_end
    } else {
        rest.find(char::is_whitespace).unwrap_or(rest.len())
    };
    let (value, unit) = rest.split_at(value_end);
    if grade.is_none() && value.is_empty() {
        return Err("a grade or a value after the pad name");
    }
    Ok(Some(PadLine {
        abnormal,
        name: word,
        grade,
        value: value.to_owned(),
        unit: unit.trim().to_owned(),
    }))
}

/// `YYYY-MM-DD` and `HH:MM:SS`.
fn when(date: &str, time: &str) -> Option<LocalTime> {
    let (d, t) = (date.as_bytes(), time.as_bytes());
    if d.len() != 10 || d[4] != b'-' || d[7] != b'-' || t.len() != 8 || t[2] != b':' || t[5] != b':'
    {
        return None;
    }
    let year = u16::from(two_digits(d, 0)?) * 100 + u16::from(two_digits(d, 2)?);
    LocalTime::new(
        year,
        two_digits(d, 5)?,
        two_digits(d, 8)?,
        two_digits(t, 0)?,
        two_digits(t, 3)?,
        two_digits(t, 6)?,
    )
}

/// A printout as the reader writes it, spaced as the capture: STX, DC1, CR LF, the `ID:`,
/// `NO.` and time lines, a blank line, then one 21-column line per pad (the mark, the name, the
/// grade from column 5, the value ending in column 13, the unit in columns 14 to 20), ETX.
pub fn encode_printout(
    at: LocalTime,
    specimen_id: &str,
    sequence: u32,
    pads: &[PadLine],
) -> Vec<u8> {
    let mut text = String::from("\u{2}\u{11}\r\n");
    text.push_str(&format!("ID:{specimen_id:<18}\r\n"));
    text.push_str(&format!(
        "NO.{sequence:06}  {:04}-{:02}-{:02}\r\n",
        at.year, at.month, at.day
    ));
    text.push_str(&format!(
        "{:>21}\r\n",
        format!("{:02}:{:02}:{:02}", at.hour, at.minute, at.second)
    ));
    text.push_str(&format!("{:21}\r\n", ""));
    for p in pads {
        let mark = if p.abnormal { '*' } else { ' ' };
        let grade = p.grade.as_deref().unwrap_or("");
        let line = format!("{mark}{:<4}{grade:<2}{:>7}{:>7}", p.name, p.value, p.unit);
        text.push_str(&line);
        text.push_str("\r\n");
    }
    text.push('\u{3}');
    text.into_bytes()
}

#[cfg(test)]
mod tests;
