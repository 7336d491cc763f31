//! `lis replay TRACE [--profile NAME | --config FILE]`: feed a link's recorded inbound bytes (every
//! rotated file of the link, oldest first) through the same protocol machine and profile reading a
//! live link uses, and print what would have been stored, as JSON lines. Writes nothing anywhere.
//!
//! Lines (`"kind"`):
//! - `message`: a message the machine delivered: `session`, `at` (UTC), `complete`, `message_kind`
//!   (`results`, `qc`, `query`, `other`), `observations` (core's `Observation`s as they would be
//!   handed to the store), `specimens_queried` for a host query, `problems` (what the profile could
//!   not read), `error` when the message cannot be parsed at all;
//! - `discarded`: an ASTM message cut off by the receive timer (not stored live either);
//! - `event`: another machine event worth seeing (checksum errors, timeouts, junk);
//! - `damaged`: a damaged region of a trace file (`file`, `offset`, `len`, `what`, `torn_tail`);
//! - `summary`: counts, last.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use lis_drivers::config::LinkConfig;
use lis_drivers::link::{replay, LinkMachine, ReplayedEvent};
use lis_drivers::machine::{
    AstmEvent, AstmFramedMachine, AstmRawMachine, AstmVerdict, MllpEvent, MllpMachine, MllpVerdict,
};
use lis_drivers::profile::{Framing, Profile};
use lis_drivers::trace::{trace_files, Damage, TraceItem, TraceReader};

use super::reading_json::{at_text, reading_into};
use serde_json::{json, Value};

use crate::lab;
use crate::lab::profiles;

/// Arguments of `lis replay`.
#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The link's trace file (`DATA/traces/<link>.trace`); its rotated predecessors are read first.
    trace: PathBuf,
    /// The analyzer profile of the link.
    #[arg(long, required_unless_present = "config")]
    profile: Option<String>,
    /// The lab config: the profile is the one of the instrument the trace file is named after.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub(crate) fn run(args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let profile = resolve_profile(args)?;
    let files = trace_files(&args.trace)
        .with_context(|| format!("cannot list the trace files of {}", args.trace.display()))?;
    if files.is_empty() {
        anyhow::bail!("no trace at {}", args.trace.display());
    }
    let mut items = Vec::new();
    let mut damaged = Vec::new();
    for file in &files {
        let reader =
            TraceReader::open(file).with_context(|| format!("cannot read {}", file.display()))?;
        for item in reader {
            if let TraceItem::Damaged(d) = &item {
                damaged.push(damage_json(&file.display().to_string(), d));
            }
            items.push(item);
        }
    }
    let mut lines: Vec<Value> = damaged;
    let sessions = decode(items, &profile, &mut lines);
    let messages = lines.iter().filter(|l| l["kind"] == "message").count();
    let observations: usize = lines
        .iter()
        .filter_map(|l| l["observations"].as_array().map(Vec::len))
        .sum();
    let damaged = lines.iter().filter(|l| l["kind"] == "damaged").count();
    let mut out = std::io::stdout().lock();
    for line in &lines {
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "{}",
        json!({
            "kind": "summary", "files": files.len(), "sessions": sessions, "messages": messages,
            "observations": observations, "damaged": damaged,
        })
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Feeds `items` through the machine of the profile's framing and the profile's reading; one JSON
/// line per message or event into `lines`. The number of sessions.
pub(crate) fn decode(items: Vec<TraceItem>, profile: &Profile, lines: &mut Vec<Value>) -> usize {
    match profile.framing {
        Framing::E1381 => {
            let (front, back) = (profile.max_frame_len, LinkConfig::DEFAULT_MAX_FRAME_LEN);
            let format = profile.frame_format.into();
            decode_astm(items, profile, lines, || {
                AstmFramedMachine::with_format(front, back, format)
            })
        }
        Framing::Raw => decode_astm(items, profile, lines, || {
            AstmRawMachine::new(LinkConfig::DEFAULT_MAX_MESSAGE_LEN)
        }),
        Framing::Mllp => decode_mllp(items, profile, lines),
        Framing::Advia
        | Framing::Vidas
        | Framing::Spotchem
        | Framing::UrineStrip
        | Framing::Dimension
        | Framing::SysmexText => super::replay_vendor::decode_vendor(items, profile, lines),
    }
}

fn resolve_profile(args: &ReplayArgs) -> anyhow::Result<std::sync::Arc<Profile>> {
    let lab = match &args.config {
        Some(config) => Some(lab::load(Some(config)).map_err(|p| anyhow::anyhow!("{p}"))?),
        None => None,
    };
    // The lab's profiles (embedded and its own) when a config is given, else the embedded ones.
    let set = match &lab {
        Some(lab) => lab.profiles.as_ref(),
        None => profiles().map_err(anyhow::Error::msg)?,
    };
    let name = match (&args.profile, &lab, &args.config) {
        (Some(name), _, _) => name.clone(),
        (None, Some(lab), Some(config)) => {
            // `<link>.trace`; rotated files are `<link>.trace.N`.
            let file = args
                .trace
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or_default();
            let link = file.split(".trace").next().unwrap_or_default();
            let instrument = lab
                .config
                .instrument(link)
                .with_context(|| format!("no instrument {link:?} in {}", config.display()))?;
            lab.links
                .iter()
                .find(|l| l.instrument == link)
                .map(|l| l.config.profile.clone())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| instrument.profile.clone())
        }
        _ => anyhow::bail!("--profile or --config is needed"),
    };
    set.get(&name).with_context(|| {
        format!(
            "unknown profile `{name}` (known: {})",
            set.names().collect::<Vec<_>>().join(", ")
        )
    })
}

