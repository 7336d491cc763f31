//! Normalised result rows for `lis parse`, and the allocation-free summary used by the benchmark.
//!
//! Rules for each OBX, in message order:
//! - `specimen_id`: SPM-2 (placer, first subcomponent: the cobas pro sends `022&BARCODE`), else SAC-3,
//!   else OBR-3, else OBR-2, taking the first component, trimmed; the HL7 null `""` counts as absent.
//!   The SPM is that of the OBX's group wherever it stands ([`crate::groups`]: after the OBX of its
//!   order in an ORU^R01, before its orders in an OUL^R22); SAC and OBR are those in scope for the
//!   OBX: a PID starts a new scope, an SPM replaces the SAC and OBR in scope.
//! - `test_code` OBX-3.1; `value` OBX-5 whole (escapes decoded, trimmed: `1\S\2.14` gives `1^2.14`,
//!   `101,0` stays as sent); `units` OBX-6.1; `reference_range` OBX-7; `flags` OBX-8 split on
//!   repetitions, first component each, with empties and the HL7 null `""` dropped (cobas 6800 sends
//!   `""`); `status` OBX-11; `observed_at` OBX-14, else OBX-19, else OBR-7.

use std::borrow::Cow;

use memchr::memchr;

use crate::escape::unescape;
use crate::field::{nth_piece, Field, Pieces};
use crate::groups::specimen_segments;
use crate::message::Message;
use crate::segment::Segment;
use crate::segments::{timestamp, Obr, Sac, SegmentView, Spm};
use crate::timestamp::Timestamp;

/// One result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedResult<'m> {
    /// The specimen (sample bar code) the result belongs to, per the module rules.
    pub specimen_id: Option<Cow<'m, str>>,
    /// OBX-3.1.
    pub test_code: Cow<'m, str>,
    /// OBX-5, escapes decoded, trimmed.
    pub value: Cow<'m, str>,
    /// OBX-6.1.
    pub units: Cow<'m, str>,
    /// OBX-7.
    pub reference_range: Cow<'m, str>,
    /// OBX-8 repetitions (first component each), empties dropped.
    pub flags: Vec<Cow<'m, str>>,
    /// OBX-11.
    pub status: Cow<'m, str>,
    /// OBX-14, else OBX-19, else OBR-7.
    pub observed_at: Option<Timestamp>,
}

fn trimmed(c: Cow<'_, str>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) => {
            let t = s.trim();
            if t.len() == s.len() {
                Cow::Owned(s)
            } else {
                Cow::Owned(t.to_owned())
            }
        }
    }
}

fn id_from(field: Field<'_>, subcomponent_only: bool) -> Option<Cow<'_, str>> {
    let text = if subcomponent_only {
        field.subcomponent(1, 1).text()
    } else {
        field.component(1).text()
    };
    let t = trimmed(text);
    (!t.is_empty() && t != "\"\"").then_some(t)
}

/// The segments in scope for an OBX.
#[derive(Default, Clone, Copy)]
struct Scope<'m> {
    spm: Option<Segment<'m>>,
    sac: Option<Segment<'m>>,
    obr: Option<Segment<'m>>,
}

impl<'m> Scope<'m> {
    fn update(&mut self, seg: Segment<'m>) {
        match seg.id() {
            "PID" => *self = Self::default(),
            "SPM" => {
                *self = Self {
                    spm: self.spm,
                    sac: None,
                    obr: None,
                }
            }
            "SAC" => self.sac = Some(seg),
            "OBR" => self.obr = Some(seg),
            _ => {}
        }
    }

    fn specimen_id(&self) -> Option<Cow<'m, str>> {
        self.spm
            .and_then(|s| id_from(Spm::wrap(s).field(2), true))
            .or_else(|| self.sac.and_then(|s| id_from(Sac::wrap(s).field(3), false)))
            .or_else(|| self.obr.and_then(|s| id_from(Obr::wrap(s).field(3), false)))
            .or_else(|| self.obr.and_then(|s| id_from(Obr::wrap(s).field(2), false)))
    }
}

/// Whether two optional segments are the same segment of the message (same text slice).
fn same_segment(a: Option<Segment<'_>>, b: Option<Segment<'_>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => std::ptr::eq(a.as_str(), b.as_str()),
        _ => false,
    }
}

