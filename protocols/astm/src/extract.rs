//! Generic, normalised result rows for `lis parse` and the benchmark.
//!
//! The rules, applied to every R record in message order:
//! - `specimen_id`: component 1 of O-3 of the result's order; where that is empty, the first
//!   non-empty component of O-4; trimmed either way (Sysmex right-aligns its sample number in
//!   O-4: `^^                    27^M`). Empty when there is no order or neither field has one
//!   (EUROIMMUN puts it in P-3, which this generic rule does not read).
//! - `test_code`: R-3 component 4, or component 5 where 4 is empty (Sysmex `^^^^WBC^1`).
//! - `value`: R-4 with surrounding spaces trimmed (a decimal comma stays).
//! - `units`: R-5 whole field; `reference_range`: R-6; `flags`: R-7 split on the repeat delimiter;
//!   `status`: R-9; `observed_at`: R-13.
//!
//! Text is unescaped (LIS2-A2 §5.4.5.1) and borrowed from the message unless an escape is present.

use std::borrow::Cow;

use crate::delimiters::Delimiters;
use crate::escape::unescape;
use crate::field::Field;
use crate::message::Message;
use crate::record::{Record, RecordType};
use crate::timestamp::Timestamp;

/// One result, normalised by the rules of the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedResult<'m> {
    /// Index of the R record in [`Message::records`].
    pub record_index: usize,
    /// Specimen ID from the order's O-3 (or O-4), trimmed.
    pub specimen_id: Cow<'m, str>,
    /// Manufacturer's test code from R-3 component 4 (or 5).
    pub test_code: Cow<'m, str>,
    /// R-4 trimmed.
    pub value: Cow<'m, str>,
    /// R-5 whole field.
    pub units: Cow<'m, str>,
    /// R-6 whole field.
    pub reference_range: Cow<'m, str>,
    /// R-7, iterate for the individual flags.
    pub flags: Flags<'m>,
    /// R-9 as sent.
    pub status: &'m str,
    /// R-13 parsed (ISO 8601 via `Display`).
    pub observed_at: Option<Timestamp>,
}

/// R-7 abnormal flags: one per repeat, empty repeats skipped, escapes not decoded (flag codes are
/// plain letters or `<`/`>`, LIS2-A2 §9.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags<'m>(Field<'m>);

impl<'m> Flags<'m> {
    /// R-7 as sent.
    pub fn raw(&self) -> &'m str {
        self.0.raw()
    }

    /// The flags, trimmed, empty ones skipped.
    pub fn iter(&self) -> FlagIter<'m> {
        FlagIter(self.0.raw().split(char::from(self.0.delimiters().repeat)))
    }
}

impl<'m> IntoIterator for Flags<'m> {
    type Item = &'m str;
    type IntoIter = FlagIter<'m>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over the R-7 flags of one result (no allocation).
#[derive(Debug, Clone)]
pub struct FlagIter<'m>(std::str::Split<'m, char>);

impl<'m> Iterator for FlagIter<'m> {
    type Item = &'m str;

    fn next(&mut self) -> Option<&'m str> {
        self.0.by_ref().map(str::trim).find(|s| !s.is_empty())
    }
}

/// Every R record of the message as an [`ExtractedResult`], in order.
pub fn results<'m>(msg: &'m Message<'_>) -> impl Iterator<Item = ExtractedResult<'m>> + 'm {
    let d = msg.delimiters();
    // The specimen ID of the current order, computed once per O record.
    let mut specimen: &'m str = "";
    msg.records().filter_map(move |r| match r.kind() {
        RecordType::Order => {
            specimen = specimen_of(r);
            None
        }
        RecordType::Patient | RecordType::Header | RecordType::Terminator | RecordType::Query => {
            specimen = "";
            None
        }
        RecordType::Result => Some(extract_one(r, specimen, &d)),
        _ => None,
    })
}

fn extract_one<'m>(r: Record<'m>, specimen: &'m str, d: &Delimiters) -> ExtractedResult<'m> {
    let test_id = r.field(3);
    let code = match test_id.component(4) {
        "" => test_id.component(5),
        c => c,
    };
    ExtractedResult {
        record_index: r.index(),
        specimen_id: unescape(specimen, d),
        test_code: unescape(code, d),
        value: unescape(r.field(4).raw().trim(), d),
        units: r.field(5).text(),
        reference_range: r.field(6).text(),
        flags: Flags(r.field(7)),
        status: r.field(9).raw(),
        observed_at: Timestamp::parse(r.field(13).raw()),
    }
}

