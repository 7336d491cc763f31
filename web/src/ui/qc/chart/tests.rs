//! The chart's SVG against positions computed by hand from the documented scale.

use super::*;

const WORDS: ChartWords = ChartWords {
    mean: "Mean",
    sd: "SD",
    lot: "Lot",
    run: "Run",
    level: "Level",
};

fn point(run: u32, shown: &str, z: f64, rejections: &[&str], warnings: &[&str]) -> ChartPoint {
    ChartPoint {
        run: run.to_string(),
        date: format!("0{run}/12"),
        when: format!("0{run}/12/2026 08:00"),
        level: String::from("1"),
        shown: shown.to_owned(),
        z,
        rejections: rejections.iter().map(|r| (*r).to_owned()).collect(),
        warnings: warnings.iter().map(|r| (*r).to_owned()).collect(),
    }
}

/// GLU level 1, lot DC-2026, mean 5.50 SD 0.20: 5.50, 5.70, 5.30, 6.25 are z = 0, +1, −1
/// and (6.25 − 5.50) / 0.20 = +3.75 (1-3s).
fn glucose() -> LeveyJennings {
    LeveyJennings {
        title: String::from("GLU · DEMO-CHEM · Level 1"),
        unit: String::from("mmol/L"),
        decimals: 2,
        segments: vec![ChartSegment {
            lot: String::from("DC-2026"),
            mean: 5.5,
            sd: 0.2,
            points: vec![
                point(1, "5.50", 0.0, &[], &[]),
                point(2, "5.70", 1.0, &[], &[]),
                point(3, "5.30", -1.0, &[], &[]),
                point(4, "6.25", 3.75, &["1-3s"], &[]),
            ],
        }],
    }
}

/// The text between `start` and the next `end` after it.
fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let from = s.find(start).unwrap_or_else(|| panic!("{start} in {s}")) + start.len();
    let rest = &s[from..];
    &rest[..rest.find(end).unwrap()]
}

#[test]
fn the_scale_is_the_one_documented() {
    // Largest |z| 3.75 rounds up to 4: the plot spans ±4 SD, 8 × 36 = 288 high; four
    // points use the 12-slot minimum, 12 × 28 = 336 wide.
    let scale = Scale::of(&glucose());
    assert_eq!(scale.half_range, 4.0);
    assert_eq!(scale.slots, 12);
    assert_eq!(scale.width(), 64.0 + 336.0 + 64.0);
    assert_eq!(scale.height(), 44.0 + 288.0 + 76.0);
    // y(z) = 44 + (4 − z) × 36: y(0) = 188, y(+1) = 152, y(−1) = 224, y(3.75) = 53.
    assert_eq!(
        [scale.y(0.0), scale.y(1.0), scale.y(-1.0), scale.y(3.75)],
        [188.0, 152.0, 224.0, 53.0]
    );
    // x(i) = 64 + 28 × (i + 0.5): 78, 106, 134, 162.
    assert_eq!(
        (0..4).map(|i| scale.x(i)).collect::<Vec<_>>(),
        [78.0, 106.0, 134.0, 162.0]
    );
}