/// Every OBX of the message as a result row, in order.
pub fn results<'m>(message: &'m Message<'_>) -> Vec<ExtractedResult<'m>> {
    let seps = message.separators();
    let mut out = Vec::new();
    let mut scope = Scope::default();
    // The specimen id of the current scope, computed once per scope.
    let mut specimen: Option<Option<Cow<'m, str>>> = None;
    for (seg, spm) in message.segments().zip(specimen_segments(message)) {
        if !same_segment(scope.spm, spm) {
            scope.spm = spm;
            specimen = None;
        }
        if seg.id() != "OBX" {
            if matches!(seg.id(), "PID" | "SPM" | "SAC" | "OBR") {
                scope.update(seg);
                specimen = None;
            }
            continue;
        }
        let specimen_id = specimen.get_or_insert_with(|| scope.specimen_id()).clone();
        // Most OBX hold no escape sequence at all: one scan of the segment spares one per field.
        let escaped = memchr(seps.escape, seg.as_str().as_bytes()).is_some();
        let text = |raw: &'m str| {
            if escaped {
                unescape(raw, &seps)
            } else {
                Cow::Borrowed(raw)
            }
        };
        // First component of the first repetition, in one scan for either separator.
        let first_component = |n: usize| {
            let raw = seg.field(n).as_str();
            let end = raw
                .bytes()
                .position(|b| b == seps.component || b == seps.repetition)
                .unwrap_or(raw.len());
            raw.get(..end).unwrap_or_default()
        };
        let observed_at = timestamp(seg.field(14))
            .or_else(|| timestamp(seg.field(19)))
            .or_else(|| scope.obr.and_then(|o| timestamp(o.field(7))));
        let flags = Pieces::new(seg.field(8).as_str(), seps.repetition)
            .map(|r| trimmed(text(nth_piece(r, seps.component, 1))))
            .filter(|f| !f.is_empty() && f != "\"\"")
            .collect();
        out.push(ExtractedResult {
            specimen_id,
            test_code: text(first_component(3)),
            value: trimmed(text(seg.field(5).as_str())),
            units: text(first_component(6)),
            reference_range: text(seg.field(7).as_str()),
            flags,
            status: text(seg.field(11).as_str()),
            observed_at,
        });
    }
    out
}

/// Code points of `s` (counts UTF-8 lead bytes; no allocation).
#[inline]
fn code_points(s: &str) -> u64 {
    s.bytes().filter(|b| (b & 0xC0) != 0x80).count() as u64
}

/// The benchmark contract: the number of OBX segments, and the sum over them of the code-point lengths
/// of OBX-3.1 + OBX-5 (as sent) + OBX-6.1 + OBX-8 (whole field as sent). Allocates nothing.
pub fn summary_lengths(message: &Message<'_>) -> (usize, u64) {
    let mut results = 0;
    let mut checksum = 0;
    for seg in message.segments().filter(|s| s.id() == "OBX") {
        results += 1;
        checksum += code_points(seg.field(3).component(1).as_str())
            + code_points(seg.field(5).as_str())
            + code_points(seg.field(6).component(1).as_str())
            + code_points(seg.field(8).as_str());
    }
    (results, checksum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specimen_falls_back_spm_sac_obr3_obr2() {
        let text = "MSH|^~\\&|A\r\
SPM|1|S1&BARCODE^F1\rSAC|||C1\rOBR|1|P1|F1\rOBX|1|NM|A||1\r\
PID|1\rSAC|||C2\rOBR|1|P2|F2\rOBX|2|NM|B||2\r\
PID|2\rOBR|1|P3^X|F3^Y\rOBX|3|NM|C||3\r\
PID|3\rOBR|1| P4 |\"\"\rOBX|4|NM|D||4\r\
PID|4\rOBX|5|NM|E||5\r";
        let (m, _) = Message::parse(text.as_bytes()).unwrap();
        let ids: Vec<Option<String>> = results(&m)
            .iter()
            .map(|r| r.specimen_id.as_ref().map(|s| s.to_string()))
            .collect();
        assert_eq!(
            ids,
            [
                Some("S1".into()),
                Some("C2".into()),
                Some("F3".into()),
                Some("P4".into()),
                None
            ]
        );
    }

    #[test]
    fn row_fields() {
        let text = "MSH|^~\\&|A\rOBR|1||S||||20240101120000\r\
OBX|1|NM|6690-2^WBC^LN|| 7.5 |10*3/uL^10*3/uL^UCUM|4.00-10.00|H~A|||F||||||\r\
OBX|2|ST|X||1\\S\\2.14||||||P|||20240206081727\r\
OBX|3|ST|Y||101,0|||~N|||F||||||||20240207\r";
        let (m, _) = Message::parse(text.as_bytes()).unwrap();
        let r = results(&m);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].specimen_id.as_deref(), Some("S"));
        assert_eq!(r[0].test_code, "6690-2");
        assert_eq!(r[0].value, "7.5");
        assert_eq!(r[0].units, "10*3/uL");
        assert_eq!(r[0].reference_range, "4.00-10.00");
        assert_eq!(r[0].flags, ["H", "A"]);
        assert_eq!(r[0].status, "F");
        assert_eq!(
            r[0].observed_at.map(|t| t.to_iso8601()).as_deref(),
            Some("2024-01-01T12:00:00")
        );
        assert_eq!(r[1].value, "1^2.14");
        assert_eq!(
            r[1].observed_at.map(|t| t.to_iso8601()).as_deref(),
            Some("2024-02-06T08:17:27")
        );
        assert_eq!(r[2].value, "101,0");
        assert_eq!(r[2].flags, ["N"]);
        assert_eq!(
            r[2].observed_at.map(|t| t.to_iso8601()).as_deref(),
            Some("2024-02-07")
        );
    }

    #[test]
    fn summary_counts_code_points_as_sent() {
        // OBX-3.1 "Ễ1" (2) + OBX-5 "a\S\b" (5) + OBX-6.1 "µg" (2) + OBX-8 "H~A" (3) = 12; second OBX: 1.
        let text = "MSH|^~\\&|A\rOBX|1|ST|Ễ1^x||a\\S\\b|µg^y||H~A\rOBX|2|ST|Z\r";
        let (m, _) = Message::parse(text.as_bytes()).unwrap();
        assert_eq!(summary_lengths(&m), (2, 13));
    }
}
