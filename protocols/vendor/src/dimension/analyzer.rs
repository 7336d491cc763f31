//! What the Dimension sends: poll (`P`), result (`R`), calibration (`C`), sample query (`I`) and
//! request acceptance (`M`). [`decode`] reads them for the LIS; the `encode_*` functions write
//! them for the simulator.
//!
//! Field positions (1-based, after the type letter) follow RosieLIS (`ResultMessage`,
//! `RequestAcceptanceMessage`, `PollQueryMessage`, written from the Siemens Interface
//! Specification Guide) and the corpus logs; names the sources do not give are left as numbered
//! fields (`Frame::field`).

use super::{decode_frame, encode_frame, DecodeError, EncodeError, Frame};

/// A message from the analyzer, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalyzerMessage {
    /// `P`: the analyzer asks whether the host has a request for it.
    Poll(Poll),
    /// `R`: a sample's results.
    Result(ResultMessage),
    /// `C`: a calibration's results (kept as sent; not patient results).
    Calibration(Frame),
    /// `I`: the analyzer asks for the tests of one sample (it read the sample's barcode).
    Query(SampleQuery),
    /// `M`: the analyzer accepted (`A`) or rejected (`R`) the host's sample request.
    RequestAcceptance(RequestAcceptance),
    /// A type this decoder does not know; kept as sent.
    Other(Frame),
}

/// A poll: `P <FS> instrument <FS> first poll <FS> f3 <FS> f4`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    /// Field 1: the instrument's id (`DIM1`).
    pub instrument: String,
    /// Field 2 `1`: the first poll after the analyzer started (`0`: a conversational poll);
    /// hmis-analyzer-middleware names the two `initialPoll` and `conversationalPoll`.
    pub first: bool,
    /// The whole message, for fields 3 and 4 (both `1` and `0` in every corpus poll).
    pub frame: Frame,
}

/// One test of a result message: four fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// The test's name on the analyzer (`GLUC`, `CRE2`).
    pub name: String,
    /// The value as sent (`98`, `-0.26`; empty when the test failed).
    pub value: String,
    /// Units (`mg/dL`; `______` for a ratio without units).
    pub units: String,
    /// The analyzer's error code (empty: none; `2`, `14`...).
    pub error_code: String,
}

/// A sample's results: ten header fields, then four fields per test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultMessage {
    /// Field 2: the patient's name or id as entered on the analyzer (a control's name for QC).
    pub patient: String,
    /// Field 3: the sample id (barcode).
    pub sample_id: String,
    /// Field 4: the sample type code (`1` serum in the corpus; `5`, `6` on controls).
    pub sample_type: String,
    /// Field 5: the location (empty in the corpus).
    pub location: String,
    /// Field 6: the priority (`0` on every patient in the corpus, `3` on every control).
    pub priority: String,
    /// Field 7: when the sample was run, `ssmmhhDDMMYY` (RosieLIS's first-calibration date
    /// `000019311269` is 12/31/69 7:00 PM).
    pub run_at: String,
    /// Field 8: cups.
    pub cups: String,
    /// Field 9: dilution.
    pub dilution: String,
    /// Field 10 is the test count; these are the tests (fields 11 onward, four each).
    pub tests: Vec<TestResult>,
    /// The whole message (field 1, `*` or `0` in the corpus, is only here).
    pub frame: Frame,
}

/// `I <FS> sample id`: the analyzer read a sample and asks for its tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleQuery {
    /// Field 1: the sample id.
    pub sample_id: String,
}

/// `M <FS> A|R <FS> reason <FS> …`: the analyzer's answer to a sample request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestAcceptance {
    /// Field 1 `A`: accepted; `R`: rejected.
    pub accepted: bool,
    /// Field 2: the rejection code (empty when accepted).
    pub reason: String,
    /// The whole message (field 5 is the sample position on the analyzer, `42` in the corpus).
    pub frame: Frame,
}

/// When a result message was run: field 7 read as `ssmmhhDDMMYY` (years 2000-2099).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunTime {
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

impl RunTime {
    /// Reads `ssmmhhDDMMYY`; `None` unless it is twelve digits with a plausible date and time.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
        let t = Self {
            second: two(0),
            minute: two(2),
            hour: two(4),
            day: two(6),
            month: two(8),
            year: 2000 + u16::from(two(10)),
        };
        let ok = t.second < 60
            && t.minute < 60
            && t.hour < 24
            && (1..=31).contains(&t.day)
            && (1..=12).contains(&t.month);
        ok.then_some(t)
    }
}

