//! `lis profile list`, `lis profile check FILE...` and `lis profile try --profile NAME_OR_FILE
//! CAPTURE...`: onboarding a standard analyzer with a text file and a capture, without a rebuild.
//!
//! `try` feeds each capture through the same link machine and profile reading a live link uses
//! (the `replay` decoder), stores nothing, and prints one JSON line per row:
//! - a result row: `message`, `specimen_id`, `test_code`, `value`, `units`, `flags`,
//!   `observed_at`, `stored_as` (`patient` or `qc`), `qc_lot`, `qc_level`; for a microbiology
//!   isolate also `isolate` (label, organism code and name, the susceptibility panel) and
//!   `supplementary` (its detail rows);
//! - a row left out: `message`, `skipped` (which row), `test_code`, `reason` (the profile rule, or
//!   what could not be read);
//! - a graph or image the `[[graph]]` rules found: `message`, `graph` (its name), `row`, `kind`
//!   (`image`, `histogram`, `scattergram`, `file_reference`, `undecodable`), `specimen_id`,
//!   `stored_as`, and `media_type` and `bytes`, `points` and `markers`, `events`, `path` or
//!   `reason`;
//! - a message that holds no results: `message`, `message_kind` (`query`, `other`), and for a
//!   query `specimens_queried`; a message that cannot be read: `message`, `error`;
//! - link events worth seeing (checksum errors, junk), damaged or discarded regions: the replay
//!   line (`kind`: `event`, `discarded`) with its `capture`;
//! - last, `summary`: counts.
//!
//! A capture is the bytes as the analyzer sent them. When an E1381 profile's capture holds no link
//! control characters (records only, as many manuals and logs show them) it is read as raw
//! records, and frames without ENQ before them are read as one transfer; when an MLLP profile's capture holds no MLLP block, each `MSH` that starts a line
//! starts a message.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use lis_drivers::profile::check::check;
use lis_drivers::profile::{Framing, Profile, ProfileSet};
use lis_drivers::trace::{Direction, TraceItem, TraceRecord};
use serde_json::{json, Value};

use super::replay;
use crate::lab;