fn decode_astm<M>(
    items: Vec<TraceItem>,
    profile: &Profile,
    lines: &mut Vec<Value>,
    new_machine: impl FnMut() -> M,
) -> usize
where
    M: LinkMachine<Event = AstmEvent, Verdict = AstmVerdict>,
{
    let replayed = replay(items, new_machine, |e: &AstmEvent| {
        matches!(e, AstmEvent::Message { .. }).then(AstmVerdict::accept)
    });
    for ReplayedEvent {
        at_micros,
        session,
        event,
    } in replayed.events
    {
        let at = at_text(at_micros);
        match event {
            AstmEvent::Message { text, complete } => {
                let mut line = json!({
                    "kind": "message", "session": session, "at": at, "complete": complete,
                });
                match lis_astm::message::Message::parse(&text) {
                    Ok((message, _)) => {
                        reading_into(
                            &mut line,
                            lis_drivers::ingest::astm::read_message(&message, profile),
                        );
                    }
                    Err(e) => line["error"] = json!(format!("unreadable ASTM message: {e}")),
                }
                if !complete {
                    line["error"] = json!("incomplete message (no H or no L record): live, only its raw bytes are journaled");
                }
                lines.push(line);
            }
            AstmEvent::Discarded { text } => lines.push(json!({
                "kind": "discarded", "session": session, "at": at,
                "text": String::from_utf8_lossy(&text),
            })),
            AstmEvent::Sent { .. } | AstmEvent::NakSent => {}
            other => lines.push(json!({
                "kind": "event", "session": session, "at": at, "event": format!("{other:?}"),
            })),
        }
    }
    replayed.sessions
}

fn decode_mllp(items: Vec<TraceItem>, profile: &Profile, lines: &mut Vec<Value>) -> usize {
    let replayed = replay(
        items,
        || MllpMachine::new(LinkConfig::DEFAULT_MAX_MESSAGE_LEN),
        |e: &MllpEvent| {
            matches!(e, MllpEvent::Message { .. }).then(|| MllpVerdict {
                replies: Vec::new(),
            })
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
            MllpEvent::Message { payload } => {
                let mut line = json!({
                    "kind": "message", "session": session, "at": at, "complete": true,
                });
                match lis_hl7::Message::parse(&payload) {
                    Ok((message, _)) => reading_into(
                        &mut line,
                        lis_drivers::ingest::hl7::read_message(&message, profile),
                    ),
                    Err(e) => line["error"] = json!(format!("unreadable HL7 message: {e}")),
                }
                lines.push(line);
            }
            MllpEvent::Acknowledged { .. } => {}
            other => lines.push(json!({
                "kind": "event", "session": session, "at": at, "event": format!("{other:?}"),
            })),
        }
    }
    replayed.sessions
}

fn damage_json(file: &str, d: &Damage) -> Value {
    json!({
        "kind": "damaged", "file": file, "offset": d.offset, "len": d.len,
        "what": format!("{:?}", d.kind), "torn_tail": d.is_torn_tail(),
    })
}
