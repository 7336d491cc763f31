//! Analyzer graphs (`model::AnalyzerGraph`): kept with the run they came with, that is the
//! message (journal entry), the instrument and the specimen id the analyzer sent, in the
//! message's transaction, in the order sent. A rerun brings its own; the earlier run's stay.
//! QC messages' graphs are kept the same way, marked QC. An undecodable graph is kept with its
//! text as sent and the reason; nothing is dropped.
//!
//! A specimen's page reads them by the specimen id (the barcode the analyzer read), newest run
//! first; an image's bytes are served only for the specimen it belongs to.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::decode::At;
use super::{ms, ts};
use crate::error::StoreError;
use crate::model::{
    AnalyzerGraph, AnalyzerMessage, GraphContent, JournalId, SpecimenRowId, StoredGraph,
};

/// Stores the graphs of `msg`, journaled as `journal_id`, in the caller's transaction.
pub(crate) fn insert(
    conn: &Connection,
    msg: &AnalyzerMessage,
    journal_id: JournalId,
) -> Result<(), StoreError> {
    if msg.graphs.is_empty() {
        return Ok(());
    }
    let mut find = conn.prepare_cached("SELECT id FROM specimens WHERE barcode = ?1")?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO graphs (journal_id, instrument, specimen_id, specimen_row, is_qc, seq, name, \
         row, kind, media_type, bytes, data, reference, raw, reason, received_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?;
    for (seq, g) in msg.graphs.iter().enumerate() {
        let specimen_id = g.specimen_id.trim();
        let specimen_row: Option<SpecimenRowId> = if specimen_id.is_empty() {
            None
        } else {
            find.query_row([specimen_id], |r| r.get(0)).optional()?
        };
        let (media_type, bytes, data, reference, raw, reason) = match &g.content {
            GraphContent::Image { media_type, bytes } => (
                Some(media_type.as_str()),
                Some(bytes.as_slice()),
                None,
                None,
                None,
                None,
            ),
            GraphContent::Histogram(c) => (None, None, Some(json(c)?), None, None, None),
            GraphContent::Scattergram(s) => (None, None, Some(json(s)?), None, None, None),
            GraphContent::FileReference { path } => {
                (None, None, None, Some(path.as_str()), None, None)
            }
            GraphContent::Undecodable { raw, reason } => (
                None,
                None,
                None,
                None,
                Some(raw.as_str()),
                Some(reason.as_str()),
            ),
        };
        stmt.execute(params![
            journal_id,
            msg.instrument,
            specimen_id,
            specimen_row,
            g.is_qc,
            i64::try_from(seq).unwrap_or(i64::MAX),
            g.name,
            g.row,
            g.content.kind(),
            media_type,
            bytes,
            data,
            reference,
            raw,
            reason,
            ms(msg.received_at),
        ])?;
    }
    Ok(())
}

/// The data column of a histogram or scattergram.
fn json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::invalid(format!("graph data: {e}")))
}

const COLUMNS: &str = "id, journal_id, instrument, received_at, specimen_id, is_qc, name, row, \
                       kind, media_type, bytes, data, reference, raw, reason";

fn graph_row(r: &Row<'_>) -> rusqlite::Result<StoredGraph> {
    let id: i64 = r.get(0)?;
    let at = |column| At::new("graphs", id, column);
    let kind: String = r.get(8)?;
    let text = |i: usize, column: &'static str| -> rusqlite::Result<String> {
        r.get::<_, Option<String>>(i)?
            .ok_or_else(|| at(column).corrupt(format!("empty for a {kind} graph")))
    };
    let content = match kind.as_str() {
        "image" => GraphContent::Image {
            media_type: text(9, "media_type")?,
            bytes: r
                .get::<_, Option<Vec<u8>>>(10)?
                .ok_or_else(|| at("bytes").corrupt("empty for an image"))?,
        },
        "histogram" => GraphContent::Histogram(at("data").json(&text(11, "data")?)?),
        "scattergram" => GraphContent::Scattergram(at("data").json(&text(11, "data")?)?),
        "file_reference" => GraphContent::FileReference {
            path: text(12, "reference")?,
        },
        "undecodable" => GraphContent::Undecodable {
            raw: text(13, "raw")?,
            reason: text(14, "reason")?,
        },
        other => return Err(at("kind").corrupt(format!("unknown value {other:?}"))),
    };
    Ok(StoredGraph {
        id,
        journal_id: r.get(1)?,
        instrument: r.get(2)?,
        received_at: ts(r.get(3)?),
        graph: AnalyzerGraph {
            specimen_id: r.get(4)?,
            is_qc: r.get(5)?,
            name: r.get(6)?,
            row: r.get(7)?,
            content,
        },
    })
}

/// The graphs sent with the specimen id `specimen`, newest run first, each run's in the order
/// sent.
pub(crate) fn of_specimen(
    conn: &Connection,
    specimen: &str,
) -> Result<Vec<StoredGraph>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM graphs WHERE specimen_id = ?1 AND is_qc = 0 \
         ORDER BY journal_id DESC, seq"
    ))?;
    let rows = stmt.query_map([specimen.trim()], graph_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The graphs of one message (a QC run's, for instance), in the order sent.
pub(crate) fn of_message(
    conn: &Connection,
    journal_id: JournalId,
) -> Result<Vec<StoredGraph>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM graphs WHERE journal_id = ?1 ORDER BY seq"
    ))?;
    let rows = stmt.query_map([journal_id], graph_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl super::Store {
    /// The graphs analyzers sent with the specimen id `specimen` (patient runs), newest run
    /// first, each run's in the order sent.
    pub fn specimen_graphs(&self, specimen: &str) -> Result<Vec<StoredGraph>, StoreError> {
        self.read(|conn, _| of_specimen(conn, specimen))
    }

    /// The graphs of one message, QC or not, in the order sent.
    pub fn message_graphs(&self, journal_id: JournalId) -> Result<Vec<StoredGraph>, StoreError> {
        self.read(|conn, _| of_message(conn, journal_id))
    }

    /// The image `graph` of the specimen id `specimen`: its media type and bytes; `None` when
    /// there is no such image of that specimen (another specimen's is not served).
    pub fn specimen_image(
        &self,
        specimen: &str,
        graph: i64,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.read(|conn, _| {
            Ok(conn
                .prepare_cached(
                    "SELECT media_type, bytes FROM graphs WHERE id = ?1 AND specimen_id = ?2 \
                     AND is_qc = 0 AND kind = 'image'",
                )?
                .query_row(params![graph, specimen.trim()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?)
        })
    }
}
