//! [`TraceWriter`]: appends records to `<dir>/<link>.trace` and rotates it by size.
//!
//! # Flush policy
//!
//! Records go into an in-memory buffer; the buffer is written to the file (one `write` syscall) when
//! [`TraceWriter::flush`] is called, when it would exceed [`TraceWriter::BUFFER_LIMIT`], and before a
//! rotation. The link task calls `flush` at message boundaries: whenever the protocol machine reports
//! an event (a message received or sent, a NAK, a timeout), when a connection opens or closes, on
//! shutdown, and after one second without another record. A crash therefore loses at most the bytes
//! of the message in progress (which the analyzer repeats, since it was not acknowledged) and the
//! record being written when it happened shows up as a torn tail. `flush` does not `fsync`:
//! [`TraceWriter::sync`] does, and runs on rotation and shutdown.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{encode_record, unix_micros, Direction, MAX_RECORD_DATA};

/// Errors of the trace writer.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The trace file (or a rotated one) could not be created, written, renamed or synced.
    #[error("trace file {path}: {source}")]
    Io {
        /// The file being worked on.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// When and how far to rotate a trace file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// A file is rotated before a record would take it past this size.
    pub max_file_bytes: u64,
    /// How many rotated files (`.1` newest to `.N` oldest) are kept; older ones are deleted.
    pub keep_files: usize,
}

impl Default for Rotation {
    /// 16 MiB per file, 10 rotated files: 176 MiB per link at most, weeks of a busy analyzer.
    fn default() -> Self {
        Self {
            max_file_bytes: 16 << 20,
            keep_files: 10,
        }
    }
}

/// Appends trace records for one link. See the module doc for the flush policy.
#[derive(Debug)]
pub struct TraceWriter {
    path: PathBuf,
    rotation: Rotation,
    file: File,
    /// Size of the file on disk plus the buffered bytes.
    size: u64,
    buffer: Vec<u8>,
}

impl TraceWriter {
    /// Buffered bytes above which the buffer is written out without waiting for a flush.
    pub const BUFFER_LIMIT: usize = 64 << 10;

    /// Opens (creating `dir` and the file if needed) `<dir>/<link>.trace` for appending. Characters of
    /// `link` other than ASCII letters, digits, `-`, `_` and `.` become `_` in the file name.
    pub fn open(dir: &Path, link: &str, rotation: Rotation) -> Result<Self, TraceError> {
        fs::create_dir_all(dir).map_err(|source| TraceError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(format!("{}.trace", file_stem(link)));
        let file = open_append(&path)?;
        let size = file
            .metadata()
            .map_err(|source| TraceError::Io {
                path: path.clone(),
                source,
            })?
            .len();
        Ok(Self {
            path,
            rotation,
            file,
            size,
            buffer: Vec::new(),
        })
    }

    /// The current trace file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of rotated file number `n` (1 is the newest).
    pub fn rotated_path(&self, n: usize) -> PathBuf {
        rotated(&self.path, n)
    }

    /// Records `bytes` going `direction` now.
    pub fn record(&mut self, direction: Direction, bytes: &[u8]) -> Result<(), TraceError> {
        self.record_at(SystemTime::now(), direction, bytes)
    }

    /// Records `bytes` going `direction` at `at`. Data longer than
    /// [`MAX_RECORD_DATA`] becomes several records.
    pub fn record_at(
        &mut self,
        at: SystemTime,
        direction: Direction,
        bytes: &[u8],
    ) -> Result<(), TraceError> {
        let at_micros = unix_micros(at);
        // An empty write is still recorded once (an event with no text, a zero-length read).
        let mut chunks = bytes.chunks(MAX_RECORD_DATA);
        let first = chunks.next().unwrap_or(&[]);
        self.push(at_micros, direction, first)?;
        for chunk in chunks {
            self.push(at_micros, direction, chunk)?;
        }
        Ok(())
    }

    fn push(
        &mut self,
        at_micros: i64,
        direction: Direction,
        bytes: &[u8],
    ) -> Result<(), TraceError> {
        let mut encoded = Vec::new();
        encode_record(&mut encoded, at_micros, direction, bytes);
        let len = encoded.len() as u64;
        if self.size > 0 && self.size + len > self.rotation.max_file_bytes {
            self.rotate()?;
        }
        self.buffer.extend_from_slice(&encoded);
        self.size += len;
        if self.buffer.len() > Self::BUFFER_LIMIT {
            self.flush()?;
        }
        Ok(())
    }

    /// Whether records are buffered and not yet written to the file.
    pub fn has_unflushed(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// Writes the buffered records to the file (no `fsync`).
    pub fn flush(&mut self) -> Result<(), TraceError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let result = self.file.write_all(&self.buffer);
        // Whatever happened, do not write the same bytes twice: a partial write is a torn record the
        // reader will report, a repeated one would be a duplicate it cannot tell apart.
        self.buffer.clear();
        result.map_err(|source| TraceError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Flushes and asks the OS to put the file on disk.
    pub fn sync(&mut self) -> Result<(), TraceError> {
        self.flush()?;
        self.file.sync_data().map_err(|source| TraceError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Moves `<link>.trace` to `<link>.trace.1` (shifting older ones up, dropping the oldest) and starts
    /// a new empty file.
    fn rotate(&mut self) -> Result<(), TraceError> {
        self.sync()?;
        let keep = self.rotation.keep_files;
        if keep == 0 {
            remove_if_exists(&self.path)?;
        } else {
            remove_if_exists(&rotated(&self.path, keep))?;
            for n in (1..keep).rev() {
                rename_if_exists(&rotated(&self.path, n), &rotated(&self.path, n + 1))?;
            }
            rename_if_exists(&self.path, &rotated(&self.path, 1))?;
        }
        self.file = open_append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

impl Drop for TraceWriter {
    fn drop(&mut self) {
        if let Err(error) = self.flush() {
            tracing::warn!(%error, "trace not flushed on close");
        }
    }
}

fn file_stem(link: &str) -> String {
    let stem: String = link
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Never `.`/`..` or empty: those would name a directory, not a file in `dir`.
    if stem.chars().all(|c| c == '.') {
        format!("link{stem}")
    } else {
        stem
    }
}

fn rotated(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

fn open_append(path: &Path) -> Result<File, TraceError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| TraceError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn remove_if_exists(path: &Path) -> Result<(), TraceError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(TraceError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

fn rename_if_exists(from: &Path, to: &Path) -> Result<(), TraceError> {
    match fs::rename(from, to) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(TraceError::Io {
            path: from.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}
