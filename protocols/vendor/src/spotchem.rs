//! Arkray Spotchem EL (SE-1520) electrolyte results as the printer text it sends: not ASTM.
//!
//! The analyzer writes its printout to the serial port: one block `<STX>` text `<ETX>`, with no
//! checksum, no frame number and no acknowledgement (a printer port: nothing is answered). The
//! corpus capture `astm/arkray-spotchem-el/spotchem_el_native_nonastm.raw` is such a block
//! followed by a LF. Its text, read off the bytes, is blank-separated words:
//!
//! `24/10/29 13:08 ID# 1DC042FP [B. Plasma] Na 131 mmol/L K 9.7 mmol/L Cl 96 mmol/L`
//!
//! the date `YY/MM/DD` and time `HH:MM` of the measurement, `ID#` and the sample id, the sample
//! type in brackets, then for each analyte its name, value and unit. The same reading is what the
//! senaite.astm Spotchem SE-1520 adapter (`adapters/spotchem/se1520.py`) applies to this capture.

use std::collections::VecDeque;

use crate::measurement::{text_of, two_digits, LocalTime, Measurement};

/// Starts the printout.
pub const STX: u8 = 0x02;
/// Ends the printout.
pub const ETX: u8 = 0x03;
/// Longest printout accepted, STX through ETX.
pub const MAX_PRINTOUT_LEN: usize = 8 * 1024;

/// Why bytes on the line were not a printout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// A new STX came before the ETX.
    #[error("printout cut by a new STX after {len} bytes")]
    Cut {
        /// Bytes of the cut printout.
        len: usize,
    },
    /// No ETX within the maximum length.
    #[error("no ETX within {limit} bytes")]
    TooLong {
        /// The limit.
        limit: usize,
    },
    /// The line went quiet with a printout unfinished.
    #[error("printout left unfinished ({len} bytes, no ETX)")]
    Unfinished {
        /// Bytes received.
        len: usize,
    },
}

/// What the decoder found on the line: a whole printout (STX through ETX), or a bad or stray
/// run.
pub type PrintoutEvent = crate::scan::Found<Vec<u8>, BlockError>;

/// Cuts the printer port's bytes into printouts. CR and LF between printouts are the printer's
/// line ends and are passed over; anything else outside STX…ETX is reported as stray.
#[derive(Debug, Default)]
pub struct PrintoutDecoder {
    buf: Vec<u8>,
    offset: u64,
    events: VecDeque<PrintoutEvent>,
    line_ends: u64,
}

impl PrintoutDecoder {
    /// An empty decoder at stream offset 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes read from the line.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        self.scan();
    }

    /// The next thing found.
    pub fn next_event(&mut self) -> Option<PrintoutEvent> {
        self.events.pop_front()
    }

    /// Bytes held of an unfinished printout.
    pub fn pending_len(&self) -> usize {
        self.buf.len()
    }

    /// CR and LF bytes passed over between printouts so far.
    pub fn line_ends(&self) -> u64 {
        self.line_ends
    }

    /// Gives up an unfinished printout (the line went quiet).
    pub fn finish(&mut self) {
        if !self.buf.is_empty() {
            let raw = std::mem::take(&mut self.buf);
            let len = raw.len();
            self.events.push_back(PrintoutEvent::Bad {
                offset: self.offset,
                raw,
                error: BlockError::Unfinished { len },
            });
            self.offset += len as u64;
        }
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        let rest = self.buf.split_off(n);
        let taken = std::mem::replace(&mut self.buf, rest);
        self.offset += n as u64;
        taken
    }

    fn scan(&mut self) {
        while let Some(&first) = self.buf.first() {
            let offset = self.offset;
            match first {
                b'\r' | b'\n' => {
                    self.take(1);
                    self.line_ends += 1;
                }
                STX => {
                    let stop = self.buf[1..]
                        .iter()
                        .position(|b| matches!(*b, STX | ETX))
                        .map(|i| i + 1);
                    match stop {
                        Some(i) if self.buf[i] == ETX => {
                            let raw = self.take(i + 1);
                            self.events.push_back(PrintoutEvent::Message(raw));
                        }
                        Some(i) => {
                            let raw = self.take(i);
                            self.events.push_back(PrintoutEvent::Bad {
                                offset,
                                raw,
                                error: BlockError::Cut { len: i },
                            });
                        }
                        None if self.buf.len() > MAX_PRINTOUT_LEN => {
                            let raw = self.take(self.buf.len());
                            self.events.push_back(PrintoutEvent::Bad {
                                offset,
                                raw,
                                error: BlockError::TooLong {
                                    limit: MAX_PRINTOUT_LEN,
                                },
                            });
                        }
                        None => return,
                    }
                }
                _ => {
                    let end = self
                        .buf
                        .iter()
                        .position(|b| matches!(*b, STX | b'\r' | b'\n'))
                        .unwrap_or(self.buf.len());
                    let bytes = self.take(end);
                    self.events
                        .push_back(PrintoutEvent::Stray { offset, bytes });
                }
            }
        }
    }
}

/// Why a printout's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// A word the layout needs is missing or malformed.
    #[error("byte {offset}: expected {expected}, found {found:?}")]
    Unexpected {
        /// Byte offset in the printout (STX is 0).
        offset: usize,
        /// What the layout needs there.
        expected: &'static str,
        /// What is there (empty at the end).
        found: String,
    },
}

