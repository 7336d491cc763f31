//! The Levey-Jennings chart, drawn on the server as one SVG string (no script, no external
//! library, no font file): the y axis is in standard deviations from the target mean, with the
//! mean and the ±1, ±2 and ±3 SD lines labelled on the left in SD and on the right in the
//! unit (for the last lot's target); one point per QC result in run order, its date under the
//! axis; a lot change is a vertical separator naming the new lot and its target, so several
//! lots share one chart although their means differ.
//!
//! A point is a circle when in control, an amber triangle with the rule's name beside it when
//! only a warning rule fired (1-2s), and a red diamond with the rule's names when a rejection
//! rule fired: the shape and the written name tell the state, never colour alone. Each point's
//! `<title>` says its date, run, value, z-score and rules, and [`table_rows`] gives the same
//! values for the accessible table beside the chart.
//!
//! Scale (SVG user units): points are [`STEP`] apart starting [`LEFT`] + [`STEP`]/2 from the
//! left edge, in a plot at least [`MIN_SLOTS`] points wide; one SD is [`PER_SD`] high; the plot
//! spans ±R SD, R = the largest |z| rounded up, at least 4 and at most [`MAX_HALF_RANGE`] (a
//! point further out is drawn on the edge, marked ↑ or ↓, its value in its title and the table);
//! the plot's top is [`TOP`] from the top edge. So y(z) = TOP + (R − z) × PER_SD.

use std::fmt::{self, Write as _};

/// Horizontal distance between two points.
pub const STEP: f64 = 28.0;
/// Room left of the plot, for the SD labels.
pub const LEFT: f64 = 64.0;
/// Room right of the plot, for the values of the lines.
pub const RIGHT: f64 = 64.0;
/// Room above the plot, for the lot labels.
pub const TOP: f64 = 44.0;
/// Room under the plot, for the dates.
pub const BOTTOM: f64 = 76.0;
/// Height of one standard deviation.
pub const PER_SD: f64 = 36.0;
/// The plot is at least this many points wide, so a short series does not look cramped.
pub const MIN_SLOTS: usize = 12;
/// The largest half-range drawn, in SD.
pub const MAX_HALF_RANGE: f64 = 8.0;
/// The smallest half-range drawn, in SD.
pub const MIN_HALF_RANGE: f64 = 4.0;

/// One QC result as the chart draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    /// The run it belongs to, as the page names runs (`12`).
    pub run: String,
    /// The date under the axis (`07/12`).
    pub date: String,
    /// The date and time for the title and the table (`07/12/2026 08:15`).
    pub when: String,
    /// The control level (`1`, `2`, `3`).
    pub level: String,
    /// The value as reported (`6.25`).
    pub shown: String,
    /// The z-score against its lot's target: (value − mean) / SD. A point whose z-score is
    /// not a finite number is listed in the table but not drawn.
    pub z: f64,
    /// The names of the rejection rules that fired on this point (`1-3s`, `2-2s`).
    pub rejections: Vec<String>,
    /// The names of the warning rules that fired on this point (`1-2s`).
    pub warnings: Vec<String>,
}

impl ChartPoint {
    /// How the point reads.
    pub fn verdict(&self) -> Verdict {
        if !self.rejections.is_empty() {
            Verdict::Rejected
        } else if !self.warnings.is_empty() {
            Verdict::Warning
        } else {
            Verdict::InControl
        }
    }

    /// The rules that fired, rejections first (`1-3s, 1-2s`), or empty.
    pub fn rules(&self) -> String {
        self.rejections
            .iter()
            .chain(&self.warnings)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The z-score as the chart writes it: signed, two decimals (`+3.75`, `-1.00`); `—` when
    /// not a number.
    pub fn z_text(&self) -> String {
        if self.z.is_finite() {
            format!("{:+.2}", self.z)
        } else {
            String::from("—")
        }
    }
}

/// The state one point shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No rule fired.
    InControl,
    /// Only warning rules fired.
    Warning,
    /// A rejection rule fired.
    Rejected,
}

impl Verdict {
    /// The CSS class of its marks.
    pub fn class(self) -> &'static str {
        match self {
            Self::InControl => "lj-ok",
            Self::Warning => "lj-warn",
            Self::Rejected => "lj-reject",
        }
    }

    /// The symbol the table shows beside the rules (a circle, a triangle, a diamond: the
    /// chart's shapes).
    pub fn symbol(self) -> &'static str {
        match self {
            Self::InControl => "●",
            Self::Warning => "▲",
            Self::Rejected => "◆",
        }
    }
}

