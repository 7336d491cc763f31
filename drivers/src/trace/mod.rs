//! Trace logs: every byte a link reads and writes, with timestamps and direction, in a file per link.
//!
//! A trace is the evidence when an analyzer and the LIS disagree about what was sent, and the input of
//! `lis replay`. It must survive a crash: each record is framed with its length and a CRC-32, so a
//! record cut short by a power failure (a torn tail) or damaged on disk is detected, reported with its
//! byte offset and skipped, and the records around it are still read.
//!
//! # Record format (version 1)
//!
//! | bytes | field |
//! |---|---|
//! | 1 | magic and version, `0xD1` |
//! | 4 | payload length, u32 little-endian |
//! | 4 | CRC-32/ISO-HDLC of the payload, u32 little-endian |
//! | 8 | payload: timestamp, microseconds since the Unix epoch, i64 little-endian |
//! | 1 | payload: direction, `b'I'` (read from the analyzer), `b'O'` (written to it), `b'E'` (a link event, UTF-8 text) |
//! | n | payload: the bytes |
//!
//! - [`writer`]: [`TraceWriter`], appending and rotating by size.
//! - [`reader`]: [`TraceReader`], iterating records and reporting [`Damage`].

pub mod reader;
pub mod writer;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use reader::{Damage, DamageKind, TraceItem, TraceReader};
pub use writer::{Rotation, TraceError, TraceWriter};

/// First byte of every record: the format's magic and version.
pub const RECORD_MAGIC: u8 = 0xD1;

/// Bytes before the payload: magic, length, CRC.
pub const HEADER_LEN: usize = 1 + 4 + 4;

/// Payload bytes before the data: timestamp and direction.
const PAYLOAD_PREFIX_LEN: usize = 8 + 1;

/// The longest data one record carries; longer writes are split over several records. Also the bound
/// the reader uses to tell a damaged length field from a real one.
pub const MAX_RECORD_DATA: usize = 1 << 20;

const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Which way the bytes of a record went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Read from the analyzer.
    In,
    /// Written to the analyzer.
    Out,
    /// Not bytes on the wire: a link event (connected, disconnected, timeout) as UTF-8 text.
    Event,
}

impl Direction {
    fn to_byte(self) -> u8 {
        match self {
            Self::In => b'I',
            Self::Out => b'O',
            Self::Event => b'E',
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            b'I' => Some(Self::In),
            b'O' => Some(Self::Out),
            b'E' => Some(Self::Event),
            _ => None,
        }
    }
}

/// One record of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceRecord {
    /// When the bytes were read or written, in microseconds since the Unix epoch.
    pub at_micros: i64,
    /// Which way they went.
    pub direction: Direction,
    /// The bytes (for [`Direction::Event`], UTF-8 text).
    pub bytes: Vec<u8>,
}

impl TraceRecord {
    /// The timestamp as a [`SystemTime`].
    pub fn at(&self) -> SystemTime {
        let magnitude = Duration::from_micros(self.at_micros.unsigned_abs());
        if self.at_micros >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }
}

/// The files of one link's trace in the order they were written: the rotated ones oldest first
/// (`<current>.N` ... `<current>.1`), then `current` itself if it exists. What `lis replay` reads
/// to see a link's whole recorded history.
pub fn trace_files(current: &Path) -> io::Result<Vec<PathBuf>> {
    let dir = match current.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Some(name) = current.file_name().and_then(|n| n.to_str()) else {
        return Ok(Vec::new());
    };
    let prefix = format!("{name}.");
    let mut rotated: Vec<(u64, PathBuf)> = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(n) = file_name
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        rotated.push((n, entry.path()));
    }
    // Highest number = oldest.
    rotated.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    let mut files: Vec<PathBuf> = rotated.into_iter().map(|(_, p)| p).collect();
    if current.exists() {
        files.push(current.to_path_buf());
    }
    Ok(files)
}

/// Microseconds since the Unix epoch (negative before it), saturating far outside the `i64` range.
pub(crate) fn unix_micros(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_micros()).map_or(i64::MIN, |m| -m),
    }
}

/// Appends the encoded record to `out`. `bytes` must be at most [`MAX_RECORD_DATA`] long (the writer
/// splits longer writes).
fn encode_record(out: &mut Vec<u8>, at_micros: i64, direction: Direction, bytes: &[u8]) {
    let payload_len = PAYLOAD_PREFIX_LEN + bytes.len();
    let mut digest = CRC32.digest();
    let ts = at_micros.to_le_bytes();
    let dir = [direction.to_byte()];
    digest.update(&ts);
    digest.update(&dir);
    digest.update(bytes);
    out.reserve(HEADER_LEN + payload_len);
    out.push(RECORD_MAGIC);
    // Invariant: payload_len <= MAX_RECORD_DATA + 9, far below u32::MAX.
    out.extend_from_slice(&u32::try_from(payload_len).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(&digest.finalize().to_le_bytes());
    out.extend_from_slice(&ts);
    out.extend_from_slice(&dir);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests;
