//! The raw message journal: every analyzer message's bytes, with a CRC-32 checked whenever an
//! entry is read, and a SHA-256 that makes ingest idempotent per link.

use crc::{Crc, CRC_32_ISO_HDLC};
use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ms, ts};
use crate::error::StoreError;
use crate::model::{JournalId, Protocol};

/// CRC-32 as in zip/Ethernet (ISO-HDLC), over the raw bytes.
const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// The CRC-32 stored with an entry.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    CRC32.checksum(bytes)
}

/// An entry to write.
pub(crate) struct NewEntry<'a> {
    pub(crate) link: &'a str,
    pub(crate) instrument: &'a str,
    pub(crate) protocol: Protocol,
    pub(crate) kind: &'a str,
    pub(crate) received_at: Timestamp,
    pub(crate) raw: &'a [u8],
    pub(crate) parse_error: Option<&'a str>,
}

/// Whether the entry was new.
pub(crate) enum Inserted {
    New(JournalId),
    Duplicate(JournalId),
}

/// Writes an entry unless the same bytes came on the same link before.
pub(crate) fn insert(conn: &Connection, e: &NewEntry<'_>) -> Result<Inserted, StoreError> {
    let sha: [u8; 32] = Sha256::digest(e.raw).into();
    let existing: Option<i64> = conn
        .prepare_cached("SELECT id FROM journal WHERE link = ?1 AND sha256 = ?2")?
        .query_row(params![e.link, &sha[..]], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(Inserted::Duplicate(id));
    }
    conn.prepare_cached(
        "INSERT INTO journal (link, instrument, protocol, kind, received_at, sha256, crc32, raw, \
         parse_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        e.link,
        e.instrument,
        e.protocol.as_str(),
        e.kind,
        ms(e.received_at),
        &sha[..],
        i64::from(crc32(e.raw)),
        e.raw,
        e.parse_error
    ])?;
    Ok(Inserted::New(conn.last_insert_rowid()))
}

/// A journal entry whose CRC-32 matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Row id.
    pub id: JournalId,
    /// Link it came on.
    pub link: String,
    /// Instrument id (empty for bytes journaled before parsing).
    pub instrument: String,
    /// `astm` or `hl7`.
    pub protocol: String,
    /// `results`, `qc`, `query`, `other` or `unparsed`.
    pub kind: String,
    /// When it arrived.
    pub received_at: Timestamp,
    /// The bytes.
    pub raw: Vec<u8>,
    /// Why it could not be parsed, if so.
    pub parse_error: Option<String>,
}

/// The outcome of checking every entry's CRC-32.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalReport {
    /// Entries checked.
    pub entries: u64,
    /// Ids of damaged entries.
    pub damaged: Vec<JournalId>,
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Vec<u8>,
    Option<String>,
);

const COLUMNS: &str = "id, link, instrument, protocol, kind, received_at, crc32, raw, parse_error";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn checked(
    (id, link, instrument, protocol, kind, received_at, stored, raw, parse_error): Row,
) -> Result<JournalEntry, StoreError> {
    let computed = crc32(&raw);
    let stored = u32::try_from(stored).unwrap_or(u32::MAX);
    if computed != stored {
        return Err(StoreError::JournalCorrupt {
            journal_id: id,
            stored,
            computed,
        });
    }
    Ok(JournalEntry {
        id,
        link,
        instrument,
        protocol,
        kind,
        received_at: ts(received_at),
        raw,
        parse_error,
    })
}

/// Reads one entry, CRC-checked.
pub(crate) fn read(conn: &Connection, id: JournalId) -> Result<JournalEntry, StoreError> {
    let r = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM journal WHERE id = ?1"),
            [id],
            row,
        )
        .optional()?
        .ok_or_else(|| StoreError::not_found("journal entry", id))?;
    checked(r)
}

/// Entries after `after`, each CRC-checked in place.
pub(crate) fn since(
    conn: &Connection,
    after: JournalId,
    limit: usize,
) -> Result<Vec<Result<JournalEntry, StoreError>>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM journal WHERE id > ?1 ORDER BY id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(
        params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
        row,
    )?;
    let mut out = Vec::new();
    for r in rows {
        out.push(checked(r?));
    }
    Ok(out)
}

/// Checks every entry.
pub(crate) fn verify_all(conn: &Connection) -> Result<JournalReport, StoreError> {
    let mut stmt = conn.prepare("SELECT id, crc32, raw FROM journal ORDER BY id")?;
    let mut rows = stmt.query([])?;
    let mut report = JournalReport {
        entries: 0,
        damaged: Vec::new(),
    };
    while let Some(r) = rows.next()? {
        report.entries += 1;
        let id: i64 = r.get(0)?;
        let stored: i64 = r.get(1)?;
        let raw: Vec<u8> = r.get(2)?;
        if i64::from(crc32(&raw)) != stored {
            report.damaged.push(id);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        // The standard check value of CRC-32/ISO-HDLC over "123456789".
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
