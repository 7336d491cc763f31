//! Writing messages: a generic [`MessageBuilder`] (segments, fields, components, repetitions, escaping of
//! delimiters in data, CR segment terminators per HL7 v2.5.1 §2.5.1) and builders for the messages a
//! laboratory exchanges. The builders take plain structs holding the data and return the message bytes
//! (UTF-8; frame them with [`crate::mllp::encode`]). Timestamps are text the caller supplies: this crate
//! reads no clock.
//!
//! - [`results`]: OUL^R21, OUL^R22 (the ORU^R01 to the HIS is built in `lis_drivers::his::oru`).
//! - [`orders`]: ORM^O01, OML^O21, OML^O33.
//! - [`query`]: QBP^Q11, RSP^K11 (IHE LAW) and the legacy QRY^Q02, QCK^Q02, DSR^Q03 (Mindray layout).
//! - [`ack`]: ACK in original (AA/AE/AR) and enhanced (CA/CE/CR) mode, with ERR in the v2.5 or older form.

pub mod ack;
pub mod orders;
pub mod query;
pub mod results;

use crate::escape::escape;
use crate::segments::MessageType;
use crate::separators::Separators;

/// The value of one field: repetitions of components of subcomponents, each leaf plain text that the
/// builder escapes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldValue {
    repetitions: Vec<Vec<Vec<String>>>,
}

impl FieldValue {
    /// A plain text value.
    pub fn text(s: impl Into<String>) -> Self {
        Self {
            repetitions: vec![vec![vec![s.into()]]],
        }
    }

    /// One repetition made of these components (trailing empty components are kept, as some devices
    /// expect, e.g. Mindray's `1^^^`).
    pub fn components<S: Into<String>>(components: impl IntoIterator<Item = S>) -> Self {
        Self {
            repetitions: vec![components.into_iter().map(|c| vec![c.into()]).collect()],
        }
    }

    /// One repetition of one component made of these subcomponents (`022&BARCODE`).
    pub fn subcomponents<S: Into<String>>(subcomponents: impl IntoIterator<Item = S>) -> Self {
        Self {
            repetitions: vec![vec![subcomponents.into_iter().map(Into::into).collect()]],
        }
    }

    /// Repetitions of plain text values (`H~A`).
    pub fn repeated<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Self {
        Self {
            repetitions: values.into_iter().map(|v| vec![vec![v.into()]]).collect(),
        }
    }

    /// The full tree: repetitions of components of subcomponents.
    pub fn tree(repetitions: Vec<Vec<Vec<String>>>) -> Self {
        Self { repetitions }
    }

    /// Appends the repetitions of `other` (each keeps its components).
    pub fn and_repeat(mut self, other: Self) -> Self {
        self.repetitions.extend(other.repetitions);
        self
    }

    /// Like [`FieldValue::components`] without the trailing empty components.
    pub fn components_trimmed<S: Into<String>>(components: impl IntoIterator<Item = S>) -> Self {
        let mut parts: Vec<String> = components.into_iter().map(Into::into).collect();
        while parts.len() > 1 && parts.last().is_some_and(String::is_empty) {
            parts.pop();
        }
        Self::components(parts)
    }

    fn encode(&self, seps: &Separators, out: &mut String) {
        for (r, rep) in self.repetitions.iter().enumerate() {
            if r > 0 {
                out.push(char::from(seps.repetition));
            }
            for (c, comp) in rep.iter().enumerate() {
                if c > 0 {
                    out.push(char::from(seps.component));
                }
                for (s, sub) in comp.iter().enumerate() {
                    if s > 0 {
                        out.push(char::from(seps.subcomponent));
                    }
                    out.push_str(&escape(sub, seps));
                }
            }
        }
    }
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        Self::text(s)
    }
}

impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        Self::text(s)
    }
}

impl From<&String> for FieldValue {
    fn from(s: &String) -> Self {
        Self::text(s.as_str())
    }
}

/// One segment being written. Fields are numbered as in HL7 (for MSH, set fields from 3 on; MSH-1 and
/// MSH-2 come from the separators). Unset fields are written empty; field 0 is ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentBuilder {
    id: String,
    fields: Vec<FieldValue>,
    min_fields: usize,
}

impl SegmentBuilder {
    /// A segment with this id (`PID`, `OBX`, `ZLI`...).
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            fields: Vec::new(),
            min_fields: 0,
        }
    }

    /// Sets field `n`.
    pub fn field(mut self, n: usize, value: impl Into<FieldValue>) -> Self {
        if n > 0 {
            if self.fields.len() < n {
                self.fields.resize(n, FieldValue::default());
            }
            if let Some(f) = self.fields.get_mut(n - 1) {
                *f = value.into();
            }
        }
        self
    }

    /// Writes at least `n` fields, empty ones included (devices that expect every field present).
    pub fn pad_to(mut self, n: usize) -> Self {
        self.min_fields = self.min_fields.max(n);
        self
    }

    fn encode(&self, seps: &Separators, trailing_separator: bool, out: &mut String) {
        let fs = char::from(seps.field);
        let is_header = self.id == "MSH";
        out.push_str(&self.id);
        if is_header {
            out.push(fs);
            out.push_str(&seps.encoding_characters());
        }
        let encoded: Vec<String> = self
            .fields
            .iter()
            .map(|f| {
                let mut s = String::new();
                f.encode(seps, &mut s);
                s
            })
            .collect();
        // Trailing empty fields are not written (HL7 v2.5.1 §2.5.3), unless padding is asked for.
        let last = encoded
            .iter()
            .rposition(|s| !s.is_empty())
            .map_or(0, |i| i + 1);
        let count = last.max(self.min_fields);
        let first = if is_header { 3 } else { 1 };
        for n in first..=count {
            out.push(fs);
            if let Some(f) = encoded.get(n - 1) {
                out.push_str(f);
            }
        }
        if trailing_separator && !is_header {
            out.push(fs);
        }
    }
}

