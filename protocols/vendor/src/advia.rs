//! Siemens ADVIA 120 / 2120 hematology "Host Spec 79" blocks: fixed columns, not ASTM.
//!
//! # The block
//!
//! `<STX> MT ID text… <CR><LF> [more lines <CR><LF>] BCC <ETX>`, as the corpus capture
//! `astm/siemens-advia2120/advia2120_native_hostspec79_results_log.txt` shows byte by byte:
//!
//! - `MT`, the message toggle: one character from `0` (0x30) to `Z` (0x5A), advanced by the sender
//!   for each new block. The receiver acknowledges a block by sending that one character back
//!   (the capture's host logs "sending MT 69" after the block whose MT is `E`, 0x45 = 69); a bad
//!   block is answered NAK (0x15) and sent again.
//! - `ID`, the block's identification code: `R` results, `S` token transfer (the sender hands the
//!   line over), `Q` a query, `I` initialisation, `Y`/`N` work order answers.
//! - `BCC`: the exclusive OR of every byte from `MT` through the last `<LF>`; a BCC that would be
//!   ETX (0x03) is sent as DEL (0x7F). Checked on both blocks of the capture: `0x17` and `0x20`.
//!
//! The ADVIA 120/2120 manual "Communication Links Between the Data Manager and a Host Computer"
//! (Siemens 067D0068-01, RS-232 and TCP/IP chapters; stored at
//! <https://pdfslide.net/documents/advia-120-hematology-system-advia-communication-120-2120pdftroubleshooting.html>)
//! is the vendor's reference for these blocks; the column positions below are the ones the capture
//! shows, and the open-source host sanzhar73ismailov/HostManager reads them at the same offsets.
//!
//! # The result block (`R`)
//!
//! Columns of the first line, counted from 0 at `MT`: 1 `R`; 3–16 the sample id (SID), 14
//! characters padded on the left with `0` (`00000009208100`, `000000KALACHEV`); 18–23 rack and
//! position (`RRR-PP`, blank when none); 25 the probe clog indicator; 35–42 the aspiration date
//! `MM/DD/YY`; 44–51 the time `HH:MM:SS`. Every further line is a run of 9-column cells: the
//! parameter number right-aligned in 3 columns, the value right-aligned in the next 5, one blank
//! (`  1 7.47 ` is parameter 1, `7.47`; `19154.24 ` is parameter 191, `54.24`). No units are sent:
//! the parameter number says what and in which unit.

use std::collections::VecDeque;

use crate::measurement::{text_of, two_digits, LocalTime, Measurement};

/// Start of a block.
pub const STX: u8 = 0x02;
/// End of a block.
pub const ETX: u8 = 0x03;
/// The answer to a block that fails its check: the sender repeats it.
pub const NAK: u8 = 0x15;
/// The BCC value sent in place of an exclusive OR equal to ETX.
pub const BCC_FOR_ETX: u8 = 0x7F;
/// The first message toggle value (`0`).
pub const FIRST_TOGGLE: u8 = 0x30;
/// The last message toggle value (`Z`); after it the toggle wraps to `0`.
pub const LAST_TOGGLE: u8 = 0x5A;
/// Longest block accepted, STX to ETX (a full CBC with differential is about 600 bytes).
pub const MAX_BLOCK_LEN: usize = 16 * 1024;

/// Width of the sample id column.
pub const SID_LEN: usize = 14;
/// Width of one parameter cell (3 for the number, 5 for the value, 1 blank).
pub const CELL_LEN: usize = 9;

