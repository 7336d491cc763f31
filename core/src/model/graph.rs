//! Graphs and images an analyzer sends with a run of a specimen (histograms, scattergrams,
//! images, references to image files it keeps), as the driver read them from the message.
//!
//! They belong to that run: the message (journal entry), the instrument and the specimen id
//! the analyzer sent, so a rerun brings its own and the earlier run's stay. What cannot be
//! decoded is kept too, with its text as sent and the reason.

use serde::{Deserialize, Serialize};

/// One graph of a message, as the profile's `[[graph]]` rules read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzerGraph {
    /// The specimen id the analyzer sent with it (for QC, the control's id or lot).
    pub specimen_id: String,
    /// Whether it came in a QC message or row.
    pub is_qc: bool,
    /// Its name as sent (`WBC Histogram. BMP`, `RbcAlongRes`, `SCAT_DIFF`).
    pub name: String,
    /// Where it is in the message (`OBX 38`, `record 6 (M)`), for people.
    pub row: String,
    /// What it holds.
    pub content: GraphContent,
}

/// What a graph holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum GraphContent {
    /// An image file's bytes.
    Image {
        /// `image/bmp`, `image/png`, `image/jpeg` or `image/gif`.
        media_type: String,
        /// The file.
        bytes: Vec<u8>,
    },
    /// A histogram: counts along an axis, with the discriminator lines if sent.
    Histogram(Curve),
    /// A scattergram: one point per event.
    Scattergram(Scatter),
    /// An image the analyzer keeps in its own files; the LIS cannot fetch it.
    FileReference {
        /// The path as sent (`PNG\20210414\2021_04_14_14_56_85098_DIFF.PNG`).
        path: String,
    },
    /// Sent as a graph but not readable: kept as sent, with the reason.
    Undecodable {
        /// The text as sent.
        raw: String,
        /// Why it could not be read (`base64: Invalid symbol 32, offset 0.`).
        reason: String,
    },
}

impl GraphContent {
    /// Stored name of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Image { .. } => "image",
            Self::Histogram(_) => "histogram",
            Self::Scattergram(_) => "scattergram",
            Self::FileReference { .. } => "file_reference",
            Self::Undecodable { .. } => "undecodable",
        }
    }
}

/// The plot's box as the analyzer drew it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlotBox {
    /// Left end of the x axis.
    pub x_min: f32,
    /// Right end of the x axis.
    pub x_max: f32,
    /// Bottom of the y axis.
    pub y_min: f32,
    /// Top of the y axis.
    pub y_max: f32,
}

/// A histogram's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The box.
    pub plot: PlotBox,
    /// Ticks on the x axis, as sent.
    pub x_ticks: Vec<f32>,
    /// Channel positions.
    pub x: Vec<f32>,
    /// The count of each channel.
    pub y: Vec<f32>,
    /// The discriminator lines' positions on the x axis, in the order sent.
    pub markers: Vec<f32>,
}

/// A scattergram's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scatter {
    /// The box.
    pub plot: PlotBox,
    /// Each event's x.
    pub x: Vec<f32>,
    /// Each event's y.
    pub y: Vec<f32>,
    /// Further per-event columns as sent (the Yumizen's LMNE sends two more).
    pub extra: Vec<Vec<f32>>,
}

/// A graph as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredGraph {
    /// Its row id.
    pub id: i64,
    /// The message it came in.
    pub journal_id: super::JournalId,
    /// The instrument that sent it.
    pub instrument: String,
    /// When the message arrived.
    pub received_at: jiff::Timestamp,
    /// The graph as read.
    pub graph: AnalyzerGraph,
}