/// The points of one lot in run order, with the lot's target.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSegment {
    /// The lot number.
    pub lot: String,
    /// The target mean.
    pub mean: f64,
    /// The target standard deviation.
    pub sd: f64,
    /// Its points, in run order.
    pub points: Vec<ChartPoint>,
}

/// What one chart shows: one test on one instrument at one level, one lot or several in
/// succession.
#[derive(Debug, Clone, PartialEq)]
pub struct LeveyJennings {
    /// What the chart is of, for its accessible name (`GLU · DEMO-CHEM · level 1`).
    pub title: String,
    /// The unit of the values (`mmol/L`).
    pub unit: String,
    /// Decimals of the line values on the right (2 for `5.50`).
    pub decimals: usize,
    /// The lots, oldest first; a new segment starts at each lot change.
    pub segments: Vec<ChartSegment>,
}

/// The words the chart writes, in the page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartWords {
    /// The mean line's label (`Mean`).
    pub mean: &'static str,
    /// The standard deviation's abbreviation (`SD`).
    pub sd: &'static str,
    /// "Lot", before a lot number.
    pub lot: &'static str,
    /// "Run", before a run's name.
    pub run: &'static str,
    /// "Level", before a level.
    pub level: &'static str,
}

/// An SVG document fragment, ready to be put in a page as it is (every text in it is escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg(String);

impl Svg {
    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One row of the accessible table beside the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// Date and time.
    pub when: String,
    /// The run.
    pub run: String,
    /// The lot.
    pub lot: String,
    /// The level.
    pub level: String,
    /// The value as reported.
    pub value: String,
    /// The z-score (`+3.75`).
    pub z: String,
    /// The rules that fired, or empty.
    pub rules: String,
    /// The row's CSS class (`lj-reject`), empty when in control.
    pub class: &'static str,
    /// The verdict's symbol.
    pub symbol: &'static str,
    /// Whether the row starts a new lot.
    pub lot_change: bool,
    /// The values the analyzer sent beside the point (`RLU 611793; INDX 1.20`), or empty.
    pub supplementary: String,
}

/// The table's rows, in run order, for the same chart.
pub fn table_rows(chart: &LeveyJennings) -> Vec<TableRow> {
    let mut rows = Vec::new();
    for (s, segment) in chart.segments.iter().enumerate() {
        for (i, p) in segment.points.iter().enumerate() {
            let verdict = p.verdict();
            rows.push(TableRow {
                when: p.when.clone(),
                run: p.run.clone(),
                lot: segment.lot.clone(),
                level: p.level.clone(),
                value: p.shown.clone(),
                z: p.z_text(),
                rules: p.rules(),
                class: if verdict == Verdict::InControl {
                    ""
                } else {
                    verdict.class()
                },
                symbol: verdict.symbol(),
                lot_change: s > 0 && i == 0,
                supplementary: String::new(),
            });
        }
    }
    rows
}

/// The chart's scale for a series: the half-range in SD and the number of point slots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// R: the plot spans −R to +R SD.
    pub half_range: f64,
    /// How many point slots wide the plot is.
    pub slots: usize,
}

impl Scale {
    /// The scale that shows every point of `chart` (up to [`MAX_HALF_RANGE`]).
    pub fn of(chart: &LeveyJennings) -> Self {
        let points = chart.segments.iter().flat_map(|s| &s.points);
        let widest = points
            .clone()
            .map(|p| p.z.abs())
            .filter(|z| z.is_finite())
            .fold(0.0_f64, f64::max);
        Self {
            half_range: widest.ceil().clamp(MIN_HALF_RANGE, MAX_HALF_RANGE),
            slots: points.count().max(MIN_SLOTS),
        }
    }

    /// The plot's width.
    pub fn plot_width(self) -> f64 {
        self.slots as f64 * STEP
    }

    /// The plot's height.
    pub fn plot_height(self) -> f64 {
        2.0 * self.half_range * PER_SD
    }

    /// The whole drawing's width.
    pub fn width(self) -> f64 {
        LEFT + self.plot_width() + RIGHT
    }

    /// The whole drawing's height.
    pub fn height(self) -> f64 {
        TOP + self.plot_height() + BOTTOM
    }

    /// The centre of the `index`-th point (counted over all lots), x.
    pub fn x(self, index: usize) -> f64 {
        LEFT + STEP * (index as f64 + 0.5)
    }

