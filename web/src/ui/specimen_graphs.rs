//! The graphs and images analyzers sent with a specimen's runs, on its page (issue 14):
//! [`GraphsView`] fills the page's section (`web/templates/specimen_graphs.html`, included by
//! `specimen.html`), and `GET /specimens/{id}/graphs/{graph}` ([`specimen_graph_get`]) serves
//! an image's bytes as they came, for the `<img>` of the page, with the page's sign-in and
//! permission.
//!
//! A histogram is drawn here as inline SVG (no script) from the numbers the analyzer sent,
//! with its discriminator lines; a scattergram as a grid of cells whose darkness tells how
//! many events fell in it. Each has a text alternative (the SVG's `<title>` and `<desc>`, and
//! the same words under it). An image the analyzer keeps in its own files and one that could not
//! be decoded are said in words with a symbol, never left out.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jiff::tz::TimeZone;
use lis_core::model::{Curve, GraphContent, Scatter, StoredGraph};
use lis_core::permissions::Permission;

use super::dates;
use super::error_page::PageError;
use super::i18n::{catalog, Lang, Msg, Text};
use super::session::CurrentUser;
use super::urls::{self, Urls};
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

catalog! {
    /// The words of the graphs section.
    pub enum GraphMsg {
        Heading => ("Biểu đồ và hình ảnh từ máy xét nghiệm", "Graphs and images from the analyzer"),
        Run => ("Lần chạy trên {instrument} lúc {when}", "Run on {instrument} at {when}"),
        KindHistogram => ("Biểu đồ phân bố", "Histogram"),
        KindScattergram => ("Biểu đồ phân tán", "Scattergram"),
        KindImage => ("Hình ảnh", "Image"),
        KindFile => ("Hình ảnh lưu trên máy", "Image kept on the analyzer"),
        KindUndecodable => ("Không đọc được", "Could not be decoded"),
        KeptOnAnalyzer => ("Hình ảnh lưu trên máy xét nghiệm: {path}", "Image kept on the analyzer: {path}"),
        NotFetched => ("LIS không lấy được tệp này; xem trên máy.", "The LIS cannot fetch this file; see it on the analyzer."),
        Undecodable => ("Máy gửi hình này nhưng không đọc được ({reason}); dữ liệu gốc được giữ nguyên.", "The analyzer sent this but it could not be decoded ({reason}); the data is kept as sent."),
        HistogramAlt => ("{name}: {points} kênh, từ {from} đến {to}; cao nhất {peak} tại {at}.", "{name}: {points} channels from {from} to {to}; highest count {peak} at {at}."),
        Markers => ("Đường phân ngưỡng tại {lines}.", "Discriminator lines at {lines}."),
        ScatterAlt => ("{name}: {events} tế bào.", "{name}: {events} events."),
        ImageAlt => ("{name}, hình ảnh từ máy xét nghiệm", "{name}, image from the analyzer"),
        Empty => ("{name}: không có điểm nào.", "{name}: no points."),
    }
}

/// The page's graphs section.
#[derive(Debug, Clone, Default)]
pub struct GraphsView {
    /// The section's heading.
    pub heading: String,
    /// Each run's graphs, newest run first.
    pub runs: Vec<GraphRun>,
}

/// The graphs of one run (one message from one instrument).
#[derive(Debug, Clone)]
pub struct GraphRun {
    /// `Run on XN-1 at 07/12/2026 08:15`.
    pub title: String,
    /// The graphs, in the order sent.
    pub panels: Vec<GraphPanel>,
}

/// One graph as the page shows it.
#[derive(Debug, Clone)]
pub struct GraphPanel {
    /// The `id` of its figure (`graph-12`).
    pub anchor: String,
    /// The name as the analyzer sent it.
    pub name: String,
    /// What it is, in words.
    pub kind_word: &'static str,
    /// A text symbol beside the word (`▦`, `⚠`).
    pub symbol: &'static str,
    /// The CSS class of its figure (`graph-histogram`, `graph-undecodable`).
    pub class: &'static str,
    /// An image: the URL of its bytes.
    pub image_url: Option<String>,
    /// A histogram or scattergram: the SVG, drawn here (its texts escaped).
    pub svg: Option<String>,
    /// The text alternative, shown under it and given to the `<img>` as `alt`.
    pub description: String,
    /// A second sentence (a file the LIS cannot fetch), if any.
    pub note: Option<String>,
}

/// The section for `graphs` (newest run first, as the store gives them).
pub fn view(graphs: &[StoredGraph], barcode: &str, lang: Lang, tz: &TimeZone) -> GraphsView {
    let mut runs: Vec<GraphRun> = Vec::new();
    let mut last_run = None;
    for g in graphs {
        if last_run != Some(g.journal_id) {
            last_run = Some(g.journal_id);
            runs.push(GraphRun {
                title: GraphMsg::Run.fill(
                    lang,
                    &[
                        ("instrument", &g.instrument),
                        ("when", &dates::date_time(g.received_at, tz)),
                    ],
                ),
                panels: Vec::new(),
            });
        }
        if let Some(run) = runs.last_mut() {
            run.panels.push(panel(g, barcode, lang));
        }
    }
    GraphsView {
        heading: GraphMsg::Heading.text(lang).to_owned(),
        runs,
    }
}

