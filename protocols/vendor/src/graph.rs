//! Graphs analyzers send inside their messages, decoded from the text of one field: pure
//! functions of the bytes (no IO, no clock), bounded, never panicking.
//!
//! - [`float_stream`]: the Horiba Yumizen `FLOATLE-stream/deflate:base64` fields of its M
//!   records (`M|1|HISTOGRAM|RBC/PLT|RbcAlongRes|<markers>|<curve>`, `M|3|MATRIX|LMNE|...`):
//!   base64, raw deflate (RFC 1951), then little-endian IEEE 754 float32 values.
//! - [`image`]: an image sent as base64 text (the Mindray BC-5380's HL7 `ED` OBX,
//!   `^Image^BMP^Base64^<data>`), checked against the file signature of the type it claims.
//!
//! What the Yumizen's numbers are, worked out from the corpus (both fields of a record start
//! with the same four numbers, the plot's box `x_min, x_max, y_min, y_max`):
//!
//! - the curve field (M-7): the box; the x-axis ticks as a count and the values (`3, 50, 100,
//!   150` for the RBC curve in fL); the y-axis ticks likewise (`0`: none); then a count of
//!   arrays and their common length, and the arrays one after the other. A histogram has two:
//!   the channel positions (x) and the counts (y); the LMNE matrix has four columns of one row
//!   per cell event (x, y, then two per-event numbers kept as sent).
//! - the markers field (M-6): the box, then a count of arrays and their length, and the arrays
//!   (no ticks): the discriminator lines' positions and their numbers (`2, 3, 3.29, 28.27,
//!   11.31, 0, 1, 2`: the PLT histogram's three lines); `2, 0` when there are none.

use base64::Engine as _;
use miniz_oxide::inflate::{decompress_to_vec_with_limit, TINFLStatus};

/// The encoding name the Yumizen writes before its data (`FLOATLE-stream/deflate:base64^...`).
pub const FLOAT_STREAM: &str = "FLOATLE-stream/deflate:base64";

/// The most bytes one field may inflate to (16 MiB, four million values; the LMNE matrix of
/// the corpus is 86,160 bytes).
pub const MAX_INFLATED: usize = 16 * 1024 * 1024;

/// The most values one array may hold.
pub const MAX_ARRAY_LEN: usize = 1_000_000;

/// Why a graph's field cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// The field names another encoding than the one expected.
    #[error("encoding `{got}`, expected `{expected}`")]
    Encoding {
        /// What the reader reads.
        expected: &'static str,
        /// What the field says.
        got: String,
    },
    /// The field has no data after its encoding name.
    #[error("no data")]
    Empty,
    /// The base64 text does not decode.
    #[error("base64: {detail}")]
    Base64 {
        /// The decoder's words (with the offset of the bad character).
        detail: String,
    },
    /// The bytes do not inflate as raw deflate.
    #[error("deflate: {detail} (after {inflated} bytes)")]
    Deflate {
        /// What the inflater said.
        detail: &'static str,
        /// How many bytes came out before it stopped.
        inflated: usize,
    },
    /// The inflated bytes are not a whole number of float32 values.
    #[error("{len} bytes is not a whole number of 4-byte values")]
    Length {
        /// The byte count.
        len: usize,
    },
    /// The values do not follow the layout (box, ticks, arrays).
    #[error("layout: {detail} at value {at}")]
    Layout {
        /// What was expected.
        detail: &'static str,
        /// The index of the value at fault.
        at: usize,
    },
    /// An image's bytes are not of the type the message claims.
    #[error("the data is not a {claimed} image (it starts with {head})")]
    Signature {
        /// The type claimed (`BMP`).
        claimed: String,
        /// The first bytes, in hex.
        head: String,
    },
    /// An image type this reader does not know.
    #[error("image type `{0}` is not one of BMP, PNG, JPEG, GIF")]
    ImageType(String),
}

/// The plot's box, as sent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plot {
    /// Left end of the x axis.
    pub x_min: f32,
    /// Right end of the x axis.
    pub x_max: f32,
    /// Bottom of the y axis.
    pub y_min: f32,
    /// Top of the y axis.
    pub y_max: f32,
}