    /// The height of a z-score, clamped to the plot.
    pub fn y(self, z: f64) -> f64 {
        let r = self.half_range;
        TOP + (r - z.clamp(-r, r)) * PER_SD
    }
}

/// A coordinate as the SVG writes it: one decimal.
fn n(v: f64) -> String {
    format!("{v:.1}")
}

/// Escapes text for SVG (XML) content and attribute values.
pub fn escape(text: &str) -> String {
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

/// The label of the line `k` SD from the mean (`+2 SD`, `Mean`, `-1 SD`).
fn line_label(k: i32, words: &ChartWords) -> String {
    match k {
        0 => words.mean.to_owned(),
        k => format!("{k:+} {}", words.sd),
    }
}

/// A point's title: when, run, level, value and unit, z-score, rules.
fn point_title(p: &ChartPoint, unit: &str, lot: &str, words: &ChartWords) -> String {
    let mut title = format!(
        "{} · {} {} · {} {} · {} {} · {} {} · z {}",
        p.when,
        words.run,
        p.run,
        words.lot,
        lot,
        words.level,
        p.level,
        p.shown,
        unit,
        p.z_text()
    );
    let rules = p.rules();
    if !rules.is_empty() {
        title.push_str(" · ");
        title.push_str(&rules);
    }
    title
}

/// Draws `chart`; `None` when it has no point.
pub fn render(chart: &LeveyJennings, words: &ChartWords) -> Option<Svg> {
    if chart.segments.iter().all(|s| s.points.is_empty()) {
        return None;
    }
    let scale = Scale::of(chart);
    let (width, height) = (scale.width(), scale.height());
    let (plot_w, plot_h) = (scale.plot_width(), scale.plot_height());
    let right = LEFT + plot_w;
    let bottom = TOP + plot_h;
    let mut svg = String::new();
    // Writing to a String cannot fail; the results of write! are ignored for that reason.
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lj-chart\" viewBox=\"0 0 {w} {h}\" \
         width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"lj-title\">\
         <title id=\"lj-title\">{title}</title>",
        w = n(width),
        h = n(height),
        title = escape(&chart.title),
    );
    let _ = write!(
        svg,
        "<rect class=\"lj-frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        n(LEFT),
        n(TOP),
        n(plot_w),
        n(plot_h)
    );
    // The bands beyond 2 and 3 SD are shaded, so the eye finds the danger zones at once.
    let r = scale.half_range;
    for (from, to, class) in [
        (3.0, r, "lj-zone3"),
        (2.0, 3.0, "lj-zone2"),
        (-3.0, -2.0, "lj-zone2"),
        (-r, -3.0, "lj-zone3"),
    ] {
        let _ = write!(
            svg,
            "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
            n(LEFT),
            n(scale.y(to)),
            n(plot_w),
            n(scale.y(from) - scale.y(to))
        );
    }
    // The mean and ±1/2/3 SD lines: the SD on the left, the last lot's value on the right.
    let last = chart.segments.iter().rev().find(|s| !s.points.is_empty());
    for k in -3..=3_i32 {
        let y = n(scale.y(f64::from(k)));
        let class = match k.abs() {
            0 => "lj-mean",
            1 => "lj-sd1",
            2 => "lj-sd2",
            _ => "lj-sd3",
        };
        let _ = write!(
            svg,
            "<line class=\"{class}\" x1=\"{l}\" y1=\"{y}\" x2=\"{r}\" y2=\"{y}\"/>\
             <text class=\"lj-axis\" x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>",
            l = n(LEFT),
            r = n(right),
            lx = n(LEFT - 6.0),
            ty = n(scale.y(f64::from(k)) + 4.0),
            label = escape(&line_label(k, words)),
        );
        if let Some(seg) = last {
            let value = seg.mean + f64::from(k) * seg.sd;
            let _ = write!(
                svg,
                "<text class=\"lj-axis lj-value\" x=\"{}\" y=\"{}\">{}</text>",
                n(right + 6.0),
                n(scale.y(f64::from(k)) + 4.0),
                format_args!("{value:.*}", chart.decimals),
            );
        }
    }
    // The lots: a separator before each new one, and each lot's name and target on top
    // (alternating two rows so neighbouring labels do not overlap).
    let mut index = 0;
    for (s, seg) in chart.segments.iter().enumerate() {
        let x = LEFT + STEP * index as f64;
        if s > 0 {
            let _ = write!(
                svg,
                "<line class=\"lj-lot-change\" x1=\"{x}\" y1=\"{t}\" x2=\"{x}\" y2=\"{b}\"/>",
                x = n(x),
                t = n(TOP - 30.0 + 14.0 * (s % 2) as f64),
                b = n(bottom),
            );
        }
        let _ = write!(
            svg,
            "<text class=\"lj-lot\" x=\"{}\" y=\"{}\">{} {} · {:.*} ± {:.*}</text>",
            n(x + 4.0),
            n(TOP - 22.0 + 14.0 * (s % 2) as f64),
            escape(words.lot),
            escape(&seg.lot),
            chart.decimals,
            seg.mean,
            chart.decimals,
            seg.sd,
        );
        // The line through the lot's points (a lot change breaks it).
        let line: Vec<String> = seg
            .points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.z.is_finite())
            .map(|(i, p)| format!("{},{}", n(scale.x(index + i)), n(scale.y(p.z))))
            .collect();
        if line.len() > 1 {
            let _ = write!(
                svg,
                "<polyline class=\"lj-line\" points=\"{}\"/>",
                line.join(" ")
            );
        }
        for (i, p) in seg.points.iter().enumerate() {
            let x = scale.x(index + i);
            // The date under the axis, turned so long series stay readable.
            let _ = write!(
                svg,
                "<text class=\"lj-date\" x=\"{x}\" y=\"{y}\" text-anchor=\"end\" \
                 transform=\"rotate(-45 {x} {y})\">{d}</text>",
                x = n(x + 4.0),
                y = n(bottom + 14.0),
                d = escape(&p.date),
            );
            if p.z.is_finite() {
                draw_point(&mut svg, scale, x, p, &chart.unit, &seg.lot, words);
            }
        }
        index += seg.points.len();
    }
    svg.push_str("</svg>");
    Some(Svg(svg))
}