/// `lis profile ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ProfileCommand {
    /// List the analyzer profiles: the embedded ones and, with --config, the lab's own.
    List {
        /// The lab config, whose `[analyzers] profiles_dir` adds the lab's own profiles.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Check profile files: print every problem with its line and key; exit 1 if any.
    Check {
        /// The profile files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Decode captures through a profile and print, as JSON lines, what would be stored.
    Try {
        /// A profile name (embedded, or the lab's own with --config) or a profile file.
        #[arg(long)]
        profile: String,
        /// The lab config, whose `[analyzers] profiles_dir` adds the lab's own profiles.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The captures: the bytes as the analyzer sent them.
        #[arg(required = true)]
        captures: Vec<PathBuf>,
    },
}

pub(crate) fn run(command: ProfileCommand) -> anyhow::Result<ExitCode> {
    match command {
        ProfileCommand::List { config } => list(config.as_deref()),
        ProfileCommand::Check { files } => check_files(&files),
        ProfileCommand::Try {
            profile,
            config,
            captures,
        } => try_captures(&profile, config.as_deref(), &captures),
    }
}

/// The embedded profiles, or the lab's (embedded and its own) when a config is given.
fn profile_set(config: Option<&Path>) -> anyhow::Result<Arc<ProfileSet>> {
    match config {
        Some(path) => Ok(lab::load(Some(path))
            .map_err(|p| anyhow::anyhow!("{p}"))?
            .profiles),
        None => Ok(Arc::new(
            lab::profiles().map_err(anyhow::Error::msg)?.clone(),
        )),
    }
}

fn list(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let set = profile_set(config)?;
    let embedded = lab::profiles().map_err(anyhow::Error::msg)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<24} {:<14} {:<10} {:<11} {:<8} source",
        "name", "discipline", "protocol", "framing", "line"
    )?;
    for name in set.names() {
        let Some(profile) = set.get(name) else {
            continue;
        };
        let source = match embedded.get(name) {
            Some(e) if *e == *profile => "embedded",
            Some(_) => "lab (replaces the embedded one)",
            None => "lab",
        };
        writeln!(
            out,
            "{:<24} {:<14} {:<10} {:<11} {:<8} {source}",
            profile.name,
            profile.discipline,
            format!("{:?}", profile.protocol).to_lowercase(),
            profile.framing.as_str(),
            format!("{:?}", profile.connection).to_lowercase(),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn check_files(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for file in files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        match check(&text) {
            Ok(profile) => writeln!(
                out,
                "{}: OK (profile `{}`, {:?} over {:?})",
                file.display(),
                profile.name,
                profile.protocol,
                profile.framing
            )?,
            Err(problems) => {
                failed += 1;
                for p in &problems {
                    match p.line {
                        Some(line) => write!(out, "{}:{line}: ", file.display())?,
                        None => write!(out, "{}: ", file.display())?,
                    }
                    if !p.key.is_empty() {
                        write!(out, "{}: ", p.key)?;
                    }
                    writeln!(out, "{}", p.message)?;
                }
                writeln!(out, "{}: {} problem(s)", file.display(), problems.len())?;
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The profile named, or read from the file named.
fn resolve(name_or_file: &str, config: Option<&Path>) -> anyhow::Result<Arc<Profile>> {
    let path = Path::new(name_or_file);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return check(&text).map(Arc::new).map_err(|problems| {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("{}: {}", path.display(), list.join("; "))
        });
    }
    let set = profile_set(config)?;
    set.get(name_or_file).with_context(|| {
        format!(
            "unknown profile `{name_or_file}` (known: {})",
            set.names().collect::<Vec<_>>().join(", ")
        )
    })
}

fn try_captures(
    name_or_file: &str,
    config: Option<&Path>,
    captures: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let profile = resolve(name_or_file, config)?;
    let mut out = std::io::stdout().lock();
    let (mut rows, mut skipped, mut messages, mut unreadable) = (0usize, 0usize, 0usize, 0usize);
    let mut graphs = 0usize;
    for capture in captures {
        let bytes =
            std::fs::read(capture).with_context(|| format!("cannot read {}", capture.display()))?;
        let (profile, bytes) = as_the_link_reads_it(&profile, bytes);
        let item = TraceItem::Record {
            offset: 0,
            record: TraceRecord {
                at_micros: 0,
                direction: Direction::In,
                bytes,
            },
        };
        let mut lines = Vec::new();
        replay::decode(vec![item], &profile, &mut lines);
        let file = capture.display().to_string();
        for line in lines {
            if line["kind"] != "message" {
                let mut event = line.clone();
                event["capture"] = json!(file);
                writeln!(out, "{event}")?;
                continue;
            }
            messages += 1;
            for row in message_rows(&file, messages, &line) {
                if row.get("graph").is_some() {
                    graphs += 1;
                } else if row.get("skipped").is_some() {
                    skipped += 1;
                } else if row.get("error").is_some() {
                    unreadable += 1;
                } else if row.get("stored_as").is_some() {
                    rows += 1;
                }
                writeln!(out, "{row}")?;
            }
        }
    }
    writeln!(
        out,
        "{}",
        json!({ "summary": {
            "profile": profile.name, "captures": captures.len(), "messages": messages,
            "rows": rows, "skipped": skipped, "unreadable": unreadable, "graphs": graphs,
        }})
    )?;
    Ok(if unreadable == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One JSON line per row of a decoded message line (see the module docs).
fn message_rows(file: &str, n: usize, line: &Value) -> Vec<Value> {
    if let Some(error) = line.get("error") {
        return vec![json!({ "capture": file, "message": n, "error": error })];
    }
    let kind = line["message_kind"].as_str().unwrap_or_default();
    let mut out = Vec::new();
    for o in line["observations"].as_array().into_iter().flatten() {
        let qc = o["is_qc"].as_bool().unwrap_or(false) || kind == "qc";
        let mut row = json!({
            "capture": file, "message": n,
            "specimen_id": o["specimen_id"], "test_code": o["instrument_test_code"],
            "value": o["value"], "units": o["units"], "flags": o["flags"],
            "observed_at": o["observed_at"],
            "stored_as": if qc { "qc" } else { "patient" },
            "qc_lot": o["qc_lot"], "qc_level": o["qc_level"],
        });
        // A microbiology isolate: its label, organism and panel, and its detail rows.
        if !o["isolate"].is_null() {
            row["isolate"] = o["isolate"].clone();
            row["supplementary"] = o["supplementary"].clone();
        }
        out.push(row);
    }
    for g in line["graphs"].as_array().into_iter().flatten() {
        let mut g = g.clone();
        g["capture"] = json!(file);
        g["message"] = json!(n);
        out.push(g);
    }
    for s in line["skipped"].as_array().into_iter().flatten() {
        out.push(json!({
            "capture": file, "message": n, "skipped": s["row"], "test_code": s["test_code"],
            "reason": s["reason"],
        }));
    }
    for p in line["problems"].as_array().into_iter().flatten() {
        out.push(json!({ "capture": file, "message": n, "skipped": "row", "reason": p }));
    }
    if out.is_empty() {
        let mut m = json!({ "capture": file, "message": n, "message_kind": kind });
        if let Some(q) = line.get("specimens_queried") {
            m["specimens_queried"] = q.clone();
        }
        out.push(m);
    }
    out
}

/// The profile and bytes as a link would read them, for captures written without the link layer:
/// ASTM records with no E1381 control characters are read as raw records, HL7 text with no MLLP
/// block is cut into messages at each `MSH` that starts a line and wrapped in MLLP blocks.
fn as_the_link_reads_it(profile: &Arc<Profile>, bytes: Vec<u8>) -> (Arc<Profile>, Vec<u8>) {
    const ENQ: u8 = 0x05;
    const STX: u8 = 0x02;
    const EOT: u8 = 0x04;
    const VT: u8 = 0x0B;
    match profile.framing {
        Framing::E1381 if !bytes.iter().any(|&b| b == ENQ || b == STX) => {
            let mut raw = Profile::clone(profile);
            raw.framing = Framing::Raw;
            (Arc::new(raw), bytes)
        }
        // Frames without the establishment and termination phases around them.
        Framing::E1381 if !bytes.contains(&ENQ) => {
            let mut whole = Vec::with_capacity(bytes.len() + 2);
            whole.push(ENQ);
            whole.extend_from_slice(&bytes);
            whole.push(EOT);
            (Arc::clone(profile), whole)
        }
        Framing::Mllp if !bytes.contains(&VT) => (Arc::clone(profile), mllp_blocks(&bytes)),
        _ => (Arc::clone(profile), bytes),
    }
}

/// HL7 text cut at each `MSH` that starts a line, each message in an MLLP block.
fn mllp_blocks(text: &[u8]) -> Vec<u8> {
    let mut starts: Vec<usize> = (0..text.len())
        .filter(|&i| {
            text.get(i..i + 3) == Some(b"MSH".as_slice())
                && (i == 0 || matches!(text.get(i - 1), Some(b'\r' | b'\n')))
        })
        .collect();
    starts.push(text.len());
    let mut out = Vec::with_capacity(text.len() + 3 * starts.len());
    for pair in starts.windows(2) {
        let Some(message) = text.get(pair[0]..pair[1]) else {
            continue;
        };
        out.push(0x0B);
        out.extend_from_slice(message);
        out.extend_from_slice(&[0x1C, 0x0D]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hl7_text_is_cut_into_mllp_blocks_at_each_msh() {
        let blocks = mllp_blocks(b"MSH|a\rOBX|1\rMSH|b\nPID|1\n");
        assert_eq!(
            blocks,
            b"\x0bMSH|a\rOBX|1\r\x1c\r\x0bMSH|b\nPID|1\n\x1c\r".to_vec()
        );
    }
}
