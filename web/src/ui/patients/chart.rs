//! A small trend chart of one numeric test, drawn on the server as SVG (no script): the values
//! over time as a line with a mark per result, the reference range as a shaded band, the band's
//! limits and the latest value written out. A result outside the band is a square, inside a
//! circle, so the chart reads without colour.

use jiff::Timestamp;

/// The chart's size in SVG user units (it scales to its box).
pub const WIDTH: f64 = 420.0;
/// The chart's height.
pub const HEIGHT: f64 = 150.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 54.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;

/// One result as the chart draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartMark {
    /// Centre, x.
    pub x: String,
    /// Centre, y.
    pub y: String,
    /// Whether it is outside the reference band (drawn as a square).
    pub outside: bool,
    /// The square's corner (x − 4, y − 4), for an outside mark.
    pub corner_x: String,
    /// The square's corner, y.
    pub corner_y: String,
    /// The value and date, for the mark's tooltip (`<title>`).
    pub label: String,
}

/// A text label at a position.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartLabel {
    /// x.
    pub x: String,
    /// y.
    pub y: String,
    /// The text.
    pub text: String,
}

/// The reference band as a rectangle.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartBand {
    /// Top-left x.
    pub x: String,
    /// Top-left y.
    pub y: String,
    /// Width.
    pub width: String,
    /// Height.
    pub height: String,
}

/// A drawn chart.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendChart {
    /// The `viewBox`.
    pub view_box: String,
    /// The line through the results, `x,y x,y …` in time order.
    pub line: String,
    /// One mark per result.
    pub marks: Vec<ChartMark>,
    /// The band, when the test has a range.
    pub band: Option<ChartBand>,
    /// The band's limits and the latest value, written at the right edge.
    pub labels: Vec<ChartLabel>,
    /// The first and last dates, under the axis.
    pub dates: Vec<ChartLabel>,
    /// The frame of the plot area (x, y, width, height).
    pub frame: ChartBand,
}

/// One value to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    /// When.
    pub at: Timestamp,
    /// The value.
    pub value: f64,
    /// The value as reported (for the label).
    pub shown: String,
    /// The date as the page writes it.
    pub date: String,
}

fn n(v: f64) -> String {
    format!("{v:.1}")
}

/// A limit as the label writes it: as few decimals as it has (`3.9`, `106`).
fn limit(v: f64) -> String {
    format!("{v}")
}