fn panel(g: &StoredGraph, barcode: &str, lang: Lang) -> GraphPanel {
    let name = g.graph.name.clone();
    let mut p = GraphPanel {
        anchor: format!("graph-{}", g.id),
        name: name.clone(),
        kind_word: "",
        symbol: "",
        class: "",
        image_url: None,
        svg: None,
        description: String::new(),
        note: None,
    };
    match &g.graph.content {
        GraphContent::Image { .. } => {
            p.kind_word = GraphMsg::KindImage.text(lang);
            p.symbol = "▣";
            p.class = "graph-image";
            p.image_url = Some(image_url(barcode, g.id));
            p.description = GraphMsg::ImageAlt.fill(lang, &[("name", &name)]);
        }
        GraphContent::Histogram(c) => {
            p.kind_word = GraphMsg::KindHistogram.text(lang);
            p.symbol = "▁▃▅";
            p.class = "graph-histogram";
            p.description = histogram_words(c, &name, lang);
            p.svg = Some(histogram_svg(c, &name, &p.description));
        }
        GraphContent::Scattergram(s) => {
            p.kind_word = GraphMsg::KindScattergram.text(lang);
            p.symbol = "⁘";
            p.class = "graph-scattergram";
            p.description = GraphMsg::ScatterAlt
                .fill(lang, &[("name", &name), ("events", &s.x.len().to_string())]);
            p.svg = Some(scatter_svg(s, &name, &p.description));
        }
        GraphContent::FileReference { path } => {
            p.kind_word = GraphMsg::KindFile.text(lang);
            p.symbol = "↗";
            p.class = "graph-file";
            p.description = GraphMsg::KeptOnAnalyzer.fill(lang, &[("path", path)]);
            p.note = Some(GraphMsg::NotFetched.text(lang).to_owned());
        }
        GraphContent::Undecodable { reason, .. } => {
            p.kind_word = GraphMsg::KindUndecodable.text(lang);
            p.symbol = "⚠";
            p.class = "graph-undecodable";
            p.description = GraphMsg::Undecodable.fill(lang, &[("reason", reason)]);
        }
    }
    p
}

/// `/specimens/{id}/graphs/{graph}`.
pub fn image_url(barcode: &str, graph: i64) -> String {
    format!("{}/graphs/{graph}", urls::specimen(barcode))
}

/// A number as people read it on the page: up to two decimals, no trailing zeros.
fn num(v: f32) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn histogram_words(c: &Curve, name: &str, lang: Lang) -> String {
    let peak = c.y.iter().enumerate().filter(|(_, v)| v.is_finite()).fold(
        None,
        |best: Option<(usize, f32)>, (i, &v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((i, v)),
        },
    );
    let Some((at, peak)) = peak else {
        return GraphMsg::Empty.fill(lang, &[("name", name)]);
    };
    let mut words = GraphMsg::HistogramAlt.fill(
        lang,
        &[
            ("name", name),
            ("points", &c.y.len().to_string()),
            ("from", &num(c.plot.x_min)),
            ("to", &num(c.plot.x_max)),
            ("peak", &num(peak)),
            ("at", &num(c.x.get(at).copied().unwrap_or(0.0))),
        ],
    );
    if !c.markers.is_empty() {
        let lines: Vec<String> = c.markers.iter().map(|m| num(*m)).collect();
        words.push(' ');
        words.push_str(&GraphMsg::Markers.fill(lang, &[("lines", &lines.join(", "))]));
    }
    words
}

/// Width and height of a graph's SVG, and the room around its plot.
const W: f32 = 320.0;
const H: f32 = 180.0;
const PAD_LEFT: f32 = 12.0;
const PAD_RIGHT: f32 = 12.0;
const PAD_TOP: f32 = 12.0;
const PAD_BOTTOM: f32 = 28.0;

/// Maps a value in `[lo, hi]` onto `[a, b]`; a box of no width puts everything at `a`.
fn scale(v: f32, lo: f32, hi: f32, a: f32, b: f32) -> f32 {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) || !v.is_finite() {
        return a;
    }
    a + (v.clamp(lo, hi) - lo) / (hi - lo) * (b - a)
}

/// The SVG's opening, with its accessible name and description.
fn svg_open(out: &mut String, class: &str, name: &str, description: &str) {
    let _ = write!(
        out,
        "<svg class=\"{class}\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title><desc>{}</desc>",
        escape(name),
        escape(description)
    );
}

/// The x axis with the analyzer's ticks under it.
fn x_axis(out: &mut String, ticks: &[f32], x_min: f32, x_max: f32) {
    let (left, right, bottom) = (PAD_LEFT, W - PAD_RIGHT, H - PAD_BOTTOM);
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\"/>"
    );
    for &t in ticks {
        let x = scale(t, x_min, x_max, left, right);
        let _ = write!(
            out,
            "<line class=\"tick\" x1=\"{x:.1}\" y1=\"{bottom}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
             <text class=\"tick-label\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 4.0,
            bottom + 16.0,
            num(t)
        );
    }
}

