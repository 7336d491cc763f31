//! `lis parse`: decode analyzer captures and messages and print them as JSON lines, or as the
//! benchmark summary.
//!
//! Detection, per file (skipped with `--format astm|hl7`):
//! - HL7 when an MLLP start block (VT) precedes an `MSH` segment, or when the first line that looks
//!   like a header is an `MSH` segment;
//! - ASTM E1381 capture when the bytes hold STX frames (a digit frame number after STX);
//! - bare ASTM E1394 records when the first header-looking line is an `H` record.

use std::borrow::Cow;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use bytes::BytesMut;
use clap::{Args, ValueEnum};
use lis_astm::frame::FrameFormat;
use serde_json::{json, Value};

/// Arguments of `lis parse`.
#[derive(Debug, Args)]
pub(crate) struct ParseArgs {
    /// Which protocol the files hold; `auto` detects it per file.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    format: Format,
    /// Print only `results=N checksum=C` and `parse_s=SECONDS messages=M` (the benchmark contract).
    #[arg(long)]
    summary: bool,
    /// Files to decode.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Auto,
    Astm,
    Hl7,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Astm,
    Hl7,
}

/// How a message was carried in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    E1381,
    /// E1381 frames with no frame number and no checksum (Snibe MAGLUMI).
    E1381Bare,
    Raw,
    Mllp,
}

impl Framing {
    fn name(self) -> &'static str {
        match self {
            Self::E1381 => "e1381",
            Self::E1381Bare => "e1381-bare",
            Self::Raw => "raw",
            Self::Mllp => "mllp",
        }
    }
}

/// One message cut out of a file, before parsing.
struct Unit<'a> {
    offset: u64,
    framing: Framing,
    bytes: Cow<'a, [u8]>,
    /// Problems found while cutting it out (checksums, junk before it).
    diagnostics: Vec<String>,
    /// True when a diagnostic means the message as received cannot be trusted (a bad checksum).
    damaged: bool,
}

/// Something found in a file outside any message (noise, junk before a start block).
struct Notice {
    offset: u64,
    text: String,
    failed: bool,
}

/// Totals for `--summary`.
#[derive(Default)]
struct Totals {
    results: u64,
    checksum: u64,
    messages: u64,
    seconds: f64,
}