/// O-3 component 1, else the first non-empty O-4 component, trimmed.
fn specimen_of<'m>(order: Record<'m>) -> &'m str {
    let o3 = order.field(3).component(1).trim();
    if !o3.is_empty() {
        return o3;
    }
    order
        .field(4)
        .components()
        .map(str::trim)
        .find(|c| !c.is_empty())
        .unwrap_or("")
}

/// The benchmark contract: `(number of R records, checksum)` where the checksum sums, over every
/// R, the character (code point) lengths of R-3 component 4, R-4, the whole R-5 field and R-7, all
/// as sent. Allocates nothing.
pub fn summary_lengths(msg: &Message<'_>) -> (usize, u64) {
    let mut count = 0usize;
    let mut sum = 0u64;
    for r in msg.records() {
        if r.kind() != RecordType::Result {
            continue;
        }
        count += 1;
        for s in [
            r.field(3).component(4),
            r.field(4).raw(),
            r.field(5).raw(),
            r.field(7).raw(),
        ] {
            sum += char_len(s) as u64;
        }
    }
    (count, sum)
}

/// Code points in `s`; the byte length for ASCII.
fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::parse_message;

    /// Specimen, code, value, units, flags, status, observed_at (ISO).
    type Row = (
        String,
        String,
        String,
        String,
        Vec<String>,
        String,
        Option<String>,
    );

    fn rows(text: &str) -> Vec<Row> {
        let (m, _) = parse_message(text.as_bytes()).unwrap();
        results(&m)
            .map(|r| {
                (
                    r.specimen_id.into_owned(),
                    r.test_code.into_owned(),
                    r.value.into_owned(),
                    r.units.into_owned(),
                    r.flags.iter().map(str::to_owned).collect(),
                    r.status.to_owned(),
                    r.observed_at.map(|t| t.to_string()),
                )
            })
            .collect()
    }

    #[test]
    fn specimen_from_o3_component_1() {
        let r = rows("H|\\^&\rP|1\rO|1|  S1 ^rack^3|IGNORED\rR|1|^^^GLU|5.5|mmol/L||N||F||||20240627135407\rL|1");
        assert_eq!(r[0].0, "S1");
        assert_eq!(r[0].6.as_deref(), Some("2024-06-27T13:54:07"));
    }

    #[test]
    fn specimen_falls_back_to_first_non_empty_o4_component() {
        let r = rows("H|\\^&\rP|1\rO|1||^^        27^M\rR|1|^^^^WBC^1|8.13\rL|1");
        assert_eq!(r[0].0, "27");
        assert_eq!(r[0].1, "WBC");
    }

    #[test]
    fn no_order_no_specimen_and_reset_on_new_patient() {
        let r = rows("H|\\^&\rP|1\rO|1|S1\rR|1|^^^A|1\rP|2\rR|1|^^^B|2\rL|1");
        assert_eq!(r[0].0, "S1");
        assert_eq!(r[1].0, "");
    }

    #[test]
    fn code_component_4_else_5_value_trimmed_units_whole() {
        let r = rows("H|\\^&\rP|1\rO|1|S\rR|1|^^^CODE^EXT|  5,5 |10^3/uL|1-2|H\\A||F\rR|2|^^^^ONLY5^1|x\rL|1");
        assert_eq!(r[0].1, "CODE");
        assert_eq!(r[0].2, "5,5");
        assert_eq!(r[0].3, "10^3/uL");
        assert_eq!(r[0].4, ["H", "A"]);
        assert_eq!(r[0].5, "F");
        assert_eq!(r[1].1, "ONLY5");
        assert_eq!(r[1].6, None);
    }

    #[test]
    fn escapes_decoded_in_extracted_text() {
        let r = rows("H|\\^&\rP|1\rO|1|S&F&1\rR|1|^^^A&S&B|PNG&R&x|&E&\rL|1");
        assert_eq!(r[0].0, "S|1");
        assert_eq!(r[0].1, "A^B");
        assert_eq!(r[0].2, "PNG\\x");
        assert_eq!(r[0].3, "&");
    }

    #[test]
    fn summary_lengths_uses_component_4_and_code_points() {
        // R-3 comp 4 "WBC" (3) + R-4 "7.5" (3) + R-5 "10^3/uL" (7) + R-7 "N" (1) = 14;
        // second: comp 4 "" (0, the comp-5 fallback is not used) + "ệ" (1 code point) + "" + "" = 1.
        let (m, _) = parse_message(
            "H|\\^&\rO|1|S\rR|1|^^^WBC|7.5|10^3/uL||N\rR|2|^^^^X^1|ệ\rL|1".as_bytes(),
        )
        .unwrap();
        assert_eq!(summary_lengths(&m), (2, 15));
    }
}
