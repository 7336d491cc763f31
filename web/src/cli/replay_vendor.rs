//! `lis replay` for the vendor framings (`lis-vendor`): a Siemens Dimension or Sysmex class A
//! trace through the same machine and profile reading a live link uses, as the same JSON lines
//! as [`super::replay`].

use lis_drivers::config::LinkConfig;
use lis_drivers::ingest::{vendor, Reading};
use lis_drivers::link::{replay, ReplayedEvent};
use lis_drivers::machine::{
    DimensionEvent, DimensionMachine, DimensionVerdict, SysmexTextEvent, SysmexTextMachine,
    SysmexTextVerdict,
};
use lis_drivers::profile::Profile;
use lis_drivers::trace::TraceItem;
use lis_vendor::dimension::analyzer::{self, AnalyzerMessage};
use lis_vendor::sysmex_text::{self, SampleHeader, Text};
use serde_json::{json, Value};

use super::reading_json::{at_text, reading_into};

fn other() -> Reading {
    Reading {
        kind: Some(lis_core::model::MessageKind::Other),
        ..Reading::default()
    }
}

/// A Dimension trace: one `message` line per message with a right checksum.
pub(super) fn decode_dimension(
    items: Vec<TraceItem>,
    profile: &Profile,
    lines: &mut Vec<Value>,
) -> usize {
    let replayed = replay(
        items,
        || DimensionMachine::new(LinkConfig::DEFAULT_MAX_MESSAGE_LEN),
        |e: &DimensionEvent| {
            matches!(e, DimensionEvent::Message { .. }).then(|| DimensionVerdict::accept(None))
        },
    );
    for ReplayedEvent {
        at_micros,
        session,
        event,
    } in replayed.events
    {
        let at = at_text(at_micros);
        match event {
            DimensionEvent::Message { body } => {
                let mut line = json!({
                    "kind": "message", "session": session, "at": at, "complete": true,
                });
                match analyzer::decode(&body) {
                    Ok(AnalyzerMessage::Result(r)) => {
                        reading_into(&mut line, vendor::read_dimension_result(&r, profile));
                    }
                    Ok(AnalyzerMessage::Query(q)) => {
                        reading_into(
                            &mut line,
                            vendor::read_dimension_query(&q.sample_id, profile),
                        );
                    }
                    Ok(_) => reading_into(&mut line, other()),
                    Err(e) => line["error"] = json!(format!("unreadable Dimension message: {e}")),
                }
                lines.push(line);
            }
            DimensionEvent::Sent { .. } | DimensionEvent::NakSent => {}
            other => lines.push(json!({
                "kind": "event", "session": session, "at": at, "event": format!("{other:?}"),
            })),
        }
    }
    replayed.sessions
}

/// A Sysmex class A trace: one `message` line per text, a `D2U` read with its `D1U`.
pub(super) fn decode_sysmex_text(
    items: Vec<TraceItem>,
    profile: &Profile,
    lines: &mut Vec<Value>,
) -> usize {
    let replayed = replay(
        items,
        || SysmexTextMachine::new(LinkConfig::DEFAULT_MAX_MESSAGE_LEN),
        |e: &SysmexTextEvent| {
            matches!(e, SysmexTextEvent::Text { .. }).then_some(SysmexTextVerdict { accept: true })
        },
    );
    let mut header: Option<SampleHeader> = None;
    for ReplayedEvent {
        at_micros,
        session,
        event,
    } in replayed.events
    {
        let at = at_text(at_micros);
        match event {
            SysmexTextEvent::Text { body } => {
                let mut line = json!({
                    "kind": "message", "session": session, "at": at, "complete": true,
                });
                match sysmex_text::decode(&body) {
                    Ok(Text::SampleHeader(h)) => {
                        header = Some(h);
                        reading_into(&mut line, other());
                    }
                    Ok(Text::Results(r)) => {
                        let h = header
                            .take()
                            .filter(|h| h.common.sample_no == r.common.sample_no);
                        reading_into(
                            &mut line,
                            vendor::read_sysmex_results(&r, h.as_ref(), profile),
                        );
                    }
                    Ok(Text::Other { .. }) => reading_into(&mut line, other()),
                    Err(e) => line["error"] = json!(format!("unreadable Sysmex class A text: {e}")),
                }
                lines.push(line);
            }
            SysmexTextEvent::NakSent => {}
            other => lines.push(json!({
                "kind": "event", "session": session, "at": at, "event": format!("{other:?}"),
            })),
        }
    }
    replayed.sessions
}
