//! Sysmex "class A" text, as the XS-500i sends it: not ASTM.
//!
//! Each text is one `<STX> … <ETX>` block with no checksum; the host answers each with ACK
//! (corpus: `xs500i_native_class_a_d1u_d2u_host_log_2018-07-26_extract.txt`, and Sysmex *XS
//! series Data Communication Specifications* rev. 2.7, 2012, §4.1, public copy on cupdf.com).
//! A sample is two texts: `D1U` (the sample header) then `D2U` (the parameter values).
//!
//! Layout, in characters of the text (0-based offsets, STX excluded):
//!
//! | offset | width | field |
//! |---|---|---|
//! | 0 | 3 | text code `D1U` / `D2U` |
//! | 3 | 16 | analyzer name `^` serial, right-aligned (`   XS-500i^19045`) |
//! | 19 | 13 | a sequence block (`0000000007000`; the 10th digit counts samples in the corpus) |
//! | 32 | 15 | sample number, right-aligned with spaces (`       00109558`) |
//! | 47 | 14 | `D1U`: analysis date and time `yyyymmddhhmmss` |
//! | 47 | … | `D2U`: the parameters below, then the analyzer's trailer |
//!
//! The sample number and date offsets are those of hmislk's `SysMexAdf1`/`SysMexAdf2`
//! (hmis-analyzer-middleware's LIMS side), shifted by the STX they count.
//!
//! Each `D2U` parameter is digits with implied decimals followed by one flag digit: Sysmex writes
//! them `XXXXF` or `XXXXXF` with a unit scale (`×10/µL`, `×10⁻¹%`, `g/L`...). The order, widths and
//! scales below are Sysmex's class A analysis data format as its XN-series specification lists
//! it (CharlieStras/laboman_tester `src/instruments/XN/data.js` quotes it field by field); the
//! XS-500i's texts fit it to the digit: in every corpus sample MCV = HCT / RBC, MCH = HGB / RBC,
//! MCHC = HGB / HCT, the five % add up to 100.0, each # is its % of WBC, and PCT = PLT × MPV.
//! The flag digit is `0` for none; the corpus shows `1` on values above the lab's limits
//! (NEUT% 80.7, RDW-CV 17.7), `2` below (LYMPH% 9.8, MCV 74.8) and `4` on a differential the
//! analyzer marked unreliable. The XS-500i has no reticulocyte channel: RET%, RET#, IRF, LFR, MFR
//! and HFR are always zeros (a profile skips them).

use crate::stx_frame::{ETX, STX};

/// One parameter of the `D2U` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parameter {
    /// Sysmex's name (`WBC`, `NEUT%`).
    pub code: &'static str,
    /// Digits, without the flag digit.
    pub digits: usize,
    /// Decimals placed in the value as it is reported (in `units`).
    pub decimals: usize,
    /// The units of the reported value.
    pub units: &'static str,
}

const fn p(code: &'static str, digits: usize, decimals: usize, units: &'static str) -> Parameter {
    Parameter {
        code,
        digits,
        decimals,
        units,
    }
}