/// Why a block was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The BCC does not match the block's bytes.
    #[error("BCC 0x{got:02X} does not match the block's exclusive OR 0x{expected:02X}")]
    Checksum {
        /// What the bytes add up to.
        expected: u8,
        /// What the block carries.
        got: u8,
    },
    /// The message toggle is outside `0`..`Z`.
    #[error("message toggle 0x{0:02X} is outside 0x30..0x5A")]
    Toggle(u8),
    /// The text does not end with CR LF before the BCC, or is too short to hold MT and ID.
    #[error("the block does not end its text with CR LF before the BCC")]
    NoLineEnd,
    /// A new STX came before the ETX of the block.
    #[error("block cut by a new STX after {len} bytes")]
    Cut {
        /// Bytes of the cut block.
        len: usize,
    },
    /// No ETX within the maximum block length.
    #[error("no ETX within {limit} bytes")]
    TooLong {
        /// The limit.
        limit: usize,
    },
    /// The line went quiet with a block unfinished.
    #[error("block left unfinished ({len} bytes, no ETX)")]
    Unfinished {
        /// Bytes received.
        len: usize,
    },
}

/// A block whose BCC and toggle were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    raw: Vec<u8>,
}

impl Block {
    /// The bytes as received, STX through ETX.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The message toggle, the character the receiver sends back as its acknowledgement.
    pub fn toggle(&self) -> u8 {
        // Invariant: the decoder builds a Block only from at least STX MT ID CR LF BCC ETX.
        self.raw[1]
    }

    /// The identification code (`R`, `S`, `Q`...).
    pub fn id_code(&self) -> u8 {
        // Invariant: as for `toggle`.
        self.raw[2]
    }

    /// The text the BCC covers: MT through the last LF.
    pub fn text(&self) -> &[u8] {
        &self.raw[1..self.raw.len() - 2]
    }
}

/// What the decoder found on the line: a checked [`Block`], or a bad or stray run.
pub type BlockEvent = crate::scan::Found<Block, BlockError>;

/// Cuts the byte stream of one ADVIA link into blocks. Feed it with [`push`](Self::push), take
/// what it found with [`next_event`](Self::next_event); it resynchronises at the next STX after
/// anything it cannot read, and never holds more than [`MAX_BLOCK_LEN`] bytes.
#[derive(Debug, Default)]
pub struct BlockDecoder {
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    offset: u64,
    events: VecDeque<BlockEvent>,
}

