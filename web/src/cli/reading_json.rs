//! How `lis replay` writes what a message would have stored: a profile's reading as fields of a
//! JSON line, and a trace time as text. Shared by the ASTM/HL7 and vendor replays.

use lis_core::model::{AnalyzerGraph, GraphContent, MessageKind};
use lis_drivers::ingest::Reading;
use serde_json::{json, Value};

/// Adds `reading` to `line`: its kind, the observations as core would be handed them, the
/// specimens a host query asked for, what the profile could not read, the rows it skipped and
/// the graphs it found (each described, not its data).
pub(super) fn reading_into(line: &mut Value, reading: Reading) {
    let kind = match reading.message_kind() {
        MessageKind::Results => "results",
        MessageKind::Qc => "qc",
        MessageKind::Query => "query",
        MessageKind::Other => "other",
    };
    line["message_kind"] = json!(kind);
    line["observations"] = serde_json::to_value(&reading.observations).unwrap_or(Value::Null);
    if let Some(q) = &reading.query {
        line["specimens_queried"] = json!(q.specimen_ids);
    }
    line["problems"] = json!(reading.problems);
    line["skipped"] = reading
        .skipped
        .iter()
        .map(|s| json!({ "row": s.row, "test_code": s.code, "reason": s.reason }))
        .collect();
    line["graphs"] = reading.graphs.iter().map(graph_line).collect();
}

/// A graph as `lis profile try` and `lis replay` print it: what it is, not its data.
fn graph_line(g: &AnalyzerGraph) -> Value {
    let mut v = json!({
        "graph": g.name, "row": g.row, "kind": g.content.kind(), "specimen_id": g.specimen_id,
        "stored_as": if g.is_qc { "qc" } else { "patient" },
    });
    match &g.content {
        GraphContent::Image { media_type, bytes } => {
            v["media_type"] = json!(media_type);
            v["bytes"] = json!(bytes.len());
        }
        GraphContent::Histogram(c) => {
            v["points"] = json!(c.y.len());
            v["markers"] = json!(c.markers);
        }
        GraphContent::Scattergram(s) => v["events"] = json!(s.x.len()),
        GraphContent::FileReference { path } => v["path"] = json!(path),
        GraphContent::Undecodable { reason, .. } => v["reason"] = json!(reason),
    }
    v
}

/// A trace time (microseconds since the epoch) as RFC 3339 UTC text; empty if out of range.
pub(super) fn at_text(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