/// Draws `points` (any order; at least one) against the reference range `low`–`high` (either
/// may be missing). `None` without points.
pub fn draw(points: &[ChartPoint], low: Option<f64>, high: Option<f64>) -> Option<TrendChart> {
    let mut points: Vec<&ChartPoint> = points.iter().filter(|p| p.value.is_finite()).collect();
    points.sort_by_key(|p| p.at);
    let (first, last) = (points.first()?, points.last()?);
    let values = points
        .iter()
        .map(|p| p.value)
        .chain(low)
        .chain(high)
        .filter(|v| v.is_finite());
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if (hi - lo).abs() < f64::EPSILON {
        let pad = if lo.abs() > 1.0 { lo.abs() * 0.1 } else { 1.0 };
        lo -= pad;
        hi += pad;
    }
    let pad = (hi - lo) * 0.08;
    let (lo, hi) = (lo - pad, hi + pad);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |v: f64| TOP + (hi - v) / (hi - lo) * plot_h;
    let t0 = first.at.as_millisecond() as f64;
    let span = last.at.as_millisecond() as f64 - t0;
    let x = |at: Timestamp| {
        if span <= 0.0 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + (at.as_millisecond() as f64 - t0) / span * plot_w
        }
    };
    let outside = |v: f64| low.is_some_and(|l| v < l) || high.is_some_and(|h| v > h);
    let marks: Vec<ChartMark> = points
        .iter()
        .map(|p| {
            let (cx, cy) = (x(p.at), y(p.value));
            ChartMark {
                x: n(cx),
                y: n(cy),
                outside: outside(p.value),
                corner_x: n(cx - 4.0),
                corner_y: n(cy - 4.0),
                label: format!("{} · {}", p.shown, p.date),
            }
        })
        .collect();
    let line = marks
        .iter()
        .map(|m| format!("{},{}", m.x, m.y))
        .collect::<Vec<_>>()
        .join(" ");
    let band = (low.is_some() || high.is_some()).then(|| {
        let top = high.map_or(TOP, y);
        let bottom = low.map_or(TOP + plot_h, y);
        ChartBand {
            x: n(LEFT),
            y: n(top),
            width: n(plot_w),
            height: n((bottom - top).max(0.0)),
        }
    });
    let mut labels = Vec::new();
    // The band's limits at the left, the latest value at the right of its mark.
    for v in [high, low].into_iter().flatten() {
        labels.push(ChartLabel {
            x: n(LEFT - 4.0),
            y: n(y(v) + 4.0),
            text: limit(v),
        });
    }
    labels.push(ChartLabel {
        x: n(x(last.at) + 8.0),
        y: n(y(last.value) + 4.0),
        text: last.shown.clone(),
    });
    let dates = vec![
        ChartLabel {
            x: n(LEFT),
            y: n(HEIGHT - 6.0),
            text: first.date.clone(),
        },
        ChartLabel {
            x: n(LEFT + plot_w),
            y: n(HEIGHT - 6.0),
            text: last.date.clone(),
        },
    ];
    Some(TrendChart {
        view_box: format!("0 0 {WIDTH} {HEIGHT}"),
        line,
        marks,
        band,
        labels,
        dates,
        frame: ChartBand {
            x: n(LEFT),
            y: n(TOP),
            width: n(plot_w),
            height: n(plot_h),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(at: &str, value: f64) -> ChartPoint {
        ChartPoint {
            at: at.parse().unwrap(),
            value,
            shown: value.to_string(),
            date: at[..10].to_owned(),
        }
    }

    #[test]
    fn values_and_band_are_placed_by_hand_calculation() {
        // Values 4 and 8 a day apart, range 3.9–6.4: the scale spans 3.9..8 padded by 8 % of
        // 4.1 (0.328): 3.572..8.328. Plot height 150 − 10 − 22 = 118, width 420 − 52 − 54 = 314.
        // y(8) = 10 + (8.328 − 8) / 4.756 × 118 = 18.14; y(4) = 10 + 4.328 / 4.756 × 118 = 117.38.
        let chart = draw(
            &[
                point("2025-03-02T00:00:00Z", 8.0),
                point("2025-03-01T00:00:00Z", 4.0),
            ],
            Some(3.9),
            Some(6.4),
        )
        .unwrap();
        assert_eq!(chart.line, "52.0,117.4 366.0,18.1");
        assert_eq!(
            chart.marks.iter().map(|m| m.outside).collect::<Vec<_>>(),
            [false, true]
        );
        // The band from y(6.4) = 10 + 1.928 / 4.756 × 118 = 57.84 to y(3.9) = 119.86.
        let band = chart.band.unwrap();
        assert_eq!((band.y.as_str(), band.height.as_str()), ("57.8", "62.0"));
        let texts: Vec<&str> = chart.labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["6.4", "3.9", "8"]);
        assert_eq!(chart.dates[0].text, "2025-03-01");
    }

    #[test]
    fn one_value_without_a_range_sits_in_the_middle() {
        let chart = draw(&[point("2025-03-01T00:00:00Z", 5.0)], None, None).unwrap();
        // Scale 4.5..5.5 (10 % each side) padded by 0.08: y(5) is the middle, 10 + 118 / 2 = 69.
        assert_eq!(chart.line, "209.0,69.0");
        assert!(chart.band.is_none());
        assert!(draw(&[], None, None).is_none());
    }
}