impl BlockDecoder {
    /// An empty decoder at stream offset 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes read from the line.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        self.scan();
    }

    /// The next block or problem found.
    pub fn next_event(&mut self) -> Option<BlockEvent> {
        self.events.pop_front()
    }

    /// Bytes held of an unfinished block.
    pub fn pending_len(&self) -> usize {
        self.buf.len()
    }

    /// Gives up an unfinished block (the line went quiet): reported as [`BlockError::Unfinished`].
    pub fn finish(&mut self) {
        if !self.buf.is_empty() {
            let raw = std::mem::take(&mut self.buf);
            let len = raw.len();
            self.events.push_back(BlockEvent::Bad {
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
        while !self.buf.is_empty() {
            if self.buf[0] != STX {
                let end = memchr::memchr(STX, &self.buf).unwrap_or(self.buf.len());
                let offset = self.offset;
                let bytes = self.take(end);
                self.events.push_back(BlockEvent::Stray { offset, bytes });
                continue;
            }
            let Some(etx) = memchr::memchr(ETX, &self.buf) else {
                if self.buf.len() > MAX_BLOCK_LEN {
                    // Up to the next STX after this one (if any) goes.
                    let end = memchr::memchr(STX, &self.buf[1..]).map_or(self.buf.len(), |i| i + 1);
                    let offset = self.offset;
                    let raw = self.take(end);
                    self.events.push_back(BlockEvent::Bad {
                        offset,
                        raw,
                        error: BlockError::TooLong {
                            limit: MAX_BLOCK_LEN,
                        },
                    });
                    continue;
                }
                return;
            };
            // An STX inside the text (the BCC byte just before ETX may legitimately be 0x02).
            let text_end = etx.saturating_sub(1).max(1);
            if let Some(i) = memchr::memchr(STX, &self.buf[1..text_end]) {
                let len = i + 1;
                let offset = self.offset;
                let raw = self.take(len);
                self.events.push_back(BlockEvent::Bad {
                    offset,
                    raw,
                    error: BlockError::Cut { len },
                });
                continue;
            }
            let offset = self.offset;
            let raw = self.take(etx + 1);
            let event = match check(&raw) {
                Ok(()) => BlockEvent::Message(Block { raw }),
                Err(error) => BlockEvent::Bad { offset, raw, error },
            };
            self.events.push_back(event);
        }
    }
}

/// Checks a block (STX through ETX): toggle range, CR LF before the BCC, and the BCC.
fn check(raw: &[u8]) -> Result<(), BlockError> {
    // STX MT ID CR LF BCC ETX is the shortest block.
    if raw.len() < 7 {
        return Err(BlockError::NoLineEnd);
    }
    let toggle = raw[1];
    if !(FIRST_TOGGLE..=LAST_TOGGLE).contains(&toggle) {
        return Err(BlockError::Toggle(toggle));
    }
    let text = &raw[1..raw.len() - 2];
    if !text.ends_with(b"\r\n") {
        return Err(BlockError::NoLineEnd);
    }
    let expected = bcc(text);
    let got = raw[raw.len() - 2];
    if expected == got {
        Ok(())
    } else {
        Err(BlockError::Checksum { expected, got })
    }
}

/// The block check character of `text` (MT through the last LF): exclusive OR of the bytes, DEL
/// in place of ETX.
pub fn bcc(text: &[u8]) -> u8 {
    let x = text.iter().fold(0u8, |acc, b| acc ^ b);
    if x == ETX {
        BCC_FOR_ETX
    } else {
        x
    }
}

/// The toggle after `toggle`: `0`..`Z`, wrapping.
pub fn next_toggle(toggle: u8) -> u8 {
    if (FIRST_TOGGLE..LAST_TOGGLE).contains(&toggle) {
        toggle + 1
    } else {
        FIRST_TOGGLE
    }
}

/// A whole block: `STX toggle body BCC ETX`, where `body` is the ID code onward and ends with
/// CR LF.
pub fn encode_block(toggle: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(STX);
    out.push(toggle);
    out.extend_from_slice(body);
    let check = bcc(&out[1..]);
    out.push(check);
    out.push(ETX);
    out
}

/// The token transfer block (`S`, ten blanks, CR LF) by which a side hands the line over.
pub fn token_transfer(toggle: u8) -> Vec<u8> {
    encode_block(toggle, b"S          \r\n")
}

/// A result block's text problems that do not stop it from being read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The block is not a result block.
    #[error("block ID code `{0}` is not a result block (`R`)")]
    NotResults(char),
    /// The first line is shorter than the columns it must hold.
    #[error("first line has {len} columns; the sample id ends at column 17")]
    ShortHeader {
        /// Its length.
        len: usize,
    },
}

/// One ADVIA result block, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultBlock {
    /// The SID as sent, 14 columns with its zero padding.
    pub sid: String,
    /// The specimen id: the SID without the zeros padding it on the left.
    pub specimen_id: String,
    /// Rack and position as sent (`RRR-PP`), trimmed.
    pub rack_position: String,
    /// Aspiration date and time, when readable.
    pub aspirated_at: Option<LocalTime>,
    /// `(parameter number, value)` in the order sent.
    pub values: Vec<(String, String)>,
    /// What could not be read, with line and column (1-based), for the log.
    pub problems: Vec<String>,
}