/// The `D2U` parameters in order. Scales: WBC and the # counts `×10/µL` (2 decimals in
/// 10³/µL), RBC `×10⁴/µL` (2 decimals in 10⁶/µL), HGB and MCHC `g/L` (1 decimal in g/dL), the %,
/// HCT, MCV, MCH, RDW, PDW, MPV, P-LCR, IRF, LFR, MFR, HFR `×10⁻¹`, PLT `×10³/µL`, RET% and PCT
/// `×10⁻²%`, RET# `×10²/µL` (4 decimals in 10⁶/µL).
pub const D2U_PARAMETERS: &[Parameter] = &[
    p("WBC", 5, 2, "10*3/uL"),
    p("RBC", 4, 2, "10*6/uL"),
    p("HGB", 4, 1, "g/dL"),
    p("HCT", 4, 1, "%"),
    p("MCV", 4, 1, "fL"),
    p("MCH", 4, 1, "pg"),
    p("MCHC", 4, 1, "g/dL"),
    p("PLT", 4, 0, "10*3/uL"),
    p("LYMPH%", 4, 1, "%"),
    p("MONO%", 4, 1, "%"),
    p("NEUT%", 4, 1, "%"),
    p("EO%", 4, 1, "%"),
    p("BASO%", 4, 1, "%"),
    p("LYMPH#", 5, 2, "10*3/uL"),
    p("MONO#", 5, 2, "10*3/uL"),
    p("NEUT#", 5, 2, "10*3/uL"),
    p("EO#", 5, 2, "10*3/uL"),
    p("BASO#", 5, 2, "10*3/uL"),
    p("RDW-CV", 4, 1, "%"),
    p("RDW-SD", 4, 1, "fL"),
    p("PDW", 4, 1, "fL"),
    p("MPV", 4, 1, "fL"),
    p("P-LCR", 4, 1, "%"),
    p("RET%", 4, 2, "%"),
    p("RET#", 4, 4, "10*6/uL"),
    p("IRF", 4, 1, "%"),
    p("LFR", 4, 1, "%"),
    p("MFR", 4, 1, "%"),
    p("HFR", 4, 1, "%"),
    p("PCT", 4, 2, "%"),
];

/// Where the `D2U` parameters start.
pub const PARAMETERS_AT: usize = 47;

/// Why a class A text cannot be read; each says what and where (character offset in the text,
/// STX excluded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The text is shorter than its fixed fields.
    #[error("{text} text of {len} characters ends before {field} (characters {at}..{end})")]
    Truncated {
        /// The text code.
        text: String,
        /// Its length.
        len: usize,
        /// The field it lacks.
        field: &'static str,
        /// Where the field starts.
        at: usize,
        /// Where it ends.
        end: usize,
    },
    /// A parameter's digits or flag are not digits.
    #[error(
        "D2U parameter {code} at characters {at}..{end}: `{found}` is not digits and a flag digit"
    )]
    NotDigits {
        /// The parameter.
        code: &'static str,
        /// Where it starts.
        at: usize,
        /// Where it ends.
        end: usize,
        /// What was there.
        found: String,
    },
    /// The text does not start with a text code (`D1U`, `D2U`...): three ASCII letters or digits.
    #[error("no class A text code at the start: {found:?}")]
    NoTextCode {
        /// The first characters (lossy).
        found: String,
    },
    /// The date and time in a `D1U` are not `yyyymmddhhmmss`.
    #[error("D1U analysis time at characters 47..61: `{found}` is not yyyymmddhhmmss")]
    BadTime {
        /// What was there.
        found: String,
    },
}

/// A class A text, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// `D1U`: the sample header.
    SampleHeader(SampleHeader),
    /// `D2U`: the parameter values.
    Results(Results),
    /// Another text (histograms, IP messages...): kept as sent.
    Other {
        /// Its text code.
        code: String,
    },
}

/// The fields both texts start with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    /// Analyzer name `^` serial (`XS-500i^19045`), trimmed.
    pub instrument: String,
    /// The 13-character sequence block, as sent.
    pub sequence: String,
    /// The sample number, trimmed (`00109558`).
    pub sample_no: String,
}

/// When the sample was analysed (`D1U`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalysedAt {
    /// Year.
    pub year: u16,
    /// Month 1-12.
    pub month: u8,
    /// Day 1-31.
    pub day: u8,
    /// Hour 0-23.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second.
    pub second: u8,
}

/// The `D1U` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleHeader {
    /// Instrument, sequence, sample number.
    pub common: Common,
    /// Characters 47..61.
    pub analysed_at: AnalysedAt,
    /// The rest of the text as sent (status and flag digits, the analyzer's trailer).
    pub rest: String,
}

/// One parameter value of a `D2U` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The parameter.
    pub parameter: Parameter,
    /// The value with its decimals placed (`11.17`), leading zeros dropped.
    pub value: String,
    /// The flag digit (`0`: none).
    pub flag: char,
}

