//! bioMérieux mini VIDAS results in the bioMérieux communications protocol (BCI): not ASTM.
//!
//! # The line
//!
//! bioMérieux's own protocol, as its BCI overview describes it (stored at
//! <https://www.scribd.com/document/491726048/Protocol-Bci>, "bioMérieux Communications
//! Protocol"; the VIDAS range's "BCI Connectivity Service Manual, LIS Interface Driver Development
//! Guide", 161150-486, has the miniVIDAS RS-232 set-up): either side opens a session with ENQ
//! (0x05), answered ACK (0x06) when ready; a message starts with STX (0x02), each record with RS
//! (0x1E), the last with GS (0x1D) followed by the checksum; the receiver answers each message ACK
//! or NAK (0x15, sent again); EOT (0x04) ends the session.
//!
//! The corpus capture `astm/biomerieux-mini-vidas/mini_vidas_native_nonastm.raw` is one message:
//! `<STX>` then fields `<RS>` + a two-letter name + the value + `|`, then `<GS>b0` and a LF. The
//! checksum is the sum of the bytes after STX through GS, modulo 256, in two hexadecimal digits
//! (checked on the capture: 0xB0, sent as `b0`; either case is accepted).
//!
//! # The fields
//!
//! As named by the senaite.astm mini VIDAS adapter (`adapters/biomerieux/mini_vidas.py`): `mt`
//! message type (`rsl`, a result), `pi` patient id, `pn` patient name, `pb` birth date, `ps` sex,
//! `so` sample origin, `si` specimen separator, `ci` sample identifier, `rt` short assay name,
//! `rn` long assay name, `tt` completion time `HH:MM`, `td` completion date `MM/DD/YY`, `ql`
//! qualitative result, `qn` quantitative result, `y3` unit of `qn`, `qd` dilution, `nc` VIDAS
//! flags, `id` instrument id, `sn` serial number, `m4` technologist.

use std::collections::VecDeque;

use crate::measurement::{text_of, two_digits, LocalTime, Measurement};

/// Opens a session.
pub const ENQ: u8 = 0x05;
/// Ready / message taken.
pub const ACK: u8 = 0x06;
/// Message refused (bad checksum): sent again.
pub const NAK: u8 = 0x15;
/// Ends a session.
pub const EOT: u8 = 0x04;
/// Starts a message.
pub const STX: u8 = 0x02;
/// Starts a record (field).
pub const RS: u8 = 0x1E;
/// Ends the message; the checksum follows.
pub const GS: u8 = 0x1D;
/// Longest message accepted, STX through the checksum.
pub const MAX_PACKET_LEN: usize = 16 * 1024;

/// Why a message was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// The checksum does not match the bytes.
    #[error("checksum `{got}` does not match the bytes' sum {expected:02x}")]
    Checksum {
        /// What the bytes add up to.
        expected: u8,
        /// The two characters received.
        got: String,
    },
    /// A new STX (or ENQ/EOT) came before the GS.
    #[error("message cut by byte 0x{byte:02X} after {len} bytes")]
    Cut {
        /// The byte that cut it.
        byte: u8,
        /// Bytes of the cut message.
        len: usize,
    },
    /// No GS within the maximum length.
    #[error("no GS within {limit} bytes")]
    TooLong {
        /// The limit.
        limit: usize,
    },
    /// The line went quiet with a message unfinished.
    #[error("message left unfinished ({len} bytes, no GS and checksum)")]
    Unfinished {
        /// Bytes received.
        len: usize,
    },
}

/// A message whose checksum was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    raw: Vec<u8>,
}

impl Packet {
    /// The bytes as received, STX through the checksum (and a line end right after it).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }
}

/// What the decoder found on the line: ENQ (a session opens: answer ACK) and EOT (it ends: no
/// answer) as controls, a checked [`Packet`] (answer ACK once stored), or a bad run (answer
/// NAK) or stray bytes.
pub type PacketEvent = crate::scan::Found<Packet, PacketError>;

