//! The Siemens Dimension (RxL, EXL, Xpand) LIS protocol: not ASTM.
//!
//! Sources: Siemens, *Dimension Clinical Chemistry System Interface Specifications*, PN D00396
//! Rev. 2 (2011) and *Interface Specification Guide* 11348004 Rev. 02 (2019) (public copies:
//! pdfslide.net, studylib.net); Roy Harmon's RosieLIS (`Rosie_Serial_LIS/RosieLIS.vb`, MIT),
//! written from that guide, for field positions; and the host logs in
//! `../shared/corpus/astm/siemens-dimension/`, which every test here is checked against.
//!
//! # Framing (link level)
//!
//! One message is `<STX> type <FS> field <FS> … <FS> cc <ETX>`: `type` one letter, fields
//! separated by FS (0x1C), and `cc` two upper-case hex digits, the sum of every byte after STX up
//! to and including the last FS, modulo 256 (RosieLIS `CHKSum`: "binary 8-bit addition … carries
//! beyond the 8th bit are lost"). The receiver answers ACK for a message whose checksum is right
//! and NAK otherwise; the sender repeats a NAKed message. The analyzer may open with ENQ, which
//! the host answers with ACK (corpus: `Received <ENQ> from Dimension. <ACK> sent.`).
//!
//! # Dialogue (application level)
//!
//! The analyzer speaks first and the host answers every message:
//!
//! | analyzer | host answers |
//! |---|---|
//! | `P` poll | `N` no request, or `D` a sample request (an order) |
//! | `I` query for one sample id | `D` the sample's tests, or `N` |
//! | `R` result | `M` result acceptance (`A` accepted, `R` rejected) |
//! | `C` calibration result | `M` result acceptance |
//! | `M` request acceptance (after a `D`) | nothing |
//!
//! When the host's answer is not a message the analyzer expects, the analyzer NAKs it and sends
//! its message again later (corpus: `dimension_host_log_2018-07-20_bad_accept_nak_retransmit`,
//! the same `R` with checksum `63` fourteen times after a host that answered `<STX>0<ETX>`).
//!
//! Module map: [`analyzer`] (what the analyzer sends: decode for the LIS, encode for the
//! simulator), [`host`] (what the LIS sends: encode for the LIS, decode for the simulator).

pub mod analyzer;
pub mod host;

pub use crate::stx_frame::{ACK, ENQ, EOT, ETX, NAK, STX};

/// Field separator.
pub const FS: u8 = 0x1C;

/// Why a Dimension message cannot be read. Each says what and where (field numbers count from 1
/// after the message type letter).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The text between STX and ETX is empty.
    #[error("empty message")]
    Empty,
    /// No FS before the checksum: the message cannot be checked.
    #[error("no field separator (FS) in the message: no checksum can be found")]
    NoSeparator,
    /// The two characters after the last FS are not two hex digits.
    #[error("checksum `{found}` after the last FS (byte {offset}) is not two hex digits")]
    BadChecksumText {
        /// What was there.
        found: String,
        /// Its offset in the message text.
        offset: usize,
    },
    /// The checksum does not match the bytes.
    #[error("checksum mismatch: sent {sent:02X}, computed {computed:02X}")]
    ChecksumMismatch {
        /// The checksum in the message.
        sent: u8,
        /// The checksum of its bytes.
        computed: u8,
    },
    /// The message type is not one ASCII letter followed by FS.
    #[error("message type: expected one letter then FS, found {found:?}")]
    BadType {
        /// What was there (lossy).
        found: String,
    },
    /// A message of this type is shorter than its layout.
    #[error("{message} message: field {field} ({name}) is missing")]
    MissingField {
        /// The message type letter.
        message: char,
        /// The field number.
        field: usize,
        /// The field's name.
        name: &'static str,
    },
    /// A field that holds a number does not.
    #[error("{message} message: field {field} ({name}) `{value}` is not a number")]
    BadNumber {
        /// The message type letter.
        message: char,
        /// The field number.
        field: usize,
        /// The field's name.
        name: &'static str,
        /// What was there.
        value: String,
    },
    /// A result message announces more tests than it carries.
    #[error("R message: field 10 announces {announced} tests, the message carries {found} (4 fields each from field 11)")]
    TestsMissing {
        /// The count in field 10.
        announced: usize,
        /// The whole tests present.
        found: usize,
    },
}