/// The `D2U` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Results {
    /// Instrument, sequence, sample number.
    pub common: Common,
    /// The values, in [`D2U_PARAMETERS`] order. A parameter sent as spaces (not measured) is
    /// absent.
    pub values: Vec<Value>,
    /// What follows the parameters, as sent (the analyzer's trailer).
    pub trailer: String,
}

/// Reads one text (the bytes between STX and ETX). Bytes are read as Latin-1, one character
/// each, so offsets are byte offsets.
pub fn decode(body: &[u8]) -> Result<Text, DecodeError> {
    let code = match body.get(..3) {
        Some(code) if code.iter().all(u8::is_ascii_alphanumeric) => latin1(code),
        _ => {
            return Err(DecodeError::NoTextCode {
                found: latin1(body.get(..3).unwrap_or(body)),
            })
        }
    };
    match code.as_str() {
        "D1U" => {
            let common = common(body, &code)?;
            let at = slice(body, &code, 47, 61, "analysis time")?;
            let analysed_at =
                parse_time(at).ok_or_else(|| DecodeError::BadTime { found: latin1(at) })?;
            Ok(Text::SampleHeader(SampleHeader {
                common,
                analysed_at,
                rest: latin1(body.get(61..).unwrap_or_default()),
            }))
        }
        "D2U" => {
            let common = common(body, &code)?;
            let mut at = PARAMETERS_AT;
            let mut values = Vec::new();
            for &parameter in D2U_PARAMETERS {
                let end = at + parameter.digits + 1;
                let field = slice(body, &code, at, end, parameter.code)?;
                if let Some(value) = read_value(parameter, field, at, end)? {
                    values.push(value);
                }
                at = end;
            }
            Ok(Text::Results(Results {
                common,
                values,
                trailer: latin1(body.get(at..).unwrap_or_default()),
            }))
        }
        _ => Ok(Text::Other { code }),
    }
}

/// Bytes as Latin-1 text, one character per byte.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn slice<'t>(
    body: &'t [u8],
    code: &str,
    at: usize,
    end: usize,
    field: &'static str,
) -> Result<&'t [u8], DecodeError> {
    body.get(at..end).ok_or_else(|| DecodeError::Truncated {
        text: code.to_owned(),
        len: body.len(),
        field,
        at,
        end,
    })
}

fn common(body: &[u8], code: &str) -> Result<Common, DecodeError> {
    Ok(Common {
        instrument: latin1(slice(body, code, 3, 19, "analyzer name")?)
            .trim()
            .to_owned(),
        sequence: latin1(slice(body, code, 19, 32, "sequence block")?),
        sample_no: latin1(slice(body, code, 32, 47, "sample number")?)
            .trim()
            .to_owned(),
    })
}

fn parse_time(b: &[u8]) -> Option<AnalysedAt> {
    if b.len() != 14 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u16> {
        b.get(r)?
            .iter()
            .try_fold(0u16, |n, d| Some(n * 10 + u16::from(d - b'0')))
    };
    let small = |r| num(r).and_then(|n| u8::try_from(n).ok());
    let at = AnalysedAt {
        year: num(0..4)?,
        month: small(4..6)?,
        day: small(6..8)?,
        hour: small(8..10)?,
        minute: small(10..12)?,
        second: small(12..14)?,
    };
    let ok = (1..=12).contains(&at.month)
        && (1..=31).contains(&at.day)
        && at.hour < 24
        && at.minute < 60
        && at.second < 60;
    ok.then_some(at)
}

fn read_value(
    parameter: Parameter,
    field: &[u8],
    at: usize,
    end: usize,
) -> Result<Option<Value>, DecodeError> {
    if field.iter().all(|&b| b == b' ') {
        return Ok(None);
    }
    let bad = || DecodeError::NotDigits {
        code: parameter.code,
        at,
        end,
        found: latin1(field),
    };
    if !field.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    // All ASCII digits: the split is on a character boundary.
    let (digits, flag) = field.split_at(parameter.digits.min(field.len()));
    let flag = flag.first().map(|&b| char::from(b)).ok_or_else(bad)?;
    Ok(Some(Value {
        parameter,
        value: place_decimals(&latin1(digits), parameter.decimals),
        flag,
    }))
}