/// One Spotchem printout, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printout {
    /// Date and time printed.
    pub measured_at: LocalTime,
    /// The sample id after `ID#`.
    pub specimen_id: String,
    /// The sample type in brackets (`B. Plasma`).
    pub sample_type: String,
    /// `(analyte, value, unit)` in the order printed.
    pub results: Vec<(String, String, String)>,
}

impl Printout {
    /// Reads a printout (STX through ETX, as [`PrintoutEvent::Message`] hands it out).
    pub fn parse(raw: &[u8]) -> Result<Self, ReadError> {
        let start = usize::from(raw.first() == Some(&STX));
        let end = if raw.last() == Some(&ETX) && raw.len() > start {
            raw.len() - 1
        } else {
            raw.len()
        };
        let mut words = Words {
            text: raw,
            at: start,
            end,
        };
        let date = words.expect("a date YY/MM/DD")?;
        let time = words.expect("a time HH:MM")?;
        let measured_at = when(date.1, time.1).ok_or_else(|| ReadError::Unexpected {
            offset: date.0,
            expected: "a date YY/MM/DD and a time HH:MM",
            found: format!("{} {}", text_of(date.1), text_of(time.1)),
        })?;
        let id_word = words.expect("`ID#`")?;
        let (id_at, id) = match id_word.1.strip_prefix(b"ID#") {
            Some([]) => words.expect("the sample id")?,
            Some(id) => (id_word.0 + 3, id),
            None => {
                return Err(ReadError::Unexpected {
                    offset: id_word.0,
                    expected: "`ID#`",
                    found: text_of(id_word.1),
                })
            }
        };
        // An id filling its 11 columns touches the bracket of the sample type.
        let id = match id.iter().position(|&b| b == b'[') {
            Some(p) => {
                words.at = id_at + p;
                &id[..p]
            }
            None => id,
        };
        let specimen_id = text_of(id);
        let sample_type = words.bracketed()?;
        let mut results = Vec::new();
        while let Some(name) = words.next() {
            let value = words.expect("a value after the analyte name")?;
            let unit = words.expect("a unit after the value")?;
            results.push((text_of(name.1), text_of(value.1), text_of(unit.1)));
        }
        Ok(Self {
            measured_at,
            specimen_id,
            sample_type,
            results,
        })
    }

    /// One measurement per analyte, no flags (the printout carries none).
    pub fn measurements(&self) -> Vec<Measurement> {
        self.results
            .iter()
            .map(|(test, value, units)| Measurement {
                specimen_id: self.specimen_id.clone(),
                test: test.clone(),
                value: value.clone(),
                units: units.clone(),
                flags: Vec::new(),
            })
            .collect()
    }
}

/// `YY/MM/DD` and `HH:MM`.
fn when(date: &[u8], time: &[u8]) -> Option<LocalTime> {
    if date.len() != 8 || date[2] != b'/' || date[5] != b'/' || time.len() != 5 || time[2] != b':' {
        return None;
    }
    LocalTime::new(
        2000 + u16::from(two_digits(date, 0)?),
        two_digits(date, 3)?,
        two_digits(date, 6)?,
        two_digits(time, 0)?,
        two_digits(time, 3)?,
        0,
    )
}

/// Blank-separated words of the printout, with their byte offsets.
struct Words<'a> {
    text: &'a [u8],
    at: usize,
    end: usize,
}

impl<'a> Words<'a> {
    fn skip_blanks(&mut self) {
        while self.at < self.end && self.text[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn next(&mut self) -> Option<(usize, &'a [u8])> {
        self.skip_blanks();
        let start = self.at;
        while self.at < self.end && !self.text[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
        (self.at > start).then(|| (start, &self.text[start..self.at]))
    }

    fn expect(&mut self, expected: &'static str) -> Result<(usize, &'a [u8]), ReadError> {
        let at = self.at;
        self.next().ok_or(ReadError::Unexpected {
            offset: at,
            expected,
            found: String::new(),
        })
    }

    /// `[text]`, blanks inside kept.
    fn bracketed(&mut self) -> Result<String, ReadError> {
        self.skip_blanks();
        let start = self.at;
        let err = |found: &[u8]| ReadError::Unexpected {
            offset: start,
            expected: "the sample type in brackets",
            found: text_of(found),
        };
        if self.text.get(start) != Some(&b'[') || start >= self.end {
            return Err(err(self.text.get(start..self.end).unwrap_or_default()));
        }
        let close = self.text[start..self.end]
            .iter()
            .position(|&b| b == b']')
            .ok_or_else(|| err(&self.text[start..self.end]))?;
        self.at = start + close + 1;
        Ok(text_of(&self.text[start + 1..start + close]))
    }
}

/// A printout as the Spotchem EL writes it, spaced as the capture: STX, the date and time, `ID#`
/// and the id in 11 columns, the bracketed type, each analyte's name and value in 12 columns (value
/// to the right), two blanks and the unit, 14 blanks, ETX, LF.
pub fn encode_printout(
    at: LocalTime,
    specimen_id: &str,
    sample_type: &str,
    results: &[(&str, &str, &str)],
) -> Vec<u8> {
    let mut text = format!(
        "\u{2}{:02}/{:02}/{:02} {:02}:{:02} ID# {specimen_id:<11}[{sample_type}]",
        at.year % 100,
        at.month,
        at.day,
        at.hour,
        at.minute
    );
    for (name, value, unit) in results {
        let width = 12usize.saturating_sub(name.chars().count());
        text.push_str(&format!(" {name}{value:>width$}  {unit}"));
    }
    text.push_str("              \u{3}\n");
    text.into_bytes()
}

#[cfg(test)]
mod tests;