/// A histogram as an SVG: the curve as a filled polyline over the analyzer's box, its x ticks,
/// and each discriminator line dashed and numbered.
pub fn histogram_svg(c: &Curve, name: &str, description: &str) -> String {
    let mut out = String::with_capacity(4096 + c.y.len() * 16);
    svg_open(&mut out, "graph graph-histogram", name, description);
    let (left, right, top, bottom) = (PAD_LEFT, W - PAD_RIGHT, PAD_TOP, H - PAD_BOTTOM);
    let p = c.plot;
    // A box whose top is below the highest count (or not sent) is widened to hold the curve.
    let y_max =
        c.y.iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(p.y_max, f32::max);
    let mut points = format!("{left:.1},{bottom:.1}");
    for (x, y) in c.x.iter().zip(&c.y) {
        let _ = write!(
            points,
            " {:.1},{:.1}",
            scale(*x, p.x_min, p.x_max, left, right),
            scale(*y, p.y_min, y_max, bottom, top)
        );
    }
    let _ = write!(points, " {right:.1},{bottom:.1}");
    let _ = write!(out, "<polygon class=\"curve\" points=\"{points}\"/>");
    x_axis(&mut out, &c.x_ticks, p.x_min, p.x_max);
    for (i, m) in c.markers.iter().enumerate() {
        let x = scale(*m, p.x_min, p.x_max, left, right);
        let _ = write!(
            out,
            "<line class=\"marker\" x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{bottom}\"/>\
             <text class=\"marker-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x + 2.0,
            top + 8.0,
            i + 1
        );
    }
    out.push_str("</svg>");
    out
}

/// Cells per side of a scattergram's grid.
const CELLS: usize = 64;

/// A scattergram as an SVG: the events counted in a grid of 64 × 64 cells over the
/// analyzer's box, each cell with events a square whose opacity grows with its count.
pub fn scatter_svg(s: &Scatter, name: &str, description: &str) -> String {
    let mut out = String::with_capacity(8192);
    svg_open(&mut out, "graph graph-scattergram", name, description);
    let (left, right, top, bottom) = (PAD_LEFT, W - PAD_RIGHT, PAD_TOP, H - PAD_BOTTOM);
    let p = s.plot;
    let mut grid = vec![0u32; CELLS * CELLS];
    for (x, y) in s.x.iter().zip(&s.y) {
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        let cell = |v: f32, lo: f32, hi: f32| -> usize {
            // `scale` onto 0..CELLS, floored; the cast is of a value clamped to that range.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let c = scale(v, lo, hi, 0.0, CELLS as f32).floor() as usize;
            c.min(CELLS - 1)
        };
        grid[cell(*y, p.y_min, p.y_max) * CELLS + cell(*x, p.x_min, p.x_max)] += 1;
    }
    let most = grid.iter().copied().max().unwrap_or(0).max(1);
    let (cw, ch) = ((right - left) / CELLS as f32, (bottom - top) / CELLS as f32);
    for (i, &n) in grid.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let (row, col) = (i / CELLS, i % CELLS);
        // Counts go 0.25 to 1: a lone event is still seen.
        #[allow(clippy::cast_precision_loss)]
        let opacity = 0.25 + 0.75 * (n as f32 / most as f32);
        let _ = write!(
            out,
            "<rect class=\"cell\" x=\"{:.2}\" y=\"{:.2}\" width=\"{cw:.2}\" height=\"{ch:.2}\" \
             fill-opacity=\"{opacity:.2}\"/>",
            left + col as f32 * cw,
            bottom - (row + 1) as f32 * ch
        );
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\"/>\
         <line class=\"axis\" x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\"/>"
    );
    out.push_str("</svg>");
    out
}

/// Text for SVG/HTML: `&`, `<`, `>`, `"` and `'` escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The image route, under the specimen pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(
        &format!("{}/{{id}}/graphs/{{graph}}", Urls::Specimens.as_str()),
        get(specimen_graph_get),
    )
}

/// `GET /specimens/{id}/graphs/{graph}`: an image's bytes as the analyzer sent them, with their
/// media type and `X-Content-Type-Options: nosniff`, to whoever may see the specimen's page; a
/// graph that is not an image of this specimen is 404.
pub async fn specimen_graph_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Path((barcode, graph)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    current.require(Permission::Review)?;
    let store = Arc::clone(&state.store);
    let image = blocking(move || Ok::<_, AppError>(store.specimen_image(&barcode, graph)))
        .await
        .map_err(|e| current.error_message(e.status(), e.to_string()))?
        .map_err(|e| current.store_error(e))?;
    let Some((media_type, bytes)) = image else {
        return Err(current
            .error_message(
                StatusCode::NOT_FOUND,
                Msg::ErrorNotFound.text(current.lang).to_owned(),
            )
            .into());
    };
    let content_type = HeaderValue::from_str(&media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
#[path = "specimen_graphs_tests.rs"]
mod tests;
