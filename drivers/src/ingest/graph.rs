//! Graph rows (the profile's `[[graph]]` rules): a row a rule matches is read as a graph
//! (`model::AnalyzerGraph`) of the row's specimen, decoded by `lis_vendor::graph`, and is
//! neither a result nor a skipped row. A graph that cannot be decoded is kept as sent with the
//! reason (and the reason is a problem of the reading, shown in the link's state): never
//! dropped, never a crash.

use lis_core::model::{AnalyzerGraph, Curve, GraphContent, PlotBox, Scatter};
use lis_vendor::graph::{self as decode, GraphError, Plot};

use super::supplementary::RowReader;
use crate::profile::{GraphEncoding, GraphKind, GraphRule, Location, Locations, Profile};

/// The graph of the row `reader` reads, when a rule for rows of `row_type` (`OBX`, `R`, `M`)
/// matches it; `row` names the row for people (`OBX 38`).
pub(crate) fn read(
    profile: &Profile,
    reader: &impl RowReader,
    row_type: &str,
    row: &str,
) -> Option<AnalyzerGraph> {
    let rule = profile
        .graph
        .iter()
        .find(|g| g.row_type() == Some(row_type) && g.when.iter().all(|r| reader.matches(r)))?;
    let named: Vec<String> = rule
        .name_from
        .as_ref()
        .map(|l| reader.each(l))
        .unwrap_or_default()
        .into_iter()
        .filter(|v| !v.is_empty())
        .collect();
    let name = if named.is_empty() {
        rule.name.clone().unwrap_or_default().trim().to_owned()
    } else {
        named.join(" ")
    };
    Some(AnalyzerGraph {
        specimen_id: reader.first(&profile.specimen),
        is_qc: profile.qc.iter().any(|r| reader.matches(r)),
        name,
        row: row.to_owned(),
        content: content(profile, rule, reader),
    })
}

fn content(profile: &Profile, rule: &GraphRule, reader: &impl RowReader) -> GraphContent {
    let data = profile.graph_data_at(rule);
    match rule.encoding {
        GraphEncoding::Hl7Ed => {
            let Some(at) = data.0.first() else {
                return undecodable(String::new(), "no data location".to_owned());
            };
            // ED: source application ^ type of data ^ data subtype ^ encoding ^ data.
            let parts: Vec<String> = (1..=5).map(|c| reader.first(&component(at, c))).collect();
            let raw = parts.join("^");
            if !parts[1].eq_ignore_ascii_case("Image") {
                return undecodable(raw, format!("type of data `{}`, not `Image`", parts[1]));
            }
            if !parts[3].eq_ignore_ascii_case("Base64") {
                return undecodable(raw, format!("encoding `{}`, not `Base64`", parts[3]));
            }
            match decode::image(&parts[2], &parts[4]) {
                Ok(img) => GraphContent::Image {
                    media_type: img.media_type.to_owned(),
                    bytes: img.bytes,
                },
                Err(e) => undecodable(raw, format!("{} image: {e}", parts[2])),
            }
        }
        GraphEncoding::FloatStream => {
            let fields = reader.each(&data);
            let (markers, curve) = match fields.as_slice() {
                [m, c] => (m.as_str(), c.as_str()),
                _ => return undecodable(fields.join("|"), "needs two data fields".to_owned()),
            };
            let raw = format!("{markers}|{curve}");
            match rule.kind {
                Some(GraphKind::Histogram) => match decode::histogram(markers, curve) {
                    Ok(h) => GraphContent::Histogram(Curve {
                        plot: plot(h.plot),
                        x_ticks: h.x_ticks,
                        x: h.x,
                        y: h.y,
                        markers: h.markers,
                    }),
                    Err(e) => undecodable(raw, describe(&e)),
                },
                Some(GraphKind::Scattergram) => match decode::matrix(curve) {
                    Ok(m) => {
                        let mut columns = m.columns.into_iter();
                        GraphContent::Scattergram(Scatter {
                            plot: plot(m.plot),
                            x: columns.next().unwrap_or_default(),
                            y: columns.next().unwrap_or_default(),
                            extra: columns.collect(),
                        })
                    }
                    Err(e) => undecodable(raw, describe(&e)),
                },
                None => undecodable(raw, "the rule names no kind".to_owned()),
            }
        }
        GraphEncoding::FileReference => {
            let path = reader.first(&data);
            if path.is_empty() {
                undecodable(String::new(), "no file name in the row".to_owned())
            } else {
                GraphContent::FileReference { path }
            }
        }
    }
}

fn component(at: &Location, c: usize) -> Locations {
    Locations(vec![Location {
        component: Some(c),
        subcomponent: None,
        ..at.clone()
    }])
}

fn plot(p: Plot) -> PlotBox {
    PlotBox {
        x_min: p.x_min,
        x_max: p.x_max,
        y_min: p.y_min,
        y_max: p.y_max,
    }
}

fn describe(e: &GraphError) -> String {
    format!("float32 stream: {e}")
}

fn undecodable(raw: String, reason: String) -> GraphContent {
    GraphContent::Undecodable { raw, reason }
}