/// One point: its mark (a circle, a triangle or a diamond), its rules written beside it, and its
/// title; the group carries the value, z-score and rules as data for tests and tools.
fn draw_point(
    svg: &mut String,
    scale: Scale,
    x: f64,
    p: &ChartPoint,
    unit: &str,
    lot: &str,
    words: &ChartWords,
) {
    let verdict = p.verdict();
    let y = scale.y(p.z);
    let off = if p.z > scale.half_range {
        " ↑"
    } else if p.z < -scale.half_range {
        " ↓"
    } else {
        ""
    };
    let _ = write!(
        svg,
        "<g class=\"lj-point {class}\" data-run=\"{run}\" data-value=\"{value}\" \
         data-z=\"{z}\" data-rules=\"{rules}\"><title>{title}</title>",
        class = verdict.class(),
        run = escape(&p.run),
        value = escape(&p.shown),
        z = p.z_text(),
        rules = escape(&p.rules()),
        title = escape(&point_title(p, unit, lot, words)),
    );
    match verdict {
        Verdict::InControl => {
            let _ = write!(svg, "<circle cx=\"{}\" cy=\"{}\" r=\"5\"/>", n(x), n(y));
        }
        Verdict::Warning => {
            // A triangle pointing up, 14 wide and 12 high, centred on the point.
            let _ = write!(
                svg,
                "<polygon points=\"{},{} {},{} {},{}\"/>",
                n(x),
                n(y - 7.0),
                n(x + 7.0),
                n(y + 5.0),
                n(x - 7.0),
                n(y + 5.0)
            );
        }
        Verdict::Rejected => {
            // A diamond 18 across, centred on the point.
            let _ = write!(
                svg,
                "<polygon points=\"{},{} {},{} {},{} {},{}\"/>",
                n(x),
                n(y - 9.0),
                n(x + 9.0),
                n(y),
                n(x),
                n(y + 9.0),
                n(x - 9.0),
                n(y)
            );
        }
    }
    // Beside a rejected point only its rejection rules (a 1-3s point is beyond 2 SD too): the
    // title, the data and the table keep every rule.
    let named = if p.rejections.is_empty() {
        &p.warnings
    } else {
        &p.rejections
    };
    let rules = named.join(", ");
    if !rules.is_empty() || !off.is_empty() {
        // Above a point on the upper half, under one on the lower half: away from the mean.
        let ty = if p.z >= 0.0 { y - 13.0 } else { y + 22.0 };
        let _ = write!(
            svg,
            "<text class=\"lj-rule\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}{}</text>",
            n(x),
            n(ty),
            escape(&rules),
            off
        );
    }
    svg.push_str("</g>");
}

#[cfg(test)]
mod tests;