/// One field of float32 values read by its layout.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatBlock {
    /// The box.
    pub plot: Plot,
    /// Tick positions on the x axis (the curve field only).
    pub x_ticks: Vec<f32>,
    /// Tick positions on the y axis (the curve field only).
    pub y_ticks: Vec<f32>,
    /// The arrays, each of the same length.
    pub arrays: Vec<Vec<f32>>,
}

/// Which layout a field has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Box, x ticks, y ticks, arrays (the curve or matrix field, M-7).
    WithTicks,
    /// Box, arrays (the markers field, M-6).
    Plain,
}

/// The values of a `FLOATLE-stream/deflate:base64^<data>` field, in order.
pub fn float_stream(field: &str) -> Result<Vec<f32>, GraphError> {
    let (encoding, data) = field.split_once('^').unwrap_or((field, ""));
    if encoding.trim() != FLOAT_STREAM {
        return Err(GraphError::Encoding {
            expected: FLOAT_STREAM,
            got: encoding.trim().to_owned(),
        });
    }
    let compressed = base64_bytes(data)?;
    let bytes = decompress_to_vec_with_limit(&compressed, MAX_INFLATED).map_err(|e| {
        GraphError::Deflate {
            detail: match e.status {
                TINFLStatus::HasMoreOutput => "inflates past the 16 MiB limit",
                TINFLStatus::FailedCannotMakeProgress => "the data ends before its last block",
                TINFLStatus::BadParam => "bad parameter",
                TINFLStatus::Adler32Mismatch => "checksum mismatch",
                _ => "not valid deflate data",
            },
            inflated: e.output.len(),
        }
    })?;
    if bytes.len() % 4 != 0 {
        return Err(GraphError::Length { len: bytes.len() });
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// Reads `values` by `layout`: every count must be a whole, non-negative number and the arrays
/// must end exactly at the last value.
pub fn block(values: &[f32], layout: Layout) -> Result<FloatBlock, GraphError> {
    let mut c = Cursor { values, at: 0 };
    let plot = Plot {
        x_min: c.next("the box's x_min")?,
        x_max: c.next("the box's x_max")?,
        y_min: c.next("the box's y_min")?,
        y_max: c.next("the box's y_max")?,
    };
    let (mut x_ticks, mut y_ticks) = (Vec::new(), Vec::new());
    if layout == Layout::WithTicks {
        for ticks in [&mut x_ticks, &mut y_ticks] {
            let n = c.count("a tick count")?;
            for _ in 0..n {
                ticks.push(c.next("a tick")?);
            }
        }
    }
    let arrays_n = c.count("the array count")?;
    let len = c.count("the array length")?;
    let cursor = c.at;
    if arrays_n > 16 {
        return Err(GraphError::Layout {
            detail: "an array count over 16",
            at: cursor - 2,
        });
    }
    let needed = arrays_n * len;
    if values.len() - cursor != needed {
        return Err(GraphError::Layout {
            detail: "the arrays do not end with the values",
            at: values.len().min(cursor + needed),
        });
    }
    let arrays = if len == 0 {
        vec![Vec::new(); arrays_n]
    } else {
        values[cursor..].chunks(len).map(<[f32]>::to_vec).collect()
    };
    Ok(FloatBlock {
        plot,
        x_ticks,
        y_ticks,
        arrays,
    })
}

/// Reads values one at a time, knowing where it is.
struct Cursor<'a> {
    values: &'a [f32],
    at: usize,
}

impl Cursor<'_> {
    fn next(&mut self, what: &'static str) -> Result<f32, GraphError> {
        let v = self
            .values
            .get(self.at)
            .copied()
            .ok_or(GraphError::Layout {
                detail: what,
                at: self.at,
            })?;
        self.at += 1;
        Ok(v)
    }

    fn count(&mut self, what: &'static str) -> Result<usize, GraphError> {
        let v = self.next(what)?;
        count(v, self.at - 1)
    }
}