/// Cuts a mini VIDAS line into ENQ, messages and EOT. CR and LF between messages are line ends,
/// not data, and are passed over; anything else outside a message is reported as stray. Holds at
/// most [`MAX_PACKET_LEN`] bytes.
#[derive(Debug, Default)]
pub struct PacketDecoder {
    buf: Vec<u8>,
    offset: u64,
    events: VecDeque<PacketEvent>,
    line_ends: u64,
}

impl PacketDecoder {
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
    pub fn next_event(&mut self) -> Option<PacketEvent> {
        self.events.pop_front()
    }

    /// Bytes held of an unfinished message.
    pub fn pending_len(&self) -> usize {
        self.buf.len()
    }

    /// CR and LF bytes passed over between messages so far.
    pub fn line_ends(&self) -> u64 {
        self.line_ends
    }

    /// Gives up an unfinished message (the line went quiet).
    pub fn finish(&mut self) {
        if !self.buf.is_empty() {
            let raw = std::mem::take(&mut self.buf);
            let len = raw.len();
            self.events.push_back(PacketEvent::Bad {
                offset: self.offset,
                raw,
                error: PacketError::Unfinished { len },
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
            match first {
                ENQ | EOT => {
                    self.take(1);
                    self.events.push_back(PacketEvent::Control(first));
                }
                b'\r' | b'\n' => {
                    self.take(1);
                    self.line_ends += 1;
                }
                STX => {
                    if !self.packet() {
                        return;
                    }
                }
                _ => {
                    let end = self
                        .buf
                        .iter()
                        .position(|b| matches!(*b, STX | ENQ | EOT | b'\r' | b'\n'))
                        .unwrap_or(self.buf.len());
                    let offset = self.offset;
                    let bytes = self.take(end);
                    self.events.push_back(PacketEvent::Stray { offset, bytes });
                }
            }
        }
    }

    /// Takes one message from the STX at `buf[0]`; false when more bytes are needed.
    fn packet(&mut self) -> bool {
        let cut = self.buf[1..]
            .iter()
            .position(|b| matches!(*b, STX | ENQ | EOT | GS))
            .map(|i| i + 1);
        let offset = self.offset;
        match cut {
            Some(i) if self.buf[i] == GS => {
                // GS and two checksum characters.
                if self.buf.len() < i + 3 {
                    return self.wait_or_give_up();
                }
                let mut end = i + 3;
                // A line end right after the checksum belongs to the message.
                if self.buf.get(end) == Some(&b'\r') {
                    end += 1;
                }
                if self.buf.get(end) == Some(&b'\n') {
                    end += 1;
                }
                let raw = self.take(end);
                let expected = checksum(&raw[1..=i]);
                let got = &raw[i + 1..i + 3];
                let matches = std::str::from_utf8(got)
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok())
                    .is_some_and(|v| v == expected)
                    && got.iter().all(u8::is_ascii_hexdigit);
                self.events.push_back(if matches {
                    PacketEvent::Message(Packet { raw })
                } else {
                    PacketEvent::Bad {
                        offset,
                        error: PacketError::Checksum {
                            expected,
                            got: text_of(got),
                        },
                        raw,
                    }
                });
                true
            }
            Some(i) => {
                let byte = self.buf[i];
                let raw = self.take(i);
                self.events.push_back(PacketEvent::Bad {
                    offset,
                    raw,
                    error: PacketError::Cut { byte, len: i },
                });
                true
            }
            None => self.wait_or_give_up(),
        }
    }

    fn wait_or_give_up(&mut self) -> bool {
        if self.buf.len() <= MAX_PACKET_LEN {
            return false;
        }
        let offset = self.offset;
        let raw = self.take(self.buf.len());
        self.events.push_back(PacketEvent::Bad {
            offset,
            raw,
            error: PacketError::TooLong {
                limit: MAX_PACKET_LEN,
            },
        });
        true
    }
}

/// The sum of `bytes` modulo 256 (the bytes after STX through GS).
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |acc, &b| acc.wrapping_add(b))
}

