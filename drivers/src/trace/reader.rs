//! [`TraceReader`]: reads records back, reporting damaged regions instead of trusting them.

use std::fs;
use std::io;
use std::path::Path;

use super::{
    Direction, TraceRecord, CRC32, HEADER_LEN, MAX_RECORD_DATA, PAYLOAD_PREFIX_LEN, RECORD_MAGIC,
};

/// What the reader found at one place in a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceItem {
    /// A whole record whose CRC matches.
    Record {
        /// Byte offset of the record's first byte in the file.
        offset: u64,
        /// The record.
        record: TraceRecord,
    },
    /// Bytes that are not a valid record, skipped up to the next valid record or the end.
    Damaged(Damage),
}

/// A damaged region of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Byte offset where the damage starts (where a record was expected).
    pub offset: u64,
    /// How many bytes were skipped.
    pub len: u64,
    /// What was wrong with the record expected at `offset`.
    pub kind: DamageKind,
    /// The damage runs to the end of the data: the torn tail a crash leaves while a record is written.
    pub at_end: bool,
}

impl Damage {
    /// A record cut short at the end of the file: what a crash in the middle of a write leaves.
    pub fn is_torn_tail(&self) -> bool {
        self.at_end && self.kind == DamageKind::Truncated
    }
}

/// What was wrong with the record expected at a damaged offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamageKind {
    /// The data ends before the record does (header or payload incomplete).
    Truncated,
    /// The first byte is not [`RECORD_MAGIC`].
    BadMagic {
        /// The byte found.
        got: u8,
    },
    /// The length field is shorter than a payload can be, or longer than any record the writer makes.
    BadLength {
        /// The length found.
        len: u32,
    },
    /// The CRC stored in the header does not match the payload.
    CrcMismatch {
        /// The CRC in the header.
        stored: u32,
        /// The CRC of the payload as read.
        computed: u32,
    },
    /// The direction byte is none of `I`, `O`, `E` (with a matching CRC: written by another version).
    BadDirection {
        /// The byte found.
        got: u8,
    },
}

/// Reads a trace held in memory (trace files are rotated by size, so they fit).
///
/// Iterating yields every valid record in order and a [`TraceItem::Damaged`] for each damaged region.
/// After damage the reader resynchronises on the next offset holding a whole record with a matching
/// CRC, so one bad record does not hide the ones after it.
#[derive(Debug, Clone)]
pub struct TraceReader {
    data: Vec<u8>,
    pos: usize,
}

impl TraceReader {
    /// Reads the whole file at `path`.
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(Self::from_bytes(fs::read(path)?))
    }

    /// Reads records from `data`.
    pub fn from_bytes(data: Vec<u8>) -> Self {
        Self { data, pos: 0 }
    }

    /// Decodes the record starting at `at`: its total length, or what is wrong with it.
    fn record_at(&self, at: usize) -> Result<(usize, TraceRecord), DamageKind> {
        let rest = self.data.get(at..).unwrap_or_default();
        let Some(header) = rest.get(..HEADER_LEN) else {
            return match rest.first() {
                Some(&b) if b != RECORD_MAGIC => Err(DamageKind::BadMagic { got: b }),
                _ => Err(DamageKind::Truncated),
            };
        };
        let [magic, l0, l1, l2, l3, c0, c1, c2, c3] = header else {
            return Err(DamageKind::Truncated);
        };
        if *magic != RECORD_MAGIC {
            return Err(DamageKind::BadMagic { got: *magic });
        }
        let len = u32::from_le_bytes([*l0, *l1, *l2, *l3]);
        let stored = u32::from_le_bytes([*c0, *c1, *c2, *c3]);
        let payload_len = len as usize;
        if !(PAYLOAD_PREFIX_LEN..=PAYLOAD_PREFIX_LEN + MAX_RECORD_DATA).contains(&payload_len) {
            return Err(DamageKind::BadLength { len });
        }
        let Some(payload) = rest.get(HEADER_LEN..HEADER_LEN + payload_len) else {
            return Err(DamageKind::Truncated);
        };
        let computed = CRC32.checksum(payload);
        if computed != stored {
            return Err(DamageKind::CrcMismatch { stored, computed });
        }
        let (prefix, bytes) = payload.split_at(PAYLOAD_PREFIX_LEN);
        let [t0, t1, t2, t3, t4, t5, t6, t7, dir] = prefix else {
            return Err(DamageKind::Truncated);
        };
        let direction = Direction::from_byte(*dir).ok_or(DamageKind::BadDirection { got: *dir })?;
        let record = TraceRecord {
            at_micros: i64::from_le_bytes([*t0, *t1, *t2, *t3, *t4, *t5, *t6, *t7]),
            direction,
            bytes: bytes.to_vec(),
        };
        Ok((HEADER_LEN + payload_len, record))
    }

    /// The first offset after `from` where a whole valid record starts, if any.
    fn resync(&self, from: usize) -> Option<usize> {
        let mut at = from;
        while let Some(found) = self.data.get(at..)?.iter().position(|&b| b == RECORD_MAGIC) {
            let candidate = at + found;
            if self.record_at(candidate).is_ok() {
                return Some(candidate);
            }
            at = candidate + 1;
        }
        None
    }
}

impl Iterator for TraceReader {
    type Item = TraceItem;

    fn next(&mut self) -> Option<TraceItem> {
        if self.pos >= self.data.len() {
            return None;
        }
        let offset = self.pos;
        match self.record_at(offset) {
            Ok((len, record)) => {
                self.pos += len;
                Some(TraceItem::Record {
                    offset: offset as u64,
                    record,
                })
            }
            Err(kind) => {
                let next = self.resync(offset + 1);
                let end = next.unwrap_or(self.data.len());
                self.pos = end;
                Some(TraceItem::Damaged(Damage {
                    offset: offset as u64,
                    len: (end - offset) as u64,
                    kind,
                    at_end: next.is_none(),
                }))
            }
        }
    }
}
