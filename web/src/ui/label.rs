//! The specimen label: an SVG of 50 × 25 mm (the common thermal label) with the specimen id as a
//! Code 128 barcode (ISO/IEC 15417, through the `code128` crate) and as text, and the patient's
//! name, sex and age, the tube type and the date. Drawn in millimetres, black on white, with
//! the 10-module quiet zones the symbology asks for on both sides of the bars.

use code128::Code128;

/// The label's width in millimetres.
pub const WIDTH_MM: f64 = 50.0;
/// The label's height in millimetres.
pub const HEIGHT_MM: f64 = 25.0;
/// Where the bars start and stop, in millimetres from the top.
const BARS_TOP: f64 = 7.6;
const BARS_HEIGHT: f64 = 10.4;
/// The margin on each side, in millimetres; the bars' quiet zone is inside the drawing width.
const SIDE_MM: f64 = 1.0;

/// What a label prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelFacts {
    /// The specimen id, in bars and in text.
    pub specimen_id: String,
    /// The patient's name.
    pub patient_name: String,
    /// Sex and age in words (`Nam, 45 tuổi`).
    pub sex_age: String,
    /// The tube type (`serum`).
    pub tube: String,
    /// The date (`07/12/2026`): collection, else receipt, else the order.
    pub date: String,
}

/// Why a specimen id cannot be printed as Code 128.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("specimen id {0:?} has characters Code 128 cannot carry (it takes Latin-1 only)")]
pub struct NotEncodable(pub String);

/// The label as an SVG document (no script, no style element: presentation attributes only).
pub fn label_svg(facts: &LabelFacts) -> Result<String, NotEncodable> {
    let code = Code128::encode_str(&facts.specimen_id)
        .ok_or_else(|| NotEncodable(facts.specimen_id.clone()))?;
    // `len()` counts the modules with both 10-module quiet zones; the first bar starts at 10.
    let module = (WIDTH_MM - 2.0 * SIDE_MM) / code.len() as f64;
    let mut bars = String::new();
    for bar in code.bar_coordinates() {
        bars.push_str(&format!(
            "<rect x=\"{:.4}\" y=\"{BARS_TOP}\" width=\"{:.4}\" height=\"{BARS_HEIGHT}\"/>",
            SIDE_MM + f64::from(bar.x) * module,
            f64::from(bar.width) * module
        ));
    }
    let line2 = [
        facts.sex_age.as_str(),
        facts.tube.as_str(),
        facts.date.as_str(),
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(" · ");
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"label\" width=\"{WIDTH_MM}mm\" \
         height=\"{HEIGHT_MM}mm\" viewBox=\"0 0 {WIDTH_MM} {HEIGHT_MM}\" role=\"img\" \
         aria-label=\"{id}\" data-module-mm=\"{module:.4}\">\
         <rect width=\"{WIDTH_MM}\" height=\"{HEIGHT_MM}\" fill=\"#fff\"/>\
         <text x=\"{SIDE_MM}\" y=\"3.2\" font-family=\"Noto Sans, DejaVu Sans, Arial, sans-serif\" \
         font-size=\"3\" font-weight=\"700\" textLength=\"{name_len:.1}\" \
         lengthAdjust=\"spacingAndGlyphs\">{name}</text>\
         <text x=\"{SIDE_MM}\" y=\"6.6\" font-family=\"Noto Sans, DejaVu Sans, Arial, sans-serif\" \
         font-size=\"2.5\">{line2}</text>\
         <g class=\"bars\" fill=\"#000\">{bars}</g>\
         <text x=\"{mid}\" y=\"22.4\" text-anchor=\"middle\" \
         font-family=\"DejaVu Sans Mono, Noto Sans Mono, monospace\" font-size=\"3.6\" \
         font-weight=\"700\">{id}</text></svg>",
        id = escape(&facts.specimen_id),
        name = escape(&facts.patient_name),
        // A long name is squeezed to the label's width instead of running off it.
        name_len = name_width(&facts.patient_name),
        line2 = escape(&line2),
        mid = WIDTH_MM / 2.0,
    ))
}

/// The width the name takes: its natural width at 3 mm (about 0.6 of the size per
/// character), at most the label's width inside the margins.
fn name_width(name: &str) -> f64 {
    let natural = name.chars().count() as f64 * 3.0 * 0.6;
    natural.min(WIDTH_MM - 2.0 * SIDE_MM)
}

/// Escapes text for XML character data and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