impl ResultBlock {
    /// Reads the text of a result block (MT through the last LF, as [`Block::text`]).
    pub fn parse(text: &[u8]) -> Result<Self, ReadError> {
        let id = text.get(1).copied().unwrap_or(b' ');
        if id != b'R' {
            return Err(ReadError::NotResults(char::from(id)));
        }
        let mut lines = text
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let head = lines.next().unwrap_or_default();
        if head.len() < 3 + SID_LEN {
            return Err(ReadError::ShortHeader { len: head.len() });
        }
        let sid = text_of(&head[3..3 + SID_LEN]);
        let specimen_id = sid.trim().trim_start_matches('0').to_owned();
        let rack_position = head
            .get(18..24)
            .map(|r| text_of(r).trim().to_owned())
            .unwrap_or_default();
        let mut problems = Vec::new();
        let aspirated_at = match aspiration(head) {
            Ok(t) => Some(t),
            Err(p) => {
                problems.push(p);
                None
            }
        };
        let mut values = Vec::new();
        for (n, line) in lines.enumerate() {
            let line_no = n + 2;
            for (c, cell) in line.chunks(CELL_LEN).enumerate() {
                let column = c * CELL_LEN + 1;
                if cell.iter().all(|&b| b == b' ') {
                    continue;
                }
                let number = text_of(&cell[..cell.len().min(3)]);
                let number = number.trim();
                if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                    problems.push(format!(
                        "line {line_no}, column {column}: parameter number {:?} is not a number; cell {:?} skipped",
                        number,
                        text_of(cell)
                    ));
                    continue;
                }
                let value = text_of(cell.get(3..).unwrap_or_default()).trim().to_owned();
                if value.is_empty() {
                    problems.push(format!(
                        "line {line_no}, column {column}: parameter {number} has no value"
                    ));
                    continue;
                }
                values.push((number.to_owned(), value));
            }
        }
        Ok(Self {
            sid,
            specimen_id,
            rack_position,
            aspirated_at,
            values,
            problems,
        })
    }

    /// One measurement per parameter, no units and no flags (the block carries none).
    pub fn measurements(&self) -> Vec<Measurement> {
        self.values
            .iter()
            .map(|(test, value)| Measurement {
                specimen_id: self.specimen_id.clone(),
                test: test.clone(),
                value: value.clone(),
                units: String::new(),
                flags: Vec::new(),
            })
            .collect()
    }
}

/// `MM/DD/YY` at columns 35–42 and `HH:MM:SS` at 44–51 of the first line.
fn aspiration(head: &[u8]) -> Result<LocalTime, String> {
    let bad = || {
        format!(
            "line 1, columns 36-53: aspiration date and time {:?} are not MM/DD/YY HH:MM:SS",
            text_of(
                head.get(35..52)
                    .unwrap_or_else(|| head.get(35..).unwrap_or_default())
            )
        )
    };
    let slashes = head.get(37) == Some(&b'/') && head.get(40) == Some(&b'/');
    let colons = head.get(46) == Some(&b':') && head.get(49) == Some(&b':');
    if !(slashes && colons) {
        return Err(bad());
    }
    let n = |at| two_digits(head, at).ok_or_else(bad);
    let (month, day, year) = (n(35)?, n(38)?, n(41)?);
    let (hour, minute, second) = (n(44)?, n(47)?, n(50)?);
    LocalTime::new(2000 + u16::from(year), month, day, hour, minute, second).ok_or_else(bad)
}

/// The text of a result block as the ADVIA writes it: the ID code `R`, the SID padded with `0`
/// to 14 columns, blank rack, position and clog columns, the aspiration time, then one line of
/// 9-column cells. Values longer than 5 columns or parameter numbers over 999 are cut to fit.
pub fn result_body(sid: &str, at: LocalTime, values: &[(u16, String)]) -> Vec<u8> {
    let sid: String = sid.chars().take(SID_LEN).collect();
    let mut out = format!(
        "R {sid:0>width$}{blank:18}{:02}/{:02}/{:02} {:02}:{:02}:{:02}   \r\n",
        at.month,
        at.day,
        at.year % 100,
        at.hour,
        at.minute,
        at.second,
        width = SID_LEN,
        blank = "",
    );
    for (number, value) in values {
        let value: String = value.chars().take(5).collect();
        out.push_str(&format!("{:>3}{value:>5} ", number % 1000));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests;