pub(crate) fn run(args: &ParseArgs) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = false;
    let mut totals = Totals::default();
    for path in &args.files {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let file = path.display().to_string();
        // A monitor log showing control bytes as `[STX]`/`<CR>` tokens is read as the bytes it
        // shows.
        let rendered = lis_astm::rendered::looks_rendered(&bytes);
        let bytes = if rendered {
            lis_astm::rendered::derender(&bytes)
        } else {
            bytes
        };
        if rendered && !args.summary {
            let line = json!({
                "file": file,
                "offset": 0,
                "notice": "a rendered monitor log: its tokens read as bytes, its line breaks and \
                           reply-only lines dropped; offsets are in those bytes",
            });
            emit(&mut out, false, &line)?;
        }
        // Whether the file holds E1381 frames, and in which format, decided once.
        let frames = astm_frames(&bytes);
        let protocol = match args.format {
            Format::Astm => Some(Protocol::Astm),
            Format::Hl7 => Some(Protocol::Hl7),
            Format::Auto => detect(&bytes, frames),
        };
        let Some(protocol) = protocol else {
            failed = true;
            let line = json!({
                "file": file,
                "error": "neither ASTM (E1381 frames or an H record) nor HL7 (an MSH segment) was found",
                "offset": 0,
            });
            emit(&mut out, args.summary, &line)?;
            continue;
        };
        let started = Instant::now();
        // Whether the file carries link-level framing (E1381 frames, MLLP blocks), decided once.
        let bare = is_bare(protocol, &bytes, frames);
        if args.summary && bare {
            // Streamed: each message is parsed as soon as it is cut out, like a live link does.
            let (n, c, m, any_failed) = summarise_bare(protocol, &bytes);
            totals.seconds += started.elapsed().as_secs_f64();
            totals.results += n;
            totals.checksum += c;
            totals.messages += m;
            failed |= any_failed;
            continue;
        }
        let (units, notices) = match protocol {
            Protocol::Astm => astm_units(&bytes, frames),
            Protocol::Hl7 => hl7_units(&bytes, bare),
        };
        if args.summary {
            let (n, c, m, any_failed) = summarise(protocol, &units);
            totals.seconds += started.elapsed().as_secs_f64();
            totals.results += n;
            totals.checksum += c;
            totals.messages += m;
            failed |= any_failed;
            failed |= notices.iter().any(|n| n.failed);
            continue;
        }
        for notice in &notices {
            failed |= notice.failed;
            let line = json!({"file": file, "offset": notice.offset, "notice": notice.text});
            emit(&mut out, false, &line)?;
        }
        for unit in &units {
            let (line, ok) = match protocol {
                Protocol::Astm => astm_json(unit),
                Protocol::Hl7 => hl7_json(unit),
            };
            failed |= !ok;
            let mut line = line;
            if let Value::Object(map) = &mut line {
                map.insert("file".into(), Value::String(file.clone()));
            }
            emit(&mut out, false, &line)?;
        }
    }
    if args.summary {
        writeln!(
            out,
            "results={} checksum={}",
            totals.results, totals.checksum
        )?;
        writeln!(
            out,
            "parse_s={:.6} messages={}",
            totals.seconds, totals.messages
        )?;
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes one JSON line; in summary mode, error lines go to stderr instead.
fn emit(out: &mut impl Write, summary: bool, line: &Value) -> io::Result<()> {
    if summary {
        writeln!(io::stderr(), "{line}")
    } else {
        writeln!(out, "{line}")
    }
}

/// Guesses the protocol of a file; `None` when it holds neither.
fn detect(bytes: &[u8], frames: Option<FrameFormat>) -> Option<Protocol> {
    const VT: u8 = 0x0B;
    if let Some(vt) = memchr::memchr(VT, bytes) {
        let after = &bytes[vt + 1..];
        let start = after
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(after.len());
        if after[start..].starts_with(b"MSH") {
            return Some(Protocol::Hl7);
        }
    }
    if frames.is_some() {
        return Some(Protocol::Astm);
    }
    // The first line that starts like a header decides.
    for line in bytes.split(|&b| b == b'\r' || b == b'\n') {
        if line.len() >= 4 && line.starts_with(b"MSH") && !line[3].is_ascii_alphanumeric() {
            return Some(Protocol::Hl7);
        }
        if line.len() >= 2 && (line[0] == b'H' || line[0] == b'h') && line[1].is_ascii_punctuation()
        {
            return Some(Protocol::Astm);
        }
    }
    None
}

/// E1381 frames in the file, standard or bare, if it holds any.
fn astm_frames(bytes: &[u8]) -> Option<FrameFormat> {
    if lis_astm::frame::looks_like_e1381(bytes) {
        Some(FrameFormat::Standard)
    } else if lis_astm::frame::looks_like_bare_e1381(bytes) {
        Some(FrameFormat::Bare)
    } else {
        None
    }
}

/// Cuts an ASTM file into messages: E1381 captures (in `frames` format) through the capture
/// decoder, records with no frames through the record assembler.
fn astm_units(bytes: &[u8], frames: Option<FrameFormat>) -> (Vec<Unit<'_>>, Vec<Notice>) {
    use lis_astm::capture::{self, CaptureDiagnosticKind};

    let Some(format) = frames else {
        let units = lis_astm::assemble::RecordAssembler::split_all(bytes)
            .map(|m| Unit {
                offset: m.offset,
                framing: Framing::Raw,
                bytes: Cow::Owned(m.text),
                diagnostics: Vec::new(),
                damaged: false,
            })
            .collect();
        return (units, Vec::new());
    };
    let framing = match format {
        FrameFormat::Standard => Framing::E1381,
        FrameFormat::Bare => Framing::E1381Bare,
    };
    let decoded = capture::decode_capture_as(bytes, format);
    let is_damage = |kind: &CaptureDiagnosticKind| {
        matches!(
            kind,
            CaptureDiagnosticKind::ChecksumMismatch { .. }
                | CaptureDiagnosticKind::ChecksumMissing { .. }
        )
    };
    let notices = decoded
        .diagnostics
        .iter()
        .map(|d| Notice {
            offset: d.offset,
            text: d.to_string(),
            failed: is_damage(&d.kind),
        })
        .collect();
    let units = decoded
        .messages
        .into_iter()
        .map(|m| Unit {
            offset: m.offset,
            framing,
            damaged: m.diagnostics.iter().any(|d| is_damage(&d.kind)),
            diagnostics: m.diagnostics.iter().map(ToString::to_string).collect(),
            bytes: Cow::Owned(m.text),
        })
        .collect();
    (units, notices)
}

/// Cuts an HL7 file into messages: MLLP frames when there is a start block, else `MSH` lines.
fn hl7_units(bytes: &[u8], bare: bool) -> (Vec<Unit<'_>>, Vec<Notice>) {
    use lis_hl7::mllp::{MllpDecoder, MllpEvent};

    if bare {
        let units = lis_hl7::split::messages(bytes)
            .map(|(offset, message)| Unit {
                offset: offset as u64,
                framing: Framing::Raw,
                bytes: Cow::Borrowed(message),
                diagnostics: Vec::new(),
                damaged: false,
            })
            .collect();
        return (units, Vec::new());
    }
    // A file is bounded; accept any message that fits in it.
    let mut decoder = MllpDecoder::new(bytes.len().max(1));
    let mut buf = BytesMut::from(bytes);
    let mut units = Vec::new();
    let mut notices = Vec::new();
    loop {
        let next = match decoder.decode(&mut buf) {
            Ok(Some(event)) => Some(event),
            Ok(None) => match decoder.decode_eof(&mut buf) {
                Ok(event) => event,
                Err(error) => {
                    notices.push(Notice {
                        offset: decoder.position(),
                        text: error.to_string(),
                        failed: true,
                    });
                    continue;
                }
            },
            Err(error) => {
                notices.push(Notice {
                    offset: decoder.position(),
                    text: error.to_string(),
                    failed: true,
                });
                continue;
            }
        };
        match next {
            None => break,
            Some(MllpEvent::Message { offset, payload }) => units.push(Unit {
                offset,
                framing: Framing::Mllp,
                bytes: Cow::Owned(payload.to_vec()),
                diagnostics: Vec::new(),
                damaged: false,
            }),
            Some(MllpEvent::Junk { offset, bytes }) => {
                if !bytes.iter().all(u8::is_ascii_whitespace) {
                    notices.push(Notice {
                        offset,
                        text: format!(
                            "{} bytes outside any MLLP frame: {:?}",
                            bytes.len(),
                            String::from_utf8_lossy(&bytes)
                        ),
                        failed: false,
                    });
                }
            }
            Some(MllpEvent::Skipped { offset, len }) => notices.push(Notice {
                offset,
                text: format!("{len} bytes of an oversized MLLP message skipped"),
                failed: true,
            }),
        }
    }
    (units, notices)
}

/// True when the file holds messages with no link-level framing (no E1381 frames, no MLLP).
fn is_bare(protocol: Protocol, bytes: &[u8], frames: Option<FrameFormat>) -> bool {
    match protocol {
        Protocol::Astm => frames.is_none(),
        Protocol::Hl7 => memchr::memchr(0x0B, bytes).is_none(),
    }
}

/// The summary of a file without framing, message by message: (results, checksum, messages,
/// any failed).
fn summarise_bare(protocol: Protocol, bytes: &[u8]) -> (u64, u64, u64, bool) {
    let (mut results, mut checksum, mut messages, mut failed) = (0u64, 0u64, 0u64, false);
    let mut add = |counted: Option<(usize, u64)>| {
        messages += 1;
        match counted {
            Some((n, c)) => {
                results += n as u64;
                checksum += c;
            }
            None => failed = true,
        }
    };
    match protocol {
        Protocol::Astm => {
            for message in lis_astm::assemble::RecordAssembler::split_all(bytes) {
                add(lis_astm::message::Message::parse(&message.text)
                    .map(|(parsed, _)| lis_astm::extract::summary_lengths(&parsed))
                    .ok());
            }
        }
        Protocol::Hl7 => {
            for (_, message) in lis_hl7::split::messages(bytes) {
                add(lis_hl7::message::Message::parse(message)
                    .map(|(parsed, _)| lis_hl7::extract::summary_lengths(&parsed))
                    .ok());
            }
        }
    }
    (results, checksum, messages, failed)
}

/// Parses every unit and sums the benchmark figures: (results, checksum, messages, any failed).
fn summarise(protocol: Protocol, units: &[Unit<'_>]) -> (u64, u64, u64, bool) {
    let (mut results, mut checksum, mut failed) = (0u64, 0u64, false);
    for unit in units {
        failed |= unit.damaged;
        let counted = match protocol {
            Protocol::Astm => lis_astm::message::Message::parse(&unit.bytes)
                .map(|(message, _)| lis_astm::extract::summary_lengths(&message))
                .ok(),
            Protocol::Hl7 => lis_hl7::message::Message::parse(&unit.bytes)
                .map(|(message, _)| lis_hl7::extract::summary_lengths(&message))
                .ok(),
        };
        match counted {
            Some((n, c)) => {
                results += n as u64;
                checksum += c;
            }
            None => failed = true,
        }
    }
    (results, checksum, units.len() as u64, failed)
}

fn error_line(unit: &Unit<'_>, error: &dyn std::fmt::Display) -> Value {
    json!({ "error": error.to_string(), "offset": unit.offset, "framing": unit.framing.name() })
}

fn optional(text: &str) -> Value {
    if text.is_empty() {
        Value::Null
    } else {
        Value::String(text.to_owned())
    }
}

/// One ASTM message as a JSON line; `false` when it failed.
fn astm_json(unit: &Unit<'_>) -> (Value, bool) {
    let (message, diagnostics) = match lis_astm::message::Message::parse(&unit.bytes) {
        Ok(parsed) => parsed,
        Err(error) => return (error_line(unit, &error), false),
    };
    let records: Vec<Value> = message
        .records()
        .map(|record| {
            Value::Array(
                record
                    .fields()
                    .map(|field| Value::String(field.raw().to_owned()))
                    .collect(),
            )
        })
        .collect();
    let results: Vec<Value> = lis_astm::extract::results(&message)
        .map(|r| {
            json!({
                "specimen_id": optional(&r.specimen_id),
                "test_code": r.test_code,
                "value": r.value,
                "units": r.units,
                "reference_range": r.reference_range,
                "flags": r.flags.iter().collect::<Vec<_>>(),
                "status": r.status,
                "observed_at": r.observed_at.map(|t| t.to_string()),
            })
        })
        .collect();
    message_line(unit, "astm", ("records", records), results, &diagnostics)
}

/// The JSON line of a parsed message: where it was, its records or segments, its normalised
/// results, and every diagnostic (from cutting it out and from parsing it).
fn message_line<D: ToString>(
    unit: &Unit<'_>,
    protocol: &str,
    (parts_key, parts): (&str, Vec<Value>),
    results: Vec<Value>,
    diagnostics: &[D],
) -> (Value, bool) {
    let mut notes = unit.diagnostics.clone();
    notes.extend(diagnostics.iter().map(ToString::to_string));
    let mut line = serde_json::Map::new();
    line.insert("protocol".into(), protocol.into());
    line.insert("framing".into(), unit.framing.name().into());
    line.insert("offset".into(), unit.offset.into());
    line.insert(parts_key.into(), Value::Array(parts));
    line.insert("results".into(), Value::Array(results));
    line.insert("diagnostics".into(), notes.into());
    (Value::Object(line), !unit.damaged)
}

/// One HL7 message as a JSON line; `false` when it failed.
fn hl7_json(unit: &Unit<'_>) -> (Value, bool) {
    let (message, diagnostics) = match lis_hl7::message::Message::parse(&unit.bytes) {
        Ok(parsed) => parsed,
        Err(error) => return (error_line(unit, &error), false),
    };
    let segments: Vec<Value> = message
        .segments()
        .map(|segment| {
            let mut fields = vec![Value::String(segment.id().to_owned())];
            fields.extend(
                segment
                    .fields()
                    .map(|field| Value::String(field.as_str().to_owned())),
            );
            Value::Array(fields)
        })
        .collect();
    let results: Vec<Value> = lis_hl7::extract::results(&message)
        .into_iter()
        .map(|r| {
            json!({
                "specimen_id": r.specimen_id,
                "test_code": r.test_code,
                "value": r.value,
                "units": r.units,
                "reference_range": r.reference_range,
                "flags": r.flags,
                "status": r.status,
                "observed_at": r.observed_at.map(|t| t.to_string()),
            })
        })
        .collect();
    message_line(unit, "hl7", ("segments", segments), results, &diagnostics)
}