/// Why a message cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A field holds a control byte (STX, ETX, FS...), which would break the framing.
    #[error("field {field} holds control byte 0x{byte:02X}")]
    ControlByte {
        /// The field number (1-based, after the type).
        field: usize,
        /// The byte.
        byte: u8,
    },
    /// The message type is not an ASCII letter.
    #[error("message type {0:?} is not an ASCII letter")]
    BadType(char),
}

/// The checksum of `bytes`: their sum modulo 256.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |sum, b| sum.wrapping_add(*b))
}

/// A message whose checksum was right: its type letter and its fields (field 1 first; the
/// checksum is not a field). Text is UTF-8 when valid, else Latin-1, so no byte is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The type letter (`P`, `R`, `C`, `I`, `M`, `N`, `D`...).
    pub kind: char,
    /// The fields after the type, in order.
    pub fields: Vec<String>,
}

impl Frame {
    /// Field `n` (1-based), or `""` when the message is shorter.
    pub fn field(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.fields.get(i))
            .map_or("", String::as_str)
    }

    /// Field `n`, or [`DecodeError::MissingField`].
    pub(crate) fn required(&self, n: usize, name: &'static str) -> Result<&str, DecodeError> {
        n.checked_sub(1)
            .and_then(|i| self.fields.get(i))
            .map(String::as_str)
            .ok_or(DecodeError::MissingField {
                message: self.kind,
                field: n,
                name,
            })
    }

    /// Field `n` as a count.
    pub(crate) fn count(&self, n: usize, name: &'static str) -> Result<usize, DecodeError> {
        let text = self.required(n, name)?;
        text.trim().parse().map_err(|_| DecodeError::BadNumber {
            message: self.kind,
            field: n,
            name,
            value: text.to_owned(),
        })
    }
}

/// Checks and splits the text of one message (the bytes between STX and ETX).
pub fn decode_frame(body: &[u8]) -> Result<Frame, DecodeError> {
    if body.is_empty() {
        return Err(DecodeError::Empty);
    }
    let last_fs = memchr::memrchr(FS, body).ok_or(DecodeError::NoSeparator)?;
    let (counted, cc) = body.split_at(last_fs + 1);
    let sent = parse_hex(cc).ok_or_else(|| DecodeError::BadChecksumText {
        found: text(cc),
        offset: last_fs + 1,
    })?;
    let computed = checksum(counted);
    if sent != computed {
        return Err(DecodeError::ChecksumMismatch { sent, computed });
    }
    // `counted` ends with the FS before the checksum; the type and the fields are before it.
    let content = counted.get(..last_fs).unwrap_or_default();
    let mut parts = content.split(|b| *b == FS);
    let kind = match parts.next() {
        Some([k]) if k.is_ascii_alphabetic() => char::from(*k),
        Some(other) => return Err(DecodeError::BadType { found: text(other) }),
        None => return Err(DecodeError::Empty),
    };
    let fields = if content.len() == 1 {
        Vec::new()
    } else {
        parts.map(text).collect()
    };
    Ok(Frame { kind, fields })
}

fn parse_hex(cc: &[u8]) -> Option<u8> {
    let [hi, lo] = cc else { return None };
    let digit = |b: u8| char::from(b).to_digit(16);
    Some(u8::try_from(digit(*hi)? * 16 + digit(*lo)?).unwrap_or(0))
}

/// Bytes as text: UTF-8 when valid, else Latin-1 (one char per byte, nothing lost).
pub(crate) fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// A whole message on the wire: `<STX> kind <FS> field … <FS> cc <ETX>`.
pub fn encode_frame<S: AsRef<str>>(kind: char, fields: &[S]) -> Result<Vec<u8>, EncodeError> {
    if !kind.is_ascii_alphabetic() {
        return Err(EncodeError::BadType(kind));
    }
    let mut counted = vec![kind as u8];
    for (i, field) in fields.iter().enumerate() {
        let bytes = field.as_ref().as_bytes();
        if let Some(&byte) = bytes.iter().find(|b| b.is_ascii_control()) {
            return Err(EncodeError::ControlByte { field: i + 1, byte });
        }
        counted.push(FS);
        counted.extend_from_slice(bytes);
    }
    counted.push(FS);
    let cc = checksum(&counted);
    let mut out = Vec::with_capacity(counted.len() + 4);
    out.push(STX);
    out.extend_from_slice(&counted);
    out.extend_from_slice(format!("{cc:02X}").as_bytes());
    out.push(ETX);
    Ok(out)
}

#[cfg(test)]
mod tests;
