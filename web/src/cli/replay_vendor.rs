//! `lis replay` for every `lis-vendor` framing (Siemens Dimension, Sysmex class A, ADVIA 2120,
//! mini VIDAS, Spotchem, urine strip reader): the trace through the same machine
//! ([`lis_drivers::machine::VendorMachine`]) and the same reading
//! ([`lis_drivers::ingest::vendor::read_message`], a `D2U` with its `D1U`) a live link uses, as
//! the same JSON lines as [`super::replay`].

use lis_drivers::config::LinkConfig;
use lis_drivers::ingest::vendor::{read_message, Session};
use lis_drivers::link::{replay, ReplayedEvent};
use lis_drivers::machine::{VendorEvent, VendorMachine, VendorVerdict};
use lis_drivers::profile::Profile;
use lis_drivers::trace::TraceItem;
use serde_json::{json, Value};

use super::reading_json::{at_text, reading_into};

/// A vendor trace: one `message` line per checked message, one `event` line per run of bytes
/// kept raw and per other event worth seeing. The number of sessions.
pub(super) fn decode_vendor(
    items: Vec<TraceItem>,
    profile: &Profile,
    lines: &mut Vec<Value>,
) -> usize {
    let framing = profile.framing;
    let replayed = replay(
        items,
        // Invariant: only called for the vendor framings.
        || {
            VendorMachine::for_framing(framing, LinkConfig::DEFAULT_MAX_MESSAGE_LEN)
                .expect("a vendor framing")
        },
        |e: &VendorEvent| {
            matches!(
                e,
                VendorEvent::Message { .. } | VendorEvent::Unreadable { .. }
            )
            .then(|| VendorVerdict::accept(None))
        },
    );
    let mut session = Session::default();
    for ReplayedEvent {
        at_micros,
        session: number,
        event,
    } in replayed.events
    {
        let at = at_text(at_micros);
        match event {
            VendorEvent::Message { raw } => {
                let mut line = json!({
                    "kind": "message", "session": number, "at": at, "complete": true,
                });
                let header = session.header_for(framing, &raw);
                match read_message(&raw, header.as_ref(), profile) {
                    Ok(reading) => reading_into(&mut line, reading),
                    Err(e) => line["error"] = json!(e),
                }
                lines.push(line);
            }
            VendorEvent::Unreadable { error, .. } => lines.push(json!({
                "kind": "event", "session": number, "at": at, "event": error,
            })),
            VendorEvent::Sent { .. } | VendorEvent::NakSent => {}
            other => lines.push(json!({
                "kind": "event", "session": number, "at": at, "event": format!("{other:?}"),
            })),
        }
    }
    replayed.sessions
}