#[test]
fn points_lines_and_labels_are_where_the_scale_puts_them() {
    let svg = render(&glucose(), &WORDS).unwrap();
    let svg = svg.as_str();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("viewBox=\"0 0 464.0 408.0\""));
    assert!(svg.contains("<title id=\"lj-title\">GLU · DEMO-CHEM · Level 1</title>"));
    // In-control points are circles at (78, 188), (106, 152), (134, 224).
    assert!(svg.contains("<circle cx=\"78.0\" cy=\"188.0\" r=\"5\"/>"));
    assert!(svg.contains("<circle cx=\"106.0\" cy=\"152.0\" r=\"5\"/>"));
    assert!(svg.contains("<circle cx=\"134.0\" cy=\"224.0\" r=\"5\"/>"));
    // The 1-3s point is a diamond around (162, 53), named above it at y 53 − 13 = 40.
    let reject = between(svg, "<g class=\"lj-point lj-reject\"", "</g>");
    assert!(
        reject.contains("<polygon points=\"162.0,44.0 171.0,53.0 162.0,62.0 153.0,53.0\"/>"),
        "{reject}"
    );
    assert!(reject.contains(
        "<text class=\"lj-rule\" x=\"162.0\" y=\"40.0\" text-anchor=\"middle\">1-3s</text>"
    ));
    assert!(reject.contains("data-value=\"6.25\" data-z=\"+3.75\" data-rules=\"1-3s\""));
    assert!(reject.contains(
        "<title>04/12/2026 08:00 · Run 4 · Lot DC-2026 · Level 1 · 6.25 mmol/L · z +3.75 · 1-3s</title>"
    ));
    // The line joins the four points in run order.
    assert!(svg.contains(
        "<polyline class=\"lj-line\" points=\"78.0,188.0 106.0,152.0 134.0,224.0 162.0,53.0\"/>"
    ));
    // The mean and ±1/2/3 SD lines across the plot (64 to 400), labelled in SD on the left
    // and in mmol/L on the right: +3 SD = 5.50 + 3 × 0.20 = 6.10 at y(3) = 80.
    assert!(svg
        .contains("<line class=\"lj-mean\" x1=\"64.0\" y1=\"188.0\" x2=\"400.0\" y2=\"188.0\"/>"));
    assert!(
        svg.contains("<line class=\"lj-sd3\" x1=\"64.0\" y1=\"80.0\" x2=\"400.0\" y2=\"80.0\"/>")
    );
    assert!(
        svg.contains("<line class=\"lj-sd2\" x1=\"64.0\" y1=\"260.0\" x2=\"400.0\" y2=\"260.0\"/>")
    );
    for (label, y) in [("+3 SD", 84.0), ("Mean", 192.0), ("-2 SD", 264.0)] {
        assert!(
            svg.contains(&format!(
                "<text class=\"lj-axis\" x=\"58.0\" y=\"{y:.1}\" text-anchor=\"end\">{label}</text>"
            )),
            "{label}"
        );
    }
    for (value, y) in [
        ("6.10", 84.0),
        ("5.50", 192.0),
        ("5.10", 264.0),
        ("4.90", 300.0),
    ] {
        assert!(
            svg.contains(&format!(
                "<text class=\"lj-axis lj-value\" x=\"406.0\" y=\"{y:.1}\">{value}</text>"
            )),
            "{value}"
        );
    }
    // Each date under its point, and the lot named on top.
    assert!(svg.contains(">01/12</text>") && svg.contains(">04/12</text>"));
    assert!(svg
        .contains("<text class=\"lj-lot\" x=\"68.0\" y=\"22.0\">Lot DC-2026 · 5.50 ± 0.20</text>"));
    assert!(!svg.contains("lj-lot-change"));
}

#[test]
fn a_rejected_point_is_named_by_its_rejection_rules_alone() {
    let mut chart = glucose();
    chart.segments[0].points[3] = point(4, "6.25", 3.75, &["1-3s"], &["1-2s"]);
    let svg = render(&chart, &WORDS).unwrap();
    let reject = between(svg.as_str(), "<g class=\"lj-point lj-reject\"", "</g>");
    assert!(reject.contains("data-rules=\"1-3s, 1-2s\""), "{reject}");
    assert!(reject.contains("z +3.75 · 1-3s, 1-2s</title>"), "{reject}");
    assert!(
        reject.contains("text-anchor=\"middle\">1-3s</text>"),
        "{reject}"
    );
}

#[test]
fn a_warning_is_an_amber_triangle_with_its_rule() {
    let mut chart = glucose();
    chart.segments[0].points[1] = point(2, "5.95", 2.25, &[], &["1-2s"]);
    let svg = render(&chart, &WORDS).unwrap();
    let warn = between(svg.as_str(), "<g class=\"lj-point lj-warn\"", "</g>");
    // y(2.25) = 44 + 1.75 × 36 = 107; the triangle's apex 7 above, base 5 below.
    assert!(
        warn.contains("<polygon points=\"106.0,100.0 113.0,112.0 99.0,112.0\"/>"),
        "{warn}"
    );
    assert!(warn.contains(">1-2s</text>"));
}

