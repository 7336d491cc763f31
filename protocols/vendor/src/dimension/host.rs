//! What the host (the LIS) sends the Dimension: no request (`N`), sample request (`D`) and result
//! acceptance (`M`). The `encode_*` functions write them for the LIS; [`decode`] reads them for
//! the simulator.
//!
//! Sample request layout (RosieLIS `SampleRequestMessage`, and the corpus's
//! `D<FS>0<FS>0<FS>A<FS>G.D.AYESHA…<FS>00109320<FS>2<FS><FS>0<FS>1<FS>**<FS>1<FS>1<FS>GLUC<FS>F2`):
//! carrier id, load list id, `A` add / `D` delete, patient, sample id, sample type, location,
//! priority, cups, sample position (`**`: the analyzer assigns it), dilution, test count, tests.

use super::{decode_frame, encode_frame, DecodeError, EncodeError, Frame};

/// A message from the host, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMessage {
    /// `N`: nothing for the analyzer.
    NoRequest,
    /// `D`: run these tests on this sample.
    SampleRequest(SampleRequest),
    /// `M`: the host accepted (`A`) or rejected (`R`) a result or calibration message.
    ResultAcceptance {
        /// Field 1 `A`.
        accepted: bool,
    },
    /// A type or shape this decoder does not know.
    Other(Frame),
}

/// A sample request (`D`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRequest {
    /// Field 3 `D`: delete the request instead of adding it.
    pub delete: bool,
    /// Field 4: patient name or id.
    pub patient: String,
    /// Field 5: sample id.
    pub sample_id: String,
    /// Field 6: sample type code (`1` serum; the corpus's order has `2`).
    pub sample_type: String,
    /// Field 8: priority (`0` routine).
    pub priority: String,
    /// Field 11: dilution factor (`1`: none).
    pub dilution: String,
    /// Fields 13 onward: the analyzer's test names, as many as field 12 says.
    pub tests: Vec<String>,
}

/// `<STX>N<FS>6A<ETX>`: nothing for the analyzer (corpus: `2+78+28+54+65+3`).
pub fn encode_no_request() -> Vec<u8> {
    // A message without fields holds no control byte: this cannot fail.
    encode_frame::<&str>('N', &[]).unwrap_or_default()
}

/// The result acceptance: `M <FS> A <FS> <FS> cc` (corpus `M<FS>A<FS><FS>E2`), or the rejection
/// `M <FS> R <FS> 1 <FS> cc` (RosieLIS `ResultAcceptance(False)`).
pub fn encode_result_acceptance(accepted: bool) -> Vec<u8> {
    let fields: [&str; 2] = if accepted { ["A", ""] } else { ["R", "1"] };
    // Fixed fields without control bytes: this cannot fail.
    encode_frame('M', &fields).unwrap_or_default()
}

/// A sample request as the LIS writes it (carrier and load list `0`, one cup, position `**`).
pub fn encode_sample_request(r: &SampleRequest) -> Result<Vec<u8>, EncodeError> {
    let count = r.tests.len().to_string();
    let mut fields: Vec<&str> = vec![
        "0",
        "0",
        if r.delete { "D" } else { "A" },
        &r.patient,
        &r.sample_id,
        &r.sample_type,
        "",
        &r.priority,
        "1",
        "**",
        &r.dilution,
        &count,
    ];
    fields.extend(r.tests.iter().map(String::as_str));
    encode_frame('D', &fields)
}

/// Reads one message from the host (the bytes between STX and ETX).
pub fn decode(body: &[u8]) -> Result<HostMessage, DecodeError> {
    let frame = decode_frame(body)?;
    Ok(match frame.kind {
        'N' => HostMessage::NoRequest,
        'M' => HostMessage::ResultAcceptance {
            accepted: frame.required(1, "accepted or rejected")? == "A",
        },
        'D' => {
            let count = frame.count(12, "test count")?;
            let tests: Vec<String> = frame
                .fields
                .iter()
                .skip(12)
                .take(count)
                .map(|t| t.trim().to_owned())
                .collect();
            if tests.len() < count {
                return Err(DecodeError::MissingField {
                    message: 'D',
                    field: 13 + tests.len(),
                    name: "test",
                });
            }
            HostMessage::SampleRequest(SampleRequest {
                delete: frame.field(3) == "D",
                patient: frame.field(4).trim().to_owned(),
                sample_id: frame.required(5, "sample id")?.trim().to_owned(),
                sample_type: frame.field(6).to_owned(),
                priority: frame.field(8).to_owned(),
                dilution: frame.field(11).to_owned(),
                tests,
            })
        }
        _ => HostMessage::Other(frame),
    })
}