/// MSH content the caller supplies (MSH-9 comes from the builder of each message type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    /// MSH-1/MSH-2.
    pub separators: Separators,
    /// MSH-3.
    pub sending_application: String,
    /// MSH-4.
    pub sending_facility: String,
    /// MSH-5.
    pub receiving_application: String,
    /// MSH-6.
    pub receiving_facility: String,
    /// MSH-7 as HL7 DTM text (`20240206081727`); the caller reads the clock.
    pub datetime: String,
    /// MSH-10 message control id.
    pub control_id: String,
    /// MSH-11 processing id (`P`).
    pub processing_id: String,
    /// MSH-12 version id (`2.5.1`).
    pub version: String,
    /// MSH-15 accept acknowledgment type (empty for original mode).
    pub accept_ack_type: String,
    /// MSH-16 application acknowledgment type.
    pub application_ack_type: String,
    /// MSH-18 character set (`UNICODE UTF-8`; the bytes written are always UTF-8).
    pub charset: String,
    /// Write at least this many MSH fields (Mindray writes 20 and a trailing separator).
    pub min_fields: usize,
    /// End every other segment with an extra field separator, as the Mindray CL manual's examples do.
    pub trailing_separator: bool,
}

impl Default for MessageHeader {
    fn default() -> Self {
        Self {
            separators: Separators::default(),
            sending_application: String::new(),
            sending_facility: String::new(),
            receiving_application: String::new(),
            receiving_facility: String::new(),
            datetime: String::new(),
            control_id: String::new(),
            processing_id: "P".to_owned(),
            version: "2.5.1".to_owned(),
            accept_ack_type: String::new(),
            application_ack_type: String::new(),
            charset: "UNICODE UTF-8".to_owned(),
            min_fields: 0,
            trailing_separator: false,
        }
    }
}

impl MessageHeader {
    /// The layout of the Mindray CL-series host interface manual: v2.3.1, `ASCII` in MSH-18, MSH padded
    /// to 20 fields and every segment ending in a separator.
    pub fn mindray(datetime: &str, control_id: &str) -> Self {
        Self {
            datetime: datetime.to_owned(),
            control_id: control_id.to_owned(),
            version: "2.3.1".to_owned(),
            charset: "ASCII".to_owned(),
            min_fields: 20,
            trailing_separator: true,
            ..Self::default()
        }
    }
}

/// Writes one message segment by segment, each terminated by CR.
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    separators: Separators,
    trailing_separator: bool,
    out: String,
}

impl MessageBuilder {
    /// Starts a message with its MSH segment.
    pub fn new(header: &MessageHeader, message_type: MessageType<'_>) -> Self {
        let mut msg_type = vec![message_type.code.to_owned(), message_type.event.to_owned()];
        if !message_type.structure.is_empty() {
            msg_type.push(message_type.structure.to_owned());
        }
        let msh = SegmentBuilder::new("MSH")
            .field(3, &header.sending_application)
            .field(4, &header.sending_facility)
            .field(5, &header.receiving_application)
            .field(6, &header.receiving_facility)
            .field(7, &header.datetime)
            .field(9, FieldValue::components(msg_type))
            .field(10, &header.control_id)
            .field(11, &header.processing_id)
            .field(12, &header.version);
        let msh = if header.accept_ack_type.is_empty() {
            msh
        } else {
            msh.field(15, &header.accept_ack_type)
        };
        let msh = if header.application_ack_type.is_empty() {
            msh
        } else {
            msh.field(16, &header.application_ack_type)
        };
        let msh = if header.charset.is_empty() {
            msh
        } else {
            msh.field(18, &header.charset)
        };
        let msh = msh.pad_to(header.min_fields);
        let mut builder = Self {
            separators: header.separators,
            trailing_separator: header.trailing_separator,
            out: String::with_capacity(512),
        };
        msh.encode(&builder.separators, false, &mut builder.out);
        if header.trailing_separator {
            builder.out.push(char::from(header.separators.field));
        }
        builder.out.push('\r');
        builder
    }

    /// Starts a message without writing MSH: push one yourself with `SegmentBuilder::new("MSH")` (its
    /// fields from 3 on; MSH-1 and MSH-2 are written from `separators`).
    pub fn without_header(separators: Separators) -> Self {
        Self {
            separators,
            trailing_separator: false,
            out: String::with_capacity(512),
        }
    }

    /// Appends a segment.
    pub fn push(&mut self, segment: SegmentBuilder) -> &mut Self {
        segment.encode(&self.separators, self.trailing_separator, &mut self.out);
        self.out.push('\r');
        self
    }

    /// The message bytes (UTF-8, CR after every segment).
    pub fn build(self) -> Vec<u8> {
        self.out.into_bytes()
    }
}

/// A coded value (CE/CWE): `code^text^coding system`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodedValue {
    /// CE-1 identifier.
    pub code: String,
    /// CE-2 text.
    pub text: String,
    /// CE-3 coding system (`LN`, `99ROC`...).
    pub system: String,
}

impl CodedValue {
    /// A coded value from its three parts.
    pub fn new(code: &str, text: &str, system: &str) -> Self {
        Self {
            code: code.to_owned(),
            text: text.to_owned(),
            system: system.to_owned(),
        }
    }

    pub(crate) fn value(&self) -> FieldValue {
        FieldValue::components_trimmed([
            self.code.as_str(),
            self.text.as_str(),
            self.system.as_str(),
        ])
    }
}

#[cfg(test)]
mod tests;