/// Reads one message from the analyzer (the bytes between STX and ETX).
pub fn decode(body: &[u8]) -> Result<AnalyzerMessage, DecodeError> {
    let frame = decode_frame(body)?;
    Ok(match frame.kind {
        'P' => AnalyzerMessage::Poll(Poll {
            instrument: frame.required(1, "instrument")?.to_owned(),
            first: frame.field(2) == "1",
            frame,
        }),
        'R' => AnalyzerMessage::Result(result(frame)?),
        'C' => AnalyzerMessage::Calibration(frame),
        'I' => AnalyzerMessage::Query(SampleQuery {
            sample_id: frame.required(1, "sample id")?.trim().to_owned(),
        }),
        'M' => AnalyzerMessage::RequestAcceptance(RequestAcceptance {
            accepted: frame.required(1, "accepted or rejected")? == "A",
            reason: frame.field(2).to_owned(),
            frame,
        }),
        _ => AnalyzerMessage::Other(frame),
    })
}

fn result(frame: Frame) -> Result<ResultMessage, DecodeError> {
    let announced = frame.count(10, "test count")?;
    let found = frame.fields.len().saturating_sub(10) / 4;
    if found < announced {
        return Err(DecodeError::TestsMissing { announced, found });
    }
    let tests = frame
        .fields
        .get(10..10 + 4 * announced)
        .unwrap_or_default()
        .chunks_exact(4)
        .map(|t| TestResult {
            name: t[0].trim().to_owned(),
            value: t[1].trim().to_owned(),
            units: t[2].trim().to_owned(),
            error_code: t[3].trim().to_owned(),
        })
        .collect();
    Ok(ResultMessage {
        patient: frame.field(2).trim().to_owned(),
        sample_id: frame.field(3).trim().to_owned(),
        sample_type: frame.field(4).trim().to_owned(),
        location: frame.field(5).trim().to_owned(),
        priority: frame.field(6).trim().to_owned(),
        run_at: frame.field(7).trim().to_owned(),
        cups: frame.field(8).trim().to_owned(),
        dilution: frame.field(9).trim().to_owned(),
        tests,
        frame,
    })
}

/// A poll as the analyzer writes it: `P <FS> instrument <FS> first <FS> 1 <FS> 0` (fields 3
/// and 4 as in every corpus poll).
pub fn encode_poll(instrument: &str, first: bool) -> Result<Vec<u8>, EncodeError> {
    encode_frame('P', &[instrument, if first { "1" } else { "0" }, "1", "0"])
}

/// A sample query: `I <FS> sample id`.
pub fn encode_query(sample_id: &str) -> Result<Vec<u8>, EncodeError> {
    encode_frame('I', &[sample_id])
}

/// The analyzer's acceptance of a sample request, as the corpus shows it:
/// `M <FS> A <FS> <FS> A <FS> 1 <FS> position`, or `M <FS> R <FS> reason` for a rejection.
pub fn encode_request_acceptance(
    accepted: bool,
    reason: &str,
    position: &str,
) -> Result<Vec<u8>, EncodeError> {
    if accepted {
        encode_frame('M', &["A", "", "A", "1", position])
    } else {
        encode_frame('M', &["R", reason])
    }
}

/// What a simulated result message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultToSend<'a> {
    /// Field 2: patient name or id.
    pub patient: &'a str,
    /// Field 3: sample id.
    pub sample_id: &'a str,
    /// Field 4: sample type code.
    pub sample_type: &'a str,
    /// Field 6: priority.
    pub priority: &'a str,
    /// Field 7: `ssmmhhDDMMYY`.
    pub run_at: &'a str,
    /// The tests: name, value, units, error code.
    pub tests: &'a [TestResult],
}

/// A result message as the analyzer writes it (field 1 `*`, location empty, one cup, dilution 1,
/// as in the corpus).
pub fn encode_result(r: &ResultToSend<'_>) -> Result<Vec<u8>, EncodeError> {
    let count = r.tests.len().to_string();
    let mut fields: Vec<&str> = vec![
        "*",
        r.patient,
        r.sample_id,
        r.sample_type,
        "",
        r.priority,
        r.run_at,
        "1",
        "1",
        &count,
    ];
    for t in r.tests {
        fields.extend([
            t.name.as_str(),
            t.value.as_str(),
            t.units.as_str(),
            t.error_code.as_str(),
        ]);
    }
    encode_frame('R', &fields)
}