#[test]
fn a_lot_change_is_a_separator_with_the_new_lot_and_its_target() {
    let mut chart = glucose();
    chart.segments.push(ChartSegment {
        lot: String::from("DC-2027"),
        mean: 5.6,
        sd: 0.25,
        points: vec![point(5, "5.35", -1.0, &[], &[])],
    });
    let svg = render(&chart, &WORDS).unwrap();
    let svg = svg.as_str();
    // The fifth point starts the new lot: the separator at x = 64 + 4 × 28 = 176, from
    // 44 − 30 + 14 = 28 (the second label row) down to the plot's bottom, 44 + 288 = 332.
    assert!(svg.contains(
        "<line class=\"lj-lot-change\" x1=\"176.0\" y1=\"28.0\" x2=\"176.0\" y2=\"332.0\"/>"
    ));
    assert!(svg.contains(
        "<text class=\"lj-lot\" x=\"180.0\" y=\"36.0\">Lot DC-2027 · 5.60 ± 0.25</text>"
    ));
    // The line does not cross the lot change; the right-hand values are the new lot's:
    // +3 SD = 5.60 + 0.75 = 6.35.
    assert_eq!(svg.matches("<polyline").count(), 1);
    assert!(svg.contains(">6.35</text>"));
    assert!(svg.contains("<circle cx=\"190.0\" cy=\"224.0\" r=\"5\"/>"));
    let rows = table_rows(&chart);
    assert_eq!(rows.len(), 5);
    assert!(rows[4].lot_change && !rows[3].lot_change);
    assert_eq!(rows[4].lot, "DC-2027");
}

#[test]
fn a_point_off_the_scale_is_on_the_edge_with_an_arrow() {
    let mut chart = glucose();
    chart.segments[0].points[3] = point(4, "9.50", 20.0, &["1-3s"], &[]);
    chart.segments[0].points[2] = point(3, "4.35", -5.75, &["1-3s"], &[]);
    let scale = Scale::of(&chart);
    // |z| 20 is past the cap: R = 8, y(+8) = 44, y(−5.75) = 44 + 13.75 × 36 = 539.
    assert_eq!(scale.half_range, 8.0);
    let svg = render(&chart, &WORDS).unwrap();
    let svg = svg.as_str();
    assert!(svg.contains("162.0,35.0 171.0,44.0"), "{svg}");
    assert!(svg.contains(">1-3s ↑</text>"));
    assert!(svg.contains("134.0,530.0 143.0,539.0"));
    assert!(svg.contains("y=\"561.0\" text-anchor=\"middle\">1-3s</text>"));
}

#[test]
fn the_table_has_every_point_and_text_is_escaped() {
    let mut chart = glucose();
    chart.segments[0].lot = String::from("<A&B>");
    chart.segments[0].points[0].z = f64::NAN;
    let rows = table_rows(&chart);
    let cells: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.run.as_str(),
                r.value.as_str(),
                r.z.as_str(),
                r.rules.as_str(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("1", "5.50", "—", ""),
            ("2", "5.70", "+1.00", ""),
            ("3", "5.30", "-1.00", ""),
            ("4", "6.25", "+3.75", "1-3s")
        ]
    );
    assert_eq!((rows[3].class, rows[3].symbol), ("lj-reject", "◆"));
    let svg = render(&chart, &WORDS).unwrap();
    assert!(svg.as_str().contains("Lot &lt;A&amp;B&gt;"));
    assert!(!svg.as_str().contains("<A&B>"));
    // The point without a z-score is not drawn, but its date is on the axis.
    assert!(!svg.as_str().contains("cx=\"78.0\""));
    assert!(svg.as_str().contains(">01/12</text>"));
    assert!(render(
        &LeveyJennings {
            segments: Vec::new(),
            ..glucose()
        },
        &WORDS
    )
    .is_none());
}