/// A count sent as a float: whole, non-negative, at most [`MAX_ARRAY_LEN`].
fn count(v: f32, at: usize) -> Result<usize, GraphError> {
    if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= MAX_ARRAY_LEN as f32) {
        return Err(GraphError::Layout {
            detail: "a count that is not a whole number from 0 to 1,000,000",
            at,
        });
    }
    // A whole number from 0 to 1e6, checked above, converts exactly.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(v as usize)
}

/// A histogram: the curve and the discriminator lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// The box.
    pub plot: Plot,
    /// Tick positions on the x axis.
    pub x_ticks: Vec<f32>,
    /// The channel positions.
    pub x: Vec<f32>,
    /// The count of each channel.
    pub y: Vec<f32>,
    /// The discriminator lines' positions on the x axis, in the order sent.
    pub markers: Vec<f32>,
}

/// A matrix (scattergram): one row per event.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// The box.
    pub plot: Plot,
    /// The columns, each one value per event: x, y, then what else the analyzer sends.
    pub columns: Vec<Vec<f32>>,
}

/// The Yumizen `HISTOGRAM` record's two fields (M-6 markers, M-7 curve).
pub fn histogram(markers: &str, curve: &str) -> Result<Histogram, GraphError> {
    let curve = block(&float_stream(curve)?, Layout::WithTicks)?;
    let [x, y]: [Vec<f32>; 2] = curve.arrays.try_into().map_err(|_| GraphError::Layout {
        detail: "a histogram needs two arrays (positions and counts)",
        at: 4 + 2 + curve.x_ticks.len() + curve.y_ticks.len(),
    })?;
    let markers = if markers.trim().is_empty() {
        Vec::new()
    } else {
        let m = block(&float_stream(markers)?, Layout::Plain)?;
        m.arrays.into_iter().next().unwrap_or_default()
    };
    Ok(Histogram {
        plot: curve.plot,
        x_ticks: curve.x_ticks,
        x,
        y,
        markers,
    })
}

/// The Yumizen `MATRIX` record's curve field (M-7).
pub fn matrix(field: &str) -> Result<Matrix, GraphError> {
    let b = block(&float_stream(field)?, Layout::WithTicks)?;
    if b.arrays.len() < 2 {
        return Err(GraphError::Layout {
            detail: "a matrix needs at least two columns (x and y)",
            at: 4 + 2 + b.x_ticks.len() + b.y_ticks.len(),
        });
    }
    Ok(Matrix {
        plot: b.plot,
        columns: b.arrays,
    })
}

/// An image's bytes with its media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// `image/bmp`, `image/png`, `image/jpeg` or `image/gif`.
    pub media_type: &'static str,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// An image sent as base64 text, claimed to be of `kind` (`BMP`, `PNG`, `JPEG`/`JPG`, `GIF`;
/// case ignored), checked by its file signature.
pub fn image(kind: &str, base64_text: &str) -> Result<Image, GraphError> {
    let (media_type, signature): (&'static str, &[u8]) =
        match kind.trim().to_ascii_uppercase().as_str() {
            // "BM", BITMAPFILEHEADER bfType.
            "BMP" => ("image/bmp", &[0x42, 0x4D]),
            // PNG 1.2 §12.12: 137 80 78 71 13 10 26 10.
            "PNG" => (
                "image/png",
                &[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
            ),
            // JPEG SOI marker FF D8, then a marker FF.
            "JPEG" | "JPG" => ("image/jpeg", &[0xFF, 0xD8, 0xFF]),
            // "GIF8".
            "GIF" => ("image/gif", &[0x47, 0x49, 0x46, 0x38]),
            other => return Err(GraphError::ImageType(other.to_owned())),
        };
    let bytes = base64_bytes(base64_text)?;
    if !bytes.starts_with(signature) {
        return Err(GraphError::Signature {
            claimed: kind.trim().to_ascii_uppercase(),
            head: bytes
                .iter()
                .take(8)
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(" "),
        });
    }
    Ok(Image { media_type, bytes })
}

/// Standard base64 (RFC 4648 §4, padded), whitespace between characters ignored.
fn base64_bytes(text: &str) -> Result<Vec<u8>, GraphError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(GraphError::Empty);
    }
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| GraphError::Base64 {
            detail: e.to_string(),
        })
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