/// A whole message as the mini VIDAS writes it: STX, each field as RS, name, value and `|`, then
/// GS, the checksum in two lower-case hexadecimal digits, and LF.
pub fn encode_packet(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = vec![STX];
    for (name, value) in fields {
        out.push(RS);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(value.as_bytes());
        out.push(b'|');
    }
    out.push(GS);
    let sum = checksum(&out[1..]);
    out.extend_from_slice(format!("{sum:02x}\n").as_bytes());
    out
}

/// One mini VIDAS message, read: its fields in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VidasMessage {
    /// `(name, value)` in the order sent.
    pub fields: Vec<(String, String)>,
    /// What could not be read, with its byte offset in the message, for the log.
    pub problems: Vec<String>,
}

impl VidasMessage {
    /// Reads a checked message (as [`Packet::raw`]). Never fails: odd fields are problems.
    pub fn parse(raw: &[u8]) -> Self {
        let end = memchr::memchr(GS, raw).unwrap_or(raw.len());
        let body = raw.get(1..end).unwrap_or_default();
        let mut message = Self::default();
        let mut at = 1usize;
        for (n, piece) in body.split(|&b| b == RS).enumerate() {
            let start = at;
            at += piece.len() + 1;
            let piece = trim_line_end(piece);
            if n == 0 {
                if !piece.is_empty() {
                    message.problems.push(format!(
                        "byte {start}: {:?} before the first RS ignored",
                        text_of(piece)
                    ));
                }
                continue;
            }
            let Some(field) = piece.strip_suffix(b"|") else {
                message.problems.push(format!(
                    "byte {start}: field {:?} does not end with `|`",
                    text_of(piece)
                ));
                message.push(piece);
                continue;
            };
            message.push(field);
        }
        message
    }

    fn push(&mut self, field: &[u8]) {
        let name = text_of(field.get(..2).unwrap_or(field));
        let value = text_of(field.get(2..).unwrap_or_default());
        self.fields.push((name, value));
    }

    /// The first value of field `name`, trimmed.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
    }

    /// Whether this is a result message (`mt` = `rsl`).
    pub fn is_result(&self) -> bool {
        self.field("mt") == Some("rsl")
    }

    /// Completion date `td` (`MM/DD/YY`) and time `tt` (`HH:MM`).
    pub fn completed_at(&self) -> Option<LocalTime> {
        let date = self.field("td")?.as_bytes();
        let time = self.field("tt")?.as_bytes();
        if date.len() != 8
            || date[2] != b'/'
            || date[5] != b'/'
            || time.len() != 5
            || time[2] != b':'
        {
            return None;
        }
        LocalTime::new(
            2000 + u16::from(two_digits(date, 6)?),
            two_digits(date, 0)?,
            two_digits(date, 3)?,
            two_digits(time, 0)?,
            two_digits(time, 3)?,
            0,
        )
    }

    /// The result of a result message: specimen `ci`, test `rt`; the value is `qn` (with unit
    /// `y3`) when sent, else `ql`; when both are sent `ql`, the interpretation, goes with `qn` as
    /// a flag, and so do the VIDAS flags `nc`. Nothing for other message types.
    pub fn measurements(&self) -> Vec<Measurement> {
        if !self.is_result() {
            return Vec::new();
        }
        let get = |n| self.field(n).unwrap_or_default().to_owned();
        let (ql, qn) = (get("ql"), get("qn"));
        let mut flags = Vec::new();
        let (value, units) = if qn.is_empty() {
            (ql, String::new())
        } else {
            if !ql.is_empty() {
                flags.push(ql);
            }
            (qn, get("y3"))
        };
        let nc = get("nc");
        if !nc.is_empty() {
            flags.push(nc);
        }
        vec![Measurement {
            specimen_id: get("ci"),
            test: get("rt"),
            value,
            units,
            flags,
        }]
    }
}

fn trim_line_end(piece: &[u8]) -> &[u8] {
    let piece = piece.strip_suffix(b"\n").unwrap_or(piece);
    piece.strip_suffix(b"\r").unwrap_or(piece)
}

#[cfg(test)]
mod tests;
