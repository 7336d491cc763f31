//! Test-only helpers: read corpus files and turn E1381 frames or log renderings into record
//! text. The real capture decoder is the `capture` module's job; this is just enough to feed the
//! record parser.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use lis_astm::extract::ExtractedResult;
use lis_astm::message::{parse_message, Diagnostic, DiagnosticKind, Message};
use lis_astm::record::RecordType;

const STX: u8 = 0x02;
const ETX: u8 = 0x03;
const EOT: u8 = 0x04;
const ETB: u8 = 0x17;

/// The shared corpus directory, relative to this crate: `shared/` sits beside the checkout
/// (`../../../shared` from protocols/astm); a git worktree under `wt/` is one level deeper.
pub fn corpus_dir() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let beside = here.join("../../../shared/corpus/astm");
    if beside.is_dir() {
        beside
    } else {
        here.join("../../../../shared/corpus/astm")
    }
}

/// Bytes of a corpus file.
pub fn corpus(rel: &str) -> Vec<u8> {
    let path = corpus_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Bytes of a file under the repository's testdata/astm.
pub fn testdata(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/astm")).join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Strips E1381 framing: keeps the text of every `STX [FN] text ETB|ETX [C1 C2] [CR LF]` frame,
/// joining ETB continuations; bytes between frames (ENQ, ACK, EOT, log text) are dropped.
pub fn deframe(bytes: &[u8], has_frame_number: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        if bytes[i] != STX {
            i += 1;
            continue;
        }
        while i < n && bytes[i] == STX {
            i += 1;
        }
        if has_frame_number && i < n && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let start = i;
        while i < n && ![ETX, ETB, STX, EOT].contains(&bytes[i]) {
            i += 1;
        }
        out.extend_from_slice(&bytes[start..i]);
        if i < n && (bytes[i] == ETX || bytes[i] == ETB) {
            i += 1;
            if i + 1 < n && bytes[i].is_ascii_hexdigit() && bytes[i + 1].is_ascii_hexdigit() {
                i += 2;
            }
            while i < n && (bytes[i] == b'\r' || bytes[i] == b'\n') {
                i += 1;
            }
        }
    }
    out
}

/// Replaces `[TOK]` or `<TOK>` control-character names by the bytes they stand for.
fn tokens_to_bytes(text: &str) -> Vec<u8> {
    lis_astm::rendered::tokens_to_bytes(text.as_bytes())
}

/// A serial-monitor log with `[STX]`-style tokens where line breaks are read chunks, not data:
/// drops lines holding only `[ACK]`/`[ENQ]`/`[EOT]`/`[NAK]` and dashes, joins the rest, and
/// turns tokens into bytes.
pub fn derender_brackets(log: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(log);
    let mut joined = String::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut rest = line.to_owned();
        for t in ["[ACK]", "[ENQ]", "[EOT]", "[NAK]"] {
            rest = rest.replace(t, "");
        }
        if rest.replace('-', "").trim().is_empty() {
            continue;
        }
        joined.push_str(line);
    }
    tokens_to_bytes(&joined)
}

/// A host log with one row per line and `<STX>`-style tokens: keeps each row from `<STX>` on.
pub fn derender_angle_rows(log: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(log);
    let mut joined = String::new();
    for line in text.lines() {
        if let Some(k) = line.find("<STX>") {
            joined.push_str(&line[k..]);
        }
    }
    tokens_to_bytes(&joined)
}

/// Splits record text into messages at every H record (line start, `H` + a punctuation byte).
/// Text before the first H is dropped.
pub fn split_messages(text: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    for i in 0..text.len() {
        let line_start = i == 0 || text[i - 1] == b'\r' || text[i - 1] == b'\n';
        if line_start
            && (text[i] == b'H' || text[i] == b'h')
            && text.get(i + 1).is_some_and(|b| b.is_ascii_punctuation())
        {
            starts.push(i);
        }
    }
    let mut out = Vec::new();
    for (k, &s) in starts.iter().enumerate() {
        let e = starts.get(k + 1).copied().unwrap_or(text.len());
        out.push(&text[s..e]);
    }
    out
}

pub fn parse(bytes: &[u8]) -> (Message<'_>, Vec<Diagnostic>) {
    parse_message(bytes).unwrap_or_else(|e| panic!("{e}"))
}

pub fn r_count(m: &Message<'_>) -> usize {
    m.records_of(RecordType::Result).count()
}

pub fn kinds(d: &[Diagnostic]) -> Vec<DiagnosticKind> {
    d.iter().map(|d| d.kind).collect()
}

/// Asserts one extracted row: specimen, code, value, units, flags, status, observed_at (ISO).
#[allow(clippy::too_many_arguments)]
pub fn check(
    r: &ExtractedResult<'_>,
    specimen: &str,
    code: &str,
    value: &str,
    units: &str,
    flags: &[&str],
    status: &str,
    observed: Option<&str>,
) {
    assert_eq!(r.specimen_id, specimen, "specimen {r:?}");
    assert_eq!(r.test_code, code, "code {r:?}");
    assert_eq!(r.value, value, "value {r:?}");
    assert_eq!(r.units, units, "units {r:?}");
    assert_eq!(r.flags.iter().collect::<Vec<_>>(), flags, "flags {r:?}");
    assert_eq!(r.status, status, "status {r:?}");
    assert_eq!(
        r.observed_at.map(|t| t.to_string()).as_deref(),
        observed,
        "time {r:?}"
    );
}