/// `01117` with 2 decimals is `11.17`; `0003` with 1 is `0.3`; `0202` with 0 is `202`.
fn place_decimals(digits: &str, decimals: usize) -> String {
    let split = digits.len().saturating_sub(decimals);
    let (whole, fraction) = digits.split_at(split);
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    if fraction.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{fraction}")
    }
}

/// Why a text cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A value does not fit its parameter's digits (or is not a plain decimal number).
    #[error("{code}: `{value}` does not fit {digits} digits with {decimals} decimals")]
    DoesNotFit {
        /// The parameter.
        code: &'static str,
        /// The value.
        value: String,
        /// Its digits.
        digits: usize,
        /// Its decimals.
        decimals: usize,
    },
    /// A header field is too long or holds a control byte.
    #[error("{field} `{value}` does not fit its {width} characters")]
    BadField {
        /// The field.
        field: &'static str,
        /// The value.
        value: String,
        /// Its width.
        width: usize,
    },
}

/// The first 47 characters of a text: code, analyzer, sequence, sample number.
fn head(code: &str, common: &Common) -> Result<String, EncodeError> {
    let fit = |field: &'static str, value: &str, width: usize| {
        if value.chars().count() > width || value.chars().any(|c| c.is_control()) {
            Err(EncodeError::BadField {
                field,
                value: value.to_owned(),
                width,
            })
        } else {
            Ok(format!("{value:>width$}"))
        }
    };
    Ok(format!(
        "{code}{}{}{}",
        fit("analyzer name", &common.instrument, 16)?,
        fit("sequence block", &common.sequence, 13)?,
        fit("sample number", &common.sample_no, 15)?
    ))
}

/// A `D1U` block as the analyzer writes it, `rest` after the date (status digits and trailer).
pub fn encode_sample_header(header: &SampleHeader) -> Result<Vec<u8>, EncodeError> {
    let t = header.analysed_at;
    let text = format!(
        "{}{:04}{:02}{:02}{:02}{:02}{:02}{}",
        head("D1U", &header.common)?,
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        header.rest
    );
    Ok(block(&text))
}

/// A `D2U` block: each parameter in `values` (by code; others are zeros with flag `0`), then
/// `trailer`.
pub fn encode_results(
    common: &Common,
    values: &[(&str, &str, char)],
    trailer: &str,
) -> Result<Vec<u8>, EncodeError> {
    let mut text = head("D2U", common)?;
    for parameter in D2U_PARAMETERS {
        match values.iter().find(|(code, _, _)| *code == parameter.code) {
            Some((_, value, flag)) => {
                text.push_str(&digits_of(*parameter, value)?);
                text.push(if flag.is_ascii_digit() { *flag } else { '0' });
            }
            None => text.push_str(&"0".repeat(parameter.digits + 1)),
        }
    }
    text.push_str(trailer);
    Ok(block(&text))
}

/// `11.17` for WBC (5 digits, 2 decimals) is `01117`.
fn digits_of(parameter: Parameter, value: &str) -> Result<String, EncodeError> {
    let fail = || EncodeError::DoesNotFit {
        code: parameter.code,
        value: value.to_owned(),
        digits: parameter.digits,
        decimals: parameter.decimals,
    };
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
        || fraction.len() > parameter.decimals
    {
        return Err(fail());
    }
    let digits = format!("{whole}{fraction:0<width$}", width = parameter.decimals);
    let digits = digits.trim_start_matches('0');
    if digits.len() > parameter.digits {
        return Err(fail());
    }
    Ok(format!("{digits:0>width$}", width = parameter.digits))
}

fn block(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(STX);
    out.extend(
        text.chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')),
    );
    out.push(ETX);
    out
}

#[cfg(test)]
#[path = "sysmex_text_tests.rs"]
mod tests;
